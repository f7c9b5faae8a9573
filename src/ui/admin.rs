//! The Administration window (issue 15): the Users tab — the list of users
//! on the left, the selected user's commands and the open form on the right.

use super::widgets::{describe_error, field_error_ui, labelled_text_ui};
use crate::app::present;
use crate::app::view::admin::{
    AdminTab, AdminView, PolicyField, SetForm, UserForm, UserFormMode, UserRow,
};
use crate::app::view::intent::{AdminIntent, AuditIntent, Intent};
use crate::domain::Field;
use crate::domain::permission::{Permission, Permissions};
use egui::{RichText, Ui};

const ROW_HEIGHT: f32 = 22.0;

/// The window.
pub fn admin_window_ui(
    ctx: &egui::Context,
    admin: &mut AdminView,
    key: (&str, Option<bool>),
    intents: &mut Vec<Intent>,
) {
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
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                for tab in AdminTab::ALL {
                    if ui.selectable_label(admin.tab == tab, tab.title()).clicked() {
                        intents.push(AdminIntent::ShowTab(tab).into());
                    }
                }
            });
            ui.separator();
            outcome_ui(ui, admin);
            match admin.tab {
                AdminTab::Users => users_tab_ui(ui, admin, intents),
                AdminTab::Vaults => vaults_tab_ui(ui, admin, intents),
                AdminTab::PermissionSets => sets_tab_ui(ui, admin, intents),
                AdminTab::Settings => {
                    if let Some(form) = &mut admin.settings {
                        super::admin_settings::settings_tab_ui(ui, form, key, intents);
                    }
                }
            }
        });
    if !open {
        intents.push(AdminIntent::Close.into());
    }
}

/// What the last change did, or why it was refused.
fn outcome_ui(ui: &mut Ui, admin: &AdminView) {
    if let Some(outcome) = &admin.outcome {
        match outcome {
            Ok(done) => ui.label(done.as_str()),
            Err(why) => {
                ui.label(RichText::new(format!("⚠ {why}")).color(ui.visuals().error_fg_color))
            }
        };
    }
}

fn users_tab_ui(ui: &mut Ui, admin: &mut AdminView, intents: &mut Vec<Intent>) {
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
    // Access history (R-AUD-4), in the Audit log window.
    if ui.button("History…").clicked() {
        intents.push(AuditIntent::HistoryOfUser(user.id).into());
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
            let name = labelled_text_ui(ui, "Sign-in name", &mut form.username, false);
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

/// The vault list on the left; the selected vault's policy, members and
/// standing permissions on the right.
fn vaults_tab_ui(ui: &mut Ui, admin: &mut AdminView, intents: &mut Vec<Intent>) {
    ui.columns(2, |columns| {
        let [list, side] = columns else {
            return;
        };
        let plain = egui::Layout::top_down(egui::Align::Min);
        list.with_layout(plain, |ui| {
            ui.strong(format!("Vaults ({})", admin.vaults.vaults.len()));
            for (id, name) in &admin.vaults.vaults {
                let selected = admin.vaults.selected == Some(*id);
                if ui.selectable_label(selected, name.as_str()).clicked() {
                    intents.push(AdminIntent::SelectVault(*id).into());
                }
            }
        });
        side.with_layout(plain, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("admin-vault")
                .max_height(400.0)
                .show(ui, |ui| {
                    if admin.vaults.selected.is_some() {
                        policy_ui(ui, admin, intents);
                        ui.separator();
                        members_ui(ui, admin, intents);
                        ui.separator();
                        standing_ui(ui, admin, intents);
                    }
                });
        });
    });
}

/// A number field of the policy, its message below it.
fn policy_number_ui(ui: &mut Ui, label: &str, text: &mut String, error: Option<&str>) {
    ui.horizontal(|ui| {
        let label = ui.add_sized([200.0, 20.0], egui::Label::new(label));
        let field = ui
            .add(egui::TextEdit::singleline(text).desired_width(80.0))
            .labelled_by(label.id);
        if let Some(message) = error {
            ui.ctx().accesskit_node_builder(field.id, |node| {
                node.set_description(format!("Error: {message}"));
            });
        }
    });
    if let Some(message) = error {
        ui.label(RichText::new(format!("⚠ {message}")).color(ui.visuals().error_fg_color));
    }
}

fn policy_ui(ui: &mut Ui, admin: &mut AdminView, intents: &mut Vec<Intent>) {
    ui.strong("Policy");
    let form = &mut admin.vaults.policy;
    let errors = form.errors.clone();
    let error = |field| {
        errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    };
    policy_number_ui(
        ui,
        "Approvals each request needs",
        &mut form.required_approvals,
        error(PolicyField::Approvals),
    );
    ui.checkbox(
        &mut form.break_glass_allowed,
        "Emergency access (break glass) allowed",
    );
    policy_number_ui(
        ui,
        "Longest emergency access (min)",
        &mut form.emergency_limit_mins,
        error(PolicyField::EmergencyLimit),
    );
    policy_number_ui(
        ui,
        "Longest grant here (min; empty: the workspace's)",
        &mut form.max_grant_mins,
        error(PolicyField::MaxGrant),
    );
    ui.checkbox(
        &mut form.visible_to_non_members,
        "Visible to non-members (they may ask to join)",
    );
    let label = ui.label("Description (shown to those who may join)");
    let field = ui
        .add(
            egui::TextEdit::multiline(&mut form.description)
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    if let Some(message) = error(PolicyField::Description) {
        ui.ctx().accesskit_node_builder(field.id, |node| {
            node.set_description(format!("Error: {message}"));
        });
        ui.label(RichText::new(format!("⚠ {message}")).color(ui.visuals().error_fg_color));
    }
    if let Some(message) = error(PolicyField::Whole) {
        ui.label(RichText::new(format!("⚠ {message}")).color(ui.visuals().error_fg_color));
    }
    if ui.button("Save policy").clicked() {
        intents.push(AdminIntent::SavePolicy.into());
    }
}

/// A user chosen from every user, by display name; `label` names it.
fn user_choice_ui(ui: &mut Ui, admin: &mut AdminView, label: &str) {
    let label = ui.label(label);
    let users = &admin.users;
    let shown = admin
        .vaults
        .add_user
        .and_then(|i| users.get(i))
        .map_or("Choose a user", |u| u.display_name.as_str());
    egui::ComboBox::from_id_salt(("admin-add-user", label.id))
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for (i, user) in users.iter().enumerate() {
                ui.selectable_value(
                    &mut admin.vaults.add_user,
                    Some(i),
                    user.display_name.as_str(),
                );
            }
        })
        .response
        .labelled_by(label.id);
}

fn members_ui(ui: &mut Ui, admin: &mut AdminView, intents: &mut Vec<Intent>) {
    ui.strong(format!("Members ({})", admin.vaults.members.len()));
    for member in &admin.vaults.members {
        ui.horizontal(|ui| {
            let role = match (member.is_approver, member.joined_until) {
                (true, _) => " — approver".to_owned(),
                (false, Some(until)) => {
                    format!(" — joined until {}", present::local_minute(until))
                }
                (false, None) => String::new(),
            };
            ui.label(format!("{}{role}", member.name));
            if member.is_approver {
                if ui.small_button("Stop approving").clicked() {
                    intents.push(AdminIntent::RemoveApprover(member.user_id).into());
                }
            } else if ui.small_button("Make approver").clicked() {
                intents.push(AdminIntent::MakeApprover(member.user_id).into());
            }
            if ui.small_button("Remove from vault").clicked() {
                intents.push(AdminIntent::RemoveMember(member.user_id).into());
            }
        });
    }
    ui.horizontal(|ui| {
        user_choice_ui(ui, admin, "Member to add");
        if ui.button("as member").clicked() {
            intents.push(AdminIntent::AddMember { approver: false }.into());
        }
        if ui.button("as approver").clicked() {
            intents.push(AdminIntent::AddMember { approver: true }.into());
        }
    });
}

fn standing_ui(ui: &mut Ui, admin: &mut AdminView, intents: &mut Vec<Intent>) {
    ui.strong(format!(
        "Standing permissions ({})",
        admin.vaults.standing.len()
    ));
    for (n, row) in admin.vaults.standing.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.label(row.text.as_str());
            if ui.small_button("Remove").clicked() {
                intents.push(AdminIntent::RemoveStanding(n).into());
            }
        });
    }
    ui.horizontal_wrapped(|ui| {
        user_choice_ui(ui, admin, "Holder");
        let sets = &admin.sets.sets;
        let set_text = admin
            .vaults
            .add_set
            .and_then(|i| sets.get(i))
            .map_or("a permission set", |s| s.name.as_str());
        let label = ui.label("Set");
        egui::ComboBox::from_id_salt("admin-add-set")
            .selected_text(set_text)
            .show_ui(ui, |ui| {
                for (i, set) in sets.iter().enumerate() {
                    ui.selectable_value(&mut admin.vaults.add_set, Some(i), set.name.as_str());
                }
            })
            .response
            .labelled_by(label.id);
        let folders = &admin.vaults.folders;
        let place = admin
            .vaults
            .add_folder
            .and_then(|i| folders.get(i))
            .map_or("on the whole vault", |(_, path)| path.as_str());
        let label = ui.label("Where");
        egui::ComboBox::from_id_salt("admin-add-folder")
            .selected_text(place)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut admin.vaults.add_folder, None, "on the whole vault");
                for (i, (_, path)) in folders.iter().enumerate() {
                    ui.selectable_value(&mut admin.vaults.add_folder, Some(i), path.as_str());
                }
            })
            .response
            .labelled_by(label.id);
        if ui.button("Give set").clicked() {
            intents.push(AdminIntent::GiveStanding.into());
        }
    });
}

/// The sets on the left; the chosen one's name and permissions, with what
/// it allows, on the right.
fn sets_tab_ui(ui: &mut Ui, admin: &mut AdminView, intents: &mut Vec<Intent>) {
    ui.columns(2, |columns| {
        let [list, side] = columns else {
            return;
        };
        let plain = egui::Layout::top_down(egui::Align::Min);
        list.with_layout(plain, |ui| {
            ui.horizontal(|ui| {
                ui.strong(format!("Permission sets ({})", admin.sets.sets.len()));
                if ui.button("New set…").clicked() {
                    intents.push(AdminIntent::NewSet.into());
                }
            });
            for set in &admin.sets.sets {
                let selected = admin.sets.form.as_ref().and_then(|f| f.id) == Some(set.id);
                let text = if set.is_builtin {
                    format!("{} (built-in)", set.name)
                } else {
                    set.name.clone()
                };
                if ui.selectable_label(selected, text).clicked() {
                    intents.push(AdminIntent::SelectSet(set.id).into());
                }
            }
        });
        side.with_layout(plain, |ui| {
            if let Some(form) = &mut admin.sets.form {
                set_form_ui(ui, form, intents);
            }
        });
    });
}

fn set_form_ui(ui: &mut Ui, form: &mut SetForm, intents: &mut Vec<Intent>) {
    ui.add_enabled_ui(!form.is_builtin, |ui| {
        let name = labelled_text_ui(ui, "Set name", &mut form.name, false);
        describe_error(ui, &name, &form.errors, Field::Name);
        field_error_ui(ui, &form.errors, Field::Name);
        ui.label("Allows:");
        for permission in Permission::ALL {
            let mut held = form.permissions.contains(permission);
            if ui.checkbox(&mut held, permission.label()).changed() {
                form.permissions = if held {
                    form.permissions.union(Permissions::of(&[permission]))
                } else {
                    form.permissions.without(permission)
                };
            }
        }
        field_error_ui(ui, &form.errors, Field::PermissionSet);
    });
    // The live preview: exactly what a grant of this set would allow.
    let allowed: Vec<&str> = form.permissions.iter().map(Permission::label).collect();
    let preview = if allowed.is_empty() {
        "Allows nothing yet.".to_owned()
    } else {
        format!("A grant of this set allows: {}.", allowed.join(", "))
    };
    ui.label(RichText::new(preview).weak());
    if form.is_builtin {
        ui.label(RichText::new("Built-in sets cannot be changed or deleted.").weak());
        return;
    }
    ui.horizontal(|ui| {
        if ui.button(RichText::new("Save set").strong()).clicked() {
            intents.push(AdminIntent::SaveSet.into());
        }
        if let Some(id) = form.id
            && ui.button("Delete set").clicked()
        {
            intents.push(AdminIntent::DeleteSet(id).into());
        }
    });
}
