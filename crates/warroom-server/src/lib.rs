//! `warroom daemon`: the supervisor. The same binary, re-executed detached,
//! one per data directory. It watches every live team's agents, acts on
//! evidence (restart, park, notify, nudge), runs the incident timers, and
//! restores a team whose tmux server died. See DESIGN.md, "daemon".

mod daemon;
pub mod http;
mod lifecycle;
pub mod mcp;
mod supervisor;

pub use daemon::{LogFollower, run_daemon};
pub use lifecycle::{
    DaemonError, DaemonGuard, DaemonInfo, DaemonPaths, PROTOCOL, Probe, StartSpec, Started,
    VERSION, ensure_running, log_line, stop,
};
pub use supervisor::{OpenApp, Supervisor};
