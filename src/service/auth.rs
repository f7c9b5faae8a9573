//! Sign-in with Argon2id hashes; failed attempts are slowed down and audited (R-SEC-2).
//!
//! # The slow-down
//!
//! Every attempt first takes a *slot*, in one write transaction that checks
//! and updates the counters together, so attempts made at the same moment
//! through several connections are each counted. Only then, outside any
//! transaction, is the password hashed; a second transaction records the
//! outcome (and on success clears the counters).
//!
//! - The first [`FREE_ATTEMPTS`] checked attempts in a row go through at
//!   once; after that each checked attempt must wait 1 s, 2 s, 4 s… but never
//!   more than [`MAX_WAIT`] (30 s) after the previous *checked* attempt.
//! - An attempt that comes during the wait is refused without checking the
//!   password (so it teaches the guesser nothing), is audited, and does not
//!   move the end of the wait.
//!
//! **The bound:** a correct password is refused by the slow-down only within
//! [`MAX_WAIT`] of the last checked attempt on that name, and gets in at the
//! first try after it. A guesser thus gets at most one checked guess per
//! 30 s per name, each audited; a trickle of guesses can hold the owner up
//! for at most 30 s after each guess, restarts included (the counters are
//! stored, but the bound does not grow with them). A guesser who fires at
//! the very instant each wait ends competes with the owner for that instant;
//! the audit log shows it, and an administrator can clear the counters. A
//! last attempt stamped in the future by a computer whose clock runs ahead
//! counts as made now, so clock skew cannot stretch the wait either.
//!
//! The counters belong to a *bucket* of user names (a 12-bit hash of the
//! name), not to an account, and names that exist and names that do not are
//! slowed down the same way: the slow-down does not tell which accounts
//! exist. An unknown name also costs one Argon2 check (against a decoy with
//! the parameters of a stored hash), gets the wrong-password message, and is
//! audited as "unknown user name" without the name, which may be a password
//! typed into the wrong field. Names sharing a bucket share a slow-down;
//! counters untouched for [`FORGET_AFTER`] are forgotten.

use super::ops::Ops;
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::user::User;
use crate::domain::{DomainError, Field, Span, Timestamp, UserId};
use crate::store::SignInThrottle;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::cell::Cell;

/// Checked attempts in a row that go through without waiting.
const FREE_ATTEMPTS: u32 = 3;
/// The longest wait between two checked attempts on one name, and so the
/// longest the slow-down refuses a correct password after the last checked
/// attempt (R-SEC-2).
pub const MAX_WAIT: Span = Span::secs(30);
/// Counters whose last checked attempt is older than this are forgotten.
const FORGET_AFTER: Span = Span::hours(1);
/// How many buckets user names are hashed into.
const NAME_BUCKETS: u16 = 4096;

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

thread_local! {
    static PASSWORD_CHECKS: Cell<u64> = const { Cell::new(0) };
}

/// How many passwords the calling thread has checked against an Argon2 hash;
/// lets tests see that an unknown user name costs a check like a known one.
pub fn password_checks_on_this_thread() -> u64 {
    PASSWORD_CHECKS.with(Cell::get)
}

fn verify_password(password: &str, phc: &str) -> bool {
    PASSWORD_CHECKS.with(|checks| checks.set(checks.get() + 1));
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash no password matches that costs what checking `reference` costs:
/// its parameters and salt, with an all-zero output. Without a reference
/// (no users yet), the parameters of `cost`.
fn decoy_hash(reference: Option<&str>, cost: HashCost) -> String {
    if let Some(mut hash) = reference.and_then(|r| PasswordHash::new(r).ok()) {
        let len = hash.hash.map_or(32, |output| output.len());
        if let Ok(zeros) = Output::new(&vec![0; len]) {
            hash.hash = Some(zeros);
            return hash.to_string();
        }
    }
    let params = cost.argon2().params().clone();
    format!(
        "$argon2id$v=19$m={},t={},p={}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        params.m_cost(),
        params.t_cost(),
        params.p_cost()
    )
}

/// The bucket whose counters slow down attempts on `username`: a hash of the
/// name as sign-in matches it (trimmed, ASCII case ignored), never the name.
pub(super) fn name_bucket(username: &str) -> u16 {
    let digest = Sha256::new()
        .chain_update(b"latchkey sign-in name\0")
        .chain_update(username.trim().to_ascii_lowercase().as_bytes())
        .finalize();
    u16::from_be_bytes([digest[0], digest[1]]) % NAME_BUCKETS
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

/// How long a checked attempt must wait after the previous checked one,
/// once `wrong_guesses` attempts in a row were checked.
fn wait_after(wrong_guesses: u32) -> Option<Span> {
    if wrong_guesses < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (wrong_guesses - FREE_ATTEMPTS).min(16);
    Some(Span::secs(1_i64 << doublings).min(MAX_WAIT))
}

/// Whether an attempt at `now` may be checked; `Err` holds what is left of
/// the wait, never more than [`MAX_WAIT`].
fn admit(throttle: &SignInThrottle, now: Timestamp) -> Result<(), Span> {
    let (Some(wait), Some(last)) = (wait_after(throttle.wrong_guesses), throttle.last_checked_at)
    else {
        return Ok(());
    };
    let allowed_at = last.min(now) + wait;
    if now >= allowed_at {
        Ok(())
    } else {
        Err(allowed_at.since(now))
    }
}

/// Rounds a wait up to whole seconds, so that it never reads "0 s".
fn whole_secs(wait: Span) -> Span {
    Span((wait.millis() + 999) / 1_000 * 1_000)
}

/// An attempt allowed to be checked.
struct Attempt {
    /// The account named, if it exists.
    user: Option<User>,
    /// An administrator reset its password: a new one must be chosen.
    must_change_password: bool,
    /// What the password is checked against: the account's hash or a decoy.
    hash: String,
    /// The attempt's number among the bucket's failures, should it fail.
    failures_in_a_row: u32,
}

enum Slot {
    Taken(Attempt),
    Refused(Span),
}

/// Takes an attempt slot on `bucket` at `now`, or refuses the attempt. Runs
/// in the caller's write transaction, so the check and the count are one.
fn take_slot(ops: &mut Ops<'_>, username: &str, bucket: u16) -> Result<Slot, ServiceError> {
    let now = ops.now;
    ops.tx.forget_sign_in_throttles(now - FORGET_AFTER)?;
    let mut throttle = ops.tx.sign_in_throttle(bucket)?;
    // Invariant: no stored instant is after `now`, so no wait outlasts MAX_WAIT.
    throttle.last_checked_at = throttle.last_checked_at.map(|at| at.min(now));
    throttle.failed_attempts = throttle.failed_attempts.saturating_add(1);
    let auth = ops.tx.user_auth(username)?;
    let actor = auth.as_ref().map(|auth| auth.user.id);
    if let Err(wait) = admit(&throttle, now) {
        ops.tx.set_sign_in_throttle(bucket, &throttle)?;
        let details = json!({
            "reason": "slowed down",
            "failures_in_a_row": throttle.failed_attempts,
            "wait_ms": wait.millis(),
        });
        ops.audit(actor, AuditAction::SignInFailed, None, None, &details)?;
        return Ok(Slot::Refused(wait));
    }
    // Counted as a wrong guess until the check says otherwise.
    throttle.wrong_guesses = throttle.wrong_guesses.saturating_add(1);
    throttle.last_checked_at = Some(now);
    ops.tx.set_sign_in_throttle(bucket, &throttle)?;
    let (user, hash, must_change_password) = if let Some(auth) = auth {
        (
            Some(auth.user),
            auth.password_hash,
            auth.must_change_password,
        )
    } else {
        let reference = ops.tx.reference_password_hash()?;
        (None, decoy_hash(reference.as_deref(), ops.hash_cost), false)
    };
    Ok(Slot::Taken(Attempt {
        user,
        must_change_password,
        hash,
        failures_in_a_row: throttle.failed_attempts,
    }))
}

/// Records a checked attempt's outcome, in the caller's write transaction.
fn record_outcome(
    ops: &mut Ops<'_>,
    attempt: &Attempt,
    is_correct: bool,
    bucket: u16,
) -> Result<Result<User, ServiceError>, ServiceError> {
    let n = attempt.failures_in_a_row;
    let Some(id) = attempt.user.as_ref().map(|user| user.id) else {
        let details = json!({ "reason": "unknown user name", "failures_in_a_row": n });
        ops.audit(None, AuditAction::SignInFailed, None, None, &details)?;
        return Ok(Err(ServiceError::BadCredentials));
    };
    if !is_correct {
        let details = json!({ "reason": "wrong password", "failures_in_a_row": n });
        ops.audit(Some(id), AuditAction::SignInFailed, None, None, &details)?;
        return Ok(Err(ServiceError::BadCredentials));
    }
    // Reloaded: the account may have been disabled while the hash ran.
    let user = ops.user(id)?;
    if !user.is_active {
        let details = json!({ "reason": "account disabled" });
        ops.audit(Some(id), AuditAction::SignInFailed, None, None, &details)?;
        let refusal =
            DomainError::NotPermitted("this account is disabled; ask an administrator".into());
        return Ok(Err(refusal.into()));
    }
    ops.tx.clear_sign_in_throttle(bucket)?;
    if attempt.must_change_password && ops.tx.must_change_password(id)? {
        // Right, but reset by an administrator: no session until the
        // person has chosen a password only they know.
        return Ok(Err(ServiceError::PasswordChangeRequired));
    }
    ops.audit(Some(id), AuditAction::SignedIn, None, None, &json!({}))?;
    Ok(Ok(user))
}

/// Forgets the sign-in failures of `user`'s name (its bucket), in the
/// caller's transaction; returns how many failed attempts were forgotten.
pub(super) fn clear_failed_sign_ins_op(
    ops: &mut Ops<'_>,
    user: &User,
) -> Result<u32, ServiceError> {
    let bucket = name_bucket(&user.username);
    let forgotten = ops.tx.sign_in_throttle(bucket)?.failed_attempts;
    ops.tx.clear_sign_in_throttle(bucket)?;
    Ok(forgotten)
}

impl Workspace {
    /// Checks a user name and password at `now` and opens a session.
    ///
    /// Failed attempts are slowed down as the module documentation says: a
    /// correct password is never refused for longer than [`MAX_WAIT`] after
    /// the last checked attempt. An unknown name gets the same answer as a
    /// wrong password, after the same work.
    pub fn sign_in(
        &mut self,
        username: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<Session, ServiceError> {
        if let Some(signed_in) = self.store.signed_in_user() {
            let confirmed = self.store.confirms_password(password);
            let user = self.write(now, |ops| {
                server_sign_in(ops, &signed_in, username, confirmed)
            })?;
            return Ok(Session::new(user));
        }
        let bucket = name_bucket(username);
        let attempt = match self.write(now, |ops| take_slot(ops, username, bucket))? {
            Slot::Taken(attempt) => attempt,
            Slot::Refused(wait) => return Err(ServiceError::SlowDown(whole_secs(wait).human())),
        };
        // The slow hash runs outside any transaction, so no lock is held
        // meanwhile; the slot already counts it as a failure.
        let is_correct = verify_password(password, &attempt.hash);
        let user = self.write(now, |ops| record_outcome(ops, &attempt, is_correct, bucket))??;
        Ok(Session::new(user))
    }

    /// Replaces the password of `username`, checked (and slowed down) as a
    /// sign-in is, and opens a session: how a person whose password an
    /// administrator reset signs in, and how anyone changes their own. The
    /// new password must be entered and differ from the current one.
    /// Audited as "password changed" (never a value), then "signed in".
    pub fn change_password(
        &mut self,
        username: &str,
        current: &str,
        new_password: &str,
        now: Timestamp,
    ) -> Result<Session, ServiceError> {
        check_new_password(current, new_password)?;
        if let Some(signed_in) = self.store.signed_in_user() {
            let confirmed = self.store.confirms_password(current);
            let user = self.write(now, |ops| {
                let user = server_sign_in_user(ops, &signed_in, username, confirmed)?;
                let was_reset = ops.tx.must_change_password(user.id)?;
                ops.tx.set_user_password(user.id, new_password, false)?;
                let details = json!({ "after_reset": was_reset });
                ops.audit(
                    Some(user.id),
                    AuditAction::PasswordChanged,
                    None,
                    None,
                    &details,
                )?;
                ops.audit(Some(user.id), AuditAction::SignedIn, None, None, &json!({}))?;
                Ok(user)
            })?;
            self.store.note_password_changed(new_password);
            return Ok(Session::new(user));
        }
        // Hashed before any lock is taken, as the check below is.
        let new_hash = hash_password(new_password, self.hash_cost)?;
        let bucket = name_bucket(username);
        let attempt = match self.write(now, |ops| take_slot(ops, username, bucket))? {
            Slot::Taken(attempt) => attempt,
            Slot::Refused(wait) => return Err(ServiceError::SlowDown(whole_secs(wait).human())),
        };
        let is_correct = verify_password(current, &attempt.hash);
        let user = self.write(now, |ops| {
            let attempt = Attempt {
                must_change_password: false,
                ..attempt
            };
            let user = match record_outcome(ops, &attempt, is_correct, bucket)? {
                Ok(user) => user,
                Err(refused) => return Ok(Err(refused)),
            };
            let was_reset = ops.tx.must_change_password(user.id)?;
            ops.tx.set_password(user.id, &new_hash, false)?;
            let details = json!({ "after_reset": was_reset });
            ops.audit(
                Some(user.id),
                AuditAction::PasswordChanged,
                None,
                None,
                &details,
            )?;
            Ok(Ok(user))
        })??;
        Ok(Session::new(user))
    }
}

/// Opens the session of the user a server-enforcing store signed in
/// ([`crate::store::Enforcement::Server`]): the server checked the password
/// when it let the connection in (and slows down guessing by its own rules;
/// a failed attempt never reaches this program's audit log).
fn server_sign_in(
    ops: &mut Ops<'_>,
    signed_in: &User,
    username: &str,
    confirmed: bool,
) -> Result<User, ServiceError> {
    let user = server_sign_in_user(ops, signed_in, username, confirmed)?;
    if ops.tx.must_change_password(user.id)? {
        return Err(ServiceError::PasswordChangeRequired);
    }
    ops.audit(Some(user.id), AuditAction::SignedIn, None, None, &json!({}))?;
    Ok(user)
}

/// The store's signed-in user, if `username` names them and the password
/// was confirmed; as the server says now (refused once disabled).
fn server_sign_in_user(
    ops: &mut Ops<'_>,
    signed_in: &User,
    username: &str,
    confirmed: bool,
) -> Result<User, ServiceError> {
    if !confirmed
        || !username
            .trim()
            .eq_ignore_ascii_case(signed_in.username.trim())
    {
        return Err(ServiceError::BadCredentials);
    }
    ops.current_user(&Session::new(signed_in.clone()))
}

/// Checks a new password against the current one, with field messages.
pub(super) fn check_new_password(current: &str, new_password: &str) -> Result<(), DomainError> {
    let mut errors = crate::domain::FieldErrors::default();
    if new_password.is_empty() {
        errors.push(Field::Password, "enter a new password");
    } else if new_password == current {
        errors.push(
            Field::Password,
            "choose a password different from the current one",
        );
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_three_checked_attempts_and_stop_at_thirty_seconds() {
        assert_eq!(wait_after(2), None);
        assert_eq!(wait_after(3), Some(Span::secs(1)));
        assert_eq!(wait_after(5), Some(Span::secs(4)));
        assert_eq!(wait_after(8), Some(Span::secs(30)));
        assert_eq!(wait_after(u32::MAX), Some(MAX_WAIT));
    }

    const T: Timestamp = Timestamp(1_800_000_000_000);

    fn throttle(wrong_guesses: u32, last_checked_at: Timestamp) -> SignInThrottle {
        SignInThrottle {
            failed_attempts: wrong_guesses,
            wrong_guesses,
            last_checked_at: Some(last_checked_at),
        }
    }

    #[test]
    fn the_wait_runs_from_the_last_checked_attempt_and_is_bounded() {
        let cases = [
            // (wrong guesses, last checked, now, expected)
            (2, T, T, Ok(())),
            (3, T, T, Err(Span::secs(1))),
            (3, T, T + Span::secs(1), Ok(())),
            (100, T, T + Span::secs(29), Err(Span::secs(1))),
            (100, T, T + MAX_WAIT, Ok(())),
            // A last attempt in the future counts as made now.
            (100, T + Span::hours(5), T, Err(MAX_WAIT)),
        ];
        for (guesses, last, now, expected) in cases {
            assert_eq!(
                admit(&throttle(guesses, last), now),
                expected,
                "{guesses} guesses, last at {last}, now {now}"
            );
        }
        assert_eq!(admit(&SignInThrottle::default(), T), Ok(()));
    }

    #[test]
    fn waits_are_shown_in_whole_seconds_rounded_up() {
        assert_eq!(whole_secs(Span(1)), Span::secs(1));
        assert_eq!(whole_secs(Span::secs(2)), Span::secs(2));
        assert_eq!(whole_secs(Span(29_001)), Span::secs(30));
    }

    #[test]
    fn name_buckets_ignore_case_and_spaces_and_spread() {
        assert_eq!(name_bucket("Alice "), name_bucket("alice"));
        assert!(name_bucket("alice") < NAME_BUCKETS);
        // The demo's people do not share a bucket.
        let demo: std::collections::BTreeSet<u16> = ["admin", "alice", "bob", "carol", "dave"]
            .into_iter()
            .map(name_bucket)
            .collect();
        assert_eq!(demo.len(), 5);
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("demo", HashCost::Minimal).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("demo", &hash));
        assert!(!verify_password("Demo", &hash));
    }

    #[test]
    fn a_decoy_costs_what_the_reference_costs_and_matches_nothing() {
        let reference = hash_password("demo", HashCost::Minimal).unwrap();
        let decoy = decoy_hash(Some(&reference), HashCost::Interactive);
        let (r, d) = (
            PasswordHash::new(&reference).unwrap(),
            PasswordHash::new(&decoy).unwrap(),
        );
        assert_eq!(
            (r.algorithm, r.version, &r.params),
            (d.algorithm, d.version, &d.params)
        );
        assert_eq!(r.salt, d.salt);
        assert_ne!(r.hash, d.hash);
        assert!(!verify_password("demo", &decoy));

        let fallback = decoy_hash(None, HashCost::Minimal);
        let f = Params::try_from(&PasswordHash::new(&fallback).unwrap()).unwrap();
        let minimal = HashCost::Minimal.argon2().params().clone();
        assert_eq!(
            (f.m_cost(), f.t_cost(), f.p_cost()),
            (minimal.m_cost(), minimal.t_cost(), minimal.p_cost())
        );
        assert!(!verify_password("", &fallback));
    }
}
