//! Versioned migrations, tracked in `PRAGMA user_version`.
//!
//! Written here rather than taken from a crate because the check and the
//! upgrade must happen under one `BEGIN IMMEDIATE`: twenty processes opening
//! a fresh store at once must not race to create the same tables.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_teams_agents_messages.sql"),
    include_str!("../migrations/0002_incidents.sql"),
    include_str!("../migrations/0003_agent_states.sql"),
    include_str!("../migrations/0004_supervision.sql"),
    include_str!("../migrations/0005_rollouts.sql"),
    include_str!("../migrations/0006_agent_last_line.sql"),
    include_str!("../migrations/0007_tokens.sql"),
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection, path: &std::path::Path) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current == LATEST {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the write lock.
    let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: current,
            known: LATEST,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}
