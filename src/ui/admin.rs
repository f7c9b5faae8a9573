//! The Administration window (issue 15): the Users tab — the list of users
//! on the left, the selected user's commands and the open form on the right.

use super::widgets::{describe_error, field_error_ui, labelled_text_ui};
use crate::app::view::admin::{AdminTab, AdminView, UserForm, UserFormMode, UserRow};
use crate::app::view::intent::{AdminIntent, Intent};
use crate::domain::Field;
use egui::{RichText, Ui};

const ROW_HEIGHT: f32 = 22.0;

/// The window.
pub fn admin_window_ui(ctx: &egui::Context, admin: &mut AdminView, intents: &mut Vec<Intent>) {
    let mut open = true;
    let screen = ctx.content_rect().size();
    egui::Window::new("Administration")
        .collapsible(false)
        .movable(false)
        .open(&mut open)
        .default_size([
            820.0_f32.min(screen.x - 16.0),
            480.0_f32.min(screen.y - 48.0),
        ])
        .max_width(screen.x - 16.0)
        .max_height(screen.y - 48.0)
        .constrain(true)
        .show(ctx, |ui| match admin.tab {
            AdminTab::Users => users_tab_ui(ui, admin, intents),
        });
    if !open {
        intents.push(AdminIntent::Close.into());
    }
}

fn users_tab_ui(ui: &mut Ui, admin: &mut AdminView, intents: &mut Vec<Intent>) {
    if let Some(outcome) = &admin.outcome {
        match outcome {
            Ok(done) => ui.label(done.as_str()),
            Err(why) => {
                ui.label(RichText::new(format!("⚠ {why}")).color(ui.visuals().error_fg_color))
            }
        };
    }
    ui.columns(2, |columns| {
        let [list, side] = columns else {
            return;
        };
        // Buttons keep their own width (columns stretch them otherwise).
        let plain = egui::Layout::top_down(egui::Align::Min);
        list.with_layout(plain, |ui| {
            ui.horizontal(|ui| {
                ui.strong(format!("Users ({})", admin.users.len()));
                if ui.button("New user…").clicked() {
                    intents.push(AdminIntent::NewUser.into());
                }
            });
            users_list_ui(ui, admin, intents);
        });
        side.with_layout(plain, |ui| match &mut admin.user_form {
            Some(form) => user_form_ui(ui, form, intents),
            None => {
                if let Some(user) = admin.selected() {
                    user_commands_ui(ui, user, intents);
                }
            }
        });
    });
}

/// Every user, virtualized; a click selects one.
fn users_list_ui(ui: &mut Ui, admin: &AdminView, intents: &mut Vec<Intent>) {
    egui::ScrollArea::vertical()
        .id_salt("admin-users")
        .auto_shrink([false, false])
        .max_height(360.0)
        .show_rows(ui, ROW_HEIGHT, admin.users.len(), |ui, range| {
            for user in &admin.users[range] {
                let notes = user.notes();
                let text = if notes.is_empty() {
                    format!("{} ({})", user.display_name, user.username)
                } else {
                    format!("{} ({}) — {notes}", user.display_name, user.username)
                };
                let selected = admin.selected_user == Some(user.id);
                let mut label = RichText::new(text);
                if !user.is_active {
                    label = label.weak();
                }
                if ui.selectable_label(selected, label).clicked() {
                    intents.push(AdminIntent::SelectUser(user.id).into());
                }
            }
        });
}

/// What can be done to the selected user.
fn user_commands_ui(ui: &mut Ui, user: &UserRow, intents: &mut Vec<Intent>) {
    ui.heading(user.display_name.as_str());
    ui.label(format!("Signs in as “{}”", user.username));
    if !user.email.is_empty() {
        ui.label(user.email.as_str());
    }
    let notes = user.notes();
    if !notes.is_empty() {
        ui.label(RichText::new(notes).weak());
    }
    ui.add_space(8.0);
    let mut command = |ui: &mut Ui, label: &str, intent: AdminIntent| {
        if ui.button(label).clicked() {
            intents.push(intent.into());
        }
    };
    command(ui, "Edit details…", AdminIntent::EditUser(user.id));
    command(
        ui,
        "Reset password…",
        AdminIntent::AskResetPassword(user.id),
    );
    command(
        ui,
        "Clear failed sign-ins",
        AdminIntent::ClearFailedSignIns(user.id),
    );
    if user.is_admin {
        command(
            ui,
            "Remove administrator",
            AdminIntent::SetAdmin(user.id, false),
        );
    } else {
        command(
            ui,
            "Make administrator",
            AdminIntent::SetAdmin(user.id, true),
        );
    }
    if user.is_active {
        command(ui, "Disable…", AdminIntent::AskDisable(user.id));
    } else {
        command(ui, "Enable", AdminIntent::SetActive(user.id, true));
    }
}

/// A new user, a user's details, or a temporary password.
fn user_form_ui(ui: &mut Ui, form: &mut UserForm, intents: &mut Vec<Intent>) {
    let (title, save) = match form.mode {
        UserFormMode::New => ("New user".to_owned(), "Create user"),
        UserFormMode::Edit(_) => (format!("Details of {}", form.username), "Save"),
        UserFormMode::ResetPassword(_) => (
            format!("Reset the password of {}", form.display_name),
            "Reset password",
        ),
    };
    ui.heading(title.as_str());
    match form.mode {
        UserFormMode::New => {
            let name = labelled_text_ui(ui, "User name", &mut form.username, false);
            describe_error(ui, &name, &form.errors, Field::Username);
            field_error_ui(ui, &form.errors, Field::Username);
            details_ui(ui, form);
            let password = labelled_text_ui(ui, "First password", &mut form.password, true);
            describe_error(ui, &password, &form.errors, Field::Password);
            field_error_ui(ui, &form.errors, Field::Password);
            ui.checkbox(&mut form.is_admin, "Administrator");
        }
        UserFormMode::Edit(_) => details_ui(ui, form),
        UserFormMode::ResetPassword(_) => {
            ui.label("They sign in with this password once, then must choose their own.");
            let password = labelled_text_ui(ui, "Temporary password", &mut form.password, true);
            describe_error(ui, &password, &form.errors, Field::Password);
            field_error_ui(ui, &form.errors, Field::Password);
        }
    }
    field_error_ui(ui, &form.errors, Field::Workspace);
    ui.horizontal(|ui| {
        if ui.button(RichText::new(save).strong()).clicked() {
            intents.push(AdminIntent::SaveUserForm.into());
        }
        if ui.button("Cancel").clicked() {
            intents.push(AdminIntent::CancelUserForm.into());
        }
    });
}

fn details_ui(ui: &mut Ui, form: &mut UserForm) {
    let name = labelled_text_ui(ui, "Display name", &mut form.display_name, false);
    describe_error(ui, &name, &form.errors, Field::Name);
    field_error_ui(ui, &form.errors, Field::Name);
    let email = labelled_text_ui(ui, "E-mail", &mut form.email, false);
    describe_error(ui, &email, &form.errors, Field::Email);
    field_error_ui(ui, &form.errors, Field::Email);
}
