//! The requests area of a PostgreSQL workspace's store (issue 19): each
//! function is one call of a `latchkey_api` function of `sql/requests.sql`,
//! which decides at the server's instant what the caller may ask, decide or
//! see; here only arguments are laid out and rows read back.
//!
//! Architecture invariant: nothing here decides who may do what; an
//! instant or an actor sent to the server is never what it checks by.

use super::tx::failed;
use crate::domain::request::{
    AccessWindow, Approval, Request, RequestKind, RequestStatus, Target, Terms,
};
use crate::domain::{EntryId, PermissionSetId, RequestId, Timestamp, UserId, VaultId};
use crate::store::{RequestCounts, StoreError};
use ::postgres::types::ToSql;
use ::postgres::{Row, Transaction};

/// A row the server sent that does not make a request.
fn bad(what: &str, value: &str) -> StoreError {
    StoreError::BadData(format!("unknown {what} “{value}”"))
}

fn id<T>(row: &Row, column: &str, make: fn(i64) -> T) -> Result<Option<T>, StoreError> {
    Ok(row
        .try_get::<_, Option<i64>>(column)
        .map_err(failed)?
        .map(make))
}

fn get<'a, T: ::postgres::types::FromSql<'a>>(row: &'a Row, column: &str) -> Result<T, StoreError> {
    row.try_get(column).map_err(failed)
}

/// Terms from a set column and its window columns; `None` without a set.
fn terms(row: &Row, set: &str, prefix: &str) -> Result<Option<Terms>, StoreError> {
    let Some(set) = get::<Option<i64>>(row, set)? else {
        return Ok(None);
    };
    let mins: Option<i64> = get(row, &format!("{prefix}_duration_mins"))?;
    let start: Option<i64> = get(row, &format!("{prefix}_start_ms"))?;
    let end: Option<i64> = get(row, &format!("{prefix}_end_ms"))?;
    let window = match (mins, start, end) {
        (Some(mins), _, _) => AccessWindow::Duration {
            mins: u32::try_from(mins).map_err(|_| bad("duration", &mins.to_string()))?,
        },
        (None, Some(start), Some(end)) => AccessWindow::Custom {
            start_at: Timestamp(start),
            end_at: Timestamp(end),
        },
        (None, None, None) => AccessWindow::Permanent,
        _ => return Err(bad("access window", "neither duration nor time frame")),
    };
    Ok(Some(Terms {
        permission_set_id: PermissionSetId(set),
        window,
    }))
}

/// A request as `latchkey.request_view` gives it, approvals attached.
fn request(row: &Row) -> Result<Request, StoreError> {
    let kind: String = get(row, "kind")?;
    let status: String = get(row, "status")?;
    let target_kind: String = get(row, "target")?;
    let vault_id = VaultId(get(row, "vault_id")?);
    let target = Target::parse(
        &target_kind,
        get(row, "joins")?,
        id(row, "entry_id", EntryId)?,
        vault_id,
    )
    .ok_or_else(|| bad("request target", &target_kind))?;
    let approvers: Vec<i64> = get(row, "approval_approvers")?;
    let times: Vec<i64> = get(row, "approval_times")?;
    let messages: Vec<String> = get(row, "approval_messages")?;
    let approvals = approvers
        .into_iter()
        .zip(times)
        .zip(messages)
        .map(|((approver, at), message)| Approval {
            approver_id: UserId(approver),
            approved_at: Timestamp(at),
            message,
        })
        .collect();
    Ok(Request {
        id: RequestId(get(row, "id")?),
        kind: RequestKind::parse(&kind).ok_or_else(|| bad("request kind", &kind))?,
        requester_id: UserId(get(row, "requester_id")?),
        target,
        vault_id,
        approver_id: id(row, "approver_id", UserId)?,
        extends_request_id: id(row, "extends_request_id", RequestId)?,
        requested: terms(row, "requested_set_id", "requested")?
            .ok_or_else(|| bad("requested terms", "missing"))?,
        authorized: terms(row, "authorized_set_id", "authorized")?,
        message: get(row, "message")?,
        start_on_first_use: get(row, "start_on_first_use")?,
        created_at: Timestamp(get(row, "created_at_ms")?),
        pending_until_at: Timestamp(get(row, "pending_until_ms")?),
        status: RequestStatus::parse(&status).ok_or_else(|| bad("request status", &status))?,
        approvals,
        decided_by: id(row, "decided_by", UserId)?,
        decided_at: id(row, "decided_at_ms", Timestamp)?,
        decision_message: get(row, "decision_message")?,
        grant_start_at: id(row, "grant_start_ms", Timestamp)?,
        grant_end_at: id(row, "grant_end_ms", Timestamp)?,
        claim_by_at: id(row, "claim_by_ms", Timestamp)?,
        ended_by: id(row, "ended_by", UserId)?,
        ended_at: id(row, "ended_at_ms", Timestamp)?,
        closing_note: get(row, "closing_note")?,
        needs_review: get(row, "needs_review")?,
        reviewed_by: id(row, "reviewed_by", UserId)?,
        reviewed_at: id(row, "reviewed_at_ms", Timestamp)?,
        expiring_soon_notified: get(row, "expiring_soon_notified")?,
        expiry_recorded: get(row, "expiry_recorded")?,
    })
}

/// The requests a set-returning API function gives.
fn requests(
    tx: &mut Transaction<'_>,
    call: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Request>, StoreError> {
    tx.query(&format!("SELECT * FROM latchkey_api.{call}"), params)
        .map_err(failed)?
        .iter()
        .map(request)
        .collect()
}

/// (duration, start, end) of a window.
fn window_columns(window: AccessWindow) -> (Option<i64>, Option<i64>, Option<i64>) {
    match window {
        AccessWindow::Duration { mins } => (Some(i64::from(mins)), None, None),
        AccessWindow::Custom { start_at, end_at } => {
            (None, Some(start_at.millis()), Some(end_at.millis()))
        }
        AccessWindow::Permanent => (None, None, None),
    }
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn one_bool(
    tx: &mut Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<bool, StoreError> {
    Ok(tx.query_one(sql, params).map_err(failed)?.get(0))
}

fn one_i64(
    tx: &mut Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<i64, StoreError> {
    Ok(tx.query_one(sql, params).map_err(failed)?.get(0))
}

/// Stores a new request. The server takes the terms, target, approver and
/// message as asked; it computes the instants, the status and (for a
/// direct grant or break glass) the decision itself, and the covered
/// entries from the entry's dependencies as it stores them.
pub(super) fn insert_request(
    tx: &mut Transaction<'_>,
    r: &Request,
    _covered: &[EntryId],
) -> Result<RequestId, StoreError> {
    let (mins, start, end) = window_columns(r.requested.window);
    let row = tx
        .query_one(
            "SELECT latchkey_api.insert_request($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            &[
                &r.kind.as_str(),
                &r.requester_id.0,
                &r.target.stored_kind(),
                &r.target.is_join(),
                &r.entry_id().map(|e| e.0),
                &r.vault_id.0,
                &r.approver_id.map(|u| u.0),
                &r.extends_request_id.map(|x| x.0),
                &r.requested.permission_set_id.0,
                &mins,
                &start,
                &end,
                &r.message,
                &r.start_on_first_use,
            ],
        )
        .map_err(failed)?;
    Ok(RequestId(row.get(0)))
}

/// Stores a change of a request; the server checks it is one the caller may
/// make now (see `latchkey_api.update_request`).
pub(super) fn update_request(tx: &mut Transaction<'_>, r: &Request) -> Result<(), StoreError> {
    let (set, (mins, start, end)) = match r.authorized {
        Some(t) => (Some(t.permission_set_id.0), window_columns(t.window)),
        None => (None, (None, None, None)),
    };
    let approvers: Vec<i64> = r.approvals.iter().map(|a| a.approver_id.0).collect();
    let messages: Vec<&str> = r.approvals.iter().map(|a| a.message.as_str()).collect();
    let ms = |t: Option<Timestamp>| t.map(Timestamp::millis);
    tx.execute(
        "SELECT latchkey_api.update_request($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
        &[
            &r.id.0,
            &set,
            &mins,
            &start,
            &end,
            &r.status.as_str(),
            &r.decided_by.map(|u| u.0),
            &ms(r.decided_at),
            &r.decision_message,
            &ms(r.grant_start_at),
            &ms(r.grant_end_at),
            &ms(r.claim_by_at),
            &r.ended_by.map(|u| u.0),
            &ms(r.ended_at),
            &r.closing_note,
            &r.needs_review,
            &r.reviewed_by.map(|u| u.0),
            &ms(r.reviewed_at),
            &r.expiring_soon_notified,
            &r.expiry_recorded,
            &approvers,
            &messages,
        ],
    )
    .map_err(failed)?;
    Ok(())
}

pub(super) fn request_by_id(
    tx: &mut Transaction<'_>,
    id: RequestId,
) -> Result<Option<Request>, StoreError> {
    Ok(requests(tx, "request($1)", &[&id.0])?.pop())
}

pub(super) fn covered_entries(
    tx: &mut Transaction<'_>,
    id: RequestId,
) -> Result<Vec<EntryId>, StoreError> {
    Ok(tx
        .query("SELECT latchkey_api.covered_entries($1)", &[&id.0])
        .map_err(failed)?
        .iter()
        .map(|row| EntryId(row.get(0)))
        .collect())
}

pub(super) fn pending_requests_naming(
    tx: &mut Transaction<'_>,
    entry: EntryId,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "pending_requests_naming($1)", &[&entry.0])
}

pub(super) fn approved_grants_covering(
    tx: &mut Transaction<'_>,
    user: UserId,
    entry: EntryId,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "approved_grants_covering($1, $2)", &[&user.0, &entry.0])
}

pub(super) fn approved_scoped_grants(
    tx: &mut Transaction<'_>,
    user: UserId,
    vault: VaultId,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "approved_scoped_grants($1, $2)", &[&user.0, &vault.0])
}

/// The server judges "pending" at its own instant.
pub(super) fn has_pending(
    tx: &mut Transaction<'_>,
    user: UserId,
    target: Target,
    set: PermissionSetId,
) -> Result<bool, StoreError> {
    let vault = match target {
        Target::Vault(vault) | Target::Join(vault) => Some(vault.0),
        Target::Entry(_) | Target::Folder(_) => None,
    };
    one_bool(
        tx,
        "SELECT latchkey_api.has_pending($1, $2, $3, $4, $5, $6)",
        &[
            &user.0,
            &target.entry_id().map(|e| e.0),
            &target.stored_kind(),
            &target.is_join(),
            &vault,
            &set.0,
        ],
    )
}

/// The caller's own queue; the server knows whether they administer.
pub(super) fn pending_for_approver(
    tx: &mut Transaction<'_>,
    approver: UserId,
    n: usize,
) -> Result<Vec<Request>, StoreError> {
    requests(
        tx,
        "pending_for_approver($1, $2)",
        &[&approver.0, &limit(n)],
    )
}

pub(super) fn count_pending_for_approver(
    tx: &mut Transaction<'_>,
    approver: UserId,
) -> Result<i64, StoreError> {
    one_i64(
        tx,
        "SELECT latchkey_api.count_pending_for_approver($1)",
        &[&approver.0],
    )
}

pub(super) fn requests_of(
    tx: &mut Transaction<'_>,
    requester: UserId,
    n: usize,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "requests_of($1, $2)", &[&requester.0, &limit(n)])
}

pub(super) fn open_requests_of(
    tx: &mut Transaction<'_>,
    requester: UserId,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "open_requests_of($1)", &[&requester.0])
}

pub(super) fn requests_visible_to(
    tx: &mut Transaction<'_>,
    user: UserId,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "requests_visible_to($1)", &[&user.0])
}

pub(super) fn extensions_of(
    tx: &mut Transaction<'_>,
    id: RequestId,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "extensions_of($1)", &[&id.0])
}

pub(super) fn requests_on_entry(
    tx: &mut Transaction<'_>,
    requester: UserId,
    entry: EntryId,
    n: usize,
) -> Result<Vec<Request>, StoreError> {
    requests(
        tx,
        "requests_on_entry($1, $2, $3)",
        &[&requester.0, &entry.0, &limit(n)],
    )
}

pub(super) fn open_requests_in_vault(
    tx: &mut Transaction<'_>,
    user: UserId,
    vault: VaultId,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "open_requests_in_vault($1, $2)", &[&user.0, &vault.0])
}

pub(super) fn approved_grants_in_vault(
    tx: &mut Transaction<'_>,
    user: UserId,
    vault: VaultId,
) -> Result<Vec<(Request, Vec<EntryId>)>, StoreError> {
    tx.query(
        "SELECT * FROM latchkey_api.approved_grants_in_vault($1, $2)",
        &[&user.0, &vault.0],
    )
    .map_err(failed)?
    .iter()
    .map(|row| {
        let covered: Vec<i64> = get(row, "covered")?;
        Ok((request(row)?, covered.into_iter().map(EntryId).collect()))
    })
    .collect()
}

/// Due at the server's instant.
pub(super) fn requests_due(
    tx: &mut Transaction<'_>,
    expiring_lead_ms: i64,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "requests_due($1)", &[&expiring_lead_ms])
}

pub(super) fn next_due_at(
    tx: &mut Transaction<'_>,
    expiring_lead_ms: i64,
) -> Result<Option<Timestamp>, StoreError> {
    let row = tx
        .query_one("SELECT latchkey_api.next_due_at($1)", &[&expiring_lead_ms])
        .map_err(failed)?;
    Ok(row.get::<_, Option<i64>>(0).map(Timestamp))
}

pub(super) fn grants_needing_review(tx: &mut Transaction<'_>) -> Result<Vec<Request>, StoreError> {
    requests(tx, "grants_needing_review()", &[])
}

pub(super) fn request_counts(tx: &mut Transaction<'_>) -> Result<RequestCounts, StoreError> {
    let by_status = tx
        .query("SELECT status, n FROM latchkey_api.request_counts()", &[])
        .map_err(failed)?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    Ok(RequestCounts { by_status })
}

pub(super) fn joins_in_vault(
    tx: &mut Transaction<'_>,
    vault: VaultId,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "joins_in_vault($1)", &[&vault.0])
}

pub(super) fn open_joins(
    tx: &mut Transaction<'_>,
    user: UserId,
    vault: Option<VaultId>,
) -> Result<Vec<Request>, StoreError> {
    requests(tx, "open_joins($1, $2)", &[&user.0, &vault.map(|v| v.0)])
}

/// Open at the server's instant.
pub(super) fn open_requests_of_set(
    tx: &mut Transaction<'_>,
    set: PermissionSetId,
) -> Result<usize, StoreError> {
    let n = one_i64(
        tx,
        "SELECT latchkey_api.open_requests_of_set($1)",
        &[&set.0],
    )?;
    Ok(usize::try_from(n).unwrap_or_default())
}
