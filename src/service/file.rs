//! A workspace file: the one way to create it, all or nothing, and to open it
//! (R-DATA-1, R-DSK-1, R-SEC-1). The command line (`init`, `status`,
//! `audit verify`) and the window's first start both come here.
//!
//! Creating: the workspace is built completely in a private temporary file
//! in the same folder (`.NAME.creating-TOKEN`, created exclusively and 0600
//! from its first byte), closed and synced, and only then linked to its name
//! — a hard link, which fails rather than replace anything that appeared
//! meanwhile. The key file is written the same way beside it
//! (`.NAME.creating-TOKEN.key`) and linked first, so a workspace never exists
//! without its key. The last write of a creation marks it complete
//! (`META_CREATION_COMPLETE`); a workspace without the mark is never opened.
//!
//! Invariants:
//! - a killed or failed creation leaves nothing at the workspace's name;
//!   what it leaves beside it is recognised by its name, and removed by the
//!   next creation at that path, which says so;
//! - a creator only ever removes its own temporary files, or those of a
//!   creator that is gone: each creator holds a lock on its temporary file
//!   while it lives, and clean-up and the final links happen under a lock on
//!   the folder, so nobody removes what another is still making or has made.

use super::auth::{HashCost, Session};
use super::ops::Ops;
use super::scale::ScaleReport;
use super::{KeyOptions, ServiceError, Workspace, demo, scale};
use crate::domain::Timestamp;
use crate::domain::user::NewUser;
use crate::platform::keyfile::key_file_for;
use crate::platform::keyring::Keyring;
use crate::store::sqlite::{SqliteStore, create_private_file};
use crate::store::{RequestCounts, Store, StoreError, TxMode};
use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Metadata key set by the last write of a workspace's creation.
pub const META_CREATION_COMPLETE: &str = "creation_complete";

/// What a new workspace file is filled with.
#[derive(Clone, Copy)]
pub enum Contents<'a> {
    /// The demo workspace (see [`demo`]).
    Demo,
    /// A generated workspace of `n` entries and `n` requests (see [`scale`]).
    Scale(usize),
    /// An empty workspace whose first user becomes its administrator.
    Empty {
        /// The workspace's name.
        name: &'a str,
        /// The administrator.
        admin: &'a NewUser,
        /// Their password.
        password: &'a str,
    },
}

/// A workspace file just created and opened.
pub struct Created {
    /// The workspace, open at its final path.
    pub workspace: Workspace,
    /// The administrator of an empty workspace, signed in.
    pub session: Option<Session>,
    /// What was generated, for a scale workspace.
    pub scale: Option<ScaleReport>,
    /// One sentence on what an earlier, unfinished creation had left and this
    /// one removed, if anything.
    pub cleaned_up: Option<String>,
}

impl Workspace {
    /// Creates the workspace file `path` with `contents`, all or nothing
    /// (see the module documentation), and opens it. The key goes to the
    /// keyring or, where none answers, to the key file beside `path`.
    pub fn create_file(
        path: &Path,
        contents: Contents<'_>,
        keyring: &dyn Keyring,
        hash_cost: HashCost,
        now: Timestamp,
    ) -> Result<Created, ServiceError> {
        let (folder, name) = split(path)?;
        fs::create_dir_all(&folder).map_err(|e| io_error(&folder, &e))?;
        refuse_existing(path)?;
        let (temp, cleaned_up) = {
            let _folder = FolderLock::take(&folder)?;
            let cleaned_up = clean_up(&folder, &name, path)?;
            refuse_foreign_key(path)?;
            (Temp::create(&folder, &name)?, cleaned_up)
        };
        let (session, report) = temp.build(contents, keyring, hash_cost, now)?;
        temp.sync()?;
        {
            let _folder = FolderLock::take(&folder)?;
            temp.move_to(path)?;
        }
        drop(temp);
        let workspace = Workspace::open_file(path, keyring, hash_cost)?;
        Ok(Created {
            workspace,
            session,
            scale: report,
            cleaned_up,
        })
    }

    /// Opens the workspace file `path` with its key; read-only, saying why,
    /// where its file or folder cannot be written (then signing in and every
    /// change fail with [`ServiceError::ReadOnly`]).
    pub fn open_file(
        path: &Path,
        keyring: &dyn Keyring,
        hash_cost: HashCost,
    ) -> Result<Workspace, ServiceError> {
        let store = Box::new(SqliteStore::open_or_read_only(path)?);
        remove_dead_aliases(path);
        let keys = KeyOptions {
            keyring,
            key_file: Some(key_file_for(path)),
        };
        Workspace::open(store, &keys, hash_cost)
    }

    /// Counts of requests per stored status, for a status line.
    pub fn request_counts(&mut self, now: Timestamp) -> Result<RequestCounts, ServiceError> {
        self.read(now, |ops| Ok(ops.tx.request_counts()?))
    }

    /// Writes the mark that ends a creation (R-DATA-1).
    pub(super) fn mark_complete(&mut self, now: Timestamp) -> Result<(), ServiceError> {
        self.write(now, mark_complete_op)
    }
}

/// Opens the storage of the workspace file `path` without its key (for
/// verifying the audit chain), read-only where it cannot be written; refuses
/// a workspace whose creation never finished.
pub fn open_workspace_store(path: &Path) -> Result<Box<dyn Store>, ServiceError> {
    let mut store = Box::new(SqliteStore::open_or_read_only(path)?);
    let complete = store
        .begin(TxMode::Read)?
        .meta(META_CREATION_COMPLETE)?
        .is_some();
    if !complete {
        return Err(ServiceError::Unfinished(store.location()));
    }
    Ok(store)
}

/// What an unfinished creation at `path` left behind, in one sentence for
/// the first-start screen; `None` if nothing. The next creation removes it.
pub fn unfinished_creation(path: &Path) -> Option<String> {
    let (folder, name) = split(path).ok()?;
    let leftovers = Leftovers::find(&folder, &name, path);
    let count = leftovers.dead.values().map(Vec::len).sum::<usize>()
        + usize::from(leftovers.orphan_key.is_some());
    (count > 0).then(|| {
        format!(
            "An earlier creation of this workspace did not finish; creating it removes what it left ({count} {})",
            if count == 1 { "file" } else { "files" }
        )
    })
}

/// Sets the "creation complete" mark inside the creation's last transaction.
pub(super) fn mark_complete_op(ops: &mut Ops<'_>) -> Result<(), ServiceError> {
    let at = ops.now.0.to_string();
    ops.tx.set_meta(META_CREATION_COMPLETE, &at)?;
    Ok(())
}

/// The folder (created if missing) and the file name of a workspace path.
fn split(path: &Path) -> Result<(PathBuf, String), ServiceError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| StoreError::IsAFolder(path.to_path_buf()))?;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    Ok((folder, name))
}

fn refuse_existing(path: &Path) -> Result<(), ServiceError> {
    if path.is_dir() {
        return Err(StoreError::IsAFolder(path.to_path_buf()).into());
    }
    if path.symlink_metadata().is_ok() {
        return Err(StoreError::AlreadyExists(path.to_path_buf()).into());
    }
    Ok(())
}

/// A key file that no dead creation left belongs to a workspace that was
/// moved away or deleted (or is about to be restored): it may be the only
/// copy of that key, so a new workspace never takes its place.
fn refuse_foreign_key(path: &Path) -> Result<(), ServiceError> {
    let key = key_file_for(path);
    if key.symlink_metadata().is_ok() {
        return Err(ServiceError::Key(format!(
            "a key file already exists at {}; it may be the only key of a workspace that was moved or deleted: move it away (or put its workspace back), or choose another path",
            key.display()
        )));
    }
    Ok(())
}

fn io_error(path: &Path, e: &std::io::Error) -> ServiceError {
    StoreError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
    .into()
}

/// `.NAME.creating-`: how every temporary file of a creation of NAME starts.
fn temp_prefix(name: &str) -> String {
    format!(".{name}.creating-")
}

/// An exclusive lock on a folder, held while creations look for leftovers,
/// start, and move their files into place.
struct FolderLock {
    /// The lock lasts as long as this handle is open.
    _handle: File,
}

impl FolderLock {
    fn take(folder: &Path) -> Result<FolderLock, ServiceError> {
        let handle = File::open(folder).map_err(|e| io_error(folder, &e))?;
        handle.lock().map_err(|e| io_error(folder, &e))?;
        Ok(FolderLock { _handle: handle })
    }
}

/// The files earlier creations at one path left behind.
struct Leftovers {
    /// Per creation that is gone: the names of its temporary files.
    dead: BTreeMap<String, Vec<PathBuf>>,
    /// Whether another creation at this path is under way right now.
    live: bool,
    /// A key file beside a workspace that does not exist.
    orphan_key: Option<PathBuf>,
}

impl Leftovers {
    fn find(folder: &Path, name: &str, path: &Path) -> Leftovers {
        let prefix = temp_prefix(name);
        let mut by_token: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        if let Ok(entries) = fs::read_dir(folder) {
            for entry in entries.filter_map(Result::ok) {
                let file_name = entry.file_name().to_string_lossy().into_owned();
                let Some(rest) = file_name.strip_prefix(&prefix) else {
                    continue;
                };
                let token: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
                if !token.is_empty() {
                    by_token.entry(token).or_default().push(entry.path());
                }
            }
        }
        let mut live = false;
        by_token.retain(|token, _| {
            // A live creator holds a lock on its temporary workspace file.
            let is_live = File::open(folder.join(format!("{prefix}{token}")))
                .is_ok_and(|file| matches!(file.try_lock(), Err(TryLockError::WouldBlock)));
            live |= is_live;
            !is_live
        });
        // A key file without its workspace is a dead creation's only if it is
        // the very file that creation linked there: the creation's own name
        // for it is still beside it. Any other key file (a workspace moved
        // away or deleted, a backup about to be restored) is somebody's only
        // copy of a key and is never removed.
        let key = key_file_for(path);
        let orphan_key = (path.symlink_metadata().is_err()
            && key.symlink_metadata().is_ok()
            && by_token
                .values()
                .flatten()
                .any(|temp| same_file(temp, &key)))
        .then_some(key);
        Leftovers {
            dead: by_token,
            live,
            orphan_key,
        }
    }
}

/// Whether `a` and `b` are names of one file (hard links).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (a.symlink_metadata(), b.symlink_metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// Removes the temporary names a creation killed after its final links left
/// on the workspace and key that are now in place (extra names of the same
/// files, which would otherwise keep a hidden copy). Best effort: a folder
/// that cannot be written keeps them, harmlessly.
fn remove_dead_aliases(path: &Path) {
    let Ok((folder, name)) = split(path) else {
        return;
    };
    let Ok(_folder) = FolderLock::take(&folder) else {
        return;
    };
    let key = key_file_for(path);
    let leftovers = Leftovers::find(&folder, &name, path);
    let aliases: Vec<&PathBuf> = leftovers
        .dead
        .values()
        .flatten()
        .filter(|temp| same_file(temp, path) || same_file(temp, &key))
        .collect();
    for alias in &aliases {
        let _ = fs::remove_file(alias);
    }
    if !aliases.is_empty() {
        let _ = sync_folder(&folder);
    }
}

/// Removes what creations that are gone left at `path`; under the folder lock.
fn clean_up(folder: &Path, name: &str, path: &Path) -> Result<Option<String>, ServiceError> {
    let leftovers = Leftovers::find(folder, name, path);
    let mut removed = Vec::new();
    for file in leftovers.dead.values().flatten() {
        match fs::remove_file(file) {
            Ok(()) => removed.push(file.clone()),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(file, &e)),
        }
    }
    // No creation moves files into place while we hold the folder lock, so a
    // key without its workspace was left by one that stopped in between.
    if let Some(key) = &leftovers.orphan_key {
        fs::remove_file(key).map_err(|e| io_error(key, &e))?;
        removed.push(key.clone());
    }
    if leftovers.live {
        return Err(ServiceError::CreationUnderWay(path.display().to_string()));
    }
    if !removed.is_empty() {
        sync_folder(folder)?;
    }
    Ok((!removed.is_empty()).then(|| {
        let names: Vec<String> = removed
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        format!(
            "Cleaned up after an unfinished creation of this workspace: removed {}",
            names.join(", ")
        )
    }))
}

/// The temporary files of one creation; removed when dropped, whatever
/// happened (after a successful move they are extra names of the moved files).
struct Temp {
    folder: PathBuf,
    /// The workspace being built.
    db: PathBuf,
    /// Its key file, if the key goes to a file.
    key: PathBuf,
    /// Holds the lock that tells others this creation is alive.
    file: File,
}

impl Temp {
    /// Creates the temporary workspace file, private from its first byte,
    /// and locks it; under the folder lock.
    fn create(folder: &Path, name: &str) -> Result<Temp, ServiceError> {
        let mut token = [0u8; 8];
        getrandom::fill(&mut token).map_err(|e| {
            ServiceError::Key(format!("the system has no randomness to offer: {e}"))
        })?;
        let base = format!("{}{}", temp_prefix(name), hex::encode(token));
        let db = folder.join(&base);
        let file = create_private_file(&db)?;
        let temp = Temp {
            folder: folder.to_path_buf(),
            key: folder.join(format!("{base}.key")),
            db,
            file,
        };
        temp.file.lock().map_err(|e| io_error(&temp.db, &e))?;
        Ok(temp)
    }

    /// Fills the temporary workspace and closes it.
    fn build(
        &self,
        contents: Contents<'_>,
        keyring: &dyn Keyring,
        hash_cost: HashCost,
        now: Timestamp,
    ) -> Result<(Option<Session>, Option<ScaleReport>), ServiceError> {
        let keys = KeyOptions {
            keyring,
            key_file: Some(self.key.clone()),
        };
        let store = Box::new(SqliteStore::build_in(&self.db)?);
        let (workspace, session, report) = match contents {
            Contents::Demo => (demo::create_demo(store, &keys, hash_cost, now)?, None, None),
            Contents::Scale(n) => {
                let (workspace, report) = scale::create_scale(store, &keys, n, now)?;
                (workspace, None, Some(report))
            }
            Contents::Empty {
                name,
                admin,
                password,
            } => {
                let mut workspace = Workspace::create(store, name, &keys, hash_cost, now)?;
                let session = workspace.create_first_admin(admin, password, now)?;
                (workspace, Some(session), None)
            }
        };
        // Closed before it is moved: nothing SQLite keeps beside the file
        // (its journal) belongs to the temporary name any more.
        workspace.store.close()?;
        Ok((session, report))
    }

    /// Makes the temporary files durable before they get their real names.
    fn sync(&self) -> Result<(), ServiceError> {
        self.file.sync_all().map_err(|e| io_error(&self.db, &e))?;
        // The key file was synced when it was written.
        sync_folder(&self.folder)
    }

    /// Gives the files their real names without replacing anything: first
    /// the key, then the workspace. Under the folder lock.
    fn move_to(&self, path: &Path) -> Result<(), ServiceError> {
        refuse_existing(path)?;
        let key = key_file_for(path);
        let has_key_file = self.key.symlink_metadata().is_ok();
        if has_key_file {
            link_no_replace(&self.key, &key)?;
        }
        if let Err(e) = link_no_replace(&self.db, path) {
            if has_key_file {
                // The key file at that name is the one linked just above.
                let _ = fs::remove_file(&key);
            }
            return Err(e);
        }
        sync_folder(&self.folder)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        for file in [&self.key, &self.db] {
            let _ = fs::remove_file(file);
        }
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut companion = self.db.as_os_str().to_owned();
            companion.push(suffix);
            let _ = fs::remove_file(PathBuf::from(companion));
        }
        // Best effort: a name left here is found and removed by the next creation.
        let _ = sync_folder(&self.folder);
    }
}

/// Gives `from` the extra name `to`, failing if `to` exists.
fn link_no_replace(from: &Path, to: &Path) -> Result<(), ServiceError> {
    match fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            Err(StoreError::AlreadyExists(to.to_path_buf()).into())
        }
        Err(e) => Err(io_error(to, &e)),
    }
}

/// Makes the folder's entries (new names, removed names) durable.
fn sync_folder(folder: &Path) -> Result<(), ServiceError> {
    File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| io_error(folder, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10, item 1: clean-up removes what a dead creation left, never
    /// what a live one is making, nor anything else in the folder.
    #[test]
    fn clean_up_removes_only_what_dead_creations_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.latchkey");
        let live = Temp::create(dir.path(), "w.latchkey").unwrap();
        let dead = [
            ".w.latchkey.creating-00ff",
            ".w.latchkey.creating-00ff-journal",
            ".w.latchkey.creating-00ff.key",
        ];
        for name in dead {
            fs::write(dir.path().join(name), b"").unwrap();
        }
        fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        fs::write(dir.path().join(".other.latchkey.creating-00ff"), b"").unwrap();

        let err = clean_up(dir.path(), "w.latchkey", &path).unwrap_err();
        assert!(matches!(err, ServiceError::CreationUnderWay(_)), "{err}");
        assert!(live.db.exists(), "a live creation's file is kept");
        for name in dead {
            assert!(!dir.path().join(name).exists(), "{name} is left");
        }
        assert!(dir.path().join("notes.txt").exists());
        assert!(dir.path().join(".other.latchkey.creating-00ff").exists());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&live.db).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "private from its first byte");
        }
        let db = live.db.clone();
        drop(live);
        assert!(!db.exists(), "a creation removes its own files");
        assert_eq!(clean_up(dir.path(), "w.latchkey", &path).unwrap(), None);
    }

    /// A key file with no workspace beside it is an unfinished creation's
    /// when that creation's own name for it is still there (it was killed
    /// between linking the key and linking the workspace).
    #[test]
    fn a_key_file_without_its_workspace_is_cleaned_up_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.latchkey");
        let temp_key = dir.path().join(".w.latchkey.creating-00ff.key");
        fs::write(&temp_key, b"00").unwrap();
        fs::hard_link(&temp_key, key_file_for(&path)).unwrap();
        assert!(unfinished_creation(&path).is_some());
        let said = clean_up(dir.path(), "w.latchkey", &path).unwrap().unwrap();
        assert!(said.contains("w.latchkey.key"), "{said}");
        assert!(!key_file_for(&path).exists());
        assert!(!temp_key.exists());
        assert_eq!(unfinished_creation(&path), None);
    }

    /// A key file whose workspace was moved away or deleted is somebody's
    /// only copy of that key: a new creation at the path refuses to start
    /// instead of removing it.
    #[test]
    fn a_key_file_left_by_a_moved_workspace_is_never_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.latchkey");
        fs::write(key_file_for(&path), b"the only copy").unwrap();
        assert_eq!(unfinished_creation(&path), None);
        assert_eq!(clean_up(dir.path(), "w.latchkey", &path).unwrap(), None);
        assert_eq!(fs::read(key_file_for(&path)).unwrap(), b"the only copy");
    }
}
