//! Message text, who sends it, how it travels, and how its delivery ended.

use crate::ids::MessageId;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::names::AgentId;

/// The largest message warroom types into a pane. Anything larger is refused
/// before a single key is sent.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the message is empty")]
    Empty,
    #[error(
        "the message is {size} bytes; the limit is {limit} bytes (1 MiB). Put the data in a file in the agent's worktree and send its path instead"
    )]
    TooLarge { size: usize, limit: usize },
}

/// Message text made safe to put in front of an agent: secrets are
/// redacted, line endings are LF, trailing newlines are dropped, and every
/// control character other than newline and tab is shown as text (`^[`,
/// `^C`, `^?`, `<U+009B>`), so an escape sequence in a log can neither drive
/// the agent's terminal UI nor end a bracketed paste early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageText {
    text: String,
    /// How many secrets were taken out of the text handed in.
    #[serde(skip)]
    redacted: usize,
}

impl MessageText {
    pub fn new(raw: &str) -> Result<Self, MessageError> {
        // Refused before any work on a huge input; checked again below on
        // what would be typed, which escaping can make up to four times larger.
        let too_large = |size| MessageError::TooLarge {
            size,
            limit: MAX_MESSAGE_BYTES,
        };
        if raw.len() > MAX_MESSAGE_BYTES {
            return Err(too_large(raw.len()));
        }
        let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
        let mut visible = String::with_capacity(unified.len());
        for c in unified.trim_end_matches('\n').chars() {
            push_visible(&mut visible, c);
        }
        let clean = crate::redact::redact(&visible);
        if clean.text.trim().is_empty() {
            return Err(MessageError::Empty);
        }
        if clean.text.len() > MAX_MESSAGE_BYTES {
            return Err(too_large(clean.text.len()));
        }
        let redacted = clean.count();
        Ok(Self {
            text: clean.text,
            redacted,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many secrets [`MessageText::new`] took out.
    pub fn redacted(&self) -> usize {
        self.redacted
    }

    pub fn line_count(&self) -> usize {
        self.text.lines().count().max(1)
    }

    pub fn first_line(&self) -> &str {
        self.text.lines().next().unwrap_or_default()
    }
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' | '\t' => out.push(c),
        '\u{0}'..='\u{1f}' => {
            out.push('^');
            out.push(char::from(c as u8 + 0x40));
        }
        '\u{7f}' => out.push_str("^?"),
        '\u{80}'..='\u{9f}' => out.push_str(&format!("<U+{:04X}>", c as u32)),
        _ => out.push(c),
    }
}

impl fmt::Display for MessageText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a message was sent: people's and agents' messages, the briefing an
/// agent starts with, or the context restored after a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKind {
    Message,
    Briefing,
    Context,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Message => "message",
            MessageKind::Briefing => "briefing",
            MessageKind::Context => "context",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            MessageKind::Message,
            MessageKind::Briefing,
            MessageKind::Context,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a message is from. A command run inside an agent's pane is sent by that
/// agent; one run at a terminal by the person; warroom's own briefings by the
/// system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Sender {
    Agent { id: AgentId, label: String },
    Human { name: String },
    System,
}

impl Sender {
    pub fn kind(&self) -> &'static str {
        match self {
            Sender::Agent { .. } => "agent",
            Sender::Human { .. } => "human",
            Sender::System => "system",
        }
    }

    /// How the sender is shown to people and agents.
    pub fn label(&self) -> String {
        match self {
            Sender::Agent { label, .. } => label.clone(),
            Sender::Human { name } => name.clone(),
            Sender::System => "warroom".to_owned(),
        }
    }

    pub fn agent_id(&self) -> Option<AgentId> {
        match self {
            Sender::Agent { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// The text as it is put in front of the agent: a one-line tag that says what
/// it is and who sent it, then the message. The tag makes every message
/// attributable, lets delivery recognise its own echo on screen, and means a
/// message can never start with `/` (a slash command) or look like a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub message_id: MessageId,
    pub text: String,
}

impl Envelope {
    pub fn new(message_id: MessageId, sender: &Sender, body: &MessageText) -> Self {
        Self {
            message_id,
            text: format!("{} {}", Self::tag(message_id, sender), body.as_str()),
        }
    }

    pub fn tag(message_id: MessageId, sender: &Sender) -> String {
        format!("[warroom #{message_id} from {}]", sender.label())
    }

    /// The start of the tag, unique to this message, that delivery looks for.
    pub fn marker(&self) -> String {
        format!("[warroom #{} ", self.message_id)
    }
}

/// How text reaches the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// `send-keys -l`: one short line.
    Typed,
    /// A tmux buffer pasted with bracketed paste: many lines or much text.
    Paste,
}

impl Transport {
    /// Typed only for one short line without tabs (a tab would trigger
    /// completion in most agent UIs); everything else is pasted.
    pub fn for_text(text: &str, paste_threshold: usize) -> Self {
        if text.len() <= paste_threshold && !text.contains(['\n', '\t']) {
            Transport::Typed
        } else {
            Transport::Paste
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Typed => "typed",
            Transport::Paste => "paste",
        })
    }
}

/// How a delivery ended. Only `Submitted` is success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Recorded, not yet typed (or the sender died while delivering).
    Pending,
    /// The agent took the message: its input box emptied and it echoed the
    /// message or went to work.
    Submitted,
    /// Typed into a busy agent that holds it in its own queue (Claude Code
    /// shows `Queued`); it runs when the current turn ends.
    Queued,
    /// The text is in the agent's input box, but Enter did not submit it.
    TypedNotSubmitted,
    /// Nothing was typed, or the text vanished without being submitted.
    Failed,
    /// Delivery was refused before typing (the agent is a shell, someone else's
    /// draft is in its input box, it is not running...).
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Submitted => "submitted",
            Outcome::Queued => "queued",
            Outcome::TypedNotSubmitted => "typed-not-submitted",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Outcome::Pending,
            Outcome::Submitted,
            Outcome::Queued,
            Outcome::TypedNotSubmitted,
            Outcome::Failed,
            Outcome::Refused,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    pub fn is_success(self) -> bool {
        matches!(self, Outcome::Submitted | Outcome::Queued)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_become_visible_text() {
        let t = MessageText::new("red \x1b[31mERR\x1b[0m\x03 end\x7f \u{9b}x").expect("valid");
        assert_eq!(t.as_str(), "red ^[[31mERR^[[0m^C end^? <U+009B>x");
    }

    #[test]
    fn a_paste_terminator_inside_a_log_is_defused() {
        let t = MessageText::new("a\x1b[201~; rm -rf /").expect("valid");
        assert!(!t.as_str().contains('\x1b'));
    }

    #[test]
    fn line_endings_are_normalised_and_trailing_newlines_dropped() {
        let t = MessageText::new("one\r\ntwo\rthree\n\n").expect("valid");
        assert_eq!(t.as_str(), "one\ntwo\nthree");
        assert_eq!(t.line_count(), 3);
        assert_eq!(t.first_line(), "one");
    }

    #[test]
    fn empty_and_oversized_messages_are_refused() {
        assert_eq!(MessageText::new(" \n\n"), Err(MessageError::Empty));
        let big = "x".repeat(MAX_MESSAGE_BYTES + 1);
        assert!(matches!(
            MessageText::new(&big),
            Err(MessageError::TooLarge { .. })
        ));
        assert!(MessageText::new(&"x".repeat(MAX_MESSAGE_BYTES)).is_ok());
        // 1 MiB of ESC would type 2 MiB of `^[`: the limit is on what is typed.
        let escapes = "\u{1b}".repeat(MAX_MESSAGE_BYTES);
        assert_eq!(
            MessageText::new(&escapes),
            Err(MessageError::TooLarge {
                size: 2 * MAX_MESSAGE_BYTES,
                limit: MAX_MESSAGE_BYTES
            })
        );
    }

    #[test]
    fn secrets_never_reach_the_text_and_are_counted() {
        let t = MessageText::new("deploy with DB_PASSWORD='a b c' and AKIAZ7Q3VXKWE4TN5B2P")
            .expect("text");
        assert_eq!(
            t.as_str(),
            "deploy with DB_PASSWORD='[REDACTED]' and [REDACTED]"
        );
        assert_eq!(t.redacted(), 2);
    }

    #[test]
    fn transport_is_typed_only_for_one_short_line() {
        assert_eq!(Transport::for_text("hello", 1024), Transport::Typed);
        assert_eq!(Transport::for_text("a\nb", 1024), Transport::Paste);
        assert_eq!(Transport::for_text("a\tb", 1024), Transport::Paste);
        assert_eq!(
            Transport::for_text(&"x".repeat(1025), 1024),
            Transport::Paste
        );
    }

    #[test]
    fn envelope_tags_sender_and_id() {
        let body = MessageText::new("/exit now").expect("valid");
        let env = Envelope::new(
            MessageId(42),
            &Sender::Human {
                name: "alice".into(),
            },
            &body,
        );
        assert_eq!(env.text, "[warroom #42 from alice] /exit now");
        assert!(env.text.starts_with(&env.marker()));
    }

    #[test]
    fn outcome_names_round_trip() {
        for o in [
            Outcome::Pending,
            Outcome::Submitted,
            Outcome::TypedNotSubmitted,
            Outcome::Failed,
            Outcome::Refused,
        ] {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
    }

    proptest! {
        #[test]
        fn normalised_text_has_no_control_bytes_but_newline_and_tab(s in "\\PC*|[\\x00-\\x1f\\x7f-\\x9f a-z]{1,64}") {
            if let Ok(t) = MessageText::new(&s) {
                prop_assert!(t.as_str().chars().all(|c| c == '\n' || c == '\t' || !c.is_control()));
                prop_assert!(!t.as_str().ends_with('\n'));
            }
        }

        #[test]
        fn printable_text_is_kept_verbatim(s in "[ -~]{1,200}") {
            prop_assume!(!s.trim().is_empty());
            prop_assume!(crate::redact::redact(&s).count() == 0);
            prop_assert_eq!(MessageText::new(&s).map(|t| t.as_str().to_owned()), Ok(s.clone()));
        }
    }
}
