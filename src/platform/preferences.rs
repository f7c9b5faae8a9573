//! The person's window preferences on this computer (R-DSK-3), kept in one
//! small JSON file in the user's configuration directory
//! (`$XDG_CONFIG_HOME/latchkey/preferences.json`, by default
//! `~/.config/latchkey/preferences.json`), replaced atomically.
//!
//! A missing file means the defaults; a file that cannot be read or parsed
//! also gives the defaults (with the reason), so a damaged file never keeps
//! the window from opening.

use crate::domain::preferences::Preferences;
use std::fs;
use std::path::{Path, PathBuf};

/// The preferences file at one path (injectable, so tests use a temporary one).
#[derive(Debug, Clone)]
pub struct PreferencesFile {
    path: PathBuf,
}

impl PreferencesFile {
    /// The file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> PreferencesFile {
        PreferencesFile { path: path.into() }
    }

    /// The user's file: `$XDG_CONFIG_HOME/latchkey/preferences.json`, or
    /// `~/.config/latchkey/preferences.json` (`super::places::config_dir`).
    pub fn in_config_dir() -> Result<PreferencesFile, String> {
        Ok(PreferencesFile::at(
            super::places::config_dir()?.join("preferences.json"),
        ))
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored preferences; the defaults if there is no file yet, and
    /// `Err` (with the reason) if it cannot be read or understood.
    pub fn load(&self) -> Result<Preferences, String> {
        match fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("cannot understand {}: {e}", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Preferences::default()),
            Err(e) => Err(format!("cannot read {}: {e}", self.path.display())),
        }
    }

    /// Remembers `preferences` instead of what was stored.
    pub fn save(&self, preferences: &Preferences) -> Result<(), String> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(preferences)
            .map_err(|e| format!("cannot write the preferences: {e}"))?;
        super::witness::write_atomically(&self.path, &format!("{text}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::preferences::ThemeChoice;

    #[test]
    fn a_choice_is_remembered_and_a_missing_or_damaged_file_is_survived() {
        let dir = tempfile::tempdir().unwrap();
        let file = PreferencesFile::at(dir.path().join("latchkey/preferences.json"));
        assert_eq!(file.load(), Ok(Preferences::default()));
        assert_eq!(Preferences::default().theme, ThemeChoice::FollowDesktop);

        let dark = Preferences {
            theme: ThemeChoice::Dark,
        };
        file.save(&dark).unwrap();
        assert_eq!(file.load(), Ok(dark));
        let text = fs::read_to_string(file.path()).unwrap();
        assert!(text.contains("\"theme\": \"dark\""), "{text}");

        // A file without the field (an older version) reads as the default.
        fs::write(file.path(), "{}").unwrap();
        assert_eq!(file.load(), Ok(Preferences::default()));
        fs::write(file.path(), "not json").unwrap();
        assert!(file.load().unwrap_err().contains("cannot understand"));
    }
}
