//! The vault tree and the selected entry: choosing what is shown, and the
//! entry's own commands (view, copy, connect), each checked by the service.

use super::{MainState, report};
use crate::app::present;
use crate::app::view::forms::SecretText;
use crate::app::view::intent::{CopyWhat, VaultIntent};
use crate::app::view::screen::{DependencyView, EntryDetail};
use crate::app::view::tree::TreeModel;
use crate::domain::connect::command_for;
use crate::domain::entry::Entry;
use crate::domain::permission::Permission;
use crate::domain::{EntryId, Span, Timestamp, VaultId};
use crate::platform::launcher::Launcher;
use crate::service::{SecretUse, ServiceError};
use zeroize::Zeroizing;

impl MainState {
    pub(super) fn apply_vault(
        &mut self,
        intent: &VaultIntent,
        now: Timestamp,
        launcher: &dyn Launcher,
    ) {
        match intent {
            VaultIntent::SelectVault(vault) => self.select_vault(*vault, now),
            VaultIntent::SelectEntry(id) => self.select_entry(*id, now),
            VaultIntent::ToggleFolder(id) => self.view.tree.toggle(*id),
            VaultIntent::SetFilter(text) => self.view.tree.set_filter(text),
            VaultIntent::RevealPassword(id) => {
                let result =
                    self.workspace
                        .reveal_secret(&self.session, *id, SecretUse::Reveal, now);
                // Refreshed first: a refusal stays in the status bar.
                self.refresh_detail(now);
                if let Some(secret) = report(&mut self.view.status, result) {
                    self.view.revealed = Some((*id, SecretText::new(secret)));
                }
            }
            VaultIntent::HidePassword => self.view.revealed = None,
            VaultIntent::Copy(id, what) => self.copy(*id, *what, now),
            VaultIntent::Connect(id) => self.connect(*id, launcher, now),
            VaultIntent::ShowDashboard => {
                self.view.detail = None;
                self.view.revealed = None;
                self.refresh_dashboard(now);
                self.refresh_rights(now);
            }
        }
    }

    /// `vault`'s entries for its tree, noting the entry revision they were
    /// read at (see `tree_is_stale`); a failure goes to the status bar.
    pub(super) fn read_tree_entries(
        &mut self,
        vault: VaultId,
        now: Timestamp,
    ) -> Option<Vec<Entry>> {
        // Read before the entries: a change in between shows at the next refresh.
        self.tree_revision = self.workspace.entry_revision(vault, now).ok();
        report(
            &mut self.view.status,
            self.workspace.entries(&self.session, vault, now),
        )
    }

    pub(super) fn select_vault(&mut self, vault: VaultId, now: Timestamp) {
        let Some(entries) = self.read_tree_entries(vault, now) else {
            return;
        };
        let filter = self.view.tree.filter().to_owned();
        self.view.vault = Some(vault);
        self.view.tree = TreeModel::new(entries);
        self.view.tree.set_filter(&filter);
        self.view.detail = None;
        self.view.revealed = None;
        self.refresh_access(now);
        self.refresh_rights(now);
    }

    pub(super) fn select_entry(&mut self, id: EntryId, now: Timestamp) {
        if self.view.selected() != Some(id) {
            self.view.revealed = None;
        }
        self.view.tree.reveal(id);
        let detail = self.load_detail(id, now);
        self.view.detail = detail;
        self.update_banner(now);
        self.refresh_rights(now);
    }

    pub(super) fn refresh_access(&mut self, now: Timestamp) {
        let Some(vault) = self.view.vault else { return };
        match report(
            &mut self.view.status,
            self.workspace.vault_access(&self.session, vault, now),
        ) {
            Some(access) => self.view.tree.refresh_locks(&access, now),
            // Whatever failed, a password must not stay on screen on the
            // strength of an older read (issue 10).
            None => self.view.revealed = None,
        }
    }

    /// Reloads the selected entry; if that fails, what was shown stays, but
    /// never its password.
    pub(super) fn refresh_detail(&mut self, now: Timestamp) {
        let Some(id) = self.view.selected() else {
            return;
        };
        if let Some(detail) = self.load_detail(id, now) {
            self.view.detail = Some(detail);
            self.update_banner(now);
        }
    }

    /// An entry's detail as it is now; `None` (and no password shown) if it
    /// cannot be read.
    fn load_detail(&mut self, id: EntryId, now: Timestamp) -> Option<EntryDetail> {
        let Some(entry) = self.view.tree.entry(id).cloned() else {
            self.view.revealed = None;
            return None;
        };
        let loaded = (|| {
            let access = self.workspace.entry_access(&self.session, id, now)?;
            let dependencies = self.workspace.dependencies(id, now)?;
            let requests = self.workspace.entry_requests(&self.session, id, now)?;
            let approves_here = self
                .workspace
                .approves_in(&self.session, entry.vault_id, now)?;
            Ok::<_, ServiceError>((access, dependencies, requests, approves_here))
        })();
        let Some((access, dependencies, requests, approves_here)) =
            report(&mut self.view.status, loaded)
        else {
            // A disabled account, a lost connection, anything: hide the password.
            self.view.revealed = None;
            return None;
        };
        let tree = &self.view.tree;
        let dependencies = dependencies
            .iter()
            .filter_map(|d| tree.entry(d.depends_on).map(|e| (d, e)))
            .map(|(d, e)| DependencyView {
                name: e.name.clone(),
                role: d.role.required_kind().label(),
                is_locked: tree.is_locked(e.id),
            })
            .collect();
        if self.view.revealed.as_ref().is_some_and(|(e, _)| *e == id)
            && !access.permissions.contains(Permission::ViewPassword)
        {
            // R-TIME-2: a revealed password hides when access ends.
            self.view.revealed = None;
        }
        if access.is_locked != self.view.tree.is_locked(id) {
            // The tree's locks are older than what was just read: refresh them too.
            self.refresh_access(now);
        }
        Some(EntryDetail {
            entry,
            path: self.view.tree.path(id),
            access,
            dependencies,
            requests,
            banner: None,
            approves_here,
        })
    }

    fn copy(&mut self, id: EntryId, what: CopyWhat, now: Timestamp) {
        let session = self.session.clone();
        let copied = match what {
            CopyWhat::Username => {
                // Checked and audited by the service like the other copies.
                let username = self.workspace.copy_username(&session, id, now);
                // Refreshed first: a refusal stays in the status bar.
                self.refresh_detail(now);
                if let Some(username) = report(&mut self.view.status, username)
                    && self.put_on_clipboard(&username, None)
                {
                    self.view.status.set_notice("User name copied");
                }
                return;
            }
            CopyWhat::Password | CopyWhat::UsernameAndPassword => {
                let copied = self.workspace.copy_secret(&session, id, now);
                self.refresh_detail(now);
                let Some(copied) = report(&mut self.view.status, copied) else {
                    return;
                };
                copied
            }
        };
        let text = if what == CopyWhat::Password {
            copied.password
        } else {
            let mut both = Zeroizing::new(String::with_capacity(
                copied.username.len() + 1 + copied.password.len(),
            ));
            both.push_str(&copied.username);
            both.push('\n');
            both.push_str(&copied.password);
            both
        };
        let delay = Span::secs(i64::from(self.view.settings.clipboard_clear_secs));
        let clear_at = copied
            .access_ends_at
            .map_or(now + delay, |end| end.min(now + delay));
        if self.put_on_clipboard(&text, Some((id, clear_at))) {
            let copied = if what == CopyWhat::Password {
                "Password"
            } else {
                "User name and password"
            };
            self.view.status.set_notice(format!(
                "{copied} copied; the clipboard clears in {}",
                present::duration(clear_at.since(now))
            ));
        }
    }

    fn connect(&mut self, id: EntryId, launcher: &dyn Launcher, now: Timestamp) {
        // The service starts the program between its permission check and
        // the audit event, so a failed start is recorded as failed.
        let result = self.workspace.connect(&self.session, id, launcher, now);
        // Refreshed first: what happened stays in the status bar.
        self.refresh_detail(now);
        let status = &mut self.view.status;
        match result {
            Ok(entry) => {
                // Issue 12: say what was started, not only that something was.
                let argv = command_for(&self.view.settings.connect_templates, &entry);
                status.set_notice(match argv.as_deref().ok().and_then(<[String]>::first) {
                    Some(program) => format!("Started {program} for {}", entry.name),
                    None => format!("Opening {}…", entry.name),
                });
            }
            // Issue 12: why nothing could start, with the entry it was for.
            Err(ServiceError::LaunchFailed(why)) => {
                let name = self
                    .view
                    .tree
                    .entry(id)
                    .map_or_else(|| "the entry".to_owned(), |e| e.name.clone());
                status.set_error(format!("{name} could not be opened: {why}"));
            }
            Err(e) => status.set_error(e.to_string()),
        }
    }
}
