//! The fallback for the workspace key: a file beside the workspace that only
//! its owner can read (R-SEC-1).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key file that belongs to a workspace file: `PATH.key`.
pub fn key_file_for(workspace: &Path) -> PathBuf {
    let mut name = workspace.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// Reads the key file; `Ok(None)` if it does not exist.
pub fn read_key_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match fs::read_to_string(path) {
        Ok(text) => hex::decode(text.trim())
            .map(Some)
            .map_err(|_| format!("the key file {} is damaged", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read the key file {}: {e}", path.display())),
    }
}

/// Writes a new key file readable and writable only by its owner; refuses to
/// overwrite an existing one.
pub fn write_key_file(path: &Path, key: &[u8]) -> Result<(), String> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create the key file {}: {e}", path.display()))?;
    file.write_all(hex::encode(key).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write the key file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = key_file_for(&dir.path().join("work.latchkey"));
        assert_eq!(read_key_file(&path).unwrap(), None);
        write_key_file(&path, &[1, 2, 3]).unwrap();
        assert_eq!(read_key_file(&path).unwrap(), Some(vec![1, 2, 3]));
        assert!(
            write_key_file(&path, &[9]).is_err(),
            "an existing key is never overwritten"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
