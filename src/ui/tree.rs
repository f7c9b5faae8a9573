//! The navigation pane (R-REQ-1, R-REQ-2): vault selector, filter, and the
//! tree as a virtualized list — only the visible rows are laid out.

use super::widgets::{LOCK, kind_icon};
use crate::app::MainState;
use crate::app::intent::{CopyWhat, Intent};
use crate::domain::entry::EntryKind;
use egui::{Key, RichText, Role, Sense, Ui, WidgetInfo};

const ROW_HEIGHT: f32 = 20.0;

/// The whole navigation pane.
pub fn navigation_ui(
    ui: &mut Ui,
    state: &MainState,
    filter: &mut String,
    intents: &mut Vec<Intent>,
) {
    ui.horizontal(|ui| {
        let label = ui.label("Vault");
        let current = state
            .vaults
            .iter()
            .find(|v| Some(v.id) == state.vault)
            .map_or("—", |v| v.name.as_str());
        egui::ComboBox::from_id_salt("vault-selector")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for vault in &state.vaults {
                    if ui
                        .selectable_label(Some(vault.id) == state.vault, &vault.name)
                        .clicked()
                    {
                        intents.push(Intent::SelectVault(vault.id));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        let edit = ui.add(
            egui::TextEdit::singleline(filter)
                .hint_text("name contains…")
                .desired_width(f32::INFINITY),
        );
        if edit.labelled_by(label.id).changed() {
            intents.push(Intent::FilterChanged);
        }
    });
    ui.separator();
    if state.vaults.is_empty() {
        ui.label("You are not a member of any vault yet. Ask an administrator.");
        return;
    }
    let rows = state.tree.rows();
    if rows.is_empty() {
        ui.label(if filter.is_empty() {
            "This vault is empty"
        } else {
            "Nothing matches the filter"
        });
        return;
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
            for row in &rows[range] {
                row_ui(ui, state, *row, intents);
            }
        });
}

fn row_ui(
    ui: &mut Ui,
    state: &MainState,
    row: crate::app::tree::TreeRow,
    intents: &mut Vec<Intent>,
) {
    let entry = state.tree.row_entry(&row);
    let is_locked = state.tree.row_is_locked(&row);
    let is_selected = state.selected == Some(entry.id);
    ui.horizontal(|ui| {
        ui.set_height(ROW_HEIGHT);
        ui.add_space(f32::from(row.depth) * 16.0);
        if row.has_children {
            let (arrow, verb) = if row.is_expanded {
                ("⏷", "Collapse")
            } else {
                ("⏵", "Expand")
            };
            let toggle = ui.add(egui::Button::new(arrow).frame(false).small());
            toggle.widget_info(|| {
                WidgetInfo::labeled(Role::Button, true, format!("{verb} {}", entry.name))
            });
            if toggle.clicked() {
                intents.push(Intent::ToggleFolder(entry.id));
            }
        } else {
            ui.add_space(18.0);
        }
        let mut text = format!("{} {}", kind_icon(entry.kind), entry.name);
        if is_locked {
            text = format!("{text}  {LOCK}");
        }
        let label = if is_locked {
            RichText::new(text).weak()
        } else {
            RichText::new(text)
        };
        let response = ui.add(egui::Button::selectable(is_selected, label).sense(Sense::click()));
        let accessible = if is_locked {
            format!("{} (locked)", entry.name)
        } else {
            entry.name.clone()
        };
        response.widget_info(|| WidgetInfo::selected(Role::Button, true, is_selected, &accessible));
        if response.double_clicked() {
            if is_locked {
                intents.push(Intent::AskForAccess(entry.id)); // R-REQ-2
            } else if entry.kind == EntryKind::Folder {
                intents.push(Intent::ToggleFolder(entry.id));
            } else if entry.kind.is_connection() {
                intents.push(Intent::Connect(entry.id));
            }
        } else if response.clicked() || (response.secondary_clicked() && !is_selected) {
            intents.push(Intent::Select(entry.id));
        }
        if response.has_focus() && ui.input(|i| i.key_pressed(Key::Enter)) && is_locked {
            intents.push(Intent::AskForAccess(entry.id));
        }
        if entry.kind != EntryKind::Folder {
            response.context_menu(|ui| {
                item_menu_ui(ui, state, entry.id, entry.kind, is_locked, intents);
            });
        }
    });
}

/// The right-click menu of an item: each command enabled only when allowed.
pub fn item_menu_ui(
    ui: &mut Ui,
    state: &MainState,
    entry: crate::domain::EntryId,
    kind: EntryKind,
    is_locked: bool,
    intents: &mut Vec<Intent>,
) {
    let reveal_allowed = state.settings.allow_reveal_password || state.session.user().is_admin;
    let is_credentials = kind == EntryKind::Credentials;
    let mut command = |ui: &mut Ui, label: &str, enabled: bool, intent: Intent| {
        if ui.add_enabled(enabled, egui::Button::new(label)).clicked() {
            intents.push(intent);
            ui.close();
        }
    };
    command(
        ui,
        "Request temporary access…",
        state.settings.temporary_access_enabled,
        Intent::OpenRequestDialog(entry),
    );
    if kind.is_connection() {
        command(ui, "Connect", !is_locked, Intent::Connect(entry));
    }
    if is_credentials {
        command(
            ui,
            "View password",
            !is_locked && reveal_allowed,
            Intent::RevealPassword(entry),
        );
        command(
            ui,
            "Copy username",
            true,
            Intent::Copy(entry, CopyWhat::Username),
        );
        command(
            ui,
            "Copy password",
            !is_locked && reveal_allowed,
            Intent::Copy(entry, CopyWhat::Password),
        );
        command(
            ui,
            "Copy username and password",
            !is_locked && reveal_allowed,
            Intent::Copy(entry, CopyWhat::UsernameAndPassword),
        );
    }
    let revocable = state
        .detail
        .as_ref()
        .filter(|d| d.entry.id == entry)
        .and_then(|d| d.banner.as_ref())
        .filter(|b| b.can_revoke)
        .map(|b| b.request_id);
    command(
        ui,
        "Revoke temporary access",
        revocable.is_some(),
        revocable.map_or(Intent::CloseDialog, Intent::AskRevoke),
    );
}
