//! Looking at teams and stopping them.

use std::process::Command;

use warroom_store::TeamRecord;

use crate::views::{AgentView, TeamStatus, TeamView};
use crate::views::{TeamStopped, ViewState};
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
        if team.ended_at.is_none() {
            self.refresh_states(team)?;
        }
        let agents = self.store().agents(team.id)?;
        Ok(agents
            .iter()
            .map(|agent| {
                let mut view = self.agent_view(team, agent);
                view.state = Some(if team.ended_at.is_some() {
                    ViewState::Stopped(TeamStopped::Stopped)
                } else {
                    ViewState::Live(agent.state)
                });
                if team.ended_at.is_none() {
                    view.state_detail = agent.state_detail.clone();
                    view.state_source = agent.state_source;
                    view.state_since = agent.state_since;
                }
                view
            })
            .collect())
    }

    /// `team kill <team> [--force]`: ends the tmux session and the team,
    /// and removes its agents' worktrees (their branches stay). Uncommitted
    /// work in a worktree stops it all before anything is touched, unless
    /// forced. Its history stays.
    pub fn kill_team(&self, team: &str, force: bool) -> Result<TeamView, AppError> {
        let team = self.live_team(team)?;
        let project = std::path::Path::new(&team.project_dir);
        let worktrees: Vec<_> = self
            .store()
            .agents(team.id)?
            .into_iter()
            .filter(|a| a.branch.is_some())
            .filter_map(|a| Some((a.id, std::path::PathBuf::from(a.workdir?))))
            .filter(|(_, path)| path.exists())
            .collect();
        if !force {
            let mut dirty = Vec::new();
            for (agent, path) in &worktrees {
                let changes = self.git.uncommitted(path)?;
                if !changes.is_empty() {
                    dirty.push(format!(
                        "{agent} ({}): {}",
                        path.display(),
                        changes
                            .iter()
                            .take(5)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            if !dirty.is_empty() {
                return Err(AppError::bad_input(format!(
                    "uncommitted work in the team's worktrees; nothing was stopped:\n  {}",
                    dirty.join("\n  ")
                ))
                .hint(format!(
                    "commit it on the agents' branches, or lose it with: warroom team kill {} --force",
                    team.name
                )));
            }
        }
        // Ended first: a supervisor that sees the session gone must find a
        // team that was stopped, not one to restore.
        let actor = self.actor()?.label();
        self.write(&actor, |tx| Ok(tx.end_team(&team)?))?;
        if self.tmux.has_session(&team.name)? {
            self.tmux.kill_session(&team.name)?;
        }
        for (agent, path) in &worktrees {
            self.git.remove(project, path, force)?;
            let team_id = team.id;
            let path = path.to_string_lossy().into_owned();
            self.write(&actor, |tx| {
                Ok(tx.event(
                    Some(team_id),
                    &warroom_model::EventKind::WorktreeRemoved {
                        agent: *agent,
                        path,
                    },
                )?)
            })?;
        }
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

    /// The command that attaches a terminal to an agent's window.
    pub fn attach_agent_command(&self, target: &str) -> Result<Command, AppError> {
        let (team, agent) = self.resolve(target)?;
        let mut cmd = self.attach_command(&team.name)?;
        if let Some(pane) = &agent.pane_id {
            // One tmux invocation, two commands: attach, then show its window.
            cmd.args([";", "select-window", "-t", pane]);
        }
        Ok(cmd)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{FakeGit, app, team};

    #[test]
    fn a_team_with_uncommitted_work_is_not_killed_and_the_files_are_named() {
        let t = app(FakeGit {
            uncommitted: vec![" M auth.py".into()],
            ..FakeGit::default()
        });
        team(&t, "leaky", &["senior-backend-developer"]);
        let err = t.app.kill_team("leaky", false).expect_err("refused");
        assert_eq!(err.kind(), crate::ErrorKind::BadInput);
        assert!(err.to_string().contains("M auth.py"), "{err}");
        // Nothing was stopped, nothing removed.
        assert!(t.app.live_team("leaky").is_ok());
    }
}
