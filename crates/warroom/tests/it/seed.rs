//! The seed's hotfix sequence, typed as the example types it.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use crate::env::{TestEnv, wait_until};

const BRIEFING: &str = "CRITICAL: Auth service returning 500 errors.
Users cannot log in. Started 10 minutes ago.
Logs show 'connection pool exhausted' errors.
Priority: Fix immediately.";

fn error_log() -> String {
    (0..100)
        .map(|i| format!("2026-11-22T01:{:02}:00Z ERROR auth[812]: connection pool exhausted; user=$(id) `whoami` #{{pane_id}} && rm -rf ./x ; n={i}", i % 60))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_seed_hotfix_workflow_end_to_end() {
    let env = TestEnv::start();

    // Step 1: quick-deploy backend 3 --project-name auth-hotfix
    let deploy = env.deploy("auth-hotfix", "3", "auth-hotfix");
    let agents = deploy["agents"].as_array().expect("agents");
    let roles: Vec<&str> = agents
        .iter()
        .map(|a| a["agent"]["role"].as_str().expect("role"))
        .collect();
    assert_eq!(
        roles,
        [
            "senior-backend-developer",
            "devops-engineer",
            "project-manager"
        ]
    );
    for (window, a) in agents.iter().enumerate() {
        assert_eq!(a["agent"]["window"], window);
        assert_eq!(a["ready"], true);
        assert_eq!(a["briefing"]["outcome"], "submitted");
    }
    // Each agent started with its own role briefing, as its first message.
    let pm_first = &env.transcript("ag-3")[0];
    assert!(
        pm_first.contains("BRIEFING. You are the Project Manager"),
        "{pm_first}"
    );
    // One tmux session named exactly as given, one window per agent.
    assert_eq!(
        env.tmux(&["list-sessions", "-F", "#{session_name}"]).trim(),
        "auth-hotfix"
    );
    assert_eq!(
        env.tmux(&[
            "list-windows",
            "-t",
            "=auth-hotfix",
            "-F",
            "#{window_index}"
        ])
        .lines()
        .count(),
        3
    );

    // Step 2: team broadcast, then the error log to window 0.
    env.ok(&["team", "broadcast", "auth-hotfix", BRIEFING]);
    let log = error_log();
    env.ok(&["agent", "send", "auth-hotfix:0", &log]);
    // The log arrived as text, byte for byte, and nothing in it ran.
    let received = env.transcript("ag-1");
    assert!(
        received.iter().any(|m| m.ends_with(&log)),
        "the log did not arrive intact"
    );
    assert!(!env.path("project/x").exists());

    // Step 3: the agents coordinate by themselves (PM assigns, dev and
    // DevOps report back); wait for their two reports to reach the PM.
    wait_until(
        "the agents' reports to the PM",
        Duration::from_secs(30),
        || {
            let msgs = env.messages("auth-hotfix");
            let to_pm_from_agents = msgs
                .iter()
                .filter(|m| {
                    m["from_kind"] == "agent"
                        && m["to"]
                            .as_str()
                            .is_some_and(|t| t.starts_with("project-manager"))
                })
                .count();
            let in_flight = msgs.iter().any(|m| m["outcome"] == "pending");
            to_pm_from_agents >= 2 && !in_flight
        },
    );
    let msgs = env.messages("auth-hotfix");
    // The PM's messages are sent by the PM agent itself (its pane's id).
    assert!(
        msgs.iter()
            .any(|m| m["from"] == "project-manager (auth-hotfix:2)" && m["from_kind"] == "agent")
    );
    assert!(
        msgs.iter()
            .any(|m| m["from"] == "tester" && m["from_kind"] == "human")
    );
    for m in &msgs {
        assert_eq!(
            m["outcome"], "submitted",
            "message {} was not submitted: {m}",
            m["id"]
        );
    }

    // Step 4: agent messages --follow streams a new message as it happens.
    let mut follow = env
        .warroom()
        .args(["agent", "messages", "auth-hotfix", "--follow"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("follow starts");
    let stdout = follow.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    env.ok(&[
        "agent",
        "send",
        "auth-hotfix:devops-engineer",
        "follow-me marker",
    ]);
    let mut seen = false;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        if line.contains("follow-me marker") {
            assert!(line.contains("submitted"), "{line}");
            seen = true;
            break;
        }
    }
    follow.kill().expect("stop follow");
    let _ = follow.wait();
    assert!(seen, "--follow did not stream the new message");

    // Step 5: agent restart --restore-context starts a new process and gives
    // it its briefing, the purpose and its last messages.
    let before = env.json(&["agent", "list", "auth-hotfix"]);
    let old_pid = before[0]["pid"].as_u64().expect("pid");
    let restart = env.json(&["agent", "restart", "auth-hotfix:0", "--restore-context"]);
    let new_pid = restart["new_pid"].as_u64().expect("new pid");
    assert_ne!(old_pid, new_pid);
    assert_eq!(restart["context"]["outcome"], "submitted");
    let context = env
        .transcript("ag-1")
        .last()
        .cloned()
        .expect("context arrived");
    assert!(context.contains("CONTEXT RESTORED"), "{context}");
    assert!(
        context.contains("BRIEFING. You are the Senior Backend Developer"),
        "{context}"
    );
    assert!(
        context.contains("Team purpose: CRITICAL: Auth service returning 500 errors."),
        "{context}"
    );
    assert!(
        context.contains("connection pool exhausted"),
        "the last messages are missing: {context}"
    );
    env.wait_idle("auth-hotfix");
    let after = env.json(&["agent", "list", "auth-hotfix"]);
    assert_eq!(after[0]["pid"].as_u64(), Some(new_pid));
    assert_eq!(after[0]["restarts"], 1);

    // Step 6: export (text to stdout, as `> incident-log.txt`; JSON lines to a file).
    let text = env
        .ok(&["agent", "messages", "auth-hotfix", "--export"])
        .stdout;
    assert!(text.starts_with("# messages of team auth-hotfix"));
    assert!(
        text.contains("tester -> senior-backend-developer (auth-hotfix:0) [submitted]"),
        "{text}"
    );
    let jsonl = env.path("log.jsonl");
    env.ok(&[
        "agent",
        "messages",
        "auth-hotfix",
        "--export",
        jsonl.to_str().expect("utf8"),
        "--format",
        "jsonl",
    ]);
    let lines = std::fs::read_to_string(&jsonl).expect("export written");
    let total = env.messages("auth-hotfix").len();
    assert_eq!(lines.lines().count(), total);
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        assert!(
            v["from"].is_string()
                && v["to"].is_string()
                && v["at"].is_i64()
                && v["outcome"].is_string()
        );
    }

    // Step 7: pm report --type incident.
    let out = env.ok(&["pm", "report", "auth-hotfix", "--type", "incident"]);
    let path = out.stdout.trim();
    let report = std::fs::read_to_string(path).expect("report written where printed");
    assert!(report.starts_with("# Incident report: auth-hotfix"));
    assert!(
        report.contains("| 2 | ag-3 | project-manager | Project Manager | sim | 0 |"),
        "{report}"
    );
    assert!(report.contains("ag-1 restarted"), "{report}");
    assert!(
        report.contains("None: every message was submitted."),
        "{report}"
    );
    // The conversation is counted and pointed to; the export has every message.
    assert!(
        report.contains(" from tester")
            && report.contains("`warroom agent messages auth-hotfix --export`"),
        "{report}"
    );

    // Post-incident broadcast, then the team is stopped; its history stays.
    env.ok(&[
        "team",
        "broadcast",
        "auth-hotfix",
        "Post-mortem scheduled for tomorrow 2pm",
    ]);
    env.ok(&["team", "kill", "auth-hotfix"]);
    assert!(env.tmux(&["list-sessions"]).is_empty());
    assert!(
        env.ok(&["agent", "messages", "auth-hotfix"])
            .stdout
            .contains("Post-mortem scheduled")
    );
    let gone = env.run(&["agent", "send", "auth-hotfix:0", "hello?"]);
    assert_eq!(gone.code, 2, "{}", gone.stderr);
}

#[test]
fn team_add_and_send_by_role_alias_and_agent_id() {
    let env = TestEnv::start();
    env.deploy("db-recovery", "2", "default");
    let added = env.json(&[
        "team",
        "add",
        "db-recovery",
        "Database Expert",
        "--role",
        "dba",
        "--agent",
        "sim",
    ]);
    let agent = &added["agents"][0];
    assert_eq!(agent["agent"]["window"], 2);
    assert_eq!(agent["agent"]["role"], "database-expert");
    assert_eq!(agent["agent"]["name"], "Database Expert");
    assert_eq!(agent["briefing"]["outcome"], "submitted");
    let by_role = env.json(&["agent", "send", "db-recovery:dba", "check replication lag"]);
    assert_eq!(by_role["to"]["window"], 2);
    let id = agent["agent"]["id"].as_str().expect("id");
    let by_id = env.json(&["agent", "send", id, "and the locks"]);
    assert_eq!(by_id["outcome"], "submitted");
    let got = env.transcript(id);
    assert!(got.iter().any(|m| m.ends_with("check replication lag")));
    assert!(got.iter().any(|m| m.ends_with("and the locks")));
}
