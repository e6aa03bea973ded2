//! Running pytest and cargo-nextest on a checkout, each writing JUnit XML.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{
    ChecksError, Selection, SmokeSet, TestResult, TestRun, TestStatus, exists, io, junit, tail,
    verdict,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runner {
    Pytest,
    Nextest,
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
        runners.push(Runner::Nextest);
    }
    runners
}

fn has_python_tests(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("test_") && name.ends_with(".py")
        })
    })
}

/// Runs `runner` in `dir` on `selection`, its JUnit results written under
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
        Runner::Pytest => pytest(dir, selection, results_dir, smoke),
        Runner::Nextest => nextest(dir, selection, results_dir, smoke),
    }
}

fn pytest(
    dir: &Path,
    selection: &Selection,
    results_dir: &Path,
    smoke: &SmokeSet,
) -> Result<TestRun, ChecksError> {
    let results = results_dir.join("pytest-junit.xml");
    let _ = std::fs::remove_file(&results);
    // pytest's cache lives with the results: it is how the retry finds the
    // failures (`--last-failed`), and the checkout stays untouched.
    let cache = results_dir.join("pytest-cache");
    let command = |junit: &Path| {
        let mut cmd = Command::new("python3");
        cmd.current_dir(dir)
            .args(["-m", "pytest", "-q"])
            .arg(format!("--junitxml={}", junit.display()))
            .args(["-o", "junit_family=xunit1"])
            .arg("-o")
            .arg(format!("cache_dir={}", cache.display()));
        match selection {
            Selection::All => {}
            Selection::Smoke => {
                cmd.args(["-m", "smoke or critical"]);
            }
            Selection::Some { ids, with_smoke } => {
                // pytest takes paths and a marker expression, not their union:
                // the smoke set is collected by a second run below.
                cmd.args(ids);
                if ids.is_empty() && *with_smoke {
                    cmd.args(["-m", "smoke or critical"]);
                }
            }
        }
        cmd
    };
    let mut cmd = command(&results);
    let started = Instant::now();
    let out = cmd.output().map_err(io("running python3 -m pytest"))?;
    let mut tests = if results.exists() {
        junit::parse(&results)?
    } else {
        Vec::new()
    };
    // 0 passed, 1 tests failed, 5 none collected; anything else broke.
    let code = out.status.code();
    let mut broke = !matches!(code, Some(0 | 1 | 5));
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    if code == Some(1) {
        retry_failures(&mut tests, command, results_dir)?;
    }
    if let Selection::Some {
        ids,
        with_smoke: true,
    } = selection
        && !ids.is_empty()
    {
        let smoke = run_with(
            Runner::Pytest,
            dir,
            &Selection::Smoke,
            &results_dir.join("smoke"),
            smoke,
        )?;
        broke |= join(&mut tests, smoke);
    }
    // The project's smoke files: pytest takes them as paths, so they are a
    // run of their own, joined to the marked tests.
    let smoke_here = match selection {
        Selection::All => false,
        Selection::Smoke => true,
        Selection::Some { ids, with_smoke } => *with_smoke && ids.is_empty(),
    };
    let test_files = if smoke_here && !smoke.is_empty() {
        super::python_test_files(dir)
    } else {
        Vec::new()
    };
    let named = smoke.files(&test_files);
    if !named.is_empty() {
        let files = run_with(
            Runner::Pytest,
            dir,
            &Selection::Some {
                ids: named.into_iter().cloned().collect(),
                with_smoke: false,
            },
            &results_dir.join("smoke-files"),
            &SmokeSet::default(),
        )?;
        broke |= join(&mut tests, files);
    }
    let verdict = verdict(&tests, broke);
    Ok(TestRun {
        runner: Runner::Pytest,
        verdict,
        tests,
        duration: started.elapsed(),
        results,
        output_tail: broke.then(|| tail(&output, 20)),
    })
}

/// Adds another run's tests to `tests` (each test once); whether that run
/// broke.
fn join(tests: &mut Vec<TestResult>, other: TestRun) -> bool {
    for t in other.tests {
        if !tests.iter().any(|known| known.name == t.name) {
            tests.push(t);
        }
    }
    other.verdict == super::Verdict::Error
}

/// One retry of the failures alone: a test that passes on it is flaky,
/// reported apart; one that fails again stays failed.
fn retry_failures(
    tests: &mut [TestResult],
    command: impl Fn(&Path) -> Command,
    results_dir: &Path,
) -> Result<(), ChecksError> {
    let retried = results_dir.join("pytest-retry-junit.xml");
    let _ = std::fs::remove_file(&retried);
    command(&retried)
        .args(["--last-failed", "--last-failed-no-failures", "none"])
        .output()
        .map_err(io("retrying the failures with python3 -m pytest"))?;
    if !retried.exists() {
        return Ok(());
    }
    for again in junit::parse(&retried)? {
        if again.status != TestStatus::Passed {
            continue;
        }
        if let Some(first) = tests.iter_mut().find(|t| {
            t.name == again.name && matches!(t.status, TestStatus::Failed | TestStatus::Error)
        }) {
            first.status = TestStatus::Flaky;
        }
    }
    Ok(())
}

/// nextest's JUnit comes from a profile; a config file of warroom's own
/// defines it, so the project's files are not touched. One retry: a test
/// that fails and then passes is reported flaky, apart from the failures.
fn nextest(
    dir: &Path,
    selection: &Selection,
    results_dir: &Path,
    smoke: &SmokeSet,
) -> Result<TestRun, ChecksError> {
    let config = results_dir.join("nextest.toml");
    let store = std::path::absolute(results_dir.join("nextest"))
        .map_err(io(format!("resolving {}", results_dir.display())))?;
    let store_toml = toml::Value::String(store.to_string_lossy().into_owned()).to_string();
    std::fs::write(
        &config,
        format!(
            "[store]\ndir = {store_toml}\n[profile.warroom]\nfail-fast = false\nretries = 1\n[profile.warroom.junit]\npath = \"junit.xml\"\n"
        ),
    )
    .map_err(io(format!("writing {}", config.display())))?;
    let target = results_dir.join("target");
    let results = store.join("warroom/junit.xml");
    let _ = std::fs::remove_file(&results);
    let mut cmd = Command::new("cargo");
    cmd.current_dir(dir)
        .args([
            "nextest",
            "run",
            "--profile",
            "warroom",
            "--no-tests",
            "pass",
        ])
        .arg("--config-file")
        .arg(&config)
        .env("CARGO_TARGET_DIR", &target);
    let smoke = smoke.nextest_filter();
    let filter = match selection {
        Selection::All => None,
        Selection::Smoke => Some(smoke),
        Selection::Some { ids, with_smoke } => {
            let mut terms = ids.clone();
            if *with_smoke {
                terms.push(smoke);
            }
            Some(terms.join(" | "))
        }
    };
    if let Some(filter) = filter {
        cmd.args(["-E", &filter]);
    }
    let started = Instant::now();
    let out = cmd
        .output()
        .map_err(io("running cargo nextest (is cargo-nextest installed?)"))?;
    let tests = if results.exists() {
        junit::parse(&results)?
    } else {
        Vec::new()
    };
    // 0 passed, 100 tests failed; 101 build failed, others broke.
    let broke = !matches!(out.status.code(), Some(0 | 100));
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(TestRun {
        runner: Runner::Nextest,
        verdict: verdict(&tests, broke),
        tests,
        duration: started.elapsed(),
        results,
        output_tail: broke.then(|| tail(&output, 20)),
    })
}
