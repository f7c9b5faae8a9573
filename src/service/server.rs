//! Workspaces kept by a PostgreSQL server, which enforces the rules itself
//! (R-BEY-10): creating one, and opening one by signing in.

use super::admin::{self, audit_user_created};
use super::auth::{HashCost, Session};
use super::secrets::{self, KeyLocation, KeyStatus, SecretBox, SecretKeeper};
use super::{KeyOptions, ServiceError, Workspace, demo, file};
use crate::domain::user::NewUser;
use crate::domain::{EntryId, Timestamp};
use crate::platform::keyring::MemoryKeyring;
use crate::platform::places;
use crate::store::postgres::{
    CopySecrets, PgError, PgStore, PgTarget, PgWorkspace, copy_file_workspace,
};
use crate::store::sqlite::SqliteStore;
use crate::store::{Enforcement, SealedSecret, Store, StoreError, TxMode};
use std::path::Path;
use zeroize::Zeroizing;

/// The owner connection that lays out a new PostgreSQL workspace: a
/// superuser of the server (used once, never kept).
pub struct ServerOwner<'a> {
    /// Its role.
    pub user: &'a str,
    /// Its password.
    pub password: &'a str,
}

impl Workspace {
    /// Creates a workspace in the empty database of `target`: the owner
    /// lays out the schema and makes the first administrator's role; then,
    /// signed in as that administrator, the workspace gets its name, its
    /// settings and built-in permission sets, and its audit log starts, as
    /// a file workspace's does. Returns the administrator's session.
    pub fn create_postgres(
        target: &PgTarget,
        owner: &ServerOwner<'_>,
        name: &str,
        first_admin: &NewUser,
        password: &str,
        now: Timestamp,
    ) -> Result<(Workspace, Session), ServiceError> {
        let admin = NewUser {
            is_admin: true,
            ..first_admin.clone()
        };
        let admin_id = PgWorkspace::create(target, owner.user, owner.password, &admin, password)
            .map_err(from_pg)?;
        let store = PgStore::connect(target, &admin.username, password).map_err(from_pg)?;
        let mut workspace = Workspace::server_workspace(Box::new(store), HashCost::Interactive);
        let workspace_id = secrets::random_id();
        workspace.write(now, |ops| {
            // The server records nothing unsigned: the first administrator
            // signs the workspace's creation and their own.
            admin::initialize(ops, Some(admin_id), &workspace_id, name)?;
            audit_user_created(ops, Some(admin_id), admin_id, &admin)?;
            // With its first administrator the workspace is complete.
            file::mark_complete_op(ops)
        })?;
        let session = workspace.sign_in(&admin.username, password, now)?;
        Ok((workspace, session))
    }

    /// Opens the PostgreSQL workspace at `target` with `username`'s own
    /// connection (the server checks the password); then
    /// [`Workspace::sign_in`] opens the session.
    pub fn connect_postgres(
        target: &PgTarget,
        username: &str,
        password: &str,
    ) -> Result<Workspace, ServiceError> {
        let store = PgStore::connect(target, username, password).map_err(from_pg)?;
        Workspace::open_server(Box::new(store))
    }

    /// Creates the demo workspace in the empty database of `target`: built
    /// as a workspace file is by `init --demo` (in a private temporary
    /// folder, removed after), then moved in whole
    /// ([`copy_file_workspace`]); every demo user signs in with the demo
    /// password.
    pub fn create_postgres_demo(
        target: &PgTarget,
        owner: &ServerOwner<'_>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let folder = std::env::temp_dir().join(format!("latchkey-demo-{}", secrets::random_id()));
        places::create_private_dir(&folder).map_err(|reason| {
            ServiceError::Store(StoreError::Io {
                path: folder.clone(),
                reason,
            })
        })?;
        let built = Self::copy_demo_from(&folder, target, owner, now);
        // Its secrets were sealed with a key only this process held.
        let _ = std::fs::remove_dir_all(&folder);
        built
    }

    fn copy_demo_from(
        folder: &Path,
        target: &PgTarget,
        owner: &ServerOwner<'_>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let path = folder.join("demo.latchkey");
        let keyring = MemoryKeyring::default();
        let keys = KeyOptions {
            keyring: &keyring,
            key_file: None,
        };
        let store = SqliteStore::create(&path)?;
        let demo = demo::create_demo(Box::new(store), &keys, HashCost::Minimal, now)?;
        let SecretKeeper::Here(secrets) = demo.secrets.clone() else {
            return Err(ServiceError::Key(
                "the demo's secrets are not sealed here".into(),
            ));
        };
        demo.store.close()?;
        let mut opener = DemoSecrets { secrets };
        copy_file_workspace(target, owner.user, owner.password, &path, &mut opener).map_err(from_pg)
    }

    /// Signs in to the PostgreSQL workspace at `target`: the server checks
    /// the password; then the session opens as on any workspace (refused
    /// while an administrator's reset waits for a new password).
    pub fn sign_in_postgres(
        target: &PgTarget,
        username: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<(Workspace, Session), ServiceError> {
        let mut workspace = Workspace::connect_postgres(target, username, password)?;
        let session = workspace.sign_in(username, password, now)?;
        Ok((workspace, session))
    }

    /// Opens a workspace whose store enforces the rules itself
    /// ([`Enforcement::Server`]): its server keeps the secrets' key, and
    /// opening the store was signing in ([`Workspace::sign_in`] then opens
    /// that user's session).
    pub fn open_server(mut store: Box<dyn Store>) -> Result<Workspace, ServiceError> {
        if store.enforcement() != Enforcement::Server {
            return Err(ServiceError::Store(StoreError::Database(
                "this workspace's store does not enforce its rules itself".into(),
            )));
        }
        let complete = store
            .begin(TxMode::Read)?
            .meta(file::META_CREATION_COMPLETE)?
            .is_some();
        if !complete {
            return Err(ServiceError::Unfinished(store.location()));
        }
        Ok(Workspace::server_workspace(store, HashCost::Interactive))
    }

    fn server_workspace(store: Box<dyn Store>, hash_cost: HashCost) -> Workspace {
        Workspace {
            store,
            secrets: SecretKeeper::Server,
            key_status: KeyStatus {
                location: KeyLocation::Server,
                keyring_problem: None,
            },
            hash_cost,
        }
    }
}

/// What moving the demo into the server needs: the demo password, and its
/// secrets opened with the key it was built with.
struct DemoSecrets {
    secrets: SecretBox,
}

impl CopySecrets for DemoSecrets {
    fn password_of(&mut self, _username: &str) -> Zeroizing<String> {
        Zeroizing::new(demo::DEMO_PASSWORD.to_owned())
    }

    fn open(&mut self, entry: EntryId, sealed: &SealedSecret) -> Result<Zeroizing<String>, String> {
        self.secrets.open(entry, sealed).map_err(|e| e.to_string())
    }
}

/// A PostgreSQL failure as the service's error.
fn from_pg(err: PgError) -> ServiceError {
    match err {
        PgError::Refused(refused) => ServiceError::Domain(refused),
        PgError::BadCredentials => ServiceError::BadCredentials,
        PgError::Disabled => {
            ServiceError::Domain(crate::domain::DomainError::NotPermitted(err.to_string()))
        }
        PgError::Store(store) => ServiceError::from(store),
    }
}
