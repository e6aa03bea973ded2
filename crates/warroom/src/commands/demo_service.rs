//! `warroom demo-service` (hidden): the small real production the demo
//! rolls its fix out to, on 127.0.0.1. Two versions of an auth service and
//! a router that sends each request to the canary or the stable version by
//! the canary's weight, which the demo runbook's set-weight command sets.
//! Demo-only: nothing else in warroom uses it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct DemoService {
    #[command(subcommand)]
    pub mode: DemoServiceMode,
}

#[derive(Debug, Subcommand)]
pub enum DemoServiceMode {
    /// Answer `/` and `/health` as VERSION (500 to everything when --failing);
    /// prints the address it listens on.
    Serve {
        #[arg(long)]
        version: String,
        #[arg(long)]
        failing: bool,
    },
    /// Send each request to the stable or the canary version by weight.
    Route {
        #[arg(long)]
        stable: String,
        #[arg(long)]
        canary: String,
    },
    /// Set the router's canary weight, 0 to 100.
    SetWeight {
        #[arg(long)]
        router: String,
        weight: u8,
    },
}

pub fn run(args: &DemoService) -> Result<()> {
    match &args.mode {
        DemoServiceMode::Serve { version, failing } => serve(version, *failing),
        DemoServiceMode::Route { stable, canary } => route(stable, canary),
        DemoServiceMode::SetWeight { router, weight } => {
            if *weight > 100 {
                bail!("a weight is 0 to 100, not {weight}");
            }
            let (status, body) = get(router, &format!("/__weight?canary={weight}"))?;
            if status != 200 {
                bail!("the router answered {status}: {body}");
            }
            println!("{}", body.trim());
            Ok(())
        }
    }
}

fn listen() -> Result<tiny_http::Server> {
    let server = tiny_http::Server::http("127.0.0.1:0")
        .map_err(|e| anyhow::anyhow!("listening on 127.0.0.1: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .context("the server has no IP address")?;
    // The demo reads this line to learn the port.
    println!("listening {addr}");
    std::io::stdout().flush()?;
    Ok(server)
}

fn serve(version: &str, failing: bool) -> Result<()> {
    let server = listen()?;
    let mut failing = failing;
    for request in server.incoming_requests() {
        // A benchmark turns a good version bad at a moment it notes.
        if request.url() == "/__fail" {
            failing = true;
            let _ = request.respond(tiny_http::Response::from_string("failing\n"));
            continue;
        }
        let (status, text) = if failing {
            (500, format!("{version} error: connection pool exhausted\n"))
        } else {
            (200, format!("{version} ok\n"))
        };
        let _ = request.respond(tiny_http::Response::from_string(text).with_status_code(status));
    }
    Ok(())
}

fn route(stable: &str, canary: &str) -> Result<()> {
    let server = listen()?;
    let weight = AtomicU8::new(0);
    let served = AtomicU64::new(0);
    for request in server.incoming_requests() {
        let url = request.url().to_owned();
        if url == "/__weight" {
            let w = weight.load(Ordering::SeqCst);
            let _ = request.respond(tiny_http::Response::from_string(format!("{w}\n")));
            continue;
        }
        if let Some(w) = url.strip_prefix("/__weight?canary=") {
            let answer = match w.parse::<u8>() {
                Ok(w) if w <= 100 => {
                    weight.store(w, Ordering::SeqCst);
                    tiny_http::Response::from_string(format!("canary {w}%\n"))
                }
                _ => tiny_http::Response::from_string("bad weight\n").with_status_code(400),
            };
            let _ = request.respond(answer);
            continue;
        }
        // Of every hundred requests, `weight` go to the canary.
        let n = served.fetch_add(1, Ordering::SeqCst);
        let to = if (n % 100) < u64::from(weight.load(Ordering::SeqCst)) {
            canary
        } else {
            stable
        };
        let answer = match get(to, &url) {
            Ok((status, body)) => tiny_http::Response::from_string(body).with_status_code(status),
            Err(e) => tiny_http::Response::from_string(format!("{e}\n")).with_status_code(502),
        };
        let _ = request.respond(answer);
    }
    Ok(())
}

/// One plain HTTP GET to `addr` (host:port).
fn get(addr: &str, path: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no HTTP status in the answer")?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    Ok((status, body))
}
