//! `warroom mcp` against a real MCP client (rmcp's, over stdio, the server
//! started as a child process as an agent CLI would): every tool listed with
//! its schema; todos claimed and finished, a milestone recorded and a
//! teammate messaged, each attributed to the calling agent; a role that may
//! not deploy refused with a readable message; bad arguments refused.

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

use crate::env::TestEnv;

fn args(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().cloned().expect("an object")
}

fn text(result: &rmcp::model::CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn an_agent_works_the_incident_through_mcp_and_its_role_is_enforced() {
    let env = TestEnv::start();
    let notices = env.path("notices.jsonl");
    std::fs::write(
        env.path("project/warroom.toml"),
        format!(
            "[[channels]]\nname = \"incident-commander\"\nkind = \"file\"\npath = \"{}\"\nformat = \"jsonl\"\n",
            notices.display()
        ),
    )
    .expect("config");
    env.deploy("auth-hotfix", "3", "default");
    env.wait_idle("auth-hotfix");
    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let developer = agents[0]["id"].as_str().expect("id").to_owned();

    // The server as the developer's agent CLI starts it: its environment.
    let std = env.warroom();
    let mut cmd = tokio::process::Command::from(std);
    cmd.arg("mcp").env("WARROOM_AGENT_ID", &developer);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let client = ()
            .serve(TokioChildProcess::new(cmd).expect("spawn"))
            .await
            .expect("the MCP handshake");
        let tools = client.list_all_tools().await.expect("tools");
        let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        for tool in [
            "whoami",
            "incident_status",
            "list_todos",
            "add_todo",
            "claim_todo",
            "update_todo",
            "block_todo",
            "finish_todo",
            "record_milestone",
            "send_message",
            "ask_commander",
            "run_checks",
            "open_pull_request",
            "start_rollout",
        ] {
            assert!(names.iter().any(|n| n == tool), "no {tool} in {names:?}");
        }
        let claim = tools.iter().find(|t| t.name == "claim_todo").expect("claim_todo");
        assert!(claim.input_schema.get("properties").is_some_and(|p| p.get("todo").is_some()));

        let call = |name: &'static str, a: Value| {
            CallToolRequestParams::new(name).with_arguments(args(a))
        };
        let me = client.call_tool(call("whoami", json!({}))).await.expect("whoami");
        let me: Value = serde_json::from_str(&text(&me)).expect("JSON");
        assert_eq!(me["role"], "senior-backend-developer");
        assert_eq!(me["incident"], "INC-1");

        let claimed = client
            .call_tool(call("claim_todo", json!({"todo": "T-4"})))
            .await
            .expect("claim");
        assert_ne!(claimed.is_error, Some(true), "{}", text(&claimed));
        let milestone = client
            .call_tool(call(
                "record_milestone",
                json!({"milestone": "root-cause", "summary": "the error path keeps its connection"}),
            ))
            .await
            .expect("milestone");
        assert_ne!(milestone.is_error, Some(true), "{}", text(&milestone));
        let finished = client
            .call_tool(call("finish_todo", json!({"todo": "T-4", "note": "found it in pool.py"})))
            .await
            .expect("finish");
        assert_ne!(finished.is_error, Some(true), "{}", text(&finished));
        let sent = client
            .call_tool(call("send_message", json!({"to": "pm", "text": "root cause found"})))
            .await
            .expect("send");
        assert_ne!(sent.is_error, Some(true), "{}", text(&sent));

        let asked = client
            .call_tool(call(
                "ask_commander",
                json!({"question": "May we restart the auth pool during business hours?"}),
            ))
            .await
            .expect("ask");
        assert_ne!(asked.is_error, Some(true), "{}", text(&asked));

        // A role that may not deploy is told so, in words.
        let refused = client
            .call_tool(call("start_rollout", json!({})))
            .await
            .expect("a tool result");
        assert_eq!(refused.is_error, Some(true));
        let said = text(&refused);
        assert!(
            said.contains("may not deploy") || said.contains("no deploy runbook"),
            "{said}"
        );
        // Arguments that do not fit the schema are refused.
        let bad = client.call_tool(call("claim_todo", json!({"nope": 1}))).await;
        assert!(
            bad.is_err() || bad.as_ref().is_ok_and(|r| r.is_error == Some(true)),
            "{bad:?}"
        );
        let missing = client
            .call_tool(call("claim_todo", json!({"todo": "T-99"})))
            .await
            .expect("a tool result");
        assert_eq!(missing.is_error, Some(true), "{}", text(&missing));
        client.cancel().await.expect("close");
    });

    // Everything it did is the developer's, in the store.
    let incident = env.json(&["incident", "status", "INC-1"]);
    let root = incident["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .find(|m| m["name"] == "root-cause")
        .cloned()
        .expect("root-cause recorded");
    assert!(
        root["by"]
            .as_str()
            .unwrap_or_default()
            .contains("senior-backend-developer"),
        "{root}"
    );
    let todos = env.json(&["todo", "list", "INC-1", "--all"]);
    let t4 = todos
        .as_array()
        .expect("todos")
        .iter()
        .find(|t| t["id"] == "T-4")
        .cloned()
        .expect("T-4");
    assert_eq!(t4["status"], "done", "{t4}");
    let messages = env.messages("auth-hotfix");
    let ours = messages
        .iter()
        .find(|m| m["text"] == "root cause found")
        .expect("the message");
    assert!(
        ours["from"]
            .as_str()
            .unwrap_or_default()
            .contains("senior-backend-developer")
    );
}

/// The MCP inspector's CLI mode (pinned, from npm by
/// scripts/install-agent-clis): a client warroom did not write lists the
/// tools with their schemas, claims a todo for the agent, and gets a role's
/// refusal and bad arguments back as tool errors (its exit code 5).
#[test]
fn the_mcp_inspector_lists_the_tools_calls_one_and_is_refused_in_words() {
    let Some(clis) = crate::real_clis::clis_dir("mcp-inspector") else {
        return;
    };
    let env = TestEnv::start();
    env.deploy("insp", "3", "default");
    env.wait_idle("insp");
    let agents = env.json(&["agent", "list", "insp"]);
    let developer = agents[0]["id"].as_str().expect("id").to_owned();
    let warroom = env.warroom();
    let inspect = |args: &[&str]| -> (i32, String) {
        let mut cmd = std::process::Command::new(clis.join("mcp-inspector"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env.path("home"))
            .arg("--cli");
        // The inspector gives the server only the variables it is told of,
        // as an agent CLI's MCP configuration does.
        for (k, v) in warroom.get_envs() {
            if let Some(v) = v {
                cmd.arg("-e")
                    .arg(format!("{}={}", k.to_string_lossy(), v.to_string_lossy()));
            }
        }
        cmd.arg("-e").arg(format!("WARROOM_AGENT_ID={developer}"));
        cmd.arg(warroom.get_program()).arg("mcp").args(args);
        let out = cmd.output().expect("the inspector runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let first_json = |text: &str| -> Value {
        serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .next()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("no JSON in {text}"))
    };

    let (code, listed) = inspect(&["--method", "tools/list"]);
    assert_eq!(code, 0, "{listed}");
    let tools = first_json(&listed)["tools"].clone();
    let claim = tools
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["name"] == "claim_todo"))
        .unwrap_or_else(|| panic!("no claim_todo in {tools}"));
    assert_eq!(claim["inputSchema"]["required"], json!(["todo"]), "{claim}");
    assert!(tools.as_array().is_some_and(|ts| ts.len() >= 14), "{tools}");

    let (code, claimed) = inspect(&[
        "--method",
        "tools/call",
        "--tool-name",
        "claim_todo",
        "--tool-arg",
        "todo=T-4",
    ]);
    assert_eq!(code, 0, "{claimed}");
    let result = first_json(&claimed);
    assert_eq!(result["isError"], false, "{result}");
    let todo: Value =
        serde_json::from_str(result["content"][0]["text"].as_str().expect("text")).expect("json");
    assert_eq!(todo["status"], "in-progress", "{todo}");
    assert!(
        todo["owner"]
            .as_str()
            .is_some_and(|o| o.contains("senior-backend-developer")),
        "{todo}"
    );

    // The developer may not deploy: refused in words, before anything else.
    let (code, refused) = inspect(&["--method", "tools/call", "--tool-name", "start_rollout"]);
    assert_eq!(code, 5, "{refused}");
    let result = first_json(&refused);
    assert_eq!(result["isError"], true, "{result}");
    let words = result["content"][0]["text"].as_str().expect("text");
    assert!(words.contains("may not deploy"), "{words}");

    let (code, bad) = inspect(&[
        "--method",
        "tools/call",
        "--tool-name",
        "claim_todo",
        "--tool-arg",
        "nope=1",
    ]);
    assert_eq!(code, 5, "{bad}");
    assert!(bad.contains("todo"), "{bad}");
}
