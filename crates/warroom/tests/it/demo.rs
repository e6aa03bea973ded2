//! The README's first command: `warroom demo`, the seed's hotfix scenario
//! end to end with simulated agents. Its report tells what happened.

use serde_json::Value;

use crate::env::TestEnv;

#[test]
fn the_demo_runs_the_hotfix_scenario_and_its_report_says_the_root_cause() {
    let env = TestEnv::start();
    let out = env.ok(&["--json", "demo", "--cleanup"]);
    let result: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    assert_eq!(result["messages"], result["submitted"], "{result}");
    let report = std::fs::read_to_string(result["report"].as_str().expect("report"))
        .expect("report written");
    assert_eq!(report.matches("## Summary").count(), 1, "{report}");
    for line in [
        "INC-1 SEV1: Auth service returning 500 errors. Not resolved yet: phase triage",
        "Root cause: DB connections not released in the auth error path (auth_handler.py:234)",
        "root-cause by senior-backend-developer (auth-hotfix:0)",
        "- Impact: 10000 users, availability down",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
    assert!(!report.contains("resolved -."), "{report}");
    assert!(!report.contains("not described"), "{report}");
    // The curated timeline: no per-message rows, the export has those.
    assert!(!report.contains("message #1 to ag-1"), "{report}");
    assert!(
        report.contains("`warroom agent messages auth-hotfix --export`"),
        "{report}"
    );
}
