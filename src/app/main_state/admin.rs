//! The Administration window (issue 15, R-ADM-2): the users are read when
//! it opens and after each change; each command goes to the service, which
//! checks that the caller is an administrator at that instant. A refusal is
//! shown in the window, by the form's fields where it names one, and the
//! form keeps what was typed.

use super::MainState;
use crate::app::view::admin::{AdminTab, AdminView, SettingsForm, UserForm, UserFormMode, UserRow};
use crate::app::view::forms::Dialog;
use crate::app::view::intent::AdminIntent;
use crate::domain::user::NewUser;
use crate::domain::{Field, FieldErrors, Timestamp, UserId};
use crate::service::{ServiceError, UserDetails};

impl MainState {
    pub(super) fn apply_admin(&mut self, intent: &AdminIntent, now: Timestamp) {
        // Each command says what it did; an older outcome would mislead.
        if let Some(admin) = &mut self.admin {
            admin.outcome = None;
        }
        match *intent {
            AdminIntent::Open => {
                if self.admin.is_none() {
                    self.admin = Some(AdminView::default());
                }
                self.reload_admin(now);
            }
            AdminIntent::Close => self.admin = None,
            AdminIntent::SelectUser(id) => {
                if let Some(admin) = &mut self.admin {
                    admin.selected_user = Some(id);
                    admin.user_form = None;
                }
            }
            AdminIntent::NewUser => self.open_user_form(|_| Some(UserForm::new_user())),
            AdminIntent::EditUser(id) => {
                self.open_user_form(|admin| admin.user(id).map(UserForm::edit));
            }
            AdminIntent::AskResetPassword(id) => {
                self.open_user_form(|admin| admin.user(id).map(UserForm::reset_password));
            }
            AdminIntent::CancelUserForm => {
                if let Some(admin) = &mut self.admin {
                    admin.user_form = None;
                }
            }
            AdminIntent::SaveUserForm => self.save_user_form(now),
            AdminIntent::SetAdmin(id, is_admin) => {
                let name = self.user_name(id);
                let done = if is_admin {
                    format!("{name} is now an administrator")
                } else {
                    format!("{name} is no longer an administrator")
                };
                let result = self.workspace.set_admin(&self.session, id, is_admin, now);
                self.after_admin_change(result, done, now);
            }
            AdminIntent::AskDisable(id) => {
                self.dialog = Dialog::ConfirmDisable {
                    user_id: id,
                    name: self.user_name(id),
                };
            }
            AdminIntent::SetActive(id, is_active) => {
                if matches!(self.dialog, Dialog::ConfirmDisable { .. }) {
                    self.dialog = Dialog::None;
                }
                let name = self.user_name(id);
                let done = if is_active {
                    format!("{name} is enabled and may sign in again")
                } else {
                    format!(
                        "{name} is disabled: their pending requests lapsed and their access in force ended"
                    )
                };
                let result = self.workspace.set_active(&self.session, id, is_active, now);
                self.after_admin_change(result, done, now);
            }
            AdminIntent::ShowTab(tab) => {
                let settings = &self.view.settings;
                if let Some(admin) = &mut self.admin {
                    admin.tab = tab;
                    admin.outcome = None;
                    if tab == AdminTab::Settings && admin.settings.is_none() {
                        admin.settings = Some(SettingsForm::of(settings));
                    }
                }
                self.reload_admin(now);
            }
            AdminIntent::SelectVault(_)
            | AdminIntent::SavePolicy
            | AdminIntent::AddMember { .. }
            | AdminIntent::MakeApprover(_)
            | AdminIntent::RemoveApprover(_)
            | AdminIntent::RemoveMember(_)
            | AdminIntent::GiveStanding
            | AdminIntent::RemoveStanding(_) => self.apply_vault_admin(*intent, now),
            AdminIntent::SelectSet(_)
            | AdminIntent::NewSet
            | AdminIntent::SaveSet
            | AdminIntent::DeleteSet(_) => self.apply_set_admin(*intent, now),
            AdminIntent::SaveSettings => self.save_settings(now),
            // Applied by the application, which holds the keyring.
            AdminIntent::MoveKey { .. } => {}
            AdminIntent::ClearFailedSignIns(id) => {
                let done = format!("{}'s failed sign-ins are forgotten", self.user_name(id));
                let result = self.workspace.clear_failed_sign_ins(&self.session, id, now);
                self.after_admin_change(result, done, now);
            }
        }
    }

    /// Moves the workspace key (the Settings tab's button) and says where
    /// it is now, or why it did not move.
    pub fn move_key(
        &mut self,
        into_keyring: bool,
        keyring: &dyn crate::platform::keyring::Keyring,
        key_file: Option<std::path::PathBuf>,
        now: Timestamp,
    ) {
        let keys = crate::service::KeyOptions { keyring, key_file };
        let outcome = match self
            .workspace
            .move_key(&self.session, into_keyring, &keys, now)
        {
            Ok(status) => {
                self.view.key_status = status.to_string();
                self.view.key_in_os_keyring = super::key_in_os_keyring(&status.location);
                Ok(format!("Moved: {status}"))
            }
            Err(e) => Err(e.to_string()),
        };
        if let Some(admin) = &mut self.admin {
            admin.outcome = Some(outcome);
        }
    }

    /// Saves the settings form; a refusal stays by the fields it names and
    /// the form keeps what was typed.
    fn save_settings(&mut self, now: Timestamp) {
        let Some(form) = self.admin.as_mut().and_then(|a| a.settings.as_mut()) else {
            return;
        };
        form.errors = FieldErrors::default();
        let settings = match form.to_settings() {
            Ok(settings) => settings,
            Err(errors) => {
                form.errors = errors;
                return;
            }
        };
        match self
            .workspace
            .update_settings(&self.session, &settings, now)
        {
            Ok(()) => {
                if let Some(form) = self.admin.as_mut().and_then(|a| a.settings.as_mut()) {
                    *form = SettingsForm::of(&settings);
                }
                self.after_admin_change(Ok(()), "Settings saved".into(), now);
            }
            Err(e) => {
                let Some(form) = self.admin.as_mut().and_then(|a| a.settings.as_mut()) else {
                    return;
                };
                match e.field_errors() {
                    Some(errors) => form.errors = errors.clone(),
                    None => form.errors.push(Field::Workspace, e.to_string()),
                }
            }
        }
    }

    /// Reads the users again (and the open tab's data), keeping the
    /// selections where they still exist.
    pub(super) fn reload_admin(&mut self, now: Timestamp) {
        // A vault's members, permissions and folders (a read of all its
        // entries) only while its tab shows; users and sets feed every tab.
        if self
            .admin
            .as_ref()
            .is_some_and(|a| a.tab == AdminTab::Vaults)
        {
            self.reload_vault_admin(now);
        }
        self.reload_set_admin(now);
        let Some(admin) = &mut self.admin else {
            return;
        };
        match self.workspace.user_records(&self.session, now) {
            Ok(records) => {
                admin.users = records
                    .into_iter()
                    .map(|r| UserRow {
                        id: r.user.id,
                        username: r.user.username,
                        display_name: r.user.display_name,
                        email: r.user.email,
                        is_admin: r.user.is_admin,
                        is_active: r.user.is_active,
                        must_change_password: r.must_change_password,
                    })
                    .collect();
                if admin.selected().is_none() {
                    admin.selected_user = admin.users.first().map(|u| u.id);
                }
            }
            Err(e) => admin.outcome = Some(Err(e.to_string())),
        }
    }

    fn open_user_form(&mut self, make: impl FnOnce(&AdminView) -> Option<UserForm>) {
        if let Some(admin) = &mut self.admin {
            admin.user_form = make(admin);
            admin.outcome = None;
        }
    }

    fn user_name(&self, id: UserId) -> String {
        self.admin
            .as_ref()
            .and_then(|a| a.user(id))
            .map_or_else(|| format!("user {id}"), |u| u.display_name.clone())
    }

    /// Says what a command did, or why it was refused, and reads the users
    /// (and the names the rest of the window shows) again.
    pub(super) fn after_admin_change(
        &mut self,
        result: Result<(), ServiceError>,
        done: String,
        now: Timestamp,
    ) {
        let outcome = result.map(|()| done).map_err(|e| e.to_string());
        let changed = outcome.is_ok();
        if let Some(admin) = &mut self.admin {
            admin.outcome = Some(outcome);
        }
        if changed {
            self.reload_admin(now);
            self.refresh_all(now);
        }
    }

    /// Creates a user, saves one's details, or gives one a temporary
    /// password, as the form says; a refusal stays in the form by its field.
    fn save_user_form(&mut self, now: Timestamp) {
        let Some(form) = self.admin.as_mut().and_then(|a| a.user_form.as_mut()) else {
            return;
        };
        form.errors = FieldErrors::default();
        let (result, done) = match form.mode {
            UserFormMode::New => {
                let user = NewUser {
                    username: form.username.trim().to_owned(),
                    display_name: form.display_name.trim().to_owned(),
                    email: form.email.trim().to_owned(),
                    is_admin: form.is_admin,
                };
                let done = format!(
                    "{} created; they sign in as “{}”",
                    display_name(&user),
                    user.username
                );
                let result = self
                    .workspace
                    .add_user(&self.session, &user, form.password.as_str(), now)
                    .map(|id| {
                        if let Some(admin) = &mut self.admin {
                            admin.selected_user = Some(id);
                        }
                    });
                (result, done)
            }
            UserFormMode::Edit(id) => {
                let details = UserDetails {
                    display_name: form.display_name.clone(),
                    email: form.email.clone(),
                };
                let done = format!("{} saved", form.display_name.trim());
                (
                    self.workspace
                        .update_user_details(&self.session, id, &details, now),
                    done,
                )
            }
            UserFormMode::ResetPassword(id) => {
                let done = format!(
                    "{} has a temporary password and must choose a new one at the next sign-in",
                    form.display_name
                );
                (
                    self.workspace
                        .reset_password(&self.session, id, form.password.as_str(), now),
                    done,
                )
            }
        };
        match result {
            Ok(()) => {
                if let Some(admin) = &mut self.admin {
                    admin.user_form = None;
                }
                self.after_admin_change(Ok(()), done, now);
            }
            Err(e) => {
                let Some(form) = self.admin.as_mut().and_then(|a| a.user_form.as_mut()) else {
                    return;
                };
                match e.field_errors() {
                    Some(errors) => form.errors = errors.clone(),
                    None => form.errors.push(Field::Workspace, e.to_string()),
                }
            }
        }
    }
}

/// The name a new user will be shown by.
fn display_name(user: &NewUser) -> &str {
    if user.display_name.is_empty() {
        &user.username
    } else {
        &user.display_name
    }
}
