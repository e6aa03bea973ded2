//! Events: one line of a team's history each. The event log is the truth;
//! projections (teams, agents, messages) are written in the same transaction.

use crate::ids::IncidentId;
use crate::ids::MessageId;
use serde::{Deserialize, Serialize};

use crate::Millis;
use crate::agent::{AgentState, StateSource};
use crate::ids::TeamId;
use crate::incident::IncidentEvent;
use crate::message::{Outcome, Transport};
use crate::names::AgentId;
use crate::supervision::Action;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub at: Millis,
    pub team_id: Option<TeamId>,
    pub incident_id: Option<IncidentId>,
    /// Who caused it: a person's name, an agent's label, or "warroom".
    pub actor: String,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EventKind {
    TeamCreated {
        team: String,
        team_type: Option<String>,
        project_dir: String,
    },
    AgentStarted {
        agent: AgentId,
        window: u32,
        role: String,
        cli: String,
        /// The configured CLI the simulated agent stands in for, when it was not installed.
        stands_in_for: Option<String>,
        pane: String,
    },
    AgentReady {
        agent: AgentId,
        after_ms: i64,
    },
    /// A start-up question answered before launch because the engineer
    /// opted in (`approve_api_key`): which CLI, which opt-in, which file.
    AgentGatePassed {
        cli: String,
        opt_in: String,
        file: String,
    },
    AgentRestarted {
        agent: AgentId,
        old_pid: Option<u32>,
        new_pid: Option<u32>,
        restore_context: bool,
    },
    PurposeSet {
        purpose: String,
    },
    MessageSent {
        message: MessageId,
        to: AgentId,
        bytes: usize,
    },
    MessageDelivered {
        message: MessageId,
        to: AgentId,
        outcome: Outcome,
        transport: Transport,
        detail: Option<String>,
    },
    Broadcast {
        recipients: usize,
        submitted: usize,
    },
    MessagesExported {
        path: String,
        format: String,
        count: usize,
    },
    ReportWritten {
        path: String,
    },
    TeamKilled {
        team: String,
    },
    /// An agent's state changed; `source` is `hook`, `tmux` or `screen`,
    /// `evidence` the screen rows or hook event that showed it.
    AgentState {
        agent: AgentId,
        from: AgentState,
        to: AgentState,
        source: StateSource,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<String>,
    },
    WorktreeCreated {
        agent: AgentId,
        path: String,
        branch: String,
    },
    WorktreeRemoved {
        agent: AgentId,
        path: String,
    },
    /// The supervisor decided something about an agent; `state`, `source`
    /// and `evidence` are what it saw.
    Supervised {
        agent: AgentId,
        action: Action,
        state: AgentState,
        source: StateSource,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<String>,
    },
    /// A supervised action could not be carried out.
    SupervisionFailed {
        agent: AgentId,
        action: String,
        error: String,
    },
    /// The team's tmux session was gone; a new one was made and every agent
    /// relaunched with its context.
    TeamRestored {
        team: String,
        agents: usize,
        reason: String,
    },
    /// Which supervision policy watches the team (`recovery start`).
    SupervisionSet {
        policy: String,
    },
    DaemonStarted {
        pid: u32,
        version: String,
    },
    DaemonStopped {
        pid: u32,
    },
    /// The incident's own events carry their own `type` tags.
    #[serde(untagged)]
    Incident(IncidentEvent),
}

impl From<IncidentEvent> for EventKind {
    fn from(value: IncidentEvent) -> Self {
        EventKind::Incident(value)
    }
}

impl EventKind {
    /// The stable name stored beside the JSON, for queries and filters.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::TeamCreated { .. } => "team-created",
            EventKind::AgentStarted { .. } => "agent-started",
            EventKind::AgentReady { .. } => "agent-ready",
            EventKind::AgentGatePassed { .. } => "agent-gate-passed",
            EventKind::AgentRestarted { .. } => "agent-restarted",
            EventKind::PurposeSet { .. } => "purpose-set",
            EventKind::MessageSent { .. } => "message-sent",
            EventKind::MessageDelivered { .. } => "message-delivered",
            EventKind::Broadcast { .. } => "broadcast",
            EventKind::MessagesExported { .. } => "messages-exported",
            EventKind::ReportWritten { .. } => "report-written",
            EventKind::TeamKilled { .. } => "team-killed",
            EventKind::AgentState { .. } => "agent-state",
            EventKind::WorktreeCreated { .. } => "worktree-created",
            EventKind::WorktreeRemoved { .. } => "worktree-removed",
            EventKind::Supervised { .. } => "supervised",
            EventKind::SupervisionFailed { .. } => "supervision-failed",
            EventKind::TeamRestored { .. } => "team-restored",
            EventKind::SupervisionSet { .. } => "supervision-set",
            EventKind::DaemonStarted { .. } => "daemon-started",
            EventKind::DaemonStopped { .. } => "daemon-stopped",
            EventKind::Incident(e) => e.name(),
        }
    }

    /// One line for people: the timeline of the report and the CLI.
    pub fn describe(&self) -> String {
        match self {
            EventKind::TeamCreated {
                team,
                team_type,
                project_dir,
            } => match team_type {
                Some(t) => format!("team {team} created ({t}) in {project_dir}"),
                None => format!("team {team} created in {project_dir}"),
            },
            EventKind::AgentStarted {
                agent,
                window,
                role,
                cli,
                stands_in_for,
                ..
            } => {
                let stand_in = stands_in_for
                    .as_ref()
                    .map(|c| format!(", standing in for {c} (not installed)"))
                    .unwrap_or_default();
                format!("{agent} started as {role} in window {window} ({cli}{stand_in})")
            }
            EventKind::AgentReady { agent, after_ms } => {
                format!("{agent} ready after {:.1} s", *after_ms as f64 / 1000.0)
            }
            EventKind::AgentGatePassed { cli, opt_in, file } => {
                format!("{cli}: {opt_in} (opted in) written to {file} before launch")
            }
            EventKind::AgentRestarted {
                agent,
                old_pid,
                new_pid,
                restore_context,
            } => {
                let pid = |p: &Option<u32>| p.map(|p| p.to_string()).unwrap_or_else(|| "?".into());
                format!(
                    "{agent} restarted (pid {} -> {}){}",
                    pid(old_pid),
                    pid(new_pid),
                    if *restore_context {
                        " with its context restored"
                    } else {
                        ""
                    }
                )
            }
            EventKind::PurposeSet { purpose } => {
                format!("purpose: {}", purpose.lines().next().unwrap_or_default())
            }
            EventKind::MessageSent { message, to, bytes } => {
                format!("message #{message} to {to} ({bytes} bytes)")
            }
            EventKind::MessageDelivered {
                message,
                to,
                outcome,
                transport,
                detail,
            } => match detail {
                Some(d) => format!("message #{message} to {to}: {outcome}, {transport} ({d})"),
                None => format!("message #{message} to {to}: {outcome}, {transport}"),
            },
            EventKind::Broadcast {
                recipients,
                submitted,
            } => {
                format!("broadcast to {recipients} agents, {submitted} submitted")
            }
            EventKind::MessagesExported {
                path,
                format,
                count,
            } => {
                format!("{count} messages exported as {format} to {path}")
            }
            EventKind::ReportWritten { path } => format!("report written to {path}"),
            EventKind::TeamKilled { team } => format!("team {team} stopped"),
            EventKind::AgentState {
                agent,
                from,
                to,
                source,
                detail,
                ..
            } => match detail {
                Some(d) => format!("{agent} {from} -> {to} ({source}: {d})"),
                None => format!("{agent} {from} -> {to} ({source})"),
            },
            EventKind::WorktreeCreated {
                agent,
                path,
                branch,
            } => format!("{agent} works in {path} on branch {branch}"),
            EventKind::WorktreeRemoved { agent, path } => {
                format!("{agent}'s worktree {path} removed")
            }
            EventKind::Supervised {
                agent,
                action,
                state,
                source,
                detail,
                ..
            } => {
                let seen = match detail {
                    Some(d) => format!("{state} ({source}: {d})"),
                    None => format!("{state} ({source})"),
                };
                format!("supervisor: {agent} {}; it was {seen}", action.describe())
            }
            EventKind::SupervisionFailed {
                agent,
                action,
                error,
            } => format!("supervisor: could not {action} {agent}: {error}"),
            EventKind::TeamRestored {
                team,
                agents,
                reason,
            } => format!("team {team} restored ({agents} agents relaunched): {reason}"),
            EventKind::SupervisionSet { policy } => {
                format!("supervision policy: {policy}")
            }
            EventKind::DaemonStarted { pid, version } => {
                format!("supervisor daemon {version} started (pid {pid})")
            }
            EventKind::DaemonStopped { pid } => format!("supervisor daemon stopped (pid {pid})"),
            EventKind::Incident(e) => e.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TodoId;

    #[test]
    fn events_round_trip_through_json_with_a_type_tag() {
        let kind = EventKind::MessageDelivered {
            message: MessageId(7),
            to: AgentId(2),
            outcome: Outcome::Submitted,
            transport: Transport::Paste,
            detail: None,
        };
        let json = serde_json::to_string(&kind).expect("serialises");
        assert!(json.contains(r#""type":"message-delivered""#), "{json}");
        assert!(json.contains(r#""to":"ag-2""#), "{json}");
        assert_eq!(
            serde_json::from_str::<EventKind>(&json).expect("parses"),
            kind
        );
        assert_eq!(kind.name(), "message-delivered");
        assert_eq!(kind.describe(), "message #7 to ag-2: submitted, paste");
    }

    #[test]
    fn incident_events_round_trip_beside_team_events() {
        let kind = EventKind::from(IncidentEvent::TodoClaimed {
            todo: TodoId(3),
            owner: "pm".into(),
        });
        let json = serde_json::to_string(&kind).expect("serialises");
        assert_eq!(json, r#"{"type":"todo-claimed","todo":3,"owner":"pm"}"#);
        assert_eq!(
            serde_json::from_str::<EventKind>(&json).expect("parses"),
            kind
        );
        assert_eq!(kind.name(), "todo-claimed");
    }
}
