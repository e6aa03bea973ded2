use warroom_ops::notify::FileFormat;
use warroom_ops::{ChannelKind, ChannelSpec, Notifier, NotifyError, Payload};

use crate::Receiver;

fn channel(kind: ChannelKind, url: Option<String>) -> ChannelSpec {
    ChannelSpec {
        name: "stakeholders".into(),
        kind,
        url,
        path: None,
        format: FileFormat::Text,
        retries: 3,
        backoff_ms: 10,
        timeout_secs: 5,
    }
}

fn payload() -> Payload {
    Payload {
        subject: "INC-1 update".into(),
        text: "[SEV1] INC-1 INVESTIGATING — Auth returns 500".into(),
        data: serde_json::json!({"incident": "INC-1", "status": "investigating"}),
        idempotency_key: None,
    }
}

#[test]
fn every_attempt_carries_the_same_idempotency_key_in_a_header_and_a_field() {
    let rx = Receiver::start(&[500]);
    let keyed = Payload {
        idempotency_key: Some("warroom:1795000000000:1:7".into()),
        ..payload()
    };
    let d = Notifier::new()
        .expect("client")
        .deliver(&channel(ChannelKind::Webhook, Some(rx.url.clone())), &keyed);
    assert!(d.result.is_ok(), "{:?}", d.result);
    assert_eq!(
        *rx.keys.lock().expect("lock"),
        ["warroom:1795000000000:1:7", "warroom:1795000000000:1:7"]
    );
    for body in rx.bodies() {
        assert_eq!(body["idempotency_key"], "warroom:1795000000000:1:7");
    }
    let slack = Receiver::start(&[]);
    Notifier::new()
        .expect("client")
        .deliver(
            &channel(ChannelKind::Slack, Some(slack.url.clone())),
            &keyed,
        )
        .result
        .expect("sent");
    assert_eq!(slack.keys.lock().expect("lock").len(), 1);
    assert_eq!(
        slack.bodies(),
        [serde_json::json!({"text": "[SEV1] INC-1 INVESTIGATING — Auth returns 500"})]
    );
}

#[test]
fn the_longest_delivery_counts_every_attempt_and_backoff() {
    // 4 attempts of 5 s, and waits of 10, 20 and 40 ms between them.
    assert_eq!(
        channel(ChannelKind::Webhook, None).longest_delivery_ms(),
        20_070
    );
}

#[test]
fn slack_channels_get_a_text_message_as_json() {
    let rx = Receiver::start(&[]);
    let d = Notifier::new().expect("client").deliver(
        &channel(ChannelKind::Slack, Some(rx.url.clone())),
        &payload(),
    );
    assert!(d.result.is_ok(), "{:?}", d.result);
    assert_eq!(d.attempts, 1);
    let got = rx.received.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].0.starts_with("application/json"), "{}", got[0].0);
    assert_eq!(
        rx.bodies(),
        [serde_json::json!({"text": "[SEV1] INC-1 INVESTIGATING — Auth returns 500"})]
    );
}

#[test]
fn webhooks_get_the_structured_data_and_are_retried_through_5xx_and_429() {
    let rx = Receiver::start(&[500, 429]);
    let d = Notifier::new().expect("client").deliver(
        &channel(ChannelKind::Webhook, Some(rx.url.clone())),
        &payload(),
    );
    assert!(d.result.is_ok(), "{:?}", d.result);
    assert_eq!(d.attempts, 3);
    assert_eq!(rx.bodies().len(), 3);
    assert_eq!(rx.bodies()[2]["incident"], "INC-1");
}

#[test]
fn a_client_error_is_not_retried_and_says_what_the_server_said() {
    let rx = Receiver::start(&[404]);
    let d = Notifier::new().expect("client").deliver(
        &channel(ChannelKind::Webhook, Some(rx.url.clone())),
        &payload(),
    );
    assert_eq!(d.attempts, 1);
    assert!(matches!(
        d.result,
        Err(NotifyError::Status { status: 404, .. })
    ));
}

#[test]
fn an_unreachable_server_fails_after_every_retry() {
    // Bind then drop: a port on 127.0.0.1 that nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let d = Notifier::new().expect("client").deliver(
        &channel(
            ChannelKind::Webhook,
            Some(format!("http://127.0.0.1:{port}/")),
        ),
        &payload(),
    );
    assert_eq!(d.attempts, 4);
    assert!(
        matches!(d.result, Err(NotifyError::Http(_))),
        "{:?}",
        d.result
    );
}

#[test]
fn file_channels_append_text_or_json_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = channel(ChannelKind::File, None);
    text.path = Some(dir.path().join("updates/log.txt"));
    let n = Notifier::new().expect("client");
    assert!(n.deliver(&text, &payload()).result.is_ok());
    assert!(n.deliver(&text, &payload()).result.is_ok());
    let written = std::fs::read_to_string(dir.path().join("updates/log.txt")).expect("read");
    assert_eq!(
        written.matches("=== INC-1 update\n").count(),
        2,
        "{written}"
    );
    let mut jsonl = text.clone();
    jsonl.format = FileFormat::Jsonl;
    jsonl.path = Some(dir.path().join("u.jsonl"));
    assert!(n.deliver(&jsonl, &payload()).result.is_ok());
    let line = std::fs::read_to_string(dir.path().join("u.jsonl")).expect("read");
    assert_eq!(
        line,
        "{\"incident\":\"INC-1\",\"status\":\"investigating\"}\n"
    );
}

#[test]
fn a_channel_without_its_address_is_refused_before_sending() {
    let d = Notifier::new()
        .expect("client")
        .deliver(&channel(ChannelKind::Slack, None), &payload());
    assert_eq!(d.attempts, 0);
    assert!(matches!(d.result, Err(NotifyError::Config { .. })));
}
