//! Reading other password managers' files for import (R-VLT-12): KeePass
//! databases and KeePassXC's CSV export. Each reader turns a file into a
//! domain [`ImportPlan`]; nothing is stored here.

mod csv;
mod kdbx;

pub use self::csv::parse_csv;
pub use self::kdbx::parse_kdbx;

use crate::domain::import::ImportPlan;
use std::path::Path;
use zeroize::Zeroizing;

/// Why a file could not be read; never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {file}: {reason}")]
    Io {
        /// The file's name.
        file: String,
        /// The system's reason.
        reason: String,
    },
    /// The KeePass database's password is wrong (or it needs a key file).
    #[error("the password of {0} is wrong (databases that need a key file are not supported)")]
    WrongPassword(String),
    /// Not a KeePass database this reader understands, or damaged.
    #[error("{file} is not a KeePass database that can be read: {reason}")]
    NotKdbx {
        /// The file's name.
        file: String,
        /// What went wrong.
        reason: String,
    },
    /// A CSV file that is not KeePassXC's export, or has a bad row.
    #[error("{file}: {reason}")]
    Csv {
        /// The file's name.
        file: String,
        /// What is wrong, naming the row.
        reason: String,
    },
}

/// Which reader a file needs, by its name's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// A `.kdbx` KeePass database: needs its password.
    Kdbx,
    /// A `.csv` export.
    Csv,
}

impl ImportFormat {
    /// The format of `path` by its extension (case-insensitive), if known.
    pub fn of(path: &Path) -> Option<ImportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "kdbx" => Some(ImportFormat::Kdbx),
            "csv" => Some(ImportFormat::Csv),
            _ => None,
        }
    }
}

/// The file's name without its directory, as the audit event records it.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads a KeePass database with its password.
pub fn read_kdbx(path: &Path, password: &str) -> Result<ImportPlan, ImportError> {
    let name = file_name(path);
    let data = Zeroizing::new(std::fs::read(path).map_err(|e| ImportError::Io {
        file: name.clone(),
        reason: e.to_string(),
    })?);
    parse_kdbx(&data, password, &name)
}

/// Reads a KeePassXC CSV export.
pub fn read_csv(path: &Path) -> Result<ImportPlan, ImportError> {
    let name = file_name(path);
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| ImportError::Io {
        file: name.clone(),
        reason: e.to_string(),
    })?);
    let text = std::str::from_utf8(&bytes).map_err(|_| ImportError::Csv {
        file: name.clone(),
        reason: "the file is not UTF-8 text".into(),
    })?;
    parse_csv(text, &name)
}
