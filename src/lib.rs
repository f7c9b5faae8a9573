//! Latchkey: a desktop vault for connections and credentials with
//! just-in-time, time-bound access. See `ARCHITECTURE.md` for the map.

pub mod app;
pub mod command_line;
pub mod domain;
pub mod platform;
pub mod service;
pub mod store;
pub mod ui;
