use warroom_app::{
    AgentView, IncidentStory, MessageView, ReportData, TeamView, render_incident_report,
};
use warroom_model::{AgentId, Event, EventKind, Outcome, Transport};

#[test]
fn incident_report_snapshot() {
    let t0 = 1_795_312_800_000; // 2026-11-22 01:20:00 UTC
    let team = TeamView {
        name: "auth-hotfix".into(),
        team_type: Some("backend".into()),
        purpose: Some("CRITICAL: Auth service returning 500 errors.\nUsers cannot log in.".into()),
        project_dir: "/srv/auth".into(),
        created_at: t0,
        ended_at: None,
        agents: 2,
        session: true,
    };
    let agent = |id: i64, window: u32, role: &str, name: &str, stands_in: Option<&str>| AgentView {
        id: AgentId(id),
        team: "auth-hotfix".into(),
        window,
        target: format!("auth-hotfix:{window}"),
        role: role.into(),
        name: name.into(),
        cli: "sim".into(),
        stands_in_for: stands_in.map(str::to_owned),
        pane: Some(format!("%{window}")),
        pid: Some(100 + id as u32),
        restarts: if id == 1 { 1 } else { 0 },
        state: None,
        state_detail: None,
        state_source: None,
        state_since: None,
        workdir: None,
        branch: None,
        last_line: None,
    };
    let agents = vec![
        agent(
            1,
            0,
            "senior-backend-developer",
            "Senior Backend Developer",
            Some("claude"),
        ),
        agent(2, 1, "project-manager", "Project Manager", None),
    ];
    let ev = |id: i64, at: i64, actor: &str, kind: EventKind| Event {
        id,
        at: t0 + at,
        team_id: Some(warroom_model::TeamId(1)),
        incident_id: None,
        actor: actor.into(),
        kind,
    };
    let events = vec![
        ev(
            1,
            0,
            "alice",
            EventKind::TeamCreated {
                team: "auth-hotfix".into(),
                team_type: Some("backend".into()),
                project_dir: "/srv/auth".into(),
            },
        ),
        ev(
            2,
            50,
            "alice",
            EventKind::AgentStarted {
                agent: AgentId(1),
                window: 0,
                role: "senior-backend-developer".into(),
                cli: "sim".into(),
                stands_in_for: Some("claude".into()),
                pane: "%0".into(),
            },
        ),
        ev(
            3,
            400,
            "warroom",
            EventKind::AgentReady {
                agent: AgentId(1),
                after_ms: 350,
            },
        ),
        ev(
            4,
            2_000,
            "alice",
            EventKind::MessageDelivered {
                message: warroom_model::MessageId(1),
                to: AgentId(1),
                outcome: Outcome::Submitted,
                transport: Transport::Paste,
                detail: None,
            },
        ),
        ev(
            5,
            9_000,
            "alice",
            EventKind::AgentRestarted {
                agent: AgentId(1),
                old_pid: Some(101),
                new_pid: Some(105),
                restore_context: true,
            },
        ),
    ];
    let msg = |id: i64,
               at: i64,
               from: &str,
               to: &str,
               outcome: Outcome,
               text: &str,
               detail: Option<&str>| MessageView {
        id: warroom_model::MessageId(id),
        at: t0 + at,
        kind: warroom_model::MessageKind::Message,
        from: from.into(),
        from_kind: "human".into(),
        to: to.into(),
        to_agent: AgentId(1),
        outcome,
        transport: "paste".into(),
        detail: detail.map(str::to_owned),
        text: text.into(),
    };
    let messages = vec![
        msg(
            1,
            2_000,
            "alice",
            "senior-backend-developer (auth-hotfix:0)",
            Outcome::Submitted,
            "CRITICAL: Auth | 500\nmore",
            None,
        ),
        msg(
            2,
            5_000,
            "project-manager (auth-hotfix:1)",
            "senior-backend-developer (auth-hotfix:0)",
            Outcome::TypedNotSubmitted,
            "check the pool",
            Some("the text is still in the agent's input box after 10s"),
        ),
    ];
    let text = render_incident_report(&ReportData {
        team: &team,
        agents: &agents,
        events: &events,
        messages: &messages,
        generated_at: t0 + 60_000,
        incident: Some(IncidentStory {
            headline: "INC-1 SEV1: Auth returns 500".into(),
            status: "Not resolved yet: phase fixing, declared 2026-11-22 01:20:00 UTC by alice."
                .into(),
            root_cause: Some(
                "DB connections not released in the error path (recorded 2026-11-22 01:25:00 UTC by senior-backend-developer (auth-hotfix:0))"
                    .into(),
            ),
            done: vec![
                "2026-11-22 01:25:00 root-cause by senior-backend-developer (auth-hotfix:0): DB connections not released in the error path".into(),
            ],
            sections: "## Impact\n\n- Impact: 10000 users; production down\n\n".into(),
        }),
    });
    insta::assert_snapshot!("incident_report", text);
}
