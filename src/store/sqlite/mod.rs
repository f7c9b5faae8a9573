//! The embedded default workspace: one SQLite file in WAL mode.

mod rows;
pub mod schema;
mod tx;

use super::{ChangeProbe, Store, StoreError, StoreTx, TxMode};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a connection waits for another one's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A SQLite workspace file (or an in-memory one, for tests).
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Why the workspace can only be read, when it was opened read-only.
    read_only: Option<String>,
}

/// How a connection is being set up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A new file or memory database: the schema is made from nothing.
    New,
    /// A new file being filled in private before it is moved into place: a
    /// rollback journal (nothing beside the file once it is closed) and no
    /// syncs until the whole file is synced by whoever moves it.
    Building,
    /// An existing workspace, opened for writing.
    Existing,
    /// An existing workspace that cannot be written here.
    ReadOnly,
}

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl SqliteStore {
    /// Opens an existing workspace for writing, migrating it to this build's
    /// schema. A file or folder that cannot be written is
    /// `StoreError::ReadOnly`: see [`SqliteStore::open_or_read_only`].
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        existing_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| io_error(path, &e))?;
        // SQLite quietly opens a file it cannot write read-only.
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(StoreError::ReadOnly(why_read_only(path)));
        }
        SqliteStore::prepare(conn, path, Kind::Existing)
    }

    /// Opens an existing workspace for writing, or, where its file or folder
    /// cannot be written, for reading only: then nothing is created beside
    /// it (no `-wal`, no `-shm`) and [`Store::read_only`] says why.
    pub fn open_or_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        match SqliteStore::open(path) {
            Err(StoreError::ReadOnly(reason)) => SqliteStore::open_read_only(path, reason),
            other => other,
        }
    }

    /// Opens a workspace that cannot be written, for reading only.
    fn open_read_only(path: &Path, reason: String) -> Result<SqliteStore, StoreError> {
        // Without a `-wal` file, everything committed is in the file itself;
        // as nobody can write beside it either, it cannot change while we
        // read, and SQLite may read it without its shared-memory file.
        let parameter = if sibling(path, "-wal").exists() {
            "mode=ro"
        } else {
            "immutable=1"
        };
        let conn = Connection::open_with_flags(
            file_uri(path, parameter),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| io_error(path, &e))?;
        let mut store = SqliteStore::prepare(conn, path, Kind::ReadOnly)?;
        store.read_only = Some(reason);
        Ok(store)
    }

    /// Creates a new, empty workspace file, readable only by its owner from
    /// its first byte; refuses to overwrite anything.
    pub fn create(path: &Path) -> Result<SqliteStore, StoreError> {
        if path.is_dir() {
            return Err(StoreError::IsAFolder(path.to_path_buf()));
        }
        drop(create_private_file(path)?);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| io_error(path, &e))?;
        SqliteStore::prepare(conn, path, Kind::New)
    }

    /// Builds a new workspace in `path`, an empty private file the caller
    /// has just created (see [`create_private_file`]). Until [`Store::close`]
    /// nothing is synced; the caller syncs the file before moving it into
    /// place.
    pub fn build_in(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| io_error(path, &e))?;
        SqliteStore::prepare(conn, path, Kind::Building)
    }

    /// A private in-memory workspace, running the real migrations (for tests).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| map_error(&e))?;
        SqliteStore::prepare(conn, Path::new(":memory:"), Kind::New)
    }

    fn prepare(mut conn: Connection, path: &Path, kind: Kind) -> Result<SqliteStore, StoreError> {
        let located = |e: rusqlite::Error| locate_error(path, &e);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| map_error(&e))?;
        // Reading the application id is the first access to the file: a file
        // that is not SQLite at all fails here.
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(located)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(located)?;
        let is_new = matches!(kind, Kind::New | Kind::Building);
        if !is_new && (app_id != schema::APPLICATION_ID || version == 0) {
            return Err(StoreError::NotAWorkspace(path.to_path_buf()));
        }
        if version > schema::latest_version() {
            return Err(StoreError::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                supported: schema::latest_version(),
            });
        }
        if kind == Kind::ReadOnly {
            if version < schema::latest_version() {
                return Err(StoreError::ReadOnly(format!(
                    "it is in an older format (schema {version}) that this version must update before it can read it; open it once where it can be written"
                )));
            }
            conn.execute_batch("PRAGMA query_only = ON;")
                .map_err(located)?;
            return Ok(SqliteStore {
                conn,
                path: path.to_path_buf(),
                read_only: None,
            });
        }
        if path != Path::new(":memory:") {
            let wanted = if kind == Kind::Building {
                "delete"
            } else {
                "wal"
            };
            let mode: String = conn
                .query_row(&format!("PRAGMA journal_mode = {wanted}"), [], |r| r.get(0))
                .map_err(located)?;
            if !mode.eq_ignore_ascii_case(wanted) {
                return Err(StoreError::Database(format!(
                    "cannot switch the workspace to {wanted} journal mode (got {mode})"
                )));
            }
        }
        // FULL: a commit the service reported is on disk even after a power
        // loss. A file being built is synced as a whole before it is used.
        let synchronous = if kind == Kind::Building {
            "OFF"
        } else {
            "FULL"
        };
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous};"
        ))
        .map_err(located)?;
        migrate(&mut conn, version)?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            read_only: None,
        })
    }

    /// Runs `PRAGMA integrity_check`; `Ok` holds SQLite's answer ("ok" when sound).
    pub fn integrity_check(&mut self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| map_error(&e))
    }
}

/// Creates a new empty file readable and writable only by its owner from its
/// first byte, failing if anything exists at `path` (`O_EXCL`).
pub fn create_private_file(path: &Path) -> Result<std::fs::File, StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            StoreError::AlreadyExists(path.to_path_buf())
        } else {
            StoreError::Io {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        }
    })
}

/// `path` with `suffix` appended to its file name (SQLite's companions).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// An existing file, or an error that says what is there instead.
fn existing_file(path: &Path) -> Result<(), StoreError> {
    if path.is_dir() {
        return Err(StoreError::IsAFolder(path.to_path_buf()));
    }
    if !path.is_file() {
        return Err(StoreError::NotFound(path.to_path_buf()));
    }
    Ok(())
}

/// Why a workspace that SQLite cannot write here is read-only, in words.
fn why_read_only(path: &Path) -> String {
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
        return format!("the file {} cannot be written ({e})", path.display());
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    format!(
        "its folder {} cannot be written, and SQLite keeps its journal beside the file",
        folder.display()
    )
}

/// Whether the file starts like a SQLite database: then a failure to read it
/// means it is damaged (for instance truncated), not that it is something else.
fn is_sqlite_file(path: &Path) -> bool {
    use std::io::Read;
    let mut start = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| &start == SQLITE_MAGIC)
}

/// A failure while opening a file, named for what the file turned out to be.
fn locate_error(path: &Path, e: &rusqlite::Error) -> StoreError {
    match map_error(e) {
        StoreError::Corrupt(reason) if is_sqlite_file(path) => StoreError::Corrupt(reason),
        StoreError::Corrupt(_) => StoreError::NotAWorkspace(path.to_path_buf()),
        StoreError::Database(_) if error_code(e) == Some(ErrorCode::CannotOpen) => {
            StoreError::ReadOnly(why_read_only(path))
        }
        StoreError::ReadOnly(_) => StoreError::ReadOnly(why_read_only(path)),
        other => other,
    }
}

fn error_code(e: &rusqlite::Error) -> Option<ErrorCode> {
    match e {
        rusqlite::Error::SqliteFailure(code, _) => Some(code.code),
        _ => None,
    }
}

/// A `file:` URI for `path` with one query parameter, every byte that could
/// be read as URI syntax escaped.
fn file_uri(path: &Path, parameter: &str) -> String {
    let text = path.to_string_lossy();
    let mut uri = String::from("file:");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push('%');
            uri.push_str(&hex::encode_upper([byte]));
        }
    }
    uri.push('?');
    uri.push_str(parameter);
    uri
}

fn migrate(conn: &mut Connection, from: i64) -> Result<(), StoreError> {
    if from >= schema::latest_version() {
        return Ok(());
    }
    // A migration may rebuild a table others refer to (SQLite's documented
    // way to change a column): foreign keys are off while migrations run and
    // each migration's result is checked before it commits.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")
        .map_err(|e| map_error(&e))?;
    let migrated = run_migrations(conn, from);
    conn.execute_batch("PRAGMA foreign_keys = ON;")
        .map_err(|e| map_error(&e))?;
    migrated
}

fn run_migrations(conn: &mut Connection, from: i64) -> Result<(), StoreError> {
    for (index, sql) in schema::MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| map_error(&e))?;
        // Another process may have migrated while we waited for the lock.
        let current: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| map_error(&e))?;
        if current > index as i64 {
            continue;
        }
        tx.execute_batch(sql).map_err(|e| map_error(&e))?;
        let broken: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM pragma_foreign_key_check)",
                [],
                |r| r.get(0),
            )
            .map_err(|e| map_error(&e))?;
        if broken {
            return Err(StoreError::Database(format!(
                "migration {} would break the workspace's references",
                index + 1
            )));
        }
        tx.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA application_id = {};",
            index + 1,
            schema::APPLICATION_ID
        ))
        .map_err(|e| map_error(&e))?;
        tx.commit().map_err(|e| map_error(&e))?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn begin(&mut self, mode: TxMode) -> Result<Box<dyn StoreTx + '_>, StoreError> {
        let behavior = match mode {
            TxMode::Read => TransactionBehavior::Deferred,
            TxMode::Write => TransactionBehavior::Immediate,
        };
        let tx = self
            .conn
            .transaction_with_behavior(behavior)
            .map_err(|e| map_error(&e))?;
        Ok(Box::new(tx::SqliteTx::new(tx)))
    }

    fn data_version(&mut self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| map_error(&e))
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn read_only(&self) -> Option<String> {
        self.read_only.clone()
    }

    fn close(self: Box<Self>) -> Result<(), StoreError> {
        self.conn.close().map_err(|(_, e)| map_error(&e))
    }

    fn change_probe(&self) -> Option<Box<dyn ChangeProbe>> {
        if self.path == Path::new(":memory:") {
            return None;
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        conn.busy_timeout(BUSY_TIMEOUT).ok()?;
        Some(Box::new(SqliteProbe { conn }))
    }

    fn second_connection(&self) -> Option<Result<Box<dyn Store>, StoreError>> {
        if self.path == Path::new(":memory:") || self.read_only.is_some() {
            return None;
        }
        Some(SqliteStore::open(&self.path).map(|store| Box::new(store) as Box<dyn Store>))
    }

    fn set_lock_wait(&mut self, wait: Duration) -> Result<(), StoreError> {
        self.conn.busy_timeout(wait).map_err(|e| map_error(&e))
    }
}

/// A read-only connection used only to read `PRAGMA data_version`.
struct SqliteProbe {
    conn: Connection,
}

impl ChangeProbe for SqliteProbe {
    fn data_version(&mut self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| map_error(&e))
    }
}

fn io_error(path: &Path, e: &rusqlite::Error) -> StoreError {
    match map_error(e) {
        StoreError::Database(reason) => StoreError::Io {
            path: path.to_path_buf(),
            reason,
        },
        other => other,
    }
}

/// Turns a SQLite failure into a store error worded for people.
pub(crate) fn map_error(e: &rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => match code.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy,
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                StoreError::Corrupt(message.clone().unwrap_or_else(|| code.to_string()))
            }
            ErrorCode::ReadOnly => StoreError::ReadOnly(
                "the workspace file or its folder cannot be written".to_owned(),
            ),
            _ => StoreError::Database(message.clone().unwrap_or_else(|| code.to_string())),
        },
        other => StoreError::Database(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
