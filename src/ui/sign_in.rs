//! Signing in; the demo workspace says who exists and that the password is "demo".

use super::widgets::{describe_error, field_error_ui, labelled_text_ui};
use crate::app::view::forms::SignInForm;
use crate::app::view::intent::{Intent, StartIntent};
use crate::app::view::screen::SignInView;
use crate::domain::Field;
use egui::{RichText, Ui};

/// The sign-in screen.
pub fn sign_in_ui(
    ui: &mut Ui,
    state: &SignInView,
    form: &mut SignInForm,
    intents: &mut Vec<Intent>,
) {
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading(RichText::new("Latchkey").size(28.0));
        ui.label(format!("Sign in to {}", state.workspace_name));
        ui.add_space(16.0);
    });
    ui.vertical_centered(|ui| {
        ui.set_max_width(360.0);
        let user = labelled_text_ui(ui, "User name", &mut form.username, false);
        let password = labelled_text_ui(ui, "Password", &mut form.password, true);
        if form.focus_password {
            form.focus_password = false;
            password.request_focus();
        } else if form.username.is_empty()
            && !user.has_focus()
            && !password.has_focus()
            && ui.memory(|m| m.focused().is_none())
        {
            user.request_focus();
        }
        let mut submitted = password.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if let Some(notice) = &form.notice {
            ui.label(notice.as_str());
        }
        if form.must_change {
            submitted = new_password_ui(ui, form);
        }
        ui.add_space(6.0);
        let (label, intent) = if form.must_change {
            (
                "Set password and sign in",
                StartIntent::ChangePasswordAndSignIn,
            )
        } else {
            ("Sign in", StartIntent::SignIn)
        };
        if ui.button(label).clicked() || submitted {
            intents.push(intent.into());
        }
        if let Some(error) = &form.error {
            ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
        }
        if !state.demo_users.is_empty() {
            ui.add_space(16.0);
            ui.label(
                RichText::new(format!(
                    "Demo users: {}. Every password is “demo”.",
                    state.demo_users.join(", ")
                ))
                .weak(),
            );
        }
    });
}

/// The new password, twice, after an administrator's reset; whether Enter
/// was pressed in the second field.
fn new_password_ui(ui: &mut Ui, form: &mut SignInForm) -> bool {
    let new = labelled_text_ui(ui, "New password", &mut form.new_password, true);
    describe_error(ui, &new, &form.errors, Field::Password);
    let repeat = labelled_text_ui(ui, "Repeat new password", &mut form.repeat_password, true);
    if form.new_password.is_empty() && !new.has_focus() && !repeat.has_focus() {
        new.request_focus();
    }
    field_error_ui(ui, &form.errors, Field::Password);
    repeat.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
}
