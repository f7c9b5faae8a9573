//! Rule violations, worded for the person who caused them.

use super::time::Timestamp;
use std::fmt;
use thiserror::Error;

/// The input field a validation message belongs next to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The entry being requested.
    Entry,
    /// The access duration drop-down.
    Duration,
    /// The custom time frame's start.
    Start,
    /// The custom time frame's end.
    End,
    /// The permission set drop-down.
    PermissionSet,
    /// The approver drop-down.
    Approver,
    /// The request or decision message.
    Message,
    /// A user name.
    Username,
    /// A password.
    Password,
    /// A name of a vault, entry or set.
    Name,
    /// A file to read (an import).
    File,
    /// An e-mail address.
    Email,
    /// The preset durations of the workspace settings.
    Presets,
    /// The maximum length of access (settings).
    MaxLength,
    /// The pending time-to-live (settings).
    PendingTtl,
    /// The expiring-soon lead (settings).
    ExpiringLead,
    /// The clipboard clearing delay (settings).
    ClipboardClear,
    /// The idle lock time (settings).
    IdleLock,
    /// Something about the workspace as a whole (a setting, a policy).
    Workspace,
}

/// One message attached to one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where to show it.
    pub field: Field,
    /// What to say, lowercase, no full stop.
    pub message: String,
}

/// Every message found while checking one form, so the UI can show them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Adds a message for `field`.
    pub fn push(&mut self, field: Field, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    /// The first message for `field`, if any.
    pub fn for_field(&self, field: Field) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// `Ok` when nothing was found, otherwise a `DomainError::Invalid`.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self))
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&messages.join("; "))
    }
}

/// A rule of the product was not met.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// The input of a form is not acceptable; each message names its field.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The user lacks the right to do this at this instant.
    #[error("{0}")]
    NotPermitted(String),
    /// Someone else decided (or the request ended) first (R-APP-4).
    #[error("this request was already {outcome} by {by} at {}", at.local_second())]
    AlreadyHandled {
        /// "approved", "denied", "cancelled".
        outcome: &'static str,
        /// The display name of who did it.
        by: String,
        /// When.
        at: Timestamp,
    },
    /// The terms of a quorum request changed after the approver was shown
    /// them (R-BEY-4, R-APP-3): the approval is refused and the approver is
    /// shown the terms as they are now.
    #[error(
        "the terms were changed by {by} at {}; check the new terms and approve them if you agree",
        at.local_second()
    )]
    TermsChanged {
        /// The display name of the approver whose approval set the terms.
        by: String,
        /// When.
        at: Timestamp,
    },
    /// The request lapsed before anyone decided.
    #[error("this request lapsed at {} without a decision", at.local_second())]
    Lapsed {
        /// When it lapsed.
        at: Timestamp,
    },
    /// The action does not fit the request's current state.
    #[error("{0}")]
    WrongState(String),
}

impl DomainError {
    /// A single-field validation error.
    pub fn invalid(field: Field, message: impl Into<String>) -> DomainError {
        let mut errors = FieldErrors::default();
        errors.push(field, message);
        DomainError::Invalid(errors)
    }

    /// The field messages, when this is a validation error.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            DomainError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}
