//! The README's first command: `warroom demo`, the seed's whole timeline
//! with simulated agents: the page, the team, the fix, the real quick
//! checks, the pull request (pushed to a local remote, not opened), the
//! canary against a small real production on 127.0.0.1, the resolution,
//! the report and the postmortem; and `--bad-fix`, rolled back.

use serde_json::Value;

use crate::checks::rust_toolchain;
use crate::env::TestEnv;

fn demo(env: &TestEnv, extra: &[&str]) -> Value {
    let mut args = vec!["--json", "demo", "--cleanup"];
    args.extend_from_slice(extra);
    let out = env.ok(&args);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn the_demo_runs_the_seeds_timeline_from_page_to_postmortem() {
    let mut env = TestEnv::start();
    rust_toolchain(&mut env);
    let result = demo(&env, &[]);
    assert_eq!(result["messages"], result["submitted"], "{result}");
    assert_eq!(result["check"], "pass", "{result}");
    assert_eq!(result["rollout"], "promoted", "{result}");
    let report = std::fs::read_to_string(result["report"].as_str().expect("report"))
        .expect("report written");
    assert_eq!(report.matches("## Summary").count(), 1, "{report}");
    for line in [
        "INC-1 SEV1: Auth service returning 500 errors",
        "Root cause: DB connections not released in the auth error path (src/lib.rs, login())",
        "root-cause by senior-backend-developer (auth-hotfix:0)",
        "- Impact: 10000 users, availability down",
        "fast checks on hotfix/auth-connection-leak at",
        "rollout 1 of v2 began (stable v1; steps 5% -> 100%)",
        "baking -> promoted at 100%",
        "milestone fix-deployed",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
    assert!(!report.contains("not described"), "{report}");
    // The curated timeline: no per-message rows, the export has those.
    assert!(!report.contains("message #1 to ag-1"), "{report}");
    let postmortem = std::fs::read_to_string(result["postmortem"].as_str().expect("postmortem"))
        .expect("postmortem written");
    assert!(postmortem.contains("v2 on 100% of traffic"), "{postmortem}");
    // The pull request was pushed for real to the demo's local remote.
    let project = std::path::Path::new(result["project"].as_str().expect("project"));
    let remote = project.parent().expect("base").join("remote.git");
    let branches = std::process::Command::new("git")
        .arg("-C")
        .arg(&remote)
        .args(["branch", "--list", "hotfix/auth-connection-leak"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git");
    assert!(
        String::from_utf8_lossy(&branches.stdout).contains("hotfix/auth-connection-leak"),
        "the branch is on the remote"
    );
}

#[test]
fn the_demos_bad_fix_is_rolled_back_and_the_incident_stays_open() {
    let mut env = TestEnv::start();
    rust_toolchain(&mut env);
    let result = demo(&env, &["--bad-fix"]);
    assert_eq!(result["rollout"], "rolled-back", "{result}");
    assert!(result["postmortem"].is_null(), "{result}");
    let report = std::fs::read_to_string(result["report"].as_str().expect("report"))
        .expect("report written");
    for line in [
        "Not resolved yet",
        "check canary-health failure: answered 500, expected 200",
        "baking -> rolling-back",
        "rollback set",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
}
