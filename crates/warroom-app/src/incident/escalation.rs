//! Evaluating an incident's timers: overdue todos climb their escalation
//! ladder and due stakeholder updates are reminded of. The decisions are the
//! model's pure functions; here they run inside one write transaction (so a
//! step fires once however many processes evaluate at the same moment), and
//! their effects go out after it commits: messages to agents through queued
//! deliveries, notifications through the outbox.

use warroom_model::IncidentId;
use warroom_model::TeamId;
use warroom_model::incident::clocks::{ClockStatus, clock_alerts_due};
use warroom_model::incident::policy::EscalationStep;
use warroom_model::span::human;
use warroom_model::{Incident, IncidentEvent, Owner, Todo, todo_ref};
use warroom_ops::{Notifier, Notify, Payload};
use warroom_store::{AgentRecord, StoreError, TeamRecord, Tx};

use crate::{App, AppError};

/// How long a notification may sit in 'sending' before another process
/// takes it over (its sender died), when its channel is gone from the
/// configuration.
const STALE_SENDING_MS: i64 = 120_000;
/// Beyond a channel's longest delivery: the sender's own bookkeeping, which
/// may wait out the store's busy timeout (15 s) to record the outcome.
const LEASE_MARGIN_MS: i64 = 17_000;

/// A message for an agent, decided in the transaction and sent after it.
enum Nudge {
    Owner(Owner, String),
    Role(String, String),
}

impl App {
    /// Runs the incident's due escalations and reminders, then sends what
    /// they decided. Every command that touches the incident calls this
    /// (the daemon will also call it on a timer).
    pub(crate) fn evaluate(&self, incident_id: IncidentId) -> Result<(), AppError> {
        let catalogue = &self.config.catalogue;
        let nudges = self.write("warroom", |tx| {
            let Some((mut incident, team_id)) = tx.incident(incident_id)? else {
                return Ok(Vec::new());
            };
            if incident.is_closed() {
                return Ok(Vec::new());
            }
            let now = tx.at();
            let mut events = Vec::new();
            let mut nudges = Vec::new();
            for mut todo in tx.todos(incident_id)? {
                let due = todo.escalations_due(&incident.policy.escalation, now);
                let Some(&(top, _)) = due.last() else {
                    continue;
                };
                let overdue_ms = now - todo.due_at.unwrap_or(now);
                for (level, step) in due {
                    events.push(IncidentEvent::TodoEscalated {
                        todo: todo.id,
                        level,
                        notify: step.notify.clone(),
                        overdue_ms,
                    });
                    let text = escalation_text(&incident, &todo, level, step, overdue_ms);
                    match step.notify.as_str() {
                        "owner" => {
                            if let Some(owner) = &todo.owner {
                                nudges.push(Nudge::Owner(owner.clone(), text));
                            }
                        }
                        role if catalogue.roles.contains_key(role) => {
                            nudges.push(Nudge::Role(role.to_owned(), text));
                        }
                        channel => {
                            self.queue_to_channel(tx, &incident, channel, "escalation", &text)?;
                        }
                    }
                }
                todo.escalation_level = top;
                tx.save_todo(&todo)?;
            }
            if let Some(due) = incident.update_reminder_due(now) {
                incident.update_reminded_for = Some(due);
                events.push(IncidentEvent::UpdateDue { due_at: due });
                nudges.push(Nudge::Role(
                    "project-manager".into(),
                    format!(
                        "REMINDER: the stakeholder update for {} ({}) is due. Post it with: warroom incident update {} --status <investigating|identified|monitoring|resolved> \"<what changed>\"",
                        incident.reference(),
                        incident.severity,
                        incident.reference()
                    ),
                ));
            }
            for clock in clock_alerts_due(&incident, now) {
                incident
                    .clock_alerts
                    .insert(clock.key.to_owned(), clock.status);
                let elapsed_ms = clock.elapsed_ms.unwrap_or(0);
                let text = format!(
                    "CLOCK {} ({}): {} is {} at {} of its {} target.",
                    incident.reference(),
                    incident.severity,
                    clock.label,
                    clock.status.as_str().to_uppercase(),
                    human(elapsed_ms),
                    human(clock.target.millis()),
                );
                events.push(IncidentEvent::ClockAlert {
                    clock: clock.key.to_owned(),
                    label: clock.label.to_owned(),
                    status: clock.status,
                    elapsed_ms,
                    target_ms: clock.target.millis(),
                });
                if clock.status == ClockStatus::Red {
                    self.queue_to_channel(tx, &incident, "incident-commander", "clock", &text)?;
                }
                nudges.push(Nudge::Role("project-manager".into(), text));
            }
            if !events.is_empty() {
                tx.save_incident(&incident, team_id, &events)?;
            }
            Ok(nudges)
        })?;
        if !nudges.is_empty() {
            self.send_nudges(incident_id, nudges)?;
        }
        Ok(())
    }

    /// The daemon's timers: every open incident's escalations, reminders
    /// and clock alerts, then its pending notifications.
    pub fn run_timers(&self) -> Result<(), AppError> {
        let open: Vec<IncidentId> = self
            .store()
            .incidents(false)?
            .into_iter()
            .map(|(incident, _)| incident.id)
            .collect();
        for id in open {
            self.evaluate(id)?;
            self.flush_notifications(id)?;
        }
        Ok(())
    }

    /// Whether any incident is still open (its timers need the daemon).
    pub fn has_open_incidents(&self) -> Result<bool, AppError> {
        Ok(!self.store().incidents(false)?.is_empty())
    }

    /// Queues a notification for a channel, if one of that name is
    /// configured; the event already records the decision either way.
    pub(crate) fn queue_to_channel(
        &self,
        tx: &mut Tx<'_>,
        incident: &Incident,
        channel: &str,
        kind: &str,
        text: &str,
    ) -> Result<Option<i64>, StoreError> {
        if self.config.channel(channel).is_none() {
            return Ok(None);
        }
        let payload = Payload {
            subject: format!("{} {kind}", incident.reference()),
            text: text.to_owned(),
            data: serde_json::json!({
                "kind": kind,
                "incident": incident.reference(),
                "title": incident.title,
                "severity": incident.severity,
                "phase": incident.phase,
                "text": text,
            }),
            idempotency_key: None,
        };
        tx.queue_notification(
            incident.id,
            channel,
            &payload.subject,
            &serde_json::to_value(&payload)?,
        )
        .map(Some)
    }

    /// Delivers the incident's pending notifications, each taken by one
    /// process only, and records the outcome.
    pub(crate) fn flush_notifications(&self, incident_id: IncidentId) -> Result<(), AppError> {
        let pending = self.store().pending_notifications(incident_id)?;
        if pending.is_empty() {
            return Ok(());
        }
        let real;
        let notifier: &dyn Notify = match &self.notifier {
            Some(fake) => fake.as_ref(),
            None => {
                real = Notifier::new().map_err(|e| AppError::failed(e.to_string()))?;
                &real
            }
        };
        for record in pending {
            // A sender that held it longer than a delivery can take has died;
            // only then may another send it again (with the same key).
            let lease = self
                .config
                .channel(&record.channel)
                .map_or(STALE_SENDING_MS, |c| {
                    i64::try_from(c.longest_delivery_ms())
                        .unwrap_or(i64::MAX)
                        .saturating_add(LEASE_MARGIN_MS)
                });
            let claim = self.write("warroom", |tx| Ok(tx.claim_notification(record.id, lease)?))?;
            let Some(claimed_at) = claim else {
                continue;
            };
            let payload: Result<Payload, _> =
                serde_json::from_str(&record.payload).map(|p: Payload| Payload {
                    idempotency_key: Some(format!(
                        "warroom:{}:{}:{}",
                        record.created_at, record.incident_id, record.id
                    )),
                    ..p
                });
            let (sent, attempts, error) = match (payload, self.config.channel(&record.channel)) {
                (Ok(payload), Some(channel)) => {
                    let d = notifier.deliver(channel, &payload);
                    (
                        d.result.is_ok(),
                        d.attempts,
                        d.result.err().map(|e| e.to_string()),
                    )
                }
                (Err(e), _) => (false, 0, Some(format!("unreadable payload: {e}"))),
                (_, None) => (
                    false,
                    0,
                    Some(format!(
                        "no channel named {:?} is configured",
                        record.channel
                    )),
                ),
            };
            // Recorded only while the claim is still ours: a sender that
            // lost its lease leaves the record to the one that took over.
            self.write("warroom", |tx| {
                Ok(tx.finish_notification(&record, claimed_at, sent, attempts, error.as_deref())?)
            })?;
        }
        Ok(())
    }

    fn send_nudges(&self, incident_id: IncidentId, nudges: Vec<Nudge>) -> Result<(), AppError> {
        let (_, team_id) = self.load_incident(incident_id)?;
        let Some(team) = self.team_of(team_id)?.filter(|t| t.ended_at.is_none()) else {
            return Ok(());
        };
        let agents = self.store().agents(team.id)?;
        for nudge in nudges {
            let (agent, text) = match nudge {
                Nudge::Owner(owner, text) => (owner_agent(&agents, &owner), text),
                Nudge::Role(role, text) => (agents.iter().find(|a| a.role == role), text),
            };
            if let Some(agent) = agent {
                self.queue_system_message(&team, agent, &text)?;
            }
        }
        Ok(())
    }

    pub(crate) fn team_of(&self, team_id: Option<TeamId>) -> Result<Option<TeamRecord>, AppError> {
        Ok(match team_id {
            Some(id) => self.store().team(id)?,
            None => None,
        })
    }
}

/// The agent that owns a todo: itself, or the team's holder of its role.
pub(crate) fn owner_agent<'a>(agents: &'a [AgentRecord], owner: &Owner) -> Option<&'a AgentRecord> {
    match owner {
        Owner::Agent { id, .. } => agents.iter().find(|a| a.id == *id),
        Owner::Role { role } => agents.iter().find(|a| a.role == *role),
        Owner::Person { .. } => None,
    }
}

fn escalation_text(
    incident: &Incident,
    todo: &Todo,
    level: u32,
    step: &EscalationStep,
    overdue_ms: i64,
) -> String {
    let owner = todo
        .owner
        .as_ref()
        .map_or("nobody".to_owned(), ToString::to_string);
    format!(
        "ESCALATION ({} {}, step {} for {}): {} \"{}\" ({}, owner {owner}) is overdue by {}. Finish it (warroom todo done {}), or say what blocks it (warroom todo block {} \"<what>\").",
        incident.reference(),
        incident.severity,
        level,
        step.notify,
        todo_ref(todo.id),
        todo.title,
        todo.priority,
        human(overdue_ms),
        todo_ref(todo.id),
        todo_ref(todo.id),
    )
}

#[cfg(test)]
mod tests {
    use warroom_model::{AgentId, Owner};

    use super::owner_agent;
    use crate::testing::{FakeGit, FakeNotify, app, app_in, team};

    /// A sender that died holding a notification keeps it only as long as a
    /// delivery on its channel can take; then another sends it, once, with
    /// the key the first would have used.
    #[test]
    fn the_outbox_takes_over_a_notification_whose_sender_died() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("warroom.toml"),
            "[[channels]]\nname = \"stakeholders\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/\"\nretries = 1\ntimeout_secs = 2\nbackoff_ms = 100\n",
        )
        .expect("config");
        let t0 = 1_795_312_800_000;
        let first = app_in(dir.path(), t0, FakeGit::default());
        let declared = first
            .declare(&crate::DeclareOptions {
                title: "Auth returns 500",
                impact: Some("users=50"),
                domain: None,
                severity: None,
                slug: None,
                logs: &[],
                compliance: &[],
                team_type: None,
                detected_at: None,
                deploy: false,
                deploy_options: crate::DeployOptions::default(),
            })
            .expect("declared");
        let id = warroom_model::parse_incident_ref(&declared.id).expect("INC-1");
        let (incident, _) = first.load_incident(id).expect("incident");
        // Queued, then claimed by a sender that dies before sending.
        let queued = first
            .write("alice", |tx| {
                let queued =
                    first.queue_to_channel(tx, &incident, "stakeholders", "test", "hello")?;
                let queued = queued.expect("a configured channel");
                assert!(tx.claim_notification(queued, 10_000)?.is_some());
                Ok(queued)
            })
            .expect("queued and claimed");
        drop(first);

        // Within the lease (2 attempts of 2 s, 100 ms between, 17 s
        // margin): still the dead sender's.
        let sent = FakeNotify::default();
        let seen = std::sync::Arc::clone(&sent.sent);
        let mut soon = app_in(dir.path(), t0 + 20_000, FakeGit::default());
        soon.notifier = Some(Box::new(sent));
        soon.flush_notifications(id).expect("flush");
        assert!(seen.lock().expect("lock").is_empty());
        drop(soon);

        let sent = FakeNotify::default();
        let seen = std::sync::Arc::clone(&sent.sent);
        let mut later = app_in(dir.path(), t0 + 22_000, FakeGit::default());
        later.notifier = Some(Box::new(sent));
        later.flush_notifications(id).expect("flush");
        later.flush_notifications(id).expect("flush again");
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen.len(), 1, "sent once");
        let key = seen[0].idempotency_key.as_deref().expect("key");
        assert!(key.ends_with(&format!(":{id}:{queued}")), "{key}");
    }

    #[test]
    fn an_escalation_goes_to_the_agent_that_owns_the_todo() {
        let t = app(FakeGit::default());
        let (_, agents) = team(
            &t,
            "ladder",
            &[
                "senior-backend-developer",
                "devops-engineer",
                "project-manager",
            ],
        );
        let by_role = Owner::Role {
            role: "devops-engineer".into(),
        };
        assert_eq!(owner_agent(&agents, &by_role).map(|a| a.window), Some(1));
        let by_agent = Owner::Agent {
            id: agents[2].id,
            label: "pm".into(),
        };
        assert_eq!(owner_agent(&agents, &by_agent).map(|a| a.window), Some(2));
        // A person has no pane; an unknown role or agent has no agent.
        let person = Owner::Person {
            name: "alice".into(),
        };
        assert!(owner_agent(&agents, &person).is_none());
        let gone = Owner::Agent {
            id: AgentId(99),
            label: "ag-99".into(),
        };
        assert!(owner_agent(&agents, &gone).is_none());
    }
}
