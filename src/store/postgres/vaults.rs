//! The vaults area of a PostgreSQL workspace's store (issue 19): workspace
//! metadata and settings, users, vaults with their members and approvers,
//! permission sets and standing permissions. Each function is one call of
//! the `latchkey_api` function of the same name (`sql/vaults.sql`), which
//! checks the caller; here only arguments and rows are converted.
//!
//! Passwords: the server checks them (a sign-in is a connection), so the
//! password-hash and sign-in throttle methods of the store have no function.
//! A new or changed password leaves this computer only as a SCRAM verifier.

use super::scram_verifier;
use super::tx::failed;
use crate::domain::access::StandingFact;
use crate::domain::error::{DomainError, Field};
use crate::domain::permission::{PermissionSet, Permissions, StandingGrant, StandingOrigin};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::{NewUser, User};
use crate::domain::vault::Vault;
use crate::domain::{EntryId, PermissionSetId, RequestId, Timestamp, UserId, VaultId};
use crate::store::{SignInThrottle, StoreError};
use ::postgres::Row;
use ::postgres::Transaction;
use ::postgres::types::ToSql;

type Tx<'a, 'c> = &'a mut Transaction<'c>;

/// The error of a password method on a PostgreSQL workspace.
fn server_checks_passwords(what: &str) -> StoreError {
    StoreError::Database(format!(
        "{what} is not kept by Latchkey on a PostgreSQL workspace: the PostgreSQL server checks passwords"
    ))
}

fn rows(tx: Tx<'_, '_>, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StoreError> {
    tx.query(sql, params).map_err(failed)
}

fn row(tx: Tx<'_, '_>, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row, StoreError> {
    tx.query_one(sql, params).map_err(failed)
}

fn call(tx: Tx<'_, '_>, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<(), StoreError> {
    tx.execute(sql, params).map(drop).map_err(failed)
}

/// A stored non-negative integer as the domain's `u32`.
fn unsigned(value: i32, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::BadData(format!("{what} is negative: {value}")))
}

fn count(value: i64) -> usize {
    usize::try_from(value).unwrap_or_default()
}

fn permissions(bits: i32) -> Result<Permissions, StoreError> {
    u8::try_from(bits)
        .map(Permissions::from_bits)
        .map_err(|_| StoreError::BadData(format!("permission bits out of range: {bits}")))
}

// Metadata and settings.

pub(super) fn meta(tx: Tx<'_, '_>, key: &str) -> Result<Option<String>, StoreError> {
    Ok(row(tx, "SELECT latchkey_api.meta($1)", &[&key])?.get(0))
}

pub(super) fn set_meta(tx: Tx<'_, '_>, key: &str, value: &str) -> Result<(), StoreError> {
    call(tx, "SELECT latchkey_api.set_meta($1, $2)", &[&key, &value])
}

pub(super) fn settings(tx: Tx<'_, '_>) -> Result<WorkspaceSettings, StoreError> {
    let json: Option<String> = row(tx, "SELECT latchkey_api.settings()", &[])?.get(0);
    match json {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| StoreError::BadData(format!("settings: {e}")))
        }
        None => Ok(WorkspaceSettings::default()),
    }
}

pub(super) fn save_settings(
    tx: Tx<'_, '_>,
    settings: &WorkspaceSettings,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(settings).map_err(|e| StoreError::BadData(e.to_string()))?;
    call(tx, "SELECT latchkey_api.save_settings($1)", &[&json])
}

// Users.

const USER_COLUMNS: &str = "id, username, display_name, email, is_admin, is_active";

fn user_row(row: &Row) -> User {
    User {
        id: UserId(row.get(0)),
        username: row.get(1),
        display_name: row.get(2),
        email: row.get(3),
        is_admin: row.get(4),
        is_active: row.get(5),
    }
}

/// Creates a user whose password the server keeps as a SCRAM verifier
/// computed here; `latchkey_api.create_user` (identity.sql) checks that the
/// caller is an active administrator and that the name is free.
pub(super) fn insert_user_with_password(
    tx: Tx<'_, '_>,
    user: &NewUser,
    password: &str,
) -> Result<UserId, StoreError> {
    user.validate(password).map_err(StoreError::Refused)?;
    let username = user.username.trim();
    let role = super::role_name(username);
    let display_name = user.display_name.trim();
    let email = user.email.trim();
    let verifier = scram_verifier(password);
    let row = row(
        tx,
        "SELECT latchkey_api.create_user($1, $2, $3, $4, $5, $6)",
        &[
            &username,
            &role,
            &display_name,
            &email,
            &user.is_admin,
            &verifier,
        ],
    )?;
    Ok(UserId(row.get(0)))
}

pub(super) fn set_user_password(
    tx: Tx<'_, '_>,
    id: UserId,
    password: &str,
    must_change: bool,
) -> Result<(), StoreError> {
    if password.is_empty() {
        return Err(StoreError::Refused(DomainError::invalid(
            Field::Password,
            "enter a password",
        )));
    }
    let verifier = scram_verifier(password);
    call(
        tx,
        "SELECT latchkey_api.set_user_password($1, $2, $3)",
        &[&id.0, &verifier, &must_change],
    )
}

pub(super) fn user(tx: Tx<'_, '_>, id: UserId) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM latchkey_api.\"user\"($1)");
    Ok(rows(tx, &sql, &[&id.0])?.first().map(user_row))
}

pub(super) fn users(tx: Tx<'_, '_>) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM latchkey_api.users()");
    Ok(rows(tx, &sql, &[])?.iter().map(user_row).collect())
}

pub(super) fn admins(tx: Tx<'_, '_>) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM latchkey_api.admins()");
    Ok(rows(tx, &sql, &[])?.iter().map(user_row).collect())
}

pub(super) fn update_user_details(
    tx: Tx<'_, '_>,
    id: UserId,
    display_name: &str,
    email: &str,
) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.update_user_details($1, $2, $3)",
        &[&id.0, &display_name, &email],
    )
}

pub(super) fn set_user_admin(tx: Tx<'_, '_>, id: UserId, is_admin: bool) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.set_user_admin($1, $2)",
        &[&id.0, &is_admin],
    )
}

pub(super) fn set_user_active(
    tx: Tx<'_, '_>,
    id: UserId,
    is_active: bool,
) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.set_user_active($1, $2)",
        &[&id.0, &is_active],
    )
}

pub(super) fn must_change_password(tx: Tx<'_, '_>, id: UserId) -> Result<bool, StoreError> {
    Ok(row(tx, "SELECT latchkey_api.must_change_password($1)", &[&id.0])?.get(0))
}

// What the server does instead: checking passwords and slowing down
// sign-ins (a sign-in is a connection it authenticates).

pub(super) fn insert_user() -> Result<UserId, StoreError> {
    Err(server_checks_passwords("a password hash"))
}

pub(super) fn user_auth() -> Result<Option<crate::store::UserAuth>, StoreError> {
    Err(server_checks_passwords("a password hash"))
}

pub(super) fn set_password() -> Result<(), StoreError> {
    Err(server_checks_passwords("a password hash"))
}

pub(super) fn reference_password_hash() -> Result<Option<String>, StoreError> {
    Err(server_checks_passwords("a password hash"))
}

/// Latchkey keeps no sign-in slow-down here: every bucket reads as clear.
/// Harmless, and true: clearing a user's failed sign-ins (an administrator
/// resetting a password) then finds none.
pub(super) fn sign_in_throttle() -> SignInThrottle {
    SignInThrottle::default()
}

pub(super) fn set_sign_in_throttle() -> Result<(), StoreError> {
    Err(server_checks_passwords("a sign-in slow-down"))
}

// `clear_sign_in_throttle` and `forget_sign_in_throttles` answer Ok
// without a call in tx.rs: there is nothing to clear or forget, and the
// service forgets old slow-downs before each sign-in and clears them when
// an administrator resets a password.

// Vaults, membership, approvers.

const VAULT_COLUMNS: &str = "id, name, required_approvals, break_glass_allowed, \
    emergency_limit_mins, max_grant_mins, description, visible_to_non_members";

fn vault_row(row: &Row) -> Result<Vault, StoreError> {
    Ok(Vault {
        id: VaultId(row.get(0)),
        name: row.get(1),
        required_approvals: unsigned(row.get(2), "required approvals")?,
        break_glass_allowed: row.get(3),
        emergency_limit_mins: unsigned(row.get(4), "emergency limit")?,
        max_grant_mins: row
            .get::<_, Option<i32>>(5)
            .map(|m| unsigned(m, "maximum grant"))
            .transpose()?,
        description: row.get(6),
        visible_to_non_members: row.get(7),
    })
}

/// The policy arguments shared by `insert_vault` and `update_vault_policy`.
fn policy_args(vault: &Vault) -> (i64, i64, Option<i64>, &str) {
    (
        i64::from(vault.required_approvals),
        i64::from(vault.emergency_limit_mins),
        vault.max_grant_mins.map(i64::from),
        vault.description.trim(),
    )
}

pub(super) fn insert_vault(tx: Tx<'_, '_>, vault: &Vault) -> Result<VaultId, StoreError> {
    let (required, emergency, max_grant, description) = policy_args(vault);
    let name = vault.name.trim();
    let row = row(
        tx,
        "SELECT latchkey_api.insert_vault($1, $2, $3, $4, $5, $6, $7)",
        &[
            &name,
            &required,
            &vault.break_glass_allowed,
            &emergency,
            &max_grant,
            &description,
            &vault.visible_to_non_members,
        ],
    )?;
    Ok(VaultId(row.get(0)))
}

pub(super) fn vault(tx: Tx<'_, '_>, id: VaultId) -> Result<Option<Vault>, StoreError> {
    let sql = format!("SELECT {VAULT_COLUMNS} FROM latchkey_api.vault($1)");
    rows(tx, &sql, &[&id.0])?.first().map(vault_row).transpose()
}

pub(super) fn vaults(tx: Tx<'_, '_>) -> Result<Vec<Vault>, StoreError> {
    let sql = format!("SELECT {VAULT_COLUMNS} FROM latchkey_api.vaults()");
    rows(tx, &sql, &[])?.iter().map(vault_row).collect()
}

pub(super) fn add_member(tx: Tx<'_, '_>, vault: VaultId, user: UserId) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.add_member($1, $2)",
        &[&vault.0, &user.0],
    )
}

pub(super) fn is_member(tx: Tx<'_, '_>, vault: VaultId, user: UserId) -> Result<bool, StoreError> {
    Ok(row(
        tx,
        "SELECT latchkey_api.is_member($1, $2)",
        &[&vault.0, &user.0],
    )?
    .get(0))
}

fn ids(tx: Tx<'_, '_>, sql: &str, id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(rows(tx, sql, &[&id])?.iter().map(|r| r.get(0)).collect())
}

pub(super) fn member_vaults(tx: Tx<'_, '_>, user: UserId) -> Result<Vec<VaultId>, StoreError> {
    let found = ids(tx, "SELECT * FROM latchkey_api.member_vaults($1)", user.0)?;
    Ok(found.into_iter().map(VaultId).collect())
}

pub(super) fn add_member_from(
    tx: Tx<'_, '_>,
    vault: VaultId,
    user: UserId,
    request: RequestId,
) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.add_member_from($1, $2, $3)",
        &[&vault.0, &user.0, &request.0],
    )
}

pub(super) fn remove_member_from(tx: Tx<'_, '_>, request: RequestId) -> Result<bool, StoreError> {
    Ok(row(
        tx,
        "SELECT latchkey_api.remove_member_from($1)",
        &[&request.0],
    )?
    .get(0))
}

pub(super) fn add_approver(tx: Tx<'_, '_>, vault: VaultId, user: UserId) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.add_approver($1, $2)",
        &[&vault.0, &user.0],
    )
}

pub(super) fn rename_vault(tx: Tx<'_, '_>, id: VaultId, name: &str) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.rename_vault($1, $2)",
        &[&id.0, &name.trim()],
    )
}

pub(super) fn delete_vault(tx: Tx<'_, '_>, id: VaultId) -> Result<(), StoreError> {
    call(tx, "SELECT latchkey_api.delete_vault($1)", &[&id.0])
}

pub(super) fn member_count(tx: Tx<'_, '_>, vault: VaultId) -> Result<usize, StoreError> {
    let n: i64 = row(tx, "SELECT latchkey_api.member_count($1)", &[&vault.0])?.get(0);
    Ok(count(n))
}

pub(super) fn vault_has_requests(tx: Tx<'_, '_>, vault: VaultId) -> Result<bool, StoreError> {
    Ok(row(
        tx,
        "SELECT latchkey_api.vault_has_requests($1)",
        &[&vault.0],
    )?
    .get(0))
}

pub(super) fn approvers(tx: Tx<'_, '_>, vault: VaultId) -> Result<Vec<UserId>, StoreError> {
    let found = ids(tx, "SELECT * FROM latchkey_api.approvers($1)", vault.0)?;
    Ok(found.into_iter().map(UserId).collect())
}

pub(super) fn members(tx: Tx<'_, '_>, vault: VaultId) -> Result<Vec<UserId>, StoreError> {
    let found = ids(tx, "SELECT * FROM latchkey_api.members($1)", vault.0)?;
    Ok(found.into_iter().map(UserId).collect())
}

pub(super) fn remove_member(
    tx: Tx<'_, '_>,
    vault: VaultId,
    user: UserId,
) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.remove_member($1, $2)",
        &[&vault.0, &user.0],
    )
}

pub(super) fn remove_approver(
    tx: Tx<'_, '_>,
    vault: VaultId,
    user: UserId,
) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.remove_approver($1, $2)",
        &[&vault.0, &user.0],
    )
}

pub(super) fn update_vault_policy(tx: Tx<'_, '_>, vault: &Vault) -> Result<(), StoreError> {
    let (required, emergency, max_grant, description) = policy_args(vault);
    call(
        tx,
        "SELECT latchkey_api.update_vault_policy($1, $2, $3, $4, $5, $6, $7)",
        &[
            &vault.id.0,
            &required,
            &vault.break_glass_allowed,
            &emergency,
            &max_grant,
            &description,
            &vault.visible_to_non_members,
        ],
    )
}

// Permission sets.

const SET_COLUMNS: &str = "id, name, permission_bits, is_builtin";

fn set_row(row: &Row) -> Result<PermissionSet, StoreError> {
    Ok(PermissionSet {
        id: PermissionSetId(row.get(0)),
        name: row.get(1),
        permissions: permissions(row.get(2))?,
        is_builtin: row.get(3),
    })
}

pub(super) fn insert_permission_set(
    tx: Tx<'_, '_>,
    name: &str,
    permissions: Permissions,
    is_builtin: bool,
) -> Result<PermissionSetId, StoreError> {
    let bits = i32::from(permissions.bits());
    let row = row(
        tx,
        "SELECT latchkey_api.insert_permission_set($1, $2, $3)",
        &[&name.trim(), &bits, &is_builtin],
    )?;
    Ok(PermissionSetId(row.get(0)))
}

pub(super) fn permission_sets(tx: Tx<'_, '_>) -> Result<Vec<PermissionSet>, StoreError> {
    let sql = format!("SELECT {SET_COLUMNS} FROM latchkey_api.permission_sets()");
    rows(tx, &sql, &[])?.iter().map(set_row).collect()
}

/// A set by id; deleted ones too when `with_deleted` (`permission_set_record`).
pub(super) fn permission_set(
    tx: Tx<'_, '_>,
    id: PermissionSetId,
    with_deleted: bool,
) -> Result<Option<PermissionSet>, StoreError> {
    let sql = format!("SELECT {SET_COLUMNS} FROM latchkey_api.permission_set($1, $2)");
    rows(tx, &sql, &[&id.0, &with_deleted])?
        .first()
        .map(set_row)
        .transpose()
}

pub(super) fn permission_set_named(
    tx: Tx<'_, '_>,
    name: &str,
) -> Result<Option<(PermissionSet, bool)>, StoreError> {
    let sql = format!("SELECT {SET_COLUMNS}, deleted FROM latchkey_api.permission_set_named($1)");
    rows(tx, &sql, &[&name.trim()])?
        .first()
        .map(|r| Ok((set_row(r)?, r.get(4))))
        .transpose()
}

pub(super) fn update_permission_set(
    tx: Tx<'_, '_>,
    id: PermissionSetId,
    name: &str,
    permissions: Permissions,
) -> Result<(), StoreError> {
    let bits = i32::from(permissions.bits());
    call(
        tx,
        "SELECT latchkey_api.update_permission_set($1, $2, $3)",
        &[&id.0, &name.trim(), &bits],
    )
}

/// Deletes at the server's instant (the service's `at` follows the same clock).
pub(super) fn delete_permission_set(tx: Tx<'_, '_>, id: PermissionSetId) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.delete_permission_set($1)",
        &[&id.0],
    )
}

pub(super) fn standing_vaults_of_set(
    tx: Tx<'_, '_>,
    set: PermissionSetId,
) -> Result<Vec<VaultId>, StoreError> {
    let found = ids(
        tx,
        "SELECT * FROM latchkey_api.standing_vaults_of_set($1)",
        set.0,
    )?;
    Ok(found.into_iter().map(VaultId).collect())
}

// Standing permissions.

const GRANT_COLUMNS: &str = "user_id, vault_id, folder_id, permission_set_id, origin_request_id, \
    approved_by, approved_at_ms";

fn grant_row(r: &Row) -> StandingGrant {
    let origin = match (
        r.get::<_, Option<i64>>(4),
        r.get::<_, Option<i64>>(5),
        r.get::<_, Option<i64>>(6),
    ) {
        (Some(request), Some(by), Some(at)) => Some(StandingOrigin {
            request_id: RequestId(request),
            approved_by: UserId(by),
            approved_at: Timestamp(at),
        }),
        _ => None,
    };
    StandingGrant {
        user_id: UserId(r.get(0)),
        vault_id: VaultId(r.get(1)),
        folder_id: r.get::<_, Option<i64>>(2).map(EntryId),
        set_id: PermissionSetId(r.get(3)),
        origin,
    }
}

pub(super) fn add_standing(
    tx: Tx<'_, '_>,
    user: UserId,
    vault: VaultId,
    folder: Option<EntryId>,
    set: PermissionSetId,
) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.add_standing($1, $2, $3, $4)",
        &[&user.0, &vault.0, &folder.map(|f| f.0), &set.0],
    )
}

pub(super) fn standing_grants(
    tx: Tx<'_, '_>,
    vault: VaultId,
) -> Result<Vec<StandingGrant>, StoreError> {
    let sql = format!("SELECT {GRANT_COLUMNS} FROM latchkey_api.standing_grants($1)");
    Ok(rows(tx, &sql, &[&vault.0])?.iter().map(grant_row).collect())
}

/// Stores a standing permission; who approved it and when are the server's
/// to say (the caller, its instant), not the origin's as sent.
pub(super) fn insert_standing_grant(
    tx: Tx<'_, '_>,
    grant: &StandingGrant,
) -> Result<(), StoreError> {
    call(
        tx,
        "SELECT latchkey_api.insert_standing_grant($1, $2, $3, $4, $5)",
        &[
            &grant.user_id.0,
            &grant.vault_id.0,
            &grant.folder_id.map(|f| f.0),
            &grant.set_id.0,
            &grant.origin.map(|o| o.request_id.0),
        ],
    )
}

pub(super) fn standing_from_request(
    tx: Tx<'_, '_>,
    request: RequestId,
) -> Result<Option<StandingGrant>, StoreError> {
    let sql = format!("SELECT {GRANT_COLUMNS} FROM latchkey_api.standing_from_request($1)");
    Ok(rows(tx, &sql, &[&request.0])?.first().map(grant_row))
}

pub(super) fn remove_standing(tx: Tx<'_, '_>, grant: &StandingGrant) -> Result<bool, StoreError> {
    Ok(row(
        tx,
        "SELECT latchkey_api.remove_standing($1, $2, $3, $4, $5)",
        &[
            &grant.user_id.0,
            &grant.vault_id.0,
            &grant.folder_id.map(|f| f.0),
            &grant.set_id.0,
            &grant.origin.map(|o| o.request_id.0),
        ],
    )?
    .get(0))
}

pub(super) fn standing(
    tx: Tx<'_, '_>,
    user: UserId,
    vault: VaultId,
) -> Result<Vec<StandingFact>, StoreError> {
    let found = rows(
        tx,
        "SELECT folder_id, permission_bits, permission_set_id, approved_at_ms \
         FROM latchkey_api.standing($1, $2)",
        &[&user.0, &vault.0],
    )?;
    found
        .iter()
        .map(|r| {
            Ok(StandingFact {
                folder_id: r.get::<_, Option<i64>>(0).map(EntryId),
                permissions: permissions(r.get(1))?,
                set_id: PermissionSetId(r.get(2)),
                since: r.get::<_, Option<i64>>(3).map(Timestamp),
            })
        })
        .collect()
}
