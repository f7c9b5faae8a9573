//! What the passage of time does (R-TIME-2, R-NOT-1, R-APP-7, R-BEY-2):
//! expiries, lapses and expiring-soon notices, each recorded exactly once,
//! whichever window or process notices first.

use super::ServiceError;
use super::Workspace;
use crate::domain::audit::AuditAction;
use crate::domain::notification::{NewNotification, NotificationFacts, NotificationNames};
use crate::domain::request::{self, TimeEvent};
use crate::domain::{RequestId, Span, Timestamp};
use serde_json::json;

/// What one tick recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Grants whose end was recorded.
    pub expired: Vec<RequestId>,
    /// Requests that lapsed.
    pub lapsed: Vec<RequestId>,
    /// Grants whose requester was warned.
    pub expiring_soon: Vec<RequestId>,
}

impl TickReport {
    /// Whether nothing happened.
    pub fn is_empty(&self) -> bool {
        self.expired.is_empty() && self.lapsed.is_empty() && self.expiring_soon.is_empty()
    }
}

impl Workspace {
    /// Records what time did by `now`. Cheap when nothing is due: one read
    /// query, no write lock. Safe to call from several processes at once.
    pub fn tick(&mut self, now: Timestamp) -> Result<TickReport, ServiceError> {
        let any_due = self.read(now, |ops| {
            let lead = Span::mins(i64::from(ops.settings()?.expiring_soon_lead_mins));
            Ok(!ops.tx.requests_due(now, lead.millis())?.is_empty())
        })?;
        if !any_due {
            return Ok(TickReport::default());
        }
        self.write(now, |ops| {
            let settings = ops.settings()?;
            let lead = Span::mins(i64::from(settings.expiring_soon_lead_mins));
            let mut report = TickReport::default();
            // Re-read under the write lock: another process may have recorded them meanwhile.
            for mut due in ops.tx.requests_due(now, lead.millis())? {
                let was_pending = due.status == request::RequestStatus::Pending;
                let events = request::advance(&mut due, &settings, now);
                if events.is_empty() {
                    continue;
                }
                ops.tx.update_request(&due)?;
                let names = NotificationNames {
                    entry: ops.target_name(due.target)?,
                    requester: ops.display_name(due.requester_id)?,
                    permission_set: ops.permission_set_name(due.effective_terms().permission_set_id)?,
                };
                for event in events {
                    let names = names.clone();
                    let (action, facts) = match event {
                        TimeEvent::Lapsed => {
                            report.lapsed.push(due.id);
                            (Some(AuditAction::Lapsed), NotificationFacts::Lapsed { names, was_pending })
                        }
                        TimeEvent::ExpiringSoon => {
                            report.expiring_soon.push(due.id);
                            let end_at = due.grant_end_at.unwrap_or(now);
                            (None, NotificationFacts::ExpiringSoon { names, end_at, left: end_at.since(now) })
                        }
                        TimeEvent::Expired => {
                            report.expired.push(due.id);
                            let end_at = due.grant_end_at.unwrap_or(now);
                            (Some(AuditAction::Expired), NotificationFacts::Expired { names, end_at })
                        }
                    };
                    if let Some(action) = action {
                        let at = if event == TimeEvent::Expired { due.grant_end_at } else { due.ended_at };
                        let details = json!({ "at_ms": at.map(Timestamp::millis), "was_pending": was_pending });
                        ops.audit(None, action, Some(due.id), due.entry_id(), &details)?;
                    }
                    ops.notify(&NewNotification { user_id: due.requester_id, request_id: due.id, facts })?;
                }
            }
            Ok(report)
        })
    }

    /// The next instant after `now` at which `tick` will have something to do,
    /// so a window can sleep until then instead of polling.
    pub fn next_tick_at(&mut self, now: Timestamp) -> Result<Option<Timestamp>, ServiceError> {
        self.read(now, |ops| {
            let lead = Span::mins(i64::from(ops.settings()?.expiring_soon_lead_mins));
            Ok(ops.tx.next_due_at(now, lead.millis())?)
        })
    }
}
