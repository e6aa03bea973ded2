//! Lengths of time as people write them in configuration and flags ("15m",
//! "2h 30m", "3d"), stored as milliseconds.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Millis;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a length of time ({problem}); write it as 30s, 15m, 2h or 3d")]
pub struct SpanError {
    pub given: String,
    pub problem: String,
}

/// A non-negative length of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Span(Millis);

impl Span {
    pub const ZERO: Span = Span(0);

    pub fn from_millis(ms: Millis) -> Self {
        Self(ms.max(0))
    }

    pub fn from_mins(mins: i64) -> Self {
        Self::from_millis(mins * 60_000)
    }

    pub fn millis(self) -> Millis {
        self.0
    }
}

impl FromStr for Span {
    type Err = SpanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let d = humantime::parse_duration(s.trim()).map_err(|e| SpanError {
            given: s.to_owned(),
            problem: e.to_string(),
        })?;
        Millis::try_from(d.as_millis())
            .map(Span)
            .map_err(|_| SpanError {
                given: s.to_owned(),
                problem: "too long".into(),
            })
    }
}

impl TryFrom<String> for Span {
    type Error = SpanError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Span> for String {
    fn from(value: Span) -> Self {
        value.to_string()
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human(self.0))
    }
}

/// The two largest units of a length of time: "45s", "12m 30s", "2h 5m", "3d 4h".
pub fn human(ms: Millis) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let secs = ms.unsigned_abs() / 1000;
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let parts: Vec<String> = units
        .iter()
        .scan(secs, |rest, (size, name)| {
            let n = *rest / size;
            *rest %= size;
            Some((n, *name))
        })
        .skip_while(|(n, _)| *n == 0)
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, name)| format!("{n}{name}"))
        .collect();
    if parts.is_empty() {
        "0s".into()
    } else {
        format!("{sign}{}", parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_and_print_compactly() {
        for (text, ms, shown) in [
            ("15m", 900_000, "15m"),
            ("2h 30m", 9_000_000, "2h 30m"),
            ("3d", 259_200_000, "3d"),
            ("90s", 90_000, "1m 30s"),
            ("0s", 0, "0s"),
        ] {
            let span: Span = text.parse().expect("parses");
            assert_eq!(span.millis(), ms, "{text}");
            assert_eq!(span.to_string(), shown, "{text}");
        }
        assert!("soon".parse::<Span>().is_err());
        assert!("-5m".parse::<Span>().is_err());
    }

    #[test]
    fn human_keeps_two_units_and_a_sign() {
        assert_eq!(human(3_723_000), "1h 2m");
        assert_eq!(human(-61_000), "-1m 1s");
        assert_eq!(human(400), "0s");
    }
}
