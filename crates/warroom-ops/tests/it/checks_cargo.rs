//! `cargo test` where cargo-nextest is missing, for real: a workspace of
//! three crates, a changed crate and its dependent run, the other not; the
//! verdicts from libtest's JUnit documents, one per test binary.

use std::path::Path;

use warroom_ops::checks::select::{Tier, plan};
use warroom_ops::checks::{Runner, Selection, TestStatus, Verdict, layout, run};

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn workspace(release: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"auth\", \"api\", \"billing\"]\nresolver = \"2\"\n",
    );
    let manifest = |name: &str, deps: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\n{deps}"
        )
    };
    write(root, "auth/Cargo.toml", &manifest("auth", ""));
    write(
        root,
        "auth/src/lib.rs",
        &format!(
            "pub fn released(free: u32) -> u32 {{ {release} }}\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn release_gives_it_back() {{ assert_eq!(super::released(1), 2, \"leaked\"); }}\n}}\n"
        ),
    );
    write(
        root,
        "api/Cargo.toml",
        &manifest("api", "auth = { path = \"../auth\" }\n"),
    );
    write(
        root,
        "api/src/lib.rs",
        "pub fn answer() -> u32 { auth::released(0) }\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn smoke_service_answers() { let _ = super::answer(); }\n}\n",
    );
    write(root, "billing/Cargo.toml", &manifest("billing", ""));
    write(
        root,
        "billing/src/lib.rs",
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn invoices_add_up() { assert_eq!(2 + 2, 4); }\n}\n",
    );
    dir
}

#[test]
fn cargo_test_runs_the_changed_crate_and_its_dependents_and_says_why_it_failed() {
    let broken = workspace("free");
    let layout = layout(broken.path());
    let fast = plan(
        Runner::CargoTest,
        Tier::Fast,
        &["auth/src/lib.rs".to_string()],
        &layout,
    );
    let ids: Vec<&str> = fast.chosen.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["auth", "api", "smoke"]);
    let results = tempfile::tempdir().expect("results");
    let r = run(
        Runner::CargoTest,
        broken.path(),
        &fast.selection,
        results.path(),
    )
    .expect("run");
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    let failed = r
        .tests
        .iter()
        .find(|t| t.status == TestStatus::Failed)
        .expect("a failure");
    assert_eq!(failed.name, "auth::tests::release_gives_it_back", "{r:?}");
    let said = failed.message.as_deref().unwrap_or_default();
    assert!(
        said.contains("leaked") && said.contains("src/lib.rs:5"),
        "{said}"
    );
    assert!(
        r.tests
            .iter()
            .any(|t| t.name.ends_with("smoke_service_answers"))
    );
    assert!(
        !r.tests.iter().any(|t| t.name.contains("invoices")),
        "{r:?}"
    );

    let fixed = workspace("free + 1");
    let r = run(
        Runner::CargoTest,
        fixed.path(),
        &Selection::All,
        results.path(),
    )
    .expect("run");
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert_eq!(r.count(TestStatus::Passed), 3, "{r:?}");
    let smoke = run(
        Runner::CargoTest,
        fixed.path(),
        &Selection::Smoke,
        results.path(),
    )
    .expect("run");
    assert_eq!(smoke.count(TestStatus::Passed), 1, "{smoke:?}");

    let no_build = workspace("free +");
    let r = run(
        Runner::CargoTest,
        no_build.path(),
        &Selection::All,
        results.path(),
    )
    .expect("run");
    assert_eq!(r.verdict, Verdict::Error, "{r:?}");
    assert!(
        r.output_tail
            .as_deref()
            .unwrap_or_default()
            .contains("error"),
        "{r:?}"
    );
}
