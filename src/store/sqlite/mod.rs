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
}

impl SqliteStore {
    /// Opens an existing workspace, migrating it to this build's schema.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.to_path_buf()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| io_error(path, &e))?;
        SqliteStore::prepare(conn, path, false)
    }

    /// Creates a new, empty workspace file; refuses to overwrite one.
    pub fn create(path: &Path) -> Result<SqliteStore, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_path_buf()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| io_error(path, &e))?;
        restrict_to_owner(path)?;
        SqliteStore::prepare(conn, path, true)
    }

    /// A private in-memory workspace, running the real migrations (for tests).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| map_error(&e))?;
        SqliteStore::prepare(conn, Path::new(":memory:"), true)
    }

    fn prepare(mut conn: Connection, path: &Path, is_new: bool) -> Result<SqliteStore, StoreError> {
        let located = |e: rusqlite::Error| match map_error(&e) {
            StoreError::Corrupt(_) => StoreError::NotAWorkspace(path.to_path_buf()),
            other => other,
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| map_error(&e))?;
        // Reading the application id is the first access to the file: a file
        // that is not SQLite at all fails here.
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(located)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(located)?;
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
        if path != Path::new(":memory:") {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(|e| map_error(&e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Database(format!(
                    "cannot switch the workspace to WAL (got {mode})"
                )));
            }
        }
        // FULL: a commit the service reported is on disk even after a power loss.
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
            .map_err(|e| map_error(&e))?;
        migrate(&mut conn, version)?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Runs `PRAGMA integrity_check`; `Ok` holds SQLite's answer ("ok" when sound).
    pub fn integrity_check(&mut self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| map_error(&e))
    }
}

/// Removes a workspace file and SQLite's companions (after a failed creation).
pub fn delete_workspace_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        // Missing companions are fine: nothing to remove.
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// The workspace holds password hashes and sealed secrets: only its owner
/// reads it. SQLite gives its WAL and shared-memory files the same mode.
fn restrict_to_owner(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
            StoreError::Io {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
    }
    Ok(())
}

fn migrate(conn: &mut Connection, from: i64) -> Result<(), StoreError> {
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
            _ => StoreError::Database(message.clone().unwrap_or_else(|| code.to_string())),
        },
        other => StoreError::Database(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
