//! Response policies, one per severity, as data (the embedded default TOML,
//! overridable per project). An incident keeps a copy of the policy in force
//! when it was declared, so later edits do not rewrite its targets.

use serde::{Deserialize, Serialize};

use crate::incident::todo::Priority;
use crate::span::Span;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// How many agents `incident declare --deploy` starts.
    pub team_size: usize,
    pub targets: Targets,
    /// Steps of escalation for an overdue todo, each `after` its due time.
    #[serde(default)]
    pub escalation: Vec<EscalationStep>,
    /// When the first stakeholder update is due, after declaring.
    pub first_update: Option<Span>,
    /// Then one update every this long, until resolved.
    pub update_every: Option<Span>,
    /// Channel names the stakeholder updates go to.
    #[serde(default)]
    pub audiences: Vec<String>,
    pub todo_due: TodoDue,
    pub postmortem_required: bool,
    pub postmortem_due: Option<Span>,
}

/// The response clocks' targets, from the hotfix example's "Recovery Success
/// Metrics" and the practice notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// declared → team ready ("time to deploy" the team).
    pub team: Span,
    /// detected → acknowledged.
    pub acknowledge: Span,
    /// declared → root cause identified.
    pub root_cause: Span,
    /// declared → fix ready.
    pub fix: Span,
    /// impact started (or detected) → mitigated.
    pub mitigate: Span,
    /// declared → resolved.
    pub resolution: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    pub after: Span,
    /// `owner`, a role (`project-manager`), `incident-commander`, or a
    /// channel name.
    pub notify: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TodoDue {
    #[serde(rename = "P0")]
    pub p0: Span,
    #[serde(rename = "P1")]
    pub p1: Span,
    #[serde(rename = "P2")]
    pub p2: Span,
    #[serde(rename = "P3")]
    pub p3: Span,
}

impl TodoDue {
    pub fn for_priority(&self, p: Priority) -> Span {
        match p {
            Priority::P0 => self.p0,
            Priority::P1 => self.p1,
            Priority::P2 => self.p2,
            Priority::P3 => self.p3,
        }
    }
}
