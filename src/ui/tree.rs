//! The navigation pane (R-REQ-1, R-REQ-2): vault selector, filter, and the
//! tree as a virtualized list — only the visible rows are laid out.

use super::widgets::{LOCK, kind_icon, menu_command};
use crate::app::present;
use crate::app::view::intent::{
    AccessIntent, CopyWhat, EditIntent, ImportIntent, Intent, VaultIntent,
};
use crate::app::view::screen::MainView;
use crate::app::view::tree::TreeRow;
use crate::domain::EntryId;
use crate::domain::entry::EntryKind;
use crate::domain::request::RequestStatus;
use crate::domain::vault::JoinableVault;
use egui::{Key, RichText, Role, Sense, Ui, WidgetInfo};

const ROW_HEIGHT: f32 = 20.0;

/// The whole navigation pane.
pub fn navigation_ui(ui: &mut Ui, state: &MainView, intents: &mut Vec<Intent>) {
    if !state.joinable.is_empty() {
        egui::Panel::bottom("joinable-vaults")
            .resizable(false)
            .show(ui, |ui| joinable_ui(ui, state, intents));
    }
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
        vault_menu_ui(ui, state, intents);
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
        if state.user.is_admin {
            ui.label("There is no vault yet.");
            if ui.button("Create a vault…").clicked() {
                intents.push(EditIntent::NewVault.into());
            }
        } else if state.joinable.is_empty() {
            ui.label("You are not a member of any vault yet. Ask an administrator.");
        } else {
            ui.label("You are not a member of any vault yet. Ask to join one below, or ask an administrator.");
        }
        return;
    }
    let rows = state.tree.rows();
    if rows.is_empty() {
        if state.tree.filter().is_empty() {
            ui.label("This vault is empty");
            if state.rights.add_at_top {
                ui.horizontal(|ui| {
                    if ui.button("New folder…").clicked() {
                        intents.push(new_entry(EntryKind::Folder, None));
                    }
                    if ui.button("New entry…").clicked() {
                        intents.push(new_entry(EntryKind::Credentials, None));
                    }
                });
            }
        } else {
            ui.label("Nothing matches the filter");
        }
        return;
    }
    // While an entry is dragged: a place to drop it at the top of the vault.
    if egui::DragAndDrop::has_payload_of_type::<EntryId>(ui.ctx()) {
        let zone = ui.add(
            egui::Button::new("⤒ Drop here: the top of the vault")
                .sense(Sense::click_and_drag())
                .min_size(egui::vec2(ui.available_width(), ROW_HEIGHT)),
        );
        if let Some(dragged) = zone.dnd_release_payload::<EntryId>() {
            intents.push(
                EditIntent::Drop {
                    entry: *dragged,
                    folder: None,
                }
                .into(),
            );
        }
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
            for row in &rows[range] {
                row_ui(ui, state, *row, intents);
            }
        });
}

/// The vaults the user may ask to join (R-REQ-12), below the tree: each
/// one's name and description, and "Ask to join…" or where the user's
/// request stands. Never their tree: the service does not give it.
fn joinable_ui(ui: &mut Ui, state: &MainView, intents: &mut Vec<Intent>) {
    let heading = format!("Vaults you may join ({})", state.joinable.len());
    egui::CollapsingHeader::new(heading)
        .id_salt("joinable-vaults")
        .default_open(state.vaults.is_empty())
        .show(ui, |ui| {
            // As tall as its content up to 240 points, then scrolled (without
            // a minimum, the list would keep the panel's earlier, smaller height).
            egui::ScrollArea::vertical()
                .id_salt("joinable-list")
                .max_height(240.0)
                .min_scrolled_height(240.0)
                .auto_shrink([false, true])
                .show(ui, |ui| {
                    for vault in &state.joinable {
                        joinable_vault_ui(ui, state, vault, intents);
                    }
                });
        });
}

fn joinable_vault_ui(
    ui: &mut Ui,
    state: &MainView,
    vault: &JoinableVault,
    intents: &mut Vec<Intent>,
) {
    ui.add_space(2.0);
    ui.label(RichText::new(&vault.name).strong());
    if !vault.description.is_empty() {
        ui.label(RichText::new(&vault.description).weak());
    }
    // Only a waiting or a scheduled request is listed here (a running one
    // made the user a member, and the vault left this list).
    match &vault.asked {
        Some(asked) if asked.status == RequestStatus::Approved => {
            let starts = asked.grant_start_at.map_or_else(String::new, |at| {
                format!(" on {}", present::local_minute(at))
            });
            ui.label(format!("✔ Approved: you become a member{starts}"));
        }
        Some(_) => {
            ui.label("⏳ You asked to join; waiting for a decision");
        }
        None => {
            let enabled = state.settings.temporary_access_enabled;
            let name = format!("Ask to join {}", vault.name);
            let button = ui
                .add_enabled(enabled, egui::Button::new("Ask to join…"))
                .on_hover_text("Ask its approvers to make you a member, for a while or for good");
            button.widget_info(|| WidgetInfo::labeled(Role::Button, enabled, &name));
            if button.clicked() {
                intents.push(AccessIntent::OpenJoinDialog(vault.id).into());
            }
        }
    }
    ui.separator();
}

fn new_entry(kind: EntryKind, parent: Option<EntryId>) -> Intent {
    EditIntent::NewEntry { kind, parent }.into()
}

/// "New folder…" and "New entry…" into `parent` (`None`: the vault's top).
fn new_menu_ui(ui: &mut Ui, allowed: bool, parent: Option<EntryId>, intents: &mut Vec<Intent>) {
    if menu_command(ui, "New folder here…", None, allowed) {
        intents.push(new_entry(EntryKind::Folder, parent));
        ui.close();
    }
    if menu_command(ui, "New entry here…", Some("Ctrl+N"), allowed) {
        intents.push(new_entry(EntryKind::Credentials, parent));
        ui.close();
    }
    if menu_command(ui, "Import here…", None, allowed) {
        intents.push(ImportIntent::Open { into: parent }.into());
        ui.close();
    }
}

/// The vault's own commands ("Manage…" beside the vault drop-down).
fn vault_menu_ui(ui: &mut Ui, state: &MainView, intents: &mut Vec<Intent>) {
    let is_admin = state.user.is_admin;
    let menu = ui.menu_button("Manage…", |ui| {
        let mut command = |ui: &mut Ui, label: &str, enabled: bool, intent: Intent| {
            if ui.add_enabled(enabled, egui::Button::new(label)).clicked() {
                intents.push(intent);
                ui.close();
            }
        };
        command(ui, "New vault…", is_admin, EditIntent::NewVault.into());
        if let Some(vault) = state.vault {
            command(
                ui,
                "Rename vault…",
                is_admin,
                EditIntent::RenameVault(vault).into(),
            );
            command(
                ui,
                "Delete vault…",
                is_admin,
                EditIntent::AskDeleteVault(vault).into(),
            );
            ui.separator();
            command(
                ui,
                "New folder at the top…",
                state.rights.add_at_top,
                new_entry(EntryKind::Folder, None),
            );
            command(
                ui,
                "New entry at the top…",
                state.rights.add_at_top,
                new_entry(EntryKind::Credentials, None),
            );
            command(
                ui,
                "Import into this vault…",
                state.rights.add_at_top,
                ImportIntent::Open { into: None }.into(),
            );
            if !is_admin {
                ui.separator();
                command(
                    ui,
                    "Request access to this vault…",
                    state.settings.temporary_access_enabled,
                    AccessIntent::OpenVaultRequestDialog(vault).into(),
                );
            }
        }
    });
    menu.response
        .widget_info(|| WidgetInfo::labeled(Role::Button, true, "Vault commands"));
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
        let response =
            ui.add(egui::Button::selectable(is_selected, label).sense(Sense::click_and_drag()));
        // Drag an entry onto a folder (or below the rows, the top) to move it.
        response.dnd_set_drag_payload(entry.id);
        if let Some(dragged) = response.dnd_release_payload::<EntryId>() {
            let folder = if entry.kind == EntryKind::Folder {
                Some(entry.id)
            } else {
                entry.parent_id
            };
            if *dragged != entry.id {
                intents.push(
                    EditIntent::Drop {
                        entry: *dragged,
                        folder,
                    }
                    .into(),
                );
            }
        }
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
        response.context_menu(|ui| {
            if entry.kind == EntryKind::Folder {
                new_menu_ui(
                    ui,
                    is_selected && state.rights.add_in_selected,
                    Some(entry.id),
                    intents,
                );
                // A folder request covers everything below it (R-REQ-11);
                // administrators already hold every permission.
                if !state.user.is_admin
                    && menu_command(
                        ui,
                        "Request access…",
                        None,
                        state.settings.temporary_access_enabled,
                    )
                {
                    intents.push(AccessIntent::OpenRequestDialog(entry.id).into());
                    ui.close();
                }
            } else {
                item_menu_ui(ui, state, entry.id, entry.kind, is_locked, intents);
            }
            ui.separator();
            edit_menu_ui(ui, state, entry.id, is_selected, intents);
        });
    });
}

/// Edit, move and delete, enabled as the service said for the selected entry.
fn edit_menu_ui(
    ui: &mut Ui,
    state: &MainView,
    entry: EntryId,
    is_selected: bool,
    intents: &mut Vec<Intent>,
) {
    let rights = state.rights;
    let mut command = |ui: &mut Ui, label: &str, shortcut: &str, enabled: bool, intent: Intent| {
        let shortcut = (!shortcut.is_empty()).then_some(shortcut);
        if menu_command(ui, label, shortcut, is_selected && enabled) {
            intents.push(intent);
            ui.close();
        }
    };
    command(
        ui,
        "Edit…",
        "Ctrl+E",
        rights.edit_selected,
        EditIntent::EditEntry(entry).into(),
    );
    command(
        ui,
        "Move to…",
        "",
        rights.edit_selected,
        EditIntent::AskMove(entry).into(),
    );
    command(
        ui,
        "Delete…",
        "Delete",
        rights.delete_selected,
        EditIntent::AskDelete(entry).into(),
    );
}

/// The right-click menu of an item: each command enabled only when allowed.
pub fn item_menu_ui(
    ui: &mut Ui,
    state: &MainView,
    entry: EntryId,
    kind: EntryKind,
    is_locked: bool,
    intents: &mut Vec<Intent>,
) {
    let reveal_allowed = state.may_reveal_passwords();
    let mut command = |ui: &mut Ui, label: &str, enabled: bool, intent: Intent| {
        let shortcut = match label {
            "Connect" => Some("Ctrl+U"),
            "Copy username" => Some("Ctrl+B"),
            "Copy password" => Some("Ctrl+C"),
            _ => None,
        };
        if menu_command(ui, label, shortcut, enabled) {
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
    // Every item kind may keep a password (a connection's own, or the credentials').
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
