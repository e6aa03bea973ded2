//! Where a message goes: `team:window`, `team:role`, or an agent id.
//! Parsing is pure; resolving a target to a pane happens in the app against
//! the store, never through tmux's own (prefix-matching) target syntax.

use std::fmt;

use crate::names::{AgentId, NameError, TeamName};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Window { team: TeamName, window: u32 },
    Role { team: TeamName, role: String },
    Agent(AgentId),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("{0}")]
    Name(#[from] NameError),
    #[error(
        "target {0:?} is empty after the ':'; write team:window (auth-hotfix:0) or team:role (auth-hotfix:pm)"
    )]
    EmptySelector(String),
    #[error(
        "target {0:?} names no agent: write team:window (auth-hotfix:0), team:role (auth-hotfix:pm) or an agent id (ag-7)"
    )]
    Unrecognised(String),
    #[error("target {0:?} has spaces around it; write it without them, as auth-hotfix:0")]
    Spaces(String),
    #[error("target {0:?} has a window number with a leading zero; write {1}")]
    LeadingZero(String, String),
}

impl Target {
    /// Strict: a target that could mean two things (` t:0`, `t:01`) is
    /// refused rather than guessed, since a message must never reach the
    /// wrong pane.
    pub fn parse(input: &str) -> Result<Self, TargetError> {
        if input.trim() != input {
            return Err(TargetError::Spaces(input.to_owned()));
        }
        if let Some((team, selector)) = input.split_once(':') {
            let team = TeamName::new(team)?;
            if selector.is_empty() {
                return Err(TargetError::EmptySelector(input.to_owned()));
            }
            if selector.bytes().all(|b| b.is_ascii_digit()) {
                if selector.len() > 1 && selector.starts_with('0') {
                    let plain = selector.trim_start_matches('0');
                    let plain = if plain.is_empty() { "0" } else { plain };
                    return Err(TargetError::LeadingZero(
                        input.to_owned(),
                        format!("{team}:{plain}"),
                    ));
                }
                let window = selector
                    .parse()
                    .map_err(|_| TargetError::Unrecognised(input.to_owned()))?;
                return Ok(Target::Window { team, window });
            }
            let valid_role = selector
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid_role {
                return Err(TargetError::Unrecognised(input.to_owned()));
            }
            return Ok(Target::Role {
                team,
                role: selector.to_ascii_lowercase(),
            });
        }
        input
            .parse::<AgentId>()
            .map(Target::Agent)
            .map_err(|_| TargetError::Unrecognised(input.to_owned()))
    }

    pub fn team(&self) -> Option<&TeamName> {
        match self {
            Target::Window { team, .. } | Target::Role { team, .. } => Some(team),
            Target::Agent(_) => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Window { team, window } => write!(f, "{team}:{window}"),
            Target::Role { team, role } => write!(f, "{team}:{role}"),
            Target::Agent(id) => write!(f, "{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(s: &str) -> TeamName {
        TeamName::new(s).expect("valid test team")
    }

    #[test]
    fn parses_the_three_target_forms() {
        assert_eq!(
            Target::parse("auth-hotfix:0"),
            Ok(Target::Window {
                team: team("auth-hotfix"),
                window: 0
            })
        );
        assert_eq!(
            Target::parse("auth-hotfix:PM"),
            Ok(Target::Role {
                team: team("auth-hotfix"),
                role: "pm".into()
            })
        );
        assert_eq!(Target::parse("ag-3"), Ok(Target::Agent(AgentId(3))));
    }

    #[test]
    fn rejects_tmux_syntax_and_bare_names() {
        for bad in [
            "auth-hotfix",
            "auth-hotfix:",
            "auth-hotfix:0.1",
            "auth-hotfix:#{pane_id}",
            "=auth-hotfix:0",
            "auth hotfix:0",
            "%3",
            "auth-hotfix:0:1",
            "",
            " t:0",
            "t:0 ",
            "t:01",
            "t:00",
            " ag-3",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn ambiguous_targets_say_how_to_write_them() {
        assert_eq!(
            Target::parse("t:01").map_err(|e| e.to_string()),
            Err("target \"t:01\" has a window number with a leading zero; write t:1".into())
        );
        assert!(matches!(Target::parse(" t:0"), Err(TargetError::Spaces(_))));
    }
}
