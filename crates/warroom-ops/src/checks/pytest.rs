//! pytest, with `--junitxml`: the selection as paths or the smoke markers,
//! the failures retried once (`--last-failed`) to tell flaky from failed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::runners::{join, mark_flaky, run_with};
use super::{
    ChecksError, Runner, Selection, SmokeSet, TestResult, TestRun, io, junit, tail, verdict,
};

pub(super) fn run(
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
    mark_flaky(tests, &junit::parse(&retried)?);
    Ok(())
}
