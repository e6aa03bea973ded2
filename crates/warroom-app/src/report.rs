//! `pm report <team> --type incident`: a Markdown report read from the event
//! log and the message projection.

use std::path::{Path, PathBuf};

use warroom_model::{Event, Millis, Outcome};

use crate::messages::{utc, write_atomically};
use crate::views::{AgentView, MessageView, TeamView};
use crate::{App, AppError};

pub struct ReportData<'a> {
    pub team: &'a TeamView,
    pub agents: &'a [AgentView],
    pub events: &'a [Event],
    pub messages: &'a [MessageView],
    pub generated_at: Millis,
}

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
        let messages = self.message_views(&record, 0)?;
        let now = self.now();
        let mut text = render_incident_report(&ReportData {
            team: &view,
            agents: &agents,
            events: &events,
            messages: &messages,
            generated_at: now,
        });
        if let Some(incident) = &incident {
            // The incident's sections go right under the title.
            let mut doc = crate::document::Document::new("");
            doc.sections = self.incident_sections(incident)?;
            let sections = doc.to_markdown();
            let sections = sections.trim_start_matches("# \n");
            let split = text.find("\n\n").map_or(text.len(), |i| i + 1);
            text.insert_str(
                split,
                &format!(
                    "\nIncident {}: {}\n{sections}",
                    incident.reference(),
                    incident.title
                ),
            );
        }
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

    let submitted = data
        .messages
        .iter()
        .filter(|m| m.outcome == Outcome::Submitted)
        .count();
    let restarts: u32 = data.agents.iter().map(|a| a.restarts).sum();
    out.push_str("## Summary\n\n");
    out.push_str(&format!(
        "{} agents; {} messages, {} submitted, {} not; {} restarts.\n\n",
        data.agents.len(),
        data.messages.len(),
        submitted,
        data.messages.len() - submitted,
        restarts
    ));

    out.push_str(
        "## Team\n\n| Window | Agent | Role | Name | CLI | Restarts |\n|---|---|---|---|---|---|\n",
    );
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

    out.push_str("\n## Timeline (UTC)\n\n| Time | Actor | Event |\n|---|---|---|\n");
    for e in data.events {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            utc(e.at),
            cell(&e.actor),
            cell(&e.kind.describe())
        ));
    }

    out.push_str("\n## Messages\n\n| # | Time | From | To | Kind | Outcome | Message |\n|---|---|---|---|---|---|---|\n");
    for m in data.messages {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            m.id,
            utc(m.at),
            cell(&m.from),
            cell(&m.to),
            m.kind,
            m.outcome,
            cell(&m.text)
        ));
    }

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
