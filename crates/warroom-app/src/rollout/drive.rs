//! The daemon's part: each running rollout moved on as far as it can go
//! now. An action (a command, a measurement) runs outside any transaction;
//! its result is saved with its events over the state it was decided on,
//! so a person's abort meanwhile wins, and a daemon killed between the
//! action and the save repeats only that action (set-weight is idempotent,
//! a measurement is just taken again).

use std::path::PathBuf;

use warroom_model::rollout::{Found, Judged, Next, Outcome, Run, Stage};
use warroom_model::{EventKind, IncidentEvent, Milestone};
use warroom_ops::deploy::{CommandOutcome, Vars};
use warroom_store::RolloutRecord;

use crate::{App, AppError};

/// Actions taken for one rollout per call, at most: a bounded pass, so
/// one rollout cannot hold the others up.
const ACTIONS_PER_PASS: usize = 8;

impl App {
    /// Moves every running rollout on; returns a line per transition for
    /// the daemon's log.
    pub fn drive_rollouts(&self) -> Result<Vec<String>, AppError> {
        let mut log = Vec::new();
        for record in self.store().active_rollouts()? {
            let id = record.id;
            if let Err(e) = self.drive(record, &mut log) {
                log.push(format!("rollout {id}: {e}"));
            }
        }
        Ok(log)
    }

    fn drive(&self, mut record: RolloutRecord, log: &mut Vec<String>) -> Result<(), AppError> {
        let team = self
            .store()
            .team(record.team_id)?
            .ok_or_else(|| AppError::failed(format!("rollout {} has no team", record.id)))?;
        let dir = PathBuf::from(&team.project_dir);
        for _ in 0..ACTIONS_PER_PASS {
            let now = self.clock().now();
            let before = record.run.clone();
            let mut run = record.run.clone();
            let mut events = Vec::new();
            match run.next(&record.runbook, now) {
                Next::Wait { .. } | Next::Idle => return Ok(()),
                Next::SetWeight { step, weight } => {
                    let out = self.actions.run(
                        &record.runbook.set_weight,
                        &vars(&run, Some(weight)),
                        &dir,
                    );
                    events.push(command_event(record.id, "set-weight", step, weight, &out));
                    run.weight_set(result(&out), self.clock().now());
                }
                Next::Measure { check } => {
                    let Some(spec) = record.runbook.check(&check).cloned() else {
                        return Err(AppError::failed(format!("no check named {check}")));
                    };
                    let weight = run.weight(&record.runbook);
                    let m = self.actions.measure(&spec, &vars(&run, Some(weight)), &dir);
                    let policy = format!(
                        "failure_limit={} consecutive_error_limit={} on_no_data={}",
                        spec.failure_limit,
                        spec.consecutive_error_limit,
                        spec.on_no_data.as_str()
                    );
                    events.push(measured_event(record.id, run.step, &spec, &m, "", policy));
                    run.measured(&spec, m.found, self.clock().now());
                }
                Next::Advance => run.advance(&record.runbook, now),
                Next::Rollback { .. } => {
                    let out =
                        self.actions
                            .run(&record.runbook.rollback, &vars(&run, Some(0)), &dir);
                    events.push(command_event(record.id, "rollback", run.step, 0, &out));
                    run.rolled_back(result(&out), self.clock().now());
                }
                Next::Verify { check } => {
                    let healthy = match check.and_then(|c| record.runbook.check(&c).cloned()) {
                        Some(spec) => {
                            let m = self.actions.measure(&spec, &vars(&run, Some(0)), &dir);
                            events.push(measured_event(
                                record.id,
                                run.step,
                                &spec,
                                &m,
                                "after the rollback: ",
                                "once, after the rollback".into(),
                            ));
                            Some(m.found == Found::Success)
                        }
                        None => None,
                    };
                    run.verified(healthy, self.clock().now());
                }
            }
            if before.stage_name() != run.stage_name() || before.step != run.step {
                let mut record_after = record.clone();
                record_after.run = run.clone();
                events.push(stage_event(&record_after, &before, None));
                log.push(format!(
                    "rollout {} ({}): {} -> {} at {}%",
                    record.id,
                    team.name,
                    before.stage_name(),
                    run.stage_name(),
                    run.weight(&record.runbook)
                ));
            }
            match self.save_transition(&record, &run, events)? {
                Some(saved) => {
                    self.after_transition(&saved, &before);
                    record = saved;
                }
                // Someone (a person's abort or promote) saved it first: take
                // their state and decide again.
                None => match self.store().rollout(record.id)? {
                    Some(fresh) if !fresh.run.is_done() => record = fresh,
                    _ => return Ok(()),
                },
            }
        }
        Ok(())
    }

    /// Saves `run` over the state `record` was read at, with its events
    /// and, when the run ends promoted, the incident's milestones.
    fn save_transition(
        &self,
        record: &RolloutRecord,
        run: &Run,
        events: Vec<IncidentEvent>,
    ) -> Result<Option<RolloutRecord>, AppError> {
        self.write("warroom", |tx| {
            if !tx.save_rollout(record.id, record.rev, run)? {
                return Ok(None);
            }
            for event in &events {
                tx.event_for(
                    Some(record.team_id),
                    record.incident_id,
                    &EventKind::from(event.clone()),
                )?;
            }
            if let (Some(Outcome::Promoted), Some(id)) = (run.outcome(), record.incident_id)
                && let Some((mut incident, team_id)) = tx.incident(id)?
                && !incident.is_closed()
            {
                let now = tx.at();
                let summary = format!("{} on 100% of traffic", run.version);
                let mut set = Vec::new();
                for milestone in [Milestone::FixDeployed, Milestone::Mitigated] {
                    if !incident.milestones.contains_key(&milestone)
                        && let Ok(event) = incident.set_milestone(
                            milestone,
                            now,
                            Some(summary.clone()),
                            "warroom",
                            false,
                        )
                    {
                        set.push(event);
                    }
                }
                tx.save_incident(&incident, team_id, &set)?;
            }
            let mut saved = record.clone();
            saved.run = run.clone();
            saved.rev += 1;
            Ok(Some(saved))
        })
    }

    /// What people hear of a transition: the stakeholders when the run
    /// ends, the pager when traffic is stuck on a version that failed.
    fn after_transition(&self, record: &RolloutRecord, before: &Run) {
        let (Some(outcome), false) = (record.run.outcome(), before.is_done()) else {
            return;
        };
        let Some(incident) = record.incident_id else {
            return;
        };
        let run = &record.run;
        match outcome {
            Outcome::Promoted => self.tell_stakeholders(
                incident,
                &format!(
                    "The fix ({}) is on all traffic; its health checks passed at every step. We keep watching.",
                    run.version
                ),
                Some("monitoring"),
            ),
            Outcome::RolledBack { reason, .. } => self.tell_stakeholders(
                incident,
                &format!(
                    "The fix ({}) was rolled back automatically ({reason}); all traffic is on {} again. The team is working on it.",
                    run.version, run.stable_version
                ),
                Some("identified"),
            ),
            Outcome::RollbackFailed { reason, error } => {
                let text = format!(
                    "URGENT: rolling back {} failed ({error}) after {reason}; traffic may still reach it. Put {} back by hand now.",
                    run.version, run.stable_version
                );
                self.page(incident, &text);
                self.tell_stakeholders(incident, &text, Some("identified"));
            }
        }
    }

    /// Pages the incident commander and every channel the incident's
    /// escalation ladder names.
    fn page(&self, incident_id: warroom_model::IncidentId, text: &str) {
        let sent = self.write("warroom", |tx| {
            let Some((incident, _)) = tx.incident(incident_id)? else {
                return Ok(());
            };
            // The incident commander always, whatever the ladder says.
            let mut channels = vec!["incident-commander".to_owned()];
            for step in &incident.policy.escalation {
                if !channels.contains(&step.notify) {
                    channels.push(step.notify.clone());
                }
            }
            for channel in channels {
                self.queue_to_channel(tx, &incident, &channel, "rollback-failed", text)?;
            }
            Ok(())
        });
        if sent.is_ok() {
            let _ = self.flush_notifications(incident_id);
        }
    }
}

fn vars(run: &Run, weight: Option<u8>) -> Vars {
    Vars {
        version: run.version.clone(),
        stable_version: run.stable_version.clone(),
        commit: run.commit.clone(),
        weight,
    }
}

fn result(out: &CommandOutcome) -> Result<(), String> {
    match &out.error {
        None => Ok(()),
        Some(e) => Err(e.clone()),
    }
}

/// A measurement as the timeline keeps it, its message redacted.
fn measured_event(
    rollout: i64,
    step: usize,
    spec: &warroom_model::rollout::CheckSpec,
    m: &warroom_ops::deploy::Measurement,
    prefix: &str,
    policy: String,
) -> IncidentEvent {
    IncidentEvent::RolloutMeasured {
        rollout,
        step,
        check: spec.name.clone(),
        found: m.found,
        judged: Judged::of(m.found, spec.on_no_data),
        value: m.value.clone(),
        query: m.query.clone(),
        message: format!("{prefix}{}", warroom_model::redact::redact(&m.message).text),
        policy,
    }
}

fn command_event(
    rollout: i64,
    action: &str,
    step: usize,
    weight: u8,
    out: &CommandOutcome,
) -> IncidentEvent {
    IncidentEvent::RolloutCommand {
        rollout,
        action: action.to_owned(),
        step,
        weight,
        argv: out.argv.clone(),
        exit_code: out.exit_code,
        duration_ms: out.duration_ms,
        error: out.error.clone(),
        output: warroom_model::redact::redact(&out.output).text,
    }
}

/// The event of a change of stage, from `before` to the record's run.
pub(crate) fn stage_event(
    record: &RolloutRecord,
    before: &Run,
    reason: Option<String>,
) -> IncidentEvent {
    let run = &record.run;
    let reason = reason.or_else(|| match &run.stage {
        Stage::Paused { reason, .. }
        | Stage::RollingBack { reason }
        | Stage::Verifying { reason } => Some(reason.clone()),
        Stage::Done {
            outcome: Outcome::RolledBack { reason, .. },
        } => Some(reason.clone()),
        Stage::Done {
            outcome: Outcome::RollbackFailed { reason, error },
        } => Some(format!("{reason}; the rollback failed: {error}")),
        _ => None,
    });
    IncidentEvent::RolloutStage {
        rollout: record.id,
        from: before.stage_name().to_owned(),
        to: run.stage_name().to_owned(),
        step: run.step,
        weight: run.weight(&record.runbook),
        reason,
    }
}
