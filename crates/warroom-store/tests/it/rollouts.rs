//! Rollout runs in the real store: saved over the state they were read at,
//! so a writer holding an older state finds out instead of overwriting.

use warroom_model::Span;
use warroom_model::rollout::{CommandSpec, Run, Runbook, emergency_steps};
use warroom_store::StoreError;

use crate::{open, team};

fn runbook() -> Runbook {
    let command = |w: &str| CommandSpec {
        run: vec!["./weight".into(), w.into()],
        timeout: Span::from_millis(1_000),
    };
    Runbook {
        stable_version: "v1".into(),
        version: "{commit}".into(),
        set_weight: command("{weight}"),
        rollback: command("0"),
        steps: emergency_steps(),
        checks: Vec::new(),
        after_rollback: None,
        gates: Vec::new(),
    }
}

#[test]
fn a_save_over_an_older_state_is_refused_and_an_ended_run_is_no_longer_active() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    let t = team(&mut store, "auth-hotfix");
    let run = Run::new("v2", "v1", "abc", 1_000);
    let created = store
        .write(1_000, "alice", |tx| {
            tx.create_rollout(t.id, None, &runbook(), &run)
        })
        .map_err(|e: StoreError| e)
        .expect("created");
    assert_eq!(store.active_rollouts().expect("active").len(), 1);

    // The daemon and a person both read rev 0; the person saves first.
    let mut aborted = run.clone();
    aborted.abort("aborted by alice").expect("abort");
    let mut baking = run.clone();
    baking.weight_set(Ok(()), 2_000);
    let saved = store
        .write(2_000, "alice", |tx| {
            tx.save_rollout(created.id, 0, &aborted)
        })
        .map_err(|e: StoreError| e)
        .expect("write");
    assert!(saved);
    let stale = store
        .write(2_001, "warroom", |tx| {
            tx.save_rollout(created.id, 0, &baking)
        })
        .map_err(|e: StoreError| e)
        .expect("write");
    assert!(
        !stale,
        "the daemon's older state must not overwrite the abort"
    );
    let now = store.rollout(created.id).expect("read").expect("there");
    assert_eq!(now.run.stage_name(), "rolling-back");
    assert_eq!(now.rev, 1);
    assert_eq!(
        now.runbook,
        runbook(),
        "the runbook is kept as it was at the start"
    );

    let mut ended = now.run.clone();
    ended.rolled_back(Ok(()), 3_000);
    ended.verified(None, 3_000);
    store
        .write(3_000, "warroom", |tx| {
            tx.save_rollout(created.id, 1, &ended)
        })
        .map_err(|e: StoreError| e)
        .expect("write");
    assert!(store.active_rollouts().expect("active").is_empty());
    assert_eq!(store.rollouts(t.id).expect("all").len(), 1);
}
