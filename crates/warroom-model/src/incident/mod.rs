//! Incidents: the unit of response. An `Incident` is a plain value; every
//! rule about how it may change lives in its methods, which return the
//! events to record. The app layer loads it, calls one method, and stores the
//! new value with those events in one transaction.

pub mod clocks;
pub mod comms;
pub mod event;
pub mod lifecycle;
pub mod policy;
pub mod severity;
pub mod todo;

use crate::ids::{IncidentId, TodoId};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Millis;
pub use event::IncidentEvent;
pub use lifecycle::{Milestone, MilestoneRecord, Phase, UnknownName};
pub use policy::Policy;
pub use severity::{Assessment, Impact, Severity};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    #[error(
        "{milestone} is already set ({at}); to change it, say it is a correction (--correct, or correct = true)"
    )]
    AlreadySet { milestone: Milestone, at: String },
    #[error("{later} ({later_at}) cannot come before {earlier} ({earlier_at})")]
    Order {
        earlier: Milestone,
        later: Milestone,
        earlier_at: String,
        later_at: String,
    },
    #[error("incident {0} is closed")]
    Closed(String),
    #[error("incident {incident} is already in phase {phase}")]
    SamePhase { incident: String, phase: Phase },
    #[error("{phase} cannot close while its gate todos are open: {todos}")]
    Gated { phase: Phase, todos: String },
    #[error("use `warroom incident close` to close an incident")]
    UseClose,
    #[error("incident {incident} is {phase}; resolve it before closing")]
    NotResolved { incident: String, phase: Phase },
    #[error("a {severity} incident needs a postmortem before it closes")]
    PostmortemRequired { severity: Severity },
    #[error("{0:?} is not an incident id (incident ids look like INC-3)")]
    BadRef(String),
}

/// `INC-7`.
pub fn incident_ref(id: IncidentId) -> String {
    id.to_string()
}

/// Parses `INC-7`, `inc7` or `7`; anything else is a slug or team name.
pub fn parse_incident_ref(text: &str) -> Option<IncidentId> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let digits = upper
        .strip_prefix("INC-")
        .or_else(|| upper.strip_prefix("INC"))
        .unwrap_or(&upper);
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(IncidentId)
}

/// A pull request on the forge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestRef {
    pub number: u64,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    /// Names the incident's tmux session when it deploys its own team.
    pub slug: String,
    pub title: String,
    pub severity: Severity,
    pub assessment: Assessment,
    pub impact: Impact,
    pub domain: Option<String>,
    /// Regimes the fix must stay within (PCI DSS, HIPAA).
    #[serde(default)]
    pub compliance: Vec<String>,
    /// Security, data or regulated: a security sign-off gates deploying.
    pub security_review: bool,
    pub phase: Phase,
    pub milestones: BTreeMap<Milestone, MilestoneRecord>,
    /// The person who declared it, unless handed over.
    pub commander: String,
    pub team: Option<String>,
    /// The policy in force when it was declared.
    pub policy: Policy,
    pub last_update_at: Option<Millis>,
    /// The due time of the last "update due" reminder, so each fires once.
    pub update_reminded_for: Option<Millis>,
    /// The worst status each running clock has been alerted at.
    #[serde(default)]
    pub clock_alerts: BTreeMap<String, clocks::ClockStatus>,
    pub postmortem: Option<String>,
    /// The hotfix's pull request, once opened.
    #[serde(default)]
    pub pull_request: Option<PullRequestRef>,
    /// Created by `quick-deploy` without `incident declare`.
    #[serde(default)]
    pub implicit: bool,
}

fn stamp(at: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| at.to_string())
}

impl Incident {
    pub fn reference(&self) -> String {
        incident_ref(self.id)
    }

    pub fn declared_at(&self) -> Millis {
        self.milestones
            .get(&Milestone::Declared)
            .map_or(0, |m| m.at)
    }

    pub fn milestone_at(&self, m: Milestone) -> Option<Millis> {
        self.milestones.get(&m).map(|r| r.at)
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Sets a milestone. A set one changes only with `correct`, and the old
    /// time goes into the event; an order the rules forbid is refused with the
    /// offending pair named.
    pub fn set_milestone(
        &mut self,
        milestone: Milestone,
        at: Millis,
        summary: Option<String>,
        by: &str,
        correct: bool,
    ) -> Result<IncidentEvent, IncidentError> {
        let previous = self.milestones.get(&milestone).cloned();
        if let Some(prev) = &previous
            && !correct
        {
            return Err(IncidentError::AlreadySet {
                milestone,
                at: stamp(prev.at),
            });
        }
        self.milestones.insert(
            milestone,
            MilestoneRecord {
                at,
                summary: summary.clone(),
                by: by.to_owned(),
            },
        );
        if let Some((earlier, later)) = lifecycle::order_violation(&self.milestones) {
            let err = IncidentError::Order {
                earlier,
                later,
                earlier_at: stamp(self.milestones[&earlier].at),
                later_at: stamp(self.milestones[&later].at),
            };
            match previous {
                Some(p) => self.milestones.insert(milestone, p),
                None => self.milestones.remove(&milestone),
            };
            return Err(err);
        }
        Ok(IncidentEvent::MilestoneSet {
            milestone,
            at,
            summary,
            corrected_from: previous.map(|p| p.at),
        })
    }

    /// Sets a milestone unless it is set; `None` when nothing changed or the
    /// order rules would not allow it then.
    pub fn mark(&mut self, milestone: Milestone, at: Millis, by: &str) -> Option<IncidentEvent> {
        if self.milestones.contains_key(&milestone) {
            return None;
        }
        self.set_milestone(milestone, at, None, by, false).ok()
    }

    /// Moves to another phase (not closed: see `close`). Moving forward past
    /// a phase whose gate todos are open needs `force` with a reason, which
    /// is recorded with the todos it overrode. `open_gates` lists the open
    /// todos with a gate, as (todo id, gate phase).
    pub fn move_to(
        &mut self,
        to: Phase,
        at: Millis,
        by: &str,
        open_gates: &[(TodoId, Phase)],
        force: Option<&str>,
    ) -> Result<Vec<IncidentEvent>, IncidentError> {
        if self.is_closed() {
            return Err(IncidentError::Closed(self.reference()));
        }
        if to == Phase::Closed {
            return Err(IncidentError::UseClose);
        }
        if to == self.phase {
            return Err(IncidentError::SamePhase {
                incident: self.reference(),
                phase: to,
            });
        }
        let mut blocking: Vec<(TodoId, Phase)> = if to > self.phase {
            open_gates
                .iter()
                .copied()
                .filter(|(_, gate)| *gate >= self.phase && *gate < to)
                .collect()
        } else {
            Vec::new()
        };
        blocking.sort_by_key(|(id, gate)| (*gate, *id));
        if let (Some((_, gate)), None) = (blocking.first(), force) {
            return Err(IncidentError::Gated {
                phase: *gate,
                todos: blocking
                    .iter()
                    .filter(|(_, g)| g == gate)
                    .map(|(id, _)| todo::todo_ref(*id))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let mut events = Vec::new();
        if let Some(m) = to.milestone()
            && !self.milestones.contains_key(&m)
        {
            events.push(self.set_milestone(m, at, None, by, false)?);
        }
        events.insert(
            0,
            IncidentEvent::PhaseChanged {
                from: self.phase,
                to,
                forced: force.filter(|_| !blocking.is_empty()).map(str::to_owned),
                open_gates: blocking.iter().map(|(id, _)| *id).collect(),
            },
        );
        self.phase = to;
        Ok(events)
    }

    /// Closes a resolved incident. A severity whose policy requires a
    /// postmortem needs one first, unless forced with a reason.
    pub fn close(
        &mut self,
        at: Millis,
        by: &str,
        force: Option<&str>,
    ) -> Result<Vec<IncidentEvent>, IncidentError> {
        if self.is_closed() {
            return Err(IncidentError::Closed(self.reference()));
        }
        if self.phase != Phase::Resolved {
            return Err(IncidentError::NotResolved {
                incident: self.reference(),
                phase: self.phase,
            });
        }
        let missing = self.policy.postmortem_required && self.postmortem.is_none();
        if missing && force.is_none() {
            return Err(IncidentError::PostmortemRequired {
                severity: self.severity,
            });
        }
        let mut events = vec![IncidentEvent::PhaseChanged {
            from: self.phase,
            to: Phase::Closed,
            forced: force.filter(|_| missing).map(str::to_owned),
            open_gates: Vec::new(),
        }];
        events.extend(self.mark(Milestone::Closed, at, by));
        self.phase = Phase::Closed;
        Ok(events)
    }

    /// When the next stakeholder update is (or was) due; `None` once
    /// resolved or when the policy sets no cadence.
    pub fn next_update_due(&self) -> Option<Millis> {
        if self.phase >= Phase::Resolved {
            return None;
        }
        match self.last_update_at {
            Some(last) => self.policy.update_every.map(|e| last + e.millis()),
            None => self
                .policy
                .first_update
                .or(self.policy.update_every)
                .map(|e| self.declared_at() + e.millis()),
        }
    }

    /// The update due time that has passed and not been reminded of yet.
    pub fn update_reminder_due(&self, now: Millis) -> Option<Millis> {
        self.next_update_due()
            .filter(|due| now >= *due && self.update_reminded_for != Some(*due))
    }
}

#[cfg(test)]
mod tests;
