//! The rollout for real: `deploy <team> --canary` against a service in two
//! versions behind a real HAProxy, judged by a real Prometheus, driven by
//! the daemon alone. A good canary is promoted (across a kill -9 of the
//! daemon mid-bake, repeating no step); a canary answering 500 is rolled
//! back with nothing but the daemon watching; a query with no data follows
//! the check's `on_no_data`; an agent of the wrong role cannot deploy.

use std::time::Duration;

use serde_json::Value;

use crate::canary_stack::Stack;
use crate::env::{TestEnv, wait_until};
use crate::repo::{init_repo, write};

fn project_with(env: &TestEnv, warroom_toml: &str) {
    let project = env.path("project");
    write(&project, "warroom.toml", warroom_toml);
    write(&project, "app.py", "VERSION = 'v2'\n");
    init_repo(&project, "service");
    env.deploy("auth-hotfix", "2", "default");
}

fn status(env: &TestEnv) -> Value {
    env.json(&["deploy", "status", "auth-hotfix"])
}

/// Waits for the rollout to reach one of `stages`; on a timeout, says
/// where it stood (stage, reason, measurements) rather than only that it
/// did not get there.
fn wait_for_stage(env: &TestEnv, stages: &[&str], secs: u64) -> Value {
    let start = std::time::Instant::now();
    loop {
        let last = status(env);
        if stages.iter().any(|s| last["stage"] == *s) {
            return last;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "the rollout did not reach {stages:?} in {secs} s; it stands at:\n{last:#}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn report(env: &TestEnv) -> String {
    let path = env.ok(&["pm", "report", "auth-hotfix"]).stdout;
    std::fs::read_to_string(path.trim()).expect("report")
}

fn health_check(stack: &Stack) -> String {
    format!(
        "[[deploy.checks]]\nname = \"health\"\nkind = \"http\"\nurl = \"http://127.0.0.1:{}/health\"\ninterval = \"1s\"\n",
        stack.canary
    )
}

#[test]
fn a_good_canary_is_promoted_by_the_daemon_even_across_a_kill_9_mid_bake() {
    let env = TestEnv::start().with_daemon();
    let stack = Stack::start(&env.path("prod"), false);
    let steps = format!(
        "[[deploy.steps]]\nweight = 50\nbake = \"6s\"\nchecks = [\"errors\"]\n[[deploy.steps]]\nweight = 100\nchecks = [\"health\"]\n{}{}",
        stack.error_ratio_check("v2", "inconclusive_limit = 30"),
        health_check(&stack)
    );
    project_with(&env, &stack.runbook(&steps));

    // Only the deployment roles, or a person, change production.
    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let developer = agents[0]["id"].as_str().expect("id");
    let refused = env
        .warroom()
        .env("WARROOM_AGENT_ID", developer)
        .args(["deploy", "auth-hotfix", "--canary"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("may not deploy a rollout"), "{said}");

    // The DevOps engineer starts it from its pane.
    let devops = agents[1]["id"].as_str().expect("id");
    assert_eq!(agents[1]["role"], "devops-engineer");
    let out = env
        .warroom()
        .env("WARROOM_AGENT_ID", devops)
        .args(["--json", "deploy", "auth-hotfix", "--canary"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let started: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(started["version"], "v2");
    assert_eq!(started["steps"][0]["weight"], 50);
    let baking = wait_for_stage(&env, &["baking"], 30);
    assert_eq!(baking["weight"], 50, "{baking}");
    // Half the traffic on the canary (the proxy may take a moment to see
    // the canary healthy on a loaded machine).
    wait_until(
        "half the traffic on the canary",
        Duration::from_secs(10),
        || stack.served() == ["v1", "v2"],
    );

    // The daemon dies mid-bake; the next one resumes the same run.
    env.kill_daemon();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(status(&env)["stage"], "baking");
    env.ok(&["daemon"]);
    let done = wait_for_stage(&env, &["promoted", "rolled-back", "rollback-failed"], 60);
    assert_eq!(done["stage"], "promoted", "{done}");
    assert_eq!(done["weight"], 100);
    assert_eq!(stack.served(), ["v2"]);
    let measured: Vec<&Value> = done["measurements"]
        .as_array()
        .expect("list")
        .iter()
        .collect();
    assert!(
        measured
            .iter()
            .any(|m| m["check"] == "errors" && m["judged"] == "success"),
        "{done}"
    );
    assert!(measured.iter().any(|m| m["check"] == "health"), "{done}");

    // Each step's weight was set once: the resumed run repeated none.
    let report = report(&env);
    assert_eq!(report.matches("weight 50% set").count(), 1, "{report}");
    assert_eq!(report.matches("weight 100% set").count(), 1, "{report}");
    assert!(report.contains("baking -> promoted"), "{report}");
    let began = report
        .lines()
        .find(|l| l.contains("rollout 1 of v2 began"))
        .expect("the start in the timeline");
    assert!(
        began.contains("devops-engineer (auth-hotfix:1)"),
        "the DevOps agent started it: {began}"
    );

    let incident = env.json(&["incident", "status", "INC-1"]);
    let milestones = incident["milestones"].to_string();
    assert!(milestones.contains("fix-deployed"), "{incident}");
    assert!(milestones.contains("mitigated"), "{incident}");
    assert_eq!(incident["rollout"]["stage"], "promoted", "{incident}");
    let text = env.ok(&["incident", "status", "INC-1"]).stdout;
    assert!(text.contains("rollout 1 of v2: promoted at 100%"), "{text}");
}

#[test]
fn a_canary_answering_500_is_rolled_back_with_only_the_daemon_watching() {
    let env = TestEnv::start().with_daemon();
    let stack = Stack::start(&env.path("prod"), true);
    let steps = format!(
        "[[deploy.steps]]\nweight = 50\nbake = \"5m\"\nchecks = [\"errors\"]\n[[deploy.steps]]\nweight = 100\n{}",
        stack.error_ratio_check("v2", "inconclusive_limit = 30")
    );
    project_with(&env, &stack.runbook(&steps));
    env.json(&["deploy", "auth-hotfix", "--canary"]);
    // Nobody runs a command now: the daemon measures, judges and rolls back
    // (a loaded machine may take a while to give Prometheus its first data).
    let done = wait_for_stage(&env, &["promoted", "rolled-back", "rollback-failed"], 120);
    assert_eq!(done["stage"], "rolled-back", "{done}");
    assert_eq!(done["weight"], 0);
    assert_eq!(done["healthy_after_rollback"], true, "{done}");
    let reason = done["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("check errors failed"), "{reason}");
    assert_eq!(
        stack.served(),
        ["v1"],
        "all traffic back on the stable version"
    );
    let failed = done["measurements"]
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["judged"] == "failure")
        .cloned()
        .expect("the failing measurement");
    assert!(
        failed["query"]
            .as_str()
            .unwrap_or_default()
            .contains("version=\"v2\"")
    );
    assert!(
        failed["message"]
            .as_str()
            .unwrap_or_default()
            .contains("is not <= 0.05"),
        "{failed}"
    );
    assert!(
        failed["policy"]
            .as_str()
            .unwrap_or_default()
            .contains("failure_limit=0")
    );

    let report = report(&env);
    assert!(report.contains("baking -> rolling-back"), "{report}");
    assert!(report.contains("rollback set"), "{report}");
    // Stakeholders heard of it.
    let incident = env.json(&["incident", "status", "INC-1"]);
    assert_eq!(incident["rollout"]["stage"], "rolled-back");
    // The update goes out right after the outcome is saved.
    wait_until("the stakeholder update", Duration::from_secs(10), || {
        env.json(&["incident", "status", "INC-1"])["last_update_at"].is_number()
    });
    // The same commit is not deployed again without saying so.
    let again = env.run(&["deploy", "auth-hotfix", "--canary"]);
    assert_eq!(again.code, 2, "{}{}", again.stdout, again.stderr);
    assert!(again.stderr.contains("deploy retry"), "{}", again.stderr);
}

#[test]
fn a_query_with_no_data_follows_on_no_data_and_a_pause_waits_for_a_person() {
    let env = TestEnv::start().with_daemon();
    let stack = Stack::start(&env.path("prod"), false);
    // No series ever carries version v9: every measurement is no data.
    let steps = format!(
        "[[deploy.steps]]\nweight = 10\nbake = \"2s\"\nchecks = [\"errors\"]\n[[deploy.steps]]\nweight = 100\n{}",
        stack.error_ratio_check("v9", "on_no_data = \"inconclusive\"")
    );
    project_with(&env, &stack.runbook(&steps));
    env.json(&["deploy", "auth-hotfix", "--canary"]);
    let paused = wait_for_stage(&env, &["paused", "promoted", "rolled-back"], 30);
    assert_eq!(paused["stage"], "paused", "{paused}");
    assert_eq!(paused["weight"], 10);
    assert!(
        paused["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("had no data"),
        "{paused}"
    );
    let measured = &paused["measurements"][0];
    assert_eq!(measured["judged"], "inconclusive", "{paused}");
    assert!(
        measured["policy"]
            .as_str()
            .unwrap_or_default()
            .contains("on_no_data=inconclusive")
    );
    // It stays paused until a person decides.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(status(&env)["stage"], "paused");
    env.json(&["deploy", "promote", "auth-hotfix"]);
    let done = wait_for_stage(&env, &["promoted", "rolled-back"], 30);
    assert_eq!(done["stage"], "promoted", "{done}");
    let report = report(&env);
    assert!(report.contains("promoted by hand"), "{report}");
}

#[test]
fn no_data_with_on_no_data_fail_rolls_back() {
    let env = TestEnv::start().with_daemon();
    let stack = Stack::start(&env.path("prod"), false);
    let steps = format!(
        "[[deploy.steps]]\nweight = 10\nbake = \"1m\"\nchecks = [\"errors\"]\n[[deploy.steps]]\nweight = 100\n{}",
        stack.error_ratio_check("v9", "on_no_data = \"fail\"")
    );
    project_with(&env, &stack.runbook(&steps));
    env.json(&["deploy", "auth-hotfix", "--canary"]);
    let done = wait_for_stage(&env, &["promoted", "rolled-back", "paused"], 30);
    assert_eq!(done["stage"], "rolled-back", "{done}");
    assert_eq!(done["measurements"][0]["judged"], "failure", "{done}");
    assert_eq!(stack.served(), ["v1"]);
}

#[test]
fn the_gates_hold_the_rollout_until_the_sign_off_the_check_and_the_pull_request() {
    let forge = crate::pull_request::FakeForge::start();
    let mut env = TestEnv::start();
    env.extra.push(("GITHUB_API_URL".into(), forge.url.clone()));
    env.extra
        .push(("GITHUB_TOKEN".into(), crate::pull_request::TOKEN.into()));
    let project = env.path("project");
    write(&project, "pytest.ini", "[pytest]\n");
    write(&project, "auth/__init__.py", "");
    write(
        &project,
        "auth/pool.py",
        "def release(free):\n    return free\n",
    );
    write(
        &project,
        "tests/test_pool.py",
        "from auth.pool import release\n\ndef test_release():\n    assert release(1) == 2\n",
    );
    // The default gates: security sign-off, checks, pull request.
    write(
        &project,
        "warroom.toml",
        "[forge]\nrepo = \"acme/auth\"\n[deploy]\nstable_version = \"v1\"\nset_weight = { run = [\"true\"] }\nrollback = { run = [\"true\"] }\n",
    );
    init_repo(&project, "auth service");
    crate::repo::git(env.dir.path(), &["init", "-q", "--bare", "remote.git"]);
    let remote = env.path("remote.git").display().to_string();
    crate::repo::git(&project, &["remote", "add", "origin", &remote]);
    env.ok(&[
        "incident",
        "declare",
        "Auth returns 500",
        "--impact",
        "users=10000,availability=down",
        "--domain",
        "auth",
        "--deploy",
        "--agent",
        "sim",
    ]);
    let team = "auth-returns-500";
    let agents = env.json(&["agent", "list", team]);
    let workdir = std::path::PathBuf::from(agents[0]["workdir"].as_str().expect("workdir"));
    write(
        &workdir,
        "auth/pool.py",
        "def release(free):\n    return free + 1\n",
    );
    crate::repo::git(&workdir, &["commit", "-qam", "release gives it back"]);

    let refused = env.run(&["deploy", team, "--canary"]);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    for said in [
        "waits for: security-sign-off, checks, pull-request",
        "warroom todo done",
        "warroom pm quality-check auth-returns-500 --fast",
        "warroom pm create-pr auth-returns-500 --emergency",
    ] {
        assert!(
            refused.stderr.contains(said),
            "no {said:?} in {}",
            refused.stderr
        );
    }
    let todos = env.json(&["todo", "list", "INC-1", "--all"]);
    let sign_off = todos
        .as_array()
        .expect("todos")
        .iter()
        .find(|t| t["kind"] == "sign-off")
        .and_then(|t| t["id"].as_str())
        .expect("the security sign-off todo")
        .to_owned();
    env.ok(&["todo", "done", &sign_off]);
    env.ok(&["pm", "quality-check", team, "--fast"]);
    let still = env.run(&["deploy", team, "--canary"]);
    assert_eq!(still.code, 2, "{}", still.stderr);
    assert!(
        still.stderr.contains("waits for: pull-request"),
        "{}",
        still.stderr
    );

    env.ok(&["pm", "create-pr", team, "--emergency", "--skip-full-tests"]);
    let started = env.json(&["deploy", team, "--canary"]);
    assert_eq!(started["stage"], "shifting", "{started}");
    assert_eq!(started["incident"], "INC-1");
    // A second one while it runs is refused.
    let twice = env.run(&["deploy", team, "--canary"]);
    assert_eq!(twice.code, 2);
    assert!(twice.stderr.contains("still running"), "{}", twice.stderr);
}

#[test]
fn a_rollback_that_fails_pages_the_incident_commander() {
    let env = TestEnv::start().with_daemon();
    let stack = Stack::start(&env.path("prod"), true);
    let steps = format!(
        "[[deploy.steps]]\nweight = 50\nbake = \"5m\"\nchecks = [\"errors\"]\n[[deploy.steps]]\nweight = 100\n{}",
        stack.error_ratio_check("v2", "inconclusive_limit = 30")
    );
    // The rollback command itself fails.
    let runbook: String = stack
        .runbook(&steps)
        .lines()
        .map(|l| {
            if l.starts_with("rollback = ") {
                "rollback = { run = [\"false\"] }".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let notices = env.path("notices.jsonl");
    let channel = format!(
        "[[channels]]\nname = \"incident-commander\"\nkind = \"file\"\npath = \"{}\"\nformat = \"jsonl\"\n",
        notices.display()
    );
    project_with(&env, &format!("{channel}{runbook}\n"));
    env.json(&["deploy", "auth-hotfix", "--canary"]);
    let done = wait_for_stage(&env, &["promoted", "rolled-back", "rollback-failed"], 60);
    assert_eq!(done["stage"], "rollback-failed", "{done}");
    let reason = done["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("the rollback failed: exited with status 1"),
        "{reason}"
    );
    // The page goes out right after the outcome is saved.
    wait_until(
        "the page to the incident commander",
        Duration::from_secs(10),
        || {
            env.notices()
                .iter()
                .any(|n| n.to_string().contains("rollback-failed"))
        },
    );
    let page = env
        .notices()
        .into_iter()
        .find(|n| n.to_string().contains("rollback-failed"))
        .expect("the page");
    assert!(page.to_string().contains("URGENT"), "{page}");
    // Traffic is still half on the failing canary: the page says so.
    assert_eq!(stack.served(), ["v1", "v2"]);
}
