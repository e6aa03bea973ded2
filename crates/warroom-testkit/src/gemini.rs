//! The Gemini API (`…/models/<model>:streamGenerateContent?alt=sse`,
//! `:generateContent`, `:countTokens`), as Gemini CLI calls it.

use serde_json::{Value, json};

use crate::sse::{self, Reply};
use crate::{Plan, Turn};

/// Parts Gemini CLI puts before the real prompt in a user turn.
const CONTEXT_MARKS: &[&str] = &["<session_context>", "This is the Gemini CLI", "<system"];

/// Which Gemini API method a path calls.
pub(crate) enum Call {
    Generate { stream: bool },
    CountTokens,
}

impl Call {
    pub(crate) fn of(path: &str) -> Option<Self> {
        let method = path.rsplit_once(':')?.1;
        match method {
            "streamGenerateContent" => Some(Self::Generate { stream: true }),
            "generateContent" => Some(Self::Generate { stream: false }),
            "countTokens" => Some(Self::CountTokens),
            _ => None,
        }
    }
}

fn declared_tools(req: &Value) -> Vec<String> {
    req["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["functionDeclarations"].as_array().into_iter().flatten())
        .filter_map(|f| f["name"].as_str().map(str::to_owned))
        .collect()
}

/// The CLI's own side requests (model routing, next-speaker checks,
/// titles): JSON-mode or tool-less; no rule answers them.
pub(crate) fn is_side_call(req: &Value) -> bool {
    req["generationConfig"]["responseMimeType"] == "application/json"
        || declared_tools(req).is_empty()
}

pub(crate) fn turn(req: &Value) -> Turn {
    let mut prompt = String::new();
    let mut tool_result = false;
    for content in req["contents"].as_array().into_iter().flatten() {
        if content["role"] != "user" {
            continue;
        }
        let parts = content["parts"].as_array().cloned().unwrap_or_default();
        if parts.iter().any(|p| p.get("functionResponse").is_some()) {
            tool_result = true;
        }
        let text: Vec<&str> = parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .filter(|t| !CONTEXT_MARKS.iter().any(|m| t.trim_start().starts_with(m)))
            .collect();
        let text = text.join("\n");
        if !text.trim().is_empty() {
            prompt = text;
            tool_result = false;
        }
    }
    Turn {
        prompt,
        offered_tools: !declared_tools(req).is_empty(),
        tool_result,
        result_block: tool_result,
    }
}

fn candidate(parts: Value, finish: bool) -> Value {
    let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
    if finish {
        candidate["finishReason"] = json!("STOP");
    }
    json!({"candidates": [candidate], "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15}})
}

/// A short answer that fits whatever a side request asks for.
pub(crate) fn respond_side(req: &Value, stream: bool) -> Reply {
    let text = if req["generationConfig"]["responseMimeType"] == "application/json" {
        json!({"reasoning": "scripted", "model_choice": "flash", "next_speaker": "user"})
            .to_string()
    } else {
        "Scripted title".to_owned()
    };
    let body = candidate(json!([{ "text": text }]), true);
    if !stream {
        return sse::json(200, &body);
    }
    sse::stream(move |ev| ev.data(&body.to_string()))
}

pub(crate) fn respond(req: &Value, path: &str, plan: Plan, stream: bool) -> Reply {
    if let Plan::Fail { status } = plan {
        return failure(status);
    }
    let tools = declared_tools(req);
    let model = path
        .rsplit_once("/models/")
        .map(|(_, m)| m.split(':').next().unwrap_or(m).to_owned())
        .unwrap_or_default();
    let call =
        |name: String, args: Value| json!([{ "functionCall": { "name": name, "args": args } }]);
    let (parts, stall) = match plan {
        Plan::Tool { command } => {
            let shell = tools
                .iter()
                .find(|n| matches!(n.as_str(), "run_shell_command" | "shell"))
                .cloned()
                .unwrap_or_else(|| "run_shell_command".into());
            (
                call(
                    shell,
                    json!({"command": command, "description": "Run the scripted command"}),
                ),
                None,
            )
        }
        Plan::Call { name, input } => (call(crate::offered(tools, &name), input), None),
        Plan::Text { text, stall } => (json!([{ "text": text }]), stall),
        Plan::Fail { .. } => unreachable!("failures are answered above"),
    };
    let mut last = candidate(parts, true);
    last["modelVersion"] = json!(model);
    if !stream {
        return sse::json(200, &last);
    }
    sse::stream(move |ev| {
        if let Some(stall) = stall {
            ev.data(&candidate(json!([{ "text": "Working on it... " }]), false).to_string());
            std::thread::sleep(stall);
        }
        ev.data(&last.to_string());
    })
}

/// The error the Gemini API answers with; a 429 is the free tier's daily
/// quota, in the shape the real service sends (details Gemini CLI reads).
fn failure(status: u16) -> Reply {
    let error = match status {
        429 => json!({"code": 429, "status": "RESOURCE_EXHAUSTED",
        "message": "You exceeded your current quota, please check your plan and billing details. \
        * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, \
        limit: 50 (scripted)\nPlease retry in 39.5s.",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "39s"}
        ]}),
        400 => {
            json!({"code": 400, "status": "INVALID_ARGUMENT", "message": "Bad request (scripted)"})
        }
        401 | 403 => json!({"code": status, "status": "PERMISSION_DENIED",
            "message": "API key not valid (scripted)"}),
        _ => json!({"code": status, "status": "INTERNAL", "message": "Internal error (scripted)"}),
    };
    sse::json(status, &json!({ "error": error }))
}
