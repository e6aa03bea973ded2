use super::*;
use crate::agent::{AgentState, StateSource};

fn policy() -> SupervisionPolicy {
    let s = |t: &str| t.parse::<Span>().expect("span");
    SupervisionPolicy {
        tick: s("500ms"),
        restart_backoff: vec![s("0s"), s("2s"), s("10s")],
        max_restarts: 3,
        restart_window: s("10m"),
        rate_limit_park: s("60s"),
        rate_limit_max_park: s("1h"),
        waiting_notify_after: s("2s"),
        idle_nudge_after: s("60s"),
        max_nudges: 2,
        idle_pm_after: s("5m"),
        stuck_after: s("10m"),
    }
}

fn seen(condition: Condition, since: Millis) -> Seen {
    Seen {
        condition,
        since,
        last_output_at: since,
        reset_at: None,
        open_todos: 0,
        todos_signature: String::new(),
        restarts: 0,
        context_owed: false,
    }
}

/// Gone, after the agent was restarted `restarts` times in all.
fn gone(since: Millis, restarts: u32) -> Seen {
    Seen {
        restarts,
        ..seen(Condition::Gone, since)
    }
}

#[test]
fn a_gone_agent_is_restarted_with_backoff_then_given_up() {
    let p = policy();
    let mut w = Watch::default();
    assert_eq!(
        decide(&p, &mut w, &gone(1_000, 0), 1_000),
        vec![Action::Restart { attempt: 1 }]
    );
    // It died again at 5 s: the second restart waits 2 s.
    assert!(decide(&p, &mut w, &gone(5_000, 1), 6_000).is_empty());
    assert_eq!(
        decide(&p, &mut w, &gone(5_000, 1), 7_000),
        vec![Action::Restart { attempt: 2 }]
    );
    assert_eq!(
        decide(&p, &mut w, &gone(8_000, 2), 18_000),
        vec![Action::Restart { attempt: 3 }]
    );
    assert_eq!(
        decide(&p, &mut w, &gone(20_000, 3), 40_000),
        vec![Action::GiveUp { restarts: 3 }]
    );
    assert!(w.failed);
    // Failed stays failed: no further restarts, no second call.
    assert!(decide(&p, &mut w, &gone(20_000, 3), 900_000).is_empty());
}

#[test]
fn a_restart_decided_by_a_supervisor_that_died_is_carried_out_once_not_counted_twice() {
    let p = policy();
    let mut w = Watch::default();
    assert_eq!(
        decide(&p, &mut w, &gone(1_000, 0), 1_000),
        vec![Action::Restart { attempt: 1 }]
    );
    // The supervisor died before restarting: the next one sees it still
    // gone, its counter unchanged, and carries out that same restart.
    assert_eq!(
        decide(&p, &mut w, &gone(1_000, 0), 3_000),
        vec![Action::Restart { attempt: 1 }]
    );
    assert_eq!(w.restarts.len(), 1);
    // Done this time; it crashes twice more and is restarted each time.
    assert_eq!(
        decide(&p, &mut w, &gone(5_000, 1), 7_000),
        vec![Action::Restart { attempt: 2 }]
    );
    assert_eq!(
        decide(&p, &mut w, &gone(8_000, 2), 18_000),
        vec![Action::Restart { attempt: 3 }]
    );
    assert!(!w.failed, "three real crashes within max_restarts = 3");
    // A restart that fails twice in a row counts as an attempt after all.
    assert!(decide(&p, &mut w, &gone(8_000, 2), 19_000).len() == 1);
    assert_eq!(
        decide(&p, &mut w, &gone(8_000, 2), 40_000),
        vec![Action::GiveUp { restarts: 3 }]
    );
}

#[test]
fn restarts_outside_the_window_do_not_count() {
    let p = policy();
    let mut w = Watch {
        restarts: vec![0, 1_000, 2_000],
        ..Watch::default()
    };
    let now = 11 * 60_000;
    assert_eq!(
        decide(&p, &mut w, &seen(Condition::Gone, now), now),
        vec![Action::Restart { attempt: 1 }]
    );
}

#[test]
fn only_tmux_liveness_restarts_an_agent() {
    let p = policy();
    for c in [
        Condition::Unclear,
        Condition::Error,
        Condition::Busy,
        Condition::Gated,
        Condition::Starting,
    ] {
        let mut w = Watch::default();
        let actions = decide(&p, &mut w, &seen(c, 0), 3_600_000);
        assert!(
            !actions.iter().any(|a| matches!(a, Action::Restart { .. })),
            "{c:?}: {actions:?}"
        );
    }
}

#[test]
fn rate_limited_is_parked_until_its_reset_then_resumed_once() {
    let p = policy();
    let mut w = Watch::default();
    let mut s = seen(Condition::RateLimited, 10_000);
    s.reset_at = Some(40_000);
    assert_eq!(
        decide(&p, &mut w, &s, 10_500),
        vec![Action::Park { until: 40_000 }]
    );
    assert!(decide(&p, &mut w, &s, 39_999).is_empty());
    assert_eq!(decide(&p, &mut w, &s, 40_000), vec![Action::Resume]);
    // Same episode still on screen: no resume loop, the next one waits
    // the default park.
    assert!(decide(&p, &mut w, &s, 41_000).is_empty());
    assert_eq!(decide(&p, &mut w, &s, 100_000), vec![Action::Resume]);
    // A new limit (a new episode) is parked again.
    let s2 = seen(Condition::RateLimited, 200_000);
    assert_eq!(
        decide(&p, &mut w, &s2, 200_000),
        vec![Action::Park { until: 260_000 }]
    );
}

#[test]
fn a_reset_far_away_is_capped() {
    let p = policy();
    let mut w = Watch::default();
    let mut s = seen(Condition::RateLimited, 0);
    s.reset_at = Some(10 * 3_600_000);
    assert_eq!(
        decide(&p, &mut w, &s, 0),
        vec![Action::Park { until: 3_600_000 }]
    );
}

#[test]
fn waiting_is_notified_once_per_question() {
    let p = policy();
    let mut w = Watch::default();
    let s = seen(Condition::Waiting, 1_000);
    assert!(decide(&p, &mut w, &s, 2_000).is_empty(), "a passing dialog");
    assert_eq!(decide(&p, &mut w, &s, 3_000), vec![Action::NotifyWaiting]);
    assert!(decide(&p, &mut w, &s, 60_000).is_empty());
    let next = seen(Condition::Waiting, 90_000);
    assert_eq!(
        decide(&p, &mut w, &next, 95_000),
        vec![Action::NotifyWaiting]
    );
}

#[test]
fn idle_with_todos_is_nudged_then_the_pm_told_once() {
    let p = policy();
    let mut w = Watch::default();
    let mut s = seen(Condition::Idle, 0);
    s.open_todos = 2;
    s.todos_signature = "T-1:open,T-2:open".into();
    assert!(decide(&p, &mut w, &s, 59_000).is_empty());
    assert_eq!(
        decide(&p, &mut w, &s, 60_000),
        vec![Action::Nudge {
            idle_ms: 60_000,
            open_todos: 2
        }]
    );
    assert!(
        decide(&p, &mut w, &s, 61_000).is_empty(),
        "once per episode"
    );
    // It answered the nudge and went idle again, todos untouched.
    s.since = 100_000;
    assert_eq!(
        decide(&p, &mut w, &s, 160_000),
        vec![Action::Nudge {
            idle_ms: 60_000,
            open_todos: 2
        }]
    );
    s.since = 200_000;
    assert!(
        decide(&p, &mut w, &s, 260_000).is_empty(),
        "two nudges per stall"
    );
    assert_eq!(
        decide(&p, &mut w, &s, 360_000),
        vec![Action::TellPm {
            stalled_ms: 360_000,
            open_todos: 2
        }]
    );
    assert!(decide(&p, &mut w, &s, 900_000).is_empty(), "told once");
    // Progress on a todo starts a new stall.
    s.todos_signature = "T-1:done,T-2:open".into();
    s.open_todos = 1;
    s.since = 1_000_000;
    assert_eq!(
        decide(&p, &mut w, &s, 1_060_000),
        vec![Action::Nudge {
            idle_ms: 60_000,
            open_todos: 1
        }]
    );
}

#[test]
fn idle_without_todos_is_left_alone() {
    let p = policy();
    let mut w = Watch::default();
    assert!(decide(&p, &mut w, &seen(Condition::Idle, 0), 86_400_000).is_empty());
}

#[test]
fn stuck_busy_is_reported_once_and_never_restarted() {
    let p = policy();
    let mut w = Watch::default();
    let mut s = seen(Condition::Busy, 0);
    s.last_output_at = 300_000;
    assert!(decide(&p, &mut w, &s, 800_000).is_empty());
    assert_eq!(
        decide(&p, &mut w, &s, 900_000),
        vec![Action::ReportStuck { silent_ms: 600_000 }]
    );
    assert!(decide(&p, &mut w, &s, 2_000_000).is_empty());
}

#[test]
fn the_watch_survives_a_round_trip_through_json() {
    let mut w = Watch::default();
    let p = policy();
    decide(&p, &mut w, &seen(Condition::Gone, 0), 0);
    let json = serde_json::to_string(&w).expect("json");
    let back: Watch = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, w);
    assert_eq!(
        serde_json::from_str::<Watch>("{}").expect("empty"),
        Watch::default()
    );
}

#[test]
fn a_restart_done_but_not_recorded_before_the_supervisor_died_is_recorded_not_repeated() {
    let p = policy();
    let mut w = Watch::default();
    assert_eq!(
        decide(&p, &mut w, &gone(1_000, 0), 1_000),
        vec![Action::Restart { attempt: 1 }]
    );
    // The next supervisor finds it alive, its counter unmoved.
    assert_eq!(
        decide(&p, &mut w, &seen(Condition::Idle, 2_000), 2_500),
        vec![Action::RecordRestart {
            attempt: 1,
            from_count: 0
        }]
    );
    assert_eq!(w.pending_restart, None);
    assert_eq!(w.restarts.len(), 1);
    // Nothing more to do for it.
    assert!(decide(&p, &mut w, &seen(Condition::Idle, 2_000), 3_000).is_empty());
}

#[test]
fn only_tmux_can_say_an_agent_is_gone() {
    assert_eq!(
        Condition::of(AgentState::Exited, StateSource::Tmux),
        Condition::Gone
    );
    assert_eq!(
        Condition::of(AgentState::Exited, StateSource::Screen),
        Condition::Unclear
    );
    assert_eq!(
        Condition::of(AgentState::RateLimited, StateSource::Hook),
        Condition::RateLimited
    );
}

#[test]
fn an_agent_restarted_but_never_briefed_is_briefed_once_it_takes_input() {
    let p = policy();
    let mut w = Watch::default();
    let owed = |condition| Seen {
        context_owed: true,
        restarts: 1,
        ..seen(condition, 1_000)
    };
    assert!(decide(&p, &mut w, &owed(Condition::Starting), 2_000).is_empty());
    assert_eq!(
        decide(&p, &mut w, &owed(Condition::Idle), 3_000),
        vec![Action::Brief]
    );
}
