//! What actions return: plain data the front ends print or serialise.

use serde::Serialize;
use warroom_model::{
    AgentId, AgentState, MessageId, MessageKind, Millis, Outcome, StateSource, Transport,
};

#[derive(Debug, Clone, Serialize)]
pub struct TeamView {
    pub name: String,
    pub team_type: Option<String>,
    pub purpose: Option<String>,
    pub project_dir: String,
    pub created_at: Millis,
    pub ended_at: Option<Millis>,
    pub agents: usize,
    /// Whether the team's tmux session exists.
    pub session: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentView {
    pub id: AgentId,
    pub team: String,
    pub window: u32,
    pub target: String,
    pub role: String,
    pub name: String,
    pub cli: String,
    /// The CLI the configuration asked for, when the simulated agent stands in.
    pub stands_in_for: Option<String>,
    pub pane: Option<String>,
    pub pid: Option<u32>,
    pub restarts: u32,
    /// Live state, when it was looked at.
    pub state: Option<ViewState>,
    /// What the state carries (a draft, retrying, the dialog, the error).
    pub state_detail: Option<String>,
    /// Which source decided the state: `hook`, `tmux` or `screen`.
    pub state_source: Option<StateSource>,
    pub state_since: Option<i64>,
    /// The agent's own checkout, and its branch when it is a worktree.
    pub workdir: Option<String>,
    pub branch: Option<String>,
    /// The last meaningful line of its screen, as the supervisor last saw it.
    pub last_line: Option<String>,
}

/// An agent's state as a view shows it: as fused while its team runs, or
/// `stopped` once the team was stopped (its last state would be stale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ViewState {
    Live(AgentState),
    Stopped(TeamStopped),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TeamStopped {
    Stopped,
}

impl std::fmt::Display for ViewState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ViewState::Live(state) => state.fmt(f),
            ViewState::Stopped(_) => f.write_str("stopped"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamStatus {
    pub team: TeamView,
    pub agents: Vec<AgentView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageResult {
    pub message_id: MessageId,
    pub to: AgentView,
    pub outcome: Outcome,
    pub transport: Transport,
    pub detail: Option<String>,
    /// Secrets taken out of the text before it was stored or typed.
    pub redacted: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BroadcastResult {
    pub team: String,
    pub results: Vec<MessageResult>,
    /// Secrets taken out of the text before it was stored or typed.
    pub redacted: usize,
}

impl BroadcastResult {
    pub fn all_submitted(&self) -> bool {
        self.results.iter().all(|r| r.outcome.is_success())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LaunchedAgent {
    pub agent: AgentView,
    pub ready: bool,
    pub ready_ms: Option<i64>,
    /// The screen's last rows when the agent did not become ready.
    pub screen_tail: Option<String>,
    /// What a person can do about it (a start-up gate warroom cannot pass).
    pub hint: Option<String>,
    pub briefing: Option<MessageResult>,
}

impl LaunchedAgent {
    pub fn ok(&self) -> bool {
        self.ready
            && self
                .briefing
                .as_ref()
                .is_some_and(|b| b.outcome.is_success())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DeployResult {
    /// The incident a new team works on, and whether the deploy created it
    /// (none when agents join a team).
    pub incident: Option<IncidentLink>,
    pub team: String,
    pub tmux_socket: String,
    pub agents: Vec<LaunchedAgent>,
    pub elapsed_ms: i64,
}

/// How a deployed team came to its incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentLinkKind {
    /// No incident was open without a team: the deploy declared one.
    Created,
    /// The only open incident without a team.
    Joined,
    /// The incident `--incident` named.
    Named,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentLink {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub how: IncidentLinkKind,
    /// Declared by the deploy, not assessed yet (`incident edit` does that).
    pub implicit: bool,
}

impl DeployResult {
    pub fn all_ready(&self) -> bool {
        self.agents.iter().all(LaunchedAgent::ok)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RestartResult {
    pub agent: AgentView,
    pub old_pid: Option<u32>,
    pub new_pid: Option<u32>,
    pub restore_context: bool,
    pub ready: bool,
    pub context: Option<MessageResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub id: MessageId,
    pub at: Millis,
    pub kind: MessageKind,
    pub from: String,
    pub from_kind: String,
    pub to: String,
    pub to_agent: AgentId,
    pub outcome: Outcome,
    pub transport: String,
    pub detail: Option<String>,
    pub text: String,
}
