//! What each side is told, and when (R-NOT-1). Texts are worded for people.

use super::ids::{NotificationId, RequestId, UserId};
use super::time::{Span, Timestamp};
use serde::{Deserialize, Serialize};

/// Why a notification was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotificationKind {
    /// A request waits for the recipient's decision.
    RequestSubmitted,
    /// Someone took emergency access (to approvers and administrators).
    BreakGlassUsed,
    /// The recipient's request was approved (possibly with changes).
    Approved,
    /// The recipient's request was denied.
    Denied,
    /// The recipient's access ends soon.
    ExpiringSoon,
    /// The recipient's access ended.
    Expired,
    /// Someone else revoked the recipient's access.
    Revoked,
    /// The recipient's request lapsed.
    Lapsed,
    /// An administrator granted the recipient access directly.
    DirectGrant,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 9] = [
        NotificationKind::RequestSubmitted,
        NotificationKind::BreakGlassUsed,
        NotificationKind::Approved,
        NotificationKind::Denied,
        NotificationKind::ExpiringSoon,
        NotificationKind::Expired,
        NotificationKind::Revoked,
        NotificationKind::Lapsed,
        NotificationKind::DirectGrant,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            NotificationKind::RequestSubmitted => "request_submitted",
            NotificationKind::BreakGlassUsed => "break_glass_used",
            NotificationKind::Approved => "approved",
            NotificationKind::Denied => "denied",
            NotificationKind::ExpiringSoon => "expiring_soon",
            NotificationKind::Expired => "expired",
            NotificationKind::Revoked => "revoked",
            NotificationKind::Lapsed => "lapsed",
            NotificationKind::DirectGrant => "direct_grant",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<NotificationKind> {
        NotificationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A notification to be stored for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Who is told.
    pub user_id: UserId,
    /// Why.
    pub kind: NotificationKind,
    /// The request concerned.
    pub request_id: RequestId,
    /// One line, e.g. "Access approved: db-prod-01".
    pub title: String,
    /// The details.
    pub body: String,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its id.
    pub id: NotificationId,
    /// Who is told.
    pub user_id: UserId,
    /// Why.
    pub kind: NotificationKind,
    /// The request concerned.
    pub request_id: RequestId,
    /// Title line.
    pub title: String,
    /// Details.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// When the user marked it read.
    pub read_at: Option<Timestamp>,
    /// When a window showed it as a desktop notification (once per user, R-NOT-2).
    pub shown_at: Option<Timestamp>,
    /// "Handled by Bob Approver at …" once another approver decided (R-BEY-7).
    pub handled_note: String,
}

/// The words of each notification, given the names involved.
#[derive(Debug, Clone, Copy)]
pub struct NotificationText<'a> {
    /// The entry's name.
    pub entry_name: &'a str,
    /// The requester's display name.
    pub requester_name: &'a str,
    /// The permission set's name.
    pub permission_set_name: &'a str,
}

impl NotificationText<'_> {
    /// (title, body) for a new request waiting for a decision.
    pub fn submitted(&self, window: &str, message: &str) -> (String, String) {
        let mut body = format!(
            "{} asks for {} on {} for {window}.",
            self.requester_name, self.permission_set_name, self.entry_name
        );
        if !message.is_empty() {
            body = format!("{body} “{message}”");
        }
        (format!("Access request: {}", self.entry_name), body)
    }

    /// (title, body) for emergency access taken.
    pub fn break_glass(&self, length: Span, reason: &str) -> (String, String) {
        (
            format!("Emergency access: {}", self.entry_name),
            format!(
                "{} took emergency {} access on {} for {}. Reason: “{reason}”. Review it.",
                self.requester_name,
                self.permission_set_name,
                self.entry_name,
                length.human()
            ),
        )
    }

    /// (title, body) for an approval.
    pub fn approved(
        &self,
        approver: &str,
        modified: bool,
        window: &str,
        message: &str,
    ) -> (String, String) {
        let how = if modified {
            "approved with changes"
        } else {
            "approved"
        };
        let mut body = format!(
            "{approver} {how} your request for {} on {}: {window}.",
            self.permission_set_name, self.entry_name
        );
        if !message.is_empty() {
            body = format!("{body} “{message}”");
        }
        (format!("Access approved: {}", self.entry_name), body)
    }

    /// (title, body) for a direct grant.
    pub fn direct_grant(&self, admin: &str, window: &str, message: &str) -> (String, String) {
        let mut body = format!(
            "{admin} granted you {} on {}: {window}.",
            self.permission_set_name, self.entry_name
        );
        if !message.is_empty() {
            body = format!("{body} “{message}”");
        }
        (format!("Access granted: {}", self.entry_name), body)
    }

    /// (title, body) for a denial.
    pub fn denied(&self, approver: &str, reason: &str) -> (String, String) {
        let reason = if reason.is_empty() {
            "No reason was given.".to_owned()
        } else {
            format!("Reason: “{reason}”")
        };
        (
            format!("Access denied: {}", self.entry_name),
            format!(
                "{approver} denied your request for {}. {reason}",
                self.entry_name
            ),
        )
    }

    /// (title, body) for an expiring-soon warning.
    pub fn expiring_soon(&self, end_at: Timestamp, left: Span) -> (String, String) {
        (
            format!("Access ends soon: {}", self.entry_name),
            format!(
                "Your access to {} ends at {} (in {}). Request an extension if you need more time.",
                self.entry_name,
                end_at.local_minute(),
                left.human()
            ),
        )
    }

    /// (title, body) for an expiry.
    pub fn expired(&self, end_at: Timestamp) -> (String, String) {
        (
            format!("Access ended: {}", self.entry_name),
            format!(
                "Your access to {} ended at {}.",
                self.entry_name,
                end_at.local_minute()
            ),
        )
    }

    /// (title, body) for a revocation by someone else.
    pub fn revoked(&self, by: &str, reason: &str) -> (String, String) {
        let mut body = format!("{by} revoked your access to {}.", self.entry_name);
        if !reason.is_empty() {
            body = format!("{body} “{reason}”");
        }
        (format!("Access revoked: {}", self.entry_name), body)
    }

    /// (title, body) for a lapse.
    pub fn lapsed(&self, was_pending: bool) -> (String, String) {
        let body = if was_pending {
            format!(
                "Your request for {} was not decided in time and lapsed.",
                self.entry_name
            )
        } else {
            format!(
                "Your approved access to {} was not used in time and lapsed.",
                self.entry_name
            )
        };
        (format!("Request lapsed: {}", self.entry_name), body)
    }
}
