//! The status bar: who, where, who enforces expiry (R-BEY-9), where the key
//! is, and the last error.

use crate::app::MainState;
use egui::{RichText, Ui};

/// The status bar.
pub fn status_bar_ui(ui: &mut Ui, state: &MainState) {
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "Signed in as {}",
            state.session.user().display_name
        ));
        ui.separator();
        ui.label(RichText::new(&state.location).weak());
        ui.separator();
        ui.label("Expiry enforced by this computer's clock");
        ui.separator();
        ui.label(&state.key_status);
        if state.waiting_for_lock_since.is_some() {
            ui.separator();
            ui.label(
                RichText::new(
                    "⏳ Waiting for the workspace: another program holds it locked; retrying",
                )
                .color(ui.visuals().warn_fg_color),
            );
        }
        if let Some(error) = &state.last_error {
            ui.separator();
            ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
        } else if let Some(notice) = &state.notice {
            ui.separator();
            ui.label(notice);
        }
    });
}
