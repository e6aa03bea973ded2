//! Emergency todos: `todo add|list|claim|update|done|block`. Agents call
//! these from their panes, so the acting party is whoever runs the command.

use warroom_model::TeamId;
use warroom_model::TodoId;
use warroom_model::redact::redact;
use warroom_model::{
    AgentId, IncidentEvent, Milestone, Owner, Phase, Priority, Sender, Span, Todo, TodoKind,
    TodoStatus, parse_todo_ref, todo_ref,
};
use warroom_store::{AgentRecord, StoreError};

use crate::app::agent_label;
use crate::incident::change::todo_added;
use crate::incident::escalation::owner_agent;
use crate::incident::views::TodoView;
use crate::{App, AppError};

#[derive(Default)]
pub struct TodoAdd<'a> {
    pub title: &'a str,
    pub owner: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub due: Option<&'a str>,
    pub gate: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub after: &'a [String],
}

#[derive(Default)]
pub struct TodoChange<'a> {
    pub status: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub due: Option<&'a str>,
    pub title: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// A finished todo is not claimed, finished or blocked again: reopening it
/// is a decision of its own (`todo update --status open`).
fn refuse_if_done(todo: &Todo, what: &str) -> Result<(), AppError> {
    if todo.status != TodoStatus::Done {
        return Ok(());
    }
    Err(
        AppError::bad_input(format!("{} is already done", todo_ref(todo.id))).hint(format!(
            "to {what} it again, reopen it first: warroom todo update {} --status open",
            todo_ref(todo.id)
        )),
    )
}

fn clean(text: &str) -> String {
    redact(text.trim()).text
}

impl App {
    /// `todo add <incident> "<title>"`.
    pub fn add_todo(&self, incident: &str, add: &TodoAdd<'_>) -> Result<TodoView, AppError> {
        let title = clean(add.title);
        if title.is_empty() {
            return Err(AppError::bad_input("the todo needs a title"));
        }
        let priority: Priority = add
            .priority
            .map(str::parse)
            .transpose()?
            .unwrap_or(Priority::P1);
        let gate: Option<Phase> = add.gate.map(str::parse).transpose()?;
        let kind: TodoKind = add
            .kind
            .map(str::parse)
            .transpose()?
            .unwrap_or(TodoKind::Other);
        let due: Option<Span> = add.due.map(str::parse).transpose()?;
        let depends_on = add
            .after
            .iter()
            .map(|t| {
                parse_todo_ref(t)
                    .ok_or_else(|| AppError::bad_input(format!("{t:?} is not a todo id (T-N)")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (found, team_id) = self.find_incident(incident)?;
        self.agent_may_work_on(team_id, &found.reference())?;
        let owner = add
            .owner
            .map(|o| self.resolve_owner(team_id, o))
            .transpose()?;
        let existing = self.store().todos(found.id)?;
        if let Some(missing) = depends_on
            .iter()
            .find(|d| !existing.iter().any(|t| t.id == **d))
        {
            return Err(AppError::bad_input(format!(
                "{} is not a todo of {}",
                todo_ref(*missing),
                found.reference()
            )));
        }
        self.evaluate(found.id)?;
        let actor = self.actor()?.label();
        let todo = self.write(&actor, |tx| {
            let (incident, team_id) = tx
                .incident(found.id)?
                .ok_or_else(|| StoreError::Corrupt(format!("{} vanished", found.reference())))?;
            if incident.is_closed() {
                return Err(AppError::bad_input(format!(
                    "{} is closed",
                    incident.reference()
                )));
            }
            let now = tx.at();
            let due = due.unwrap_or(incident.policy.todo_due.for_priority(priority));
            let todo = tx.create_todo(&Todo {
                id: TodoId::NEW,
                incident: incident.id,
                title,
                kind,
                priority,
                status: TodoStatus::Open,
                owner,
                created_by: actor.clone(),
                created_at: now,
                due_at: Some(now + due.millis()),
                gate,
                depends_on,
                follow_up: incident.phase >= Phase::Resolved,
                escalation_level: 0,
                notes: Vec::new(),
                blocked_reason: None,
                done_at: None,
            })?;
            tx.save_incident(&incident, team_id, &[todo_added(&todo)])?;
            Ok(todo)
        })?;
        self.flush_notifications(found.id)?;
        self.todo_view(&todo, team_id)
    }

    /// `todo list <incident> [--all]`: open todos, or every one.
    pub fn list_todos(&self, incident: &str, all: bool) -> Result<Vec<TodoView>, AppError> {
        let (found, team_id) = self.find_incident(incident)?;
        self.evaluate(found.id)?;
        self.flush_notifications(found.id)?;
        let todos = self.store().todos(found.id)?;
        todos
            .iter()
            .filter(|t| all || t.status.is_open())
            .map(|t| self.todo_view(t, team_id))
            .collect()
    }

    /// `todo claim <todo>`: the caller owns it and starts on it.
    pub fn claim_todo(&self, todo: &str) -> Result<TodoView, AppError> {
        let me = self.actor()?;
        let owner = match &me {
            Sender::Agent { id, label } => Owner::Agent {
                id: *id,
                label: label.clone(),
            },
            _ => Owner::Person { name: me.label() },
        };
        self.change_todo(todo, |todo, incident, now, actor| {
            refuse_if_done(todo, "claim")?;
            let mut events = vec![IncidentEvent::TodoClaimed {
                todo: todo.id,
                owner: owner.to_string(),
            }];
            todo.owner = Some(owner);
            if todo.status != TodoStatus::InProgress {
                events.push(status_event(todo, TodoStatus::InProgress, None));
                todo.status = TodoStatus::InProgress;
                todo.blocked_reason = None;
            }
            events.extend(incident.mark(Milestone::Acknowledged, now, actor));
            Ok(events)
        })
    }

    /// `todo done <todo> [--note] [--force]`.
    pub fn finish_todo(
        &self,
        todo: &str,
        note: Option<&str>,
        force: bool,
    ) -> Result<TodoView, AppError> {
        let note = note.map(clean).filter(|n| !n.is_empty());
        self.change_todo_with(todo, |todo, siblings, incident, now, actor| {
            refuse_if_done(todo, "finish")?;
            let open_deps: Vec<String> = todo
                .depends_on
                .iter()
                .filter(|d| siblings.iter().any(|s| s.id == **d && s.status.is_open()))
                .map(|d| todo_ref(*d))
                .collect();
            if !open_deps.is_empty() && !force {
                return Err(AppError::bad_input(format!(
                    "{} waits for {} still open",
                    todo_ref(todo.id),
                    open_deps.join(", ")
                ))
                .hint("finish those first, or pass --force"));
            }
            let mut events = vec![status_event(todo, TodoStatus::Done, note.clone())];
            todo.status = TodoStatus::Done;
            todo.done_at = Some(now);
            todo.blocked_reason = None;
            todo.notes.extend(note);
            events.extend(incident.mark(Milestone::Acknowledged, now, actor));
            Ok(events)
        })
    }

    /// `todo block <todo> "<what it needs>"`.
    pub fn block_todo(&self, todo: &str, reason: &str) -> Result<TodoView, AppError> {
        let reason = clean(reason);
        if reason.is_empty() {
            return Err(AppError::bad_input("say what the todo is blocked on"));
        }
        self.change_todo(todo, |todo, _, _, _| {
            refuse_if_done(todo, "block")?;
            let events = vec![status_event(
                todo,
                TodoStatus::Blocked,
                Some(reason.clone()),
            )];
            todo.status = TodoStatus::Blocked;
            todo.blocked_reason = Some(reason);
            Ok(events)
        })
    }

    /// `todo update <todo> [--status] [--priority] [--owner] [--due] [--title] [--note]`.
    pub fn update_todo(&self, todo: &str, change: &TodoChange<'_>) -> Result<TodoView, AppError> {
        let status: Option<TodoStatus> = change.status.map(str::parse).transpose()?;
        let priority: Option<Priority> = change.priority.map(str::parse).transpose()?;
        let due: Option<Span> = change.due.map(str::parse).transpose()?;
        let title = change.title.map(clean).filter(|t| !t.is_empty());
        let note = change.note.map(clean).filter(|n| !n.is_empty());
        let id = self.todo_id(todo)?;
        let team_id = {
            let found = self.store().todo(id)?;
            let todo =
                found.ok_or_else(|| AppError::bad_input(format!("no todo {}", todo_ref(id))))?;
            self.load_incident(todo.incident)?.1
        };
        let owner = change
            .owner
            .map(|o| self.resolve_owner(team_id, o))
            .transpose()?;
        if status.is_none()
            && priority.is_none()
            && due.is_none()
            && title.is_none()
            && note.is_none()
            && owner.is_none()
        {
            return Err(AppError::bad_input("nothing to change")
                .hint("pass --status, --priority, --owner, --due, --title or --note"));
        }
        self.change_todo(todo, |todo, _, now, _| {
            let mut changes = Vec::new();
            let mut events = Vec::new();
            if let Some(p) = priority {
                changes.push(format!("priority {} -> {p}", todo.priority));
                todo.priority = p;
            }
            if let Some(o) = owner {
                changes.push(format!("owner -> {o}"));
                todo.owner = Some(o);
            }
            if let Some(d) = due {
                changes.push(format!("due in {d}"));
                todo.due_at = Some(now + d.millis());
                // A new due time starts the ladder again.
                todo.escalation_level = 0;
            }
            if let Some(t) = title {
                changes.push(format!("title -> {t}"));
                todo.title = t;
            }
            if let Some(n) = &note {
                changes.push(format!("note: {n}"));
                todo.notes.push(n.clone());
            }
            if !changes.is_empty() {
                events.push(IncidentEvent::TodoEdited {
                    todo: todo.id,
                    changes,
                });
            }
            if let Some(s) = status.filter(|s| *s != todo.status) {
                events.push(status_event(todo, s, None));
                todo.status = s;
                todo.done_at = (s == TodoStatus::Done).then_some(now);
            }
            Ok(events)
        })
    }

    fn todo_id(&self, input: &str) -> Result<TodoId, AppError> {
        parse_todo_ref(input).ok_or_else(|| {
            AppError::bad_input(format!(
                "{input:?} is not a todo id (todo ids look like T-7)"
            ))
        })
    }

    fn change_todo(
        &self,
        input: &str,
        change: impl FnOnce(
            &mut Todo,
            &mut warroom_model::Incident,
            i64,
            &str,
        ) -> Result<Vec<IncidentEvent>, AppError>,
    ) -> Result<TodoView, AppError> {
        self.change_todo_with(input, |todo, _, incident, now, actor| {
            change(todo, incident, now, actor)
        })
    }

    /// Loads a todo and its incident in one transaction, changes them, and
    /// stores both with the events.
    fn change_todo_with(
        &self,
        input: &str,
        change: impl FnOnce(
            &mut Todo,
            &[Todo],
            &mut warroom_model::Incident,
            i64,
            &str,
        ) -> Result<Vec<IncidentEvent>, AppError>,
    ) -> Result<TodoView, AppError> {
        let id = self.todo_id(input)?;
        let found = self.store().todo(id)?;
        let found =
            found.ok_or_else(|| AppError::bad_input(format!("no todo {}", todo_ref(id))))?;
        self.evaluate(found.incident)?;
        let actor = self.actor()?.label();
        let (_, owning_team) = self.load_incident(found.incident)?;
        self.agent_may_work_on(owning_team, &todo_ref(id))?;
        let (todo, team_id) = self.write(&actor, |tx| {
            let mut todo = tx
                .todo(id)?
                .ok_or_else(|| StoreError::Corrupt(format!("{} vanished", todo_ref(id))))?;
            let (mut incident, team_id) = tx
                .incident(todo.incident)?
                .ok_or_else(|| StoreError::Corrupt("incident vanished".into()))?;
            if incident.is_closed() {
                return Err(AppError::bad_input(format!(
                    "{} is closed",
                    incident.reference()
                )));
            }
            let siblings = tx.todos(incident.id)?;
            let events = change(&mut todo, &siblings, &mut incident, tx.at(), &actor)?;
            tx.save_todo(&todo)?;
            tx.save_incident(&incident, team_id, &events)?;
            Ok((todo, team_id))
        })?;
        self.flush_notifications(found.incident)?;
        self.todo_view(&todo, team_id)
    }

    /// `me`, an agent target of the incident's team, a role, or a person.
    fn resolve_owner(&self, team_id: Option<TeamId>, input: &str) -> Result<Owner, AppError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(AppError::bad_input("the owner is empty"));
        }
        if input == "me" {
            return Ok(match self.actor()? {
                Sender::Agent { id, label } => Owner::Agent { id, label },
                other => Owner::Person {
                    name: other.label(),
                },
            });
        }
        // `person:Devon` is a person whatever the name looks like.
        if let Some(name) = input.strip_prefix("person:").map(str::trim) {
            if name.is_empty() {
                return Err(AppError::bad_input("person: names nobody"));
            }
            return Ok(Owner::Person {
                name: name.to_owned(),
            });
        }
        let team = self.team_of(team_id)?;
        let agents: Vec<AgentRecord> = match &team {
            Some(t) => self.store().agents(t.id)?,
            None => Vec::new(),
        };
        if let Some(team) = &team
            && (input.contains(':') || input.parse::<AgentId>().is_ok())
        {
            let (t, agent) = self.resolve(input)?;
            if t.id != team.id {
                return Err(AppError::bad_input(format!(
                    "{input} is not an agent of team {}",
                    team.name
                )));
            }
            return Ok(Owner::Agent {
                id: agent.id,
                label: agent_label(&team.name, &agent),
            });
        }
        if let Ok(role) = self.config.catalogue.role_key(input) {
            let role = role.to_owned();
            let bound = owner_agent(&agents, &Owner::Role { role: role.clone() });
            return Ok(match (bound, &team) {
                (Some(agent), Some(team)) => Owner::Agent {
                    id: agent.id,
                    label: agent_label(&team.name, agent),
                },
                _ => Owner::Role { role },
            });
        }
        if let Some(role) = self.config.catalogue.near_role(input) {
            return Err(AppError::bad_input(format!(
                "{input:?} is not a role or an agent; did you mean {role}?"
            ))
            .hint(format!("a person called {input}: --owner person:{input}")));
        }
        Ok(Owner::Person {
            name: input.to_owned(),
        })
    }
}

fn status_event(todo: &Todo, to: TodoStatus, note: Option<String>) -> IncidentEvent {
    IncidentEvent::TodoStatusChanged {
        todo: todo.id,
        from: todo.status,
        to,
        note,
    }
}
