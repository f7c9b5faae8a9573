//! The entries area of a PostgreSQL workspace's store (issue 19): the entry
//! tree, dependencies and secrets, each one call of a `latchkey_api`
//! function (sql/entries.sql), which checks the caller at the server's
//! instant; here only arguments and rows are turned into domain values.
//!
//! Secrets never come here sealed: the server encrypts what
//! [`set_secret_clear`] sends and decrypts only in [`reveal_secret`], which
//! records the use first. [`sealed_refused`] is the answer to the service's
//! sealed-secret methods.

use super::tx::failed;
use crate::domain::audit::AuditEvent;
use crate::domain::entry::{Dependency, DependencyRole, Entry, EntryKind, NewEntry};
use crate::domain::error::{DomainError, Field};
use crate::domain::{EntryId, UserId, VaultId};
use crate::store::{EntryNode, StoreError};
use ::postgres::{Row, Transaction};
use zeroize::Zeroizing;

/// The columns every entry function returns, in this order.
const ENTRY_COLUMNS: &str = "id, vault_id, parent_id, kind, name, host, port, username, url, \
    notes, database_name, engine";

/// One `latchkey.entries` row as an entry.
fn entry(row: &Row) -> Result<Entry, StoreError> {
    let kind: String = row.get(3);
    let port: Option<i32> = row.get(6);
    Ok(Entry {
        id: EntryId(row.get(0)),
        vault_id: VaultId(row.get(1)),
        parent_id: row.get::<_, Option<i64>>(2).map(EntryId),
        kind: EntryKind::parse(&kind)
            .ok_or_else(|| StoreError::BadData(format!("unknown entry kind “{kind}”")))?,
        name: row.get(4),
        host: row.get(5),
        port: port
            .map(|p| {
                u16::try_from(p).map_err(|_| StoreError::BadData(format!("port {p} out of range")))
            })
            .transpose()?,
        username: row.get(7),
        url: row.get(8),
        notes: row.get(9),
        database: row.get(10),
        engine: row.get(11),
    })
}

fn entries(rows: &[Row]) -> Result<Vec<Entry>, StoreError> {
    rows.iter().map(entry).collect()
}

fn dependency(row: &Row) -> Result<Dependency, StoreError> {
    let role: String = row.get(2);
    Ok(Dependency {
        entry_id: EntryId(row.get(0)),
        depends_on: EntryId(row.get(1)),
        role: DependencyRole::parse(&role)
            .ok_or_else(|| StoreError::BadData(format!("unknown dependency role “{role}”")))?,
    })
}

fn node(row: &Row) -> EntryNode {
    EntryNode {
        id: EntryId(row.get(0)),
        parent_id: row.get::<_, Option<i64>>(1).map(EntryId),
        name: row.get(2),
    }
}

/// A draft's port as the functions take it.
fn port(draft: &NewEntry) -> Option<i32> {
    draft.port.map(i32::from)
}

pub(super) fn insert_entry(
    tx: &mut Transaction<'_>,
    vault: VaultId,
    kind: EntryKind,
    draft: &NewEntry,
) -> Result<EntryId, StoreError> {
    let row = tx
        .query_one(
            "SELECT latchkey_api.insert_entry($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &vault.0,
                &kind.as_str(),
                &draft.parent_id.map(|p| p.0),
                &draft.name.trim(),
                &draft.host.trim(),
                &port(draft),
                &draft.username.trim(),
                &draft.url.trim(),
                &draft.notes,
                &draft.database.trim(),
                &draft.engine.trim(),
            ],
        )
        .map_err(failed)?;
    Ok(EntryId(row.get(0)))
}

/// `latchkey_api.entry` (live only) or `entry_record` (deleted too).
pub(super) fn entry_by_id(
    tx: &mut Transaction<'_>,
    id: EntryId,
    deleted_too: bool,
) -> Result<Option<Entry>, StoreError> {
    let sql = if deleted_too {
        format!("SELECT {ENTRY_COLUMNS} FROM latchkey_api.entry_record($1)")
    } else {
        format!("SELECT {ENTRY_COLUMNS} FROM latchkey_api.entry($1)")
    };
    tx.query_opt(&sql, &[&id.0])
        .map_err(failed)?
        .as_ref()
        .map(entry)
        .transpose()
}

pub(super) fn update_entry(
    tx: &mut Transaction<'_>,
    id: EntryId,
    draft: &NewEntry,
) -> Result<(), StoreError> {
    tx.execute(
        "SELECT latchkey_api.update_entry($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &id.0,
            &draft.parent_id.map(|p| p.0),
            &draft.name.trim(),
            &draft.host.trim(),
            &port(draft),
            &draft.username.trim(),
            &draft.url.trim(),
            &draft.notes,
            &draft.database.trim(),
            &draft.engine.trim(),
        ],
    )
    .map_err(failed)
    .map(drop)
}

/// Deletes at the server's instant (the service's `at` is not taken).
pub(super) fn delete_entries(tx: &mut Transaction<'_>, ids: &[EntryId]) -> Result<(), StoreError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    tx.execute("SELECT latchkey_api.delete_entries($1)", &[&ids])
        .map_err(failed)
        .map(drop)
}

pub(super) fn children(
    tx: &mut Transaction<'_>,
    vault: VaultId,
    parent: Option<EntryId>,
) -> Result<Vec<Entry>, StoreError> {
    let rows = tx
        .query(
            &format!("SELECT {ENTRY_COLUMNS} FROM latchkey_api.children($1, $2)"),
            &[&vault.0, &parent.map(|p| p.0)],
        )
        .map_err(failed)?;
    entries(&rows)
}

pub(super) fn vault_entries(
    tx: &mut Transaction<'_>,
    vault: VaultId,
) -> Result<Vec<Entry>, StoreError> {
    let rows = tx
        .query(
            &format!("SELECT {ENTRY_COLUMNS} FROM latchkey_api.entries($1)"),
            &[&vault.0],
        )
        .map_err(failed)?;
    entries(&rows)
}

pub(super) fn subtree(tx: &mut Transaction<'_>, id: EntryId) -> Result<Vec<Entry>, StoreError> {
    let rows = tx
        .query(
            &format!("SELECT {ENTRY_COLUMNS} FROM latchkey_api.subtree($1)"),
            &[&id.0],
        )
        .map_err(failed)?;
    entries(&rows)
}

pub(super) fn ancestors(tx: &mut Transaction<'_>, id: EntryId) -> Result<Vec<EntryId>, StoreError> {
    Ok(tx
        .query("SELECT latchkey_api.ancestors($1)", &[&id.0])
        .map_err(failed)?
        .iter()
        .map(|r| EntryId(r.get(0)))
        .collect())
}

pub(super) fn add_dependency(
    tx: &mut Transaction<'_>,
    dependency: &Dependency,
) -> Result<(), StoreError> {
    tx.execute(
        "SELECT latchkey_api.add_dependency($1, $2, $3)",
        &[
            &dependency.entry_id.0,
            &dependency.depends_on.0,
            &dependency.role.as_str(),
        ],
    )
    .map_err(failed)
    .map(drop)
}

/// `latchkey_api.dependencies` (what it depends on) or `dependents`.
pub(super) fn links(
    tx: &mut Transaction<'_>,
    id: EntryId,
    dependents: bool,
) -> Result<Vec<Dependency>, StoreError> {
    let sql = if dependents {
        "SELECT entry_id, depends_on_id, role FROM latchkey_api.dependents($1)"
    } else {
        "SELECT entry_id, depends_on_id, role FROM latchkey_api.dependencies($1)"
    };
    tx.query(sql, &[&id.0])
        .map_err(failed)?
        .iter()
        .map(dependency)
        .collect()
}

pub(super) fn remove_dependency(
    tx: &mut Transaction<'_>,
    id: EntryId,
    role: DependencyRole,
) -> Result<(), StoreError> {
    tx.execute(
        "SELECT latchkey_api.remove_dependency($1, $2)",
        &[&id.0, &role.as_str()],
    )
    .map_err(failed)
    .map(drop)
}

pub(super) fn set_secret_clear(
    tx: &mut Transaction<'_>,
    id: EntryId,
    secret: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "SELECT latchkey_api.set_secret_clear($1, $2)",
        &[&id.0, &secret],
    )
    .map_err(failed)
    .map(drop)
}

pub(super) fn has_secret(tx: &mut Transaction<'_>, id: EntryId) -> Result<bool, StoreError> {
    tx.query_one("SELECT latchkey_api.has_secret($1)", &[&id.0])
        .map_err(failed)
        .map(|row| row.get(0))
}

pub(super) fn clear_secret(tx: &mut Transaction<'_>, id: EntryId) -> Result<(), StoreError> {
    tx.execute("SELECT latchkey_api.clear_secret($1)", &[&id.0])
        .map_err(failed)
        .map(drop)
}

/// Reveals `id`'s secret for the use `event` describes: the server checks
/// View password, appends the event as the caller's own at its instant
/// (its `seq`, `at` and hashes are the server's, not `event`'s) and
/// decrypts, in one call. An event of someone else (`me` is the signed-in
/// user) is refused here already; the server refuses it too.
pub(super) fn reveal_secret(
    tx: &mut Transaction<'_>,
    me: UserId,
    id: EntryId,
    event: &AuditEvent,
) -> Result<Option<Zeroizing<String>>, StoreError> {
    if event.actor_id != Some(me) {
        return Err(StoreError::Refused(DomainError::NotPermitted(
            "a use of a password is recorded as its user's own".into(),
        )));
    }
    if event.entry_id.is_some_and(|e| e != id) {
        return Err(StoreError::Refused(DomainError::invalid(
            Field::Entry,
            "the event of a password's use names another entry",
        )));
    }
    let row = tx
        .query_one(
            "SELECT latchkey_api.reveal_secret($1, $2, $3, $4, $5)",
            &[
                &id.0,
                &event.actor_id.map(|a| a.0),
                &event.action,
                &event.request_id.map(|r| r.0),
                &event.details,
            ],
        )
        .map_err(failed)?;
    Ok(row.get::<_, Option<String>>(0).map(Zeroizing::new))
}

/// The answer to reading or writing a sealed secret: on this workspace only
/// the server holds the key and ciphertexts.
pub(super) fn sealed_refused() -> StoreError {
    StoreError::Database(
        "the PostgreSQL server keeps secrets encrypted itself: a client neither reads nor writes their ciphertext"
            .into(),
    )
}

pub(super) fn entry_revision(tx: &mut Transaction<'_>, vault: VaultId) -> Result<i64, StoreError> {
    Ok(tx
        .query_one("SELECT latchkey_api.entry_revision($1)", &[&vault.0])
        .map_err(failed)?
        .get(0))
}

pub(super) fn entry_node(
    tx: &mut Transaction<'_>,
    id: EntryId,
) -> Result<Option<EntryNode>, StoreError> {
    Ok(tx
        .query_opt(
            "SELECT id, parent_id, name FROM latchkey_api.entry_node($1)",
            &[&id.0],
        )
        .map_err(failed)?
        .as_ref()
        .map(node))
}

pub(super) fn entry_nodes(tx: &mut Transaction<'_>) -> Result<Vec<EntryNode>, StoreError> {
    Ok(tx
        .query(
            "SELECT id, parent_id, name FROM latchkey_api.entry_nodes()",
            &[],
        )
        .map_err(failed)?
        .iter()
        .map(node)
        .collect())
}
