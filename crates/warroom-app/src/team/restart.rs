//! `agent restart` and the supervisor's restarts: a new process for an
//! agent, in its pane or (when the pane is gone) a new window at its index,
//! then its briefing or its restored context.

use std::time::{Duration, Instant};

use warroom_store::{AgentRecord, TeamRecord};
use warroom_tmux::{ControlClient, PaneId};

use crate::team::deploy::{pane_of, stand_in};
use crate::views::RestartResult;
use crate::{App, AppError};

impl App {
    /// `agent restart <target> [--restore-context]`: a new process in the
    /// same pane, then its briefing, or with `restore_context` its briefing,
    /// the team's purpose and its last messages. A person restarting an
    /// agent also puts it back under supervision if it had been given up.
    pub fn restart(&self, target: &str, restore_context: bool) -> Result<RestartResult, AppError> {
        let (team, agent) = self.resolve(target)?;
        let client = self.control(&team)?;
        let actor = self.actor()?.label();
        let result = self.restart_agent(&client, &team, &agent, restore_context, &actor)?;
        self.write(&actor, |tx| Ok(tx.clear_watch(agent.id)?))?;
        Ok(result)
    }

    /// Starts the agent's process again: in its pane (respawned), or in a
    /// new window at its index when the pane is gone; then waits for its
    /// prompt and delivers its briefing or restored context.
    pub(crate) fn restart_agent(
        &self,
        client: &ControlClient,
        team: &TeamRecord,
        agent: &AgentRecord,
        restore_context: bool,
        actor: &str,
    ) -> Result<RestartResult, AppError> {
        let pane = pane_of(agent)?;
        let spawn = self.spawn_spec(team, agent);
        let (old_pid, new_pid) = match client.pane(&pane)? {
            Some(info) => {
                let old_pid = info.pid.or(agent.pid);
                client.respawn(&pane, &spawn)?;
                (old_pid, self.wait_new_pid(client, agent, &pane, old_pid)?)
            }
            None => {
                let info = client.new_window(agent.window, &spawn)?;
                self.write(actor, |tx| {
                    Ok(tx.agent_started(agent, info.pane_id.as_str(), info.pid, stand_in(agent))?)
                })?;
                (agent.pid, info.pid)
            }
        };
        self.write(actor, |tx| {
            Ok(tx.agent_restarted(agent, new_pid, restore_context)?)
        })?;
        let agent = self.stored_agent(agent.id)?;
        let ready = self.wait_ready(client, team, &agent)?;
        let context = if ready.ready {
            Some(self.brief(client, team, &agent, restore_context)?)
        } else {
            None
        };
        if context.as_ref().is_some_and(|c| c.outcome.is_success()) {
            self.deliver_held(team, agent.id);
        }
        Ok(RestartResult {
            agent: self.agent_view(team, &agent),
            old_pid,
            new_pid,
            restore_context,
            ready: ready.ready,
            context,
        })
    }

    fn wait_new_pid(
        &self,
        client: &ControlClient,
        agent: &AgentRecord,
        pane: &PaneId,
        old_pid: Option<u32>,
    ) -> Result<Option<u32>, AppError> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let info = client.pane(pane)?;
            match info.and_then(|p| p.pid.filter(|_| !p.dead)) {
                Some(pid) if Some(pid) != old_pid => return Ok(Some(pid)),
                _ if Instant::now() > deadline => {
                    return Err(AppError::failed(format!(
                        "{} did not start again within 5 s",
                        agent.id
                    )));
                }
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}
