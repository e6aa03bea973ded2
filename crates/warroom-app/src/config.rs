//! Configuration: the embedded defaults, then the user's file, then the
//! project's `warroom.toml`, merged key by key (later wins).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use warroom_agents::AgentProfile;
use warroom_model::supervision::SupervisionPolicy;
use warroom_model::{
    Catalogue, Phase, Policy, Priority, RoleSpec, Severity, Span, TeamTypeSpec, TodoKind,
};
use warroom_ops::ChannelSpec;

use crate::AppError;

pub const DEFAULTS: &str = include_str!("defaults.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    pub wait_idle_secs: u64,
    pub verify_secs: u64,
    pub ready_secs: u64,
    pub restore_messages: usize,
}

/// `[forge]`: where pull requests are opened.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgeConfig {
    pub api_url: String,
    /// `owner/name`; by default the one the remote's URL names.
    #[serde(default)]
    pub repo: Option<String>,
    pub remote: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub reviewers: Vec<String>,
}

/// `[http]`: the daemon's API and status page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub enabled: bool,
    pub listen: String,
    pub anonymous_reads: bool,
}

/// `[checks]`: how a hotfix is checked, where the project's files do not
/// say enough.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksConfig {
    /// The test runners to use instead of those detected from the project.
    #[serde(default)]
    pub runners: Vec<warroom_ops::checks::Runner>,
    /// Lint, type and security commands run beside the tests.
    #[serde(default)]
    pub commands: Vec<warroom_ops::checks::CommandCheck>,
    /// Globs that add to the smoke set: test files (pytest), test names
    /// (nextest).
    #[serde(default)]
    pub smoke: Vec<String>,
}

/// What `--domain` implies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    pub team_type: String,
    #[serde(default)]
    pub security_review: bool,
    #[serde(default)]
    pub compliance: Vec<String>,
}

/// A todo every declared incident starts with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub title: String,
    pub kind: TodoKind,
    /// A role key.
    pub owner: String,
    pub priority: Priority,
    pub gate: Option<Phase>,
    pub due: Option<Span>,
    /// `security-review`: only for incidents that need a security sign-off.
    pub when: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigSpec {
    default_agent: String,
    delivery: DeliveryConfig,
    forge: ForgeConfig,
    http: HttpConfig,
    checks: ChecksConfig,
    #[serde(default)]
    deploy: Option<warroom_model::rollout::Runbook>,
    channels: Vec<ChannelSpec>,
    roles: BTreeMap<String, RoleSpec>,
    team_types: BTreeMap<String, TeamTypeSpec>,
    agents: toml::Table,
    policies: BTreeMap<String, Policy>,
    domains: BTreeMap<String, DomainSpec>,
    checklist: Vec<ChecklistItem>,
    supervision: BTreeMap<String, SupervisionPolicy>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub default_agent: String,
    pub delivery: DeliveryConfig,
    pub forge: ForgeConfig,
    pub http: HttpConfig,
    pub checks: ChecksConfig,
    /// `[deploy]`: the project's rollout runbook, validated.
    pub deploy: Option<warroom_model::rollout::Runbook>,
    /// `checks.smoke`, compiled once.
    pub smoke: warroom_ops::checks::SmokeSet,
    pub catalogue: Catalogue,
    pub agents: BTreeMap<String, AgentProfile>,
    pub channels: Vec<ChannelSpec>,
    pub policies: BTreeMap<String, Policy>,
    pub domains: BTreeMap<String, DomainSpec>,
    pub checklist: Vec<ChecklistItem>,
    /// Supervision policies by name (`normal`, `emergency`).
    pub supervision: BTreeMap<String, SupervisionPolicy>,
    /// The files laid over the defaults, in order.
    pub sources: Vec<PathBuf>,
}

impl Config {
    /// Loads the defaults and whichever of `layers` exist.
    pub fn load(layers: &[PathBuf]) -> Result<Self, AppError> {
        let mut merged: toml::Table = DEFAULTS
            .parse()
            .map_err(|e| AppError::Config(format!("built-in defaults: {e}")))?;
        let registry = warroom_agents::registry::builtin_table()
            .map_err(|e| AppError::Config(e.to_string()))?;
        merged.insert("agents".into(), toml::Value::Table(registry));
        let mut sources = Vec::new();
        for path in layers.iter().filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(path)
                .map_err(|e| AppError::Config(format!("{}: {e}", path.display())))?;
            let layer: toml::Table = text
                .parse()
                .map_err(|e| AppError::Config(format!("{}: {e}", path.display())))?;
            merge(&mut merged, layer);
            sources.push(path.clone());
        }
        let spec: ConfigSpec = toml::Value::Table(merged)
            .try_into()
            .map_err(|e| AppError::Config(format!("{e} (in {})", describe(&sources))))?;
        let catalogue = Catalogue {
            roles: spec.roles,
            team_types: spec.team_types,
        };
        catalogue
            .validate()
            .map_err(|e| AppError::Config(e.to_string()))?;
        let agents = warroom_agents::registry::compile(spec.agents)
            .map_err(|e| AppError::Config(format!("{e} (in {})", describe(&sources))))?;
        let config = Self {
            default_agent: spec.default_agent,
            delivery: spec.delivery,
            forge: spec.forge,
            http: spec.http,
            smoke: warroom_ops::checks::SmokeSet::new(&spec.checks.smoke)
                .map_err(|e| AppError::Config(format!("{e} (in {})", describe(&sources))))?,
            checks: spec.checks,
            deploy: match spec.deploy {
                Some(runbook) => {
                    runbook.validate().map_err(|problems| {
                        AppError::Config(format!(
                            "[deploy]: {} (in {})",
                            problems.join("; "),
                            describe(&sources)
                        ))
                    })?;
                    Some(runbook)
                }
                None => None,
            },
            catalogue,
            agents,
            channels: spec.channels,
            policies: spec.policies,
            domains: spec.domains,
            checklist: spec.checklist,
            supervision: spec.supervision,
            sources,
        };
        config.profile(&config.default_agent)?;
        config
            .check_incident_settings()
            .map_err(|e| AppError::Config(format!("{e} (in {})", describe(&config.sources))))?;
        Ok(config)
    }

    /// The usual layers: the user's config file, then the project's.
    pub fn standard_layers(project_dir: &Path) -> Vec<PathBuf> {
        let user = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .map(|d| d.join("warroom").join("config.toml"));
        user.into_iter()
            .chain([project_dir.join("warroom.toml")])
            .collect()
    }

    /// The policy for a severity.
    pub fn policy(&self, severity: Severity) -> Result<&Policy, AppError> {
        self.policies.get(severity.policy_key()).ok_or_else(|| {
            AppError::Config(format!(
                "no policy for {severity} ([policies.{}])",
                severity.policy_key()
            ))
        })
    }

    /// A supervision policy by name.
    pub fn supervision(&self, name: &str) -> Result<&SupervisionPolicy, AppError> {
        self.supervision.get(name).ok_or_else(|| {
            AppError::Config(format!(
                "no supervision policy {name:?} (known: {})",
                self.supervision
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    pub fn channel(&self, name: &str) -> Option<&ChannelSpec> {
        self.channels.iter().find(|c| c.name == name)
    }

    fn check_incident_settings(&self) -> Result<(), String> {
        for sev in Severity::ALL {
            if !self.policies.contains_key(sev.policy_key()) {
                return Err(format!(
                    "no policy for {sev} ([policies.{}])",
                    sev.policy_key()
                ));
            }
        }
        if let Some(key) = self
            .policies
            .keys()
            .find(|k| k.parse::<Severity>().is_err())
        {
            return Err(format!(
                "[policies.{key}] names no severity (use sev1 to sev4)"
            ));
        }
        if let Some((key, _)) = self.policies.iter().find(|(_, p)| p.team_size == 0) {
            return Err(format!(
                "[policies.{key}] team_size = 0: a response needs at least one agent"
            ));
        }
        for name in ["normal", "emergency"] {
            if !self.supervision.contains_key(name) {
                return Err(format!("no [supervision.{name}] policy"));
            }
        }
        for channel in &self.channels {
            channel.validate().map_err(|e| e.to_string())?;
        }
        for (name, domain) in &self.domains {
            if !self.catalogue.team_types.contains_key(&domain.team_type) {
                return Err(format!(
                    "domain {name:?} names unknown team type {:?}",
                    domain.team_type
                ));
            }
        }
        for item in &self.checklist {
            if !self.catalogue.roles.contains_key(&item.owner) {
                return Err(format!(
                    "checklist todo {:?} is owned by unknown role {:?}",
                    item.title, item.owner
                ));
            }
            if let Some(when) = item.when.as_deref().filter(|w| *w != "security-review") {
                return Err(format!(
                    "checklist todo {:?}: unknown condition when = {when:?} (known: security-review)",
                    item.title
                ));
            }
        }
        Ok(())
    }

    pub fn profile(&self, name: &str) -> Result<&AgentProfile, AppError> {
        self.agents.get(name).ok_or_else(|| {
            AppError::bad_input(format!(
                "unknown agent CLI {name:?}; configured: {}",
                self.agents.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    }
}

fn describe(sources: &[PathBuf]) -> String {
    if sources.is_empty() {
        "the built-in defaults".into()
    } else {
        sources
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn merge(base: &mut toml::Table, layer: toml::Table) {
    for (key, value) in layer {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(l)) => merge(b, l),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_cover_every_role_the_seeds_name() {
        let c = Config::load(&[]).expect("defaults load");
        for role in [
            "project-manager",
            "senior-backend-developer",
            "devops-engineer",
            "business-analyst",
            "security-engineer",
            "api-engineer",
            "qa-engineer",
            "deployment-engineer",
            "data-engineer",
            "frontend-engineer",
            "product-manager",
            "reviewer",
            "database-expert",
        ] {
            assert!(c.catalogue.roles.contains_key(role), "{role}");
        }
        assert_eq!(
            c.catalogue.compose("backend", 3).expect("backend 3"),
            [
                "senior-backend-developer",
                "devops-engineer",
                "project-manager"
            ]
        );
        assert_eq!(c.catalogue.role_key("dba").expect("dba"), "database-expert");
        assert_eq!(
            c.catalogue.role_key("security").expect("security"),
            "security-engineer"
        );
        for t in [
            "backend",
            "frontend",
            "fullstack",
            "security",
            "database",
            "performance",
        ] {
            assert!(c.catalogue.team_types.contains_key(t), "{t}");
        }
    }

    #[test]
    fn a_project_file_overrides_single_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("warroom.toml");
        std::fs::write(
            &file,
            "default_agent = \"sim\"\n[roles.reviewer]\nagent = \"codex\"\n",
        )
        .expect("write");
        let c = Config::load(std::slice::from_ref(&file)).expect("loads");
        assert_eq!(c.default_agent, "sim");
        assert_eq!(
            c.catalogue.roles["reviewer"].agent.as_deref(),
            Some("codex")
        );
        assert_eq!(c.catalogue.roles["reviewer"].name, "Reviewer");
        assert_eq!(c.sources, [file]);
    }

    #[test]
    fn mistakes_in_a_project_file_are_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("warroom.toml");
        std::fs::write(&file, "default_agnet = \"sim\"\n").expect("write");
        let err = Config::load(&[file]).expect_err("unknown key");
        assert!(err.to_string().contains("default_agnet"), "{err}");
    }

    #[test]
    fn a_policy_with_no_agents_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("warroom.toml");
        std::fs::write(&file, "[policies.sev2]\nteam_size = 0\n").expect("write");
        let err = Config::load(&[file]).expect_err("team_size 0");
        assert!(err.to_string().contains("team_size = 0"), "{err}");
    }
}
