//! A real Claude Code agent, driven by the scripted model, works the
//! incident through warroom's MCP tools (given on its command line with
//! `--mcp-config`, allowed as `mcp__warroom`): it claims a todo, records
//! the root cause and messages the project manager, with nothing typed
//! into a shell; each change is the agent's in the store.

use std::time::Duration;

use serde_json::json;
use warroom_testkit::{Action, ModelServer};

use crate::real_clis::{claude_env, clis_dir, env_with_repo, wait_or_dump};

#[test]
fn claude_code_claims_a_todo_records_the_root_cause_and_messages_through_mcp() {
    let Some(clis) = clis_dir("claude") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    claude_env(&mut env, &model);
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
                json!({"to": "project-manager", "text": "root cause recorded over MCP"}),
            ),
        );
    env.json(&[
        "quick-deploy",
        "backend",
        "3",
        "--project-name",
        "cc",
        "--agent",
        "claude",
    ]);

    env.ok(&[
        "agent",
        "send",
        "cc:0",
        "MCP-CLAIM: take the root-cause todo",
    ]);
    wait_or_dump(
        &env,
        "cc",
        "T-4 claimed over MCP",
        Duration::from_secs(45),
        || {
            env.json(&["todo", "list", "INC-1", "--all"])
                .as_array()
                .is_some_and(|ts| {
                    ts.iter().any(|t| {
                        // Claimed: in progress, and the agent's own now.
                        t["id"] == "T-4"
                            && t["status"] == "in-progress"
                            && t["owner"].as_str().is_some_and(|o| o.contains("(cc:0)"))
                    })
                })
        },
    );
    env.ok(&["agent", "send", "cc:0", "MCP-ROOT: record what you found"]);
    wait_or_dump(
        &env,
        "cc",
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
    env.ok(&["agent", "send", "cc:0", "MCP-TELL: tell the PM"]);
    wait_or_dump(
        &env,
        "cc",
        "the message over MCP",
        Duration::from_secs(45),
        || {
            env.messages("cc").iter().any(|m| {
                m["text"] == "root cause recorded over MCP"
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
fn codex_claims_a_todo_records_the_root_cause_and_messages_through_mcp() {
    let Some(clis) = clis_dir("codex") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    crate::real_clis::codex_env(&mut env, &model);
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
                json!({"to": "project-manager", "text": "root cause recorded over MCP by codex"}),
            ),
        );
    env.json(&[
        "quick-deploy",
        "backend",
        "3",
        "--project-name",
        "cx",
        "--agent",
        "codex",
    ]);
    env.ok(&[
        "agent",
        "send",
        "cx:0",
        "MCP-CLAIM: take the root-cause todo",
    ]);
    wait_or_dump(
        &env,
        "cx",
        "T-4 claimed over MCP",
        Duration::from_secs(45),
        || {
            env.json(&["todo", "list", "INC-1", "--all"])
                .as_array()
                .is_some_and(|ts| {
                    ts.iter().any(|t| {
                        t["id"] == "T-4"
                            && t["status"] == "in-progress"
                            && t["owner"].as_str().is_some_and(|o| o.contains("(cx:0)"))
                    })
                })
        },
    );
    env.ok(&["agent", "send", "cx:0", "MCP-ROOT: record what you found"]);
    wait_or_dump(
        &env,
        "cx",
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
    env.ok(&["agent", "send", "cx:0", "MCP-TELL: tell the PM"]);
    wait_or_dump(
        &env,
        "cx",
        "the message over MCP",
        Duration::from_secs(45),
        || {
            env.messages("cx").iter().any(|m| {
                m["text"] == "root cause recorded over MCP by codex" && m["from_kind"] == "agent"
            })
        },
    );
    let answers: Vec<String> = model.seen().iter().map(|s| s.answer.clone()).collect();
    assert!(
        !answers.iter().any(|a| a == "tool"),
        "a shell call: {answers:?}"
    );
}
