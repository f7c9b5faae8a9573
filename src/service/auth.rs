//! Sign-in with Argon2id hashes; repeated failures are slowed down and audited (R-SEC-2).

use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::user::User;
use crate::domain::{DomainError, Span, Timestamp, UserId};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde_json::json;

/// Failures allowed before each further attempt must wait.
const FREE_ATTEMPTS: u32 = 3;
/// The longest wait between attempts.
const MAX_WAIT: Span = Span::secs(300);

/// How expensive new password hashes are. Verification uses whatever
/// parameters a stored hash carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    /// Argon2id's recommended interactive cost (19 MiB, 2 passes).
    Interactive,
    /// A tiny cost for tests and generated benchmark workspaces. Never for real users.
    Minimal,
}

impl HashCost {
    fn argon2(self) -> Argon2<'static> {
        let params = match self {
            HashCost::Interactive => Params::default(),
            HashCost::Minimal => Params::new(8, 1, 1, None).unwrap_or_default(),
        };
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

/// Hashes a password as an Argon2id PHC string.
pub fn hash_password(password: &str, cost: HashCost) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| ServiceError::Key(format!("the system has no randomness to offer: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ServiceError::Key(e.to_string()))?;
    cost.argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServiceError::Key(format!("cannot hash the password: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A signed-in user. Only [`Workspace::sign_in`] (and workspace set-up) make
/// one, so holding a session means the password was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    user: User,
}

impl Session {
    pub(super) fn new(user: User) -> Session {
        Session { user }
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> UserId {
        self.user.id
    }

    /// The user as of sign-in (the service reloads it for every action).
    pub fn user(&self) -> &User {
        &self.user
    }
}

/// How long the next attempt must wait after `failures` failures in a row.
fn wait_after(failures: u32) -> Option<Span> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(16);
    Some(Span::secs(1_i64 << doublings).min(MAX_WAIT))
}

impl Workspace {
    /// Checks a user name and password at `now` and opens a session.
    pub fn sign_in(
        &mut self,
        username: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<Session, ServiceError> {
        let auth = self.read(now, |ops| Ok(ops.tx.user_auth(username)?))?;
        let Some(auth) = auth else {
            self.write(now, |ops| {
                ops.audit(
                    None,
                    AuditAction::SignInFailed,
                    None,
                    None,
                    &json!({ "username": username.trim(), "reason": "unknown user" }),
                )
            })?;
            return Err(ServiceError::BadCredentials);
        };
        let user = auth.user;
        if let Some(until) = auth.blocked_until.filter(|until| *until > now) {
            self.write(now, |ops| {
                ops.audit(
                    Some(user.id),
                    AuditAction::SignInFailed,
                    None,
                    None,
                    &json!({ "reason": "slowed down" }),
                )
            })?;
            return Err(ServiceError::SlowDown(until.since(now).human()));
        }
        // The slow hash runs outside any transaction, so no lock is held meanwhile.
        let is_correct = verify_password(password, &auth.password_hash);
        // The failure is committed (counter and audit) before it is reported.
        let outcome = self.write(now, |ops| {
            if !is_correct {
                let failures = auth.failed_sign_ins.saturating_add(1);
                let blocked_until = wait_after(failures).map(|wait| now + wait);
                ops.tx.set_sign_in_state(user.id, failures, blocked_until)?;
                let details = json!({ "reason": "wrong password", "failures_in_a_row": failures });
                ops.audit(
                    Some(user.id),
                    AuditAction::SignInFailed,
                    None,
                    None,
                    &details,
                )?;
                return Ok(Err(ServiceError::BadCredentials));
            }
            if !user.is_active {
                let details = json!({ "reason": "account disabled" });
                ops.audit(
                    Some(user.id),
                    AuditAction::SignInFailed,
                    None,
                    None,
                    &details,
                )?;
                let refusal = DomainError::NotPermitted(
                    "this account is disabled; ask an administrator".into(),
                );
                return Ok(Err(refusal.into()));
            }
            ops.tx.set_sign_in_state(user.id, 0, None)?;
            ops.audit(Some(user.id), AuditAction::SignedIn, None, None, &json!({}))?;
            Ok(Ok(()))
        })?;
        outcome?;
        Ok(Session::new(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_three_failures_and_stop_growing() {
        assert_eq!(wait_after(2), None);
        assert_eq!(wait_after(3), Some(Span::secs(1)));
        assert_eq!(wait_after(5), Some(Span::secs(4)));
        assert_eq!(wait_after(40), Some(MAX_WAIT));
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("demo", HashCost::Minimal).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("demo", &hash));
        assert!(!verify_password("Demo", &hash));
    }
}
