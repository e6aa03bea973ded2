//! Bad input is refused before anything is typed; text is never executed;
//! nothing is typed into a shell or over someone else's draft.

use std::io::Write;
use std::process::Stdio;

use warroom_model::MAX_MESSAGE_BYTES;

use crate::env::TestEnv;

fn screens(env: &TestEnv, team: &str) -> Vec<String> {
    env.tmux(&[
        "list-panes",
        "-s",
        "-t",
        &format!("={team}"),
        "-F",
        "#{pane_id}",
    ])
    .lines()
    .map(|p| env.capture(p))
    .collect()
}

#[test]
fn a_wrong_target_exits_2_and_types_nothing_anywhere() {
    let env = TestEnv::start();
    // tmux-orc's bug: `auth-hotfix:0` reached a session called `auth-hotfix-2`.
    env.deploy("auth-hotfix-2", "2", "default");
    env.wait_idle("auth-hotfix-2");
    let before = screens(&env, "auth-hotfix-2");
    let messages_before = env.messages("auth-hotfix-2").len();
    for target in [
        "auth-hotfix:0",
        "auth-hotfix-2:7",
        "auth-hotfix-2:qa",
        "ag-99",
        "auth-hotfix-2",
        "auth-hotfix-2:#{pane_id}",
        "%0",
    ] {
        let out = env.run(&["agent", "send", target, "rm -rf / ; echo pwned"]);
        assert_eq!(out.code, 2, "{target}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.starts_with("error: "),
            "{target}: {}",
            out.stderr
        );
    }
    let hint = env.run(&["agent", "send", "auth-hotfix-2:7", "x"]).stderr;
    assert!(
        hint.contains("agents of auth-hotfix-2: auth-hotfix-2:0 senior-backend-developer"),
        "{hint}"
    );
    assert_eq!(screens(&env, "auth-hotfix-2"), before, "a pane changed");
    assert_eq!(
        env.messages("auth-hotfix-2").len(),
        messages_before,
        "a message was recorded"
    );
}

#[test]
fn shell_and_tmux_syntax_arrive_as_text_and_never_run() {
    let env = TestEnv::start();
    env.deploy("t", "1", "default");
    let nasty = [
        "$(touch ran-dollar)",
        "`touch ran-backtick`",
        "x; touch ran-semicolon",
        "x \\; run-shell 'touch ran-tmux'",
        "#{pane_id} #(touch ran-format) ${HOME}",
        "a && touch ran-and || touch ran-or",
        "' \" } { ~ * ? [ ] < > |",
    ];
    for text in nasty {
        let out = env.json(&["agent", "send", "t:0", text]);
        assert_eq!(out["outcome"], "submitted", "{text}");
    }
    let got = env.transcript("ag-1");
    for text in nasty {
        assert!(
            got.iter().any(|m| m.ends_with(text)),
            "{text:?} did not arrive verbatim: {got:?}"
        );
    }
    for f in [
        "ran-dollar",
        "ran-backtick",
        "ran-semicolon",
        "ran-tmux",
        "ran-format",
        "ran-and",
        "ran-or",
    ] {
        assert!(!env.path("project").join(f).exists(), "{f} was created");
        assert!(!env.path("home").join(f).exists(), "{f} was created");
    }
}

#[test]
fn escape_sequences_and_control_characters_are_shown_not_obeyed() {
    let env = TestEnv::start();
    env.deploy("t", "1", "default");
    let out = env.json(&[
        "agent",
        "send",
        "t:0",
        "red \x1b[31mALERT\x1b[0m\x1b[201~ then \x03\x04 end",
    ]);
    assert_eq!(out["outcome"], "submitted");
    let got = env.transcript("ag-1");
    assert!(
        got.last()
            .expect("arrived")
            .ends_with("red ^[[31mALERT^[[0m^[[201~ then ^C^D end"),
        "{got:?}"
    );
    // The agent is still alive and goes back to idle: ^C and ^D did not
    // reach it as keys (either would have ended it).
    env.wait_idle("t");
}

#[test]
fn messages_up_to_one_mebibyte_arrive_whole_and_larger_ones_are_refused() {
    let env = TestEnv::start();
    env.deploy("big", "1", "default");
    let line = "2026-11-22T01:00:00Z ERROR pool exhausted $(x) `y` ;#{z}\n";
    let big: String = line.repeat((MAX_MESSAGE_BYTES - 200) / line.len());

    // From standard input (`-`), as a shell cannot pass this as an argument.
    let mut child = env
        .warroom()
        .args(["--json", "agent", "send", "big:0", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(big.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["outcome"], "submitted", "{v}");
    assert_eq!(v["transport"], "paste");
    let got = env.transcript("ag-1");
    assert!(
        got.last().expect("arrived").ends_with(big.trim_end()),
        "the big message was cut"
    );

    // One byte over the limit, from a file: exit 2, nothing typed, nothing recorded.
    env.wait_idle("big");
    let file = env.path("too-big.txt");
    std::fs::write(&file, "x".repeat(MAX_MESSAGE_BYTES + 1)).expect("write");
    let before = (
        env.transcript("ag-1").len(),
        env.messages("big").len(),
        env.capture("=big:0"),
    );
    let out = env.run(&[
        "agent",
        "send",
        "big:0",
        "--file",
        file.to_str().expect("utf8"),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("1 MiB"), "{}", out.stderr);
    assert_eq!(
        (
            env.transcript("ag-1").len(),
            env.messages("big").len(),
            env.capture("=big:0")
        ),
        before
    );
}

#[test]
fn a_shell_agent_is_never_typed_into() {
    let env = TestEnv::start();
    env.deploy("s", "1", "default");
    let added = env.run(&[
        "--json",
        "team",
        "add",
        "s",
        "Plain Shell",
        "--role",
        "reviewer",
        "--agent",
        "shell",
    ]);
    let v: serde_json::Value = serde_json::from_str(&added.stdout).expect("json");
    assert_eq!(v["agents"][0]["agent"]["cli"], "shell");
    let out = env.run(&["--json", "agent", "send", "s:1", "touch typed-into-shell"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["outcome"], "refused");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!env.path("project/typed-into-shell").exists());
    assert!(!env.capture("=s:1").contains("typed-into-shell"));
}

#[test]
fn someone_elses_draft_is_never_submitted() {
    let env = TestEnv::start();
    env.deploy("d", "1", "default");
    env.wait_idle("d");
    // A person types into the agent's input box and has not pressed Enter.
    env.tmux(&["send-keys", "-t", "=d:0", "-l", "half-written thought"]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = env.run(&["--json", "agent", "send", "d:0", "from warroom"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["outcome"], "refused");
    assert!(
        v["detail"]
            .as_str()
            .expect("detail")
            .contains("did not type")
    );
    let screen = env.capture("=d:0");
    assert!(
        screen.trim_end().ends_with("❯ half-written thought"),
        "{screen}"
    );
    assert!(
        !env.transcript("ag-1")
            .iter()
            .any(|m| m.contains("half-written"))
    );
}

#[test]
fn an_exited_agent_is_refused_and_restart_revives_it() {
    let env = TestEnv::start();
    env.deploy("x", "1", "default");
    // Ctrl-D on an empty prompt ends the simulated agent; the pane stays.
    env.tmux(&["send-keys", "-t", "=x:0", "C-d"]);
    crate::env::wait_until(
        "the agent to exit",
        std::time::Duration::from_secs(5),
        || env.json(&["agent", "list", "x"])[0]["state"] == "exited",
    );
    let out = env.run(&["--json", "agent", "send", "x:0", "are you there?"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("\"refused\""), "{}", out.stdout);
    let restart = env.json(&["agent", "restart", "x:0"]);
    assert_eq!(restart["context"]["outcome"], "submitted");
    assert_eq!(
        env.json(&["agent", "send", "x:0", "back?"])["outcome"],
        "submitted"
    );
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let env = TestEnv::start();
    let cases: &[(&[&str], &str)] = &[
        (
            &["quick-deploy", "mainframe", "3", "--project-name", "x"],
            "unknown team type",
        ),
        (
            &["quick-deploy", "backend", "0", "--project-name", "x"],
            "1 to 8 agents",
        ),
        (
            &["quick-deploy", "backend", "9", "--project-name", "x"],
            "1 to 8 agents",
        ),
        (
            &["quick-deploy", "backend", "3", "--project-name", "bad:name"],
            "not valid",
        ),
        (
            &[
                "quick-deploy",
                "backend",
                "3",
                "--project-name",
                "x",
                "--agent",
                "nope",
            ],
            "unknown agent CLI",
        ),
        (&["team", "status", "ghost"], "no team named ghost"),
        (&["agent", "send", "ghost:0", "hi"], "no team named ghost"),
        (&["agent", "send", "ghost:0", "   "], "empty"),
        (
            &["pm", "report", "ghost", "--type", "incident"],
            "no team named ghost",
        ),
        (&["quick-deploy", "backend"], "required"),
    ];
    for (args, needle) in cases {
        let out = env.run(args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
    let out = env.run(&["--json", "team", "status", "ghost"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json error");
    assert_eq!(v["error"]["kind"], "bad-input");
    // Nothing was started for any of them.
    assert!(env.tmux(&["list-sessions"]).is_empty());
}

#[test]
fn a_second_deploy_with_the_same_name_is_refused() {
    let env = TestEnv::start();
    env.deploy("dup", "1", "default");
    let out = env.run(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "dup",
        "--agent",
        "sim",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("already deployed"), "{}", out.stderr);
    assert_eq!(
        env.tmux(&["list-windows", "-t", "=dup", "-F", "x"])
            .lines()
            .count(),
        1
    );
}
