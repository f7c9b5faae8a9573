//! The navigation pane (R-REQ-1, R-REQ-2): vault selector, filter, and the
//! tree as a virtualized list — only the visible rows are laid out.

use super::widgets::{LOCK, kind_icon};
use crate::app::view::intent::{AccessIntent, CopyWhat, Intent, VaultIntent};
use crate::app::view::screen::MainView;
use crate::app::view::tree::TreeRow;
use crate::domain::entry::EntryKind;
use egui::{Key, RichText, Role, Sense, Ui, WidgetInfo};

const ROW_HEIGHT: f32 = 20.0;

/// The whole navigation pane.
pub fn navigation_ui(ui: &mut Ui, state: &MainView, intents: &mut Vec<Intent>) {
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
                        intents.push(VaultIntent::SelectVault(vault.id).into());
                        // A pick closes the list, from the keyboard too (issue 12).
                        ui.close();
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        let mut filter = state.tree.filter().to_owned();
        let edit = ui.add(
            egui::TextEdit::singleline(&mut filter)
                .hint_text("name contains…")
                .desired_width(f32::INFINITY),
        );
        if edit.labelled_by(label.id).changed() {
            intents.push(VaultIntent::SetFilter(filter).into());
        }
    });
    ui.separator();
    if state.vaults.is_empty() {
        ui.label("You are not a member of any vault yet. Ask an administrator.");
        return;
    }
    let rows = state.tree.rows();
    if rows.is_empty() {
        ui.label(if state.tree.filter().is_empty() {
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

fn row_ui(ui: &mut Ui, state: &MainView, row: TreeRow, intents: &mut Vec<Intent>) {
    let entry = state.tree.row_entry(&row);
    let is_locked = state.tree.row_is_locked(&row);
    let is_selected = state.selected() == Some(entry.id);
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
                intents.push(VaultIntent::ToggleFolder(entry.id).into());
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
        response
            .widget_info(|| WidgetInfo::selected(Role::TreeItem, true, is_selected, &accessible));
        // egui reports "selected" as toggled; a tree item is selected.
        ui.ctx()
            .accesskit_node_builder(response.id, |node| node.set_selected(is_selected));
        if response.double_clicked() {
            if is_locked {
                intents.push(AccessIntent::AskForAccess(entry.id).into()); // R-REQ-2
            } else if entry.kind == EntryKind::Folder {
                intents.push(VaultIntent::ToggleFolder(entry.id).into());
            } else if entry.kind.is_connection() {
                intents.push(VaultIntent::Connect(entry.id).into());
            }
        } else if response.clicked() || (response.secondary_clicked() && !is_selected) {
            intents.push(VaultIntent::SelectEntry(entry.id).into());
        }
        if response.has_focus() && ui.input(|i| i.key_pressed(Key::Enter)) && is_locked {
            intents.push(AccessIntent::AskForAccess(entry.id).into());
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
    state: &MainView,
    entry: crate::domain::EntryId,
    kind: EntryKind,
    is_locked: bool,
    intents: &mut Vec<Intent>,
) {
    let reveal_allowed = state.may_reveal_passwords();
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
        AccessIntent::OpenRequestDialog(entry).into(),
    );
    if kind.is_connection() {
        command(
            ui,
            "Connect",
            !is_locked,
            VaultIntent::Connect(entry).into(),
        );
    }
    if is_credentials {
        command(
            ui,
            "View password",
            !is_locked && reveal_allowed,
            VaultIntent::RevealPassword(entry).into(),
        );
        command(
            ui,
            "Copy username",
            true,
            VaultIntent::Copy(entry, CopyWhat::Username).into(),
        );
        command(
            ui,
            "Copy password",
            !is_locked && reveal_allowed,
            VaultIntent::Copy(entry, CopyWhat::Password).into(),
        );
        command(
            ui,
            "Copy username and password",
            !is_locked && reveal_allowed,
            VaultIntent::Copy(entry, CopyWhat::UsernameAndPassword).into(),
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
        revocable.map_or(Intent::CloseDialog, |id| AccessIntent::AskRevoke(id).into()),
    );
}
