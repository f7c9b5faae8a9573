//! Administering people (issue 15, R-ADM-2): editing a user, making or
//! unmaking an administrator, disabling and enabling, resetting a password.
//! Administrators only, checked here at the instant of the change; each
//! change is one transaction with one audit event holding before and after
//! (never a password).
//!
//! Invariant: a workspace always keeps at least one active administrator —
//! the last one can be neither unmade nor disabled.

use super::auth::{Session, hash_password};
use super::ops::Ops;
use super::vault_admin::end_withdrawn_request;
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::request::Withdrawal;
use crate::domain::user::User;
use crate::domain::{DomainError, Field, FieldErrors, Timestamp, UserId};
use crate::store::Enforcement;
use serde_json::{Value, json};

/// What an administrator may change of a user's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDetails {
    /// The name shown to others.
    pub display_name: String,
    /// Contact address; may be empty.
    pub email: String,
}

impl UserDetails {
    /// Checks what was typed: a display name, and an address that looks
    /// like one when given.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = FieldErrors::default();
        let name = self.display_name.trim();
        if name.is_empty() {
            errors.push(Field::Name, "enter a display name");
        } else if name.chars().count() > 100 {
            errors.push(
                Field::Name,
                "the display name is longer than 100 characters",
            );
        }
        let email = self.email.trim();
        if !email.is_empty() {
            let looks_like_one = email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
            });
            if !looks_like_one {
                errors.push(Field::Email, "this does not look like an e-mail address");
            }
        }
        errors.into_result()
    }
}

/// A user as the administration screen lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The user.
    pub user: User,
    /// They must choose a new password at their next sign-in.
    pub must_change_password: bool,
}

/// The user's fields as the audit log records them.
fn user_json(user: &User) -> Value {
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "is_admin": user.is_admin,
        "is_active": user.is_active,
    })
}

/// Refuses a change that would leave no active administrator.
fn keep_an_administrator(ops: &mut Ops<'_>, target: &User, what: &str) -> Result<(), ServiceError> {
    let others = ops
        .tx
        .admins()?
        .into_iter()
        .filter(|a| a.id != target.id)
        .count();
    if target.is_admin && target.is_active && others == 0 {
        return Err(DomainError::NotPermitted(format!(
            "{} is the last active administrator and cannot be {what}; make someone else an administrator first",
            target.display_name
        ))
        .into());
    }
    Ok(())
}

/// Records `after` against `before` as one `UserChanged` event.
fn audit_change(
    ops: &mut Ops<'_>,
    admin: &User,
    before: &User,
    after: &User,
    extra: Value,
) -> Result<(), ServiceError> {
    let mut details = json!({
        "user_id": before.id.0,
        "before": user_json(before),
        "after": user_json(after),
    });
    if let (Some(map), Value::Object(more)) = (details.as_object_mut(), extra) {
        map.extend(more);
    }
    ops.audit(
        Some(admin.id),
        AuditAction::UserChanged,
        None,
        None,
        &details,
    )
}

/// Disables `target`: their pending requests lapse and their grants in
/// force end now (revoked, "account disabled"), as removing a member ends
/// them, so that enabling them again later brings nothing back; returns the
/// requests that ended.
fn end_access_of(ops: &mut Ops<'_>, admin: &User, target: &User) -> Result<Vec<i64>, ServiceError> {
    let mut ended = Vec::new();
    for request in ops.tx.open_requests_of(target.id)? {
        let id = request.id.0;
        if end_withdrawn_request(ops, admin, request, Withdrawal::AccountDisabled)?.is_some() {
            ended.push(id);
        }
    }
    Ok(ended)
}

impl Workspace {
    /// Every user with what the administration screen shows of them
    /// (administrators only).
    pub fn user_records(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<Vec<UserRecord>, ServiceError> {
        self.read(now, |ops| {
            ops.current_admin(session)?;
            let users = ops.tx.users()?;
            users
                .into_iter()
                .map(|user| {
                    let must_change_password = ops.tx.must_change_password(user.id)?;
                    Ok(UserRecord {
                        user,
                        must_change_password,
                    })
                })
                .collect()
        })
    }

    /// Changes a user's display name and e-mail address (administrators only).
    pub fn update_user_details(
        &mut self,
        session: &Session,
        user: UserId,
        details: &UserDetails,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        details.validate()?;
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            let before = ops.user(user)?;
            let after = User {
                display_name: details.display_name.trim().to_owned(),
                email: details.email.trim().to_owned(),
                ..before.clone()
            };
            if after == before {
                return Ok(());
            }
            ops.tx
                .update_user_details(user, &after.display_name, &after.email)?;
            audit_change(ops, &admin, &before, &after, json!({}))
        })
    }

    /// Makes a user an administrator or not (administrators only); the last
    /// active administrator stays one.
    pub fn set_admin(
        &mut self,
        session: &Session,
        user: UserId,
        is_admin: bool,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            let before = ops.user(user)?;
            if before.is_admin == is_admin {
                return Ok(());
            }
            if !is_admin {
                keep_an_administrator(ops, &before, "unmade")?;
            }
            ops.tx.set_user_admin(user, is_admin)?;
            let after = User {
                is_admin,
                ..before.clone()
            };
            audit_change(ops, &admin, &before, &after, json!({}))
        })
    }

    /// Disables or enables a user (administrators only). A disabled user
    /// cannot sign in and every call of an open session of theirs is refused
    /// from this instant; their pending requests lapse and their grants in
    /// force end now, in the same transaction. The last active administrator
    /// cannot be disabled. Enabling brings back no ended access.
    pub fn set_active(
        &mut self,
        session: &Session,
        user: UserId,
        is_active: bool,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            let before = ops.user(user)?;
            if before.is_active == is_active {
                return Ok(());
            }
            let mut ended = Vec::new();
            if !is_active {
                keep_an_administrator(ops, &before, "disabled")?;
                ended = end_access_of(ops, &admin, &before)?;
            }
            ops.tx.set_user_active(user, is_active)?;
            let after = User {
                is_active,
                ..before.clone()
            };
            audit_change(
                ops,
                &admin,
                &before,
                &after,
                json!({ "ended_requests": ended }),
            )
        })
    }

    /// Gives a user a temporary password that they must replace at their
    /// next sign-in (administrators only); their failed sign-ins are
    /// cleared. Audited as "password reset", never with the value.
    pub fn reset_password(
        &mut self,
        session: &Session,
        user: UserId,
        temporary: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        if temporary.is_empty() {
            return Err(DomainError::invalid(Field::Password, "enter a temporary password").into());
        }
        let hash = match self.store.enforcement() {
            Enforcement::Service => Some(hash_password(temporary, self.hash_cost)?),
            Enforcement::Server => None,
        };
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            let target = ops.user(user)?;
            let cleared = if let Some(hash) = &hash {
                ops.tx.set_password(user, hash, true)?;
                super::auth::clear_failed_sign_ins_op(ops, &target)?
            } else {
                // The server keeps the credential and checks sign-ins itself.
                ops.tx.set_user_password(user, temporary, true)?;
                0
            };
            let details = json!({ "user_id": target.id.0, "username": target.username, "must_change": true, "failed_attempts_cleared": cleared });
            ops.audit(Some(admin.id), AuditAction::PasswordReset, None, None, &details)
        })
    }

    /// Whether `session`'s user may still act (exists and is active): the
    /// window signs out at the next action when not.
    pub fn session_is_valid(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        self.read(now, |ops| match ops.current_user(session) {
            Ok(_) => Ok(true),
            Err(ServiceError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_need_a_display_name_and_a_plausible_address() {
        let ok = UserDetails {
            display_name: "Ana".into(),
            email: "ana@example.org".into(),
        };
        assert!(ok.validate().is_ok());
        let no_email = UserDetails {
            email: String::new(),
            ..ok.clone()
        };
        assert!(no_email.validate().is_ok(), "the address may be empty");
        for bad in ["ana", "@example.org", "ana@localhost", "ana @example.org"] {
            let details = UserDetails {
                email: bad.into(),
                ..ok.clone()
            };
            let errors = details.validate().expect_err(bad);
            assert!(
                errors
                    .field_errors()
                    .is_some_and(|e| e.for_field(Field::Email).is_some()),
                "{bad}"
            );
        }
        let blank = UserDetails {
            display_name: "  ".into(),
            ..ok
        };
        assert!(blank.validate().is_err());
    }
}
