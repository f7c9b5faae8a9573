//! Desktop notifications (R-NOT-2, R-NOT-3, R-BEY-6, R-BEY-7): each stored
//! notification is claimed in the workspace before it is shown, so it pops
//! up once per user however many windows are open; a backlog becomes one
//! summary; a notification another approver has since handled is replaced
//! in place by one that says who handled it.
//!
//! Invariants:
//! - a pass runs SQL only when the stored notifications may have changed
//!   (another process's commit, a tick, an own write) and the notification
//!   server has answered;
//! - nothing is claimed while the desktop cannot show notifications: they
//!   wait for a window that can (or the next start), and the list shows them;
//! - an action from the desktop only brings the window forward on what the
//!   notification is about: any program on the session bus can send one.

use super::{MainState, report_failure};
use crate::app::present;
use crate::app::view::intent::AccessIntent;
use crate::app::view::notifications::DesktopState;
use crate::domain::notification::{Notification, NotificationKind};
use crate::domain::{NotificationId, Timestamp};
use crate::platform::notifier::{
    Availability, DesktopNotification, NotificationAction, Notifier, NotifierEvent,
};
use crate::service::ServiceError;
use std::sync::Arc;

/// More than this many due at once are shown as one summary.
pub const SUMMARY_OVER: usize = 3;

/// How many due notifications one pass reads.
const PASS_LIMIT: usize = 1_000;

/// The tag of a summary notification (stored notifications' ids start at 1).
const SUMMARY_TAG: i64 = 0;

/// The key of a notification's default action (a click on it, or
/// `dunstctl action`); every Latchkey notification has only this one.
const DEFAULT_ACTION: &str = "default";

/// What the window knows about showing notifications on the desktop.
pub struct DesktopDelivery {
    notifier: Arc<dyn Notifier>,
    /// The stored notifications may have changed since the last pass.
    due: bool,
    /// No pass has run yet: what is due was written while Latchkey was closed.
    first_pass: bool,
    /// An action was invoked: the window should come forward.
    raise: bool,
    /// How many notifications the server has shown for this window.
    shown: usize,
}

impl DesktopDelivery {
    /// Delivery through `notifier`; the first pass runs once it has answered.
    pub fn new(notifier: Arc<dyn Notifier>) -> DesktopDelivery {
        DesktopDelivery {
            notifier,
            due: true,
            first_pass: true,
            raise: false,
            shown: 0,
        }
    }
}

impl MainState {
    /// The stored notifications may have changed: look again at the next pass.
    pub fn notifications_may_have_changed(&mut self) {
        self.desktop.due = true;
    }

    /// Whether an action on a desktop notification asked for the window
    /// (asked once; the application brings it forward).
    pub fn take_raise_request(&mut self) -> bool {
        std::mem::take(&mut self.desktop.raise)
    }

    /// How many notifications the server has shown for this window.
    pub fn desktop_notifications_shown(&self) -> usize {
        self.desktop.shown
    }

    /// Reads what the notifier reported, then shows what fell due.
    pub(super) fn desktop_logic(&mut self, now: Timestamp) {
        for event in self.desktop.notifier.drain_events() {
            self.on_notifier_event(event, now);
        }
        let availability = self.desktop.notifier.availability();
        self.view.notifications.desktop = match &availability {
            Availability::Unknown => DesktopState::Checking,
            Availability::Available(capabilities) => DesktopState::Available {
                actions: capabilities.actions,
            },
            Availability::Unavailable(reason) => DesktopState::Unavailable(reason.clone()),
        };
        if let Some(reason) = self.desktop.notifier.take_unavailable_notice() {
            self.view
                .status
                .set_notice(present::desktop_unavailable_text(&reason));
        }
        let lock_retry_due = self.lock_retry_at.is_none_or(|at| now >= at);
        if let Availability::Available(capabilities) = availability
            && self.desktop.due
            && lock_retry_due
        {
            self.desktop.due = false;
            self.desktop_pass(capabilities.actions, now);
            self.desktop.first_pass = false;
        }
    }

    /// Claims and shows what is due, then announces requests handled by others.
    fn desktop_pass(&mut self, actions: bool, now: Timestamp) {
        let backlog = self
            .workspace
            .desktop_backlog(&self.session, PASS_LIMIT, now);
        let Some(backlog) = self.desktop_result(backlog, now) else {
            return;
        };
        let preferences = self.view.notifications.preferences.clone();
        if backlog.total > SUMMARY_OVER {
            let ids: Vec<NotificationId> = backlog.oldest.iter().map(|n| n.id).collect();
            let claimed = self
                .workspace
                .claim_notifications_shown(&self.session, &ids, now);
            let claimed = self.desktop_result(claimed, now).unwrap_or_default();
            let shown: Vec<&Notification> = backlog
                .oldest
                .iter()
                .filter(|n| claimed.contains(&n.id) && preferences.shows_on_desktop(n.kind))
                .collect();
            if !shown.is_empty() {
                let (summary, body) =
                    present::backlog_summary_text(&shown, self.desktop.first_pass, actions);
                self.desktop.notifier.show(DesktopNotification {
                    tag: SUMMARY_TAG,
                    summary,
                    body,
                    actions: open_action(actions, "Open the list"),
                    replaces: None,
                });
            }
        } else {
            for notification in &backlog.oldest {
                let claimed =
                    self.workspace
                        .claim_notification_shown(&self.session, notification.id, now);
                if self.desktop_result(claimed, now) == Some(true)
                    && preferences.shows_on_desktop(notification.kind)
                {
                    let (summary, body) = present::desktop_text(notification, actions);
                    self.desktop.notifier.show(DesktopNotification {
                        tag: notification.id.0,
                        summary,
                        body,
                        actions: open_action(
                            actions,
                            present::desktop_action_label(notification.kind),
                        ),
                        replaces: None,
                    });
                }
            }
        }
        self.announce_handled(now);
    }

    /// R-BEY-7: a request notification shown on this desktop that another
    /// approver has since decided is replaced by one saying who did.
    fn announce_handled(&mut self, now: Timestamp) {
        let handled = self.workspace.handled_to_announce(&self.session, now);
        for notification in report_failure(&mut self.view.status, handled).unwrap_or_default() {
            let claimed = self
                .workspace
                .claim_handled_shown(&self.session, notification.id, now);
            if self.desktop_result(claimed, now) == Some(true) {
                let (summary, body) = present::handled_desktop_text(&notification);
                self.desktop.notifier.show(DesktopNotification {
                    tag: notification.id.0,
                    summary,
                    body,
                    actions: Vec::new(),
                    replaces: notification.desktop_id,
                });
            }
        }
    }

    /// A pass's read or claim: a failure is shown, and if another program
    /// held the lock the pass runs again when the window retries.
    fn desktop_result<T>(&mut self, result: Result<T, ServiceError>, now: Timestamp) -> Option<T> {
        if let Err(e) = &result
            && e.is_locked_by_another()
        {
            self.desktop.due = true;
            self.lock_retry_at.get_or_insert(now + super::LOCK_RETRY);
        }
        report_failure(&mut self.view.status, result)
    }

    fn on_notifier_event(&mut self, event: NotifierEvent, now: Timestamp) {
        if matches!(event, NotifierEvent::Shown { .. }) {
            self.desktop.shown += 1;
        }
        match event {
            NotifierEvent::Shown { tag, server_id, .. } if tag != SUMMARY_TAG => {
                // Kept so that "handled by …" can replace it in place.
                let recorded = self.workspace.record_desktop_id(
                    &self.session,
                    NotificationId(tag),
                    server_id,
                    now,
                );
                report_failure(&mut self.view.status, recorded);
            }
            NotifierEvent::Action { tag, .. } => self.answer_action(tag, now),
            NotifierEvent::Failed { reason, .. } => {
                self.view.status.set_error(format!(
                    "a desktop notification could not be shown: {reason}"
                ));
            }
            NotifierEvent::Shown { .. } | NotifierEvent::Closed { .. } => {}
        }
    }

    /// The person clicked a notification (or its button): bring the window
    /// forward on what it is about. Typed input in an open dialog is never
    /// thrown away for it.
    fn answer_action(&mut self, tag: i64, now: Timestamp) {
        self.desktop.raise = true;
        if self.dialog.holds_typed_input() {
            self.view.status.set_notice(
                "Finish or close the open dialog first; the notification waits in the 🔔 list",
            );
            return;
        }
        if tag == SUMMARY_TAG {
            self.apply_notifications(crate::app::view::intent::NotificationsIntent::Open, now);
            return;
        }
        let Some(notification) = self.find_notification(NotificationId(tag), now) else {
            return;
        };
        let read = self
            .workspace
            .mark_notification_read(&self.session, notification.id, now);
        report_failure(&mut self.view.status, read);
        if notification.kind == NotificationKind::ExpiringSoon {
            // R-BEY-1: the same approver, permission and message, ready to send.
            if self.open_entry_of(notification.request_id, now) {
                self.apply_access(AccessIntent::RequestExtension(notification.request_id), now);
            }
        } else {
            self.open_about(&notification, now);
        }
        self.refresh_notifications(now);
    }
}

/// The one action a notification carries, where the server shows actions.
fn open_action(actions: bool, label: &str) -> Vec<NotificationAction> {
    if actions {
        vec![NotificationAction {
            key: DEFAULT_ACTION.to_owned(),
            label: label.to_owned(),
        }]
    } else {
        Vec::new()
    }
}
