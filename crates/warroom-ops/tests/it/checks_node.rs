//! The JavaScript runners for real: node's own (through warroom's
//! reporter), jest and vitest (installed by scripts/test under
//! target/test-runners, linked into each project as its node_modules).

use std::path::{Path, PathBuf};

use warroom_ops::checks::{
    Runner, Selection, SmokeSet, TestStatus, Verdict, detect, run, run_with,
};

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn installed_runners(name: &str) -> PathBuf {
    let modules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-runners/node_modules");
    assert!(
        modules.join(".bin").join(name).exists(),
        "{name} is not installed in {}: run scripts/install-test-runners",
        modules.display()
    );
    modules
}

/// A test that fails on its first try only: it leaves a mark beside itself.
const FLAKY: &str = "const fs = require('node:fs');\nconst path = require('node:path');\ntest('connects on a retry', () => {\n  const mark = path.join(__dirname, '.tried');\n  if (!fs.existsSync(mark)) {\n    fs.writeFileSync(mark, '');\n    throw new Error('first try refused');\n  }\n});\n";

#[test]
fn node_test_reports_a_retried_pass_as_flaky_and_a_real_failure_as_failed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "package.json",
        "{\"scripts\": {\"test\": \"node --test\"}}\n",
    );
    let header = "const { test } = require('node:test');\nconst assert = require('node:assert');\n";
    write(
        dir.path(),
        "test/flaky.test.js",
        &format!("{header}{FLAKY}"),
    );
    write(
        dir.path(),
        "test/pool.test.js",
        &format!("{header}test('release gives it back', () => {{ assert.strictEqual(1, 2); }});\n"),
    );
    assert_eq!(detect(dir.path()), [Runner::NodeTest]);
    let results = tempfile::tempdir().expect("results");
    let r = run(
        Runner::NodeTest,
        dir.path(),
        &Selection::All,
        results.path(),
    )
    .expect("run");
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    let flaky: Vec<&str> = r
        .tests
        .iter()
        .filter(|t| t.status == TestStatus::Flaky)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(flaky, ["test/flaky.test.js::connects on a retry"], "{r:?}");
    let failed = r
        .tests
        .iter()
        .find(|t| t.status == TestStatus::Failed)
        .expect("a failure");
    assert_eq!(failed.name, "test/pool.test.js::release gives it back");
    let said = failed.message.as_deref().unwrap_or_default();
    assert!(said.contains("1 !== 2"), "{said}");
    assert!(said.contains("pool.test.js:3"), "where it failed: {said}");
}

#[test]
fn node_test_with_no_tests_is_not_a_pass_and_a_file_that_does_not_load_fails() {
    let empty = tempfile::tempdir().expect("tempdir");
    write(
        empty.path(),
        "package.json",
        "{\"scripts\": {\"test\": \"node --test\"}}\n",
    );
    write(empty.path(), "src/pool.js", "module.exports = {};\n");
    let results = tempfile::tempdir().expect("results");
    let r = run(
        Runner::NodeTest,
        empty.path(),
        &Selection::All,
        results.path(),
    )
    .expect("run");
    assert_eq!(r.verdict, Verdict::NoTests, "{r:?}");

    let broken = tempfile::tempdir().expect("tempdir");
    write(broken.path(), "package.json", "{}\n");
    write(
        broken.path(),
        "test/pool.test.js",
        "const { test } = require('node:test');\ntest('x', () => {\n",
    );
    let r = run(
        Runner::NodeTest,
        broken.path(),
        &Selection::All,
        results.path(),
    )
    .expect("run");
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
}

#[test]
fn node_smoke_names_and_smoke_files_are_the_smoke_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "package.json", "{}\n");
    let header = "const { test, describe } = require('node:test');\n";
    write(
        dir.path(),
        "test/api.test.js",
        &format!(
            "{header}describe('api', () => {{ test('smoke: answers', () => {{}}); test('slow', () => {{}}); }});\n"
        ),
    );
    write(
        dir.path(),
        "test/health.test.js",
        &format!("{header}test('health page', () => {{}});\n"),
    );
    write(
        dir.path(),
        "test/billing.test.js",
        &format!("{header}test('bills', () => {{}});\n"),
    );
    let smoke = SmokeSet::new(&["test/health.*".into()]).expect("globs");
    let results = tempfile::tempdir().expect("results");
    let r = run_with(
        Runner::NodeTest,
        dir.path(),
        &Selection::Smoke,
        results.path(),
        &smoke,
    )
    .expect("run");
    let passed: Vec<&str> = r
        .tests
        .iter()
        .filter(|t| t.status == TestStatus::Passed)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        passed,
        [
            "test/api.test.js::api > smoke: answers",
            "test/health.test.js::health page"
        ],
        "{r:?}"
    );
}

#[test]
fn jest_reads_its_json_report_and_a_file_that_does_not_load_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "package.json",
        "{\"devDependencies\": {\"jest\": \"30\"}}\n",
    );
    std::os::unix::fs::symlink(installed_runners("jest"), dir.path().join("node_modules"))
        .expect("link");
    write(dir.path(), "test/flaky.test.js", FLAKY);
    write(dir.path(), "test/broken.test.js", "test('x', () => {\n");
    assert_eq!(detect(dir.path()), [Runner::Jest]);
    let results = tempfile::tempdir().expect("results");
    let r = run(Runner::Jest, dir.path(), &Selection::All, results.path()).expect("run");
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    let status = |name: &str| r.tests.iter().find(|t| t.name == name).map(|t| t.status);
    assert_eq!(
        status("test/flaky.test.js::connects on a retry"),
        Some(TestStatus::Flaky),
        "{r:?}"
    );
    assert_eq!(
        status("test/broken.test.js::(file)"),
        Some(TestStatus::Error),
        "{r:?}"
    );
}

#[test]
fn jest_missing_from_the_project_is_said_not_passed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "package.json",
        "{\"devDependencies\": {\"jest\": \"30\"}}\n",
    );
    let results = tempfile::tempdir().expect("results");
    let err = run(Runner::Jest, dir.path(), &Selection::All, results.path())
        .expect_err("no jest installed");
    assert!(err.to_string().contains("run npm install"), "{err}");
}

#[test]
fn vitest_reads_its_junit_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "package.json",
        "{\"devDependencies\": {\"vitest\": \"3\"}}\n",
    );
    std::os::unix::fs::symlink(installed_runners("vitest"), dir.path().join("node_modules"))
        .expect("link");
    write(
        dir.path(),
        "test/pool.test.js",
        "import { test, expect } from 'vitest';\ntest('release gives it back', () => { expect(1).toBe(2); });\ntest('smoke: answers', () => {});\n",
    );
    assert_eq!(detect(dir.path()), [Runner::Vitest]);
    let results = tempfile::tempdir().expect("results");
    let r = run(Runner::Vitest, dir.path(), &Selection::All, results.path()).expect("run");
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    let failed = r
        .tests
        .iter()
        .find(|t| t.status == TestStatus::Failed)
        .expect("failed");
    assert_eq!(failed.name, "test/pool.test.js::release gives it back");
    assert!(
        failed
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("expected 1 to be 2")
    );
    let smoke = run(
        Runner::Vitest,
        dir.path(),
        &Selection::Smoke,
        results.path(),
    )
    .expect("run");
    assert_eq!(smoke.verdict, Verdict::Pass, "{smoke:?}");
    assert_eq!(smoke.count(TestStatus::Passed), 1);
}
