//! Integrity checks of the store file, for the daemon's start and `warroom
//! doctor`: damaged pages otherwise go unnoticed until a query trips on them.

use rusqlite::ErrorCode;

use crate::{Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrityCheck {
    /// `PRAGMA quick_check`: every page and b-tree, but not whether indexes
    /// match their tables. Fast enough for every daemon start.
    Quick,
    /// `PRAGMA integrity_check`, plus `PRAGMA foreign_key_check` for rows
    /// that point at missing rows. Reads and compares everything.
    Full,
}

/// What a check found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    /// One line per problem, as SQLite words it; empty when none were found.
    pub problems: Vec<String>,
}

impl IntegrityReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// SQLite stops listing problems after this many; enough to judge the damage.
const MAX_PROBLEMS: u32 = 100;

impl Store {
    /// Checks the store file for damage. `Err` means the check could not run
    /// (busy, I/O); damage, even damage that stops the check, is a problem in
    /// the report.
    pub fn check_integrity(&self, check: IntegrityCheck) -> Result<IntegrityReport, StoreError> {
        let pragma = match check {
            IntegrityCheck::Quick => "quick_check",
            IntegrityCheck::Full => "integrity_check",
        };
        let mut problems = Vec::new();
        let lines = self.query_lines(&format!("PRAGMA {pragma}({MAX_PROBLEMS})"), |r| r.get(0));
        collect(pragma, lines, &mut problems, |line: String| {
            // There is only the one database; the heading is noise.
            let line = line
                .strip_prefix("*** in database main ***\n")
                .unwrap_or(&line);
            (line != "ok").then(|| line.to_owned())
        })?;
        if check == IntegrityCheck::Full {
            let orphans = self.query_lines("PRAGMA foreign_key_check", |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            });
            collect(
                "foreign_key_check",
                orphans,
                &mut problems,
                |(table, rowid, parent)| {
                    let row = rowid.map_or_else(|| "a row".to_owned(), |id| format!("row {id}"));
                    Some(format!(
                        "{row} of {table} refers to a missing row of {parent}"
                    ))
                },
            )?;
        }
        Ok(IntegrityReport { problems })
    }

    /// The rows `sql` yields, and the error that ended them early, if any:
    /// a check lists the damage it found before it trips over worse.
    fn query_lines<T>(
        &self,
        sql: &str,
        mut row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Found<T> {
        let mut found = Vec::new();
        let stopped = (|| {
            let mut stmt = self.conn.prepare(sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                found.push(row(r)?);
            }
            Ok(())
        })()
        .err();
        (found, stopped)
    }
}

type Found<T> = (Vec<T>, Option<rusqlite::Error>);

fn collect<T>(
    check: &str,
    (found, stopped): Found<T>,
    problems: &mut Vec<String>,
    describe: impl Fn(T) -> Option<String>,
) -> Result<(), StoreError> {
    problems.extend(found.into_iter().filter_map(describe));
    match stopped {
        None => Ok(()),
        Some(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
            ) =>
        {
            problems.push(format!("{check} stopped at damage: {e}"));
            Ok(())
        }
        Some(e) => Err(e.into()),
    }
}
