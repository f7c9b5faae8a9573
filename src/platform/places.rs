//! Where Latchkey keeps a person's files, after the XDG base directory
//! specification (through the `dirs` crate, which also ignores a relative
//! `XDG_*` value as the specification asks):
//!
//! - data: `$XDG_DATA_HOME/latchkey` (`~/.local/share/latchkey`) — the
//!   default workspace;
//! - config: `$XDG_CONFIG_HOME/latchkey` (`~/.config/latchkey`) — the
//!   preferences file;
//! - state: `$XDG_STATE_HOME/latchkey` (`~/.local/state/latchkey`) — the
//!   audit witness and the window's size and position.

use std::fs;
use std::path::{Path, PathBuf};

/// The folder name under each base directory.
const APP_DIR: &str = "latchkey";

/// Latchkey's data directory; `Err` says why there is none.
pub fn data_dir() -> Result<PathBuf, String> {
    dirs::data_dir()
        .map(|dir| dir.join(APP_DIR))
        .ok_or_else(|| "no data directory: neither XDG_DATA_HOME nor HOME is set".to_owned())
}

/// Latchkey's config directory; `Err` says why there is none.
pub fn config_dir() -> Result<PathBuf, String> {
    dirs::config_dir()
        .map(|dir| dir.join(APP_DIR))
        .ok_or_else(|| "no config directory: neither XDG_CONFIG_HOME nor HOME is set".to_owned())
}

/// Latchkey's state directory; `Err` says why there is none.
pub fn state_dir() -> Result<PathBuf, String> {
    dirs::state_dir()
        .map(|dir| dir.join(APP_DIR))
        .ok_or_else(|| "no state directory: neither XDG_STATE_HOME nor HOME is set".to_owned())
}

/// Creates `dir` and its missing parents, the new ones private to the owner
/// (0700): the state directory holds the audit witness.
pub fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}
