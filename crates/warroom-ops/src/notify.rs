//! Notification channels: a Slack-compatible incoming webhook (`{"text"}`),
//! a generic JSON webhook (the structured payload), or a local file. A
//! delivery is retried with exponential backoff on errors that may pass
//! (connection failures, timeouts, 429, 5xx) and not on the others.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Slack,
    Webhook,
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    #[default]
    Text,
    Jsonl,
}

/// One `[[channels]]` entry of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    pub name: String,
    pub kind: ChannelKind,
    /// For slack and webhook.
    pub url: Option<String>,
    /// For file.
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub format: FileFormat,
    /// Attempts after the first one.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The first retry waits this long; each next one twice as long.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_retries() -> u32 {
    3
}
fn default_backoff_ms() -> u64 {
    250
}
fn default_timeout_secs() -> u64 {
    10
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("channel {name:?}: {problem}")]
    Config { name: String, problem: String },
    #[error("HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("{0}")]
    Http(String),
    #[error("writing {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl NotifyError {
    fn may_pass(&self) -> bool {
        match self {
            NotifyError::Status { status, .. } => *status == 429 || *status >= 500,
            NotifyError::Http(_) => true,
            NotifyError::Config { .. } | NotifyError::File { .. } => false,
        }
    }
}

/// What is sent: the text people read, and the structured data for webhooks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub subject: String,
    pub text: String,
    pub data: serde_json::Value,
    /// The same for every attempt and every sender of this one notification
    /// (an `Idempotency-Key` header, and a field of the JSON and file
    /// forms), so a receiver can drop a repeat sent after a sender died
    /// between sending and recording it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// How a delivery went.
#[derive(Debug)]
pub struct Delivery {
    pub attempts: u32,
    pub result: Result<(), NotifyError>,
}

impl ChannelSpec {
    /// The longest one delivery may take with all its retries: a sender
    /// holding a notification longer than this has died.
    pub fn longest_delivery_ms(&self) -> u64 {
        let attempts = u64::from(self.retries) + 1;
        let backoff: u64 = (0..self.retries)
            .map(|i| self.backoff_ms.saturating_mul(1 << i.min(10)))
            .sum();
        attempts
            .saturating_mul(self.timeout_secs.saturating_mul(1000))
            .saturating_add(backoff)
    }

    pub fn validate(&self) -> Result<(), NotifyError> {
        let problem = |p: &str| NotifyError::Config {
            name: self.name.clone(),
            problem: p.to_owned(),
        };
        match self.kind {
            ChannelKind::Slack | ChannelKind::Webhook => {
                let url = self.url.as_deref().ok_or_else(|| problem("needs a url"))?;
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(problem("url must start with http:// or https://"));
                }
            }
            ChannelKind::File => {
                if self.path.is_none() {
                    return Err(problem("needs a path"));
                }
            }
        }
        Ok(())
    }
}

/// Sends one notification to one channel, retrying as the channel says.
/// [`Notifier`] does it for real; the application's tests use a fake.
pub trait Notify: Send + Sync {
    fn deliver(&self, channel: &ChannelSpec, payload: &Payload) -> Delivery;
}

pub struct Notifier {
    client: reqwest::blocking::Client,
}

impl Notify for Notifier {
    fn deliver(&self, channel: &ChannelSpec, payload: &Payload) -> Delivery {
        Notifier::deliver(self, channel, payload)
    }
}

static CRYPTO: Once = Once::new();

/// reqwest is built without a default TLS provider: ring is the one TLS
/// stack of warroom. Installing fails only if one already is.
pub(crate) fn install_crypto() {
    CRYPTO.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Notifier {
    pub fn new() -> Result<Self, NotifyError> {
        install_crypto();
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifyError::Http(e.to_string()))?;
        Ok(Self { client })
    }

    pub fn deliver(&self, channel: &ChannelSpec, payload: &Payload) -> Delivery {
        if let Err(e) = channel.validate() {
            return Delivery {
                attempts: 0,
                result: Err(e),
            };
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            let result = self.attempt(channel, payload);
            match result {
                Err(e) if e.may_pass() && attempts <= channel.retries => {
                    let wait = channel
                        .backoff_ms
                        .saturating_mul(1 << (attempts - 1).min(10));
                    std::thread::sleep(Duration::from_millis(wait));
                }
                result => return Delivery { attempts, result },
            }
        }
    }

    fn attempt(&self, channel: &ChannelSpec, payload: &Payload) -> Result<(), NotifyError> {
        let key = payload.idempotency_key.as_deref();
        match channel.kind {
            // Slack's own fields only: the key travels in the header.
            ChannelKind::Slack => {
                self.post(channel, &serde_json::json!({ "text": payload.text }), key)
            }
            ChannelKind::Webhook => self.post(channel, &keyed(&payload.data, key), key),
            ChannelKind::File => append(channel, payload),
        }
    }

    fn post(
        &self,
        channel: &ChannelSpec,
        body: &serde_json::Value,
        key: Option<&str>,
    ) -> Result<(), NotifyError> {
        let url = channel.url.as_deref().unwrap_or_default();
        let mut request = self
            .client
            .post(url)
            .timeout(Duration::from_secs(channel.timeout_secs))
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request
            .send()
            .map_err(|e| NotifyError::Http(error_chain(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let mut body = response.text().unwrap_or_default();
        body.truncate(200);
        Err(NotifyError::Status {
            status: status.as_u16(),
            body,
        })
    }
}

/// The JSON form with its idempotency key as a field.
fn keyed(data: &serde_json::Value, key: Option<&str>) -> serde_json::Value {
    let mut data = data.clone();
    if let (Some(key), Some(map)) = (key, data.as_object_mut()) {
        map.insert("idempotency_key".into(), key.into());
    }
    data
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn append(channel: &ChannelSpec, payload: &Payload) -> Result<(), NotifyError> {
    let path = channel.path.as_deref().unwrap_or(std::path::Path::new(""));
    let err = |source| NotifyError::File {
        path: path.display().to_string(),
        source,
    };
    let entry = match channel.format {
        FileFormat::Text => format!("=== {}\n{}\n", payload.subject, payload.text.trim_end()),
        FileFormat::Jsonl => {
            let data = keyed(&payload.data, payload.idempotency_key.as_deref());
            let mut line = serde_json::to_string(&data).map_err(|e| err(e.into()))?;
            line.push('\n');
            line
        }
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    // One write call per entry: appends from several processes do not interleave.
    file.write_all(entry.as_bytes()).map_err(err)
}
