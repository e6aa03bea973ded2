//! Frames of a team in each state a person must read at a glance,
//! rendered on a test backend and kept as snapshots.

use warroom_app::{
    AgentView, DashboardView, IncidentView, MeasurementView, MessageView, Need, RolloutView,
    StepView, TeamView, TodoView, UpdateLine, ViewState,
};
use warroom_model::incident::clocks::{ClockReading, ClockStatus};
use warroom_model::{
    AgentId, AgentState, MessageId, MessageKind, Milestone, Outcome, Span, StateSource,
};

use super::{Mode, Ui};
use crate::commands::dashboard::frame_text;

const NOW: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;

fn agent(window: u32, role: &str, state: AgentState, line: &str) -> AgentView {
    AgentView {
        id: AgentId(i64::from(window) + 1),
        team: "auth-hotfix".into(),
        window,
        target: format!("auth-hotfix:{window}"),
        role: role.into(),
        name: role.into(),
        cli: "claude".into(),
        stands_in_for: None,
        pane: Some(format!("%{window}")),
        pid: Some(100),
        restarts: u32::from(window == 1),
        state: Some(ViewState::Live(state)),
        state_detail: (state == AgentState::Waiting).then(|| "permission: run cargo test".into()),
        state_source: Some(StateSource::Hook),
        state_since: Some(NOW - 3 * MIN),
        workdir: None,
        branch: None,
        last_line: Some(line.into()),
    }
}

fn clock(label: &'static str, elapsed: i64, target: i64, status: ClockStatus) -> ClockReading {
    ClockReading {
        key: label,
        label,
        from: Milestone::Declared,
        to: Milestone::Resolved,
        target: Span::from_mins(target),
        started_at: Some(NOW - elapsed * MIN),
        stopped_at: None,
        elapsed_ms: Some(elapsed * MIN),
        status,
    }
}

fn todo(id: &str, title: &str, owner: &str, due_in: i64, escalation: u32) -> TodoView {
    TodoView {
        id: id.into(),
        incident: "INC-7".into(),
        title: title.into(),
        kind: "fix".into(),
        priority: "P0".into(),
        status: "open".into(),
        owner: Some(owner.into()),
        owner_agent: None,
        due_at: Some(NOW + due_in * MIN),
        overdue: due_in < 0,
        gate: None,
        depends_on: Vec::new(),
        escalation_level: escalation,
        follow_up: false,
        notes: Vec::new(),
        blocked_reason: None,
        done_at: None,
    }
}

fn message(id: i64, from: &str, to: &str, text: &str) -> MessageView {
    MessageView {
        id: MessageId(id),
        at: NOW - (10 - id) * MIN,
        kind: MessageKind::Message,
        from: format!("{from} (auth-hotfix:0)"),
        from_kind: "agent".into(),
        to: format!("{to} (auth-hotfix:1)"),
        to_agent: AgentId(2),
        outcome: Outcome::Submitted,
        transport: "paste".into(),
        detail: None,
        text: text.into(),
    }
}

/// A SEV1 forty minutes in: three agents at work, clocks in every colour.
fn working() -> DashboardView {
    DashboardView {
        team: TeamView {
            name: "auth-hotfix".into(),
            team_type: Some("backend".into()),
            purpose: None,
            project_dir: "/srv/auth".into(),
            created_at: NOW - 40 * MIN,
            ended_at: None,
            agents: 3,
            session: true,
        },
        incident: Some(IncidentView {
            id: "INC-7".into(),
            slug: "auth-500".into(),
            title: "Auth returns 500".into(),
            severity: "SEV1".into(),
            reasons: Vec::new(),
            overridden_from: None,
            phase: "fixing".into(),
            team: Some("auth-hotfix".into()),
            commander: "alice".into(),
            impact: "10000 users".into(),
            domain: Some("auth".into()),
            compliance: Vec::new(),
            security_review: true,
            milestones: Vec::new(),
            clocks: vec![
                clock("ack", 2, 5, ClockStatus::Green),
                clock("root cause", 12, 15, ClockStatus::Amber),
                clock("fix", 40, 30, ClockStatus::Red),
            ],
            open_todos: vec![
                todo(
                    "T-4",
                    "Identify the root cause",
                    "senior-backend-developer",
                    -10,
                    1,
                ),
                todo("T-5", "Validate the fix", "qa-engineer", 20, 0),
            ],
            overdue_todos: 1,
            next_update_due: Some(NOW + 5 * MIN),
            update_overdue: false,
            last_update_at: Some(NOW - 10 * MIN),
            unconfigured_audiences: Vec::new(),
            postmortem: None,
            postmortem_required: true,
            pull_request: None,
            rollout: None,
            implicit: false,
            now: NOW,
        }),
        agents: vec![
            agent(
                0,
                "senior-backend-developer",
                AgentState::Busy,
                "● Reading auth/pool.py",
            ),
            agent(
                1,
                "devops-engineer",
                AgentState::Idle,
                "✓ Connections at 98% of the pool",
            ),
            agent(
                2,
                "project-manager",
                AgentState::Busy,
                "● Drafting the next update",
            ),
        ],
        messages: vec![
            message(
                8,
                "project-manager",
                "devops-engineer",
                "Status of the DB connections?",
            ),
            message(
                9,
                "devops-engineer",
                "project-manager",
                "98% and climbing on every failed login",
            ),
        ],
        updates: vec![UpdateLine {
            at: NOW - 10 * MIN,
            status: "identified".into(),
            summary: "Connection leak on the failed-login path".into(),
        }],
        rollout: None,
        needs: Vec::new(),
        now: NOW,
    }
}

#[test]
fn a_team_at_work() {
    insta::assert_snapshot!(frame_text(&working(), &Ui::default(), 120, 32));
}

#[test]
fn a_team_that_needs_a_person_says_so_first() {
    let mut view = working();
    view.agents[0] = agent(
        0,
        "senior-backend-developer",
        AgentState::Waiting,
        "Allow cargo test?",
    );
    view.agents[1] = agent(
        1,
        "devops-engineer",
        AgentState::Exited,
        "Connection closed",
    );
    view.needs = vec![
        Need {
            agent: Some("auth-hotfix:0".into()),
            what: "auth-hotfix:0 (senior-backend-developer) waits for a permission or an answer"
                .into(),
        },
        Need {
            agent: None,
            what: "fix is past its target".into(),
        },
    ];
    insta::assert_snapshot!(frame_text(&view, &Ui::default(), 120, 32));
}

#[test]
fn a_rollout_at_its_canary_step_on_a_small_terminal() {
    let mut view = working();
    view.rollout = Some(RolloutView {
        id: 1,
        team: "auth-hotfix".into(),
        incident: Some("INC-7".into()),
        version: "v2".into(),
        stable_version: "v1".into(),
        commit: "abc".into(),
        stage: "baking".into(),
        step: 1,
        weight: 5,
        steps: vec![
            StepView {
                weight: 5,
                bake_ms: 5 * MIN,
                checks: vec!["errors".into()],
                manual_gate: false,
                state: "current",
            },
            StepView {
                weight: 100,
                bake_ms: 0,
                checks: Vec::new(),
                manual_gate: false,
                state: "pending",
            },
        ],
        reason: None,
        healthy_after_rollback: None,
        started_at: NOW - MIN,
        finished_at: None,
        measurements: vec![MeasurementView {
            at: NOW,
            step: 1,
            check: "errors".into(),
            judged: "success".into(),
            value: Some("0.002".into()),
            query: "error ratio".into(),
            message: "0.002 <= 0.01".into(),
            policy: "failure_limit=0".into(),
        }],
    });
    insta::assert_snapshot!(frame_text(&view, &Ui::default(), 80, 24));
}

#[test]
fn a_filtered_team_and_a_focused_screen() {
    let ui = Ui {
        filter: "devops".into(),
        focus: Some((
            "auth-hotfix:1".into(),
            "$ psql -c 'select count(*) from pg_stat_activity'\n 98\n● Connections at 98% of the pool".into(),
        )),
        ..Ui::default()
    };
    insta::assert_snapshot!(frame_text(&working(), &ui, 100, 30));
    let typing = Ui {
        mode: Mode::Message,
        input: "roll back the pool size".into(),
        ..Ui::default()
    };
    let frame = frame_text(&working(), &typing, 100, 30);
    assert!(
        frame.contains("message: roll back the pool size"),
        "{frame}"
    );
}
