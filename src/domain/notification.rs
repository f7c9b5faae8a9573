//! What each side is told, and when (R-NOT-1). A notification is stored as
//! facts — the names involved as they were when it was written, instants in
//! UTC, spans — never as words: the window words them for its reader, in the
//! reader's time zone (`app::present`).

use super::ids::{NotificationId, RequestId, UserId};
use super::request::{AccessWindow, Request};
use super::time::{Span, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Why a notification was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// The names a notification mentions, as they were when it was written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NotificationNames {
    /// The entry's name.
    pub entry: String,
    /// The requester's display name.
    pub requester: String,
    /// The permission set's name.
    pub permission_set: String,
}

/// A time frame as a notification states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotifiedWindow {
    /// As asked or authorized, not yet placed in time: a length from
    /// approval, or a fixed frame.
    Terms(AccessWindow),
    /// A grant placed in time, `[start_at, end_at)`.
    Placed {
        /// First instant of access.
        start_at: Timestamp,
        /// First instant without access.
        end_at: Timestamp,
    },
    /// A grant whose clock starts on first use, if used by `claim_by_at`.
    OnFirstUse {
        /// How long it runs once used.
        length: Span,
        /// The last instant it may be claimed.
        claim_by_at: Timestamp,
    },
}

impl NotifiedWindow {
    /// The window of an approved or granted request: placed when it has a
    /// start and an end, on first use when it waits for one, else its terms.
    pub fn of_grant(request: &Request) -> NotifiedWindow {
        match (
            request.grant_start_at,
            request.grant_end_at,
            request.claim_by_at,
        ) {
            (Some(start_at), Some(end_at), _) => NotifiedWindow::Placed { start_at, end_at },
            (_, _, Some(claim_by_at)) => NotifiedWindow::OnFirstUse {
                // Invariant: only a window with a length starts on first use.
                length: request
                    .effective_terms()
                    .window
                    .length()
                    .unwrap_or_default(),
                claim_by_at,
            },
            _ => NotifiedWindow::Terms(request.effective_terms().window),
        }
    }
}

/// What a notification tells, one variant per [`NotificationKind`].
///
/// Invariant: stored as JSON (serde's names of variants and fields, here and
/// in the types it holds), so renaming one is a schema change: old rows must
/// still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationFacts {
    /// A request waits for the recipient's decision.
    RequestSubmitted {
        /// The names involved.
        names: NotificationNames,
        /// The window asked for.
        window: AccessWindow,
        /// The requester's message (may be empty).
        message: String,
    },
    /// Someone took emergency access.
    BreakGlassUsed {
        /// The names involved.
        names: NotificationNames,
        /// How long the emergency access lasts.
        length: Span,
        /// The reason given.
        reason: String,
    },
    /// The recipient's request was approved.
    Approved {
        /// The names involved.
        names: NotificationNames,
        /// Who approved.
        approver: String,
        /// Whether the terms were changed.
        modified: bool,
        /// The window granted.
        window: NotifiedWindow,
        /// The approver's message (may be empty).
        message: String,
    },
    /// An administrator granted the recipient access directly.
    DirectGrant {
        /// The names involved.
        names: NotificationNames,
        /// Who granted it.
        admin: String,
        /// The window granted.
        window: NotifiedWindow,
        /// The administrator's message (may be empty).
        message: String,
    },
    /// The recipient's request was denied.
    Denied {
        /// The names involved.
        names: NotificationNames,
        /// Who denied it.
        approver: String,
        /// Why (may be empty).
        reason: String,
    },
    /// The recipient's access ends soon.
    ExpiringSoon {
        /// The names involved.
        names: NotificationNames,
        /// When access ends.
        end_at: Timestamp,
        /// How much time was left when the notice was written.
        left: Span,
    },
    /// The recipient's access ended.
    Expired {
        /// The names involved.
        names: NotificationNames,
        /// When access ended.
        end_at: Timestamp,
    },
    /// Someone else revoked the recipient's access.
    Revoked {
        /// The names involved.
        names: NotificationNames,
        /// Who revoked it.
        by: String,
        /// Why (may be empty).
        reason: String,
    },
    /// The recipient's request lapsed.
    Lapsed {
        /// The names involved.
        names: NotificationNames,
        /// Whether it lapsed undecided (else approved but never used).
        was_pending: bool,
    },
}

impl NotificationFacts {
    /// The kind of notification these facts make.
    pub const fn kind(&self) -> NotificationKind {
        match self {
            NotificationFacts::RequestSubmitted { .. } => NotificationKind::RequestSubmitted,
            NotificationFacts::BreakGlassUsed { .. } => NotificationKind::BreakGlassUsed,
            NotificationFacts::Approved { .. } => NotificationKind::Approved,
            NotificationFacts::DirectGrant { .. } => NotificationKind::DirectGrant,
            NotificationFacts::Denied { .. } => NotificationKind::Denied,
            NotificationFacts::ExpiringSoon { .. } => NotificationKind::ExpiringSoon,
            NotificationFacts::Expired { .. } => NotificationKind::Expired,
            NotificationFacts::Revoked { .. } => NotificationKind::Revoked,
            NotificationFacts::Lapsed { .. } => NotificationKind::Lapsed,
        }
    }

    /// The names involved.
    pub const fn names(&self) -> &NotificationNames {
        match self {
            NotificationFacts::RequestSubmitted { names, .. }
            | NotificationFacts::BreakGlassUsed { names, .. }
            | NotificationFacts::Approved { names, .. }
            | NotificationFacts::DirectGrant { names, .. }
            | NotificationFacts::Denied { names, .. }
            | NotificationFacts::ExpiringSoon { names, .. }
            | NotificationFacts::Expired { names, .. }
            | NotificationFacts::Revoked { names, .. }
            | NotificationFacts::Lapsed { names, .. } => names,
        }
    }
}

/// A notification to be stored for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Who is told.
    pub user_id: UserId,
    /// The request concerned.
    pub request_id: RequestId,
    /// What they are told; its kind is [`NotificationFacts::kind`].
    pub facts: NotificationFacts,
}

/// What a stored notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationContent {
    /// Facts, worded when shown.
    Facts(NotificationFacts),
    /// The words stored by a version that wrote notifications as text, shown as they are.
    Legacy {
        /// Title line.
        title: String,
        /// Details.
        body: String,
    },
}

/// How another approver handled a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HandledOutcome {
    /// Approved it.
    Approved,
    /// Denied it.
    Denied,
    /// The requester cancelled it.
    Cancelled,
}

/// Who handled a request, and when (R-BEY-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    /// What was done.
    pub outcome: HandledOutcome,
    /// The display name of who did it, as it was then.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// The note on a notification about a request someone else has handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandledNote {
    /// Recorded as facts.
    Recorded(Handling),
    /// Words stored by a version that wrote the note as text, shown as they are.
    Legacy(String),
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
    /// What it says.
    pub content: NotificationContent,
    /// When it was written.
    pub created_at: Timestamp,
    /// When the user marked it read.
    pub read_at: Option<Timestamp>,
    /// When a window showed it as a desktop notification (once per user, R-NOT-2).
    pub shown_at: Option<Timestamp>,
    /// Set once another approver handled the request (R-BEY-7).
    pub handled: Option<HandledNote>,
    /// The notification server's id of the desktop notification that showed
    /// it, so a later "handled by" can replace it in place (R-BEY-7).
    pub desktop_id: Option<u32>,
    /// When a window announced on the desktop that someone else handled the
    /// request (once per user, like `shown_at`).
    pub handled_shown_at: Option<Timestamp>,
}

/// Not yet shown on any desktop: the oldest few, and how many in all, so a
/// long backlog becomes one summary (R-NOT-2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DesktopBacklog {
    /// The oldest, oldest first.
    pub oldest: Vec<Notification>,
    /// How many there are in all.
    pub total: usize,
}

/// Which kinds a user wants shown on the desktop; the in-app list shows every
/// kind whatever these say. Kept with the user in the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotificationPreferences {
    /// The kinds switched off; every other kind is shown.
    desktop_off: BTreeSet<NotificationKind>,
}

impl NotificationPreferences {
    /// Whether notifications of `kind` are shown on the desktop.
    pub fn shows_on_desktop(&self, kind: NotificationKind) -> bool {
        !self.desktop_off.contains(&kind)
    }

    /// Switches desktop notifications of `kind` on or off.
    pub fn set_desktop(&mut self, kind: NotificationKind, on: bool) {
        if on {
            self.desktop_off.remove(&kind);
        } else {
            self.desktop_off.insert(kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_on_until_switched_off() {
        let mut prefs = NotificationPreferences::default();
        assert!(
            NotificationKind::ALL
                .iter()
                .all(|k| prefs.shows_on_desktop(*k))
        );
        prefs.set_desktop(NotificationKind::Expired, false);
        prefs.set_desktop(NotificationKind::Expired, false);
        for kind in NotificationKind::ALL {
            assert_eq!(
                prefs.shows_on_desktop(kind),
                kind != NotificationKind::Expired
            );
        }
        prefs.set_desktop(NotificationKind::Expired, true);
        assert_eq!(prefs, NotificationPreferences::default());
    }
}
