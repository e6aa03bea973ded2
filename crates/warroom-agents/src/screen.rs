//! Reading an agent's state from tmux and its screen. tmux liveness comes
//! first (a dead pane is exited whatever the screen shows); the screen is read
//! only in its live region at the bottom, never in the scrollback.

use serde::Serialize;
use warroom_tmux::{ControlClient, PaneId, TmuxError};

use crate::profile::{AgentProfile, ScreenPatterns};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenState {
    /// No input box and no busy marker yet.
    Starting,
    /// The input box is shown; `draft` is what is typed in it.
    Idle {
        draft: String,
    },
    Busy,
}

/// Classifies a captured screen (blank rows allowed) by the profile's patterns.
pub fn classify(patterns: &ScreenPatterns, screen: &str) -> ScreenState {
    let rows: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    let live = &rows[rows.len().saturating_sub(patterns.bottom_lines)..];
    if live
        .iter()
        .any(|row| patterns.busy.iter().any(|re| re.is_match(row)))
    {
        return ScreenState::Busy;
    }
    live.iter()
        .rev()
        .find_map(|row| patterns.composer.captures(row))
        .map(|caps| ScreenState::Idle {
            draft: caps
                .name("draft")
                .map(|m| m.as_str().trim().to_owned())
                .unwrap_or_default(),
        })
        .unwrap_or(ScreenState::Starting)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgentState {
    Starting,
    Idle,
    Busy,
    /// The process ended; the pane stays for inspection.
    Exited,
    /// The pane is gone.
    Lost,
    /// The pane runs something other than the agent (a shell, say).
    Foreign,
}

impl AgentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Starting => "starting",
            AgentState::Idle => "idle",
            AgentState::Busy => "busy",
            AgentState::Exited => "exited",
            AgentState::Lost => "lost",
            AgentState::Foreign => "foreign",
        }
    }
}

/// One look at an agent: what tmux says, then what the screen says.
#[derive(Debug, Clone)]
pub struct Observation {
    pub state: AgentState,
    pub draft: String,
    pub pid: Option<u32>,
    pub current_command: String,
    pub exit_status: Option<i32>,
    pub screen: String,
}

pub fn observe(
    client: &ControlClient,
    pane: &PaneId,
    profile: &AgentProfile,
) -> Result<Observation, TmuxError> {
    let Some(info) = client.pane(pane)? else {
        return Ok(Observation {
            state: AgentState::Lost,
            draft: String::new(),
            pid: None,
            current_command: String::new(),
            exit_status: None,
            screen: String::new(),
        });
    };
    let screen = client.capture(pane, 0)?;
    let (state, draft) = if info.dead {
        (AgentState::Exited, String::new())
    } else if !profile.processes.contains(&info.current_command) {
        (AgentState::Foreign, String::new())
    } else {
        match classify(&profile.screen, &screen) {
            ScreenState::Starting => (AgentState::Starting, String::new()),
            ScreenState::Idle { draft } => (AgentState::Idle, draft),
            ScreenState::Busy => (AgentState::Busy, String::new()),
        }
    };
    Ok(Observation {
        state,
        draft,
        pid: info.pid,
        current_command: info.current_command,
        exit_status: info.dead_status,
        screen,
    })
}
