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
///
/// A key file that anyone but its owner may read or change is refused, the
/// way OpenSSH refuses such a private key: whoever read it can decrypt every
/// secret of the workspace, and going on quietly would keep it exposed. The
/// message names the file, its mode and the fix.
pub fn read_key_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the key file {}: {e}", path.display())),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The mode of the file we opened, not of whatever the path names now.
        let mode = file
            .metadata()
            .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "the key file {path} can be read or changed by other users (mode {mode:o}), so Latchkey will not use it: anyone who read it can decrypt this workspace's secrets; make it private with `chmod 600 {path}`",
                path = path.display(),
                mode = mode & 0o777
            ));
        }
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text)
        .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
    hex::decode(text.trim())
        .map(Some)
        .map_err(|_| format!("the key file {} is damaged", path.display()))
}

/// Writes a new key file readable and writable only by its owner from its
/// first byte, and syncs it; refuses to overwrite an existing one.
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

    /// Issue 10, item 6: a key file others may read is refused, saying how to fix it.
    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = key_file_for(&dir.path().join("work.latchkey"));
        write_key_file(&path, &[1, 2, 3]).unwrap();
        for mode in [0o644, 0o640, 0o606, 0o620] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let err = read_key_file(&path).unwrap_err();
            assert!(
                err.contains("other users") && err.contains("chmod 600"),
                "{mode:o}: {err}"
            );
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(read_key_file(&path).unwrap(), Some(vec![1, 2, 3]));
    }
}
