//! What the server said, as the project's errors.
//!
//! Only a server error's SQLSTATE, message and hint are read. Its detail,
//! context and statement are dropped: they can quote a statement and its
//! arguments (a password verifier among them).

use crate::domain::error::{DomainError, Field};
use crate::store::StoreError;
use ::postgres::error::{DbError, SqlState};
use thiserror::Error;

/// Why a PostgreSQL workspace operation failed.
#[derive(Debug, Error)]
pub enum PgError {
    /// The server (or a check before it) refused by a product rule: not an
    /// administrator, a user name that is taken, a bad address.
    #[error(transparent)]
    Refused(#[from] DomainError),
    /// Signing in failed: no such user or a wrong password (the server does
    /// not say which).
    #[error("wrong user name or password")]
    BadCredentials,
    /// The password was right but the user is disabled.
    #[error("this user is disabled; ask an administrator")]
    Disabled,
    /// The server could not be reached, or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A failed connection attempt.
#[expect(
    clippy::needless_pass_by_value,
    reason = "taken by value to be passed to map_err as is"
)]
pub(super) fn from_connect(err: ::postgres::Error) -> PgError {
    let Some(db) = err.as_db_error() else {
        let text = with_causes(&err);
        if text.contains("TLS") {
            // A refused certificate, a server without TLS when it is
            // required: the client's text says which ("error performing TLS
            // handshake: invalid peer certificate: UnknownIssuer").
            return PgError::Store(StoreError::Database(format!(
                "no secure connection to the PostgreSQL server: {text}"
            )));
        }
        // No server answer: the socket or host is unreachable. The client's
        // own text names the cause (e.g. "No such file or directory").
        return PgError::Store(StoreError::Database(format!(
            "cannot reach the PostgreSQL server: {err}"
        )));
    };
    match *db.code() {
        SqlState::INVALID_PASSWORD => PgError::BadCredentials,
        // PostgreSQL checks LOGIN after the password, so saying "disabled"
        // tells nothing to someone who does not know the password.
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            if db.message().ends_with("is not permitted to log in") =>
        {
            PgError::Disabled
        }
        _ => from_db(db),
    }
}

/// The client's message followed by its causes ("error performing TLS
/// handshake: invalid peer certificate: UnknownIssuer"). Without a server
/// answer, nothing here can hold a statement or a password.
fn with_causes(err: &::postgres::Error) -> String {
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// A failed statement or function call.
#[expect(
    clippy::needless_pass_by_value,
    reason = "taken by value to be passed to map_err as is"
)]
pub(super) fn from_query(err: ::postgres::Error) -> PgError {
    match err.as_db_error() {
        Some(db) => from_db(db),
        None => PgError::Store(StoreError::Database(format!(
            "the connection to the PostgreSQL server failed: {err}"
        ))),
    }
}

/// Maps the codes our functions raise to the project's errors.
fn from_db(db: &DbError) -> PgError {
    let message = db.message().to_owned();
    let code = db.code();
    if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        PgError::Refused(DomainError::NotPermitted(message))
    } else if *code == SqlState::INVALID_PARAMETER_VALUE || *code == SqlState::DUPLICATE_OBJECT {
        let field = match db.hint() {
            Some("password") => Field::Password,
            Some("username") => Field::Username,
            Some("name") => Field::Name,
            Some("email") => Field::Email,
            Some("entry") => Field::Entry,
            Some("duration") => Field::Duration,
            Some("start") => Field::Start,
            Some("end") => Field::End,
            Some("approver") => Field::Approver,
            Some("message") => Field::Message,
            Some("permission_set") => Field::PermissionSet,
            Some("presets") => Field::Presets,
            Some("max_length") => Field::MaxLength,
            Some("pending_ttl") => Field::PendingTtl,
            Some("expiring_lead") => Field::ExpiringLead,
            Some("clipboard_clear") => Field::ClipboardClear,
            Some("idle_lock") => Field::IdleLock,
            _ => Field::Workspace,
        };
        PgError::Refused(DomainError::invalid(field, message))
    } else if *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::T_R_SERIALIZATION_FAILURE
    {
        // Another session held the rows longer than this one waits (the
        // window's short lock wait), or the server broke a deadlock by
        // aborting this side: nothing happened, and trying again may work,
        // as with a workspace file's busy lock.
        PgError::Store(StoreError::Busy)
    } else if *code == SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE
        || *code == SqlState::NO_DATA_FOUND
    {
        PgError::Refused(DomainError::WrongState(message))
    } else {
        PgError::Store(StoreError::Database(format!(
            "{message} (SQLSTATE {})",
            code.code()
        )))
    }
}
