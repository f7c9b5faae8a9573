//! Users of a workspace.

use super::error::{DomainError, Field, FieldErrors};
use super::ids::UserId;
use serde::{Deserialize, Serialize};

/// A person who signs in to the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Sign-in name, unique regardless of case.
    pub username: String,
    /// The name shown to others ("Bob Approver").
    pub display_name: String,
    /// Contact address; may be empty.
    pub email: String,
    /// Administrators have every permission and approve in every vault.
    pub is_admin: bool,
    /// Inactive users cannot sign in, request or approve.
    pub is_active: bool,
}

/// What is needed to create a user; the password is hashed by the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Sign-in name.
    pub username: String,
    /// Shown name; the username is used when empty.
    pub display_name: String,
    /// Contact address.
    pub email: String,
    /// Administrator flag.
    pub is_admin: bool,
}

impl NewUser {
    /// Checks the fields a person typed.
    pub fn validate(&self, password: &str) -> Result<(), DomainError> {
        let mut errors = FieldErrors::default();
        let name = self.username.trim();
        if name.is_empty() {
            errors.push(Field::Username, "enter a user name");
        } else if name.len() > 64 {
            errors.push(
                Field::Username,
                "the user name is longer than 64 characters",
            );
        } else if !name
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c))
        {
            errors.push(
                Field::Username,
                "use only letters, digits and . _ - @ in a user name",
            );
        }
        if password.is_empty() {
            errors.push(Field::Password, "enter a password");
        }
        errors.into_result()
    }
}
