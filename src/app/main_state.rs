//! The signed-in window: the loaded vault, the selected entry, the dialog,
//! and how each intent is carried out through the service.

mod decisions;

use super::banner::{BannerView, banner, relevant_request};
use super::expiring_lead;
use super::forms::{Dialog, RequestForm, SecretText, TermsInput};
use super::intent::{CopyWhat, Intent};
use super::requests_table::RequestsTable;
use super::tree::TreeModel;
use super::watcher::ChangeWatcher;
use crate::domain::access::VaultAccess;
use crate::domain::entry::Entry;
use crate::domain::permission::{Permission, PermissionSet};
use crate::domain::request::{NewRequest, Request};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::vault::Vault;
use crate::domain::{EntryId, Field, FieldErrors, RequestId, Span, Timestamp, UserId, VaultId};
use crate::platform::clipboard::Clipboard;
use crate::platform::launcher::Launcher;
use crate::service::{EntryAccess, SecretUse, ServiceError, Session, Workspace};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use zeroize::Zeroizing;

/// How long the window waits before trying again when another program holds
/// the workspace's write lock.
const LOCK_RETRY: Span = Span::secs(1);

/// One dependency of the selected entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyView {
    /// Its name.
    pub name: String,
    /// "Credentials" or "VPN".
    pub role: &'static str,
    /// Whether the user lacks its main permission.
    pub is_locked: bool,
}

/// The selected entry, as loaded.
#[derive(Debug, Clone)]
pub struct EntryDetail {
    /// The entry.
    pub entry: Entry,
    /// Its place in the tree.
    pub path: String,
    /// The user's permissions on it when loaded.
    pub access: EntryAccess,
    /// What it depends on.
    pub dependencies: Vec<DependencyView>,
    /// The user's requests on it, newest first.
    pub requests: Vec<Request>,
    /// The Temporary Access banner at the current frame.
    pub banner: Option<BannerView>,
}

/// A secret Latchkey put on the clipboard: enough to clear it in time, and
/// only if it is still there (issue 10). It keeps a salted fingerprint of
/// the text, not the text.
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

/// Everything about a signed-in window.
pub struct MainState {
    workspace: Workspace,
    /// Who is signed in.
    pub session: Session,
    /// The workspace's name.
    pub workspace_name: String,
    /// Where it lives.
    pub location: String,
    /// Where its key is.
    pub key_status: String,
    /// Workspace settings.
    pub settings: WorkspaceSettings,
    /// Vaults the user sees.
    pub vaults: Vec<Vault>,
    /// The vault shown.
    pub vault: Option<VaultId>,
    /// Its tree.
    pub tree: TreeModel,
    access: VaultAccess,
    /// The filter box's text.
    pub filter: String,
    /// The selected entry.
    pub selected: Option<EntryId>,
    /// Its details.
    pub detail: Option<EntryDetail>,
    /// The open dialog.
    pub dialog: Dialog,
    /// A password being shown, and for which entry.
    pub revealed: Option<(EntryId, SecretText)>,
    /// Display names by user.
    pub names: HashMap<UserId, String>,
    /// Every permission set.
    pub sets: Vec<PermissionSet>,
    /// The last error, for the status bar.
    pub last_error: Option<String>,
    /// The last success worth saying ("Password copied; clears in 30 s").
    pub notice: Option<String>,
    /// The instant of the current frame.
    pub now: Timestamp,
    /// Requests waiting for this user's decision (newest first, at most 50).
    pub inbox: Vec<Request>,
    /// How many wait in all (the badge).
    pub inbox_count: i64,
    /// The "Temporary access requests" window, when open.
    pub requests_window: Option<RequestsTable>,
    /// The request the details dialog shows.
    pub details_request: Option<Request>,
    /// Emergency grants this user may review.
    pub reviews: Vec<Request>,
    /// This user's pending, scheduled and active access.
    pub my_access: Vec<Request>,
    entry_names: HashMap<EntryId, String>,
    clipboard: Arc<dyn Clipboard>,
    copied: Option<CopiedSecretRecord>,
    /// `last_error` is about the person's last action (a refusal, a failed
    /// start): a background refresh must not wipe it. A refused action
    /// commits its audit event, which the change watcher reports as a change.
    error_from_action: bool,
    next_tick_at: Option<Timestamp>,
    watcher: Option<ChangeWatcher>,
    watcher_tried: bool,
    /// Since when another program has held the workspace's write lock, so
    /// that time's bookkeeping could not run; the status bar says so.
    pub waiting_for_lock_since: Option<Timestamp>,
    lock_retry_at: Option<Timestamp>,
}

/// Keeps a failure for the status bar (each error is shown once, not logged too).
fn report<T>(last_error: &mut Option<String>, result: Result<T, ServiceError>) -> Option<T> {
    match result {
        Ok(value) => {
            *last_error = None;
            Some(value)
        }
        Err(e) => {
            *last_error = Some(e.to_string());
            None
        }
    }
}

impl MainState {
    /// Loads the first vault for a fresh session. On failure the workspace is handed back.
    pub fn load(
        mut workspace: Workspace,
        session: Session,
        clipboard: Arc<dyn Clipboard>,
        now: Timestamp,
    ) -> Result<MainState, Box<(Workspace, ServiceError)>> {
        let loaded = (|| {
            workspace.set_lock_wait(super::WINDOW_LOCK_WAIT)?;
            let workspace_name = workspace.name(now)?;
            let settings = workspace.settings(now)?;
            let vaults = workspace.vaults(&session, now)?;
            let names = workspace
                .users(now)?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect();
            let sets = workspace.permission_sets(now)?;
            let next_tick_at = workspace.next_tick_at(now)?;
            Ok::<_, ServiceError>((workspace_name, settings, vaults, names, sets, next_tick_at))
        })();
        let (workspace_name, settings, vaults, names, sets, next_tick_at) = match loaded {
            Ok(parts) => parts,
            Err(e) => return Err(Box::new((workspace, e))),
        };
        let mut state = MainState {
            location: workspace.location(),
            key_status: workspace.key_status().to_string(),
            workspace,
            session,
            workspace_name,
            settings,
            vault: None,
            vaults,
            tree: TreeModel::default(),
            access: VaultAccess::default(),
            filter: String::new(),
            selected: None,
            detail: None,
            dialog: Dialog::None,
            revealed: None,
            names,
            sets,
            last_error: None,
            notice: None,
            now,
            inbox: Vec::new(),
            inbox_count: 0,
            reviews: Vec::new(),
            requests_window: None,
            details_request: None,
            my_access: Vec::new(),
            entry_names: HashMap::new(),
            clipboard,
            copied: None,
            error_from_action: false,
            next_tick_at,
            watcher: None,
            watcher_tried: false,
            waiting_for_lock_since: None,
            lock_retry_at: None,
        };
        if let Some(first) = state.vaults.first().map(|v| v.id) {
            state.select_vault(first);
        }
        state.refresh_dashboard();
        Ok(state)
    }

    /// The open workspace, for tests and tools that check what was stored.
    pub fn workspace(&mut self) -> &mut Workspace {
        &mut self.workspace
    }

    /// Gives the workspace back (sign out).
    pub fn into_workspace(self) -> Workspace {
        self.workspace
    }

    fn name_of(&self, id: UserId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    }

    fn select_vault(&mut self, vault: VaultId) {
        let now = self.now;
        let Some(entries) = report(
            &mut self.last_error,
            self.workspace.entries(&self.session, vault, now),
        ) else {
            return;
        };
        self.vault = Some(vault);
        self.tree = TreeModel::new(entries);
        self.tree.set_filter(&self.filter);
        self.selected = None;
        self.detail = None;
        self.revealed = None;
        self.refresh_access();
    }

    fn refresh_access(&mut self) {
        let Some(vault) = self.vault else { return };
        let now = self.now;
        match report(
            &mut self.last_error,
            self.workspace.vault_access(&self.session, vault, now),
        ) {
            Some(access) => {
                self.tree.refresh_locks(&access, now);
                self.access = access;
            }
            // Whatever failed, a password must not stay on screen on the
            // strength of an older read (issue 10).
            None => self.revealed = None,
        }
    }

    fn refresh_detail(&mut self) {
        let Some(id) = self.selected else {
            self.detail = None;
            return;
        };
        let now = self.now;
        let Some(entry) = self.tree.entry(id).cloned() else {
            self.revealed = None;
            return;
        };
        let loaded = (|| {
            let access = self.workspace.entry_access(&self.session, id, now)?;
            let dependencies = self.workspace.dependencies(id, now)?;
            let requests = self.workspace.entry_requests(&self.session, id, now)?;
            Ok::<_, ServiceError>((access, dependencies, requests))
        })();
        let Some((access, dependencies, requests)) = report(&mut self.last_error, loaded) else {
            // A disabled account, a lost connection, anything: hide the password.
            self.revealed = None;
            return;
        };
        let dependencies = dependencies
            .iter()
            .filter_map(|d| self.tree.entry(d.depends_on).map(|e| (d, e)))
            .map(|(d, e)| DependencyView {
                name: e.name.clone(),
                role: d.role.required_kind().label(),
                is_locked: self.tree.is_locked(e.id),
            })
            .collect();
        if self.revealed.as_ref().is_some_and(|(e, _)| *e == id)
            && !access.permissions.contains(Permission::ViewPassword)
        {
            // R-TIME-2: a revealed password hides when access ends.
            self.revealed = None;
        }
        if access.is_locked != self.tree.is_locked(id) {
            // The tree's locks are older than what was just read: refresh them too.
            self.refresh_access();
        }
        let path = self.tree.path(id);
        self.detail = Some(EntryDetail {
            entry,
            path,
            access,
            dependencies,
            requests,
            banner: None,
        });
        self.update_banner();
    }

    fn update_banner(&mut self) {
        let now = self.now;
        let lead = expiring_lead(&self.settings);
        let names = self.names.clone();
        let name_of = move |id: UserId| names.get(&id).cloned().unwrap_or_default();
        if let Some(detail) = &mut self.detail {
            detail.banner =
                relevant_request(&detail.requests, now).map(|r| banner(r, now, lead, &name_of));
        }
    }

    /// Everything after other processes' commits: names, settings, locks, the selection.
    fn refresh_all(&mut self) {
        let action_error = self
            .error_from_action
            .then(|| self.last_error.clone())
            .flatten();
        self.refresh_all_parts();
        if self.last_error.is_none() {
            self.last_error = action_error;
        }
    }

    fn refresh_all_parts(&mut self) {
        let now = self.now;
        if let Some(names) = report(&mut self.last_error, self.workspace.users(now)) {
            self.names = names.into_iter().map(|u| (u.id, u.display_name)).collect();
        }
        if let Some(settings) = report(&mut self.last_error, self.workspace.settings(now)) {
            self.settings = settings;
        }
        self.next_tick_at =
            report(&mut self.last_error, self.workspace.next_tick_at(now)).flatten();
        self.refresh_access();
        self.refresh_detail();
        self.refresh_dashboard();
        if self.requests_window.is_some() {
            self.load_requests_window();
        }
        self.check_copied_access();
    }

    /// Starts the change watcher once a window context exists.
    pub fn ensure_watcher(&mut self, ctx: &egui::Context) {
        if !self.watcher_tried {
            self.watcher_tried = true;
            self.watcher = self
                .workspace
                .change_probe()
                .map(|probe| ChangeWatcher::start(probe, ctx.clone()));
            if self.watcher.is_none() && self.location != ":memory:" {
                self.last_error = Some(
                    "live updates from other windows are off: the workspace could not be watched"
                        .into(),
                );
            }
        }
    }

    /// Whether a copied secret still waits to be cleared.
    pub fn has_pending_clipboard_clear(&self) -> bool {
        self.copied.is_some()
    }

    /// Puts `text` on the clipboard; a secret (`secret_of`: its entry, and
    /// when it must go) is remembered so it can be cleared then. Says so in
    /// the status bar if the clipboard cannot be used.
    fn put_on_clipboard(&mut self, text: &str, secret_of: Option<(EntryId, Timestamp)>) -> bool {
        match self.clipboard.set_text(text) {
            Ok(()) => {
                if let Some((entry_id, clear_at)) = secret_of {
                    self.copied = Some(CopiedSecretRecord::new(text, entry_id, clear_at));
                }
                true
            }
            Err(e) => {
                self.last_error = Some(e);
                false
            }
        }
    }

    /// Clears the clipboard if it still holds the secret Latchkey put there
    /// (at the delay, when the grant ends, at sign-out and at exit); text the
    /// person copied since is left alone (issue 10).
    pub fn clear_copied_secret(&mut self) {
        let Some(copied) = self.copied.take() else {
            return;
        };
        let still_ours = match self.clipboard.text() {
            Ok(text) => text.is_some_and(|t| copied.is_on(&t)),
            // Unreadable: clearing is the safe side.
            Err(_) => true,
        };
        if still_ours {
            match self.clipboard.clear() {
                Ok(()) => self.notice = Some("Clipboard cleared".into()),
                Err(e) => self.last_error = Some(e),
            }
        }
    }

    /// Clears a copied secret whose access is gone (revoked, released, the
    /// account disabled) or can no longer be checked.
    fn check_copied_access(&mut self) {
        let Some(entry) = self.copied.as_ref().map(|c| c.entry_id) else {
            return;
        };
        let now = self.now;
        let still_allowed = self
            .workspace
            .entry_access(&self.session, entry, now)
            .is_ok_and(|a| a.permissions.contains(Permission::ViewPassword));
        if !still_allowed {
            self.clear_copied_secret();
        }
    }

    /// Per-frame work at `now`; runs SQL only when something changed or fell
    /// due. Returns whether the stored data changed (another process, or a tick).
    pub fn logic(&mut self, now: Timestamp) -> bool {
        self.now = now;
        if self.copied.as_ref().is_some_and(|c| now >= c.clear_at) {
            self.clear_copied_secret();
        }
        let mut changed = self
            .watcher
            .as_ref()
            .is_some_and(ChangeWatcher::take_changed);
        let lock_retry_due = self.lock_retry_at.is_none_or(|at| now >= at);
        if lock_retry_due && self.next_tick_at.is_some_and(|at| now >= at) {
            match self.workspace.tick(now) {
                Err(e) if e.is_locked_by_another() => {
                    // Another program holds the write lock. Waiting for it here
                    // would freeze the window: say so and try again shortly.
                    self.waiting_for_lock_since.get_or_insert(now);
                    self.lock_retry_at = Some(now + LOCK_RETRY);
                }
                result => {
                    if self.waiting_for_lock_since.take().is_some() {
                        // Whatever happened while we waited is read again below.
                        changed = true;
                    }
                    self.lock_retry_at = None;
                    if let Some(report) = report(&mut self.last_error, result) {
                        changed |= !report.is_empty();
                    }
                    self.next_tick_at =
                        report(&mut self.last_error, self.workspace.next_tick_at(now)).flatten();
                }
            }
        }
        if changed {
            self.refresh_all();
        } else if self.tree.locks_valid_until().is_some_and(|at| now >= at) {
            // A grant started or ended: locks, the entry's access, a revealed password.
            self.refresh_access();
            self.refresh_detail();
        }
        self.update_banner();
        changed
    }

    /// When the next frame is needed: a countdown second, a deadline, the clipboard.
    pub fn next_wake_at(&self, now: Timestamp) -> Option<Timestamp> {
        let banner = self
            .detail
            .as_ref()
            .and_then(|d| d.banner.as_ref())
            .and_then(|b| b.next_change_at);
        // The dashboard's "My temporary access" counts down only while shown.
        let dashboard = self
            .detail
            .is_none()
            .then(|| self.my_access_next_change(now))
            .flatten();
        [
            banner,
            dashboard,
            self.tree.locks_valid_until(),
            self.next_tick_at,
            self.copied.as_ref().map(|c| c.clear_at),
            self.lock_retry_at,
        ]
        .into_iter()
        .flatten()
        .filter(|at| *at > now)
        .min()
    }

    /// Carries out an intent.
    pub fn apply(&mut self, intent: &Intent, now: Timestamp, launcher: &dyn Launcher) {
        self.now = now;
        self.error_from_action = false;
        self.apply_intent(intent, now, launcher);
        self.error_from_action = self.last_error.is_some();
    }

    fn apply_intent(&mut self, intent: &Intent, now: Timestamp, launcher: &dyn Launcher) {
        match intent {
            Intent::SelectVault(vault) => self.select_vault(*vault),
            Intent::Select(id) => {
                if self.selected != Some(*id) {
                    self.revealed = None;
                }
                self.selected = Some(*id);
                self.tree.reveal(*id);
                self.refresh_detail();
            }
            Intent::ToggleFolder(id) => self.tree.toggle(*id),
            Intent::FilterChanged => {
                let filter = self.filter.clone();
                self.tree.set_filter(&filter);
            }
            Intent::AskForAccess(_) if !self.settings.temporary_access_enabled => {
                self.last_error =
                    Some("you don't have access to this entry, and temporary access is disabled in this workspace".into());
            }
            Intent::AskForAccess(id) => {
                if let Some(entry) = self.tree.entry(*id) {
                    self.dialog = Dialog::AskAccess {
                        entry_id: *id,
                        name: entry.name.clone(),
                    };
                }
            }
            Intent::OpenRequestDialog(id) => self.open_request_dialog(*id, None),
            Intent::RequestExtension(request_id) => {
                let original = self
                    .detail
                    .as_ref()
                    .and_then(|d| d.requests.iter().find(|r| r.id == *request_id))
                    .cloned();
                if let Some(original) = original {
                    self.open_request_dialog(original.entry_id, Some(&original));
                }
            }
            Intent::SendRequest => self.send_request(),
            Intent::CloseDialog => self.dialog = Dialog::None,
            Intent::ShowDetails(id) => {
                let session = self.session.clone();
                let loaded = self.workspace.request(&session, *id, now);
                self.details_request = report(&mut self.last_error, loaded);
                self.dialog = Dialog::Details(*id);
            }
            Intent::CancelRequest(id) => {
                let result = self.workspace.cancel(&self.session, *id, now);
                if report(&mut self.last_error, result).is_some() {
                    self.notice = Some("Request cancelled".into());
                    self.dialog = Dialog::None;
                }
                self.refresh_detail();
            }
            Intent::AskRevoke(id) => {
                self.dialog = Dialog::ConfirmRevoke {
                    request_id: *id,
                    reason: String::new(),
                    error: None,
                }
            }
            Intent::AskRelease(id) => {
                self.dialog = Dialog::ConfirmRelease {
                    request_id: *id,
                    note: String::new(),
                    error: None,
                }
            }
            Intent::Revoke | Intent::Release => self.end_grant(intent),
            Intent::RevealPassword(id) => {
                let result =
                    self.workspace
                        .reveal_secret(&self.session, *id, SecretUse::Reveal, now);
                // Refreshed first: a refusal stays in the status bar.
                self.refresh_detail();
                if let Some(secret) = report(&mut self.last_error, result) {
                    self.revealed = Some((*id, SecretText::new(secret)));
                }
            }
            Intent::HidePassword => self.revealed = None,
            Intent::Copy(id, what) => self.copy(*id, *what),
            Intent::Connect(id) => self.connect(*id, launcher),
            Intent::ShowDashboard => {
                self.selected = None;
                self.detail = None;
                self.revealed = None;
                self.refresh_dashboard();
            }
            Intent::OpenResponse(id) => self.open_response(*id),
            Intent::Approve => self.decide(true),
            Intent::Deny => self.decide(false),
            Intent::MarkReviewed(id) => self.mark_reviewed(*id),
            Intent::OpenRequestsWindow => self.load_requests_window(),
            Intent::CloseRequestsWindow => self.requests_window = None,
            Intent::SortRequests(column) => {
                if let Some(table) = &mut self.requests_window {
                    table.sort_by(*column);
                }
            }
            Intent::RequestsFilterChanged => {
                if let Some(table) = &mut self.requests_window {
                    table.filters_changed();
                }
            }
            Intent::SelectRequest(id) => {
                if let Some(table) = &mut self.requests_window {
                    table.selected = Some(*id);
                }
            }
            Intent::MoveRequestSelection(delta) => {
                if let Some(table) = &mut self.requests_window {
                    table.move_selection(*delta);
                }
            }
            Intent::ToggleRequestChecked(id) => {
                if let Some(table) = &mut self.requests_window
                    && !table.checked.remove(id)
                {
                    table.checked.insert(*id);
                }
            }
            Intent::DecideChecked(approve) => self.decide_checked(*approve),
            Intent::OpenDirectGrant(id) => self.open_direct_grant(*id),
            Intent::SendDirectGrant => self.send_direct_grant(),
            Intent::CreateDemoWorkspace
            | Intent::CreateEmptyWorkspace
            | Intent::SignIn
            | Intent::SignOut => {}
        }
    }

    fn open_request_dialog(&mut self, entry_id: EntryId, extends: Option<&Request>) {
        let now = self.now;
        let Some(entry) = self.tree.entry(entry_id).cloned() else {
            return;
        };
        let eligible = self
            .workspace
            .eligible_approvers(entry.vault_id, &self.session, now);
        let Some(approvers) = report(&mut self.last_error, eligible) else {
            return;
        };
        let dependencies = report(
            &mut self.last_error,
            self.workspace.dependencies(entry_id, now),
        )
        .unwrap_or_default();
        let covers = dependencies
            .iter()
            .filter_map(|d| self.tree.entry(d.depends_on))
            .map(|e| e.name.clone())
            .collect();
        let mut sets = self.sets.clone();
        // Least privilege first: the smallest set that unlocks the main action.
        sets.sort_by_key(|s| s.permissions.iter().count());
        let main = entry.kind.main_permission();
        let default_set = sets
            .iter()
            .position(|s| main.is_some_and(|p| s.permissions.contains(p)))
            .unwrap_or(0);
        let start_at = Timestamp((now.millis() / 300_000 + 1) * 300_000);
        let mut terms = TermsInput::new(
            self.settings.preset_durations_mins.clone(),
            sets,
            default_set,
            start_at,
            start_at + Span::hours(1),
        );
        terms.offers_custom = true;
        terms.first_use = Some(false);
        let mut form = RequestForm {
            entry_id,
            entry_path: self.tree.path(entry_id),
            covers,
            terms,
            approver_index: None,
            approver_filter: String::new(),
            approvers,
            message: String::new(),
            extends: None,
            errors: FieldErrors::default(),
        };
        if let Some(original) = extends {
            // R-REQ-9: same approver, permission set and message.
            form.extends = Some(original.id);
            form.terms
                .choose_set(original.effective_terms().permission_set_id);
            form.approver_index = form
                .approvers
                .iter()
                .position(|u| Some(u.id) == original.approver_id);
            form.message.clone_from(&original.message);
        }
        self.dialog = Dialog::Request(Box::new(form));
    }

    fn send_request(&mut self) {
        let now = self.now;
        let Dialog::Request(form) = &mut self.dialog else {
            return;
        };
        form.errors = FieldErrors::default();
        let terms = match form.terms.terms() {
            Ok(terms) => terms,
            Err(e) => {
                form.errors = e.field_errors().cloned().unwrap_or_default();
                return;
            }
        };
        let approver = form.approver_index.and_then(|i| form.approvers.get(i));
        let draft = NewRequest {
            entry_id: form.entry_id,
            terms,
            approver_id: approver.map(|u| u.id),
            message: form.message.clone(),
            start_on_first_use: form.terms.starts_on_first_use(),
            extends_request_id: form.extends,
        };
        let approver_name = approver.map(|u| u.display_name.clone()).unwrap_or_default();
        let entry_name = form.entry_path.clone();
        match self.workspace.request_access(&self.session, &draft, now) {
            Ok(_) => {
                self.dialog = Dialog::Sent {
                    message: format!(
                        "Your request for {entry_name} was sent to {approver_name}. You will be told when it is decided."
                    ),
                };
                self.last_error = None;
                self.refresh_detail();
            }
            Err(e) => match e.field_errors() {
                // Shown next to the fields; the form keeps what was typed.
                Some(errors) => form.errors = errors.clone(),
                None => form.errors.push(Field::Workspace, e.to_string()),
            },
        }
    }

    fn end_grant(&mut self, intent: &Intent) {
        let now = self.now;
        let (result, done) = match (&self.dialog, intent) {
            (
                Dialog::ConfirmRevoke {
                    request_id, reason, ..
                },
                Intent::Revoke,
            ) => (
                self.workspace
                    .revoke(&self.session, *request_id, reason, now),
                "Access revoked",
            ),
            (
                Dialog::ConfirmRelease {
                    request_id, note, ..
                },
                Intent::Release,
            ) => (
                self.workspace
                    .release(&self.session, *request_id, note, now),
                "Access released",
            ),
            _ => return,
        };
        match result {
            Ok(()) => {
                self.dialog = Dialog::None;
                self.notice = Some(done.into());
                self.revealed = None;
                self.check_copied_access();
                self.refresh_access();
                self.refresh_detail();
                self.refresh_dashboard();
                if self.requests_window.is_some() {
                    self.load_requests_window();
                }
            }
            Err(e) => match &mut self.dialog {
                Dialog::ConfirmRevoke { error, .. } | Dialog::ConfirmRelease { error, .. } => {
                    *error = Some(e.to_string());
                }
                _ => {}
            },
        }
    }

    fn copy(&mut self, id: EntryId, what: CopyWhat) {
        let now = self.now;
        let session = self.session.clone();
        let copied = match what {
            CopyWhat::Username => {
                // Checked and audited by the service like the other copies.
                let username = self.workspace.copy_username(&session, id, now);
                // Refreshed first: a refusal stays in the status bar.
                self.refresh_detail();
                if let Some(username) = report(&mut self.last_error, username)
                    && self.put_on_clipboard(&username, None)
                {
                    self.notice = Some("User name copied".into());
                }
                return;
            }
            CopyWhat::Password | CopyWhat::UsernameAndPassword => {
                let copied = self.workspace.copy_secret(&session, id, now);
                self.refresh_detail();
                let Some(copied) = report(&mut self.last_error, copied) else {
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
        let delay = Span::secs(i64::from(self.settings.clipboard_clear_secs));
        let clear_at = copied
            .access_ends_at
            .map_or(now + delay, |end| end.min(now + delay));
        if self.put_on_clipboard(&text, Some((id, clear_at))) {
            self.notice = Some(format!(
                "Password copied; the clipboard clears in {}",
                clear_at.since(now).human()
            ));
        }
    }

    fn connect(&mut self, id: EntryId, launcher: &dyn Launcher) {
        let now = self.now;
        // The service starts the program between its permission check and
        // the audit event, so a failed start is recorded as failed.
        let result = self.workspace.connect(&self.session, id, launcher, now);
        // Refreshed first: a failure stays in the status bar.
        self.refresh_detail();
        if let Some(entry) = report(&mut self.last_error, result) {
            self.notice = Some(format!("Opening {}…", entry.name));
        }
    }

    /// The name of a user, for views.
    pub fn display_name(&self, id: UserId) -> String {
        self.name_of(id)
    }

    /// The name of a permission set, for views.
    pub fn set_name(&self, id: crate::domain::PermissionSetId) -> String {
        self.sets
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| format!("set {id}"), |s| s.name.clone())
    }

    /// The request the details dialog shows.
    pub fn request(&self, id: RequestId) -> Option<&Request> {
        self.details_request
            .as_ref()
            .filter(|r| r.id == id)
            .or_else(|| self.detail.as_ref()?.requests.iter().find(|r| r.id == id))
    }
}
