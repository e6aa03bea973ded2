//! Pure types and policies of warroom. No I/O, no async: everything here is
//! tested with plain unit and property tests.

pub mod event;
pub mod message;
pub mod names;
pub mod roles;
pub mod target;

pub use event::{Event, EventKind};
pub use message::{
    Envelope, MAX_MESSAGE_BYTES, MessageError, MessageText, Outcome, Sender, Transport,
};
pub use names::{AgentId, NameError, TeamName};
pub use roles::{Catalogue, CatalogueError, RoleSpec, RosterEntry, TeamTypeSpec, briefing};
pub use target::{Target, TargetError};

/// Milliseconds since the Unix epoch, UTC: how every time is stored.
pub type Millis = i64;
