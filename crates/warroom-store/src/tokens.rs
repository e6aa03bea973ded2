//! API tokens, kept as hashes: the store never holds a usable token.

use rusqlite::{OptionalExtension, Row, params};
use warroom_model::Millis;

use crate::{Store, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    pub created_at: Millis,
    pub created_by: String,
    pub revoked_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
}

const COLS: &str = "id, name, scope, created_at, created_by, revoked_at, last_used_at";

fn token(r: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        scope: r.get(2)?,
        created_at: r.get(3)?,
        created_by: r.get(4)?,
        revoked_at: r.get(5)?,
        last_used_at: r.get(6)?,
    })
}

impl Store {
    pub fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLS} FROM tokens ORDER BY id"))?;
        let rows = stmt.query_map([], token)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The token whose hash this is, revoked or not.
    pub fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLS} FROM tokens WHERE hash = ?1"),
                [hash],
                token,
            )
            .optional()?)
    }
}

impl Tx<'_> {
    pub fn create_token(
        &mut self,
        name: &str,
        scope: &str,
        hash: &str,
    ) -> Result<TokenRecord, StoreError> {
        let at = self.at();
        let by = self.actor().to_owned();
        self.conn().execute(
            "INSERT INTO tokens (name, scope, hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, scope, hash, at, by],
        )?;
        Ok(TokenRecord {
            id: self.conn().last_insert_rowid(),
            name: name.to_owned(),
            scope: scope.to_owned(),
            created_at: at,
            created_by: by,
            revoked_at: None,
            last_used_at: None,
        })
    }

    /// Revokes a token; `false` when there is none by that id or it was
    /// revoked already.
    pub fn revoke_token(&mut self, id: i64) -> Result<bool, StoreError> {
        let at = self.at();
        Ok(self.conn().execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, at],
        )? == 1)
    }

    pub fn token_used(&mut self, id: i64) -> Result<(), StoreError> {
        let at = self.at();
        self.conn().execute(
            "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }
}
