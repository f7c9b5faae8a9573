//! A signed-in user's PostgreSQL workspace behind the [`Store`] interface.
//!
//! Opening it is signing in: the connection is the user's own role, so
//! every transaction it begins is checked by the server as that user.
//!
//! Live updates (R-DATA-2): the server sends `NOTIFY latchkey_changes` when
//! a transaction that changed the workspace commits (its payload names a
//! table, never data); each connection listens, and its data version counts
//! what it heard. A connection the server dropped (a restart) is opened
//! again at the next transaction, as the same user.

use super::tx::{PgTx, failed};
use super::{PgError, PgTarget, role_name, whoami};
use crate::domain::Timestamp;
use crate::domain::user::User;
use crate::store::{ChangeProbe, Enforcement, Store, StoreError, StoreTx, TxMode};
use ::postgres::fallible_iterator::FallibleIterator;
use ::postgres::{Client, IsolationLevel};
use std::time::Duration;
use zeroize::Zeroizing;

/// The channel the server announces commits on.
const CHANGES_CHANNEL: &str = "latchkey_changes";

/// A PostgreSQL workspace, connected as one Latchkey user.
pub struct PgStore {
    target: PgTarget,
    client: Client,
    user: User,
    /// How many change announcements this connection heard.
    heard: i64,
    /// Kept to open a second connection as the same user (an import on a
    /// background thread, the change probe); never written anywhere.
    password: Zeroizing<String>,
}

impl PgStore {
    /// Signs in to the workspace at `target` as `username`: the server
    /// checks the password (SCRAM-SHA-256) and says who that is.
    pub fn connect(target: &PgTarget, username: &str, password: &str) -> Result<PgStore, PgError> {
        let mut client = listening(target, username, password)?;
        let user = whoami(&mut client)?;
        Ok(PgStore {
            target: target.clone(),
            client,
            user,
            heard: 0,
            password: Zeroizing::new(password.to_owned()),
        })
    }

    /// Opens the connection again when the server dropped it (a restart,
    /// a network cut): the same user, checked again by the server.
    fn reconnect_if_dropped(&mut self) -> Result<(), StoreError> {
        if !self.client.is_closed() {
            return Ok(());
        }
        self.client = listening(&self.target, &self.user.username, &self.password)?;
        // Whatever changed meanwhile is news.
        self.heard += 1;
        Ok(())
    }

    /// The signed-in user, as the server said at sign-in.
    pub fn user(&self) -> &User {
        &self.user
    }
}

impl Store for PgStore {
    fn begin(&mut self, mode: TxMode) -> Result<Box<dyn StoreTx + '_>, StoreError> {
        self.reconnect_if_dropped()?;
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
        self.reconnect_if_dropped()?;
        self.heard += count_heard(&mut self.client)?;
        Ok(self.heard)
    }

    fn location(&self) -> String {
        self.target.describe()
    }

    fn change_probe(&self) -> Option<Box<dyn ChangeProbe>> {
        let client = listening(&self.target, &self.user.username, &self.password).ok()?;
        Some(Box::new(PgProbe {
            target: self.target.clone(),
            username: self.user.username.clone(),
            password: self.password.clone(),
            client,
            heard: 0,
        }))
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

    fn note_password_changed(&mut self, password: &str) {
        self.password = Zeroizing::new(password.to_owned());
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

/// A connection of `username` that listens to the workspace's change
/// announcements.
fn listening(target: &PgTarget, username: &str, password: &str) -> Result<Client, PgError> {
    let mut client = target.connect(&role_name(username), password)?;
    client
        .batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))
        .map_err(super::error::from_query)?;
    Ok(client)
}

/// How many announcements arrived since the last look (without waiting).
fn count_heard(client: &mut Client) -> Result<i64, StoreError> {
    // An empty statement is one round trip, in which the client reads what
    // the server sent meanwhile; a poll alone may find nothing, because
    // the client's runtime learns that its socket has data only while it
    // waits on it.
    client.batch_execute("").map_err(failed)?;
    let mut heard = 0;
    let mut pending = client.notifications();
    let mut arrived = pending.iter();
    while let Some(announcement) = arrived.next().map_err(failed)? {
        if announcement.channel() == CHANGES_CHANNEL {
            heard += 1;
        }
    }
    Ok(heard)
}

/// The window's watcher: its own connection, listening.
struct PgProbe {
    target: PgTarget,
    username: String,
    password: Zeroizing<String>,
    client: Client,
    heard: i64,
}

impl ChangeProbe for PgProbe {
    fn data_version(&mut self) -> Result<i64, StoreError> {
        if self.client.is_closed() {
            self.client = listening(&self.target, &self.username, &self.password)?;
            self.heard += 1;
        }
        self.heard += count_heard(&mut self.client)?;
        Ok(self.heard)
    }
}
