//! Screen classification on the simulated agent's own screens, as tmux
//! captured them.

mod screens;
