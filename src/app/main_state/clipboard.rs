//! A secret Latchkey put on the clipboard is cleared in time — at the
//! workspace's delay, when the grant that allowed it ends, at sign-out and at
//! exit — and only if it is still there (issue 10).

use super::MainState;
use crate::domain::permission::Permission;
use crate::domain::{EntryId, Timestamp};
use crate::platform::clipboard::Clipboard;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// What Latchkey put on the clipboard: enough to clear it in time, and only
/// if it is still there. It keeps a salted fingerprint of the text, not the text.
struct CopiedSecretRecord {
    salt: [u8; 16],
    fingerprint: [u8; 32],
    /// The entry it came from; its access is checked again on every refresh.
    entry_id: EntryId,
    /// The workspace's clear delay, or the end of the grant that allowed the
    /// copy if that comes first.
    clear_at: Timestamp,
}

impl CopiedSecretRecord {
    fn new(text: &str, entry_id: EntryId, clear_at: Timestamp) -> CopiedSecretRecord {
        let mut salt = [0; 16];
        // Without randomness the fingerprint is merely unsalted; it still
        // recognises the text.
        let _ = getrandom::fill(&mut salt);
        CopiedSecretRecord {
            fingerprint: fingerprint(&salt, text),
            salt,
            entry_id,
            clear_at,
        }
    }

    fn is_on(&self, text: &str) -> bool {
        fingerprint(&self.salt, text) == self.fingerprint
    }
}

fn fingerprint(salt: &[u8; 16], text: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(salt)
        .chain_update(text.as_bytes())
        .finalize()
        .into()
}

/// The clipboard, and the secret Latchkey last put there.
pub(super) struct ClipboardGuard {
    clipboard: Arc<dyn Clipboard>,
    copied: Option<CopiedSecretRecord>,
}

impl ClipboardGuard {
    pub(super) fn new(clipboard: Arc<dyn Clipboard>) -> ClipboardGuard {
        ClipboardGuard {
            clipboard,
            copied: None,
        }
    }

    /// When the copied secret must go, if one waits.
    pub(super) fn clear_at(&self) -> Option<Timestamp> {
        self.copied.as_ref().map(|c| c.clear_at)
    }

    /// Whether the copied secret's time is up at `now`.
    pub(super) fn clear_due(&self, now: Timestamp) -> bool {
        self.clear_at().is_some_and(|at| now >= at)
    }
}

impl MainState {
    /// Whether a copied secret still waits to be cleared.
    pub fn has_pending_clipboard_clear(&self) -> bool {
        self.clipboard.copied.is_some()
    }

    /// Puts `text` on the clipboard; a secret (`secret_of`: its entry, and
    /// when it must go) is remembered so it can be cleared then. Says so in
    /// the status bar if the clipboard cannot be used.
    pub(super) fn put_on_clipboard(
        &mut self,
        text: &str,
        secret_of: Option<(EntryId, Timestamp)>,
    ) -> bool {
        match self.clipboard.clipboard.set_text(text) {
            Ok(()) => {
                if let Some((entry_id, clear_at)) = secret_of {
                    self.clipboard.copied = Some(CopiedSecretRecord::new(text, entry_id, clear_at));
                }
                true
            }
            Err(e) => {
                self.view.status.set_error(e);
                false
            }
        }
    }

    /// Clears the clipboard if it still holds the secret Latchkey put there
    /// (at the delay, when the grant ends, at sign-out and at exit); text the
    /// person copied since is left alone (issue 10).
    pub fn clear_copied_secret(&mut self) {
        let Some(copied) = self.clipboard.copied.take() else {
            return;
        };
        let still_ours = match self.clipboard.clipboard.text() {
            Ok(text) => text.is_some_and(|t| copied.is_on(&t)),
            // Unreadable: clearing is the safe side.
            Err(_) => true,
        };
        if still_ours {
            match self.clipboard.clipboard.clear() {
                Ok(()) => self.view.status.set_notice("Clipboard cleared"),
                Err(e) => self.view.status.set_error(e),
            }
        }
    }

    /// Clears a copied secret whose access is gone (revoked, released, the
    /// account disabled) or can no longer be checked.
    pub(super) fn check_copied_access(&mut self, now: Timestamp) {
        let Some(entry) = self.clipboard.copied.as_ref().map(|c| c.entry_id) else {
            return;
        };
        let still_allowed = self
            .workspace
            .entry_access(&self.session, entry, now)
            .is_ok_and(|a| a.permissions.contains(Permission::ViewPassword));
        if !still_allowed {
            self.clear_copied_secret();
        }
    }
}
