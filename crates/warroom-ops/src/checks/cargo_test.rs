//! `cargo test`, for a machine without cargo-nextest: libtest's own JUnit
//! output (`--format junit`, unstable, so opened with `RUSTC_BOOTSTRAP`
//! for the test binaries), one document per test binary on stdout. cargo
//! has no `rdeps`: selection names the packages, dependents included.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::runners::{Part, in_parts, mark_flaky};
use super::{
    ChecksError, Runner, Selection, TestResult, TestRun, TestStatus, io, junit, tail, verdict,
};

/// Whether `cargo nextest` runs here.
pub fn nextest_installed(dir: &Path) -> bool {
    Command::new("cargo")
        .current_dir(dir)
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|out| out.status.success())
}

pub(super) fn run(
    dir: &Path,
    selection: &Selection,
    results_dir: &Path,
) -> Result<TestRun, ChecksError> {
    let target = std::path::absolute(results_dir.join("target"))
        .map_err(io(format!("resolving {}", results_dir.display())))?;
    in_parts(selection, &[], results_dir, |part, at| {
        let (packages, filters): (Vec<String>, &[&str]) = match part {
            Part::All => (vec!["--workspace".into()], &[]),
            Part::These(names) => (
                names
                    .iter()
                    .flat_map(|n| ["-p".to_owned(), n.clone()])
                    .collect(),
                &[],
            ),
            Part::SmokeNames => (vec!["--workspace".into()], &["smoke", "critical"]),
        };
        let started = Instant::now();
        let first = once(
            dir,
            &packages,
            filters,
            &target,
            &at.join("cargo-test-junit.xml"),
        )?;
        let mut tests = first.tests;
        let failed: Vec<&str> = tests
            .iter()
            .filter(|t| matches!(t.status, TestStatus::Failed | TestStatus::Error))
            .filter_map(|t| t.name.rsplit("::").next())
            .collect();
        if !failed.is_empty() {
            let again = once(
                dir,
                &packages,
                &failed,
                &target,
                &at.join("cargo-test-retry-junit.xml"),
            )?;
            mark_flaky(&mut tests, &again.tests);
        }
        Ok(TestRun {
            runner: Runner::CargoTest,
            verdict: verdict(&tests, first.broke),
            tests,
            duration: started.elapsed(),
            results: at.join("cargo-test-junit.xml"),
            output_tail: first.broke.then(|| tail(&first.output, 20)),
        })
    })
}

struct Once {
    tests: Vec<TestResult>,
    broke: bool,
    output: String,
}

fn once(
    dir: &Path,
    packages: &[String],
    filters: &[&str],
    target: &Path,
    results: &Path,
) -> Result<Once, ChecksError> {
    let out = Command::new("cargo")
        .current_dir(dir)
        .args(["test", "--no-fail-fast"])
        .args(packages)
        .args(["--", "-Z", "unstable-options", "--format", "junit"])
        .args(filters)
        .env("CARGO_TARGET_DIR", target)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .map_err(io("running cargo test"))?;
    std::fs::write(results, &out.stdout).map_err(io(format!("writing {}", results.display())))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let binaries = binaries(&stderr);
    let documents: Vec<&str> = stdout
        .split("<?xml")
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    let mut tests = Vec::new();
    for (i, document) in documents.iter().enumerate() {
        let parsed = junit::parse_str(&format!("<?xml{document}"), &results.display().to_string())?;
        // Named by their binary when cargo's lines and the documents pair up.
        let binary = (binaries.len() == documents.len()).then(|| binaries[i].as_str());
        tests.extend(parsed.into_iter().map(|mut t| {
            if let Some(binary) = binary {
                t.name = format!("{binary}::{}", t.name);
            }
            t
        }));
    }
    // 0 passed; 101 tests failed, or the build did: then no test failed.
    let a_test_failed = tests
        .iter()
        .any(|t| matches!(t.status, TestStatus::Failed | TestStatus::Error));
    let broke = match out.status.code() {
        Some(0) => false,
        Some(101) => !a_test_failed,
        _ => true,
    };
    Ok(Once {
        tests,
        broke,
        output: format!("{stdout}{stderr}"),
    })
}

/// The test binaries cargo ran, in order, from its `Running` and
/// `Doc-tests` lines (names only: verdicts come from the documents).
fn binaries(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(str::trim)
        .filter_map(|line| {
            if let Some(doc) = line.strip_prefix("Doc-tests ") {
                return Some(format!("{doc}(doc)"));
            }
            let running = line.strip_prefix("Running ")?;
            let binary = running.rsplit_once('(')?.1.trim_end_matches(')');
            let file = binary.rsplit('/').next()?;
            Some(
                file.rsplit_once('-')
                    .map_or(file, |(name, _)| name)
                    .to_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_come_from_cargos_running_lines() {
        let stderr = "   Compiling ct v0.1.0\n    Finished `test` profile\n     Running unittests src/lib.rs (/t/debug/deps/ct-0f3c9a)\n     Running tests/x.rs (/t/debug/deps/x-77aa)\n   Doc-tests ct\n";
        assert_eq!(binaries(stderr), ["ct", "x", "ct(doc)"]);
    }
}
