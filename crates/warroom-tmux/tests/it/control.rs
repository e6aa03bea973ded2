use std::time::Duration;

use warroom_tmux::TmuxError;

use crate::{TestServer, spawn, wait_until};

#[test]
fn errors_come_back_as_errors_and_later_commands_still_work() {
    let t = TestServer::start();
    t.server
        .new_session("c", &spawn("w", t.dir.path(), &["sleep", "60"]), (80, 24))
        .expect("session");
    let client = t.server.control("c").expect("control");
    let err = client
        .command(&["send-keys", "-t", "%999", "x"])
        .expect_err("no such pane");
    assert!(
        matches!(&err, TmuxError::Command { message, .. } if message.contains("can't find pane")),
        "{err}"
    );
    let lines = client
        .command(&["display-message", "-p", "#{session_name}"])
        .expect("works");
    assert_eq!(lines, ["c"]);
}

#[test]
fn concurrent_commands_get_their_own_replies() {
    let t = TestServer::start();
    t.server
        .new_session("c", &spawn("w", t.dir.path(), &["sleep", "60"]), (80, 24))
        .expect("session");
    let client = t.server.control("c").expect("control");
    std::thread::scope(|s| {
        for i in 0..8 {
            let client = &client;
            s.spawn(move || {
                for j in 0..50 {
                    let text = format!("{i}-{j}");
                    let got = client
                        .command(&["display-message", "-p", &text])
                        .expect("reply");
                    assert_eq!(got, [text]);
                }
            });
        }
    });
}

#[test]
fn output_events_carry_the_panes_bytes() {
    let t = TestServer::start();
    let pane = t
        .server
        .new_session(
            "o",
            &spawn(
                "w",
                t.dir.path(),
                &[
                    "sh",
                    "-c",
                    "sleep 0.3; printf 'ready\\n'; read x; printf 'got:%s\\n' \"$x\"; sleep 60",
                ],
            ),
            (80, 24),
        )
        .expect("session")
        .pane_id;
    let client = t.server.control("o").expect("control");
    let rx = client.output();
    let mut seen = Vec::new();
    let mut collect_until = |what: &str, needle: &str| {
        wait_until_or(what, || {
            while let Ok((p, data)) = rx.recv_timeout(Duration::from_millis(20)) {
                assert_eq!(p, pane);
                seen.extend(data);
            }
            let text = String::from_utf8_lossy(&seen).into_owned();
            (text.contains(needle), text)
        });
    };
    // The pane's own output proves the stream flows, and that the shell has
    // set up its terminal before anything is typed into it.
    collect_until("ready in %output", "ready");
    client.send_literal(&pane, "hello").expect("type");
    client.send_key(&pane, "Enter").expect("enter");
    collect_until("got:hello in %output", "got:hello");
}

/// Like `wait_until`, but the failure message shows what was last seen.
fn wait_until_or(what: &str, mut f: impl FnMut() -> (bool, String)) {
    let start = std::time::Instant::now();
    loop {
        let (done, seen) = f();
        if done {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}; seen: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_dead_server_fails_pending_and_later_commands() {
    let t = TestServer::start();
    t.server
        .new_session("d", &spawn("w", t.dir.path(), &["sleep", "60"]), (80, 24))
        .expect("session");
    let client = t.server.control("d").expect("control");
    t.server.kill_server().expect("kill");
    wait_until("the client to notice", || {
        client.command(&["display-message", "-p", "x"]).is_err()
    });
    assert!(matches!(
        client.command(&["display-message", "-p", "x"]),
        Err(TmuxError::Disconnected(_))
    ));
}
