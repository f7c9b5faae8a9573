//! What the window knows of the audit chain (R-AUD-2, R-BEY-12).
//!
//! When a workspace file is opened, the whole chain is verified on a
//! background thread with its own connection (a 100 000-event log takes a
//! noticeable fraction of a second, too long to hold the first frame), and
//! compared with this computer's witness. After that, whenever the data may
//! have changed (an intent, another process's commit), only the events added
//! since the last verified head are checked: one indexed read plus the new
//! events, never a whole walk per frame. A chain that is broken or no longer
//! extends what this computer saw is reported until the window closes.
//! A check that could not run (no head verified yet) is tried again, whole,
//! the next time the data may have changed.

use crate::domain::audit::ChainHead;
use crate::platform::witness::Witness;
use crate::service::{
    AuditCheck, AuditVerdict, WitnessOutcome, Workspace, check_audit_file, remember_created_file,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

/// The window's view of the audit chain.
pub struct AuditWatch {
    witness: Arc<dyn Witness>,
    /// The head this window last verified; later checks start from it.
    known: Option<ChainHead>,
    /// Why the log cannot be trusted; stays until the window closes.
    problem: Option<String>,
    /// A weaker check than usual (no witness, a check that could not run).
    note: Option<String>,
    /// A file whose whole chain is to be verified in the background.
    pending_file: Option<PathBuf>,
    /// The file whose whole chain was last to be verified, to try again.
    file: Option<PathBuf>,
    background: Option<Receiver<Result<AuditCheck, String>>>,
    /// The chain may have grown since `known`.
    due: bool,
}

impl AuditWatch {
    /// Nothing checked yet.
    pub fn new(witness: Arc<dyn Witness>) -> AuditWatch {
        AuditWatch {
            witness,
            known: None,
            problem: None,
            note: None,
            pending_file: None,
            file: None,
            background: None,
            due: false,
        }
    }

    /// Verifies the whole chain of the workspace file at `path` on a
    /// background thread, started on the next frame.
    pub fn verify_file_later(&mut self, path: PathBuf) {
        self.file = Some(path.clone());
        self.pending_file = Some(path);
    }

    /// Records that the workspace file at `path` was just created as
    /// `workspace`, so that a new workspace where another one was is not
    /// taken for a replacement.
    pub fn record_created(&mut self, path: &Path, workspace: &mut Workspace) {
        let recorded = workspace
            .id()
            .map_err(|e| e.to_string())
            .and_then(|id| remember_created_file(self.witness.as_ref(), path, &id));
        if let Err(reason) = recorded {
            self.note = Some(format!("audit witness not kept: {reason}"));
        }
    }

    /// Verifies the whole chain of `workspace` now (workspaces in memory,
    /// and ones just created, whose chains are short).
    pub fn verify_now(&mut self, workspace: &mut Workspace) {
        let check = workspace
            .check_audit(self.witness.as_ref())
            .map_err(|e| e.to_string());
        self.absorb(check);
    }

    /// The chain may have grown: check what was added on the next frame.
    pub fn mark_changed(&mut self) {
        self.due = true;
    }

    /// Why the audit log cannot be trusted, if it cannot.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// A note about a weaker check (no witness, or a check that could not run).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Per-frame work: starts the background verification, picks up its
    /// result, and checks what was added when due. Runs SQL only when due.
    pub fn logic(&mut self, ctx: &egui::Context, workspace: Option<&mut Workspace>) {
        if let Some(path) = self.pending_file.take() {
            self.start_background(path, ctx.clone());
        }
        if let Some(receiver) = &self.background {
            match receiver.try_recv() {
                Ok(check) => {
                    self.background = None;
                    self.absorb(check);
                    // Whatever was written meanwhile is checked from the new
                    // head; a check that could not run waits for a change.
                    self.due = self.known.is_some();
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.background = None;
                    self.note = Some("the audit log could not be verified".into());
                }
            }
        }
        if !self.due || self.background.is_some() || self.problem.is_some() {
            return;
        }
        match (self.known.clone(), workspace) {
            (Some(known), Some(workspace)) => {
                self.due = false;
                let check = workspace
                    .check_audit_since(&known, self.witness.as_ref())
                    .map_err(|e| e.to_string());
                self.absorb(check);
            }
            // No head verified yet (the first check could not run): the
            // whole chain again, in the background for a file.
            (None, workspace) => {
                if let Some(path) = self.file.clone() {
                    self.due = false;
                    self.start_background(path, ctx.clone());
                } else if let Some(workspace) = workspace {
                    self.due = false;
                    self.verify_now(workspace);
                }
            }
            (Some(_), None) => {}
        }
    }

    fn start_background(&mut self, path: PathBuf, ctx: egui::Context) {
        let (sender, receiver) = channel();
        let witness = Arc::clone(&self.witness);
        let started = std::thread::Builder::new()
            .name("latchkey-audit-verify".into())
            .spawn(move || {
                // Its own connection, read-only where the file cannot be written.
                let check =
                    check_audit_file(&path, witness.as_ref(), None).map_err(|e| e.to_string());
                let _ = sender.send(check);
                ctx.request_repaint();
            });
        match started {
            Ok(_) => self.background = Some(receiver),
            Err(e) => self.note = Some(format!("the audit log could not be verified: {e}")),
        }
    }

    fn absorb(&mut self, check: Result<AuditCheck, String>) {
        match check {
            Ok(check) => {
                // A later check that ran clears the note of an earlier one.
                self.note = match &check.witness {
                    WitnessOutcome::Unavailable(reason) => {
                        Some(format!("audit witness not kept: {reason}"))
                    }
                    _ => None,
                };
                match &check.verdict {
                    AuditVerdict::Intact { .. } => {
                        if let Some(head) = check.head {
                            self.known = Some(head);
                        }
                    }
                    AuditVerdict::Broken(broken) => {
                        self.problem = Some(broken.to_string());
                    }
                }
            }
            Err(reason) => {
                self.note = Some(format!("the audit log could not be verified: {reason}"));
            }
        }
    }
}
