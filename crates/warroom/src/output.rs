//! Human formatting shared by the commands.

use std::io::Write;
use std::time::Duration;

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, Local, TimeZone};
use serde::Serialize;
use warroom_app::{AgentView, App, MessageResult, MessageView};
use warroom_model::Millis;

pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}

/// Whether standard output's reader has gone (`| head -1` got its line).
/// Asked of the descriptor, so it is known before anything is written.
pub fn stdout_closed() -> bool {
    stdout_closes_within(Duration::ZERO)
}

/// Waits up to `wait` for standard output's reader to go; true if it went.
/// A terminal, file or live pipe just lets the time pass.
pub fn stdout_closes_within(wait: Duration) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let stdout = std::io::stdout();
    // No events asked for: poll reports only errors and hang-ups.
    let mut fds = [PollFd::new(&stdout, PollFlags::empty())];
    let Ok(timeout) = Timespec::try_from(wait) else {
        return false;
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) => fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP),
        // Interrupted or refused: not evidence that the reader left.
        Err(_) => false,
    }
}

/// Every text view fits this many columns: a terminal split in two, a
/// chat message, a pasted log.
pub const WIDTH: usize = 100;

/// "Now" for showing times: the app's clock (a drill's, under
/// `WARROOM_NOW`), so a drill's times read as today.
static DISPLAY_NOW: OnceLock<Millis> = OnceLock::new();

/// Called once the app is open: times are shown against its clock.
pub fn show_times_against(now: Millis) {
    let _ = DISPLAY_NOW.set(now);
}

fn display_now() -> Millis {
    *DISPLAY_NOW.get_or_init(|| chrono::Utc::now().timestamp_millis())
}

/// Times are stored in UTC and shown in the user's local time, with its
/// zone, and with the date unless it is today: `14:03:09 UTC`,
/// `Nov 22 14:03:09 UTC+1`, `2025-11-22 14:03:09 UTC`.
pub fn local_time(at: Millis) -> String {
    let (Some(t), Some(now)) = (
        Local.timestamp_millis_opt(at).single(),
        Local.timestamp_millis_opt(display_now()).single(),
    ) else {
        return at.to_string();
    };
    let format = if t.date_naive() == now.date_naive() {
        "%H:%M:%S"
    } else if t.year() == now.year() {
        "%b %-d %H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    format!(
        "{} {}",
        t.format(format),
        zone(t.offset().local_minus_utc())
    )
}

/// `UTC`, `UTC+1`, `UTC-3:30`: chrono knows the offset, not the zone's name.
fn zone(offset_secs: i32) -> String {
    let (sign, secs) = if offset_secs < 0 {
        ('-', -offset_secs)
    } else {
        ('+', offset_secs)
    };
    match (secs / 3600, secs % 3600 / 60) {
        (0, 0) => "UTC".to_owned(),
        (h, 0) => format!("UTC{sign}{h}"),
        (h, m) => format!("UTC{sign}{h}:{m:02}"),
    }
}

/// `text` cut to `width` characters, ending in '…' when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A table column: `fit`, then padded to exactly `width` characters.
pub fn column(text: &str, width: usize) -> String {
    format!("{:<width$}", fit(text, width))
}

/// Free text as lines of at most `width` characters, broken between words;
/// a word longer than a line is cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let needed =
                line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if !line.is_empty() && needed > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&fit(word, width));
        }
        lines.push(line);
    }
    lines
}

/// The catalogue's short role names (`pm`, `backend-dev`), for columns
/// too narrow for `senior-backend-developer (auth-hotfix:0)`.
pub struct ShortRoles(HashMap<String, String>);

impl ShortRoles {
    pub fn new(app: &App) -> Self {
        Self(
            app.config()
                .catalogue
                .roles
                .iter()
                .filter_map(|(key, spec)| Some((key.clone(), spec.aliases.first()?.clone())))
                .collect(),
        )
    }

    pub fn role<'a>(&'a self, role: &'a str) -> &'a str {
        self.0.get(role).map_or(role, String::as_str)
    }

    /// An agent's label in a view of one team (`team`, or the team of an
    /// incident when None): `project-manager (auth-hotfix:2)` becomes
    /// `pm:2`; people and other teams' agents stay as they are.
    pub fn label(&self, label: &str, team: Option<&str>) -> String {
        if let Some((role, rest)) = label.split_once(" (")
            && let Some(address) = rest.strip_suffix(')')
            && let Some((in_team, window)) = address.rsplit_once(':')
            && team.is_none_or(|team| team == in_team)
        {
            return format!("{}:{window}", self.role(role));
        }
        // A todo owned by a role no agent holds.
        if let Some(role) = label.strip_prefix("role ") {
            return format!("role {}", self.role(role));
        }
        label.to_owned()
    }
}

/// `busy since 12:03:04 (screen: retrying)`: the state, since when, and
/// which source decided it.
pub fn agent_state(a: &warroom_app::AgentView) -> String {
    let mut out = a.state.map_or_else(|| "?".to_owned(), |s| s.to_string());
    if let Some(since) = a.state_since {
        out.push_str(&format!(" since {}", local_time(since)));
    }
    match (&a.state_source, &a.state_detail) {
        (Some(source), Some(detail)) => out.push_str(&format!(" ({source}: {detail})")),
        (Some(source), None) => out.push_str(&format!(" ({source})")),
        _ => {}
    }
    out
}

/// The first line of `text`, and how many more there are, in `width`
/// characters in all.
pub fn first_line(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let more = text.lines().count().saturating_sub(1);
    let suffix = if more > 0 {
        format!(" [+{more} lines]")
    } else {
        String::new()
    };
    let room = width.saturating_sub(suffix.chars().count());
    format!("{}{suffix}", fit(line, room))
}

pub fn agent_cli(agent: &AgentView) -> String {
    match &agent.stands_in_for {
        Some(c) => format!("{} (for {c})", agent.cli),
        None => agent.cli.clone(),
    }
}

pub fn message_result(r: &MessageResult) -> String {
    let mut s = format!(
        "#{} → {} {}: {} ({})",
        r.message_id, r.to.target, r.to.role, r.outcome, r.transport
    );
    if let Some(d) = &r.detail {
        s.push_str(&format!(" — {d}"));
    }
    s
}

/// Tells the sender that secrets were taken out of what they sent.
pub fn redacted_note(count: usize) -> Option<String> {
    match count {
        0 => None,
        1 => Some("1 secret was redacted before the message was stored or typed".into()),
        n => Some(format!(
            "{n} secrets were redacted before the message was stored or typed"
        )),
    }
}

/// One message of `team`'s log on one line: the text gets what the
/// addresses leave of the width.
pub fn message_line(m: &MessageView, team: &str, roles: &ShortRoles) -> String {
    let kind = if m.kind == warroom_model::MessageKind::Message {
        String::new()
    } else {
        format!("[{}] ", m.kind)
    };
    let head = format!(
        "#{:<4} {}  {} → {}  {}  {kind}",
        m.id,
        local_time(m.at),
        fit(&roles.label(&m.from, Some(team)), 24),
        fit(&roles.label(&m.to, Some(team)), 24),
        m.outcome,
    );
    // Even a long head leaves the text a few words.
    let room = WIDTH.saturating_sub(head.chars().count()).max(24);
    fit(&format!("{head}{}", first_line(&m.text, room)), WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_named_by_their_offset_from_utc() {
        assert_eq!(zone(0), "UTC");
        assert_eq!(zone(3600), "UTC+1");
        assert_eq!(zone(-5 * 3600), "UTC-5");
        assert_eq!(zone(5 * 3600 + 1800), "UTC+5:30");
        assert_eq!(zone(-(3 * 3600 + 1800)), "UTC-3:30");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_and_column_pads() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("exactly10!", 10), "exactly10!");
        assert_eq!(fit("one character too long", 10), "one chara…");
        assert_eq!(fit("→→→→→→", 4), "→→→…");
        assert_eq!(column("ab", 4), "ab  ");
        assert_eq!(column("abcdef", 4), "abc…");
    }

    #[test]
    fn first_line_counts_its_suffix_in_the_width() {
        assert_eq!(first_line("one\ntwo\nthree", 40), "one [+2 lines]");
        let cut = first_line(&format!("{}\nmore", "x".repeat(50)), 30);
        assert_eq!(cut.chars().count(), 30, "{cut}");
        assert!(cut.ends_with("… [+1 lines]"), "{cut}");
    }

    #[test]
    fn wrap_breaks_between_words_and_cuts_only_a_giant_word() {
        assert_eq!(
            wrap("the quick brown fox jumps", 10),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(wrap(&"x".repeat(12), 5), ["xxxx…"]);
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
    }

    #[test]
    fn labels_shrink_to_short_role_and_window_within_their_team() {
        let roles = ShortRoles(HashMap::from([
            ("project-manager".to_owned(), "pm".to_owned()),
            ("qa-engineer".to_owned(), "qa".to_owned()),
        ]));
        let pm = "project-manager (auth-hotfix:2)";
        assert_eq!(roles.label(pm, Some("auth-hotfix")), "pm:2");
        assert_eq!(roles.label(pm, None), "pm:2");
        assert_eq!(roles.label(pm, Some("other")), pm);
        assert_eq!(roles.label("tester", Some("auth-hotfix")), "tester");
        assert_eq!(roles.label("role qa-engineer", None), "role qa");
        assert_eq!(
            roles.label("custom-role (auth-hotfix:4)", None),
            "custom-role:4"
        );
    }
}
