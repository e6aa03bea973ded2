use super::*;
use crate::Span;

const MIN: i64 = 60_000;

fn check(name: &str, interval_ms: i64) -> CheckSpec {
    CheckSpec {
        name: name.into(),
        kind: CheckKind::Http {
            url: format!("http://127.0.0.1:1/{name}"),
            status: 200,
            body: None,
        },
        interval: Span::from_millis(interval_ms),
        timeout: Span::from_millis(1_000),
        failure_limit: 0,
        consecutive_error_limit: 4,
        inconclusive_limit: 0,
        on_no_data: NoDataPolicy::Inconclusive,
    }
}

/// The seed's plan: 5 % for 5 minutes measured every minute, then 100 %
/// with one health check.
fn seed_runbook() -> Runbook {
    Runbook {
        stable_version: "v1".into(),
        version: "{commit}".into(),
        set_weight: CommandSpec {
            run: vec!["./weight".into(), "{weight}".into()],
            timeout: Span::from_millis(5_000),
        },
        rollback: CommandSpec {
            run: vec!["./weight".into(), "0".into()],
            timeout: Span::from_millis(5_000),
        },
        steps: vec![
            Step {
                weight: 5,
                bake: Span::from_mins(5),
                checks: vec!["errors".into()],
                manual_gate: false,
            },
            Step {
                weight: 100,
                bake: Span::ZERO,
                checks: vec!["health".into()],
                manual_gate: false,
            },
        ],
        checks: vec![check("errors", MIN), check("health", 10_000)],
        after_rollback: None,
        gates: Vec::new(),
    }
}

#[test]
fn the_seed_plan_bakes_five_minutes_at_five_percent_then_promotes() {
    let book = seed_runbook();
    assert_eq!(book.validate(), Ok(()));
    let mut run = Run::new("abc123", "v1", "abc123", 0);
    assert_eq!(run.next(&book, 0), Next::SetWeight { step: 0, weight: 5 });
    run.weight_set(Ok(()), 1_000);
    assert_eq!(run.weight(&book), 5);
    let errors = book.check("errors").expect("errors").clone();
    let mut t = 1_000;
    let mut measured = 0;
    loop {
        match run.next(&book, t) {
            Next::Measure { check } => {
                assert_eq!(check, "errors");
                assert_eq!(run.measured(&errors, Found::Success, t), Verdict::Continue);
                measured += 1;
            }
            Next::Wait { until } => {
                assert!(until > t);
                t = until;
            }
            Next::Advance => break,
            other => panic!("unexpected {other:?} at {t}"),
        }
    }
    // Measured at 0, 1, 2, 3, 4 and 5 minutes into the bake; not a moment less.
    assert_eq!(measured, 6);
    assert_eq!(t, 1_000 + 5 * MIN);
    run.advance(&book, t);
    assert_eq!(
        run.next(&book, t),
        Next::SetWeight {
            step: 1,
            weight: 100
        }
    );
    run.weight_set(Ok(()), t);
    let health = book.check("health").expect("health").clone();
    assert_eq!(
        run.next(&book, t),
        Next::Measure {
            check: "health".into()
        }
    );
    run.measured(&health, Found::Success, t);
    assert_eq!(run.next(&book, t), Next::Advance);
    run.advance(&book, t);
    assert_eq!(run.outcome(), Some(&Outcome::Promoted));
    assert_eq!(run.weight(&book), 100);
    assert_eq!(run.next(&book, t), Next::Idle);
}

#[test]
fn a_failed_check_rolls_back_at_once_and_verifies_after() {
    let book = seed_runbook();
    let errors = book.check("errors").expect("errors").clone();
    let mut run = Run::new("abc123", "v1", "abc123", 0);
    run.weight_set(Ok(()), 0);
    let verdict = run.measured(&errors, Found::Failure, 2_000);
    assert!(matches!(verdict, Verdict::RollBack { .. }), "{verdict:?}");
    // No waiting out the bake.
    assert!(matches!(run.next(&book, 2_000), Next::Rollback { .. }));
    run.rolled_back(Ok(()), 2_500);
    assert_eq!(
        run.next(&book, 2_500),
        Next::Verify {
            check: Some("errors".into())
        },
        "the first http check is the one after a rollback"
    );
    run.verified(Some(true), 3_000);
    match run.outcome() {
        Some(Outcome::RolledBack { reason, healthy }) => {
            assert!(reason.contains("check errors failed 1 time"), "{reason}");
            assert_eq!(*healthy, Some(true));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(run.weight(&book), 0);
    assert_eq!(run.finished_at, Some(3_000));
}

#[test]
fn a_failed_rollback_is_its_own_end() {
    let book = seed_runbook();
    let mut run = Run::new("abc123", "v1", "abc123", 0);
    run.weight_set(Err("exit status 3".into()), 0);
    assert!(matches!(run.next(&book, 0), Next::Rollback { .. }));
    run.rolled_back(Err("proxy unreachable".into()), 1);
    assert_eq!(run.stage_name(), "rollback-failed");
    assert!(matches!(
        run.outcome(),
        Some(Outcome::RollbackFailed { error, .. }) if error == "proxy unreachable"
    ));
}

#[test]
fn failures_and_errors_count_against_their_own_limits() {
    let mut lenient = check("errors", 1_000);
    lenient.failure_limit = 1;
    let mut run = Run::new("v2", "v1", "c", 0);
    run.weight_set(Ok(()), 0);
    assert_eq!(run.measured(&lenient, Found::Failure, 1), Verdict::Continue);
    // Four errors in a row are tolerated; a success starts the count again.
    for t in 2..6 {
        assert_eq!(run.measured(&lenient, Found::Error, t), Verdict::Continue);
    }
    assert_eq!(run.measured(&lenient, Found::Success, 6), Verdict::Continue);
    for t in 7..11 {
        assert_eq!(run.measured(&lenient, Found::Error, t), Verdict::Continue);
    }
    assert!(matches!(
        run.measured(&lenient, Found::Error, 11),
        Verdict::RollBack { reason } if reason.contains("5 times in a row")
    ));
    let mut again = Run::new("v2", "v1", "c", 0);
    again.weight_set(Ok(()), 0);
    again.measured(&lenient, Found::Failure, 1);
    assert!(matches!(
        again.measured(&lenient, Found::Failure, 2),
        Verdict::RollBack { .. }
    ));
    let tally = &again.tallies["errors"];
    assert_eq!((tally.measurements, tally.failures), (2, 2));
}

#[test]
fn no_data_follows_the_checks_policy() {
    let book = seed_runbook();
    for (policy, expect) in [
        (NoDataPolicy::Pass, "baking"),
        (NoDataPolicy::Fail, "rolling-back"),
        (NoDataPolicy::Inconclusive, "paused"),
    ] {
        let mut c = check("errors", 1_000);
        c.on_no_data = policy;
        let mut run = Run::new("v2", "v1", "c", 0);
        run.weight_set(Ok(()), 0);
        run.measured(&c, Found::NoData, 1);
        assert_eq!(run.stage_name(), expect, "{policy:?}");
    }
    // A paused run waits for a person, who may promote it on.
    let mut c = check("errors", 1_000);
    c.on_no_data = NoDataPolicy::Inconclusive;
    let mut run = Run::new("v2", "v1", "c", 0);
    run.weight_set(Ok(()), 0);
    run.measured(&c, Found::NoData, 1);
    assert_eq!(run.next(&book, 10 * MIN), Next::Idle);
    run.promote(&book, false).expect("promote");
    assert_eq!(
        run.next(&book, 10 * MIN),
        Next::SetWeight {
            step: 1,
            weight: 100
        }
    );
}

#[test]
fn a_manual_gate_pauses_and_promote_full_skips_to_the_end() {
    let mut book = seed_runbook();
    book.steps.insert(
        1,
        Step {
            weight: 50,
            bake: Span::ZERO,
            checks: Vec::new(),
            manual_gate: false,
        },
    );
    book.steps[0].manual_gate = true;
    book.steps[0].checks.clear();
    assert_eq!(book.validate(), Ok(()));
    let mut run = Run::new("v2", "v1", "c", 0);
    run.weight_set(Ok(()), 0);
    assert_eq!(run.next(&book, 5 * MIN), Next::Advance);
    run.advance(&book, 5 * MIN);
    assert_eq!(run.stage_name(), "paused");
    run.promote(&book, true).expect("promote --full");
    assert_eq!(
        run.next(&book, 5 * MIN),
        Next::SetWeight {
            step: 2,
            weight: 100
        }
    );
}

#[test]
fn abort_rolls_back_and_an_ended_run_refuses_commands() {
    let book = seed_runbook();
    let mut run = Run::new("v2", "v1", "c", 0);
    run.weight_set(Ok(()), 0);
    run.abort("aborted by alice").expect("abort");
    assert_eq!(run.abort("again"), Err(RolloutError::RollingBack));
    run.rolled_back(Ok(()), 1);
    run.verified(None, 2);
    assert_eq!(run.abort("late"), Err(RolloutError::Ended("rolled-back")));
    assert_eq!(
        run.promote(&book, false),
        Err(RolloutError::Ended("rolled-back"))
    );
}

#[test]
fn a_run_resumed_from_its_saved_form_does_not_repeat_a_step() {
    let book = seed_runbook();
    let errors = book.check("errors").expect("errors").clone();
    let mut run = Run::new("v2", "v1", "c", 0);
    run.weight_set(Ok(()), 1_000);
    run.measured(&errors, Found::Success, 1_000);
    let saved = serde_json::to_string(&run).expect("save");
    let resumed: Run = serde_json::from_str(&saved).expect("load");
    assert_eq!(resumed, run);
    // The bake keeps its start; the next measurement is a minute after the last.
    assert_eq!(resumed.next(&book, 30_000), Next::Wait { until: 61_000 });
    assert!(matches!(resumed.next(&book, 61_000), Next::Measure { .. }));
}

#[test]
fn a_runbook_that_cannot_run_says_each_problem() {
    let mut book = seed_runbook();
    book.steps[0].weight = 100;
    book.steps[1].weight = 50;
    book.steps[1].checks.push("latency".into());
    book.set_weight.run.clear();
    let problems = book.validate().expect_err("invalid");
    let all = problems.join("\n");
    for said in [
        "step 2: weight 50 does not rise above the step before (100)",
        "step 2: no check named \"latency\"",
        "the last step must take the weight to 100",
        "set_weight names no program to run",
    ] {
        assert!(all.contains(said), "{said:?} not in:\n{all}");
    }
    assert!("<= 0.01".parse::<Condition>().expect("parse").holds(0.01));
    assert!(!"<0.01".parse::<Condition>().expect("parse").holds(0.01));
    assert!("~ 1".parse::<Condition>().is_err());
    assert!(">= x".parse::<Condition>().is_err());
}

#[test]
fn checks_read_from_toml_and_a_misspelt_key_is_refused() {
    #[derive(serde::Deserialize)]
    struct Doc {
        checks: Vec<CheckSpec>,
    }
    let doc: Doc = toml::from_str(
        "[[checks]]\nname = \"errors\"\nkind = \"prometheus\"\naddress = \"http://127.0.0.1:9090\"\nquery = \"up\"\ncondition = \"<= 0.01\"\ninterval = \"2s\"\non_no_data = \"fail\"\n",
    )
    .expect("parses");
    let check = &doc.checks[0];
    assert_eq!(check.interval, Span::from_millis(2_000));
    assert_eq!(check.on_no_data, NoDataPolicy::Fail);
    assert_eq!(check.consecutive_error_limit, 4);
    assert!(matches!(check.kind, CheckKind::Prometheus { .. }));
    let typo = toml::from_str::<Doc>(
        "[[checks]]\nname = \"h\"\nkind = \"http\"\nurl = \"http://x\"\nintervall = \"2s\"\n",
    );
    assert!(typo.is_err());
}

#[test]
fn a_judgement_reads_as_it_is_stored() {
    for judged in [
        Judged::Success,
        Judged::Failure,
        Judged::Error,
        Judged::Inconclusive,
    ] {
        assert_eq!(
            serde_json::to_value(judged).expect("serialise"),
            judged.as_str()
        );
    }
}

#[test]
fn a_bake_ends_only_once_every_check_vouched_with_a_success() {
    let mut book = seed_runbook();
    book.steps[0].bake = Span::from_millis(20_000);
    let mut errors = check("errors", 10_000);
    errors.inconclusive_limit = 5;
    book.checks[0] = errors.clone();
    let mut run = Run::new("v2", "v1", "c", 0);
    run.weight_set(Ok(()), 0);
    // No data all through the bake, within the limit: no evidence yet.
    for t in [0, 10_000, 20_000] {
        assert_eq!(
            run.next(&book, t),
            Next::Measure {
                check: "errors".into()
            }
        );
        run.measured(&errors, Found::NoData, t);
    }
    assert_eq!(run.stage_name(), "baking");
    assert_eq!(run.next(&book, 25_000), Next::Wait { until: 30_000 });
    // The first success after the bake's time vouches for the step.
    assert_eq!(
        run.next(&book, 30_000),
        Next::Measure {
            check: "errors".into()
        }
    );
    run.measured(&errors, Found::Success, 30_000);
    assert_eq!(run.next(&book, 30_001), Next::Advance);
}
