//! The supervisor daemon, for real: started detached by quick-deploy on a
//! private tmux server, with simulated agents that crash, hit rate limits
//! and ask for permission; killed with -9 and started again.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::env::{TestEnv, wait_until};

/// Simulated agents for these tests; the first matching rule answers.
const SCENARIO: &str = r#"
think_ms = 50
[[rule]]
match = "crash now"
steps = [{ exit = 3 }]
[[rule]]
match = "BRIEFING\\. You are|CONTEXT RESTORED"
steps = [{ say = "Ready: {name} of {team}." }]
[[rule]]
match = "hit the limit"
steps = [{ say = "⚠ Rate limited · resets in 3s" }]
[[rule]]
match = "deploy it"
steps = [{ ask = "Allow kubectl rollout restart auth" }]
"#;

/// Fast thresholds, and a file channel for what a person is told.
fn config(env: &TestEnv) -> String {
    format!(
        r#"
[[channels]]
name = "incident-commander"
kind = "file"
path = "{}"
format = "jsonl"

[supervision.normal]
tick = "200ms"
restart_backoff = ["0s"]
max_restarts = 2
restart_window = "10m"
waiting_notify_after = "1s"
"#,
        env.path("notices.jsonl").display()
    )
}

fn setup() -> TestEnv {
    let env = TestEnv::start().with_daemon();
    std::fs::write(env.path("project/scenario.toml"), SCENARIO).expect("scenario");
    std::fs::write(env.path("project/warroom.toml"), config(&env)).expect("config");
    env
}

fn deploy(env: &TestEnv, team: &str) -> Value {
    let scenario = env.path("project/scenario.toml");
    let out = env.ok(&[
        "quick-deploy",
        "backend",
        "3",
        "--project-name",
        team,
        "--agent",
        "sim",
        "--scenario",
        scenario.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.stdout.contains("Supervisor: daemon started"),
        "{}",
        out.stdout
    );
    env.json(&["agent", "list", team])
}

fn agent(agents: &Value, window: u64) -> &Value {
    agents
        .as_array()
        .and_then(|a| a.iter().find(|a| a["window"] == window))
        .expect("agent")
}

fn supervisor_count(env: &TestEnv, team: &str, window: u64, action: &str) -> u64 {
    let perf = env.json(&["monitor", "performance", "--session", team]);
    perf["agents"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["target"] == format!("{team}:{window}")))
        .and_then(|a| a["supervisor"][action].as_u64())
        .unwrap_or(0)
}

fn kill(pid: &Value) {
    let pid = pid.as_u64().expect("pid").to_string();
    let out = std::process::Command::new("kill")
        .args(["-9", &pid])
        .output()
        .expect("kill runs");
    assert!(out.status.success());
}

#[test]
fn the_daemon_is_one_per_data_directory_and_stops_cleanly() {
    let env = setup();
    let status = env.json(&["daemon", "status"]);
    assert_eq!(status["running"], false);
    let out = env.run(&["recovery", "start", "--emergency"]);
    assert_eq!(out.code, 2, "no team yet: {}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("no team is running"), "{}", out.stderr);
    let started = env.json(&["daemon", "start"]);
    assert_eq!(started["running"], true);
    let pid = started["daemon"]["pid"].clone();
    assert_eq!(started["daemon"]["version"], env!("CARGO_PKG_VERSION"));
    // A second start finds it; a second daemon run gives way at once.
    assert_eq!(env.json(&["daemon", "start"])["daemon"]["pid"], pid);
    let second = env.ok(&["daemon", "run"]);
    assert!(
        second
            .stderr
            .contains("another daemon holds this data directory"),
        "{}",
        second.stderr
    );
    assert_eq!(env.json(&["daemon", "status"])["daemon"]["pid"], pid);
    let logs = env.ok(&["daemon", "logs"]);
    assert!(logs.stdout.contains("supervising"), "{}", logs.stdout);

    // Killed outright: its lock goes with it, and a new one starts.
    env.kill_daemon();
    assert_eq!(env.json(&["daemon", "status"])["running"], false);
    let again = env.json(&["daemon", "start"]);
    assert_ne!(again["daemon"]["pid"], pid);

    let stopped = env.json(&["daemon", "stop"]);
    assert_eq!(stopped["stopped"]["pid"], again["daemon"]["pid"]);
    assert_eq!(env.json(&["daemon", "status"])["running"], false);
    let out = env.ok(&["daemon", "stop"]);
    assert!(out.stdout.contains("No supervisor daemon was running"));
}

#[test]
fn a_killed_agent_is_back_with_its_context_and_the_others_are_untouched() {
    let env = setup();
    let agents = deploy(&env, "revive");
    // The seed's words: the emergency policy for this team.
    let recovery = env.ok(&["recovery", "start", "--emergency", "--session", "revive"]);
    assert!(
        recovery
            .stdout
            .contains("Recovery started with the emergency policy"),
        "{}",
        recovery.stdout
    );
    assert_eq!(
        env.json(&["daemon", "status"])["teams"][0]["policy"],
        "emergency"
    );
    env.ok(&[
        "agent",
        "send",
        "revive:0",
        "The pool leaks in handler.rs line 88",
    ]);
    env.wait_idle("revive");
    let before = agent(&agents, 0)["pid"].clone();
    let others: Vec<Value> = [1, 2]
        .iter()
        .map(|w| agent(&agents, *w)["pid"].clone())
        .collect();

    let killed_at = Instant::now();
    kill(&before);
    let mut back_after = None;
    wait_until("ag 0 back with its context", Duration::from_secs(5), || {
        let restored = env
            .transcript(agent(&agents, 0)["id"].as_str().expect("id"))
            .iter()
            .any(|m| m.contains("CONTEXT RESTORED"));
        if restored && back_after.is_none() {
            back_after = Some(killed_at.elapsed());
        }
        restored
    });
    eprintln!("killed agent back with its context after {:?}", back_after);
    let context = env
        .transcript(agent(&agents, 0)["id"].as_str().expect("id"))
        .into_iter()
        .find(|m| m.contains("CONTEXT RESTORED"))
        .expect("context");
    for part in [
        "Senior Backend Developer",
        "INCIDENT INC-",
        "The pool leaks in handler.rs line 88",
    ] {
        assert!(context.contains(part), "{part:?} missing from:\n{context}");
    }
    env.wait_idle("revive");
    let now = env.json(&["agent", "list", "revive"]);
    assert_ne!(agent(&now, 0)["pid"], before);
    assert_eq!(agent(&now, 0)["restarts"], 1);
    for (w, pid) in [1, 2].iter().zip(&others) {
        assert_eq!(
            &agent(&now, *w)["pid"],
            pid,
            "a healthy agent was restarted"
        );
        assert_eq!(agent(&now, *w)["restarts"], 0);
    }
    assert_eq!(supervisor_count(&env, "revive", 0, "restart"), 1);
}

#[test]
fn a_crash_loop_is_given_up_and_a_person_called_once() {
    let env = setup();
    let agents = deploy(&env, "loop");
    // Every restart replays "crash now" in the context: it dies each time.
    let out = env.run(&["agent", "send", "loop:0", "crash now"]);
    assert!(
        out.code == 0 || out.code == 1,
        "{}{}",
        out.stdout,
        out.stderr
    );
    wait_until("the supervisor to give up", Duration::from_secs(20), || {
        supervisor_count(&env, "loop", 0, "give-up") == 1
    });
    assert_eq!(supervisor_count(&env, "loop", 0, "restart"), 2);
    wait_until("the notice", Duration::from_secs(5), || {
        !env.notices().is_empty()
    });
    std::thread::sleep(Duration::from_secs(1));
    let notices = env.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("AGENT FAILED: senior-backend-developer (loop:0)")),
        "{notices:?}"
    );
    let status = env.json(&["daemon", "status"]);
    let failed = &status["teams"][0]["agents"][0];
    assert_eq!(failed["failed"], true, "{status}");
    // The project manager heard of it too.
    let pm = agent(&agents, 2)["id"].as_str().expect("id").to_owned();
    wait_until("the PM to hear of it", Duration::from_secs(10), || {
        env.transcript(&pm)
            .iter()
            .any(|m| m.contains("AGENT FAILED"))
    });
    // A person restarting it puts it back under supervision.
    let out = env.run(&["agent", "restart", "loop:0"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let status = env.json(&["daemon", "status"]);
    assert_eq!(status["teams"][0]["agents"][0]["failed"], false, "{status}");
}

#[test]
fn a_rate_limited_agent_is_parked_then_told_to_continue_once() {
    let env = setup();
    let agents = deploy(&env, "limits");
    let id = agent(&agents, 1)["id"].as_str().expect("id").to_owned();
    env.ok(&["agent", "send", "limits:1", "hit the limit"]);
    wait_until("the agent to be parked", Duration::from_secs(5), || {
        supervisor_count(&env, "limits", 1, "park") == 1
    });
    let listed = env.json(&["agent", "list", "limits"]);
    assert_eq!(agent(&listed, 1)["state"], "rate-limited");
    assert_eq!(agent(&listed, 1)["state_detail"], "resets in 3s");
    let parked_at = Instant::now();
    wait_until("the continue message", Duration::from_secs(10), || {
        env.transcript(&id)
            .iter()
            .any(|m| m.contains("Your rate limit has reset"))
    });
    let waited = parked_at.elapsed();
    assert!(
        waited >= Duration::from_millis(1500),
        "resumed before the reset: {waited:?}"
    );
    env.wait_idle("limits");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(supervisor_count(&env, "limits", 1, "resume"), 1);
    let resumes = env
        .transcript(&id)
        .iter()
        .filter(|m| m.contains("Your rate limit has reset"))
        .count();
    assert_eq!(resumes, 1);
    assert_eq!(
        agent(&env.json(&["agent", "list", "limits"]), 1)["restarts"],
        0
    );
}

#[test]
fn a_waiting_agent_gives_one_notice_even_across_a_daemon_kill() {
    let env = setup();
    let agents = deploy(&env, "asks");
    env.ok(&["agent", "send", "asks:1", "deploy it"]);
    wait_until("the notice", Duration::from_secs(10), || {
        !env.notices().is_empty()
    });
    let notice = &env.notices()[0];
    assert!(
        notice["text"].as_str().is_some_and(|t| t.contains(
            "DECISION NEEDED: devops-engineer (asks:1) waits for an answer: Allow kubectl rollout restart auth"
        )),
        "{notice}"
    );
    // Killed and started again, the daemon does not tell it twice.
    env.kill_daemon();
    env.ok(&["daemon", "start"]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(env.notices().len(), 1);
    let pm = agent(&agents, 2)["id"].as_str().expect("id").to_owned();
    let told = env
        .transcript(&pm)
        .iter()
        .filter(|m| m.contains("DECISION NEEDED"))
        .count();
    assert_eq!(told, 1);
    // It is never auto-approved: still waiting, not restarted.
    let listed = env.json(&["agent", "list", "asks"]);
    assert_eq!(agent(&listed, 1)["state"], "waiting");
    assert_eq!(agent(&listed, 1)["restarts"], 0);

    let perf = env.json(&["monitor", "performance", "--session", "asks", "--analyze"]);
    let kinds: Vec<&str> = perf["bottlenecks"]
        .as_array()
        .expect("bottlenecks")
        .iter()
        .filter_map(|b| b["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"waiting-on-permission"), "{perf}");
    let text = env.ok(&["monitor", "performance", "--session", "asks", "--analyze"]);
    assert!(
        text.stdout
            .contains("[waiting-on-permission] asks:1 (devops-engineer) waited"),
        "{}",
        text.stdout
    );
    // Minutes into the incident, no hourly rate is made up.
    assert!(
        text.stdout.contains("open (0 blocked), in the first "),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("done per hour"), "{}", text.stdout);
}

#[test]
fn an_overdue_todo_escalates_exactly_once_across_a_daemon_kill() {
    let env = setup();
    deploy(&env, "esc");
    env.ok(&[
        "todo",
        "add",
        "esc",
        "Find the leak",
        "--owner",
        "esc:0",
        "--due",
        "1s",
    ]);
    let escalations = || {
        env.messages("esc")
            .iter()
            .filter(|m| {
                m["text"]
                    .as_str()
                    .is_some_and(|b| b.starts_with("ESCALATION") && b.contains("Find the leak"))
            })
            .count()
    };
    wait_until("the escalation", Duration::from_secs(10), || {
        escalations() == 1
    });
    env.kill_daemon();
    env.ok(&["daemon", "start"]);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(escalations(), 1);
}

#[test]
fn a_killed_tmux_server_is_restored_with_every_agent() {
    let env = setup();
    let agents = deploy(&env, "phoenix");
    env.tmux(&["kill-server"]);
    wait_until("the team to be restored", Duration::from_secs(15), || {
        agents.as_array().expect("agents").iter().all(|a| {
            env.transcript(a["id"].as_str().expect("id"))
                .iter()
                .any(|m| m.contains("CONTEXT RESTORED"))
        })
    });
    env.wait_idle("phoenix");
    let now = env.json(&["agent", "list", "phoenix"]);
    for w in 0..3 {
        assert_ne!(agent(&now, w)["pane"], Value::Null);
        assert_ne!(agent(&now, w)["pid"], agent(&agents, w)["pid"]);
    }
    let report = env.ok(&["pm", "report", "phoenix", "--type", "incident"]);
    let path = report
        .stdout
        .lines()
        .last()
        .expect("path")
        .trim()
        .to_owned();
    let text = std::fs::read_to_string(path.rsplit(' ').next().expect("path")).expect("report");
    assert!(
        text.contains("team phoenix restored (3 agents relaunched): its tmux session was gone"),
        "{text}"
    );
}

#[test]
fn a_stopped_team_is_not_restored() {
    let env = setup();
    deploy(&env, "gone");
    env.ok(&["team", "kill", "gone"]);
    std::thread::sleep(Duration::from_secs(2));
    assert!(!env.tmux(&["list-sessions"]).contains("gone"));
    let logs = env.ok(&["daemon", "logs"]);
    assert!(logs.stdout.contains("team gone ended"), "{}", logs.stdout);
    assert!(!logs.stdout.contains("restored"), "{}", logs.stdout);
}

#[test]
fn the_daemon_leaves_when_nothing_needs_it() {
    let mut env = TestEnv::start();
    env.extra
        .push(("WARROOM_DAEMON_IDLE_EXIT".into(), "1s".into()));
    assert_eq!(env.json(&["daemon", "start"])["running"], true);
    wait_until("the idle daemon to leave", Duration::from_secs(10), || {
        env.json(&["daemon", "status"])["running"] == false
    });
    let logs = env.ok(&["daemon", "logs"]);
    assert!(logs.stdout.contains("nothing to watch"), "{}", logs.stdout);
}
