//! Every text view fits 100 columns after a realistic incident: long
//! titles, multi-line messages, long team names, blocked todos.

use std::time::Duration;

use crate::env::{TestEnv, wait_until};

const WIDTH: usize = 100;

fn assert_fits(env: &TestEnv, args: &[&str]) -> String {
    let out = env.run(args);
    assert!(
        out.code == 0 || args.contains(&"doctor"),
        "{args:?}: {}{}",
        out.stdout,
        out.stderr
    );
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        assert!(
            line.chars().count() <= WIDTH,
            "warroom {} prints a line of {} columns:\n{line}",
            args.join(" "),
            line.chars().count()
        );
    }
    out.stdout
}

#[test]
fn every_text_view_fits_100_columns() {
    let env = TestEnv::start();
    let title = "Auth returns 500 errors for every login attempt across all regions since \
                 the 14:00 deploy of auth-service v2.31";
    assert_fits(
        &env,
        &[
            "incident",
            "declare",
            title,
            "--impact",
            "users=10000,availability=down",
            "--domain",
            "auth",
            "--slug",
            "auth-hotfix",
        ],
    );
    for (team, size, scenario) in [
        ("auth-hotfix", "3", "auth-hotfix"),
        ("payments-database-failover-eu-west", "1", "default"),
    ] {
        assert_fits(
            &env,
            &[
                "quick-deploy",
                "backend",
                size,
                "--project-name",
                team,
                "--agent",
                "sim",
                "--scenario",
                scenario,
            ],
        );
    }
    assert_fits(
        &env,
        &[
            "team",
            "broadcast",
            "auth-hotfix",
            "CRITICAL: Auth service returning 500 errors.\nUsers cannot log in. Started 10 \
             minutes ago.\nLogs show 'connection pool exhausted' errors.\nPriority: Fix \
             immediately.",
        ],
    );
    let log: Vec<String> = (0..30)
        .map(|i| {
            format!(
                "2026-11-22T01:{i:02}:00Z ERROR auth[812]: connection pool exhausted; waited \
                 30000ms for a connection from pool 'primary' (size 50, in use 50) user={i}"
            )
        })
        .collect();
    assert_fits(&env, &["agent", "send", "auth-hotfix:0", &log.join("\n")]);
    // The scenario's agents answer each other.
    wait_until("the agents to coordinate", Duration::from_secs(20), || {
        env.messages("auth-hotfix").len() >= 11
    });
    assert_fits(
        &env,
        &[
            "todo",
            "add",
            "INC-1",
            "Check whether the connection pool leak started with the 14:00 deploy and which \
             code path holds the connections",
            "--owner",
            "backend-dev",
            "--priority",
            "P0",
        ],
    );
    assert_fits(&env, &["todo", "claim", "T-3"]);
    assert_fits(
        &env,
        &[
            "todo",
            "block",
            "T-4",
            "the database team's read replica credentials, which only the on-call DBA can \
             issue, and a maintenance window",
        ],
    );
    assert_fits(
        &env,
        &[
            "incident",
            "milestone",
            "INC-1",
            "fix-ready",
            "pool exhausted by leaked connections in the token refresh path, which never \
             returns a connection to the pool on timeout",
        ],
    );
    assert_fits(
        &env,
        &[
            "incident",
            "update",
            "INC-1",
            "--status",
            "identified",
            "The token refresh path leaks a pooled connection on every timeout; a patch is \
             being written and will be canaried to 5% of traffic first",
        ],
    );
    for args in [
        &["agent", "messages", "auth-hotfix"][..],
        &["todo", "list", "INC-1", "--all"],
        &["incident", "status", "INC-1"],
        &["incident", "list"],
        &["team", "status", "auth-hotfix"],
        &["team", "status", "payments-database-failover-eu-west"],
        &["team", "list"],
        &["agent", "list"],
        &[
            "monitor",
            "performance",
            "--session",
            "auth-hotfix",
            "--analyze",
        ],
        &["daemon", "status"],
        &["doctor", "--full"],
    ] {
        assert_fits(&env, args);
    }
    // Cut with intent: the log line keeps its start and says what is left.
    let messages = assert_fits(&env, &["agent", "messages", "auth-hotfix"]);
    let sent = messages
        .lines()
        .find(|l| l.contains("2026-11-22T01:00:00Z"))
        .unwrap_or_else(|| panic!("the log message:\n{messages}"));
    assert!(sent.contains("tester → backend-dev:0"), "{sent}");
    assert!(sent.ends_with("[+29 lines]"), "{sent}");
    // Times say their zone.
    let status = assert_fits(&env, &["team", "status", "auth-hotfix"]);
    assert!(status.contains(" UTC"), "{status}");
}
