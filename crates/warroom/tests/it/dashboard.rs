//! `monitor dashboard`, the seed's step 4: one frame when no terminal is
//! there (snapshots at 100×30 and 80×24), and the real binary in a real
//! tmux pane following the store live: a message and a todo appear within
//! a second, a message typed into it reaches the agent, `q` ends it.

use std::time::{Duration, Instant};

use crate::env::{TestEnv, wait_until};

/// Durations (`12s`, `14m 36s`, `0.2s`) change from run to run; the layout
/// must not.
fn stable(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut token = c.to_string();
            while let Some(&n) = chars.peek() {
                if n.is_ascii_digit() || n == '.' {
                    token.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            match chars.peek() {
                Some('s' | 'm' | 'h' | 'd') => {
                    chars.next();
                    out.push('T');
                }
                _ => out.push_str(&token),
            }
        } else {
            out.push(c);
        }
    }
    // `14m 36s` and `15m` are both one length of time.
    while out.contains("T T") {
        out = out.replace("T T", "T");
    }
    out
}

fn frame(env: &TestEnv, columns: &str, lines: &str) -> String {
    let out = env
        .warroom()
        .env("COLUMNS", columns)
        .env("LINES", lines)
        .args([
            "monitor",
            "dashboard",
            "--session",
            "auth-hotfix",
            "--refresh",
            "5",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn without_a_terminal_it_prints_one_frame_that_fits() {
    let env = TestEnv::start();
    // One agent: one briefing, so the frame is the same on every run.
    env.deploy("auth-hotfix", "1", "default");
    env.wait_idle("auth-hotfix");
    let wide = frame(&env, "100", "30");
    for said in [
        "auth-hotfix",
        "agents (1)",
        "senior-backend-dev",
        "Done in",
        "open todos",
        "messages and updates",
    ] {
        assert!(wide.contains(said), "no {said:?} in:\n{wide}");
    }
    assert!(wide.lines().all(|l| l.chars().count() <= 100), "{wide}");
    assert_eq!(wide.lines().count(), 30);
    insta::assert_snapshot!("dashboard_100x30", stable(&wide));
    let small = frame(&env, "80", "24");
    assert!(small.lines().all(|l| l.chars().count() <= 80), "{small}");
    assert!(small.contains("agents (1)"), "{small}");
    insta::assert_snapshot!("dashboard_80x24", stable(&small));

    let view = env.json(&["monitor", "dashboard", "--session", "auth-hotfix"]);
    assert_eq!(view["team"]["name"], "auth-hotfix");
    assert_eq!(view["agents"].as_array().map(Vec::len), Some(1));
    assert_eq!(view["agents"][0]["state"], "idle", "{view}");
    let unknown = env.run(&["monitor", "dashboard", "--session", "nope"]);
    assert_eq!(unknown.code, 2);
}

#[test]
fn in_a_real_pane_it_follows_the_store_and_sends_what_is_typed() {
    let env = TestEnv::start();
    env.deploy("auth-hotfix", "2", "default");
    env.wait_idle("auth-hotfix");
    let exe = assert_cmd::cargo::cargo_bin!("warroom");
    let vars = [
        format!("WARROOM_HOME={}", env.path("data").display()),
        format!("WARROOM_TMUX_SOCKET={}", env.socket().display()),
        format!("HOME={}", env.path("home").display()),
        "WARROOM_NO_DAEMON=1".to_owned(),
        "TERM=xterm-256color".to_owned(),
    ];
    let mut args = vec!["new-session", "-d", "-s", "dash", "-x", "120", "-y", "40"];
    for v in &vars {
        args.extend(["-e", v.as_str()]);
    }
    let command = format!(
        "{} monitor dashboard --session auth-hotfix --refresh 5",
        exe.display()
    );
    args.push(&command);
    env.tmux(&args);
    let screen = || env.capture("=dash:0");
    wait_until("the dashboard to draw", Duration::from_secs(10), || {
        screen().contains("agents (2)")
    });

    // What another command writes shows within a second.
    env.ok(&[
        "agent",
        "send",
        "auth-hotfix:0",
        "ping from the command line",
    ]);
    let started = Instant::now();
    wait_until(
        "the message on the dashboard",
        Duration::from_secs(1),
        || screen().contains("ping from the command line"),
    );
    let seen_in = started.elapsed();
    env.ok(&["todo", "add", "INC-1", "Check the pool metrics"]);
    wait_until("the todo on the dashboard", Duration::from_secs(1), || {
        screen().contains("Check the pool metrics")
    });
    assert!(seen_in < Duration::from_secs(1));

    // A message typed into it reaches the selected agent (window 0).
    env.tmux(&["send-keys", "-t", "=dash:0", "m"]);
    env.tmux(&[
        "send-keys",
        "-t",
        "=dash:0",
        "-l",
        "hello from the dashboard",
    ]);
    env.tmux(&["send-keys", "-t", "=dash:0", "Enter"]);
    wait_until(
        "the typed message to be delivered",
        Duration::from_secs(15),
        || {
            env.messages("auth-hotfix")
                .iter()
                .any(|m| m["text"] == "hello from the dashboard" && m["outcome"] == "submitted")
        },
    );
    assert!(
        env.transcript("ag-1")
            .iter()
            .any(|t| t.contains("hello from the dashboard")),
        "the backend developer read it"
    );

    env.tmux(&["send-keys", "-t", "=dash:0", "q"]);
    // warroom's server keeps dead panes (remain-on-exit): the pane is dead.
    let ended = || {
        let sessions = env.tmux(&["list-sessions", "-F", "#{session_name}"]);
        !sessions.lines().any(|s| s == "dash")
            || env
                .tmux(&["list-panes", "-t", "=dash", "-F", "#{pane_dead}"])
                .trim()
                == "1"
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ended() {
        assert!(
            Instant::now() < deadline,
            "the dashboard did not end on q:\n{}",
            screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_agent_that_dies_shows_on_the_dashboard_within_a_second() {
    let env = TestEnv::start().with_daemon();
    env.deploy("auth-hotfix", "2", "default");
    env.wait_idle("auth-hotfix");
    let exe = assert_cmd::cargo::cargo_bin!("warroom");
    let command = format!(
        "{} monitor dashboard --session auth-hotfix --refresh 5",
        exe.display()
    );
    let home = format!("WARROOM_HOME={}", env.path("data").display());
    let socket = format!("WARROOM_TMUX_SOCKET={}", env.socket().display());
    env.tmux(&[
        "new-session",
        "-d",
        "-s",
        "dash",
        "-x",
        "120",
        "-y",
        "40",
        "-e",
        &home,
        "-e",
        &socket,
        &command,
    ]);
    let row = || {
        env.capture("=dash:0")
            .lines()
            .find(|l| l.contains("senior-backend-dev"))
            .unwrap_or_default()
            .to_owned()
    };
    wait_until("the dashboard to draw", Duration::from_secs(10), || {
        row().contains("idle")
    });
    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let pid = agents[0]["pid"].as_u64().expect("pid").to_string();
    // Our own agent, by its pid: the daemon sees it die and revives it.
    let killed = Instant::now();
    std::process::Command::new("kill")
        .args(["-9", &pid])
        .output()
        .expect("kill");
    // Seen in 0.4 to 0.6 s here; the bound leaves room for a loaded machine.
    wait_until(
        "the death on the dashboard",
        Duration::from_millis(1500),
        || {
            let r = row();
            !r.contains("idle") || r.contains(" 1   ")
        },
    );
    eprintln!(
        "seen on the dashboard {:?} after the kill",
        killed.elapsed()
    );
}
