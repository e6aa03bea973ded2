//! The response clocks: each runs from one milestone to another and is read
//! against its target. Green while under 75 % of the target (or stopped in
//! time), amber from 75 %, red past it.

use serde::{Deserialize, Serialize};

use crate::Millis;
use crate::incident::Incident;
use crate::incident::lifecycle::{Milestone, Phase};
use crate::span::Span;

/// Share of a target after which a running clock turns amber, in percent.
pub const AMBER_AT_PERCENT: i64 = 75;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockStatus {
    /// The clock never started, or the incident ended without reaching it.
    NotApplicable,
    Green,
    Amber,
    Red,
}

impl ClockStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::Amber => "amber",
            Self::Red => "red",
            Self::NotApplicable => "n/a",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockReading {
    pub key: &'static str,
    pub label: &'static str,
    pub from: Milestone,
    pub to: Milestone,
    pub target: Span,
    pub started_at: Option<Millis>,
    pub stopped_at: Option<Millis>,
    /// Until stopped, or until now while running.
    pub elapsed_ms: Option<Millis>,
    pub status: ClockStatus,
}

struct ClockDef {
    key: &'static str,
    label: &'static str,
    from: &'static [Milestone],
    to: Milestone,
    target: fn(&crate::incident::policy::Targets) -> Span,
}

const CLOCKS: &[ClockDef] = &[
    ClockDef {
        key: "team",
        label: "time to deploy the team",
        from: &[Milestone::Declared],
        to: Milestone::TeamReady,
        target: |t| t.team,
    },
    ClockDef {
        key: "acknowledge",
        label: "time to acknowledge",
        from: &[Milestone::Detected, Milestone::Declared],
        to: Milestone::Acknowledged,
        target: |t| t.acknowledge,
    },
    ClockDef {
        key: "root_cause",
        label: "time to root cause",
        from: &[Milestone::Declared],
        to: Milestone::RootCause,
        target: |t| t.root_cause,
    },
    ClockDef {
        key: "fix",
        label: "time to fix",
        from: &[Milestone::Declared],
        to: Milestone::FixReady,
        target: |t| t.fix,
    },
    ClockDef {
        key: "mitigate",
        label: "time to mitigate",
        from: &[
            Milestone::ImpactStarted,
            Milestone::Detected,
            Milestone::Declared,
        ],
        to: Milestone::Mitigated,
        target: |t| t.mitigate,
    },
    ClockDef {
        key: "resolution",
        label: "time to resolution",
        from: &[Milestone::Declared],
        to: Milestone::Resolved,
        target: |t| t.resolution,
    },
    ClockDef {
        key: "resolve",
        label: "time to resolve (from impact)",
        from: &[
            Milestone::ImpactStarted,
            Milestone::Detected,
            Milestone::Declared,
        ],
        to: Milestone::Resolved,
        target: |t| t.resolution,
    },
];

/// Every clock of the incident, read at `now`.
pub fn clocks(incident: &Incident, now: Millis) -> Vec<ClockReading> {
    let ended = incident.phase >= Phase::Resolved;
    CLOCKS
        .iter()
        .map(|def| {
            let (from, started_at) = def
                .from
                .iter()
                .find_map(|m| incident.milestone_at(*m).map(|at| (*m, at)))
                .map_or((def.from[0], None), |(m, at)| (m, Some(at)));
            let stopped_at = incident.milestone_at(def.to);
            let target = (def.target)(&incident.policy.targets);
            let elapsed_ms = started_at.and_then(|start| match (stopped_at, ended) {
                (Some(stop), _) => Some(stop - start),
                (None, false) => Some(now - start),
                (None, true) => None,
            });
            let status = match (elapsed_ms, stopped_at) {
                (None, _) => ClockStatus::NotApplicable,
                (Some(e), _) if e > target.millis() => ClockStatus::Red,
                (Some(_), Some(_)) => ClockStatus::Green,
                (Some(e), None) if e * 100 >= target.millis() * AMBER_AT_PERCENT => {
                    ClockStatus::Amber
                }
                (Some(_), None) => ClockStatus::Green,
            };
            ClockReading {
                key: def.key,
                label: def.label,
                from,
                to: def.to,
                target,
                started_at,
                stopped_at,
                elapsed_ms,
                status,
            }
        })
        .collect()
}

/// The clocks that crossed into amber or red since the last alert; the
/// incident remembers each alert (`clock_alerts`) so each fires once.
pub fn clock_alerts_due(incident: &Incident, now: Millis) -> Vec<ClockReading> {
    clocks(incident, now)
        .into_iter()
        .filter(|c| c.stopped_at.is_none() && c.status >= ClockStatus::Amber)
        .filter(|c| {
            incident
                .clock_alerts
                .get(c.key)
                .is_none_or(|seen| *seen < c.status)
        })
        .collect()
}
