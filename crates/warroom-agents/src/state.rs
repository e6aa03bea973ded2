//! An agent's state, from tmux and its screen. tmux liveness comes first (a
//! dead pane is exited whatever the screen shows, a missing pane is lost);
//! then what runs in the pane (never a shell taken for the agent); then the
//! screen. Hooks, where a CLI has them, are fused above this in `fusion`.

use warroom_tmux::{ControlClient, PaneId, PaneInfo, TmuxError};

use crate::profile::AgentProfile;
use crate::screen::{ScreenState, classify};

pub use warroom_model::{AgentState, StateSource};

/// One look at an agent: what tmux says, then what the screen says.
#[derive(Debug, Clone)]
pub struct Observation {
    pub state: AgentState,
    pub source: StateSource,
    /// What the screen showed, when the screen decided.
    pub screen_state: Option<ScreenState>,
    pub draft: String,
    pub pid: Option<u32>,
    pub current_command: String,
    pub exit_status: Option<i32>,
    pub exit_signal: Option<i32>,
    pub screen: String,
}

impl Observation {
    pub fn detail(&self) -> Option<String> {
        if let Some(status) = self.exit_status {
            return Some(format!("status {status}"));
        }
        if let Some(signal) = self.exit_signal {
            return Some(format!("signal {signal}"));
        }
        if self.state == AgentState::Foreign {
            return Some(format!("runs {}", self.current_command));
        }
        self.screen_state.as_ref().and_then(ScreenState::detail)
    }

    /// The last `n` non-blank rows of the screen, as evidence.
    pub fn tail(&self, n: usize) -> String {
        let rows = crate::screen::rows(&self.screen);
        rows[rows.len().saturating_sub(n)..].join("\n")
    }
}

pub fn state_of(screen: &ScreenState) -> AgentState {
    match screen {
        ScreenState::Starting => AgentState::Starting,
        ScreenState::Idle { .. } => AgentState::Idle,
        ScreenState::Busy { .. } => AgentState::Busy,
        ScreenState::Waiting { .. } => AgentState::Waiting,
        ScreenState::Gate { .. } => AgentState::Gated,
        ScreenState::Error { .. } => AgentState::Error,
        ScreenState::RateLimited { .. } => AgentState::RateLimited,
        ScreenState::Exited => AgentState::Exited,
    }
}

pub fn observe(
    client: &ControlClient,
    pane: &PaneId,
    profile: &AgentProfile,
) -> Result<Observation, TmuxError> {
    let info = client.pane(pane)?;
    let screen = match &info {
        Some(_) => client.capture(pane, 0)?,
        None => String::new(),
    };
    Ok(judge(info.as_ref(), screen, profile))
}

/// The state from what tmux said of the pane (from one batched query; `None`
/// when the pane is gone) and its captured screen: process liveness first,
/// then the screen.
pub fn judge(info: Option<&PaneInfo>, screen: String, profile: &AgentProfile) -> Observation {
    let Some(info) = info else {
        return Observation {
            state: AgentState::Lost,
            source: StateSource::Tmux,
            screen_state: None,
            draft: String::new(),
            pid: None,
            current_command: String::new(),
            exit_status: None,
            exit_signal: None,
            screen,
        };
    };
    let mut obs = Observation {
        state: AgentState::Exited,
        source: StateSource::Tmux,
        screen_state: None,
        draft: String::new(),
        pid: info.pid,
        current_command: info.current_command.clone(),
        exit_status: info.dead_status,
        exit_signal: info.dead_signal,
        screen,
    };
    if info.dead {
        return obs;
    }
    obs.exit_status = None;
    obs.exit_signal = None;
    if !profile.processes.contains(&obs.current_command) {
        obs.state = AgentState::Foreign;
        return obs;
    }
    let seen = classify(&profile.screen, &obs.screen);
    obs.state = state_of(&seen);
    obs.source = StateSource::Screen;
    if let ScreenState::Idle { draft } = &seen {
        obs.draft = draft.clone();
    }
    obs.screen_state = Some(seen);
    obs
}
