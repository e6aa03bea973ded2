//! The store: an SQLite file holding the event log and its projections.
//!
//! Every write is one short `BEGIN IMMEDIATE` transaction that appends its
//! event beside the projection it changes, so the log and the tables never
//! disagree. Many processes write at once (agents call the CLI); WAL mode and
//! a busy timeout make them queue instead of failing.

mod error;
mod incidents;
mod integrity;
mod migrate;
mod open;
mod read;
mod records;
mod rollouts;
mod supervision;
mod tokens;
mod write;

pub use error::StoreError;
pub use incidents::{AttachmentRecord, NotificationRecord, NotificationStatus, UpdateRecord};
pub use integrity::{IntegrityCheck, IntegrityReport};
/// The schema version a store is migrated to when opened.
pub use migrate::LATEST as SCHEMA_VERSION;
pub use records::{
    AgentRecord, MessageKind, MessageRecord, NewAgent, NewMessage, NewTeam, TeamRecord,
};
pub use rollouts::RolloutRecord;
pub use supervision::Evidence;
pub use tokens::TokenRecord;
pub use write::Tx;

use std::path::{Path, PathBuf};

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "warroom.db";

pub struct Store {
    conn: rusqlite::Connection,
    path: PathBuf,
    /// Opened read-only because this user cannot write the store.
    read_only: bool,
}

impl Store {
    /// Opens the store in `data_dir`, creating the directory and a new store
    /// only when no `warroom.db` exists there yet.
    ///
    /// An existing file that is not a store (empty, not SQLite, another
    /// program's database) is refused with [`StoreError::NotAStore`] and left
    /// untouched. A store this user can read but not write opens read-only
    /// (see [`Store::is_read_only`]); its writes fail with
    /// [`StoreError::ReadOnly`].
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        open::open(data_dir)
    }

    /// Another connection to this same store, opened as this one was
    /// (read-write or read-only): a caller that needs the store while
    /// another holds a connection in a transaction gets its own, and SQLite
    /// serialises their writes (WAL mode, busy timeout).
    pub fn another(&self) -> Result<Self, StoreError> {
        Self::reopen(&self.path, self.read_only)
    }

    /// A further connection to the store at `path` that this process
    /// already opened with [`Store::open`] (`read_only` as it came out).
    pub fn reopen(path: &Path, read_only: bool) -> Result<Self, StoreError> {
        open::reopen(path, read_only)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the store was opened read-only, because this user cannot
    /// write to it or to its directory.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The schema version after migrations.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}
