//! Use cases: load, apply a domain rule, save + audit + notification rows,
//! all in one transaction.
//!
//! Architecture invariants:
//! - every operation is one store transaction; its audit event and
//!   notifications are written in that same transaction, or not at all;
//! - every permission check happens here (or in `domain`) at the instant the
//!   operation is performed, whatever the UI showed;
//! - time arrives as a `now` argument; the service never reads a clock.

mod admin;
mod auth;
pub mod demo;
mod ops;
mod queries;
mod requests;
pub mod scale;
mod secrets;
mod tick;
mod verify;

pub use admin::NewVault;
pub use auth::{HashCost, MAX_WAIT, Session, password_checks_on_this_thread};
pub use queries::{EntryAccess, RequestInfo};
pub use requests::BreakGlassInput;
pub use secrets::{KeyLocation, KeyStatus, SecretUse};
pub use tick::TickReport;
pub use verify::{AuditVerdict, verify_audit};

use crate::domain::{DomainError, FieldErrors, Timestamp};
use crate::platform::keyring::Keyring;
use crate::store::{Store, StoreError, TxMode};
use ops::Ops;
use secrets::SecretBox;
use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong in a use case, worded for the person who asked.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// A product rule was not met.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The workspace could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Sign-in failed.
    #[error("wrong user name or password")]
    BadCredentials,
    /// Too many failed sign-ins in a row (R-SEC-2).
    #[error("too many failed sign-ins; try again in {0}")]
    SlowDown(String),
    /// The workspace key is missing or wrong.
    #[error("{0}")]
    Key(String),
}

impl ServiceError {
    /// The per-field messages, when the error is a validation error.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            ServiceError::Domain(e) => e.field_errors(),
            _ => None,
        }
    }
}

/// How a workspace finds its key.
pub struct KeyOptions<'a> {
    /// The OS keyring (or a test one).
    pub keyring: &'a dyn Keyring,
    /// Where the fallback key file lives; `None` for in-memory workspaces (keyring only).
    pub key_file: Option<PathBuf>,
}

/// An open workspace: the store, its unlocked secrets and the use cases.
pub struct Workspace {
    store: Box<dyn Store>,
    secrets: SecretBox,
    key_status: KeyStatus,
    hash_cost: HashCost,
}

impl Workspace {
    /// Sets up a new, empty workspace in `store`: built-in permission sets,
    /// default settings, a fresh key kept in the keyring (or the key file).
    pub fn create(
        mut store: Box<dyn Store>,
        name: &str,
        keys: &KeyOptions<'_>,
        hash_cost: HashCost,
        now: Timestamp,
    ) -> Result<Workspace, ServiceError> {
        let workspace_id = secrets::random_id();
        let (secrets, key_status) = secrets::create_key(&workspace_id, keys)?;
        {
            let mut ops = Ops::begin(store.as_mut(), &secrets, hash_cost, now)?;
            admin::initialize(&mut ops, &workspace_id, name)?;
            ops.commit()?;
        }
        Ok(Workspace {
            store,
            secrets,
            key_status,
            hash_cost,
        })
    }

    /// Opens an existing workspace and unlocks its secrets.
    pub fn open(
        mut store: Box<dyn Store>,
        keys: &KeyOptions<'_>,
        hash_cost: HashCost,
    ) -> Result<Workspace, ServiceError> {
        let (workspace_id, key_check) = {
            let mut tx = store.begin(TxMode::Read)?;
            let id = tx.meta(admin::META_WORKSPACE_ID)?;
            let check = tx.meta(secrets::META_KEY_CHECK)?;
            (id, check)
        };
        let (Some(workspace_id), Some(key_check)) = (workspace_id, key_check) else {
            return Err(ServiceError::Key(
                "the workspace was never fully created; create it again".into(),
            ));
        };
        let (secrets, key_status) = secrets::unlock(&workspace_id, &key_check, keys)?;
        Ok(Workspace {
            store,
            secrets,
            key_status,
            hash_cost,
        })
    }

    /// Where the workspace key is kept, for the status bar.
    pub fn key_status(&self) -> &KeyStatus {
        &self.key_status
    }

    /// Where the workspace lives, for the status bar.
    pub fn location(&self) -> String {
        self.store.location()
    }

    /// A handle for a background thread to notice commits by anyone (R-DATA-2).
    pub fn change_probe(&self) -> Option<Box<dyn crate::store::ChangeProbe>> {
        self.store.change_probe()
    }

    /// A number that changes when another process commits (R-DATA-2).
    pub fn data_version(&mut self) -> Result<i64, ServiceError> {
        Ok(self.store.data_version()?)
    }

    /// Runs `f` in one write transaction at `now`, committing only if it succeeds.
    fn write<R>(
        &mut self,
        now: Timestamp,
        f: impl FnOnce(&mut Ops<'_>) -> Result<R, ServiceError>,
    ) -> Result<R, ServiceError> {
        let mut ops = Ops::begin(self.store.as_mut(), &self.secrets, self.hash_cost, now)?;
        let result = f(&mut ops)?;
        ops.commit()?;
        Ok(result)
    }

    /// Runs `f` in one read transaction at `now`.
    fn read<R>(
        &mut self,
        now: Timestamp,
        f: impl FnOnce(&mut Ops<'_>) -> Result<R, ServiceError>,
    ) -> Result<R, ServiceError> {
        let mut ops = Ops::begin_read(self.store.as_mut(), &self.secrets, self.hash_cost, now)?;
        f(&mut ops)
    }
}
