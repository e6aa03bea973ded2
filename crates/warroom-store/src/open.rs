use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::{DB_FILE, Store, StoreError, migrate};

const INIT_LOCK_FILE: &str = "warroom.db.init-lock";

/// Long enough to outlast any other writer's short transaction under load.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
    let dir_err = |source| StoreError::DataDir {
        path: data_dir.to_owned(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .map_err(dir_err)?;
    let path = data_dir.join(DB_FILE);
    // Create the file ourselves so it is 0600 from its first byte; SQLite
    // gives the -wal and -shm files the same mode.
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .map_err(dir_err)?;

    // Switching a new file to WAL and migrating it take locks SQLite will not
    // wait for (two readers upgrading at once get SQLITE_BUSY at once, busy
    // timeout or not), so processes take turns for this short setup.
    let init_lock = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(data_dir.join(INIT_LOCK_FILE))
        .map_err(dir_err)?;
    init_lock.lock().map_err(dir_err)?;

    let mut conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    migrate::migrate(&mut conn, &path)?;
    drop(init_lock);
    Ok(Store { conn, path })
}
