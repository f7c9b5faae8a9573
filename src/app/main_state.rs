//! The signed-in window: its view (what was loaded), its dialog (what the
//! person edits), and how each intent is carried out through the service.
//! Each group of intents is applied in its own file: `vault.rs`,
//! `requester.rs`, `decisions.rs`, `requests_window.rs`, `notifications.rs`;
//! the clipboard's secret is looked after in `clipboard.rs`, desktop
//! notifications in `desktop.rs`. The instant of the frame is an
//! argument everywhere: nothing here keeps a copy of it.

mod admin;
mod admin_vaults;
mod audit_log;
mod clipboard;
mod decisions;
mod desktop;
mod editing;
mod emergency;
mod explain;
mod import;
mod notifications;
mod requester;
mod requests_window;
mod search;
mod vault;

use super::expiring_lead;
use super::job::Job;
use super::view::admin::AdminView;
use super::view::audit_log::AuditLogView;
use super::view::banner::{banner, relevant_request};
use super::view::editing::EditRightsView;
use super::view::forms::Dialog;
use super::view::intent::Intent;
use super::view::notifications::NotificationsView;
use super::view::screen::{Dashboard, MainView, Names, StatusLine};
use super::view::search::SearchView;
use super::view::tree::TreeModel;
use super::watcher::ChangeWatcher;
use crate::domain::{Span, Timestamp};
use crate::platform::clipboard::Clipboard;
use crate::platform::launcher::Launcher;
use crate::platform::notifier::Notifier;
use crate::service::{KeyLocation, ServiceError, Session, Workspace};
use clipboard::ClipboardGuard;
use desktop::DesktopDelivery;
use std::sync::Arc;

/// How long the window waits before trying again when another program holds
/// the workspace's write lock.
const LOCK_RETRY: Span = Span::secs(1);

/// Whether other processes' commits are being watched.
enum Watching {
    /// Not yet: it starts with the first frame's window context.
    NotStarted,
    /// A background thread watches.
    Running(ChangeWatcher),
    /// The workspace cannot be watched (in memory, or the probe failed).
    Off,
}

/// The signed-in window.
pub struct MainState {
    workspace: Workspace,
    /// Who is signed in.
    pub session: Session,
    /// What the window shows.
    pub view: MainView,
    /// The open dialog, which the person edits in place.
    pub dialog: Dialog,
    /// The Administration window, while open; its forms are edited in place.
    pub admin: Option<AdminView>,
    /// The Audit log window, while open; its forms are edited in place.
    pub audit_log: Option<AuditLogView>,
    /// The Audit log window's work off the window's thread.
    audit_jobs: audit_log::AuditJobs,
    clipboard: ClipboardGuard,
    desktop: DesktopDelivery,
    watching: Watching,
    /// When time's bookkeeping (expiries, lapses) next falls due.
    next_tick_at: Option<Timestamp>,
    /// When one of the user's time-bound memberships next starts or ends
    /// (R-REQ-12): the vaults are read again then.
    membership_change_at: Option<Timestamp>,
    /// When to try again after another program held the write lock.
    lock_retry_at: Option<Timestamp>,
    /// This connection's `data_version` when the watcher last woke the
    /// window (see [`MainState::others_committed`]).
    seen_data_version: Option<i64>,
    /// The shown vault's entry revision when its tree was read: another
    /// program's commit reloads the tree only when it moved.
    tree_revision: Option<i64>,
    /// Wakes the window when work on another thread reports (set on the
    /// first frame).
    wake: Option<egui::Context>,
    /// An import's file dialog, reading or writing, off the window's thread.
    import: Option<import::ImportWork>,
    /// The search's index being read off the window's thread.
    search_index: Option<Job<Result<SearchView, ServiceError>>>,
}

/// Keeps a failure for the status bar (each error is shown once, not logged
/// too); a success clears an error a refresh left.
fn report<T>(status: &mut StatusLine, result: Result<T, ServiceError>) -> Option<T> {
    match result {
        Ok(value) => {
            status.clear_error();
            Some(value)
        }
        Err(e) => {
            status.set_error(e.to_string());
            None
        }
    }
}

/// Keeps a failure for the status bar, but a success clears nothing: for
/// side work (the bell, desktop notifications) that must not hide an error
/// the main refresh just reported, such as a disabled account.
fn report_failure<T>(status: &mut StatusLine, result: Result<T, ServiceError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            status.set_error(e.to_string());
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
        notifier: Arc<dyn Notifier>,
        now: Timestamp,
    ) -> Result<MainState, Box<(Workspace, ServiceError)>> {
        let loaded = (|| {
            workspace.set_lock_wait(super::WINDOW_LOCK_WAIT)?;
            let workspace_name = workspace.name(now)?;
            let settings = workspace.settings(now)?;
            let vaults = workspace.vaults(&session, now)?;
            let users = workspace
                .users(now)?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect();
            let sets = workspace.permission_sets(now)?;
            let next_tick_at = workspace.next_tick_at(now)?;
            Ok::<_, ServiceError>((workspace_name, settings, vaults, users, sets, next_tick_at))
        })();
        let (workspace_name, settings, vaults, users, sets, next_tick_at) = match loaded {
            Ok(parts) => parts,
            Err(e) => return Err(Box::new((workspace, e))),
        };
        let view = MainView {
            workspace_name,
            user: session.user().clone(),
            location: workspace.location(),
            key_status: workspace.key_status().to_string(),
            key_in_os_keyring: key_in_os_keyring(&workspace.key_status().location),
            expiry_clock: workspace.expiry_clock(),
            settings,
            vaults,
            joinable: Vec::new(),
            vault: None,
            tree: TreeModel::default(),
            detail: None,
            revealed: None,
            names: Names {
                users,
                entries: std::collections::HashMap::new(),
                sets,
                targets: std::collections::HashMap::new(),
            },
            dashboard: Dashboard::default(),
            reads_audit: false,
            requests_table: None,
            notifications: NotificationsView::default(),
            search: None,
            rights: EditRightsView::default(),
            status: StatusLine::default(),
        };
        let mut state = MainState {
            workspace,
            session,
            view,
            dialog: Dialog::None,
            clipboard: ClipboardGuard::new(clipboard),
            desktop: DesktopDelivery::new(notifier),
            watching: Watching::NotStarted,
            next_tick_at,
            membership_change_at: None,
            lock_retry_at: None,
            tree_revision: None,
            admin: None,
            audit_log: None,
            audit_jobs: audit_log::AuditJobs::default(),
            seen_data_version: None,
            wake: None,
            import: None,
            search_index: None,
        };
        if let Some(first) = state.view.vaults.first().map(|v| v.id) {
            state.select_vault(first, now);
        }
        state.reload_joinable(now);
        state.refresh_dashboard(now);
        state.view.reads_audit = state
            .workspace
            .may_read_audit(&state.session, now)
            .unwrap_or(false);
        state.refresh_notification_preferences(now);
        state.refresh_notifications(now);
        Ok(state)
    }

    /// The open workspace, for tests and tools that check what was stored.
    pub fn workspace(&mut self) -> &mut Workspace {
        &mut self.workspace
    }

    /// Whether the signed-in user can no longer act (disabled or removed).
    /// A failure to tell counts as "still valid": the next action's own
    /// check refuses anyway.
    pub fn session_ended(&mut self, now: Timestamp) -> bool {
        matches!(
            self.workspace.session_is_valid(&self.session, now),
            Ok(false)
        )
    }

    /// Gives the workspace back (sign out).
    pub fn into_workspace(self) -> Workspace {
        self.workspace
    }

    /// Carries out an intent at `now`, the frame's instant.
    pub fn apply(&mut self, intent: &Intent, now: Timestamp, launcher: &dyn Launcher) {
        self.view.status.begin_action();
        match intent {
            Intent::Vault(intent) => self.apply_vault(intent, now, launcher),
            Intent::Access(intent) => self.apply_access(*intent, now),
            Intent::Approval(intent) => self.apply_approval(*intent, now),
            Intent::Requests(intent) => self.apply_requests(intent, now),
            Intent::Notifications(intent) => self.apply_notifications(*intent, now),
            Intent::Search(intent) => self.apply_search(intent, now),
            Intent::Edit(intent) => self.apply_edit(*intent, now),
            Intent::Import(intent) => self.apply_import(*intent, now),
            Intent::Admin(intent) => self.apply_admin(intent, now),
            Intent::AuditLog(intent) => self.apply_audit_log(*intent, now),
            Intent::CloseDialog => self.dialog = Dialog::None,
            // Applied by the application, which owns the screens and the preferences.
            Intent::Start(_) | Intent::Preferences(_) => {}
        }
        self.view.status.end_action();
    }

    /// Everything after other processes' commits: names, settings, locks,
    /// the selection. An error from the person's last action stays unless a
    /// refresh fails too.
    fn refresh_all(&mut self, now: Timestamp) {
        let status = &mut self.view.status;
        if let Some(users) = report(status, self.workspace.users(now)) {
            self.view.names.users = users.into_iter().map(|u| (u.id, u.display_name)).collect();
        }
        if let Some(settings) = report(&mut self.view.status, self.workspace.settings(now)) {
            self.view.settings = settings;
        }
        // The next tick after `now`, unless one is already overdue (another
        // program held the lock): that one must still run.
        let next = report(&mut self.view.status, self.workspace.next_tick_at(now)).flatten();
        if self.next_tick_at.is_none_or(|at| at > now) {
            self.next_tick_at = next;
        }
        // Vaults and entries another program added, renamed, moved or removed.
        self.reload_vaults(now);
        if self.tree_is_stale(now) {
            self.reload_tree(now);
        }
        self.refresh_access(now);
        self.refresh_detail(now);
        self.refresh_rights(now);
        self.refresh_dashboard(now);
        if let Ok(reads) = self.workspace.may_read_audit(&self.session, now) {
            self.view.reads_audit = reads;
        }
        if self.view.requests_table.is_some() {
            self.load_requests_window(now);
        }
        self.check_copied_access(now);
        self.refresh_notification_preferences(now);
        self.refresh_notifications(now);
        self.notifications_may_have_changed();
        self.refresh_audit_log(now);
    }

    /// Starts the change watcher once a window context exists.
    pub fn ensure_watcher(&mut self, ctx: &egui::Context) {
        if self.wake.is_none() {
            self.wake = Some(ctx.clone());
        }
        if !matches!(self.watching, Watching::NotStarted) {
            return;
        }
        // What this connection has seen so far is already shown.
        self.seen_data_version = self.workspace.data_version().ok();
        self.watching = if let Some(probe) = self.workspace.change_probe() {
            Watching::Running(ChangeWatcher::start(probe, ctx.clone()))
        } else {
            if self.view.location != ":memory:" {
                self.view.status.set_error(
                    "live updates from other windows are off: the workspace could not be watched",
                );
            }
            Watching::Off
        };
    }

    /// Whether another connection committed since the last time this was
    /// asked. The watcher's probe is a connection of its own, so it also
    /// wakes the window for the window's own commits, which the window has
    /// already shown; this connection's `data_version` moves only for the
    /// others' (another program, an import's second connection). One PRAGMA,
    /// asked only when the watcher woke the window.
    fn others_committed(&mut self) -> bool {
        match self.workspace.data_version() {
            Ok(version) => self.seen_data_version.replace(version) != Some(version),
            // Unknown: read everything again, as before.
            Err(_) => true,
        }
    }

    /// Per-frame work at `now`; runs SQL only when something changed or fell
    /// due. Returns whether the stored data changed (another process, or a tick).
    pub fn logic(&mut self, now: Timestamp) -> bool {
        if self.clipboard.clear_due(now) {
            self.clear_copied_secret();
        }
        let noticed = match &self.watching {
            Watching::Running(watcher) => watcher.take_changed(),
            Watching::NotStarted | Watching::Off => false,
        };
        let mut changed = noticed && self.others_committed();
        let lock_retry_due = self.lock_retry_at.is_none_or(|at| now >= at);
        if lock_retry_due && self.next_tick_at.is_some_and(|at| now >= at) {
            changed |= self.tick(now);
        }
        // A finished import refreshed the window already; the audit log grew.
        let imported = self.poll_import(now);
        self.poll_search_index();
        let audited = self.poll_audit_jobs(now);
        if changed {
            self.refresh_all(now);
        } else if self.membership_change_at.is_some_and(|at| now >= at) {
            // A time-bound membership started or ended: the vault appears or goes.
            self.reload_vaults(now);
            self.refresh_access(now);
            self.refresh_detail(now);
        } else if self
            .view
            .tree
            .locks_valid_until()
            .is_some_and(|at| now >= at)
        {
            // A grant started or ended: locks, the entry's access, a revealed password.
            self.refresh_access(now);
            self.refresh_detail(now);
        }
        self.update_banner(now);
        self.desktop_logic(now);
        changed || imported || audited
    }

    /// Records what time did (expiries, lapses); whether anything changed.
    fn tick(&mut self, now: Timestamp) -> bool {
        let status = &mut self.view.status;
        match self.workspace.tick(now) {
            Err(e) if e.is_locked_by_another() => {
                // Another program holds the write lock. Waiting for it here
                // would freeze the window: say so and try again shortly.
                status.waiting_for_lock_since.get_or_insert(now);
                self.lock_retry_at = Some(now + LOCK_RETRY);
                false
            }
            result => {
                // Whatever happened while we waited is read again.
                let mut changed = status.waiting_for_lock_since.take().is_some();
                self.lock_retry_at = None;
                if let Some(report) = report(status, result) {
                    changed |= !report.is_empty();
                }
                self.next_tick_at =
                    report(&mut self.view.status, self.workspace.next_tick_at(now)).flatten();
                changed
            }
        }
    }

    /// Sets the selected entry's banner for `now`.
    fn update_banner(&mut self, now: Timestamp) {
        let lead = expiring_lead(&self.view.settings);
        let names = &self.view.names;
        let name_of = |id| names.users.get(&id).cloned().unwrap_or_default();
        if let Some(detail) = &mut self.view.detail {
            detail.banner =
                relevant_request(&detail.requests, now).map(|r| banner(r, now, lead, &name_of));
        }
    }

    /// When the next frame is needed: a countdown second, a deadline, the clipboard.
    pub fn next_wake_at(&self, now: Timestamp) -> Option<Timestamp> {
        let banner = self
            .view
            .detail
            .as_ref()
            .and_then(|d| d.banner.as_ref())
            .and_then(|b| b.next_change_at);
        // The dashboard's "My temporary access" counts down only while shown.
        let dashboard = self
            .view
            .detail
            .is_none()
            .then(|| self.my_access_next_change(now))
            .flatten();
        [
            banner,
            dashboard,
            self.view.tree.locks_valid_until(),
            self.next_tick_at,
            self.membership_change_at,
            self.clipboard.clear_at(),
            self.lock_retry_at,
        ]
        .into_iter()
        .flatten()
        .filter(|at| *at > now)
        .min()
    }
}

/// Whether the key is in the OS keyring, for the button that moves it;
/// `None` where it cannot move (the database server keeps it).
pub(crate) fn key_in_os_keyring(location: &KeyLocation) -> Option<bool> {
    match location {
        KeyLocation::OsKeyring => Some(true),
        KeyLocation::KeyFile(_) => Some(false),
        KeyLocation::Server => None,
    }
}
