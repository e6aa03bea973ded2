//! The daemon's HTTP API for real: the running daemon, a real HTTP client,
//! tokens made by the CLI. Refused without a token, with a read token for a
//! write, with a revoked token; writes attributed to the token; the event
//! stream resumed after a reconnect without a lost or doubled event; a
//! non-loopback address refused while no token exists.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::{Value, json};

use crate::env::{TestEnv, wait_until};

fn client() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// The API's address, once the daemon says it serves.
fn address(env: &TestEnv) -> String {
    let mut address = String::new();
    wait_until("the daemon to serve HTTP", Duration::from_secs(15), || {
        let status = env.json(&["daemon", "status"]);
        match status["daemon"]["http"].as_str() {
            Some(a) => {
                address = a.to_owned();
                true
            }
            None => false,
        }
    });
    address
}

fn token(env: &TestEnv, scope: &str, name: &str) -> String {
    let made = env.json(&["token", "create", "--scope", scope, "--name", name]);
    made["secret"].as_str().expect("secret").to_owned()
}

/// Reads server-sent events from `response` until `stop` says so; each
/// (id, event kind, data).
fn read_events(
    response: reqwest::blocking::Response,
    mut stop: impl FnMut(&[(i64, String, Value)]) -> bool,
) -> Vec<(i64, String, Value)> {
    let mut seen = Vec::new();
    let (mut id, mut kind) = (0, String::new());
    for line in BufReader::new(response).lines() {
        let line = line.expect("stream line");
        if let Some(v) = line
            .strip_prefix("id: ")
            .or_else(|| line.strip_prefix("id:"))
        {
            id = v.trim().parse().expect("numeric id");
        } else if let Some(v) = line
            .strip_prefix("event: ")
            .or_else(|| line.strip_prefix("event:"))
        {
            kind = v.trim().to_owned();
        } else if let Some(v) = line
            .strip_prefix("data: ")
            .or_else(|| line.strip_prefix("data:"))
        {
            seen.push((
                id,
                kind.clone(),
                serde_json::from_str(v).expect("JSON data"),
            ));
            if stop(&seen) {
                break;
            }
        }
    }
    seen
}

#[test]
fn the_api_serves_reads_and_writes_by_token_and_refuses_what_it_should() {
    let env = TestEnv::start().with_daemon();
    env.deploy("auth-hotfix", "2", "default");
    let base = address(&env);
    let http = client();

    let anonymous = http
        .get(format!("{base}/api/v1/teams"))
        .send()
        .expect("get");
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().expect("JSON error");
    assert_eq!(body["error"]["kind"], "unauthorized");

    let reader = token(&env, "read", "grafana");
    let writer = token(&env, "write", "pager-bot");
    let teams: Value = http
        .get(format!("{base}/api/v1/teams"))
        .bearer_auth(&reader)
        .send()
        .expect("get")
        .json()
        .expect("JSON");
    assert_eq!(teams[0]["name"], "auth-hotfix", "{teams}");
    assert_eq!(teams[0]["session"], true, "{teams}");
    let team: Value = http
        .get(format!("{base}/api/v1/teams/auth-hotfix"))
        .bearer_auth(&reader)
        .send()
        .expect("get")
        .json()
        .expect("JSON");
    assert_eq!(team["agents"].as_array().map(Vec::len), Some(2), "{team}");
    let incident: Value = http
        .get(format!("{base}/api/v1/incidents/INC-1"))
        .bearer_auth(&reader)
        .send()
        .expect("get")
        .json()
        .expect("JSON");
    assert_eq!(incident["id"], "INC-1");
    let missing = http
        .get(format!("{base}/api/v1/teams/no-such-team"))
        .bearer_auth(&reader)
        .send()
        .expect("get");
    assert_eq!(missing.status(), 404);

    // A read token may not write.
    let refused = http
        .post(format!("{base}/api/v1/teams/auth-hotfix/messages"))
        .bearer_auth(&reader)
        .json(&json!({"to": "0", "text": "from a read token"}))
        .send()
        .expect("post");
    assert_eq!(refused.status(), 403);
    let sent = http
        .post(format!("{base}/api/v1/teams/auth-hotfix/messages"))
        .bearer_auth(&writer)
        .json(&json!({"to": "0", "text": "status of the pool?"}))
        .send()
        .expect("post");
    assert_eq!(sent.status(), 200, "{:?}", sent.text());
    let messages = env.messages("auth-hotfix");
    let ours = messages
        .iter()
        .find(|m| m["text"] == "status of the pool?")
        .expect("the message went through warroom");
    assert_eq!(ours["from"], "api:pager-bot", "{ours}");
    assert!(!messages.iter().any(|m| m["text"] == "from a read token"));

    let todo: Value = http
        .post(format!("{base}/api/v1/incidents/INC-1/todos"))
        .bearer_auth(&writer)
        .json(&json!({"title": "Page the database on-call"}))
        .send()
        .expect("post")
        .json()
        .expect("JSON");
    let id = todo["id"].as_str().expect("todo id").to_owned();
    let done: Value = http
        .post(format!("{base}/api/v1/todos/{id}/done"))
        .bearer_auth(&writer)
        .json(&json!({"note": "paged"}))
        .send()
        .expect("post")
        .json()
        .expect("JSON");
    assert_eq!(done["status"], "done", "{done}");
    let update = http
        .post(format!("{base}/api/v1/incidents/INC-1/updates"))
        .bearer_auth(&writer)
        .json(&json!({"text": "Logins fail for some users; a fix is being tested.", "status": "identified"}))
        .send()
        .expect("post");
    assert_eq!(update.status(), 200, "{:?}", update.text());

    // Revoked: refused from then on. Tokens are kept only as hashes.
    let listed = env.json(&["token", "list"]);
    let reader_id = listed
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["name"] == "grafana")
        .and_then(|t| t["id"].as_i64())
        .expect("the read token");
    env.ok(&["token", "revoke", &reader_id.to_string()]);
    let revoked = http
        .get(format!("{base}/api/v1/teams"))
        .bearer_auth(&reader)
        .send()
        .expect("get");
    assert_eq!(revoked.status(), 401);
    assert!(revoked.text().unwrap_or_default().contains("revoked"));
    for entry in std::fs::read_dir(env.path("data"))
        .expect("data dir")
        .flatten()
    {
        if entry.path().is_file() {
            let bytes = std::fs::read(entry.path()).expect("read");
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(&writer) && !text.contains(&reader),
                "a token in {}",
                entry.path().display()
            );
        }
    }
}

#[test]
fn the_event_stream_resumes_after_a_reconnect_without_a_lost_or_doubled_event() {
    let env = TestEnv::start().with_daemon();
    env.deploy("auth-hotfix", "1", "default");
    let base = address(&env);
    let http = client();
    let reader = token(&env, "read", "watcher");

    // Connected first, then something happens.
    let stream = http
        .get(format!("{base}/api/v1/events"))
        .bearer_auth(&reader)
        .send()
        .expect("stream");
    assert_eq!(stream.status(), 200);
    env.ok(&["todo", "add", "INC-1", "First thing"]);
    let first = read_events(stream, |seen| {
        seen.iter().any(|(_, kind, data)| {
            kind == "todo-added"
                && data["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("First thing"))
        })
    });
    let last = first.last().expect("events").0;

    // While disconnected, more happens; the client resumes where it was.
    env.ok(&["todo", "add", "INC-1", "Second thing"]);
    env.ok(&["todo", "add", "INC-1", "Third thing"]);
    let resumed = http
        .get(format!("{base}/api/v1/events"))
        .bearer_auth(&reader)
        .header("Last-Event-ID", last.to_string())
        .send()
        .expect("stream");
    let second = read_events(resumed, |seen| {
        seen.iter().any(|(_, _, data)| {
            data["text"]
                .as_str()
                .is_some_and(|t| t.contains("Third thing"))
        })
    });
    let ids: Vec<i64> = first.iter().chain(&second).map(|(id, _, _)| *id).collect();
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1),
        "every event once, in order: {ids:?}"
    );
    let texts: Vec<&str> = second
        .iter()
        .filter_map(|(_, _, d)| d["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("Second thing")),
        "{texts:?}"
    );
}

#[test]
fn a_non_loopback_address_is_refused_without_a_token_and_anonymous_reads_stay_read_only() {
    let env = TestEnv::start().with_daemon();
    std::fs::write(
        env.path("project/warroom.toml"),
        "[http]\nlisten = \"0.0.0.0:0\"\n",
    )
    .expect("config");
    env.deploy("open-wide", "1", "default");
    let mut refused = String::new();
    wait_until("the daemon to refuse", Duration::from_secs(15), || {
        let status = env.json(&["daemon", "status"]);
        refused = status["daemon"]["http_refused"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        !refused.is_empty()
    });
    assert!(
        refused.contains("not loopback and no token exists"),
        "{refused}"
    );
    let said = env.ok(&["daemon", "status"]).stdout;
    assert!(said.contains("HTTP API: not served"), "{said}");

    let local = TestEnv::start().with_daemon();
    std::fs::write(
        local.path("project/warroom.toml"),
        "[http]\nanonymous_reads = true\n",
    )
    .expect("config");
    local.deploy("auth-hotfix", "1", "default");
    let base = address(&local);
    let http = client();
    let read = http
        .get(format!("{base}/api/v1/teams"))
        .send()
        .expect("get");
    assert_eq!(read.status(), 200);
    let write = http
        .post(format!("{base}/api/v1/incidents/INC-1/todos"))
        .json(&json!({"title": "anonymous"}))
        .send()
        .expect("post");
    assert_eq!(write.status(), 401);
}

#[test]
fn malformed_requests_are_refused_in_the_apis_own_error_shape() {
    let env = TestEnv::start().with_daemon();
    env.deploy("auth-hotfix", "2", "default");
    let base = address(&env);
    let http = client();
    let writer = token(&env, "write", "pager-bot");
    let refused = |response: reqwest::blocking::Response, status: u16| {
        assert_eq!(response.status(), status);
        let body: Value = response.json().expect("a JSON error, not plain text");
        assert_eq!(body["error"]["kind"], "bad-input", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    };
    // Not JSON at all.
    refused(
        http.post(format!("{base}/api/v1/teams/auth-hotfix/messages"))
            .bearer_auth(&writer)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .expect("post"),
        400,
    );
    // JSON, but not what the path takes.
    refused(
        http.post(format!("{base}/api/v1/teams/auth-hotfix/messages"))
            .bearer_auth(&writer)
            .json(&serde_json::json!({"text": "no recipient"}))
            .send()
            .expect("post"),
        422,
    );
    // No content type.
    refused(
        http.post(format!("{base}/api/v1/teams/auth-hotfix/messages"))
            .bearer_auth(&writer)
            .body("{\"to\": \"pm\", \"text\": \"hi\"}")
            .send()
            .expect("post"),
        415,
    );
    // A query that does not parse.
    refused(
        http.get(format!(
            "{base}/api/v1/teams/auth-hotfix/messages?after=abc"
        ))
        .bearer_auth(&writer)
        .send()
        .expect("get"),
        400,
    );
    // Nothing there yet is not found, not a bad request.
    let none = http
        .get(format!("{base}/api/v1/teams/auth-hotfix/rollout"))
        .bearer_auth(&writer)
        .send()
        .expect("get");
    assert_eq!(none.status(), 404);
    let body: Value = none.json().expect("JSON");
    assert_eq!(body["error"]["kind"], "not-found", "{body}");
}
