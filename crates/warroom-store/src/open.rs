//! Opening the store file.
//!
//! Three rules keep a bad file from turning into a silently empty store:
//! - A new store is built beside the final name (`warroom.db.new`) and linked
//!   into place only once it is complete, all under the init lock. So
//!   `warroom.db` is never legitimately empty, not even for a moment while
//!   another process creates it.
//! - Hence any existing `warroom.db` that is empty, not SQLite, or another
//!   program's database is refused, untouched: it is evidence of lost data,
//!   not a place to start afresh. Only a name that is free (and has no
//!   leftover -wal or -journal) gets a new store.
//! - When this user cannot write the store, it is opened read-only instead of
//!   failing, so reads (`list`, `doctor`) still work.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, MAIN_DB, OpenFlags};

use crate::{DB_FILE, Store, StoreError, migrate};

const INIT_LOCK_FILE: &str = "warroom.db.init-lock";

/// Where a new store is built before it is linked into place as `DB_FILE`.
const NEW_FILE: &str = "warroom.db.new";

/// The first 16 bytes of every SQLite database.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The length of SQLite's file header; a shorter file cannot be a database.
const SQLITE_HEADER_LEN: u64 = 100;

/// A WAL no longer than its own header holds no frames, so no changes.
const WAL_HEADER_LEN: u64 = 32;

/// Long enough to outlast any other writer's short transaction under load.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .map_err(|source| StoreError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
    let path = data_dir.join(DB_FILE);

    // Creating a store, switching it to WAL and migrating it take locks SQLite
    // will not wait for (two readers upgrading at once get SQLITE_BUSY at
    // once, busy timeout or not), so processes take turns for this short
    // setup. Reading needs no turn: the file appears complete or not at all.
    let init_lock = match take_init_lock(data_dir) {
        Ok(lock) => Ok(lock),
        // A directory we cannot write to may still hold a store we can read.
        Err(e) if is_denied(&e) => Err(e),
        Err(source) => {
            return Err(StoreError::DataDir {
                path: data_dir.to_owned(),
                source,
            });
        }
    };

    let init_lock = if exists(&path)? {
        init_lock.ok()
    } else {
        refuse_orphaned_journals(&path)?;
        let lock = init_lock.map_err(|source| StoreError::File {
            action: "create a new store in",
            path: data_dir.to_owned(),
            source,
        })?;
        create_store(data_dir, &path)?;
        Some(lock)
    };
    check_header(&path)?;

    if init_lock.is_some() {
        match open_read_write(&path) {
            Err(e) if calls_for_read_only(&e) => {}
            other => return other,
        }
    }
    drop(init_lock);
    open_read_only(&path)
}

fn take_init_lock(data_dir: &Path) -> io::Result<File> {
    let lock = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(data_dir.join(INIT_LOCK_FILE))?;
    lock.lock()?;
    Ok(lock)
}

/// Builds a new, migrated store at `NEW_FILE` and links it to `path`. The
/// caller holds the init lock, so no other process is building one.
fn create_store(data_dir: &Path, path: &Path) -> Result<(), StoreError> {
    let new = data_dir.join(NEW_FILE);
    let io_err = |action| {
        let new = new.clone();
        move |source| StoreError::File {
            action,
            path: new,
            source,
        }
    };
    // Left by a process that died while building it.
    remove_new_files(&new).map_err(io_err("remove the unfinished new store"))?;
    // Created by us so it is 0600 from its first byte; SQLite gives the -wal
    // and -shm files the same mode.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&new)
        .map_err(|source| StoreError::File {
            action: "create a new store in",
            path: data_dir.to_owned(),
            source,
        })?;
    if let Err(e) = build_store(&new, path) {
        // Best effort: the next open removes what is left anyway.
        let _ = remove_new_files(&new);
        return Err(e);
    }
    File::open(&new)
        .and_then(|f| f.sync_all())
        .map_err(io_err("flush the new store"))?;
    // A hard link never replaces an existing file, unlike rename.
    match fs::hard_link(&new, path) {
        Ok(()) => {}
        // Someone created the name without taking the lock (an older
        // warroom?). Theirs stays and is judged like any existing file.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        // Some file systems have no hard links; we saw under the lock that
        // the name is free, so an atomic rename is nearly as safe.
        Err(_) => fs::rename(&new, path).map_err(io_err("move into place"))?,
    }
    remove_new_files(&new).map_err(io_err("remove"))?;
    // Makes the new name durable. Best effort: should a crash lose it, the
    // store was still empty and the next open builds another.
    let _ = File::open(data_dir).and_then(|d| d.sync_all());
    Ok(())
}

/// Migrates the new file in rollback-journal mode, so every change is in the
/// file itself, then switches it to WAL (which rewrites only the header) and
/// closes it: what gets linked into place is the whole store.
fn build_store(new: &Path, path: &Path) -> Result<(), StoreError> {
    let sql = |source| StoreError::Open {
        path: new.to_owned(),
        source,
    };
    let mut conn = Connection::open_with_flags(
        new,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    migrate::migrate(&mut conn, path).map_err(|e| in_open(new, e))?;
    let _mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(sql)?;
    conn.close().map_err(|(_, e)| sql(e))?;
    // Closing the only connection emptied and removed these; any remains
    // hold nothing and must not follow the store under its final name.
    for suffix in ["-wal", "-shm"] {
        remove_if_exists(&with_suffix(new, suffix)).map_err(|source| StoreError::File {
            action: "remove",
            path: with_suffix(new, suffix),
            source,
        })?;
    }
    Ok(())
}

fn remove_new_files(new: &Path) -> io::Result<()> {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        remove_if_exists(&with_suffix(new, suffix))?;
    }
    Ok(())
}

/// A -wal or -journal without its database means the database went missing.
/// A new store under that name would replay the old log into itself.
fn refuse_orphaned_journals(path: &Path) -> Result<(), StoreError> {
    for suffix in ["-wal", "-journal"] {
        let log = with_suffix(path, suffix);
        if exists(&log)? {
            return Err(StoreError::NotAStore {
                reason: format!(
                    "it is the log of a store whose main file {} is missing; a new store \
                     would replay it",
                    path.display()
                ),
                path: log,
            });
        }
    }
    Ok(())
}

/// Refuses a file that cannot be a store, reading it without changing it.
fn check_header(path: &Path) -> Result<(), StoreError> {
    let io_err = |source| StoreError::File {
        action: "read the store file",
        path: path.to_owned(),
        source,
    };
    let refuse = |reason: String| {
        Err(StoreError::NotAStore {
            path: path.to_owned(),
            reason,
        })
    };
    let meta = fs::metadata(path).map_err(io_err)?;
    if !meta.is_file() {
        return refuse("it is not a regular file".into());
    }
    let mut head = Vec::new();
    File::open(path)
        .and_then(|f| f.take(SQLITE_HEADER_LEN).read_to_end(&mut head))
        .map_err(io_err)?;
    if head.is_empty() {
        let wal = with_suffix(path, "-wal");
        return refuse(if exists(&wal)? {
            format!(
                "it is empty (0 bytes), yet its write-ahead log {} exists (move that aside too)",
                wal.display()
            )
        } else {
            "it is empty (0 bytes); warroom never leaves an empty store file".into()
        });
    }
    if !head.starts_with(SQLITE_MAGIC) {
        let text = head
            .iter()
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || *b >= 0x80);
        return refuse(if text {
            "it holds text, not an SQLite database".into()
        } else {
            "it does not start with the SQLite header \"SQLite format 3\"".into()
        });
    }
    if meta.len() < SQLITE_HEADER_LEN {
        return refuse(format!(
            "it is cut short: {} bytes, less than an SQLite header",
            meta.len()
        ));
    }
    Ok(())
}

fn open_read_write(path: &Path) -> Result<Store, StoreError> {
    let sql = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    restore_sidecar_modes(path);
    // No SQLITE_OPEN_CREATE: the file exists, and SQLite must never make one.
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    // SQLite quietly opens a write-protected file read-only instead.
    if conn.is_readonly(MAIN_DB).map_err(sql)? {
        return Err(StoreError::ReadOnly {
            path: path.to_owned(),
        });
    }
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
    // Before anything writes: the switch to WAL rewrites the header.
    check_schema(&conn, path, true)?;
    let _mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(sql)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sql)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(sql)?;
    migrate::migrate(&mut conn, path).map_err(|e| in_open(path, e))?;
    Ok(Store {
        conn,
        path: path.to_owned(),
        read_only: false,
    })
}

/// SQLite makes the -wal and -shm with the store file's mode, so a read-only
/// open of a write-protected store leaves them write-protected too; once the
/// store is writable again, writers would find them read-only. Give them the
/// store's mode back. Best effort: only their owner may, and SQLite reports
/// what still stands in the way.
fn restore_sidecar_modes(path: &Path) {
    let Ok(meta) = fs::metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o200 == 0 {
        return;
    }
    for suffix in ["-wal", "-shm"] {
        let sidecar = with_suffix(path, suffix);
        if let Ok(side) = fs::metadata(&sidecar)
            && side.permissions().mode() & 0o777 != mode
        {
            let _ = fs::set_permissions(&sidecar, fs::Permissions::from_mode(mode));
        }
    }
}

/// A further connection to a store this process already opened.
pub(crate) fn reopen(path: &Path, read_only: bool) -> Result<Store, StoreError> {
    if read_only {
        open_read_only(path)
    } else {
        open_read_write(path)
    }
}

fn open_read_only(path: &Path) -> Result<Store, StoreError> {
    // `mode=ro` shares the WAL index (-shm) with any writer, so it sees
    // their latest commits as they happen.
    let err = match connect_read_only(path, "mode=ro") {
        Err(StoreError::Open { source, .. })
            if matches!(
                source.sqlite_error_code(),
                Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly)
            ) =>
        {
            StoreError::Open {
                path: path.to_owned(),
                source,
            }
        }
        other => return other,
    };
    // That fails when there is no -shm and the directory is read-only, so it
    // cannot be made (SQLITE_CANTOPEN, or SQLITE_READONLY_DIRECTORY when the
    // directory's mode forbids it). `immutable=1` then reads the main file
    // alone, without locks and ignoring any WAL. That is right only when no
    // writer is live (a live writer always has a -shm) and no WAL holds
    // changes a writer left behind.
    if exists(&with_suffix(path, "-shm"))? {
        return Err(err);
    }
    let wal = with_suffix(path, "-wal");
    let wal_len = match fs::metadata(&wal) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(source) => {
            return Err(StoreError::File {
                action: "inspect",
                path: wal,
                source,
            });
        }
    };
    if wal_len > WAL_HEADER_LEN {
        return Err(StoreError::UnreadableWal {
            path: path.to_owned(),
            wal,
        });
    }
    connect_read_only(path, "immutable=1")
}

fn connect_read_only(path: &Path, params: &str) -> Result<Store, StoreError> {
    let sql = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open_with_flags(
        uri(path, params),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
    // Its first read: a WAL that cannot be indexed shows up here.
    check_schema(&conn, path, false)?;
    Ok(Store {
        conn,
        path: path.to_owned(),
        read_only: true,
    })
}

/// Refuses another program's database, and (read-only, where it cannot be
/// migrated) a schema this warroom cannot read.
fn check_schema(conn: &Connection, path: &Path, writable: bool) -> Result<(), StoreError> {
    let sql = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sql)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(sql)?;
    // Migrations set the version in the transaction that creates the
    // tables, so tables without a version are not ours.
    if version == 0 && objects > 0 {
        return Err(StoreError::NotAStore {
            path: path.to_owned(),
            reason: format!(
                "it is an SQLite database of some other program ({objects} tables and \
                 indexes, but no warroom schema version)"
            ),
        });
    }
    if writable || version == migrate::LATEST {
        // Writable: migrate() upgrades it or refuses a newer one.
        return Ok(());
    }
    Err(if version > migrate::LATEST {
        StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            known: migrate::LATEST,
        }
    } else {
        StoreError::ReadOnlyOutdated {
            path: path.to_owned(),
            found: version,
            known: migrate::LATEST,
        }
    })
}

/// Read-write failed in a way that read-only may not.
fn calls_for_read_only(err: &StoreError) -> bool {
    match err {
        StoreError::ReadOnly { .. } => true,
        StoreError::Open { source, .. } => matches!(
            source.sqlite_error_code(),
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied)
        ),
        _ => false,
    }
}

fn is_denied(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}

/// Names the file in SQLite errors from migrating.
fn in_open(path: &Path, err: StoreError) -> StoreError {
    match err {
        StoreError::Sqlite(source) => StoreError::Open {
            path: path.to_owned(),
            source,
        },
        other => other,
    }
}

fn exists(path: &Path) -> Result<bool, StoreError> {
    path.try_exists().map_err(|source| StoreError::File {
        action: "inspect",
        path: path.to_owned(),
        source,
    })
}

fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// An SQLite URI for `path`, which may hold any byte: all but the plainest
/// are %-escaped so `?`, `#` and `%` in a path stay part of it.
fn uri(path: &Path, params: &str) -> String {
    // "file://" plus an absolute path gives an empty authority, as required.
    let mut uri = String::from(if path.is_absolute() {
        "file://"
    } else {
        "file:"
    });
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push('?');
    uri.push_str(params);
    uri
}
