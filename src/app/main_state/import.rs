//! Import… in the window (R-VLT-12): the file dialog, reading the file and
//! creating what it holds each run on a thread of their own, so the window
//! keeps drawing its progress bar; the import itself is the service's one
//! transaction, on a second connection to the same workspace, checked there
//! like any other change.

use super::MainState;
use crate::app::job::Job;
use crate::app::view::forms::Dialog;
use crate::app::view::import::{ImportForm, ImportStage};
use crate::app::view::intent::ImportIntent;
use crate::domain::import::{ImportPlan, ImportSummary};
use crate::domain::{EntryId, Field, Timestamp};
use crate::platform::import::{ImportError, ImportFormat, read_csv, read_kdbx};
use crate::service::ServiceError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The import's work off the window's thread, beside its dialog.
pub(super) enum ImportWork {
    /// The desktop's file dialog is open; it answers with a path, or nothing.
    Browsing(Job<Option<PathBuf>>),
    /// The file is being read.
    Reading(Job<Result<ImportPlan, ImportError>>),
    /// Read, waiting for Import.
    Read(Arc<ImportPlan>),
    /// Being created, in one transaction.
    Importing {
        job: Job<Result<ImportSummary, ServiceError>>,
        plan: Arc<ImportPlan>,
    },
}

impl MainState {
    pub(super) fn apply_import(&mut self, intent: ImportIntent, now: Timestamp) {
        match intent {
            ImportIntent::Open { into } => self.open_import(into),
            ImportIntent::Browse => self.browse_for_import(),
            ImportIntent::Read => self.read_import_file(),
            ImportIntent::Start => self.start_import(now),
        }
    }

    fn import_form(&mut self) -> Option<&mut ImportForm> {
        match &mut self.dialog {
            Dialog::Import(form) => Some(form),
            _ => None,
        }
    }

    fn open_import(&mut self, into: Option<EntryId>) {
        let Some(vault) = self.view.vault else {
            return;
        };
        let vault_name = self
            .view
            .vaults
            .iter()
            .find(|v| v.id == vault)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        let target = match into {
            Some(folder) => format!("{vault_name} / {}", self.view.tree.path(folder)),
            None => vault_name,
        };
        self.import = None;
        self.dialog = Dialog::Import(Box::new(ImportForm::new(vault, into, target)));
    }

    /// Opens the desktop's file dialog (the portal) on a thread; where none
    /// can open it answers at once with nothing, and the typed path remains.
    fn browse_for_import(&mut self) {
        let wake = self.wake.clone();
        let Some(form) = self.import_form() else {
            return;
        };
        let title = format!("Import into {}", form.target);
        let started = Job::start("file-dialog", wake, move |_| {
            rfd::FileDialog::new()
                .set_title(title)
                .add_filter("KeePass database or KeePassXC CSV export", &["kdbx", "csv"])
                .pick_file()
        });
        match started {
            Ok(job) => {
                form.edited();
                form.stage = ImportStage::Browsing;
                self.import = Some(ImportWork::Browsing(job));
            }
            Err(e) => form.error = Some(format!("no file dialog could be opened: {e}")),
        }
    }

    /// Checks the typed path and password, then reads the file on a thread.
    fn read_import_file(&mut self) {
        let wake = self.wake.clone();
        let Some(form) = self.import_form() else {
            return;
        };
        form.edited();
        let path = PathBuf::from(form.path.trim());
        let format = match check_import_path(&path) {
            Ok(format) => format,
            Err(message) => {
                form.errors.push(Field::File, message);
                return;
            }
        };
        let password = Zeroizing::new(form.password.as_str().to_owned());
        let started = Job::start("import-reader", wake, move |_| match format {
            ImportFormat::Kdbx => read_kdbx(&path, &password),
            ImportFormat::Csv => read_csv(&path),
        });
        match started {
            Ok(job) => {
                form.stage = ImportStage::Reading;
                self.import = Some(ImportWork::Reading(job));
            }
            Err(e) => form.error = Some(format!("the file could not be read: {e}")),
        }
    }

    /// Imports what was read, on a second connection to the workspace (the
    /// window's own stays free to draw); in one transaction at `now`.
    fn start_import(&mut self, now: Timestamp) {
        let plan = match self.import.take() {
            Some(ImportWork::Read(plan)) => plan,
            // Nothing read yet, or already importing (a second click).
            other => {
                self.import = other;
                return;
            }
        };
        let Dialog::Import(form) = &mut self.dialog else {
            return;
        };
        let (vault, into, total) = (form.vault, form.into, plan.summary().total());
        form.error = None;
        let session = self.session.clone();
        let result = match self.workspace.second_handle() {
            Some(Ok(mut workspace)) => {
                let shared = Arc::clone(&plan);
                Job::start("import", self.wake.clone(), move |progress| {
                    let mut report = |done, total| progress.report(done, total);
                    let result = workspace.import(&session, vault, into, &shared, &mut report, now);
                    drop(workspace);
                    result
                })
                .map_err(|e| format!("the import could not be started: {e}"))
            }
            Some(Err(e)) => Err(format!("the workspace could not be opened again: {e}")),
            // No second way in (an in-memory workspace): import here, in
            // this frame, without a moving progress bar.
            None => {
                let result =
                    self.workspace
                        .import(&session, vault, into, &plan, &mut |_, _| {}, now);
                self.finish_import(result, &plan, now);
                return;
            }
        };
        match result {
            Ok(job) => {
                form.stage = ImportStage::Importing { done: 0, total };
                self.import = Some(ImportWork::Importing { job, plan });
            }
            Err(message) => {
                form.error = Some(message);
                self.import = Some(ImportWork::Read(plan));
            }
        }
    }

    /// Picks up what the import's threads finished; true when an import
    /// was committed (the window then reads the workspace again).
    pub(super) fn poll_import(&mut self, now: Timestamp) -> bool {
        if !matches!(self.dialog, Dialog::Import(_)) {
            // Closed (Cancel, or the window locked): the reading is dropped.
            // An import already writing finishes on its own thread.
            self.import = None;
            return false;
        }
        if self.import.is_none()
            && let Some(form) = self.import_form()
            && form.is_busy()
        {
            // Put back after the window locked: the work it waited for is gone.
            form.stage = ImportStage::Choosing;
        }
        match self.import.take() {
            Some(ImportWork::Browsing(job)) => match job.try_finish() {
                None => self.import = Some(ImportWork::Browsing(job)),
                Some(chosen) => {
                    if let Some(form) = self.import_form() {
                        form.stage = ImportStage::Choosing;
                        match chosen {
                            Some(path) => form.path = path.display().to_string(),
                            None => form.no_file_chosen = true,
                        }
                    }
                }
            },
            Some(ImportWork::Reading(job)) => match job.try_finish() {
                None => self.import = Some(ImportWork::Reading(job)),
                Some(read) => self.finish_reading(read),
            },
            Some(ImportWork::Importing { job, plan }) => match job.try_finish() {
                None => {
                    let (done, total) = job.progress();
                    if let Some(form) = self.import_form()
                        && total > 0
                    {
                        form.stage = ImportStage::Importing { done, total };
                    }
                    self.import = Some(ImportWork::Importing { job, plan });
                }
                Some(result) => return self.finish_import(result, &plan, now),
            },
            other => self.import = other,
        }
        false
    }

    fn finish_reading(&mut self, read: Result<ImportPlan, ImportError>) {
        let Some(form) = self.import_form() else {
            return;
        };
        form.stage = ImportStage::Choosing;
        match read {
            Ok(plan) => {
                let summary = plan.summary();
                if summary.total() == 0 {
                    form.errors
                        .push(Field::File, "the file holds nothing to import");
                    return;
                }
                form.stage = ImportStage::Ready(summary);
                self.import = Some(ImportWork::Read(Arc::new(plan)));
            }
            Err(e @ ImportError::WrongPassword(_)) => {
                form.errors.push(Field::Password, e.to_string());
            }
            Err(e) => form.errors.push(Field::File, e.to_string()),
        }
    }

    fn finish_import(
        &mut self,
        result: Result<ImportSummary, ServiceError>,
        plan: &Arc<ImportPlan>,
        now: Timestamp,
    ) -> bool {
        let imported = result.is_ok();
        if let Some(form) = self.import_form() {
            match result {
                Ok(summary) => form.stage = ImportStage::Done(summary),
                Err(e) => {
                    form.stage = ImportStage::Ready(plan.summary());
                    form.error = Some(format!("Nothing was imported: {e}"));
                }
            }
        }
        if imported {
            self.refresh_all(now);
        } else {
            self.import = Some(ImportWork::Read(Arc::clone(plan)));
        }
        imported
    }
}

/// Which reader `path` needs, or why it cannot be read: a message for the
/// file field.
fn check_import_path(path: &Path) -> Result<ImportFormat, String> {
    if path.as_os_str().is_empty() {
        return Err("choose a file, or type its path".into());
    }
    let Some(format) = ImportFormat::of(path) else {
        return Err(format!(
            "{} is neither a .kdbx KeePass database nor a .csv export",
            path.display()
        ));
    };
    if !path.is_file() {
        return Err(format!("there is no file at {}", path.display()));
    }
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_checked_before_any_reading() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let csv = dir.path().join("export.csv");
        std::fs::write(&csv, "x").expect("written");
        assert_eq!(check_import_path(&csv), Ok(ImportFormat::Csv));
        assert!(check_import_path(Path::new("")).is_err());
        let missing = check_import_path(&dir.path().join("gone.kdbx"));
        assert!(missing.is_err_and(|m| m.starts_with("there is no file at")));
        let other = check_import_path(&dir.path().join("notes.txt"));
        assert!(other.is_err_and(|m| m.contains("neither a .kdbx")));
    }
}
