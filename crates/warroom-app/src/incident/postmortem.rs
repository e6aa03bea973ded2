//! The incident's own sections (summary, impact, severity, metrics against
//! targets, todos, updates) for the report, and the postmortem draft with
//! its follow-up todos.

use std::path::PathBuf;
use warroom_model::TodoId;

use warroom_model::incident::clocks::{ClockStatus, clocks};
use warroom_model::span::human;
use warroom_model::{
    Incident, IncidentEvent, Milestone, Owner, Phase, Priority, Todo, TodoKind, TodoStatus,
    todo_ref,
};
use warroom_store::StoreError;

use crate::agent::messages::{utc, write_atomically};
use crate::incident::change::todo_added;
use crate::incident::document::{Block, Document, Section};
use crate::{App, AppError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Markdown,
    Html,
}

/// A follow-up the postmortem proposes: (type, title, owner role, priority).
type ActionItem = (TodoKind, String, &'static str, Priority);

impl App {
    /// The sections every incident document starts with.
    pub(crate) fn incident_sections(&self, incident: &Incident) -> Result<Vec<Section>, AppError> {
        let now = self.now();
        let todos = self.store().todos(incident.id)?;
        let updates = self.store().updates(incident.id)?;
        let at = |m: Milestone| {
            incident
                .milestone_at(m)
                .map(utc)
                .unwrap_or_else(|| "-".into())
        };
        let mut sections = vec![Section {
            heading: "Summary".into(),
            blocks: vec![Block::Para(format!(
                "{} {}: {}. Phase {}; declared {} by {}; {}.",
                incident.reference(),
                incident.severity,
                incident.title,
                incident.phase,
                at(Milestone::Declared),
                incident.commander,
                match incident.milestone_at(Milestone::Resolved) {
                    Some(t) => format!("resolved {}", utc(t)),
                    None => "not resolved yet".into(),
                }
            ))],
        }];
        let mut impact = vec![format!("Impact: {}", incident.impact.describe())];
        if let Some(d) = &incident.domain {
            impact.push(format!("Domain: {d}"));
        }
        if !incident.compliance.is_empty() {
            impact.push(format!("Compliance: {}", incident.compliance.join(", ")));
        }
        sections.push(Section {
            heading: "Impact".into(),
            blocks: vec![Block::List(impact)],
        });
        sections.push(Section {
            heading: "Severity".into(),
            blocks: vec![
                Block::Para(format!("{} because:", incident.severity)),
                Block::List(incident.assessment.reasons.clone()),
            ],
        });
        sections.push(Section {
            heading: "Metrics against targets".into(),
            blocks: vec![Block::Table(
                ["metric", "from → to", "elapsed", "target", "status"]
                    .map(String::from)
                    .to_vec(),
                clocks(incident, now)
                    .iter()
                    .map(|c| {
                        vec![
                            c.label.to_owned(),
                            format!("{} → {}", c.from, c.to),
                            c.elapsed_ms.map(human).unwrap_or_else(|| "-".into()),
                            c.target.to_string(),
                            match (c.status, c.stopped_at) {
                                (ClockStatus::NotApplicable, _) => "n/a".into(),
                                (s, None) => format!("{} (running)", s.as_str()),
                                (s, Some(_)) => s.as_str().to_owned(),
                            },
                        ]
                    })
                    .collect(),
            )],
        });
        sections.push(Section {
            heading: "Todos".into(),
            blocks: vec![Block::Table(
                ["id", "priority", "status", "owner", "title", "gate"]
                    .map(String::from)
                    .to_vec(),
                todos
                    .iter()
                    .map(|t| {
                        vec![
                            todo_ref(t.id),
                            t.priority.to_string(),
                            t.status.to_string(),
                            t.owner.as_ref().map_or("-".into(), ToString::to_string),
                            t.title.clone(),
                            t.gate.map_or("-".into(), |g| g.to_string()),
                        ]
                    })
                    .collect(),
            )],
        });
        sections.push(Section {
            heading: "Stakeholder updates".into(),
            blocks: vec![if updates.is_empty() {
                Block::Para("None sent.".into())
            } else {
                Block::List(
                    updates
                        .iter()
                        .map(|u| {
                            format!(
                                "{} #{} {} by {}: {}",
                                utc(u.created_at),
                                u.id,
                                u.update.status,
                                u.update.author,
                                u.update.summary
                            )
                        })
                        .collect(),
                )
            }],
        });
        Ok(sections)
    }

    /// `postmortem <incident> [--format md|html]`: writes the draft and
    /// returns its path; the first run also files its action items as
    /// follow-up todos.
    pub fn write_postmortem(
        &self,
        input: &str,
        format: DocFormat,
        output: Option<&std::path::Path>,
    ) -> Result<(PathBuf, Vec<String>), AppError> {
        let (incident, team_id) = self.find_incident(input)?;
        if incident.phase < Phase::Resolved {
            return Err(AppError::bad_input(format!(
                "{} is {}; a postmortem is written once it is resolved",
                incident.reference(),
                incident.phase
            )));
        }
        let events = self.store().incident_events(incident.id, team_id)?;
        let todos = self.store().todos(incident.id)?;
        let items = action_items(&incident, &todos);
        let mut doc = Document::new(format!(
            "Postmortem {}: {} (DRAFT, blameless)",
            incident.reference(),
            incident.title
        ));
        doc.sections = self.incident_sections(&incident)?;
        let summary = |m: Milestone| {
            incident
                .milestones
                .get(&m)
                .and_then(|r| r.summary.clone())
                .unwrap_or_else(|| "(to be written)".into())
        };
        doc.section(
            "Root causes",
            vec![Block::Para(summary(Milestone::RootCause))],
        );
        doc.section(
            "Trigger",
            vec![Block::Para("(to be written: what set it off)".into())],
        );
        doc.section(
            "Detection",
            vec![Block::Para(format!(
                "Detected {}; declared {}. Could we have detected it sooner?",
                incident
                    .milestone_at(Milestone::Detected)
                    .map(utc)
                    .unwrap_or_default(),
                incident
                    .milestone_at(Milestone::Declared)
                    .map(utc)
                    .unwrap_or_default()
            ))],
        );
        doc.section(
            "Resolution",
            vec![Block::List(vec![
                format!("Mitigation: {}", summary(Milestone::Mitigated)),
                format!("Fix: {}", summary(Milestone::FixReady)),
                format!("Deployed: {}", summary(Milestone::FixDeployed)),
            ])],
        );
        doc.section(
            "Timeline (UTC)",
            vec![Block::Table(
                ["time", "actor", "event"].map(String::from).to_vec(),
                events
                    .iter()
                    .filter(|e| !routine_measurement(&e.kind))
                    .map(|e| vec![utc(e.at), e.actor.clone(), e.kind.describe()])
                    .collect(),
            )],
        );
        let red: Vec<String> = clocks(&incident, self.now())
            .iter()
            .filter(|c| c.status == ClockStatus::Red)
            .map(|c| c.label.to_owned())
            .collect();
        let green: Vec<String> = clocks(&incident, self.now())
            .iter()
            .filter(|c| c.status == ClockStatus::Green)
            .map(|c| c.label.to_owned())
            .collect();
        doc.section(
            "What went well",
            vec![Block::List(if green.is_empty() {
                vec!["(to be written)".into()]
            } else {
                green.iter().map(|g| format!("{g} within target")).collect()
            })],
        );
        doc.section(
            "What went wrong",
            vec![Block::List(if red.is_empty() {
                vec!["(to be written)".into()]
            } else {
                red.iter()
                    .map(|r| format!("{r} missed its target"))
                    .collect()
            })],
        );
        doc.section(
            "Where we got lucky",
            vec![Block::Para("(to be written)".into())],
        );
        doc.section(
            "Action items",
            vec![Block::Table(
                ["type", "item", "owner", "priority"]
                    .map(String::from)
                    .to_vec(),
                items
                    .iter()
                    .map(|(k, t, o, p)| {
                        vec![k.to_string(), t.clone(), (*o).to_owned(), p.to_string()]
                    })
                    .collect(),
            )],
        );
        let (text, ext) = match format {
            DocFormat::Markdown => (doc.to_markdown(), "md"),
            DocFormat::Html => (doc.to_html(), "html"),
        };
        let path = match output {
            Some(p) => p.to_owned(),
            None => self
                .data_dir
                .join("reports")
                .join(&incident.slug)
                .join(format!("postmortem-{}.{ext}", incident.reference())),
        };
        write_atomically(&path, text.as_bytes())?;
        let path = std::path::absolute(&path).unwrap_or(path);
        let due = incident
            .policy
            .postmortem_due
            .map_or(7 * 86_400_000, |d| d.millis());
        let actor = self.actor()?.label();
        let filed = self.write(&actor, |tx| {
            let (mut current, team_id) = tx
                .incident(incident.id)?
                .ok_or_else(|| StoreError::Corrupt("incident vanished".into()))?;
            let already = tx.todos(incident.id)?.iter().any(|t| t.follow_up);
            let mut events = Vec::new();
            let mut filed = Vec::new();
            if !already {
                for (kind, title, role, priority) in &items {
                    let todo = tx.create_todo(&Todo {
                        id: TodoId::NEW,
                        incident: incident.id,
                        title: title.clone(),
                        kind: *kind,
                        priority: *priority,
                        status: TodoStatus::Open,
                        owner: Some(Owner::Role {
                            role: (*role).to_owned(),
                        }),
                        created_by: actor.clone(),
                        created_at: tx.at(),
                        due_at: Some(tx.at() + due),
                        gate: None,
                        depends_on: Vec::new(),
                        follow_up: true,
                        escalation_level: 0,
                        notes: Vec::new(),
                        blocked_reason: None,
                        done_at: None,
                    })?;
                    filed.push(todo_ref(todo.id));
                    events.push(todo_added(&todo));
                }
            }
            current.postmortem = Some(path.display().to_string());
            events.push(IncidentEvent::PostmortemWritten {
                path: path.display().to_string(),
                action_items: items.len(),
            });
            tx.save_incident(&current, team_id, &events)?;
            Ok(filed)
        })?;
        Ok((path, filed))
    }
}

/// The follow-ups a postmortem proposes, from what the log shows.
fn action_items(incident: &Incident, todos: &[Todo]) -> Vec<ActionItem> {
    let mut items: Vec<ActionItem> = todos
        .iter()
        .filter(|t| t.status.is_open() && !t.follow_up)
        .map(|t| {
            (
                TodoKind::Mitigate,
                format!(
                    "Finish {} left open at resolution: {}",
                    todo_ref(t.id),
                    t.title
                ),
                "project-manager",
                Priority::P1,
            )
        })
        .collect();
    let cause = incident
        .milestones
        .get(&Milestone::RootCause)
        .and_then(|r| r.summary.clone())
        .unwrap_or_else(|| "the root cause".into());
    items.push((
        TodoKind::Prevent,
        format!("Regression test and alert for: {cause}"),
        "senior-backend-developer",
        Priority::P1,
    ));
    items.push((
        TodoKind::Process,
        "Review the response: clocks, escalations and updates against policy".into(),
        "project-manager",
        Priority::P2,
    ));
    items
}

/// A rollout's passing measurement: one of many, left out of the timeline.
fn routine_measurement(kind: &warroom_model::EventKind) -> bool {
    matches!(
        kind,
        warroom_model::EventKind::Incident(IncidentEvent::RolloutMeasured {
            judged: warroom_model::rollout::Judged::Success,
            ..
        })
    )
}
