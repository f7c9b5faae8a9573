//! The Import… dialog (R-VLT-12): the file (Browse… or typed), its password
//! for a KeePass database, the preview, the progress bar, the result.

use super::widgets::{describe_error, field_error_ui, labelled_text_ui, name_dialog};
use crate::app::view::import::{ImportForm, ImportStage};
use crate::app::view::intent::{ImportIntent, Intent};
use crate::domain::Field;
use egui::{Key, RichText, Ui};

/// Draws the dialog; it cannot be closed while it reads or writes.
pub fn import_form_ui(ui: &mut Ui, form: &mut ImportForm, intents: &mut Vec<Intent>) {
    ui.set_width(520.0);
    let title = format!("Import into {}", form.target);
    ui.heading(title.as_str());
    name_dialog(ui, &title);
    ui.label("From a KeePass database (.kdbx) or a KeePassXC CSV export (.csv). Groups become folders; entries become credentials items, or websites when they have a URL.");
    ui.add_space(6.0);
    let busy = form.is_busy();
    let mut enter = false;
    ui.add_enabled_ui(!busy, |ui| {
        ui.horizontal(|ui| {
            let label = ui.add_sized([110.0, 20.0], egui::Label::new("File"));
            let path = ui
                .add(egui::TextEdit::singleline(&mut form.path).desired_width(300.0))
                .labelled_by(label.id);
            describe_error(ui, &path, &form.errors, Field::File);
            if form.path.is_empty() && ui.memory(|m| m.focused().is_none()) {
                path.request_focus();
            }
            if path.changed() {
                form.edited();
            }
            enter |= path.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if ui.button("Browse…").clicked() {
                intents.push(ImportIntent::Browse.into());
            }
        });
        if form.no_file_chosen {
            ui.label(
                RichText::new(
                    "No file was chosen. Where no file dialog opens, type the file's path.",
                )
                .weak(),
            );
        }
        field_error_ui(ui, &form.errors, Field::File);
        if form.is_kdbx() {
            let password = labelled_text_ui(ui, "Database password", &mut form.password, true);
            describe_error(ui, &password, &form.errors, Field::Password);
            if password.changed() {
                form.edited();
            }
            enter |= password.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            field_error_ui(ui, &form.errors, Field::Password);
        }
    });
    ui.add_space(6.0);
    stage_ui(ui, form);
    if let Some(error) = &form.error {
        ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
    }
    ui.add_space(6.0);
    ui.horizontal(|ui| match form.stage {
        ImportStage::Done(_) => {
            if ui.button(RichText::new("Close").strong()).clicked() {
                intents.push(Intent::CloseDialog);
            }
        }
        ImportStage::Ready(_) => {
            if ui.button(RichText::new("Import").strong()).clicked() {
                intents.push(ImportIntent::Start.into());
            }
            if ui.button("Cancel").clicked() {
                intents.push(Intent::CloseDialog);
            }
        }
        _ => {
            let read = ui.add_enabled(
                !busy,
                egui::Button::new(RichText::new("Read file").strong()),
            );
            if read.clicked() || (enter && !busy) {
                intents.push(ImportIntent::Read.into());
            }
            if ui.add_enabled(!busy, egui::Button::new("Cancel")).clicked() {
                intents.push(Intent::CloseDialog);
            }
        }
    });
}

/// Where the import stands: reading, the preview, the progress bar, the result.
fn stage_ui(ui: &mut Ui, form: &ImportForm) {
    match &form.stage {
        ImportStage::Choosing => {}
        ImportStage::Browsing => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Choose the file in the file dialog…");
            });
        }
        ImportStage::Reading => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the file…");
            });
        }
        ImportStage::Ready(summary) => {
            ui.label(format!("Will create {summary} in {}.", form.target));
            ui.label(RichText::new("All or nothing: if anything fails, nothing is created. Passwords are encrypted on the way in.").weak());
        }
        ImportStage::Importing { done, total } => {
            let fraction = form.fraction().unwrap_or(0.0);
            // Its accessible name is its text, its value the percentage.
            ui.add(
                egui::ProgressBar::new(fraction)
                    .text(format!("{done} of {total} created"))
                    .desired_width(480.0),
            );
        }
        ImportStage::Done(summary) => {
            ui.label(format!("Imported {summary} into {}.", form.target));
        }
    }
}
