//! A store or clock that cannot be used: refused once, clearly, and left as
//! it was; `doctor` finds what is wrong with a store that opens.

use std::os::unix::fs::PermissionsExt;

use warroom_model::EventKind;
use warroom_store::{Store, StoreError};

use crate::env::{TestEnv, wait_until};

#[test]
fn a_clock_that_is_not_a_time_is_bad_input() {
    let env = TestEnv::start();
    let out = env
        .warroom()
        .env("WARROOM_NOW", "garbage")
        .args(["team", "list"])
        .output()
        .expect("warroom runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: WARROOM_NOW=\"garbage\" is not an RFC 3339 time"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("RFC 3339").count(), 1, "{stderr}");
}

#[test]
fn an_empty_store_file_is_refused_once_and_left_empty() {
    let env = TestEnv::start();
    let db = env.path("data").join("warroom.db");
    std::fs::write(&db, b"").expect("write");
    let out = env.run(&["team", "list"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains(&db.display().to_string()),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("is not a usable warroom store").count(),
        1,
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1
    );
    assert_eq!(std::fs::metadata(&db).expect("db").len(), 0);

    let json = env.run(&["--json", "team", "list"]);
    assert_eq!(json.code, 1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let message = v["error"]["message"].as_str().expect("message");
    assert_eq!(message.matches("is not a usable warroom store").count(), 1);
    assert_eq!(std::fs::metadata(&db).expect("db").len(), 0);
}

#[test]
fn an_error_and_its_cause_are_each_said_once() {
    let env = TestEnv::start();
    // A data directory that is a file: the store error carries the I/O
    // error both in its message and as its source.
    let file = env.path("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let out = env
        .warroom()
        .env("WARROOM_HOME", file.join("data"))
        .args(["team", "list"])
        .output()
        .expect("warroom runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot prepare the data directory"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("Not a directory").count(), 1, "{stderr}");
}

fn doctor(env: &TestEnv, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["--json", "doctor"];
    all.extend_from_slice(args);
    let out = env.run(&all);
    let v = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", out.stdout, out.stderr));
    (out.code, v)
}

fn check<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check: {report}"))
}

#[test]
fn doctor_passes_a_sound_installation() {
    let env = TestEnv::start();
    std::fs::set_permissions(env.path("data"), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    env.deploy("sound", "1", "default");
    for args in [&[][..], &["--full"]] {
        let (code, report) = doctor(&env, args);
        assert_eq!(code, 0, "{report}");
        assert_eq!(report["passed"], true);
        for c in report["checks"].as_array().expect("checks") {
            // The team is unwatched (tests run without the daemon).
            if c["name"] != "daemon" {
                assert_eq!(c["status"], "ok", "{c}");
            }
        }
        assert!(
            check(&report, "tmux")["summary"]
                .as_str()
                .is_some_and(|s| s.starts_with("tmux ")),
            "{report}"
        );
        assert_eq!(check(&report, "daemon")["status"], "warn");
    }
    let text = env.ok(&["doctor"]).stdout;
    assert!(text.contains("All checks passed."), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("ok    store ")),
        "{text}"
    );

    // Others able to write to the data directory is a failure.
    std::fs::set_permissions(env.path("data"), std::fs::Permissions::from_mode(0o777))
        .expect("chmod");
    let (code, report) = doctor(&env, &[]);
    assert_eq!(code, 1);
    assert_eq!(check(&report, "data-dir")["status"], "fail");
    std::fs::set_permissions(env.path("data"), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    let db = env.path("data").join("warroom.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (code, report) = doctor(&env, &[]);
    assert_eq!(code, 1);
    assert_eq!(check(&report, "store-files")["status"], "fail");
}

/// Fills the store with events, then overwrites one page of the events
/// table in the middle of the file with random bytes; returns the page.
fn damage_a_page(env: &TestEnv) -> i64 {
    let data = env.path("data");
    let mut store = Store::open(&data).expect("store opens");
    store
        .write(1, "tester", |tx| {
            for n in 0..2_000 {
                tx.event(
                    None,
                    &EventKind::PurposeSet {
                        purpose: format!("purpose number {n} of many, padded out a little"),
                    },
                )?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("write");
    let db = store.path().to_owned();
    // Closing the last connection checkpoints the WAL into the file.
    drop(store);
    let (page, page_size) = {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("sqlite opens");
        let pages: Vec<i64> = conn
            .prepare(
                "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' \
                 ORDER BY pageno",
            )
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert!(pages.len() > 10, "{pages:?}");
        let size: i64 = conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .expect("page size");
        (pages[pages.len() / 2], size)
    };
    let mut bytes = std::fs::read(&db).expect("read");
    let start = usize::try_from((page - 1) * page_size).expect("offset");
    let end = start + usize::try_from(page_size).expect("size");
    let mut seed = 1234u64;
    for b in &mut bytes[start..end] {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        *b = (seed >> 24) as u8;
    }
    std::fs::write(&db, bytes).expect("write garbage");
    page
}

#[test]
fn doctor_reports_a_damaged_page_and_fails() {
    let env = TestEnv::start();
    env.ok(&["team", "list"]);
    let page = damage_a_page(&env);
    let named = format!("page {page}:");
    for args in [&[][..], &["--full"]] {
        let (code, report) = doctor(&env, args);
        assert_eq!(code, 1, "{report}");
        assert_eq!(report["passed"], false);
        let store = check(&report, "store");
        assert_eq!(store["status"], "fail", "{store}");
        let details = store["details"].as_array().expect("details");
        assert!(
            details
                .iter()
                .any(|d| d.as_str().is_some_and(|d| d.contains(&named))),
            "{args:?} missed page {page}: {store}"
        );
    }
    let out = env.run(&["doctor"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.lines().any(|l| l.starts_with("FAIL  store ")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1 check failed."), "{}", out.stdout);
}

#[test]
fn the_daemon_logs_a_damaged_store_at_start_and_keeps_going() {
    let env = TestEnv::start().with_daemon();
    env.ok(&["team", "list"]);
    let page = damage_a_page(&env);
    env.ok(&["daemon", "start"]);
    let log = env.path("data/daemon/daemon.log");
    wait_until(
        "the daemon's integrity line",
        std::time::Duration::from_secs(10),
        || std::fs::read_to_string(&log).is_ok_and(|l| l.contains(" ERROR ")),
    );
    let text = std::fs::read_to_string(&log).expect("log");
    let line = text
        .lines()
        .find(|l| l.contains(" ERROR "))
        .expect("an ERROR line");
    assert!(line.contains("is damaged"), "{line}");
    assert!(line.contains(&format!("page {page}")), "{line}");
    assert!(env.daemon_pid().is_some(), "the daemon stopped:\n{text}");
}
