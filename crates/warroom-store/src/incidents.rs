//! Incidents, todos, attachments, stakeholder updates and the notification
//! outbox. Incidents and todos are the model's own values stored as JSON;
//! each change is saved with its events in the caller's transaction.

use rusqlite::{OptionalExtension, Row, params};
use warroom_model::IncidentId;
use warroom_model::TeamId;
use warroom_model::TodoId;
use warroom_model::incident::comms::StakeholderUpdate;
use warroom_model::{EventKind, Incident, IncidentEvent, Millis, Todo};

use crate::read::corrupt;
use crate::{Store, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub id: i64,
    pub incident_id: IncidentId,
    pub name: String,
    /// Already redacted.
    pub body: String,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateRecord {
    pub id: i64,
    pub incident_id: IncidentId,
    pub update: StakeholderUpdate,
    pub created_at: Millis,
}

pub use warroom_model::incident::comms::NotificationStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub incident_id: IncidentId,
    pub channel: String,
    pub subject: String,
    /// JSON, as the notifier will send it.
    pub payload: String,
    pub status: NotificationStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
}

fn doc<T: serde::de::DeserializeOwned>(r: &Row<'_>, col: usize) -> rusqlite::Result<T> {
    let text: String = r.get(col)?;
    serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))
}

fn notification(r: &Row<'_>) -> rusqlite::Result<NotificationRecord> {
    let status: String = r.get(5)?;
    Ok(NotificationRecord {
        id: r.get(0)?,
        incident_id: r.get(1)?,
        channel: r.get(2)?,
        subject: r.get(3)?,
        payload: r.get(4)?,
        status: NotificationStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("notification status {status}")))?,
        attempts: r.get(6)?,
        last_error: r.get(7)?,
        created_at: r.get(8)?,
        finished_at: r.get(9)?,
    })
}

const NOTIFICATION_COLS: &str = "id, incident_id, channel, subject, payload, status, attempts, \
                                 last_error, created_at, finished_at";

fn incident(
    conn: &rusqlite::Connection,
    id: IncidentId,
) -> Result<Option<(Incident, Option<TeamId>)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT doc, team_id FROM incidents WHERE id = ?1",
            [id],
            |r| Ok((doc(r, 0)?, r.get(1)?)),
        )
        .optional()?)
}

fn todos(conn: &rusqlite::Connection, incident_id: IncidentId) -> Result<Vec<Todo>, StoreError> {
    let mut stmt = conn.prepare("SELECT doc FROM todos WHERE incident_id = ?1 ORDER BY id")?;
    let rows = stmt
        .query_map([incident_id], |r| doc(r, 0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

fn todo(conn: &rusqlite::Connection, id: TodoId) -> Result<Option<Todo>, StoreError> {
    Ok(conn
        .query_row("SELECT doc FROM todos WHERE id = ?1", [id], |r| doc(r, 0))
        .optional()?)
}

impl Tx<'_> {
    /// Reads inside the transaction, for read-modify-write.
    pub fn incident(
        &self,
        id: IncidentId,
    ) -> Result<Option<(Incident, Option<TeamId>)>, StoreError> {
        incident(self.conn(), id)
    }

    pub fn todos(&self, incident_id: IncidentId) -> Result<Vec<Todo>, StoreError> {
        todos(self.conn(), incident_id)
    }

    pub fn todo(&self, id: TodoId) -> Result<Option<Todo>, StoreError> {
        todo(self.conn(), id)
    }

    /// Stores a new incident; its id is assigned here.
    pub fn create_incident(
        &mut self,
        draft: &Incident,
        team_id: Option<TeamId>,
    ) -> Result<Incident, StoreError> {
        let inserted = self.conn().execute(
            "INSERT INTO incidents (slug, title, severity, phase, team_id, declared_at, doc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, '{}')",
            params![
                draft.slug,
                draft.title,
                draft.severity.as_str(),
                draft.phase.as_str(),
                team_id,
                draft.declared_at()
            ],
        );
        match inserted {
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::IncidentExists(draft.slug.clone()));
            }
            other => other?,
        };
        let mut incident = draft.clone();
        incident.id = IncidentId(self.conn().last_insert_rowid());
        self.save_incident(&incident, team_id, &[])?;
        Ok(incident)
    }

    /// Writes the incident's new state and appends its events.
    pub fn save_incident(
        &mut self,
        incident: &Incident,
        team_id: Option<TeamId>,
        events: &[IncidentEvent],
    ) -> Result<(), StoreError> {
        let closed_at = incident.is_closed().then(|| self.at());
        let changed = self.conn().execute(
            "UPDATE incidents SET severity = ?2, phase = ?3, team_id = ?4, closed_at = ?5, doc = ?6
             WHERE id = ?1",
            params![
                incident.id,
                incident.severity.as_str(),
                incident.phase.as_str(),
                team_id,
                closed_at,
                serde_json::to_string(incident)?
            ],
        )?;
        if changed != 1 {
            return Err(StoreError::Corrupt(format!(
                "incident {} vanished",
                incident.reference()
            )));
        }
        for event in events {
            self.event_for(team_id, Some(incident.id), &EventKind::from(event.clone()))?;
        }
        Ok(())
    }

    /// Stores a new todo; its id is assigned here.
    pub fn create_todo(&mut self, draft: &Todo) -> Result<Todo, StoreError> {
        self.conn().execute(
            "INSERT INTO todos (incident_id, status, due_at, doc) VALUES (?1, ?2, ?3, '{}')",
            params![draft.incident, draft.status.as_str(), draft.due_at],
        )?;
        let mut todo = draft.clone();
        todo.id = TodoId(self.conn().last_insert_rowid());
        self.save_todo(&todo)?;
        Ok(todo)
    }

    pub fn save_todo(&mut self, todo: &Todo) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE todos SET status = ?2, due_at = ?3, doc = ?4 WHERE id = ?1",
            params![
                todo.id,
                todo.status.as_str(),
                todo.due_at,
                serde_json::to_string(todo)?
            ],
        )?;
        Ok(())
    }

    pub fn attach(
        &mut self,
        incident_id: IncidentId,
        name: &str,
        body: &str,
    ) -> Result<i64, StoreError> {
        self.conn().execute(
            "INSERT INTO attachments (incident_id, name, body, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![incident_id, name, body, self.at()],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    pub fn create_update(
        &mut self,
        incident_id: IncidentId,
        update: &StakeholderUpdate,
    ) -> Result<i64, StoreError> {
        self.conn().execute(
            "INSERT INTO updates (incident_id, doc, created_at) VALUES (?1, ?2, ?3)",
            params![incident_id, serde_json::to_string(update)?, self.at()],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Queues a notification in the outbox.
    pub fn queue_notification(
        &mut self,
        incident_id: IncidentId,
        channel: &str,
        subject: &str,
        payload: &serde_json::Value,
    ) -> Result<i64, StoreError> {
        self.conn().execute(
            "INSERT INTO notifications (incident_id, channel, subject, payload, status, created_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
            params![
                incident_id,
                channel,
                subject,
                serde_json::to_string(payload)?,
                self.at()
            ],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Takes a pending notification for delivery: only one process gets it.
    /// One left 'sending' for longer than `stale_ms` (its sender died) can
    /// be taken again.
    /// Returns the claim's stamp, which finishing it must name.
    pub fn claim_notification(
        &mut self,
        id: i64,
        stale_ms: Millis,
    ) -> Result<Option<Millis>, StoreError> {
        let changed = self.conn().execute(
            "UPDATE notifications SET status = 'sending', claimed_at = ?2
             WHERE id = ?1 AND (status = 'pending' OR (status = 'sending' AND claimed_at < ?3))",
            params![id, self.at(), self.at() - stale_ms],
        )?;
        Ok((changed == 1).then(|| self.at()))
    }

    /// Records how a delivery ended, with its event, unless another process
    /// took the notification over meanwhile (its claim is no longer
    /// `claimed_at`): then that process records it. Returns whether it wrote.
    pub fn finish_notification(
        &mut self,
        record: &NotificationRecord,
        claimed_at: Millis,
        sent: bool,
        attempts: u32,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        let status = if sent {
            NotificationStatus::Sent
        } else {
            NotificationStatus::Failed
        };
        let changed = self.conn().execute(
            "UPDATE notifications SET status = ?2, attempts = attempts + ?3, last_error = ?4,
             finished_at = ?5 WHERE id = ?1 AND status = 'sending' AND claimed_at = ?6",
            params![
                record.id,
                status.as_str(),
                attempts,
                error,
                self.at(),
                claimed_at
            ],
        )?;
        if changed == 0 {
            return Ok(false);
        }
        let event = if sent {
            IncidentEvent::NotificationSent {
                notification: record.id,
                channel: record.channel.clone(),
                attempts,
            }
        } else {
            IncidentEvent::NotificationFailed {
                notification: record.id,
                channel: record.channel.clone(),
                attempts,
                error: error.unwrap_or("unknown error").to_owned(),
            }
        };
        let team_id: Option<TeamId> = self.conn().query_row(
            "SELECT team_id FROM incidents WHERE id = ?1",
            [record.incident_id],
            |r| r.get(0),
        )?;
        self.event_for(team_id, Some(record.incident_id), &EventKind::from(event))?;
        Ok(true)
    }
}

impl Store {
    pub fn incident(
        &self,
        id: IncidentId,
    ) -> Result<Option<(Incident, Option<TeamId>)>, StoreError> {
        incident(&self.conn, id)
    }

    /// The open incident with that slug, else the latest closed one.
    pub fn incident_by_slug(&self, slug: &str) -> Result<Option<IncidentId>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM incidents WHERE slug = ?1
                 ORDER BY closed_at IS NOT NULL, id DESC LIMIT 1",
                [slug],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The most recent incident the team works on.
    pub fn incident_of_team(&self, team_id: TeamId) -> Result<Option<IncidentId>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM incidents WHERE team_id = ?1 ORDER BY id DESC LIMIT 1",
                [team_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// All incidents, newest first; only open ones unless `all`.
    pub fn incidents(&self, all: bool) -> Result<Vec<(Incident, Option<TeamId>)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT doc, team_id FROM incidents WHERE ?1 OR closed_at IS NULL ORDER BY id DESC",
        )?;
        let rows = stmt
            .query_map([all], |r| Ok((doc(r, 0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn todos(&self, incident_id: IncidentId) -> Result<Vec<Todo>, StoreError> {
        todos(&self.conn, incident_id)
    }

    pub fn todo(&self, id: TodoId) -> Result<Option<Todo>, StoreError> {
        todo(&self.conn, id)
    }

    pub fn attachments(
        &self,
        incident_id: IncidentId,
    ) -> Result<Vec<AttachmentRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, incident_id, name, body, created_at FROM attachments
             WHERE incident_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([incident_id], |r| {
                Ok(AttachmentRecord {
                    id: r.get(0)?,
                    incident_id: r.get(1)?,
                    name: r.get(2)?,
                    body: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn updates(&self, incident_id: IncidentId) -> Result<Vec<UpdateRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, incident_id, doc, created_at FROM updates WHERE incident_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([incident_id], |r| {
                Ok(UpdateRecord {
                    id: r.get(0)?,
                    incident_id: r.get(1)?,
                    update: doc(r, 2)?,
                    created_at: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn notifications(
        &self,
        incident_id: IncidentId,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications WHERE incident_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([incident_id], notification)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Notifications still waiting to be sent (or being sent), oldest first.
    pub fn pending_notifications(
        &self,
        incident_id: IncidentId,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications
             WHERE incident_id = ?1 AND status IN ('pending', 'sending') ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([incident_id], notification)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
