//! Reading an agent CLI's state from its screen alone.
//!
//! Only the tail is read (old errors and dialogs stay in the scrollback),
//! and the profile's rules are tried in order before the composer: a dialog
//! or a gate replaces the composer, an error ends the newest turn, and busy
//! chrome beats the composer because the input box stays drawn while a turn
//! runs. Rules scoped to the turn see only the rows after the newest prompt
//! echo, so an error two turns ago says nothing about now.

use regex::Regex;
use serde::Serialize;

use crate::profile::{ProfileError, RuleState, ScreenSpec, compile_regex};

#[derive(Debug, Clone)]
pub struct Rule {
    pub state: RuleState,
    pub pattern: Regex,
    pub rows: Option<usize>,
    pub turn: bool,
    pub detail: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ScreenPatterns {
    pub tail_rows: usize,
    pub composer: Regex,
    pub composer_rows: usize,
    pub composer_above: Option<Regex>,
    pub composer_end: Option<Regex>,
    pub composer_closed: bool,
    pub placeholders: Vec<Regex>,
    pub prompt_echo: Option<Regex>,
    pub turn_done: Vec<Regex>,
    pub idle: Vec<Regex>,
    pub rules: Vec<Rule>,
    pub paste_placeholder: Option<Regex>,
    pub queued: Option<Regex>,
}

impl ScreenPatterns {
    pub fn compile(profile: &str, spec: &ScreenSpec) -> Result<Self, ProfileError> {
        let re = |p: &str| compile_regex(profile, p);
        let all = |ps: &[String]| ps.iter().map(|p| re(p)).collect::<Result<Vec<_>, _>>();
        let composer = re(&spec.composer)?;
        if !composer.capture_names().any(|n| n == Some("draft")) {
            return Err(ProfileError::NoDraftGroup(profile.to_owned()));
        }
        Ok(Self {
            tail_rows: spec.tail_rows.max(1),
            composer,
            composer_rows: spec.composer_rows.max(1),
            composer_above: spec.composer_above.as_deref().map(re).transpose()?,
            composer_end: spec.composer_end.as_deref().map(re).transpose()?,
            composer_closed: spec.composer_closed,
            placeholders: all(&spec.placeholders)?,
            prompt_echo: spec.prompt_echo.as_deref().map(re).transpose()?,
            turn_done: all(&spec.turn_done)?,
            idle: all(&spec.idle)?,
            rules: spec
                .rules
                .iter()
                .map(|r| {
                    Ok(Rule {
                        state: r.state,
                        pattern: re(&r.pattern)?,
                        rows: r.rows,
                        turn: r.turn,
                        detail: r.detail.clone(),
                    })
                })
                .collect::<Result<_, ProfileError>>()?,
            paste_placeholder: spec.paste_placeholder.as_deref().map(re).transpose()?,
            queued: spec.queued.as_deref().map(re).transpose()?,
        })
    }
}

/// What the screen alone says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ScreenState {
    /// Neither a composer nor a known dialog is drawn yet.
    Starting,
    /// The composer is drawn and no turn runs; `draft` is typed in it.
    Idle {
        draft: String,
    },
    Busy {
        retrying: Option<String>,
    },
    /// A decision is needed mid-turn (a permission dialog, a question).
    Waiting {
        prompt: Option<String>,
    },
    /// A start-up dialog or overlay blocks the CLI.
    Gate {
        name: Option<String>,
    },
    /// The turn ended on an API error; the composer takes input again.
    Error {
        message: Option<String>,
    },
    /// The turn ended on a rate limit; `reset` is the reset time shown.
    RateLimited {
        reset: Option<String>,
    },
    /// The process ended (its farewell screen, or tmux's dead-pane line).
    Exited,
}

impl ScreenState {
    /// The coarse name, as the captures index and `agent list` use it.
    pub fn name(&self) -> &'static str {
        match self {
            ScreenState::Starting => "starting",
            ScreenState::Idle { .. } => "idle",
            ScreenState::Busy { .. } => "busy",
            ScreenState::Waiting { .. } => "waiting",
            ScreenState::Gate { .. } => "gated",
            ScreenState::Error { .. } => "error",
            ScreenState::RateLimited { .. } => "rate-limited",
            ScreenState::Exited => "exited",
        }
    }

    /// The detail worth showing beside the state, if any.
    pub fn detail(&self) -> Option<String> {
        match self {
            ScreenState::Idle { draft } if !draft.is_empty() => Some("draft".into()),
            ScreenState::Busy { retrying } => retrying.clone(),
            ScreenState::Waiting { prompt } => prompt.clone(),
            ScreenState::Gate { name } => name.clone(),
            ScreenState::Error { message } => message.clone(),
            ScreenState::RateLimited { reset } => reset.as_ref().map(|r| format!("resets {r}")),
            _ => None,
        }
    }
}

/// The rows of a capture as the patterns see them: escape sequences
/// stripped, non-breaking spaces made plain, trailing blanks dropped, and
/// blank rows left out.
/// The last line of a screen that says what the agent is doing: above the
/// CLI's input prompt (`❯`, `›`, `>`), skipping its chrome (rules, tips,
/// right-aligned notices), at most `MAX_LINE` characters. `None` when the
/// screen has nothing to say.
pub fn meaningful_line(screen: &str) -> Option<String> {
    const MAX_LINE: usize = 160;
    let rows = rows(screen);
    let is_prompt = |row: &String| {
        let t = row.trim_start();
        t.starts_with('❯') || t.starts_with('›') || t == ">" || t.starts_with("> ")
    };
    let above = match rows.iter().rposition(is_prompt) {
        // The prompt itself may hold the draft; what is above it matters.
        Some(at) => &rows[..at],
        None => &rows[..],
    };
    above
        .iter()
        .rev()
        .filter(|row| row.len() - row.trim_start().len() <= 20)
        .map(|row| row.trim())
        .find(|row| {
            let words = row.chars().filter(|c| c.is_alphanumeric()).count();
            // `▌` bars mark a CLI's banner and footer, not its work.
            words >= 3
                && !row.contains("Tip:")
                && !row.starts_with('▌')
                && !is_rule(row)
                && !is_prompt(&(*row).to_owned())
        })
        .map(|row| row.chars().take(MAX_LINE).collect())
}

/// A row drawn of box characters: a separator of the CLI's layout.
fn is_rule(row: &str) -> bool {
    let drawn = row
        .chars()
        .filter(|c| matches!(c, '─' | '━' | '═' | '-' | '╭' | '╮' | '╰' | '╯' | '│'))
        .count();
    drawn * 2 > row.chars().count()
}

pub fn rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .map(|line| {
            let plain: String = strip_escapes(line).replace('\u{a0}', " ");
            plain.trim_end().to_owned()
        })
        .filter(|row| !row.trim().is_empty())
        .collect()
}

fn strip_escapes(line: &str) -> String {
    if !line.contains('\x1b') {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: parameters, then one final byte in @..~
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {
                chars.next();
            }
        }
    }
    out
}

/// Classifies a captured screen by the profile's patterns.
/// What the input box holds, whatever else the screen shows (a turn's
/// spinner, a dialog): `None` when no composer is drawn.
pub fn input_box(patterns: &ScreenPatterns, screen: &str) -> Option<String> {
    let all = rows(screen);
    let tail = &all[all.len().saturating_sub(patterns.tail_rows)..];
    find_composer(patterns, tail).map(|(_, draft)| draft)
}

pub fn classify(patterns: &ScreenPatterns, screen: &str) -> ScreenState {
    let all = rows(screen);
    let tail = &all[all.len().saturating_sub(patterns.tail_rows)..];
    let composer = find_composer(patterns, tail);
    let turn_end = composer.as_ref().map_or(tail.len(), |(at, _)| *at);
    let echo = patterns
        .prompt_echo
        .as_ref()
        .and_then(|echo| tail[..turn_end].iter().rposition(|row| echo.is_match(row)));
    let turn = &tail[echo.map_or(0, |at| at + 1)..turn_end];

    for rule in &patterns.rules {
        let scope = if rule.turn {
            turn
        } else {
            let n = rule.rows.unwrap_or(tail.len());
            &tail[tail.len().saturating_sub(n)..]
        };
        if let Some(caps) = scope.iter().find_map(|row| rule.pattern.captures(row)) {
            let group = |name: &str| caps.name(name).map(|m| m.as_str().trim().to_owned());
            return match rule.state {
                RuleState::Gate => ScreenState::Gate {
                    name: rule.detail.clone(),
                },
                RuleState::Waiting => ScreenState::Waiting {
                    prompt: group("message").or_else(|| rule.detail.clone()),
                },
                RuleState::Exited => ScreenState::Exited,
                RuleState::Error => ScreenState::Error {
                    message: group("message"),
                },
                RuleState::RateLimited => ScreenState::RateLimited {
                    reset: group("reset"),
                },
                RuleState::Busy => ScreenState::Busy {
                    retrying: rule.detail.clone(),
                },
                RuleState::Idle => ScreenState::Idle {
                    draft: String::new(),
                },
            };
        }
    }

    // A CLI that shows nothing while it streams: its newest turn is open
    // until a done marker follows the prompt echo.
    let open_turn = !patterns.turn_done.is_empty()
        && echo.is_some()
        && !turn
            .iter()
            .any(|row| patterns.turn_done.iter().any(|re| re.is_match(row)));
    match composer {
        Some((_, draft)) if draft.is_empty() && open_turn => ScreenState::Busy { retrying: None },
        Some((_, draft)) => ScreenState::Idle { draft },
        None if open_turn => ScreenState::Busy { retrying: None },
        None if tail
            .iter()
            .rev()
            .take(patterns.composer_rows)
            .any(|row| patterns.idle.iter().any(|re| re.is_match(row))) =>
        {
            ScreenState::Idle {
                draft: String::new(),
            }
        }
        None => ScreenState::Starting,
    }
}

/// The composer's row in `tail` and the draft typed in it (placeholders
/// removed, continuation rows joined with newlines).
fn find_composer(patterns: &ScreenPatterns, tail: &[String]) -> Option<(usize, String)> {
    let from = tail.len().saturating_sub(patterns.composer_rows);
    let closed = |i: usize| {
        for row in &tail[i + 1..] {
            if patterns
                .composer_end
                .as_ref()
                .is_some_and(|end| end.is_match(row))
            {
                return true;
            }
            if !row.starts_with(char::is_whitespace) {
                return false;
            }
        }
        true
    };
    let at = (from..tail.len()).rev().find(|&i| {
        patterns.composer.is_match(&tail[i])
            && patterns
                .composer_above
                .as_ref()
                .is_none_or(|above| i > 0 && above.is_match(&tail[i - 1]))
            && (!patterns.composer_closed || closed(i))
    })?;
    let first = patterns
        .composer
        .captures(&tail[at])
        .and_then(|c| c.name("draft"))
        .map_or("", |m| m.as_str());
    let mut lines = vec![first.trim().to_owned()];
    if patterns.composer_end.is_some() || patterns.composer_rows > 1 {
        for row in &tail[at + 1..] {
            if patterns
                .composer_end
                .as_ref()
                .is_some_and(|end| end.is_match(row))
            {
                break;
            }
            if patterns.composer_end.is_none() && !row.starts_with(' ') {
                break;
            }
            lines.push(row.trim().to_owned());
        }
    }
    let mut draft = lines.join("\n").trim().to_owned();
    if patterns.placeholders.iter().any(|p| p.is_match(&draft)) {
        draft.clear();
    }
    Some((at, draft))
}
