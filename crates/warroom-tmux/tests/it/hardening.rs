//! What the fault campaign found: an API key on a command line for as long
//! as the server lives, and tmux 3.3a dying when many control clients attach
//! and detach at once.

use std::sync::Arc;

use warroom_tmux::Spawn;

use crate::{TestServer, wait_until};

/// Every process's command line on this machine, NUL-separated args joined.
fn command_lines() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Ok(bytes) = std::fs::read(entry.path().join("cmdline")) {
            out.push((name, bytes));
        }
    }
    out
}

#[test]
fn the_environment_reaches_the_program_but_no_command_line() {
    let t = TestServer::start();
    let secret = format!("sk-ant-api03-cmdline-{}", std::process::id());
    let spawn = Spawn {
        window_name: "agent".into(),
        cwd: t.dir.path().to_owned(),
        env: vec![("ANTHROPIC_API_KEY".into(), secret.clone())],
        argv: vec![
            "sh".into(),
            "-c".into(),
            format!(
                "printf '%s' \"$ANTHROPIC_API_KEY\" > '{}'; exec sleep 60",
                t.path("seen").display()
            ),
        ],
    };
    let pane = t
        .server
        .new_session("s", &spawn, (80, 24))
        .expect("session");
    wait_until("the program to write its environment", || {
        std::fs::read_to_string(t.path("seen")).is_ok_and(|s| s == secret)
    });
    let client = t.server.control("s").expect("control");
    let second = client.new_window(1, &spawn).expect("window");
    client.respawn(&second.pane_id, &spawn).expect("respawn");
    let listed = client.pane(&pane.pane_id).expect("list").expect("pane");
    assert_eq!(listed.pid, pane.pid, "new_session reports the real program");
    let holders: Vec<String> = command_lines()
        .into_iter()
        .filter(|(_, line)| line.windows(secret.len()).any(|w| w == secret.as_bytes()))
        .map(|(pid, line)| format!("{pid}: {}", String::from_utf8_lossy(&line)))
        .collect();
    assert!(holders.is_empty(), "{holders:?}");
}

#[test]
fn many_control_clients_coming_and_going_at_once_leave_the_server_alive() {
    let t = TestServer::start();
    let cat = |name: &str| crate::spawn(name, t.dir.path(), &["sh", "-c", "cat > /dev/null"]);
    t.server
        .new_session("t", &cat("a"), (160, 45))
        .expect("session");
    let client = t.server.control("t").expect("control");
    client.new_window(1, &cat("b")).expect("window");
    client.new_window(2, &cat("c")).expect("window");
    drop(client);
    let server = Arc::new(t.server.clone());
    let workers: Vec<_> = (0..20)
        .map(|w| {
            let server = Arc::clone(&server);
            std::thread::spawn(move || {
                for i in 0..15 {
                    let client = server.control("t").expect("attach");
                    let panes = client.panes().expect("panes");
                    let pane = &panes[i % panes.len()].pane_id;
                    client.capture(pane, 0).expect("capture");
                    client
                        .send_literal(pane, &format!("x{w}-{i}"))
                        .expect("send");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker failed");
    }
    assert!(t.server.has_session("t").expect("the server answers"));
}
