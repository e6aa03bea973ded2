//! Which runners a project uses, and running one of them: pytest,
//! cargo-nextest and `cargo test` write JUnit XML, go test its JSON events, node's own test
//! runner events through a reporter of warroom's, jest its JSON report,
//! vitest JUnit XML.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{ChecksError, Selection, SmokeSet, TestResult, TestRun, exists, io};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runner {
    Pytest,
    Nextest,
    /// `cargo test`, where cargo-nextest is not installed.
    CargoTest,
    /// `go test -json`.
    Go,
    /// Node's built-in `node --test`.
    NodeTest,
    Jest,
    Vitest,
}

impl Runner {
    pub fn as_str(self) -> &'static str {
        match self {
            Runner::Pytest => "pytest",
            Runner::Nextest => "nextest",
            Runner::CargoTest => "cargo-test",
            Runner::Go => "go",
            Runner::NodeTest => "node-test",
            Runner::Jest => "jest",
            Runner::Vitest => "vitest",
        }
    }

    /// Whether this runner runs JavaScript or TypeScript tests.
    pub fn is_node(self) -> bool {
        matches!(self, Runner::NodeTest | Runner::Jest | Runner::Vitest)
    }
}

impl std::fmt::Display for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The runners a project uses, from the files it has.
pub fn detect(dir: &Path) -> Vec<Runner> {
    let mut runners = Vec::new();
    let python = [
        "pytest.ini",
        "pyproject.toml",
        "setup.cfg",
        "tox.ini",
        "conftest.py",
    ]
    .iter()
    .any(|f| exists(dir, f))
        || exists(dir, "tests") && has_python_tests(&dir.join("tests"));
    if python {
        runners.push(Runner::Pytest);
    }
    if exists(dir, "Cargo.toml") {
        runners.push(if super::cargo_test::nextest_installed(dir) {
            Runner::Nextest
        } else {
            Runner::CargoTest
        });
    }
    if exists(dir, "go.mod") {
        runners.push(Runner::Go);
    }
    if let Some(node) = node_runner(dir) {
        runners.push(node);
    }
    runners
}

/// The project's JavaScript runner, from `package.json`: vitest or jest
/// when it depends on them, else node's own when its test script or its
/// files say so.
fn node_runner(dir: &Path) -> Option<Runner> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    let depends_on = |name: &str| {
        ["dependencies", "devDependencies"]
            .iter()
            .any(|table| manifest[table].get(name).is_some())
    };
    if depends_on("vitest") {
        return Some(Runner::Vitest);
    }
    if depends_on("jest") {
        return Some(Runner::Jest);
    }
    let script = manifest["scripts"]["test"].as_str().unwrap_or("");
    if script.contains("node --test") || !super::js_test_files(dir).is_empty() {
        return Some(Runner::NodeTest);
    }
    None
}

fn has_python_tests(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("test_") && name.ends_with(".py")
        })
    })
}

/// Runs `runner` in `dir` on `selection`, its results written under
/// `results_dir`.
pub fn run(
    runner: Runner,
    dir: &Path,
    selection: &Selection,
    results_dir: &Path,
) -> Result<TestRun, ChecksError> {
    run_with(runner, dir, selection, results_dir, &SmokeSet::default())
}

/// [`run`], the smoke set widened by the project's `[checks] smoke` globs.
pub fn run_with(
    runner: Runner,
    dir: &Path,
    selection: &Selection,
    results_dir: &Path,
    smoke: &SmokeSet,
) -> Result<TestRun, ChecksError> {
    std::fs::create_dir_all(results_dir)
        .map_err(io(format!("creating {}", results_dir.display())))?;
    match runner {
        Runner::Pytest => super::pytest::run(dir, selection, results_dir, smoke),
        Runner::Nextest => super::nextest::run(dir, selection, results_dir, smoke),
        Runner::CargoTest => super::cargo_test::run(dir, selection, results_dir),
        Runner::Go => super::go::run(dir, selection, results_dir, smoke),
        Runner::NodeTest | Runner::Jest | Runner::Vitest => {
            super::node::run(runner, dir, selection, results_dir, smoke)
        }
    }
}

/// Adds another run's tests to `tests` (each test once: a run that ran it
/// speaks over one that skipped it); whether that run broke.
pub(super) fn join(tests: &mut Vec<TestResult>, other: TestRun) -> bool {
    use super::TestStatus;
    for t in other.tests {
        match tests.iter_mut().find(|known| known.name == t.name) {
            None => tests.push(t),
            Some(known) if known.status == TestStatus::Skipped => *known = t,
            Some(_) => {}
        }
    }
    other.verdict == super::Verdict::Error
}

/// What one invocation of a runner is given.
#[derive(Debug, Clone, Copy)]
pub(super) enum Part<'a> {
    /// The whole suite.
    All,
    /// These tests (files or packages).
    These(&'a [String]),
    /// Every test whose name says smoke or critical (or matches the
    /// project's name globs).
    SmokeNames,
}

/// Runs a selection as the invocations it takes (a runner takes paths or a
/// name pattern, not their union), each in a results directory of its own,
/// and joins them: the first part's results path stands for the run.
/// `smoke_files` are the project's smoke files, a part of their own.
pub(super) fn in_parts(
    selection: &Selection,
    smoke_files: &[String],
    results_dir: &Path,
    mut once: impl FnMut(Part<'_>, &Path) -> Result<TestRun, ChecksError>,
) -> Result<TestRun, ChecksError> {
    let mut parts: Vec<(Part<'_>, &str)> = Vec::new();
    let with_smoke = match selection {
        Selection::All => {
            parts.push((Part::All, ""));
            false
        }
        Selection::Smoke => true,
        Selection::Some { ids, with_smoke } => {
            if !ids.is_empty() {
                parts.push((Part::These(ids), ""));
            }
            *with_smoke
        }
    };
    if with_smoke {
        parts.push((Part::SmokeNames, "smoke"));
        if !smoke_files.is_empty() {
            parts.push((Part::These(smoke_files), "smoke-files"));
        }
    }
    let started = std::time::Instant::now();
    let mut joined: Option<TestRun> = None;
    let mut broke = false;
    for (part, sub) in parts {
        let dir = results_dir.join(sub);
        std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
        let run = once(part, &dir)?;
        match joined.as_mut() {
            None => {
                broke = run.verdict == super::Verdict::Error;
                joined = Some(run);
            }
            Some(first) => {
                let tail = run.output_tail.clone();
                if join(&mut first.tests, run) {
                    broke = true;
                    first.output_tail = first.output_tail.take().or(tail);
                }
            }
        }
    }
    let mut run = joined.ok_or_else(|| ChecksError::Unsupported("nothing to run".into()))?;
    run.verdict = super::verdict(&run.tests, broke);
    run.duration = started.elapsed();
    Ok(run)
}

/// Marks as flaky each test that failed in `tests` and passed in `again`.
pub(super) fn mark_flaky(tests: &mut [TestResult], again: &[TestResult]) {
    use super::TestStatus;
    for retried in again {
        if retried.status != TestStatus::Passed {
            continue;
        }
        if let Some(first) = tests.iter_mut().find(|t| {
            t.name == retried.name && matches!(t.status, TestStatus::Failed | TestStatus::Error)
        }) {
            first.status = TestStatus::Flaky;
        }
    }
}
