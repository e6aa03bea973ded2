//! Human formatting shared by the commands.

use chrono::{Local, TimeZone};
use serde::Serialize;
use warroom_app::{AgentView, MessageResult, MessageView};
use warroom_model::Millis;

pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Times are stored in UTC and shown in the user's local time.
pub fn local_time(at: Millis) -> String {
    Local
        .timestamp_millis_opt(at)
        .single()
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_else(|| at.to_string())
}

/// `busy since 12:03:04 (screen: retrying)`: the state, since when, and
/// which source decided it.
pub fn agent_state(a: &warroom_app::AgentView) -> String {
    let mut out = a.state.clone().unwrap_or_else(|| "?".into());
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

pub fn first_line(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let more = text.lines().count().saturating_sub(1);
    let mut s: String = line.chars().take(width).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    if more > 0 {
        s.push_str(&format!(" [+{more} lines]"));
    }
    s
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

pub fn message_line(m: &MessageView) -> String {
    let kind = if m.kind == "message" {
        String::new()
    } else {
        format!("[{}] ", m.kind)
    };
    format!(
        "#{:<4} {}  {} → {}  {}  {kind}{}",
        m.id,
        local_time(m.at),
        m.from,
        m.to,
        m.outcome,
        first_line(&m.text, 90)
    )
}
