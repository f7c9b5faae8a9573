//! What the person asked for in a frame. The UI only pushes intents; the app
//! applies them through the service after drawing. Intents are grouped by
//! the part of the window they belong to, and each group is applied in its
//! own file (named on each group). A command carries its data; the dialogs'
//! "send" commands read the dialog the UI edited in place (`Dialog`).

use super::admin::AdminTab;
use super::requests_table::Column;
use crate::domain::entry::EntryKind;
use crate::domain::notification::NotificationKind;
use crate::domain::preferences::ThemeChoice;
use crate::domain::request::Phase;
use crate::domain::{EntryId, NotificationId, PermissionSetId, RequestId, UserId, VaultId};

/// What to put on the clipboard (R-REQ-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyWhat {
    /// The user name.
    Username,
    /// The password.
    Password,
    /// Both, on two lines.
    UsernameAndPassword,
}

/// An approver's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Approve.
    Approve,
    /// Deny.
    Deny,
}

/// A request from the person at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// First start and signing in or out.
    Start(StartIntent),
    /// The vault tree, the selected entry and its commands.
    Vault(VaultIntent),
    /// The requester's side: asking, extending, cancelling, ending access.
    Access(AccessIntent),
    /// The approver's side: the dashboard, the response window, direct grants.
    Approval(ApprovalIntent),
    /// The "Temporary access requests" window.
    Requests(RequestsIntent),
    /// Close whatever dialog is open.
    CloseDialog,
    /// The window's own preferences, remembered on this computer.
    Preferences(PreferencesIntent),
    /// The bell and the notification list (`main_state/notifications.rs`).
    Notifications(NotificationsIntent),
    /// Search everywhere (`main_state/search.rs`).
    Search(SearchIntent),
    /// Building the vault: vaults, folders, items, secrets (`main_state/editing.rs`).
    Edit(EditIntent),
    /// Import… from KeePass or a CSV export (`main_state/import.rs`).
    Import(ImportIntent),
    /// The Administration window (`main_state/admin.rs`).
    Admin(AdminIntent),
    /// The Audit log window (`main_state/audit_log.rs`).
    AuditLog(AuditIntent),
}

/// The Audit log window (applied in `app/main_state/audit_log.rs`; `Verify`
/// and `ShowEvent` in `app/mod.rs`, which holds the witness).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditIntent {
    /// Open the window (administrators and approvers).
    Open,
    /// Close it.
    Close,
    /// Read the first page again with the filters as set.
    ApplyFilters,
    /// Stop filtering by entry.
    ClearEntry,
    /// Reset every filter.
    ClearFilters,
    /// Read the next page (the list was scrolled near its end).
    LoadMore,
    /// Show an event's details.
    Select(i64),
    /// Show an event in the list, whatever the filters hid (from the
    /// verification or a history).
    ShowEvent(i64),
    /// Verify the whole chain off the window's thread.
    Verify,
    /// Open the export form.
    OpenExport,
    /// Close the export form.
    CloseExport,
    /// Choose where to export through the desktop's file dialog.
    BrowseExport,
    /// Export what the filters show.
    RunExport,
    /// The access history of an entry (opens the window if needed).
    HistoryOfEntry(EntryId),
    /// The access history of a user (opens the window if needed).
    HistoryOfUser(UserId),
    /// Close the access history.
    CloseHistory,
}

impl From<AuditIntent> for Intent {
    fn from(intent: AuditIntent) -> Intent {
        Intent::AuditLog(intent)
    }
}

/// The Administration window (applied in `app/main_state/admin.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminIntent {
    /// Open the window (administrators).
    Open,
    /// Close it.
    Close,
    /// Show a user's commands.
    SelectUser(UserId),
    /// Open the form for a new user.
    NewUser,
    /// Open the form for a user's details.
    EditUser(UserId),
    /// Open the form for a temporary password.
    AskResetPassword(UserId),
    /// Save the open form.
    SaveUserForm,
    /// Close the form, keeping nothing.
    CancelUserForm,
    /// Make a user an administrator, or not.
    SetAdmin(UserId, bool),
    /// Ask before disabling a user (says what ends).
    AskDisable(UserId),
    /// Disable (false) or enable (true) a user.
    SetActive(UserId, bool),
    /// Forget a user's failed sign-ins.
    ClearFailedSignIns(UserId),
    /// Show a tab.
    ShowTab(AdminTab),
    /// Show a vault's members, permissions and policy.
    SelectVault(VaultId),
    /// Save the shown vault's policy form.
    SavePolicy,
    /// Add the chosen user to the shown vault, as an approver or not.
    AddMember {
        /// Also an approver.
        approver: bool,
    },
    /// Make a member an approver of the shown vault.
    MakeApprover(UserId),
    /// A member stops approving (stays a member).
    RemoveApprover(UserId),
    /// A user stops being a member of the shown vault (their access there ends).
    RemoveMember(UserId),
    /// Give the chosen user the chosen set where chosen.
    GiveStanding,
    /// Remove the shown vault's `n`th standing permission.
    RemoveStanding(usize),
    /// Show a permission set in the form.
    SelectSet(PermissionSetId),
    /// A new permission set.
    NewSet,
    /// Save the set form.
    SaveSet,
    /// Delete a permission set nobody uses.
    DeleteSet(PermissionSetId),
    /// Save the settings form.
    SaveSettings,
    /// Move the workspace key into the OS keyring, or out of it into the
    /// key file (applied in `app/mod.rs`, which holds the keyring).
    MoveKey {
        /// Into the keyring (else into the file).
        into_keyring: bool,
    },
}

impl From<AdminIntent> for Intent {
    fn from(intent: AdminIntent) -> Intent {
        Intent::Admin(intent)
    }
}

/// The Import… dialog (applied in `app/main_state/import.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportIntent {
    /// Open the dialog, importing into the shown vault, below `into` (a
    /// folder) or at its top.
    Open {
        /// The folder, or `None` for the vault's top.
        into: Option<EntryId>,
    },
    /// Choose the file with the desktop's file dialog.
    Browse,
    /// Read the chosen file (with its password), for the preview.
    Read,
    /// Create what was read.
    Start,
}

impl From<ImportIntent> for Intent {
    fn from(intent: ImportIntent) -> Intent {
        Intent::Import(intent)
    }
}

/// First start and signing in or out (applied in `app/mod.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartIntent {
    /// First start: create the demo workspace.
    CreateDemoWorkspace,
    /// First start: create an empty workspace with the typed administrator.
    CreateEmptyWorkspace,
    /// Sign in with the typed user name and password.
    SignIn,
    /// Replace a password an administrator reset, and sign in.
    ChangePasswordAndSignIn,
    /// Sign out (back to the sign-in screen).
    SignOut,
    /// Put back the dialog the person was typing in when the window locked.
    RestoreTyped,
}

/// The vault tree and the selected entry (applied in `app/main_state/vault.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultIntent {
    /// Show another vault.
    SelectVault(VaultId),
    /// Select an entry.
    SelectEntry(EntryId),
    /// Open or close a folder.
    ToggleFolder(EntryId),
    /// Filter the tree by this text.
    SetFilter(String),
    /// Show an entry's password.
    RevealPassword(EntryId),
    /// Hide it again.
    HidePassword,
    /// Copy a credential.
    Copy(EntryId, CopyWhat),
    /// Open the connection (R-DSK-5).
    Connect(EntryId),
    /// Show the dashboard (pending requests, my access) instead of an entry.
    ShowDashboard,
}

/// The requester's side (applied in `app/main_state/requester.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessIntent {
    /// Ask "Request temporary access?" for a locked entry (R-REQ-2).
    AskForAccess(EntryId),
    /// Open the request dialog for an entry; on a folder it asks for the
    /// folder and everything below it (R-REQ-11).
    OpenRequestDialog(EntryId),
    /// Open the request dialog pre-filled to extend a grant (R-REQ-9, R-BEY-1).
    RequestExtension(RequestId),
    /// Send the open request dialog.
    SendRequest,
    /// Show a request's details.
    ShowDetails(RequestId),
    /// Cancel a pending request (R-REQ-6).
    CancelRequest(RequestId),
    /// Ask to confirm revoking a grant.
    AskRevoke(RequestId),
    /// Revoke, as confirmed in the open dialog (with its reason).
    Revoke,
    /// Ask to confirm releasing a grant (R-BEY-3).
    AskRelease(RequestId),
    /// Release, as confirmed in the open dialog (with its note).
    Release,
    /// Open the emergency access dialog on a locked entry (R-BEY-5).
    OpenEmergency(EntryId),
    /// Take emergency access as the open dialog says.
    TakeEmergency,
    /// Open the request dialog for a whole vault (R-REQ-11).
    OpenVaultRequestDialog(VaultId),
    /// Open the request dialog to join a vault the user is not a member of
    /// (R-REQ-12).
    OpenJoinDialog(VaultId),
}

/// The approver's side (applied in `app/main_state/decisions.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalIntent {
    /// Open the response window on a request (R-APP-1, R-APP-3).
    OpenResponse(RequestId),
    /// Answer with the open response window's terms and message.
    Decide(Verdict),
    /// Mark an emergency grant reviewed (R-BEY-5).
    MarkReviewed(RequestId),
    /// An administrator opens the direct-grant dialog on an entry (R-ADM-3).
    OpenDirectGrant(EntryId),
    /// Send the open direct-grant dialog.
    SendDirectGrant,
    /// Open "Why?" on an entry (R-ADM-6).
    OpenExplain(EntryId),
    /// Explain for the person chosen in the open "Why?" dialog.
    Explain,
}

/// The "Temporary access requests" window (R-APP-2, R-APP-6; applied in
/// `app/main_state/requests_window.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestsIntent {
    /// Open it.
    Open,
    /// Close it.
    Close,
    /// Sort by a column (again: the other way).
    Sort(Column),
    /// Show only requests in this phase (`None`: all).
    SetStatusFilter(Option<Phase>),
    /// Show only requests mentioning this text.
    SetTextFilter(String),
    /// The message sent with a bulk decision.
    SetBulkMessage(String),
    /// Select a row.
    Select(RequestId),
    /// Move the selection up or down (R-APP-6).
    MoveSelection(i64),
    /// Tick or untick a pending row for a bulk decision.
    ToggleChecked(RequestId),
    /// Decide every ticked row with the one message (R-APP-6).
    DecideChecked(Verdict),
    /// Ask for the reason to deny the ticked rows, or the selected pending
    /// one (the D key), in one line.
    AskDenyReason,
    /// The reason typed in that line.
    SetDenyReason(String),
    /// Close that line without denying.
    CancelDeny,
}

/// The window's own preferences (applied in `app/mod.rs`).
/// Search everywhere (Ctrl+F).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchIntent {
    /// Open the search (builds its index).
    Open,
    /// Close it.
    Close,
    /// The text typed.
    SetQuery(String),
    /// Move the highlight (arrows).
    Move(i64),
    /// Show the `n`th result in its vault (Enter, or a click); in the
    /// target picker, open the request dialog for it.
    Choose(usize),
    /// Open the search as the target picker of New request… (R-REQ-13).
    OpenForRequest,
}

/// Building the vault (issue 14); the service checks Add, Edit and Delete
/// at the instant of each change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditIntent {
    /// Open the new-vault dialog (administrators).
    NewVault,
    /// Open the rename dialog of a vault.
    RenameVault(VaultId),
    /// Create or rename, from the vault dialog.
    SaveVault,
    /// Ask before deleting a vault (says what goes with it).
    AskDeleteVault(VaultId),
    /// Open the form of a new folder or item in `parent` (`None`: the top).
    NewEntry {
        /// What to create.
        kind: EntryKind,
        /// Where.
        parent: Option<EntryId>,
    },
    /// Open the form of an existing entry.
    EditEntry(EntryId),
    /// Create or save, from the entry form.
    SaveEntry,
    /// Fill the entry form's password from the generator.
    GeneratePassword,
    /// Ask where to move an entry.
    AskMove(EntryId),
    /// Move it where the move dialog says.
    MoveChosen,
    /// A drag and drop in the tree: move `entry` into `folder` (`None`: the top).
    Drop {
        /// What was dragged.
        entry: EntryId,
        /// Where it was dropped.
        folder: Option<EntryId>,
    },
    /// Ask before deleting an entry (says what goes with it).
    AskDelete(EntryId),
    /// Delete what the confirmation names.
    ConfirmDelete,
}

/// The bell, the notification list and the desktop switches (R-NOT-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationsIntent {
    /// Open the list (the bell).
    Open,
    /// Close the list.
    Close,
    /// Go where a notification leads (marks it read): the response window
    /// for a request to decide, else the entry and its banner.
    Follow(NotificationId),
    /// Mark one read.
    MarkRead(NotificationId),
    /// Mark every one read.
    MarkAllRead,
    /// Show this kind on the desktop, or not (kept with the user).
    SetDesktop(NotificationKind, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferencesIntent {
    /// Show this theme from now on, and remember it (R-DSK-3).
    ChooseTheme(ThemeChoice),
}

impl From<PreferencesIntent> for Intent {
    fn from(intent: PreferencesIntent) -> Intent {
        Intent::Preferences(intent)
    }
}

impl From<StartIntent> for Intent {
    fn from(intent: StartIntent) -> Intent {
        Intent::Start(intent)
    }
}

impl From<VaultIntent> for Intent {
    fn from(intent: VaultIntent) -> Intent {
        Intent::Vault(intent)
    }
}

impl From<AccessIntent> for Intent {
    fn from(intent: AccessIntent) -> Intent {
        Intent::Access(intent)
    }
}

impl From<ApprovalIntent> for Intent {
    fn from(intent: ApprovalIntent) -> Intent {
        Intent::Approval(intent)
    }
}

impl From<RequestsIntent> for Intent {
    fn from(intent: RequestsIntent) -> Intent {
        Intent::Requests(intent)
    }
}

impl From<NotificationsIntent> for Intent {
    fn from(intent: NotificationsIntent) -> Intent {
        Intent::Notifications(intent)
    }
}

impl From<SearchIntent> for Intent {
    fn from(intent: SearchIntent) -> Intent {
        Intent::Search(intent)
    }
}

impl From<EditIntent> for Intent {
    fn from(intent: EditIntent) -> Intent {
        Intent::Edit(intent)
    }
}
