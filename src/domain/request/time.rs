//! What time does to a request (R-APP-7, R-BEY-2, R-NOT-1): a pending request
//! lapses, a first-use grant starts on its claim or lapses, an active grant is
//! warned about and expires.

use super::{Phase, Request, RequestStatus};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::time::{Span, Timestamp};

/// Starts a start-on-first-use grant now (R-BEY-2). Returns whether it started.
pub fn claim_first_use(request: &mut Request, now: Timestamp) -> bool {
    if request.phase(now) != Phase::AwaitingFirstUse {
        return false;
    }
    // Invariant: start on first use is refused with permanent access, so
    // a first-use grant always has a length.
    let Some(length) = request.effective_terms().window.length() else {
        return false;
    };
    request.grant_start_at = Some(now);
    request.grant_end_at = Some(now + length);
    true
}

/// What the passage of time did to a request, as found by [`advance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeEvent {
    /// A pending request passed its TTL, or an unused first-use grant its claim-by.
    Lapsed,
    /// The expiring-soon moment of an active grant came.
    ExpiringSoon,
    /// An approved grant's window ended.
    Expired,
}

/// The instant the requester is warned that a grant ends (R-NOT-1):
/// `end − min(lead, length / 4)`.
pub fn expiring_soon_at(start_at: Timestamp, end_at: Timestamp, lead: Span) -> Timestamp {
    let quarter = Span(end_at.since(start_at).millis() / 4);
    end_at - lead.min(quarter)
}

/// Applies what time did to `request` by `now` and says what happened, each
/// event once: the flags it sets make a second call a no-op.
pub fn advance(
    request: &mut Request,
    settings: &WorkspaceSettings,
    now: Timestamp,
) -> Vec<TimeEvent> {
    let mut events = Vec::new();
    match request.status {
        RequestStatus::Pending if now >= request.pending_until_at => {
            request.status = RequestStatus::Lapsed;
            request.ended_at = Some(request.pending_until_at);
            events.push(TimeEvent::Lapsed);
        }
        RequestStatus::Approved => match (
            request.grant_start_at,
            request.grant_end_at,
            request.claim_by_at,
        ) {
            (Some(start), Some(end), _) => {
                let lead = Span::mins(i64::from(settings.expiring_soon_lead_mins));
                if !request.expiring_soon_notified && now >= expiring_soon_at(start, end, lead) {
                    request.expiring_soon_notified = true;
                    // A warning after the end helps nobody (the app was closed): skip it.
                    if now < end {
                        events.push(TimeEvent::ExpiringSoon);
                    }
                }
                if !request.expiry_recorded && now >= end {
                    request.expiry_recorded = true;
                    events.push(TimeEvent::Expired);
                }
            }
            (_, _, Some(claim_by)) if now >= claim_by => {
                request.status = RequestStatus::Lapsed;
                request.ended_at = Some(claim_by);
                events.push(TimeEvent::Lapsed);
            }
            _ => {}
        },
        _ => {}
    }
    events
}

/// The next instant after `now` at which [`advance`] would find something to do.
pub fn next_time_event_at(
    request: &Request,
    settings: &WorkspaceSettings,
    now: Timestamp,
) -> Option<Timestamp> {
    match request.status {
        RequestStatus::Pending => Some(request.pending_until_at).filter(|at| *at > now),
        RequestStatus::Approved => match (
            request.grant_start_at,
            request.grant_end_at,
            request.claim_by_at,
        ) {
            (Some(start), Some(end), _) => {
                let lead = Span::mins(i64::from(settings.expiring_soon_lead_mins));
                let soon = expiring_soon_at(start, end, lead);
                [
                    Some(start),
                    (!request.expiring_soon_notified).then_some(soon),
                    (!request.expiry_recorded).then_some(end),
                ]
                .into_iter()
                .flatten()
                .filter(|at| *at > now)
                .min()
            }
            (_, _, Some(claim_by)) => Some(claim_by).filter(|at| *at > now),
            _ => None,
        },
        _ => None,
    }
}
