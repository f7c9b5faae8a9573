//! Moving a workspace file into a new PostgreSQL workspace: its users (as
//! roles, with passwords the caller chooses), vaults, entries (secrets
//! sealed again by the server), requests, notifications and its audit chain
//! as it is, ids and hashes unchanged, so the chain verifies and goes on.
//!
//! How `init --workspace postgresql://… --demo` makes its demo (the demo is
//! built as a file first), and how a team that outgrew a file moves to a
//! server.

use super::error::{self, PgError};
use super::{PgTarget, role_name, scram_verifier};
use crate::domain::EntryId;
use crate::domain::error::DomainError;
use crate::store::SealedSecret;
use ::postgres::Transaction;
use ::postgres::types::ToSql;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use zeroize::Zeroizing;

/// What the copy asks of its caller, who holds the file's key.
pub trait CopySecrets {
    /// The password `username`'s role signs in with.
    fn password_of(&mut self, username: &str) -> Zeroizing<String>;
    /// An entry's secret in clear, opened with the file's key.
    fn open(&mut self, entry: EntryId, sealed: &SealedSecret) -> Result<Zeroizing<String>, String>;
}

/// How a column's SQLite value becomes PostgreSQL's.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Bool,
}

/// The tables copied as they are, with their columns, in an order that
/// satisfies their references (entries come parents first; an extension
/// always comes after the request it extends). A vault's entry revision
/// counts again from the copy.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "vaults",
        &[
            ("id", Kind::Int),
            ("name", Kind::Text),
            ("required_approvals", Kind::Int),
            ("break_glass_allowed", Kind::Bool),
            ("emergency_limit_mins", Kind::Int),
            ("max_grant_mins", Kind::Int),
            ("description", Kind::Text),
            ("visible_to_non_members", Kind::Bool),
        ],
    ),
    (
        "permission_sets",
        &[
            ("id", Kind::Int),
            ("name", Kind::Text),
            ("permission_bits", Kind::Int),
            ("is_builtin", Kind::Bool),
            ("deleted_at_ms", Kind::Int),
        ],
    ),
    (
        "entries",
        &[
            ("id", Kind::Int),
            ("vault_id", Kind::Int),
            ("parent_id", Kind::Int),
            ("kind", Kind::Text),
            ("name", Kind::Text),
            ("host", Kind::Text),
            ("port", Kind::Int),
            ("username", Kind::Text),
            ("url", Kind::Text),
            ("notes", Kind::Text),
            ("database_name", Kind::Text),
            ("engine", Kind::Text),
            ("deleted_at_ms", Kind::Int),
        ],
    ),
    (
        "entry_dependencies",
        &[
            ("entry_id", Kind::Int),
            ("depends_on_id", Kind::Int),
            ("role", Kind::Text),
        ],
    ),
    (
        "requests",
        &[
            ("id", Kind::Int),
            ("kind", Kind::Text),
            ("requester_id", Kind::Int),
            ("target", Kind::Text),
            ("entry_id", Kind::Int),
            ("vault_id", Kind::Int),
            ("approver_id", Kind::Int),
            ("extends_request_id", Kind::Int),
            ("requested_set_id", Kind::Int),
            ("requested_duration_mins", Kind::Int),
            ("requested_start_ms", Kind::Int),
            ("requested_end_ms", Kind::Int),
            ("authorized_set_id", Kind::Int),
            ("authorized_duration_mins", Kind::Int),
            ("authorized_start_ms", Kind::Int),
            ("authorized_end_ms", Kind::Int),
            ("message", Kind::Text),
            ("start_on_first_use", Kind::Bool),
            ("created_at_ms", Kind::Int),
            ("pending_until_ms", Kind::Int),
            ("status", Kind::Text),
            ("decided_by", Kind::Int),
            ("decided_at_ms", Kind::Int),
            ("decision_message", Kind::Text),
            ("grant_start_ms", Kind::Int),
            ("grant_end_ms", Kind::Int),
            ("claim_by_ms", Kind::Int),
            ("ended_by", Kind::Int),
            ("ended_at_ms", Kind::Int),
            ("closing_note", Kind::Text),
            ("needs_review", Kind::Bool),
            ("reviewed_by", Kind::Int),
            ("reviewed_at_ms", Kind::Int),
            ("expiring_soon_notified", Kind::Bool),
            ("expiry_recorded", Kind::Bool),
            ("joins", Kind::Bool),
        ],
    ),
    (
        "vault_members",
        &[
            ("vault_id", Kind::Int),
            ("user_id", Kind::Int),
            ("origin_request_id", Kind::Int),
        ],
    ),
    (
        "vault_approvers",
        &[("vault_id", Kind::Int), ("user_id", Kind::Int)],
    ),
    (
        "standing_permissions",
        &[
            ("id", Kind::Int),
            ("user_id", Kind::Int),
            ("vault_id", Kind::Int),
            ("folder_id", Kind::Int),
            ("permission_set_id", Kind::Int),
            ("origin_request_id", Kind::Int),
            ("approved_by", Kind::Int),
            ("approved_at_ms", Kind::Int),
        ],
    ),
    (
        "request_entries",
        &[("entry_id", Kind::Int), ("request_id", Kind::Int)],
    ),
    (
        "approvals",
        &[
            ("request_id", Kind::Int),
            ("approver_id", Kind::Int),
            ("approved_at_ms", Kind::Int),
            ("message", Kind::Text),
        ],
    ),
    (
        "notifications",
        &[
            ("id", Kind::Int),
            ("user_id", Kind::Int),
            ("kind", Kind::Text),
            ("request_id", Kind::Int),
            ("title", Kind::Text),
            ("body", Kind::Text),
            ("created_at_ms", Kind::Int),
            ("read_at_ms", Kind::Int),
            ("shown_at_ms", Kind::Int),
            ("handled_note", Kind::Text),
            ("facts", Kind::Text),
            ("handled", Kind::Text),
            ("desktop_id", Kind::Int),
            ("handled_shown_at_ms", Kind::Int),
        ],
    ),
    (
        "notification_preferences",
        &[
            ("user_id", Kind::Int),
            ("kind", Kind::Text),
            ("desktop", Kind::Bool),
        ],
    ),
    (
        "audit_events",
        &[
            ("seq", Kind::Int),
            ("at_ms", Kind::Int),
            ("actor_id", Kind::Int),
            ("action", Kind::Text),
            ("request_id", Kind::Int),
            ("entry_id", Kind::Int),
            ("details", Kind::Text),
            ("prev_hash", Kind::Text),
            ("hash", Kind::Text),
        ],
    ),
];

/// The workspace's metadata that moves with it (the file's key check and
/// its record of the audit head stay behind: the server has neither); the
/// settings have a table of their own on the server.
const META_KEYS: &[&str] = &["workspace_id", "workspace_name", "creation_complete"];

/// Lays out a new workspace in the empty database of `target` (as
/// [`super::PgWorkspace::create`] does, connected as the server's superuser
/// `owner_user`) holding everything of the workspace file `file`, in one
/// transaction: all of it, or nothing.
pub fn copy_file_workspace(
    target: &PgTarget,
    owner_user: &str,
    owner_password: &str,
    file: &Path,
    secrets: &mut dyn CopySecrets,
) -> Result<(), PgError> {
    let source = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| refused(&format!("cannot read {}: {e}", file.display())))?;
    let mut client = target.connect(owner_user, owner_password)?;
    let mut tx = client.transaction().map_err(error::from_query)?;
    tx.batch_execute("SET LOCAL log_parameter_max_length = 0")
        .map_err(error::from_query)?;
    super::lay_out_schema(&mut tx)?;
    copy_users(&source, &mut tx, secrets)?;
    for (table, columns) in TABLES {
        copy_table(&source, &mut tx, table, columns)?;
    }
    copy_meta(&source, &mut tx)?;
    copy_secrets(&source, &mut tx, secrets)?;
    // New rows take ids after the copied ones.
    tx.batch_execute(
        "DO $$
         DECLARE t text;
         BEGIN
             FOREACH t IN ARRAY ARRAY['users', 'vaults', 'permission_sets', 'entries', 'requests',
                                      'standing_permissions', 'notifications'] LOOP
                 EXECUTE format(
                     'SELECT setval(pg_get_serial_sequence(%L, ''id''), greatest(1, (SELECT coalesce(max(id), 0) FROM latchkey.%I)))',
                     'latchkey.' || t, t);
             END LOOP;
         END
         $$",
    )
    .map_err(error::from_query)?;
    tx.commit().map_err(error::from_query)
}

fn refused(message: &str) -> PgError {
    PgError::Refused(DomainError::WrongState(message.to_owned()))
}

fn read_failed(e: &rusqlite::Error) -> PgError {
    refused(&format!("the workspace file cannot be read: {e}"))
}

/// Users keep their ids (the audit chain names them); each gets a role
/// with the password the caller chose, disabled ones a role that cannot
/// sign in.
fn copy_users(
    source: &Connection,
    tx: &mut Transaction<'_>,
    secrets: &mut dyn CopySecrets,
) -> Result<(), PgError> {
    let mut stmt = source
        .prepare(
            "SELECT id, username, display_name, email, is_admin, is_active, must_change_password FROM users ORDER BY id",
        )
        .map_err(|e| read_failed(&e))?;
    let users = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })
        .map_err(|e| read_failed(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_failed(&e))?;
    for (id, username, display_name, email, is_admin, is_active, must_change) in users {
        let role = role_name(&username);
        let password = secrets.password_of(&username);
        let verifier = scram_verifier(&password);
        tx.execute(
            "SELECT latchkey.check_new_user($1, $2, $3)",
            &[&username, &role, &verifier],
        )
        .map_err(error::from_query)?;
        let login = if is_active { "LOGIN" } else { "NOLOGIN" };
        let create = tx
            .query_one(
                &format!(
                    "SELECT format('CREATE ROLE %I {login} PASSWORD %L IN ROLE latchkey_user', $1::text, $2::text)"
                ),
                &[&role, &verifier],
            )
            .map_err(error::from_query)?;
        tx.batch_execute(&create.get::<_, String>(0))
            .map_err(error::from_query)?;
        tx.execute(
            "INSERT INTO latchkey.users (id, username, role_name, display_name, email, is_admin, is_active, must_change_password, created_at_ms)
             OVERRIDING SYSTEM VALUE
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, latchkey.now_ms())",
            &[&id, &username, &role, &display_name, &email, &is_admin, &is_active, &must_change],
        )
        .map_err(error::from_query)?;
    }
    Ok(())
}

fn copy_table(
    source: &Connection,
    tx: &mut Transaction<'_>,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<(), PgError> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let list = names.join(", ");
    let select = if table == "entries" {
        // Parents before their children, whatever their ids.
        format!(
            "WITH RECURSIVE depth(id, level) AS (
                 SELECT id, 0 FROM entries WHERE parent_id IS NULL
                 UNION ALL
                 SELECT e.id, d.level + 1 FROM entries e JOIN depth d ON e.parent_id = d.id)
             SELECT {list} FROM entries JOIN depth USING (id) ORDER BY depth.level, id"
        )
    } else {
        format!("SELECT {list} FROM {table} ORDER BY 1, 2")
    };
    let mut stmt = source.prepare(&select).map_err(|e| read_failed(&e))?;
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let insert = tx
        .prepare(&format!(
            "INSERT INTO latchkey.{table} ({list}) OVERRIDING SYSTEM VALUE VALUES ({})",
            placeholders.join(", ")
        ))
        .map_err(error::from_query)?;
    let mut rows = stmt.query([]).map_err(|e| read_failed(&e))?;
    while let Some(row) = rows.next().map_err(|e| read_failed(&e))? {
        let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(columns.len());
        for (i, (name, kind)) in columns.iter().enumerate() {
            let value: Value = row.get(i).map_err(|e| read_failed(&e))?;
            values.push(convert(table, name, *kind, value)?);
        }
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(AsRef::as_ref).collect();
        tx.execute(&insert, &params).map_err(error::from_query)?;
    }
    Ok(())
}

fn convert(
    table: &str,
    column: &str,
    kind: Kind,
    value: Value,
) -> Result<Box<dyn ToSql + Sync>, PgError> {
    let wrong = || refused(&format!("{table}.{column} holds a value of the wrong type"));
    // These columns (a port, a bit set, approvals, minutes) take 32 bits.
    let narrow = matches!(
        column,
        "required_approvals"
            | "emergency_limit_mins"
            | "max_grant_mins"
            | "permission_bits"
            | "port"
    );
    Ok(match (kind, value) {
        (Kind::Int, Value::Null) if narrow => Box::new(None::<i32>),
        (Kind::Int, Value::Null) => Box::new(None::<i64>),
        (Kind::Int, Value::Integer(n)) if narrow => {
            Box::new(i32::try_from(n).map_err(|_| wrong())?)
        }
        (Kind::Int, Value::Integer(n)) => Box::new(n),
        (Kind::Text, Value::Null) => Box::new(None::<String>),
        (Kind::Text, Value::Text(text)) => Box::new(text),
        (Kind::Bool, Value::Integer(n)) => Box::new(n != 0),
        _ => return Err(wrong()),
    })
}

fn copy_meta(source: &Connection, tx: &mut Transaction<'_>) -> Result<(), PgError> {
    for key in META_KEYS {
        let value: Option<String> = source
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(other),
            })
            .map_err(|e| read_failed(&e))?;
        if let Some(value) = value {
            tx.execute(
                "INSERT INTO latchkey.meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[key, &value],
            )
            .map_err(error::from_query)?;
        }
    }
    let settings: Option<String> = source
        .query_row("SELECT value FROM meta WHERE key = 'settings'", [], |r| {
            r.get(0)
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })
        .map_err(|e| read_failed(&e))?;
    if let Some(settings) = settings {
        tx.execute(
            "INSERT INTO latchkey.settings (key, value) VALUES ('settings', $1)",
            &[&settings],
        )
        .map_err(error::from_query)?;
    }
    Ok(())
}

/// Each secret, opened with the file's key by the caller, is sealed again
/// by the server with its own.
fn copy_secrets(
    source: &Connection,
    tx: &mut Transaction<'_>,
    secrets: &mut dyn CopySecrets,
) -> Result<(), PgError> {
    let mut stmt = source
        .prepare("SELECT entry_id, nonce, ciphertext FROM entry_secrets ORDER BY entry_id")
        .map_err(|e| read_failed(&e))?;
    let sealed = stmt
        .query_map([], |r| {
            Ok((
                EntryId(r.get(0)?),
                SealedSecret {
                    nonce: r.get(1)?,
                    ciphertext: r.get(2)?,
                },
            ))
        })
        .map_err(|e| read_failed(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_failed(&e))?;
    for (entry, sealed) in sealed {
        let secret = secrets.open(entry, &sealed).map_err(|e| refused(&e))?;
        tx.execute(
            "INSERT INTO latchkey.entry_secrets (entry_id, ciphertext)
             VALUES ($1, latchkey_crypto.pgp_sym_encrypt($2, latchkey.workspace_key(), 'cipher-algo=aes256'))",
            &[&entry.0, &secret.as_str()],
        )
        .map_err(error::from_query)?;
    }
    Ok(())
}
