//! egui only: every screen draws its view (`app::view`), edits its form in
//! place and pushes intents.
//!
//! Architecture invariant: `ui` knows only `app::view`, `app::present` and
//! the domain's types. It never sees the application, its state or the
//! service, never runs SQL and never reads the clock (`tests/tidy.rs` checks
//! it); the instant of the frame is an argument.

mod admin;
mod admin_settings;
mod audit_log;
mod banner;
mod dashboard;
mod dialogs;
mod editing;
mod entry_pane;
mod first_start;
mod import;
mod notifications;
mod requests_window;
mod search;
mod shortcuts;
mod sign_in;
mod status_bar;
pub mod style;
mod tree;
mod widgets;

use crate::app::view::admin::AdminView;
use crate::app::view::audit_log::AuditLogView;
use crate::app::view::forms::Dialog;
use crate::app::view::intent::{
    AdminIntent, AuditIntent, Intent, RequestsIntent, SearchIntent, StartIntent, VaultIntent,
};
use crate::app::view::screen::{AuditView, MainView, ScreenView};
use crate::domain::Timestamp;
use crate::domain::preferences::ThemeChoice;
use egui::{RichText, Ui};

/// Draws the whole window for this frame, at `now`, the frame's instant.
pub fn app_ui(ui: &mut Ui, screen: ScreenView<'_>, now: Timestamp, intents: &mut Vec<Intent>) {
    match screen {
        ScreenView::FirstStart { path, form } => {
            egui::CentralPanel::default().show(ui, |ui| {
                first_start::first_start_ui(ui, path, form, intents);
            });
        }
        ScreenView::SignIn { view, form, audit } => {
            if let Some(problem) = audit.problem {
                egui::Panel::bottom("audit-warning")
                    .show(ui, |ui| status_bar::audit_warning_ui(ui, problem));
            }
            egui::CentralPanel::default().show(ui, |ui| {
                sign_in::sign_in_ui(ui, view, form, intents);
            });
        }
        ScreenView::Unavailable { reason, path } => {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.heading("This workspace cannot be opened");
                ui.label(RichText::new(reason).color(ui.visuals().error_fg_color));
                ui.label(format!("Workspace: {path}"));
            });
        }
        ScreenView::Main {
            view,
            dialog,
            admin,
            audit_log,
            audit,
            theme,
        } => main_ui(
            ui,
            (view, dialog, admin, audit_log),
            (audit, theme),
            now,
            intents,
        ),
    }
}

/// The signed-in window.
fn main_ui(
    ui: &mut Ui,
    (view, dialog, admin, audit_log): (
        &MainView,
        &mut Dialog,
        Option<&mut AdminView>,
        Option<&mut AuditLogView>,
    ),
    (audit, theme): (AuditView<'_>, ThemeChoice),
    now: Timestamp,
    intents: &mut Vec<Intent>,
) {
    egui::Panel::top("top-bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading("Latchkey");
            ui.label(RichText::new(&view.workspace_name).weak());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Sign out").clicked() {
                    intents.push(StartIntent::SignOut.into());
                }
                ui.label(&view.user.display_name);
                notifications::bell_ui(ui, &view.notifications, intents);
                // The inbox badge (R-APP-1): requests waiting for this user.
                let count = view.dashboard.inbox_count;
                let badge = if count > 0 {
                    format!("📥 Requests ({count})")
                } else {
                    "📥 Requests".to_owned()
                };
                let inbox = ui.button(badge);
                inbox.widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::Role::Button,
                        true,
                        format!("Requests waiting for you: {count}"),
                    )
                });
                if inbox.clicked() {
                    intents.push(VaultIntent::ShowDashboard.into());
                }
                if ui.button("All requests…").clicked() {
                    intents.push(RequestsIntent::Open.into());
                }
                if view.user.is_admin && ui.button("Administration…").clicked() {
                    intents.push(AdminIntent::Open.into());
                }
                // R-REQ-13: ask ahead, without meeting the locked item first.
                if !view.user.is_admin
                    && view.settings.temporary_access_enabled
                    && ui.button("New request…").clicked()
                {
                    intents.push(SearchIntent::OpenForRequest.into());
                }
                if view.reads_audit && ui.button("Audit log…").clicked() {
                    intents.push(AuditIntent::Open.into());
                }
                let search = ui
                    .button("🔍 Search…")
                    .on_hover_text("Search all vaults (Ctrl+F)");
                search
                    .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, "Search…"));
                if search.clicked() {
                    intents.push(SearchIntent::Open.into());
                }
            });
        });
    });
    egui::Panel::bottom("status-bar").show(ui, |ui| {
        status_bar::status_bar_ui(ui, view, audit, theme, intents);
    });
    egui::Panel::left("navigation")
        .resizable(true)
        .default_size(300.0)
        .show(ui, |ui| tree::navigation_ui(ui, view, intents));
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| match &view.detail {
            Some(detail) => entry_pane::entry_pane_ui(ui, view, detail, now, intents),
            None => dashboard::dashboard_ui(ui, view, now, intents),
        });
    });
    if let Some(table) = &view.requests_table {
        let is_dialog_open = !matches!(dialog, Dialog::None);
        requests_window::requests_window_ui(ui.ctx(), table, is_dialog_open, intents);
    }
    if let Some(admin) = admin {
        let key = (view.key_status.as_str(), view.key_in_os_keyring);
        admin::admin_window_ui(ui.ctx(), admin, key, intents);
    }
    if let Some(log) = audit_log {
        audit_log::audit_log_window_ui(ui.ctx(), log, intents);
    }
    notifications::notifications_window_ui(ui.ctx(), &view.notifications, intents);
    match &view.search {
        Some(search) => search::search_window_ui(ui.ctx(), search, intents),
        None if matches!(dialog, Dialog::None) => {
            search::open_shortcut(ui.ctx(), intents);
            shortcuts::shortcuts(ui.ctx(), view, intents);
        }
        None => {}
    }
    dialogs::dialog_ui(ui.ctx(), view, dialog, now, intents);
}
