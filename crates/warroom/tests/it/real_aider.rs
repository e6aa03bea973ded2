//! The real Aider (pinned, from PyPI, in a virtual environment of its own)
//! against the scripted model's OpenAI-compatible endpoint: it starts
//! without a human, takes its briefing, shows busy, idle, error,
//! rate-limited and exited from its real screen, and comes back with its
//! context after a kill once the daemon watches. Aider has no MCP: it keeps the shell route (`/run`).

use std::time::Duration;

use warroom_testkit::{Action, ModelServer};

use crate::real_clis::{
    agent, clis_dir, deploy_one, env_with_repo, kill_agent, revived_with_context, wait_or_dump,
    wait_state,
};

/// Whether the model was sent `words` (Aider passes a paste on with its
/// own line breaks and spacing).
fn saw(model: &ModelServer, words: &str) -> bool {
    // Aider offers the model no tools: every request it made is looked at.
    model.seen().iter().any(|s| {
        s.prompt
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(words)
    })
}

#[test]
fn aider_starts_takes_its_briefing_shows_its_states_and_comes_back_after_a_kill() {
    let Some(clis) = clis_dir("aider") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    for (k, v) in [
        ("OPENAI_API_KEY", "sk-test".to_owned()),
        ("OPENAI_API_BASE", model.openai_url()),
        ("AIDER_MODEL", "openai/gpt-fake".to_owned()),
    ] {
        env.extra.push((k.into(), v));
    }
    model
        .tool_less()
        .on("STALL", Action::Stall(Duration::from_secs(4)))
        .on("BROKEN", Action::Fail(400))
        .on("LIMIT", Action::Fail(429));
    deploy_one(&env, "ad", "aider");
    wait_or_dump(
        &env,
        "ad",
        "the briefing at the model",
        Duration::from_secs(30),
        || saw(&model, "BRIEFING. You are"),
    );
    // While Aider echoes the briefing before asking the model, its screen
    // shows the echo's last row as if typed: warroom waits it out.
    let pane = agent(&env, "ad", 0)["pane"]
        .as_str()
        .expect("pane")
        .to_owned();
    wait_state(&env, "ad", 0, "idle", Duration::from_secs(30));

    env.ok(&["agent", "send", "ad:0", "STALL: think about the pool"]);
    wait_state(&env, "ad", 0, "busy", Duration::from_secs(20));
    wait_state(&env, "ad", 0, "idle", Duration::from_secs(30));

    // A refused request ends the turn at once; a rate limit is retried
    // (for about a minute) until Ctrl-C.
    env.ok(&["agent", "send", "ad:0", "BROKEN request"]);
    let (_, seen) = wait_state(&env, "ad", 0, "error", Duration::from_secs(20));
    assert!(
        seen["state_detail"]
            .as_str()
            .is_some_and(|d| d.contains("BadRequestError")),
        "{seen}"
    );
    env.ok(&["agent", "send", "ad:0", "LIMIT this one"]);
    wait_state(&env, "ad", 0, "rate-limited", Duration::from_secs(20));
    env.tmux(&["send-keys", "-t", &pane, "C-c"]);
    wait_or_dump(
        &env,
        "ad",
        "the rate-limited turn interrupted",
        Duration::from_secs(20),
        || env.capture(&pane).contains("^C again to exit"),
    );

    kill_agent(&env, "ad");
    revived_with_context(&env, "ad", || saw(&model, "CONTEXT RESTORED"));
}
