//! The runbook's actions for real: its commands run with their
//! placeholders filled and a timeout, and its checks measured (an HTTP
//! answer, a Prometheus query, a command's exit). What a measurement
//! means for the rollout is judged in `warroom-model::rollout`.

mod command;
mod probe;
mod prometheus;

use std::path::Path;

use serde::Serialize;
use warroom_model::rollout::{CheckSpec, CommandSpec, Found};

pub use command::run_command;
pub use probe::Prober;
pub use prometheus::{PromValue, query as prometheus_query};

/// The values a runbook's `{placeholders}` take.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub version: String,
    pub stable_version: String,
    pub commit: String,
    pub weight: Option<u8>,
}

impl Vars {
    /// `text` with every placeholder filled.
    pub fn fill(&self, text: &str) -> String {
        let weight = self.weight.map(|w| w.to_string()).unwrap_or_default();
        text.replace("{version}", &self.version)
            .replace("{stable_version}", &self.stable_version)
            .replace("{commit}", &self.commit)
            .replace("{weight}", &weight)
    }
}

/// How one of the runbook's commands went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandOutcome {
    /// The program and arguments as run.
    pub argv: Vec<String>,
    pub exit_code: Option<i32>,
    pub duration_ms: i64,
    /// Its output's last lines.
    pub output: String,
    /// Why it did not pass: a non-zero exit, a timeout, a program missing.
    pub error: Option<String>,
}

impl CommandOutcome {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// One measurement of a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub found: Found,
    /// What was measured (a status, a number), when anything was.
    pub value: Option<String>,
    /// The request, query or command as it ran.
    pub query: String,
    pub message: String,
    pub duration_ms: i64,
}

/// The seam the app drives a rollout through; [`Prober`] is the real one.
pub trait RunbookActions: Send + Sync {
    fn run(&self, command: &CommandSpec, vars: &Vars, dir: &Path) -> CommandOutcome;
    fn measure(&self, check: &CheckSpec, vars: &Vars, dir: &Path) -> Measurement;
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
