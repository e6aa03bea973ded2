//! An agent's state, as warroom fuses it from tmux, the CLI's hooks and its
//! screen, and which of those decided it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgentState {
    Starting,
    Idle,
    Busy,
    /// Waiting for a person: a permission dialog or a question.
    Waiting,
    RateLimited,
    /// The turn ended on an API error (server, auth, bad request).
    Error,
    /// Blocked at a start-up gate (login, trust, onboarding, a warning).
    Gated,
    /// The process ended; the pane stays for inspection.
    Exited,
    /// The pane is gone.
    Lost,
    /// The pane runs something other than the agent (a shell, say).
    Foreign,
}

impl AgentState {
    pub const ALL: [AgentState; 10] = [
        AgentState::Starting,
        AgentState::Idle,
        AgentState::Busy,
        AgentState::Waiting,
        AgentState::RateLimited,
        AgentState::Error,
        AgentState::Gated,
        AgentState::Exited,
        AgentState::Lost,
        AgentState::Foreign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Starting => "starting",
            AgentState::Idle => "idle",
            AgentState::Busy => "busy",
            AgentState::Waiting => "waiting",
            AgentState::RateLimited => "rate-limited",
            AgentState::Error => "error",
            AgentState::Gated => "gated",
            AgentState::Exited => "exited",
            AgentState::Lost => "lost",
            AgentState::Foreign => "foreign",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the composer takes input in this state (an error or a rate
    /// limit ends the turn and leaves the composer free).
    pub fn takes_input(self) -> bool {
        matches!(
            self,
            AgentState::Idle | AgentState::Error | AgentState::RateLimited
        )
    }

    /// States the agent will not leave by itself.
    pub fn needs_someone(self) -> bool {
        matches!(
            self,
            AgentState::Exited
                | AgentState::Lost
                | AgentState::Foreign
                | AgentState::Gated
                | AgentState::Waiting
        )
    }
}

impl std::fmt::Display for AgentState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which source decided a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateSource {
    Hook,
    Tmux,
    Screen,
}

impl StateSource {
    pub const ALL: [StateSource; 3] = [StateSource::Hook, StateSource::Tmux, StateSource::Screen];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StateSource::Hook => "hook",
            StateSource::Tmux => "tmux",
            StateSource::Screen => "screen",
        }
    }
}

impl std::fmt::Display for StateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
