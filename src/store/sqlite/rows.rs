//! Rows ↔ domain values. Times are INTEGER unix milliseconds UTC.

use crate::domain::audit::AuditEvent;
use crate::domain::entry::{Dependency, DependencyRole, Entry, EntryKind};
use crate::domain::notification::{
    HandledNote, Notification, NotificationContent, NotificationKind,
};
use crate::domain::permission::{PermissionSet, Permissions, StandingGrant, StandingOrigin};
use crate::domain::request::{AccessWindow, Request, RequestKind, RequestStatus, Target, Terms};
use crate::domain::user::User;
use crate::domain::vault::Vault;
use crate::domain::{
    EntryId, NotificationId, PermissionSetId, RequestId, Timestamp, UserId, VaultId,
};
use crate::store::AuditRow;
use rusqlite::Row;
use rusqlite::types::Type;

fn bad(column: usize, what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        Type::Text,
        format!("unknown {what} “{value}”").into(),
    )
}

fn ts(value: Option<i64>) -> Option<Timestamp> {
    value.map(Timestamp)
}

pub const USER_COLUMNS: &str = "id, username, display_name, email, is_admin, is_active";

pub fn user(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(row.get(0)?),
        username: row.get(1)?,
        display_name: row.get(2)?,
        email: row.get(3)?,
        is_admin: row.get(4)?,
        is_active: row.get(5)?,
    })
}

pub const VAULT_COLUMNS: &str = "id, name, required_approvals, break_glass_allowed, \
    emergency_limit_mins, max_grant_mins, description, visible_to_non_members";

pub fn vault(row: &Row<'_>) -> rusqlite::Result<Vault> {
    Ok(Vault {
        id: VaultId(row.get(0)?),
        name: row.get(1)?,
        required_approvals: row.get(2)?,
        break_glass_allowed: row.get(3)?,
        emergency_limit_mins: row.get(4)?,
        max_grant_mins: row.get(5)?,
        description: row.get(6)?,
        visible_to_non_members: row.get(7)?,
    })
}

pub const PERMISSION_SET_COLUMNS: &str = "id, name, permission_bits, is_builtin";
/// How many columns [`PERMISSION_SET_COLUMNS`] names.
pub const PERMISSION_SET_COLUMN_COUNT: usize = 4;

pub fn permission_set(row: &Row<'_>) -> rusqlite::Result<PermissionSet> {
    Ok(PermissionSet {
        id: PermissionSetId(row.get(0)?),
        name: row.get(1)?,
        permissions: Permissions::from_bits(row.get(2)?),
        is_builtin: row.get(3)?,
    })
}

pub const ENTRY_COLUMNS: &str = "id, vault_id, parent_id, kind, name, host, port, username, url, notes, \
    database_name, engine";

pub fn entry(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let kind: String = row.get(3)?;
    Ok(Entry {
        id: EntryId(row.get(0)?),
        vault_id: VaultId(row.get(1)?),
        parent_id: row.get::<_, Option<i64>>(2)?.map(EntryId),
        kind: EntryKind::parse(&kind).ok_or_else(|| bad(3, "entry kind", &kind))?,
        name: row.get(4)?,
        host: row.get(5)?,
        port: row.get(6)?,
        username: row.get(7)?,
        url: row.get(8)?,
        notes: row.get(9)?,
        database: row.get(10)?,
        engine: row.get(11)?,
    })
}

pub fn dependency(row: &Row<'_>) -> rusqlite::Result<Dependency> {
    let role: String = row.get(2)?;
    Ok(Dependency {
        entry_id: EntryId(row.get(0)?),
        depends_on: EntryId(row.get(1)?),
        role: DependencyRole::parse(&role).ok_or_else(|| bad(2, "dependency role", &role))?,
    })
}

pub const REQUEST_COLUMNS: &str = "id, kind, requester_id, entry_id, vault_id, approver_id, extends_request_id, \
    requested_set_id, requested_duration_mins, requested_start_ms, requested_end_ms, \
    authorized_set_id, authorized_duration_mins, authorized_start_ms, authorized_end_ms, \
    message, start_on_first_use, created_at_ms, pending_until_ms, status, decided_by, decided_at_ms, \
    decision_message, grant_start_ms, grant_end_ms, claim_by_ms, ended_by, ended_at_ms, closing_note, \
    needs_review, reviewed_by, reviewed_at_ms, expiring_soon_notified, expiry_recorded, target, joins";

/// The columns of [`REQUEST_COLUMNS`] that change after insertion, in bind order.
pub const REQUEST_UPDATE: &str = "UPDATE requests SET \
    authorized_set_id = ?2, authorized_duration_mins = ?3, authorized_start_ms = ?4, authorized_end_ms = ?5, \
    status = ?6, decided_by = ?7, decided_at_ms = ?8, decision_message = ?9, grant_start_ms = ?10, \
    grant_end_ms = ?11, claim_by_ms = ?12, ended_by = ?13, ended_at_ms = ?14, closing_note = ?15, \
    needs_review = ?16, reviewed_by = ?17, reviewed_at_ms = ?18, expiring_soon_notified = ?19, \
    expiry_recorded = ?20 WHERE id = ?1";

fn terms(row: &Row<'_>, first: usize) -> rusqlite::Result<Option<Terms>> {
    let Some(set) = row.get::<_, Option<i64>>(first)? else {
        return Ok(None);
    };
    let duration: Option<u32> = row.get(first + 1)?;
    let start: Option<i64> = row.get(first + 2)?;
    let end: Option<i64> = row.get(first + 3)?;
    let window = match (duration, start, end) {
        (Some(mins), _, _) => AccessWindow::Duration { mins },
        (None, Some(start), Some(end)) => AccessWindow::Custom {
            start_at: Timestamp(start),
            end_at: Timestamp(end),
        },
        // Neither a duration nor a time frame: permanent access (R-REQ-10).
        (None, None, None) => AccessWindow::Permanent,
        _ => {
            return Err(bad(
                first + 1,
                "access window",
                "neither duration nor time frame",
            ));
        }
    };
    Ok(Some(Terms {
        permission_set_id: PermissionSetId(set),
        window,
    }))
}

/// (duration, start, end) columns of a window.
pub fn window_columns(window: AccessWindow) -> (Option<u32>, Option<i64>, Option<i64>) {
    match window {
        AccessWindow::Duration { mins } => (Some(mins), None, None),
        AccessWindow::Custom { start_at, end_at } => {
            (None, Some(start_at.millis()), Some(end_at.millis()))
        }
        AccessWindow::Permanent => (None, None, None),
    }
}

/// A standing permission: user, vault, folder, set, and the origin columns.
pub fn standing_grant(r: &Row<'_>) -> rusqlite::Result<StandingGrant> {
    let origin = match (
        r.get::<_, Option<i64>>(4)?,
        r.get::<_, Option<i64>>(5)?,
        r.get::<_, Option<i64>>(6)?,
    ) {
        (Some(request), Some(by), Some(at)) => Some(StandingOrigin {
            request_id: RequestId(request),
            approved_by: UserId(by),
            approved_at: Timestamp(at),
        }),
        _ => None,
    };
    Ok(StandingGrant {
        user_id: UserId(r.get(0)?),
        vault_id: VaultId(r.get(1)?),
        folder_id: r.get::<_, Option<i64>>(2)?.map(EntryId),
        set_id: PermissionSetId(r.get(3)?),
        origin,
    })
}

/// A request without its approvals (the caller attaches them).
pub fn request(row: &Row<'_>) -> rusqlite::Result<Request> {
    let kind: String = row.get(1)?;
    let status: String = row.get(19)?;
    let target_kind: String = row.get(34)?;
    let vault_id = VaultId(row.get(4)?);
    let target = Target::parse(
        &target_kind,
        row.get(35)?,
        row.get::<_, Option<i64>>(3)?.map(EntryId),
        vault_id,
    )
    .ok_or_else(|| bad(34, "request target", &target_kind))?;
    Ok(Request {
        id: RequestId(row.get(0)?),
        kind: RequestKind::parse(&kind).ok_or_else(|| bad(1, "request kind", &kind))?,
        requester_id: UserId(row.get(2)?),
        target,
        vault_id,
        approver_id: row.get::<_, Option<i64>>(5)?.map(UserId),
        extends_request_id: row.get::<_, Option<i64>>(6)?.map(RequestId),
        requested: terms(row, 7)?.ok_or_else(|| bad(7, "requested terms", "missing"))?,
        authorized: terms(row, 11)?,
        message: row.get(15)?,
        start_on_first_use: row.get(16)?,
        created_at: Timestamp(row.get(17)?),
        pending_until_at: Timestamp(row.get(18)?),
        status: RequestStatus::parse(&status).ok_or_else(|| bad(19, "request status", &status))?,
        approvals: Vec::new(),
        decided_by: row.get::<_, Option<i64>>(20)?.map(UserId),
        decided_at: ts(row.get(21)?),
        decision_message: row.get(22)?,
        grant_start_at: ts(row.get(23)?),
        grant_end_at: ts(row.get(24)?),
        claim_by_at: ts(row.get(25)?),
        ended_by: row.get::<_, Option<i64>>(26)?.map(UserId),
        ended_at: ts(row.get(27)?),
        closing_note: row.get(28)?,
        needs_review: row.get(29)?,
        reviewed_by: row.get::<_, Option<i64>>(30)?.map(UserId),
        reviewed_at: ts(row.get(31)?),
        expiring_soon_notified: row.get(32)?,
        expiry_recorded: row.get(33)?,
    })
}

pub const NOTIFICATION_COLUMNS: &str = "id, user_id, kind, request_id, title, body, created_at_ms, read_at_ms, shown_at_ms, handled_note, facts, handled, desktop_id, handled_shown_at_ms";

/// Reads a JSON column written by `serde_json`.
fn json<T: serde::de::DeserializeOwned>(column: usize, text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, e.into()))
}

pub fn notification(row: &Row<'_>) -> rusqlite::Result<Notification> {
    let kind: String = row.get(2)?;
    Ok(Notification {
        id: NotificationId(row.get(0)?),
        user_id: UserId(row.get(1)?),
        kind: NotificationKind::parse(&kind).ok_or_else(|| bad(2, "notification kind", &kind))?,
        request_id: RequestId(row.get(3)?),
        // A row written before notifications were facts keeps its words.
        content: match row.get::<_, Option<String>>(10)? {
            Some(facts) => NotificationContent::Facts(json(10, &facts)?),
            None => NotificationContent::Legacy {
                title: row.get(4)?,
                body: row.get(5)?,
            },
        },
        created_at: Timestamp(row.get(6)?),
        read_at: ts(row.get(7)?),
        shown_at: ts(row.get(8)?),
        handled: match (row.get::<_, Option<String>>(11)?, row.get::<_, String>(9)?) {
            (Some(handled), _) => Some(HandledNote::Recorded(json(11, &handled)?)),
            (None, note) if note.is_empty() => None,
            (None, note) => Some(HandledNote::Legacy(note)),
        },
        desktop_id: row.get(12)?,
        handled_shown_at: ts(row.get(13)?),
    })
}

pub const AUDIT_COLUMNS: &str =
    "seq, at_ms, actor_id, action, request_id, entry_id, details, prev_hash, hash";

/// Reads an audit row without trusting its column types: any value of the
/// wrong type makes it [`AuditRow::Unreadable`] at its position. `seq` is the
/// rowid, so SQLite guarantees it is an integer.
pub fn audit_row(row: &Row<'_>) -> rusqlite::Result<AuditRow> {
    use rusqlite::types::ValueRef;
    fn int(value: ValueRef<'_>) -> Option<i64> {
        match value {
            ValueRef::Integer(v) => Some(v),
            _ => None,
        }
    }
    /// `Err` when the value is neither NULL nor an integer.
    fn opt_int(value: ValueRef<'_>) -> Result<Option<i64>, ()> {
        match value {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(v) => Ok(Some(v)),
            _ => Err(()),
        }
    }
    fn text(value: ValueRef<'_>) -> Option<String> {
        match value {
            ValueRef::Text(t) => String::from_utf8(t.to_vec()).ok(),
            _ => None,
        }
    }
    let seq: i64 = row.get(0)?;
    let mut values = Vec::with_capacity(8);
    for i in 1..9 {
        values.push(row.get_ref(i)?);
    }
    let event = (|| {
        Some(AuditEvent {
            seq,
            at: Timestamp(int(values[0])?),
            actor_id: opt_int(values[1]).ok()?.map(UserId),
            action: text(values[2])?,
            request_id: opt_int(values[3]).ok()?.map(RequestId),
            entry_id: opt_int(values[4]).ok()?.map(EntryId),
            details: text(values[5])?,
            prev_hash: text(values[6])?,
            hash: text(values[7])?,
        })
    })();
    Ok(event.map_or(AuditRow::Unreadable { seq }, AuditRow::Event))
}

pub fn audit_event(row: &Row<'_>) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        seq: row.get(0)?,
        at: Timestamp(row.get(1)?),
        actor_id: row.get::<_, Option<i64>>(2)?.map(UserId),
        action: row.get(3)?,
        request_id: row.get::<_, Option<i64>>(4)?.map(RequestId),
        entry_id: row.get::<_, Option<i64>>(5)?.map(EntryId),
        details: row.get(6)?,
        prev_hash: row.get(7)?,
        hash: row.get(8)?,
    })
}
