//! One method per user action. The CLI (and later the daemon, the API and
//! the dashboard) call these; none of them talks to tmux or SQL directly.

mod app;
pub mod config;
mod demo;
mod error;
pub mod launch;
mod messages;
mod report;
mod resolve;
mod send;
mod teams;
mod views;

pub use app::{App, AppOptions, Clock};
pub use config::Config;
pub use demo::{DemoOptions, DemoResult, DemoStep};
pub use error::{AppError, ErrorKind};
pub use launch::DeployOptions;
pub use messages::ExportFormat;
pub use report::{ReportData, render_incident_report};
pub use views::{
    AgentView, BroadcastResult, DeployResult, LaunchedAgent, MessageResult, MessageView,
    RestartResult, TeamStatus, TeamView,
};
pub use warroom_tmux::Socket;
