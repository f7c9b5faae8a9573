//! A team workspace kept in PostgreSQL, where the server enforces the rules
//! (R-BEY-10).
//!
//! Identity is the database's: each Latchkey user is a PostgreSQL LOGIN role
//! (SCRAM-SHA-256), and signing in is connecting as that role
//! ([`PgSession::connect`]). A session calls only the functions of the schema
//! `latchkey_api`; they run as the owner role, check the caller
//! (`session_user`) at the server's time, and are the only way to the tables.
//! [`PgWorkspace::create`] lays out the schema (`schema.sql`) with an owner
//! connection and creates the first administrator.
//!
//! Architecture invariants: a password never leaves this computer (the
//! server receives a SCRAM verifier computed here, or the SCRAM exchange of
//! a sign-in); error messages carry the server's message only, never a
//! statement, its parameters or a password.

mod audit;
mod copy;
mod entries;
mod error;
mod notifications;
mod requests;
mod store;
mod tls;
mod tx;
mod vaults;

pub use copy::{CopySecrets, copy_file_workspace};
pub use error::PgError;
pub use store::PgStore;
pub use tls::{SslMode, TlsSettings};

use crate::domain::UserId;
use crate::domain::error::DomainError;
use crate::domain::user::{NewUser, User};
use ::postgres::config::Host;
use ::postgres::{Client, Config, NoTls};
use std::str::FromStr;
use std::time::Duration;

/// The schema of a new workspace, in dependency order: roles and identity,
/// tables, then the functions of each area, then who may run what.
const SCHEMA_SQL: &str = concat!(
    include_str!("sql/identity.sql"),
    include_str!("sql/tables.sql"),
    include_str!("sql/access.sql"),
    include_str!("sql/vaults.sql"),
    include_str!("sql/entries.sql"),
    include_str!("sql/requests.sql"),
    include_str!("sql/notifications.sql"),
    include_str!("sql/audit.sql"),
    include_str!("sql/grants.sql"),
);

/// How long a connection attempt waits when the address does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a PostgreSQL workspace is: a `postgresql://` or `postgres://`
/// address (host or socket folder, port, database, `sslmode`,
/// `sslrootcert`), without a password.
#[derive(Debug, Clone)]
pub struct PgTarget {
    config: Config,
    tls: TlsSettings,
}

impl PgTarget {
    /// Reads a workspace address such as `postgresql://db.example.org/team`
    /// or `postgresql:///team?host=/run/postgresql`.
    ///
    /// An address holding a password is refused: passwords are typed into
    /// the sign-in screen, never written where others can read them.
    pub fn parse(url: &str) -> Result<PgTarget, PgError> {
        if !(url.starts_with("postgresql://") || url.starts_with("postgres://")) {
            return Err(invalid_address(
                "a PostgreSQL workspace address starts with postgresql://",
            ));
        }
        let (url, tls) = tls::split_address(url)?;
        let mut config = Config::from_str(&url)
            .map_err(|_| invalid_address("this is not a valid PostgreSQL address"))?;
        if config.get_password().is_some() {
            return Err(invalid_address(
                "leave the password out of the workspace address; Latchkey asks for it",
            ));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("latchkey");
        // The server offers no TLS on a Unix socket; libpq does not ask there.
        let only_sockets = config
            .get_hosts()
            .iter()
            .all(|h| matches!(h, Host::Unix(_)));
        let mode = if only_sockets {
            SslMode::Disable
        } else {
            tls.mode
        };
        config.ssl_mode(tls::wire_mode(mode));
        Ok(PgTarget {
            config,
            tls: TlsSettings { mode, ..tls },
        })
    }

    /// The database's name, as the address gives it.
    pub fn database(&self) -> Option<&str> {
        self.config.get_dbname()
    }

    /// The server's host name, or "this computer" for a local socket.
    pub fn host(&self) -> String {
        match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            _ => "this computer".to_owned(),
        }
    }

    /// The address for people: `postgresql://host:port/database`, or the
    /// socket folder for a local server; never a password.
    pub fn describe(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            #[cfg(unix)]
            Some(Host::Unix(folder)) => folder.display().to_string(),
            None => "localhost".to_owned(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let database = self.database().unwrap_or("postgres");
        if host.starts_with('/') {
            format!("postgresql:///{database}?host={host}&port={port}")
        } else {
            format!("postgresql://{host}:{port}/{database}")
        }
    }

    /// The address's TLS settings (`sslmode` is `disable` for a Unix socket).
    pub fn tls(&self) -> &TlsSettings {
        &self.tls
    }

    /// Connects as `role` with `password`, with TLS as `sslmode` says.
    fn connect(&self, role: &str, password: &str) -> Result<Client, PgError> {
        let mut config = self.config.clone();
        config.user(role).password(password);
        let connected = if self.tls.mode == SslMode::Disable {
            config.connect(NoTls)
        } else {
            config.connect(tls::connector(&self.tls)?)
        };
        connected.map_err(error::from_connect)
    }
}

fn invalid_address(message: &str) -> PgError {
    PgError::Refused(DomainError::invalid(
        crate::domain::error::Field::Workspace,
        message,
    ))
}

/// The PostgreSQL role a user signs in as: the user name in lower case.
///
/// The server checks, when the user is created, that its own `lower()`
/// agrees, so the role created and the role connected to are the same.
pub fn role_name(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The SCRAM-SHA-256 verifier of `password`, with a fresh random salt: what
/// the server stores instead of the password (as `psql`'s `\password` does).
fn scram_verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

/// Lays out the schema of a new workspace in the owner's transaction.
fn lay_out_schema(tx: &mut ::postgres::Transaction<'_>) -> Result<(), PgError> {
    let taken = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname IN ('latchkey_owner', 'latchkey_user'))",
            &[],
        )
        .map_err(error::from_query)?;
    if taken.get::<_, bool>(0) {
        // Roles belong to the whole server, not to one database.
        return Err(PgError::Refused(DomainError::WrongState(
            "this PostgreSQL server already holds a Latchkey workspace".into(),
        )));
    }
    tx.batch_execute(SCHEMA_SQL).map_err(error::from_query)
}

/// Creating a PostgreSQL workspace.
pub struct PgWorkspace;

impl PgWorkspace {
    /// Lays out the schema in the empty database of `target` and creates the
    /// first administrator, in one transaction, connected as `owner_user`
    /// (a superuser of the server).
    pub fn create(
        target: &PgTarget,
        owner_user: &str,
        owner_password: &str,
        first_admin: &NewUser,
        password: &str,
    ) -> Result<UserId, PgError> {
        first_admin.validate(password)?;
        let mut client = target.connect(owner_user, owner_password)?;
        let mut tx = client.transaction().map_err(error::from_query)?;
        // The first administrator's verifier is an argument below: keep it
        // out of the server log (the schema does the same for every later
        // session of this database).
        tx.batch_execute("SET LOCAL log_parameter_max_length = 0")
            .map_err(error::from_query)?;
        lay_out_schema(&mut tx)?;
        let username = first_admin.username.trim();
        let row = tx
            .query_one(
                "SELECT latchkey.create_first_admin($1, $2, $3, $4, $5)",
                &[
                    &username,
                    &role_name(username),
                    &first_admin.display_name,
                    &first_admin.email,
                    &scram_verifier(password),
                ],
            )
            .map_err(error::from_query)?;
        tx.commit().map_err(error::from_query)?;
        Ok(UserId(row.get(0)))
    }
}

/// A signed-in user's connection to a PostgreSQL workspace.
pub struct PgSession {
    client: Client,
    user: User,
}

impl PgSession {
    /// Signs in: connects as the role of `username` with `password`, then
    /// asks the server who that is.
    pub fn connect(
        target: &PgTarget,
        username: &str,
        password: &str,
    ) -> Result<PgSession, PgError> {
        let mut client = target.connect(&role_name(username), password)?;
        let user = whoami(&mut client)?;
        Ok(PgSession { client, user })
    }

    /// The signed-in user, as the server said at sign-in.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// Whether this session's connection is encrypted, as the server sees it.
    pub fn encrypted(&mut self) -> Result<bool, PgError> {
        let row = self
            .client
            .query_one(
                "SELECT coalesce((SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()), false)",
                &[],
            )
            .map_err(error::from_query)?;
        Ok(row.get(0))
    }

    /// The signed-in user as the server says now (refused once disabled).
    pub fn whoami(&mut self) -> Result<User, PgError> {
        self.user = whoami(&mut self.client)?;
        Ok(self.user.clone())
    }

    /// Creates a user and its role; the server refuses unless the caller is
    /// an active administrator.
    pub fn create_user(&mut self, user: &NewUser, password: &str) -> Result<UserId, PgError> {
        user.validate(password)?;
        let username = user.username.trim();
        let row = self
            .client
            .query_one(
                "SELECT latchkey_api.create_user($1, $2, $3, $4, $5, $6)",
                &[
                    &username,
                    &role_name(username),
                    &user.display_name,
                    &user.email,
                    &user.is_admin,
                    &scram_verifier(password),
                ],
            )
            .map_err(error::from_query)?;
        Ok(UserId(row.get(0)))
    }

    /// Disables a user: its role may no longer sign in, and the server
    /// refuses its open sessions.
    pub fn disable_user(&mut self, id: UserId) -> Result<(), PgError> {
        self.client
            .execute("SELECT latchkey_api.disable_user($1)", &[&id.0])
            .map_err(error::from_query)?;
        Ok(())
    }

    /// Removes a user: drops its role; its name stays for the audit log.
    pub fn remove_user(&mut self, id: UserId) -> Result<(), PgError> {
        self.client
            .execute("SELECT latchkey_api.remove_user($1)", &[&id.0])
            .map_err(error::from_query)?;
        Ok(())
    }
}

fn whoami(client: &mut Client) -> Result<User, PgError> {
    let row = client
        .query_one(
            "SELECT id, username, display_name, email, is_admin, is_active FROM latchkey_api.whoami()",
            &[],
        )
        .map_err(error::from_query)?;
    Ok(User {
        id: UserId(row.get(0)),
        username: row.get(1),
        display_name: row.get(2),
        email: row.get(3),
        is_admin: row.get(4),
        is_active: row.get(5),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_lower_case_and_trimmed() {
        assert_eq!(role_name(" Alice.Smith@Team "), "alice.smith@team");
    }

    #[test]
    fn a_verifier_never_holds_the_password_and_is_salted() {
        let first = scram_verifier("correct horse");
        let second = scram_verifier("correct horse");
        assert!(first.starts_with("SCRAM-SHA-256$4096:"), "{first}");
        assert!(!first.contains("correct horse"));
        assert_ne!(first, second, "each verifier has its own salt");
    }

    #[test]
    fn addresses_are_checked() {
        let target = PgTarget::parse("postgresql:///team?host=/run/postgresql").unwrap();
        assert_eq!(target.database(), Some("team"));
        assert!(PgTarget::parse("postgres://db.example.org/team").is_ok());
        let field = |url: &str| {
            let err = PgTarget::parse(url).unwrap_err();
            match err {
                PgError::Refused(e) => e.to_string(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            field("/home/alice/team.latchkey"),
            "a PostgreSQL workspace address starts with postgresql://"
        );
        let with_password = field("postgresql://alice:s3cret@db.example.org/team");
        assert!(with_password.contains("leave the password out"));
        assert!(!with_password.contains("s3cret"));
    }
}
