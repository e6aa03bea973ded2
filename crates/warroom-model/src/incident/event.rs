//! The incident's events: declarations, phases, milestones, todos,
//! stakeholder updates and notifications.

use crate::ids::TodoId;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Millis;
use crate::incident::clocks::ClockStatus;
use crate::incident::comms::UpdateStatus;
use crate::incident::lifecycle::{Milestone, Phase};
use crate::incident::severity::Severity;
use crate::incident::todo::{Priority, TodoStatus, todo_ref};
use crate::rollout::{Found, Judged};
use crate::span::human;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum IncidentEvent {
    IncidentDeclared {
        incident: String,
        title: String,
        severity: Severity,
        reasons: Vec<String>,
        overridden_from: Option<Severity>,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
        reason: String,
    },
    TeamAssigned {
        team: String,
    },
    /// `incident edit`: what changed, in words ("title: a -> b").
    IncidentEdited {
        changes: Vec<String>,
    },
    /// The hotfix's pull request was opened or updated.
    PullRequestOpened {
        number: u64,
        url: String,
        branch: String,
        commit: String,
        created: bool,
        emergency: bool,
        /// Opened without a passing check, and why.
        forced: Option<String>,
    },
    /// A quality check ran on a commit of the hotfix branch.
    ChecksRun {
        tier: String,
        branch: String,
        commit: String,
        verdict: String,
        passed: usize,
        failed: usize,
        duration_ms: i64,
        /// Where the machine-readable results are.
        results: Vec<String>,
    },
    PhaseChanged {
        from: Phase,
        to: Phase,
        /// The reason given to pass open gate todos.
        forced: Option<String>,
        open_gates: Vec<TodoId>,
    },
    MilestoneSet {
        milestone: Milestone,
        at: Millis,
        summary: Option<String>,
        corrected_from: Option<Millis>,
    },
    LogAttached {
        name: String,
        bytes: usize,
        /// How many secrets of each kind were removed before storing.
        redacted: BTreeMap<String, usize>,
    },
    TodoAdded {
        todo: TodoId,
        title: String,
        owner: Option<String>,
        priority: Priority,
        due_at: Option<Millis>,
        gate: Option<Phase>,
    },
    TodoClaimed {
        todo: TodoId,
        owner: String,
    },
    TodoStatusChanged {
        todo: TodoId,
        from: TodoStatus,
        to: TodoStatus,
        note: Option<String>,
    },
    TodoEdited {
        todo: TodoId,
        changes: Vec<String>,
    },
    TodoEscalated {
        todo: TodoId,
        level: u32,
        notify: String,
        overdue_ms: Millis,
    },
    UpdatePosted {
        update: i64,
        status: UpdateStatus,
        channels: Vec<String>,
    },
    UpdateDue {
        due_at: Millis,
    },
    /// A response clock crossed into amber or red (each once).
    ClockAlert {
        clock: String,
        label: String,
        status: ClockStatus,
        elapsed_ms: Millis,
        target_ms: Millis,
    },
    NotificationSent {
        notification: i64,
        channel: String,
        attempts: u32,
    },
    NotificationFailed {
        notification: i64,
        channel: String,
        attempts: u32,
        error: String,
    },
    PostmortemWritten {
        path: String,
        action_items: usize,
    },
    /// An agent asked the incident commander (a person) a question.
    QuestionAsked {
        question: String,
    },
    /// `deploy --canary`: a rollout of the fix began.
    RolloutStarted {
        rollout: i64,
        version: String,
        stable_version: String,
        commit: String,
        /// Each step's weight, in order.
        weights: Vec<u8>,
    },
    /// The runbook's set-weight or rollback command ran.
    RolloutCommand {
        rollout: i64,
        /// `set-weight` or `rollback`.
        action: String,
        step: usize,
        weight: u8,
        argv: Vec<String>,
        exit_code: Option<i32>,
        duration_ms: Millis,
        error: Option<String>,
        output: String,
    },
    /// A check measured during a rollout, and how its policy judged it.
    RolloutMeasured {
        rollout: i64,
        step: usize,
        check: String,
        found: Found,
        judged: Judged,
        value: Option<String>,
        /// The request, query or command as it ran.
        query: String,
        message: String,
        /// The limits applied: `failure_limit=0 consecutive_error_limit=4 on_no_data=inconclusive`.
        policy: String,
    },
    /// A rollout changed stage: paused, promoted, aborted, rolling back,
    /// ended.
    RolloutStage {
        rollout: i64,
        from: String,
        to: String,
        step: usize,
        weight: u8,
        reason: Option<String>,
    },
}

fn time(at: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_else(|| at.to_string())
}

impl IncidentEvent {
    pub fn name(&self) -> &'static str {
        match self {
            Self::IncidentDeclared { .. } => "incident-declared",
            Self::SeverityChanged { .. } => "severity-changed",
            Self::TeamAssigned { .. } => "team-assigned",
            Self::IncidentEdited { .. } => "incident-edited",
            Self::ChecksRun { .. } => "checks-run",
            Self::PullRequestOpened { .. } => "pull-request-opened",
            Self::PhaseChanged { .. } => "phase-changed",
            Self::MilestoneSet { .. } => "milestone-set",
            Self::LogAttached { .. } => "log-attached",
            Self::TodoAdded { .. } => "todo-added",
            Self::TodoClaimed { .. } => "todo-claimed",
            Self::TodoStatusChanged { .. } => "todo-status-changed",
            Self::TodoEdited { .. } => "todo-edited",
            Self::TodoEscalated { .. } => "todo-escalated",
            Self::UpdatePosted { .. } => "update-posted",
            Self::UpdateDue { .. } => "update-due",
            Self::ClockAlert { .. } => "clock-alert",
            Self::NotificationSent { .. } => "notification-sent",
            Self::NotificationFailed { .. } => "notification-failed",
            Self::PostmortemWritten { .. } => "postmortem-written",
            Self::QuestionAsked { .. } => "question-asked",
            Self::RolloutStarted { .. } => "rollout-started",
            Self::RolloutCommand { .. } => "rollout-command",
            Self::RolloutMeasured { .. } => "rollout-measured",
            Self::RolloutStage { .. } => "rollout-stage",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::IncidentDeclared {
                incident,
                title,
                severity,
                overridden_from,
                ..
            } => {
                let over = overridden_from
                    .map(|s| format!(" (set by hand; the rules gave {s})"))
                    .unwrap_or_default();
                format!("{incident} declared: {title}, {severity}{over}")
            }
            Self::SeverityChanged { from, to, reason } => {
                format!("severity {from} -> {to}: {reason}")
            }
            Self::TeamAssigned { team } => format!("team {team} assigned"),
            Self::IncidentEdited { changes } => format!("edited: {}", changes.join("; ")),
            Self::PullRequestOpened {
                number,
                url,
                created,
                emergency,
                forced,
                ..
            } => format!(
                "pull request #{number} {}{}: {url}{}",
                if *created { "opened" } else { "updated" },
                if *emergency {
                    " for an expedited review"
                } else {
                    ""
                },
                forced
                    .as_deref()
                    .map(|r| format!(" (without a passing check: {r})"))
                    .unwrap_or_default()
            ),
            Self::ChecksRun {
                tier,
                branch,
                commit,
                verdict,
                passed,
                failed,
                ..
            } => format!(
                "{tier} checks on {branch} at {}: {verdict} ({passed} passed, {failed} failed)",
                commit.get(..12).unwrap_or(commit)
            ),
            Self::PhaseChanged {
                from,
                to,
                forced,
                open_gates,
            } => match forced {
                Some(reason) => format!(
                    "phase {from} -> {to}, FORCED past open gate todos {} ({reason})",
                    open_gates
                        .iter()
                        .map(|t| todo_ref(*t))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => format!("phase {from} -> {to}"),
            },
            Self::MilestoneSet {
                milestone,
                at,
                summary,
                corrected_from,
            } => {
                let mut s = format!("milestone {milestone} at {}", time(*at));
                if let Some(prev) = corrected_from {
                    s.push_str(&format!(" (corrected from {})", time(*prev)));
                }
                if let Some(summary) = summary {
                    s.push_str(&format!(": {summary}"));
                }
                s
            }
            Self::LogAttached {
                name,
                bytes,
                redacted,
            } => {
                let n: usize = redacted.values().sum();
                format!("log {name} attached ({bytes} bytes, {n} secrets redacted)")
            }
            Self::TodoAdded {
                todo,
                title,
                owner,
                priority,
                ..
            } => match owner {
                Some(o) => format!("{} added ({priority}, {o}): {title}", todo_ref(*todo)),
                None => format!("{} added ({priority}): {title}", todo_ref(*todo)),
            },
            Self::TodoClaimed { todo, owner } => {
                format!("{} claimed by {owner}", todo_ref(*todo))
            }
            Self::TodoStatusChanged { todo, to, note, .. } => match note {
                Some(n) => format!("{} {to}: {n}", todo_ref(*todo)),
                None => format!("{} {to}", todo_ref(*todo)),
            },
            Self::TodoEdited { todo, changes } => {
                format!("{} changed: {}", todo_ref(*todo), changes.join(", "))
            }
            Self::TodoEscalated {
                todo,
                level,
                notify,
                overdue_ms,
            } => format!(
                "{} overdue by {}: escalated to {notify} (step {level})",
                todo_ref(*todo),
                human(*overdue_ms)
            ),
            Self::UpdatePosted {
                update,
                status,
                channels,
            } => {
                if channels.is_empty() {
                    format!("stakeholder update #{update} ({status}), no channel configured")
                } else {
                    format!(
                        "stakeholder update #{update} ({status}) to {}",
                        channels.join(", ")
                    )
                }
            }
            Self::UpdateDue { due_at } => {
                format!("stakeholder update due since {}", time(*due_at))
            }
            Self::ClockAlert {
                label,
                status,
                elapsed_ms,
                target_ms,
                ..
            } => format!(
                "{label} is {}: {} of its {} target",
                status.as_str(),
                human(*elapsed_ms),
                human(*target_ms)
            ),
            Self::NotificationSent {
                notification,
                channel,
                attempts,
            } => format!("notification #{notification} sent to {channel} (attempt {attempts})"),
            Self::NotificationFailed {
                notification,
                channel,
                attempts,
                error,
            } => format!(
                "notification #{notification} to {channel} FAILED after {attempts} attempts: {error}"
            ),
            Self::PostmortemWritten { path, action_items } => {
                format!("postmortem written to {path} ({action_items} action items)")
            }
            Self::QuestionAsked { question } => {
                format!("asked the incident commander: {question}")
            }
            Self::RolloutStarted {
                rollout,
                version,
                stable_version,
                weights,
                ..
            } => {
                let steps: Vec<String> = weights.iter().map(|w| format!("{w}%")).collect();
                format!(
                    "rollout {rollout} of {version} began (stable {stable_version}; steps {})",
                    steps.join(" -> ")
                )
            }
            Self::RolloutCommand {
                rollout,
                action,
                weight,
                argv,
                duration_ms,
                error,
                ..
            } => {
                let what = if action == "rollback" {
                    "rollback".to_owned()
                } else {
                    format!("weight {weight}%")
                };
                match error {
                    None => format!(
                        "rollout {rollout}: {what} set in {} ms ({})",
                        duration_ms,
                        argv.join(" ")
                    ),
                    Some(e) => {
                        format!("rollout {rollout}: {what} FAILED: {e} ({})", argv.join(" "))
                    }
                }
            }
            Self::RolloutMeasured {
                rollout,
                step,
                check,
                judged,
                message,
                ..
            } => format!(
                "rollout {rollout} step {}: check {check} {}: {message}",
                step + 1,
                judged.as_str()
            ),
            Self::RolloutStage {
                rollout,
                from,
                to,
                weight,
                reason,
                ..
            } => {
                let why = reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                format!("rollout {rollout} {from} -> {to} at {weight}%{why}")
            }
        }
    }
}
