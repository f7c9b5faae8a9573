//! One transaction of a signed-in user on a PostgreSQL workspace: each
//! method is one call of a `latchkey_api` function, which checks at the
//! server's instant that the caller may do or see what it asks (R-BEY-10).
//!
//! Architecture invariant: no method here sends SQL other than a call of a
//! `latchkey_api` function (the signed-in role may run nothing else); what a
//! function refuses comes back as [`StoreError::Refused`].

#![allow(unused_variables)] // Until every area is served (issue 19).

use super::error::{self, PgError};
use crate::domain::access::StandingFact;
use crate::domain::audit::AuditEvent;
use crate::domain::entry::{Dependency, DependencyRole, Entry, EntryKind, NewEntry};
use crate::domain::notification::{
    Handling, NewNotification, Notification, NotificationKind, NotificationPreferences,
};
use crate::domain::permission::{PermissionSet, Permissions, StandingGrant};
use crate::domain::request::{Request, Target};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::{NewUser, User};
use crate::domain::vault::Vault;
use crate::domain::{
    EntryId, NotificationId, PermissionSetId, RequestId, Timestamp, UserId, VaultId,
};
use crate::store::{
    AuditCursor, AuditFilter, AuditListed, AuditRow, Enforcement, EntryNode, RequestCounts,
    SealedSecret, SignInThrottle, StoreError, StoreTx, UserAuth,
};
use ::postgres::Transaction;
use zeroize::Zeroizing;

/// A transaction on the signed-in user's connection.
pub(super) struct PgTx<'c> {
    pub(super) tx: Transaction<'c>,
    /// The signed-in user, as the server said at sign-in (the server
    /// itself always goes by `session_user`).
    pub(super) me: UserId,
}

/// A store method no slice of issue 19 serves yet.
fn not_yet(method: &str, area: &str) -> StoreError {
    StoreError::Database(format!(
        "{method} ({area}) is not available on a PostgreSQL workspace yet"
    ))
}

impl From<PgError> for StoreError {
    fn from(err: PgError) -> StoreError {
        match err {
            PgError::Refused(refused) => StoreError::Refused(refused),
            PgError::BadCredentials | PgError::Disabled => StoreError::Refused(
                crate::domain::error::DomainError::NotPermitted(err.to_string()),
            ),
            PgError::Store(store) => store,
        }
    }
}

/// A failed call, as the store's error.
pub(super) fn failed(err: ::postgres::Error) -> StoreError {
    error::from_query(err).into()
}

impl StoreTx for PgTx<'_> {
    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().map_err(failed)
    }

    fn enforcement(&self) -> Enforcement {
        Enforcement::Server
    }

    // What the server alone serves.

    fn insert_user_with_password(
        &mut self,
        user: &NewUser,
        password: &str,
    ) -> Result<UserId, StoreError> {
        Err(not_yet("insert_user_with_password", "vaults"))
    }

    fn set_user_password(
        &mut self,
        id: UserId,
        password: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        Err(not_yet("set_user_password", "vaults"))
    }

    fn set_secret_clear(&mut self, entry: EntryId, secret: &str) -> Result<(), StoreError> {
        super::entries::set_secret_clear(&mut self.tx, entry, secret)
    }

    fn reveal_secret(
        &mut self,
        entry: EntryId,
        event: &AuditEvent,
    ) -> Result<Option<Zeroizing<String>>, StoreError> {
        super::entries::reveal_secret(&mut self.tx, self.me, entry, event)
    }

    // Workspace metadata and settings.

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Err(not_yet("meta", "vaults"))
    }

    fn entry_revision(&mut self, vault: VaultId) -> Result<i64, StoreError> {
        super::entries::entry_revision(&mut self.tx, vault)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        Err(not_yet("set_meta", "vaults"))
    }

    fn settings(&mut self) -> Result<WorkspaceSettings, StoreError> {
        Err(not_yet("settings", "vaults"))
    }

    fn save_settings(&mut self, settings: &WorkspaceSettings) -> Result<(), StoreError> {
        Err(not_yet("save_settings", "vaults"))
    }

    // Users.

    fn insert_user(&mut self, user: &NewUser, password_hash: &str) -> Result<UserId, StoreError> {
        Err(not_yet("insert_user", "vaults"))
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        Err(not_yet("user", "vaults"))
    }

    fn users(&mut self) -> Result<Vec<User>, StoreError> {
        Err(not_yet("users", "vaults"))
    }

    fn admins(&mut self) -> Result<Vec<User>, StoreError> {
        Err(not_yet("admins", "vaults"))
    }

    fn user_auth(&mut self, username: &str) -> Result<Option<UserAuth>, StoreError> {
        Err(not_yet("user_auth", "vaults"))
    }

    fn update_user_details(
        &mut self,
        id: UserId,
        display_name: &str,
        email: &str,
    ) -> Result<(), StoreError> {
        Err(not_yet("update_user_details", "vaults"))
    }

    fn set_user_admin(&mut self, id: UserId, is_admin: bool) -> Result<(), StoreError> {
        Err(not_yet("set_user_admin", "vaults"))
    }

    fn set_user_active(&mut self, id: UserId, is_active: bool) -> Result<(), StoreError> {
        Err(not_yet("set_user_active", "vaults"))
    }

    fn set_password(
        &mut self,
        id: UserId,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        Err(not_yet("set_password", "vaults"))
    }

    fn must_change_password(&mut self, id: UserId) -> Result<bool, StoreError> {
        Err(not_yet("must_change_password", "vaults"))
    }

    fn reference_password_hash(&mut self) -> Result<Option<String>, StoreError> {
        Err(not_yet("reference_password_hash", "vaults"))
    }

    fn sign_in_throttle(&mut self, bucket: u16) -> Result<SignInThrottle, StoreError> {
        Err(not_yet("sign_in_throttle", "vaults"))
    }

    fn set_sign_in_throttle(
        &mut self,
        bucket: u16,
        throttle: &SignInThrottle,
    ) -> Result<(), StoreError> {
        Err(not_yet("set_sign_in_throttle", "vaults"))
    }

    fn clear_sign_in_throttle(&mut self, bucket: u16) -> Result<(), StoreError> {
        Err(not_yet("clear_sign_in_throttle", "vaults"))
    }

    fn forget_sign_in_throttles(&mut self, before: Timestamp) -> Result<(), StoreError> {
        Err(not_yet("forget_sign_in_throttles", "vaults"))
    }

    // Vaults, membership, approvers.

    fn insert_vault(&mut self, vault: &Vault) -> Result<VaultId, StoreError> {
        Err(not_yet("insert_vault", "vaults"))
    }

    fn vault(&mut self, id: VaultId) -> Result<Option<Vault>, StoreError> {
        Err(not_yet("vault", "vaults"))
    }

    fn vaults(&mut self) -> Result<Vec<Vault>, StoreError> {
        Err(not_yet("vaults", "vaults"))
    }

    fn add_member(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        Err(not_yet("add_member", "vaults"))
    }

    fn is_member(&mut self, vault: VaultId, user: UserId) -> Result<bool, StoreError> {
        Err(not_yet("is_member", "vaults"))
    }

    fn member_vaults(&mut self, user: UserId) -> Result<Vec<VaultId>, StoreError> {
        Err(not_yet("member_vaults", "vaults"))
    }

    fn add_member_from(
        &mut self,
        vault: VaultId,
        user: UserId,
        request: RequestId,
    ) -> Result<(), StoreError> {
        Err(not_yet("add_member_from", "vaults"))
    }

    fn remove_member_from(&mut self, request: RequestId) -> Result<bool, StoreError> {
        Err(not_yet("remove_member_from", "vaults"))
    }

    fn joins_in_vault(&mut self, vault: VaultId) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("joins_in_vault", "requests"))
    }

    fn open_joins(
        &mut self,
        user: UserId,
        vault: Option<VaultId>,
    ) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("open_joins", "requests"))
    }

    fn add_approver(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        Err(not_yet("add_approver", "vaults"))
    }

    fn rename_vault(&mut self, id: VaultId, name: &str) -> Result<(), StoreError> {
        Err(not_yet("rename_vault", "vaults"))
    }

    fn delete_vault(&mut self, id: VaultId) -> Result<(), StoreError> {
        Err(not_yet("delete_vault", "vaults"))
    }

    fn member_count(&mut self, vault: VaultId) -> Result<usize, StoreError> {
        Err(not_yet("member_count", "vaults"))
    }

    fn vault_has_requests(&mut self, vault: VaultId) -> Result<bool, StoreError> {
        Err(not_yet("vault_has_requests", "vaults"))
    }

    fn approvers(&mut self, vault: VaultId) -> Result<Vec<UserId>, StoreError> {
        Err(not_yet("approvers", "vaults"))
    }

    fn members(&mut self, vault: VaultId) -> Result<Vec<UserId>, StoreError> {
        Err(not_yet("members", "vaults"))
    }

    fn remove_member(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        Err(not_yet("remove_member", "vaults"))
    }

    fn remove_approver(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        Err(not_yet("remove_approver", "vaults"))
    }

    fn update_vault_policy(&mut self, vault: &Vault) -> Result<(), StoreError> {
        Err(not_yet("update_vault_policy", "vaults"))
    }

    // Permission sets and standing permissions.

    fn insert_permission_set(
        &mut self,
        name: &str,
        permissions: Permissions,
        is_builtin: bool,
    ) -> Result<PermissionSetId, StoreError> {
        Err(not_yet("insert_permission_set", "vaults"))
    }

    fn permission_sets(&mut self) -> Result<Vec<PermissionSet>, StoreError> {
        Err(not_yet("permission_sets", "vaults"))
    }

    fn permission_set(&mut self, id: PermissionSetId) -> Result<Option<PermissionSet>, StoreError> {
        Err(not_yet("permission_set", "vaults"))
    }

    fn permission_set_record(
        &mut self,
        id: PermissionSetId,
    ) -> Result<Option<PermissionSet>, StoreError> {
        Err(not_yet("permission_set_record", "vaults"))
    }

    fn permission_set_named(
        &mut self,
        name: &str,
    ) -> Result<Option<(PermissionSet, bool)>, StoreError> {
        Err(not_yet("permission_set_named", "vaults"))
    }

    fn update_permission_set(
        &mut self,
        id: PermissionSetId,
        name: &str,
        permissions: Permissions,
    ) -> Result<(), StoreError> {
        Err(not_yet("update_permission_set", "vaults"))
    }

    fn delete_permission_set(
        &mut self,
        id: PermissionSetId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        Err(not_yet("delete_permission_set", "vaults"))
    }

    fn standing_vaults_of_set(&mut self, set: PermissionSetId) -> Result<Vec<VaultId>, StoreError> {
        Err(not_yet("standing_vaults_of_set", "vaults"))
    }

    fn open_requests_of_set(
        &mut self,
        set: PermissionSetId,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        Err(not_yet("open_requests_of_set", "requests"))
    }

    fn add_standing(
        &mut self,
        user: UserId,
        vault: VaultId,
        folder: Option<EntryId>,
        set: PermissionSetId,
    ) -> Result<(), StoreError> {
        Err(not_yet("add_standing", "vaults"))
    }

    fn standing_grants(&mut self, vault: VaultId) -> Result<Vec<StandingGrant>, StoreError> {
        Err(not_yet("standing_grants", "vaults"))
    }

    fn insert_standing_grant(&mut self, grant: &StandingGrant) -> Result<(), StoreError> {
        Err(not_yet("insert_standing_grant", "vaults"))
    }

    fn standing_from_request(
        &mut self,
        request: RequestId,
    ) -> Result<Option<StandingGrant>, StoreError> {
        Err(not_yet("standing_from_request", "vaults"))
    }

    fn remove_standing(&mut self, grant: &StandingGrant) -> Result<bool, StoreError> {
        Err(not_yet("remove_standing", "vaults"))
    }

    fn standing(&mut self, user: UserId, vault: VaultId) -> Result<Vec<StandingFact>, StoreError> {
        Err(not_yet("standing", "vaults"))
    }

    // Entries.

    fn insert_entry(
        &mut self,
        vault: VaultId,
        kind: EntryKind,
        draft: &NewEntry,
    ) -> Result<EntryId, StoreError> {
        super::entries::insert_entry(&mut self.tx, vault, kind, draft)
    }

    fn entry(&mut self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        super::entries::entry_by_id(&mut self.tx, id, false)
    }

    fn entry_record(&mut self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        super::entries::entry_by_id(&mut self.tx, id, true)
    }

    fn update_entry(&mut self, id: EntryId, draft: &NewEntry) -> Result<(), StoreError> {
        super::entries::update_entry(&mut self.tx, id, draft)
    }

    fn delete_entries(&mut self, ids: &[EntryId], at: Timestamp) -> Result<(), StoreError> {
        super::entries::delete_entries(&mut self.tx, ids)
    }

    fn children(
        &mut self,
        vault: VaultId,
        parent: Option<EntryId>,
    ) -> Result<Vec<Entry>, StoreError> {
        super::entries::children(&mut self.tx, vault, parent)
    }

    fn entries(&mut self, vault: VaultId) -> Result<Vec<Entry>, StoreError> {
        super::entries::vault_entries(&mut self.tx, vault)
    }

    fn subtree(&mut self, entry: EntryId) -> Result<Vec<Entry>, StoreError> {
        super::entries::subtree(&mut self.tx, entry)
    }

    fn ancestors(&mut self, entry: EntryId) -> Result<Vec<EntryId>, StoreError> {
        super::entries::ancestors(&mut self.tx, entry)
    }

    fn add_dependency(&mut self, dependency: &Dependency) -> Result<(), StoreError> {
        super::entries::add_dependency(&mut self.tx, dependency)
    }

    fn dependencies(&mut self, entry: EntryId) -> Result<Vec<Dependency>, StoreError> {
        super::entries::links(&mut self.tx, entry, false)
    }

    fn dependents(&mut self, entry: EntryId) -> Result<Vec<Dependency>, StoreError> {
        super::entries::links(&mut self.tx, entry, true)
    }

    fn remove_dependency(
        &mut self,
        entry: EntryId,
        role: DependencyRole,
    ) -> Result<(), StoreError> {
        super::entries::remove_dependency(&mut self.tx, entry, role)
    }

    fn clear_secret(&mut self, entry: EntryId) -> Result<(), StoreError> {
        super::entries::clear_secret(&mut self.tx, entry)
    }

    fn set_secret(&mut self, entry: EntryId, secret: &SealedSecret) -> Result<(), StoreError> {
        Err(super::entries::sealed_refused())
    }

    fn secret(&mut self, entry: EntryId) -> Result<Option<SealedSecret>, StoreError> {
        Err(super::entries::sealed_refused())
    }

    // Requests.

    fn approved_scoped_grants(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("approved_scoped_grants", "requests"))
    }

    fn insert_request(
        &mut self,
        request: &Request,
        covered: &[EntryId],
    ) -> Result<RequestId, StoreError> {
        Err(not_yet("insert_request", "requests"))
    }

    fn update_request(&mut self, request: &Request) -> Result<(), StoreError> {
        Err(not_yet("update_request", "requests"))
    }

    fn request(&mut self, id: RequestId) -> Result<Option<Request>, StoreError> {
        Err(not_yet("request", "requests"))
    }

    fn covered_entries(&mut self, id: RequestId) -> Result<Vec<EntryId>, StoreError> {
        Err(not_yet("covered_entries", "requests"))
    }

    fn pending_requests_naming(&mut self, entry: EntryId) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("pending_requests_naming", "requests"))
    }

    fn approved_grants_covering(
        &mut self,
        user: UserId,
        entry: EntryId,
    ) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("approved_grants_covering", "requests"))
    }

    fn has_pending(
        &mut self,
        user: UserId,
        target: Target,
        set: PermissionSetId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        Err(not_yet("has_pending", "requests"))
    }

    fn pending_for_approver(
        &mut self,
        approver: UserId,
        is_admin: bool,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("pending_for_approver", "requests"))
    }

    fn count_pending_for_approver(
        &mut self,
        approver: UserId,
        is_admin: bool,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        Err(not_yet("count_pending_for_approver", "requests"))
    }

    fn requests_of(&mut self, requester: UserId, limit: usize) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("requests_of", "requests"))
    }

    fn open_requests_of(&mut self, requester: UserId) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("open_requests_of", "requests"))
    }

    fn requests_visible_to(
        &mut self,
        user: UserId,
        is_admin: bool,
    ) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("requests_visible_to", "requests"))
    }

    fn extensions_of(&mut self, id: RequestId) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("extensions_of", "requests"))
    }

    fn requests_on_entry(
        &mut self,
        requester: UserId,
        entry: EntryId,
        limit: usize,
    ) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("requests_on_entry", "requests"))
    }

    fn open_requests_in_vault(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("open_requests_in_vault", "requests"))
    }

    fn approved_grants_in_vault(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<(Request, Vec<EntryId>)>, StoreError> {
        Err(not_yet("approved_grants_in_vault", "requests"))
    }

    fn requests_due(
        &mut self,
        now: Timestamp,
        expiring_lead_ms: i64,
    ) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("requests_due", "requests"))
    }

    fn next_due_at(
        &mut self,
        now: Timestamp,
        expiring_lead_ms: i64,
    ) -> Result<Option<Timestamp>, StoreError> {
        Err(not_yet("next_due_at", "requests"))
    }

    fn grants_needing_review(&mut self) -> Result<Vec<Request>, StoreError> {
        Err(not_yet("grants_needing_review", "requests"))
    }

    fn request_counts(&mut self) -> Result<RequestCounts, StoreError> {
        Err(not_yet("request_counts", "requests"))
    }

    // Notifications.

    fn insert_notification(
        &mut self,
        n: &NewNotification,
        at: Timestamp,
    ) -> Result<NotificationId, StoreError> {
        Err(not_yet("insert_notification", "notifications"))
    }

    fn notifications(
        &mut self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        Err(not_yet("notifications", "notifications"))
    }

    fn mark_notification_read(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        Err(not_yet("mark_notification_read", "notifications"))
    }

    fn claim_notification_shown(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        Err(not_yet("claim_notification_shown", "notifications"))
    }

    fn unread_notification_count(&mut self, user: UserId) -> Result<usize, StoreError> {
        Err(not_yet("unread_notification_count", "notifications"))
    }

    fn mark_all_notifications_read(
        &mut self,
        user: UserId,
        at: Timestamp,
    ) -> Result<usize, StoreError> {
        Err(not_yet("mark_all_notifications_read", "notifications"))
    }

    fn unshown_notifications(
        &mut self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        Err(not_yet("unshown_notifications", "notifications"))
    }

    fn unshown_notification_count(&mut self, user: UserId) -> Result<usize, StoreError> {
        Err(not_yet("unshown_notification_count", "notifications"))
    }

    fn set_notification_desktop_id(
        &mut self,
        id: NotificationId,
        user: UserId,
        desktop_id: u32,
    ) -> Result<bool, StoreError> {
        Err(not_yet("set_notification_desktop_id", "notifications"))
    }

    fn handled_unannounced(&mut self, user: UserId) -> Result<Vec<Notification>, StoreError> {
        Err(not_yet("handled_unannounced", "notifications"))
    }

    fn claim_handled_shown(
        &mut self,
        id: NotificationId,
        user: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        Err(not_yet("claim_handled_shown", "notifications"))
    }

    fn notification_preferences(
        &mut self,
        user: UserId,
    ) -> Result<NotificationPreferences, StoreError> {
        Err(not_yet("notification_preferences", "notifications"))
    }

    fn set_notification_preference(
        &mut self,
        user: UserId,
        kind: NotificationKind,
        desktop: bool,
    ) -> Result<(), StoreError> {
        Err(not_yet("set_notification_preference", "notifications"))
    }

    fn note_request_handled(
        &mut self,
        request: RequestId,
        except_user: UserId,
        handling: &Handling,
    ) -> Result<(), StoreError> {
        Err(not_yet("note_request_handled", "notifications"))
    }

    // Audit.

    fn audit_head(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        Err(not_yet("audit_head", "audit"))
    }

    fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        Err(not_yet("append_audit", "audit"))
    }

    fn audit_events_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        Err(not_yet("audit_events_after", "audit"))
    }

    fn audit_rows_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditRow>, StoreError> {
        Err(not_yet("audit_rows_after", "audit"))
    }

    fn holds_data(&mut self) -> Result<bool, StoreError> {
        Err(not_yet("holds_data", "audit"))
    }

    fn audit_page(
        &mut self,
        filter: &AuditFilter,
        cursor: AuditCursor,
        limit: usize,
    ) -> Result<Vec<AuditListed>, StoreError> {
        Err(not_yet("audit_page", "audit"))
    }

    fn audit_count(
        &mut self,
        filter: &AuditFilter,
        cap: Option<usize>,
    ) -> Result<usize, StoreError> {
        Err(not_yet("audit_count", "audit"))
    }

    fn entry_node(&mut self, id: EntryId) -> Result<Option<EntryNode>, StoreError> {
        super::entries::entry_node(&mut self.tx, id)
    }

    fn entry_nodes(&mut self) -> Result<Vec<EntryNode>, StoreError> {
        super::entries::entry_nodes(&mut self.tx)
    }
}
