use super::*;
use crate::ids::{IncidentId, TodoId};
use crate::incident::clocks::{ClockStatus, clocks};
use crate::incident::policy::{Targets, TodoDue};
use crate::span::Span;

const MIN: Millis = 60_000;

fn policy() -> Policy {
    Policy {
        team_size: 5,
        targets: Targets {
            team: Span::from_mins(2),
            acknowledge: Span::from_mins(5),
            root_cause: Span::from_mins(15),
            fix: Span::from_mins(30),
            mitigate: Span::from_mins(30),
            resolution: Span::from_mins(45),
        },
        escalation: vec![],
        first_update: Some(Span::from_mins(10)),
        update_every: Some(Span::from_mins(30)),
        audiences: vec!["stakeholders".into()],
        todo_due: TodoDue {
            p0: Span::from_mins(15),
            p1: Span::from_mins(30),
            p2: Span::from_mins(120),
            p3: Span::from_mins(1440),
        },
        postmortem_required: true,
        postmortem_due: Some(Span::from_mins(3 * 1440)),
    }
}

fn incident() -> Incident {
    let impact = Impact::parse("users=10000,availability=down").expect("impact");
    let mut i = Incident {
        id: IncidentId(1),
        slug: "auth".into(),
        title: "Auth returns 500".into(),
        severity: Severity::Sev1,
        assessment: severity::assess(&impact),
        impact,
        domain: Some("auth".into()),
        compliance: vec![],
        security_review: true,
        phase: Phase::Triage,
        milestones: BTreeMap::new(),
        commander: "ana".into(),
        team: None,
        policy: policy(),
        last_update_at: None,
        update_reminded_for: None,
        clock_alerts: Default::default(),
        postmortem: None,
        pull_request: None,
        implicit: false,
    };
    i.mark(Milestone::Detected, 0, "ana");
    i.mark(Milestone::Declared, MIN, "ana");
    i
}

#[test]
fn milestones_are_set_once_then_corrected_on_purpose() {
    let mut i = incident();
    let ev = i
        .set_milestone(
            Milestone::RootCause,
            5 * MIN,
            Some("pool".into()),
            "dev",
            false,
        )
        .expect("sets");
    assert!(matches!(
        ev,
        IncidentEvent::MilestoneSet {
            corrected_from: None,
            ..
        }
    ));
    let again = i.set_milestone(Milestone::RootCause, 6 * MIN, None, "dev", false);
    assert!(matches!(again, Err(IncidentError::AlreadySet { .. })));
    let ev = i
        .set_milestone(Milestone::RootCause, 6 * MIN, None, "dev", true)
        .expect("corrects");
    assert!(matches!(
        ev,
        IncidentEvent::MilestoneSet { corrected_from: Some(t), .. } if t == 5 * MIN
    ));
}

#[test]
fn an_out_of_order_milestone_is_refused_and_nothing_changes() {
    let mut i = incident();
    let before = i.clone();
    let err = i
        .set_milestone(Milestone::Resolved, 0, None, "x", false)
        .expect_err("resolved before declared");
    assert!(matches!(
        err,
        IncidentError::Order {
            earlier: Milestone::Declared,
            later: Milestone::Resolved,
            ..
        }
    ));
    assert_eq!(i, before);
}

#[test]
fn gate_todos_hold_the_phase_until_done_or_forced() {
    let mut i = incident();
    i.move_to(Phase::Investigating, 2 * MIN, "x", &[], None)
        .expect("no gates");
    let gates = [
        (TodoId(7), Phase::Validating),
        (TodoId(8), Phase::Monitoring),
    ];
    i.move_to(Phase::Validating, 3 * MIN, "x", &gates, None)
        .expect("the validating gate holds leaving validating, not entering it");
    let err = i
        .move_to(Phase::Deploying, 4 * MIN, "x", &gates, None)
        .expect_err("gated");
    assert_eq!(
        err.to_string(),
        "validating cannot close while its gate todos are open: T-7"
    );
    assert_eq!(i.phase, Phase::Validating);
    let events = i
        .move_to(Phase::Deploying, 4 * MIN, "x", &gates, Some("CTO approved"))
        .expect("forced");
    assert!(matches!(
        &events[0],
        IncidentEvent::PhaseChanged { forced: Some(r), open_gates, .. }
            if r == "CTO approved" && open_gates == &[TodoId(7)]
    ));
    // Going back (the fix failed) is never gated.
    i.move_to(Phase::Fixing, 5 * MIN, "x", &gates, None)
        .expect("back");
}

#[test]
fn resolving_sets_the_milestone_and_closing_needs_a_postmortem() {
    let mut i = incident();
    assert!(matches!(
        i.close(2 * MIN, "x", None),
        Err(IncidentError::NotResolved { .. })
    ));
    i.move_to(Phase::Resolved, 40 * MIN, "x", &[], None)
        .expect("resolve");
    assert_eq!(i.milestone_at(Milestone::Resolved), Some(40 * MIN));
    assert!(matches!(
        i.close(50 * MIN, "x", None),
        Err(IncidentError::PostmortemRequired { .. })
    ));
    i.postmortem = Some("pm.md".into());
    i.close(50 * MIN, "x", None).expect("closes");
    assert!(i.is_closed());
    assert!(matches!(
        i.move_to(Phase::Fixing, 51 * MIN, "x", &[], None),
        Err(IncidentError::Closed(_))
    ));
}

#[test]
fn clocks_turn_amber_then_red_and_stop_at_their_milestone() {
    let mut i = incident();
    let read = |i: &Incident, now: Millis, key: &str| {
        clocks(i, now)
            .into_iter()
            .find(|c| c.key == key)
            .expect("clock")
    };
    // Root cause: 15 min from declared (1 min).
    assert_eq!(
        read(&i, MIN + 10 * MIN, "root_cause").status,
        ClockStatus::Green
    );
    assert_eq!(
        read(&i, MIN + 12 * MIN, "root_cause").status,
        ClockStatus::Amber
    );
    assert_eq!(
        read(&i, MIN + 16 * MIN, "root_cause").status,
        ClockStatus::Red
    );
    i.set_milestone(Milestone::RootCause, MIN + 14 * MIN, None, "d", false)
        .expect("set");
    let c = read(&i, MIN + 60 * MIN, "root_cause");
    assert_eq!(
        (c.status, c.elapsed_ms),
        (ClockStatus::Green, Some(14 * MIN))
    );
    // Acknowledge counts from detected (0).
    assert_eq!(read(&i, 6 * MIN, "acknowledge").status, ClockStatus::Red);
    // Resolved without a team: that clock does not apply.
    i.move_to(Phase::Resolved, 30 * MIN, "x", &[], None)
        .expect("resolve");
    assert_eq!(
        read(&i, 90 * MIN, "team").status,
        ClockStatus::NotApplicable
    );
}

#[test]
fn updates_fall_due_on_the_policy_cadence_and_remind_once() {
    let mut i = incident();
    // First update 10 min after declaring (1 min).
    assert_eq!(i.next_update_due(), Some(11 * MIN));
    assert_eq!(i.update_reminder_due(10 * MIN), None);
    assert_eq!(i.update_reminder_due(12 * MIN), Some(11 * MIN));
    i.update_reminded_for = Some(11 * MIN);
    assert_eq!(i.update_reminder_due(12 * MIN), None);
    i.last_update_at = Some(12 * MIN);
    assert_eq!(i.next_update_due(), Some(42 * MIN));
    i.move_to(Phase::Resolved, 20 * MIN, "x", &[], None)
        .expect("resolve");
    assert_eq!(i.next_update_due(), None);
}

#[test]
fn incident_refs_parse() {
    assert_eq!(parse_incident_ref("INC-3"), Some(IncidentId(3)));
    assert_eq!(parse_incident_ref("inc3"), Some(IncidentId(3)));
    assert_eq!(parse_incident_ref("3"), Some(IncidentId(3)));
    assert_eq!(parse_incident_ref("auth-hotfix"), None);
}

#[test]
fn clock_alerts_fire_once_per_colour() {
    use crate::incident::clocks::clock_alerts_due;
    let mut i = incident();
    let due = |i: &Incident, now: Millis| -> Vec<(&'static str, ClockStatus)> {
        clock_alerts_due(i, now)
            .into_iter()
            .filter(|c| c.key == "root_cause")
            .map(|c| (c.key, c.status))
            .collect()
    };
    assert!(due(&i, MIN + 10 * MIN).is_empty());
    assert_eq!(
        due(&i, MIN + 12 * MIN),
        vec![("root_cause", ClockStatus::Amber)]
    );
    i.clock_alerts
        .insert("root_cause".into(), ClockStatus::Amber);
    assert!(due(&i, MIN + 13 * MIN).is_empty(), "amber told once");
    assert_eq!(
        due(&i, MIN + 16 * MIN),
        vec![("root_cause", ClockStatus::Red)]
    );
    i.clock_alerts.insert("root_cause".into(), ClockStatus::Red);
    assert!(due(&i, MIN + 60 * MIN).is_empty(), "red told once");
}
