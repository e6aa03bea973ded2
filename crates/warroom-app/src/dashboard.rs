//! `monitor dashboard`: one view of the response at a glance (the team,
//! its incident and clocks, each agent's state and last line, the open
//! todos, the latest messages and stakeholder updates, the rollout, and
//! what needs a person), and a cheap marker that says when any of it
//! changed, so a live view redraws on change instead of polling panes.

use serde::Serialize;
use warroom_model::incident::clocks::ClockStatus;
use warroom_model::{AgentState, MessageId, Millis};

use crate::views::{AgentView, MessageView, TeamView, ViewState};
use crate::{App, AppError, IncidentView, RolloutView};

/// How many of the latest messages and updates the view carries.
const LATEST_MESSAGES: usize = 12;
const LATEST_UPDATES: usize = 3;

/// A stakeholder update, as the dashboard shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateLine {
    pub at: Millis,
    pub status: String,
    pub summary: String,
}

/// Something that waits for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    /// The agent it concerns, when one.
    pub agent: Option<String>,
    pub what: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DashboardView {
    pub team: TeamView,
    pub incident: Option<IncidentView>,
    pub agents: Vec<AgentView>,
    pub messages: Vec<MessageView>,
    pub updates: Vec<UpdateLine>,
    pub rollout: Option<RolloutView>,
    pub needs: Vec<Need>,
    pub now: Millis,
}

impl App {
    /// The dashboard of `team`, or of the only live team. With
    /// `look_at_panes`, agents' states are refreshed from their panes first
    /// (when no daemon watches them); otherwise the daemon's are shown.
    pub fn dashboard(
        &self,
        team: Option<&str>,
        look_at_panes: bool,
    ) -> Result<DashboardView, AppError> {
        let team = match team {
            Some(name) => self.any_team(name)?,
            None => {
                let mut live = self.store().live_teams()?;
                match live.len() {
                    1 => live.remove(0),
                    0 => {
                        return Err(AppError::bad_input("no team is running").hint(
                            "deploy one: warroom quick-deploy backend 3 --project-name auth-hotfix",
                        ));
                    }
                    _ => {
                        let names: Vec<String> = live.into_iter().map(|t| t.name).collect();
                        return Err(AppError::bad_input(format!(
                            "{} teams are running ({}); name one with --session",
                            names.len(),
                            names.join(", ")
                        )));
                    }
                }
            }
        };
        if look_at_panes && team.ended_at.is_none() {
            self.refresh_states(&team)?;
        }
        let agents: Vec<AgentView> = self
            .store()
            .agents(team.id)?
            .iter()
            .map(|agent| {
                let mut view = self.agent_view(&team, agent);
                view.state = Some(ViewState::Live(agent.state));
                view.state_detail = agent.state_detail.clone();
                view.state_source = agent.state_source;
                view.state_since = agent.state_since;
                view
            })
            .collect();
        let incident_id = self.store().incident_of_team(team.id)?;
        let incident = match incident_id {
            Some(id) => {
                let (incident, team_id) = self.load_incident(id)?;
                Some(self.incident_view(&incident, team_id)?)
            }
            None => None,
        };
        let mut messages = self.messages(&team.name, MessageId::NEW)?;
        let keep = messages.len().saturating_sub(LATEST_MESSAGES);
        messages.drain(..keep);
        let updates = match incident_id {
            Some(id) => {
                let all = self.store().updates(id)?;
                all.iter()
                    .skip(all.len().saturating_sub(LATEST_UPDATES))
                    .map(|u| UpdateLine {
                        at: u.created_at,
                        status: u.update.status.to_string(),
                        summary: u.update.summary.clone(),
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let rollout = match self.store().rollouts(team.id)?.pop() {
            Some(record) => Some(self.rollout_view(&team, &record)?),
            None => None,
        };
        let needs = needs(&agents, incident.as_ref(), rollout.as_ref());
        Ok(DashboardView {
            team: self.team_view(&team)?,
            incident,
            agents,
            messages,
            updates,
            rollout,
            needs,
            now: self.now(),
        })
    }

    /// Changes whenever anything a dashboard shows does: a live view reads
    /// it often (one cheap query) and the whole view only when it moved.
    pub fn change_marker(&self) -> Result<String, AppError> {
        Ok(self.store().change_marker()?)
    }

    /// The bottom `rows` of an agent's screen, for a person who focused it.
    pub fn agent_screen(&self, target: &str, rows: usize) -> Result<String, AppError> {
        let (team, agent) = self.resolve(target)?;
        let pane = agent
            .pane_id
            .as_deref()
            .and_then(|p| warroom_tmux::PaneId::new(p).ok())
            .ok_or_else(|| AppError::failed(format!("{} has no pane", agent.id)))?;
        let client = self.control(&team)?;
        let text = client.capture(&pane, 0)?;
        let lines = warroom_agents::screen::rows(&text);
        let tail = lines[lines.len().saturating_sub(rows)..].join("\n");
        Ok(warroom_model::redact::redact(&tail).text)
    }
}

/// What waits for a person: an agent asking (a permission, a gate), one
/// that failed or is gone, a red clock, a paused or failed rollout.
fn needs(
    agents: &[AgentView],
    incident: Option<&IncidentView>,
    rollout: Option<&RolloutView>,
) -> Vec<Need> {
    let mut needs = Vec::new();
    for agent in agents {
        let Some(ViewState::Live(state)) = agent.state else {
            continue;
        };
        let what = match state {
            AgentState::Waiting => "waits for a permission or an answer",
            AgentState::Gated => "is held at a gate (a dialog or a key)",
            AgentState::Error => "shows an error",
            AgentState::Exited | AgentState::Lost => "is gone (the supervisor revives it)",
            AgentState::RateLimited => "is rate-limited",
            _ => continue,
        };
        needs.push(Need {
            agent: Some(agent.target.clone()),
            what: format!("{} ({}) {what}", agent.target, agent.role),
        });
    }
    if let Some(incident) = incident {
        for clock in &incident.clocks {
            if clock.status == ClockStatus::Red && clock.stopped_at.is_none() {
                needs.push(Need {
                    agent: None,
                    what: format!("{} is past its target", clock.label),
                });
            }
        }
        if incident.update_overdue {
            needs.push(Need {
                agent: None,
                what: "a stakeholder update is overdue".into(),
            });
        }
    }
    if let Some(rollout) = rollout {
        match rollout.stage.as_str() {
            "paused" => needs.push(Need {
                agent: None,
                what: format!("rollout {} is paused: promote or abort it", rollout.id),
            }),
            "rollback-failed" => needs.push(Need {
                agent: None,
                what: format!(
                    "rollout {}'s rollback FAILED: put {} back by hand",
                    rollout.id, rollout.stable_version
                ),
            }),
            _ => {}
        }
    }
    needs
}
