use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot prepare the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file-system step of opening or creating the store failed.
    #[error("cannot {action} {path}: {source}")]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file where the store should be is not one. Nothing was changed:
    /// warroom refuses rather than start a new store over it, because an
    /// empty or unreadable store file usually means data went missing.
    #[error(
        "{path} is not a usable warroom store: {reason}. Nothing was changed. \
         Move it aside (e.g. `mv {path} {path}.bad`) and warroom will start a new, \
         empty store; or put a backup of the store in its place"
    )]
    NotAStore { path: PathBuf, reason: String },
    /// SQLite could not open or prepare the store.
    #[error("cannot open the store {path}: {source}{}", open_hint(.source))]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the store {path} was written by a newer warroom (schema {found}, this one knows {known})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// The store could only be opened for reading; this was a write.
    #[error(
        "the store {path} is open read-only (this user cannot write to it or to its \
         directory), so it cannot be changed; give write access to both, or run warroom \
         as the store's owner"
    )]
    ReadOnly { path: PathBuf },
    /// Read-only, and too old to read without migrating it first.
    #[error(
        "the store {path} has schema {found} and needs upgrading to {known}, but this user \
         can only read it; run warroom once with write access to upgrade it"
    )]
    ReadOnlyOutdated {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// Read-only, and its newest changes sit in a WAL that SQLite cannot
    /// index without creating a file next to it.
    #[error(
        "the store {path} cannot be read safely: its write-ahead log {wal} holds changes \
         not yet in the main file, and reading them needs write access to the directory \
         (SQLite must create the -shm index there); make the directory writable, or copy \
         the store and its -wal file elsewhere and open the copy"
    )]
    UnreadableWal { path: PathBuf, wal: PathBuf },
    #[error("a live team named {0:?} already exists")]
    TeamExists(String),
    #[error("an open incident with the slug {0:?} already exists")]
    IncidentExists(String),
    #[error("window {window} of team {team:?} is taken")]
    WindowTaken { team: String, window: u32 },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot encode event: {0}")]
    Json(#[from] serde_json::Error),
}

/// What a user can do about the commoner SQLite failures at open.
fn open_hint(err: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode as C;
    match err.sqlite_error_code() {
        Some(C::DatabaseCorrupt | C::NotADatabase) => {
            "; the file is damaged: move it aside and restore a backup, or try \
             `sqlite3 <file> .recover` on a copy"
        }
        Some(C::DatabaseBusy | C::DatabaseLocked) => {
            "; another process holds it locked: retry, or look for a stuck warroom process"
        }
        Some(C::DiskFull) => "; the disk is full: free some space",
        Some(C::CannotOpen | C::PermissionDenied | C::ReadOnly) => {
            "; check the permissions of the file, its -wal and -shm files and its directory"
        }
        _ => "",
    }
}

impl StoreError {
    /// Constraint violations that mean "that name or slot is taken".
    pub(crate) fn is_unique_violation(err: &rusqlite::Error) -> bool {
        matches!(
            err,
            rusqlite::Error::SqliteFailure(e, _)
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        )
    }
}
