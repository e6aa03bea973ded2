use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot prepare the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the store {path} was written by a newer warroom (schema {found}, this one knows {known})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
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
