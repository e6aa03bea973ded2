//! A scripted model endpoint on 127.0.0.1 for driving the real agent CLIs
//! offline: the Anthropic Messages API (Claude Code), the OpenAI
//! Responses and Chat Completions APIs (Codex, OpenCode, Aider) and the
//! Gemini API (Gemini CLI), streaming as the real services do.
//!
//! A test scripts it with rules: when the newest prompt of a main-loop
//! request (one that offers tools, or any request of a CLI that offers
//! none: [`ModelServer::tool_less`]; side requests such as titles never
//! match) contains a trigger, the endpoint replies with text, asks for a
//! shell tool call, stalls, or fails with an HTTP status. Anything else
//! gets `Acknowledged: <the prompt's start>`; a tool result gets
//! `Tool finished.`. Every request is logged for assertions.

mod anthropic;
mod gemini;
mod openai;
pub mod secrets;
mod sse;

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

/// What the model does for a prompt that matches a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Reply with this text.
    Reply(String),
    /// Ask for one shell tool call running this command.
    Tool(String),
    /// Ask for one call of a named tool (an MCP tool, as the CLI names it:
    /// `mcp__warroom__claim_todo`) with this JSON input.
    Call(String, Value),
    /// Stream a first chunk, wait this long, then reply as usual.
    Stall(Duration),
    /// Fail the request with this HTTP status (429 carries retry-after: 1).
    Fail(u16),
}

#[derive(Debug, Clone)]
struct Rule {
    trigger: String,
    action: Action,
    /// How many more times the rule fires (None: always).
    times: Option<u32>,
}

/// One request the endpoint answered.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    /// The newest prompt text, if any.
    pub prompt: String,
    pub offered_tools: bool,
    pub tool_result: bool,
    /// What it answered (`reply`, `tool`, `fail 429`...).
    pub answer: String,
}

#[derive(Default)]
struct Shared {
    rules: Vec<Rule>,
    seen: Vec<Seen>,
    /// The CLI offers the model no tools (Aider): every request is a turn.
    tool_less: bool,
    /// Prompts already answered with a tool call: Claude Code may resend
    /// the prompt beside the tool's result, which must not ask again.
    served_tool: std::collections::HashSet<String>,
}

/// The endpoint; it stops when dropped.
pub struct ModelServer {
    server: Arc<tiny_http::Server>,
    shared: Arc<Mutex<Shared>>,
    port: u16,
    acceptor: Option<JoinHandle<()>>,
}

/// What a request asks, as both API families reduce to it.
pub(crate) struct Turn {
    pub prompt: String,
    pub offered_tools: bool,
    pub tool_result: bool,
    /// The newest message carries a tool result (perhaps beside text).
    pub result_block: bool,
}

/// The decision for one request.
pub(crate) enum Plan {
    Text {
        text: String,
        stall: Option<Duration>,
    },
    Tool {
        command: String,
    },
    Call {
        name: String,
        input: Value,
    },
    Fail {
        status: u16,
    },
}

impl ModelServer {
    /// Starts on a free port of 127.0.0.1.
    pub fn start() -> std::io::Result<Self> {
        Self::start_on(0)
    }

    /// Starts on this port of 127.0.0.1 (0: a free one).
    pub fn start_on(port: u16) -> std::io::Result<Self> {
        let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(std::io::Error::other)?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| std::io::Error::other("no IP address"))?;
        let server = Arc::new(server);
        let shared = Arc::new(Mutex::new(Shared::default()));
        let acceptor = {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let shared = Arc::clone(&shared);
                    // One thread per request: a stalled stream must not hold
                    // up the CLI's other calls.
                    std::thread::spawn(move || handle(request, &shared));
                }
            })
        };
        Ok(Self {
            server,
            shared,
            port,
            acceptor: Some(acceptor),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`: ANTHROPIC_BASE_URL.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port>/v1`: an OpenAI-style base URL.
    pub fn openai_url(&self) -> String {
        format!("{}/v1", self.base_url())
    }

    /// Adds a rule: prompts containing `trigger` get `action`, every time.
    pub fn on(&self, trigger: &str, action: Action) -> &Self {
        self.add(trigger, action, None)
    }

    /// Adds a rule that fires only once.
    pub fn once(&self, trigger: &str, action: Action) -> &Self {
        self.add(trigger, action, Some(1))
    }

    fn add(&self, trigger: &str, action: Action, times: Option<u32>) -> &Self {
        lock(&self.shared).rules.push(Rule {
            trigger: trigger.to_owned(),
            action,
            times,
        });
        self
    }

    /// The CLI being driven offers the model no tools and makes no side
    /// requests (Aider): every request is a turn a person started, so every
    /// rule may answer it.
    pub fn tool_less(&self) -> &Self {
        lock(&self.shared).tool_less = true;
        self
    }

    /// Every request answered so far.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.shared).seen.clone()
    }

    /// The main-loop prompts seen (requests offering tools), oldest first;
    /// a tool-less CLI's are in [`ModelServer::seen`].
    pub fn prompts(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter(|s| s.offered_tools && !s.tool_result && !s.prompt.is_empty())
            .map(|s| s.prompt)
            .collect()
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// The offered tool a scripted call means: the one of that name, or the
/// one whose name ends with its last part (CLIs prefix MCP tools their way:
/// `mcp__warroom__claim_todo`, `warroom_claim_todo`, `mcp_warroom_claim_todo`).
pub(crate) fn offered(names: Vec<String>, wanted: &str) -> String {
    if names.iter().any(|n| n == wanted) {
        return wanted.to_owned();
    }
    let last = wanted.rsplit("__").next().unwrap_or(wanted);
    names
        .into_iter()
        .find(|n| n.ends_with(last) && n.contains("warroom"))
        .unwrap_or_else(|| wanted.to_owned())
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

fn decide(shared: &Mutex<Shared>, path: &str, turn: &Turn) -> Plan {
    let mut shared = lock(shared);
    let answered = turn.result_block && shared.served_tool.contains(&turn.prompt);
    let plan = if turn.tool_result || answered {
        Plan::Text {
            text: "Tool finished.".into(),
            stall: None,
        }
    } else {
        // Rules answer the turns a person started (the CLI offers its tools
        // then), not its side requests, unless the CLI offers no tools.
        let tool_less = shared.tool_less;
        let rule = shared.rules.iter_mut().find(|r| {
            r.times != Some(0)
                && turn.prompt.contains(&r.trigger)
                && (turn.offered_tools || tool_less)
        });
        let action = rule.map(|r| {
            if let Some(n) = r.times.as_mut() {
                *n -= 1;
            }
            r.action.clone()
        });
        let acknowledged = || {
            let words: Vec<&str> = turn.prompt.split_whitespace().collect();
            let snippet: String = words.join(" ").chars().take(80).collect();
            format!("Acknowledged: {snippet}")
        };
        match action {
            Some(Action::Reply(text)) => Plan::Text { text, stall: None },
            Some(Action::Tool(command)) => {
                shared.served_tool.insert(turn.prompt.clone());
                Plan::Tool { command }
            }
            Some(Action::Call(name, input)) => {
                shared.served_tool.insert(turn.prompt.clone());
                Plan::Call { name, input }
            }
            Some(Action::Stall(d)) => Plan::Text {
                text: acknowledged(),
                stall: Some(d),
            },
            Some(Action::Fail(status)) => Plan::Fail { status },
            None => Plan::Text {
                text: acknowledged(),
                stall: None,
            },
        }
    };
    shared.seen.push(Seen {
        path: path.to_owned(),
        prompt: turn.prompt.clone(),
        offered_tools: turn.offered_tools,
        tool_result: turn.tool_result,
        answer: match &plan {
            Plan::Text { stall: None, .. } => "reply".into(),
            Plan::Text { stall: Some(d), .. } => format!("stall {d:?}"),
            Plan::Tool { .. } => "tool".into(),
            Plan::Call { name, .. } => format!("call {name}"),
            Plan::Fail { status } => format!("fail {status}"),
        },
    });
    plan
}

fn handle(mut request: tiny_http::Request, shared: &Mutex<Shared>) {
    let path = request
        .url()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut body = String::new();
    let _ = request.as_reader().read_to_string(&mut body);
    let req: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let response = if *request.method() != tiny_http::Method::Post {
        if path.trim_end_matches('/').ends_with("/models") {
            sse::json(200, &openai::models())
        } else {
            sse::json(200, &serde_json::json!({}))
        }
    } else if path.ends_with("/count_tokens") {
        sse::json(200, &serde_json::json!({ "input_tokens": 10 }))
    } else if path.ends_with("/v1/messages") {
        let turn = anthropic::turn(&req);
        let plan = decide(shared, &path, &turn);
        anthropic::respond(&req, plan)
    } else if path.ends_with("/responses") {
        let turn = openai::responses_turn(&req);
        let plan = decide(shared, &path, &turn);
        openai::respond_responses(&req, plan)
    } else if let Some(call) = gemini::Call::of(&path) {
        match call {
            gemini::Call::CountTokens => sse::json(200, &serde_json::json!({ "totalTokens": 10 })),
            gemini::Call::Generate { stream } => {
                if gemini::is_side_call(&req) {
                    gemini::respond_side(&req, stream)
                } else {
                    let turn = gemini::turn(&req);
                    let plan = decide(shared, &path, &turn);
                    gemini::respond(&req, &path, plan, stream)
                }
            }
        }
    } else if path.ends_with("/chat/completions") {
        let turn = openai::chat_turn(&req);
        let plan = decide(shared, &path, &turn);
        openai::respond_chat(&req, plan)
    } else {
        sse::json(
            404,
            &serde_json::json!({ "error": { "message": "unknown path" } }),
        )
    };
    let _ = request.respond(response);
}
