//! The selected entry: fields (secrets masked), dependencies, actions and the
//! Temporary Access banner.

use super::banner::temporary_access_banner_ui;
use super::widgets::{LOCK, kind_icon};
use crate::app::present;
use crate::app::view::intent::{
    AccessIntent, ApprovalIntent, AuditIntent, CopyWhat, EditIntent, Intent, VaultIntent,
};
use crate::app::view::screen::{EntryDetail, MainView};
use crate::domain::Timestamp;
use crate::domain::entry::{Entry, EntryKind};
use crate::domain::permission::Permission;
use egui::{RichText, Ui};

/// Edit, move, delete and (in a folder) add: shown only where the service
/// said the user may (issue 14); each is checked again when done.
fn edit_bar_ui(ui: &mut Ui, state: &MainView, entry: &Entry, intents: &mut Vec<Intent>) {
    let rights = state.rights;
    if !(rights.edit_selected || rights.delete_selected || rights.add_in_selected) {
        return;
    }
    ui.horizontal(|ui| {
        if rights.add_in_selected {
            if ui
                .button(format!("New folder in {}…", entry.name))
                .clicked()
            {
                intents.push(
                    EditIntent::NewEntry {
                        kind: EntryKind::Folder,
                        parent: Some(entry.id),
                    }
                    .into(),
                );
            }
            let new = ui
                .button(format!("New entry in {}…", entry.name))
                .on_hover_text("Ctrl+N");
            if new.clicked() {
                intents.push(
                    EditIntent::NewEntry {
                        kind: EntryKind::Credentials,
                        parent: Some(entry.id),
                    }
                    .into(),
                );
            }
        }
        if rights.edit_selected {
            if ui.button("Edit…").on_hover_text("Ctrl+E").clicked() {
                intents.push(EditIntent::EditEntry(entry.id).into());
            }
            if ui.button("Move to…").clicked() {
                intents.push(EditIntent::AskMove(entry.id).into());
            }
        }
        if rights.delete_selected && ui.button("Delete…").on_hover_text("Delete").clicked() {
            intents.push(EditIntent::AskDelete(entry.id).into());
        }
    });
}

/// The selected entry's pane.
pub fn entry_pane_ui(
    ui: &mut Ui,
    state: &MainView,
    detail: &EntryDetail,
    now: Timestamp,
    intents: &mut Vec<Intent>,
) {
    let entry = &detail.entry;
    let is_locked = detail.access.is_locked;
    ui.horizontal(|ui| {
        ui.heading(format!("{} {}", kind_icon(entry.kind), entry.name));
        if is_locked {
            ui.label(RichText::new(lock_words(detail)).weak());
        }
    });
    ui.label(RichText::new(format!("{} · {}", entry.kind.label(), detail.path)).weak());
    edit_bar_ui(ui, state, entry, intents);
    ui.add_space(8.0);
    if let Some(banner) = &detail.banner {
        temporary_access_banner_ui(ui, banner, intents);
        ui.add_space(8.0);
    }
    if entry.kind == EntryKind::Folder {
        return;
    }
    fields_ui(ui, state, detail);
    ui.add_space(8.0);
    actions_ui(ui, state, detail, intents);
    if !detail.dependencies.is_empty() {
        ui.add_space(12.0);
        ui.label(RichText::new("Depends on").strong());
        for dependency in &detail.dependencies {
            let lock = if dependency.is_locked {
                format!("  {LOCK}")
            } else {
                String::new()
            };
            ui.label(format!("• {} ({}){lock}", dependency.name, dependency.role));
        }
    }
    if detail.requests.len() > 1 {
        ui.add_space(12.0);
        ui.label(RichText::new("Your requests for this entry").strong());
        for request in detail.requests.iter().take(10) {
            ui.horizontal(|ui| {
                let set = state.names.set(request.effective_terms().permission_set_id);
                ui.label(present::request_line(request, &set, now));
                let details = ui.small_button("Details");
                details.widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::Role::Button,
                        true,
                        format!("Details of request {}", request.id),
                    )
                });
                if details.clicked() {
                    intents.push(AccessIntent::ShowDetails(request.id).into());
                }
            });
        }
    }
}

fn fields_ui(ui: &mut Ui, state: &MainView, detail: &EntryDetail) {
    let entry = &detail.entry;
    egui::Grid::new("entry-fields")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let field = |ui: &mut Ui, name: &str, value: &str| {
                if !value.is_empty() {
                    ui.label(RichText::new(name).weak());
                    ui.label(value);
                    ui.end_row();
                }
            };
            field(ui, "Host", &entry.host);
            field(
                ui,
                "Port",
                &entry.port.map(|p| p.to_string()).unwrap_or_default(),
            );
            field(ui, "User name", &entry.username);
            field(ui, "Address", &entry.url);
            field(ui, "Notes", &entry.notes);
            // Every item kind may keep a password (a connection's own, or
            // the credentials'); folders have none.
            if entry.kind != EntryKind::Folder {
                ui.label(RichText::new("Password").weak());
                match state.revealed_for(entry.id) {
                    Some(secret) => ui.label(RichText::new(secret).monospace()),
                    None => ui.label("••••••••"),
                };
                ui.end_row();
            }
            if let Some(allowed) = allowed_words(state, detail) {
                ui.label(RichText::new("Your access").weak());
                ui.label(allowed);
                ui.end_row();
            }
        });
}

/// The lock beside the entry's name: its main action is not available now
/// (R-REQ-1). With some permissions in force (a Reader grant on a database)
/// it names what is missing, so it never reads as "no access" beside an
/// active grant (issue 12).
fn lock_words(detail: &EntryDetail) -> String {
    match detail.entry.kind.main_permission() {
        Some(main) if !detail.access.permissions.is_empty() => {
            format!("{LOCK} locked: no {}", main.label())
        }
        _ => format!("{LOCK} locked"),
    }
}

/// What the permissions in force allow, and, when the entry's main action
/// is not among them, that it is not ("View, View password — not Connect
/// (execute), this entry's main action"); when a grant on an entry that
/// depends on this one gives them, which ("… — through your grant on
/// Orders DB"). `None` without any permission.
fn allowed_words(state: &MainView, detail: &EntryDetail) -> Option<String> {
    let permissions = detail.access.permissions;
    if permissions.is_empty() {
        return None;
    }
    let words = match detail.entry.kind.main_permission() {
        Some(main) if !permissions.contains(main) => format!(
            "{permissions} — not {}, this entry's main action",
            main.label()
        ),
        _ => permissions.to_string(),
    };
    Some(match detail.access.granted_through {
        Some(other) => {
            let name = state
                .tree
                .entry(other)
                .map_or_else(|| state.names.entry(other), |e| e.name.clone());
            format!("{words} — through your grant on {name}")
        }
        None => words,
    })
}

fn actions_ui(ui: &mut Ui, state: &MainView, detail: &EntryDetail, intents: &mut Vec<Intent>) {
    let entry = &detail.entry;
    let permissions = detail.access.permissions;
    let may_reveal = permissions.contains(Permission::ViewPassword);
    ui.horizontal_wrapped(|ui| {
        if detail.access.is_locked
            && state.settings.temporary_access_enabled
            && ui.button("Request temporary access…").clicked()
        {
            intents.push(AccessIntent::OpenRequestDialog(entry.id).into());
        }
        // Break glass (R-BEY-5): only where the vault allows it.
        if detail.access.is_locked
            && state
                .vaults
                .iter()
                .any(|v| v.id == entry.vault_id && v.break_glass_allowed)
            && ui
                .button(RichText::new("Emergency access…").color(ui.visuals().warn_fg_color))
                .clicked()
        {
            intents.push(AccessIntent::OpenEmergency(entry.id).into());
        }
        if detail.approves_here
            && ui
                .button("Why?…")
                .on_hover_text("What someone can do here, and why")
                .clicked()
        {
            intents.push(ApprovalIntent::OpenExplain(entry.id).into());
        }
        // Access history (R-AUD-4): the service decides who may read it.
        if (detail.approves_here || state.user.is_admin)
            && ui
                .button("History…")
                .on_hover_text("Every request and grant on this entry, and its audit events")
                .clicked()
        {
            intents.push(AuditIntent::HistoryOfEntry(entry.id).into());
        }
        if state.user.is_admin && ui.button("Grant temporary access…").clicked() {
            intents.push(ApprovalIntent::OpenDirectGrant(entry.id).into());
        }
        if entry.kind.is_connection()
            && ui
                .add_enabled(
                    permissions.contains(Permission::Connect),
                    egui::Button::new("Connect"),
                )
                .clicked()
        {
            intents.push(VaultIntent::Connect(entry.id).into());
        }
        if entry.kind != EntryKind::Folder {
            if state.revealed_for(entry.id).is_some() {
                if ui.button("Hide password").clicked() {
                    intents.push(VaultIntent::HidePassword.into());
                }
            } else if ui
                .add_enabled(may_reveal, egui::Button::new("View password"))
                .clicked()
            {
                intents.push(VaultIntent::RevealPassword(entry.id).into());
            }
            if ui.button("Copy username").clicked() {
                intents.push(VaultIntent::Copy(entry.id, CopyWhat::Username).into());
            }
            if ui
                .add_enabled(may_reveal, egui::Button::new("Copy password"))
                .clicked()
            {
                intents.push(VaultIntent::Copy(entry.id, CopyWhat::Password).into());
            }
            // R-REQ-8: both at once, as the item's menu offers.
            if ui
                .add_enabled(may_reveal, egui::Button::new("Copy username and password"))
                .clicked()
            {
                intents.push(VaultIntent::Copy(entry.id, CopyWhat::UsernameAndPassword).into());
            }
        }
    });
}
