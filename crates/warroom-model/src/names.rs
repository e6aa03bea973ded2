//! Names people type: team names (which are also tmux session names) and agent ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error(
        "team name {0:?} is not valid: use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit"
    )]
    Team(String),
    #[error("{0:?} is not an agent id (agent ids look like ag-7)")]
    Agent(String),
}

/// A team's name; it is also the name of its tmux session, so it must survive
/// tmux's own rules (no ':' or '.', which tmux rewrites) and never look like a
/// target expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TeamName(String);

impl TeamName {
    pub fn new(name: &str) -> Result<Self, NameError> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(Self(name.to_owned()))
        } else {
            Err(NameError::Team(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TeamName {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<TeamName> for String {
    fn from(value: TeamName) -> Self {
        value.0
    }
}

impl FromStr for TeamName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for TeamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An agent's id, `ag-<n>`: short enough to type, stable for the agent's life,
/// and carried in its pane's environment as `WARROOM_AGENT_ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgentId(pub i64);

impl AgentId {
    pub const PREFIX: &'static str = "ag-";
}

impl FromStr for AgentId {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix(Self::PREFIX)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .map(AgentId)
            .ok_or_else(|| NameError::Agent(s.to_owned()))
    }
}

impl TryFrom<String> for AgentId {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<AgentId> for String {
    fn from(value: AgentId) -> Self {
        value.to_string()
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_follow_tmux_safe_rules() {
        for ok in ["auth-hotfix", "db_recovery", "a", "perf-crisis-2"] {
            assert!(TeamName::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "auth:0",
            "a.b",
            "-x",
            "=auth",
            "has space",
            "ünï",
            &"x".repeat(65),
        ] {
            assert!(TeamName::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn agent_ids_round_trip_and_reject_lookalikes() {
        assert_eq!("ag-12".parse::<AgentId>(), Ok(AgentId(12)));
        assert_eq!(AgentId(12).to_string(), "ag-12");
        for bad in ["ag-", "ag-1x", "12", "AG-1", "ag--1", "ag-+1"] {
            assert!(bad.parse::<AgentId>().is_err(), "{bad}");
        }
    }
}
