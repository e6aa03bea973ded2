//! One rollout of a version, as a state machine with no I/O: it says what
//! to do next ([`Run::next`]) and takes what happened (`weight_set`,
//! `measured`, `rolled_back`, …). The daemon persists the run after every
//! transition, so a killed daemon's successor resumes it where it was:
//! a bake keeps its start, a step is never taken twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::runbook::{CheckSpec, NoDataPolicy, Runbook};
use crate::Millis;

/// Where a run is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "kebab-case")]
pub enum Stage {
    /// The step's weight is to be set. The command is idempotent, so a
    /// run resumed here sets it again.
    Shifting,
    /// At the step's weight since `since`.
    Baking {
        since: Millis,
    },
    /// Waiting for a person: the step's manual gate, or measurements that
    /// could not decide.
    Paused {
        reason: String,
        since: Millis,
    },
    /// Traffic is to go back to the stable version.
    RollingBack {
        reason: String,
    },
    /// Rolled back; one health check is to run.
    Verifying {
        reason: String,
    },
    Done {
        outcome: Outcome,
    },
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    Promoted,
    /// Traffic is back on the stable version; `healthy` is the check after
    /// the rollback (none when the runbook has no check to run).
    RolledBack {
        reason: String,
        healthy: Option<bool>,
    },
    /// The rollback command failed: a person must act now.
    RollbackFailed {
        reason: String,
        error: String,
    },
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Promoted => "promoted",
            Outcome::RolledBack { .. } => "rolled-back",
            Outcome::RollbackFailed { .. } => "rollback-failed",
        }
    }
}

/// What a measurement found, before the check's policy is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Found {
    Success,
    Failure,
    /// The check could not measure (unreachable, timed out, bad query).
    Error,
    /// It measured nothing (an empty result, NaN, too little traffic).
    NoData,
}

/// A measurement as judged by its check's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Judged {
    Success,
    Failure,
    Error,
    Inconclusive,
}

impl Judged {
    pub fn as_str(self) -> &'static str {
        match self {
            Judged::Success => "success",
            Judged::Failure => "failure",
            Judged::Error => "error",
            Judged::Inconclusive => "inconclusive",
        }
    }

    pub fn of(found: Found, on_no_data: NoDataPolicy) -> Judged {
        match (found, on_no_data) {
            (Found::Success, _) | (Found::NoData, NoDataPolicy::Pass) => Judged::Success,
            (Found::Failure, _) | (Found::NoData, NoDataPolicy::Fail) => Judged::Failure,
            (Found::Error, _) => Judged::Error,
            (Found::NoData, NoDataPolicy::Inconclusive) => Judged::Inconclusive,
        }
    }
}

/// A check's measurements in the current step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub last_at: Option<Millis>,
    pub measurements: u32,
    pub successes: u32,
    pub failures: u32,
    pub errors: u32,
    pub consecutive_errors: u32,
    pub inconclusive: u32,
}

/// What the run needs done next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    SetWeight {
        step: usize,
        weight: u8,
    },
    Measure {
        check: String,
    },
    /// The bake is over and every check measured: go on.
    Advance,
    /// Nothing to do before `until`.
    Wait {
        until: Millis,
    },
    Rollback {
        reason: String,
    },
    /// The one health check after a rollback (`None`: there is none).
    Verify {
        check: Option<String>,
    },
    /// Paused or done: a person or nothing moves it.
    Idle,
}

/// What a measurement decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    RollBack { reason: String },
    Pause { reason: String },
}

/// Refusals of a person's command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RolloutError {
    #[error("the rollout has ended ({0}); start another with deploy --canary, or retry")]
    Ended(&'static str),
    #[error("the rollout is {0}; only a paused or baking rollout can be promoted")]
    NotPromotable(&'static str),
    #[error("the rollout is already rolling back")]
    RollingBack,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub version: String,
    pub stable_version: String,
    pub commit: String,
    /// Index into the runbook's steps.
    pub step: usize,
    pub stage: Stage,
    /// This step's measurements, by check name.
    pub tallies: BTreeMap<String, Tally>,
    pub started_at: Millis,
    pub finished_at: Option<Millis>,
}

impl Run {
    pub fn new(version: &str, stable_version: &str, commit: &str, now: Millis) -> Run {
        Run {
            version: version.to_owned(),
            stable_version: stable_version.to_owned(),
            commit: commit.to_owned(),
            step: 0,
            stage: Stage::Shifting,
            tallies: BTreeMap::new(),
            started_at: now,
            finished_at: None,
        }
    }

    pub fn stage_name(&self) -> &'static str {
        match &self.stage {
            Stage::Shifting => "shifting",
            Stage::Baking { .. } => "baking",
            Stage::Paused { .. } => "paused",
            Stage::RollingBack { .. } => "rolling-back",
            Stage::Verifying { .. } => "verifying",
            Stage::Done { outcome } => outcome.name(),
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Done { .. })
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.stage {
            Stage::Done { outcome } => Some(outcome),
            _ => None,
        }
    }

    /// The share of traffic on the new version now, as far as the run
    /// knows (0 once rolled back).
    pub fn weight(&self, runbook: &Runbook) -> u8 {
        let at = |i: usize| runbook.steps.get(i).map_or(0, |s| s.weight);
        match &self.stage {
            Stage::Shifting => self.step.checked_sub(1).map_or(0, at),
            Stage::Baking { .. } | Stage::Paused { .. } | Stage::RollingBack { .. } => {
                at(self.step)
            }
            Stage::Verifying { .. } => 0,
            Stage::Done { outcome } => match outcome {
                Outcome::Promoted => 100,
                Outcome::RolledBack { .. } => 0,
                Outcome::RollbackFailed { .. } => at(self.step),
            },
        }
    }

    /// What to do at `now`.
    pub fn next(&self, runbook: &Runbook, now: Millis) -> Next {
        match &self.stage {
            Stage::Shifting => Next::SetWeight {
                step: self.step,
                weight: runbook.steps.get(self.step).map_or(100, |s| s.weight),
            },
            Stage::Baking { since } => self.next_while_baking(runbook, *since, now),
            Stage::RollingBack { reason } => Next::Rollback {
                reason: reason.clone(),
            },
            Stage::Verifying { .. } => Next::Verify {
                check: runbook.after_rollback_check().map(|c| c.name.clone()),
            },
            Stage::Paused { .. } | Stage::Done { .. } => Next::Idle,
        }
    }

    fn next_while_baking(&self, runbook: &Runbook, since: Millis, now: Millis) -> Next {
        let Some(step) = runbook.steps.get(self.step) else {
            return Next::Advance;
        };
        let bake_end = since + step.bake.millis();
        // Past the bake's end only a measurement is awaited.
        let mut next_due = if now < bake_end {
            bake_end
        } else {
            Millis::MAX
        };
        for name in &step.checks {
            let Some(check) = runbook.check(name) else {
                continue;
            };
            let due = self
                .tallies
                .get(name)
                .and_then(|t| t.last_at)
                .map_or(since, |last| last + check.interval.millis());
            if due <= now {
                return Next::Measure {
                    check: name.clone(),
                };
            }
            next_due = next_due.min(due);
        }
        let bake_over = now >= bake_end;
        // The bake ends once every check has vouched for the step with a
        // success: no data within its limit is no evidence, so the bake goes
        // on until one comes (or the limit pauses the run).
        let all_vouched = step
            .checks
            .iter()
            .all(|c| self.tallies.get(c).is_some_and(|t| t.successes > 0));
        if bake_over && all_vouched {
            Next::Advance
        } else {
            Next::Wait { until: next_due }
        }
    }

    /// The step's weight was set (or setting it failed: roll back).
    pub fn weight_set(&mut self, result: Result<(), String>, now: Millis) {
        if self.stage != Stage::Shifting {
            return;
        }
        self.stage = match result {
            Ok(()) => {
                self.tallies.clear();
                Stage::Baking { since: now }
            }
            Err(e) => Stage::RollingBack {
                reason: format!("setting the weight failed: {e}"),
            },
        };
    }

    /// Counts a measurement of `check` and decides: go on, roll back at
    /// once, or pause for a person.
    pub fn measured(&mut self, check: &CheckSpec, found: Found, now: Millis) -> Verdict {
        if !matches!(self.stage, Stage::Baking { .. }) {
            return Verdict::Continue;
        }
        let tally = self.tallies.entry(check.name.clone()).or_default();
        tally.last_at = Some(now);
        tally.measurements += 1;
        let verdict = match Judged::of(found, check.on_no_data) {
            Judged::Success => {
                tally.successes += 1;
                tally.consecutive_errors = 0;
                Verdict::Continue
            }
            Judged::Failure => {
                tally.failures += 1;
                tally.consecutive_errors = 0;
                if tally.failures > check.failure_limit {
                    Verdict::RollBack {
                        reason: format!(
                            "check {} failed {} time(s) (failure limit {})",
                            check.name, tally.failures, check.failure_limit
                        ),
                    }
                } else {
                    Verdict::Continue
                }
            }
            Judged::Error => {
                tally.errors += 1;
                tally.consecutive_errors += 1;
                if tally.consecutive_errors > check.consecutive_error_limit {
                    Verdict::RollBack {
                        reason: format!(
                            "check {} could not measure {} times in a row (limit {})",
                            check.name, tally.consecutive_errors, check.consecutive_error_limit
                        ),
                    }
                } else {
                    Verdict::Continue
                }
            }
            Judged::Inconclusive => {
                tally.inconclusive += 1;
                tally.consecutive_errors = 0;
                if tally.inconclusive > check.inconclusive_limit {
                    Verdict::Pause {
                        reason: format!(
                            "check {} had no data {} time(s): promote, or abort",
                            check.name, tally.inconclusive
                        ),
                    }
                } else {
                    Verdict::Continue
                }
            }
        };
        match &verdict {
            Verdict::Continue => {}
            Verdict::RollBack { reason } => {
                self.stage = Stage::RollingBack {
                    reason: reason.clone(),
                }
            }
            Verdict::Pause { reason } => {
                self.stage = Stage::Paused {
                    reason: reason.clone(),
                    since: now,
                }
            }
        }
        verdict
    }

    /// The bake is over: the next step, the step's manual gate, or done.
    pub fn advance(&mut self, runbook: &Runbook, now: Millis) {
        if !matches!(self.stage, Stage::Baking { .. }) {
            return;
        }
        let gate = runbook.steps.get(self.step).is_some_and(|s| s.manual_gate);
        let last = self.step + 1 >= runbook.steps.len();
        if gate && !last {
            self.stage = Stage::Paused {
                reason: format!("step {} waits for a person to promote it", self.step + 1),
                since: now,
            };
        } else if last {
            self.finish(Outcome::Promoted, now);
        } else {
            self.step += 1;
            self.stage = Stage::Shifting;
        }
    }

    /// A person promotes: from a pause or a bake, to the next step (with
    /// `full`, to the last).
    pub fn promote(&mut self, runbook: &Runbook, full: bool) -> Result<(), RolloutError> {
        match &self.stage {
            Stage::Paused { .. } | Stage::Baking { .. } => {}
            Stage::Done { .. } => return Err(RolloutError::Ended(self.stage_name())),
            _ => return Err(RolloutError::NotPromotable(self.stage_name())),
        }
        let last = runbook.steps.len().saturating_sub(1);
        self.step = if full {
            last
        } else {
            (self.step + 1).min(last)
        };
        self.stage = Stage::Shifting;
        Ok(())
    }

    /// A person aborts: traffic goes back to the stable version.
    pub fn abort(&mut self, reason: &str) -> Result<(), RolloutError> {
        match &self.stage {
            Stage::Done { .. } => Err(RolloutError::Ended(self.stage_name())),
            Stage::RollingBack { .. } | Stage::Verifying { .. } => Err(RolloutError::RollingBack),
            _ => {
                self.stage = Stage::RollingBack {
                    reason: reason.to_owned(),
                };
                Ok(())
            }
        }
    }

    /// The rollback command ran.
    pub fn rolled_back(&mut self, result: Result<(), String>, now: Millis) {
        let Stage::RollingBack { reason } = &self.stage else {
            return;
        };
        let reason = reason.clone();
        match result {
            Ok(()) => self.stage = Stage::Verifying { reason },
            Err(error) => self.finish(Outcome::RollbackFailed { reason, error }, now),
        }
    }

    /// The health check after the rollback ran (or there was none).
    pub fn verified(&mut self, healthy: Option<bool>, now: Millis) {
        let Stage::Verifying { reason } = &self.stage else {
            return;
        };
        let reason = reason.clone();
        self.finish(Outcome::RolledBack { reason, healthy }, now);
    }

    fn finish(&mut self, outcome: Outcome, now: Millis) {
        self.stage = Stage::Done { outcome };
        self.finished_at = Some(now);
    }
}
