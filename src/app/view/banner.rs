//! The Temporary Access banner of an entry (R-REQ-7, R-BEY-1): which of the
//! user's requests on it matters now, and what to say about it.

use crate::app::present;
use crate::domain::request::{Phase, Request, RequestKind, RequestStatus, expiring_soon_at};
use crate::domain::{RequestId, Span, Timestamp, UserId};
use std::cmp::Reverse;

/// How the banner looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Waiting or scheduled.
    Info,
    /// Access is active.
    Active,
    /// Access ends soon.
    Warning,
    /// Denied, revoked, expired, lapsed.
    Ended,
}

/// What the banner shows and offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BannerView {
    /// The request it is about.
    pub request_id: RequestId,
    /// Its phase at `now`.
    pub phase: Phase,
    /// Look.
    pub tone: Tone,
    /// The main line ("Access active — 1 h 29 min 59 s remaining").
    pub headline: String,
    /// A second line (messages, times), possibly empty.
    pub detail: String,
    /// Offer "Cancel request".
    pub can_cancel: bool,
    /// Offer "Release access now…".
    pub can_release: bool,
    /// Offer "Revoke…".
    pub can_revoke: bool,
    /// Offer "Request extension…" (R-REQ-9; highlighted once expiring soon, R-BEY-1).
    pub can_extend: bool,
    /// The expiring-soon moment has come (R-BEY-1 nudge).
    pub is_expiring_soon: bool,
    /// When the banner's text next changes (the next whole second of a
    /// countdown, or a phase change), so the window repaints only then.
    pub next_change_at: Option<Timestamp>,
}

/// Picks the request that matters most at `now`: active, then awaiting first
/// use, scheduled, pending, then the one that ended most recently — by the
/// instant it ended or was decided, not by when it was asked (issue 12: a
/// grant that just expired is not hidden by an older request cancelled
/// later in the list).
pub fn relevant_request(requests: &[Request], now: Timestamp) -> Option<&Request> {
    let rank = |phase: Phase| match phase {
        Phase::Active => 0,
        Phase::AwaitingFirstUse => 1,
        Phase::Scheduled => 2,
        Phase::Pending => 3,
        _ => 4,
    };
    // `requests` come newest first; `min_by_key` keeps the first of equals.
    requests.iter().min_by_key(|r| {
        let phase = r.phase(now);
        (rank(phase), Reverse(ended_at(r, phase)))
    })
}

/// When a request that is over at `now` ended: its grant's end, the
/// decision that denied it, the cancel, revocation or release, or the
/// moment it lapsed. `None` for a request that is not over.
fn ended_at(request: &Request, phase: Phase) -> Option<Timestamp> {
    match phase {
        Phase::Active | Phase::AwaitingFirstUse | Phase::Scheduled | Phase::Pending => None,
        Phase::Expired => request.effective_end_at(),
        Phase::Denied => request.decided_at,
        Phase::Cancelled | Phase::Revoked | Phase::Released => request.ended_at,
        Phase::Lapsed => request.ended_at.or(match request.status {
            // Approved but never used: it lapsed when first use was due.
            RequestStatus::Approved => request.claim_by_at,
            _ => Some(request.pending_until_at),
        }),
    }
}

/// The countdown's next tick: the instant the remaining whole seconds change.
fn next_second(end: Timestamp, now: Timestamp) -> Timestamp {
    let left = end.since(now).millis();
    let into_second = left.rem_euclid(1_000);
    now + Span(if into_second == 0 { 1_000 } else { into_second })
}

/// The banner for `request` at `now`. `name_of` gives display names.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per phase, each banner's wording side by side"
)]
pub fn banner(
    request: &Request,
    now: Timestamp,
    expiring_lead: Span,
    name_of: &dyn Fn(UserId) -> String,
) -> BannerView {
    let phase = request.phase(now);
    let mut view = BannerView {
        request_id: request.id,
        phase,
        tone: Tone::Info,
        headline: String::new(),
        detail: String::new(),
        can_cancel: false,
        can_release: false,
        can_revoke: false,
        can_extend: false,
        is_expiring_soon: false,
        next_change_at: None,
    };
    let decided_by = request.decided_by.map(name_of).unwrap_or_default();
    match phase {
        Phase::Pending => {
            let approver = request
                .approver_id
                .map_or_else(|| "an approver".to_owned(), name_of);
            view.headline = format!(
                "Waiting for {approver} since {}",
                request.created_at.to_local().format("%H:%M")
            );
            if !request.approvals.is_empty() {
                view.detail = format!(
                    "{} approval(s) given; more are needed",
                    request.approvals.len()
                );
            }
            view.can_cancel = true;
            view.next_change_at = Some(request.pending_until_at);
        }
        Phase::AwaitingFirstUse => {
            let claim_by = request.claim_by_at.unwrap_or(now);
            view.headline = "Approved — starts when you first use it".into();
            view.detail = format!(
                "{} of access from first use; use it by {}",
                present::duration(
                    request
                        .effective_terms()
                        .window
                        .length()
                        .unwrap_or_default()
                ),
                present::local_minute(claim_by)
            );
            view.can_revoke = true;
            view.next_change_at = Some(claim_by);
        }
        Phase::Scheduled => {
            let start = request.grant_start_at.unwrap_or(now);
            view.headline = format!(
                "Approved — starts in {}",
                present::countdown(start.since(now))
            );
            view.detail = format!(
                "{} – {}",
                present::local_minute(start),
                request
                    .grant_end_at
                    .map_or_else(String::new, present::local_minute)
            );
            view.can_revoke = true;
            view.next_change_at = Some(next_second(start, now).min(start));
        }
        Phase::Active if request.is_permanent() => {
            // R-REQ-10: held as a standing permission until someone removes it.
            view.tone = Tone::Active;
            view.headline = format!(
                "✔ Permanent access, approved by {decided_by} on {}",
                present::local_minute(request.grant_start_at.unwrap_or(now))
            );
            view.detail = "No end: it lasts until it is revoked or given back.".into();
            view.can_release = true;
            view.can_revoke = true;
        }
        Phase::Active => {
            let (start, end) = (
                request.grant_start_at.unwrap_or(now),
                request.grant_end_at.unwrap_or(now),
            );
            let soon_at = expiring_soon_at(start, end, expiring_lead);
            view.is_expiring_soon = now >= soon_at;
            view.tone = if view.is_expiring_soon {
                Tone::Warning
            } else {
                Tone::Active
            };
            let is_emergency = request.kind == RequestKind::BreakGlass;
            view.headline = format!(
                "{} — {} remaining",
                if is_emergency {
                    "⚠ Emergency access active"
                } else {
                    "✔ Access active"
                },
                present::countdown(end.since(now))
            );
            view.detail = if is_emergency {
                // Never extended: another emergency needs its own reason.
                view.tone = Tone::Warning;
                format!(
                    "Until {}. Taken without an approval; every approver and administrator was told, and it will be reviewed.",
                    end.local_second()
                )
            } else {
                view.can_extend = true;
                format!("Until {}", end.local_second())
            };
            view.can_release = true;
            view.can_revoke = true;
            view.next_change_at = Some(next_second(end, now));
        }
        Phase::Expired => {
            view.tone = Tone::Ended;
            view.headline = format!(
                "Access expired at {}",
                request
                    .grant_end_at
                    .map_or_else(String::new, present::local_minute)
            );
        }
        Phase::Denied => {
            view.tone = Tone::Ended;
            view.headline = format!("Denied by {decided_by}");
            view.detail = if request.decision_message.is_empty() {
                "No reason was given".into()
            } else {
                format!("“{}”", request.decision_message)
            };
        }
        Phase::Revoked => {
            view.tone = Tone::Ended;
            let by = request.ended_by.map(name_of).unwrap_or_default();
            view.headline = format!(
                "Access revoked by {by} at {}",
                request
                    .ended_at
                    .map_or_else(String::new, present::local_minute)
            );
            view.detail = "Regaining access takes a new request".into();
        }
        Phase::Released => {
            view.tone = Tone::Ended;
            view.headline = format!(
                "You released this access at {}",
                request
                    .ended_at
                    .map_or_else(String::new, present::local_minute)
            );
            view.detail = request.closing_note.clone();
        }
        Phase::Cancelled => {
            view.tone = Tone::Ended;
            view.headline = "You cancelled your request".into();
        }
        Phase::Lapsed => {
            view.tone = Tone::Ended;
            view.headline = if request.decided_by.is_some() {
                "Approved access lapsed unused".into()
            } else {
                "Your request lapsed without a decision".into()
            };
        }
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::request::{AccessWindow, Terms};
    use crate::domain::{EntryId, PermissionSetId, VaultId};

    const T0: Timestamp = Timestamp(1_800_000_000_000);

    fn approved(start: i64, end: i64) -> Request {
        let terms = Terms {
            permission_set_id: PermissionSetId(1),
            window: AccessWindow::Duration { mins: 60 },
        };
        Request {
            id: RequestId(1),
            approver_id: Some(UserId(2)),
            authorized: Some(terms),
            status: RequestStatus::Approved,
            decided_by: Some(UserId(2)),
            decided_at: Some(T0),
            grant_start_at: Some(T0 + Span(start)),
            grant_end_at: Some(T0 + Span(end)),
            ..Request::pending(
                UserId(1),
                crate::domain::request::Target::Entry(EntryId(1)),
                VaultId(1),
                terms,
                T0,
                T0 + Span::hours(24),
            )
        }
    }

    fn name(_: UserId) -> String {
        "Bob Approver".into()
    }

    /// R-BEY-5: emergency access says so, in the warning tone, and offers
    /// no extension (another emergency needs its own reason).
    #[test]
    fn emergency_access_is_shown_as_such() {
        let request = Request {
            kind: RequestKind::BreakGlass,
            ..approved(0, 3_600_000)
        };
        let view = banner(&request, T0, Span::mins(10), &name);
        assert_eq!(
            view.headline,
            "⚠ Emergency access active — 1 h 00 min 00 s remaining"
        );
        assert_eq!(view.tone, Tone::Warning);
        assert!(
            view.detail
                .contains("every approver and administrator was told")
        );
        assert!(!view.can_extend && view.can_release);
    }

    /// R-REQ-7, R-TIME-2: the countdown runs every second and never goes negative.
    #[test]
    fn active_countdown_ticks_each_second_then_expires() {
        let request = approved(0, 60_000);
        let lead = Span::mins(60);
        let at = |ms: i64| banner(&request, T0 + Span(ms), lead, &name);
        assert_eq!(at(0).headline, "✔ Access active — 1 min 00 s remaining");
        assert_eq!(at(500).headline, "✔ Access active — 59 s remaining");
        assert_eq!(
            at(500).next_change_at,
            Some(T0 + Span(1_000)),
            "repaint at the next whole second"
        );
        assert_eq!(at(59_999).headline, "✔ Access active — 0 s remaining");
        assert_eq!(at(60_000).phase, Phase::Expired);
        assert!(at(60_000).headline.starts_with("Access expired"));
        assert!(
            !at(70_000).headline.contains("remaining"),
            "no countdown once ended, never a negative one"
        );
    }

    #[test]
    fn scheduled_then_active_and_expiring_soon_offers_extension() {
        let request = approved(3_600_000, 7_200_000);
        let lead = Span::mins(10);
        let scheduled = banner(&request, T0, lead, &name);
        assert_eq!(scheduled.headline, "Approved — starts in 1 h 00 min 00 s");
        let active = banner(&request, T0 + Span::mins(61), lead, &name);
        assert_eq!(active.tone, Tone::Active);
        assert!(!active.is_expiring_soon);
        let soon = banner(&request, T0 + Span::mins(111), lead, &name);
        assert!(soon.is_expiring_soon && soon.can_extend && soon.tone == Tone::Warning);
    }

    #[test]
    fn active_wins_over_pending_and_ended() {
        let mut pending = approved(0, 0);
        pending.id = RequestId(3);
        pending.status = RequestStatus::Pending;
        let mut denied = approved(0, 0);
        denied.id = RequestId(2);
        denied.status = RequestStatus::Denied;
        let active = approved(0, 60_000);
        let requests = vec![pending.clone(), denied.clone(), active];
        assert_eq!(
            relevant_request(&requests, T0).map(|r| r.id),
            Some(RequestId(1))
        );
        let requests = vec![denied, pending];
        assert_eq!(
            relevant_request(&requests, T0).map(|r| r.id),
            Some(RequestId(3))
        );
    }

    /// Issue 12, item 4: once every request on the entry is over, the one
    /// that ended last is shown — a grant expiring now wins over a request
    /// asked after it but cancelled earlier.
    #[test]
    fn the_most_recently_ended_wins_not_the_most_recently_asked() {
        // Asked first, approved for an hour from T0: expires at T0 + 1 h.
        let grant = approved(0, 3_600_000);
        // Asked later, cancelled ten minutes after T0.
        let mut cancelled = approved(0, 0);
        cancelled.id = RequestId(2);
        cancelled.created_at = T0 + Span::mins(5);
        cancelled.status = RequestStatus::Cancelled;
        cancelled.ended_at = Some(T0 + Span::mins(10));
        let requests = vec![cancelled.clone(), grant.clone()];
        let at = |t: Timestamp| relevant_request(&requests, t).map(|r| r.id);
        assert_eq!(at(T0 + Span::mins(30)), Some(RequestId(1)), "active wins");
        assert_eq!(
            at(T0 + Span::hours(1)),
            Some(RequestId(1)),
            "expired at T0 + 1 h, after the cancel at T0 + 10 min"
        );
        let shown = banner(&grant, T0 + Span::hours(1), Span::mins(10), &name);
        assert!(shown.headline.starts_with("Access expired at"), "{shown:?}");

        // A denial decided after the expiry is newer news than the expiry.
        let mut denied = cancelled.clone();
        denied.id = RequestId(3);
        denied.status = RequestStatus::Denied;
        denied.ended_at = None;
        denied.decided_at = Some(T0 + Span::hours(2));
        let requests = vec![cancelled, denied, grant];
        assert_eq!(
            relevant_request(&requests, T0 + Span::hours(3)).map(|r| r.id),
            Some(RequestId(3))
        );
    }

    /// A pending request that nobody decided lapses at its deadline; an
    /// approved one never used lapses when first use was due.
    #[test]
    fn a_lapse_ends_at_its_deadline() {
        let mut unanswered = approved(0, 0);
        unanswered.id = RequestId(2);
        unanswered.status = RequestStatus::Pending;
        unanswered.pending_until_at = T0 + Span::hours(2);
        let mut expired = approved(0, 3_600_000);
        expired.id = RequestId(3);
        let requests = vec![expired.clone(), unanswered.clone()];
        assert_eq!(
            relevant_request(&requests, T0 + Span::hours(3)).map(|r| r.id),
            Some(RequestId(2)),
            "lapsed at T0 + 2 h, after the expiry at T0 + 1 h"
        );
        let mut unused = approved(0, 0);
        unused.id = RequestId(4);
        unused.grant_start_at = None;
        unused.grant_end_at = None;
        unused.claim_by_at = Some(T0 + Span::mins(30));
        let requests = vec![unused, expired];
        assert_eq!(
            relevant_request(&requests, T0 + Span::hours(3)).map(|r| r.id),
            Some(RequestId(3)),
            "the unused grant lapsed at T0 + 30 min, before the expiry"
        );
    }
}
