//! `monitor performance --session X [--analyze]`: read from the event log
//! alone. Per agent, time in each state, messages, restarts and todos
//! done; the team's clocks against their targets; with `--analyze`, where
//! the time went (permission waits, idle agents owning todos, crash loops,
//! stalls, rate limits, undelivered messages).

use std::collections::BTreeMap;
use warroom_model::MessageId;

use serde::Serialize;
use warroom_model::AgentState;
use warroom_model::incident::clocks::{ClockReading, ClockStatus, clocks};
use warroom_model::supervision::Action;
use warroom_model::{AgentId, EventKind, Millis, TodoStatus};

use crate::incident::escalation::owner_agent;
use crate::{App, AppError};

#[derive(Debug, Clone, Serialize)]
pub struct PerformanceView {
    pub team: String,
    pub incident: Option<String>,
    pub from: Millis,
    pub to: Millis,
    pub agents: Vec<AgentPerformance>,
    pub clocks: Vec<ClockReading>,
    pub todos: TodoThroughput,
    /// Only with `--analyze`, worst first.
    pub bottlenecks: Option<Vec<Bottleneck>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentPerformance {
    pub agent: AgentId,
    pub target: String,
    pub role: String,
    pub state: AgentState,
    /// Milliseconds in each state over the team's life.
    pub time_in: BTreeMap<AgentState, Millis>,
    /// How many times it entered each state.
    pub entered: BTreeMap<AgentState, u32>,
    pub messages_sent: usize,
    pub messages_received: usize,
    pub messages_undelivered: usize,
    pub restarts: u32,
    pub todos_done: usize,
    pub todos_open: usize,
    pub supervisor: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TodoThroughput {
    pub done: usize,
    pub open: usize,
    pub blocked: usize,
    /// Done per hour since the incident was declared.
    pub done_per_hour: f64,
    /// Since the incident was declared: a rate over minutes is no rate.
    pub over_ms: Millis,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bottleneck {
    pub kind: &'static str,
    pub target: Option<String>,
    /// Time it cost, as far as the log shows.
    pub cost_ms: Millis,
    pub detail: String,
}

impl App {
    pub fn performance(&self, team: &str, analyze: bool) -> Result<PerformanceView, AppError> {
        let team = self.any_team(team)?;
        let now = self.now();
        let to = team.ended_at.unwrap_or(now);
        let events = self.store().events(team.id)?;
        let records = self.store().agents(team.id)?;
        let messages = self.store().messages(team.id, MessageId::NEW)?;
        let incident_id = self.store().incident_of_team(team.id)?;
        let incident = incident_id.map(|id| self.load_incident(id)).transpose()?;
        let todos = match incident_id {
            Some(id) => self.store().todos(id)?,
            None => Vec::new(),
        };

        let mut agents: Vec<AgentPerformance> = records
            .iter()
            .map(|a| AgentPerformance {
                agent: a.id,
                target: format!("{}:{}", team.name, a.window),
                role: a.role.clone(),
                state: a.state,
                time_in: BTreeMap::new(),
                entered: BTreeMap::new(),
                messages_sent: messages
                    .iter()
                    .filter(|m| m.sender_agent == Some(a.id))
                    .count(),
                messages_received: messages.iter().filter(|m| m.recipient == a.id).count(),
                messages_undelivered: messages
                    .iter()
                    .filter(|m| m.recipient == a.id && m.finished_at.is_some())
                    .filter(|m| !m.outcome.is_success())
                    .count(),
                restarts: 0,
                todos_done: 0,
                todos_open: 0,
                supervisor: BTreeMap::new(),
            })
            .collect();
        for todo in todos.iter().filter(|t| !t.follow_up) {
            let Some(owner) = todo.owner.as_ref().and_then(|o| owner_agent(&records, o)) else {
                continue;
            };
            if let Some(a) = agents.iter_mut().find(|a| a.agent == owner.id) {
                match todo.status {
                    TodoStatus::Done => a.todos_done += 1,
                    s if s.is_open() => a.todos_open += 1,
                    _ => {}
                }
            }
        }

        // Walk the log: each agent is in one state from one event to the next.
        let mut current: BTreeMap<AgentId, (AgentState, Millis)> = BTreeMap::new();
        let mut parked: Vec<(AgentId, Millis, Millis)> = Vec::new();
        let mut waits: BTreeMap<AgentId, Vec<Millis>> = BTreeMap::new();
        for event in &events {
            let Some(perf_of) = agent_of(&event.kind) else {
                continue;
            };
            let Some(perf) = agents.iter_mut().find(|a| a.agent == perf_of) else {
                continue;
            };
            match &event.kind {
                EventKind::AgentStarted { .. } => {
                    close(perf, current.remove(&perf_of), event.at);
                    current.insert(perf_of, (AgentState::Starting, event.at));
                    *perf.entered.entry(AgentState::Starting).or_default() += 1;
                }
                EventKind::AgentState { to: state, .. } => {
                    close(perf, current.remove(&perf_of), event.at);
                    current.insert(perf_of, (*state, event.at));
                    *perf.entered.entry(*state).or_default() += 1;
                    if *state == AgentState::Waiting {
                        waits.entry(perf_of).or_default().push(event.at);
                    }
                }
                EventKind::AgentRestarted { .. } => perf.restarts += 1,
                EventKind::Supervised { action, .. } => {
                    *perf.supervisor.entry(action.name().to_owned()).or_default() += 1;
                    if let Action::Park { until } = action {
                        parked.push((perf_of, event.at, *until));
                    }
                }
                _ => {}
            }
        }
        for (agent, state) in current {
            if let Some(perf) = agents.iter_mut().find(|a| a.agent == agent) {
                close(perf, Some(state), to);
            }
        }

        let from = team.created_at;
        let done = todos
            .iter()
            .filter(|t| t.status == TodoStatus::Done)
            .count();
        let declared = incident.as_ref().map_or(from, |(i, _)| i.declared_at());
        let hours = ((to - declared).max(1) as f64) / 3_600_000.0;
        let throughput = TodoThroughput {
            done,
            open: todos.iter().filter(|t| t.status.is_open()).count(),
            blocked: todos
                .iter()
                .filter(|t| t.status == TodoStatus::Blocked)
                .count(),
            done_per_hour: (done as f64 / hours * 10.0).round() / 10.0,
            over_ms: (to - declared).max(0),
        };
        let readings = incident
            .as_ref()
            .map(|(i, _)| clocks(i, now))
            .unwrap_or_default();
        let bottlenecks =
            analyze.then(|| find_bottlenecks(&agents, &parked, &waits, &readings, to));
        Ok(PerformanceView {
            team: team.name.clone(),
            incident: incident.map(|(i, _)| i.reference()),
            from,
            to,
            agents,
            clocks: readings,
            todos: throughput,
            bottlenecks,
        })
    }
}

fn agent_of(kind: &EventKind) -> Option<AgentId> {
    match kind {
        EventKind::AgentStarted { agent, .. }
        | EventKind::AgentState { agent, .. }
        | EventKind::AgentRestarted { agent, .. }
        | EventKind::Supervised { agent, .. } => Some(*agent),
        _ => None,
    }
}

fn close(perf: &mut AgentPerformance, state: Option<(AgentState, Millis)>, at: Millis) {
    if let Some((state, since)) = state {
        *perf.time_in.entry(state).or_default() += (at - since).max(0);
    }
}

fn find_bottlenecks(
    agents: &[AgentPerformance],
    parked: &[(AgentId, Millis, Millis)],
    waits: &BTreeMap<AgentId, Vec<Millis>>,
    clocks: &[ClockReading],
    to: Millis,
) -> Vec<Bottleneck> {
    let human = warroom_model::span::human;
    let mut found = Vec::new();
    for a in agents {
        let time = |s: AgentState| a.time_in.get(&s).copied().unwrap_or(0);
        let count = |s: &str| a.supervisor.get(s).copied().unwrap_or(0);
        let waited = time(AgentState::Waiting);
        if waited > 0 {
            let n = waits.get(&a.agent).map_or(0, Vec::len);
            found.push(Bottleneck {
                kind: "waiting-on-permission",
                target: Some(a.target.clone()),
                cost_ms: waited,
                detail: format!(
                    "{} ({}) waited {} for a person's answer, {n} time(s); allow the tools it asks for in its role, or answer faster",
                    a.target,
                    a.role,
                    human(waited)
                ),
            });
        }
        let nudges = count("nudge") + count("tell-pm");
        if nudges > 0 {
            found.push(Bottleneck {
                kind: "idle-with-open-todos",
                target: Some(a.target.clone()),
                cost_ms: time(AgentState::Idle),
                detail: format!(
                    "{} was idle {} while owning todos ({} nudges, {} reports to the PM; {} todos still open)",
                    a.target,
                    human(time(AgentState::Idle)),
                    count("nudge"),
                    count("tell-pm"),
                    a.todos_open
                ),
            });
        }
        if a.restarts >= 2 || count("give-up") > 0 {
            found.push(Bottleneck {
                kind: "crash-loop",
                target: Some(a.target.clone()),
                cost_ms: time(AgentState::Exited)
                    + time(AgentState::Lost)
                    + time(AgentState::Starting),
                detail: format!(
                    "{} was restarted {} times{}; {} spent dead or starting",
                    a.target,
                    a.restarts,
                    if count("give-up") > 0 {
                        " and then given up"
                    } else {
                        ""
                    },
                    human(
                        time(AgentState::Exited)
                            + time(AgentState::Lost)
                            + time(AgentState::Starting)
                    )
                ),
            });
        }
        if count("report-stuck") > 0 {
            found.push(Bottleneck {
                kind: "stuck",
                target: Some(a.target.clone()),
                cost_ms: time(AgentState::Busy),
                detail: format!(
                    "{} was reported busy with no output {} time(s)",
                    a.target,
                    count("report-stuck")
                ),
            });
        }
        let parked_ms: Millis = parked
            .iter()
            .filter(|(agent, _, _)| *agent == a.agent)
            .map(|(_, at, until)| (*until).min(to) - at)
            .sum();
        if parked_ms > 0 || time(AgentState::RateLimited) > 0 {
            found.push(Bottleneck {
                kind: "rate-limited",
                target: Some(a.target.clone()),
                cost_ms: time(AgentState::RateLimited).max(parked_ms),
                detail: format!(
                    "{} was rate-limited for {}",
                    a.target,
                    human(time(AgentState::RateLimited).max(parked_ms))
                ),
            });
        }
        if a.messages_undelivered > 0 {
            found.push(Bottleneck {
                kind: "undelivered-messages",
                target: Some(a.target.clone()),
                cost_ms: 0,
                detail: format!(
                    "{} of {} messages to {} were not submitted",
                    a.messages_undelivered, a.messages_received, a.target
                ),
            });
        }
    }
    for c in clocks.iter().filter(|c| c.status >= ClockStatus::Amber) {
        let elapsed = c.elapsed_ms.unwrap_or(0);
        found.push(Bottleneck {
            kind: "clock",
            target: None,
            cost_ms: (elapsed - c.target.millis()).max(0),
            detail: format!(
                "{} is {}: {} of {}",
                c.label,
                c.status.as_str(),
                human(elapsed),
                human(c.target.millis())
            ),
        });
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.cost_ms));
    found
}
