//! End-to-end tests of the warroom binary: a private tmux server on a socket
//! in a temp dir, a temp HOME and data dir, simulated agents, and the real
//! Claude Code and Codex driven by a scripted model endpoint on 127.0.0.1.

mod briefing;
mod canary_stack;
mod checks;
mod checks_ecosystems;
mod cli_files;
mod cli_surface;
mod cli_surface_store;
mod cli_surface_width;
mod dashboard;
mod demo;
mod env;
mod held;
mod http_api;
mod implicit;
mod incident;
mod kill9;
mod mcp;
mod pull_request;
mod real_aider;
mod real_clis;
mod real_gates;
mod real_gemini;
mod real_mcp;
mod real_opencode;
mod real_supervisor;
mod repo;
mod rollout;
mod safety;
mod secrets;
mod seed;
mod status_page;
mod supervisor;
mod surface;
mod todos;
