//! Scenarios: on a message matching a pattern, the simulated agent waits,
//! says something, runs a command, or sends a message through warroom.

use std::path::Path;

use regex::Regex;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("no built-in scenario {0:?} (built in: default, auth-hotfix) and no such file")]
    Unknown(String),
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("scenario {name}: {source}")]
    Parse {
        name: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("scenario {name}: bad pattern {pattern:?}: {source}")]
    Pattern {
        name: String,
        pattern: String,
        #[source]
        source: regex::Error,
    },
}

const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("scenarios/default.toml")),
    ("auth-hotfix", include_str!("scenarios/auth-hotfix.toml")),
];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Pause, as if thinking.
    WaitMs(u64),
    /// Print a reply line (placeholders: {first_line}, {role}, {team}, {name}).
    Say(String),
    /// Run a shell command in the agent's directory and show its output
    /// (placeholders as for `say`, and `{warroom}` for this binary).
    Run(String),
    /// Send a message with `warroom agent send`, after the turn ends. `to` is
    /// a target; a bare role or window is taken within the agent's own team.
    Send { to: String, text: String },
    /// Ask a yes/no question, as a permission dialog does: no input prompt
    /// until `y`, `n` or Esc is pressed.
    Ask(String),
    /// End the process with this status, as a crash does.
    Exit(i32),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioSpec {
    #[serde(default)]
    startup_ms: u64,
    #[serde(default = "default_think_ms")]
    think_ms: u64,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
}

fn default_think_ms() -> u64 {
    150
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    /// Only agents with this role follow the rule.
    role: Option<String>,
    #[serde(rename = "match")]
    pattern: String,
    /// Fire at most once.
    #[serde(default)]
    once: bool,
    steps: Vec<Step>,
}

#[derive(Debug)]
struct Rule {
    role: Option<String>,
    pattern: Regex,
    once: bool,
    fired: bool,
    steps: Vec<Step>,
}

#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    pub startup_ms: u64,
    pub think_ms: u64,
    rules: Vec<Rule>,
}

impl Scenario {
    /// A built-in scenario by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Self, ScenarioError> {
        if let Some((name, text)) = BUILT_IN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(name, text);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(ScenarioError::Unknown(name_or_path.to_owned()));
        }
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: name_or_path.to_owned(),
            source,
        })?;
        Self::parse(name_or_path, &text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Self, ScenarioError> {
        let spec: ScenarioSpec = toml::from_str(text).map_err(|source| ScenarioError::Parse {
            name: name.to_owned(),
            source,
        })?;
        let rules = spec
            .rules
            .into_iter()
            .map(|r| {
                let pattern = Regex::new(&r.pattern).map_err(|source| ScenarioError::Pattern {
                    name: name.to_owned(),
                    pattern: r.pattern.clone(),
                    source,
                })?;
                Ok(Rule {
                    role: r.role,
                    pattern,
                    once: r.once,
                    fired: false,
                    steps: r.steps,
                })
            })
            .collect::<Result<_, ScenarioError>>()?;
        Ok(Self {
            name: name.to_owned(),
            startup_ms: spec.startup_ms,
            think_ms: spec.think_ms,
            rules,
        })
    }

    /// The steps for a message: those of the first rule for this role whose
    /// pattern matches, else an acknowledgement.
    pub fn respond(&mut self, role: &str, message: &str) -> Vec<Step> {
        let rule = self.rules.iter_mut().find(|r| {
            !(r.once && r.fired)
                && r.role.as_deref().is_none_or(|want| want == role)
                && r.pattern.is_match(message)
        });
        match rule {
            Some(rule) => {
                rule.fired = true;
                rule.steps.clone()
            }
            None => vec![Step::Say("Acknowledged: {first_line}".into())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_scenarios_parse() {
        for (name, _) in BUILT_IN {
            Scenario::load(name).expect("built-in scenario parses");
        }
        assert!(matches!(
            Scenario::load("nope"),
            Err(ScenarioError::Unknown(_))
        ));
    }

    #[test]
    fn first_matching_rule_for_the_role_wins_and_once_rules_fire_once() {
        let mut s = Scenario::parse(
            "t",
            r#"
            [[rule]]
            role = "pm"
            match = "(?i)critical"
            once = true
            steps = [{ say = "on it" }, { send = { to = "0", text = "check the pool" } }]
            [[rule]]
            match = "critical"
            steps = [{ wait_ms = 5 }, { say = "generic" }]
            "#,
        )
        .expect("parses");
        assert_eq!(
            s.respond("pm", "CRITICAL: down")[0],
            Step::Say("on it".into())
        );
        assert_eq!(
            s.respond("pm", "critical again"),
            vec![Step::WaitMs(5), Step::Say("generic".into())]
        );
        assert_eq!(
            s.respond("dev", "hello"),
            vec![Step::Say("Acknowledged: {first_line}".into())]
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(Scenario::parse("t", "[[rule]]\nmatch='x'\nsteps=[{shout='x'}]").is_err());
    }
}
