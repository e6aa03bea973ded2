//! The store: an SQLite file holding the event log and its projections.
//!
//! Every write is one short `BEGIN IMMEDIATE` transaction that appends its
//! event beside the projection it changes, so the log and the tables never
//! disagree. Many processes write at once (agents call the CLI); WAL mode and
//! a busy timeout make them queue instead of failing.

mod error;
mod incidents;
mod migrate;
mod open;
mod read;
mod records;
mod supervision;
mod write;

pub use error::StoreError;
pub use incidents::{AttachmentRecord, NotificationRecord, NotificationStatus, UpdateRecord};
pub use records::{
    AgentRecord, MessageKind, MessageRecord, NewAgent, NewMessage, NewTeam, TeamRecord,
};
pub use supervision::Evidence;
pub use write::Tx;

use std::path::{Path, PathBuf};

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "warroom.db";

pub struct Store {
    conn: rusqlite::Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        open::open(data_dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version after migrations.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}
