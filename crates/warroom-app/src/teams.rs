//! Looking at teams and stopping them.

use std::process::Command;

use warroom_agents::observe;
use warroom_store::TeamRecord;

use crate::launch::pane_of;
use crate::views::{AgentView, TeamStatus, TeamView};
use crate::{App, AppError};

impl App {
    /// `team list`: live teams.
    pub fn list_teams(&self) -> Result<Vec<TeamView>, AppError> {
        let teams = self.store().live_teams()?;
        teams.iter().map(|t| self.team_view(t)).collect()
    }

    /// `team status <team>`: the team and each agent's live state.
    pub fn team_status(&self, team: &str) -> Result<TeamStatus, AppError> {
        let team = self.any_team(team)?;
        Ok(TeamStatus {
            team: self.team_view(&team)?,
            agents: self.agents_with_state(&team)?,
        })
    }

    /// `agent list [team]`: agents of one team, or of every live team.
    pub fn list_agents(&self, team: Option<&str>) -> Result<Vec<AgentView>, AppError> {
        let teams = match team {
            Some(name) => vec![self.any_team(name)?],
            None => self.store().live_teams()?,
        };
        let mut all = Vec::new();
        for team in &teams {
            all.extend(self.agents_with_state(team)?);
        }
        Ok(all)
    }

    fn agents_with_state(&self, team: &TeamRecord) -> Result<Vec<AgentView>, AppError> {
        let agents = self.store().agents(team.id)?;
        let client = if team.ended_at.is_none() && self.tmux.has_session(&team.name)? {
            Some(self.tmux.control(&team.name)?)
        } else {
            None
        };
        agents
            .iter()
            .map(|agent| {
                let mut view = self.agent_view(team, agent);
                let state = match (&client, pane_of(agent)) {
                    (Some(client), Ok(pane)) => {
                        let profile = self.config.profile(&agent.cli)?;
                        let obs = observe(client, &pane, profile)?;
                        if obs.pid.is_some() {
                            view.pid = obs.pid;
                        }
                        obs.state.as_str()
                    }
                    (None, _) if team.ended_at.is_some() => "stopped",
                    _ => "lost",
                };
                view.state = Some(state.to_owned());
                Ok(view)
            })
            .collect()
    }

    /// `team kill <team>`: ends the tmux session and the team. Its history stays.
    pub fn kill_team(&self, team: &str) -> Result<TeamView, AppError> {
        let team = self.live_team(team)?;
        if self.tmux.has_session(&team.name)? {
            self.tmux.kill_session(&team.name)?;
        }
        let actor = self.actor()?.label();
        self.write(&actor, |tx| Ok(tx.end_team(&team)?))?;
        let ended = self.any_team(&team.name)?;
        self.team_view(&ended)
    }

    /// `attach <team>`: the command that attaches a terminal to the team's
    /// session on warroom's server (the caller runs it).
    pub fn attach_command(&self, team: &str) -> Result<Command, AppError> {
        let team = self.live_team(team)?;
        if !self.tmux.has_session(&team.name)? {
            return Err(AppError::failed(format!(
                "team {}'s tmux session is gone from server {}",
                team.name,
                self.tmux.socket()
            )));
        }
        Ok(self.tmux.attach_command(&team.name))
    }
}
