//! `token create|list|revoke`: the HTTP API's tokens.

use anyhow::Result;
use clap::Subcommand;
use warroom_app::{App, Scope, TokenView};

use crate::output::json;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// A new token, printed once (only its hash is kept).
    Create {
        /// read (GET) or write (also send, add and close todos, post updates).
        #[arg(long, value_parser = ["read", "write"])]
        scope: String,
        /// What it is for: its name is the actor of what it writes.
        #[arg(long, default_value = "api")]
        name: String,
    },
    /// Every token: name, scope, when made, last used, revoked.
    List,
    /// Refuse a token from now on.
    Revoke { id: i64 },
}

pub fn run(app: &App, cmd: &TokenCommand, as_json: bool) -> Result<()> {
    match cmd {
        TokenCommand::Create { scope, name } => {
            let scope: Scope = scope.parse()?;
            let made = app.create_token(name, scope)?;
            if as_json {
                return json(&made);
            }
            println!("{}", made.secret);
            eprintln!(
                "Token {} ({}, {}): shown once, kept only as a hash. Send it as Authorization: Bearer <token>.",
                made.token.id,
                made.token.name,
                made.token.scope.as_str()
            );
            Ok(())
        }
        TokenCommand::List => {
            let tokens = app.list_tokens()?;
            if as_json {
                return json(&tokens);
            }
            if tokens.is_empty() {
                println!("No tokens. Make one: warroom token create --scope read");
            }
            for t in &tokens {
                println!("{}", line(t));
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let t = app.revoke_token(*id)?;
            if as_json {
                return json(&t);
            }
            println!("Revoked: {}", line(&t));
            Ok(())
        }
    }
}

fn line(t: &TokenView) -> String {
    let state = if t.revoked_at.is_some() {
        "revoked"
    } else {
        "active"
    };
    format!(
        "{:>3}  {:<20} {:<5}  {state}  by {}{}",
        t.id,
        t.name,
        t.scope.as_str(),
        t.created_by,
        t.last_used_at.map(|_| ", used").unwrap_or_default()
    )
}
