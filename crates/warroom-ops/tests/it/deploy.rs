//! The runbook's actions for real: commands as processes (placeholders,
//! exit codes, a timeout that kills), HTTP checks against a server on
//! 127.0.0.1, and Prometheus's answers as its HTTP API gives them.

use std::path::Path;
use std::time::{Duration, Instant};

use warroom_model::Span;
use warroom_model::rollout::{CheckKind, CheckSpec, Condition, Found, MinSamples, NoDataPolicy};
use warroom_ops::deploy::{Prober, RunbookActions, Vars, run_command};

fn vars() -> Vars {
    Vars {
        version: "abc123".into(),
        stable_version: "v1".into(),
        commit: "abc123def456".into(),
        weight: Some(5),
    }
}

fn check(kind: CheckKind) -> CheckSpec {
    CheckSpec {
        name: "probe".into(),
        kind,
        interval: Span::from_millis(1_000),
        timeout: Span::from_millis(2_000),
        failure_limit: 0,
        consecutive_error_limit: 4,
        inconclusive_limit: 0,
        on_no_data: NoDataPolicy::Inconclusive,
    }
}

#[test]
fn a_command_gets_its_placeholders_as_arguments_never_through_a_shell() {
    let dir = tempfile::tempdir().expect("dir");
    let out = run_command(
        &[
            "sh".into(),
            "-c".into(),
            "printf '%s|' \"$@\" > args; exit 3".into(),
            "set-weight".into(),
            "--version={version}".into(),
            "{weight}".into(),
            "$(touch pwned) {stable_version}".into(),
        ],
        &vars(),
        dir.path(),
        Duration::from_secs(5),
    );
    assert_eq!(out.exit_code, Some(3));
    assert_eq!(out.error.as_deref(), Some("exited with status 3"));
    let args = std::fs::read_to_string(dir.path().join("args")).expect("args");
    assert_eq!(args, "--version=abc123|5|$(touch pwned) v1|");
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn a_command_that_hangs_is_killed_at_its_timeout() {
    let dir = tempfile::tempdir().expect("dir");
    let started = Instant::now();
    let out = run_command(
        &["sleep".into(), "30".into()],
        &vars(),
        dir.path(),
        Duration::from_millis(300),
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!out.ok());
    assert!(
        out.error
            .as_deref()
            .unwrap_or_default()
            .contains("timed out"),
        "{out:?}"
    );
    let missing = run_command(
        &["no-such-program-x".into()],
        &vars(),
        dir.path(),
        Duration::from_secs(1),
    );
    assert!(
        missing
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("could not start")
    );
}

/// An HTTP server on 127.0.0.1 answering every request with `status` and
/// `body`, until dropped.
struct Server {
    url: String,
    server: std::sync::Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(status: u16, body: &'static str) -> Server {
        let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let thread = {
            let server = std::sync::Arc::clone(&server);
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let response = tiny_http::Response::from_string(body)
                        .with_status_code(status)
                        .with_header(
                            "Content-Type: application/json"
                                .parse::<tiny_http::Header>()
                                .expect("header"),
                        );
                    let _ = request.respond(response);
                }
            })
        };
        Server {
            url: format!("http://127.0.0.1:{port}"),
            server,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn measure(kind: CheckKind) -> warroom_ops::deploy::Measurement {
    Prober::new().measure(&check(kind), &vars(), Path::new("."))
}

#[test]
fn an_http_check_passes_on_its_status_and_body_and_says_what_it_saw() {
    let healthy = Server::start(200, "{\"status\":\"ok\",\"version\":\"abc123\"}");
    let http = |url: &str, body: Option<&str>| CheckKind::Http {
        url: url.to_owned(),
        status: 200,
        body: body.map(str::to_owned),
    };
    let ok = measure(http(
        &format!("{}/health?v={{version}}", healthy.url),
        Some("\"version\":\"{version}\"|ok"),
    ));
    assert_eq!(ok.found, Found::Success, "{ok:?}");
    assert_eq!(ok.query, format!("GET {}/health?v=abc123", healthy.url));
    let wrong_body = measure(http(&healthy.url, Some("degraded")));
    assert_eq!(wrong_body.found, Found::Failure);

    let failing = Server::start(503, "overloaded");
    let bad = measure(http(&failing.url, None));
    assert_eq!(bad.found, Found::Failure);
    assert_eq!(bad.value.as_deref(), Some("503"));
    assert_eq!(bad.message, "answered 503, expected 200");

    let gone = failing.url.clone();
    drop(failing);
    let unreachable = measure(http(&gone, None));
    assert_eq!(unreachable.found, Found::Error, "{unreachable:?}");
}

fn prometheus(address: &str, min_samples: Option<MinSamples>) -> CheckKind {
    CheckKind::Prometheus {
        address: address.to_owned(),
        query: "sum(rate(errors{version=\"{version}\"}[1m]))".into(),
        condition: "<= 0.01".parse::<Condition>().expect("condition"),
        min_samples,
    }
}

#[test]
fn prometheus_answers_are_judged_and_no_data_is_kept_apart() {
    let vector = |v: &str| {
        format!(
            "{{\"status\":\"success\",\"data\":{{\"resultType\":\"vector\",\"result\":[{{\"metric\":{{}},\"value\":[1700000000,\"{v}\"]}}]}}}}"
        )
    };
    let low = Server::start(200, Box::leak(vector("0.002").into_boxed_str()));
    let m = measure(prometheus(&low.url, None));
    assert_eq!(m.found, Found::Success, "{m:?}");
    assert_eq!(m.query, "sum(rate(errors{version=\"abc123\"}[1m]))");
    assert_eq!(m.value.as_deref(), Some("0.002"));

    let high = Server::start(200, Box::leak(vector("0.3").into_boxed_str()));
    let m = measure(prometheus(&high.url, None));
    assert_eq!(m.found, Found::Failure);
    assert_eq!(m.message, "0.3 is not <= 0.01");

    let nan = Server::start(200, Box::leak(vector("NaN").into_boxed_str()));
    assert_eq!(measure(prometheus(&nan.url, None)).found, Found::NoData);
    let empty = Server::start(
        200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
    );
    assert_eq!(measure(prometheus(&empty.url, None)).found, Found::NoData);
    let broken = Server::start(
        400,
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}",
    );
    let m = measure(prometheus(&broken.url, None));
    assert_eq!(m.found, Found::Error);
    assert!(m.message.contains("parse error"), "{m:?}");

    // Too little traffic behind the canary: no data, whatever the ratio says.
    let guarded = measure(prometheus(
        &low.url,
        Some(MinSamples {
            query: "sum(increase(requests[5m]))".into(),
            at_least: 50.0,
        }),
    ));
    assert_eq!(guarded.found, Found::NoData, "{guarded:?}");
    assert!(guarded.message.contains("too little traffic"));
}

#[test]
fn a_command_check_passes_on_exit_zero() {
    let ok = measure(CheckKind::Command {
        run: vec![
            "test".into(),
            "{version}".into(),
            "=".into(),
            "abc123".into(),
        ],
    });
    assert_eq!(ok.found, Found::Success, "{ok:?}");
    let no = measure(CheckKind::Command {
        run: vec!["false".into()],
    });
    assert_eq!(no.found, Found::Failure);
}
