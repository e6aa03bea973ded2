//! Incidents after declaring: look up, list, milestones, phases, severity,
//! close, the logs attached to them, and the incident part of a briefing.
//! Each change loads the incident, applies one model rule, and stores the
//! result with its events in one transaction.

use warroom_model::IncidentId;
use warroom_model::TeamId;
use warroom_model::TodoId;
use warroom_model::redact::redact;
use warroom_model::{
    Incident, IncidentEvent, Milestone, Millis, Phase, Severity, Todo, incident_ref,
    parse_incident_ref,
};
use warroom_store::StoreError;

use crate::incident::views::{AttachedLog, IncidentView};
use crate::{App, AppError};

impl App {
    pub(crate) fn load_incident(
        &self,
        id: IncidentId,
    ) -> Result<(Incident, Option<TeamId>), AppError> {
        let found = self.store().incident(id)?;
        found.ok_or_else(|| AppError::bad_input(format!("no incident {}", incident_ref(id))))
    }

    /// `INC-3`, `3`, a slug, or the name of the incident's team.
    pub(crate) fn find_incident(
        &self,
        input: &str,
    ) -> Result<(Incident, Option<TeamId>), AppError> {
        if let Some(id) = parse_incident_ref(input) {
            return self.load_incident(id);
        }
        let by_slug = self.store().incident_by_slug(input.trim())?;
        if let Some(id) = by_slug {
            return self.load_incident(id);
        }
        let team = self.store().team_by_name(input.trim())?;
        let by_team = match team {
            Some(t) => self.store().incident_of_team(t.id)?,
            None => None,
        };
        if let Some(id) = by_team {
            return self.load_incident(id);
        }
        let open = self.store().incidents(false)?;
        let err = AppError::bad_input(format!("no incident {input:?}"));
        Err(if open.is_empty() {
            err.hint("declare one with: warroom incident declare \"<title>\" --impact users=N")
        } else {
            err.hint(format!(
                "open incidents: {}",
                open.iter()
                    .map(|(i, _)| format!("{} ({})", i.reference(), i.slug))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// An agent works on its own team's incident only: a person may touch
    /// any, an agent no other team's todos.
    pub(crate) fn agent_may_work_on(
        &self,
        team_id: Option<TeamId>,
        what: &str,
    ) -> Result<(), AppError> {
        let Some(agent) = self.acting_agent()? else {
            return Ok(());
        };
        if team_id == Some(agent.team_id) {
            return Ok(());
        }
        let theirs = self
            .team_of(Some(agent.team_id))?
            .map(|t| t.name)
            .unwrap_or_else(|| "its team".into());
        Err(AppError::bad_input(format!(
            "agent {} works for team {theirs}; {what} is another incident's",
            agent.id
        ))
        .hint(format!("its own: warroom todo list {theirs}")))
    }

    /// The incident commander's calls (forcing past gates, severity,
    /// closing) are a person's: an agent asks (`ask_commander`).
    fn commander_only(&self, what: &str) -> Result<(), AppError> {
        match self.acting_agent()? {
            None => Ok(()),
            Some(agent) => Err(AppError::bad_input(format!(
                "agent {} may not {what}: that is the incident commander's call",
                agent.id
            ))
            .hint("ask them (the ask_commander MCP tool, or a message to the project manager)")),
        }
    }

    /// Loads, changes and stores an incident in one transaction; `change`
    /// returns the events. Overdue todos and due updates are evaluated
    /// first, and notifications sent after.
    pub(crate) fn change_incident<T>(
        &self,
        input: &str,
        change: impl FnOnce(
            &mut Incident,
            &[Todo],
            Millis,
            &str,
        ) -> Result<(Vec<IncidentEvent>, T), AppError>,
    ) -> Result<(Incident, T), AppError> {
        let (found, team_id) = self.find_incident(input)?;
        self.agent_may_work_on(team_id, &found.reference())?;
        self.evaluate(found.id)?;
        let actor = self.actor()?.label();
        let result = self.write(&actor, |tx| {
            // Read inside the write transaction: nobody changes it meanwhile.
            let (mut incident, team_id) = tx
                .incident(found.id)?
                .ok_or_else(|| StoreError::Corrupt(format!("{} vanished", found.reference())))?;
            let todos = tx.todos(incident.id)?;
            let (events, value) = change(&mut incident, &todos, tx.at(), &actor)?;
            tx.save_incident(&incident, team_id, &events)?;
            Ok((incident, value))
        })?;
        self.flush_notifications(found.id)?;
        Ok(result)
    }

    /// `incident milestone <id> <milestone> ["summary"] [--at T] [--correct]`.
    pub fn set_milestone(
        &self,
        input: &str,
        milestone: &str,
        summary: Option<&str>,
        at: Option<Millis>,
        correct: bool,
    ) -> Result<IncidentView, AppError> {
        let milestone: Milestone = milestone.parse()?;
        if matches!(milestone, Milestone::Declared | Milestone::Closed) {
            return Err(AppError::bad_input(format!(
                "{milestone} is set by warroom itself (declare / close)"
            )));
        }
        let summary = summary
            .map(|s| redact(s.trim()).text)
            .filter(|s| !s.is_empty());
        let (incident, ()) = self.change_incident(input, |incident, _, now, actor| {
            if incident.is_closed() {
                return Err(AppError::bad_input(format!(
                    "{} is closed",
                    incident.reference()
                )));
            }
            let at = at.unwrap_or(now);
            if at > now {
                return Err(AppError::bad_input("a milestone cannot be in the future"));
            }
            let event = incident.set_milestone(milestone, at, summary, actor, correct)?;
            Ok((vec![event], ()))
        })?;
        self.view_of(incident.id)
    }

    /// `incident phase <id> <phase> [--force "reason"]`.
    pub fn set_phase(
        &self,
        input: &str,
        phase: &str,
        force: Option<&str>,
    ) -> Result<IncidentView, AppError> {
        let phase: Phase = phase.parse()?;
        let force = force_reason(force);
        if force.is_some() {
            self.commander_only("force the phase past its gates")?;
        }
        let force = force.as_deref();
        let (incident, ()) = self.change_incident(input, |incident, todos, now, actor| {
            let gates: Vec<(TodoId, Phase)> = todos
                .iter()
                .filter(|t| t.status.is_open())
                .filter_map(|t| t.gate.map(|g| (t.id, g)))
                .collect();
            let events = incident
                .move_to(phase, now, actor, &gates, force)
                .map_err(|e| {
                    let gated = matches!(e, warroom_model::IncidentError::Gated { .. });
                    let err = AppError::from(e);
                    if gated {
                        err.hint("finish them (warroom todo done T-N), or pass --force \"<reason>\" to go on anyway; the reason is recorded")
                    } else {
                        err
                    }
                })?;
            Ok((events, ()))
        })?;
        self.view_of(incident.id)
    }

    /// `incident severity <id> SEVn "<reason>"`.
    pub fn set_severity(
        &self,
        input: &str,
        severity: &str,
        reason: &str,
    ) -> Result<IncidentView, AppError> {
        let to: Severity = severity.parse()?;
        self.commander_only("change the severity")?;
        let reason = redact(reason.trim()).text;
        if reason.is_empty() {
            return Err(AppError::bad_input("say why the severity changes"));
        }
        let policy = self.config.policy(to)?.clone();
        let (incident, ()) = self.change_incident(input, |incident, _, _, _| {
            if incident.severity == to {
                return Err(AppError::bad_input(format!(
                    "{} is already {to}",
                    incident.reference()
                )));
            }
            let from = incident.severity;
            incident.severity = to;
            incident
                .assessment
                .reasons
                .push(format!("changed to {to}: {reason}"));
            // The new severity's clocks, cadence and ladder apply from now.
            incident.policy = policy;
            Ok((
                vec![IncidentEvent::SeverityChanged { from, to, reason }],
                (),
            ))
        })?;
        self.view_of(incident.id)
    }

    /// `incident close <id> [--force "reason"]`.
    pub fn close_incident(
        &self,
        input: &str,
        force: Option<&str>,
    ) -> Result<IncidentView, AppError> {
        self.commander_only("close the incident")?;
        let force = force_reason(force);
        let force = force.as_deref();
        let (incident, ()) = self.change_incident(input, |incident, _, now, actor| {
            let events = incident.close(now, actor, force).map_err(|e| {
                let needs_pm = matches!(e, warroom_model::IncidentError::PostmortemRequired { .. });
                let err = AppError::from(e);
                if needs_pm {
                    err.hint(format!(
                        "write it with: warroom postmortem {}",
                        incident.reference()
                    ))
                } else {
                    err
                }
            })?;
            Ok((events, ()))
        })?;
        self.view_of(incident.id)
    }

    /// `incident status <id>`.
    pub fn incident_status(&self, input: &str) -> Result<IncidentView, AppError> {
        let (incident, _) = self.find_incident(input)?;
        self.evaluate(incident.id)?;
        self.flush_notifications(incident.id)?;
        self.view_of(incident.id)
    }

    /// `incident list [--all]`.
    pub fn list_incidents(&self, all: bool) -> Result<Vec<IncidentView>, AppError> {
        let incidents = self.store().incidents(all)?;
        incidents
            .iter()
            .map(|(i, team_id)| self.incident_view(i, *team_id))
            .collect()
    }

    /// The id of an incident named by id, slug or team.
    pub fn incident_id(&self, input: &str) -> Result<IncidentId, AppError> {
        Ok(self.find_incident(input)?.0.id)
    }

    /// `incident logs <id>`: the attached logs, as stored (redacted).
    /// `incident logs <id>`: the logs attached to it, as stored (redacted).
    pub fn incident_logs(&self, input: &str) -> Result<Vec<AttachedLog>, AppError> {
        let (incident, _) = self.find_incident(input)?;
        Ok(self
            .store()
            .attachments(incident.id)?
            .into_iter()
            .map(|a| AttachedLog {
                name: a.name,
                body: a.body,
                attached_at: a.created_at,
            })
            .collect())
    }

    pub(crate) fn view_of(&self, id: IncidentId) -> Result<IncidentView, AppError> {
        let (incident, team_id) = self.load_incident(id)?;
        self.incident_view(&incident, team_id)
    }
}

impl App {
    /// The incident part of an agent's briefing: what is going on, its own
    /// todos, and the commands it reports with.
    pub(crate) fn incident_briefing(
        &self,
        team: &warroom_store::TeamRecord,
        agent: &warroom_store::AgentRecord,
    ) -> Result<Option<String>, AppError> {
        let Some(id) = self.store().incident_of_team(team.id)? else {
            return Ok(None);
        };
        let (incident, _) = self.load_incident(id)?;
        let todos = self.store().todos(id)?;
        let agents = self.store().agents(team.id)?;
        let logs = self.store().attachments(id)?;
        let r = incident.reference();
        let mut out = format!(
            "INCIDENT {r} ({}): {}\nPhase: {}. Impact: {}.\n",
            incident.severity,
            incident.title,
            incident.phase,
            incident.impact.describe()
        );
        if !incident.compliance.is_empty() {
            out.push_str(&format!(
                "Compliance: the response and the fix must keep {}.\n",
                incident.compliance.join(", ")
            ));
        }
        if incident.security_review {
            out.push_str("A security sign-off gates deploying.\n");
        }
        let mine: Vec<&Todo> = todos
            .iter()
            .filter(|t| t.status.is_open())
            .filter(|t| {
                t.owner
                    .as_ref()
                    .and_then(|o| crate::incident::escalation::owner_agent(&agents, o))
                    .is_some_and(|a| a.id == agent.id)
            })
            .collect();
        if !mine.is_empty() {
            out.push_str("Your todos:\n");
            for t in mine {
                let due = t
                    .due_at
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .map(|d| format!(", due {}", d.format("%H:%M UTC")))
                    .unwrap_or_default();
                let gate = t.gate.map(|g| format!(", gate {g}")).unwrap_or_default();
                out.push_str(&format!(
                    "  {} [{}] {}{due}{gate}\n",
                    warroom_model::todo_ref(t.id),
                    t.priority,
                    t.title
                ));
            }
        }
        if !logs.is_empty() {
            out.push_str(&format!(
                "Attached logs (secrets redacted): {}; read them with: warroom incident logs {r}\n",
                logs.iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push_str(&format!(
            "Track work with: warroom todo list {r} | warroom todo claim T-N | warroom todo done T-N --note \"<result>\" | warroom todo block T-N \"<what you need>\"\n"
        ));
        let spec = self.config.catalogue.role(&agent.role)?.1;
        if !spec.reports.is_empty() {
            out.push_str(&format!(
                "As {}, {}\n",
                agent.role,
                spec.reports.replace("{incident}", &r)
            ));
        }
        Ok(Some(out))
    }
}

pub(crate) fn todo_added(todo: &Todo) -> IncidentEvent {
    IncidentEvent::TodoAdded {
        todo: todo.id,
        title: todo.title.clone(),
        owner: todo.owner.as_ref().map(ToString::to_string),
        priority: todo.priority,
        due_at: todo.due_at,
        gate: todo.gate,
    }
}

/// A `--force` reason as recorded: redacted, and none when it says nothing.
fn force_reason(force: Option<&str>) -> Option<String> {
    force
        .map(|r| redact(r.trim()).text)
        .filter(|r| !r.is_empty())
}
