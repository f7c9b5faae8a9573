//! A signed-in user's PostgreSQL workspace behind the [`Store`] interface.
//!
//! Opening it is signing in: the connection is the user's own role, so
//! every transaction it begins is checked by the server as that user.

use super::tx::{PgTx, failed};
use super::{PgError, PgTarget, role_name, whoami};
use crate::domain::Timestamp;
use crate::domain::user::User;
use crate::store::{ChangeProbe, Enforcement, Store, StoreError, StoreTx, TxMode};
use ::postgres::{Client, IsolationLevel};
use std::time::Duration;
use zeroize::Zeroizing;

/// A PostgreSQL workspace, connected as one Latchkey user.
pub struct PgStore {
    target: PgTarget,
    client: Client,
    user: User,
    /// Kept to open a second connection as the same user (an import on a
    /// background thread, the change probe); never written anywhere.
    password: Zeroizing<String>,
}

impl PgStore {
    /// Signs in to the workspace at `target` as `username`: the server
    /// checks the password (SCRAM-SHA-256) and says who that is.
    pub fn connect(target: &PgTarget, username: &str, password: &str) -> Result<PgStore, PgError> {
        let mut client = target.connect(&role_name(username), password)?;
        let user = whoami(&mut client)?;
        Ok(PgStore {
            target: target.clone(),
            client,
            user,
            password: Zeroizing::new(password.to_owned()),
        })
    }

    /// The signed-in user, as the server said at sign-in.
    pub fn user(&self) -> &User {
        &self.user
    }
}

impl Store for PgStore {
    fn begin(&mut self, mode: TxMode) -> Result<Box<dyn StoreTx + '_>, StoreError> {
        let me = self.user.id;
        let tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .read_only(mode == TxMode::Read)
            .start()
            .map_err(failed)?;
        Ok(Box::new(PgTx { tx, me }))
    }

    fn data_version(&mut self) -> Result<i64, StoreError> {
        // Filled in with LISTEN/NOTIFY (R-DATA-2, issue 19).
        Ok(0)
    }

    fn location(&self) -> String {
        self.target.describe()
    }

    fn change_probe(&self) -> Option<Box<dyn ChangeProbe>> {
        None
    }

    fn second_connection(&self) -> Option<Result<Box<dyn Store>, StoreError>> {
        Some(
            PgStore::connect(&self.target, &self.user.username, &self.password)
                .map(|store| Box::new(store) as Box<dyn Store>)
                .map_err(StoreError::from),
        )
    }

    fn enforcement(&self) -> Enforcement {
        Enforcement::Server
    }

    fn signed_in_user(&self) -> Option<User> {
        Some(self.user.clone())
    }

    fn clock_host(&self) -> Option<String> {
        Some(self.target.host())
    }

    fn server_instant(&mut self) -> Result<Option<Timestamp>, StoreError> {
        let row = self
            .client
            .query_one("SELECT latchkey_api.server_now()", &[])
            .map_err(failed)?;
        Ok(Some(Timestamp(row.get(0))))
    }

    fn confirms_password(&self, password: &str) -> bool {
        // Compared in constant time: the length is all it could tell.
        let (ours, theirs) = (self.password.as_bytes(), password.as_bytes());
        ours.len() == theirs.len()
            && ours
                .iter()
                .zip(theirs)
                .fold(0u8, |differ, (a, b)| differ | (a ^ b))
                == 0
    }

    fn set_lock_wait(&mut self, wait: Duration) -> Result<(), StoreError> {
        let millis = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
        self.client
            .batch_execute(&format!("SET lock_timeout = {millis}"))
            .map_err(failed)
    }
}
