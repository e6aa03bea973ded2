//! One method per user action. The CLI (and later the daemon, the API and
//! the dashboard) call these; none of them talks to tmux or SQL directly.

mod app;
mod briefing;
mod comms;
pub mod config;
mod declare;
mod demo;
mod doctor;
mod document;
mod error;
mod escalate;
pub mod incident;
mod incident_views;
pub mod launch;
mod messages;
mod performance;
pub mod postmortem;
mod report;
mod resolve;
mod restart;
mod send;
mod states;
mod supervise;
mod teams;
pub mod todos;
mod views;
mod worktree;

pub use app::{App, AppOptions, Clock, DRILL_ANCHOR_VAR, DRILL_START_VAR};
pub use comms::UpdateInput;
pub use config::Config;
pub use declare::{DeclareOptions, IncidentEdit};
pub use demo::{DemoOptions, DemoResult, DemoStep};
pub use doctor::{CheckStatus, DoctorCheck, DoctorView};
pub use error::{AppError, ErrorKind};
pub use incident_views::{
    DeclareResult, IncidentView, LogView, MilestoneView, TodoView, UpdateResult,
};
pub use launch::DeployOptions;
pub use messages::ExportFormat;
pub use performance::{AgentPerformance, Bottleneck, PerformanceView, TodoThroughput};
pub use postmortem::DocFormat;
pub use report::{IncidentStory, ReportData, render_incident_report};
pub use supervise::{SupervisedAgent, SupervisedTeam, TeamWatcher, TickReport};
pub use todos::{TodoAdd, TodoChange};
pub use views::{
    AgentView, BroadcastResult, DeployResult, IncidentLink, IncidentLinkKind, LaunchedAgent,
    MessageResult, MessageView, RestartResult, TeamStatus, TeamView,
};
pub use warroom_tmux::Socket;
