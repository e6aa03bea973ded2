//! Twenty real processes write at once, as agents calling the CLI do: each is
//! this test binary re-run as a writer. No write may be lost and none may fail.

use std::process::Command;

use warroom_model::EventKind;
use warroom_store::{Store, StoreError};

const WRITERS: usize = 20;
const WRITES_EACH: usize = 40;
const CHILD_ENV: &str = "WARROOM_STORE_TEST_WRITER_DIR";

#[test]
fn twenty_processes_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary path");
    // The store does not exist yet: the writers race to create and migrate it too.
    let mut handles = Vec::new();
    for i in 0..WRITERS {
        handles.push(
            Command::new(&exe)
                .args([
                    "--exact",
                    "concurrency::writer_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, dir.path())
                .env("WRITER_INDEX", i.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("writer spawns"),
        );
    }
    for child in handles {
        let out = child.wait_with_output().expect("writer finishes");
        assert!(
            out.status.success(),
            "a writer failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("locked"), "{text}");
    }
    let store = Store::open(dir.path()).expect("opens");
    assert_eq!(
        store.event_count().expect("count"),
        (WRITERS * WRITES_EACH) as i64
    );
}

/// Does nothing unless run as a child of the test above.
#[test]
fn writer_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let index: i64 = std::env::var("WRITER_INDEX")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut store = Store::open(std::path::Path::new(&dir)).expect("writer opens the store");
    for n in 0..WRITES_EACH {
        store
            .write(index * 1000 + n as i64, "writer", |tx| {
                tx.event(
                    None,
                    &EventKind::PurposeSet {
                        purpose: format!("w{index}-{n}"),
                    },
                )
            })
            .map_err(|e: StoreError| e)
            .expect("write succeeds");
    }
}
