//! The Administration window (issue 15, R-ADM-2), for administrators: the
//! Users tab lists every user with what can be done to them; a user's
//! details or a new user are edited in a form beside the list. What is shown
//! here was read from the service when the window opened or after a change;
//! every change is checked again there.

use super::forms::SecretText;
use crate::domain::{FieldErrors, UserId};

/// The window's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdminTab {
    /// Users: details, administrators, disabled accounts, passwords.
    #[default]
    Users,
}

/// One user in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Their id.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Contact address.
    pub email: String,
    /// An administrator.
    pub is_admin: bool,
    /// Can sign in.
    pub is_active: bool,
    /// Must choose a new password at the next sign-in.
    pub must_change_password: bool,
}

impl UserRow {
    /// "administrator · disabled · must choose a new password", or "".
    pub fn notes(&self) -> String {
        let mut notes = Vec::new();
        if self.is_admin {
            notes.push("administrator");
        }
        if !self.is_active {
            notes.push("disabled");
        }
        if self.must_change_password {
            notes.push("must choose a new password");
        }
        notes.join(" · ")
    }
}

/// What the form beside the list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserFormMode {
    /// A new user.
    New,
    /// The details of an existing user.
    Edit(UserId),
    /// A temporary password for an existing user.
    ResetPassword(UserId),
}

/// The user form, as typed.
#[derive(Debug, Clone)]
pub struct UserForm {
    /// What it does.
    pub mode: UserFormMode,
    /// Sign-in name (new users only).
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Contact address.
    pub email: String,
    /// Administrator (new users only; existing ones change by a command).
    pub is_admin: bool,
    /// The first password of a new user, or a temporary one after a reset.
    pub password: SecretText,
    /// Messages by their fields.
    pub errors: FieldErrors,
}

impl UserForm {
    /// An empty form for a new user.
    pub fn new_user() -> UserForm {
        UserForm {
            mode: UserFormMode::New,
            username: String::new(),
            display_name: String::new(),
            email: String::new(),
            is_admin: false,
            password: SecretText::default(),
            errors: FieldErrors::default(),
        }
    }

    /// The form for `row`'s details.
    pub fn edit(row: &UserRow) -> UserForm {
        UserForm {
            mode: UserFormMode::Edit(row.id),
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            email: row.email.clone(),
            is_admin: row.is_admin,
            ..UserForm::new_user()
        }
    }

    /// The form for a temporary password of `row`.
    pub fn reset_password(row: &UserRow) -> UserForm {
        UserForm {
            mode: UserFormMode::ResetPassword(row.id),
            ..UserForm::edit(row)
        }
    }
}

/// The window's state.
#[derive(Debug, Clone, Default)]
pub struct AdminView {
    /// The open tab.
    pub tab: AdminTab,
    /// Every user, by display name.
    pub users: Vec<UserRow>,
    /// The user whose commands are shown.
    pub selected_user: Option<UserId>,
    /// The form beside the list, when one is open.
    pub user_form: Option<UserForm>,
    /// What the last change did ("Alice Requester disabled"), or why it
    /// was refused.
    pub outcome: Option<Result<String, String>>,
}

impl AdminView {
    /// The selected user's row.
    pub fn selected(&self) -> Option<&UserRow> {
        let id = self.selected_user?;
        self.users.iter().find(|u| u.id == id)
    }

    /// A user's row.
    pub fn user(&self, id: UserId) -> Option<&UserRow> {
        self.users.iter().find(|u| u.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(is_admin: bool, is_active: bool, must_change_password: bool) -> UserRow {
        UserRow {
            id: UserId(7),
            username: "ana".into(),
            display_name: "Ana".into(),
            email: String::new(),
            is_admin,
            is_active,
            must_change_password,
        }
    }

    #[test]
    fn a_row_says_what_is_special_about_a_user() {
        assert_eq!(row(false, true, false).notes(), "");
        assert_eq!(
            row(true, false, true).notes(),
            "administrator · disabled · must choose a new password"
        );
    }

    #[test]
    fn the_forms_start_from_the_row() {
        let ana = row(true, true, false);
        let edit = UserForm::edit(&ana);
        assert_eq!(edit.mode, UserFormMode::Edit(UserId(7)));
        assert_eq!(edit.display_name, "Ana");
        let reset = UserForm::reset_password(&ana);
        assert_eq!(reset.mode, UserFormMode::ResetPassword(UserId(7)));
        assert!(reset.password.is_empty());
    }
}
