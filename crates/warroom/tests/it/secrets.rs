//! Secrets never travel: every kind of the corpus, pushed through every
//! input path a person or an agent has (messages by argument and stdin,
//! broadcasts, the team purpose, incident texts, reasons, todos, logs), is
//! absent byte for byte from every output (panes, the store's files
//! including the WAL, exports, reports, postmortems, webhooks and file
//! channels), and the files warroom writes are private.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use warroom_testkit::secrets::CORPUS;

use crate::env::{Receiver, TestEnv};

/// Every corpus line, one per line (PEM blocks keep their own lines).
fn corpus_text() -> String {
    CORPUS.iter().map(|e| e.line).collect::<Vec<_>>().join("\n")
}

/// The corpus on one line, for one-line fields (titles, reasons).
fn corpus_line() -> String {
    corpus_text().replace('\n', " ")
}

fn leaks(what: &str, bytes: &[u8]) -> Vec<String> {
    CORPUS
        .iter()
        .filter(|e| {
            bytes
                .windows(e.secret.len())
                .any(|w| w == e.secret.as_bytes())
        })
        .map(|e| format!("{what} holds {} ({})", e.kind, e.secret))
        .collect()
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>, u32)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path).expect("metadata");
        if meta.is_dir() {
            out.extend(files(&path));
        } else if meta.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            out.push((path.display().to_string(), bytes, meta.permissions().mode()));
        }
    }
    out
}

#[test]
fn no_secret_of_the_corpus_leaves_through_any_path() {
    // The daemon holds the store open, so its WAL stays to be read.
    let env = TestEnv::start().with_daemon();
    let hook = Receiver::start();
    std::fs::write(
        env.path("project/warroom.toml"),
        format!(
            r#"[[channels]]
name = "stakeholders"
kind = "webhook"
url = "{}"
backoff_ms = 10

[[channels]]
name = "incident-commander"
kind = "file"
path = "{}"
format = "jsonl"
"#,
            hook.url,
            env.path("notices.jsonl").display()
        ),
    )
    .expect("config");
    let text = corpus_text();
    let line = corpus_line();
    std::fs::write(env.path("project/error.log"), &text).expect("log");

    // The purpose given at deploy, then every way to tell agents something.
    let deployed = env.json(&[
        "quick-deploy",
        "backend",
        "2",
        "--project-name",
        "vault",
        "--agent",
        "sim",
        "--no-worktree",
        "--purpose",
        &line,
    ]);
    assert_eq!(deployed["team"], "vault", "{deployed}");
    env.wait_idle("vault");
    let sent = env.json(&["agent", "send", "vault:0", &text]);
    assert_eq!(sent["outcome"], "submitted", "{sent}");
    assert!(
        sent["redacted"].as_u64().expect("count") >= CORPUS.len() as u64,
        "{sent}"
    );
    let piped = env
        .warroom()
        .args(["agent", "send", "vault:1", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .expect("piped send");
    let said = String::from_utf8_lossy(&piped.stdout);
    assert!(piped.status.success(), "{said}");
    assert!(
        said.contains("secrets were redacted before the message was stored or typed"),
        "{said}"
    );
    env.ok(&["team", "broadcast", "vault", &text]);
    env.ok(&["agent", "send-all", "vault", &text]);
    env.wait_idle("vault");

    // Incident texts, reasons and todos.
    let todos: Vec<String> = (0..3)
        .map(|_| {
            let added = env.json(&["todo", "add", "INC-1", &line]);
            added["id"].as_str().expect("todo id").to_owned()
        })
        .collect();
    for args in [
        vec![
            "incident",
            "update",
            "INC-1",
            "--status",
            "identified",
            &text,
        ],
        vec!["incident", "milestone", "INC-1", "root-cause", &line],
        vec!["incident", "severity", "INC-1", "SEV2", &line],
        vec!["todo", "update", &todos[0], "--note", &line],
        vec!["todo", "block", &todos[1], &line],
        vec!["todo", "done", &todos[2], "--note", &line, "--force"],
        vec!["incident", "phase", "INC-1", "resolved", "--force", &line],
    ] {
        env.ok(&args);
    }
    let declared = env.json(&[
        "incident",
        "declare",
        &line,
        "--impact",
        "users=10",
        "--log",
        "error.log",
    ]);
    assert!(
        declared["logs"][0]["redacted"].as_u64().expect("count") >= CORPUS.len() as u64,
        "{declared}"
    );

    // Every output a person or a tool reads afterwards.
    let report = env
        .ok(&["pm", "report", "vault", "--type", "incident"])
        .stdout;
    let postmortem = env.ok(&["postmortem", "INC-1"]).stdout;
    env.ok(&["incident", "close", "INC-1", "--force", &line]);
    let export = env.path("export.txt");
    env.ok(&[
        "agent",
        "messages",
        "vault",
        "--export",
        &export.display().to_string(),
    ]);
    let mut problems = Vec::new();
    for w in 0..2 {
        problems.extend(leaks(
            &format!("pane {w}"),
            env.capture(&format!("vault:{w}")).as_bytes(),
        ));
    }
    for args in [
        vec!["incident", "status", "INC-1"],
        vec!["incident", "logs", "INC-2"],
        vec!["todo", "list", "INC-1", "--all"],
        vec!["agent", "messages", "vault"],
        vec!["--json", "agent", "messages", "vault"],
        vec!["team", "status", "vault"],
    ] {
        problems.extend(leaks(&format!("{args:?}"), env.ok(&args).stdout.as_bytes()));
    }
    problems.extend(leaks("the webhook", hook.bodies().join("\n").as_bytes()));
    assert!(!hook.bodies().is_empty(), "the update reached no webhook");
    let written = [report.trim(), postmortem.trim()];
    for path in written {
        let mode = std::fs::metadata(path)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{path} is {mode:o}");
    }
    assert_eq!(
        std::fs::metadata(&export)
            .expect("export")
            .permissions()
            .mode()
            & 0o077,
        0
    );
    // The data directory byte for byte: the database, its WAL and shared
    // memory, transcripts, logs, reports, postmortems; and the project.
    let mut seen = 0;
    for dir in [
        env.path("data"),
        env.path("project"),
        env.dir.path().to_owned(),
    ] {
        for (path, bytes, _) in files(&dir) {
            if path.ends_with("error.log") {
                continue; // the input itself
            }
            seen += 1;
            problems.extend(leaks(&path, &bytes));
        }
    }
    assert!(
        files(&env.path("data"))
            .iter()
            .any(|(p, _, _)| p.ends_with("warroom.db-wal")),
        "the WAL was not there to check"
    );
    assert!(seen > 5, "only {seen} files checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every process's command line on this machine that holds `secret`.
fn command_lines_holding(secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Ok(bytes) = std::fs::read(entry.path().join("cmdline"))
            && bytes.windows(secret.len()).any(|w| w == secret.as_bytes())
        {
            out.push(format!("{name}: {}", String::from_utf8_lossy(&bytes)));
        }
    }
    out
}

#[test]
fn api_keys_reach_the_agents_but_no_command_line() {
    let mut env = TestEnv::start();
    let key = format!(
        "sk-ant-api03-never-on-a-command-line-{}",
        std::process::id()
    );
    env.extra.push(("ANTHROPIC_API_KEY".into(), key.clone()));
    let env = env.with_daemon();
    env.deploy("keys", "2", "default");
    env.wait_idle("keys");
    env.ok(&["agent", "restart", "keys:1"]);
    env.wait_idle("keys");
    for agent in env
        .json(&["agent", "list", "keys"])
        .as_array()
        .expect("agents")
    {
        let pid = agent["pid"].as_u64().expect("pid");
        let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("environ");
        let wanted = format!("ANTHROPIC_API_KEY={key}");
        assert!(
            environ
                .windows(wanted.len())
                .any(|w| w == wanted.as_bytes()),
            "{} did not get the key",
            agent["target"]
        );
    }
    let holders = command_lines_holding(&key);
    assert!(holders.is_empty(), "{holders:?}");
    let mut logged = Vec::new();
    for (path, bytes, _) in files(&env.path("data")) {
        if bytes.windows(key.len()).any(|w| w == key.as_bytes()) {
            logged.push(path);
        }
    }
    assert!(logged.is_empty(), "{logged:?}");
}
