//! The dialogs that build a vault (issue 14): a vault's name, a folder's or
//! item's form (fields by kind, the password with its show toggle and
//! generator, linked credentials and VPN), "Move to…", and the deletion
//! confirmation that names what goes with it.

use super::widgets::{
    describe_error, field_error_ui, keep_focus_after_list, kind_icon, labelled_text_ui, name_dialog,
};
use crate::app::present;
use crate::app::view::editing::{
    DeleteForm, DeleteTarget, ENGINES, EntryForm, KindFields, MoveForm, VaultForm,
};
use crate::app::view::intent::{EditIntent, Intent};
use crate::domain::entry::EntryKind;
use crate::domain::password::LENGTHS;
use crate::domain::{EntryId, Field};
use egui::{RichText, TextEdit, Ui};

/// The vault name dialog.
pub fn vault_form_ui(ui: &mut Ui, form: &mut VaultForm, intents: &mut Vec<Intent>) {
    ui.set_width(380.0);
    let title = if form.id.is_some() {
        "Rename vault"
    } else {
        "New vault"
    };
    ui.heading(title);
    name_dialog(ui, title);
    let name = labelled_text_ui(ui, "Vault name", &mut form.name, false);
    if !name.has_focus() && form.name.is_empty() && form.error.is_none() {
        name.request_focus();
    }
    if let Some(error) = &form.error {
        ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
    }
    let enter = name.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    ui.horizontal(|ui| {
        let save = if form.id.is_some() {
            "Rename"
        } else {
            "Create vault"
        };
        if ui.button(RichText::new(save).strong()).clicked() || enter {
            intents.push(EditIntent::SaveVault.into());
        }
        if ui.button("Cancel").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

/// The title of an entry form: "New SSH connection in Production / Linux".
fn entry_title(form: &EntryForm) -> String {
    let what = present::kind_name(form.kind);
    match form.id {
        None => format!("New {what} in {}", form.location),
        Some(_) => format!("Edit {what} in {}", form.location),
    }
}

/// The folder or item form: its fields scroll when the window is short;
/// Create (or Save) and Cancel stay in view below them.
pub fn entry_form_ui(ui: &mut Ui, form: &mut EntryForm, intents: &mut Vec<Intent>) {
    ui.set_width(520.0);
    let title = entry_title(form);
    ui.heading(format!("{} {title}", kind_icon(form.kind)));
    name_dialog(ui, &title);
    let room = ui.ctx().content_rect().height() - 160.0;
    egui::ScrollArea::vertical()
        .id_salt("entry-form-fields")
        .max_height(room.max(160.0))
        .show(ui, |ui| entry_fields_ui(ui, form));
    // Below the fields, so opening it never pushes anything out of view.
    if form.generator_open && KindFields::of(form.kind).password {
        generator_ui(ui, form, intents);
    }
    // Enter in a one-line field (which gives up the focus on Enter) saves,
    // as in KeePassXC's entry form; in the notes it is a new line.
    let enter = ui.input(|i| i.key_pressed(egui::Key::Enter))
        && ui.memory(|m| m.focused().is_none())
        && !egui::Popup::is_any_open(ui.ctx());
    ui.horizontal(|ui| {
        let save = if form.id.is_some() { "Save" } else { "Create" };
        if ui.button(RichText::new(save).strong()).clicked() || enter {
            intents.push(EditIntent::SaveEntry.into());
        }
        if ui.button("Cancel").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

fn entry_fields_ui(ui: &mut Ui, form: &mut EntryForm) {
    if form.id.is_none() && form.kind != EntryKind::Folder {
        kind_ui(ui, form);
    }
    let fields = KindFields::of(form.kind);
    let name = labelled_text_ui(ui, "Name", &mut form.name, false);
    if form.id.is_none() && form.name.is_empty() && !ui.memory(|m| m.focused().is_some()) {
        name.request_focus();
    }
    describe_error(ui, &name, &form.errors, Field::Name);
    field_error_ui(ui, &form.errors, Field::Name);
    if fields.database {
        engine_ui(ui, form);
    }
    if fields.host {
        labelled_text_ui(ui, "Host", &mut form.host, false);
    }
    if fields.port {
        let port = labelled_text_ui(ui, "Port", &mut form.port, false);
        if let Some(error) = &form.port_error {
            ui.ctx().accesskit_node_builder(port.id, |node| {
                node.set_description(format!("Error: {error}"));
            });
            ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
        }
    }
    if fields.database {
        labelled_text_ui(ui, "Database", &mut form.database, false);
    }
    if fields.url {
        labelled_text_ui(ui, "URL", &mut form.url, false);
    }
    if fields.username {
        labelled_text_ui(ui, "User name", &mut form.username, false);
    }
    if fields.password {
        password_ui(ui, form);
    }
    if fields.links {
        let credentials = form.credential_choices.clone();
        link_ui(
            ui,
            "Credentials",
            "entry-credentials",
            &credentials,
            &mut form.credentials,
        );
        let vpns = form.vpn_choices.clone();
        link_ui(ui, "VPN", "entry-vpn", &vpns, &mut form.vpn);
    }
    ui.horizontal_top(|ui| {
        let label = ui.add_sized([110.0, 20.0], egui::Label::new("Notes"));
        ui.add(
            TextEdit::multiline(&mut form.notes)
                .desired_rows(3)
                .desired_width(360.0),
        )
        .labelled_by(label.id);
    });
    for field in [Field::Username, Field::Entry, Field::Workspace] {
        field_error_ui(ui, &form.errors, field);
    }
}

/// A new item's kind (a folder stays a folder).
fn kind_ui(ui: &mut Ui, form: &mut EntryForm) {
    ui.horizontal(|ui| {
        let label = ui.add_sized([110.0, 20.0], egui::Label::new("Kind"));
        let combo = egui::ComboBox::from_id_salt("entry-kind")
            .selected_text(format!("{} {}", kind_icon(form.kind), form.kind.label()))
            .show_ui(ui, |ui| {
                for kind in EntryKind::ALL
                    .into_iter()
                    .filter(|k| *k != EntryKind::Folder)
                {
                    let text = format!("{} {}", kind_icon(kind), kind.label());
                    if ui.selectable_label(form.kind == kind, text).clicked() {
                        form.kind = kind;
                        ui.close();
                    }
                }
            })
            .response
            .labelled_by(label.id);
        keep_focus_after_list(ui, &combo);
    });
}

fn engine_ui(ui: &mut Ui, form: &mut EntryForm) {
    ui.horizontal(|ui| {
        let label = ui.add_sized([110.0, 20.0], egui::Label::new("Engine"));
        let combo = egui::ComboBox::from_id_salt("entry-engine")
            .selected_text(if form.engine.is_empty() {
                "—"
            } else {
                form.engine.as_str()
            })
            .show_ui(ui, |ui| {
                for engine in ENGINES {
                    if ui.selectable_label(form.engine == engine, engine).clicked() {
                        engine.clone_into(&mut form.engine);
                        ui.close();
                    }
                }
            })
            .response
            .labelled_by(label.id);
        keep_focus_after_list(ui, &combo);
    });
}

/// The password: masked with a show toggle, and the generator's switch.
fn password_ui(ui: &mut Ui, form: &mut EntryForm) {
    ui.horizontal(|ui| {
        let label = ui.add_sized([110.0, 20.0], egui::Label::new("Password"));
        let hint = if form.id.is_some() && !form.password_changed {
            "unchanged"
        } else {
            ""
        };
        let edit = ui
            .add(
                TextEdit::singleline(&mut form.password)
                    .password(!form.show_password)
                    .hint_text(hint)
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
        if edit.changed() {
            form.password_changed = true;
        }
        describe_error(ui, &edit, &form.errors, Field::Password);
        let eye = ui.selectable_label(form.show_password, "👁");
        let shown = form.show_password;
        eye.widget_info(|| {
            egui::WidgetInfo::selected(egui::Role::CheckBox, true, shown, "Show password")
        });
        if eye.on_hover_text("Show password").clicked() {
            form.show_password = !form.show_password;
        }
        let dice = ui.selectable_label(form.generator_open, "🎲");
        let open = form.generator_open;
        dice.widget_info(|| {
            egui::WidgetInfo::selected(egui::Role::Button, true, open, "Password generator")
        });
        if dice.on_hover_text("Password generator").clicked() {
            form.generator_open = !form.generator_open;
        }
    });
    if form.id.is_some() && form.password_changed && form.password.is_empty() {
        ui.label(RichText::new("Saving clears the password.").weak());
    }
    field_error_ui(ui, &form.errors, Field::Password);
}

fn generator_ui(ui: &mut Ui, form: &mut EntryForm, intents: &mut Vec<Intent>) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        let policy = &mut form.generator;
        ui.horizontal(|ui| {
            let label = ui.label("Length");
            ui.add(egui::DragValue::new(&mut policy.length).range(LENGTHS))
                .labelled_by(label.id);
        });
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(&mut policy.lower, "a–z");
            ui.checkbox(&mut policy.upper, "A–Z");
            ui.checkbox(&mut policy.digits, "0–9");
            ui.checkbox(&mut policy.symbols, "Symbols");
            ui.checkbox(
                &mut policy.avoid_look_alikes,
                "Avoid look-alikes (l 1 I O 0)",
            );
        });
        ui.horizontal(|ui| {
            if ui.button("Generate").clicked() {
                intents.push(EditIntent::GeneratePassword.into());
            }
            ui.label(RichText::new(format!("about {:.0} bits", policy.entropy_bits())).weak());
        });
    });
}

/// A linked entry of the same vault, or none.
fn link_ui(
    ui: &mut Ui,
    label: &str,
    id: &str,
    choices: &[(EntryId, String)],
    chosen: &mut Option<EntryId>,
) {
    ui.horizontal(|ui| {
        let label = ui.add_sized([110.0, 20.0], egui::Label::new(label));
        let current = chosen
            .and_then(|c| choices.iter().find(|(id, _)| *id == c))
            .map_or("None", |(_, path)| path.as_str());
        let combo = egui::ComboBox::from_id_salt(id)
            .selected_text(current)
            .width(300.0)
            .show_ui(ui, |ui| {
                if ui.selectable_label(chosen.is_none(), "None").clicked() {
                    *chosen = None;
                    ui.close();
                }
                for (entry, path) in choices {
                    if ui.selectable_label(*chosen == Some(*entry), path).clicked() {
                        *chosen = Some(*entry);
                        ui.close();
                    }
                }
            })
            .response
            .labelled_by(label.id);
        keep_focus_after_list(ui, &combo);
    });
}

/// "Move to…".
pub fn move_form_ui(ui: &mut Ui, form: &mut MoveForm, intents: &mut Vec<Intent>) {
    ui.set_width(420.0);
    let title = format!("Move {}", form.name);
    ui.heading(&title);
    name_dialog(ui, &title);
    ui.horizontal(|ui| {
        let label = ui.label("Move to");
        let current = form
            .choices
            .get(form.chosen)
            .map_or("", |(_, path)| path.as_str());
        let combo = egui::ComboBox::from_id_salt("move-to")
            .selected_text(current)
            .width(300.0)
            .show_ui(ui, |ui| {
                for (index, (_, path)) in form.choices.iter().enumerate() {
                    if ui.selectable_label(form.chosen == index, path).clicked() {
                        form.chosen = index;
                        ui.close();
                    }
                }
            })
            .response
            .labelled_by(label.id);
        keep_focus_after_list(ui, &combo);
    });
    if let Some(error) = &form.error {
        ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
    }
    ui.horizontal(|ui| {
        if ui.button(RichText::new("Move").strong()).clicked() {
            intents.push(EditIntent::MoveChosen.into());
        }
        if ui.button("Cancel").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

/// The deletion confirmation: what goes, and who depends on it.
pub fn delete_form_ui(ui: &mut Ui, form: &DeleteForm, intents: &mut Vec<Intent>) {
    ui.set_width(460.0);
    let title = match form.target {
        DeleteTarget::Entry(_) => format!("Delete {}?", form.name),
        DeleteTarget::Vault(_) => format!("Delete the vault {}?", form.name),
    };
    ui.heading(&title);
    name_dialog(ui, &title);
    let entries = &form.impact.entries;
    if entries.is_empty() {
        ui.label("It holds nothing.");
    } else {
        ui.label(format!(
            "This deletes {} for good, passwords included:",
            if entries.len() == 1 {
                "1 entry".to_owned()
            } else {
                format!("{} entries", entries.len())
            }
        ));
        egui::ScrollArea::vertical()
            .max_height(140.0)
            .id_salt("deleted-entries")
            .show(ui, |ui| {
                for path in entries {
                    ui.label(format!("• {path}"));
                }
            });
    }
    if !form.impact.dependents.is_empty() {
        ui.label(
            RichText::new("These items depend on it and lose their link:")
                .color(ui.visuals().warn_fg_color),
        );
        for path in &form.impact.dependents {
            ui.label(format!("• {path}"));
        }
    }
    if let Some(error) = &form.error {
        ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
    }
    ui.horizontal(|ui| {
        let delete = ui.button(RichText::new("Delete").color(ui.visuals().error_fg_color));
        if delete.clicked() {
            intents.push(EditIntent::ConfirmDelete.into());
        }
        if ui.button("Cancel").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}
