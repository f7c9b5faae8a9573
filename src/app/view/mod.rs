//! What the app and the UI share, and nothing else: the intents the UI
//! pushes, the form state it edits, and the view models it draws.
//!
//! Architecture invariant: this module is a leaf. It uses the domain's types
//! and `app::present` (words for people), never the service, the store, the
//! platform or the rest of `app`; `src/ui` uses only this module,
//! `app::present` and the domain's types (`tests/tidy.rs` checks both).

pub mod admin;
pub mod audit_log;
pub mod banner;
pub mod editing;
pub mod explain;
pub mod forms;
pub mod import;
pub mod intent;
pub mod notifications;
pub mod requests_table;
pub mod screen;
pub mod search;
pub mod tree;
