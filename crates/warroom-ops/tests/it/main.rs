//! Notification channels against a real HTTP server on 127.0.0.1 and real files.

mod checks;
mod checks_cargo;
mod checks_node;
mod deploy;
mod git;
mod notify;

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A webhook receiver: answers each request with the next scripted status
/// (then 200) and keeps what it received.
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<(String, String)>>>,
    /// The `Idempotency-Key` headers received, in order.
    pub keys: Arc<Mutex<Vec<String>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    pub fn start(statuses: &[u16]) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let keys = Arc::new(Mutex::new(Vec::new()));
        let mut script = statuses.to_vec();
        script.reverse();
        let thread = {
            let server = Arc::clone(&server);
            let received = Arc::clone(&received);
            let keys = Arc::clone(&keys);
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let header = |name: &'static str| {
                        request
                            .headers()
                            .iter()
                            .find(|h| h.field.equiv(name))
                            .map(|h| h.value.to_string())
                    };
                    let ct = header("Content-Type").unwrap_or_default();
                    if let Some(key) = header("Idempotency-Key") {
                        keys.lock().expect("lock").push(key);
                    }
                    received.lock().expect("lock").push((ct, body));
                    let status = script.pop().unwrap_or(200);
                    let _ = request
                        .respond(tiny_http::Response::from_string("ok").with_status_code(status));
                }
            })
        };
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            received,
            keys,
            server,
            thread: Some(thread),
        }
    }

    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, b)| serde_json::from_str(b).expect("JSON body"))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
