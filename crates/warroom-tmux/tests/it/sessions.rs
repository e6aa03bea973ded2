use warroom_tmux::{Socket, TmuxError};

use crate::{TestServer, raw_cat, spawn, wait_for_command, wait_until};

#[test]
fn session_names_never_prefix_match() {
    let t = TestServer::start();
    t.server
        .new_session(
            "auth-hotfix-2",
            &spawn("a", t.dir.path(), &["sleep", "60"]),
            (80, 24),
        )
        .expect("session");
    assert!(!t.server.has_session("auth-hotfix").expect("query"));
    assert!(t.server.has_session("auth-hotfix-2").expect("query"));
    assert!(matches!(
        t.server.control("auth-hotfix"),
        Err(TmuxError::NoSession(_))
    ));
    assert!(matches!(
        t.server.kill_session("auth-hotfix"),
        Err(TmuxError::NoSession(_))
    ));
    assert_eq!(t.server.list_sessions().expect("list"), ["auth-hotfix-2"]);
}

#[test]
fn no_server_means_no_sessions() {
    let t = TestServer::start();
    assert!(!t.server.has_session("x").expect("query"));
    assert!(t.server.list_sessions().expect("list").is_empty());
    t.server
        .kill_server()
        .expect("killing a server that is not running is fine");
}

#[test]
fn windows_run_their_program_and_stay_after_it_dies() {
    let t = TestServer::start();
    let first = t
        .server
        .new_session(
            "team",
            &spawn(
                "lead",
                t.dir.path(),
                &["sh", "-c", "echo $WARROOM_TEST; exec sleep 60"],
            ),
            (80, 24),
        )
        .expect("session");
    let client = t.server.control("team").expect("control");
    let second = client
        .new_window(1, &spawn("quitter", t.dir.path(), &["sh", "-c", "exit 3"]))
        .expect("window");
    assert_eq!(second.window_index, 1);
    wait_until("the second pane to die", || {
        client
            .pane(&second.pane_id)
            .expect("query")
            .is_some_and(|p| p.dead)
    });
    let panes = client.panes().expect("panes");
    assert_eq!(panes.len(), 2, "the dead pane is kept (remain-on-exit)");
    let lead = client.pane(&first.pane_id).expect("query").expect("exists");
    assert!(!lead.dead);
    assert_eq!(lead.current_command, "sleep");
    // The pane's environment came from -e.
    wait_until("the echo", || {
        client
            .capture(&first.pane_id, 0)
            .expect("capture")
            .contains('1')
    });
    // Window 1 is taken: tmux refuses, nothing is replaced.
    assert!(
        client
            .new_window(1, &spawn("dup", t.dir.path(), &["sleep", "1"]))
            .is_err()
    );
}

#[test]
fn respawn_starts_a_new_process_in_the_same_pane() {
    let t = TestServer::start();
    let pane = t
        .server
        .new_session("r", &spawn("w", t.dir.path(), &["sleep", "60"]), (80, 24))
        .expect("session");
    let client = t.server.control("r").expect("control");
    client
        .respawn(&pane.pane_id, &spawn("w", t.dir.path(), &["sleep", "61"]))
        .expect("respawn");
    let after = client.pane(&pane.pane_id).expect("query").expect("exists");
    assert_ne!(after.pid, pane.pid);
    assert!(!after.dead);
}

#[test]
fn a_megabyte_buffer_pastes_byte_exact() {
    let t = TestServer::start();
    let out = t.path("paste");
    let mut s = spawn("cat", t.dir.path(), &[]);
    s.argv = raw_cat(&out);
    let pane = t
        .server
        .new_session("p", &s, (80, 24))
        .expect("session")
        .pane_id;
    let client = t.server.control("p").expect("control");
    wait_for_command(&client, &pane, "cat");
    let line = "0123456789abcdefghijklmnopqrstuvwxyz;#{x}$(y) ✓\n";
    let data: String = line.repeat(1024 * 1024 / line.len());
    t.server
        .load_buffer("wr-test", data.as_bytes())
        .expect("load");
    client.paste_buffer(&pane, "wr-test").expect("paste");
    // paste-buffer turns LF into CR for the terminal, as a keyboard would.
    let expected = data.replace('\n', "\r");
    wait_until("the paste to arrive", || {
        std::fs::metadata(&out)
            .map(|m| m.len() as usize >= expected.len())
            .unwrap_or(false)
    });
    assert_eq!(std::fs::read_to_string(&out).expect("read"), expected);
    // -d deleted the buffer.
    assert!(client.delete_buffer("wr-test").is_err());
}

#[test]
fn socket_values_with_a_slash_are_paths() {
    assert_eq!(Socket::parse("warroom"), Socket::Name("warroom".into()));
    assert_eq!(
        Socket::parse("/tmp/x/sock"),
        Socket::Path("/tmp/x/sock".into())
    );
}
