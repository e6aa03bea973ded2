//! `deploy <team> --canary` and its controls: the fix rolled out by the
//! project's runbook (`[deploy]`), step by step behind its checks, rolled
//! back at the first failure. The state machine is the model's; here each
//! transition is saved with its events, and the daemon drives the bakes
//! and measurements (`drive_rollouts`).

mod drive;
mod start;

use serde::Serialize;
use warroom_model::rollout::{Run, Runbook, Stage};
use warroom_model::{EventKind, IncidentEvent, Millis};
use warroom_store::{RolloutRecord, TeamRecord};

use crate::{App, AppError};

pub use start::CanaryOptions;

/// One step of the runbook, and where the run is with it.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub weight: u8,
    pub bake_ms: Millis,
    pub checks: Vec<String>,
    pub manual_gate: bool,
    /// `done`, `current` or `pending`.
    pub state: &'static str,
}

/// One measurement, as the timeline keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct MeasurementView {
    pub at: Millis,
    pub step: usize,
    pub check: String,
    pub judged: String,
    pub value: Option<String>,
    pub query: String,
    pub message: String,
    pub policy: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloutView {
    pub id: i64,
    pub team: String,
    pub incident: Option<String>,
    pub version: String,
    pub stable_version: String,
    pub commit: String,
    /// `shifting`, `baking`, `paused`, `rolling-back`, `verifying`, or the
    /// outcome: `promoted`, `rolled-back`, `rollback-failed`.
    pub stage: String,
    /// 1-based.
    pub step: usize,
    /// The share of traffic on the new version.
    pub weight: u8,
    pub steps: Vec<StepView>,
    /// Why it paused, rolled back or failed to.
    pub reason: Option<String>,
    /// After a rollback: whether the health check then passed.
    pub healthy_after_rollback: Option<bool>,
    pub started_at: Millis,
    pub finished_at: Option<Millis>,
    pub measurements: Vec<MeasurementView>,
}

impl RolloutView {
    pub fn done(&self) -> bool {
        self.finished_at.is_some()
    }
}

impl App {
    /// `deploy status <team>`: the team's latest rollout.
    pub fn rollout_status(&self, team: &str) -> Result<RolloutView, AppError> {
        let team = self.any_team(team)?;
        let record = self.store().rollouts(team.id)?.pop().ok_or_else(|| {
            AppError::bad_input(format!("no rollout for team {} yet", team.name))
                .hint(format!("start one: warroom deploy {} --canary", team.name))
        })?;
        self.rollout_view(&team, &record)
    }

    /// Whether any rollout is still running (the daemon stays for it).
    pub fn has_active_rollouts(&self) -> Result<bool, AppError> {
        Ok(!self.store().active_rollouts()?.is_empty())
    }

    pub(crate) fn rollout_view(
        &self,
        team: &TeamRecord,
        record: &RolloutRecord,
    ) -> Result<RolloutView, AppError> {
        let incident = match record.incident_id {
            Some(id) => Some(self.load_incident(id)?.0.reference()),
            None => None,
        };
        let measurements = self
            .store()
            .events(team.id)?
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::Incident(IncidentEvent::RolloutMeasured {
                    rollout,
                    step,
                    check,
                    judged,
                    value,
                    query,
                    message,
                    policy,
                    ..
                }) if rollout == record.id => Some(MeasurementView {
                    at: e.at,
                    step: step + 1,
                    check,
                    judged: judged.as_str().to_owned(),
                    value,
                    query,
                    message,
                    policy,
                }),
                _ => None,
            })
            .collect();
        Ok(view(team, incident, record, measurements))
    }
}

fn view(
    team: &TeamRecord,
    incident: Option<String>,
    record: &RolloutRecord,
    measurements: Vec<MeasurementView>,
) -> RolloutView {
    let run: &Run = &record.run;
    let book: &Runbook = &record.runbook;
    let (reason, healthy) = match &run.stage {
        Stage::Paused { reason, .. }
        | Stage::RollingBack { reason }
        | Stage::Verifying { reason } => (Some(reason.clone()), None),
        Stage::Done { outcome } => match outcome {
            warroom_model::rollout::Outcome::Promoted => (None, None),
            warroom_model::rollout::Outcome::RolledBack { reason, healthy } => {
                (Some(reason.clone()), *healthy)
            }
            warroom_model::rollout::Outcome::RollbackFailed { reason, error } => (
                Some(format!("{reason}; the rollback failed: {error}")),
                None,
            ),
        },
        _ => (None, None),
    };
    let promoted = matches!(
        run.outcome(),
        Some(warroom_model::rollout::Outcome::Promoted)
    );
    let steps = book
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepView {
            weight: s.weight,
            bake_ms: s.bake.millis(),
            checks: s.checks.clone(),
            manual_gate: s.manual_gate,
            state: if promoted || i < run.step {
                "done"
            } else if i == run.step && !run.is_done() {
                "current"
            } else if i == run.step {
                // Ended here without promotion: the step it failed at.
                run.stage_name()
            } else {
                "pending"
            },
        })
        .collect();
    RolloutView {
        id: record.id,
        team: team.name.clone(),
        incident,
        version: run.version.clone(),
        stable_version: run.stable_version.clone(),
        commit: run.commit.clone(),
        stage: run.stage_name().to_owned(),
        step: run.step + 1,
        weight: run.weight(book),
        steps,
        reason,
        healthy_after_rollback: healthy,
        started_at: run.started_at,
        finished_at: run.finished_at,
        measurements,
    }
}
