//! The project's own tests, run the way its ecosystem runs them, with
//! machine-readable results: pytest (`--junitxml`), cargo-nextest (its
//! JUnit profile) or `cargo test` (libtest's JUnit), go test (`-json`), node's test runner, jest and vitest.
//! What to run is chosen in `select`; verdicts come from the results,
//! never from the human output.

mod cargo_test;
mod commands;
pub mod go;
pub mod junit;
mod nextest;
mod node;
mod owners;
mod project;
mod pytest;
mod runners;
pub mod select;
mod smoke;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use commands::{CommandCheck, CommandRun, run_command};
pub use junit::{TestResult, TestStatus};
pub use project::{ProjectRunners, TestRunners};
pub use runners::{Runner, detect, run, run_with};
pub use smoke::SmokeSet;

#[derive(Debug, thiserror::Error)]
pub enum ChecksError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the results in {path} do not read: {message}")]
    Results { path: String, message: String },
    #[error("{0}")]
    Unsupported(String),
}

/// What a runner is asked to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Selection {
    /// The whole suite.
    All,
    /// These tests (pytest node ids or files; nextest filterset terms),
    /// and the smoke set when `with_smoke`.
    Some { ids: Vec<String>, with_smoke: bool },
    /// Only the tests marked smoke or critical.
    Smoke,
}

/// How a run ended, judged from its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    /// The runner itself broke (it could not collect, build or start).
    Error,
    /// Nothing ran: a failure, never a pass.
    NoTests,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::NoTests => "no-tests",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One run of one runner.
#[derive(Debug, Clone, Serialize)]
pub struct TestRun {
    pub runner: Runner,
    pub verdict: Verdict,
    pub tests: Vec<TestResult>,
    pub duration: Duration,
    /// Where the machine-readable results are.
    pub results: PathBuf,
    /// The runner's own last lines when it broke (for a person to read).
    pub output_tail: Option<String>,
}

impl TestRun {
    pub fn count(&self, status: TestStatus) -> usize {
        self.tests.iter().filter(|t| t.status == status).count()
    }
}

/// The verdict of a run from its tests and whether the runner broke.
pub(crate) fn verdict(tests: &[TestResult], runner_broke: bool) -> Verdict {
    let failed = tests
        .iter()
        .any(|t| matches!(t.status, TestStatus::Failed | TestStatus::Error));
    let ran = tests
        .iter()
        .any(|t| !matches!(t.status, TestStatus::Skipped));
    match (failed, ran, runner_broke) {
        (true, _, _) => Verdict::Fail,
        (false, _, true) => Verdict::Error,
        (false, false, false) => Verdict::NoTests,
        (false, true, false) => Verdict::Pass,
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ChecksError {
    let what = what.into();
    move |source| ChecksError::Io { what, source }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// What selection needs to know of the project at `dir`. Go packages come
/// from `go list` when the project is a Go module; when that fails, the
/// layout says so and a Go change selects everything.
pub fn layout(dir: &Path) -> select::Layout {
    let go = exists(dir, "go.mod").then(|| {
        go::packages(dir)
            .map(|packages| select::go_units(dir, packages))
            .map_err(|e| e.to_string())
    });
    let js_tests = if exists(dir, "package.json") {
        js_test_files(dir)
            .into_iter()
            .map(|path| {
                let imports = std::fs::read_to_string(dir.join(&path))
                    .map(|text| select::relative_imports(&text))
                    .unwrap_or_default();
                select::JsTest { path, imports }
            })
            .collect()
    } else {
        Vec::new()
    };
    select::Layout {
        test_files: python_test_files(dir),
        packages: rust_packages(dir),
        go,
        js_tests,
    }
}

/// The project's JavaScript and TypeScript test files, relative to `dir`:
/// `*.test.*` and `*.spec.*`, and scripts under `test/`, `tests/` or
/// `__tests__/`.
pub fn js_test_files(dir: &Path) -> Vec<String> {
    files_named(dir, |_| true)
        .into_iter()
        .filter(|path| select::is_js_test(path))
        .collect()
}

/// The project's Rust packages: each `Cargo.toml` with a `[package]`, by
/// its directory relative to `dir`, with what it depends on.
pub fn rust_packages(dir: &Path) -> Vec<select::RustPackage> {
    let mut found = Vec::new();
    for manifest in files_named(dir, |name| name == "Cargo.toml") {
        let Ok(text) = std::fs::read_to_string(dir.join(&manifest)) else {
            continue;
        };
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        let Some(name) = table
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
        else {
            continue;
        };
        // A dependency's package name: `package = "…"` when renamed.
        let deps = ["dependencies", "dev-dependencies", "build-dependencies"]
            .iter()
            .filter_map(|section| table.get(*section).and_then(|t| t.as_table()))
            .flat_map(|t| t.iter())
            .map(|(key, spec)| {
                spec.get("package")
                    .and_then(|p| p.as_str())
                    .unwrap_or(key)
                    .to_owned()
            })
            .collect();
        found.push(select::RustPackage {
            dir: Path::new(&manifest)
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
            name: name.to_owned(),
            deps,
        });
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    found
}

/// The project's Python test files (`test_*.py`, `*_test.py`), relative to
/// `dir`, skipping hidden directories and virtual environments.
pub fn python_test_files(dir: &Path) -> Vec<String> {
    files_named(dir, |name| {
        name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
    })
}

/// Files under `dir` whose name passes `wanted`, relative to it.
fn files_named(dir: &Path, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = rel.join(&name);
            let kind = entry.file_type();
            if kind.as_ref().is_ok_and(|k| k.is_dir()) {
                let skipped = name.starts_with('.')
                    || matches!(
                        name.as_str(),
                        "venv" | "node_modules" | "target" | "__pycache__"
                    );
                if !skipped {
                    pending.push(path);
                }
            } else if wanted(&name) {
                found.push(path.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

fn exists(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}
