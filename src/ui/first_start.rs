//! First start (R-DSK-1): the demo workspace, or an empty one whose first user
//! becomes administrator.

use super::widgets::{field_error_ui, labelled_text_ui};
use crate::app::view::forms::FirstStartForm;
use crate::app::view::intent::{Intent, StartIntent};
use crate::domain::Field;
use egui::{RichText, Ui};

/// The first-start screen.
pub fn first_start_ui(
    ui: &mut Ui,
    path: &str,
    form: &mut FirstStartForm,
    intents: &mut Vec<Intent>,
) {
    ui.vertical_centered(|ui| {
        ui.add_space(40.0);
        ui.heading(RichText::new("Welcome to Latchkey").size(26.0));
        ui.label("Connections and credentials, with just-in-time access that ends by itself.");
        ui.add_space(8.0);
        ui.label(RichText::new(format!("No workspace yet at {path}")).weak());
        if let Some(notice) = &form.notice {
            ui.label(notice);
        }
    });
    ui.add_space(24.0);
    ui.columns(2, |columns| {
        columns[0].group(|ui| {
            ui.heading("Demo workspace");
            ui.label("Sample vaults, servers, credentials and requests in every state.");
            ui.label("Users alice (requester), bob and carol (approvers) and admin; every password is “demo”.");
            ui.add_space(8.0);
            if ui.button("Create the demo workspace").clicked() {
                intents.push(StartIntent::CreateDemoWorkspace.into());
            }
        });
        columns[1].group(|ui| {
            ui.heading("Empty workspace");
            ui.label("You become its administrator.");
            labelled_text_ui(ui, "User name", &mut form.username, false);
            field_error_ui(ui, &form.errors, Field::Username);
            labelled_text_ui(ui, "Display name", &mut form.display_name, false);
            let password = labelled_text_ui(ui, "Password", &mut form.password, true);
            field_error_ui(ui, &form.errors, Field::Password);
            let submitted = password.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Create an empty workspace").clicked() || submitted {
                intents.push(StartIntent::CreateEmptyWorkspace.into());
            }
        });
    });
    field_error_ui(ui, &form.errors, Field::Workspace);
}
