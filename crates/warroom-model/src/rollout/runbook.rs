//! The project's deploy runbook (`[deploy]` in warroom.toml): how the
//! canary's share of traffic is set and taken back, the steps, and the
//! checks that gate each step. Validated once, when it is read.

use serde::{Deserialize, Serialize};

use crate::Span;

/// A program and its arguments with `{version}`, `{weight}`,
/// `{stable_version}` and `{commit}` placeholders, run without a shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    pub run: Vec<String>,
    #[serde(default = "default_command_timeout")]
    pub timeout: Span,
}

fn default_command_timeout() -> Span {
    Span::from_millis(60_000)
}

/// One step: the canary's share of traffic, how long it bakes there, the
/// checks measured meanwhile, and whether a person must promote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Percent of traffic on the new version, 1 to 100.
    pub weight: u8,
    #[serde(default = "no_bake")]
    pub bake: Span,
    /// Names of `[[deploy.checks]]`.
    #[serde(default)]
    pub checks: Vec<String>,
    #[serde(default)]
    pub manual_gate: bool,
}

/// What a check does when its query ran but had nothing to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoDataPolicy {
    /// Counted as a failure.
    Fail,
    /// Counted as inconclusive: past the limit, the run pauses and asks
    /// the incident commander.
    Inconclusive,
    /// Counted as a success.
    Pass,
}

impl NoDataPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            NoDataPolicy::Fail => "fail",
            NoDataPolicy::Inconclusive => "inconclusive",
            NoDataPolicy::Pass => "pass",
        }
    }
}

/// A comparison of a measured number with a threshold: `<= 0.01`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Condition {
    pub op: CompareOp,
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Condition {
    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            CompareOp::Lt => value < self.threshold,
            CompareOp::Le => value <= self.threshold,
            CompareOp::Gt => value > self.threshold,
            CompareOp::Ge => value >= self.threshold,
            CompareOp::Eq => value == self.threshold,
        }
    }
}

impl std::str::FromStr for Condition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let ops = [
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("==", CompareOp::Eq),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ];
        let (op, rest) = ops
            .iter()
            .find_map(|(text, op)| s.strip_prefix(text).map(|rest| (*op, rest)))
            .ok_or_else(|| {
                format!("condition {s:?} must start with <, <=, >, >= or ==, as in \"<= 0.01\"")
            })?;
        let threshold: f64 = rest
            .trim()
            .parse()
            .map_err(|_| format!("condition {s:?}: {:?} is not a number", rest.trim()))?;
        Ok(Condition { op, threshold })
    }
}

impl TryFrom<String> for Condition {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Condition> for String {
    fn from(c: Condition) -> Self {
        c.to_string()
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Eq => "==",
        };
        write!(f, "{op} {}", self.threshold)
    }
}

/// A guard against judging a canary that saw too little traffic: this
/// query must return at least `at_least`, or the measurement is no data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinSamples {
    pub query: String,
    pub at_least: f64,
}

/// How a check measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CheckKind {
    /// Passes when the answer has the status (and the body matches).
    Http {
        url: String,
        #[serde(default = "default_status")]
        status: u16,
        /// A regular expression the body must match.
        #[serde(default)]
        body: Option<String>,
    },
    /// Passes when the query's first value meets the condition.
    Prometheus {
        address: String,
        query: String,
        condition: Condition,
        #[serde(default)]
        min_samples: Option<MinSamples>,
    },
    /// Passes when the command exits 0.
    Command { run: Vec<String> },
}

fn no_bake() -> Span {
    Span::ZERO
}

fn default_status() -> u16 {
    200
}

/// One named check and how its measurements are judged. (Unknown keys are
/// refused by `CheckKind`, which gets every key this struct does not take:
/// serde's `flatten` cannot be combined with `deny_unknown_fields` here.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSpec {
    pub name: String,
    #[serde(flatten)]
    pub kind: CheckKind,
    #[serde(default = "default_interval")]
    pub interval: Span,
    #[serde(default = "default_check_timeout")]
    pub timeout: Span,
    /// Failures tolerated: the next one rolls back (0: the first does).
    #[serde(default)]
    pub failure_limit: u32,
    /// Errors in a row tolerated (the check could not measure).
    #[serde(default = "default_consecutive_error_limit")]
    pub consecutive_error_limit: u32,
    /// Inconclusive measurements tolerated before the run pauses.
    #[serde(default)]
    pub inconclusive_limit: u32,
    #[serde(default = "default_on_no_data")]
    pub on_no_data: NoDataPolicy,
}

fn default_interval() -> Span {
    Span::from_millis(10_000)
}
fn default_check_timeout() -> Span {
    Span::from_millis(5_000)
}
fn default_consecutive_error_limit() -> u32 {
    4
}
fn default_on_no_data() -> NoDataPolicy {
    NoDataPolicy::Inconclusive
}

/// What must hold before the first step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeployGate {
    /// The incident's security sign-off todo is done (where it has one).
    SecuritySignOff,
    /// A passing quick (or full) check of the commit deployed.
    Checks,
    /// The hotfix's pull request was opened.
    PullRequest,
}

impl DeployGate {
    pub fn as_str(self) -> &'static str {
        match self {
            DeployGate::SecuritySignOff => "security-sign-off",
            DeployGate::Checks => "checks",
            DeployGate::PullRequest => "pull-request",
        }
    }
}

/// `[deploy]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// The version serving now, which a rollback puts back.
    pub stable_version: String,
    /// The new version's name; `{commit}` (the hotfix commit, 12
    /// characters) by default.
    #[serde(default = "default_version")]
    pub version: String,
    pub set_weight: CommandSpec,
    pub rollback: CommandSpec,
    #[serde(default = "emergency_steps")]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub checks: Vec<CheckSpec>,
    /// The check run once after a rollback; by default the first http check.
    #[serde(default)]
    pub after_rollback: Option<String>,
    #[serde(default = "default_gates")]
    pub gates: Vec<DeployGate>,
}

fn default_version() -> String {
    "{commit}".into()
}

fn default_gates() -> Vec<DeployGate> {
    vec![
        DeployGate::SecuritySignOff,
        DeployGate::Checks,
        DeployGate::PullRequest,
    ]
}

/// The seed's plan: 5 % for 5 minutes, then everything.
pub fn emergency_steps() -> Vec<Step> {
    vec![
        Step {
            weight: 5,
            bake: Span::from_mins(5),
            checks: Vec::new(),
            manual_gate: false,
        },
        Step {
            weight: 100,
            bake: Span::ZERO,
            checks: Vec::new(),
            manual_gate: false,
        },
    ]
}

impl Runbook {
    /// Whether the runbook can run: steps rise to 100 %, every check named
    /// exists, commands name a program. Each problem is said.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if self.steps.is_empty() {
            problems.push("[deploy] has no steps".to_owned());
        }
        let mut last = 0;
        for (i, step) in self.steps.iter().enumerate() {
            if step.weight == 0 || step.weight > 100 {
                problems.push(format!(
                    "step {}: weight {} is not 1 to 100",
                    i + 1,
                    step.weight
                ));
            } else if step.weight <= last {
                problems.push(format!(
                    "step {}: weight {} does not rise above the step before ({last})",
                    i + 1,
                    step.weight
                ));
            }
            last = step.weight;
            for name in &step.checks {
                if self.check(name).is_none() {
                    problems.push(format!("step {}: no check named {name:?}", i + 1));
                }
            }
        }
        if self.steps.last().is_some_and(|s| s.weight != 100) {
            problems.push("the last step must take the weight to 100".to_owned());
        }
        for (what, command) in [
            ("set_weight", &self.set_weight),
            ("rollback", &self.rollback),
        ] {
            if command.run.first().is_none_or(|p| p.trim().is_empty()) {
                problems.push(format!("{what} names no program to run"));
            }
        }
        for check in &self.checks {
            if let CheckKind::Command { run } = &check.kind
                && run.is_empty()
            {
                problems.push(format!("check {}: names no program to run", check.name));
            }
            if check.interval.millis() <= 0 {
                problems.push(format!("check {}: interval must be above 0", check.name));
            }
        }
        if let Some(name) = &self.after_rollback
            && self.check(name).is_none()
        {
            problems.push(format!("after_rollback: no check named {name:?}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    pub fn check(&self, name: &str) -> Option<&CheckSpec> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// The check run once after a rollback.
    pub fn after_rollback_check(&self) -> Option<&CheckSpec> {
        match &self.after_rollback {
            Some(name) => self.check(name),
            None => self
                .checks
                .iter()
                .find(|c| matches!(c.kind, CheckKind::Http { .. })),
        }
    }
}
