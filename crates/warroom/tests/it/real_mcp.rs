//! Real agent CLIs, driven by the scripted model, work the incident through
//! warroom's MCP tools (Claude Code given them with `--mcp-config`, Codex
//! with `-c mcp_servers.warroom…`, Gemini CLI with its system defaults): each claims a todo, records the root
//! cause and messages the project manager, with nothing typed into a
//! shell; each change is the agent's in the store.

use std::time::Duration;

use serde_json::json;
use warroom_testkit::{Action, ModelServer};

use crate::env::TestEnv;
use crate::real_clis::{claude_env, clis_dir, codex_env, env_with_repo, wait_or_dump};
use crate::real_gemini::gemini_env;

/// Waits until the team's window 0 claimed T-4: in progress, its own.
pub(crate) fn wait_claimed(env: &TestEnv, team: &str) {
    let mine = format!("({team}:0)");
    wait_or_dump(
        env,
        team,
        "T-4 claimed over MCP",
        Duration::from_secs(45),
        || {
            env.json(&["todo", "list", "INC-1", "--all"])
                .as_array()
                .is_some_and(|ts| {
                    ts.iter().any(|t| {
                        t["id"] == "T-4"
                            && t["status"] == "in-progress"
                            && t["owner"].as_str().is_some_and(|o| o.contains(&mine))
                    })
                })
        },
    );
}

/// The three MCP calls, scripted, then asked for one by one of `team`'s
/// backend developer (window 0) deployed with `cli`; each checked in the
/// store, and the model's answers checked for no shell call.
fn works_through_mcp(env: &TestEnv, model: &ModelServer, cli: &str, team: &str) {
    let told = format!("root cause recorded over MCP by {cli}");
    model
        .once(
            "MCP-CLAIM",
            Action::Call("mcp__warroom__claim_todo".into(), json!({"todo": "T-4"})),
        )
        .once(
            "MCP-ROOT",
            Action::Call(
                "mcp__warroom__record_milestone".into(),
                json!({"milestone": "root-cause", "summary": "the error path keeps its connection"}),
            ),
        )
        .once(
            "MCP-TELL",
            Action::Call(
                "mcp__warroom__send_message".into(),
                json!({"to": "project-manager", "text": told}),
            ),
        );
    env.json(&[
        "quick-deploy",
        "backend",
        "3",
        "--project-name",
        team,
        "--agent",
        cli,
    ]);
    let window = format!("{team}:0");
    env.ok(&[
        "agent",
        "send",
        &window,
        "MCP-CLAIM: take the root-cause todo",
    ]);
    wait_claimed(env, team);
    env.ok(&["agent", "send", &window, "MCP-ROOT: record what you found"]);
    wait_or_dump(
        env,
        team,
        "the root cause over MCP",
        Duration::from_secs(45),
        || {
            env.json(&["incident", "status", "INC-1"])["milestones"]
                .as_array()
                .is_some_and(|ms| {
                    ms.iter().any(|m| {
                        m["name"] == "root-cause"
                            && m["by"]
                                .as_str()
                                .is_some_and(|b| b.contains("senior-backend-developer"))
                    })
                })
        },
    );
    env.ok(&["agent", "send", &window, "MCP-TELL: tell the PM"]);
    wait_or_dump(
        env,
        team,
        "the message over MCP",
        Duration::from_secs(45),
        || {
            env.messages(team).iter().any(|m| {
                m["text"] == told.as_str()
                    && m["from_kind"] == "agent"
                    && m["from"]
                        .as_str()
                        .is_some_and(|f| f.contains("senior-backend-developer"))
            })
        },
    );
    // Each change came from an MCP call the model asked for; nothing went
    // through a shell.
    let answers: Vec<String> = model.seen().iter().map(|s| s.answer.clone()).collect();
    for call in [
        "call mcp__warroom__claim_todo",
        "call mcp__warroom__record_milestone",
        "call mcp__warroom__send_message",
    ] {
        assert!(
            answers.iter().any(|a| a == call),
            "no {call} in {answers:?}"
        );
    }
    assert!(
        !answers.iter().any(|a| a == "tool"),
        "a shell call: {answers:?}"
    );
}

#[test]
fn claude_code_claims_a_todo_records_the_root_cause_and_messages_through_mcp() {
    let Some(clis) = clis_dir("claude") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    claude_env(&mut env, &model);
    works_through_mcp(&env, &model, "claude", "cc");
}

#[test]
fn codex_claims_a_todo_records_the_root_cause_and_messages_through_mcp() {
    let Some(clis) = clis_dir("codex") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    codex_env(&mut env, &model);
    works_through_mcp(&env, &model, "codex", "cx");
}

#[test]
fn gemini_claims_a_todo_records_the_root_cause_and_messages_through_mcp() {
    let Some(clis) = clis_dir("gemini") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    gemini_env(&mut env, &model);
    works_through_mcp(&env, &model, "gemini", "gm");
}
