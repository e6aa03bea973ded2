//! The supervisor's look at a team, once per tick: one batched pane query,
//! a capture only of panes that printed something since the last look (the
//! control client pushes their output), one read of the agents (hooks
//! included) and their todos. Each agent's state is fused and recorded as
//! `agent list` would; then the model's `decide` says what to do, and the
//! decision is saved with its evidence before anything is done, so a
//! supervisor killed at any moment repeats nothing.

mod act;
mod restore;
mod views;

pub use views::{SupervisedAgent, SupervisedTeam};

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, PoisonError};

use warroom_agents::{AgentState, Observation, StateSource, judge};
use warroom_model::TeamId;
use warroom_model::supervision::{
    Action, Condition, Seen, SupervisionPolicy, Watch, decide, parse_reset,
};
use warroom_model::{AgentId, Millis, Owner, Todo};
use warroom_store::{AgentRecord, Evidence, TeamRecord};
use warroom_tmux::{ControlClient, PaneId, PaneInfo, TmuxError};

use crate::agent::states::EVIDENCE_ROWS;
use crate::incident::escalation::owner_agent;
use crate::{App, AppError};

/// Ticks in a row the team's session must be missing before it is restored
/// (a `team kill` ends the team before its session, so this is only a
/// guard against a reader racing a fresh deploy).
const MISSING_TICKS: u32 = 2;

/// What the supervisor keeps between looks at one team. Nothing in it is
/// needed for correctness after a restart: screens are captured again,
/// and decisions already taken are in the store.
pub struct TeamWatcher {
    pub team: TeamRecord,
    client: Option<ControlClient>,
    output: Option<Receiver<(PaneId, Vec<u8>)>>,
    screens: HashMap<PaneId, Screen>,
    missing_ticks: u32,
    /// Agents with an action under way in a worker thread.
    in_flight: Arc<Mutex<HashSet<AgentId>>>,
}

struct Screen {
    text: String,
    dirty: bool,
    last_output_at: Millis,
}

/// One agent as the supervisor saw it this tick.
pub(crate) struct Look {
    /// Since when it has been in this state.
    pub since: Millis,
    pub obs: Observation,
    pub state: AgentState,
    pub source: StateSource,
    pub detail: Option<String>,
}

/// What one look did, for the daemon's log.
#[derive(Debug, Default)]
pub struct TickReport {
    pub actions: Vec<(AgentId, Action)>,
    pub restored: bool,
    pub detached: Option<String>,
}

impl TeamWatcher {
    pub fn new(team: TeamRecord) -> Self {
        Self {
            team,
            client: None,
            output: None,
            screens: HashMap::new(),
            missing_ticks: 0,
            in_flight: Arc::default(),
        }
    }

    /// Whether some pane printed since the last look (so a look is worth
    /// doing before the next tick).
    pub fn has_news(&self) -> bool {
        self.screens.values().any(|s| s.dirty)
    }

    fn drain_output(&mut self, now: Millis) {
        let Some(rx) = &self.output else { return };
        let printed: Vec<PaneId> = rx.try_iter().map(|(pane, _)| pane).collect();
        for pane in printed {
            self.printed(pane, now);
        }
    }

    /// Takes in what the team's panes printed since the last call, without
    /// waiting; returns whether any did.
    pub fn poll_output(&mut self, now: Millis) -> bool {
        let Some(rx) = &self.output else {
            return false;
        };
        let printed: Vec<PaneId> = rx.try_iter().map(|(pane, _)| pane).collect();
        let any = !printed.is_empty();
        for pane in printed {
            self.printed(pane, now);
        }
        any
    }

    /// A pane printed: its cached screen is stale.
    fn printed(&mut self, pane: PaneId, now: Millis) {
        let screen = self.screens.entry(pane).or_insert(Screen {
            text: String::new(),
            dirty: true,
            last_output_at: now,
        });
        screen.dirty = true;
        screen.last_output_at = now;
    }
}

impl App {
    /// The policy watching a team.
    pub fn supervision_policy(&self, team: &TeamRecord) -> Result<&SupervisionPolicy, AppError> {
        self.config
            .supervision(team.supervision.as_deref().unwrap_or("normal"))
    }

    /// The tmux servers live teams run on.
    pub fn live_team_sockets(&self) -> Result<Vec<String>, AppError> {
        let mut sockets: Vec<String> = self
            .store()
            .live_teams()?
            .into_iter()
            .map(|t| t.tmux_socket)
            .collect();
        sockets.sort();
        sockets.dedup();
        Ok(sockets)
    }

    /// The live teams on this app's tmux server.
    pub fn supervised_teams(&self) -> Result<Vec<TeamRecord>, AppError> {
        let socket = self.tmux.socket().to_string();
        Ok(self
            .store()
            .live_teams()?
            .into_iter()
            .filter(|t| t.tmux_socket == socket)
            .collect())
    }

    /// One look at a team, and whatever it calls for.
    pub fn supervise_tick(
        self: &Arc<Self>,
        watcher: &mut TeamWatcher,
    ) -> Result<TickReport, AppError> {
        let mut report = TickReport::default();
        let now = self.now();
        let Some(team) = self.store().team(watcher.team.id)? else {
            return Ok(report);
        };
        if team.ended_at.is_some() {
            return Ok(report);
        }
        watcher.team = team.clone();
        if watcher.client.is_none() {
            if !self.tmux.has_session(&team.name)? {
                watcher.missing_ticks += 1;
                if watcher.missing_ticks >= MISSING_TICKS && self.restorable(&team)? {
                    self.restore_team(&team, "its tmux session was gone")?;
                    watcher.missing_ticks = 0;
                    report.restored = true;
                }
                return Ok(report);
            }
            watcher.missing_ticks = 0;
            let client = self.tmux.control(&team.name)?;
            watcher.output = Some(client.output());
            watcher.client = Some(client);
            watcher.screens.clear();
        }
        watcher.drain_output(now);
        let panes = match watcher.client.as_ref().map(ControlClient::panes) {
            Some(Ok(panes)) => panes,
            Some(Err(TmuxError::Disconnected(reason)))
            | Some(Err(TmuxError::Timeout(reason, _))) => {
                watcher.client = None;
                watcher.output = None;
                report.detached = Some(reason);
                return Ok(report);
            }
            Some(Err(e)) => return Err(e.into()),
            None => return Ok(report),
        };
        let policy = self.supervision_policy(&team)?.clone();
        let agents = self.store().agents(team.id)?;
        let watches = self.store().watches(team.id)?;
        let todos = self.open_todos_of_team(team.id)?;
        for agent in &agents {
            if lock_set(&watcher.in_flight).contains(&agent.id) {
                continue;
            }
            let Some(pane) = agent.pane_id.as_deref().and_then(|p| PaneId::new(p).ok()) else {
                continue;
            };
            let info = panes.iter().find(|p| p.pane_id == pane);
            let (screen, last_output_at) = match (watcher.cached(&pane), &watcher.client, info) {
                (Some(cached), _, _) => cached,
                (None, Some(client), Some(_)) => {
                    let text = client.capture(&pane, 0).unwrap_or_default();
                    watcher.keep_screen(&pane, text, now)
                }
                (None, _, _) => (String::new(), now),
            };
            let look = self.look(agent, info, screen, now)?;
            let watch = watches.get(&agent.id).cloned().unwrap_or_default();
            let owned: Vec<&Todo> = todos
                .iter()
                .filter(|t| owns(&agents, agent, t.owner.as_ref()))
                .collect();
            let actions =
                self.decide_for(agent, &policy, watch, &look, &owned, last_output_at, now)?;
            for action in actions {
                report.actions.push((agent.id, action.clone()));
                self.carry_out(watcher, &team, agent, action, &look);
            }
        }
        Ok(report)
    }

    /// The agent's fused state, recorded when it changed; and since when.
    fn look(
        &self,
        agent: &AgentRecord,
        info: Option<&PaneInfo>,
        screen: String,
        now: Millis,
    ) -> Result<Look, AppError> {
        let obs = judge(info, screen, self.config.profile(&agent.cli)?);
        let fused = self.record_fused(agent, &obs)?;
        let since = if fused.changed {
            now
        } else {
            agent.state_since.unwrap_or(agent.created_at)
        };
        Ok(Look {
            since,
            obs,
            state: fused.state,
            source: fused.source,
            detail: fused.detail,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn decide_for(
        &self,
        agent: &AgentRecord,
        policy: &SupervisionPolicy,
        before: Watch,
        look: &Look,
        owned: &[&Todo],
        last_output_at: Millis,
        now: Millis,
    ) -> Result<Vec<Action>, AppError> {
        let condition = Condition::of(look.state, look.source);
        let reset_at = (condition == Condition::RateLimited)
            .then_some(look.detail.as_deref())
            .flatten()
            .and_then(|d| parse_reset(d, now, local_offset_s()));
        let seen = Seen {
            condition,
            since: look.since,
            last_output_at,
            reset_at,
            open_todos: owned.len(),
            todos_signature: owned
                .iter()
                .map(|t| format!("{}:{}", t.id, t.status))
                .collect::<Vec<_>>()
                .join(","),
            restarts: agent.restarts,
            // Asked only of a restarted agent that could take it now, and
            // only once whoever restarted it (a person, another supervisor)
            // has had time to brief it themselves.
            context_owed: agent.restarts > 0
                && matches!(condition, Condition::Idle | Condition::Error)
                && self
                    .store()
                    .unbriefed_since(agent)?
                    .is_some_and(|at| now - at > self.briefing_grace_ms()),
        };
        let mut after = before.clone();
        let actions = decide(policy, &mut after, &seen, now);
        if after == before {
            return Ok(actions);
        }
        let screen = (!actions.is_empty())
            .then(|| warroom_model::redact::redact(&look.obs.tail(EVIDENCE_ROWS)).text);
        let evidence = Evidence {
            state: look.state,
            source: look.source,
            detail: look.detail.as_deref(),
            screen: screen.as_deref(),
        };
        let saved = self.write("supervisor", |tx| {
            Ok(tx.supervise(agent, &before, &after, &actions, evidence)?)
        })?;
        // Another supervisor decided first: it carries its own decision out.
        Ok(if saved { actions } else { Vec::new() })
    }

    /// Open todos of the team's incident (response work, not follow-ups).
    fn open_todos_of_team(&self, team_id: TeamId) -> Result<Vec<Todo>, AppError> {
        let Some(incident) = self.store().incident_of_team(team_id)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .store()
            .todos(incident)?
            .into_iter()
            .filter(|t| t.status.is_open() && !t.follow_up)
            .collect())
    }
}

impl TeamWatcher {
    /// The cached screen (and the pane's last output) when nothing printed
    /// since it was taken.
    fn cached(&self, pane: &PaneId) -> Option<(String, Millis)> {
        let cached = self.screens.get(pane)?;
        (!cached.dirty).then(|| (cached.text.clone(), cached.last_output_at))
    }

    fn keep_screen(&mut self, pane: &PaneId, text: String, now: Millis) -> (String, Millis) {
        let entry = self.screens.entry(pane.clone()).or_insert(Screen {
            text: String::new(),
            dirty: false,
            last_output_at: now,
        });
        entry.text.clone_from(&text);
        entry.dirty = false;
        (text, entry.last_output_at)
    }
}

fn lock_set(set: &Mutex<HashSet<AgentId>>) -> std::sync::MutexGuard<'_, HashSet<AgentId>> {
    set.lock().unwrap_or_else(PoisonError::into_inner)
}

fn owns(agents: &[AgentRecord], agent: &AgentRecord, owner: Option<&Owner>) -> bool {
    owner.is_some_and(|o| owner_agent(agents, o).is_some_and(|a| a.id == agent.id))
}

/// What the supervisor may act on. Only tmux says an agent is gone.
impl App {
    /// How long a restart may take to brief its agent: the wait for its
    /// prompt, and the delivery after it.
    fn briefing_grace_ms(&self) -> Millis {
        let secs = self.config.delivery.ready_secs + self.config.delivery.wait_idle_secs;
        i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }
}

/// The offset agent CLIs print clock times in: this machine's.
fn local_offset_s() -> i32 {
    chrono::Local::now().offset().local_minus_utc()
}
