use std::os::unix::fs::PermissionsExt;

use warroom_model::{AgentId, EventKind, Outcome, Sender, Transport};
use warroom_store::{MessageKind, NewAgent, NewMessage, StoreError};

use crate::{open, team};

#[test]
fn the_database_and_its_directory_are_private() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let store = open(&data);
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(
        store.schema_version().expect("version"),
        warroom_store::SCHEMA_VERSION
    );
    // -wal and -shm exist once WAL is on; they inherit the database's mode.
    for ext in ["db-wal", "db-shm"] {
        let p = store.path().with_extension(ext);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
}

#[test]
fn each_change_appends_its_event_in_the_same_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    let t = team(&mut store, "auth-hotfix");
    let cmd = vec!["warroom".to_owned(), "sim-agent".to_owned()];
    let agent = store
        .write(2_000, "alice", |tx| {
            let a = tx.add_agent(&NewAgent {
                team_id: t.id,
                window: 0,
                role: "senior-backend-developer",
                display_name: "Senior Backend Developer",
                cli: "sim",
                configured_cli: "claude",
                command: &cmd,
            })?;
            tx.agent_started(&a, "%3", Some(42), Some("claude"))?;
            Ok::<_, StoreError>(a)
        })
        .expect("agent added");
    let sender = Sender::Human {
        name: "alice".into(),
    };
    let id = store
        .write(3_000, "alice", |tx| {
            tx.create_message(&NewMessage {
                team_id: t.id,
                kind: MessageKind::Message,
                sender: &sender,
                recipient: agent.id,
                body: "hello",
            })
        })
        .expect("message created");
    store
        .write(3_100, "alice", |tx| {
            tx.finish_message(id, Outcome::Submitted, Transport::Typed, None)
        })
        .expect("finished");

    let stored = store.agent(agent.id).expect("query").expect("exists");
    assert_eq!(stored.pane_id.as_deref(), Some("%3"));
    assert_eq!(stored.pid, Some(42));
    assert_eq!(stored.command, cmd);
    let msg = store.message(id).expect("query").expect("exists");
    assert_eq!(
        (msg.outcome, msg.finished_at, msg.sender_label.as_str()),
        (Outcome::Submitted, Some(3_100), "alice")
    );

    let kinds: Vec<&str> = store
        .events(t.id)
        .expect("events")
        .iter()
        .map(|e| e.kind.name())
        .collect();
    assert_eq!(
        kinds,
        [
            "team-created",
            "agent-started",
            "message-sent",
            "message-delivered"
        ]
    );
}

#[test]
fn a_failed_transaction_leaves_neither_event_nor_projection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    let t = team(&mut store, "auth-hotfix");
    let before = store.event_count().expect("count");
    let result: Result<(), StoreError> = store.write(5_000, "alice", |tx| {
        tx.set_purpose_if_unset(t.id, "fix auth")?;
        Err(StoreError::Corrupt(
            "simulated failure after the first write".into(),
        ))
    });
    assert!(result.is_err());
    assert_eq!(store.event_count().expect("count"), before);
    assert_eq!(
        store.team(t.id).expect("query").expect("exists").purpose,
        None
    );
}

#[test]
fn live_team_names_are_unique_but_reusable_after_the_team_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    let first = team(&mut store, "auth-hotfix");
    let dup = store.write(2_000, "bob", |tx| {
        tx.create_team(&warroom_store::NewTeam {
            name: "auth-hotfix",
            team_type: None,
            project_dir: "/x",
            purpose: None,
            tmux_socket: "warroom",
        })
    });
    assert!(matches!(dup, Err(StoreError::TeamExists(_))));
    store
        .write(3_000, "bob", |tx| tx.end_team(&first))
        .expect("ended");
    let second = team(&mut store, "auth-hotfix");
    assert_ne!(first.id, second.id);
    assert_eq!(
        store.team_by_name("auth-hotfix").expect("q").map(|t| t.id),
        Some(second.id)
    );
    let ended = store.events(first.id).expect("events");
    assert!(matches!(
        ended.last().map(|e| &e.kind),
        Some(EventKind::TeamKilled { .. })
    ));
}

#[test]
fn messages_to_returns_the_latest_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    let t = team(&mut store, "t");
    let a = store
        .write(1, "x", |tx| {
            tx.add_agent(&NewAgent {
                team_id: t.id,
                window: 0,
                role: "r",
                display_name: "R",
                cli: "sim",
                configured_cli: "sim",
                command: &[],
            })
        })
        .expect("agent");
    let sender = Sender::System;
    for i in 0..5 {
        let body = format!("m{i}");
        store
            .write(10 + i, "x", |tx| {
                tx.create_message(&NewMessage {
                    team_id: t.id,
                    kind: MessageKind::Message,
                    sender: &sender,
                    recipient: a.id,
                    body: &body,
                })
            })
            .expect("message");
    }
    let last: Vec<String> = store
        .messages_to(a.id, MessageKind::Message, 3)
        .expect("query")
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(last, ["m2", "m3", "m4"]);
    assert_eq!(store.agent(AgentId(999)).expect("query"), None);
}

#[test]
fn a_restart_owes_a_briefing_until_one_is_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = crate::open(dir.path());
    let team = crate::team(&mut store, "owed");
    let agent = store
        .write(2_000, "alice", |tx| {
            tx.add_agent(&NewAgent {
                team_id: team.id,
                window: 0,
                role: "senior-backend-developer",
                display_name: "Senior Backend Developer",
                cli: "sim",
                configured_cli: "sim",
                command: &[],
            })
        })
        .map_err(|e: warroom_store::StoreError| e)
        .expect("agent");
    let brief = |store: &mut warroom_store::Store, at: i64| {
        store
            .write(at, "warroom", |tx| {
                tx.create_message(&warroom_store::NewMessage {
                    team_id: team.id,
                    kind: warroom_store::MessageKind::Context,
                    sender: &warroom_model::Sender::System,
                    recipient: agent.id,
                    body: "CONTEXT RESTORED",
                })
            })
            .map_err(|e: warroom_store::StoreError| e)
            .expect("briefed")
    };
    brief(&mut store, 3_000);
    assert_eq!(
        store.unbriefed_since(&agent).expect("query"),
        None,
        "never restarted"
    );
    store
        .write(4_000, "supervisor", |tx| {
            tx.agent_restarted(&agent, Some(9), true)
        })
        .map_err(|e: warroom_store::StoreError| e)
        .expect("restarted");
    let agent = store.agent(agent.id).expect("read").expect("agent");
    assert_eq!(
        store.unbriefed_since(&agent).expect("query"),
        Some(4_000),
        "restarted, not briefed"
    );
    brief(&mut store, 5_000);
    assert_eq!(
        store.unbriefed_since(&agent).expect("query"),
        None,
        "briefed since"
    );
}
