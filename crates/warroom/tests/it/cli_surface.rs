//! The command line's edges: a reader that leaves early, arguments clap
//! refuses under `--json`, commands that must stay hidden, completions and
//! the man page, a broken store or clock, and `doctor`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::env::{Output, TestEnv, wait_until};

/// Runs `cmd` with its standard output's reader already gone, as in
/// `warroom … | head -1` once head has its line; returns the exit code and
/// what it wrote on stderr.
fn with_reader_gone(mut cmd: Command) -> (i32, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("warroom starts");
    drop(child.stdout.take());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("warroom kept running after its reader left");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    (status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_reader_that_leaves_early_ends_the_command_quietly() {
    let env = TestEnv::start();
    env.deploy("pipes", "1", "default");
    env.ok(&["agent", "send", "pipes:0", "status?"]);
    for args in [
        &["team", "list"][..],
        &["--json", "team", "list"],
        &["agent", "list", "pipes"],
        &["agent", "messages", "pipes"],
        &["--json", "agent", "messages", "pipes"],
        &["agent", "messages", "pipes", "--export"],
        // Nothing new arrives: it must notice the reader left without writing.
        &["agent", "messages", "pipes", "--follow"],
        &["daemon", "logs", "--follow"],
        &["completions", "bash"],
        &["man"],
        &["--help"],
    ] {
        let mut cmd = env.warroom();
        cmd.args(args);
        let (code, stderr) = with_reader_gone(cmd);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn follow_stops_when_its_reader_stops_reading() {
    let env = TestEnv::start();
    env.deploy("follow", "1", "default");
    env.ok(&["agent", "send", "follow:0", "first"]);
    let mut child = env
        .warroom()
        .args(["agent", "messages", "follow", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("warroom starts");
    // Read the first line, as `head -1` does, then leave.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).expect("read") == 1 && byte[0] != b'\n' {}
    drop(stdout);
    wait_until(
        "follow to end after its reader left",
        Duration::from_secs(5),
        || child.try_wait().expect("wait").is_some(),
    );
    let out = child.wait_with_output().expect("output");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

fn json_error(out: &Output) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {:?} {:?}", out.stdout, out.stderr));
    v["error"].clone()
}

#[test]
fn arguments_clap_refuses_are_a_json_error_under_json() {
    let env = TestEnv::start();
    for (args, needle) in [
        (&["--json", "team", "lis"][..], "'lis'"),
        (&["team", "lis", "--json"], "'lis'"),
        (&["--json", "agent", "send"], "<TARGET>"),
        (
            &[
                "--json",
                "quick-deploy",
                "backend",
                "x",
                "--project-name",
                "p",
            ],
            "'x'",
        ),
        (&["--json", "team", "list", "extra"], "'extra'"),
        (
            &["--json", "incident"],
            "'warroom incident' requires a subcommand",
        ),
    ] {
        let out = env.run(args);
        assert_eq!(out.code, 2, "{args:?}");
        assert_eq!(out.stderr, "", "{args:?}");
        let error = json_error(&out);
        assert_eq!(error["kind"], "bad-input", "{args:?}");
        let message = error["message"].as_str().expect("message");
        assert!(message.contains(needle), "{args:?}: {message}");
        assert!(!message.starts_with("error:"), "{message}");
        // clap shows the usage except for a bad value.
        let hints = error["hints"].as_array().expect("hints");
        assert!(
            args.contains(&"x")
                || hints.iter().any(|h| h["text"] == "Usage"
                    && h["command"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("warroom"))),
            "{args:?}: {hints:?}"
        );
    }
    // The same shape as an error the app reports.
    let app_error = json_error(&env.run(&["--json", "agent", "send", "nope:0", "hi"]));
    let parse_error = json_error(&env.run(&["--json", "team", "lis"]));
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&app_error), keys(&parse_error));

    // Without --json: clap's own text on stderr. Help and version as always.
    let out = env.run(&["team", "lis"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: unrecognized subcommand 'lis'")
    );
    assert_eq!(out.stdout, "");
    let help = env.run(&["--json", "--help"]);
    assert_eq!(help.code, 0);
    assert!(
        help.stdout.starts_with("Runs the response"),
        "{}",
        help.stdout
    );
    let version = env.run(&["--json", "--version"]);
    assert_eq!(version.code, 0);
    assert!(version.stdout.starts_with("warroom "), "{}", version.stdout);
    // After `--`, `--json` is someone's message, not the flag.
    let out = env.run(&["agent", "send", "nope:0", "--", "--json", "x"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("error:"), "{}", out.stderr);
}

/// warroom's plumbing: run by warroom itself, never typed by people.
const HIDDEN: &[&str] = &[
    "sim-agent",
    "hook",
    "deliver-queued",
    "run",
    "mcp",
    "--scenario",
];

/// The subcommands a help text lists.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn assert_nothing_hidden(text: &str, what: &str) {
    for hidden in HIDDEN {
        let shown = text
            .split(|c: char| c.is_whitespace() || "'\",[]()|{}=;:".contains(c))
            .any(|word| word == *hidden);
        assert!(!shown, "{what} shows {hidden}:\n{text}");
    }
}

#[test]
fn hidden_commands_stay_hidden_everywhere() {
    let env = TestEnv::start();
    let mut paths: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(path) = paths.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.ok(&args).stdout;
        assert_nothing_hidden(&help, &format!("warroom {}", args.join(" ")));
        seen += 1;
        for name in listed_commands(&help) {
            if name != "help" {
                let mut sub = path.clone();
                sub.push(name);
                paths.push(sub);
            }
        }
    }
    assert!(seen > 40, "walked only {seen} help pages");

    // clap's own errors list and suggest subcommands too.
    for args in [
        &["sim-agen"][..],
        &["hoo"],
        &["agent", "deliver-queue", "1"],
        &["daemon", "ru"],
        &["--data-dir", "x"],
        &["agent"],
    ] {
        let out = env.run(args);
        assert_eq!(out.code, 2, "{args:?}");
        assert_nothing_hidden(&out.stderr, &format!("the error for {args:?}"));
    }
    let out = env.run(&["--json", "agent"]);
    assert_nothing_hidden(&out.stdout, "the JSON error for agent");

    // Completions and the man page offer only what help shows.
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = env.ok(&["completions", shell]).stdout;
        assert_nothing_hidden(&script, &format!("{shell} completions"));
    }
    assert_nothing_hidden(&env.ok(&["man"]).stdout, "the man page");
    // Hidden is not gone: warroom still runs them.
    assert_eq!(env.run(&["hook", "Stop"]).code, 0);
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    let env = TestEnv::start();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = env.ok(&["completions", shell]).stdout;
        assert!(script.contains("quick-deploy"), "{shell}");
        assert!(script.contains("broadcast"), "{shell}");
    }
    let bash = env.ok(&["completions", "bash"]).stdout;
    assert!(bash.contains("complete -F _warroom"), "{bash}");
    // Values are completed too.
    assert!(bash.contains("md html"), "postmortem --format values");

    let man = env.ok(&["man"]).stdout;
    assert!(man.contains(".TH warroom 1"), "{man}");
    assert!(man.contains("quick\\-deploy"), "{man}");
    assert!(
        man.contains("--json") || man.contains("\\-\\-json"),
        "{man}"
    );

    // One page per command, for `man` to find them; none for hidden ones.
    let dir = env.path("man");
    env.ok(&["man", "--dir", &dir.display().to_string()]);
    for page in ["warroom.1", "warroom-quick-deploy.1", "warroom-team-list.1"] {
        let text = std::fs::read_to_string(dir.join(page)).expect(page);
        assert!(text.contains(".TH"), "{page}");
    }
    let pages: Vec<String> = std::fs::read_dir(&dir)
        .expect("man dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(pages.len() > 40, "{pages:?}");
    for hidden in ["hook", "sim-agent", "daemon-run", "deliver-queued"] {
        assert!(!pages.iter().any(|p| p.contains(hidden)), "{pages:?}");
    }

    let out = env.run(&["completions", "tcsh"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bash"), "{}", out.stderr);
}
