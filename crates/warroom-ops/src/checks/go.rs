//! `go test -json`: one event per line, read with serde. A package that
//! fails with no failing test (it did not build, or its test binary broke)
//! is the runner breaking, never a pass; Go 1.24's `build-fail` events and
//! `FailedBuild` say the same, and older Go prints the compiler's words on
//! stderr, kept for a person to read.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;

use super::runners::{Part, in_parts, mark_flaky};
use super::{
    ChecksError, Runner, Selection, SmokeSet, TestResult, TestRun, TestStatus, io, tail, verdict,
};

/// A package of the module, as `go list -json` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GoPackage {
    pub import_path: String,
    /// Absolute, as go prints it.
    pub dir: String,
    #[serde(default)]
    pub imports: Vec<String>,
    #[serde(default)]
    pub test_imports: Vec<String>,
    #[serde(default, rename = "XTestImports")]
    pub x_test_imports: Vec<String>,
}

impl GoPackage {
    /// Everything the package or its tests import directly.
    pub fn all_imports(&self) -> impl Iterator<Item = &String> {
        self.imports
            .iter()
            .chain(&self.test_imports)
            .chain(&self.x_test_imports)
    }
}

/// The module's packages (`go list -json ./...`).
pub fn packages(dir: &Path) -> Result<Vec<GoPackage>, ChecksError> {
    let out = Command::new("go")
        .current_dir(dir)
        .args(["list", "-e", "-json", "./..."])
        .output()
        .map_err(io("running go list (is go installed?)"))?;
    if !out.status.success() {
        return Err(ChecksError::Unsupported(format!(
            "go list failed: {}",
            tail(&String::from_utf8_lossy(&out.stderr), 5)
        )));
    }
    serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<GoPackage>()
        .collect::<Result<_, _>>()
        .map_err(|e| ChecksError::Results {
            path: "go list -json".into(),
            message: e.to_string(),
        })
}

pub(super) fn run(
    dir: &Path,
    selection: &Selection,
    results_dir: &Path,
    smoke: &SmokeSet,
) -> Result<TestRun, ChecksError> {
    let names = smoke.go_pattern();
    in_parts(selection, &[], results_dir, |part, at| {
        let mut cmd = Command::new("go");
        cmd.current_dir(dir).args(["test", "-json"]);
        match part {
            Part::All => {
                cmd.arg("./...");
            }
            Part::These(packages) => {
                cmd.args(packages);
            }
            Part::SmokeNames => {
                cmd.args(["-run", &names, "./..."]);
            }
        }
        once(cmd, dir, at)
    })
}

/// One `go test -json`, its failures retried once.
fn once(mut cmd: Command, dir: &Path, results_dir: &Path) -> Result<TestRun, ChecksError> {
    let results = results_dir.join("go-test.jsonl");
    let started = Instant::now();
    let out = cmd
        .output()
        .map_err(io("running go test (is go installed?)"))?;
    std::fs::write(&results, &out.stdout).map_err(io(format!("writing {}", results.display())))?;
    let parsed = parse(&out.stdout);
    let mut tests = parsed.tests;
    let code = out.status.code();
    let broke = !matches!(code, Some(0 | 1)) || !parsed.broken_packages.is_empty();
    let mut output = parsed.package_output;
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    if tests
        .iter()
        .any(|t| matches!(t.status, TestStatus::Failed | TestStatus::Error))
    {
        retry_failures(&mut tests, dir, results_dir)?;
    }
    Ok(TestRun {
        runner: Runner::Go,
        verdict: verdict(&tests, broke),
        tests,
        duration: started.elapsed(),
        results,
        output_tail: broke.then(|| tail(&output, 20)),
    })
}

/// Runs each failed top-level test again, uncached: one that passes now
/// is flaky.
fn retry_failures(
    tests: &mut [TestResult],
    dir: &Path,
    results_dir: &Path,
) -> Result<(), ChecksError> {
    let mut by_package: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in tests.iter() {
        if !matches!(t.status, TestStatus::Failed | TestStatus::Error) {
            continue;
        }
        let Some((package, test)) = t.name.split_once("::") else {
            continue;
        };
        let top = test.split('/').next().unwrap_or(test);
        let names = by_package.entry(package).or_default();
        if !names.contains(&top) {
            names.push(top);
        }
    }
    let mut again = Vec::new();
    for (package, names) in &by_package {
        let pattern = format!("^({})$", names.join("|"));
        let out = Command::new("go")
            .current_dir(dir)
            .args(["test", "-json", "-count=1", "-run", &pattern, package])
            .output()
            .map_err(io("retrying the failures with go test"))?;
        again.extend(parse(&out.stdout).tests);
    }
    std::fs::write(
        results_dir.join("go-test-retry.json"),
        serde_json::to_vec(&again).unwrap_or_default(),
    )
    .map_err(io("writing the retry's results"))?;
    mark_flaky(tests, &again);
    Ok(())
}

/// One line of `go test -json` (cmd/test2json's TestEvent; Go 1.24 adds
/// build events keyed by `ImportPath`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    action: String,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    import_path: Option<String>,
    #[serde(default)]
    test: Option<String>,
    #[serde(default)]
    output: Option<String>,
}

/// What a `go test -json` stream says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GoResults {
    pub tests: Vec<TestResult>,
    /// Packages that failed with no failing test: they did not build or
    /// their test binary broke.
    pub broken_packages: Vec<String>,
    /// The package-level output (build errors, panics), for a person.
    pub package_output: String,
}

/// Reads a `go test -json` stream; lines that are not events (a build's
/// own words on older Go) are left to stderr's reader.
pub fn parse(stream: &[u8]) -> GoResults {
    let text = String::from_utf8_lossy(stream);
    let mut results = GoResults::default();
    let mut said: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut failed_packages: Vec<String> = Vec::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            continue;
        };
        let package = event
            .package
            .clone()
            .or_else(|| event.import_path.clone())
            .unwrap_or_default();
        match (event.test.as_deref(), event.action.as_str()) {
            (Some(test), "output") => {
                let line = event.output.unwrap_or_default();
                let trimmed = line.trim_start();
                let chatter = ["=== ", "--- PASS", "--- FAIL", "--- SKIP"]
                    .iter()
                    .any(|p| trimmed.starts_with(p));
                if !chatter {
                    said.entry((package, test.to_owned()))
                        .or_default()
                        .push_str(&line);
                }
            }
            (Some(test), action @ ("pass" | "fail" | "skip")) => {
                let status = match action {
                    "pass" => TestStatus::Passed,
                    "fail" => TestStatus::Failed,
                    _ => TestStatus::Skipped,
                };
                let message = (status == TestStatus::Failed)
                    .then(|| said.remove(&(package.clone(), test.to_owned())))
                    .flatten()
                    .map(|m| m.trim().to_owned())
                    .filter(|m| !m.is_empty());
                results.tests.push(TestResult {
                    name: format!("{package}::{test}"),
                    status,
                    message,
                });
            }
            (None, "output" | "build-output") => {
                results
                    .package_output
                    .push_str(&event.output.unwrap_or_default());
            }
            (None, "build-fail") => failed_packages.push(package),
            // With `FailedBuild` or not: judged below by whether a test
            // of the package failed.
            (None, "fail") => failed_packages.push(package),
            _ => {}
        }
    }
    for package in failed_packages {
        let prefix = format!("{package}::");
        let a_test_failed = results
            .tests
            .iter()
            .any(|t| t.name.starts_with(&prefix) && t.status == TestStatus::Failed);
        if !a_test_failed && !results.broken_packages.contains(&package) {
            results.broken_packages.push(package);
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go 1.19, as Debian 12 ships it: a failing test, a passing one with a
    /// subtest, a package without tests.
    const GO_119: &str = r#"{"Action":"run","Package":"example.com/svc/auth","Test":"TestSize"}
{"Action":"output","Package":"example.com/svc/auth","Test":"TestSize","Output":"=== RUN   TestSize\n"}
{"Action":"output","Package":"example.com/svc/auth","Test":"TestSize","Output":"    pool_test.go:3: size 3\n"}
{"Action":"output","Package":"example.com/svc/auth","Test":"TestSize","Output":"--- FAIL: TestSize (0.00s)\n"}
{"Action":"fail","Package":"example.com/svc/auth","Test":"TestSize","Elapsed":0}
{"Action":"run","Package":"example.com/svc/auth","Test":"TestSmokeLogin/sub"}
{"Action":"pass","Package":"example.com/svc/auth","Test":"TestSmokeLogin/sub","Elapsed":0}
{"Action":"pass","Package":"example.com/svc/auth","Test":"TestSmokeLogin","Elapsed":0}
{"Action":"output","Package":"example.com/svc/auth","Output":"FAIL\texample.com/svc/auth\t0.002s\n"}
{"Action":"fail","Package":"example.com/svc/auth","Elapsed":0.002}
{"Action":"output","Package":"example.com/svc/util","Output":"?   \texample.com/svc/util\t[no test files]\n"}
{"Action":"skip","Package":"example.com/svc/util","Elapsed":0}
"#;

    /// Go 1.24: a package that does not build, told by build events.
    const GO_124_BUILD_FAIL: &str = r#"{"ImportPath":"example.com/svc/api [example.com/svc/api.test]","Action":"build-output","Output":"api/api.go:3:24: undefined: auth.Sise\n"}
{"ImportPath":"example.com/svc/api [example.com/svc/api.test]","Action":"build-fail"}
{"Time":"2026-01-01T00:00:00Z","Action":"start","Package":"example.com/svc/api"}
{"Time":"2026-01-01T00:00:00Z","Action":"output","Package":"example.com/svc/api","Output":"FAIL\texample.com/svc/api [build failed]\n"}
{"Time":"2026-01-01T00:00:00Z","Action":"fail","Package":"example.com/svc/api","Elapsed":0,"FailedBuild":"example.com/svc/api [example.com/svc/api.test]"}
"#;

    #[test]
    fn go_119_tests_pass_fail_and_say_why() {
        let r = parse(GO_119.as_bytes());
        assert_eq!(r.tests.len(), 3);
        let failed = &r.tests[0];
        assert_eq!(failed.name, "example.com/svc/auth::TestSize");
        assert_eq!(failed.status, TestStatus::Failed);
        assert_eq!(failed.message.as_deref(), Some("pool_test.go:3: size 3"));
        assert_eq!(r.tests[2].status, TestStatus::Passed);
        // A package whose failure is its failing test is not broken.
        assert!(r.broken_packages.is_empty());
        assert_eq!(verdict(&r.tests, false), super::super::Verdict::Fail);
    }

    #[test]
    fn go_124_build_failure_breaks_the_run_and_keeps_the_compilers_words() {
        let r = parse(GO_124_BUILD_FAIL.as_bytes());
        assert!(r.tests.is_empty());
        assert!(
            r.broken_packages
                .iter()
                .any(|p| p.starts_with("example.com/svc/api")),
            "{r:?}"
        );
        assert!(r.package_output.contains("undefined: auth.Sise"));
        assert_eq!(
            verdict(&r.tests, !r.broken_packages.is_empty()),
            super::super::Verdict::Error
        );
    }
}
