//! A team: deploying it (plans, worktrees, panes, briefings), adding to it,
//! restarting its agents, resolving targets, stopping it.

pub(crate) mod deploy;
pub(crate) mod lifecycle;
pub(crate) mod readiness;
pub(crate) mod resolve;
pub(crate) mod restart;
pub(crate) mod worktree;
