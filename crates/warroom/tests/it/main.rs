//! End-to-end tests of the warroom binary: a private tmux server on a socket
//! in a temp dir, a temp HOME and data dir, simulated agents.

mod env;
mod incident;
mod safety;
mod seed;
mod surface;
