//! What people ask of the supervision: which policy watches which team,
//! how its agents stand, and `recovery start`.

use serde::Serialize;
use warroom_model::AgentState;
use warroom_model::{EventKind, Millis};
use warroom_store::TeamRecord;

use crate::{App, AppError};

#[derive(Debug, Clone, Serialize)]
pub struct SupervisedTeam {
    pub team: String,
    pub policy: String,
    pub agents: Vec<SupervisedAgent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SupervisedAgent {
    pub target: String,
    pub role: String,
    pub state: AgentState,
    pub state_since: Option<Millis>,
    /// Restarts by the supervisor within its window.
    pub restarts: usize,
    /// Given up after too many restarts: a person must restart it.
    pub failed: bool,
    pub parked_until: Option<Millis>,
}

impl App {
    /// Every live team on this tmux server and how its agents stand.
    pub fn supervision_status(&self) -> Result<Vec<SupervisedTeam>, AppError> {
        self.supervised_teams()?
            .iter()
            .map(|team| self.supervised_team(team))
            .collect()
    }

    fn supervised_team(&self, team: &TeamRecord) -> Result<SupervisedTeam, AppError> {
        let watches = self.store().watches(team.id)?;
        let agents = self
            .store()
            .agents(team.id)?
            .into_iter()
            .map(|a| {
                let watch = watches.get(&a.id).cloned().unwrap_or_default();
                SupervisedAgent {
                    target: format!("{}:{}", team.name, a.window),
                    role: a.role,
                    state: a.state,
                    state_since: a.state_since,
                    restarts: watch.restarts.len(),
                    failed: watch.failed,
                    parked_until: watch.parked_until,
                }
            })
            .collect();
        Ok(SupervisedTeam {
            team: team.name.clone(),
            policy: team.supervision.clone().unwrap_or_else(|| "normal".into()),
            agents,
        })
    }

    /// `recovery start [--emergency] [--session X]`: the policy for one
    /// team, or every live team on this server. Returns the teams set.
    pub fn set_supervision(
        &self,
        session: Option<&str>,
        emergency: bool,
    ) -> Result<Vec<SupervisedTeam>, AppError> {
        let policy = if emergency { "emergency" } else { "normal" };
        self.config.supervision(policy)?;
        let teams = match session {
            Some(name) => vec![self.live_team(name)?],
            None => self.supervised_teams()?,
        };
        if teams.is_empty() {
            return Err(AppError::bad_input(format!(
                "no team is running on tmux server {}",
                self.tmux.socket()
            ))
            .hint("deploy one first: warroom quick-deploy backend 3 --project-name <name>"));
        }
        let actor = self.actor()?.label();
        for team in &teams {
            if team.supervision.as_deref() != Some(policy) {
                self.write(&actor, |tx| Ok(tx.set_supervision(team, policy)?))?;
            }
        }
        teams
            .iter()
            .map(|t| self.supervised_team(&self.live_team(&t.name)?))
            .collect()
    }

    /// The daemon's own start and stop, in the event log.
    pub fn record_daemon(&self, started: bool, pid: u32, version: &str) -> Result<(), AppError> {
        let kind = if started {
            EventKind::DaemonStarted {
                pid,
                version: version.to_owned(),
            }
        } else {
            EventKind::DaemonStopped { pid }
        };
        self.write("warroom", |tx| Ok(tx.event(None, &kind)?))?;
        Ok(())
    }
}
