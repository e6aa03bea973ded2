//! What the incident actions return, and how they are built from the store.

use serde::Serialize;
use warroom_model::TeamId;
use warroom_model::incident::clocks::{ClockReading, clocks};
use warroom_model::incident::comms::{NotificationStatus, StakeholderUpdate};
use warroom_model::{Incident, Millis, Owner, Todo, todo_ref};

use crate::incident::escalation::owner_agent;
use crate::views::DeployResult;
use crate::{App, AppError};

#[derive(Debug, Clone, Serialize)]
pub struct MilestoneView {
    pub name: String,
    pub at: Millis,
    pub summary: Option<String>,
    pub by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TodoView {
    pub id: String,
    pub incident: String,
    pub title: String,
    pub kind: String,
    pub priority: String,
    pub status: String,
    pub owner: Option<String>,
    /// The agent the owner resolves to in the team, if any.
    pub owner_agent: Option<String>,
    pub due_at: Option<Millis>,
    pub overdue: bool,
    pub gate: Option<String>,
    pub depends_on: Vec<String>,
    pub escalation_level: u32,
    pub follow_up: bool,
    pub notes: Vec<String>,
    pub blocked_reason: Option<String>,
    pub done_at: Option<Millis>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub severity: String,
    pub reasons: Vec<String>,
    pub overridden_from: Option<String>,
    pub phase: String,
    pub team: Option<String>,
    pub commander: String,
    pub impact: String,
    pub domain: Option<String>,
    pub compliance: Vec<String>,
    pub security_review: bool,
    pub milestones: Vec<MilestoneView>,
    pub clocks: Vec<ClockReading>,
    pub open_todos: Vec<TodoView>,
    pub overdue_todos: usize,
    /// When the next stakeholder update is due, and whether it is late.
    pub next_update_due: Option<Millis>,
    pub update_overdue: bool,
    pub last_update_at: Option<Millis>,
    /// Audiences of the policy with no configured channel.
    pub unconfigured_audiences: Vec<String>,
    pub postmortem: Option<String>,
    pub postmortem_required: bool,
    /// The hotfix's pull request, once opened.
    pub pull_request: Option<warroom_model::PullRequestRef>,
    /// The latest rollout of the fix, once one began.
    pub rollout: Option<RolloutLine>,
    pub implicit: bool,
    pub now: Millis,
}

/// Where the latest rollout is, in a line.
#[derive(Debug, Clone, Serialize)]
pub struct RolloutLine {
    pub id: i64,
    pub version: String,
    pub stage: String,
    /// 1-based, of `steps`.
    pub step: usize,
    pub steps: usize,
    pub weight: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogView {
    pub name: String,
    pub bytes: usize,
    pub redacted: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeclareResult {
    /// The incident's id, severity and reasons, also at the top: what a
    /// script reads first.
    pub id: String,
    pub severity: String,
    pub reasons: Vec<String>,
    pub incident: IncidentView,
    pub logs: Vec<LogView>,
    pub deploy: Option<DeployResult>,
}

/// How an update went to one channel.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelDelivery {
    pub channel: String,
    pub status: NotificationStatus,
    pub attempts: u32,
    pub error: Option<String>,
}

/// A log attached to an incident, as stored (redacted).
#[derive(Debug, Clone, Serialize)]
pub struct AttachedLog {
    pub name: String,
    pub body: String,
    pub attached_at: Millis,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateResult {
    pub id: i64,
    pub update: StakeholderUpdate,
    pub text: String,
    /// (channel, status, attempts, last error).
    pub deliveries: Vec<ChannelDelivery>,
    pub unconfigured: Vec<String>,
}

impl App {
    pub(crate) fn incident_view(
        &self,
        incident: &Incident,
        team_id: Option<TeamId>,
    ) -> Result<IncidentView, AppError> {
        let now = self.now();
        let todos = self.store().todos(incident.id)?;
        let open: Vec<TodoView> = todos
            .iter()
            .filter(|t| t.status.is_open())
            .map(|t| self.todo_view(t, team_id))
            .collect::<Result<_, _>>()?;
        let next = incident.next_update_due();
        Ok(IncidentView {
            id: incident.reference(),
            slug: incident.slug.clone(),
            title: incident.title.clone(),
            severity: incident.severity.to_string(),
            reasons: incident.assessment.reasons.clone(),
            overridden_from: incident.assessment.overridden_from.map(|s| s.to_string()),
            phase: incident.phase.to_string(),
            team: self.team_of(team_id)?.map(|t| t.name),
            commander: incident.commander.clone(),
            impact: incident.impact.describe(),
            domain: incident.domain.clone(),
            compliance: incident.compliance.clone(),
            security_review: incident.security_review,
            milestones: incident
                .milestones
                .iter()
                .map(|(m, r)| MilestoneView {
                    name: m.to_string(),
                    at: r.at,
                    summary: r.summary.clone(),
                    by: r.by.clone(),
                })
                .collect(),
            clocks: clocks(incident, now),
            overdue_todos: open.iter().filter(|t| t.overdue).count(),
            open_todos: open,
            next_update_due: next,
            update_overdue: next.is_some_and(|d| now >= d),
            last_update_at: incident.last_update_at,
            unconfigured_audiences: incident
                .policy
                .audiences
                .iter()
                .filter(|a| self.config.channel(a).is_none())
                .cloned()
                .collect(),
            postmortem: incident.postmortem.clone(),
            postmortem_required: incident.policy.postmortem_required,
            pull_request: incident.pull_request.clone(),
            rollout: match team_id {
                Some(team) => self.store().rollouts(team)?.pop().map(|r| RolloutLine {
                    id: r.id,
                    version: r.run.version.clone(),
                    stage: r.run.stage_name().to_owned(),
                    step: r.run.step + 1,
                    steps: r.runbook.steps.len(),
                    weight: r.run.weight(&r.runbook),
                }),
                None => None,
            },
            implicit: incident.implicit,
            now,
        })
    }

    pub(crate) fn todo_view(
        &self,
        todo: &Todo,
        team_id: Option<TeamId>,
    ) -> Result<TodoView, AppError> {
        let team = self.team_of(team_id)?;
        let agents = match &team {
            Some(t) => self.store().agents(t.id)?,
            None => Vec::new(),
        };
        let owner_agent = todo.owner.as_ref().and_then(|o| match o {
            Owner::Agent { label, .. } => Some(label.clone()),
            _ => owner_agent(&agents, o)
                .map(|a| crate::app::agent_label(team.as_ref().map_or("", |t| t.name.as_str()), a)),
        });
        Ok(TodoView {
            id: todo_ref(todo.id),
            incident: warroom_model::incident_ref(todo.incident),
            title: todo.title.clone(),
            kind: todo.kind.to_string(),
            priority: todo.priority.to_string(),
            status: todo.status.to_string(),
            owner: todo.owner.as_ref().map(ToString::to_string),
            owner_agent,
            due_at: todo.due_at,
            overdue: todo.overdue(self.now()),
            gate: todo.gate.map(|g| g.to_string()),
            depends_on: todo.depends_on.iter().map(|d| todo_ref(*d)).collect(),
            escalation_level: todo.escalation_level,
            follow_up: todo.follow_up,
            notes: todo.notes.clone(),
            blocked_reason: todo.blocked_reason.clone(),
            done_at: todo.done_at,
        })
    }
}
