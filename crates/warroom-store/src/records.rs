//! Rows of the projections, as the app reads and writes them.

use serde::Serialize;
use warroom_model::MessageId;
use warroom_model::TeamId;
use warroom_model::{AgentId, Millis, Outcome, Sender};
use warroom_model::{AgentState, StateSource};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamRecord {
    pub id: TeamId,
    pub name: String,
    pub team_type: Option<String>,
    pub project_dir: String,
    pub purpose: Option<String>,
    pub tmux_socket: String,
    pub created_at: Millis,
    pub ended_at: Option<Millis>,
    /// The supervision policy watching it (`None`: the default).
    pub supervision: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewTeam<'a> {
    pub name: &'a str,
    pub team_type: Option<&'a str>,
    pub project_dir: &'a str,
    pub purpose: Option<&'a str>,
    pub tmux_socket: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRecord {
    pub id: AgentId,
    pub team_id: TeamId,
    pub window: u32,
    pub role: String,
    pub display_name: String,
    /// The agent profile actually launched (`sim` when standing in).
    pub cli: String,
    /// The agent CLI the configuration asked for.
    pub configured_cli: String,
    pub command: Vec<String>,
    pub pane_id: Option<String>,
    pub pid: Option<u32>,
    pub restarts: u32,
    pub created_at: Millis,
    /// The agent's own checkout (a git worktree), if not the project's.
    pub workdir: Option<String>,
    pub branch: Option<String>,
    /// The fused state (`starting`, `idle`, `busy`...), its detail, which
    /// source decided it (`hook`, `tmux`, `screen`) and since when.
    pub state: AgentState,
    pub state_detail: Option<String>,
    pub state_source: Option<StateSource>,
    pub state_since: Option<Millis>,
    /// The newest state the CLI's hooks reported, and when.
    pub hook_state: Option<AgentState>,
    pub hook_detail: Option<String>,
    pub hook_at: Option<Millis>,
    /// The CLI's own session id (from its hooks), for resuming.
    pub session_id: Option<String>,
    /// The last meaningful line of its screen (redacted), and when the
    /// supervisor saw it.
    pub last_line: Option<String>,
    pub last_line_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct NewAgent<'a> {
    pub team_id: TeamId,
    pub window: u32,
    pub role: &'a str,
    pub display_name: &'a str,
    pub cli: &'a str,
    pub configured_cli: &'a str,
    pub command: &'a [String],
}

pub use warroom_model::MessageKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageRecord {
    pub id: MessageId,
    pub team_id: TeamId,
    pub kind: MessageKind,
    pub sender_kind: String,
    pub sender_agent: Option<AgentId>,
    pub sender_label: String,
    pub recipient: AgentId,
    pub body: String,
    /// `typed` or `paste`; empty until delivery chose.
    pub transport: String,
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub team_id: TeamId,
    pub kind: MessageKind,
    pub sender: &'a Sender,
    pub recipient: AgentId,
    pub body: &'a str,
}
