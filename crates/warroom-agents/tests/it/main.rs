//! warroom-agents against real screens: golden captures of the real CLIs,
//! and the simulated agent's own.

mod screens;
