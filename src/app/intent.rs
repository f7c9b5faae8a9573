//! What the person asked for in a frame. The UI only pushes intents; the app
//! applies them through the service after drawing.

use super::requests_table::Column;
use crate::domain::{EntryId, RequestId, VaultId};

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

/// A request from the person at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// First start: create the demo workspace.
    CreateDemoWorkspace,
    /// First start: create an empty workspace with the typed administrator.
    CreateEmptyWorkspace,
    /// Sign in with the typed user name and password.
    SignIn,
    /// Sign out (back to the sign-in screen).
    SignOut,
    /// Show another vault.
    SelectVault(VaultId),
    /// Select an entry.
    Select(EntryId),
    /// Open or close a folder.
    ToggleFolder(EntryId),
    /// The filter text changed.
    FilterChanged,
    /// Ask "Request temporary access?" for a locked entry (R-REQ-2).
    AskForAccess(EntryId),
    /// Open the request dialog for an entry.
    OpenRequestDialog(EntryId),
    /// Open the request dialog pre-filled to extend a grant (R-REQ-9, R-BEY-1).
    RequestExtension(RequestId),
    /// Send the request dialog.
    SendRequest,
    /// Close whatever dialog is open.
    CloseDialog,
    /// Show a request's details.
    ShowDetails(RequestId),
    /// Cancel a pending request (R-REQ-6).
    CancelRequest(RequestId),
    /// Ask to confirm revoking a grant.
    AskRevoke(RequestId),
    /// Revoke, confirmed.
    Revoke,
    /// Ask to confirm releasing a grant (R-BEY-3).
    AskRelease(RequestId),
    /// Release, confirmed.
    Release,
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
    /// Open the response window on a request (R-APP-1, R-APP-3).
    OpenResponse(RequestId),
    /// Approve with the response window's terms and message.
    Approve,
    /// Deny with the response window's message.
    Deny,
    /// Mark an emergency grant reviewed (R-BEY-5).
    MarkReviewed(RequestId),
    /// Open the "Temporary access requests" window (R-APP-2).
    OpenRequestsWindow,
    /// Close it.
    CloseRequestsWindow,
    /// Sort it by a column (again: the other way).
    SortRequests(Column),
    /// Its status or text filter changed.
    RequestsFilterChanged,
    /// Select a row.
    SelectRequest(RequestId),
    /// Move the selection up or down (R-APP-6).
    MoveRequestSelection(i64),
    /// Tick or untick a pending row for a bulk decision.
    ToggleRequestChecked(RequestId),
    /// Approve (true) or deny every ticked row with the one message (R-APP-6).
    DecideChecked(bool),
    /// An administrator opens the direct-grant dialog on an entry (R-ADM-3).
    OpenDirectGrant(EntryId),
    /// Send the direct grant.
    SendDirectGrant,
}
