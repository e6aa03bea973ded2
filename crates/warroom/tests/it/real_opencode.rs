//! The real OpenCode (pinned, from npm) against the scripted model's
//! OpenAI-compatible endpoint: a team starts without a human, takes its
//! briefing (submitted, verified, seen by the model), shows busy and idle
//! retrying, rate-limited and exited from its real screen, claims a todo
//! through warroom's MCP tools, and a killed agent comes back with its
//! context once the daemon watches.

use std::time::Duration;

use warroom_testkit::{Action, ModelServer};

use crate::env::TestEnv;
use crate::real_clis::{
    agent, clis_dir, deploy_one, env_with_repo, kill_agent, revived_with_context, wait_or_dump,
    wait_state,
};

/// OpenCode against the endpoint: its own XDG directories under the test's
/// HOME, no network beyond 127.0.0.1, and the scripted provider.
fn opencode_env(env: &mut TestEnv, model: &ModelServer) {
    let home = env.path("home");
    let config = home.join(".config/opencode");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::write(
        config.join("opencode.json"),
        serde_json::json!({
            "$schema": "https://opencode.ai/config.json",
            "provider": {
                "fake": {
                    "npm": "@ai-sdk/openai-compatible",
                    "name": "Fake",
                    "options": { "baseURL": model.openai_url(), "apiKey": "sk-test" },
                    "models": { "gpt-fake": { "name": "GPT Fake", "tool_call": true } }
                }
            },
            "model": "fake/gpt-fake",
            "small_model": "fake/gpt-fake",
            "autoupdate": false,
            "share": "disabled"
        })
        .to_string(),
    )
    .expect("config");
    for (k, v) in [
        ("XDG_CACHE_HOME", home.join(".cache").display().to_string()),
        (
            "XDG_STATE_HOME",
            home.join(".local/state").display().to_string(),
        ),
        ("OPENCODE_DISABLE_MODELS_FETCH", "1".into()),
        ("OPENCODE_DISABLE_AUTOUPDATE", "1".into()),
        ("OPENCODE_DISABLE_LSP_DOWNLOAD", "1".into()),
        ("OPENCODE_DISABLE_SHARE", "1".into()),
    ] {
        env.extra.push((k.into(), v));
    }
}

#[test]
fn opencode_starts_takes_its_briefing_shows_its_states_and_comes_back_after_a_kill() {
    let Some(clis) = clis_dir("opencode") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    opencode_env(&mut env, &model);
    model
        .on("STALL", Action::Stall(Duration::from_secs(4)))
        .on("BROKEN", Action::Fail(400))
        .on("LIMIT", Action::Fail(429))
        .once(
            "MCP-CLAIM",
            Action::Call(
                "mcp__warroom__claim_todo".into(),
                serde_json::json!({"todo": "T-4"}),
            ),
        );
    deploy_one(&env, "oc", "opencode");
    wait_or_dump(
        &env,
        "oc",
        "the briefing at the model",
        Duration::from_secs(30),
        || {
            model
                .prompts()
                .iter()
                .any(|p| p.contains("BRIEFING. You are"))
        },
    );
    wait_state(&env, "oc", 0, "idle", Duration::from_secs(30));

    env.ok(&["agent", "send", "oc:0", "STALL: think about the pool"]);
    wait_state(&env, "oc", 0, "busy", Duration::from_secs(20));
    wait_state(&env, "oc", 0, "idle", Duration::from_secs(30));

    // OpenCode retries every failed request until it is interrupted (Esc
    // twice): a refused request reads as busy, retrying; a rate limit as
    // rate-limited.
    let pane = agent(&env, "oc", 0)["pane"]
        .as_str()
        .expect("pane")
        .to_owned();
    let interrupt = || {
        for _ in 0..2 {
            env.tmux(&["send-keys", "-t", &pane, "Escape"]);
            std::thread::sleep(Duration::from_millis(300));
        }
    };
    env.ok(&["agent", "send", "oc:0", "BROKEN request"]);
    wait_or_dump(
        &env,
        "oc",
        "busy, retrying",
        Duration::from_secs(20),
        || agent(&env, "oc", 0)["state_detail"] == "retrying",
    );
    interrupt();
    wait_state(&env, "oc", 0, "idle", Duration::from_secs(20));
    env.ok(&["agent", "send", "oc:0", "LIMIT this one"]);
    wait_state(&env, "oc", 0, "rate-limited", Duration::from_secs(20));
    interrupt();
    wait_state(&env, "oc", 0, "idle", Duration::from_secs(20));

    // Its MCP tools (OPENCODE_CONFIG_CONTENT): a todo claimed, no shell.
    env.ok(&[
        "agent",
        "send",
        "oc:0",
        "MCP-CLAIM: take the root-cause todo",
    ]);
    crate::real_mcp::wait_claimed(&env, "oc");
    wait_state(&env, "oc", 0, "idle", Duration::from_secs(30));

    // Killed: seen exited; the daemon revives it, and it is told what it
    // was doing.
    kill_agent(&env, "oc");
    revived_with_context(&env, "oc", || {
        model
            .prompts()
            .iter()
            .any(|p| p.contains("CONTEXT RESTORED"))
    });
}
