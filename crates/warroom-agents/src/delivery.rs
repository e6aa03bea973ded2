//! Delivering one message to one agent, and proving it was submitted.
//!
//! The recipe: check the pane runs the agent (never type into a shell) and
//! that its input box holds nothing of someone else's; wait for it to be
//! idle; type the text (one short line) or paste it (bracketed paste); wait
//! the CLI's Enter delay; press Enter on its own; then read the screen until
//! the text has left the input box and the agent echoed it or went to work.
//! At most one extra Enter, and only while the box still holds our text:
//! never a retype, so never a duplicate.

use std::time::{Duration, Instant};

use warroom_model::{Envelope, Outcome, Transport};
use warroom_tmux::{ControlClient, PaneId, Server, TmuxError};

use crate::profile::AgentProfile;
use crate::state::{AgentState, Observation, observe};

#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// How long to wait for a busy or starting agent to become idle before
    /// typing anything.
    pub wait_idle: Duration,
    /// How long to look for proof of submission after Enter.
    pub verify_timeout: Duration,
    /// Type into a busy agent that queues input itself (Claude Code)
    /// instead of waiting for it to be idle.
    pub now: bool,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            wait_idle: Duration::from_secs(30),
            verify_timeout: Duration::from_secs(10),
            now: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub transport: Transport,
}

/// How long a pane must run something other than the agent before
/// warroom believes it.
const FOREIGN_SETTLES: Duration = Duration::from_secs(1);

/// How long text in the input box must stay the same before warroom takes
/// it for someone's draft.
const DRAFT_SETTLES: Duration = Duration::from_secs(1);

/// Waits until the agent takes input (idle, or a turn ended on an error),
/// or reaches a state it will not leave by itself (exited, lost, foreign,
/// gated, waiting for a person), or `timeout` passes. Returns the last look.
pub fn wait_until_idle(
    client: &ControlClient,
    pane: &PaneId,
    profile: &AgentProfile,
    timeout: Duration,
) -> Result<Observation, TmuxError> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    let mut foreign_since: Option<Instant> = None;
    let mut draft_since: Option<(String, Instant)> = None;
    loop {
        let obs = observe(client, pane, profile)?;
        // What looks like a draft may be the CLI echoing a prompt it is
        // about to send (Aider, for a moment): only a draft that stays is
        // someone's text.
        let draft_for = match obs.state {
            AgentState::Idle if !obs.draft.is_empty() => {
                if draft_since.as_ref().is_none_or(|(d, _)| *d != obs.draft) {
                    draft_since = Some((obs.draft.clone(), Instant::now()));
                }
                draft_since
                    .as_ref()
                    .map_or(Duration::ZERO, |(_, t)| t.elapsed())
            }
            _ => {
                draft_since = None;
                Duration::ZERO
            }
        };
        // Between tmux's fork and the agent's exec the pane briefly runs
        // something else; only a foreign process that stays is an answer.
        let foreign_for = match obs.state {
            AgentState::Foreign => foreign_since.get_or_insert_with(Instant::now).elapsed(),
            _ => {
                foreign_since = None;
                Duration::ZERO
            }
        };
        let settled = match obs.state {
            AgentState::Foreign => foreign_for >= FOREIGN_SETTLES,
            AgentState::Idle if !obs.draft.is_empty() => draft_for >= DRAFT_SETTLES,
            AgentState::Busy | AgentState::Starting => false,
            state => state.takes_input() || state.needs_someone(),
        };
        if settled || start.elapsed() >= timeout {
            return Ok(obs);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

pub fn deliver(
    server: &Server,
    client: &ControlClient,
    pane: &PaneId,
    profile: &AgentProfile,
    envelope: &Envelope,
    options: &DeliveryOptions,
) -> Delivery {
    let transport = Transport::for_text(&envelope.text, profile.paste_threshold);
    let (outcome, detail) =
        match attempt(server, client, pane, profile, envelope, transport, options) {
            Ok(result) => result,
            Err(e) => (Outcome::Failed, Some(format!("tmux: {e}"))),
        };
    Delivery {
        outcome,
        detail,
        transport,
    }
}

type Verdict = (Outcome, Option<String>);

/// Whether a message may be typed into an agent seen as `before`: `Ok(true)`
/// when a busy agent will queue it itself (`--now` on a CLI that queues),
/// `Ok(false)` when it takes input now, and otherwise the verdict, with
/// nothing typed: never into a dialog, a gate, a dead pane, another
/// program, or over text someone else left in the input box.
pub fn may_type(
    before: &Observation,
    queue_in_cli: bool,
    waited: Duration,
) -> Result<bool, Verdict> {
    match before.state {
        AgentState::Busy if queue_in_cli => Ok(true),
        state if state.takes_input() && before.draft.is_empty() => Ok(false),
        AgentState::Idle => Err(refused(format!(
            "the input box holds text warroom did not type ({:?}); nothing was typed",
            shorten(&before.draft)
        ))),
        AgentState::Exited => Err(refused(
            "the agent has exited; restart it with `warroom agent restart`".into(),
        )),
        AgentState::Lost => Err(refused("the agent's pane is gone".into())),
        AgentState::Foreign => Err(refused(format!(
            "the pane runs {:?}, not the agent; nothing was typed",
            before.current_command
        ))),
        AgentState::Waiting => Err(refused(format!(
            "the agent is waiting for a person ({}); nothing was typed",
            before.detail().unwrap_or_else(|| "a dialog is open".into())
        ))),
        AgentState::Gated => Err(refused(format!(
            "the agent is stopped at a start-up gate ({}); nothing was typed",
            before.detail().unwrap_or_else(|| "a dialog".into())
        ))),
        _ => Err((
            Outcome::Failed,
            Some(format!(
                "the agent stayed {} for {waited:.0?}; nothing was typed",
                before.state.as_str()
            )),
        )),
    }
}

fn attempt(
    server: &Server,
    client: &ControlClient,
    pane: &PaneId,
    profile: &AgentProfile,
    envelope: &Envelope,
    transport: Transport,
    options: &DeliveryOptions,
) -> Result<Verdict, TmuxError> {
    if !profile.accepts_messages {
        return Ok(refused(format!(
            "{} agents do not take messages: text typed into a shell would run",
            profile.name
        )));
    }
    let queue_in_cli = options.now && profile.queues_while_busy;
    let before = if queue_in_cli {
        observe(client, pane, profile)?
    } else {
        wait_until_idle(client, pane, profile, options.wait_idle)?
    };
    let queued = match may_type(&before, queue_in_cli, options.wait_idle) {
        Ok(queued) => queued,
        Err(verdict) => return Ok(verdict),
    };

    match transport {
        Transport::Typed => client.send_literal(pane, &envelope.text)?,
        Transport::Paste => {
            let buffer = format!("warroom-msg-{}", envelope.message_id);
            server.load_buffer(&buffer, envelope.text.as_bytes())?;
            client.paste_buffer(pane, &buffer)?;
        }
    }
    std::thread::sleep(profile.enter_delay(transport == Transport::Paste));
    client.send_key(pane, "Enter")?;
    let verdict = verify(client, pane, profile, envelope, transport, options, queued)?;
    Ok(match verdict {
        (Outcome::Submitted, detail) if queued => (Outcome::Queued, detail),
        other => other,
    })
}

/// Whether the CLI shows our message as queued: the queued mark under the
/// newest row that carries our tag.
fn shows_queued(profile: &AgentProfile, screen: &str, marker: &str) -> bool {
    let Some(mark) = &profile.screen.queued else {
        return false;
    };
    let rows = crate::screen::rows(screen);
    rows.iter()
        .rposition(|r| r.contains(marker))
        .is_some_and(|at| rows[at + 1..].iter().take(4).any(|r| mark.is_match(r)))
}

fn verify(
    client: &ControlClient,
    pane: &PaneId,
    profile: &AgentProfile,
    envelope: &Envelope,
    transport: Transport,
    options: &DeliveryOptions,
    queued: bool,
) -> Result<Verdict, TmuxError> {
    let marker = envelope.marker();
    let ours = |draft: &str| {
        draft.contains(&marker)
            || ends_like(draft, &envelope.text)
            || (transport == Transport::Paste
                && profile
                    .screen
                    .paste_placeholder
                    .as_ref()
                    .is_some_and(|re| re.is_match(draft)))
    };
    let start = Instant::now();
    let retry_after = Duration::from_millis(600.max(profile.enter_delay_ms * 4));
    let mut retried = false;
    let mut pause = Duration::from_millis(2);
    let mut held = false;
    loop {
        let obs = observe(client, pane, profile)?;
        match obs.state {
            // Typed into a running turn: proof is the CLI's own queued mark
            // under our text (or, later, the turn that runs it).
            AgentState::Busy if queued => {
                if shows_queued(profile, &obs.screen, &marker) {
                    return Ok((Outcome::Submitted, None));
                }
            }
            // A turn started (or ended at once on an API error, or stopped
            // at a permission dialog): the message was taken, unless it is
            // still in the input box. A CLI busy with an earlier turn (Gemini
            // CLI sending its queue) may have dropped our Enter.
            AgentState::Busy
            | AgentState::Waiting
            | AgentState::Error
            | AgentState::RateLimited => {
                let still_typed = crate::screen::input_box(&profile.screen, &obs.screen)
                    .is_some_and(|draft| !draft.is_empty() && ours(&draft));
                if !still_typed {
                    return Ok((Outcome::Submitted, None));
                }
                held = true;
                if !retried && start.elapsed() >= retry_after {
                    client.send_key(pane, "Enter")?;
                    retried = true;
                }
            }
            AgentState::Idle if !ours(&obs.draft) => {
                held = false;
                // Our tag carries the message id, so it is on screen (outside
                // the input box) only if this very message was echoed.
                if obs.screen.contains(&marker) {
                    return Ok((Outcome::Submitted, None));
                }
            }
            AgentState::Idle => {
                held = true;
                if !retried && start.elapsed() >= retry_after {
                    client.send_key(pane, "Enter")?;
                    retried = true;
                }
            }
            AgentState::Exited | AgentState::Lost => {
                return Ok((
                    Outcome::Failed,
                    Some("the agent exited during delivery".into()),
                ));
            }
            AgentState::Gated => {
                return Ok((
                    Outcome::Failed,
                    Some(format!(
                        "a dialog took over the agent's screen during delivery ({})",
                        obs.detail().unwrap_or_default()
                    )),
                ));
            }
            AgentState::Foreign | AgentState::Starting => {}
        }
        if start.elapsed() >= options.verify_timeout {
            return Ok(if held {
                (
                    Outcome::TypedNotSubmitted,
                    Some(format!(
                        "the text is still in the agent's input box after {:.0?}{}",
                        options.verify_timeout,
                        if retried { " and a second Enter" } else { "" }
                    )),
                )
            } else {
                (
                    Outcome::Failed,
                    Some(format!(
                        "no sign of the message on the agent's screen after {:.0?}",
                        options.verify_timeout
                    )),
                )
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(40));
    }
}

/// Whether a draft ends the way the message does: a CLI that scrolls a
/// long draft in its input box (Gemini CLI) shows only its last rows, so
/// the tag at its start is out of sight. Rows are compared with their
/// spacing collapsed, since the box wraps lines where it likes.
fn ends_like(draft: &str, text: &str) -> bool {
    /// A row this short could end any message.
    const MIN_CHARS: usize = 12;
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(last) = draft.lines().rev().map(squash).find(|l| !l.is_empty()) else {
        return false;
    };
    last.chars().count() >= MIN_CHARS && squash(text).ends_with(&last)
}

fn refused(reason: String) -> Verdict {
    (Outcome::Refused, Some(reason))
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::ScreenState;
    use crate::state::StateSource;

    fn seen(state: AgentState, screen_state: Option<ScreenState>, draft: &str) -> Observation {
        Observation {
            state,
            source: StateSource::Screen,
            screen_state,
            draft: draft.into(),
            pid: Some(7),
            current_command: "claude".into(),
            exit_status: None,
            exit_signal: None,
            screen: String::new(),
        }
    }

    const WAITED: Duration = Duration::from_secs(30);

    #[test]
    fn a_scrolled_draft_is_known_by_how_it_ends() {
        let text = "[warroom #4 from pm] BRIEFING. You are the developer.\nTrack work with: warroom todo list INC-1 | warroom todo claim T-N";
        // Gemini CLI shows the last rows of a long draft, wrapped its way.
        assert!(ends_like(
            "Track work with: warroom todo list INC-1 |\n   warroom todo claim T-N   ",
            text
        ));
        assert!(!ends_like("Track work with: something else", text));
        assert!(!ends_like("T-N", text), "too short to tell");
        assert!(!ends_like("", text));
    }

    #[test]
    fn a_waiting_agent_is_refused_and_told_why() {
        let asking = seen(
            AgentState::Waiting,
            Some(ScreenState::Waiting {
                prompt: Some("Do you want to proceed?".into()),
            }),
            "",
        );
        let (outcome, detail) = may_type(&asking, false, WAITED).expect_err("refused");
        assert_eq!(outcome, Outcome::Refused);
        assert_eq!(
            detail.as_deref(),
            Some("the agent is waiting for a person (Do you want to proceed?); nothing was typed")
        );
        // Not even with --now: a dialog is never typed into.
        assert!(may_type(&asking, true, WAITED).is_err());
    }

    #[test]
    fn only_a_free_input_box_takes_a_message() {
        for state in [AgentState::Idle, AgentState::Error, AgentState::RateLimited] {
            assert_eq!(may_type(&seen(state, None, ""), false, WAITED), Ok(false));
        }
        let someone_typing = seen(AgentState::Idle, None, "half a sentence");
        assert_eq!(
            may_type(&someone_typing, false, WAITED).map_err(|v| v.0),
            Err(Outcome::Refused)
        );
        for state in [
            AgentState::Gated,
            AgentState::Exited,
            AgentState::Lost,
            AgentState::Foreign,
        ] {
            assert_eq!(
                may_type(&seen(state, None, ""), false, WAITED).map_err(|v| v.0),
                Err(Outcome::Refused),
                "{state}"
            );
        }
        // Still busy after the wait: failed, nothing typed.
        assert_eq!(
            may_type(&seen(AgentState::Busy, None, ""), false, WAITED).map_err(|v| v.0),
            Err(Outcome::Failed)
        );
        // A CLI that queues input itself takes it while busy with --now.
        assert_eq!(
            may_type(&seen(AgentState::Busy, None, ""), true, WAITED),
            Ok(true)
        );
    }
}
