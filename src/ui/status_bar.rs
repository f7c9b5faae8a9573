//! The status bar: who, where, who enforces expiry (R-BEY-9), where the key
//! is, the last error, and above all a log that cannot be trusted (R-AUD-2,
//! R-BEY-12), the theme choice (R-DSK-3), and whether the desktop shows
//! notifications (R-NOT-3).

use crate::app::view::intent::{Intent, PreferencesIntent};
use crate::app::view::notifications::DesktopState;
use crate::app::view::screen::{AuditView, MainView};
use crate::domain::preferences::ThemeChoice;
use egui::{RichText, Ui};

/// The accessible name of the audit warning starts with this.
pub const AUDIT_WARNING: &str = "Audit log warning";

/// The loud warning that the audit log is broken or no longer extends what
/// this computer saw; its accessible name carries the whole message.
pub fn audit_warning_ui(ui: &mut Ui, problem: &str) {
    let text = format!("{AUDIT_WARNING}: {problem}");
    let label = ui.label(
        RichText::new(format!("⚠ {text}"))
            .strong()
            .color(ui.visuals().error_fg_color),
    );
    label.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text.clone()));
}

/// The status bar.
pub fn status_bar_ui(
    ui: &mut Ui,
    state: &MainView,
    audit: AuditView<'_>,
    theme: ThemeChoice,
    intents: &mut Vec<Intent>,
) {
    if let Some(problem) = audit.problem {
        audit_warning_ui(ui, problem);
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("Signed in as {}", state.user.display_name));
        ui.separator();
        ui.label(RichText::new(&state.location).weak());
        ui.separator();
        ui.label(format!("Expiry enforced by {}", state.expiry_clock));
        ui.separator();
        ui.label(&state.key_status);
        ui.separator();
        theme_choice_ui(ui, theme, intents);
        if let DesktopState::Unavailable(reason) = &state.notifications.desktop {
            ui.separator();
            ui.label(RichText::new("🔕 No desktop notifications").weak())
                .on_hover_text(reason.as_str());
        }
        if state.status.waiting_for_lock_since.is_some() {
            ui.separator();
            ui.label(
                RichText::new(
                    "⏳ Waiting for the workspace: another program holds it locked; retrying",
                )
                .color(ui.visuals().warn_fg_color),
            );
        }
        if let Some(error) = state.status.error() {
            ui.separator();
            ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
        } else if let Some(notice) = state.status.notice() {
            ui.separator();
            ui.label(notice);
        }
        if let Some(note) = audit.note.filter(|_| audit.problem.is_none()) {
            ui.separator();
            ui.label(RichText::new(note).weak());
        }
    });
}

/// The theme choice (R-DSK-3): three radio buttons, each named
/// "Theme: …" and exposed as checked or not.
pub fn theme_choice_ui(ui: &mut Ui, chosen: ThemeChoice, intents: &mut Vec<Intent>) {
    ui.label("Theme:");
    for choice in ThemeChoice::ALL {
        let (text, name) = match choice {
            ThemeChoice::FollowDesktop => ("Desktop", "Theme: follow the desktop"),
            ThemeChoice::Light => ("Light", "Theme: light"),
            ThemeChoice::Dark => ("Dark", "Theme: dark"),
        };
        let is_chosen = choice == chosen;
        let button = ui.selectable_label(is_chosen, text);
        button.widget_info(|| {
            egui::WidgetInfo::selected(egui::Role::RadioButton, true, is_chosen, name)
        });
        if button.clicked() && !is_chosen {
            intents.push(PreferencesIntent::ChooseTheme(choice).into());
        }
    }
}
