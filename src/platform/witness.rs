//! The audit witness (R-AUD-2, R-BEY-12): the head of each workspace's audit
//! chain as this computer last saw it verified, kept outside the workspace
//! file, so that a log cut back, wiped or rewritten by someone who can write
//! the file is reported instead of being called intact.
//!
//! The witness is found by the workspace's id, which is kept in the file
//! itself; so it also remembers which workspace id it saw at which path, and a
//! file at a known path that claims another id is reported as a replacement
//! (a creation through Latchkey records its new id first).
//!
//! One small file per workspace id, and one per workspace path (named by the
//! hash of the canonical path), in the user's state directory
//! (`$XDG_STATE_HOME/latchkey/`, by default `~/.local/state/latchkey/`),
//! replaced atomically (a private temporary file, synced, then renamed).

use crate::domain::audit::ChainHead;
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Remembers, per workspace id, the head of the audit chain last seen.
pub trait Witness: Send + Sync {
    /// The head remembered for `workspace_id`; `Ok(None)` if none; `Err`
    /// with a reason if the record exists but cannot be read.
    fn recall(&self, workspace_id: &str) -> Result<Option<ChainHead>, String>;
    /// Remembers `head` for `workspace_id` instead of what was remembered.
    fn remember(&self, workspace_id: &str, head: &ChainHead) -> Result<(), String>;
    /// Where the record of `workspace_id` is kept, for messages.
    fn location(&self, workspace_id: &str) -> String;
    /// The workspace id last seen in the workspace file at `file` (a
    /// canonical path); `Ok(None)` if none; `Err` if it cannot be read.
    fn recall_file(&self, file: &Path) -> Result<Option<String>, String>;
    /// Remembers that the workspace file at `file` (a canonical path) is
    /// `workspace_id`.
    fn remember_file(&self, file: &Path, workspace_id: &str) -> Result<(), String>;
    /// Where the record of `file` is kept, for messages.
    fn file_location(&self, file: &Path) -> String;
}

/// The canonical path of a workspace file, the key of its path record.
pub fn canonical_file(path: &Path) -> Result<PathBuf, String> {
    fs::canonicalize(path).map_err(|e| format!("cannot resolve {}: {e}", path.display()))
}

/// The first line of a witness file.
const MAGIC: &str = "latchkey audit witness 1";

/// The first line of a path record.
const FILE_MAGIC: &str = "latchkey workspace path witness 1";

/// Keeps one file per workspace in a directory.
#[derive(Debug, Clone)]
pub struct FileWitness {
    dir: PathBuf,
}

impl FileWitness {
    /// Keeps its files in `dir` (created, private to the owner, when first written).
    pub fn new(dir: impl Into<PathBuf>) -> FileWitness {
        FileWitness { dir: dir.into() }
    }

    /// The user's state directory: `$XDG_STATE_HOME/latchkey`, or
    /// `~/.local/state/latchkey` (`super::places::state_dir`).
    pub fn in_state_dir() -> Result<FileWitness, String> {
        Ok(FileWitness::new(super::places::state_dir()?))
    }

    /// The file of a workspace. The id comes from the workspace file, which
    /// may be hostile, so anything but a plain id is hashed into a name.
    pub fn file_for(&self, workspace_id: &str) -> PathBuf {
        let is_plain = !workspace_id.is_empty()
            && workspace_id.len() <= 64
            && workspace_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let name = if is_plain {
            workspace_id.to_owned()
        } else {
            use sha2::{Digest, Sha256};
            format!("h-{}", hex::encode(Sha256::digest(workspace_id.as_bytes())))
        };
        self.dir.join(format!("{name}.witness"))
    }

    /// The path record of the workspace file `file` (a canonical path),
    /// named by its hash.
    pub fn record_for_file(&self, file: &Path) -> PathBuf {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(file.as_os_str().as_encoded_bytes());
        self.dir.join(format!("p-{}.path", hex::encode(digest)))
    }

    fn create_dir(&self) -> Result<(), String> {
        super::places::create_private_dir(&self.dir)
    }
}

fn parse(text: &str, workspace_id: &str) -> Option<ChainHead> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let mut field = |name: &str| lines.next()?.strip_prefix(name).map(str::to_owned);
    let id = field("workspace ")?;
    let events = field("events ")?;
    let hash = field("hash ")?;
    if id != workspace_id {
        return None;
    }
    ChainHead::parse(&format!("{events}:{hash}")).ok()
}

/// The id in a path record. The id is stored hex-encoded, since the id of a
/// hostile file may hold any character; the path follows for people only.
fn parse_file_record(text: &str) -> Option<String> {
    let mut lines = text.lines();
    if lines.next()? != FILE_MAGIC {
        return None;
    }
    let id = hex::decode(lines.next()?.strip_prefix("workspace-hex ")?).ok()?;
    String::from_utf8(id).ok()
}

/// Makes each temporary file's name unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(
        ".{}.{}-{}.tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| fs::rename(&temp, path));
    if let Err(e) = renamed {
        let _ = fs::remove_file(&temp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    // The rename is durable once the directory is synced; a failure here
    // only risks the newest record, never a torn one.
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

impl Witness for FileWitness {
    fn recall(&self, workspace_id: &str) -> Result<Option<ChainHead>, String> {
        let path = self.file_for(workspace_id);
        match fs::read_to_string(&path) {
            Ok(text) => parse(&text, workspace_id)
                .map(Some)
                .ok_or_else(|| format!("the audit witness {} is damaged", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!(
                "cannot read the audit witness {}: {e}",
                path.display()
            )),
        }
    }

    fn remember(&self, workspace_id: &str, head: &ChainHead) -> Result<(), String> {
        self.create_dir()?;
        let text = format!(
            "{MAGIC}\nworkspace {workspace_id}\nevents {}\nhash {}\n",
            head.events, head.hash
        );
        write_atomically(&self.file_for(workspace_id), &text)
    }

    fn location(&self, workspace_id: &str) -> String {
        self.file_for(workspace_id).display().to_string()
    }

    fn recall_file(&self, file: &Path) -> Result<Option<String>, String> {
        let record = self.record_for_file(file);
        match fs::read_to_string(&record) {
            Ok(text) => parse_file_record(&text)
                .map(Some)
                .ok_or_else(|| format!("the audit witness {} is damaged", record.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!(
                "cannot read the audit witness {}: {e}",
                record.display()
            )),
        }
    }

    fn remember_file(&self, file: &Path, workspace_id: &str) -> Result<(), String> {
        self.create_dir()?;
        let text = format!(
            "{FILE_MAGIC}\nworkspace-hex {}\npath {}\n",
            hex::encode(workspace_id.as_bytes()),
            file.display()
        );
        write_atomically(&self.record_for_file(file), &text)
    }

    fn file_location(&self, file: &Path) -> String {
        self.record_for_file(file).display().to_string()
    }
}

/// An in-process witness for tests.
#[derive(Debug, Default)]
pub struct MemoryWitness {
    heads: Mutex<HashMap<String, ChainHead>>,
    files: Mutex<HashMap<PathBuf, String>>,
}

impl Witness for MemoryWitness {
    fn recall(&self, workspace_id: &str) -> Result<Option<ChainHead>, String> {
        let heads = self
            .heads
            .lock()
            .map_err(|_| "witness lock poisoned".to_owned())?;
        Ok(heads.get(workspace_id).cloned())
    }

    fn remember(&self, workspace_id: &str, head: &ChainHead) -> Result<(), String> {
        let mut heads = self
            .heads
            .lock()
            .map_err(|_| "witness lock poisoned".to_owned())?;
        heads.insert(workspace_id.to_owned(), head.clone());
        Ok(())
    }

    fn location(&self, workspace_id: &str) -> String {
        format!("memory:{workspace_id}")
    }

    fn recall_file(&self, file: &Path) -> Result<Option<String>, String> {
        let files = self
            .files
            .lock()
            .map_err(|_| "witness lock poisoned".to_owned())?;
        Ok(files.get(file).cloned())
    }

    fn remember_file(&self, file: &Path, workspace_id: &str) -> Result<(), String> {
        let mut files = self
            .files
            .lock()
            .map_err(|_| "witness lock poisoned".to_owned())?;
        files.insert(file.to_owned(), workspace_id.to_owned());
        Ok(())
    }

    fn file_location(&self, file: &Path) -> String {
        format!("memory:{}", file.display())
    }
}

/// No witness (no state directory): every call says why.
#[derive(Debug, Clone)]
pub struct NoWitness {
    reason: String,
}

impl NoWitness {
    /// A witness that always answers `Err(reason)`.
    pub fn new(reason: impl Into<String>) -> NoWitness {
        NoWitness {
            reason: reason.into(),
        }
    }
}

impl Witness for NoWitness {
    fn recall(&self, _workspace_id: &str) -> Result<Option<ChainHead>, String> {
        Err(self.reason.clone())
    }

    fn remember(&self, _workspace_id: &str, _head: &ChainHead) -> Result<(), String> {
        Err(self.reason.clone())
    }

    fn location(&self, _workspace_id: &str) -> String {
        "nowhere".to_owned()
    }

    fn recall_file(&self, _file: &Path) -> Result<Option<String>, String> {
        Err(self.reason.clone())
    }

    fn remember_file(&self, _file: &Path, _workspace_id: &str) -> Result<(), String> {
        Err(self.reason.clone())
    }

    fn file_location(&self, _file: &Path) -> String {
        "nowhere".to_owned()
    }
}

/// The witness in the user's state directory, or a [`NoWitness`] saying why not.
pub fn system_witness() -> Box<dyn Witness> {
    match FileWitness::in_state_dir() {
        Ok(witness) => Box::new(witness),
        Err(reason) => Box::new(NoWitness::new(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(events: i64, fill: char) -> ChainHead {
        ChainHead {
            events,
            hash: fill.to_string().repeat(64),
        }
    }

    #[test]
    fn file_witness_round_trips_privately_and_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let witness = FileWitness::new(dir.path().join("state/latchkey"));
        assert_eq!(witness.recall("abc123").unwrap(), None);
        witness.remember("abc123", &head(5, 'a')).unwrap();
        witness.remember("abc123", &head(9, 'b')).unwrap();
        assert_eq!(witness.recall("abc123").unwrap(), Some(head(9, 'b')));
        assert_eq!(witness.recall("other").unwrap(), None);
        let files: Vec<_> = fs::read_dir(dir.path().join("state/latchkey"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, vec!["abc123.witness"], "no temporary file is left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&witness.file_for("abc123")), 0o600);
            assert_eq!(mode(&dir.path().join("state/latchkey")), 0o700);
        }
    }

    #[test]
    fn a_hostile_id_stays_inside_the_directory_and_damage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let witness = FileWitness::new(dir.path());
        let path = witness.file_for("../../etc/passwd");
        assert_eq!(path.parent(), Some(dir.path()));
        witness.remember("../../etc/passwd", &head(2, 'c')).unwrap();
        assert_eq!(
            witness.recall("../../etc/passwd").unwrap(),
            Some(head(2, 'c'))
        );
        fs::write(witness.file_for("abc"), "garbage").unwrap();
        assert!(witness.recall("abc").unwrap_err().contains("damaged"));
    }

    #[test]
    fn path_records_round_trip_any_id_and_damage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let witness = FileWitness::new(dir.path().join("state"));
        let file = dir.path().join("a\nworkspace.latchkey");
        assert_eq!(witness.recall_file(&file).unwrap(), None);
        witness.remember_file(&file, "abc\nevents 9").unwrap();
        assert_eq!(
            witness.recall_file(&file).unwrap().as_deref(),
            Some("abc\nevents 9")
        );
        let record = witness.record_for_file(&file);
        assert_eq!(record.parent(), Some(dir.path().join("state").as_path()));
        assert_eq!(
            witness.recall_file(&dir.path().join("other")).unwrap(),
            None
        );
        fs::write(&record, "garbage").unwrap();
        assert!(witness.recall_file(&file).unwrap_err().contains("damaged"));
    }
}
