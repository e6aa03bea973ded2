//! Whether a started agent shows its idle prompt in time, and if not, what
//! its screen shows and what a person can do about it.

use std::time::{Duration, Instant};

use warroom_agents::{AgentState, wait_until_idle};
use warroom_model::EventKind;
use warroom_model::redact::redact;
use warroom_store::{AgentRecord, TeamRecord};
use warroom_tmux::ControlClient;

use crate::team::deploy::pane_of;
use crate::{App, AppError};

impl App {
    /// Whether the agent showed its idle prompt in time, how long it took,
    /// and the screen's last rows if it did not.
    pub(crate) fn wait_ready(
        &self,
        client: &ControlClient,
        team: &TeamRecord,
        agent: &AgentRecord,
    ) -> Result<Readiness, AppError> {
        let start = Instant::now();
        let pane = pane_of(agent)?;
        let profile = self.config.profile(&agent.cli)?;
        let timeout = Duration::from_secs(self.config.delivery.ready_secs);
        let obs = wait_until_idle(client, &pane, profile, timeout)?;
        if obs.state == AgentState::Idle {
            let after_ms = start.elapsed().as_millis() as i64;
            self.write("warroom", |tx| {
                Ok(tx.event(
                    Some(team.id),
                    &EventKind::AgentReady {
                        agent: agent.id,
                        after_ms,
                    },
                )?)
            })?;
            return Ok(Readiness {
                ready: true,
                after_ms: Some(after_ms),
                tail: None,
                hint: None,
            });
        }
        // The screen may show part of a key (Claude's API key question does).
        let tail = redact(&obs.tail(8)).text;
        let hint = (obs.state == AgentState::Gated)
            .then(|| gate_hint(&agent.cli, obs.detail().as_deref(), &team.name))
            .flatten();
        Ok(Readiness {
            ready: false,
            after_ms: None,
            tail: Some(format!("[{}] {tail}", obs.state.as_str())),
            hint,
        })
    }
}

/// Whether an agent showed its idle prompt in time, and if not, what its
/// screen showed and what a person can do.
pub(crate) struct Readiness {
    pub ready: bool,
    pub after_ms: Option<i64>,
    pub tail: Option<String>,
    pub hint: Option<String>,
}

/// What a person does about a start-up gate warroom cannot pass itself.
fn gate_hint(cli: &str, gate: Option<&str>, team: &str) -> Option<String> {
    match (cli, gate?) {
        ("claude", "api-key") => Some(format!(
            "Claude Code asks whether to use the API key in its environment (it has never seen it). Approve it once: warroom attach {team}, choose Yes in each window; or let warroom approve it before launch: approve_api_key = true under [agents.claude] in warroom.toml"
        )),
        (_, "trust") => Some(format!(
            "the CLI asks whether to trust the folder; answer it: warroom attach {team}"
        )),
        (_, "login") => Some(format!(
            "the CLI needs a login or an API key in warroom's environment; log in once: warroom attach {team}"
        )),
        _ => None,
    }
}
