//! Writes. `Store::write` runs a closure in one `BEGIN IMMEDIATE`
//! transaction; `Tx` offers the typed changes, each of which appends its event.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use warroom_model::IncidentId;
use warroom_model::MessageId;
use warroom_model::TeamId;
use warroom_model::{AgentId, EventKind, Millis, Outcome, Transport};
use warroom_model::{AgentState, StateSource};

use crate::{AgentRecord, NewAgent, NewMessage, NewTeam, Store, StoreError, TeamRecord};

pub struct Tx<'c> {
    pub(crate) tx: rusqlite::Transaction<'c>,
    pub(crate) at: Millis,
    actor: &'c str,
}

impl Store {
    /// Runs `f` in one write transaction stamped with `at` and `actor`; commits
    /// when it returns `Ok`, rolls back otherwise.
    pub fn write<T, E>(
        &mut self,
        at: Millis,
        actor: &str,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // Checked here, not left to SQLite, so the error names the file.
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            }
            .into());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| write_error(&self.path, e))?;
        let mut tx = Tx { tx, at, actor };
        let value = f(&mut tx)?;
        tx.tx.commit().map_err(|e| write_error(&self.path, e))?;
        Ok(value)
    }
}

/// Names the file when a store opened for writing can no longer be written
/// (its permissions changed since, or its -wal or -shm is read-only).
fn write_error(path: &std::path::Path, err: rusqlite::Error) -> StoreError {
    if err.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) {
        StoreError::ReadOnly {
            path: path.to_owned(),
        }
    } else {
        err.into()
    }
}

impl Tx<'_> {
    /// Appends one event to the log.
    pub fn event(&mut self, team_id: Option<TeamId>, kind: &EventKind) -> Result<i64, StoreError> {
        self.event_for(team_id, None, kind)
    }

    /// Appends one event that belongs to a team, an incident, or both.
    pub fn event_for(
        &mut self,
        team_id: Option<TeamId>,
        incident_id: Option<IncidentId>,
        kind: &EventKind,
    ) -> Result<i64, StoreError> {
        self.tx.execute(
            "INSERT INTO events (at, team_id, incident_id, actor, kind, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                self.at,
                team_id,
                incident_id,
                self.actor,
                kind.name(),
                serde_json::to_string(kind)?
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn at(&self) -> Millis {
        self.at
    }

    /// Who the transaction's changes are by.
    pub fn actor(&self) -> &str {
        self.actor
    }

    pub(crate) fn conn(&self) -> &rusqlite::Transaction<'_> {
        &self.tx
    }

    pub fn create_team(&mut self, new: &NewTeam<'_>) -> Result<TeamRecord, StoreError> {
        let inserted = self.tx.execute(
            "INSERT INTO teams (name, team_type, project_dir, purpose, tmux_socket, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                new.name,
                new.team_type,
                new.project_dir,
                new.purpose,
                new.tmux_socket,
                self.at
            ],
        );
        match inserted {
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::TeamExists(new.name.to_owned()));
            }
            other => other?,
        };
        let id = TeamId(self.tx.last_insert_rowid());
        self.event(
            Some(id),
            &EventKind::TeamCreated {
                team: new.name.to_owned(),
                team_type: new.team_type.map(str::to_owned),
                project_dir: new.project_dir.to_owned(),
            },
        )?;
        Ok(TeamRecord {
            id,
            name: new.name.to_owned(),
            team_type: new.team_type.map(str::to_owned),
            project_dir: new.project_dir.to_owned(),
            purpose: new.purpose.map(str::to_owned),
            tmux_socket: new.tmux_socket.to_owned(),
            created_at: self.at,
            ended_at: None,
            supervision: None,
        })
    }

    /// Reserves the agent's row (and so its id and window) before its pane
    /// exists; `agent_started` records the pane once tmux made it.
    pub fn add_agent(&mut self, new: &NewAgent<'_>) -> Result<AgentRecord, StoreError> {
        let inserted = self.tx.execute(
            "INSERT INTO agents (team_id, window, role, display_name, cli, configured_cli, command, created_at, state_since)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                new.team_id,
                new.window,
                new.role,
                new.display_name,
                new.cli,
                new.configured_cli,
                serde_json::to_string(new.command)?,
                self.at
            ],
        );
        match inserted {
            Err(e) if StoreError::is_unique_violation(&e) => {
                let team: String = self.tx.query_row(
                    "SELECT name FROM teams WHERE id = ?1",
                    [new.team_id],
                    |r| r.get(0),
                )?;
                return Err(StoreError::WindowTaken {
                    team,
                    window: new.window,
                });
            }
            other => other?,
        };
        Ok(AgentRecord {
            id: AgentId(self.tx.last_insert_rowid()),
            team_id: new.team_id,
            window: new.window,
            role: new.role.to_owned(),
            display_name: new.display_name.to_owned(),
            cli: new.cli.to_owned(),
            configured_cli: new.configured_cli.to_owned(),
            command: new.command.to_vec(),
            pane_id: None,
            pid: None,
            restarts: 0,
            created_at: self.at,
            workdir: None,
            branch: None,
            state: AgentState::Starting,
            state_detail: None,
            state_source: None,
            state_since: Some(self.at),
            hook_state: None,
            hook_detail: None,
            hook_at: None,
            session_id: None,
            last_line: None,
            last_line_at: None,
        })
    }

    /// The smallest window number not used by a live agent of the team.
    pub fn next_window(&mut self, team_id: TeamId) -> Result<u32, StoreError> {
        let max: Option<u32> = self.tx.query_row(
            "SELECT MAX(window) FROM agents WHERE team_id = ?1",
            [team_id],
            |r| r.get(0),
        )?;
        Ok(max.map_or(0, |m| m + 1))
    }

    pub fn agent_started(
        &mut self,
        agent: &AgentRecord,
        pane_id: &str,
        pid: Option<u32>,
        stands_in_for: Option<&str>,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE agents SET pane_id = ?2, pid = ?3 WHERE id = ?1",
            params![agent.id.0, pane_id, pid],
        )?;
        self.event(
            Some(agent.team_id),
            &EventKind::AgentStarted {
                agent: agent.id,
                window: agent.window,
                role: agent.role.clone(),
                cli: agent.cli.clone(),
                stands_in_for: stands_in_for.map(str::to_owned),
                pane: pane_id.to_owned(),
            },
        )?;
        Ok(())
    }

    /// Records the agent's fused state; an event only when the state (or
    /// its detail) changed. Returns whether it changed.
    /// The last meaningful line of the agent's screen (already redacted).
    pub fn set_last_line(&mut self, agent: AgentId, line: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE agents SET last_line = ?2, last_line_at = ?3 WHERE id = ?1",
            params![agent.0, line, self.at],
        )?;
        Ok(())
    }

    pub fn set_agent_state(
        &mut self,
        agent: &AgentRecord,
        to: AgentState,
        source: StateSource,
        detail: Option<&str>,
        evidence: Option<&str>,
    ) -> Result<bool, StoreError> {
        let (from, from_detail): (String, Option<String>) = self.tx.query_row(
            "SELECT state, state_detail FROM agents WHERE id = ?1",
            [agent.id.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let from = AgentState::parse(&from)
            .ok_or_else(|| StoreError::Corrupt(format!("agent state {from:?}")))?;
        if from == to && from_detail.as_deref() == detail {
            return Ok(false);
        }
        let since_changes = from != to;
        self.tx.execute(
            "UPDATE agents SET state = ?2, state_detail = ?3, state_source = ?4,
                    state_since = CASE WHEN ?5 THEN ?6 ELSE COALESCE(state_since, ?6) END
             WHERE id = ?1",
            params![
                agent.id.0,
                to.as_str(),
                detail,
                source.as_str(),
                since_changes,
                self.at
            ],
        )?;
        if since_changes {
            self.event(
                Some(agent.team_id),
                &EventKind::AgentState {
                    agent: agent.id,
                    from,
                    to,
                    source,
                    detail: detail.map(str::to_owned),
                    evidence: evidence.map(str::to_owned),
                },
            )?;
        }
        Ok(since_changes)
    }

    /// Keeps what the CLI's hook reported (and its session id).
    pub fn record_hook(
        &mut self,
        agent: AgentId,
        state: Option<AgentState>,
        detail: Option<&str>,
        session_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let state = state.map(AgentState::as_str);
        self.tx.execute(
            "UPDATE agents SET
                hook_state  = COALESCE(?2, hook_state),
                hook_detail = CASE WHEN ?2 IS NULL THEN hook_detail ELSE ?3 END,
                hook_at     = CASE WHEN ?2 IS NULL THEN hook_at ELSE ?4 END,
                session_id  = COALESCE(?5, session_id)
             WHERE id = ?1",
            params![agent.0, state, detail, self.at, session_id],
        )?;
        Ok(())
    }

    pub fn set_workdir(
        &mut self,
        agent: &AgentRecord,
        workdir: &str,
        branch: Option<&str>,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE agents SET workdir = ?2, branch = ?3 WHERE id = ?1",
            params![agent.id.0, workdir, branch],
        )?;
        if let Some(branch) = branch {
            self.event(
                Some(agent.team_id),
                &EventKind::WorktreeCreated {
                    agent: agent.id,
                    path: workdir.to_owned(),
                    branch: branch.to_owned(),
                },
            )?;
        }
        Ok(())
    }

    pub fn agent_restarted(
        &mut self,
        agent: &AgentRecord,
        new_pid: Option<u32>,
        restore_context: bool,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE agents SET pid = ?2, restarts = restarts + 1 WHERE id = ?1",
            params![agent.id.0, new_pid],
        )?;
        self.event(
            Some(agent.team_id),
            &EventKind::AgentRestarted {
                agent: agent.id,
                old_pid: agent.pid,
                new_pid,
                restore_context,
            },
        )?;
        Ok(())
    }

    /// Records a restart that happened without its record (its supervisor
    /// died in between), unless the agent's counter moved past `from_count`
    /// meanwhile: then it was recorded after all. Returns whether it wrote.
    pub fn restart_found(
        &mut self,
        agent: &AgentRecord,
        from_count: u32,
        pid: Option<u32>,
    ) -> Result<bool, StoreError> {
        let changed = self.tx.execute(
            "UPDATE agents SET pid = COALESCE(?3, pid), restarts = restarts + 1
             WHERE id = ?1 AND restarts = ?2",
            params![agent.id.0, from_count, pid],
        )?;
        if changed > 0 {
            self.event(
                Some(agent.team_id),
                &EventKind::AgentRestarted {
                    agent: agent.id,
                    old_pid: None,
                    new_pid: pid,
                    restore_context: true,
                },
            )?;
        }
        Ok(changed > 0)
    }

    /// Sets the team's purpose unless it has one (the first broadcast names it).
    pub fn set_purpose_if_unset(
        &mut self,
        team_id: TeamId,
        purpose: &str,
    ) -> Result<bool, StoreError> {
        let changed = self.tx.execute(
            "UPDATE teams SET purpose = ?2 WHERE id = ?1 AND purpose IS NULL",
            params![team_id, purpose],
        )?;
        if changed > 0 {
            self.event(
                Some(team_id),
                &EventKind::PurposeSet {
                    purpose: purpose.to_owned(),
                },
            )?;
        }
        Ok(changed > 0)
    }

    /// Records a message as pending, before a key is typed: its id goes into
    /// the text the agent sees.
    pub fn create_message(&mut self, new: &NewMessage<'_>) -> Result<MessageId, StoreError> {
        self.tx.execute(
            "INSERT INTO messages (team_id, kind, sender_kind, sender_agent, sender_label, recipient,
                                   body, transport, outcome, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                new.team_id,
                new.kind.as_str(),
                new.sender.kind(),
                new.sender.agent_id().map(|a| a.0),
                new.sender.label(),
                new.recipient.0,
                new.body,
                "",
                Outcome::Pending.as_str(),
                self.at
            ],
        )?;
        let id = MessageId(self.tx.last_insert_rowid());
        self.event(
            Some(new.team_id),
            &EventKind::MessageSent {
                message: id,
                to: new.recipient,
                bytes: new.body.len(),
            },
        )?;
        Ok(id)
    }

    pub fn finish_message(
        &mut self,
        message_id: MessageId,
        outcome: Outcome,
        transport: Transport,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        let row: Option<(TeamId, i64)> = self
            .tx
            .query_row(
                "UPDATE messages SET outcome = ?2, detail = ?3, finished_at = ?4, transport = ?5
                 WHERE id = ?1 RETURNING team_id, recipient",
                params![
                    message_id,
                    outcome.as_str(),
                    detail,
                    self.at,
                    transport.to_string()
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (team_id, recipient) =
            row.ok_or_else(|| StoreError::Corrupt(format!("message #{message_id} vanished")))?;
        self.event(
            Some(team_id),
            &EventKind::MessageDelivered {
                message: message_id,
                to: AgentId(recipient),
                outcome,
                transport,
                detail: detail.map(str::to_owned),
            },
        )?;
        Ok(())
    }

    pub fn end_team(&mut self, team: &TeamRecord) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE teams SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
            params![team.id, self.at],
        )?;
        self.event(
            Some(team.id),
            &EventKind::TeamKilled {
                team: team.name.clone(),
            },
        )?;
        Ok(())
    }
}
