//! Locking when idle (issue 14): when the person last gave the window any
//! input, and the dialog they were typing in when it locked itself, kept in
//! memory only and offered back to the same user at their next sign-in.

use super::view::forms::Dialog;
use crate::domain::Timestamp;

/// The idle lock's memory.
pub struct IdleLock {
    last_input_at: Timestamp,
    /// (user name, dialog) kept when the window locked itself.
    typed: Option<(String, Dialog)>,
}

impl IdleLock {
    /// Nothing kept; the person counts as active at `now`.
    pub fn new(now: Timestamp) -> IdleLock {
        IdleLock {
            last_input_at: now,
            typed: None,
        }
    }

    /// The person did something at `now`.
    pub fn touch(&mut self, now: Timestamp) {
        self.last_input_at = now;
    }

    /// When the person last did something.
    pub fn last_input_at(&self) -> Timestamp {
        self.last_input_at
    }

    /// Keeps `dialog`, typed by `username`, for their next sign-in.
    pub fn keep_typed(&mut self, username: String, dialog: Dialog) {
        self.typed = Some((username, dialog));
    }

    /// The kept dialog, if `username` typed it; anyone else's is dropped.
    pub fn take_typed(&mut self, username: &str) -> Option<Dialog> {
        match self.typed.take() {
            Some((typed_by, dialog)) if typed_by == username => Some(dialog),
            _ => None,
        }
    }

    /// Drops what was kept (a sign-out the person asked for).
    pub fn forget(&mut self) {
        self.typed = None;
    }
}

/// Whether this frame carries input from the person (a key, text, a click,
/// the pointer moving, the wheel).
pub fn has_input(ctx: &egui::Context) -> bool {
    ctx.input(|i| {
        i.events.iter().any(|event| {
            matches!(
                event,
                egui::Event::Key { .. }
                    | egui::Event::Text(_)
                    | egui::Event::PointerMoved(_)
                    | egui::Event::PointerButton { .. }
                    | egui::Event::MouseWheel { .. }
                    | egui::Event::Copy
                    | egui::Event::Cut
                    | egui::Event::Paste(_)
            )
        })
    })
}
