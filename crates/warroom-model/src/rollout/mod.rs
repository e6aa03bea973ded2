//! Controlled rollout: the runbook a project gives (`[deploy]`) and the
//! pure state machine of one run of it (steps, bakes, measurements judged
//! against their limits, rollback). Nothing here runs a command or reads
//! a clock: the app does, and persists the run after every transition.

mod run;
mod runbook;
#[cfg(test)]
mod tests;

pub use run::{Found, Judged, Next, Outcome, RolloutError, Run, Stage, Tally, Verdict};
pub use runbook::{
    CheckKind, CheckSpec, CommandSpec, CompareOp, Condition, DeployGate, MinSamples, NoDataPolicy,
    Runbook, Step, emergency_steps,
};
