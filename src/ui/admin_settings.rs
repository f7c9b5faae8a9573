//! The Administration window's Settings tab (R-ADM-1): every workspace
//! setting, each refused next to its field with the reason, the form keeping
//! what was typed; the preset durations added, removed and kept in order;
//! where the workspace key lives.

use super::widgets::{describe_error, field_error_ui};
use crate::app::view::admin::SettingsForm;
use crate::app::view::intent::{AdminIntent, Intent};
use crate::domain::Field;
use egui::{RichText, Ui};

/// A labelled one-line field and its message.
fn text_setting_ui(
    ui: &mut Ui,
    label: &str,
    text: &mut String,
    form_errors: &crate::domain::FieldErrors,
    field: Field,
    width: f32,
) {
    ui.horizontal(|ui| {
        let label = ui.add_sized([240.0, 20.0], egui::Label::new(label));
        let edit = ui
            .add(egui::TextEdit::singleline(text).desired_width(width))
            .labelled_by(label.id);
        describe_error(ui, &edit, form_errors, field);
    });
    field_error_ui(ui, form_errors, field);
}

/// The tab; `key_status` says where the workspace key lives.
pub fn settings_tab_ui(
    ui: &mut Ui,
    form: &mut SettingsForm,
    (key_status, key_in_os_keyring): (&str, Option<bool>),
    intents: &mut Vec<Intent>,
) {
    let errors = form.errors.clone();
    key_ui(ui, key_status, key_in_os_keyring, intents);
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("admin-settings")
        .max_height(360.0)
        .show(ui, |ui| {
            ui.strong("Temporary access");
            ui.checkbox(
                &mut form.temporary_access_enabled,
                "Users may request temporary access",
            );
            presets_ui(ui, form, &errors);
            text_setting_ui(
                ui,
                "Longest access (min)",
                &mut form.max_length_mins,
                &errors,
                Field::MaxLength,
                80.0,
            );
            ui.checkbox(&mut form.message_required, "A request needs a message");
            ui.checkbox(
                &mut form.permanent_access_allowed,
                "Requests may ask for permanent access",
            );
            text_setting_ui(
                ui,
                "A request may wait (min)",
                &mut form.pending_ttl_mins,
                &errors,
                Field::PendingTtl,
                80.0,
            );
            text_setting_ui(
                ui,
                "Warn before the end (min)",
                &mut form.expiring_soon_lead_mins,
                &errors,
                Field::ExpiringLead,
                80.0,
            );
            ui.add_space(6.0);
            ui.strong("Secrets and the window");
            ui.checkbox(
                &mut form.allow_reveal_password,
                "Users may reveal and copy passwords",
            );
            text_setting_ui(
                ui,
                "Clear a copied password after (s)",
                &mut form.clipboard_clear_secs,
                &errors,
                Field::ClipboardClear,
                80.0,
            );
            text_setting_ui(
                ui,
                "Lock a window after idle (min; 0 never)",
                &mut form.idle_lock_mins,
                &errors,
                Field::IdleLock,
                80.0,
            );
            ui.add_space(6.0);
            ui.strong("Programs that open connections");
            ui.label(RichText::new("Placeholders: {host} {port} {username} {url} {name}").weak());
            let templates = &mut form.templates;
            for (label, text) in [
                ("Website", &mut templates.website),
                ("SSH", &mut templates.ssh),
                ("RDP", &mut templates.rdp),
                ("VPN", &mut templates.vpn),
                ("Database", &mut templates.database),
            ] {
                ui.horizontal(|ui| {
                    let label = ui.add_sized([240.0, 20.0], egui::Label::new(label));
                    ui.add(egui::TextEdit::singleline(text).desired_width(360.0))
                        .labelled_by(label.id);
                });
            }
        });
    field_error_ui(ui, &errors, Field::Workspace);
    if ui.button(RichText::new("Save settings").strong()).clicked() {
        intents.push(AdminIntent::SaveSettings.into());
    }
}

/// The preset durations: each removable and movable, a new one added.
fn presets_ui(ui: &mut Ui, form: &mut SettingsForm, errors: &crate::domain::FieldErrors) {
    ui.horizontal_wrapped(|ui| {
        ui.add_sized([240.0, 20.0], egui::Label::new("Preset durations (min)"));
        let mut remove = None;
        for (i, mins) in form.presets.iter().enumerate() {
            let chip = ui.button(format!("{mins} ×"));
            let text = format!("Remove the {mins}-minute preset");
            chip.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &text));
            if chip.on_hover_text("Remove").clicked() {
                remove = Some(i);
            }
        }
        if let Some(i) = remove {
            form.presets.remove(i);
        }
        let label = ui.label("Add");
        let edit = ui
            .add(egui::TextEdit::singleline(&mut form.new_preset).desired_width(50.0))
            .labelled_by(label.id);
        describe_error(ui, &edit, errors, Field::Presets);
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Add preset").clicked() || entered {
            form.add_preset();
        }
    });
    field_error_ui(ui, errors, Field::Presets);
}

/// Where the workspace key lives, and the button that moves it.
fn key_ui(
    ui: &mut Ui,
    key_status: &str,
    key_in_os_keyring: Option<bool>,
    intents: &mut Vec<Intent>,
) {
    ui.strong("Workspace key");
    ui.label(key_status);
    // The database server's key never comes to this computer.
    let Some(key_in_os_keyring) = key_in_os_keyring else {
        return;
    };
    // Either way the new copy is written and checked before the
    // old one is removed.
    let (label, into_keyring) = if key_in_os_keyring {
        (
            "Move the key out of the OS keyring into a private file",
            false,
        )
    } else {
        ("Move the key into the OS keyring", true)
    };
    if ui.button(label).clicked() {
        intents.push(AdminIntent::MoveKey { into_keyring }.into());
    }
}
