//! An agent CLI's profile: how to launch it, how to talk to it, and how its
//! screen reads. Profiles are data (embedded TOML, overridable), so a CLI
//! release that changes its screen is fixed by editing patterns, not code.

use std::collections::BTreeMap;

use regex::Regex;
use serde::Deserialize;

use crate::screen::ScreenPatterns;
use crate::seed::SeedSpec;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("agent profile {profile:?}: bad pattern {pattern:?}: {source}")]
    Pattern {
        profile: String,
        pattern: String,
        #[source]
        source: Box<regex::Error>,
    },
    #[error("agent profile {0:?}: the composer pattern needs a (?P<draft>...) group")]
    NoDraftGroup(String),
    #[error("agent profile {0:?} has an empty command")]
    EmptyCommand(String),
    #[error("agent profile {profile:?}: {message}")]
    Invalid { profile: String, message: String },
}

/// How the first briefing reaches a freshly started agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum BriefingMode {
    /// Delivered like any message once the agent is idle (verified).
    #[default]
    Typed,
    /// Written to `.warroom/briefing.md` in the agent's directory, and a
    /// one-line message asks the agent to read it.
    File,
}

/// Which hook protocol a CLI speaks, if warroom installs hooks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum HookProtocol {
    #[default]
    None,
    /// Claude Code's hooks: JSON on stdin, `hook_event_name` names it.
    Claude,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// argv; `{warroom}` stands for this warroom binary, `{dir}` for the
    /// agent's working directory, `{settings}` for the hook settings file,
    /// `{mcp_config}` for warroom's MCP configuration file.
    pub command: Vec<String>,
    /// What `pane_current_command` reads while the agent runs: text is
    /// only ever typed into a pane running one of these.
    pub processes: Vec<String>,
    #[serde(default)]
    pub enter_delay_ms: u64,
    /// The Enter delay after a bracketed paste, when it differs.
    #[serde(default)]
    pub paste_enter_delay_ms: Option<u64>,
    /// Messages this long or longer (bytes) are pasted; 0 pastes always.
    #[serde(default = "default_paste_threshold")]
    pub paste_threshold: usize,
    /// A plain shell does not take messages: text typed there would run.
    #[serde(default = "yes")]
    pub accepts_messages: bool,
    /// Whether Enter on a busy agent queues the message in the CLI itself
    /// (Claude Code) rather than interrupting or steering the turn.
    #[serde(default)]
    pub queues_while_busy: bool,
    #[serde(default)]
    pub briefing: BriefingMode,
    /// The argv that resumes the agent's last session (`{session}` stands
    /// for the session id its hooks reported); empty when it cannot.
    #[serde(default)]
    pub resume: Vec<String>,
    #[serde(default)]
    pub hooks: HookProtocol,
    /// Environment set in the agent's pane (values may use `{dir}`,
    /// `{warroom}` and `{mcp_config}`).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Files merged before launch so the CLI meets no trust or onboarding
    /// gate in the agent's directory.
    #[serde(default)]
    pub seed: Vec<SeedSpec>,
    /// Opt-in: approve the API key in warroom's environment for this CLI
    /// before launch (seeds marked `when = "approve_api_key"`), instead of
    /// the CLI asking a person about a key it has never seen.
    #[serde(default)]
    pub approve_api_key: bool,
    /// Whether warroom's tests drive this CLI end to end (`end-to-end`),
    /// classify its real screens only (`screens`), or neither.
    #[serde(default)]
    pub verified: Verified,
    pub screen: ScreenSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Verified {
    #[default]
    No,
    Screens,
    EndToEnd,
}

fn names_warroom_mcp(text: &str) -> bool {
    text.contains("{mcp_config}")
        || text.starts_with("mcp_servers.warroom.")
        || (text.contains("\"warroom\"") && text.contains("\"mcp\""))
}

fn default_paste_threshold() -> usize {
    1024
}

fn yes() -> bool {
    true
}

/// The screen of a CLI, as patterns. See `screen::classify` for how they
/// are applied.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSpec {
    /// How many non-blank rows at the bottom are read at all; anything
    /// above is old scrollback.
    #[serde(default = "default_tail_rows")]
    pub tail_rows: usize,
    /// The input box; its `draft` group is what is typed in it.
    pub composer: String,
    /// The composer is looked for only in this many bottom rows.
    #[serde(default = "default_composer_rows")]
    pub composer_rows: usize,
    /// When set, the row right above the composer must match it (Claude
    /// draws a rule above its input box; an old prompt echo has none).
    #[serde(default)]
    pub composer_above: Option<String>,
    /// The row that ends a multi-line draft.
    #[serde(default)]
    pub composer_end: Option<String>,
    /// The composer is closed: its rows (the first, then indented ones)
    /// run to a `composer_end` row or the screen's last row. A prompt echo
    /// in the history, followed by the CLI's reply, never is (Gemini CLI
    /// hides its composer while a tool runs, leaving only echoes).
    #[serde(default)]
    pub composer_closed: bool,
    /// Text the composer shows that is not a draft (a placeholder).
    #[serde(default)]
    pub placeholders: Vec<String>,
    /// An echoed prompt: the newest one above the composer starts the
    /// newest turn.
    #[serde(default)]
    pub prompt_echo: Option<String>,
    /// When set, a turn with none of these after its prompt echo is still
    /// running (for CLIs that show no busy marker while they stream).
    #[serde(default)]
    pub turn_done: Vec<String>,
    /// Idle markers for CLIs whose composer cannot be read.
    #[serde(default)]
    pub idle: Vec<String>,
    /// State rules, first match wins, all before the composer.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// What the input box shows for pasted text, if not the text itself.
    #[serde(default)]
    pub paste_placeholder: Option<String>,
    /// The mark a CLI that queues input while busy puts under a queued
    /// prompt (Claude Code: `Queued ·`): proof that a message was queued.
    #[serde(default)]
    pub queued: Option<String>,
}

fn default_tail_rows() -> usize {
    45
}

fn default_composer_rows() -> usize {
    6
}

/// The state a rule gives when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleState {
    Gate,
    Waiting,
    Exited,
    Error,
    RateLimited,
    Busy,
    Idle,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub state: RuleState,
    /// A regex; named groups `reset`, `attempt` and `message` are kept.
    pub pattern: String,
    /// Look only at this many bottom rows (default: the whole tail).
    #[serde(default)]
    pub rows: Option<usize>,
    /// Look only in the newest turn (after the newest prompt echo).
    #[serde(default)]
    pub turn: bool,
    /// A detail the state carries: `retrying`, or a gate's name.
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AgentProfile {
    pub name: String,
    pub command: Vec<String>,
    pub processes: Vec<String>,
    pub enter_delay_ms: u64,
    pub paste_enter_delay_ms: u64,
    pub paste_threshold: usize,
    pub accepts_messages: bool,
    pub queues_while_busy: bool,
    pub briefing: BriefingMode,
    pub resume: Vec<String>,
    pub hooks: HookProtocol,
    pub env: BTreeMap<String, String>,
    pub seed: Vec<SeedSpec>,
    pub approve_api_key: bool,
    pub verified: Verified,
    pub screen: ScreenPatterns,
}

pub(crate) fn compile_regex(profile: &str, pattern: &str) -> Result<Regex, ProfileError> {
    Regex::new(pattern).map_err(|source| ProfileError::Pattern {
        profile: profile.to_owned(),
        pattern: pattern.to_owned(),
        source: Box::new(source),
    })
}

impl AgentProfile {
    pub fn compile(name: &str, spec: &ProfileSpec) -> Result<Self, ProfileError> {
        if spec.command.is_empty() {
            return Err(ProfileError::EmptyCommand(name.to_owned()));
        }
        for seed in &spec.seed {
            seed.validate().map_err(|message| ProfileError::Invalid {
                profile: name.to_owned(),
                message,
            })?;
        }
        Ok(Self {
            name: name.to_owned(),
            command: spec.command.clone(),
            processes: spec.processes.clone(),
            enter_delay_ms: spec.enter_delay_ms,
            paste_enter_delay_ms: spec.paste_enter_delay_ms.unwrap_or(spec.enter_delay_ms),
            paste_threshold: spec.paste_threshold,
            accepts_messages: spec.accepts_messages,
            queues_while_busy: spec.queues_while_busy,
            briefing: spec.briefing,
            resume: spec.resume.clone(),
            hooks: spec.hooks,
            env: spec.env.clone(),
            seed: spec.seed.clone(),
            approve_api_key: spec.approve_api_key,
            verified: spec.verified,
            screen: ScreenPatterns::compile(name, &spec.screen)?,
        })
    }

    /// The argv, with `{warroom}` replaced by this binary's path and
    /// `{dir}` by the agent's directory.
    pub fn argv(&self, warroom_exe: &str, dir: &str) -> Vec<String> {
        self.command
            .iter()
            .map(|a| a.replace("{warroom}", warroom_exe).replace("{dir}", dir))
            .collect()
    }

    /// Whether the CLI is started with warroom's MCP server by its launch:
    /// its argv or environment names warroom's MCP configuration
    /// (`{mcp_config}`), a Codex `mcp_servers.warroom` override, or an
    /// inline `warroom` server running `{warroom} mcp`.
    pub fn launch_gives_mcp(&self) -> bool {
        self.command.iter().any(|a| names_warroom_mcp(a))
            || self.env.values().any(|v| names_warroom_mcp(v))
    }

    /// A variable as the agent's pane will see it: the profile's own
    /// environment first, then warroom's.
    pub fn env_var(&self, name: &str) -> Option<String> {
        self.env
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    }

    /// The seeds that put warroom's MCP server in a file the CLI reads.
    pub fn mcp_seeds(&self) -> impl Iterator<Item = &SeedSpec> {
        self.seed.iter().filter(|s| names_warroom_mcp(&s.merge))
    }

    /// Whether the CLI's argv or environment needs warroom's MCP
    /// configuration file written (`{mcp_config}`).
    pub fn needs_mcp_config(&self) -> bool {
        self.command
            .iter()
            .chain(self.resume.iter())
            .chain(self.env.values())
            .any(|a| a.contains("{mcp_config}"))
    }

    /// The program that must be on PATH for this profile to launch.
    pub fn program(&self) -> &str {
        self.command.first().map(String::as_str).unwrap_or_default()
    }

    /// The Enter delay for a message sent by this transport.
    pub fn enter_delay(&self, pasted: bool) -> std::time::Duration {
        std::time::Duration::from_millis(if pasted {
            self.paste_enter_delay_ms
        } else {
            self.enter_delay_ms
        })
    }
}
