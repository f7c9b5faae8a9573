//! [`StoreTx`] over one SQLite transaction. Statements are cached per
//! connection, so a service call costs a handful of prepared lookups.

use super::map_error;
use super::rows::{self, window_columns};
use crate::domain::access::StandingFact;
use crate::domain::audit::AuditEvent;
use crate::domain::entry::{Dependency, DependencyRole, Entry, EntryKind, NewEntry};
use crate::domain::notification::{
    Handling, NewNotification, Notification, NotificationKind, NotificationPreferences,
};
use crate::domain::permission::{PermissionSet, Permissions, StandingGrant};
use crate::domain::request::{Approval, Request, Target};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::{NewUser, User};
use crate::domain::vault::Vault;
use crate::domain::{
    EntryId, NotificationId, PermissionSetId, RequestId, Timestamp, UserId, VaultId,
};
use crate::store::{
    AuditCursor, AuditFilter, AuditListed, AuditRow, EntryNode, RequestCounts, SealedSecret,
    SignInThrottle, StoreError, StoreTx, UserAuth,
};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params};

/// Shortens `.map_err(|e| map_error(&e))`.
trait Db<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(|e| match e {
            rusqlite::Error::FromSqlConversionFailure(_, _, cause) => {
                StoreError::BadData(cause.to_string())
            }
            other => map_error(&other),
        })
    }
}

const META_HEAD_SEQ: &str = "audit_head_seq";
const META_HEAD_HASH: &str = "audit_head_hash";
const META_SETTINGS: &str = "settings";

pub struct SqliteTx<'c> {
    tx: Transaction<'c>,
}

impl<'c> SqliteTx<'c> {
    pub fn new(tx: Transaction<'c>) -> SqliteTx<'c> {
        SqliteTx { tx }
    }

    fn query_requests(
        &mut self,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Request>, StoreError> {
        let mut requests = {
            let mut stmt = self.tx.prepare_cached(sql).db()?;
            stmt.query_map(params, rows::request)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?
        };
        self.attach_approvals(&mut requests)?;
        Ok(requests)
    }

    fn attach_approvals(&mut self, requests: &mut [Request]) -> Result<(), StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT approver_id, approved_at_ms, message FROM approvals WHERE request_id = ?1 ORDER BY approved_at_ms",
            )
            .db()?;
        for request in requests.iter_mut() {
            request.approvals = stmt
                .query_map([request.id.0], |row| {
                    Ok(Approval {
                        approver_id: UserId(row.get(0)?),
                        approved_at: Timestamp(row.get(1)?),
                        message: row.get(2)?,
                    })
                })
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
        }
        Ok(())
    }
}

impl StoreTx for SqliteTx<'_> {
    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().db()
    }

    fn entry_revision(&mut self, vault: VaultId) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached("SELECT revision FROM entry_revisions WHERE vault_id = ?1")
            .db()?
            .query_row([vault.0], |r| r.get(0))
            .optional()
            .db()
            .map(Option::unwrap_or_default)
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        // Read loosely: a value of another type (written with the sqlite3
        // tool) is bad data, not a database failure.
        let value = self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .db()?
            .query_row([key], |r| {
                Ok(match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8(t.to_vec()).ok(),
                    _ => None,
                })
            })
            .optional()
            .db()?;
        match value {
            None => Ok(None),
            Some(Some(text)) => Ok(Some(text)),
            Some(None) => Err(StoreError::BadData(format!(
                "the workspace metadata {key:?} is not text"
            ))),
        }
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2")
            .db()?
            .execute([key, value])
            .db()
            .map(drop)
    }

    fn settings(&mut self) -> Result<WorkspaceSettings, StoreError> {
        match self.meta(META_SETTINGS)? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::BadData(format!("settings: {e}"))),
            None => Ok(WorkspaceSettings::default()),
        }
    }

    fn save_settings(&mut self, settings: &WorkspaceSettings) -> Result<(), StoreError> {
        let json =
            serde_json::to_string(settings).map_err(|e| StoreError::BadData(e.to_string()))?;
        self.set_meta(META_SETTINGS, &json)
    }

    fn insert_user(&mut self, user: &NewUser, password_hash: &str) -> Result<UserId, StoreError> {
        let display = if user.display_name.trim().is_empty() {
            user.username.trim()
        } else {
            user.display_name.trim()
        };
        self.tx
            .prepare_cached(
                "INSERT INTO users (username, display_name, email, is_admin, is_active, password_hash) VALUES (?1, ?2, ?3, ?4, 1, ?5)",
            )
            .db()?
            .execute(params![user.username.trim(), display, user.email.trim(), user.is_admin, password_hash])
            .db()?;
        Ok(UserId(self.tx.last_insert_rowid()))
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {} FROM users WHERE id = ?1", rows::USER_COLUMNS);
        self.tx
            .prepare_cached(&sql)
            .db()?
            .query_row([id.0], rows::user)
            .optional()
            .db()
    }

    fn users(&mut self) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {} FROM users ORDER BY display_name COLLATE NOCASE",
            rows::USER_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map([], rows::user)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn admins(&mut self) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {} FROM users WHERE is_admin = 1 AND is_active = 1",
            rows::USER_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map([], rows::user)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn user_auth(&mut self, username: &str) -> Result<Option<UserAuth>, StoreError> {
        let sql = format!(
            "SELECT {}, password_hash, must_change_password FROM users WHERE username = ?1",
            rows::USER_COLUMNS
        );
        self.tx
            .prepare_cached(&sql)
            .db()?
            .query_row([username.trim()], |row| {
                Ok(UserAuth {
                    user: rows::user(row)?,
                    password_hash: row.get(6)?,
                    must_change_password: row.get(7)?,
                })
            })
            .optional()
            .db()
    }

    fn update_user_details(
        &mut self,
        id: UserId,
        display_name: &str,
        email: &str,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE users SET display_name = ?2, email = ?3 WHERE id = ?1")
            .db()?
            .execute(params![id.0, display_name, email])
            .db()?;
        Ok(())
    }

    fn set_user_admin(&mut self, id: UserId, is_admin: bool) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE users SET is_admin = ?2 WHERE id = ?1")
            .db()?
            .execute(params![id.0, is_admin])
            .db()?;
        Ok(())
    }

    fn set_user_active(&mut self, id: UserId, is_active: bool) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE users SET is_active = ?2 WHERE id = ?1")
            .db()?
            .execute(params![id.0, is_active])
            .db()?;
        Ok(())
    }

    fn set_password(
        &mut self,
        id: UserId,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
            )
            .db()?
            .execute(params![id.0, password_hash, must_change])
            .db()?;
        Ok(())
    }

    fn must_change_password(&mut self, id: UserId) -> Result<bool, StoreError> {
        self.tx
            .prepare_cached("SELECT must_change_password FROM users WHERE id = ?1")
            .db()?
            .query_row([id.0], |r| r.get(0))
            .optional()
            .db()
            .map(Option::unwrap_or_default)
    }

    fn reference_password_hash(&mut self) -> Result<Option<String>, StoreError> {
        self.tx
            .prepare_cached("SELECT password_hash FROM users ORDER BY id LIMIT 1")
            .db()?
            .query_row([], |r| r.get(0))
            .optional()
            .db()
    }

    fn sign_in_throttle(&mut self, bucket: u16) -> Result<SignInThrottle, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT failed_attempts, wrong_guesses, last_checked_ms FROM sign_in_throttle WHERE name_bucket = ?1",
            )
            .db()?
            .query_row([bucket], |row| {
                Ok(SignInThrottle {
                    failed_attempts: row.get(0)?,
                    wrong_guesses: row.get(1)?,
                    last_checked_at: row.get::<_, Option<i64>>(2)?.map(Timestamp),
                })
            })
            .optional()
            .db()
            .map(Option::unwrap_or_default)
    }

    fn set_sign_in_throttle(
        &mut self,
        bucket: u16,
        throttle: &SignInThrottle,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO sign_in_throttle (name_bucket, failed_attempts, wrong_guesses, last_checked_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(name_bucket) DO UPDATE SET failed_attempts = ?2, wrong_guesses = ?3, last_checked_ms = ?4",
            )
            .db()?
            .execute(params![
                bucket,
                throttle.failed_attempts,
                throttle.wrong_guesses,
                throttle.last_checked_at.map(Timestamp::millis)
            ])
            .db()
            .map(drop)
    }

    fn clear_sign_in_throttle(&mut self, bucket: u16) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("DELETE FROM sign_in_throttle WHERE name_bucket = ?1")
            .db()?
            .execute([bucket])
            .db()
            .map(drop)
    }

    fn forget_sign_in_throttles(&mut self, before: Timestamp) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "DELETE FROM sign_in_throttle WHERE last_checked_ms IS NULL OR last_checked_ms < ?1",
            )
            .db()?
            .execute([before.0])
            .db()
            .map(drop)
    }

    fn insert_vault(&mut self, vault: &Vault) -> Result<VaultId, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO vaults (name, required_approvals, break_glass_allowed, emergency_limit_mins, \
                 max_grant_mins, description, visible_to_non_members) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .db()?
            .execute(params![
                vault.name.trim(),
                vault.required_approvals,
                vault.break_glass_allowed,
                vault.emergency_limit_mins,
                vault.max_grant_mins,
                vault.description.trim(),
                vault.visible_to_non_members
            ])
            .db()?;
        Ok(VaultId(self.tx.last_insert_rowid()))
    }

    fn vault(&mut self, id: VaultId) -> Result<Option<Vault>, StoreError> {
        let sql = format!("SELECT {} FROM vaults WHERE id = ?1", rows::VAULT_COLUMNS);
        self.tx
            .prepare_cached(&sql)
            .db()?
            .query_row([id.0], rows::vault)
            .optional()
            .db()
    }

    fn vaults(&mut self) -> Result<Vec<Vault>, StoreError> {
        let sql = format!(
            "SELECT {} FROM vaults ORDER BY name COLLATE NOCASE",
            rows::VAULT_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map([], rows::vault)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn add_member(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO vault_members (vault_id, user_id) VALUES (?1, ?2)",
            )
            .db()?
            .execute([vault.0, user.0])
            .db()
            .map(drop)
    }

    fn is_member(&mut self, vault: VaultId, user: UserId) -> Result<bool, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM vault_members WHERE vault_id = ?1 AND user_id = ?2)",
            )
            .db()?
            .query_row([vault.0, user.0], |r| r.get(0))
            .db()
    }

    fn member_vaults(&mut self, user: UserId) -> Result<Vec<VaultId>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT vault_id FROM vault_members WHERE user_id = ?1")
            .db()?;
        stmt.query_map([user.0], |r| Ok(VaultId(r.get(0)?)))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn add_member_from(
        &mut self,
        vault: VaultId,
        user: UserId,
        request: RequestId,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO vault_members (vault_id, user_id, origin_request_id) \
                 VALUES (?1, ?2, ?3)",
            )
            .db()?
            .execute([vault.0, user.0, request.0])
            .db()
            .map(drop)
    }

    fn remove_member_from(&mut self, request: RequestId) -> Result<bool, StoreError> {
        self.tx
            .prepare_cached("DELETE FROM vault_members WHERE origin_request_id = ?1")
            .db()?
            .execute([request.0])
            .db()
            .map(|n| n > 0)
    }

    fn joins_in_vault(&mut self, vault: VaultId) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE vault_id = ?1 AND joins = 1 AND status = 'approved'",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&vault.0])
    }

    fn open_joins(
        &mut self,
        user: UserId,
        vault: Option<VaultId>,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE requester_id = ?1 AND joins = 1 \
             AND status IN ('pending', 'approved') AND (?2 IS NULL OR vault_id = ?2)",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&user.0, &vault.map(|v| v.0)])
    }

    fn add_approver(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO vault_approvers (vault_id, user_id) VALUES (?1, ?2)",
            )
            .db()?
            .execute([vault.0, user.0])
            .db()
            .map(drop)
    }

    fn rename_vault(&mut self, id: VaultId, name: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE vaults SET name = ?2 WHERE id = ?1")
            .db()?
            .execute(params![id.0, name.trim()])
            .db()
            .map(drop)
    }

    fn delete_vault(&mut self, id: VaultId) -> Result<(), StoreError> {
        // Entries (their secrets and dependencies), members, approvers and
        // standing permissions go with it by their foreign keys' cascades.
        self.tx
            .prepare_cached("DELETE FROM vaults WHERE id = ?1")
            .db()?
            .execute([id.0])
            .db()
            .map(drop)
    }

    fn member_count(&mut self, vault: VaultId) -> Result<usize, StoreError> {
        self.tx
            .prepare_cached("SELECT COUNT(*) FROM vault_members WHERE vault_id = ?1")
            .db()?
            .query_row([vault.0], |r| r.get::<_, i64>(0))
            .db()
            .map(|n| usize::try_from(n).unwrap_or_default())
    }

    fn vault_has_requests(&mut self, vault: VaultId) -> Result<bool, StoreError> {
        self.tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM requests WHERE vault_id = ?1)")
            .db()?
            .query_row([vault.0], |r| r.get(0))
            .db()
    }

    fn approvers(&mut self, vault: VaultId) -> Result<Vec<UserId>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT user_id FROM vault_approvers WHERE vault_id = ?1")
            .db()?;
        stmt.query_map([vault.0], |r| Ok(UserId(r.get(0)?)))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn members(&mut self, vault: VaultId) -> Result<Vec<UserId>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT user_id FROM vault_members WHERE vault_id = ?1 ORDER BY user_id",
            )
            .db()?;
        stmt.query_map([vault.0], |r| Ok(UserId(r.get(0)?)))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn remove_member(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        self.remove_approver(vault, user)?;
        self.tx
            .prepare_cached("DELETE FROM vault_members WHERE vault_id = ?1 AND user_id = ?2")
            .db()?
            .execute([vault.0, user.0])
            .db()
            .map(drop)
    }

    fn remove_approver(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("DELETE FROM vault_approvers WHERE vault_id = ?1 AND user_id = ?2")
            .db()?
            .execute([vault.0, user.0])
            .db()
            .map(drop)
    }

    fn update_vault_policy(&mut self, vault: &Vault) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE vaults SET required_approvals = ?2, break_glass_allowed = ?3, \
                 emergency_limit_mins = ?4, max_grant_mins = ?5, description = ?6, \
                 visible_to_non_members = ?7 WHERE id = ?1",
            )
            .db()?
            .execute(params![
                vault.id.0,
                vault.required_approvals,
                vault.break_glass_allowed,
                vault.emergency_limit_mins,
                vault.max_grant_mins,
                vault.description.trim(),
                vault.visible_to_non_members
            ])
            .db()
            .map(drop)
    }

    fn insert_permission_set(
        &mut self,
        name: &str,
        permissions: Permissions,
        is_builtin: bool,
    ) -> Result<PermissionSetId, StoreError> {
        self.tx
            .prepare_cached("INSERT INTO permission_sets (name, permission_bits, is_builtin) VALUES (?1, ?2, ?3)")
            .db()?
            .execute(params![name.trim(), permissions.bits(), is_builtin])
            .db()?;
        Ok(PermissionSetId(self.tx.last_insert_rowid()))
    }

    fn permission_sets(&mut self) -> Result<Vec<PermissionSet>, StoreError> {
        let sql = format!(
            "SELECT {} FROM permission_sets WHERE deleted_at_ms IS NULL ORDER BY is_builtin DESC, id",
            rows::PERMISSION_SET_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map([], rows::permission_set)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn permission_set(&mut self, id: PermissionSetId) -> Result<Option<PermissionSet>, StoreError> {
        let sql = format!(
            "SELECT {} FROM permission_sets WHERE id = ?1 AND deleted_at_ms IS NULL",
            rows::PERMISSION_SET_COLUMNS
        );
        self.tx
            .prepare_cached(&sql)
            .db()?
            .query_row([id.0], rows::permission_set)
            .optional()
            .db()
    }

    fn permission_set_record(
        &mut self,
        id: PermissionSetId,
    ) -> Result<Option<PermissionSet>, StoreError> {
        let sql = format!(
            "SELECT {} FROM permission_sets WHERE id = ?1",
            rows::PERMISSION_SET_COLUMNS
        );
        self.tx
            .prepare_cached(&sql)
            .db()?
            .query_row([id.0], rows::permission_set)
            .optional()
            .db()
    }

    fn permission_set_named(
        &mut self,
        name: &str,
    ) -> Result<Option<(PermissionSet, bool)>, StoreError> {
        let sql = format!(
            "SELECT {}, deleted_at_ms IS NOT NULL FROM permission_sets \
             WHERE name = ?1 COLLATE NOCASE ORDER BY deleted_at_ms IS NOT NULL, id LIMIT 1",
            rows::PERMISSION_SET_COLUMNS
        );
        self.tx
            .prepare_cached(&sql)
            .db()?
            .query_row([name.trim()], |r| {
                Ok((
                    rows::permission_set(r)?,
                    r.get(rows::PERMISSION_SET_COLUMN_COUNT)?,
                ))
            })
            .optional()
            .db()
    }

    fn update_permission_set(
        &mut self,
        id: PermissionSetId,
        name: &str,
        permissions: Permissions,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE permission_sets SET name = ?2, permission_bits = ?3 WHERE id = ?1",
            )
            .db()?
            .execute(params![id.0, name.trim(), permissions.bits()])
            .db()
            .map(drop)
    }

    fn delete_permission_set(
        &mut self,
        id: PermissionSetId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE permission_sets SET deleted_at_ms = ?2 WHERE id = ?1")
            .db()?
            .execute(params![id.0, at.millis()])
            .db()
            .map(drop)
    }

    fn standing_vaults_of_set(&mut self, set: PermissionSetId) -> Result<Vec<VaultId>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT vault_id FROM standing_permissions WHERE permission_set_id = ?1 ORDER BY id",
            )
            .db()?;
        stmt.query_map([set.0], |r| Ok(VaultId(r.get(0)?)))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn open_requests_of_set(
        &mut self,
        set: PermissionSetId,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        // The phases `Request::phase` calls pending and live, in SQL.
        self.tx
            .prepare_cached(
                "SELECT COUNT(*) FROM requests \
                 WHERE (requested_set_id = ?1 OR authorized_set_id = ?1) \
                 AND ((status = 'pending' AND pending_until_ms > ?2) \
                   OR (status = 'approved' AND (grant_end_ms > ?2 \
                       OR (grant_end_ms IS NULL AND claim_by_ms > ?2))))",
            )
            .db()?
            .query_row(params![set.0, now.millis()], |r| r.get::<_, i64>(0))
            .db()
            .map(|n| usize::try_from(n).unwrap_or_default())
    }

    fn standing_grants(&mut self, vault: VaultId) -> Result<Vec<StandingGrant>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT user_id, vault_id, folder_id, permission_set_id, origin_request_id, \
                 approved_by, approved_at_ms FROM standing_permissions \
                 WHERE vault_id = ?1 ORDER BY id",
            )
            .db()?;
        stmt.query_map([vault.0], rows::standing_grant)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn remove_standing(&mut self, grant: &StandingGrant) -> Result<bool, StoreError> {
        // Exactly one row, even if the same permission was given twice.
        self.tx
            .prepare_cached(
                "DELETE FROM standing_permissions WHERE id = (SELECT id FROM standing_permissions \
                 WHERE user_id = ?1 AND vault_id = ?2 AND folder_id IS ?3 AND permission_set_id = ?4 \
                 AND origin_request_id IS ?5 ORDER BY id LIMIT 1)",
            )
            .db()?
            .execute(params![
                grant.user_id.0,
                grant.vault_id.0,
                grant.folder_id.map(|f| f.0),
                grant.set_id.0,
                grant.origin.map(|o| o.request_id.0),
            ])
            .db()
            .map(|n| n > 0)
    }

    fn insert_standing_grant(&mut self, grant: &StandingGrant) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO standing_permissions (user_id, vault_id, folder_id, permission_set_id, \
                 origin_request_id, approved_by, approved_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .db()?
            .execute(params![
                grant.user_id.0,
                grant.vault_id.0,
                grant.folder_id.map(|f| f.0),
                grant.set_id.0,
                grant.origin.map(|o| o.request_id.0),
                grant.origin.map(|o| o.approved_by.0),
                grant.origin.map(|o| o.approved_at.millis()),
            ])
            .db()
            .map(drop)
    }

    fn standing_from_request(
        &mut self,
        request: RequestId,
    ) -> Result<Option<StandingGrant>, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT user_id, vault_id, folder_id, permission_set_id, origin_request_id, \
                 approved_by, approved_at_ms FROM standing_permissions \
                 WHERE origin_request_id = ?1 ORDER BY id LIMIT 1",
            )
            .db()?
            .query_row([request.0], rows::standing_grant)
            .optional()
            .db()
    }

    fn add_standing(
        &mut self,
        user: UserId,
        vault: VaultId,
        folder: Option<EntryId>,
        set: PermissionSetId,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO standing_permissions (user_id, vault_id, folder_id, permission_set_id) VALUES (?1, ?2, ?3, ?4)",
            )
            .db()?
            .execute(params![user.0, vault.0, folder.map(|f| f.0), set.0])
            .db()
            .map(drop)
    }

    fn standing(&mut self, user: UserId, vault: VaultId) -> Result<Vec<StandingFact>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT sp.folder_id, ps.permission_bits, sp.permission_set_id, sp.approved_at_ms \
                 FROM standing_permissions sp \
                 JOIN permission_sets ps ON ps.id = sp.permission_set_id \
                 WHERE sp.user_id = ?1 AND sp.vault_id = ?2 ORDER BY sp.id",
            )
            .db()?;
        stmt.query_map([user.0, vault.0], |r| {
            Ok(StandingFact {
                folder_id: r.get::<_, Option<i64>>(0)?.map(EntryId),
                permissions: Permissions::from_bits(r.get(1)?),
                set_id: PermissionSetId(r.get(2)?),
                since: r.get::<_, Option<i64>>(3)?.map(Timestamp),
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()
    }

    fn insert_entry(
        &mut self,
        vault: VaultId,
        kind: EntryKind,
        draft: &NewEntry,
    ) -> Result<EntryId, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO entries (vault_id, parent_id, kind, name, host, port, username, url, notes, \
                 database_name, engine) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .db()?
            .execute(params![
                vault.0,
                draft.parent_id.map(|p| p.0),
                kind.as_str(),
                draft.name.trim(),
                draft.host.trim(),
                draft.port,
                draft.username.trim(),
                draft.url.trim(),
                draft.notes,
                draft.database.trim(),
                draft.engine.trim(),
            ])
            .db()?;
        Ok(EntryId(self.tx.last_insert_rowid()))
    }

    fn entry(&mut self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        let sql = format!(
            "SELECT {} FROM entries WHERE id = ?1 AND deleted_at_ms IS NULL",
            rows::ENTRY_COLUMNS
        );
        self.tx
            .prepare_cached(&sql)
            .db()?
            .query_row([id.0], rows::entry)
            .optional()
            .db()
    }

    fn entry_record(&mut self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        let sql = format!("SELECT {} FROM entries WHERE id = ?1", rows::ENTRY_COLUMNS);
        self.tx
            .prepare_cached(&sql)
            .db()?
            .query_row([id.0], rows::entry)
            .optional()
            .db()
    }

    fn update_entry(&mut self, id: EntryId, draft: &NewEntry) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE entries SET parent_id = ?2, name = ?3, host = ?4, port = ?5, username = ?6, \
                 url = ?7, notes = ?8, database_name = ?9, engine = ?10 WHERE id = ?1",
            )
            .db()?
            .execute(params![
                id.0,
                draft.parent_id.map(|p| p.0),
                draft.name.trim(),
                draft.host.trim(),
                draft.port,
                draft.username.trim(),
                draft.url.trim(),
                draft.notes,
                draft.database.trim(),
                draft.engine.trim(),
            ])
            .db()
            .map(drop)
    }

    fn delete_entries(&mut self, ids: &[EntryId], at: Timestamp) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM entry_secrets WHERE entry_id = ?1",
            "DELETE FROM entry_dependencies WHERE entry_id = ?1 OR depends_on_id = ?1",
            "DELETE FROM standing_permissions WHERE folder_id = ?1",
        ] {
            let mut stmt = self.tx.prepare_cached(sql).db()?;
            for id in ids {
                stmt.execute([id.0]).db()?;
            }
        }
        let mut stmt = self
            .tx
            .prepare_cached("UPDATE entries SET deleted_at_ms = ?2 WHERE id = ?1")
            .db()?;
        for id in ids {
            stmt.execute([id.0, at.millis()]).db()?;
        }
        Ok(())
    }

    fn children(
        &mut self,
        vault: VaultId,
        parent: Option<EntryId>,
    ) -> Result<Vec<Entry>, StoreError> {
        let sql = format!(
            "SELECT {} FROM entries WHERE vault_id = ?1 AND parent_id IS ?2 AND deleted_at_ms IS NULL",
            rows::ENTRY_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map(params![vault.0, parent.map(|p| p.0)], rows::entry)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn entries(&mut self, vault: VaultId) -> Result<Vec<Entry>, StoreError> {
        let sql = format!(
            "SELECT {} FROM entries WHERE vault_id = ?1 AND deleted_at_ms IS NULL",
            rows::ENTRY_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map([vault.0], rows::entry)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn subtree(&mut self, entry: EntryId) -> Result<Vec<Entry>, StoreError> {
        // UNION (not UNION ALL) and a bounded depth keep a damaged (cyclic)
        // tree from looping.
        let sql = format!(
            "WITH RECURSIVE down(id, depth) AS ( \
                SELECT id, 0 FROM entries WHERE id = ?1 AND deleted_at_ms IS NULL \
                UNION SELECT e.id, down.depth + 1 FROM entries e JOIN down ON e.parent_id = down.id \
                    WHERE e.deleted_at_ms IS NULL AND down.depth < 1000 \
             ) SELECT {} FROM entries WHERE id IN (SELECT id FROM down)",
            rows::ENTRY_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map([entry.0], rows::entry)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn ancestors(&mut self, entry: EntryId) -> Result<Vec<EntryId>, StoreError> {
        // Bounded depth keeps a damaged (cyclic) tree from looping.
        let mut stmt = self
            .tx
            .prepare_cached(
                "WITH RECURSIVE up(id, depth) AS ( \
                    SELECT parent_id, 1 FROM entries WHERE id = ?1 \
                    UNION ALL SELECT e.parent_id, up.depth + 1 FROM entries e JOIN up ON e.id = up.id WHERE up.depth < 1000 \
                 ) SELECT id FROM up WHERE id IS NOT NULL ORDER BY depth",
            )
            .db()?;
        stmt.query_map([entry.0], |r| Ok(EntryId(r.get(0)?)))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn add_dependency(&mut self, dependency: &Dependency) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO entry_dependencies (entry_id, depends_on_id, role) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(entry_id, depends_on_id) DO UPDATE SET role = ?3",
            )
            .db()?
            .execute(params![dependency.entry_id.0, dependency.depends_on.0, dependency.role.as_str()])
            .db()
            .map(drop)
    }

    fn dependencies(&mut self, entry: EntryId) -> Result<Vec<Dependency>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT entry_id, depends_on_id, role FROM entry_dependencies WHERE entry_id = ?1",
            )
            .db()?;
        stmt.query_map([entry.0], rows::dependency)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn dependents(&mut self, entry: EntryId) -> Result<Vec<Dependency>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT entry_id, depends_on_id, role FROM entry_dependencies WHERE depends_on_id = ?1",
            )
            .db()?;
        stmt.query_map([entry.0], rows::dependency)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn remove_dependency(
        &mut self,
        entry: EntryId,
        role: DependencyRole,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("DELETE FROM entry_dependencies WHERE entry_id = ?1 AND role = ?2")
            .db()?
            .execute(params![entry.0, role.as_str()])
            .db()
            .map(drop)
    }

    fn clear_secret(&mut self, entry: EntryId) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("DELETE FROM entry_secrets WHERE entry_id = ?1")
            .db()?
            .execute([entry.0])
            .db()
            .map(drop)
    }

    fn set_secret(&mut self, entry: EntryId, secret: &SealedSecret) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO entry_secrets (entry_id, nonce, ciphertext) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(entry_id) DO UPDATE SET nonce = ?2, ciphertext = ?3",
            )
            .db()?
            .execute(params![entry.0, secret.nonce, secret.ciphertext])
            .db()
            .map(drop)
    }

    fn secret(&mut self, entry: EntryId) -> Result<Option<SealedSecret>, StoreError> {
        self.tx
            .prepare_cached("SELECT nonce, ciphertext FROM entry_secrets WHERE entry_id = ?1")
            .db()?
            .query_row([entry.0], |r| {
                Ok(SealedSecret {
                    nonce: r.get(0)?,
                    ciphertext: r.get(1)?,
                })
            })
            .optional()
            .db()
    }

    fn insert_request(
        &mut self,
        r: &Request,
        covered: &[EntryId],
    ) -> Result<RequestId, StoreError> {
        let (req_mins, req_start, req_end) = window_columns(r.requested.window);
        self.tx
            .prepare_cached(
                "INSERT INTO requests (kind, requester_id, entry_id, vault_id, approver_id, extends_request_id, \
                 requested_set_id, requested_duration_mins, requested_start_ms, requested_end_ms, message, \
                 start_on_first_use, created_at_ms, pending_until_ms, status, target, joins) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'pending', ?15, ?16)",
            )
            .db()?
            .execute(params![
                r.kind.as_str(),
                r.requester_id.0,
                r.entry_id().map(|e| e.0),
                r.vault_id.0,
                r.approver_id.map(|u| u.0),
                r.extends_request_id.map(|x| x.0),
                r.requested.permission_set_id.0,
                req_mins,
                req_start,
                req_end,
                r.message,
                r.start_on_first_use,
                r.created_at.millis(),
                r.pending_until_at.millis(),
                r.target.stored_kind(),
                r.target.is_join(),
            ])
            .db()?;
        let id = RequestId(self.tx.last_insert_rowid());
        {
            let mut stmt = self
                .tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO request_entries (entry_id, request_id) VALUES (?1, ?2)",
                )
                .db()?;
            for entry in covered {
                stmt.execute([entry.0, id.0]).db()?;
            }
        }
        // The rest of the state (already approved, for direct grants and break
        // glass) is written the same way as any later change.
        let stored = Request { id, ..r.clone() };
        self.update_request(&stored)?;
        Ok(id)
    }

    fn update_request(&mut self, r: &Request) -> Result<(), StoreError> {
        let (auth_set, (auth_mins, auth_start, auth_end)) = match r.authorized {
            Some(t) => (Some(t.permission_set_id.0), window_columns(t.window)),
            None => (None, (None, None, None)),
        };
        let changed = self
            .tx
            .prepare_cached(rows::REQUEST_UPDATE)
            .db()?
            .execute(params![
                r.id.0,
                auth_set,
                auth_mins,
                auth_start,
                auth_end,
                r.status.as_str(),
                r.decided_by.map(|u| u.0),
                r.decided_at.map(Timestamp::millis),
                r.decision_message,
                r.grant_start_at.map(Timestamp::millis),
                r.grant_end_at.map(Timestamp::millis),
                r.claim_by_at.map(Timestamp::millis),
                r.ended_by.map(|u| u.0),
                r.ended_at.map(Timestamp::millis),
                r.closing_note,
                r.needs_review,
                r.reviewed_by.map(|u| u.0),
                r.reviewed_at.map(Timestamp::millis),
                r.expiring_soon_notified,
                r.expiry_recorded,
            ])
            .db()?;
        if changed != 1 {
            return Err(StoreError::BadData(format!(
                "request {} does not exist",
                r.id
            )));
        }
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO approvals (request_id, approver_id, approved_at_ms, message) VALUES (?1, ?2, ?3, ?4)",
            )
            .db()?;
        for approval in &r.approvals {
            stmt.execute(params![
                r.id.0,
                approval.approver_id.0,
                approval.approved_at.millis(),
                approval.message
            ])
            .db()?;
        }
        Ok(())
    }

    fn request(&mut self, id: RequestId) -> Result<Option<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE id = ?1",
            rows::REQUEST_COLUMNS
        );
        let mut found = self.query_requests(&sql, &[&id.0])?;
        Ok(found.pop())
    }

    fn covered_entries(&mut self, id: RequestId) -> Result<Vec<EntryId>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT entry_id FROM request_entries WHERE request_id = ?1")
            .db()?;
        stmt.query_map([id.0], |r| Ok(EntryId(r.get(0)?)))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn pending_requests_naming(&mut self, entry: EntryId) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE status = 'pending' AND (entry_id = ?1 \
             OR id IN (SELECT request_id FROM request_entries WHERE entry_id = ?1))",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&entry.0])
    }

    fn approved_grants_covering(
        &mut self,
        user: UserId,
        entry: EntryId,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE id IN (SELECT request_id FROM request_entries WHERE entry_id = ?1) \
             AND requester_id = ?2 AND status = 'approved'",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&entry.0, &user.0])
    }

    fn approved_scoped_grants(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE requester_id = ?1 AND vault_id = ?2 \
             AND status = 'approved' AND target <> 'entry'",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&user.0, &vault.0])
    }

    fn has_pending(
        &mut self,
        user: UserId,
        target: Target,
        set: PermissionSetId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let vault = match target {
            Target::Vault(vault) | Target::Join(vault) => Some(vault.0),
            Target::Entry(_) | Target::Folder(_) => None,
        };
        self.tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM requests WHERE status = 'pending' AND requester_id = ?1 \
                 AND entry_id IS ?2 AND target = ?3 AND joins = ?4 AND (?5 IS NULL OR vault_id = ?5) \
                 AND requested_set_id = ?6 AND pending_until_ms > ?7)",
            )
            .db()?
            .query_row(
                params![
                    user.0,
                    target.entry_id().map(|e| e.0),
                    target.stored_kind(),
                    target.is_join(),
                    vault,
                    set.0,
                    now.millis()
                ],
                |r| r.get(0),
            )
            .db()
    }

    fn pending_for_approver(
        &mut self,
        approver: UserId,
        is_admin: bool,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE status = 'pending' AND pending_until_ms > ?1 AND requester_id <> ?2 \
             AND (?3 OR vault_id IN (SELECT vault_id FROM vault_approvers WHERE user_id = ?2)) \
             AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = requests.id AND a.approver_id = ?2) \
             ORDER BY created_at_ms DESC, id DESC LIMIT ?4",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(
            &sql,
            &[&now.millis(), &approver.0, &is_admin, &(limit as i64)],
        )
    }

    fn count_pending_for_approver(
        &mut self,
        approver: UserId,
        is_admin: bool,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT COUNT(*) FROM requests WHERE status = 'pending' AND pending_until_ms > ?1 AND requester_id <> ?2 \
                 AND (?3 OR vault_id IN (SELECT vault_id FROM vault_approvers WHERE user_id = ?2)) \
                 AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = requests.id AND a.approver_id = ?2)",
            )
            .db()?
            .query_row(params![now.millis(), approver.0, is_admin], |r| r.get(0))
            .db()
    }

    fn requests_of(&mut self, requester: UserId, limit: usize) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE requester_id = ?1 ORDER BY created_at_ms DESC, id DESC LIMIT ?2",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&requester.0, &(limit as i64)])
    }

    fn requests_visible_to(
        &mut self,
        user: UserId,
        is_admin: bool,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE ?2 OR requester_id = ?1 OR approver_id = ?1 OR decided_by = ?1 \
             OR vault_id IN (SELECT vault_id FROM vault_approvers WHERE user_id = ?1)",
            rows::REQUEST_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map(params![user.0, is_admin], rows::request)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn extensions_of(&mut self, id: RequestId) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE extends_request_id = ?1 ORDER BY id",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&id.0])
    }

    fn requests_on_entry(
        &mut self,
        requester: UserId,
        entry: EntryId,
        limit: usize,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE requester_id = ?1 AND entry_id = ?2 ORDER BY created_at_ms DESC, id DESC LIMIT ?3",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&requester.0, &entry.0, &(limit as i64)])
    }

    fn open_requests_of(&mut self, requester: UserId) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE requester_id = ?1 AND status IN ('pending', 'approved') ORDER BY id",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&requester.0])
    }

    fn open_requests_in_vault(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE requester_id = ?1 AND vault_id = ?2 \
             AND status IN ('pending', 'approved') ORDER BY id",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&user.0, &vault.0])
    }

    fn approved_grants_in_vault(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<(Request, Vec<EntryId>)>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE requester_id = ?1 AND vault_id = ?2 AND status = 'approved'",
            rows::REQUEST_COLUMNS
        );
        let requests = self.query_requests(&sql, &[&user.0, &vault.0])?;
        let mut grants = Vec::with_capacity(requests.len());
        for request in requests {
            let covered = self.covered_entries(request.id)?;
            grants.push((request, covered));
        }
        Ok(grants)
    }

    fn requests_due(
        &mut self,
        now: Timestamp,
        expiring_lead_ms: i64,
    ) -> Result<Vec<Request>, StoreError> {
        // Three cheap index ranges; the expiring-soon test runs only over live grants.
        let sql = format!(
            "SELECT {cols} FROM requests WHERE status = 'pending' AND pending_until_ms <= ?1 \
             UNION ALL SELECT {cols} FROM requests WHERE status = 'approved' AND grant_end_ms IS NULL AND claim_by_ms <= ?1 \
             UNION ALL SELECT {cols} FROM requests WHERE status = 'approved' AND expiry_recorded = 0 AND grant_end_ms IS NOT NULL \
               AND (grant_end_ms <= ?1 OR (expiring_soon_notified = 0 AND \
                    grant_end_ms - MIN(?2, (grant_end_ms - grant_start_ms) / 4) <= ?1))",
            cols = rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[&now.millis(), &expiring_lead_ms])
    }

    fn next_due_at(
        &mut self,
        now: Timestamp,
        expiring_lead_ms: i64,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT MIN(t) FROM ( \
                   SELECT MIN(pending_until_ms) AS t FROM requests WHERE status = 'pending' AND pending_until_ms > ?1 \
                   UNION ALL SELECT MIN(claim_by_ms) FROM requests WHERE status = 'approved' AND grant_end_ms IS NULL AND claim_by_ms > ?1 \
                   UNION ALL SELECT MIN(grant_end_ms) FROM requests WHERE status = 'approved' AND expiry_recorded = 0 AND grant_end_ms > ?1 \
                   UNION ALL SELECT MIN(grant_end_ms - MIN(?2, (grant_end_ms - grant_start_ms) / 4)) FROM requests \
                     WHERE status = 'approved' AND expiry_recorded = 0 AND expiring_soon_notified = 0 AND grant_end_ms > ?1 \
                     AND grant_end_ms - MIN(?2, (grant_end_ms - grant_start_ms) / 4) > ?1 \
                 )",
            )
            .db()?
            .query_row(params![now.millis(), expiring_lead_ms], |r| r.get::<_, Option<i64>>(0))
            .db()
            .map(|t| t.map(Timestamp))
    }

    fn grants_needing_review(&mut self) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {} FROM requests WHERE needs_review = 1 ORDER BY id",
            rows::REQUEST_COLUMNS
        );
        self.query_requests(&sql, &[])
    }

    fn request_counts(&mut self) -> Result<RequestCounts, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT status, COUNT(*) FROM requests GROUP BY status ORDER BY status")
            .db()?;
        let by_status = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()?;
        Ok(RequestCounts { by_status })
    }

    fn insert_notification(
        &mut self,
        n: &NewNotification,
        at: Timestamp,
    ) -> Result<NotificationId, StoreError> {
        let facts =
            serde_json::to_string(&n.facts).map_err(|e| StoreError::BadData(e.to_string()))?;
        self.tx
            .prepare_cached(
                "INSERT INTO notifications (user_id, kind, request_id, title, body, facts, created_at_ms) \
                 VALUES (?1, ?2, ?3, '', '', ?4, ?5)",
            )
            .db()?
            .execute(params![n.user_id.0, n.facts.kind().as_str(), n.request_id.0, facts, at.millis()])
            .db()?;
        Ok(NotificationId(self.tx.last_insert_rowid()))
    }

    fn notifications(
        &mut self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        let sql = format!(
            "SELECT {} FROM notifications WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2",
            rows::NOTIFICATION_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map(params![user.0, limit as i64], rows::notification)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn mark_notification_read(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = self
            .tx
            .prepare_cached(
                "UPDATE notifications SET read_at_ms = ?3 WHERE id = ?1 AND user_id = ?2 AND read_at_ms IS NULL",
            )
            .db()?
            .execute(params![id.0, user.0, at.millis()])
            .db()?;
        Ok(changed == 1)
    }

    fn claim_notification_shown(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = self
            .tx
            .prepare_cached(
                "UPDATE notifications SET shown_at_ms = ?3 WHERE id = ?1 AND user_id = ?2 AND shown_at_ms IS NULL",
            )
            .db()?
            .execute(params![id.0, user.0, at.millis()])
            .db()?;
        Ok(changed == 1)
    }

    fn unread_notification_count(&mut self, user: UserId) -> Result<usize, StoreError> {
        let count: i64 = self
            .tx
            .prepare_cached(
                "SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND read_at_ms IS NULL",
            )
            .db()?
            .query_row(params![user.0], |r| r.get(0))
            .db()?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    fn mark_all_notifications_read(
        &mut self,
        user: UserId,
        at: Timestamp,
    ) -> Result<usize, StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE notifications SET read_at_ms = ?2 WHERE user_id = ?1 AND read_at_ms IS NULL",
            )
            .db()?
            .execute(params![user.0, at.millis()])
            .db()
    }

    fn unshown_notifications(
        &mut self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        let sql = format!(
            "SELECT {} FROM notifications WHERE user_id = ?1 AND shown_at_ms IS NULL \
             ORDER BY id LIMIT ?2",
            rows::NOTIFICATION_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map(params![user.0, limit as i64], rows::notification)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn unshown_notification_count(&mut self, user: UserId) -> Result<usize, StoreError> {
        let count: i64 = self
            .tx
            .prepare_cached(
                "SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND shown_at_ms IS NULL",
            )
            .db()?
            .query_row(params![user.0], |r| r.get(0))
            .db()?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    fn set_notification_desktop_id(
        &mut self,
        id: NotificationId,
        user: UserId,
        desktop_id: u32,
    ) -> Result<bool, StoreError> {
        let changed = self
            .tx
            .prepare_cached(
                "UPDATE notifications SET desktop_id = ?3 WHERE id = ?1 AND user_id = ?2",
            )
            .db()?
            .execute(params![id.0, user.0, desktop_id])
            .db()?;
        Ok(changed == 1)
    }

    fn handled_unannounced(&mut self, user: UserId) -> Result<Vec<Notification>, StoreError> {
        let sql = format!(
            "SELECT {} FROM notifications WHERE user_id = ?1 AND handled IS NOT NULL \
             AND desktop_id IS NOT NULL AND handled_shown_at_ms IS NULL ORDER BY id",
            rows::NOTIFICATION_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map(params![user.0], rows::notification)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn claim_handled_shown(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = self
            .tx
            .prepare_cached(
                "UPDATE notifications SET handled_shown_at_ms = ?3 WHERE id = ?1 AND user_id = ?2 \
                 AND handled IS NOT NULL AND handled_shown_at_ms IS NULL",
            )
            .db()?
            .execute(params![id.0, user.0, at.millis()])
            .db()?;
        Ok(changed == 1)
    }

    fn notification_preferences(
        &mut self,
        user: UserId,
    ) -> Result<NotificationPreferences, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT kind, desktop FROM notification_preferences WHERE user_id = ?1")
            .db()?;
        let rows = stmt
            .query_map(params![user.0], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()?;
        let mut preferences = NotificationPreferences::default();
        for (kind, desktop) in rows {
            // A kind this version does not know is kept in the table and ignored here.
            if let Some(kind) = NotificationKind::parse(&kind) {
                preferences.set_desktop(kind, desktop);
            }
        }
        Ok(preferences)
    }

    fn set_notification_preference(
        &mut self,
        user: UserId,
        kind: NotificationKind,
        desktop: bool,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO notification_preferences (user_id, kind, desktop) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id, kind) DO UPDATE SET desktop = excluded.desktop",
            )
            .db()?
            .execute(params![user.0, kind.as_str(), desktop])
            .db()
            .map(drop)
    }

    fn note_request_handled(
        &mut self,
        request: RequestId,
        except_user: UserId,
        handling: &Handling,
    ) -> Result<(), StoreError> {
        let handled =
            serde_json::to_string(handling).map_err(|e| StoreError::BadData(e.to_string()))?;
        self.tx
            .prepare_cached(
                "UPDATE notifications SET handled = ?3 WHERE request_id = ?1 AND user_id <> ?2 \
                 AND kind IN ('request_submitted', 'break_glass_used')",
            )
            .db()?
            .execute(params![request.0, except_user.0, handled])
            .db()
            .map(drop)
    }

    fn audit_head(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        let seq = self.meta(META_HEAD_SEQ)?;
        let hash = self.meta(META_HEAD_HASH)?;
        match (seq, hash) {
            (Some(seq), Some(hash)) => {
                let seq = seq
                    .parse()
                    .map_err(|_| StoreError::BadData("audit head is not a number".into()))?;
                Ok(Some((seq, hash)))
            }
            _ => Ok(None),
        }
    }

    fn append_audit(&mut self, e: &AuditEvent) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO audit_events (seq, at_ms, actor_id, action, request_id, entry_id, details, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .db()?
            .execute(params![
                e.seq,
                e.at.millis(),
                e.actor_id.map(|u| u.0),
                e.action,
                e.request_id.map(|r| r.0),
                e.entry_id.map(|x| x.0),
                e.details,
                e.prev_hash,
                e.hash,
            ])
            .db()?;
        self.set_meta(META_HEAD_SEQ, &e.seq.to_string())?;
        self.set_meta(META_HEAD_HASH, &e.hash)
    }

    fn audit_events_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let sql = format!(
            "SELECT {} FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            rows::AUDIT_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map(params![after_seq, limit as i64], rows::audit_event)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn audit_rows_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            rows::AUDIT_COLUMNS
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map(params![after_seq, limit as i64], rows::audit_row)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    fn audit_page(
        &mut self,
        filter: &AuditFilter,
        cursor: AuditCursor,
        limit: usize,
    ) -> Result<Vec<AuditListed>, StoreError> {
        self.audit_page_impl(filter, cursor, limit)
    }

    fn audit_count(
        &mut self,
        filter: &AuditFilter,
        cap: Option<usize>,
    ) -> Result<usize, StoreError> {
        self.audit_count_impl(filter, cap)
    }

    fn entry_node(&mut self, id: EntryId) -> Result<Option<EntryNode>, StoreError> {
        self.entry_node_impl(id)
    }

    fn entry_nodes(&mut self) -> Result<Vec<EntryNode>, StoreError> {
        self.entry_nodes_impl()
    }

    fn holds_data(&mut self) -> Result<bool, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM meta) OR EXISTS (SELECT 1 FROM users) \
                 OR EXISTS (SELECT 1 FROM vaults) OR EXISTS (SELECT 1 FROM permission_sets) \
                 OR EXISTS (SELECT 1 FROM entries) OR EXISTS (SELECT 1 FROM requests)",
            )
            .db()?
            .query_row([], |r| r.get(0))
            .db()
    }
}

/// The vault an audit event is about: its entry's, its request's, or the one
/// its details name (vault-level events). Details that are not JSON (a
/// tampered row) name none rather than failing the query.
const AUDIT_VAULT: &str = "COALESCE(e.vault_id, r.vault_id, \
     CASE WHEN json_valid(a.details) THEN json_extract(a.details, '$.vault_id') END)";

/// The joins every audit read needs to resolve and filter by names.
const AUDIT_JOINS: &str = "FROM audit_events a \
     LEFT JOIN entries e ON e.id = a.entry_id \
     LEFT JOIN requests r ON r.id = a.request_id \
     LEFT JOIN users u ON u.id = a.actor_id";

/// `IN (…)` of integers, written into the SQL: they are numbers the program
/// holds, never text anyone typed.
fn id_list(ids: impl Iterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.map(|id| id.to_string()).collect();
    format!("({})", ids.join(","))
}

/// The WHERE clause of `filter` and its parameters. A list of one value is
/// written as `=`, so the planner can walk the matching index in `seq` order.
fn audit_where(filter: &AuditFilter, cursor: Option<AuditCursor>) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let param = |value: Value, values: &mut Vec<Value>| {
        values.push(value);
        format!("?{}", values.len())
    };
    match cursor {
        Some(AuditCursor::NewestBefore(Some(seq))) => {
            clauses.push(format!(
                "a.seq < {}",
                param(Value::Integer(seq), &mut values)
            ));
        }
        Some(AuditCursor::OldestAfter(seq)) => {
            clauses.push(format!(
                "a.seq > {}",
                param(Value::Integer(seq), &mut values)
            ));
        }
        Some(AuditCursor::NewestBefore(None)) | None => {}
    }
    if let Some(actors) = &filter.actors {
        clauses.push(match actors.as_slice() {
            [one] => format!("a.actor_id = {}", one.0),
            many => format!("a.actor_id IN {}", id_list(many.iter().map(|u| u.0))),
        });
    }
    if let Some(entries) = &filter.entries {
        clauses.push(match entries.as_slice() {
            [one] => format!("a.entry_id = {}", one.0),
            many => format!("a.entry_id IN {}", id_list(many.iter().map(|e| e.0))),
        });
    }
    if let Some(requests) = &filter.requests {
        clauses.push(match requests.as_slice() {
            [one] => format!("a.request_id = {}", one.0),
            many => format!("a.request_id IN {}", id_list(many.iter().map(|r| r.0))),
        });
    }
    if let Some(vaults) = &filter.vaults {
        clauses.push(format!(
            "{AUDIT_VAULT} IN {}",
            id_list(vaults.iter().map(|v| v.0))
        ));
    }
    if let Some(actions) = &filter.actions {
        let names: Vec<String> = actions
            .iter()
            .map(|a| param(Value::Text(a.clone()), &mut values))
            .collect();
        clauses.push(format!("a.action IN ({})", names.join(",")));
    }
    if let Some(since) = filter.since {
        clauses.push(format!(
            "a.at_ms >= {}",
            param(Value::Integer(since.millis()), &mut values)
        ));
    }
    if let Some(until) = filter.until {
        clauses.push(format!(
            "a.at_ms < {}",
            param(Value::Integer(until.millis()), &mut values)
        ));
    }
    if let Some(from) = filter.from_seq {
        clauses.push(format!(
            "a.seq >= {}",
            param(Value::Integer(from), &mut values)
        ));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = param(Value::Text(format!("%{escaped}%")), &mut values);
        clauses.push(format!(
            "(a.details LIKE {p} ESCAPE '\\' OR a.action LIKE {p} ESCAPE '\\' \
             OR u.username LIKE {p} ESCAPE '\\' OR u.display_name LIKE {p} ESCAPE '\\' \
             OR e.name LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(scope) = &filter.scope {
        let reader = param(Value::Integer(scope.reader.0), &mut values);
        clauses.push(if scope.vaults.is_empty() {
            format!("a.actor_id = {reader}")
        } else {
            format!(
                "(a.actor_id = {reader} OR {AUDIT_VAULT} IN {})",
                id_list(scope.vaults.iter().map(|v| v.0))
            )
        });
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (clause, values)
}

/// Reads a listed audit row; a row whose stored values have the wrong
/// types (written with the `sqlite3` tool) is listed as `unreadable` at its
/// position, so the log stays browsable and the verifier names it.
fn audit_listed(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditListed> {
    let event = match rows::audit_row(row)? {
        AuditRow::Event(event) => event,
        AuditRow::Unreadable { seq } => AuditEvent {
            seq,
            at: Timestamp(0),
            actor_id: None,
            action: "unreadable".into(),
            request_id: None,
            entry_id: None,
            details: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        },
    };
    let vault_id = match row.get_ref(10)? {
        rusqlite::types::ValueRef::Integer(id) => Some(VaultId(id)),
        _ => None,
    };
    Ok(AuditListed {
        event,
        actor_name: row.get(9)?,
        vault_id,
        vault_name: row.get(11)?,
    })
}

impl SqliteTx<'_> {
    pub(super) fn audit_page_impl(
        &mut self,
        filter: &AuditFilter,
        cursor: AuditCursor,
        limit: usize,
    ) -> Result<Vec<AuditListed>, StoreError> {
        let (clause, mut values) = audit_where(filter, Some(cursor));
        let order = match cursor {
            AuditCursor::NewestBefore(_) => "DESC",
            AuditCursor::OldestAfter(_) => "ASC",
        };
        values.push(Value::Integer(limit as i64));
        let columns = rows::AUDIT_COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns}, u.username, {AUDIT_VAULT} AS vault, \
             (SELECT name FROM vaults WHERE id = {AUDIT_VAULT}) \
             {AUDIT_JOINS} {clause} ORDER BY a.seq {order} LIMIT ?{}",
            values.len()
        );
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_map(rusqlite::params_from_iter(values), audit_listed)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }

    pub(super) fn audit_count_impl(
        &mut self,
        filter: &AuditFilter,
        cap: Option<usize>,
    ) -> Result<usize, StoreError> {
        let (clause, mut values) = audit_where(filter, None);
        let limit = match cap {
            Some(cap) => {
                values.push(Value::Integer(cap as i64));
                format!("LIMIT ?{}", values.len())
            }
            None => String::new(),
        };
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 {AUDIT_JOINS} {clause} {limit})");
        let mut stmt = self.tx.prepare_cached(&sql).db()?;
        stmt.query_row(rusqlite::params_from_iter(values), |r| r.get::<_, i64>(0))
            .db()
            .map(|n| usize::try_from(n).unwrap_or_default())
    }

    pub(super) fn entry_node_impl(&mut self, id: EntryId) -> Result<Option<EntryNode>, StoreError> {
        self.tx
            .prepare_cached("SELECT id, parent_id, name FROM entries WHERE id = ?1")
            .db()?
            .query_row([id.0], entry_node)
            .optional()
            .db()
    }

    pub(super) fn entry_nodes_impl(&mut self) -> Result<Vec<EntryNode>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, parent_id, name FROM entries")
            .db()?;
        stmt.query_map([], entry_node)
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
    }
}

fn entry_node(row: &rusqlite::Row<'_>) -> rusqlite::Result<EntryNode> {
    Ok(EntryNode {
        id: EntryId(row.get(0)?),
        parent_id: row.get::<_, Option<i64>>(1)?.map(EntryId),
        name: row.get(2)?,
    })
}
