//! A store this user cannot write still serves reads, and its writes fail
//! with `StoreError::ReadOnly`. Tests often run as root, whom file modes do
//! not stop, so `ReadOnlyGuard` adds the immutable attribute (`chattr +i`),
//! which stops root too; where neither works the test says so and skips.

use std::fs::OpenOptions;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use warroom_store::{DB_FILE, IntegrityCheck, Store, StoreError};

use crate::{open, team};

struct ReadOnlyGuard {
    path: PathBuf,
    mode: u32,
    immutable: bool,
}

impl ReadOnlyGuard {
    /// Makes `path` (a file or a directory) read-only until dropped; `None`
    /// when this process could write it anyway.
    fn make(path: &Path) -> Option<Self> {
        let mode = std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o7777;
        let mut guard = ReadOnlyGuard {
            path: path.to_owned(),
            mode,
            immutable: false,
        };
        let read_only = if path.is_dir() { 0o500 } else { 0o400 };
        set_mode(path, read_only);
        if !can_write(path) {
            return Some(guard);
        }
        guard.immutable = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        if guard.immutable && !can_write(path) {
            return Some(guard);
        }
        println!(
            "note: cannot make {} read-only for this user (root without a working \
             `chattr +i`?); skipping the read-only assertions",
            path.display()
        );
        None
    }
}

impl Drop for ReadOnlyGuard {
    fn drop(&mut self) {
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        }
        set_mode(&self.path, self.mode);
    }
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn can_write(path: &Path) -> bool {
    if path.is_dir() {
        let probe = path.join(".write-probe");
        let made = std::fs::File::create(&probe).is_ok();
        let _ = std::fs::remove_file(&probe);
        made
    } else {
        OpenOptions::new().write(true).open(path).is_ok()
    }
}

fn assert_reads_but_refuses_writes(store: &mut Store, db: &Path) {
    assert!(store.is_read_only());
    assert_eq!(
        store.schema_version().expect("version"),
        warroom_store::SCHEMA_VERSION
    );
    assert!(store.team_by_name("auth-hotfix").expect("read").is_some());
    assert_eq!(store.live_teams().expect("read").len(), 1);
    assert!(
        store
            .check_integrity(IntegrityCheck::Quick)
            .expect("check")
            .is_ok()
    );
    let err = store
        .write(2_000, "alice", |tx| tx.end_team(&store_team()))
        .expect_err("a read-only store refuses writes");
    match &err {
        StoreError::ReadOnly { path } => assert_eq!(path, db),
        other => panic!("expected ReadOnly, got {other:?}"),
    }
    assert!(err.to_string().contains(&db.display().to_string()), "{err}");
}

/// A team record to hand `end_team`; the write is refused before it is read.
fn store_team() -> warroom_store::TeamRecord {
    warroom_store::TeamRecord {
        id: warroom_model::TeamId(1),
        name: "auth-hotfix".into(),
        team_type: None,
        project_dir: "/srv/app".into(),
        purpose: None,
        tmux_socket: "warroom".into(),
        created_at: 1_000,
        ended_at: None,
        supervision: None,
    }
}

/// A data directory holding a closed store with one team.
fn closed_store(data: &Path) -> PathBuf {
    let mut store = open(data);
    team(&mut store, "auth-hotfix");
    let db = store.path().to_owned();
    drop(store);
    assert!(!data.join("warroom.db-wal").exists(), "closing checkpoints");
    db
}

#[test]
fn a_write_protected_store_file_still_serves_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = closed_store(dir.path());
    let before = std::fs::read(&db).expect("read");
    let Some(guard) = ReadOnlyGuard::make(&db) else {
        return;
    };
    let mut store = Store::open(dir.path()).expect("opens read-only");
    assert_reads_but_refuses_writes(&mut store, &db);
    drop(store);
    assert_eq!(std::fs::read(&db).expect("read"), before);
    // What the read-only open left behind (a -shm) does not get in the way
    // once the file is writable again.
    drop(guard);
    let mut store = open(dir.path());
    assert!(!store.is_read_only());
    team(&mut store, "db-migration");
}

#[test]
fn a_store_in_a_read_only_directory_still_serves_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An awkward name: the read-only open goes through an SQLite URI.
    let data = dir.path().join("odd ?#%& name");
    let db = closed_store(&data);
    let Some(_guard) = ReadOnlyGuard::make(&data) else {
        return;
    };
    let mut store = Store::open(&data).expect("opens read-only");
    assert_reads_but_refuses_writes(&mut store, &db);
}

#[test]
fn a_read_only_directory_without_a_store_says_it_cannot_make_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let Some(_guard) = ReadOnlyGuard::make(&data) else {
        return;
    };
    let err = match Store::open(&data) {
        Ok(_) => panic!("a store appeared in a read-only directory"),
        Err(e) => e,
    };
    assert!(
        matches!(&err, StoreError::File { path, .. } if *path == data),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("create a new store in"), "{text}");
    assert!(text.contains(&data.display().to_string()), "{text}");
}

#[test]
fn a_read_only_copy_whose_wal_holds_changes_is_refused_not_read_stale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (live, writable, frozen) = (
        dir.path().join("live"),
        dir.path().join("writable"),
        dir.path().join("frozen"),
    );
    let mut store = open(&live);
    team(&mut store, "auth-hotfix");
    // Copied while the store is open: the team is still only in the WAL.
    for copy in [&writable, &frozen] {
        std::fs::create_dir(copy).expect("mkdir");
        for name in [DB_FILE, "warroom.db-wal"] {
            std::fs::copy(live.join(name), copy.join(name)).expect("copy");
        }
    }
    drop(store);
    assert!(
        std::fs::metadata(frozen.join("warroom.db-wal"))
            .expect("wal")
            .len()
            > 32
    );
    // With write access the copy is whole: the WAL is what holds the team.
    assert!(
        open(&writable)
            .team_by_name("auth-hotfix")
            .expect("read")
            .is_some()
    );

    let Some(_guard) = ReadOnlyGuard::make(&frozen) else {
        return;
    };
    let err = match Store::open(&frozen) {
        Ok(_) => panic!("opened a store whose WAL it cannot read"),
        Err(e) => e,
    };
    match &err {
        StoreError::UnreadableWal { path, wal } => {
            assert_eq!(path, &frozen.join(DB_FILE));
            assert_eq!(wal, &frozen.join("warroom.db-wal"));
        }
        other => panic!("expected UnreadableWal, got {other:?}"),
    }
}
