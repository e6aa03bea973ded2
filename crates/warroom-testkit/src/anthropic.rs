//! The Anthropic Messages API, as Claude Code calls it.

use serde_json::{Value, json};

use crate::sse::{self, Reply};
use crate::{Plan, Turn};

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            // Claude Code puts context in reminder blocks, and keeps a failed
            // prompt before the new one: the newest block is the prompt.
            .rfind(|t| !t.trim_start().starts_with("<system-reminder>") && !t.trim().is_empty())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

pub(crate) fn turn(req: &Value) -> Turn {
    let messages = req["messages"].as_array().cloned().unwrap_or_default();
    // The newest user messages, after the last assistant message.
    let tail: Vec<&Value> = messages
        .iter()
        .rev()
        .filter(|m| m["role"] != "system")
        .take_while(|m| m["role"] == "user")
        .collect();
    // `tail` is newest first: the newest message with text holds the prompt.
    let prompt = tail
        .iter()
        .map(|m| text_of(&m["content"]))
        .find(|t| !t.trim().is_empty())
        .unwrap_or_default();
    let result_block = tail.first().is_some_and(|m| {
        m["content"]
            .as_array()
            .is_some_and(|bs| bs.iter().any(|b| b["type"] == "tool_result"))
    });
    Turn {
        tool_result: result_block && prompt.trim().is_empty(),
        prompt,
        offered_tools: req["tools"].as_array().is_some_and(|t| !t.is_empty()),
        result_block,
    }
}

pub(crate) fn respond(req: &Value, plan: Plan) -> Reply {
    let model = req["model"].as_str().unwrap_or("claude").to_owned();
    if let Plan::Fail { status } = plan {
        return sse::failure(status, true);
    }
    if req["stream"] != true {
        let text = match &plan {
            Plan::Text { text, .. } => text.clone(),
            _ => "Done.".into(),
        };
        return sse::json(
            200,
            &json!({"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                    "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                    "stop_sequence": null, "usage": {"input_tokens": 10, "output_tokens": 12}}),
        );
    }
    sse::stream(move |ev| {
        ev.named(
            "message_start",
            &json!({"type": "message_start", "message": {"id": "msg_x", "type": "message",
                "role": "assistant", "model": model, "content": [], "stop_reason": null,
                "stop_sequence": null, "usage": {"input_tokens": 10, "output_tokens": 1}}}),
        );
        let stop = match plan {
            Plan::Tool { command } => {
                ev.named("content_block_start", &json!({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "tool_use", "id": format!("toolu_{}", std::process::id()),
                                      "name": "Bash", "input": {}}}));
                let input = json!({"command": command, "description": "Run the scripted command"});
                ev.named(
                    "content_block_delta",
                    &json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": input.to_string()}}),
                );
                "tool_use"
            }
            Plan::Call { name, input } => {
                ev.named("content_block_start", &json!({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "tool_use", "id": format!("toolu_{}", std::process::id()),
                                      "name": name, "input": {}}}));
                ev.named(
                    "content_block_delta",
                    &json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": input.to_string()}}),
                );
                "tool_use"
            }
            Plan::Text { text, stall } => {
                ev.named(
                    "content_block_start",
                    &json!({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "text", "text": ""}}),
                );
                if let Some(stall) = stall {
                    ev.named(
                        "content_block_delta",
                        &json!({"type": "content_block_delta", "index": 0,
                        "delta": {"type": "text_delta", "text": "Working on it... "}}),
                    );
                    std::thread::sleep(stall);
                }
                ev.named(
                    "content_block_delta",
                    &json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": text}}),
                );
                "end_turn"
            }
            Plan::Fail { .. } => unreachable!("failures are answered before streaming"),
        };
        ev.named(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": 0}),
        );
        ev.named(
            "message_delta",
            &json!({"type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 12}}),
        );
        ev.named("message_stop", &json!({"type": "message_stop"}));
    })
}
