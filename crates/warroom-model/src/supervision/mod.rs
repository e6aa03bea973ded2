//! What the supervisor does about an agent, decided from what it saw. The
//! decision is a pure function of the policy, the agent's watch record (what
//! was already done, persisted with the action so a restarted daemon never
//! repeats it) and one observation. Liveness comes from tmux only: an agent
//! is restarted when its process is gone, never because of text on its
//! screen.

mod reset;

use serde::{Deserialize, Serialize};

use crate::Millis;
use crate::agent::{AgentState, StateSource};
use crate::span::Span;

pub use reset::parse_reset;

/// The thresholds of one supervision policy (`[supervision.normal]`,
/// `[supervision.emergency]` in the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionPolicy {
    /// How often the supervisor looks when nothing pushes a change.
    pub tick: Span,
    /// The wait before the 1st, 2nd, … restart within the window (the last
    /// entry repeats).
    pub restart_backoff: Vec<Span>,
    /// Restarts allowed within `restart_window`; one more exit and the agent
    /// is marked failed and a person is called.
    pub max_restarts: u32,
    pub restart_window: Span,
    /// How long a rate-limited agent is parked when its screen shows no
    /// reset time, and the most it is ever parked.
    pub rate_limit_park: Span,
    pub rate_limit_max_park: Span,
    /// A permission question that stays this long is reported.
    pub waiting_notify_after: Span,
    /// Idle this long while owning open todos: the agent is nudged.
    pub idle_nudge_after: Span,
    /// Nudges per stall (todos unchanged) before only the PM hears of it.
    pub max_nudges: u32,
    /// A stall this long after its first nudge: the project manager is told.
    pub idle_pm_after: Span,
    /// Busy with no new output for this long: reported, never killed.
    pub stuck_after: Span,
}

/// The agent's condition as the supervisor needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    Starting,
    Idle,
    Busy,
    Waiting,
    Gated,
    RateLimited,
    /// The turn ended on an error; the agent takes input.
    Error,
    /// tmux says the process is gone (dead pane, or no pane).
    Gone,
    /// Something else runs in the pane, or only the screen claims an exit:
    /// reported, never acted on.
    Unclear,
}

impl Condition {
    /// What the supervisor may act on, from the fused state and its
    /// source: an agent is gone only when tmux says so, never because its
    /// screen shows an exit.
    pub fn of(state: AgentState, source: StateSource) -> Self {
        match state {
            AgentState::Exited | AgentState::Lost if source == StateSource::Tmux => Condition::Gone,
            AgentState::Exited | AgentState::Lost | AgentState::Foreign => Condition::Unclear,
            AgentState::Starting => Condition::Starting,
            AgentState::Idle => Condition::Idle,
            AgentState::Busy => Condition::Busy,
            AgentState::Waiting => Condition::Waiting,
            AgentState::Gated => Condition::Gated,
            AgentState::RateLimited => Condition::RateLimited,
            AgentState::Error => Condition::Error,
        }
    }
}

/// One look at an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub condition: Condition,
    /// When the agent entered this condition.
    pub since: Millis,
    /// The last time its pane produced output (at least `since`).
    pub last_output_at: Millis,
    /// The reset time its rate-limit message shows, if one could be read.
    pub reset_at: Option<Millis>,
    pub open_todos: usize,
    /// Changes whenever any of its open todos changes (done, claimed,
    /// status), so a stall is "the same todos, untouched".
    pub todos_signature: String,
    /// How many times the agent was restarted, by anyone (its record's
    /// counter): tells whether a decided restart was carried out.
    pub restarts: u32,
    /// Restarted after its last briefing: the restart's briefing never went
    /// out (its supervisor died in between).
    pub context_owed: bool,
}

/// A restart decided and recorded, not yet seen carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRestart {
    pub attempt: u32,
    /// The agent's restart counter when it was decided.
    pub from_count: u32,
    /// Decided again once already (a supervisor died before carrying it
    /// out); a second miss counts as a failed attempt.
    #[serde(default)]
    pub reissued: bool,
}

/// What was already done for one agent. Persisted with each action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// When the supervisor restarted it, within the window.
    #[serde(default)]
    pub restarts: Vec<Millis>,
    /// Too many restarts: left alone until a person restarts it.
    #[serde(default)]
    pub failed: bool,
    /// The last restart decided, until the agent's counter shows it done.
    /// A supervisor killed between deciding and restarting leaves it here,
    /// and the next carries out that same restart instead of counting a
    /// second one.
    #[serde(default)]
    pub pending_restart: Option<PendingRestart>,
    pub parked_until: Option<Millis>,
    /// The rate-limit episode (its `since`) already parked.
    pub parked_episode: Option<Millis>,
    /// The waiting episode already reported.
    pub waiting_notified: Option<Millis>,
    /// The idle episode already nudged.
    pub nudged_episode: Option<Millis>,
    #[serde(default)]
    pub stall_signature: String,
    pub stall_first_nudge: Option<Millis>,
    #[serde(default)]
    pub stall_nudges: u32,
    #[serde(default)]
    pub stall_pm_told: bool,
    /// The busy episode already reported as stuck.
    pub stuck_reported: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Start it again with its context; `attempt` counts within the window.
    Restart { attempt: u32 },
    /// The pending restart was carried out, but the supervisor that did it
    /// died before recording it: record it now.
    RecordRestart { attempt: u32, from_count: u32 },
    /// Restarted but never briefed: give it its restored context now.
    Brief,
    /// Too many restarts: stop trying, call a person.
    GiveUp { restarts: u32 },
    /// Rate-limited: leave it alone until then.
    Park { until: Millis },
    /// The reset time has passed: tell it to continue.
    Resume,
    /// A permission question is open: tell the responsible person.
    NotifyWaiting,
    /// Idle while owning open todos.
    Nudge { idle_ms: Millis, open_todos: usize },
    /// The stall goes on after nudges: tell the project manager.
    TellPm {
        stalled_ms: Millis,
        open_todos: usize,
    },
    /// Busy with no output for long: report it, do nothing to it.
    ReportStuck { silent_ms: Millis },
}

impl Action {
    /// What was done, for the timeline.
    pub fn describe(&self) -> String {
        let at = |ms: Millis| {
            chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.format("%H:%M:%S UTC").to_string())
                .unwrap_or_default()
        };
        match self {
            Action::Restart { attempt } => {
                format!("restarted with its context (attempt {attempt})")
            }
            Action::Brief => "given the restored context its restart owed it".into(),
            Action::RecordRestart { attempt, .. } => {
                format!("found restarted (attempt {attempt}) by a supervisor that died; recorded")
            }
            Action::GiveUp { restarts } => {
                format!("marked failed after {restarts} restarts; a person must look")
            }
            Action::Park { until } => format!("parked until {}", at(*until)),
            Action::Resume => "told to continue after its rate limit".into(),
            Action::NotifyWaiting => "waits for a person's answer; notified".into(),
            Action::Nudge {
                idle_ms,
                open_todos,
            } => format!(
                "nudged: idle {} with {open_todos} open todos",
                crate::span::human(*idle_ms)
            ),
            Action::TellPm {
                stalled_ms,
                open_todos,
            } => format!(
                "reported to the project manager: {open_todos} todos untouched for {}",
                crate::span::human(*stalled_ms)
            ),
            Action::ReportStuck { silent_ms } => format!(
                "busy with no output for {}; reported, left running",
                crate::span::human(*silent_ms)
            ),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Restart { .. } => "restart",
            Action::RecordRestart { .. } => "record-restart",
            Action::Brief => "brief",
            Action::GiveUp { .. } => "give-up",
            Action::Park { .. } => "park",
            Action::Resume => "resume",
            Action::NotifyWaiting => "notify-waiting",
            Action::Nudge { .. } => "nudge",
            Action::TellPm { .. } => "tell-pm",
            Action::ReportStuck { .. } => "report-stuck",
        }
    }
}

/// Decides what to do now, and updates `watch` as if it were done (the
/// caller stores both in one transaction).
pub fn decide(
    policy: &SupervisionPolicy,
    watch: &mut Watch,
    seen: &Seen,
    now: Millis,
) -> Vec<Action> {
    let mut actions = Vec::new();
    if seen.condition != Condition::RateLimited {
        watch.parked_until = None;
    }
    if let Some(pending) = watch.pending_restart {
        if seen.restarts > pending.from_count {
            watch.pending_restart = None;
        } else if seen.condition != Condition::Gone {
            // Alive again and not on record: the restart happened, and the
            // supervisor that did it died before writing it down.
            watch.pending_restart = None;
            actions.push(Action::RecordRestart {
                attempt: pending.attempt,
                from_count: pending.from_count,
            });
        }
    }
    if seen.context_owed && matches!(seen.condition, Condition::Idle | Condition::Error) {
        actions.push(Action::Brief);
        return actions;
    }
    match seen.condition {
        Condition::Gone => {
            if watch.failed {
                return actions;
            }
            if let Some(pending) = watch.pending_restart.as_mut() {
                if !pending.reissued {
                    pending.reissued = true;
                    actions.push(Action::Restart {
                        attempt: pending.attempt,
                    });
                    return actions;
                }
                watch.pending_restart = None;
            }
            let window_start = now - policy.restart_window.millis();
            watch.restarts.retain(|at| *at > window_start);
            let done = watch.restarts.len() as u32;
            if done >= policy.max_restarts {
                watch.failed = true;
                actions.push(Action::GiveUp { restarts: done });
                return actions;
            }
            let wait = policy
                .restart_backoff
                .get(done as usize)
                .or(policy.restart_backoff.last())
                .map_or(0, |s| s.millis());
            if now >= seen.since + wait {
                watch.restarts.push(now);
                watch.pending_restart = Some(PendingRestart {
                    attempt: done + 1,
                    from_count: seen.restarts,
                    reissued: false,
                });
                actions.push(Action::Restart { attempt: done + 1 });
            }
        }
        Condition::RateLimited => {
            if watch.parked_episode != Some(seen.since) {
                let longest = now + policy.rate_limit_max_park.millis();
                let until = seen
                    .reset_at
                    .filter(|at| *at > now)
                    .unwrap_or(seen.since + policy.rate_limit_park.millis())
                    .min(longest);
                watch.parked_episode = Some(seen.since);
                watch.parked_until = Some(until);
                actions.push(Action::Park { until });
            } else if let Some(until) = watch.parked_until
                && now >= until
            {
                // Resume; should the same limit still show, the next resume
                // waits the default park (never a loop, never a restart).
                watch.parked_until = Some(now + policy.rate_limit_park.millis());
                actions.push(Action::Resume);
            }
        }
        Condition::Waiting => {
            if now - seen.since >= policy.waiting_notify_after.millis()
                && watch.waiting_notified != Some(seen.since)
            {
                watch.waiting_notified = Some(seen.since);
                actions.push(Action::NotifyWaiting);
            }
        }
        Condition::Idle | Condition::Error => idle(policy, watch, seen, now, &mut actions),
        Condition::Busy => {
            let silent = now - seen.last_output_at.max(seen.since);
            if silent >= policy.stuck_after.millis() && watch.stuck_reported != Some(seen.since) {
                watch.stuck_reported = Some(seen.since);
                actions.push(Action::ReportStuck { silent_ms: silent });
            }
        }
        Condition::Starting | Condition::Gated | Condition::Unclear => {}
    }
    actions
}

fn idle(
    policy: &SupervisionPolicy,
    watch: &mut Watch,
    seen: &Seen,
    now: Millis,
    actions: &mut Vec<Action>,
) {
    if seen.open_todos == 0 {
        reset_stall(watch, "");
        return;
    }
    if watch.stall_signature != seen.todos_signature {
        reset_stall(watch, &seen.todos_signature);
    }
    let idle_ms = now - seen.since;
    if idle_ms < policy.idle_nudge_after.millis() {
        return;
    }
    if watch.nudged_episode != Some(seen.since) && watch.stall_nudges < policy.max_nudges {
        watch.nudged_episode = Some(seen.since);
        watch.stall_nudges += 1;
        watch.stall_first_nudge.get_or_insert(now);
        actions.push(Action::Nudge {
            idle_ms,
            open_todos: seen.open_todos,
        });
        return;
    }
    if let Some(first) = watch.stall_first_nudge
        && !watch.stall_pm_told
        && now - first >= policy.idle_pm_after.millis()
    {
        watch.stall_pm_told = true;
        actions.push(Action::TellPm {
            stalled_ms: now - first + policy.idle_nudge_after.millis(),
            open_todos: seen.open_todos,
        });
    }
}

fn reset_stall(watch: &mut Watch, signature: &str) {
    watch.stall_signature = signature.to_owned();
    watch.stall_first_nudge = None;
    watch.stall_nudges = 0;
    watch.stall_pm_told = false;
}

#[cfg(test)]
mod tests;
