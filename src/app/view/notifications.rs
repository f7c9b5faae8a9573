//! The bell and the notification list (R-NOT-2): what the window loaded of
//! the user's notifications, their desktop switches, and whether desktop
//! notifications can be shown at all (R-NOT-3).

use crate::domain::notification::{Notification, NotificationKind, NotificationPreferences};

/// How many notifications the list loads, newest first. The list is
/// virtualized; older ones stay stored (the audit log keeps the events).
pub const LIST_LIMIT: usize = 500;

/// Whether the desktop can show notifications, as the window last learnt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DesktopState {
    /// The notification server has not answered yet.
    #[default]
    Checking,
    /// Shown on the desktop; `actions` says whether its buttons work.
    Available {
        /// The server shows buttons (Review, Request extension).
        actions: bool,
    },
    /// Not shown on the desktop, and why; the list still fills.
    Unavailable(String),
}

/// What the bell and the list show.
#[derive(Debug, Clone, Default)]
pub struct NotificationsView {
    /// Unread notifications (the bell's count).
    pub unread: usize,
    /// The list, newest first, loaded while it is open.
    pub list: Option<Vec<Notification>>,
    /// Which kinds are shown on the desktop (kept with the user).
    pub preferences: NotificationPreferences,
    /// Whether the desktop can show them.
    pub desktop: DesktopState,
}

impl NotificationsView {
    /// Whether the list is open.
    pub fn is_open(&self) -> bool {
        self.list.is_some()
    }
}

/// Where following a notification leads (its link in the list, its action
/// on the desktop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The response window: a request still waiting for the reader.
    Respond,
    /// The request's details: one already handled, or emergency access.
    Details,
    /// The entry, with its banner: anything told to a requester.
    Entry,
}

impl Destination {
    /// Where `notification` leads.
    pub fn of(notification: &Notification) -> Destination {
        match notification.kind {
            NotificationKind::RequestSubmitted if notification.handled.is_none() => {
                Destination::Respond
            }
            NotificationKind::RequestSubmitted | NotificationKind::BreakGlassUsed => {
                Destination::Details
            }
            NotificationKind::Approved
            | NotificationKind::Denied
            | NotificationKind::ExpiringSoon
            | NotificationKind::Expired
            | NotificationKind::Revoked
            | NotificationKind::Lapsed
            | NotificationKind::DirectGrant => Destination::Entry,
        }
    }
}
