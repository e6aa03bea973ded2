//! An agent CLI's profile: how to launch it, how to talk to it, and how its
//! screen reads. Profiles are data (embedded TOML, overridable), so a CLI
//! release that changes its screen is fixed by editing patterns, not code.

use regex::Regex;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("agent profile {profile:?}: bad pattern {pattern:?}: {source}")]
    Pattern {
        profile: String,
        pattern: String,
        #[source]
        source: regex::Error,
    },
    #[error("agent profile {0:?}: the composer pattern needs a (?P<draft>...) group")]
    NoDraftGroup(String),
    #[error("agent profile {0:?} has an empty command")]
    EmptyCommand(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// argv; `{warroom}` stands for this warroom binary.
    pub command: Vec<String>,
    /// What `pane_current_command` reads while the agent runs: text is
    /// only ever typed into a pane running one of these.
    pub processes: Vec<String>,
    #[serde(default)]
    pub enter_delay_ms: u64,
    #[serde(default = "default_paste_threshold")]
    pub paste_threshold: usize,
    /// A plain shell does not take messages: text typed there would run.
    #[serde(default = "yes")]
    pub accepts_messages: bool,
    /// Whether warroom can yet tell this CLI's states with confidence.
    #[serde(default)]
    pub verified: bool,
    pub screen: ScreenSpec,
}

fn default_paste_threshold() -> usize {
    1024
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSpec {
    /// How many non-blank rows at the bottom form the live UI.
    pub bottom_lines: usize,
    /// The input box; its `draft` group is what is typed in it.
    pub composer: String,
    /// Any of these in the live UI means a turn is running.
    #[serde(default)]
    pub busy: Vec<String>,
    /// What the input box shows for pasted text, if not the text itself.
    #[serde(default)]
    pub paste_placeholder: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ScreenPatterns {
    pub bottom_lines: usize,
    pub composer: Regex,
    pub busy: Vec<Regex>,
    pub paste_placeholder: Option<Regex>,
}

#[derive(Debug, Clone)]
pub struct AgentProfile {
    pub name: String,
    pub command: Vec<String>,
    pub processes: Vec<String>,
    pub enter_delay_ms: u64,
    pub paste_threshold: usize,
    pub accepts_messages: bool,
    pub verified: bool,
    pub screen: ScreenPatterns,
}

impl AgentProfile {
    pub fn compile(name: &str, spec: &ProfileSpec) -> Result<Self, ProfileError> {
        let re = |p: &str| {
            Regex::new(p).map_err(|source| ProfileError::Pattern {
                profile: name.to_owned(),
                pattern: p.to_owned(),
                source,
            })
        };
        if spec.command.is_empty() {
            return Err(ProfileError::EmptyCommand(name.to_owned()));
        }
        let composer = re(&spec.screen.composer)?;
        if !composer.capture_names().any(|n| n == Some("draft")) {
            return Err(ProfileError::NoDraftGroup(name.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            command: spec.command.clone(),
            processes: spec.processes.clone(),
            enter_delay_ms: spec.enter_delay_ms,
            paste_threshold: spec.paste_threshold,
            accepts_messages: spec.accepts_messages,
            verified: spec.verified,
            screen: ScreenPatterns {
                bottom_lines: spec.screen.bottom_lines.max(1),
                composer,
                busy: spec
                    .screen
                    .busy
                    .iter()
                    .map(|p| re(p))
                    .collect::<Result<_, _>>()?,
                paste_placeholder: spec
                    .screen
                    .paste_placeholder
                    .as_deref()
                    .map(re)
                    .transpose()?,
            },
        })
    }

    /// The argv, with `{warroom}` replaced by this binary's path.
    pub fn argv(&self, warroom_exe: &str) -> Vec<String> {
        self.command
            .iter()
            .map(|a| a.replace("{warroom}", warroom_exe))
            .collect()
    }

    /// The program that must be on PATH for this profile to launch.
    pub fn program(&self) -> &str {
        self.command.first().map(String::as_str).unwrap_or_default()
    }
}
