//! One method per user action. The CLI (and later the daemon, the API and
//! the dashboard) call these; none of them talks to tmux or SQL directly.

mod agent;
mod api;
mod app;
pub mod config;
mod dashboard;
mod demo;
mod doctor;
mod error;
mod incident;
mod pipeline;
mod rollout;
mod store_pool;
mod supervise;
mod team;
#[cfg(test)]
mod testing;
mod views;

pub use agent::messages::ExportFormat;
pub use api::{
    AuthError, Caller, EventView, NewToken, PublicIncident, PublicUpdate, Scope, StatusPageView,
    TokenView,
};
pub use app::{App, AppOptions, Clock, DRILL_ANCHOR_VAR, DRILL_START_VAR};
pub use config::Config;
pub use dashboard::{DashboardView, Need, UpdateLine};
pub use demo::{BRANCH as DEMO_BRANCH, DemoOptions, DemoProduction, DemoResult, DemoStep};
pub use doctor::{CheckStatus, DoctorCheck, DoctorView};
pub use error::{AppError, ErrorKind, Hint};
pub use incident::declare::{DeclareOptions, IncidentEdit};
pub use incident::performance::{AgentPerformance, Bottleneck, PerformanceView, TodoThroughput};
pub use incident::postmortem::DocFormat;
pub use incident::report::{IncidentStory, ReportData, render_incident_report};
pub use incident::todos::{TodoAdd, TodoChange};
pub use incident::updates::UpdateInput;
pub use incident::views::{
    AttachedLog, ChannelDelivery, DeclareResult, IncidentView, LogView, MilestoneView, TodoView,
    UpdateResult,
};
pub use pipeline::checks::{CheckOptions, CheckView, FailedTest, RunView};
pub use pipeline::pull_request::{CheckRef, PullRequestOptions, PullRequestView};
pub use rollout::{CanaryOptions, MeasurementView, RolloutView, StepView};
pub use supervise::{SupervisedAgent, SupervisedTeam, TeamWatcher, TickReport};
pub use team::deploy::DeployOptions;
pub use views::{
    AgentView, BroadcastResult, DeployResult, IncidentLink, IncidentLinkKind, LaunchedAgent,
    MessageResult, MessageView, RestartResult, TeamStatus, TeamView, ViewState,
};
pub use warroom_ops::Opened;
pub use warroom_ops::checks::select::Tier;
pub use warroom_ops::checks::{Runner, Verdict};
pub use warroom_tmux::Socket;
