//! What the supervisor keeps: the policy per team and, per agent, what it
//! already did (`Watch`), each saved beside the event of its action.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use warroom_model::TeamId;
use warroom_model::supervision::{Action, Watch};
use warroom_model::{AgentId, EventKind};
use warroom_model::{AgentState, StateSource};

use crate::read::corrupt;
use crate::{AgentRecord, Store, StoreError, TeamRecord, Tx};

/// What the supervisor saw when it acted.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub state: AgentState,
    pub source: StateSource,
    pub detail: Option<&'a str>,
    pub screen: Option<&'a str>,
}

impl Store {
    /// When an agent was restarted, if no briefing or restored context was
    /// sent to it since: a supervisor killed between restarting it and
    /// briefing it left it without one (or a restart is still briefing it).
    pub fn unbriefed_since(&self, agent: &AgentRecord) -> Result<Option<i64>, StoreError> {
        if agent.restarts == 0 {
            return Ok(None);
        }
        let restarted: Option<i64> = self.conn.query_row(
            "SELECT max(at) FROM events
             WHERE kind = 'agent-restarted' AND json_extract(data, '$.agent') = ?1",
            [agent.id.to_string()],
            |r| r.get(0),
        )?;
        let briefed: Option<i64> = self.conn.query_row(
            "SELECT max(created_at) FROM messages
             WHERE recipient = ?1 AND kind IN ('briefing', 'context')",
            [agent.id.0],
            |r| r.get(0),
        )?;
        Ok(match (restarted, briefed) {
            (Some(restarted), Some(briefed)) => (restarted > briefed).then_some(restarted),
            (Some(restarted), None) => Some(restarted),
            (None, _) => None,
        })
    }

    /// The watch records of a team's agents.
    pub fn watches(&self, team_id: TeamId) -> Result<HashMap<AgentId, Watch>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT w.agent_id, w.watch FROM agent_watch w
             JOIN agents a ON a.id = w.agent_id WHERE a.team_id = ?1",
        )?;
        let rows = stmt.query_map([team_id], |r| {
            let text: String = r.get(1)?;
            let watch: Watch = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
            Ok((AgentId(r.get(0)?), watch))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn watch(&self, agent: AgentId) -> Result<Option<Watch>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT watch FROM agent_watch WHERE agent_id = ?1",
                [agent.0],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(StoreError::from))
            .transpose()
    }
}

impl Tx<'_> {
    /// Saves what the supervisor did for an agent and records each action
    /// with what it saw. A watch changed by a concurrent supervisor (another
    /// daemon that still held on) is not overwritten: `expected` must match.
    pub fn supervise(
        &mut self,
        agent: &AgentRecord,
        expected: &Watch,
        watch: &Watch,
        actions: &[Action],
        evidence: Evidence<'_>,
    ) -> Result<bool, StoreError> {
        let current: Option<String> = self
            .tx
            .query_row(
                "SELECT watch FROM agent_watch WHERE agent_id = ?1",
                [agent.id.0],
                |r| r.get(0),
            )
            .optional()?;
        let current: Watch = current
            .map(|t| serde_json::from_str(&t))
            .transpose()?
            .unwrap_or_default();
        if current != *expected {
            return Ok(false);
        }
        self.tx.execute(
            "INSERT INTO agent_watch (agent_id, watch, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(agent_id) DO UPDATE SET watch = excluded.watch, updated_at = excluded.updated_at",
            params![agent.id.0, serde_json::to_string(watch)?, self.at],
        )?;
        for action in actions {
            self.event(
                Some(agent.team_id),
                &EventKind::Supervised {
                    agent: agent.id,
                    action: action.clone(),
                    state: evidence.state,
                    source: evidence.source,
                    detail: evidence.detail.map(str::to_owned),
                    evidence: evidence.screen.map(str::to_owned),
                },
            )?;
        }
        Ok(true)
    }

    /// Forgets the supervisor's record of an agent (a person restarted it,
    /// so a failed agent is watched again).
    pub fn clear_watch(&mut self, agent: AgentId) -> Result<(), StoreError> {
        self.tx
            .execute("DELETE FROM agent_watch WHERE agent_id = ?1", [agent.0])?;
        Ok(())
    }

    /// `recovery start`: the policy watching the team.
    pub fn set_supervision(&mut self, team: &TeamRecord, policy: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE teams SET supervision = ?2 WHERE id = ?1",
            params![team.id, policy],
        )?;
        self.event(
            Some(team.id),
            &EventKind::SupervisionSet {
                policy: policy.to_owned(),
            },
        )?;
        Ok(())
    }
}
