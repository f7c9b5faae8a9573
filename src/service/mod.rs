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
mod audit_log;
mod auth;
pub mod demo;
mod entries;
mod explain;
mod file;
mod import;
mod notifications;
mod ops;
mod people;
mod queries;
mod requests;
pub mod scale;
mod secrets;
mod server;
mod tick;
mod vault_admin;
mod verify;

pub use crate::domain::access::EntryAccess;
pub use crate::domain::entry::{DeletionImpact, EditRights};
pub use crate::domain::notification::{DesktopBacklog, NotificationPreferences};
pub use crate::domain::request::RequestInfo;
pub use admin::NewVault;
pub use audit_log::{
    AccessHistory, AccessStory, AuditPage, AuditQuery, AuditRecord, AuditTotal, COUNT_CAP,
    CSV_COLUMNS, ExportFormat, HistoryStep, HistorySubject, MAX_PAGE, MAX_STORIES, TEXT_SPAN, USES,
    csv_cell, jsonl_object, rfc3339,
};
pub use auth::{HashCost, MAX_WAIT, Session, password_checks_on_this_thread};
pub use entries::{EntrySave, SaveTarget};
pub use explain::{
    AccessExplanation, ExplainedGrant, ExplainedPermission, ExplainedSource, HowToGet,
};
pub use file::{Contents, Created, open_workspace_store, unfinished_creation};
pub use people::{UserDetails, UserRecord};
pub use queries::CopiedSecret;
pub use requests::BreakGlassInput;
pub use secrets::{KeyLocation, KeyStatus, SecretUse};
pub use server::ServerOwner;
pub use tick::TickReport;
pub use vault_admin::{
    MAX_EMERGENCY_LIMIT_MINS, MAX_REQUIRED_APPROVALS, SetUses, StandingGrant, VaultMember,
    VaultPolicy,
};
pub use verify::{
    AuditCheck, AuditVerdict, WitnessOutcome, check_audit, check_audit_file, check_audit_since,
    remember_created_file, verify_audit,
};

use crate::domain::{DomainError, FieldErrors, Timestamp};
use crate::platform::keyring::Keyring;
use crate::store::{Enforcement, Store, StoreError, TxMode};
use ops::Ops;
use secrets::SecretKeeper;
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
    Store(StoreError),
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Sign-in failed.
    #[error("wrong user name or password")]
    BadCredentials,
    /// Too many failed sign-ins in a row (R-SEC-2).
    #[error("too many failed sign-ins; try again in {0}")]
    SlowDown(String),
    /// The password was right, but an administrator reset it: a new one
    /// must be chosen ([`Workspace::change_password`]) before a session opens.
    #[error("your password was reset by an administrator; choose a new one to sign in")]
    PasswordChangeRequired,
    /// The workspace key is missing or wrong.
    #[error("{0}")]
    Key(String),
    /// The program of a connection could not be started (R-DSK-5).
    #[error("the connection could not be opened: {0}")]
    LaunchFailed(String),
    /// The workspace's creation never finished (R-DATA-1); names the file.
    #[error(
        "the workspace {0} was never completely created (its creation was interrupted), so it cannot be used; remove it and its key file, then create it again"
    )]
    Unfinished(String),
    /// Another creation of the same workspace file is under way.
    #[error("another workspace is being created at {0} right now; wait until it is done")]
    CreationUnderWay(String),
    /// The workspace was opened read-only; says why nothing can be written.
    #[error(
        "this workspace is read-only here ({0}), so nobody can sign in or change anything: signing in and every change are recorded in the workspace; move it to a folder you can write to"
    )]
    ReadOnly(String),
    /// An export could not be written; says why.
    #[error("the export could not be written: {0}")]
    Export(String),
}

impl From<StoreError> for ServiceError {
    /// A rule the store's server enforced is the rule's error, as if the
    /// service had checked it.
    fn from(err: StoreError) -> ServiceError {
        match err {
            StoreError::Refused(refused) => ServiceError::Domain(refused),
            other => ServiceError::Store(other),
        }
    }
}

impl ServiceError {
    /// Whether another connection held the workspace's write lock for longer
    /// than this one waits: nothing happened, and trying again later may work.
    pub fn is_locked_by_another(&self) -> bool {
        matches!(self, ServiceError::Store(StoreError::Busy))
    }

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
    secrets: SecretKeeper,
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
        let secrets = SecretKeeper::Here(secrets);
        {
            let mut ops = Ops::begin(store.as_mut(), &secrets, hash_cost, now)?;
            admin::initialize(&mut ops, None, &workspace_id, name)?;
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
        let (workspace_id, key_check, complete) = {
            let mut tx = store.begin(TxMode::Read)?;
            let id = tx.meta(admin::META_WORKSPACE_ID)?;
            let check = tx.meta(secrets::META_KEY_CHECK)?;
            let complete = tx.meta(file::META_CREATION_COMPLETE)?;
            (id, check, complete)
        };
        // Invariant (R-DATA-1): a workspace whose creation did not reach its
        // last step is never used, whatever it holds.
        let (Some(workspace_id), Some(key_check), Some(_)) = (workspace_id, key_check, complete)
        else {
            return Err(ServiceError::Unfinished(store.location()));
        };
        let (secrets, key_status) = secrets::unlock(&workspace_id, &key_check, keys)?;
        let secrets = SecretKeeper::Here(secrets);
        Ok(Workspace {
            store,
            secrets,
            key_status,
            hash_cost,
        })
    }

    /// Who enforces this workspace's rules.
    pub fn enforcement(&self) -> Enforcement {
        self.store.enforcement()
    }

    /// Whose clock ends access, in words for the status bar (R-BEY-9):
    /// "this computer's clock", or the database server's.
    pub fn expiry_clock(&self) -> String {
        match self.store.clock_host() {
            Some(host) => format!("the database server's clock ({host})"),
            None => "this computer's clock".to_owned(),
        }
    }

    /// The database server's instant, where a server enforces the rules
    /// (the window's clock follows it); `None` where this computer's clock
    /// is the one.
    pub fn server_instant(&mut self) -> Result<Option<Timestamp>, ServiceError> {
        Ok(self.store.server_instant()?)
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

    /// Moves the workspace key into the OS keyring (`into_keyring`) or out
    /// of it into the key file (administrators only), never leaving a moment
    /// without a copy; audited with where it was and where it is (never the
    /// key). Returns where it is now.
    pub fn move_key(
        &mut self,
        session: &Session,
        into_keyring: bool,
        keys: &KeyOptions<'_>,
        now: Timestamp,
    ) -> Result<KeyStatus, ServiceError> {
        let (workspace_id, key_check) = self.read(now, |ops| {
            ops.current_admin(session)?;
            let id = ops.tx.meta(admin::META_WORKSPACE_ID)?;
            let check = ops.tx.meta(secrets::META_KEY_CHECK)?;
            Ok((id, check))
        })?;
        let (Some(workspace_id), Some(key_check)) = (workspace_id, key_check) else {
            return Err(ServiceError::Key("this workspace has no key record".into()));
        };
        let before = self.key_status.clone();
        let after = secrets::move_key(&workspace_id, &key_check, into_keyring, keys)?;
        self.key_status = after.clone();
        if after.location != before.location {
            self.write(now, |ops| {
                let admin = ops.current_admin(session)?;
                let details = serde_json::json!({
                    "before": before.to_string(),
                    "after": after.to_string(),
                });
                ops.audit(
                    Some(admin.id),
                    crate::domain::audit::AuditAction::KeyMoved,
                    None,
                    None,
                    &details,
                )
            })?;
        }
        Ok(after)
    }

    /// A second handle on the same workspace, with its own connection and
    /// the same key, for long work on a background thread (an import) while
    /// this one keeps serving the window. Sessions carry over: a session of
    /// this handle is one of the other. `None` where the store has no second
    /// way in (in memory, read-only).
    pub fn second_handle(&self) -> Option<Result<Workspace, ServiceError>> {
        let store = self.store.second_connection()?;
        Some(store.map_err(ServiceError::from).map(|store| Workspace {
            store,
            secrets: self.secrets.clone(),
            key_status: self.key_status.clone(),
            hash_cost: self.hash_cost,
        }))
    }

    /// How long an operation waits for another program's write lock before
    /// failing with "locked by another program" (the CLI waits long, the
    /// window briefly and retries on its own).
    pub fn set_lock_wait(&mut self, wait: std::time::Duration) -> Result<(), ServiceError> {
        Ok(self.store.set_lock_wait(wait)?)
    }

    /// A number that changes when another process commits (R-DATA-2).
    pub fn data_version(&mut self) -> Result<i64, ServiceError> {
        Ok(self.store.data_version()?)
    }

    /// Why the workspace can only be read here, when it was opened read-only.
    pub fn read_only(&self) -> Option<String> {
        self.store.read_only()
    }

    /// Runs `f` in one write transaction at `now`, committing only if it succeeds.
    fn write<R>(
        &mut self,
        now: Timestamp,
        f: impl FnOnce(&mut Ops<'_>) -> Result<R, ServiceError>,
    ) -> Result<R, ServiceError> {
        // Said in words before anything is tried: a read-only workspace
        // cannot record a sign-in or a change.
        if let Some(reason) = self.store.read_only() {
            return Err(ServiceError::ReadOnly(reason));
        }
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
