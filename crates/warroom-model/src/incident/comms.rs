//! Stakeholder updates in the CAN form (conditions, actions, needs), filled
//! from the incident's state where the author does not say otherwise.

use serde::{Deserialize, Serialize};

use crate::Millis;
use crate::incident::Incident;
use crate::incident::lifecycle::named_enum;
use crate::incident::todo::{Todo, TodoStatus, todo_ref};

named_enum!(
    /// The public status words (Atlassian Statuspage).
    UpdateStatus, "update status", {
        Investigating => "investigating",
        Identified => "identified",
        Monitoring => "monitoring",
        Resolved => "resolved",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeholderUpdate {
    pub incident: String,
    pub title: String,
    pub severity: String,
    pub status: UpdateStatus,
    pub summary: String,
    /// Where things stand.
    pub conditions: String,
    /// What is being done, and by whom.
    pub actions: Vec<String>,
    /// What the response is blocked on.
    pub needs: Vec<String>,
    pub author: String,
    pub at: Millis,
    pub next_update_due: Option<Millis>,
}

/// What the author gave; anything left out is filled from the state.
#[derive(Debug, Clone, Default)]
pub struct UpdateDraft {
    pub status: Option<UpdateStatus>,
    pub summary: String,
    pub conditions: Option<String>,
    pub actions: Vec<String>,
    pub needs: Vec<String>,
}

/// Builds the update; `incident` is as it will be after the update is
/// recorded, so `next_update_due` counts from this one.
pub fn compose(
    incident: &Incident,
    todos: &[Todo],
    draft: UpdateDraft,
    author: &str,
    at: Millis,
) -> StakeholderUpdate {
    let status = draft
        .status
        .unwrap_or(match incident.phase.public_status() {
            "identified" => UpdateStatus::Identified,
            "monitoring" => UpdateStatus::Monitoring,
            "resolved" => UpdateStatus::Resolved,
            _ => UpdateStatus::Investigating,
        });
    let actions = if draft.actions.is_empty() {
        todos
            .iter()
            .filter(|t| t.status == TodoStatus::InProgress)
            .map(|t| match &t.owner {
                Some(o) => format!("{} {} ({o})", todo_ref(t.id), t.title),
                None => format!("{} {}", todo_ref(t.id), t.title),
            })
            .collect()
    } else {
        draft.actions
    };
    let needs = if draft.needs.is_empty() {
        todos
            .iter()
            .filter(|t| t.status == TodoStatus::Blocked)
            .map(|t| {
                format!(
                    "{} {}: {}",
                    todo_ref(t.id),
                    t.title,
                    t.blocked_reason.as_deref().unwrap_or("blocked")
                )
            })
            .collect()
    } else {
        draft.needs
    };
    let conditions = draft.conditions.unwrap_or_else(|| {
        format!(
            "{} {}, phase {}; impact: {}.",
            incident.severity,
            incident.title,
            incident.phase,
            incident.impact.describe()
        )
    });
    StakeholderUpdate {
        incident: incident.reference(),
        title: incident.title.clone(),
        severity: incident.severity.to_string(),
        status,
        summary: draft.summary,
        conditions,
        actions,
        needs,
        author: author.to_owned(),
        at,
        next_update_due: incident.next_update_due(),
    }
}

impl StakeholderUpdate {
    /// Plain text for chat channels and files.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "[{}] {} {} — {}\n{}\nConditions: {}\n",
            self.severity,
            self.incident,
            self.status.as_str().to_uppercase(),
            self.title,
            self.summary,
            self.conditions
        );
        let list = |items: &[String]| {
            if items.is_empty() {
                " none".to_owned()
            } else {
                items.iter().map(|i| format!("\n  - {i}")).collect()
            }
        };
        out.push_str(&format!("Actions:{}\n", list(&self.actions)));
        out.push_str(&format!("Needs:{}\n", list(&self.needs)));
        if let Some(next) = self.next_update_due {
            let t = chrono::DateTime::from_timestamp_millis(next)
                .map(|t| t.format("%H:%M UTC").to_string())
                .unwrap_or_default();
            out.push_str(&format!("Next update by {t}.\n"));
        }
        out
    }
}

/// Where a notification to a channel stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotificationStatus {
    Pending,
    /// Taken by a process for delivery.
    Sending,
    Sent,
    Failed,
}

impl NotificationStatus {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Sending, Self::Sent, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for NotificationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
