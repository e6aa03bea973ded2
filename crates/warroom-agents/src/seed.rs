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
    /// Candidate paths: `$VAR` and a leading `~/` are expanded; the first
    /// candidate whose variables are all set is the file.
    pub file: Vec<String>,
    pub format: SeedFormat,
    /// A document in `format`, merged key by key into the file. `{dir}` in
    /// a key or a string stands for the agent's directory.
    pub merge: String,
}

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
        self.document("/x").map(|_| ())
    }

    fn document(&self, dir: &str) -> Result<Value, String> {
        let parsed: Value = match self.format {
            SeedFormat::Json => serde_json::from_str(&self.merge).map_err(|e| e.to_string())?,
            SeedFormat::Toml => {
                let t: toml::Table = toml::from_str(&self.merge).map_err(|e| e.to_string())?;
                serde_json::to_value(t).map_err(|e| e.to_string())?
            }
        };
        Ok(substitute(parsed, dir))
    }

    /// The file this seed writes, given how the agent's environment reads.
    pub fn path(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, SeedError> {
        self.file
            .iter()
            .find_map(|candidate| expand(candidate, env))
            .ok_or_else(|| SeedError::NoFile(self.file.clone()))
    }

    /// Merges the seed into its file for an agent working in `dir`.
    pub fn apply(
        &self,
        dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<PathBuf, SeedError> {
        let path = self.path(env)?;
        let fail = |message: String| SeedError::File {
            path: path.clone(),
            message,
        };
        let patch = self.document(&dir.to_string_lossy()).map_err(fail)?;
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

fn substitute(value: Value, dir: &str) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace("{dir}", dir)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| substitute(v, dir)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.replace("{dir}", dir), substitute(v, dir)))
                .collect(),
        ),
        other => other,
    }
}

/// Objects merge key by key; anything else in the patch replaces.
fn merge(into: &mut Value, patch: Value) {
    match (into, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key).or_insert(Value::Null), value);
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
        };
        assert_eq!(
            seed.apply(Path::new("/w/t \"q\""), &env).expect("applies"),
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
        seed.apply(Path::new("/w/t \"q\""), &env).expect("again");
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
        };
        assert!(seed.apply(Path::new("/w"), &|_| None).is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "not = [toml");
    }
}
