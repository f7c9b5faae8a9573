//! The bell and the notification list (R-NOT-2): the unread count, the list
//! while it is open, marking read, the desktop switches, and following a
//! notification to what it is about.

use super::{MainState, report_failure};
use crate::app::view::intent::{AccessIntent, ApprovalIntent, NotificationsIntent};
use crate::app::view::notifications::{Destination, LIST_LIMIT};
use crate::domain::notification::Notification;
use crate::domain::{NotificationId, RequestId, Timestamp};

impl MainState {
    pub(super) fn apply_notifications(&mut self, intent: NotificationsIntent, now: Timestamp) {
        match intent {
            NotificationsIntent::Open => {
                self.view.notifications.list = Some(Vec::new());
                self.refresh_notifications(now);
            }
            NotificationsIntent::Close => self.view.notifications.list = None,
            NotificationsIntent::Follow(id) => self.follow_notification(id, now),
            NotificationsIntent::MarkRead(id) => {
                let result = self
                    .workspace
                    .mark_notification_read(&self.session, id, now);
                report_failure(&mut self.view.status, result);
                self.refresh_notifications(now);
            }
            NotificationsIntent::MarkAllRead => {
                let result = self
                    .workspace
                    .mark_all_notifications_read(&self.session, now);
                report_failure(&mut self.view.status, result);
                self.refresh_notifications(now);
            }
            NotificationsIntent::SetDesktop(kind, on) => {
                let result =
                    self.workspace
                        .set_notification_preference(&self.session, kind, on, now);
                report_failure(&mut self.view.status, result);
                self.refresh_notification_preferences(now);
            }
        }
    }

    /// The bell's count, and the list when it is open.
    pub(super) fn refresh_notifications(&mut self, now: Timestamp) {
        let count = self.workspace.unread_notification_count(&self.session, now);
        if let Some(count) = report_failure(&mut self.view.status, count) {
            self.view.notifications.unread = count;
        }
        if self.view.notifications.is_open() {
            let list = self.workspace.notifications(&self.session, LIST_LIMIT, now);
            if let Some(list) = report_failure(&mut self.view.status, list) {
                self.view.notifications.list = Some(list);
            }
        }
    }

    /// Which kinds this user wants on the desktop.
    pub(super) fn refresh_notification_preferences(&mut self, now: Timestamp) {
        let preferences = self.workspace.notification_preferences(&self.session, now);
        if let Some(preferences) = report_failure(&mut self.view.status, preferences) {
            self.view.notifications.preferences = preferences;
        }
    }

    /// Marks a notification read and goes where it leads (the list's link).
    fn follow_notification(&mut self, id: NotificationId, now: Timestamp) {
        let Some(notification) = self.find_notification(id, now) else {
            return;
        };
        let result = self
            .workspace
            .mark_notification_read(&self.session, id, now);
        report_failure(&mut self.view.status, result);
        self.view.notifications.list = None;
        self.open_about(&notification, now);
        self.refresh_notifications(now);
    }

    /// A notification of this user: from the open list, else read again.
    pub(super) fn find_notification(
        &mut self,
        id: NotificationId,
        now: Timestamp,
    ) -> Option<Notification> {
        let listed = self
            .view
            .notifications
            .list
            .as_ref()
            .and_then(|list| list.iter().find(|n| n.id == id).cloned());
        if listed.is_some() {
            return listed;
        }
        let loaded = self.workspace.notifications(&self.session, LIST_LIMIT, now);
        let found = report_failure(&mut self.view.status, loaded)?
            .into_iter()
            .find(|n| n.id == id);
        if found.is_none() {
            self.view
                .status
                .set_error("that notification is no longer in your list");
        }
        found
    }

    /// Shows what `notification` is about: a request still waiting for this
    /// approver opens its response window; one already handled, or emergency
    /// access, its details; anything told to a requester, the entry with its
    /// banner. Nothing is decided here: deciding takes the response window's
    /// own buttons (R-BEY-6).
    pub(super) fn open_about(&mut self, notification: &Notification, now: Timestamp) {
        let request = notification.request_id;
        match Destination::of(notification) {
            Destination::Respond => {
                self.apply_approval(ApprovalIntent::OpenResponse(request), now);
            }
            Destination::Details => self.apply_access(AccessIntent::ShowDetails(request), now),
            Destination::Entry => {
                self.open_entry_of(request, now);
            }
        }
    }

    /// Selects the entry a request is about, in its vault, so its banner shows.
    pub(super) fn open_entry_of(&mut self, request: RequestId, now: Timestamp) -> bool {
        let info = self.workspace.request_info(&self.session, request, now);
        let Some(info) = report_failure(&mut self.view.status, info) else {
            return false;
        };
        let vault_id = info.request.vault_id;
        if self.view.vault != Some(vault_id) {
            self.select_vault(vault_id, now);
        }
        if self.view.vault != Some(vault_id) {
            return false;
        }
        // A vault request has no entry to select: the vault is what it is about.
        if let Some(entry) = &info.entry {
            self.select_entry(entry.id, now);
        }
        true
    }
}
