use std::fmt;
use std::path::PathBuf;

use crate::TmuxError;

/// A pane's `%id`: the only way warroom addresses a pane.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaneId(String);

impl PaneId {
    pub fn new(id: &str) -> Result<Self, TmuxError> {
        let valid =
            id.len() > 1 && id.starts_with('%') && id[1..].bytes().all(|b| b.is_ascii_digit());
        if valid {
            Ok(Self(id.to_owned()))
        } else {
            Err(TmuxError::BadPaneId(id.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PaneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What tmux knows about a pane, from one batched query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaneInfo {
    pub pane_id: PaneId,
    pub window_index: u32,
    pub pid: Option<u32>,
    pub dead: bool,
    pub dead_status: Option<i32>,
    pub dead_signal: Option<i32>,
    pub current_command: String,
}

/// The fields of `PaneInfo`. The separator is printable because tmux
/// replaces control characters in output for clients without a UTF-8
/// locale; the only free-text field comes last, so it may contain anything.
pub(crate) const PANE_FORMAT: &str = "#{pane_id}|#{window_index}|#{pane_pid}|#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{pane_current_command}";

impl PaneInfo {
    pub(crate) fn parse(command: &str, line: &str) -> Result<Self, TmuxError> {
        let bad = || TmuxError::Parse {
            command: command.to_owned(),
            line: line.to_owned(),
        };
        let f: Vec<&str> = line.splitn(7, '|').collect();
        if f.len() != 7 {
            return Err(bad());
        }
        Ok(PaneInfo {
            pane_id: PaneId::new(f[0]).map_err(|_| bad())?,
            window_index: f[1].parse().map_err(|_| bad())?,
            pid: f[2].parse().ok().filter(|p| *p > 0),
            dead: f[3] == "1",
            dead_status: f[4].parse().ok(),
            dead_signal: f[5].parse().ok(),
            current_command: f[6].to_owned(),
        })
    }
}

/// A program to run as a pane's own command (never typed into a shell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spawn {
    pub window_name: String,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub argv: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pane_ids_are_strict() {
        assert!(PaneId::new("%12").is_ok());
        for bad in ["%", "12", "%1a", "=s:0", "%-1"] {
            assert!(PaneId::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pane_info_parses_live_and_dead_panes() {
        let live = PaneInfo::parse("t", "%3|0|4242|0|||warroom").expect("parses");
        assert_eq!(live.pid, Some(4242));
        assert!(!live.dead);
        assert_eq!(live.dead_status, None);
        let dead = PaneInfo::parse("t", "%4|1|0|1|3||my|odd cmd").expect("parses");
        assert!(dead.dead);
        assert_eq!(dead.dead_status, Some(3));
        assert_eq!(dead.current_command, "my|odd cmd");
        assert!(PaneInfo::parse("t", "garbage").is_err());
    }
}
