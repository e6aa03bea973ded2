//! Bringing back a team whose tmux session died (the tmux server was
//! killed, or the machine's tmux crashed): a new session, every agent
//! relaunched in its own window and worktree, each told where the team
//! stands.

use warroom_model::EventKind;
use warroom_store::TeamRecord;

use crate::{App, AppError};

impl App {
    /// A team (just read as live) whose agents had all started: one that
    /// lost its session, not one still being deployed. `team kill` ends a
    /// team before its session, so a stopped team never looks like this.
    pub(crate) fn restorable(&self, team: &TeamRecord) -> Result<bool, AppError> {
        let agents = self.store().agents(team.id)?;
        Ok(!agents.is_empty() && agents.iter().all(|a| a.pane_id.is_some()))
    }

    pub(crate) fn restore_team(&self, team: &TeamRecord, reason: &str) -> Result<(), AppError> {
        let agents = self.store().agents(team.id)?;
        let client = self.spawn_all(team, &agents)?;
        self.write("supervisor", |tx| {
            Ok(tx.event(
                Some(team.id),
                &EventKind::TeamRestored {
                    team: team.name.clone(),
                    agents: agents.len(),
                    reason: reason.to_owned(),
                },
            )?)
        })?;
        let agents = self.store().agents(team.id)?;
        let launched = self.ready_and_brief(&client, team, &agents, true)?;
        // What waited for them while the server was down reaches them now.
        for (agent, launch) in agents.iter().zip(&launched) {
            if launch.ok() {
                self.deliver_held(team, agent.id);
            }
        }
        Ok(())
    }
}
