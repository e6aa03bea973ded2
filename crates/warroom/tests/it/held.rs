//! A message for an agent that is down (an escalation, a nudge) is held,
//! not refused and lost, and reaches the agent once it is back.

use std::time::Duration;

use crate::env::{TestEnv, wait_until};

#[test]
fn an_escalation_for_a_dead_agent_waits_and_arrives_after_its_restart() {
    let env = TestEnv::start();
    env.drill("2026-11-22T14:00:00Z");
    let declared = env.json(&[
        "incident",
        "declare",
        "Auth returns 500",
        "--impact",
        "users=10000,availability=down",
        "--deploy",
        "--agent",
        "sim",
        "--no-worktree",
    ]);
    let team = declared["deploy"]["team"]
        .as_str()
        .expect("team")
        .to_owned();
    env.wait_idle(&team);
    let agents = env.json(&["agent", "list", &team]);
    let devops = agents
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["role"].as_str().is_some_and(|r| r.contains("devops")))
        .expect("a devops agent")
        .clone();
    let (id, pid) = (
        devops["id"].as_str().expect("id").to_owned(),
        devops["pid"].as_u64().expect("pid"),
    );
    // Our own agent's process, by its pid.
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    wait_until("the agent to be seen dead", Duration::from_secs(10), || {
        env.json(&["agent", "list", &team])
            .as_array()
            .expect("agents")
            .iter()
            .any(|a| a["id"] == id.as_str() && a["state"] == "exited")
    });

    // 20 minutes on, its P0 is overdue: the escalation to its owner is held.
    env.drill("2026-11-22T14:20:00Z");
    env.ok(&["todo", "list", "INC-1"]);
    let held = |env: &TestEnv| {
        env.messages(&team).into_iter().find(|m| {
            m["to_agent"] == id.as_str()
                && m["text"].as_str().is_some_and(|t| t.contains("ESCALATION"))
        })
    };
    wait_until(
        "the escalation to be recorded",
        Duration::from_secs(10),
        || held(&env).is_some(),
    );

    std::thread::sleep(Duration::from_millis(500));
    let message = held(&env).expect("escalation");
    assert_eq!(message["outcome"], "pending", "{message}");

    // Back: briefed with its context, then given what waited for it.
    let restart = env.json(&["agent", "restart", &id, "--restore-context"]);
    assert_eq!(restart["ready"], true, "{restart}");
    wait_until(
        "the held escalation to arrive",
        Duration::from_secs(15),
        || {
            env.transcript(&id)
                .iter()
                .any(|m| m.contains("ESCALATION") && m.contains("T-3"))
        },
    );
    let message = held(&env).expect("escalation");
    assert_eq!(message["outcome"], "submitted", "{message}");
}
