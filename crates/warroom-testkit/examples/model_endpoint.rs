//! The scripted model endpoint on its own, for driving an agent CLI by
//! hand while capturing its screens:
//!
//! ```text
//! cargo run -p warroom-testkit --example model_endpoint -- [PORT] [--tool-less]
//! ```
//!
//! `--tool-less` for a CLI that offers the model no tools (Aider).
//! Prompts containing `STALL` stall 5 s, `ERR500`/`ERR429`/`ERR400`/`ERR401` fail with that
//! status, `RUNTOOL` asks for a shell call; anything else is acknowledged.

use std::time::Duration;

use warroom_testkit::{Action, ModelServer};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = args.iter().find_map(|a| a.parse().ok());
    let model = match port {
        Some(port) => ModelServer::start_on(port)?,
        None => ModelServer::start()?,
    };
    if args.iter().any(|a| a == "--tool-less") {
        model.tool_less();
    }
    model
        .on("STALL", Action::Stall(Duration::from_secs(5)))
        .on("ERR500", Action::Fail(500))
        .on("ERR429", Action::Fail(429))
        .on("ERR400", Action::Fail(400))
        .on("ERR401", Action::Fail(401))
        .on("RUNTOOL", Action::Tool("echo scripted-tool-ran".into()));
    println!("{}", model.base_url());
    let mut answered = 0;
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let seen = model.seen();
        for s in &seen[answered..] {
            println!(
                "{} {} {:?}",
                s.path,
                s.answer,
                s.prompt.chars().take(60).collect::<String>()
            );
        }
        answered = seen.len();
    }
}
