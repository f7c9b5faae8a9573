//! Small shared widgets: labelled fields (the label is also the accessible
//! name, R-DSK-3), field errors, entry icons.

use crate::app::present;
use crate::app::view::forms::{LocalMoment, TermsInput};
use crate::domain::entry::EntryKind;
use crate::domain::permission::PermissionSet;
use crate::domain::{Field, FieldErrors};
use egui::{Response, RichText, TextEdit, Ui};

/// A labelled single-line text field; the label names it for screen readers
/// and tests. `text` is a `String`, or a `SecretText` for passwords.
pub fn labelled_text_ui(
    ui: &mut Ui,
    label: &str,
    text: &mut dyn egui::TextBuffer,
    is_password: bool,
) -> Response {
    ui.horizontal(|ui| {
        let label = ui.add_sized([110.0, 20.0], egui::Label::new(label));
        ui.add(
            TextEdit::singleline(text)
                .password(is_password)
                .desired_width(220.0),
        )
        .labelled_by(label.id)
    })
    .inner
}

/// Ties `field`'s message, if any, to the control that edits it, so a
/// screen reader reads the error with the field (R-DSK-3, issue 12).
pub fn describe_error(ui: &Ui, control: &Response, errors: &FieldErrors, field: Field) {
    if let Some(message) = errors.for_field(field) {
        ui.ctx().accesskit_node_builder(control.id, |node| {
            node.set_description(format!("Error: {message}"));
        });
    }
}

/// The message for `field`, in the error colour, if there is one.
pub fn field_error_ui(ui: &mut Ui, errors: &FieldErrors, field: Field) {
    if let Some(message) = errors.for_field(field) {
        ui.label(RichText::new(format!("⚠ {message}")).color(ui.visuals().error_fg_color));
    }
}

/// The icon of an entry kind.
pub const fn kind_icon(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Folder => "📁",
        EntryKind::Rdp => "🖥",
        EntryKind::Ssh => "💻",
        EntryKind::Website => "🌐",
        EntryKind::Vpn => "🔐",
        EntryKind::Credentials => "🔑",
        EntryKind::Database => "🗄",
    }
}

/// A vault (a bank), where one is listed among entries: the target picker.
pub const VAULT_ICON: &str = "🏦";

/// The lock shown on locked items (R-REQ-1).
pub const LOCK: &str = "🔒";

/// The terms of a grant being chosen (the request, response and
/// direct-grant dialogs): "Access duration", the custom time frame and
/// "Start on first use" when offered, and "Permission". `id` keeps each
/// dialog's drop-downs apart.
pub fn terms_input_ui(ui: &mut Ui, input: &mut TermsInput, errors: &FieldErrors, id: &str) {
    let uses_custom = input.uses_custom();
    let duration = ui
        .horizontal(|ui| {
            duration_choice_ui(
                ui,
                &format!("{id}-duration"),
                &input.presets,
                input.offers_permanent,
                &mut input.preset_index,
                !uses_custom,
            )
        })
        .inner;
    describe_error(ui, &duration, errors, Field::Duration);
    field_error_ui(ui, errors, Field::Duration);
    if input.offers_custom {
        ui.checkbox(&mut input.is_custom, "Set custom time frame");
    }
    if input.uses_custom() {
        let start = moment_ui(ui, "Start", &mut input.start, &format!("{id}-start"));
        describe_error(ui, &start, errors, Field::Start);
        field_error_ui(ui, errors, Field::Start);
        let end = moment_ui(ui, "End", &mut input.end, &format!("{id}-end"));
        describe_error(ui, &end, errors, Field::End);
        field_error_ui(ui, errors, Field::End);
    } else if let Some(first_use) = &mut input.first_use {
        ui.checkbox(first_use, "Start on first use");
        field_error_ui(ui, errors, Field::Start);
    }
    let set = ui.horizontal(|ui| {
        let set =
            permission_set_choice_ui(ui, &format!("{id}-set"), &input.sets, &mut input.set_index);
        let inside = input
            .set()
            .map(|s| s.permissions.to_string())
            .unwrap_or_default();
        let eye = ui.label("👁");
        eye.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Label, true, "Permissions in this set")
        });
        eye.on_hover_text(format!("Includes: {inside}"));
        set
    });
    describe_error(ui, &set.inner, errors, Field::PermissionSet);
    field_error_ui(ui, errors, Field::PermissionSet);
}

/// A date picker and an "HH:MM" field, named "`label`" and "`label` time";
/// the time field's response.
fn moment_ui(ui: &mut Ui, label: &str, moment: &mut LocalMoment, salt: &str) -> Response {
    ui.horizontal(|ui| {
        ui.add_sized([60.0, 20.0], egui::Label::new(label));
        ui.add(egui_extras::DatePickerButton::new(&mut moment.date).id_salt(salt));
        let time_label = ui.label("at");
        let time = ui
            .add(TextEdit::singleline(&mut moment.time).desired_width(52.0))
            .labelled_by(time_label.id);
        time.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::TextInput, true, format!("{label} time"))
        });
        time
    })
    .inner
}

/// "Access duration" and the drop-down of preset durations (a labelled field).
fn duration_choice_ui(
    ui: &mut Ui,
    id_salt: &str,
    presets: &[u32],
    offers_permanent: bool,
    index: &mut usize,
    is_enabled: bool,
) -> Response {
    let label = ui.add_sized([110.0, 20.0], egui::Label::new("Access duration"));
    ui.add_enabled_ui(is_enabled, |ui| {
        let current = match presets.get(*index) {
            Some(mins) => present::duration_mins(*mins),
            None if offers_permanent => "Permanent".to_owned(),
            None => String::new(),
        };
        let combo = egui::ComboBox::from_id_salt(id_salt)
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (i, mins) in presets.iter().enumerate() {
                    if ui
                        .selectable_value(index, i, present::duration_mins(*mins))
                        .clicked()
                    {
                        // A pick closes the list, from the keyboard too (issue 12).
                        ui.close();
                    }
                }
                if offers_permanent
                    && ui
                        .selectable_value(index, presets.len(), "Permanent")
                        .clicked()
                {
                    ui.close();
                }
            })
            .response
            .labelled_by(label.id);
        keep_focus_after_list(ui, &combo);
        combo
    })
    .inner
}

/// "Permission" and the drop-down of permission sets (a labelled field).
fn permission_set_choice_ui(
    ui: &mut Ui,
    id_salt: &str,
    sets: &[PermissionSet],
    index: &mut usize,
) -> Response {
    let label = ui.add_sized([110.0, 20.0], egui::Label::new("Permission"));
    let current = sets.get(*index).map_or("", |s| s.name.as_str());
    let combo = egui::ComboBox::from_id_salt(id_salt)
        .selected_text(current)
        .show_ui(ui, |ui| {
            for (i, set) in sets.iter().enumerate() {
                if ui.selectable_value(index, i, &set.name).clicked() {
                    // A pick closes the list, from the keyboard too (issue 12).
                    ui.close();
                }
            }
        })
        .response
        .labelled_by(label.id);
    keep_focus_after_list(ui, &combo);
    combo
}

/// Names the dialog (modal or pop-up) `ui` is drawn in, for screen readers:
/// egui gives it the dialog role but no name (R-DSK-3).
pub fn name_dialog(ui: &Ui, name: &str) {
    let dialog = ui
        .stack()
        .iter()
        .find(|frame| matches!(frame.kind(), Some(egui::UiKind::Modal)))
        .map(|frame| frame.unique_id);
    if let Some(id) = dialog {
        ui.ctx()
            .accesskit_node_builder(id, |node| node.set_label(name));
    }
}

/// When a drop-down's list closes (a pick, Escape, a click elsewhere in the
/// dialog), the keyboard focus goes back to the drop-down, where it was
/// before the list opened, instead of to the dialog's first control
/// (issue 12). Call it with the drop-down's response, every frame.
pub fn keep_focus_after_list(ui: &Ui, combo: &Response) {
    let was_open_id = combo.id.with("list-was-open");
    let is_open = egui::ComboBox::is_open(ui.ctx(), combo.id);
    let was_open = ui.ctx().data_mut(|d| {
        let was_open = d.get_temp::<bool>(was_open_id).unwrap_or(false);
        d.insert_temp(was_open_id, is_open);
        was_open
    });
    // Closed from the keyboard (a pick with Enter or Space, or Escape): a
    // click elsewhere moves the focus where the person clicked instead.
    let by_pointer = ui.input(|i| i.pointer.any_pressed() || i.pointer.any_released());
    if was_open && !is_open && !by_pointer {
        combo.request_focus();
    }
}

/// A menu command with its keyboard shortcut shown beside it; its
/// accessible name is the label alone, the shortcut is told to screen
/// readers as the command's shortcut. Whether it was clicked.
pub fn menu_command(ui: &mut Ui, label: &str, shortcut: Option<&str>, enabled: bool) -> bool {
    let mut button = egui::Button::new(label);
    if let Some(shortcut) = shortcut {
        button = button.shortcut_text(shortcut);
    }
    let response = ui.add_enabled(enabled, button);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, label));
    if let Some(shortcut) = shortcut {
        ui.ctx().accesskit_node_builder(response.id, |node| {
            node.set_keyboard_shortcut(shortcut);
        });
    }
    response.clicked()
}
