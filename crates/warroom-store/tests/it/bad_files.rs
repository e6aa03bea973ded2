//! Files where the store should be that are not a store: each is refused and
//! left exactly as it was, because starting afresh over one hides lost data.
//! And damage inside a real store is found by `check_integrity`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use warroom_model::EventKind;
use warroom_store::{DB_FILE, IntegrityCheck, Store, StoreError};

use crate::{open, team};

/// Every file in `dir` but the init lock, with its bytes and mtime.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.to_string_lossy().ends_with(".init-lock"))
        .map(|p| {
            let meta = std::fs::metadata(&p).expect("metadata");
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).expect("read");
            (name, (bytes, meta.modified().expect("mtime")))
        })
        .collect()
}

/// Opens `dir`, expects `NotAStore` for `bad`, and that nothing changed.
fn assert_refused(dir: &Path, bad: &Path, why: &str) -> String {
    let before = snapshot(dir);
    let err = match Store::open(dir) {
        Ok(_) => panic!("opened a store over {why}"),
        Err(e) => e,
    };
    let StoreError::NotAStore { path, .. } = &err else {
        panic!("{why}: expected NotAStore, got {err:?}");
    };
    assert_eq!(path, bad, "{why}");
    let text = err.to_string();
    assert!(text.contains(&bad.display().to_string()), "{text}");
    assert!(text.contains("Move it aside"), "{text}");
    assert_eq!(snapshot(dir), before, "{why}: files changed");
    text
}

fn xorshift(seed: &mut u64) -> u8 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed >> 24) as u8
}

fn garbage(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len).map(|_| xorshift(&mut seed)).collect()
}

#[test]
fn an_empty_store_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join(DB_FILE);
    std::fs::write(&db, b"").expect("write");
    let text = assert_refused(dir.path(), &db, "an empty file");
    assert!(text.contains("empty (0 bytes)"), "{text}");
    // Still refused the second time: the first refusal did not "fix" it.
    assert_refused(dir.path(), &db, "an empty file, again");
}

#[test]
fn an_empty_store_file_beside_its_wal_is_refused_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join(DB_FILE);
    std::fs::write(&db, b"").expect("write");
    std::fs::write(dir.path().join("warroom.db-wal"), garbage(4096, 7)).expect("write");
    let text = assert_refused(dir.path(), &db, "an empty file with a WAL");
    assert!(text.contains("warroom.db-wal"), "{text}");
}

#[test]
fn a_file_of_random_bytes_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join(DB_FILE);
    std::fs::write(&db, garbage(64 * 1024, 42)).expect("write");
    let text = assert_refused(dir.path(), &db, "random bytes");
    assert!(text.contains("SQLite header"), "{text}");
}

#[test]
fn a_text_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join(DB_FILE);
    std::fs::write(&db, "teams:\n  - auth-hotfix\n").expect("write");
    let text = assert_refused(dir.path(), &db, "a text file");
    assert!(text.contains("text"), "{text}");
}

#[test]
fn a_header_cut_short_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join(DB_FILE);
    std::fs::write(&db, b"SQLite format 3\0\x10\x00").expect("write");
    let text = assert_refused(dir.path(), &db, "a truncated header");
    assert!(text.contains("cut short"), "{text}");
}

#[test]
fn another_programs_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join(DB_FILE);
    {
        let conn = rusqlite::Connection::open(&db).expect("sqlite opens");
        conn.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT);")
            .expect("table");
    }
    let text = assert_refused(dir.path(), &db, "a foreign database");
    assert!(text.contains("other program"), "{text}");
}

#[test]
fn a_wal_left_without_its_store_is_refused_rather_than_replayed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wal = dir.path().join("warroom.db-wal");
    std::fs::write(&wal, garbage(8192, 3)).expect("write");
    let text = assert_refused(dir.path(), &wal, "an orphaned WAL");
    assert!(text.contains("is missing"), "{text}");
    assert!(!dir.path().join(DB_FILE).exists(), "no store was created");
}

#[test]
fn a_fresh_directory_gets_a_complete_private_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("new").join("data");
    let mut store = open(&data);
    assert!(!store.is_read_only());
    assert_eq!(
        store.schema_version().expect("version"),
        warroom_store::SCHEMA_VERSION
    );
    team(&mut store, "auth-hotfix");
    drop(store);
    let names: Vec<String> = std::fs::read_dir(&data)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains(".new")),
        "the build file is gone: {names:?}"
    );
    // Reopening finds the same store, not a new one.
    let store = open(&data);
    assert!(store.team_by_name("auth-hotfix").expect("read").is_some());
}

#[test]
fn an_unfinished_build_left_by_a_crash_is_cleared() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["warroom.db.new", "warroom.db.new-journal"] {
        std::fs::write(dir.path().join(name), garbage(5000, 9)).expect("write");
    }
    let store = open(dir.path());
    assert_eq!(
        store.schema_version().expect("version"),
        warroom_store::SCHEMA_VERSION
    );
    assert!(!dir.path().join("warroom.db.new").exists());
    assert!(!dir.path().join("warroom.db.new-journal").exists());
}

#[test]
fn twenty_threads_opening_a_fresh_directory_share_one_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data: PathBuf = dir.path().join("data");
    let barrier = std::sync::Barrier::new(20);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let (data, barrier) = (&data, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let mut store = Store::open(data).expect("every opener succeeds");
                    store
                        .write(i, "opener", |tx| {
                            tx.event(
                                None,
                                &EventKind::PurposeSet {
                                    purpose: format!("opener {i}"),
                                },
                            )
                        })
                        .expect("write");
                    std::fs::metadata(store.path()).expect("metadata")
                })
            })
            .collect();
        let inodes: Vec<u64> = handles
            .into_iter()
            .map(|h| std::os::unix::fs::MetadataExt::ino(&h.join().expect("thread")))
            .collect();
        assert!(inodes.windows(2).all(|w| w[0] == w[1]), "{inodes:?}");
    });
    assert_eq!(open(&data).event_count().expect("count"), 20);
}

#[test]
fn a_sound_store_passes_both_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    team(&mut store, "auth-hotfix");
    for check in [IntegrityCheck::Quick, IntegrityCheck::Full] {
        let report = store.check_integrity(check).expect("check runs");
        assert!(report.is_ok(), "{check:?}: {:?}", report.problems);
    }
}

#[test]
fn a_page_overwritten_with_garbage_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    store
        .write(1, "alice", |tx| {
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
    assert!(!dir.path().join("warroom.db-wal").exists());

    // Pick a leaf page of the events table in the middle of the file.
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
    bytes[start..end].copy_from_slice(&garbage(end - start, 1234));
    std::fs::write(&db, bytes).expect("write garbage");

    let store = open(dir.path());
    for check in [IntegrityCheck::Quick, IntegrityCheck::Full] {
        let report = store.check_integrity(check).expect("check runs");
        let named = format!("page {page}:");
        assert!(
            report.problems.iter().any(|p| p.contains(&named)),
            "{check:?} missed the garbage page {page}: {:?}",
            report.problems
        );
    }
}
