//! One transaction of a signed-in user on a PostgreSQL workspace: each
//! method is one call of a `latchkey_api` function, which checks at the
//! server's instant that the caller may do or see what it asks (R-BEY-10).
//!
//! Architecture invariant: no method here sends SQL other than a call of a
//! `latchkey_api` function (the signed-in role may run nothing else); what a
//! function refuses comes back as [`StoreError::Refused`]. Arguments the
//! server does not take — an instant (it reads its own clock), a user it
//! knows as the caller — are named with a leading underscore.

use super::error::{self, PgError};
use super::requests;
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
    SealedSecret, ServerChainCheck, SignInThrottle, StoreError, StoreTx, UserAuth,
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

    fn note_instant(&mut self, now: Timestamp) -> Result<(), StoreError> {
        // A session setting, read by the server only where its owner made
        // it follow its clients (tables.sql, `latchkey.server_clock`).
        self.tx
            .execute(
                "SELECT pg_catalog.set_config('latchkey.client_now_ms', $1, true)",
                &[&now.millis().to_string()],
            )
            .map(drop)
            .map_err(failed)
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
        super::vaults::insert_user_with_password(&mut self.tx, user, password)
    }

    fn set_user_password(
        &mut self,
        id: UserId,
        password: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        super::vaults::set_user_password(&mut self.tx, id, password, must_change)
    }

    fn verified_chain(&mut self) -> Result<Option<ServerChainCheck>, StoreError> {
        super::audit::verified_chain(&mut self.tx)
    }

    fn audit_hash_at(&mut self, seq: i64) -> Result<Option<String>, StoreError> {
        super::audit::audit_hash_at(&mut self.tx, seq)
    }

    fn has_secret(&mut self, entry: EntryId) -> Result<bool, StoreError> {
        super::entries::has_secret(&mut self.tx, entry)
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
        super::vaults::meta(&mut self.tx, key)
    }

    fn entry_revision(&mut self, vault: VaultId) -> Result<i64, StoreError> {
        super::entries::entry_revision(&mut self.tx, vault)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        super::vaults::set_meta(&mut self.tx, key, value)
    }

    fn settings(&mut self) -> Result<WorkspaceSettings, StoreError> {
        super::vaults::settings(&mut self.tx)
    }

    fn save_settings(&mut self, settings: &WorkspaceSettings) -> Result<(), StoreError> {
        super::vaults::save_settings(&mut self.tx, settings)
    }

    // Users.

    fn insert_user(&mut self, _user: &NewUser, _password_hash: &str) -> Result<UserId, StoreError> {
        super::vaults::insert_user()
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        super::vaults::user(&mut self.tx, id)
    }

    fn users(&mut self) -> Result<Vec<User>, StoreError> {
        super::vaults::users(&mut self.tx)
    }

    fn admins(&mut self) -> Result<Vec<User>, StoreError> {
        super::vaults::admins(&mut self.tx)
    }

    fn user_auth(&mut self, _username: &str) -> Result<Option<UserAuth>, StoreError> {
        super::vaults::user_auth()
    }

    fn update_user_details(
        &mut self,
        id: UserId,
        display_name: &str,
        email: &str,
    ) -> Result<(), StoreError> {
        super::vaults::update_user_details(&mut self.tx, id, display_name, email)
    }

    fn set_user_admin(&mut self, id: UserId, is_admin: bool) -> Result<(), StoreError> {
        super::vaults::set_user_admin(&mut self.tx, id, is_admin)
    }

    fn set_user_active(&mut self, id: UserId, is_active: bool) -> Result<(), StoreError> {
        super::vaults::set_user_active(&mut self.tx, id, is_active)
    }

    fn set_password(
        &mut self,
        _id: UserId,
        _password_hash: &str,
        _must_change: bool,
    ) -> Result<(), StoreError> {
        super::vaults::set_password()
    }

    fn must_change_password(&mut self, id: UserId) -> Result<bool, StoreError> {
        super::vaults::must_change_password(&mut self.tx, id)
    }

    fn reference_password_hash(&mut self) -> Result<Option<String>, StoreError> {
        super::vaults::reference_password_hash()
    }

    fn sign_in_throttle(&mut self, _bucket: u16) -> Result<SignInThrottle, StoreError> {
        Ok(super::vaults::sign_in_throttle())
    }

    fn set_sign_in_throttle(
        &mut self,
        _bucket: u16,
        _throttle: &SignInThrottle,
    ) -> Result<(), StoreError> {
        super::vaults::set_sign_in_throttle()
    }

    fn clear_sign_in_throttle(&mut self, _bucket: u16) -> Result<(), StoreError> {
        // Nothing is kept to clear (see vaults.rs).
        Ok(())
    }

    fn forget_sign_in_throttles(&mut self, _before: Timestamp) -> Result<(), StoreError> {
        // Nothing is kept to forget (see vaults.rs).
        Ok(())
    }

    // Vaults, membership, approvers.

    fn insert_vault(&mut self, vault: &Vault) -> Result<VaultId, StoreError> {
        super::vaults::insert_vault(&mut self.tx, vault)
    }

    fn vault(&mut self, id: VaultId) -> Result<Option<Vault>, StoreError> {
        super::vaults::vault(&mut self.tx, id)
    }

    fn vaults(&mut self) -> Result<Vec<Vault>, StoreError> {
        super::vaults::vaults(&mut self.tx)
    }

    fn add_member(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        super::vaults::add_member(&mut self.tx, vault, user)
    }

    fn is_member(&mut self, vault: VaultId, user: UserId) -> Result<bool, StoreError> {
        super::vaults::is_member(&mut self.tx, vault, user)
    }

    fn member_vaults(&mut self, user: UserId) -> Result<Vec<VaultId>, StoreError> {
        super::vaults::member_vaults(&mut self.tx, user)
    }

    fn add_member_from(
        &mut self,
        vault: VaultId,
        user: UserId,
        request: RequestId,
    ) -> Result<(), StoreError> {
        super::vaults::add_member_from(&mut self.tx, vault, user, request)
    }

    fn remove_member_from(&mut self, request: RequestId) -> Result<bool, StoreError> {
        super::vaults::remove_member_from(&mut self.tx, request)
    }

    fn joins_in_vault(&mut self, vault: VaultId) -> Result<Vec<Request>, StoreError> {
        requests::joins_in_vault(&mut self.tx, vault)
    }

    fn open_joins(
        &mut self,
        user: UserId,
        vault: Option<VaultId>,
    ) -> Result<Vec<Request>, StoreError> {
        requests::open_joins(&mut self.tx, user, vault)
    }

    fn add_approver(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        super::vaults::add_approver(&mut self.tx, vault, user)
    }

    fn rename_vault(&mut self, id: VaultId, name: &str) -> Result<(), StoreError> {
        super::vaults::rename_vault(&mut self.tx, id, name)
    }

    fn delete_vault(&mut self, id: VaultId) -> Result<(), StoreError> {
        super::vaults::delete_vault(&mut self.tx, id)
    }

    fn member_count(&mut self, vault: VaultId) -> Result<usize, StoreError> {
        super::vaults::member_count(&mut self.tx, vault)
    }

    fn vault_has_requests(&mut self, vault: VaultId) -> Result<bool, StoreError> {
        super::vaults::vault_has_requests(&mut self.tx, vault)
    }

    fn approvers(&mut self, vault: VaultId) -> Result<Vec<UserId>, StoreError> {
        super::vaults::approvers(&mut self.tx, vault)
    }

    fn members(&mut self, vault: VaultId) -> Result<Vec<UserId>, StoreError> {
        super::vaults::members(&mut self.tx, vault)
    }

    fn remove_member(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        super::vaults::remove_member(&mut self.tx, vault, user)
    }

    fn remove_approver(&mut self, vault: VaultId, user: UserId) -> Result<(), StoreError> {
        super::vaults::remove_approver(&mut self.tx, vault, user)
    }

    fn update_vault_policy(&mut self, vault: &Vault) -> Result<(), StoreError> {
        super::vaults::update_vault_policy(&mut self.tx, vault)
    }

    // Permission sets and standing permissions.

    fn insert_permission_set(
        &mut self,
        name: &str,
        permissions: Permissions,
        is_builtin: bool,
    ) -> Result<PermissionSetId, StoreError> {
        super::vaults::insert_permission_set(&mut self.tx, name, permissions, is_builtin)
    }

    fn permission_sets(&mut self) -> Result<Vec<PermissionSet>, StoreError> {
        super::vaults::permission_sets(&mut self.tx)
    }

    fn permission_set(&mut self, id: PermissionSetId) -> Result<Option<PermissionSet>, StoreError> {
        super::vaults::permission_set(&mut self.tx, id, false)
    }

    fn permission_set_record(
        &mut self,
        id: PermissionSetId,
    ) -> Result<Option<PermissionSet>, StoreError> {
        super::vaults::permission_set(&mut self.tx, id, true)
    }

    fn permission_set_named(
        &mut self,
        name: &str,
    ) -> Result<Option<(PermissionSet, bool)>, StoreError> {
        super::vaults::permission_set_named(&mut self.tx, name)
    }

    fn update_permission_set(
        &mut self,
        id: PermissionSetId,
        name: &str,
        permissions: Permissions,
    ) -> Result<(), StoreError> {
        super::vaults::update_permission_set(&mut self.tx, id, name, permissions)
    }

    fn delete_permission_set(
        &mut self,
        id: PermissionSetId,
        _at: Timestamp,
    ) -> Result<(), StoreError> {
        super::vaults::delete_permission_set(&mut self.tx, id)
    }

    fn standing_vaults_of_set(&mut self, set: PermissionSetId) -> Result<Vec<VaultId>, StoreError> {
        super::vaults::standing_vaults_of_set(&mut self.tx, set)
    }

    fn open_requests_of_set(
        &mut self,
        set: PermissionSetId,
        _now: Timestamp,
    ) -> Result<usize, StoreError> {
        requests::open_requests_of_set(&mut self.tx, set)
    }

    fn add_standing(
        &mut self,
        user: UserId,
        vault: VaultId,
        folder: Option<EntryId>,
        set: PermissionSetId,
    ) -> Result<(), StoreError> {
        super::vaults::add_standing(&mut self.tx, user, vault, folder, set)
    }

    fn standing_grants(&mut self, vault: VaultId) -> Result<Vec<StandingGrant>, StoreError> {
        super::vaults::standing_grants(&mut self.tx, vault)
    }

    fn insert_standing_grant(&mut self, grant: &StandingGrant) -> Result<(), StoreError> {
        super::vaults::insert_standing_grant(&mut self.tx, grant)
    }

    fn standing_from_request(
        &mut self,
        request: RequestId,
    ) -> Result<Option<StandingGrant>, StoreError> {
        super::vaults::standing_from_request(&mut self.tx, request)
    }

    fn remove_standing(&mut self, grant: &StandingGrant) -> Result<bool, StoreError> {
        super::vaults::remove_standing(&mut self.tx, grant)
    }

    fn standing(&mut self, user: UserId, vault: VaultId) -> Result<Vec<StandingFact>, StoreError> {
        super::vaults::standing(&mut self.tx, user, vault)
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

    fn delete_entries(&mut self, ids: &[EntryId], _at: Timestamp) -> Result<(), StoreError> {
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

    fn set_secret(&mut self, _entry: EntryId, _secret: &SealedSecret) -> Result<(), StoreError> {
        Err(super::entries::sealed_refused())
    }

    fn secret(&mut self, _entry: EntryId) -> Result<Option<SealedSecret>, StoreError> {
        Err(super::entries::sealed_refused())
    }

    // Requests.

    fn approved_scoped_grants(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<Request>, StoreError> {
        requests::approved_scoped_grants(&mut self.tx, user, vault)
    }

    fn insert_request(
        &mut self,
        request: &Request,
        covered: &[EntryId],
    ) -> Result<RequestId, StoreError> {
        requests::insert_request(&mut self.tx, request, covered)
    }

    fn update_request(&mut self, request: &Request) -> Result<(), StoreError> {
        requests::update_request(&mut self.tx, request)
    }

    fn request(&mut self, id: RequestId) -> Result<Option<Request>, StoreError> {
        requests::request_by_id(&mut self.tx, id)
    }

    fn covered_entries(&mut self, id: RequestId) -> Result<Vec<EntryId>, StoreError> {
        requests::covered_entries(&mut self.tx, id)
    }

    fn pending_requests_naming(&mut self, entry: EntryId) -> Result<Vec<Request>, StoreError> {
        requests::pending_requests_naming(&mut self.tx, entry)
    }

    fn approved_grants_covering(
        &mut self,
        user: UserId,
        entry: EntryId,
    ) -> Result<Vec<Request>, StoreError> {
        requests::approved_grants_covering(&mut self.tx, user, entry)
    }

    fn has_pending(
        &mut self,
        user: UserId,
        target: Target,
        set: PermissionSetId,
        _now: Timestamp,
    ) -> Result<bool, StoreError> {
        requests::has_pending(&mut self.tx, user, target, set)
    }

    fn pending_for_approver(
        &mut self,
        approver: UserId,
        _is_admin: bool,
        _now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Request>, StoreError> {
        requests::pending_for_approver(&mut self.tx, approver, limit)
    }

    fn count_pending_for_approver(
        &mut self,
        approver: UserId,
        _is_admin: bool,
        _now: Timestamp,
    ) -> Result<i64, StoreError> {
        requests::count_pending_for_approver(&mut self.tx, approver)
    }

    fn requests_of(&mut self, requester: UserId, limit: usize) -> Result<Vec<Request>, StoreError> {
        requests::requests_of(&mut self.tx, requester, limit)
    }

    fn open_requests_of(&mut self, requester: UserId) -> Result<Vec<Request>, StoreError> {
        requests::open_requests_of(&mut self.tx, requester)
    }

    fn requests_visible_to(
        &mut self,
        user: UserId,
        _is_admin: bool,
    ) -> Result<Vec<Request>, StoreError> {
        requests::requests_visible_to(&mut self.tx, user)
    }

    fn extensions_of(&mut self, id: RequestId) -> Result<Vec<Request>, StoreError> {
        requests::extensions_of(&mut self.tx, id)
    }

    fn requests_on_entry(
        &mut self,
        requester: UserId,
        entry: EntryId,
        limit: usize,
    ) -> Result<Vec<Request>, StoreError> {
        requests::requests_on_entry(&mut self.tx, requester, entry, limit)
    }

    fn open_requests_in_vault(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<Request>, StoreError> {
        requests::open_requests_in_vault(&mut self.tx, user, vault)
    }

    fn approved_grants_in_vault(
        &mut self,
        user: UserId,
        vault: VaultId,
    ) -> Result<Vec<(Request, Vec<EntryId>)>, StoreError> {
        requests::approved_grants_in_vault(&mut self.tx, user, vault)
    }

    fn requests_due(
        &mut self,
        _now: Timestamp,
        expiring_lead_ms: i64,
    ) -> Result<Vec<Request>, StoreError> {
        requests::requests_due(&mut self.tx, expiring_lead_ms)
    }

    fn next_due_at(
        &mut self,
        _now: Timestamp,
        expiring_lead_ms: i64,
    ) -> Result<Option<Timestamp>, StoreError> {
        requests::next_due_at(&mut self.tx, expiring_lead_ms)
    }

    fn grants_needing_review(&mut self) -> Result<Vec<Request>, StoreError> {
        requests::grants_needing_review(&mut self.tx)
    }

    fn request_counts(&mut self) -> Result<RequestCounts, StoreError> {
        requests::request_counts(&mut self.tx)
    }

    // Notifications.

    fn insert_notification(
        &mut self,
        n: &NewNotification,
        _at: Timestamp,
    ) -> Result<NotificationId, StoreError> {
        super::notifications::insert_notification(&mut self.tx, n)
    }

    fn notifications(
        &mut self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        super::notifications::notifications(&mut self.tx, user, limit)
    }

    fn mark_notification_read(
        &mut self,
        id: NotificationId,
        user: UserId,
        _at: Timestamp,
    ) -> Result<bool, StoreError> {
        super::notifications::mark_notification_read(&mut self.tx, id, user)
    }

    fn claim_notification_shown(
        &mut self,
        id: NotificationId,
        user: UserId,
        _at: Timestamp,
    ) -> Result<bool, StoreError> {
        super::notifications::claim_notification_shown(&mut self.tx, id, user)
    }

    fn unread_notification_count(&mut self, user: UserId) -> Result<usize, StoreError> {
        super::notifications::unread_notification_count(&mut self.tx, user)
    }

    fn mark_all_notifications_read(
        &mut self,
        user: UserId,
        _at: Timestamp,
    ) -> Result<usize, StoreError> {
        super::notifications::mark_all_notifications_read(&mut self.tx, user)
    }

    fn unshown_notifications(
        &mut self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        super::notifications::unshown_notifications(&mut self.tx, user, limit)
    }

    fn unshown_notification_count(&mut self, user: UserId) -> Result<usize, StoreError> {
        super::notifications::unshown_notification_count(&mut self.tx, user)
    }

    fn set_notification_desktop_id(
        &mut self,
        id: NotificationId,
        user: UserId,
        desktop_id: u32,
    ) -> Result<bool, StoreError> {
        super::notifications::set_notification_desktop_id(&mut self.tx, id, user, desktop_id)
    }

    fn handled_unannounced(&mut self, user: UserId) -> Result<Vec<Notification>, StoreError> {
        super::notifications::handled_unannounced(&mut self.tx, user)
    }

    fn claim_handled_shown(
        &mut self,
        id: NotificationId,
        user: UserId,
        _at: Timestamp,
    ) -> Result<bool, StoreError> {
        super::notifications::claim_handled_shown(&mut self.tx, id, user)
    }

    fn notification_preferences(
        &mut self,
        user: UserId,
    ) -> Result<NotificationPreferences, StoreError> {
        super::notifications::notification_preferences(&mut self.tx, user)
    }

    fn set_notification_preference(
        &mut self,
        user: UserId,
        kind: NotificationKind,
        desktop: bool,
    ) -> Result<(), StoreError> {
        super::notifications::set_notification_preference(&mut self.tx, user, kind, desktop)
    }

    fn note_request_handled(
        &mut self,
        request: RequestId,
        except_user: UserId,
        handling: &Handling,
    ) -> Result<(), StoreError> {
        super::notifications::note_request_handled(&mut self.tx, request, except_user, handling)
    }

    // Audit.

    fn audit_head(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        super::audit::audit_head(&mut self.tx)
    }

    fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        super::audit::append_audit(&mut self.tx, event)
    }

    fn audit_events_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        super::audit::audit_events_after(&mut self.tx, after_seq, limit)
    }

    fn audit_rows_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditRow>, StoreError> {
        super::audit::audit_rows_after(&mut self.tx, after_seq, limit)
    }

    fn holds_data(&mut self) -> Result<bool, StoreError> {
        super::audit::holds_data(&mut self.tx)
    }

    fn audit_page(
        &mut self,
        filter: &AuditFilter,
        cursor: AuditCursor,
        limit: usize,
    ) -> Result<Vec<AuditListed>, StoreError> {
        super::audit::audit_page(&mut self.tx, filter, cursor, limit)
    }

    fn audit_count(
        &mut self,
        filter: &AuditFilter,
        cap: Option<usize>,
    ) -> Result<usize, StoreError> {
        super::audit::audit_count(&mut self.tx, filter, cap)
    }

    fn entry_node(&mut self, id: EntryId) -> Result<Option<EntryNode>, StoreError> {
        super::entries::entry_node(&mut self.tx, id)
    }

    fn entry_nodes(&mut self) -> Result<Vec<EntryNode>, StoreError> {
        super::entries::entry_nodes(&mut self.tx)
    }
}
