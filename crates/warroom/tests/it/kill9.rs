//! The fault campaign, at a smaller size: the daemon killed with -9 right
//! after it recorded a restart decision, before it restarted the agent.
//! The next daemon carries out that same restart; the restart budget counts
//! real crashes only.

use std::time::{Duration, Instant};

use crate::env::{TestEnv, wait_until};

fn store(env: &TestEnv) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        env.path("data/warroom.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("store")
}

fn count(db: &rusqlite::Connection, kind: &str, after: i64) -> i64 {
    db.query_row(
        "SELECT count(*) FROM events WHERE kind = ?1 AND id > ?2",
        rusqlite::params![kind, after],
        |r| r.get(0),
    )
    .expect("query")
}

#[test]
fn a_restart_decided_just_before_the_daemon_dies_is_done_once_and_counted_once() {
    let env = TestEnv::start().with_daemon();
    std::fs::write(
        env.path("project/warroom.toml"),
        "[supervision.normal]\ntick = \"100ms\"\nrestart_backoff = [\"0s\"]\nmax_restarts = 3\nrestart_window = \"15m\"\n",
    )
    .expect("config");
    env.deploy("phantom", "1", "default");
    env.wait_idle("phantom");
    let db = store(&env);
    for crash in 1..=3_i64 {
        let last: i64 = db
            .query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))
            .expect("last event");
        let pid = env.json(&["agent", "list", "phantom"])[0]["pid"]
            .as_u64()
            .expect("pid");
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .expect("kill");
        // The decision is written before the restart: kill the daemon as
        // soon as it is there.
        let start = Instant::now();
        while count(&db, "supervised", last) == 0 {
            assert!(start.elapsed() < Duration::from_secs(10), "no decision");
            std::thread::sleep(Duration::from_millis(1));
        }
        env.kill_daemon();
        env.ok(&["daemon", "start"]);
        wait_until(
            &format!("crash {crash} to be restarted"),
            Duration::from_secs(15),
            || {
                let agent = &env.json(&["agent", "list", "phantom"])[0];
                agent["restarts"] == crash && agent["state"] == "idle"
            },
        );
        assert_eq!(count(&db, "agent-restarted", last), 1, "crash {crash}");
    }
    let watch: String = db
        .query_row("SELECT watch FROM agent_watch", [], |r| r.get(0))
        .expect("watch");
    let watch: serde_json::Value = serde_json::from_str(&watch).expect("JSON");
    assert_eq!(watch["failed"], false, "{watch}");
    assert_eq!(
        watch["restarts"].as_array().map(Vec::len),
        Some(3),
        "{watch}"
    );
}
