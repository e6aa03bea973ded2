//! Severity and its assessment from an impact description.
//!
//! The rules, most severe first (an incident takes the most severe level any
//! rule gives, and every matching rule is kept as a reason):
//!
//! | impact                                   | severity |
//! |------------------------------------------|----------|
//! | `security` (suspected breach)            | SEV1     |
//! | `data_loss`                              | SEV1     |
//! | `availability=down`                      | SEV1     |
//! | `users` ≥ 10 000                         | SEV1     |
//! | `revenue_per_min` ≥ 1 000                | SEV1     |
//! | `users` ≥ 1 000                          | SEV2     |
//! | `revenue_per_min` ≥ 100                  | SEV2     |
//! | `availability=degraded`                  | SEV3     |
//! | any users or revenue affected            | SEV3     |
//! | nothing of the above                     | SEV4     |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImpactError {
    #[error("{0:?} is not a severity; use SEV1, SEV2, SEV3 or SEV4")]
    Severity(String),
    #[error("impact {key:?}: {problem}")]
    Value { key: String, problem: String },
    #[error(
        "unknown impact {0:?}; known: users=N, revenue_per_min=N, availability=down|degraded|up, data_loss, security"
    )]
    Key(String),
}

/// SEV1 is the most severe; `Ord` puts it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Sev1, Self::Sev2, Self::Sev3, Self::Sev4];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sev1 => "SEV1",
            Self::Sev2 => "SEV2",
            Self::Sev3 => "SEV3",
            Self::Sev4 => "SEV4",
        }
    }

    /// The key of this severity's policy in the configuration.
    pub fn policy_key(self) -> &'static str {
        match self {
            Self::Sev1 => "sev1",
            Self::Sev2 => "sev2",
            Self::Sev3 => "sev3",
            Self::Sev4 => "sev4",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = ImpactError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_uppercase().replace(['-', ' '], "");
        match t.as_str() {
            "SEV1" | "1" => Ok(Self::Sev1),
            "SEV2" | "2" => Ok(Self::Sev2),
            "SEV3" | "3" => Ok(Self::Sev3),
            "SEV4" | "4" => Ok(Self::Sev4),
            _ => Err(ImpactError::Severity(s.to_owned())),
        }
    }
}

impl TryFrom<String> for Severity {
    type Error = ImpactError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Severity> for String {
    fn from(value: Severity) -> Self {
        value.as_str().to_owned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    Down,
    Degraded,
    Up,
}

/// What the incident does to users and the business, as declared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    pub users: Option<u64>,
    pub revenue_per_min: Option<f64>,
    pub availability: Option<Availability>,
    #[serde(default)]
    pub data_loss: bool,
    #[serde(default)]
    pub security: bool,
}

impl Impact {
    /// Parses `users=10000,revenue_per_min=500,availability=down,data_loss,security`.
    pub fn parse(text: &str) -> Result<Self, ImpactError> {
        let mut impact = Self::default();
        let mut seen = std::collections::BTreeSet::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim())),
                None => (part.to_ascii_lowercase(), None),
            };
            let bad = |problem: &str| ImpactError::Value {
                key: key.clone(),
                problem: problem.to_owned(),
            };
            // Said twice, which one is meant? Neither is guessed.
            let canonical = match key.replace('-', "_").as_str() {
                "revenue" => "revenue_per_min".to_owned(),
                other => other.to_owned(),
            };
            if !seen.insert(canonical) {
                return Err(bad("is given twice; say it once"));
            }
            let flag = |v: Option<&str>| match v.map(str::to_ascii_lowercase).as_deref() {
                None | Some("true" | "yes" | "1") => Ok(true),
                Some("false" | "no" | "0") => Ok(false),
                Some(_) => Err(bad("use the bare flag, or =true / =false")),
            };
            match key.replace('-', "_").as_str() {
                "users" => {
                    let v = value.ok_or_else(|| bad("needs a number, as users=10000"))?;
                    impact.users = Some(
                        v.replace('_', "")
                            .parse()
                            .map_err(|_| bad("must be a whole number"))?,
                    );
                }
                "revenue_per_min" | "revenue" => {
                    let v = value.ok_or_else(|| bad("needs a number, as revenue_per_min=500"))?;
                    let n: f64 = v
                        .trim_start_matches('$')
                        .replace('_', "")
                        .parse()
                        .map_err(|_| bad("must be a number"))?;
                    if !n.is_finite() || n < 0.0 {
                        return Err(bad("must be zero or more"));
                    }
                    impact.revenue_per_min = Some(n);
                }
                "availability" => {
                    impact.availability =
                        Some(match value.map(str::to_ascii_lowercase).as_deref() {
                            Some("down") => Availability::Down,
                            Some("degraded") => Availability::Degraded,
                            Some("up") => Availability::Up,
                            _ => return Err(bad("use down, degraded or up")),
                        });
                }
                "data_loss" => impact.data_loss = flag(value)?,
                "security" => impact.security = flag(value)?,
                _ => return Err(ImpactError::Key(part.to_owned())),
            }
        }
        Ok(impact)
    }

    /// One line for people: "10000 users, availability down, security".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(u) = self.users {
            parts.push(format!("{u} users"));
        }
        if let Some(r) = self.revenue_per_min {
            parts.push(format!("{r} revenue per minute"));
        }
        if let Some(a) = self.availability {
            parts.push(format!(
                "availability {}",
                match a {
                    Availability::Down => "down",
                    Availability::Degraded => "degraded",
                    Availability::Up => "up",
                }
            ));
        }
        if self.data_loss {
            parts.push("data loss".into());
        }
        if self.security {
            parts.push("security breach suspected".into());
        }
        if parts.is_empty() {
            "not described".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The outcome of assessment: the severity and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub severity: Severity,
    pub reasons: Vec<String>,
    /// Set when a person overrode the rules: what the rules gave.
    pub overridden_from: Option<Severity>,
}

/// Applies the rules of this module's table.
pub fn assess(impact: &Impact) -> Assessment {
    let mut found: Vec<(Severity, String)> = Vec::new();
    if impact.security {
        found.push((Severity::Sev1, "suspected security breach".into()));
    }
    if impact.data_loss {
        found.push((Severity::Sev1, "data loss".into()));
    }
    match impact.availability {
        Some(Availability::Down) => found.push((Severity::Sev1, "production is down".into())),
        Some(Availability::Degraded) => {
            found.push((Severity::Sev3, "service degraded".into()));
        }
        _ => {}
    }
    if let Some(users) = impact.users {
        let sev = match users {
            10_000.. => Some(Severity::Sev1),
            1_000.. => Some(Severity::Sev2),
            1.. => Some(Severity::Sev3),
            0 => None,
        };
        if let Some(sev) = sev {
            found.push((sev, format!("{users} users affected")));
        }
    }
    if let Some(revenue) = impact.revenue_per_min {
        let sev = if revenue >= 1_000.0 {
            Some(Severity::Sev1)
        } else if revenue >= 100.0 {
            Some(Severity::Sev2)
        } else if revenue > 0.0 {
            Some(Severity::Sev3)
        } else {
            None
        };
        if let Some(sev) = sev {
            found.push((sev, format!("{revenue} revenue lost per minute")));
        }
    }
    let Some(severity) = found.iter().map(|(s, _)| *s).min() else {
        return Assessment {
            severity: Severity::Sev4,
            reasons: vec!["no user, revenue, data or security impact given".into()],
            overridden_from: None,
        };
    };
    found.sort_by_key(|(s, _)| *s);
    Assessment {
        severity,
        reasons: found
            .into_iter()
            .map(|(s, r)| format!("{r} ({s})"))
            .collect(),
        overridden_from: None,
    }
}

/// Assessment with a person's explicit severity laid over it.
pub fn assess_with_override(impact: &Impact, explicit: Option<Severity>) -> Assessment {
    let mut a = assess(impact);
    if let Some(explicit) = explicit
        && explicit != a.severity
    {
        a.overridden_from = Some(a.severity);
        a.reasons.push(format!(
            "set to {explicit} by hand (the rules gave {})",
            a.severity
        ));
        a.severity = explicit;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(text: &str) -> Severity {
        assess(&Impact::parse(text).expect("parses")).severity
    }

    #[test]
    fn the_rules_of_the_table() {
        assert_eq!(sev("users=10000,availability=down"), Severity::Sev1);
        assert_eq!(sev("users=10000"), Severity::Sev1);
        assert_eq!(sev("security"), Severity::Sev1);
        assert_eq!(sev("data_loss"), Severity::Sev1);
        assert_eq!(sev("revenue_per_min=1000"), Severity::Sev1);
        assert_eq!(sev("users=1000"), Severity::Sev2);
        assert_eq!(sev("revenue_per_min=150"), Severity::Sev2);
        assert_eq!(sev("users=999"), Severity::Sev3);
        assert_eq!(sev("availability=degraded"), Severity::Sev3);
        assert_eq!(sev("users=0"), Severity::Sev4);
        assert_eq!(sev(""), Severity::Sev4);
    }

    #[test]
    fn every_matching_rule_is_a_reason_most_severe_first() {
        let a = assess(&Impact::parse("users=2000,availability=down").expect("parses"));
        assert_eq!(a.severity, Severity::Sev1);
        assert_eq!(
            a.reasons,
            ["production is down (SEV1)", "2000 users affected (SEV2)"]
        );
    }

    #[test]
    fn an_override_is_recorded_with_what_the_rules_gave() {
        let impact = Impact::parse("users=50").expect("parses");
        let a = assess_with_override(&impact, Some(Severity::Sev1));
        assert_eq!(a.severity, Severity::Sev1);
        assert_eq!(a.overridden_from, Some(Severity::Sev3));
        assert!(a.reasons.last().expect("reason").contains("by hand"));
        let same = assess_with_override(&impact, Some(Severity::Sev3));
        assert_eq!(same.overridden_from, None);
    }

    #[test]
    fn bad_impact_is_named() {
        assert!(matches!(
            Impact::parse("users=lots"),
            Err(ImpactError::Value { key, .. }) if key == "users"
        ));
        assert!(matches!(
            Impact::parse("availability=sideways"),
            Err(ImpactError::Value { .. })
        ));
        assert!(matches!(
            Impact::parse("color=red"),
            Err(ImpactError::Key(_))
        ));
        assert!(matches!(
            Impact::parse("revenue_per_min=-3"),
            Err(ImpactError::Value { .. })
        ));
        // Said twice, however spelt: refused, not the last one taken.
        for twice in ["users=10000,users=5", "revenue=5,revenue-per-min=9"] {
            assert!(
                matches!(Impact::parse(twice), Err(ImpactError::Value { .. })),
                "{twice}"
            );
        }
    }

    #[test]
    fn severities_parse_loosely_and_print_strictly() {
        for (text, want) in [
            ("sev1", Severity::Sev1),
            ("SEV-2", Severity::Sev2),
            ("3", Severity::Sev3),
        ] {
            assert_eq!(text.parse::<Severity>().expect("parses"), want);
        }
        assert!("SEV5".parse::<Severity>().is_err());
        assert_eq!(Severity::Sev4.to_string(), "SEV4");
        assert!(Severity::Sev1 < Severity::Sev2, "SEV1 sorts first");
    }
}
