//! The Import… dialog (R-VLT-12): a file chosen with the desktop's file
//! dialog or typed, its password for a KeePass database, a preview of what
//! will be created, then a progress bar while it is created in one
//! transaction. The reading and the import run off the window's thread; this
//! form only says where they are.

use super::forms::SecretText;
use crate::domain::import::ImportSummary;
use crate::domain::{EntryId, FieldErrors, VaultId};

/// Where the import stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ImportStage {
    /// Choosing the file (and typing its password).
    #[default]
    Choosing,
    /// The desktop's file dialog is open.
    Browsing,
    /// The file is being read (a KeePass database is decrypted first).
    Reading,
    /// Read: this many folders and items will be created.
    Ready(ImportSummary),
    /// Being created: `done` of `total`.
    Importing {
        /// Created so far.
        done: usize,
        /// To create.
        total: usize,
    },
    /// Created: what was.
    Done(ImportSummary),
}

/// The dialog's state.
#[derive(Debug, Clone)]
pub struct ImportForm {
    /// The vault imported into.
    pub vault: VaultId,
    /// The folder imported into, or `None` for the vault's top.
    pub into: Option<EntryId>,
    /// Where, for people: "Finance" or "Finance / Servers".
    pub target: String,
    /// The file's path, chosen or typed.
    pub path: String,
    /// The KeePass database's password (not asked for a CSV file).
    pub password: SecretText,
    /// Where it stands.
    pub stage: ImportStage,
    /// Messages next to the file and password fields.
    pub errors: FieldErrors,
    /// A failure of the import itself ("nothing was imported: …").
    pub error: Option<String>,
    /// The file dialog closed without a file (or none could open here: the
    /// typed path is the way then).
    pub no_file_chosen: bool,
}

impl ImportForm {
    /// A new dialog importing into `vault` (below `into`), shown as `target`.
    pub fn new(vault: VaultId, into: Option<EntryId>, target: String) -> ImportForm {
        ImportForm {
            vault,
            into,
            target,
            path: String::new(),
            password: SecretText::default(),
            stage: ImportStage::Choosing,
            errors: FieldErrors::default(),
            error: None,
            no_file_chosen: false,
        }
    }

    /// Whether the typed path names a KeePass database (so its password is asked).
    pub fn is_kdbx(&self) -> bool {
        self.path.trim().to_ascii_lowercase().ends_with(".kdbx")
    }

    /// Whether work runs that the dialog must wait for (it cannot be closed
    /// while the import writes).
    pub fn is_busy(&self) -> bool {
        matches!(
            self.stage,
            ImportStage::Browsing | ImportStage::Reading | ImportStage::Importing { .. }
        )
    }

    /// The progress bar's fraction while importing.
    pub fn fraction(&self) -> Option<f32> {
        match self.stage {
            ImportStage::Importing { done, total } if total > 0 => {
                Some((done as f32 / total as f32).clamp(0.0, 1.0))
            }
            ImportStage::Importing { .. } => Some(0.0),
            _ => None,
        }
    }

    /// A new file or password makes the last reading stale.
    pub fn edited(&mut self) {
        if matches!(self.stage, ImportStage::Ready(_) | ImportStage::Done(_)) {
            self.stage = ImportStage::Choosing;
        }
        self.errors = FieldErrors::default();
        self.error = None;
        self.no_file_chosen = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ImportForm {
        ImportForm::new(VaultId(1), None, "Finance".into())
    }

    #[test]
    fn a_kdbx_path_asks_for_its_password_whatever_its_case() {
        let mut form = form();
        form.path = "/home/ana/Passwords.KDBX ".into();
        assert!(form.is_kdbx());
        form.path = "/home/ana/export.csv".into();
        assert!(!form.is_kdbx());
    }

    #[test]
    fn progress_is_a_fraction_only_while_importing() {
        let mut form = form();
        assert_eq!(form.fraction(), None);
        form.stage = ImportStage::Importing {
            done: 250,
            total: 1000,
        };
        assert_eq!(form.fraction(), Some(0.25));
        form.stage = ImportStage::Importing { done: 0, total: 0 };
        assert_eq!(form.fraction(), Some(0.0));
        assert!(form.is_busy());
    }

    #[test]
    fn editing_after_reading_asks_to_read_again() {
        let mut form = form();
        form.stage = ImportStage::Ready(ImportSummary::default());
        form.error = Some("nothing was imported".into());
        form.edited();
        assert_eq!(form.stage, ImportStage::Choosing);
        assert_eq!(form.error, None);
    }
}
