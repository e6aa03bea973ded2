//! The incident lifecycle end to end: a SEV1 auth incident declared from its
//! impact, its team deployed, agents calling `warroom todo` from their panes,
//! an overdue todo escalating on a clock the test drives, updates reaching a
//! real webhook receiver on 127.0.0.1, the security gate, the report and the
//! postmortem, with known secrets never leaving the log file.

use std::time::Duration;

use serde_json::Value;

use crate::env::{Output, Receiver, TestEnv, wait_until};

const T0: &str = "2026-11-22T14:00:00Z";

const SECRETS: &[&str] = &[
    "hunter2-db-password",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "AKIAIOSFODNN7EXAMPLE",
];

/// Runs on the drill clock set to `when`; every later command of the test
/// keeps that clock until the next `at`.
fn at(env: &TestEnv, when: &str, args: &[&str]) -> Output {
    env.drill(when);
    env.run(args)
}

fn json_at(env: &TestEnv, when: &str, args: &[&str]) -> Value {
    env.drill(when);
    env.json(args)
}

fn todo<'a>(list: &'a Value, title_part: &str) -> &'a Value {
    list.as_array()
        .expect("list")
        .iter()
        .find(|t| t["title"].as_str().is_some_and(|s| s.contains(title_part)))
        .unwrap_or_else(|| panic!("no todo like {title_part:?} in {list}"))
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks {s}:\n{text}");
    }
}

#[test]
fn a_sev1_auth_incident_runs_from_declaration_to_postmortem() {
    let env = TestEnv::start();
    let hook = Receiver::start();
    std::fs::write(
        env.path("project/warroom.toml"),
        format!(
            "[[channels]]\nname = \"stakeholders\"\nkind = \"slack\"\nurl = \"{}\"\nbackoff_ms = 10\n",
            hook.url
        ),
    )
    .expect("config");
    std::fs::write(
        env.path("project/error.log"),
        format!(
            "14:00:01 ERROR auth-service: pool exhausted (50/50)\n14:00:02 DEBUG DB_PASSWORD={}\n14:00:03 DEBUG bearer token {}\n14:00:04 DEBUG aws key {}\n",
            SECRETS[0], SECRETS[1], SECRETS[2]
        ),
    )
    .expect("log");
    let exe = assert_cmd::cargo::cargo_bin!("warroom")
        .display()
        .to_string();
    std::fs::write(
        env.path("project/agents.toml"),
        format!(
            r#"think_ms = 50
[[rule]]
match = "BRIEFING\\. You are"
steps = [{{ say = "Briefing received." }}]
[[rule]]
role = "project-manager"
match = "claim the triage todos"
steps = [{{ run = "{exe} todo claim T-1 && {exe} todo claim T-2" }}]
[[rule]]
role = "senior-backend-developer"
match = "record the root cause"
steps = [{{ run = "{exe} incident milestone INC-1 root-cause 'pool exhausted by leaked connections' && {exe} todo done T-4 --note 'connection leak in token refresh'" }}]
[[rule]]
role = "security-engineer"
match = "sign off"
steps = [{{ run = "{exe} todo done T-6 --note 'no security regression; PCI scope untouched'" }}]
"#
        ),
    )
    .expect("scenario");

    // Declared from its impact: SEV1, with the rules' reasons.
    let declared = json_at(
        &env,
        T0,
        &[
            "incident",
            "declare",
            "Auth returns 500",
            "--impact",
            "users=10000,availability=down",
            "--domain",
            "auth",
            "--log",
            "error.log",
            "--deploy",
            "--agent",
            "sim",
            "--scenario",
            "agents.toml",
        ],
    );
    assert_eq!(declared["id"], "INC-1");
    assert_eq!(declared["severity"], "SEV1");
    let reasons = declared["reasons"].to_string();
    assert!(
        reasons.contains("production is down") && reasons.contains("10000 users"),
        "{reasons}"
    );
    // SEV1 auth: five agents, a security engineer among them.
    let roles: Vec<String> = declared["deploy"]["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| a["agent"]["role"].as_str().expect("role").to_owned())
        .collect();
    assert_eq!(roles.len(), 5, "{roles:?}");
    assert!(roles.contains(&"security-engineer".to_owned()), "{roles:?}");
    assert_eq!(declared["logs"][0]["redacted"], 3);
    let team = declared["deploy"]["team"]
        .as_str()
        .expect("team")
        .to_owned();
    assert_eq!(team, "auth-returns-500");
    env.wait_idle(&team);

    // Agents work the todo list from their own panes.
    env.ok(&[
        "agent",
        "send",
        &format!("{team}:pm"),
        "Please claim the triage todos.",
    ]);
    wait_until(
        "the PM to claim T-1 and T-2",
        Duration::from_secs(15),
        || {
            let list = env.json(&["todo", "list", "INC-1"]);
            ["Confirm severity", "Notify stakeholders"].iter().all(|t| {
                let t = todo(&list, t);
                t["status"] == "in-progress"
                    && t["owner"]
                        .as_str()
                        .is_some_and(|o| o.contains("project-manager"))
            })
        },
    );
    env.ok(&[
        "agent",
        "send",
        &format!("{team}:backend"),
        "Please record the root cause.",
    ]);
    wait_until(
        "the developer's root cause",
        Duration::from_secs(15),
        || {
            let status = env.json(&["incident", "status", "INC-1"]);
            status["milestones"]
                .as_array()
                .expect("milestones")
                .iter()
                .any(|m| {
                    m["name"] == "root-cause"
                        && m["by"]
                            .as_str()
                            .is_some_and(|b| b.contains("senior-backend-developer"))
                })
        },
    );
    env.wait_idle(&team);

    // 20 minutes on, the DevOps P0 (due at 15 min) is 5 minutes overdue:
    // owner, then project manager. Evaluating again escalates nothing more.
    // The drill clock advances, so times are counted from the declaration.
    let declared_at = declared["incident"]["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .find(|m| m["name"] == "declared")
        .and_then(|m| m["at"].as_i64())
        .expect("declared at");
    let minutes_on = |m: i64| {
        chrono::DateTime::from_timestamp_millis(declared_at + m * 60_000)
            .expect("time")
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let later = &minutes_on(20);
    let list = json_at(&env, later, &["todo", "list", "INC-1"]);
    assert_eq!(todo(&list, "rollback readiness")["escalation_level"], 2);
    assert_eq!(todo(&list, "rollback readiness")["overdue"], true);
    let again = json_at(&env, later, &["todo", "list", "INC-1"]);
    assert_eq!(todo(&again, "rollback readiness")["escalation_level"], 2);
    let log = env
        .ok(&["pm", "report", &team, "--type", "incident"])
        .stdout;
    let report = std::fs::read_to_string(log.trim()).expect("report");
    assert_eq!(
        report
            .matches("T-3 overdue by 5m: escalated to owner (step 1)")
            .count(),
        1,
        "{report}"
    );
    assert_eq!(
        report
            .matches("T-3 overdue by 5m: escalated to project-manager (step 2)")
            .count(),
        1,
        "{report}"
    );
    wait_until(
        "the escalation to reach the PM's pane",
        Duration::from_secs(15),
        || {
            env.transcript("ag-3")
                .iter()
                .any(|m| m.contains("ESCALATION") && m.contains("T-3"))
        },
    );

    // A stakeholder update reaches the webhook, as Slack's {"text"}.
    let update = at(
        &env,
        later,
        &[
            "incident",
            "update",
            "INC-1",
            "--status",
            "identified",
            "Connection pool exhausted; fix in progress.",
        ],
    );
    assert_eq!(update.code, 0, "{}{}", update.stdout, update.stderr);
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let sent: Value = serde_json::from_str(&bodies[0]).expect("JSON");
    let text = sent["text"].as_str().expect("text");
    assert!(
        text.contains("INC-1 IDENTIFIED") && text.contains("Connection pool exhausted"),
        "{text}"
    );

    // Phases: triage gates hold until done; the security sign-off gates deploying.
    for t in ["T-1", "T-2", "T-3", "T-5"] {
        at(&env, later, &["todo", "done", t]);
    }
    for phase in ["investigating", "fixing", "validating"] {
        let out = at(&env, later, &["incident", "phase", "INC-1", phase]);
        assert_eq!(out.code, 0, "{phase}: {}", out.stderr);
    }
    let gated = at(&env, later, &["incident", "phase", "INC-1", "deploying"]);
    assert_eq!(gated.code, 2, "{}", gated.stdout);
    assert!(
        gated
            .stderr
            .contains("validating cannot close while its gate todos are open: T-6"),
        "{}",
        gated.stderr
    );
    env.ok(&[
        "agent",
        "send",
        &format!("{team}:security"),
        "Please sign off the fix.",
    ]);
    wait_until("the security sign-off", Duration::from_secs(15), || {
        let all = env.json(&["todo", "list", "INC-1", "--all"]);
        todo(&all, "Security and compliance")["status"] == "done"
    });
    let out = at(&env, later, &["incident", "phase", "INC-1", "deploying"]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    // Resolved at 40 minutes; closing waits for the postmortem.
    let end = &minutes_on(40);
    at(&env, end, &["incident", "milestone", "INC-1", "fix-ready"]);
    at(&env, end, &["incident", "phase", "INC-1", "resolved"]);
    let refused = at(&env, end, &["incident", "close", "INC-1"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("needs a postmortem"),
        "{}",
        refused.stderr
    );

    // The report: each metric against its target.
    let path = at(&env, end, &["pm", "report", &team, "--type", "incident"]).stdout;
    let report = std::fs::read_to_string(path.trim()).expect("report");
    for line in [
        "| time to root cause |",
        "| time to fix | declared → fix-ready | 40m | 30m | red |",
        "| time to resolution | declared → resolved | 40m | 45m | green |",
        "| time to acknowledge |",
        "| time to mitigate |",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
    let pm = at(&env, end, &["postmortem", "INC-1", "--format", "html"]);
    assert_eq!(pm.code, 0, "{}", pm.stderr);
    let html = std::fs::read_to_string(pm.stdout.trim()).expect("postmortem");
    for heading in [
        "Summary",
        "Impact",
        "Root causes",
        "Trigger",
        "Detection",
        "Resolution",
        "Timeline (UTC)",
        "What went well",
        "What went wrong",
        "Where we got lucky",
        "Action items",
    ] {
        assert!(
            html.contains(&format!("<h2>{heading}</h2>")),
            "no {heading}"
        );
    }
    assert!(html.contains("pool exhausted by leaked connections"));
    let follow_ups = env.json(&["todo", "list", "INC-1"]);
    assert!(
        follow_ups
            .as_array()
            .expect("list")
            .iter()
            .any(|t| t["follow_up"] == true
                && t["title"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("Regression test"))),
        "{follow_ups}"
    );
    let closed = at(&env, end, &["incident", "close", "INC-1"]);
    assert_eq!(closed.code, 0, "{}", closed.stderr);

    // No secret reached a pane, a report, the postmortem or the webhook.
    for w in 0..5 {
        assert_no_secret("a pane", &env.capture(&format!("{team}:{w}")));
    }
    assert_no_secret("the report", &report);
    assert_no_secret("the postmortem", &html);
    assert_no_secret("the webhook", &hook.bodies().join("\n"));
    let logs = env.ok(&["incident", "logs", "INC-1"]).stdout;
    assert!(
        logs.contains("pool exhausted") && logs.contains("[REDACTED]"),
        "{logs}"
    );
    assert_no_secret("the stored log", &logs);
}

#[test]
fn bad_incident_input_is_refused_with_exit_2_and_nothing_stored() {
    let env = TestEnv::start();
    for args in [
        vec!["incident", "declare", "x", "--impact", "users=lots"],
        vec!["incident", "declare", "x", "--severity", "SEV9"],
        vec!["incident", "declare", "x", "--domain", "paymnts"],
        vec!["incident", "declare", "x", "--log", "missing.log"],
        vec![
            "incident",
            "declare",
            "x",
            "--impact",
            "users=10000,users=5",
        ],
        vec![
            "incident", "declare", "x", "--deploy", "--agent", "nonesuch",
        ],
        vec!["todo", "claim", "T-1"],
        vec!["incident", "status", "INC-9"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.starts_with("error: "),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert_eq!(
        env.json(&["incident", "list", "--all"]),
        serde_json::json!([])
    );
    let out = env.run(&[
        "incident",
        "declare",
        "Login slow",
        "--impact",
        "users=50",
        "--severity",
        "SEV2",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("set to SEV2 by hand (the rules gave SEV3)"),
        "{}",
        out.stdout
    );
    let out = env.run(&[
        "incident",
        "milestone",
        "INC-1",
        "resolved",
        "--at",
        "2020-01-01T00:00:00Z",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("resolved"), "{}", out.stderr);
    // Stakeholders are not told "resolved" while it is not.
    let out = env.run(&[
        "incident",
        "update",
        "INC-1",
        "--status",
        "resolved",
        "All good now",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("incident phase INC-1 resolved"),
        "{}",
        out.stderr
    );
}
