//! cargo-nextest, with a JUnit profile of warroom's own.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::{ChecksError, Runner, Selection, SmokeSet, TestRun, io, junit, tail, verdict};

/// nextest's JUnit comes from a profile; a config file of warroom's own
/// defines it, so the project's files are not touched. One retry: a test
/// that fails and then passes is reported flaky, apart from the failures.
pub(super) fn run(
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
