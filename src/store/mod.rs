//! Persistence behind one interface, so the service never sees SQL.
//!
//! `sqlite` is the embedded default workspace; a PostgreSQL workspace
//! (R-BEY-10) is another implementation of the same two traits (`postgres`:
//! so far identity only, not yet behind them).
//!
//! Architecture invariant: only this module imports `rusqlite` and
//! `postgres`. Every service operation runs inside one [`StoreTx`]; dropping
//! it without `commit` rolls everything back, audit event and notifications
//! included.

pub mod postgres;
pub mod sqlite;

use crate::domain::access::StandingFact;
use crate::domain::audit::AuditEvent;
use crate::domain::entry::{Dependency, DependencyRole, Entry, EntryKind, NewEntry};
use crate::domain::notification::{
    Handling, NewNotification, Notification, NotificationKind, NotificationPreferences,
};
use crate::domain::permission::{PermissionSet, Permissions, StandingGrant};
use crate::domain::request::{Request, Target};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::{NewUser, User};
use crate::domain::vault::Vault;
use crate::domain::{
    EntryId, NotificationId, PermissionSetId, RequestId, Timestamp, UserId, VaultId,
};
use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong below the service.
#[derive(Debug, Error)]
pub enum StoreError {
    /// Nothing exists at the path.
    #[error("no workspace at {0}")]
    NotFound(PathBuf),
    /// The path names a folder, not a file.
    #[error("{0} is a folder, not a workspace file; give the path of the file inside it")]
    IsAFolder(PathBuf),
    /// Creating over an existing file was refused.
    #[error("a file already exists at {0}")]
    AlreadyExists(PathBuf),
    /// The file is not a Latchkey workspace.
    #[error("{0} is not a Latchkey workspace")]
    NotAWorkspace(PathBuf),
    /// The workspace was written by a newer version (R-DATA-1).
    #[error(
        "the workspace {path} was written by a newer version of Latchkey (schema {found}, this version knows up to {supported}); update Latchkey to open it"
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// Another program holds the workspace locked for longer than we wait.
    #[error("the workspace is locked by another program; try again")]
    Busy,
    /// The file is damaged.
    #[error("the workspace file is damaged ({0})")]
    Corrupt(String),
    /// The workspace cannot be written where it is; says why.
    #[error("the workspace is read-only here: {0}")]
    ReadOnly(String),
    /// The file cannot be opened or written.
    #[error("cannot open {path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A stored value does not fit the domain (e.g. an unknown status name).
    #[error("stored data is not valid: {0}")]
    BadData(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(String),
    /// A store that enforces the rules itself (a PostgreSQL workspace's
    /// server) refused by a product rule, at its own instant: the service
    /// reports it as the rule's error.
    #[error(transparent)]
    Refused(crate::domain::error::DomainError),
}

/// The error of a method only a server-enforcing store serves, called on
/// one where the service enforces.
fn served_by_the_service(what: &str) -> StoreError {
    StoreError::Database(format!(
        "{what} is done by the service on this workspace, not by its store"
    ))
}

/// Whether a transaction will write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Reads only.
    Read,
    /// Takes the write lock at once, so concurrent writers are serialized and
    /// each sees the state the previous one committed (first-writer-wins).
    Write,
}

/// Who enforces the rules of a workspace, so that the service knows what it
/// leaves to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    /// The service checks every rule, checks passwords, and seals secrets
    /// with the workspace key (a SQLite workspace: whoever can write the
    /// file could change anything, so nothing below the service enforces).
    Service,
    /// A database server checks every read and write of the signed-in role
    /// at its own instant, checks passwords at sign-in, and alone holds the
    /// secrets' key (a PostgreSQL workspace, R-BEY-10). The service still
    /// checks first, on a clock that follows the server's, so that its
    /// messages stay the same; the server's refusal is the one that counts
    /// ([`StoreError::Refused`]).
    Server,
}

/// The audit chain as a store's server verified it itself
/// ([`StoreTx::verified_chain`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerChainCheck {
    /// How many events.
    pub events: i64,
    /// The last event's hash (`None`: no events).
    pub head_hash: Option<String>,
    /// The first position whose link or hash is wrong (`None`: intact).
    pub broken_at: Option<i64>,
}

/// An encrypted secret as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSecret {
    /// The AEAD nonce.
    pub nonce: Vec<u8>,
    /// The ciphertext with its tag.
    pub ciphertext: Vec<u8>,
}

/// A user with what sign-in needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAuth {
    /// The user.
    pub user: User,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// An administrator reset the password: a new one must be chosen
    /// before a session opens.
    pub must_change_password: bool,
}

/// The sign-in slow-down of one user-name bucket (R-SEC-2). Buckets, not
/// users, carry it, so that names that exist and names that do not are
/// slowed down alike.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInThrottle {
    /// Failed attempts since the last success, refused ones included.
    pub failed_attempts: u32,
    /// Attempts whose password was checked (or is being checked) since the
    /// last success; the wait grows with them.
    pub wrong_guesses: u32,
    /// When the last checked attempt was let through.
    pub last_checked_at: Option<Timestamp>,
}

/// Counts of requests per stored status, for status lines and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// (status name, count) pairs.
    pub by_status: Vec<(String, i64)>,
}

/// One stored audit row as the verifier reads it: loosely, so that a value of
/// the wrong type (written with the `sqlite3` tool) is reported as that event
/// rather than as a database error (R-AUD-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditRow {
    /// A row whose columns all have their types.
    Event(AuditEvent),
    /// The row at `seq` holds a value of the wrong type.
    Unreadable {
        /// Its position.
        seq: i64,
    },
}

impl AuditRow {
    /// The row's position.
    pub fn seq(&self) -> i64 {
        match self {
            AuditRow::Event(event) => event.seq,
            AuditRow::Unreadable { seq } => *seq,
        }
    }
}

/// Which audit events to read: every part that is set narrows the set. Ids
/// and stored action names, never display names (the service resolves those).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only events done by one of these users.
    pub actors: Option<Vec<UserId>>,
    /// Only events about one of these entries.
    pub entries: Option<Vec<EntryId>>,
    /// Only events about one of these requests.
    pub requests: Option<Vec<RequestId>>,
    /// Only events about one of these vaults (through the event's entry, its
    /// request, or the `vault_id` its details name).
    pub vaults: Option<Vec<VaultId>>,
    /// Only these stored action names.
    pub actions: Option<Vec<String>>,
    /// Only events at or after this instant.
    pub since: Option<Timestamp>,
    /// Only events before this instant.
    pub until: Option<Timestamp>,
    /// Only events at or after this position (bounds a scan that no index
    /// serves, such as free text).
    pub from_seq: Option<i64>,
    /// Only events whose details, action, user name or entry name contain
    /// this text (case-insensitive for ASCII).
    pub text: Option<String>,
    /// What the reader may see, when not everything: events about these
    /// vaults, and events done by this user.
    pub scope: Option<AuditScope>,
}

/// The part of the log an approver may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditScope {
    /// The vaults whose events are visible.
    pub vaults: Vec<VaultId>,
    /// The reader, whose own events are visible.
    pub reader: UserId,
}

/// Where a page of audit events starts and which way it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditCursor {
    /// Newest first, from just before `seq` (`None`: the newest event).
    NewestBefore(Option<i64>),
    /// Oldest first, from just after `seq` (0: the first event).
    OldestAfter(i64),
}

/// One audit event with the names of what it is about, as stored now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditListed {
    /// The event as stored.
    pub event: AuditEvent,
    /// The actor's user name, when the actor still exists.
    pub actor_name: Option<String>,
    /// The vault the event is about, when it can be told.
    pub vault_id: Option<VaultId>,
    /// That vault's name, when the vault still exists.
    pub vault_name: Option<String>,
}

/// One row of the entry tree, deleted entries included: enough to write an
/// entry's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryNode {
    /// The entry.
    pub id: EntryId,
    /// Its folder.
    pub parent_id: Option<EntryId>,
    /// Its name.
    pub name: String,
}

/// A workspace's storage.
pub trait Store: Send {
    /// Begins a transaction.
    fn begin(&mut self, mode: TxMode) -> Result<Box<dyn StoreTx + '_>, StoreError>;

    /// A number that changes whenever another connection (or process) commits
    /// (R-DATA-2). Cheap enough to ask once a frame.
    fn data_version(&mut self) -> Result<i64, StoreError>;

    /// Where the workspace lives, for the status bar.
    fn location(&self) -> String;

    /// A separate, read-only handle that tells when anyone commits, for a
    /// background thread to watch (R-DATA-2); `None` where nobody else can
    /// write (an in-memory workspace).
    fn change_probe(&self) -> Option<Box<dyn ChangeProbe>>;

    /// Another read-write connection to the same workspace, for long work
    /// (an import) on a background thread while this one keeps serving the
    /// window; `None` where there is no second way in (an in-memory or
    /// read-only workspace).
    fn second_connection(&self) -> Option<Result<Box<dyn Store>, StoreError>> {
        None
    }

    /// How long a transaction waits for another connection's write lock
    /// before failing with [`StoreError::Busy`]. A window keeps this short so
    /// that a lock held by another program never freezes it.
    fn set_lock_wait(&mut self, wait: std::time::Duration) -> Result<(), StoreError>;

    /// Why this workspace can only be read, when it was opened read-only
    /// (its file or folder cannot be written); `None` when it can be written.
    fn read_only(&self) -> Option<String> {
        None
    }

    /// Who enforces the workspace's rules.
    fn enforcement(&self) -> Enforcement {
        Enforcement::Service
    }

    /// The user the store itself signed in, when it authenticates users
    /// ([`Enforcement::Server`]): opening it was signing in.
    fn signed_in_user(&self) -> Option<User> {
        None
    }

    /// The signed-in user's password changed (where the store signed in
    /// itself): later connections use the new one.
    fn note_password_changed(&mut self, password: &str) {
        let _ = password;
    }

    /// The server whose clock decides when access ends, for a store that
    /// enforces the rules itself (its host name, or "this computer" for a
    /// local socket); `None` when this computer's clock decides.
    fn clock_host(&self) -> Option<String> {
        None
    }

    /// The server's instant now, for a store that enforces the rules
    /// itself: the clock the window follows (R-BEY-9). `None` where this
    /// computer's clock is the one.
    fn server_instant(&mut self) -> Result<Option<Timestamp>, StoreError> {
        Ok(None)
    }

    /// Whether `password` is the one the store signed in with (where it
    /// signed in itself; the server checked it then).
    fn confirms_password(&self, password: &str) -> bool {
        let _ = password;
        false
    }

    /// Closes the storage, reporting what a silent drop would hide (for
    /// instance a file that cannot be finished on a full disk).
    fn close(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Tells whether the workspace changed, from its own connection.
pub trait ChangeProbe: Send {
    /// A number that changes whenever anyone commits to the workspace.
    fn data_version(&mut self) -> Result<i64, StoreError>;
}

/// One transaction. Every method runs inside it.
pub trait StoreTx {
    /// Makes every change of the transaction durable at once.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Who enforces the workspace's rules (as [`Store::enforcement`]).
    fn enforcement(&self) -> Enforcement {
        Enforcement::Service
    }

    /// Tells the store the instant the service works at in this
    /// transaction. A server-enforcing store keeps its own clock and ignores
    /// it, unless its owner made it follow its clients (the test suite's
    /// fixed instants, a demo's past hours).
    fn note_instant(&mut self, now: Timestamp) -> Result<(), StoreError> {
        let _ = now;
        Ok(())
    }

    /// The audit chain as the store's server verifies it, for a store that
    /// keeps the chain itself ([`Enforcement::Server`]), where not every
    /// reader may read every event; `None` where the service walks the
    /// chain itself.
    fn verified_chain(&mut self) -> Result<Option<ServerChainCheck>, StoreError> {
        Ok(None)
    }

    /// The hash of the event at `seq` (`None`: no such event), which anyone
    /// may compare with a head kept outside the workspace (a hash tells
    /// nothing of the event).
    fn audit_hash_at(&mut self, seq: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .audit_events_after(seq - 1, 1)?
            .into_iter()
            .find(|event| event.seq == seq)
            .map(|event| event.hash))
    }

    /// Whether an entry has a secret (without reading it).
    fn has_secret(&mut self, entry: EntryId) -> Result<bool, StoreError> {
        Ok(self.secret(entry)?.is_some())
    }

    // What only a store that enforces the rules itself
    // ([`Enforcement::Server`]) serves.

    /// Creates a user who signs in with `password`: the store turns it into
    /// its own credential (for PostgreSQL, a SCRAM verifier computed on this
    /// computer; the password never reaches the server). The server checks
    /// the caller is an administrator.
    fn insert_user_with_password(
        &mut self,
        user: &NewUser,
        password: &str,
    ) -> Result<UserId, StoreError> {
        let _ = (user, password);
        Err(served_by_the_service("creating a user with a password"))
    }

    /// Sets a user's password, as [`StoreTx::insert_user_with_password`]
    /// turns it into a credential: one's own (`must_change` false), or
    /// another's reset by an administrator (`must_change` true).
    fn set_user_password(
        &mut self,
        id: UserId,
        password: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        let _ = (id, password, must_change);
        Err(served_by_the_service("setting a password"))
    }

    /// Stores an entry's secret, given in clear: the server encrypts it
    /// with a key only it reads (the caller must be allowed to edit the
    /// entry at the server's instant).
    fn set_secret_clear(&mut self, entry: EntryId, secret: &str) -> Result<(), StoreError> {
        let _ = (entry, secret);
        Err(served_by_the_service("storing a secret in clear"))
    }

    /// Decrypts an entry's secret for its use described by `event` (a
    /// password revealed or copied): the server checks, at its instant, that
    /// the caller holds View password on the entry, appends `event` to the
    /// audit chain as its own (its instant, the caller as actor) and only
    /// then decrypts, all in this transaction. `None`: the entry has no
    /// secret.
    fn reveal_secret(
        &mut self,
        entry: EntryId,
        event: &AuditEvent,
    ) -> Result<Option<zeroize::Zeroizing<String>>, StoreError> {
        let _ = (entry, event);
        Err(served_by_the_service("revealing a secret"))
    }

    // Workspace metadata and settings.

    /// A metadata value.
    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;

    /// A number that moves whenever an entry of `vault` is added, changed
    /// or removed (by anyone); 0 before the first.
    fn entry_revision(&mut self, vault: VaultId) -> Result<i64, StoreError>;
    /// Sets a metadata value.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// The workspace settings.
    fn settings(&mut self) -> Result<WorkspaceSettings, StoreError>;
    /// Replaces the workspace settings.
    fn save_settings(&mut self, settings: &WorkspaceSettings) -> Result<(), StoreError>;

    // Users.

    /// Stores a new user; fails if the name is taken.
    fn insert_user(&mut self, user: &NewUser, password_hash: &str) -> Result<UserId, StoreError>;
    /// A user by id.
    fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError>;
    /// Every user, by display name.
    fn users(&mut self) -> Result<Vec<User>, StoreError>;
    /// Every active administrator.
    fn admins(&mut self) -> Result<Vec<User>, StoreError>;
    /// A user and their sign-in state, by user name (any case).
    fn user_auth(&mut self, username: &str) -> Result<Option<UserAuth>, StoreError>;
    /// Changes a user's display name and e-mail address.
    fn update_user_details(
        &mut self,
        id: UserId,
        display_name: &str,
        email: &str,
    ) -> Result<(), StoreError>;
    /// Makes a user an administrator or not.
    fn set_user_admin(&mut self, id: UserId, is_admin: bool) -> Result<(), StoreError>;
    /// Enables or disables a user.
    fn set_user_active(&mut self, id: UserId, is_active: bool) -> Result<(), StoreError>;
    /// Replaces a user's password hash; `must_change` makes them choose a
    /// new one at their next sign-in.
    fn set_password(
        &mut self,
        id: UserId,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), StoreError>;
    /// Whether a user must choose a new password at their next sign-in.
    fn must_change_password(&mut self, id: UserId) -> Result<bool, StoreError>;
    /// One stored password hash (the first user's): checking an unknown user
    /// name imitates its cost.
    fn reference_password_hash(&mut self) -> Result<Option<String>, StoreError>;
    /// The slow-down of a user-name bucket; all zero when none is stored.
    fn sign_in_throttle(&mut self, bucket: u16) -> Result<SignInThrottle, StoreError>;
    /// Stores the slow-down of a user-name bucket.
    fn set_sign_in_throttle(
        &mut self,
        bucket: u16,
        throttle: &SignInThrottle,
    ) -> Result<(), StoreError>;
    /// Forgets the slow-down of a user-name bucket.
    fn clear_sign_in_throttle(&mut self, bucket: u16) -> Result<(), StoreError>;
    /// Forgets every slow-down whose last checked attempt is before `before`.
    fn forget_sign_in_throttles(&mut self, before: Timestamp) -> Result<(), StoreError>;

    // Vaults, membership, approvers.

    /// Stores a new vault (its `id` is ignored).
    fn insert_vault(&mut self, vault: &Vault) -> Result<VaultId, StoreError>;
    /// A vault by id.
    fn vault(&mut self, id: VaultId) -> Result<Option<Vault>, StoreError>;
    /// Every vault, by name.
    fn vaults(&mut self) -> Result<Vec<Vault>, StoreError>;
    /// Makes `user` a member of `vault`.
    fn add_member(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError>;
    /// Whether `user` is a stored member of `vault`. A membership that a
    /// running request to join gives is not stored: the service's
    /// `Ops::is_member` adds it at the instant of each check.
    fn is_member(&mut self, vault: VaultId, user: UserId) -> Result<bool, StoreError>;
    /// The vaults `user` is a stored member of.
    fn member_vaults(&mut self, user: UserId) -> Result<Vec<VaultId>, StoreError>;
    /// Makes `user` a member of `vault` because the permanent request to
    /// join `request` was approved (R-REQ-12); nothing if already a member.
    fn add_member_from(
        &mut self,
        vault: VaultId,
        user: UserId,
        request: RequestId,
    ) -> Result<(), StoreError>;
    /// Ends the membership `request` gave, if it gave one; whether it did.
    fn remove_member_from(&mut self, request: RequestId) -> Result<bool, StoreError>;
    /// The approved requests to join `vault`, whatever their window.
    fn joins_in_vault(&mut self, vault: VaultId) -> Result<Vec<Request>, StoreError>;
    /// `user`'s pending and approved requests to join (in `vault`, or in
    /// any vault), whatever their window: the caller decides which are in
    /// force.
    fn open_joins(
        &mut self,
        user: UserId,
        vault: Option<VaultId>,
    ) -> Result<Vec<Request>, StoreError>;
    /// Makes `user` an approver of `vault`.
    fn add_approver(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError>;
    /// Renames a vault.
    fn rename_vault(&mut self, id: VaultId, name: &str) -> Result<(), StoreError>;
    /// Removes a vault with its entries, members, approvers and standing permissions.
    fn delete_vault(&mut self, id: VaultId) -> Result<(), StoreError>;
    /// How many members `vault` has.
    fn member_count(&mut self, vault: VaultId) -> Result<usize, StoreError>;
    /// Whether any request names `vault`.
    fn vault_has_requests(&mut self, vault: VaultId) -> Result<bool, StoreError>;
    /// The approvers of `vault` (administrators not included).
    fn approvers(&mut self, vault: VaultId) -> Result<Vec<UserId>, StoreError>;
    /// The members of `vault`, by user id.
    fn members(&mut self, vault: VaultId) -> Result<Vec<UserId>, StoreError>;
    /// Removes `user` from `vault`'s members and approvers.
    fn remove_member(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError>;
    /// Removes `user` from `vault`'s approvers; they stay a member.
    fn remove_approver(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError>;
    /// Stores `vault`'s policy: required approvals, break glass, emergency
    /// limit and maximum grant length (its name is left as it is).
    fn update_vault_policy(&mut self, vault: &Vault) -> Result<(), StoreError>;

    // Permission sets and standing permissions.

    /// Stores a permission set.
    fn insert_permission_set(
        &mut self,
        name: &str,
        permissions: Permissions,
        is_builtin: bool,
    ) -> Result<PermissionSetId, StoreError>;
    /// Every permission set, built-in first.
    fn permission_sets(&mut self) -> Result<Vec<PermissionSet>, StoreError>;
    /// A permission set by id; `None` once deleted.
    fn permission_set(&mut self, id: PermissionSetId) -> Result<Option<PermissionSet>, StoreError>;
    /// A permission set by id, deleted or not: the name the history of a request uses.
    fn permission_set_record(
        &mut self,
        id: PermissionSetId,
    ) -> Result<Option<PermissionSet>, StoreError>;
    /// The permission set named `name` (any case), deleted or not, and
    /// whether it is deleted: names stay unique among all sets.
    fn permission_set_named(
        &mut self,
        name: &str,
    ) -> Result<Option<(PermissionSet, bool)>, StoreError>;
    /// Renames a permission set and replaces its permissions.
    fn update_permission_set(
        &mut self,
        id: PermissionSetId,
        name: &str,
        permissions: Permissions,
    ) -> Result<(), StoreError>;
    /// Marks a permission set deleted at `at`: it leaves every list, while
    /// the requests that name it keep its name.
    fn delete_permission_set(
        &mut self,
        id: PermissionSetId,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// The vault of each standing permission that gives `set` (one per standing permission).
    fn standing_vaults_of_set(&mut self, set: PermissionSetId) -> Result<Vec<VaultId>, StoreError>;
    /// How many requests asking for or authorized with `set` are pending at
    /// `now`, or approved with a grant not over at `now`.
    fn open_requests_of_set(
        &mut self,
        set: PermissionSetId,
        now: Timestamp,
    ) -> Result<usize, StoreError>;
    /// Gives `user` a standing permission set on a vault (`folder` `None`) or a folder.
    fn add_standing(
        &mut self,
        user: UserId,
        vault: VaultId,
        folder: Option<EntryId>,
        set: PermissionSetId,
    ) -> Result<(), StoreError>;
    /// Every standing permission in `vault`, oldest first.
    fn standing_grants(&mut self, vault: VaultId) -> Result<Vec<StandingGrant>, StoreError>;
    /// Removes one standing permission exactly like `grant`; false when there is none.
    /// Stores a standing permission as it is, its origin included (R-REQ-10).
    fn insert_standing_grant(&mut self, grant: &StandingGrant) -> Result<(), StoreError>;
    /// The standing permission an approved permanent request became, if it
    /// still exists (R-REQ-10).
    fn standing_from_request(
        &mut self,
        request: RequestId,
    ) -> Result<Option<StandingGrant>, StoreError>;
    fn remove_standing(&mut self, grant: &StandingGrant) -> Result<bool, StoreError>;
    /// The user's standing permission sets in a vault, oldest first.
    fn standing(&mut self, user: UserId, vault: VaultId) -> Result<Vec<StandingFact>, StoreError>;

    // Entries.

    /// Stores a new entry.
    fn insert_entry(
        &mut self,
        vault: VaultId,
        kind: EntryKind,
        draft: &NewEntry,
    ) -> Result<EntryId, StoreError>;
    /// An entry by id; `None` once deleted.
    fn entry(&mut self, id: EntryId) -> Result<Option<Entry>, StoreError>;
    /// An entry by id, deleted or not: the name the history of a request uses.
    fn entry_record(&mut self, id: EntryId) -> Result<Option<Entry>, StoreError>;
    /// Replaces an entry's fields and folder.
    fn update_entry(&mut self, id: EntryId, draft: &NewEntry) -> Result<(), StoreError>;
    /// Marks entries deleted at `at` and removes their secrets, their
    /// dependencies in both directions and the standing permissions on them.
    fn delete_entries(&mut self, ids: &[EntryId], at: Timestamp) -> Result<(), StoreError>;
    /// The entries directly in `parent` (`None`: at the vault's top), not deleted.
    fn children(
        &mut self,
        vault: VaultId,
        parent: Option<EntryId>,
    ) -> Result<Vec<Entry>, StoreError>;
    /// Every entry of a vault that is not deleted, in no particular order.
    fn entries(&mut self, vault: VaultId) -> Result<Vec<Entry>, StoreError>;
    /// `entry` and every entry below it that is not deleted, in no particular order.
    fn subtree(&mut self, entry: EntryId) -> Result<Vec<Entry>, StoreError>;
    /// The folders above `entry`, nearest first.
    fn ancestors(&mut self, entry: EntryId) -> Result<Vec<EntryId>, StoreError>;
    /// Stores a dependency.
    fn add_dependency(&mut self, dependency: &Dependency) -> Result<(), StoreError>;
    /// What `entry` depends on.
    fn dependencies(&mut self, entry: EntryId) -> Result<Vec<Dependency>, StoreError>;
    /// What depends on `entry`.
    fn dependents(&mut self, entry: EntryId) -> Result<Vec<Dependency>, StoreError>;
    /// Removes what `entry` depends on in `role`.
    fn remove_dependency(&mut self, entry: EntryId, role: DependencyRole)
    -> Result<(), StoreError>;
    /// Removes an entry's secret.
    fn clear_secret(&mut self, entry: EntryId) -> Result<(), StoreError>;
    /// Stores or replaces an entry's sealed secret.
    fn set_secret(&mut self, entry: EntryId, secret: &SealedSecret) -> Result<(), StoreError>;
    /// An entry's sealed secret.
    fn secret(&mut self, entry: EntryId) -> Result<Option<SealedSecret>, StoreError>;

    // Requests.

    /// The user's approved folder and vault grants in `vault` (R-REQ-11),
    /// whatever their phase: which entries they cover follows the tree.
    fn approved_scoped_grants(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<Request>, StoreError>;

    /// Stores a new request with the entries it covers (the entry and its dependencies).
    fn insert_request(
        &mut self,
        request: &Request,
        covered: &[EntryId],
    ) -> Result<RequestId, StoreError>;
    /// Stores a request's changed state, and any approval not stored yet.
    fn update_request(&mut self, request: &Request) -> Result<(), StoreError>;
    /// A request by id, with its approvals.
    fn request(&mut self, id: RequestId) -> Result<Option<Request>, StoreError>;
    /// The entries a request covers.
    fn covered_entries(&mut self, id: RequestId) -> Result<Vec<EntryId>, StoreError>;
    /// The pending requests that name `entry` as their entry or cover it.
    fn pending_requests_naming(&mut self, entry: EntryId) -> Result<Vec<Request>, StoreError>;
    /// `user`'s approved grants that cover `entry` (in any phase).
    fn approved_grants_covering(
        &mut self,
        user: UserId,
        entry: EntryId,
    ) -> Result<Vec<Request>, StoreError>;
    /// Whether `user` has a request pending at `now` for `target` with `set`.
    fn has_pending(
        &mut self,
        user: UserId,
        target: Target,
        set: PermissionSetId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Requests pending at `now` that `approver` may decide, newest first.
    fn pending_for_approver(
        &mut self,
        approver: UserId,
        is_admin: bool,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Request>, StoreError>;
    /// How many requests pending at `now` `approver` may decide.
    fn count_pending_for_approver(
        &mut self,
        approver: UserId,
        is_admin: bool,
        now: Timestamp,
    ) -> Result<i64, StoreError>;
    /// `requester`'s requests, newest first.
    fn requests_of(&mut self, requester: UserId, limit: usize) -> Result<Vec<Request>, StoreError>;
    /// Every pending or approved request of `requester` (approved ones may
    /// have ended by now: the caller judges the phase).
    fn open_requests_of(&mut self, requester: UserId) -> Result<Vec<Request>, StoreError>;
    /// Every request `user` may see (R-APP-2): their own, those addressed to
    /// or decided by them, those of vaults they approve; all for
    /// administrators. Without approvals (a list does not show them).
    fn requests_visible_to(
        &mut self,
        user: UserId,
        is_admin: bool,
    ) -> Result<Vec<Request>, StoreError>;
    /// The requests that extend `id` (R-REQ-9).
    fn extensions_of(&mut self, id: RequestId) -> Result<Vec<Request>, StoreError>;
    /// `requester`'s requests on `entry` (as the main entry), newest first.
    fn requests_on_entry(
        &mut self,
        requester: UserId,
        entry: EntryId,
        limit: usize,
    ) -> Result<Vec<Request>, StoreError>;
    /// `user`'s requests in `vault` that are pending or approved (in any phase).
    fn open_requests_in_vault(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<Request>, StoreError>;
    /// `user`'s approved grants in `vault`, each with the entries it covers.
    fn approved_grants_in_vault(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<(Request, Vec<EntryId>)>, StoreError>;
    /// Requests for which time has something to record at `now` (see `domain::request::advance`).
    fn requests_due(
        &mut self,
        now: Timestamp,
        expiring_lead_ms: i64,
    ) -> Result<Vec<Request>, StoreError>;
    /// The next instant after `now` at which a request will be due, if any.
    fn next_due_at(
        &mut self,
        now: Timestamp,
        expiring_lead_ms: i64,
    ) -> Result<Option<Timestamp>, StoreError>;
    /// Emergency grants still waiting for review.
    fn grants_needing_review(&mut self) -> Result<Vec<Request>, StoreError>;
    /// Counts per stored status.
    fn request_counts(&mut self) -> Result<RequestCounts, StoreError>;

    // Notifications.

    /// Stores a notification.
    fn insert_notification(
        &mut self,
        n: &NewNotification,
        at: Timestamp,
    ) -> Result<NotificationId, StoreError>;
    /// `user`'s notifications, newest first.
    fn notifications(
        &mut self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError>;
    /// Marks one read; false if it is not `user`'s or was read already.
    fn mark_notification_read(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Claims the right to show it on the desktop: true for exactly one caller (R-NOT-2).
    fn claim_notification_shown(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// How many of `user`'s notifications are unread.
    fn unread_notification_count(&mut self, user: UserId) -> Result<usize, StoreError>;
    /// Marks every unread notification of `user` read; how many it marked.
    fn mark_all_notifications_read(
        &mut self,
        user: UserId,
        at: Timestamp,
    ) -> Result<usize, StoreError>;
    /// `user`'s notifications not yet shown on any desktop, oldest first, at most `limit`.
    fn unshown_notifications(
        &mut self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError>;
    /// How many of `user`'s notifications were not yet shown on any desktop.
    fn unshown_notification_count(&mut self, user: UserId) -> Result<usize, StoreError>;
    /// Records the notification server's id of the desktop notification that
    /// showed it; false if it is not `user`'s.
    fn set_notification_desktop_id(
        &mut self,
        id: NotificationId,
        user: UserId,
        desktop_id: u32,
    ) -> Result<bool, StoreError>;
    /// `user`'s notifications shown on the desktop whose request someone else
    /// has since handled, not yet announced there (R-BEY-7), oldest first.
    fn handled_unannounced(&mut self, user: UserId) -> Result<Vec<Notification>, StoreError>;
    /// Claims the right to announce on the desktop that someone else handled
    /// it: true for exactly one caller, and only for a handled notification of `user`.
    fn claim_handled_shown(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Which kinds `user` wants on the desktop (a kind without a row is on).
    fn notification_preferences(
        &mut self,
        user: UserId,
    ) -> Result<NotificationPreferences, StoreError>;
    /// Switches desktop notifications of `kind` on or off for `user`.
    fn set_notification_preference(
        &mut self,
        user: UserId,
        kind: NotificationKind,
        desktop: bool,
    ) -> Result<(), StoreError>;
    /// Notes on other approvers' notifications of `request` who handled it, and when (R-BEY-7).
    fn note_request_handled(
        &mut self,
        request: RequestId,
        except_user: UserId,
        handling: &Handling,
    ) -> Result<(), StoreError>;

    // Audit.

    /// The last event written: (seq, hash).
    fn audit_head(&mut self) -> Result<Option<(i64, String)>, StoreError>;
    /// Appends an event and moves the head to it.
    fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Up to `limit` events after `after_seq`, in order.
    fn audit_events_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError>;
    /// Up to `limit` rows after `after_seq`, in order, read loosely for verification.
    fn audit_rows_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditRow>, StoreError>;
    /// Whether the workspace holds anything besides its audit log (metadata,
    /// users, vaults, permission sets, entries, requests).
    fn holds_data(&mut self) -> Result<bool, StoreError>;
    /// Up to `limit` events that pass `filter`, from `cursor` on, with the
    /// names they refer to. Keyset pagination on `seq`: the cost is the rows
    /// scanned to fill the page, never the whole log.
    fn audit_page(
        &mut self,
        filter: &AuditFilter,
        cursor: AuditCursor,
        limit: usize,
    ) -> Result<Vec<AuditListed>, StoreError>;
    /// How many events pass `filter`, counting no further than `cap` when given.
    fn audit_count(
        &mut self,
        filter: &AuditFilter,
        cap: Option<usize>,
    ) -> Result<usize, StoreError>;
    /// One entry's row for its path, deleted or not.
    fn entry_node(&mut self, id: EntryId) -> Result<Option<EntryNode>, StoreError>;
    /// Every entry's row for paths, deleted ones included.
    fn entry_nodes(&mut self) -> Result<Vec<EntryNode>, StoreError>;
}
