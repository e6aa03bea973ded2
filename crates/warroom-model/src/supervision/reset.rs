//! Reading the reset time an agent CLI prints with its rate limit: "resets
//! 3pm (Europe/Paris)", "try again at 15:45", "resets in 5 minutes",
//! "2026-11-22T15:45:00Z".

use std::sync::LazyLock;

use regex::Regex;

use crate::Millis;

const DAY_MS: Millis = 86_400_000;

static IN_SPAN: LazyLock<Regex> = LazyLock::new(|| {
    // A fixed pattern (invariant): it compiles.
    #[allow(clippy::unwrap_used)]
    Regex::new(r"(?i)\bin\s+(?P<span>(?:\d+\s*[a-z]+\s*)+)").unwrap()
});

static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)]
    Regex::new(r"(?i)\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?\b").unwrap()
});

/// The reset as a time, or `None` when the text names none.
/// `utc_offset_s` is the local offset the CLI printed its clock time in.
pub fn parse_reset(text: &str, now: Millis, utc_offset_s: i32) -> Option<Millis> {
    let text = text.trim();
    let text = text.strip_prefix("resets").unwrap_or(text).trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp_millis());
    }
    if let Some(c) = IN_SPAN.captures(text) {
        let words: String = c["span"].split_whitespace().collect::<Vec<_>>().join("");
        let spaced = spaced_units(&words);
        if let Ok(d) = humantime::parse_duration(&spaced) {
            return Some(now + Millis::try_from(d.as_millis()).ok()?);
        }
    }
    let c = CLOCK
        .captures_iter(text)
        .find(|c| c.name("m").is_some() || c.name("ampm").is_some())?;
    let mut hour: i64 = c["h"].parse().ok()?;
    let minute: i64 = c.name("m").map_or(Some(0), |m| m.as_str().parse().ok())?;
    if let Some(ampm) = c.name("ampm").map(|m| m.as_str().to_ascii_lowercase()) {
        if !(1..=12).contains(&hour) {
            return None;
        }
        if ampm == "pm" && hour != 12 {
            hour += 12;
        } else if ampm == "am" && hour == 12 {
            hour = 0;
        }
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    // The next time the local clock shows hh:mm.
    let offset = Millis::from(utc_offset_s) * 1000;
    let local_now = now + offset;
    let midnight = local_now.div_euclid(DAY_MS) * DAY_MS;
    let mut at = midnight + (hour * 60 + minute) * 60_000;
    if at <= local_now {
        at += DAY_MS;
    }
    Some(at - offset)
}

/// "5minutes" → "5minutes", "2h30m" → "2h 30m": humantime wants units
/// separated from the next number.
fn spaced_units(words: &str) -> String {
    let mut out = String::new();
    let mut prev_alpha = false;
    for ch in words.chars() {
        if ch.is_ascii_digit() && prev_alpha {
            out.push(' ');
        }
        prev_alpha = ch.is_ascii_alphabetic();
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-22 10:00:00 UTC.
    const NOW: Millis = 1_795_341_600_000;

    fn hm(at: Millis) -> String {
        chrono::DateTime::from_timestamp_millis(at)
            .map(|t| t.format("%d %H:%M").to_string())
            .unwrap_or_default()
    }

    #[test]
    fn clock_times_are_the_next_such_time() {
        assert_eq!(
            hm(parse_reset("resets 3pm", NOW, 0).expect("a time")),
            "22 15:00"
        );
        assert_eq!(
            hm(parse_reset("3:45pm (Europe/London)", NOW, 0).expect("a time")),
            "22 15:45"
        );
        assert_eq!(
            hm(parse_reset("try again at 09:30", NOW, 0).expect("a time")),
            "23 09:30"
        );
        assert_eq!(hm(parse_reset("12am", NOW, 0).expect("a time")), "23 00:00");
        // Printed in UTC+2: 3pm there is 13:00 UTC.
        assert_eq!(
            hm(parse_reset("resets 3pm", NOW, 7200).expect("a time")),
            "22 13:00"
        );
    }

    #[test]
    fn relative_spans_and_full_times() {
        assert_eq!(
            parse_reset("resets in 5 minutes", NOW, 0),
            Some(NOW + 300_000)
        );
        assert_eq!(parse_reset("in 2h 30m", NOW, 0), Some(NOW + 9_000_000));
        assert_eq!(parse_reset("in 3s", NOW, 0), Some(NOW + 3_000));
        assert_eq!(
            parse_reset("2026-11-22T11:00:00Z", NOW, 0),
            Some(NOW + 3_600_000)
        );
    }

    #[test]
    fn text_without_a_time_gives_none() {
        for text in ["soon", "", "at 25:00", "13pm", "limit 429"] {
            assert_eq!(parse_reset(text, NOW, 0), None, "{text}");
        }
    }
}
