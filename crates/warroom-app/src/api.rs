//! What the daemon's HTTP API serves beyond the CLI's own views, and who
//! may ask: tokens (created, listed, revoked; the store keeps only their
//! SHA-256), pages of the event log for the live stream, and the
//! stakeholders' status page, which carries only what was sent to them.

use std::cell::RefCell;

use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use warroom_model::{Millis, Phase};
use warroom_store::TokenRecord;

use crate::{App, AppError};

/// What a token may do: read, or read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            other => Err(AppError::bad_input(format!(
                "a token's scope is read or write, not {other:?}"
            ))),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub created_at: Millis,
    pub created_by: String,
    pub revoked_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
}

/// A new token: `secret` is shown this once and kept nowhere.
#[derive(Debug, Clone, Serialize)]
pub struct NewToken {
    pub token: TokenView,
    pub secret: String,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("this needs a token: send it as Authorization: Bearer <token> (warroom token create)")]
    Missing,
    #[error("the token is not known here")]
    Unknown,
    #[error("the token was revoked")]
    Revoked,
    #[error("the token may only read; this needs a write token")]
    ReadOnly,
}

/// One event of the log, as the stream sends it.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: i64,
    pub at: Millis,
    pub team_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub actor: String,
    /// `message-sent`, `todo-added`, `rollout-stage`…
    pub kind: String,
    /// In words, as the timeline tells it.
    pub text: String,
    pub data: serde_json::Value,
}

/// One stakeholder update, as sent.
#[derive(Debug, Clone, Serialize)]
pub struct PublicUpdate {
    pub at: Millis,
    pub status: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicIncident {
    pub id: String,
    pub title: String,
    pub severity: String,
    /// In Statuspage's words: investigating, identified, monitoring, resolved.
    pub status: String,
    pub components: Vec<String>,
    pub updates: Vec<PublicUpdate>,
    pub next_update_due: Option<Millis>,
    pub resolved_at: Option<Millis>,
}

/// The status page: open incidents, and those resolved in the last days.
#[derive(Debug, Clone, Serialize)]
pub struct StatusPageView {
    pub open: Vec<PublicIncident>,
    pub resolved: Vec<PublicIncident>,
    pub generated_at: Millis,
}

thread_local! {
    static ACTING_FOR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The name an API request acts under on this thread, if one does.
pub(crate) fn acting_for_now() -> Option<String> {
    ACTING_FOR.with(|a| a.borrow().clone())
}

fn hash(secret: &str) -> String {
    digest(&SHA256, secret.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn token_view(t: TokenRecord) -> Result<TokenView, AppError> {
    Ok(TokenView {
        id: t.id,
        name: t.name,
        scope: t.scope.parse()?,
        created_at: t.created_at,
        created_by: t.created_by,
        revoked_at: t.revoked_at,
        last_used_at: t.last_used_at,
    })
}

/// How many days of resolved incidents the status page keeps.
const RESOLVED_DAYS: i64 = 7;

impl App {
    /// `token create --scope read|write [--name N]`.
    pub fn create_token(&self, name: &str, scope: Scope) -> Result<NewToken, AppError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(AppError::bad_input("a token's name is 1 to 64 characters"));
        }
        let mut bytes = [0u8; 24];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| AppError::failed("no randomness for a token"))?;
        let secret = format!(
            "wr_{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let actor = self.actor()?.label();
        let record = self.write(&actor, |tx| {
            Ok(tx.create_token(name, scope.as_str(), &hash(&secret))?)
        })?;
        Ok(NewToken {
            token: token_view(record)?,
            secret,
        })
    }

    pub fn list_tokens(&self) -> Result<Vec<TokenView>, AppError> {
        self.store().tokens()?.into_iter().map(token_view).collect()
    }

    /// `token revoke <id>`.
    pub fn revoke_token(&self, id: i64) -> Result<TokenView, AppError> {
        let actor = self.actor()?.label();
        let revoked = self.write(&actor, |tx| Ok(tx.revoke_token(id)?))?;
        let found = self.store().tokens()?.into_iter().find(|t| t.id == id);
        match (revoked, found) {
            (true, Some(t)) => token_view(t),
            (false, Some(_)) => Err(AppError::bad_input(format!(
                "token {id} was revoked already"
            ))),
            (_, None) => {
                Err(AppError::bad_input(format!("there is no token {id}"))
                    .hint("warroom token list"))
            }
        }
    }

    /// Whether `bearer` may do what `need` asks; `anonymous_reads` lets a
    /// request without a token read (a loopback-only, read-only API).
    pub fn authorize(
        &self,
        bearer: Option<&str>,
        need: Scope,
        anonymous_reads: bool,
    ) -> Result<Option<TokenView>, AuthError> {
        let Some(secret) = bearer.map(str::trim).filter(|s| !s.is_empty()) else {
            return if anonymous_reads && need == Scope::Read {
                Ok(None)
            } else {
                Err(AuthError::Missing)
            };
        };
        let record = self
            .store()
            .token_by_hash(&hash(secret))
            .map_err(|_| AuthError::Unknown)?
            .ok_or(AuthError::Unknown)?;
        if record.revoked_at.is_some() {
            return Err(AuthError::Revoked);
        }
        if need == Scope::Write && record.scope != "write" {
            return Err(AuthError::ReadOnly);
        }
        // When it was last used, to the minute: not a write per request.
        let id = record.id;
        if record
            .last_used_at
            .is_none_or(|at| self.now() - at >= 60_000)
        {
            let _ = self.write("api", |tx| Ok(tx.token_used(id)?));
        }
        token_view(record).map(Some).map_err(|_| AuthError::Unknown)
    }

    /// Runs `f` as `who` (an API token's name): what it writes is theirs.
    pub fn acting_for<T>(&self, who: &str, f: impl FnOnce(&App) -> T) -> T {
        ACTING_FOR.with(|a| *a.borrow_mut() = Some(format!("api:{who}")));
        let value = f(self);
        ACTING_FOR.with(|a| *a.borrow_mut() = None);
        value
    }

    /// Events after `after`, oldest first, at most `limit`.
    pub fn events_after(&self, after: i64, limit: usize) -> Result<Vec<EventView>, AppError> {
        Ok(self
            .store()
            .events_after(after, limit)?
            .into_iter()
            .map(|e| EventView {
                id: e.id,
                at: e.at,
                team_id: e.team_id.map(|t| t.0),
                incident_id: e.incident_id.map(|i| i.0),
                actor: e.actor,
                kind: e.kind.name().to_owned(),
                text: e.kind.describe(),
                data: serde_json::to_value(&e.kind).unwrap_or_default(),
            })
            .collect())
    }

    /// The newest event's id (where a stream without a past starts).
    pub fn last_event_id(&self) -> Result<i64, AppError> {
        Ok(self.store().last_event_id()?)
    }

    /// Whether an event may reach the status page's stream: only those that
    /// change what stakeholders see, and only their id and kind go out.
    pub fn is_public_event(kind: &str) -> bool {
        matches!(
            kind,
            "incident-declared" | "update-posted" | "phase-changed" | "severity-changed"
        )
    }

    /// The stakeholders' status page: only what was sent to them.
    pub fn status_page(&self) -> Result<StatusPageView, AppError> {
        let now = self.now();
        let mut open = Vec::new();
        let mut resolved = Vec::new();
        for (incident, _) in self.store().incidents(true)? {
            let updates: Vec<PublicUpdate> = self
                .store()
                .updates(incident.id)?
                .into_iter()
                .map(|u| PublicUpdate {
                    at: u.created_at,
                    status: u.update.status.to_string(),
                    text: public_text(&u.update),
                })
                .collect();
            let resolved_at = incident.milestone_at(warroom_model::Milestone::Resolved);
            let done = incident.phase >= Phase::Resolved;
            let status = if done {
                "resolved".to_owned()
            } else {
                updates
                    .last()
                    .map_or_else(|| "investigating".to_owned(), |u| u.status.clone())
            };
            let public = PublicIncident {
                id: incident.reference(),
                title: incident.title.clone(),
                severity: incident.severity.to_string(),
                status,
                components: incident.domain.iter().cloned().collect(),
                updates,
                next_update_due: (!done).then(|| incident.next_update_due()).flatten(),
                resolved_at,
            };
            if !done {
                open.push(public);
            } else if resolved_at.unwrap_or(now) >= now - RESOLVED_DAYS * 86_400_000 {
                resolved.push(public);
            }
        }
        Ok(StatusPageView {
            open,
            resolved,
            generated_at: now,
        })
    }
}

/// An update's words for the public: its summary and where things stand.
/// What is being done and what is needed name todos and agents: those stay
/// with the stakeholders' channels, off the public page.
fn public_text(update: &warroom_model::incident::comms::StakeholderUpdate) -> String {
    let mut parts = vec![update.summary.clone()];
    if !update.conditions.is_empty() {
        parts.push(update.conditions.clone());
    }
    parts.join(" ")
}

/// Whom an agent's tools act for: its id, team and the team's incident.
#[derive(Debug, Clone, Serialize)]
pub struct Caller {
    pub agent: String,
    pub role: String,
    pub team: String,
    pub incident: Option<String>,
}

impl App {
    /// The agent this process acts for (`WARROOM_AGENT_ID`), its team and
    /// incident: what an agent's MCP tools default to.
    pub fn caller(&self) -> Result<Caller, AppError> {
        let agent = self.acting_agent()?.ok_or_else(|| {
            AppError::bad_input("warroom mcp serves an agent: WARROOM_AGENT_ID is not set")
                .hint("agent CLIs started by warroom get it in their environment")
        })?;
        let team = self
            .store()
            .team(agent.team_id)?
            .ok_or_else(|| AppError::failed(format!("{} has no team", agent.id)))?;
        let incident = match self.store().incident_of_team(team.id)? {
            Some(id) => Some(self.load_incident(id)?.0.reference()),
            None => None,
        };
        Ok(Caller {
            agent: agent.id.to_string(),
            role: agent.role,
            team: team.name,
            incident,
        })
    }
}

impl App {
    /// An agent's question to the incident commander: on the incident's
    /// timeline, and sent to the `incident-commander` channel when one is
    /// configured. The question is redacted like every message.
    pub fn ask_commander(&self, question: &str) -> Result<QuestionView, AppError> {
        let question = warroom_model::redact::redact(question.trim()).text;
        if question.is_empty() {
            return Err(AppError::bad_input("the question is empty"));
        }
        let caller = self.caller()?;
        let incident = caller.incident.clone().ok_or_else(|| {
            AppError::bad_input("this agent's team works on no incident to ask about")
        })?;
        let text = format!("{} asks: {question}", caller.agent);
        let (found, _) = self.change_incident(&incident, |inc, _, _, _| {
            Ok((
                vec![warroom_model::IncidentEvent::QuestionAsked {
                    question: question.clone(),
                }],
                inc.id,
            ))
        })?;
        let queued = self.write("warroom", |tx| {
            Ok(self
                .queue_to_channel(tx, &found, "incident-commander", "question", &text)?
                .is_some())
        })?;
        self.flush_notifications(found.id)?;
        Ok(QuestionView {
            incident,
            question,
            sent_to_channel: queued,
        })
    }
}

/// A question asked, and whether a channel carried it.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub incident: String,
    pub question: String,
    /// False when no `incident-commander` channel is configured: the
    /// question is on the timeline only.
    pub sent_to_channel: bool,
}
