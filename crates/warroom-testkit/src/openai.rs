//! The OpenAI Responses API (Codex) and Chat Completions (OpenCode, Aider).

use serde_json::{Value, json};

use crate::sse::{self, Reply};
use crate::{Plan, Turn};

/// Context blocks Codex sends as user messages before the real prompt.
const CONTEXT_MARKS: &[&str] = &[
    "<environment_context",
    "<user_instructions",
    "# AGENTS.md",
    "<permissions",
    "<INSTRUCTIONS",
    "<system",
    "<collaboration_mode",
    "<apps",
    "<skills",
    "<personality",
];

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter(|p| {
                matches!(
                    p["type"].as_str(),
                    Some("input_text" | "text" | "output_text")
                )
            })
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

pub(crate) fn models() -> Value {
    json!({"object": "list", "data": [{"id": "gpt-fake", "object": "model", "created": 0, "owned_by": "warroom-testkit"}]})
}

pub(crate) fn responses_turn(req: &Value) -> Turn {
    let items = match &req["input"] {
        Value::String(s) => vec![json!({"type": "message", "role": "user", "content": s})],
        Value::Array(items) => items.clone(),
        _ => Vec::new(),
    };
    let mut prompt = String::new();
    let mut tool_result = false;
    for item in &items {
        let kind = item["type"].as_str().unwrap_or("message");
        if kind.ends_with("call_output") {
            tool_result = true;
        }
        if item["role"] == "user" && kind == "message" {
            let text = text_of(&item["content"]);
            let context = CONTEXT_MARKS
                .iter()
                .any(|m| text.trim_start().starts_with(m));
            if !text.trim().is_empty() && !context {
                prompt = text;
                tool_result = false;
            }
        }
    }
    Turn {
        prompt,
        offered_tools: req["tools"].as_array().is_some_and(|t| !t.is_empty()),
        tool_result,
        result_block: tool_result,
    }
}

/// The offered tool a scripted call means (see [`crate::offered`]).
fn offered_name(req: &Value, wanted: &str) -> String {
    let names: Vec<String> = req["tools"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["name"].as_str().or(t["function"]["name"].as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    crate::offered(names, wanted)
}

/// The namespace tool (Codex's form for an MCP server's tools) holding the
/// scripted call's tool, and the tool's own name within it.
fn namespaced(req: &Value, wanted: &str) -> Option<(String, String)> {
    let last = wanted.rsplit("__").next().unwrap_or(wanted);
    req["tools"].as_array()?.iter().find_map(|t| {
        if t["type"] != "namespace" {
            return None;
        }
        let namespace = t["name"].as_str()?;
        t["tools"]
            .as_array()?
            .iter()
            .filter_map(|inner| inner["name"].as_str())
            .find(|n| *n == last)
            .map(|n| (namespace.to_owned(), n.to_owned()))
    })
}

fn shell_call(req: &Value, command: &str, call_id: &str) -> Value {
    let names: Vec<&str> = req["tools"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["name"].as_str().or(t["type"].as_str()))
                .collect()
        })
        .unwrap_or_default();
    let (name, args) = if names.contains(&"exec_command") {
        ("exec_command", json!({"cmd": command}))
    } else if names.contains(&"shell_command") {
        ("shell_command", json!({"command": command}))
    } else {
        ("shell", json!({"command": ["bash", "-lc", command]}))
    };
    json!({"type": "function_call", "id": format!("fc_{call_id}"), "call_id": call_id,
           "name": name, "arguments": args.to_string(), "status": "completed"})
}

pub(crate) fn respond_responses(req: &Value, plan: Plan) -> Reply {
    if let Plan::Fail { status } = plan {
        return sse::failure(status, false);
    }
    let model = req["model"].as_str().unwrap_or("gpt-fake").to_owned();
    let id = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let (output, stall) = match &plan {
        Plan::Tool { command } => (shell_call(req, command, &format!("call_{id}")), None),
        Plan::Call { name, input } => {
            let mut call = json!({"type": "function_call", "id": format!("fc_call_{id}"),
                "call_id": format!("call_{id}"), "name": offered_name(req, name),
                "arguments": input.to_string(), "status": "completed"});
            // Codex offers an MCP server's tools in a namespace of their own.
            if let Some((namespace, tool)) = namespaced(req, name) {
                call["namespace"] = json!(namespace);
                call["name"] = json!(tool);
            }
            (call, None)
        }
        Plan::Text { text, stall } => (
            json!({"type": "message", "id": format!("msg_{id}"), "role": "assistant", "status": "completed",
                   "content": [{"type": "output_text", "text": text, "annotations": []}]}),
            *stall,
        ),
        Plan::Fail { .. } => unreachable!("failures are answered above"),
    };
    let usage = json!({"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
                       "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15});
    let response = json!({"id": format!("resp_{id}"), "object": "response", "created_at": 0,
                          "status": "completed", "model": model, "output": [output.clone()], "usage": usage});
    if req["stream"] != true {
        return sse::json(200, &response);
    }
    sse::stream(move |ev| {
        let send = |v: Value| ev.named(v["type"].as_str().unwrap_or_default(), &v);
        let mut created = response.clone();
        created["status"] = json!("in_progress");
        created["output"] = json!([]);
        send(json!({"type": "response.created", "response": created}));
        if output["type"] == "function_call" {
            send(json!({"type": "response.output_item.added", "output_index": 0, "item": output}));
            send(json!({"type": "response.output_item.done", "output_index": 0, "item": output}));
        } else {
            let mid = output["id"].clone();
            let text = output["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            send(
                json!({"type": "response.output_item.added", "output_index": 0,
                        "item": {"type": "message", "id": mid, "role": "assistant", "status": "in_progress", "content": []}}),
            );
            send(
                json!({"type": "response.content_part.added", "item_id": mid, "output_index": 0, "content_index": 0,
                        "part": {"type": "output_text", "text": "", "annotations": []}}),
            );
            if let Some(stall) = stall {
                send(
                    json!({"type": "response.output_text.delta", "item_id": mid, "output_index": 0,
                            "content_index": 0, "delta": "Working on it... "}),
                );
                std::thread::sleep(stall);
            }
            send(
                json!({"type": "response.output_text.delta", "item_id": mid, "output_index": 0, "content_index": 0, "delta": text}),
            );
            send(
                json!({"type": "response.output_text.done", "item_id": mid, "output_index": 0, "content_index": 0, "text": text}),
            );
            send(
                json!({"type": "response.content_part.done", "item_id": mid, "output_index": 0, "content_index": 0,
                        "part": output["content"][0]}),
            );
            send(json!({"type": "response.output_item.done", "output_index": 0, "item": output}));
        }
        send(json!({"type": "response.completed", "response": response}));
    })
}

pub(crate) fn chat_turn(req: &Value) -> Turn {
    let mut prompt = String::new();
    let mut tool_result = false;
    for m in req["messages"].as_array().into_iter().flatten() {
        if m["role"] == "tool" {
            tool_result = true;
        }
        if m["role"] == "user" {
            let text = text_of(&m["content"]);
            if !text.trim().is_empty() {
                prompt = text;
                tool_result = false;
            }
        }
    }
    Turn {
        prompt,
        offered_tools: req["tools"].as_array().is_some_and(|t| !t.is_empty()),
        tool_result,
        result_block: tool_result,
    }
}

pub(crate) fn respond_chat(req: &Value, plan: Plan) -> Reply {
    // A scripted call names the tool the way the CLI offered it.
    let plan = match plan {
        Plan::Call { name, input } => Plan::Call {
            name: offered_name(req, &name),
            input,
        },
        other => other,
    };
    if let Plan::Fail { status } = plan {
        return sse::failure(status, false);
    }
    let model = req["model"].as_str().unwrap_or("gpt-fake").to_owned();
    let tool_name = req["tools"]
        .as_array()
        .and_then(|ts| {
            let names: Vec<&str> = ts
                .iter()
                .filter_map(|t| t["function"]["name"].as_str())
                .collect();
            names
                .iter()
                .find(|n| {
                    matches!(
                        n.to_lowercase().as_str(),
                        "bash" | "shell" | "run_shell_command" | "exec_command"
                    )
                })
                .or(names.first())
                .map(|n| (*n).to_owned())
        })
        .unwrap_or_else(|| "bash".into());
    let chunk = move |delta: Value, finish: Option<&str>| {
        json!({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": model,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        .to_string()
    };
    if req["stream"] != true {
        let message = match &plan {
            Plan::Tool { command } => {
                json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": tool_name, "arguments": json!({"command": command}).to_string()}}]})
            }
            Plan::Call { name, input } => {
                json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": name, "arguments": input.to_string()}}]})
            }
            Plan::Text { text, .. } => json!({"role": "assistant", "content": text}),
            Plan::Fail { .. } => unreachable!("failures are answered above"),
        };
        return sse::json(
            200,
            &json!({"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0,
            "choices": [{"index": 0, "message": message, "finish_reason": if matches!(plan, Plan::Tool { .. } | Plan::Call { .. }) { "tool_calls" } else { "stop" }}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}),
        );
    }
    sse::stream(move |ev| {
        ev.data(&chunk(json!({"role": "assistant", "content": ""}), None));
        match plan {
            Plan::Tool { command } => {
                ev.data(&chunk(json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                    "function": {"name": tool_name, "arguments": json!({"command": command}).to_string()}}]}), None));
                ev.data(&chunk(json!({}), Some("tool_calls")));
            }
            Plan::Call { name, input } => {
                ev.data(&chunk(
                    json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                    "function": {"name": name, "arguments": input.to_string()}}]}),
                    None,
                ));
                ev.data(&chunk(json!({}), Some("tool_calls")));
            }
            Plan::Text { text, stall } => {
                if let Some(stall) = stall {
                    ev.data(&chunk(json!({"content": "Working on it... "}), None));
                    std::thread::sleep(stall);
                }
                ev.data(&chunk(json!({"content": text}), None));
                ev.data(&chunk(json!({}), Some("stop")));
            }
            Plan::Fail { .. } => unreachable!("failures are answered above"),
        }
        ev.data("[DONE]");
    })
}
