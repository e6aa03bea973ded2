//! The runners for real: pytest and cargo-nextest on projects made here,
//! verdicts read from their JUnit XML.

use std::path::Path;

use warroom_ops::checks::select::{Layout, Tier, plan};
use warroom_ops::checks::{
    Runner, Selection, SmokeSet, TestStatus, Verdict, detect, run, run_with,
};

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// An auth service with a pool module, its tests, and a smoke test.
fn python_project(pool_release: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "pytest.ini",
        "[pytest]\nmarkers =\n    smoke: fast checks\n",
    );
    write(dir.path(), "auth/__init__.py", "");
    write(
        dir.path(),
        "auth/pool.py",
        &format!(
            "class Pool:\n    def __init__(self):\n        self.free = 2\n    def take(self):\n        self.free -= 1\n    def release(self):\n        {pool_release}\n"
        ),
    );
    write(
        dir.path(),
        "tests/test_pool.py",
        "from auth.pool import Pool\n\ndef test_release_gives_the_connection_back():\n    p = Pool()\n    p.take()\n    p.release()\n    assert p.free == 2\n",
    );
    write(
        dir.path(),
        "tests/test_api.py",
        "import pytest\n\n@pytest.mark.smoke\ndef test_service_answers():\n    assert 1 + 1 == 2\n\ndef test_unrelated():\n    assert True\n",
    );
    dir
}

#[test]
fn the_fast_tier_catches_a_planted_bug_and_passes_the_fix() {
    let broken = python_project("pass");
    assert_eq!(detect(broken.path()), [Runner::Pytest]);
    let tests = vec![
        "tests/test_pool.py".to_owned(),
        "tests/test_api.py".to_owned(),
    ];
    let fast = plan(
        Runner::Pytest,
        Tier::Fast,
        &["auth/pool.py".to_owned()],
        &Layout {
            test_files: tests,
            ..Layout::default()
        },
    );
    let results = tempfile::tempdir().expect("results");
    let caught = run(
        Runner::Pytest,
        broken.path(),
        &fast.selection,
        results.path(),
    )
    .expect("run");
    assert_eq!(caught.verdict, Verdict::Fail, "{caught:?}");
    let failed: Vec<_> = caught
        .tests
        .iter()
        .filter(|t| t.status == TestStatus::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{:?}", caught.tests);
    assert!(
        failed[0]
            .name
            .contains("test_release_gives_the_connection_back"),
        "{}",
        failed[0].name
    );
    assert!(
        failed[0]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("assert")),
        "{:?}",
        failed[0].message
    );
    // The smoke test ran too; the unrelated one did not.
    assert!(
        caught
            .tests
            .iter()
            .any(|t| t.name.contains("test_service_answers"))
    );
    assert!(
        !caught
            .tests
            .iter()
            .any(|t| t.name.contains("test_unrelated"))
    );

    let fixed = python_project("self.free += 1");
    let passed = run(
        Runner::Pytest,
        fixed.path(),
        &fast.selection,
        results.path(),
    )
    .expect("run");
    assert_eq!(passed.verdict, Verdict::Pass, "{passed:?}");
    assert_eq!(passed.count(TestStatus::Passed), 2);
}

#[test]
fn no_tests_run_is_a_failure_not_a_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pytest.ini", "[pytest]\n");
    write(dir.path(), "tests/test_nothing.py", "X = 1\n");
    let results = tempfile::tempdir().expect("results");
    let r = run(Runner::Pytest, dir.path(), &Selection::All, results.path()).expect("run");
    assert_eq!(r.verdict, Verdict::NoTests);
}

#[test]
fn a_broken_test_module_is_an_error_of_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pytest.ini", "[pytest]\n");
    write(
        dir.path(),
        "tests/test_broken.py",
        "import no_such_module\n",
    );
    let results = tempfile::tempdir().expect("results");
    let r = run(Runner::Pytest, dir.path(), &Selection::All, results.path()).expect("run");
    assert_ne!(r.verdict, Verdict::Pass, "{r:?}");
}

#[test]
fn nextest_results_come_from_its_junit_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pool\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
    );
    write(
        dir.path(),
        "src/lib.rs",
        "pub fn released(free: u32) -> u32 { free }\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn smoke_answers() { assert_eq!(super::released(2), 2); }\n    #[test]\n    fn release_gives_it_back() { assert_eq!(super::released(1), 2, \"leaked\"); }\n}\n",
    );
    assert_eq!(detect(dir.path()), [Runner::Nextest]);
    let results = tempfile::tempdir().expect("results");
    let r = run(Runner::Nextest, dir.path(), &Selection::All, results.path()).expect("run");
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    let failed: Vec<_> = r
        .tests
        .iter()
        .filter(|t| t.status == TestStatus::Failed)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(failed.len(), 1, "{:?}", r.tests);
    assert!(failed[0].contains("release_gives_it_back"), "{failed:?}");
    let smoke = run(
        Runner::Nextest,
        dir.path(),
        &Selection::Smoke,
        results.path(),
    )
    .expect("run");
    assert_eq!(smoke.verdict, Verdict::Pass, "{smoke:?}");
    assert_eq!(smoke.tests.len(), 1);

    // A change to the root package's source selects that package for the fast tier.
    let layout = warroom_ops::checks::layout(dir.path());
    let names: Vec<(&str, &str)> = layout
        .packages
        .iter()
        .map(|p| (p.dir.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(names, [("", "pool")]);
    let fast = plan(
        Runner::Nextest,
        Tier::Fast,
        &["src/lib.rs".to_string()],
        &layout,
    );
    let r = run(Runner::Nextest, dir.path(), &fast.selection, results.path()).expect("run");
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    assert_eq!(r.tests.len(), 2, "{:?}", r.tests);

    // The project's smoke globs name tests too.
    let widened = SmokeSet::new(&["*release*".to_string()]).expect("globs");
    let r = run_with(
        Runner::Nextest,
        dir.path(),
        &Selection::Smoke,
        results.path(),
        &widened,
    )
    .expect("run");
    assert_eq!(r.tests.len(), 2, "{:?}", r.tests);
}

#[test]
fn smoke_globs_add_test_files_to_the_marked_smoke_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "pytest.ini",
        "[pytest]\nmarkers =\n    smoke: fast checks\n",
    );
    write(
        dir.path(),
        "tests/health/test_up.py",
        "def test_up():\n    pass\n",
    );
    write(
        dir.path(),
        "tests/test_api.py",
        "import pytest\n\n@pytest.mark.smoke\ndef test_answers():\n    pass\n\ndef test_slow():\n    pass\n",
    );
    let results = tempfile::tempdir().expect("results");
    let names = |smoke: &SmokeSet| {
        let r = run_with(
            Runner::Pytest,
            dir.path(),
            &Selection::Smoke,
            results.path(),
            smoke,
        )
        .expect("run");
        assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
        let mut names: Vec<String> = r
            .tests
            .iter()
            .map(|t| t.name.rsplit("::").next().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&SmokeSet::default()), ["test_answers"]);
    let widened = SmokeSet::new(&["tests/health/*.py".to_string()]).expect("globs");
    assert_eq!(names(&widened), ["test_answers", "test_up"]);
    assert!(SmokeSet::new(&["tests/[".to_string()]).is_err());
}

#[test]
fn a_test_that_fails_then_passes_on_retry_is_flaky_not_failed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pool\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
    );
    // The first try leaves a marker and fails; the retry finds it and passes.
    write(
        dir.path(),
        "src/lib.rs",
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn pool_warms_up() {\n        let marker = concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/tried-once\");\n        if std::fs::metadata(marker).is_err() {\n            std::fs::write(marker, \"\").unwrap();\n            panic!(\"cold pool\");\n        }\n    }\n    #[test]\n    fn steady() {}\n}\n",
    );
    let results = tempfile::tempdir().expect("results");
    let r = run(Runner::Nextest, dir.path(), &Selection::All, results.path()).expect("run");
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    let flaky: Vec<_> = r
        .tests
        .iter()
        .filter(|t| t.status == TestStatus::Flaky)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(flaky.len(), 1, "{:?}", r.tests);
    assert!(flaky[0].contains("pool_warms_up"), "{flaky:?}");
}

#[test]
fn pytest_retries_the_failures_once_and_calls_the_recovered_flaky() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pytest.ini", "[pytest]\n");
    write(
        dir.path(),
        "tests/test_pool.py",
        "import pathlib\n\ndef test_pool_warms_up():\n    marker = pathlib.Path(__file__).with_name(\"tried-once\")\n    if not marker.exists():\n        marker.write_text(\"\")\n        assert False, \"cold pool\"\n\ndef test_release_leaks():\n    assert 1 == 2, \"leaked\"\n\ndef test_steady():\n    pass\n",
    );
    let results = tempfile::tempdir().expect("results");
    let r = run(Runner::Pytest, dir.path(), &Selection::All, results.path()).expect("run");
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    let with = |status| {
        r.tests
            .iter()
            .filter(|t| t.status == status)
            .map(|t| t.name.rsplit("::").next().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(with(TestStatus::Flaky), ["test_pool_warms_up"]);
    assert_eq!(with(TestStatus::Failed), ["test_release_leaks"]);
    assert_eq!(with(TestStatus::Passed), ["test_steady"]);
    assert!(
        !dir.path().join(".pytest_cache").exists(),
        "the checkout stays clean"
    );
}
