//! Signing in; the demo workspace says who exists and that the password is "demo".

use super::widgets::labelled_text_ui;
use crate::app::view::forms::SignInForm;
use crate::app::view::intent::{Intent, StartIntent};
use crate::app::view::screen::SignInView;
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
        let submitted = password.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.add_space(6.0);
        if ui.button("Sign in").clicked() || submitted {
            intents.push(StartIntent::SignIn.into());
        }
        if let Some(notice) = &form.notice {
            ui.label(notice.as_str());
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
