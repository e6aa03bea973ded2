//! Responses: plain JSON, or a server-sent-event stream written by a
//! thread as the script unfolds (so a stall really stalls mid-stream).

use std::io::Read;
use std::sync::mpsc::{Receiver, Sender, channel};

use serde_json::Value;

pub type Reply = tiny_http::Response<Box<dyn Read + Send>>;

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|()| unreachable!("static header names and values are valid"))
}

pub fn json(status: u16, value: &Value) -> Reply {
    json_with(status, value, &[])
}

pub fn json_with(status: u16, value: &Value, extra: &[(&str, &str)]) -> Reply {
    let body = value.to_string().into_bytes();
    let len = body.len();
    let mut headers = vec![header("content-type", "application/json")];
    headers.extend(extra.iter().map(|(k, v)| header(k, v)));
    tiny_http::Response::new(
        tiny_http::StatusCode(status),
        headers,
        Box::new(std::io::Cursor::new(body)) as Box<dyn Read + Send>,
        Some(len),
        None,
    )
}

/// Where a stream's writer puts its events.
pub struct Events(Sender<Vec<u8>>);

impl Events {
    /// `event: <name>` + `data: <json>` (Anthropic and Responses style).
    pub fn named(&self, name: &str, data: &Value) {
        let _ = self
            .0
            .send(format!("event: {name}\ndata: {data}\n\n").into_bytes());
    }

    /// A bare `data:` line (Chat Completions style).
    pub fn data(&self, data: &str) {
        let _ = self.0.send(format!("data: {data}\n\n").into_bytes());
    }
}

pub fn stream(write: impl FnOnce(&Events) + Send + 'static) -> Reply {
    let (tx, rx) = channel();
    std::thread::spawn(move || write(&Events(tx)));
    tiny_http::Response::new(
        tiny_http::StatusCode(200),
        vec![
            header("content-type", "text/event-stream"),
            header("cache-control", "no-cache"),
        ],
        Box::new(ChannelReader {
            rx,
            chunk: Vec::new(),
            at: 0,
        }) as Box<dyn Read + Send>,
        None,
        None,
    )
}

struct ChannelReader {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.chunk.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The error body both API families use, and its status.
pub fn failure(status: u16, anthropic: bool) -> Reply {
    let (kind, message) = match status {
        429 => (
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit (scripted)",
        ),
        401 => ("authentication_error", "invalid x-api-key (scripted)"),
        400 => ("invalid_request_error", "Bad request (scripted)"),
        529 => ("overloaded_error", "Overloaded (scripted)"),
        _ => ("api_error", "Internal server error (scripted)"),
    };
    let body = if anthropic {
        serde_json::json!({ "type": "error", "error": { "type": kind, "message": message } })
    } else {
        let code = if status == 429 {
            "rate_limit_exceeded"
        } else {
            "server_error"
        };
        serde_json::json!({ "error": { "message": message, "type": code, "param": null, "code": code } })
    };
    let extra: &[(&str, &str)] = if status == 429 {
        &[("retry-after", "1")]
    } else {
        &[]
    };
    json_with(status, &body, extra)
}
