//! Rollout runs: the runbook each one runs and the model's run, saved
//! with each transition in the caller's transaction.

use rusqlite::{OptionalExtension, Row, params};
use warroom_model::rollout::{Run, Runbook};
use warroom_model::{IncidentId, Millis, TeamId};

use crate::read::corrupt;
use crate::{Store, StoreError, Tx};

#[derive(Debug, Clone, PartialEq)]
pub struct RolloutRecord {
    pub id: i64,
    pub team_id: TeamId,
    pub incident_id: Option<IncidentId>,
    pub runbook: Runbook,
    pub run: Run,
    /// How many times the run was saved: a save names the one it read.
    pub rev: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

const COLUMNS: &str = "id, team_id, incident_id, runbook, run, rev, created_at, updated_at";

fn record(row: &Row<'_>) -> rusqlite::Result<RolloutRecord> {
    let runbook: String = row.get(3)?;
    let run: String = row.get(4)?;
    Ok(RolloutRecord {
        id: row.get(0)?,
        team_id: row.get(1)?,
        incident_id: row.get(2)?,
        runbook: serde_json::from_str(&runbook).map_err(|e| corrupt(e.to_string()))?,
        run: serde_json::from_str(&run).map_err(|e| corrupt(e.to_string()))?,
        rev: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
    })
}

impl Store {
    /// The rollouts not yet ended, oldest first.
    pub fn active_rollouts(&self) -> Result<Vec<RolloutRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM rollouts WHERE done = 0 ORDER BY id"
        ))?;
        let rows = stmt.query_map([], record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A team's rollouts, oldest first.
    pub fn rollouts(&self, team_id: TeamId) -> Result<Vec<RolloutRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM rollouts WHERE team_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([team_id], record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn rollout(&self, id: i64) -> Result<Option<RolloutRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM rollouts WHERE id = ?1"),
                [id],
                record,
            )
            .optional()?)
    }
}

impl Tx<'_> {
    /// Starts a rollout; its id is assigned here.
    pub fn create_rollout(
        &mut self,
        team_id: TeamId,
        incident_id: Option<IncidentId>,
        runbook: &Runbook,
        run: &Run,
    ) -> Result<RolloutRecord, StoreError> {
        let at = self.at();
        self.conn().execute(
            "INSERT INTO rollouts (team_id, incident_id, runbook, run, done, rev, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
            params![
                team_id,
                incident_id,
                serde_json::to_string(runbook)?,
                serde_json::to_string(run)?,
                run.is_done(),
                at
            ],
        )?;
        Ok(RolloutRecord {
            id: self.conn().last_insert_rowid(),
            team_id,
            incident_id,
            runbook: runbook.clone(),
            run: run.clone(),
            rev: 0,
            created_at: at,
            updated_at: at,
        })
    }

    /// The rollout as it is now, read inside the transaction.
    pub fn rollout(&self, id: i64) -> Result<Option<RolloutRecord>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM rollouts WHERE id = ?1"),
                [id],
                record,
            )
            .optional()?)
    }

    /// Saves `run` over the state read at `rev`; `false` (nothing written)
    /// when someone saved it since.
    pub fn save_rollout(&mut self, id: i64, rev: i64, run: &Run) -> Result<bool, StoreError> {
        let changed = self.conn().execute(
            "UPDATE rollouts SET run = ?3, done = ?4, rev = rev + 1, updated_at = ?5
             WHERE id = ?1 AND rev = ?2",
            params![
                id,
                rev,
                serde_json::to_string(run)?,
                run.is_done(),
                self.at()
            ],
        )?;
        Ok(changed == 1)
    }
}
