//! Carrying out what the supervisor decided. The decision and its evidence
//! are already recorded; here the restart runs (in a worker thread, so the
//! other agents stay watched meanwhile), the messages go out through queued
//! deliveries, and notices for a person go to the `incident-commander`
//! channel and the project manager. A failure is an event too.

use std::sync::Arc;

use warroom_model::supervision::Action;
use warroom_model::{EventKind, todo_ref};
use warroom_store::{AgentRecord, TeamRecord};

use super::{Look, TeamWatcher, lock_set};
use crate::{App, AppError};

/// The channel a person is called on, when configured.
const PERSON_CHANNEL: &str = "incident-commander";
const PM_ROLE: &str = "project-manager";

impl App {
    pub(crate) fn carry_out(
        self: &Arc<Self>,
        watcher: &TeamWatcher,
        team: &TeamRecord,
        agent: &AgentRecord,
        action: Action,
        look: &Look,
    ) {
        let label = format!("{} ({}:{})", agent.role, team.name, agent.window);
        let result = match &action {
            Action::Restart { .. } => {
                self.restart_in_background(watcher, team, agent);
                Ok(())
            }
            Action::Brief => {
                self.brief_in_background(watcher, team, agent);
                Ok(())
            }
            Action::Park { .. } => Ok(()),
            // Compare-and-swap on the counter: a restart this daemon just
            // recorded itself is not counted twice.
            Action::RecordRestart { from_count, .. } => self
                .write("supervisor", |tx| {
                    Ok(tx.restart_found(agent, *from_count, look.obs.pid)?)
                })
                .map(drop),
            Action::Resume => self
                .queue_system_message(
                    team,
                    agent,
                    "Your rate limit has reset: continue where you stopped.",
                )
                .map(drop),
            Action::GiveUp { restarts } => self.call_person(
                team,
                Some(agent),
                "agent-failed",
                &format!(
                    "AGENT FAILED: {label} exited again after {restarts} restarts; warroom stopped restarting it. Look at it with: warroom attach {}; restart it with: warroom agent restart {}:{} --restore-context",
                    team.name, team.name, agent.window
                ),
            ),
            Action::NotifyWaiting => self.call_person(
                team,
                Some(agent),
                "agent-waiting",
                &format!(
                    "DECISION NEEDED: {label} waits for an answer: {}. Answer it in its window: warroom attach {}",
                    look.detail.as_deref().unwrap_or("a permission question"),
                    team.name
                ),
            ),
            Action::Nudge { open_todos, .. } => self
                .nudge_text(team, agent, *open_todos)
                .and_then(|text| self.queue_system_message(team, agent, &text).map(drop)),
            Action::TellPm {
                stalled_ms,
                open_todos,
            } => self.tell_pm(
                team,
                agent,
                &format!(
                    "STALLED: {label} has been idle with {open_todos} open todos, untouched for {} despite nudges. Reassign them (warroom todo claim) or unblock it.",
                    warroom_model::span::human(*stalled_ms)
                ),
            ),
            Action::ReportStuck { silent_ms } => self.tell_pm(
                team,
                agent,
                &format!(
                    "POSSIBLY STUCK: {label} has been busy with no new output for {}. warroom leaves it running; look at it with: warroom attach {}",
                    warroom_model::span::human(*silent_ms),
                    team.name
                ),
            ),
        };
        if let Err(e) = result {
            self.record_failure(team, agent, action.name(), &e);
        }
    }

    fn restart_in_background(
        self: &Arc<Self>,
        watcher: &TeamWatcher,
        team: &TeamRecord,
        agent: &AgentRecord,
    ) {
        self.in_background(watcher, team, agent, "restart", |app, t, a| {
            let client = app.control(t)?;
            app.restart_agent(&client, t, a, true, "supervisor")
                .map(drop)
        });
    }

    /// The restored context a restart owed an agent, and what was held for
    /// it meanwhile.
    fn brief_in_background(
        self: &Arc<Self>,
        watcher: &TeamWatcher,
        team: &TeamRecord,
        agent: &AgentRecord,
    ) {
        self.in_background(watcher, team, agent, "brief", |app, t, a| {
            let client = app.control(t)?;
            if app.brief(&client, t, a, true)?.outcome.is_success() {
                app.deliver_held(t, a.id);
            }
            Ok(())
        });
    }

    /// Work on one agent in a worker thread, so the other agents stay
    /// watched meanwhile; the agent is left alone by the loop until it ends.
    /// A failure is an event.
    fn in_background(
        self: &Arc<Self>,
        watcher: &TeamWatcher,
        team: &TeamRecord,
        agent: &AgentRecord,
        what: &'static str,
        work: impl FnOnce(&App, &TeamRecord, &AgentRecord) -> Result<(), AppError> + Send + 'static,
    ) {
        let in_flight = Arc::clone(&watcher.in_flight);
        lock_set(&in_flight).insert(agent.id);
        let app = Arc::clone(self);
        let (t, a) = (team.clone(), agent.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("{what}-{}", agent.id))
            .spawn(move || {
                if let Err(e) = work(&app, &t, &a) {
                    app.record_failure(&t, &a, what, &e);
                }
                lock_set(&in_flight).remove(&a.id);
            });
        if let Err(e) = spawned {
            lock_set(&watcher.in_flight).remove(&agent.id);
            self.record_failure(team, agent, what, &AppError::failed(e.to_string()));
        }
    }

    fn record_failure(&self, team: &TeamRecord, agent: &AgentRecord, action: &str, e: &AppError) {
        let _ = self.write("supervisor", |tx| {
            Ok(tx.event(
                Some(team.id),
                &EventKind::SupervisionFailed {
                    agent: agent.id,
                    action: action.to_owned(),
                    error: e.to_string(),
                },
            )?)
        });
    }

    /// A notice for a person: the `incident-commander` channel (when
    /// configured) and the project manager (unless it is the agent concerned).
    fn call_person(
        &self,
        team: &TeamRecord,
        agent: Option<&AgentRecord>,
        kind: &str,
        text: &str,
    ) -> Result<(), AppError> {
        let incident = self.store().incident_of_team(team.id)?;
        if let Some(incident_id) = incident {
            let (incident, _) = self.load_incident(incident_id)?;
            self.write("supervisor", |tx| {
                Ok(self.queue_to_channel(tx, &incident, PERSON_CHANNEL, kind, text)?)
            })?;
            self.flush_notifications(incident_id)?;
        }
        match agent {
            Some(agent) => self.tell_pm(team, agent, text),
            None => Ok(()),
        }
    }

    /// A message to the team's project manager about another agent.
    fn tell_pm(&self, team: &TeamRecord, about: &AgentRecord, text: &str) -> Result<(), AppError> {
        let agents = self.store().agents(team.id)?;
        match agents
            .iter()
            .find(|a| a.role == PM_ROLE && a.id != about.id)
        {
            Some(pm) => self.queue_system_message(team, pm, text).map(drop),
            None => Ok(()),
        }
    }

    fn nudge_text(
        &self,
        team: &TeamRecord,
        agent: &AgentRecord,
        open_todos: usize,
    ) -> Result<String, AppError> {
        let agents = self.store().agents(team.id)?;
        let todos = self.open_todos_of_team(team.id)?;
        let mine: Vec<String> = todos
            .iter()
            .filter(|t| super::owns(&agents, agent, t.owner.as_ref()))
            .map(|t| format!("{} [{}] {}", todo_ref(t.id), t.priority, t.title))
            .collect();
        Ok(format!(
            "NUDGE: you are idle and own {open_todos} open todos: {}. Work on the first, or say what blocks it: warroom todo block <T-n> \"<what>\".",
            mine.join("; ")
        ))
    }
}
