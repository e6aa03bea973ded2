//! Phases an incident moves through, and the milestones whose timestamps
//! every metric is computed from.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::Millis;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not {} {what}; use one of: {known}", article(what))]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub known: String,
}

/// "a phase", "an update status".
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl ::std::str::FromStr for $name {
            type Err = $crate::incident::lifecycle::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim().to_ascii_lowercase().replace('_', "-");
                match t.as_str() {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => Err($crate::incident::lifecycle::UnknownName {
                        what: $what,
                        given: s.to_owned(),
                        known: [$($text),+].join(", "),
                    }),
                }
            }
        }
        impl TryFrom<String> for $name {
            type Error = $crate::incident::lifecycle::UnknownName;
            fn try_from(value: String) -> Result<Self, Self::Error> { value.parse() }
        }
        impl From<$name> for String {
            fn from(value: $name) -> Self { value.as_str().to_owned() }
        }
    };
}
pub(crate) use named_enum;

named_enum!(
    /// In order: an incident moves forward through these, and may step back
    /// (a fix that fails validation goes back to fixing).
    Phase, "phase", {
        Triage => "triage",
        Investigating => "investigating",
        Fixing => "fixing",
        Validating => "validating",
        Deploying => "deploying",
        Monitoring => "monitoring",
        Resolved => "resolved",
        Closed => "closed",
    }
);

named_enum!(
    /// The timestamps of an incident, each set once (then only corrected, with
    /// the correction recorded).
    Milestone, "milestone", {
        ImpactStarted => "impact-started",
        Detected => "detected",
        Declared => "declared",
        Acknowledged => "acknowledged" | "ack",
        TeamReady => "team-ready",
        Triaged => "triaged",
        RootCause => "root-cause" | "identified",
        FixReady => "fix-ready",
        FixDeployed => "fix-deployed",
        Mitigated => "mitigated",
        Resolved => "resolved",
        Closed => "closed",
    }
);

/// Pairs (earlier, later) that must hold whenever both are set; see
/// incident-practice §2.
pub const MILESTONE_ORDER: &[(Milestone, Milestone)] = {
    use Milestone::*;
    &[
        (ImpactStarted, Detected),
        (Detected, Declared),
        (Detected, Acknowledged),
        (Declared, TeamReady),
        (Declared, Triaged),
        (Declared, RootCause),
        (RootCause, FixReady),
        (Declared, FixReady),
        (FixReady, FixDeployed),
        (Declared, FixDeployed),
        (Acknowledged, Mitigated),
        (Declared, Mitigated),
        (Mitigated, Resolved),
        (Declared, Resolved),
        (Resolved, Closed),
        (Declared, Closed),
    ]
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneRecord {
    pub at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub by: String,
}

/// The first pair of `MILESTONE_ORDER` that `milestones` breaks.
pub fn order_violation(
    milestones: &BTreeMap<Milestone, MilestoneRecord>,
) -> Option<(Milestone, Milestone)> {
    MILESTONE_ORDER.iter().copied().find(|(a, b)| {
        matches!((milestones.get(a), milestones.get(b)), (Some(x), Some(y)) if x.at > y.at)
    })
}

impl Phase {
    pub fn index(self) -> usize {
        self as usize
    }

    /// The milestone that entering this phase sets, when not set already.
    pub fn milestone(self) -> Option<Milestone> {
        match self {
            Phase::Resolved => Some(Milestone::Resolved),
            Phase::Closed => Some(Milestone::Closed),
            _ => None,
        }
    }

    /// The public status page word for this phase.
    pub fn public_status(self) -> &'static str {
        match self {
            Phase::Triage | Phase::Investigating => "investigating",
            Phase::Fixing | Phase::Validating | Phase::Deploying => "identified",
            Phase::Monitoring => "monitoring",
            Phase::Resolved | Phase::Closed => "resolved",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(m: &mut BTreeMap<Milestone, MilestoneRecord>, which: Milestone, t: Millis) {
        m.insert(
            which,
            MilestoneRecord {
                at: t,
                summary: None,
                by: "t".into(),
            },
        );
    }

    #[test]
    fn names_parse_with_aliases_and_list_the_known_ones() {
        assert_eq!("root-cause".parse::<Milestone>(), Ok(Milestone::RootCause));
        assert_eq!("identified".parse::<Milestone>(), Ok(Milestone::RootCause));
        assert_eq!("fix_ready".parse::<Milestone>(), Ok(Milestone::FixReady));
        let err = "done".parse::<Phase>().expect_err("unknown");
        assert!(err.to_string().contains("triage, investigating"), "{err}");
        assert!(Phase::Triage < Phase::Closed);
    }

    #[test]
    fn resolved_before_declared_is_named() {
        let mut m = BTreeMap::new();
        at(&mut m, Milestone::Detected, 0);
        at(&mut m, Milestone::Declared, 10);
        assert_eq!(order_violation(&m), None);
        at(&mut m, Milestone::Resolved, 5);
        assert_eq!(
            order_violation(&m),
            Some((Milestone::Declared, Milestone::Resolved))
        );
    }

    #[test]
    fn unset_milestones_never_violate() {
        let mut m = BTreeMap::new();
        at(&mut m, Milestone::Closed, 0);
        assert_eq!(order_violation(&m), None);
    }
}
