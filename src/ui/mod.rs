//! egui only: every screen draws from the app's state and pushes intents.
//!
//! Architecture invariant: `ui` never calls the service, never runs SQL and
//! never reads the clock (`tests/tidy.rs` checks it); the instant of the frame
//! comes from the app.

mod banner;
mod dashboard;
mod dialogs;
mod entry_pane;
mod first_start;
mod requests_window;
mod sign_in;
mod status_bar;
mod tree;
mod widgets;

use crate::app::intent::Intent;
use crate::app::{LatchkeyApp, Screen};
use egui::{RichText, Ui};

/// Draws the whole window for this frame.
pub fn app_ui(ui: &mut Ui, app: &mut LatchkeyApp, intents: &mut Vec<Intent>) {
    let path = app
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let audit_problem = app.audit_problem().map(str::to_owned);
    let audit_note = app.audit_note().map(str::to_owned);
    match &mut app.screen {
        Screen::FirstStart => {
            egui::CentralPanel::default().show(ui, |ui| {
                first_start::first_start_ui(ui, &path, &mut app.first_start, intents);
            });
        }
        Screen::SignIn(state) => {
            if let Some(problem) = audit_problem.as_deref() {
                egui::Panel::bottom("audit-warning")
                    .show(ui, |ui| status_bar::audit_warning_ui(ui, problem));
            }
            egui::CentralPanel::default().show(ui, |ui| {
                sign_in::sign_in_ui(ui, state, &mut app.sign_in, intents);
            });
        }
        Screen::Unavailable(reason) => {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.heading("This workspace cannot be opened");
                ui.label(RichText::new(reason.as_str()).color(ui.visuals().error_fg_color));
                ui.label(format!("Workspace: {path}"));
            });
        }
        Screen::Main(main) => {
            let mut dialog = std::mem::take(&mut main.dialog);
            let mut filter = std::mem::take(&mut main.filter);
            egui::Panel::top("top-bar").show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.heading("Latchkey");
                    ui.label(RichText::new(&main.workspace_name).weak());
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button("Sign out").clicked() {
                            intents.push(Intent::SignOut);
                        }
                        ui.label(&main.session.user().display_name);
                        // The inbox badge (R-APP-1): requests waiting for this user.
                        let badge = if main.inbox_count > 0 {
                            format!("📥 Requests ({})", main.inbox_count)
                        } else {
                            "📥 Requests".to_owned()
                        };
                        let inbox = ui.button(badge);
                        let count = main.inbox_count;
                        inbox.widget_info(|| {
                            egui::WidgetInfo::labeled(
                                egui::Role::Button,
                                true,
                                format!("Inbox, {count} waiting"),
                            )
                        });
                        if inbox.clicked() {
                            intents.push(Intent::ShowDashboard);
                        }
                        if ui.button("All requests…").clicked() {
                            intents.push(Intent::OpenRequestsWindow);
                        }
                    });
                });
            });
            egui::Panel::bottom("status-bar").show(ui, |ui| {
                status_bar::status_bar_ui(
                    ui,
                    main,
                    audit_problem.as_deref(),
                    audit_note.as_deref(),
                );
            });
            egui::Panel::left("navigation")
                .resizable(true)
                .default_size(300.0)
                .show(ui, |ui| tree::navigation_ui(ui, main, &mut filter, intents));
            egui::CentralPanel::default().show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if main.detail.is_some() {
                        entry_pane::entry_pane_ui(ui, main, intents);
                    } else {
                        dashboard::dashboard_ui(ui, main, intents);
                    }
                });
            });
            if let Some(mut table) = main.requests_window.take() {
                let is_dialog_open = !matches!(dialog, crate::app::forms::Dialog::None);
                requests_window::requests_window_ui(ui.ctx(), &mut table, is_dialog_open, intents);
                main.requests_window = Some(table);
            }
            dialogs::dialog_ui(ui.ctx(), main, &mut dialog, intents);
            main.dialog = dialog;
            main.filter = filter;
        }
    }
}
