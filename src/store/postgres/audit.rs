//! The audit area of a PostgreSQL workspace's store (issue 19): the chain is
//! appended by the server (`latchkey_api.append_audit`, which takes no seq,
//! instant or hash from here), and read within what the reader may see
//! (`sql/audit.sql` says who may call what).

use super::tx::failed;
use crate::domain::audit::AuditEvent;
use crate::domain::{EntryId, RequestId, Timestamp, UserId, VaultId};
use crate::store::{AuditCursor, AuditFilter, AuditListed, AuditRow, ServerChainCheck, StoreError};
use ::postgres::Transaction;
use ::postgres::types::ToSql;

/// The columns of `latchkey.audit_events`, in their order.
const EVENT_COLUMNS: &str =
    "seq, at_ms, actor_id, action, request_id, entry_id, details, prev_hash, hash";

fn event(row: &::postgres::Row) -> AuditEvent {
    AuditEvent {
        seq: row.get(0),
        at: Timestamp(row.get(1)),
        actor_id: row.get::<_, Option<i64>>(2).map(UserId),
        action: row.get(3),
        request_id: row.get::<_, Option<i64>>(4).map(RequestId),
        entry_id: row.get::<_, Option<i64>>(5).map(EntryId),
        details: row.get(6),
        prev_hash: row.get(7),
        hash: row.get(8),
    }
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The last event: (seq, hash).
pub(super) fn verified_chain(
    tx: &mut Transaction<'_>,
) -> Result<Option<ServerChainCheck>, StoreError> {
    let row = tx
        .query_one(
            "SELECT events, head_hash, broken_at FROM latchkey_api.audit_verify()",
            &[],
        )
        .map_err(failed)?;
    Ok(Some(ServerChainCheck {
        events: row.get(0),
        head_hash: row.get(1),
        broken_at: row.get(2),
    }))
}

pub(super) fn audit_hash_at(
    tx: &mut Transaction<'_>,
    seq: i64,
) -> Result<Option<String>, StoreError> {
    let row = tx
        .query_one("SELECT latchkey_api.audit_hash_at($1)", &[&seq])
        .map_err(failed)?;
    Ok(row.get(0))
}

pub(super) fn audit_head(tx: &mut Transaction<'_>) -> Result<Option<(i64, String)>, StoreError> {
    let row = tx
        .query_opt("SELECT seq, hash FROM latchkey_api.audit_head()", &[])
        .map_err(failed)?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// Appends `event` at the server's instant, chained by the server: only its
/// actor, action, request, entry and details are sent.
pub(super) fn append_audit(tx: &mut Transaction<'_>, event: &AuditEvent) -> Result<(), StoreError> {
    tx.execute(
        "SELECT latchkey_api.append_audit($1, $2, $3, $4, $5)",
        &[
            &event.actor_id.map(|u| u.0),
            &event.action,
            &event.request_id.map(|r| r.0),
            &event.entry_id.map(|e| e.0),
            &event.details,
        ],
    )
    .map_err(failed)?;
    Ok(())
}

/// Up to `n` events after `after_seq`, in order (administrators only).
pub(super) fn audit_events_after(
    tx: &mut Transaction<'_>,
    after_seq: i64,
    n: usize,
) -> Result<Vec<AuditEvent>, StoreError> {
    let rows = tx
        .query(
            &format!("SELECT {EVENT_COLUMNS} FROM latchkey_api.audit_events_after($1, $2)"),
            &[&after_seq, &limit(n)],
        )
        .map_err(failed)?;
    Ok(rows.iter().map(event).collect())
}

/// The same rows for verification: typed by the server, so never unreadable.
pub(super) fn audit_rows_after(
    tx: &mut Transaction<'_>,
    after_seq: i64,
    n: usize,
) -> Result<Vec<AuditRow>, StoreError> {
    let rows = tx
        .query(
            &format!("SELECT {EVENT_COLUMNS} FROM latchkey_api.audit_rows_after($1, $2)"),
            &[&after_seq, &limit(n)],
        )
        .map_err(failed)?;
    Ok(rows.iter().map(|r| AuditRow::Event(event(r))).collect())
}

/// Whether the workspace holds anything besides its audit log.
pub(super) fn holds_data(tx: &mut Transaction<'_>) -> Result<bool, StoreError> {
    let row = tx
        .query_one("SELECT latchkey_api.holds_data()", &[])
        .map_err(failed)?;
    Ok(row.get(0))
}

/// The filter's parts as the functions' first eleven arguments.
struct FilterArgs {
    actors: Option<Vec<i64>>,
    entries: Option<Vec<i64>>,
    requests: Option<Vec<i64>>,
    vaults: Option<Vec<i64>>,
    actions: Option<Vec<String>>,
    since: Option<i64>,
    until: Option<i64>,
    from_seq: Option<i64>,
    text: Option<String>,
    scope_vaults: Option<Vec<i64>>,
    scope_reader: Option<i64>,
}

impl FilterArgs {
    fn of(filter: &AuditFilter) -> FilterArgs {
        FilterArgs {
            actors: filter
                .actors
                .as_ref()
                .map(|v| v.iter().map(|u| u.0).collect()),
            entries: filter
                .entries
                .as_ref()
                .map(|v| v.iter().map(|e| e.0).collect()),
            requests: filter
                .requests
                .as_ref()
                .map(|v| v.iter().map(|r| r.0).collect()),
            vaults: filter
                .vaults
                .as_ref()
                .map(|v| v.iter().map(|x| x.0).collect()),
            actions: filter.actions.clone(),
            since: filter.since.map(Timestamp::millis),
            until: filter.until.map(Timestamp::millis),
            from_seq: filter.from_seq,
            text: filter.text.clone().filter(|t| !t.is_empty()),
            scope_vaults: filter
                .scope
                .as_ref()
                .map(|s| s.vaults.iter().map(|v| v.0).collect()),
            scope_reader: filter.scope.as_ref().map(|s| s.reader.0),
        }
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &self.actors,
            &self.entries,
            &self.requests,
            &self.vaults,
            &self.actions,
            &self.since,
            &self.until,
            &self.from_seq,
            &self.text,
            &self.scope_vaults,
            &self.scope_reader,
        ]
    }
}

/// Up to `n` events that pass `filter` and that the caller may read, from
/// `cursor` on, with the names they refer to.
pub(super) fn audit_page(
    tx: &mut Transaction<'_>,
    filter: &AuditFilter,
    cursor: AuditCursor,
    n: usize,
) -> Result<Vec<AuditListed>, StoreError> {
    let args = FilterArgs::of(filter);
    let (newest, from) = match cursor {
        AuditCursor::NewestBefore(seq) => (true, seq),
        AuditCursor::OldestAfter(seq) => (false, Some(seq)),
    };
    let n = limit(n);
    let mut params = args.params();
    params.extend([&newest as &(dyn ToSql + Sync), &from, &n]);
    let rows = tx
        .query(
            &format!(
                "SELECT {EVENT_COLUMNS}, actor_name, vault_id, vault_name FROM latchkey_api.audit_page(\
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ),
            &params,
        )
        .map_err(failed)?;
    Ok(rows
        .iter()
        .map(|r| AuditListed {
            event: event(r),
            actor_name: r.get(9),
            vault_id: r.get::<_, Option<i64>>(10).map(VaultId),
            vault_name: r.get(11),
        })
        .collect())
}

/// How many events pass `filter` that the caller may read, counting no
/// further than `cap` when given.
pub(super) fn audit_count(
    tx: &mut Transaction<'_>,
    filter: &AuditFilter,
    cap: Option<usize>,
) -> Result<usize, StoreError> {
    let args = FilterArgs::of(filter);
    let cap = cap.map(limit);
    let mut params = args.params();
    params.push(&cap);
    let row = tx
        .query_one(
            "SELECT latchkey_api.audit_count($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &params,
        )
        .map_err(failed)?;
    Ok(usize::try_from(row.get::<_, i64>(0)).unwrap_or_default())
}
