//! The notifications area of a PostgreSQL workspace's store (issue 19):
//! each call acts on the signed-in user's own notifications and preferences
//! (the server refuses another user's id), and a notification is written
//! only when its request calls for it (`sql/notifications.sql`).

use super::tx::failed;
use crate::domain::notification::{
    HandledNote, HandledOutcome, Handling, NewNotification, Notification, NotificationContent,
    NotificationKind, NotificationPreferences,
};
use crate::domain::{NotificationId, RequestId, Timestamp, UserId};
use crate::store::StoreError;
use ::postgres::Transaction;

/// The columns of `latchkey.notification_row`, in their order.
const COLUMNS: &str = "id, user_id, kind, request_id, title, body, created_at_ms, read_at_ms, \
     shown_at_ms, handled_note, facts, handled, desktop_id, handled_shown_at_ms";

fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::BadData(format!("{what}: {e}"))
}

fn notification(row: &::postgres::Row) -> Result<Notification, StoreError> {
    let kind: String = row.get(2);
    let ts = |i: usize| row.get::<_, Option<i64>>(i).map(Timestamp);
    Ok(Notification {
        id: NotificationId(row.get(0)),
        user_id: UserId(row.get(1)),
        kind: NotificationKind::parse(&kind).ok_or_else(|| bad("notification kind", &kind))?,
        request_id: RequestId(row.get(3)),
        content: match row.get::<_, Option<String>>(10) {
            Some(facts) => NotificationContent::Facts(
                serde_json::from_str(&facts).map_err(|e| bad("notification facts", e))?,
            ),
            None => NotificationContent::Legacy {
                title: row.get(4),
                body: row.get(5),
            },
        },
        created_at: Timestamp(row.get(6)),
        read_at: ts(7),
        shown_at: ts(8),
        handled: match (row.get::<_, Option<String>>(11), row.get::<_, String>(9)) {
            (Some(handled), _) => Some(HandledNote::Recorded(
                serde_json::from_str(&handled).map_err(|e| bad("notification handled", e))?,
            )),
            (None, note) if note.is_empty() => None,
            (None, note) => Some(HandledNote::Legacy(note)),
        },
        desktop_id: row
            .get::<_, Option<i64>>(12)
            .and_then(|id| u32::try_from(id).ok()),
        handled_shown_at: ts(13),
    })
}

fn list(
    tx: &mut Transaction<'_>,
    call: &str,
    params: &[&(dyn ::postgres::types::ToSql + Sync)],
) -> Result<Vec<Notification>, StoreError> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM latchkey_api.{call}"),
        params,
    )
    .map_err(failed)?
    .iter()
    .map(notification)
    .collect()
}

fn one<T: for<'a> ::postgres::types::FromSql<'a>>(
    tx: &mut Transaction<'_>,
    call: &str,
    params: &[&(dyn ::postgres::types::ToSql + Sync)],
) -> Result<T, StoreError> {
    let row = tx
        .query_one(&format!("SELECT latchkey_api.{call}"), params)
        .map_err(failed)?;
    Ok(row.get(0))
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or_default()
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Stores a notification; the server writes it at its own instant.
pub(super) fn insert_notification(
    tx: &mut Transaction<'_>,
    n: &NewNotification,
) -> Result<NotificationId, StoreError> {
    let facts = serde_json::to_string(&n.facts).map_err(|e| StoreError::BadData(e.to_string()))?;
    one(
        tx,
        "insert_notification($1, $2, $3, $4)",
        &[
            &n.user_id.0,
            &n.request_id.0,
            &n.facts.kind().as_str(),
            &facts,
        ],
    )
    .map(NotificationId)
}

pub(super) fn notifications(
    tx: &mut Transaction<'_>,
    user: UserId,
    n: usize,
) -> Result<Vec<Notification>, StoreError> {
    list(tx, "notifications($1, $2)", &[&user.0, &limit(n)])
}

pub(super) fn mark_notification_read(
    tx: &mut Transaction<'_>,
    id: NotificationId,
    user: UserId,
) -> Result<bool, StoreError> {
    one(tx, "mark_notification_read($1, $2)", &[&id.0, &user.0])
}

pub(super) fn claim_notification_shown(
    tx: &mut Transaction<'_>,
    id: NotificationId,
    user: UserId,
) -> Result<bool, StoreError> {
    one(tx, "claim_notification_shown($1, $2)", &[&id.0, &user.0])
}

pub(super) fn unread_notification_count(
    tx: &mut Transaction<'_>,
    user: UserId,
) -> Result<usize, StoreError> {
    one(tx, "unread_notification_count($1)", &[&user.0]).map(count)
}

pub(super) fn mark_all_notifications_read(
    tx: &mut Transaction<'_>,
    user: UserId,
) -> Result<usize, StoreError> {
    one(tx, "mark_all_notifications_read($1)", &[&user.0]).map(count)
}

pub(super) fn unshown_notifications(
    tx: &mut Transaction<'_>,
    user: UserId,
    n: usize,
) -> Result<Vec<Notification>, StoreError> {
    list(tx, "unshown_notifications($1, $2)", &[&user.0, &limit(n)])
}

pub(super) fn unshown_notification_count(
    tx: &mut Transaction<'_>,
    user: UserId,
) -> Result<usize, StoreError> {
    one(tx, "unshown_notification_count($1)", &[&user.0]).map(count)
}

pub(super) fn set_notification_desktop_id(
    tx: &mut Transaction<'_>,
    id: NotificationId,
    user: UserId,
    desktop_id: u32,
) -> Result<bool, StoreError> {
    one(
        tx,
        "set_notification_desktop_id($1, $2, $3)",
        &[&id.0, &user.0, &i64::from(desktop_id)],
    )
}

pub(super) fn handled_unannounced(
    tx: &mut Transaction<'_>,
    user: UserId,
) -> Result<Vec<Notification>, StoreError> {
    list(tx, "handled_unannounced($1)", &[&user.0])
}

pub(super) fn claim_handled_shown(
    tx: &mut Transaction<'_>,
    id: NotificationId,
    user: UserId,
) -> Result<bool, StoreError> {
    one(tx, "claim_handled_shown($1, $2)", &[&id.0, &user.0])
}

pub(super) fn notification_preferences(
    tx: &mut Transaction<'_>,
    user: UserId,
) -> Result<NotificationPreferences, StoreError> {
    let rows = tx
        .query(
            "SELECT kind, desktop FROM latchkey_api.notification_preferences($1)",
            &[&user.0],
        )
        .map_err(failed)?;
    let mut preferences = NotificationPreferences::default();
    for row in rows {
        // A kind this version does not know is kept and ignored here.
        if let Some(kind) = NotificationKind::parse(row.get(0)) {
            preferences.set_desktop(kind, row.get(1));
        }
    }
    Ok(preferences)
}

pub(super) fn set_notification_preference(
    tx: &mut Transaction<'_>,
    user: UserId,
    kind: NotificationKind,
    desktop: bool,
) -> Result<(), StoreError> {
    tx.execute(
        "SELECT latchkey_api.set_notification_preference($1, $2, $3)",
        &[&user.0, &kind.as_str(), &desktop],
    )
    .map_err(failed)?;
    Ok(())
}

/// Notes that the caller handled `request`: the server writes who (the
/// caller's display name) and when (its instant); only the outcome is sent.
pub(super) fn note_request_handled(
    tx: &mut Transaction<'_>,
    request: RequestId,
    except_user: UserId,
    handling: &Handling,
) -> Result<(), StoreError> {
    let outcome = match handling.outcome {
        HandledOutcome::Approved => "Approved",
        HandledOutcome::Denied => "Denied",
        HandledOutcome::Cancelled => "Cancelled",
    };
    tx.execute(
        "SELECT latchkey_api.note_request_handled($1, $2, $3)",
        &[&request.0, &except_user.0, &outcome],
    )
    .map_err(failed)?;
    Ok(())
}
