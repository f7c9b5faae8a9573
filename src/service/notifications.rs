//! A user's own notifications (R-NOT-1, R-NOT-2, R-BEY-7): the in-app list
//! and its unread count, the claims that make each desktop notification
//! appear exactly once however many windows the user has open, and the
//! user's per-kind desktop switches.
//!
//! Every call acts only on the session user's own rows: another user's
//! notification id changes nothing and is answered like one that does not
//! exist. Reads use the session's user id; every call that writes reloads
//! the user first, so a disabled user stops at once.

use super::auth::Session;
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::notification::{
    DesktopBacklog, Notification, NotificationKind, NotificationPreferences,
};
use crate::domain::{NotificationId, Timestamp};
use serde_json::json;

impl Workspace {
    /// The user's notifications, newest first (R-NOT-2).
    pub fn notifications(
        &mut self,
        session: &Session,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<Notification>, ServiceError> {
        self.read(now, |ops| {
            Ok(ops.tx.notifications(session.user_id(), limit)?)
        })
    }

    /// How many of the user's notifications are unread, for the bell.
    pub fn unread_notification_count(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        self.read(now, |ops| {
            Ok(ops.tx.unread_notification_count(session.user_id())?)
        })
    }

    /// Marks a notification read; false if it is not the user's or was read already.
    pub fn mark_notification_read(
        &mut self,
        session: &Session,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        self.write(now, |ops| {
            let user = ops.current_user(session)?;
            Ok(ops.tx.mark_notification_read(id, user.id, now)?)
        })
    }

    /// Marks every unread notification of the user read; how many it marked.
    pub fn mark_all_notifications_read(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        self.write(now, |ops| {
            let user = ops.current_user(session)?;
            Ok(ops.tx.mark_all_notifications_read(user.id, now)?)
        })
    }

    /// Not yet shown on any desktop, oldest first, at most `limit`; and how many there are in all.
    ///
    /// What fell due while no window was open comes back here at the next
    /// start; a long backlog is shown as one summary (R-NOT-2).
    pub fn desktop_backlog(
        &mut self,
        session: &Session,
        limit: usize,
        now: Timestamp,
    ) -> Result<DesktopBacklog, ServiceError> {
        self.read(now, |ops| {
            let user = session.user_id();
            let oldest = ops.tx.unshown_notifications(user, limit)?;
            let total = ops.tx.unshown_notification_count(user)?;
            Ok(DesktopBacklog { oldest, total })
        })
    }

    /// Claims a notification for a desktop pop-up: true for exactly one
    /// window, whichever process it runs in (R-NOT-2).
    pub fn claim_notification_shown(
        &mut self,
        session: &Session,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        self.write(now, |ops| {
            let user = ops.current_user(session)?;
            Ok(ops.tx.claim_notification_shown(id, user.id, now)?)
        })
    }

    /// Claims many at once in ONE transaction (for the backlog summary); returns the ids this caller claimed.
    pub fn claim_notifications_shown(
        &mut self,
        session: &Session,
        ids: &[NotificationId],
        now: Timestamp,
    ) -> Result<Vec<NotificationId>, ServiceError> {
        self.write(now, |ops| {
            let user = ops.current_user(session)?;
            let mut claimed = Vec::new();
            for &id in ids {
                if ops.tx.claim_notification_shown(id, user.id, now)? {
                    claimed.push(id);
                }
            }
            Ok(claimed)
        })
    }

    /// Records the notification server's id of the desktop notification that
    /// showed it, so "handled by" can later replace it in place (R-BEY-7).
    /// Another user's notification is left as it is.
    pub fn record_desktop_id(
        &mut self,
        session: &Session,
        id: NotificationId,
        desktop_id: u32,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let user = ops.current_user(session)?;
            ops.tx
                .set_notification_desktop_id(id, user.id, desktop_id)?;
            Ok(())
        })
    }

    /// Notifications of this user that were shown on the desktop and have since been handled by someone else, not yet announced.
    pub fn handled_to_announce(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<Vec<Notification>, ServiceError> {
        self.read(now, |ops| {
            Ok(ops.tx.handled_unannounced(session.user_id())?)
        })
    }

    /// Claims the announcement that someone else handled it: true for exactly
    /// one window, and only for a handled notification of the user (R-BEY-7).
    pub fn claim_handled_shown(
        &mut self,
        session: &Session,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        self.write(now, |ops| {
            let user = ops.current_user(session)?;
            Ok(ops.tx.claim_handled_shown(id, user.id, now)?)
        })
    }

    /// Which kinds the user wants shown on the desktop (every kind until switched off).
    pub fn notification_preferences(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<NotificationPreferences, ServiceError> {
        self.read(now, |ops| {
            Ok(ops.tx.notification_preferences(session.user_id())?)
        })
    }

    /// Switches desktop notifications of `kind` on or off for the user,
    /// audited with the value before and after; setting the value it
    /// already has writes nothing.
    pub fn set_notification_preference(
        &mut self,
        session: &Session,
        kind: NotificationKind,
        desktop: bool,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let user = ops.current_user(session)?;
            let before = ops
                .tx
                .notification_preferences(user.id)?
                .shows_on_desktop(kind);
            if before == desktop {
                return Ok(());
            }
            ops.tx.set_notification_preference(user.id, kind, desktop)?;
            let details = json!({ "kind": kind.as_str(), "before": before, "after": desktop });
            ops.audit(
                Some(user.id),
                AuditAction::NotificationPreferenceChanged,
                None,
                None,
                &details,
            )
        })
    }
}
