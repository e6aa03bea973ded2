//! `pm report <team> --type incident`: a Markdown report read from the event
//! log and the message projection.

use std::path::{Path, PathBuf};
use warroom_model::MessageId;

use warroom_model::{Event, EventKind, Millis, Outcome};

use crate::agent::messages::{utc, write_atomically};
use crate::views::{AgentView, MessageView, TeamView};
use crate::{App, AppError};

pub struct ReportData<'a> {
    pub team: &'a TeamView,
    pub agents: &'a [AgentView],
    pub events: &'a [Event],
    pub messages: &'a [MessageView],
    pub generated_at: Millis,
    /// The team's incident, told: what happened, its root cause, what was
    /// done and by whom, and its own sections.
    pub incident: Option<IncidentStory>,
}

/// An incident as the report tells it.
#[derive(Debug, Clone, Default)]
pub struct IncidentStory {
    /// `INC-1 SEV1: Auth returns 500`.
    pub headline: String,
    /// Where it stands: resolved when and after how long, or its phase.
    pub status: String,
    /// The root cause as recorded, and by whom.
    pub root_cause: Option<String>,
    /// Milestones and finished todos, in order, each with who.
    pub done: Vec<String>,
    /// Impact, severity, metrics, todos and updates, in Markdown.
    pub sections: String,
}

/// The most timeline rows a report holds; the export has every message and
/// `incident logs` the rest.
pub const TIMELINE_ROWS: usize = 400;

impl App {
    /// Writes the report and returns its path.
    pub fn write_report(
        &self,
        team: &str,
        kind: &str,
        output: Option<&Path>,
    ) -> Result<PathBuf, AppError> {
        if kind != "incident" {
            return Err(AppError::bad_input(format!(
                "unknown report type {kind:?}; supported: incident"
            )));
        }
        let record = self.any_team(team)?;
        let view = self.team_view(&record)?;
        let agents: Vec<AgentView> = self
            .store()
            .agents(record.id)?
            .iter()
            .map(|a| self.agent_view(&record, a))
            .collect();
        let incident_id = self.store().incident_of_team(record.id)?;
        let incident = match incident_id {
            Some(id) => {
                self.evaluate(id)?;
                self.flush_notifications(id)?;
                Some(self.load_incident(id)?.0)
            }
            None => None,
        };
        let events = match &incident {
            Some(i) => self.store().incident_events(i.id, Some(record.id))?,
            None => self.store().events(record.id)?,
        };
        let messages = self.message_views(&record, MessageId::NEW)?;
        let now = self.now();
        let story = incident
            .as_ref()
            .map(|incident| self.incident_story(incident))
            .transpose()?;
        let text = render_incident_report(&ReportData {
            team: &view,
            agents: &agents,
            events: &events,
            messages: &messages,
            generated_at: now,
            incident: story,
        });
        let path = match output {
            Some(p) => p.to_owned(),
            None => {
                let stamp = chrono::DateTime::from_timestamp_millis(now)
                    .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
                    .unwrap_or_else(|| now.to_string());
                self.data_dir
                    .join("reports")
                    .join(&record.name)
                    .join(format!("incident-{stamp}.md"))
            }
        };
        write_atomically(&path, text.as_bytes())?;
        let path = std::path::absolute(&path).unwrap_or(path);
        let actor = self.actor()?.label();
        self.write(&actor, |tx| {
            Ok(tx.event(
                Some(record.id),
                &warroom_model::EventKind::ReportWritten {
                    path: path.display().to_string(),
                },
            )?)
        })?;
        Ok(path)
    }
}

impl App {
    fn incident_story(
        &self,
        incident: &warroom_model::Incident,
    ) -> Result<IncidentStory, AppError> {
        use warroom_model::{Milestone, TodoStatus, todo_ref};
        let declared = incident.declared_at();
        let status = match incident.milestone_at(Milestone::Resolved) {
            Some(at) => format!(
                "Resolved {} UTC, {} after it was declared; now {}.",
                utc(at),
                warroom_model::span::human(at - declared),
                incident.phase
            ),
            None => format!(
                "Not resolved yet: phase {}, declared {} UTC by {}.",
                incident.phase,
                utc(declared),
                incident.commander
            ),
        };
        let root_cause = incident.milestones.get(&Milestone::RootCause).map(|r| {
            format!(
                "{} (recorded {} UTC by {})",
                r.summary.as_deref().unwrap_or("found; not described"),
                utc(r.at),
                r.by
            )
        });
        let mut done: Vec<(Millis, String)> = incident
            .milestones
            .iter()
            .filter(|(m, _)| **m != Milestone::Declared)
            .map(|(m, r)| {
                let summary = r
                    .summary
                    .as_deref()
                    .map(|s| format!(": {s}"))
                    .unwrap_or_default();
                (r.at, format!("{} {m} by {}{summary}", utc(r.at), r.by))
            })
            .collect();
        for todo in self.store().todos(incident.id)? {
            if todo.status != TodoStatus::Done {
                continue;
            }
            let note = todo
                .notes
                .last()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            let owner = todo.owner.as_ref().map_or("-".into(), ToString::to_string);
            let at = todo.done_at.unwrap_or(todo.created_at);
            done.push((
                at,
                format!(
                    "{} {} done ({owner}): {}{note}",
                    utc(at),
                    todo_ref(todo.id),
                    todo.title
                ),
            ));
        }
        done.sort();
        // The report has its own summary; the shared sections follow it.
        let mut doc = crate::incident::document::Document::new("");
        doc.sections = self
            .incident_sections(incident)?
            .into_iter()
            .filter(|s| s.heading != "Summary")
            .collect();
        let sections = doc.to_markdown().trim_start_matches("# \n").to_owned();
        Ok(IncidentStory {
            headline: format!(
                "{} {}: {}",
                incident.reference(),
                incident.severity,
                incident.title
            ),
            status,
            root_cause,
            done: done.into_iter().map(|(_, line)| line).collect(),
            sections,
        })
    }
}

/// What the report's timeline tells: how the response went (declaration,
/// phases, severity, findings, decisions, escalations, updates, restarts),
/// not every message and state change (those are in the export and the
/// event log).
fn tells_the_story(kind: &EventKind) -> bool {
    use warroom_model::IncidentEvent as I;
    match kind {
        EventKind::Incident(e) => match e {
            I::TodoAdded { .. } | I::TodoClaimed { .. } | I::TodoEdited { .. } => false,
            I::NotificationSent { .. } => false,
            // A rollout's passing measurements are many and say little: the
            // timeline keeps the ones that decided something.
            I::RolloutMeasured { judged, .. } => *judged != warroom_model::rollout::Judged::Success,
            I::TodoStatusChanged { to, .. } => matches!(
                to,
                warroom_model::TodoStatus::Done | warroom_model::TodoStatus::Blocked
            ),
            _ => true,
        },
        EventKind::TeamCreated { .. }
        | EventKind::TeamKilled { .. }
        | EventKind::TeamRestored { .. }
        | EventKind::AgentRestarted { .. }
        | EventKind::AgentGatePassed { .. }
        | EventKind::PurposeSet { .. }
        | EventKind::Broadcast { .. }
        | EventKind::Supervised { .. }
        | EventKind::SupervisionFailed { .. }
        | EventKind::SupervisionSet { .. } => true,
        _ => false,
    }
}

/// Table cells hold one line and no pipes.
fn cell(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut s: String = line.chars().take(100).collect();
    if s.len() < line.len() || text.lines().nth(1).is_some() {
        s.push('…');
    }
    s.replace('|', "\\|")
}

pub fn render_incident_report(data: &ReportData<'_>) -> String {
    let team = data.team;
    let mut out = format!("# Incident report: {}\n\n", team.name);
    let submitted = data
        .messages
        .iter()
        .filter(|m| m.outcome == Outcome::Submitted)
        .count();
    let restarts: u32 = data.agents.iter().map(|a| a.restarts).sum();
    let team_line = format!(
        "{} agents; {} messages, {} submitted, {} not; {} restarts.",
        data.agents.len(),
        data.messages.len(),
        submitted,
        data.messages.len() - submitted,
        restarts
    );
    out.push_str("## Summary\n\n");
    match &data.incident {
        Some(story) => {
            out.push_str(&format!("{}. {}\n\n", story.headline, story.status));
            out.push_str(&format!(
                "Root cause: {}\n\n",
                story.root_cause.as_deref().unwrap_or("not found yet.")
            ));
            out.push_str(&format!("Team {}: {team_line}\n\n", team.name));
            out.push_str("## What was done\n\n");
            if story.done.is_empty() {
                out.push_str(
                    "Nothing recorded yet: no milestone past the declaration, no todo done.\n\n",
                );
            } else {
                for line in &story.done {
                    out.push_str(&format!("- {line}\n"));
                }
                out.push('\n');
            }
            out.push_str(story.sections.trim_start_matches('\n'));
            if !story.sections.ends_with("\n\n") {
                out.push('\n');
            }
        }
        None => out.push_str(&format!("{team_line}\n\n")),
    }

    out.push_str("## Team\n\n");
    out.push_str(&format!(
        "- Team type: {}\n- Project: `{}`\n- Deployed: {} UTC\n- Status: {}\n- Purpose: {}\n- Report generated: {} UTC\n\n",
        team.team_type.as_deref().unwrap_or("custom"),
        team.project_dir,
        utc(team.created_at),
        match team.ended_at {
            Some(at) => format!("stopped at {} UTC", utc(at)),
            None => "active".into(),
        },
        team.purpose.as_deref().map(cell).unwrap_or_else(|| "(not stated)".into()),
        utc(data.generated_at),
    ));
    out.push_str("| Window | Agent | Role | Name | CLI | Restarts |\n|---|---|---|---|---|---|\n");
    for a in data.agents {
        let cli = match &a.stands_in_for {
            Some(c) => format!("{} (standing in for {c})", a.cli),
            None => a.cli.clone(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            a.window,
            a.id,
            a.role,
            cell(&a.name),
            cli,
            a.restarts
        ));
    }

    let told: Vec<&Event> = data
        .events
        .iter()
        .filter(|e| tells_the_story(&e.kind))
        .collect();
    out.push_str("\n## Timeline (UTC)\n\n| Time | Actor | Event |\n|---|---|---|\n");
    for e in told.iter().take(TIMELINE_ROWS) {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            utc(e.at),
            cell(&e.actor),
            cell(&e.kind.describe())
        ));
    }
    if told.len() > TIMELINE_ROWS {
        out.push_str(&format!(
            "\n{} more events are left out here.\n",
            told.len() - TIMELINE_ROWS
        ));
    }

    out.push_str("\n## Messages\n\n");
    let mut by_sender: Vec<(&str, usize)> = Vec::new();
    for m in data.messages {
        match by_sender.iter_mut().find(|(from, _)| *from == m.from) {
            Some((_, n)) => *n += 1,
            None => by_sender.push((&m.from, 1)),
        }
    }
    out.push_str(&format!(
        "{} messages: {}. The whole conversation: `warroom agent messages {} --export`.\n",
        data.messages.len(),
        if by_sender.is_empty() {
            "none".to_owned()
        } else {
            by_sender
                .iter()
                .map(|(from, n)| format!("{n} from {from}"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        team.name
    ));
    out.push_str("\n## Delivery problems\n\n");
    let problems: Vec<&MessageView> = data
        .messages
        .iter()
        .filter(|m| m.outcome != Outcome::Submitted)
        .collect();
    if problems.is_empty() {
        out.push_str("None: every message was submitted.\n");
    } else {
        for m in problems {
            out.push_str(&format!(
                "- #{} to {}: {}{}\n",
                m.id,
                m.to,
                m.outcome,
                m.detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ));
        }
    }
    out
}
