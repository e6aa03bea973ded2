//! Turning what people type (team names, targets) into stored teams and
//! agents. Resolution is exact and goes through the store: tmux never sees
//! a human target, so its prefix matching can never pick a pane.

use warroom_model::{Target, TeamName};
use warroom_store::{AgentRecord, StoreError, TeamRecord};

use crate::app::agent_label;
use crate::views::{AgentView, TeamView};
use crate::{App, AppError};

impl App {
    /// A live team by name.
    pub(crate) fn live_team(&self, name: &str) -> Result<TeamRecord, AppError> {
        let team = self.any_team(name)?;
        if team.ended_at.is_some() {
            return Err(AppError::bad_input(format!("team {name} was stopped")).hint(
                "its messages and report are still available: warroom agent messages / pm report",
            ));
        }
        Ok(team)
    }

    /// A team by name, live or ended (for history).
    pub(crate) fn any_team(&self, name: &str) -> Result<TeamRecord, AppError> {
        let name = TeamName::new(name)?;
        // Bound first: the store guard must be released before the hint
        // below takes it again.
        let found = self.store().team_by_name(name.as_str())?;
        found.ok_or_else(|| {
            let known: Vec<String> = self
                .store()
                .live_teams()
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.name)
                .collect();
            let err = AppError::bad_input(format!("no team named {name}"));
            if known.is_empty() {
                err.hint("start one with: warroom quick-deploy backend 3 --project-name <name>")
            } else {
                err.hint(format!("teams: {}", known.join(", ")))
            }
        })
    }

    pub(crate) fn resolve(&self, input: &str) -> Result<(TeamRecord, AgentRecord), AppError> {
        let target = Target::parse(input)?;
        let (team, agent) = match &target {
            Target::Agent(id) => {
                let agent = self
                    .store()
                    .agent(*id)?
                    .ok_or_else(|| AppError::bad_input(format!("no agent {id}")))?;
                let team = self.store().team(agent.team_id)?.ok_or_else(|| {
                    AppError::Store(StoreError::Corrupt(format!("{id} has no team")))
                })?;
                if team.ended_at.is_some() {
                    return Err(AppError::bad_input(format!(
                        "{id}'s team {} was stopped",
                        team.name
                    )));
                }
                (team, agent)
            }
            Target::Window { team, window } => {
                let team = self.live_team(team.as_str())?;
                let agents = self.store().agents(team.id)?;
                let agent = agents.iter().find(|a| a.window == *window).cloned();
                let agent = agent.ok_or_else(|| no_such_agent(&target, &team, &agents))?;
                (team, agent)
            }
            Target::Role { team, role } => {
                let team = self.live_team(team.as_str())?;
                let agents = self.store().agents(team.id)?;
                let key = self
                    .config
                    .catalogue
                    .role_key(role)
                    .map_err(|_| no_such_agent(&target, &team, &agents))?;
                let matching: Vec<&AgentRecord> = agents.iter().filter(|a| a.role == key).collect();
                match matching.as_slice() {
                    [one] => {
                        let agent = (*one).clone();
                        (team, agent)
                    }
                    [] => return Err(no_such_agent(&target, &team, &agents)),
                    many => {
                        let windows: Vec<String> = many
                            .iter()
                            .map(|a| format!("{}:{}", team.name, a.window))
                            .collect();
                        return Err(AppError::bad_input(format!(
                            "{target} is ambiguous: {} agents have that role",
                            many.len()
                        ))
                        .hint(format!("name one by window: {}", windows.join(", "))));
                    }
                }
            }
        };
        Ok((team, agent))
    }

    pub(crate) fn agent_view(&self, team: &TeamRecord, agent: &AgentRecord) -> AgentView {
        AgentView {
            id: agent.id,
            team: team.name.clone(),
            window: agent.window,
            target: format!("{}:{}", team.name, agent.window),
            role: agent.role.clone(),
            name: agent.display_name.clone(),
            cli: agent.cli.clone(),
            stands_in_for: (agent.cli != agent.configured_cli)
                .then(|| agent.configured_cli.clone()),
            pane: agent.pane_id.clone(),
            pid: agent.pid,
            restarts: agent.restarts,
            state: None,
            state_detail: None,
            state_source: None,
            state_since: None,
            workdir: agent.workdir.clone(),
            branch: agent.branch.clone(),
            last_line: agent.last_line.clone(),
        }
    }

    pub(crate) fn team_view(&self, team: &TeamRecord) -> Result<TeamView, AppError> {
        Ok(TeamView {
            name: team.name.clone(),
            team_type: team.team_type.clone(),
            purpose: team.purpose.clone(),
            project_dir: team.project_dir.clone(),
            created_at: team.created_at,
            ended_at: team.ended_at,
            agents: self.store().agents(team.id)?.len(),
            session: team.ended_at.is_none() && self.session_shown_running(&team.name)?,
        })
    }

    pub(crate) fn label(&self, team: &TeamRecord, agent: &AgentRecord) -> String {
        agent_label(&team.name, agent)
    }
}

fn no_such_agent(target: &Target, team: &TeamRecord, agents: &[AgentRecord]) -> AppError {
    let list: Vec<String> = agents
        .iter()
        .map(|a| format!("{}:{} {}", team.name, a.window, a.role))
        .collect();
    AppError::bad_input(format!("no agent at {target}; nothing was sent")).hint(format!(
        "agents of {}: {}",
        team.name,
        list.join(", ")
    ))
}
