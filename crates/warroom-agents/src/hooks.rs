//! A CLI's own hooks (Claude Code: JSON on stdin, one command per event),
//! and how a hook's word is fused with what tmux and the screen show.
//!
//! Precedence: tmux liveness beats everything (a dead pane is exited,
//! whatever the last hook said); then a dialog on the screen (no hook marks
//! a permission dialog being answered); then the hook for the states it
//! reports; the screen fills the gaps.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::{AgentState, Observation, StateSource};

/// What one hook invocation tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookFact {
    pub event: String,
    pub session_id: Option<String>,
    /// The state the event implies, if it implies one.
    pub state: Option<AgentState>,
    pub detail: Option<String>,
    /// The submitted prompt (`UserPromptSubmit`): proof of delivery.
    pub prompt: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("hook input is not a JSON object: {0}")]
pub struct HookInputError(String);

/// Reads a Claude Code hook's stdin. `event` is the name warroom installed
/// the hook under; the JSON's own `hook_event_name` wins when present.
pub fn parse_claude(event: &str, input: &str) -> Result<HookFact, HookInputError> {
    let v: Value = if input.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(input).map_err(|e| HookInputError(e.to_string()))?
    };
    if !v.is_object() {
        return Err(HookInputError("not an object".into()));
    }
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let event = text("hook_event_name").unwrap_or_else(|| event.to_owned());
    let tool = || {
        let name = text("tool_name").unwrap_or_else(|| "a tool".into());
        match v.pointer("/tool_input/command").and_then(Value::as_str) {
            Some(cmd) => format!("{name}: {}", clip(cmd, 120)),
            None => name,
        }
    };
    let (state, detail) = match event.as_str() {
        "UserPromptSubmit" => (Some(AgentState::Busy), None),
        "PreToolUse" | "PostToolUse" => (Some(AgentState::Busy), Some(tool())),
        "PermissionRequest" => (Some(AgentState::Waiting), Some(tool())),
        "Notification" => match text("notification_type").as_deref() {
            Some("permission_prompt" | "agent_needs_input") => {
                (Some(AgentState::Waiting), text("message"))
            }
            Some("idle_prompt") => (Some(AgentState::Idle), None),
            _ => (None, text("message")),
        },
        "Stop" => (Some(AgentState::Idle), None),
        "StopFailure" => {
            let error = text("error");
            let state = if error.as_deref() == Some("rate_limit") {
                AgentState::RateLimited
            } else {
                AgentState::Error
            };
            let message = text("last_assistant_message").map(|m| clip(&m, 160));
            (
                Some(state),
                match (error, message) {
                    (Some(e), Some(m)) => Some(format!("{e}: {m}")),
                    (e, m) => e.or(m),
                },
            )
        }
        "SessionEnd" => (Some(AgentState::Exited), text("reason")),
        _ => (None, None),
    };
    Ok(HookFact {
        prompt: (event == "UserPromptSubmit")
            .then(|| text("prompt"))
            .flatten(),
        session_id: text("session_id"),
        event,
        state,
        detail,
    })
}

/// The newest hook state recorded for an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookState {
    pub state: AgentState,
    pub detail: Option<String>,
    pub at_ms: i64,
}

/// How long a hook's "busy" holds against a screen that looks idle (a
/// stream can stall with an idle-looking screen); after that, the screen
/// wins and the gap is logged.
pub const HOOK_BUSY_HOLDS_MS: i64 = 10_000;
/// How long a hook's "waiting" holds before its dialog is drawn.
pub const HOOK_WAITING_LEADS_MS: i64 = 2_000;

/// The fused state of an agent: (state, source, detail).
pub fn fuse(
    hook: Option<&HookState>,
    obs: &Observation,
    now_ms: i64,
) -> (AgentState, StateSource, Option<String>) {
    let screen = (obs.state, obs.source, obs.detail());
    if obs.source == StateSource::Tmux {
        return screen;
    }
    let Some(hook) = hook else { return screen };
    let age = now_ms - hook.at_ms;
    let from_hook = (hook.state, StateSource::Hook, hook.detail.clone());
    match (hook.state, obs.state) {
        // A dialog, a gate or a farewell screen is the newest fact.
        (AgentState::Waiting, AgentState::Waiting) => from_hook,
        (_, AgentState::Waiting | AgentState::Gated | AgentState::Exited) => screen,
        (h, s) if h == s => (
            h,
            StateSource::Hook,
            hook.detail.clone().or_else(|| obs.detail()),
        ),
        (AgentState::Busy, AgentState::Idle | AgentState::Starting)
            if age < HOOK_BUSY_HOLDS_MS && obs.draft.is_empty() =>
        {
            from_hook
        }
        (AgentState::Waiting, AgentState::Idle | AgentState::Starting)
            if age < HOOK_WAITING_LEADS_MS =>
        {
            from_hook
        }
        // The turn ended on an API error; the composer is free again.
        (AgentState::Error | AgentState::RateLimited, AgentState::Idle | AgentState::Error) => {
            from_hook
        }
        _ => screen,
    }
}

fn clip(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut s: String = one_line.chars().take(max).collect();
    s.push('…');
    s
}

/// The hook events warroom listens to, for CLIs with Claude Code's hooks.
const CLAUDE_HOOK_EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PermissionRequest",
    "Notification",
    "Stop",
    "StopFailure",
    "SessionEnd",
];

/// The settings file passed to Claude Code with `--settings`: every event
/// above runs `<warroom> hook <event>`, for that process only.
pub fn claude_settings(warroom_exe: &str) -> String {
    let exe = shell_quote(warroom_exe);
    let hooks: serde_json::Map<String, serde_json::Value> = CLAUDE_HOOK_EVENTS
        .iter()
        .map(|event| {
            (
                (*event).to_owned(),
                serde_json::json!([{
                    "matcher": "",
                    "hooks": [{ "type": "command", "command": format!("{exe} hook {event}") }]
                }]),
            )
        })
        .collect();
    serde_json::json!({ "hooks": hooks }).to_string()
}

/// Quotes a word for `sh -c` (hook commands run through a shell).
fn shell_quote(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;

    #[test]
    fn every_event_calls_warroom_quoted_for_the_shell() {
        let text = claude_settings("/opt/war room/warroom");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        for event in CLAUDE_HOOK_EVENTS {
            assert_eq!(
                v["hooks"][event][0]["hooks"][0]["command"],
                format!("'/opt/war room/warroom' hook {event}")
            );
        }
    }
}
