//! Emergency todos: owner, priority, due time, dependencies, the phase gate
//! they hold, and how far up the escalation ladder they have climbed.

use crate::ids::{IncidentId, TodoId};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::incident::lifecycle::{Phase, named_enum};
use crate::incident::policy::EscalationStep;
use crate::{AgentId, Millis};

named_enum!(
    /// P0 is the most urgent.
    Priority, "priority", {
        P0 => "P0" | "p0",
        P1 => "P1" | "p1",
        P2 => "P2" | "p2",
        P3 => "P3" | "p3",
    }
);

named_enum!(
    TodoStatus, "todo status", {
        Open => "open",
        InProgress => "in-progress" | "doing" | "claimed",
        Blocked => "blocked",
        Done => "done",
        NotDoing => "not-doing" | "wont-do",
    }
);

named_enum!(
    /// What kind of work: the response's own steps, and the postmortem's
    /// action-item types.
    TodoKind, "todo type", {
        Investigate => "investigate",
        Mitigate => "mitigate",
        Fix => "fix",
        Validate => "validate",
        Deploy => "deploy",
        Communicate => "communicate",
        SignOff => "sign-off",
        Prevent => "prevent",
        Process => "process",
        Other => "other",
    }
);

impl TodoStatus {
    /// Still needs doing: holds a gate and can escalate.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::InProgress | Self::Blocked)
    }
}

/// Who owns a todo. A role is bound to whichever agent holds it in the team,
/// so checklist todos can be owned before the team exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Owner {
    Role { role: String },
    Agent { id: AgentId, label: String },
    Person { name: String },
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Role { role } => write!(f, "role {role}"),
            Owner::Agent { label, .. } => f.write_str(label),
            Owner::Person { name } => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    pub id: TodoId,
    pub incident: IncidentId,
    pub title: String,
    pub kind: TodoKind,
    pub priority: Priority,
    pub status: TodoStatus,
    pub owner: Option<Owner>,
    pub created_by: String,
    pub created_at: Millis,
    pub due_at: Option<Millis>,
    /// The phase this todo must be done before the incident leaves.
    pub gate: Option<Phase>,
    #[serde(default)]
    pub depends_on: Vec<TodoId>,
    /// Post-incident follow-up (from the postmortem), not response work.
    #[serde(default)]
    pub follow_up: bool,
    /// How many steps of the ladder have fired.
    #[serde(default)]
    pub escalation_level: u32,
    #[serde(default)]
    pub notes: Vec<String>,
    pub blocked_reason: Option<String>,
    pub done_at: Option<Millis>,
}

/// A todo's short id, as people type it: `T-7`.
pub fn todo_ref(id: TodoId) -> String {
    id.to_string()
}

/// Parses `T-7`, `t7` or `7`.
pub fn parse_todo_ref(text: &str) -> Option<TodoId> {
    let t = text.trim();
    let digits = t
        .strip_prefix("T-")
        .or_else(|| t.strip_prefix("t-"))
        .or_else(|| t.strip_prefix('T'))
        .or_else(|| t.strip_prefix('t'))
        .unwrap_or(t);
    digits.parse::<i64>().ok().filter(|n| *n > 0).map(TodoId)
}

impl Todo {
    pub fn overdue(&self, now: Millis) -> bool {
        self.status.is_open() && self.due_at.is_some_and(|due| now >= due)
    }

    /// The ladder steps that are due and have not fired yet, as
    /// (level, step), level counted from 1. Pure: the caller records each as
    /// an event and raises `escalation_level` in the same transaction, so a
    /// step fires at most once however many processes evaluate it.
    pub fn escalations_due<'l>(
        &self,
        ladder: &'l [EscalationStep],
        now: Millis,
    ) -> Vec<(u32, &'l EscalationStep)> {
        let Some(due) = self.due_at.filter(|_| self.status.is_open()) else {
            return Vec::new();
        };
        ladder
            .iter()
            .enumerate()
            .map(|(i, step)| (i as u32 + 1, step))
            .filter(|(level, step)| {
                *level > self.escalation_level && now >= due + step.after.millis()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn todo(due: Option<Millis>) -> Todo {
        Todo {
            id: TodoId(1),
            incident: IncidentId(1),
            title: "t".into(),
            kind: TodoKind::Investigate,
            priority: Priority::P0,
            status: TodoStatus::Open,
            owner: None,
            created_by: "x".into(),
            created_at: 0,
            due_at: due,
            gate: None,
            depends_on: vec![],
            follow_up: false,
            escalation_level: 0,
            notes: vec![],
            blocked_reason: None,
            done_at: None,
        }
    }

    fn ladder() -> Vec<EscalationStep> {
        [
            "owner",
            "project-manager",
            "incident-commander",
            "stakeholders",
        ]
        .iter()
        .enumerate()
        .map(|(i, n)| EscalationStep {
            after: Span::from_mins(5 * i as i64),
            notify: (*n).into(),
        })
        .collect()
    }

    #[test]
    fn steps_fire_in_order_as_time_passes_and_only_once() {
        let ladder = ladder();
        let mut t = todo(Some(60_000));
        assert!(t.escalations_due(&ladder, 59_999).is_empty());
        let due = t.escalations_due(&ladder, 60_000);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].1.notify, "owner");
        t.escalation_level = 1;
        assert!(t.escalations_due(&ladder, 60_000 + 299_999).is_empty());
        let due = t.escalations_due(&ladder, 60_000 + 600_000);
        assert_eq!(
            due.iter()
                .map(|(l, s)| (*l, s.notify.as_str()))
                .collect::<Vec<_>>(),
            [(2, "project-manager"), (3, "incident-commander")]
        );
        t.escalation_level = 4;
        assert!(t.escalations_due(&ladder, i64::MAX / 2).is_empty());
    }

    #[test]
    fn done_or_undated_todos_never_escalate() {
        let ladder = ladder();
        assert!(todo(None).escalations_due(&ladder, i64::MAX / 2).is_empty());
        let mut t = todo(Some(0));
        t.status = TodoStatus::Done;
        assert!(t.escalations_due(&ladder, 10_000_000).is_empty());
        assert!(!t.overdue(10_000_000));
    }

    #[test]
    fn refs_parse_in_the_forms_people_type() {
        assert_eq!(parse_todo_ref("T-7"), Some(TodoId(7)));
        assert_eq!(parse_todo_ref("t7"), Some(TodoId(7)));
        assert_eq!(parse_todo_ref("7"), Some(TodoId(7)));
        assert_eq!(parse_todo_ref("T-"), None);
        assert_eq!(parse_todo_ref("0"), None);
        assert_eq!(todo_ref(TodoId(12)), "T-12");
    }
}
