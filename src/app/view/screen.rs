//! The view models of each screen: what the window shows, as the app loaded
//! it. The UI reads them; only the app changes them.

use super::banner::BannerView;
use super::editing::EditRightsView;
use super::forms::{Dialog, FirstStartForm, SecretText, SignInForm};
use super::notifications::NotificationsView;
use super::requests_table::RequestsTable;
use super::search::SearchView;
use super::tree::TreeModel;
use crate::domain::access::EntryAccess;
use crate::domain::entry::Entry;
use crate::domain::permission::PermissionSet;
use crate::domain::preferences::ThemeChoice;
use crate::domain::request::{Request, Target};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::User;
use crate::domain::vault::{JoinableVault, Vault};
use crate::domain::{EntryId, PermissionSetId, Timestamp, UserId, VaultId};
use std::collections::HashMap;

/// What one frame draws: the screen's view, the forms it edits in place.
pub enum ScreenView<'a> {
    /// No workspace yet: demo or empty.
    FirstStart {
        /// Where the workspace will be created.
        path: &'a str,
        /// The administrator typed for an empty workspace.
        form: &'a mut FirstStartForm,
    },
    /// Signing in.
    SignIn {
        /// The workspace's name and demo users.
        view: &'a SignInView,
        /// What is typed.
        form: &'a mut SignInForm,
        /// The audit log warning, if any.
        audit: AuditView<'a>,
    },
    /// The workspace cannot be opened.
    Unavailable {
        /// Why.
        reason: &'a str,
        /// Which file.
        path: &'a str,
    },
    /// Signed in.
    Main {
        /// What is shown.
        view: &'a MainView,
        /// The open dialog, edited in place.
        dialog: &'a mut Dialog,
        /// The Administration window, while open; its forms are edited in place.
        admin: Option<&'a mut super::admin::AdminView>,
        /// The Audit log window, while open.
        audit_log: Option<&'a mut super::audit_log::AuditLogView>,
        /// The audit log warning or note.
        audit: AuditView<'a>,
        /// The theme the person chose (R-DSK-3).
        theme: ThemeChoice,
    },
}

/// What is known of the audit log's trustworthiness, for the status bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditView<'a> {
    /// Why the log cannot be trusted, shown loudly (R-AUD-2, R-BEY-12).
    pub problem: Option<&'a str>,
    /// A note that the last check was weaker than usual.
    pub note: Option<&'a str>,
}

/// The sign-in screen's view.
#[derive(Debug, Clone, Default)]
pub struct SignInView {
    /// The workspace's name.
    pub workspace_name: String,
    /// The demo users, when this is the demo workspace (the screen lists them).
    pub demo_users: Vec<String>,
}

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
    /// The user decides requests in its vault (so may ask why others have
    /// access, R-ADM-6).
    pub approves_here: bool,
}

/// The dashboard's lists (R-APP-1, R-BEY-4, R-BEY-5).
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    /// Requests waiting for this user's decision (newest first, at most 50).
    pub inbox: Vec<Request>,
    /// How many wait in all (the badge).
    pub inbox_count: i64,
    /// Emergency grants this user may review.
    pub reviews: Vec<Request>,
    /// This user's pending, scheduled and active access.
    pub my_access: Vec<Request>,
}

/// What the status bar says about the person's last action or a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusMessage {
    /// Something failed. An error from the person's own action stays until
    /// their next action: a background refresh that succeeds does not wipe it.
    Error {
        /// What failed.
        text: String,
        /// Whether it came from an action (not a refresh).
        from_action: bool,
    },
    /// A success worth saying ("Password copied; the clipboard clears in 30 s").
    Notice(String),
}

/// The status bar's message, and whether another program holds the
/// workspace's write lock so time's bookkeeping waits.
#[derive(Debug, Clone, Default)]
pub struct StatusLine {
    message: Option<StatusMessage>,
    /// Since when another program has held the write lock.
    pub waiting_for_lock_since: Option<Timestamp>,
}

impl StatusLine {
    /// The error shown, if any.
    pub fn error(&self) -> Option<&str> {
        match &self.message {
            Some(StatusMessage::Error { text, .. }) => Some(text),
            _ => None,
        }
    }

    /// The notice shown, if any.
    pub fn notice(&self) -> Option<&str> {
        match &self.message {
            Some(StatusMessage::Notice(text)) => Some(text),
            _ => None,
        }
    }

    /// Shows an error.
    pub fn set_error(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage::Error {
            text: text.into(),
            from_action: false,
        });
    }

    /// Shows a notice.
    pub fn set_notice(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage::Notice(text.into()));
    }

    /// Something succeeded: an error it may have replaced goes, unless it
    /// was the person's previous action's.
    pub fn clear_error(&mut self) {
        if matches!(
            self.message,
            Some(StatusMessage::Error {
                from_action: false,
                ..
            })
        ) {
            self.message = None;
        }
    }

    /// An action begins: the previous action's error may now be replaced.
    pub fn begin_action(&mut self) {
        if let Some(StatusMessage::Error { from_action, .. }) = &mut self.message {
            *from_action = false;
        }
    }

    /// An action ended: its error stays through background refreshes.
    pub fn end_action(&mut self) {
        if let Some(StatusMessage::Error { from_action, .. }) = &mut self.message {
            *from_action = true;
        }
    }
}

/// Names of users, entries and permission sets, as far as loaded.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Display names by user.
    pub users: HashMap<UserId, String>,
    /// Entry names in any vault, as far as loaded (the dashboard and the
    /// requests window name entries of other vaults).
    pub entries: HashMap<EntryId, String>,
    /// Every permission set.
    pub sets: Vec<PermissionSet>,
    /// Folder and vault targets of requests, as "Vault / folder" (R-REQ-11).
    pub targets: HashMap<Target, String>,
}

impl Names {
    /// The name of a user.
    pub fn user(&self, id: UserId) -> String {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    }

    /// The name of an entry.
    pub fn entry(&self, id: EntryId) -> String {
        self.entries
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("entry {id}"))
    }

    /// What a request is for: an entry's name, a folder's path or a vault's name.
    pub fn target(&self, target: Target) -> String {
        match target {
            Target::Entry(id) => self.entry(id),
            Target::Folder(id) => self
                .targets
                .get(&target)
                .cloned()
                .unwrap_or_else(|| self.entry(id)),
            Target::Vault(id) => self
                .targets
                .get(&target)
                .cloned()
                .unwrap_or_else(|| format!("vault {id}")),
            Target::Join(id) => format!(
                "Joining {}",
                self.targets
                    .get(&target)
                    .cloned()
                    .unwrap_or_else(|| format!("vault {id}"))
            ),
        }
    }

    /// The name of a permission set.
    pub fn set(&self, id: PermissionSetId) -> String {
        self.sets
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| format!("set {id}"), |s| s.name.clone())
    }
}

/// The signed-in window's view: everything loaded from the workspace for it.
pub struct MainView {
    /// The workspace's name.
    pub workspace_name: String,
    /// Who is signed in, as loaded at sign-in.
    pub user: User,
    /// Where the workspace lives.
    pub location: String,
    /// Where its key is.
    pub key_status: String,
    /// Whether the workspace key is in the OS keyring (else in the key
    /// file); `None` where the database server keeps it (it never moves).
    pub key_in_os_keyring: Option<bool>,
    /// Whose clock ends access, in words (R-BEY-9).
    pub expiry_clock: String,
    /// Workspace settings.
    pub settings: WorkspaceSettings,
    /// Vaults the user sees.
    pub vaults: Vec<Vault>,
    /// Vaults the user is not a member of but may ask to join (R-REQ-12).
    pub joinable: Vec<JoinableVault>,
    /// The vault shown.
    pub vault: Option<VaultId>,
    /// Its tree (with the filter applied).
    pub tree: TreeModel,
    /// The selected entry.
    pub detail: Option<EntryDetail>,
    /// A password being shown, and for which entry.
    pub revealed: Option<(EntryId, SecretText)>,
    /// Users, entries and permission sets by id.
    pub names: Names,
    /// What the dashboard lists.
    pub dashboard: Dashboard,
    /// Whether the user may read the audit log (an administrator, or an
    /// approver somewhere): the top bar mirrors it, the service decides.
    pub reads_audit: bool,
    /// The "Temporary access requests" window, when open.
    pub requests_table: Option<RequestsTable>,
    /// The bell and the notification list.
    pub notifications: NotificationsView,
    /// Search everywhere, while open.
    pub search: Option<SearchView>,
    /// What the user may add, edit and delete where they are.
    pub rights: EditRightsView,
    /// The status bar.
    pub status: StatusLine,
}

impl MainView {
    /// The selected entry's id.
    pub fn selected(&self) -> Option<EntryId> {
        self.detail.as_ref().map(|d| d.entry.id)
    }

    /// The password shown for `entry`, if it is shown.
    pub fn revealed_for(&self, entry: EntryId) -> Option<&str> {
        self.revealed
            .as_ref()
            .filter(|(id, _)| *id == entry)
            .map(|(_, secret)| secret.as_str())
    }

    /// Whether the user may see passwords at all (the workspace allows it,
    /// or they administer it); the service checks each use again.
    pub fn may_reveal_passwords(&self) -> bool {
        self.settings.allow_reveal_password || self.user.is_admin
    }
}
