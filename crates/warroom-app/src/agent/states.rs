//! Agent states: one look at every agent of a team (tmux, then the screen),
//! fused with what the CLI's hooks last reported, recorded with its source
//! when it changed; and `warroom hook <event>`, which records a hook.

use warroom_agents::hooks::{self, HookState};
use warroom_agents::{AgentState, HookProtocol, Observation, StateSource, observe};
use warroom_model::redact::redact;
use warroom_store::{AgentRecord, TeamRecord};
use warroom_tmux::ControlClient;

use crate::team::deploy::pane_of;
use crate::{App, AppError};

/// How many screen rows an event keeps as evidence.
pub(crate) const EVIDENCE_ROWS: usize = 12;

/// An agent's state as fused from tmux, its screen and its hooks.
pub(crate) struct Fused {
    pub state: AgentState,
    pub source: StateSource,
    pub detail: Option<String>,
    /// Whether it differs from the recorded state (and was recorded).
    pub changed: bool,
}

/// What `warroom hook` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HookOutcome {
    pub agent: Option<i64>,
    pub event: String,
    pub state: Option<AgentState>,
}

impl App {
    /// Looks at every agent of a live team and records each state change.
    pub fn refresh_states(&self, team: &TeamRecord) -> Result<(), AppError> {
        let agents = self.store().agents(team.id)?;
        if !self.tmux.has_session(&team.name)? {
            for agent in &agents {
                self.record_state(agent, AgentState::Lost, StateSource::Tmux, None, || None)?;
            }
            return Ok(());
        }
        let client = self.tmux.control(&team.name)?;
        for agent in &agents {
            self.refresh_agent(&client, agent)?;
        }
        Ok(())
    }

    /// One agent's fused state, recorded; returns the observation.
    pub(crate) fn refresh_agent(
        &self,
        client: &ControlClient,
        agent: &AgentRecord,
    ) -> Result<(AgentState, Observation), AppError> {
        let pane = pane_of(agent)?;
        let profile = self.config.profile(&agent.cli)?;
        let obs = observe(client, &pane, profile)?;
        let fused = self.record_fused(agent, &obs)?;
        Ok((fused.state, obs))
    }

    /// Keeps the last meaningful line of the agent's screen for live views,
    /// when it changed, at most four times a second per agent.
    fn record_last_line(
        &self,
        agent: &AgentRecord,
        obs: &warroom_agents::Observation,
        now: warroom_model::Millis,
    ) -> Result<(), AppError> {
        let Some(line) = warroom_agents::meaningful_line(&obs.tail(LAST_LINE_ROWS)) else {
            return Ok(());
        };
        let line = warroom_model::redact::redact(&line).text;
        let recent = agent.last_line_at.is_some_and(|at| now - at < 250);
        if agent.last_line.as_deref() == Some(line.as_str()) || recent {
            return Ok(());
        }
        self.write("supervisor", |tx| Ok(tx.set_last_line(agent.id, &line)?))
    }

    /// Fuses an observation with the agent's last hook, and records the
    /// state when it changed (with the screen as evidence unless a hook
    /// decided).
    pub(crate) fn record_fused(
        &self,
        agent: &AgentRecord,
        obs: &Observation,
    ) -> Result<Fused, AppError> {
        self.record_last_line(agent, obs, self.now())?;
        let hook = hook_state(agent);
        let (state, source, detail) = hooks::fuse(hook.as_ref(), obs, self.now());
        // What a screen or a hook says may show a secret the agent read; it
        // goes on to events, notices and views, so it is redacted here.
        let detail = detail.map(|d| redact(&d).text);
        let changed = self.record_state(agent, state, source, detail.as_deref(), || {
            (source != StateSource::Hook).then(|| obs.tail(EVIDENCE_ROWS))
        })?;
        Ok(Fused {
            state,
            source,
            detail,
            changed,
        })
    }

    fn record_state(
        &self,
        agent: &AgentRecord,
        state: AgentState,
        source: StateSource,
        detail: Option<&str>,
        evidence: impl FnOnce() -> Option<String>,
    ) -> Result<bool, AppError> {
        // Most looks change nothing: no evidence is gathered, no write made.
        if agent.state == state && agent.state_detail.as_deref() == detail {
            return Ok(false);
        }
        // Screens and the CLI's own words can show a secret the agent read.
        let evidence = evidence().map(|e| redact(&e).text);
        let detail = detail.map(|d| redact(d).text);
        self.write("warroom", |tx| {
            Ok(tx.set_agent_state(agent, state, source, detail.as_deref(), evidence.as_deref())?)
        })
    }

    /// `warroom hook <event>`, run by an agent CLI's hook with the event's
    /// JSON on stdin. Outside a warroom agent (no `WARROOM_AGENT_ID`) it
    /// does nothing: the same settings may serve a person's own sessions.
    pub fn record_hook(&self, event: &str, input: &str) -> Result<HookOutcome, AppError> {
        let agent_id = self.agent_id.as_deref().and_then(|raw| raw.parse().ok());
        let Some(agent_id) = agent_id else {
            return Ok(HookOutcome {
                agent: None,
                event: event.to_owned(),
                state: None,
            });
        };
        let agent = self.stored_agent(agent_id)?;
        let profile = self.config.profile(&agent.cli)?;
        if profile.hooks != HookProtocol::Claude {
            return Err(AppError::bad_input(format!(
                "{} agents have no hooks warroom reads",
                agent.cli
            )));
        }
        let fact =
            hooks::parse_claude(event, input).map_err(|e| AppError::bad_input(e.to_string()))?;
        let state = fact.state;
        let evidence = format!("hook {}", fact.event);
        let detail = fact.detail.as_deref().map(|d| redact(d).text);
        self.write("warroom", |tx| {
            tx.record_hook(
                agent.id,
                state,
                detail.as_deref(),
                fact.session_id.as_deref(),
            )?;
            // A hook is the CLI's own word: it moves the recorded state at
            // once (the next look fuses it with tmux and the screen).
            if let Some(state) = state {
                let dead = matches!(agent.state, AgentState::Exited | AgentState::Lost);
                if !dead {
                    tx.set_agent_state(
                        &agent,
                        state,
                        StateSource::Hook,
                        detail.as_deref(),
                        Some(&evidence),
                    )?;
                }
            }
            Ok(())
        })?;
        Ok(HookOutcome {
            agent: Some(agent.id.0),
            event: fact.event,
            state,
        })
    }
}

pub(crate) fn hook_state(agent: &AgentRecord) -> Option<HookState> {
    Some(HookState {
        state: agent.hook_state?,
        detail: agent.hook_detail.clone(),
        at_ms: agent.hook_at?,
    })
}

impl App {
    /// The settings file passed to a hook-speaking CLI (`--settings`): it
    /// adds warroom's hooks for that process only, so the engineer's own
    /// settings files are never edited. Written once per data directory.
    pub(crate) fn hook_settings(
        &self,
        profile: &warroom_agents::AgentProfile,
    ) -> Result<std::path::PathBuf, AppError> {
        let path = self
            .data_dir
            .join("hooks")
            .join(format!("{}-settings.json", profile.name));
        let text = hooks::claude_settings(&self.warroom_exe.to_string_lossy());
        write_if_changed(&path, &text)?;
        Ok(path)
    }

    /// Where warroom's MCP configuration is written.
    pub(crate) fn mcp_config_path(&self) -> std::path::PathBuf {
        self.data_dir.join("mcp").join("warroom-mcp.json")
    }

    /// The MCP configuration an agent CLI is started with (Claude Code's
    /// `--mcp-config`): warroom's own server, run by this binary; the agent
    /// is known from the environment the pane passes on (`WARROOM_AGENT_ID`).
    pub(crate) fn mcp_config(&self) -> Result<std::path::PathBuf, AppError> {
        let path = self.mcp_config_path();
        let text = serde_json::json!({
            "mcpServers": {
                "warroom": {
                    "command": self.warroom_exe.to_string_lossy(),
                    "args": ["mcp"],
                }
            }
        })
        .to_string();
        write_if_changed(&path, &text)?;
        Ok(path)
    }
}

/// Writes a file warroom owns when its text differs (agents read it at
/// start: an unchanged file is left as it is).
fn write_if_changed(path: &std::path::Path, text: &str) -> Result<(), AppError> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    path.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, text))
        .map_err(|e| AppError::failed(format!("{}: {e}", path.display())))
}

/// How much of a screen's bottom the last meaningful line is looked for in.
const LAST_LINE_ROWS: usize = 60;
