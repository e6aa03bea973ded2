//! Reads. Plain queries, mapped by hand.

use rusqlite::{OptionalExtension, Row, params};
use warroom_model::IncidentId;
use warroom_model::MessageId;
use warroom_model::TeamId;
use warroom_model::{AgentId, Event, EventKind, Outcome};
use warroom_model::{AgentState, StateSource};

use crate::{AgentRecord, MessageKind, MessageRecord, Store, StoreError, TeamRecord};

impl Store {
    /// A marker of everything live views show: it changes when an event is
    /// appended, a message is sent or finished, an agent's last line or a
    /// rollout changes. One query, each part an index lookup or a small scan.
    pub fn change_marker(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row(
            "SELECT (SELECT coalesce(max(id), 0) FROM events) || ':' ||
                    (SELECT coalesce(max(id), 0) FROM messages) || ':' ||
                    (SELECT coalesce(max(finished_at), 0) FROM messages) || ':' ||
                    (SELECT coalesce(max(last_line_at), 0) FROM agents) || ':' ||
                    (SELECT coalesce(max(rev), 0) + count(*) FROM rollouts)",
            [],
            |r| r.get(0),
        )?)
    }
}

const TEAM_COLS: &str =
    "id, name, team_type, project_dir, purpose, tmux_socket, created_at, ended_at, supervision";
const AGENT_COLS: &str = "id, team_id, window, role, display_name, cli, configured_cli, command, \
                          pane_id, pid, restarts, created_at, workdir, branch, state, state_detail, \
                          state_source, state_since, hook_state, hook_detail, hook_at, session_id, \
                          last_line, last_line_at";
const MESSAGE_COLS: &str = "id, team_id, kind, sender_kind, sender_agent, sender_label, recipient, \
                            body, transport, outcome, detail, created_at, finished_at";

fn team(r: &Row<'_>) -> rusqlite::Result<TeamRecord> {
    Ok(TeamRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        team_type: r.get(2)?,
        project_dir: r.get(3)?,
        purpose: r.get(4)?,
        tmux_socket: r.get(5)?,
        created_at: r.get(6)?,
        ended_at: r.get(7)?,
        supervision: r.get(8)?,
    })
}

pub(crate) fn corrupt(what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
}

fn agent(r: &Row<'_>) -> rusqlite::Result<AgentRecord> {
    let command: String = r.get(7)?;
    Ok(AgentRecord {
        id: AgentId(r.get(0)?),
        team_id: r.get(1)?,
        window: r.get(2)?,
        role: r.get(3)?,
        display_name: r.get(4)?,
        cli: r.get(5)?,
        configured_cli: r.get(6)?,
        command: serde_json::from_str(&command).map_err(|e| corrupt(e.to_string()))?,
        pane_id: r.get(8)?,
        pid: r.get(9)?,
        restarts: r.get(10)?,
        created_at: r.get(11)?,
        workdir: r.get(12)?,
        branch: r.get(13)?,
        state: column(r, 14, AgentState::parse, "agent state")?,
        state_detail: r.get(15)?,
        state_source: optional_column(r, 16, StateSource::parse, "state source")?,
        state_since: r.get(17)?,
        hook_state: optional_column(r, 18, AgentState::parse, "hook state")?,
        hook_detail: r.get(19)?,
        hook_at: r.get(20)?,
        session_id: r.get(21)?,
        last_line: r.get(22)?,
        last_line_at: r.get(23)?,
    })
}

/// A text column that holds one of a domain type's names.
fn column<T>(
    r: &Row<'_>,
    index: usize,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> rusqlite::Result<T> {
    let text: String = r.get(index)?;
    parse(&text).ok_or_else(|| corrupt(format!("{what} {text:?}")))
}

fn optional_column<T>(
    r: &Row<'_>,
    index: usize,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = r.get(index)?;
    text.map(|t| parse(&t).ok_or_else(|| corrupt(format!("{what} {t:?}"))))
        .transpose()
}

fn message(r: &Row<'_>) -> rusqlite::Result<MessageRecord> {
    let kind: String = r.get(2)?;
    let outcome: String = r.get(9)?;
    Ok(MessageRecord {
        id: r.get(0)?,
        team_id: r.get(1)?,
        kind: MessageKind::parse(&kind).ok_or_else(|| corrupt(format!("message kind {kind}")))?,
        sender_kind: r.get(3)?,
        sender_agent: r.get::<_, Option<i64>>(4)?.map(AgentId),
        sender_label: r.get(5)?,
        recipient: AgentId(r.get(6)?),
        body: r.get(7)?,
        transport: r.get(8)?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| corrupt(format!("outcome {outcome}")))?,
        detail: r.get(10)?,
        created_at: r.get(11)?,
        finished_at: r.get(12)?,
    })
}

impl Store {
    /// The live team of that name, or else the most recent one that ended.
    pub fn team_by_name(&self, name: &str) -> Result<Option<TeamRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {TEAM_COLS} FROM teams WHERE name = ?1
                     ORDER BY ended_at IS NOT NULL, id DESC LIMIT 1"
                ),
                [name],
                team,
            )
            .optional()?)
    }

    pub fn team(&self, id: TeamId) -> Result<Option<TeamRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {TEAM_COLS} FROM teams WHERE id = ?1"),
                [id],
                team,
            )
            .optional()?)
    }

    pub fn live_teams(&self) -> Result<Vec<TeamRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {TEAM_COLS} FROM teams WHERE ended_at IS NULL ORDER BY name"
        ))?;
        let rows = stmt.query_map([], team)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn agents(&self, team_id: TeamId) -> Result<Vec<AgentRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {AGENT_COLS} FROM agents WHERE team_id = ?1 ORDER BY window"
        ))?;
        let rows = stmt
            .query_map([team_id], agent)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn agent(&self, id: AgentId) -> Result<Option<AgentRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {AGENT_COLS} FROM agents WHERE id = ?1"),
                [id.0],
                agent,
            )
            .optional()?)
    }

    /// The team's messages with an id above `after`, oldest first.
    pub fn messages(
        &self,
        team_id: TeamId,
        after: MessageId,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE team_id = ?1 AND id > ?2 ORDER BY id"
        ))?;
        let rows = stmt
            .query_map(params![team_id, after], message)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn message(&self, id: MessageId) -> Result<Option<MessageRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = ?1"),
                [id],
                message,
            )
            .optional()?)
    }

    /// The last `limit` messages of that kind addressed to an agent, oldest first.
    pub fn messages_to(
        &self,
        recipient: AgentId,
        kind: MessageKind,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT * FROM (SELECT {MESSAGE_COLS} FROM messages WHERE recipient = ?1 AND kind = ?2
             ORDER BY id DESC LIMIT ?3) ORDER BY id"
        ))?;
        let rows = stmt
            .query_map(params![recipient.0, kind.as_str(), limit as i64], message)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The last `limit` messages an agent sent, oldest first.
    pub fn messages_from(
        &self,
        sender: AgentId,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT * FROM (SELECT {MESSAGE_COLS} FROM messages WHERE sender_agent = ?1
             ORDER BY id DESC LIMIT ?2) ORDER BY id"
        ))?;
        let rows = stmt
            .query_map(params![sender.0, limit as i64], message)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The team's events, oldest first.
    pub fn events(&self, team_id: TeamId) -> Result<Vec<Event>, StoreError> {
        self.events_where("team_id = ?1", params![team_id])
    }

    /// The incident's events and those of its team, oldest first.
    pub fn incident_events(
        &self,
        incident_id: IncidentId,
        team_id: Option<TeamId>,
    ) -> Result<Vec<Event>, StoreError> {
        self.events_where(
            "incident_id = ?1 OR (?2 IS NOT NULL AND team_id = ?2)",
            params![incident_id, team_id],
        )
    }

    /// The events `condition` selects, oldest first; `tail` may add a
    /// `LIMIT`.
    fn events_where(
        &self,
        condition: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Event>, StoreError> {
        self.events_where_then(condition, "", args)
    }

    pub(crate) fn events_where_then(
        &self,
        condition: &str,
        tail: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id, at, team_id, incident_id, actor, data FROM events WHERE {condition} ORDER BY id {tail}"
        ))?;
        let rows = stmt
            .query_map(args, |r| {
                let data: String = r.get(5)?;
                let kind: EventKind =
                    serde_json::from_str(&data).map_err(|e| corrupt(e.to_string()))?;
                Ok(Event {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    team_id: r.get(2)?,
                    incident_id: r.get(3)?,
                    actor: r.get(4)?,
                    kind,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Events after `after`, oldest first, at most `limit` of them.
    pub fn events_after(&self, after: i64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.events_where_then("id > ?1", "LIMIT ?2", params![after, limit])
    }

    /// The newest event's id (0 for an empty log).
    pub fn last_event_id(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?)
    }

    /// How many events the whole log holds.
    pub fn event_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?)
    }
}
