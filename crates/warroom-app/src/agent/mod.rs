//! An agent: how a message reaches it (delivery, its log), how its state is
//! read (tmux, hooks, screen), and what it is told (briefing, context).

pub(crate) mod briefing;
pub(crate) mod delivery;
pub(crate) mod messages;
pub(crate) mod states;
