//! Pure types and policies of warroom. No I/O, no async: everything here is
//! tested with plain unit and property tests.

pub mod agent;
pub mod event;
pub mod ids;
pub mod incident;
pub mod message;
pub mod names;
pub mod redact;
pub mod roles;
pub mod rollout;
pub mod span;
pub mod supervision;
pub mod target;

pub use agent::{AgentState, StateSource};
pub use event::{Event, EventKind};
pub use ids::{IncidentId, MessageId, TeamId, TodoId};
pub use incident::todo::{Owner, Priority, Todo, TodoKind, TodoStatus, parse_todo_ref, todo_ref};
pub use incident::{
    Impact, Incident, IncidentError, IncidentEvent, Milestone, Phase, Policy, PullRequestRef,
    Severity, incident_ref, parse_incident_ref,
};
pub use message::{
    Envelope, MAX_MESSAGE_BYTES, MessageError, MessageKind, MessageText, Outcome, Sender, Transport,
};
pub use names::{AgentId, NameError, TeamName};
pub use roles::{
    Catalogue, CatalogueError, RoleSpec, RosterEntry, TeamTypeSpec, briefing, production_holder,
};
pub use span::Span;
pub use target::{Target, TargetError};

/// Milliseconds since the Unix epoch, UTC: how every time is stored.
pub type Millis = i64;
