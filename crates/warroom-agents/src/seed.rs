//! Pre-seeding a CLI's own state files before launch, so that it meets no
//! trust or onboarding dialog in the agent's directory (a blind Enter on
//! Claude Code's trust dialog picks "No, exit").
//!
//! A seed is data: candidate files (the first whose variables are all set
//! wins), a format, and a document deep-merged into the file. The CLI
//! rewrites these files while it runs, so the merge is read-modify-write
//! and the file is replaced atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeedFormat {
    Json,
    Toml,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSpec {
    /// Candidate paths: `$VAR`, a leading `~/` and `{dir}` (the agent's
    /// directory) are expanded; the first candidate whose variables are all
    /// set is the file.
    pub file: Vec<String>,
    pub format: SeedFormat,
    /// A document in `format`, merged key by key into the file. `{dir}` in
    /// a key or a string stands for the agent's directory, `{warroom}` in a
    /// string for this warroom binary; a string that is
    /// exactly `{key_tail:VAR}` for the last 20 characters of the agent's
    /// `VAR` (how Claude Code remembers an approved API key), and the seed
    /// is skipped when `VAR` is unset.
    pub merge: String,
    /// An opt-in this seed needs (`approve_api_key`): it changes what the
    /// CLI would otherwise ask a person, so it runs only when configured.
    #[serde(default)]
    pub when: Option<String>,
}

/// The one opt-in a seed may need.
pub const APPROVE_API_KEY: &str = "approve_api_key";

/// How many characters of a key Claude Code keeps to remember its approval.
const KEY_TAIL_CHARS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("none of {0:?} can be resolved (a variable is unset)")]
    NoFile(Vec<String>),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

impl SeedSpec {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.file.is_empty() {
            return Err("a seed names no file".into());
        }
        if let Some(when) = self.when.as_deref().filter(|w| *w != APPROVE_API_KEY) {
            return Err(format!(
                "a seed's when = {when:?} is unknown (known: {APPROVE_API_KEY})"
            ));
        }
        self.document_with("/x", "warroom", &|_| Some("x".repeat(KEY_TAIL_CHARS)))
            .map(|_| ())
    }

    /// The document for `dir`, or `None` when a `{key_tail:VAR}` names an
    /// unset variable.
    fn document_with(
        &self,
        dir: &str,
        warroom: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Value>, String> {
        let parsed: Value = match self.format {
            SeedFormat::Json => serde_json::from_str(&self.merge).map_err(|e| e.to_string())?,
            SeedFormat::Toml => {
                let t: toml::Table = toml::from_str(&self.merge).map_err(|e| e.to_string())?;
                serde_json::to_value(t).map_err(|e| e.to_string())?
            }
        };
        let mut missing = false;
        let value = substitute(parsed, dir, warroom, &mut |var| {
            let tail = env(var).filter(|v| !v.is_empty()).map(|v| {
                let chars: Vec<char> = v.chars().collect();
                chars[chars.len().saturating_sub(KEY_TAIL_CHARS)..]
                    .iter()
                    .collect()
            });
            missing |= tail.is_none();
            tail.unwrap_or_default()
        });
        Ok((!missing).then_some(value))
    }

    /// The file this seed writes for an agent working in `dir`, given how
    /// the agent's environment reads.
    pub fn path(
        &self,
        dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<PathBuf, SeedError> {
        let dir = dir.to_string_lossy();
        self.file
            .iter()
            .find_map(|candidate| expand(&candidate.replace("{dir}", &dir), env))
            .ok_or_else(|| SeedError::NoFile(self.file.clone()))
    }

    /// Merges the seed into its file for an agent working in `dir`, run by
    /// the warroom binary at `warroom`.
    pub fn apply(
        &self,
        dir: &Path,
        warroom: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<PathBuf, SeedError> {
        let path = self.path(dir, env)?;
        let fail = |message: String| SeedError::File {
            path: path.clone(),
            message,
        };
        let Some(patch) = self
            .document_with(&dir.to_string_lossy(), warroom, env)
            .map_err(fail)?
        else {
            return Ok(path);
        };
        let current = match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().is_empty() => Value::Object(Map::new()),
            Ok(text) => match self.format {
                SeedFormat::Json => serde_json::from_str(&text)
                    .map_err(|e| fail(format!("not JSON, left untouched: {e}")))?,
                SeedFormat::Toml => {
                    let t: toml::Table = toml::from_str(&text)
                        .map_err(|e| fail(format!("not TOML, left untouched: {e}")))?;
                    serde_json::to_value(t).map_err(|e| fail(e.to_string()))?
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Object(Map::new()),
            Err(e) => return Err(fail(e.to_string())),
        };
        let mut merged = current.clone();
        merge(&mut merged, patch);
        if merged == current {
            return Ok(path);
        }
        let text = match self.format {
            SeedFormat::Json => {
                serde_json::to_string_pretty(&merged).map_err(|e| fail(e.to_string()))?
            }
            SeedFormat::Toml => {
                let t: toml::Table =
                    serde_json::from_value(merged).map_err(|e| fail(e.to_string()))?;
                toml::to_string(&t).map_err(|e| fail(e.to_string()))?
            }
        };
        write_atomically(&path, text.as_bytes()).map_err(|e| fail(e.to_string()))?;
        Ok(path)
    }
}

fn expand(candidate: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let mut out = String::new();
    let rest = if let Some(rest) = candidate.strip_prefix("~/") {
        out.push_str(&env("HOME").filter(|h| !h.is_empty())?);
        out.push('/');
        rest
    } else {
        candidate
    };
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        out.push_str(&env(&name).filter(|v| !v.is_empty())?);
    }
    Some(PathBuf::from(out))
}

fn substitute(
    value: Value,
    dir: &str,
    warroom: &str,
    key_tail: &mut dyn FnMut(&str) -> String,
) -> Value {
    match value {
        Value::String(s) => match s
            .strip_prefix("{key_tail:")
            .and_then(|r| r.strip_suffix('}'))
        {
            Some(var) => Value::String(key_tail(var)),
            None => Value::String(s.replace("{dir}", dir).replace("{warroom}", warroom)),
        },
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| substitute(v, dir, warroom, key_tail))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = substitute(v, dir, warroom, key_tail);
                    (k.replace("{dir}", dir), v)
                })
                .collect(),
        ),
        other => other,
    }
}

/// Objects merge key by key, arrays gain the items they lack (an approval
/// list keeps the engineer's own entries); anything else in the patch
/// replaces.
fn merge(into: &mut Value, patch: Value) {
    match (into, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key).or_insert(Value::Null), value);
            }
        }
        (Value::Array(target), Value::Array(patch)) => {
            for item in patch {
                if !target.contains(&item) {
                    target.push(item);
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mode = std::fs::metadata(path)
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777)
        .unwrap_or(0o600);
    let tmp = dir.join(format!(
        ".{}.warroom-{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/u".into()),
            "SET" => Some("/set".into()),
            _ => None,
        }
    }

    #[test]
    fn first_resolvable_candidate_wins() {
        assert_eq!(expand("$UNSET/a", &env), None);
        assert_eq!(expand("$SET/a.json", &env), Some("/set/a.json".into()));
        assert_eq!(
            expand("~/.claude.json", &env),
            Some("/home/u/.claude.json".into())
        );
    }

    #[test]
    fn merging_keeps_what_the_file_had_and_is_idempotent() {
        let dir = tempfile::tempdir().expect("tmp");
        let home = dir.path().to_string_lossy().into_owned();
        let env = move |n: &str| (n == "HOME").then(|| home.clone());
        let path = dir.path().join(".claude.json");
        std::fs::write(
            &path,
            r#"{"numStartups": 4, "projects": {"/other": {"x": 1}}}"#,
        )
        .expect("write");
        let seed = SeedSpec {
            file: vec!["$NOPE/.claude.json".into(), "~/.claude.json".into()],
            format: SeedFormat::Json,
            merge: r#"{"hasCompletedOnboarding": true, "projects": {"{dir}": {"hasTrustDialogAccepted": true}}}"#.into(),
            when: None,
        };
        assert_eq!(
            seed.apply(Path::new("/w/t \"q\""), "warroom", &env)
                .expect("applies"),
            path
        );
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(v["numStartups"], 4);
        assert_eq!(v["projects"]["/other"]["x"], 1);
        assert_eq!(v["projects"]["/w/t \"q\""]["hasTrustDialogAccepted"], true);
        let before = std::fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime");
        seed.apply(Path::new("/w/t \"q\""), "warroom", &env)
            .expect("again");
        let after = std::fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime");
        assert_eq!(before, after, "an applied seed does not rewrite the file");
    }

    #[test]
    fn a_file_that_does_not_parse_is_left_alone() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "not = [toml").expect("write");
        let p = path.to_string_lossy().into_owned();
        let seed = SeedSpec {
            file: vec![p],
            format: SeedFormat::Toml,
            merge: "[projects.\"{dir}\"]\ntrust_level = \"trusted\"\n".into(),
            when: None,
        };
        assert!(seed.apply(Path::new("/w"), "warroom", &|_| None).is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "not = [toml");
    }

    #[test]
    fn an_approved_key_is_remembered_by_its_tail_beside_the_engineers_own() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(".claude.json");
        std::fs::write(
            &path,
            r#"{"customApiKeyResponses": {"approved": ["their-own-key"], "rejected": []}}"#,
        )
        .expect("write");
        let p = path.to_string_lossy().into_owned();
        let seed = SeedSpec {
            file: vec![p],
            format: SeedFormat::Json,
            merge: r#"{"customApiKeyResponses": {"approved": ["{key_tail:ANTHROPIC_API_KEY}"]}}"#
                .into(),
            when: Some(APPROVE_API_KEY.into()),
        };
        let key = "sk-ant-api03-freshkeyneverseenbefore0123456789";
        let env = |n: &str| (n == "ANTHROPIC_API_KEY").then(|| key.to_owned());
        seed.apply(Path::new("/w"), "warroom", &env)
            .expect("applies");
        seed.apply(Path::new("/w"), "warroom", &env).expect("again");
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(
            v["customApiKeyResponses"]["approved"],
            serde_json::json!(["their-own-key", "seenbefore0123456789"])
        );
        // No key in the environment: nothing to approve, the file untouched.
        let before = std::fs::read_to_string(&path).expect("read");
        seed.apply(Path::new("/w"), "warroom", &|_| None)
            .expect("skips");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), before);
    }

    #[test]
    fn a_seed_in_the_agents_directory_names_this_warroom() {
        let dir = tempfile::tempdir().expect("tmp");
        let seed = SeedSpec {
            file: vec!["{dir}/.gemini/settings.json".into()],
            format: SeedFormat::Json,
            merge: r#"{"mcpServers": {"warroom": {"command": "{warroom}", "args": ["mcp"]}}}"#
                .into(),
            when: None,
        };
        let path = seed
            .apply(dir.path(), "/opt/warroom/bin/warroom", &|_| None)
            .expect("applies");
        assert_eq!(path, dir.path().join(".gemini/settings.json"));
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(
            v["mcpServers"]["warroom"]["command"],
            "/opt/warroom/bin/warroom"
        );
    }
}
