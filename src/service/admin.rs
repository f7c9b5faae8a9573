//! Setting up a workspace: users, vaults, entries, permissions, settings
//! (R-ADM-1, R-ADM-2). Each change is audited with its values.
//!
//! The `*_op` functions run inside a caller's transaction, so the demo and
//! scale generators can batch thousands of them; the `Workspace` methods run
//! one each in its own transaction and check that the actor is an administrator.

use super::auth::{Session, hash_password};
use super::ops::Ops;
use super::secrets::SecretKeeper;
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::entry::{
    Dependency, DependencyRole, EntryKind, NewEntry, check_dependency, check_new_entry,
};
use crate::domain::permission::{Permissions, builtin_permission_sets};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::NewUser;
use crate::domain::vault::Vault;
use crate::domain::{DomainError, EntryId, Field, PermissionSetId, Timestamp, UserId, VaultId};
use crate::store::Enforcement;
use serde_json::json;

/// Metadata key of the workspace's random id.
pub const META_WORKSPACE_ID: &str = "workspace_id";
/// Metadata key of the workspace's name.
pub const META_WORKSPACE_NAME: &str = "workspace_name";

/// What is needed to create a vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVault {
    /// Its name.
    pub name: String,
    /// Distinct approvals each request needs (R-BEY-4).
    pub required_approvals: u32,
    /// Whether break glass is allowed (R-BEY-5).
    pub break_glass_allowed: bool,
    /// The longest emergency access, in minutes.
    pub emergency_limit_mins: u32,
}

impl NewVault {
    /// A vault with one approval per request and no break glass.
    pub fn named(name: &str) -> NewVault {
        NewVault {
            name: name.to_owned(),
            required_approvals: 1,
            break_glass_allowed: false,
            emergency_limit_mins: 60,
        }
    }
}

/// Sets up a new workspace's metadata, settings and built-in sets and
/// starts its audit log, as `actor` (`None`: the program creating a file;
/// the first administrator on a server, which records nothing unsigned).
pub(super) fn initialize(
    ops: &mut Ops<'_>,
    actor: Option<UserId>,
    workspace_id: &str,
    name: &str,
) -> Result<(), ServiceError> {
    ops.tx.set_meta(META_WORKSPACE_ID, workspace_id)?;
    ops.tx.set_meta(META_WORKSPACE_NAME, name.trim())?;
    if let SecretKeeper::Here(secrets) = ops.secrets {
        let check = secrets.key_check()?;
        ops.tx.set_meta(super::secrets::META_KEY_CHECK, &check)?;
    }
    ops.tx.save_settings(&WorkspaceSettings::default())?;
    for (set_name, permissions) in builtin_permission_sets() {
        ops.tx.insert_permission_set(set_name, permissions, true)?;
    }
    ops.audit(
        actor,
        AuditAction::WorkspaceCreated,
        None,
        None,
        // The id is hashed into the chain, so that changing the id kept in
        // `meta` (the key of this computer's witness) is seen (R-BEY-12).
        &json!({ "name": name.trim(), "workspace_id": workspace_id }),
    )
}

pub(super) fn add_user_op(
    ops: &mut Ops<'_>,
    actor: Option<UserId>,
    user: &NewUser,
    password: &str,
) -> Result<UserId, ServiceError> {
    user.validate(password)?;
    let id = match ops.tx.enforcement() {
        Enforcement::Service => {
            if ops.tx.user_auth(&user.username)?.is_some() {
                return Err(DomainError::invalid(
                    Field::Username,
                    format!("the user name “{}” is taken", user.username.trim()),
                )
                .into());
            }
            let hash = hash_password(password, ops.hash_cost)?;
            ops.tx.insert_user(user, &hash)?
        }
        // The server checks who may, and keeps its own credential.
        Enforcement::Server => ops.tx.insert_user_with_password(user, password)?,
    };
    audit_user_created(ops, actor, id, user)?;
    Ok(id)
}

/// Records that `user` was created as `id` (by `actor`, or by the
/// workspace's creation).
pub(super) fn audit_user_created(
    ops: &mut Ops<'_>,
    actor: Option<UserId>,
    id: UserId,
    user: &NewUser,
) -> Result<(), ServiceError> {
    let details = json!({ "user_id": id.0, "username": user.username.trim(), "display_name": user.display_name.trim(), "is_admin": user.is_admin });
    ops.audit(actor, AuditAction::UserCreated, None, None, &details)
}

pub(super) fn add_vault_op(
    ops: &mut Ops<'_>,
    actor: UserId,
    vault: &NewVault,
) -> Result<VaultId, ServiceError> {
    if vault.name.trim().is_empty() {
        return Err(DomainError::invalid(Field::Name, "enter a vault name").into());
    }
    if vault.required_approvals == 0 {
        return Err(DomainError::invalid(
            Field::Workspace,
            "a vault needs at least one approval per request",
        )
        .into());
    }
    if ops
        .tx
        .vaults()?
        .iter()
        .any(|v| v.name.eq_ignore_ascii_case(vault.name.trim()))
    {
        return Err(DomainError::invalid(
            Field::Name,
            format!("a vault named “{}” exists already", vault.name.trim()),
        )
        .into());
    }
    let stored = Vault {
        id: VaultId(0),
        name: vault.name.clone(),
        required_approvals: vault.required_approvals,
        break_glass_allowed: vault.break_glass_allowed,
        emergency_limit_mins: vault.emergency_limit_mins,
        // The workspace's maximum until a policy says otherwise (R-ADM-7).
        max_grant_mins: None,
        description: String::new(),
        visible_to_non_members: false,
    };
    let id = ops.tx.insert_vault(&stored)?;
    let details = json!({ "vault_id": id.0, "name": vault.name.trim(), "required_approvals": vault.required_approvals, "break_glass_allowed": vault.break_glass_allowed, "emergency_limit_mins": vault.emergency_limit_mins });
    ops.audit(Some(actor), AuditAction::VaultCreated, None, None, &details)?;
    Ok(id)
}

pub(super) fn add_member_op(
    ops: &mut Ops<'_>,
    actor: UserId,
    vault: VaultId,
    user: UserId,
) -> Result<(), ServiceError> {
    ops.user(user)?;
    ops.tx.add_member(vault, user)?;
    ops.audit(
        Some(actor),
        AuditAction::PermissionChanged,
        None,
        None,
        &json!({ "change": "member_added", "vault_id": vault.0, "user_id": user.0 }),
    )
}

pub(super) fn add_approver_op(
    ops: &mut Ops<'_>,
    actor: UserId,
    vault: VaultId,
    user: UserId,
) -> Result<(), ServiceError> {
    ops.user(user)?;
    ops.tx.add_member(vault, user)?;
    ops.tx.add_approver(vault, user)?;
    ops.audit(
        Some(actor),
        AuditAction::PermissionChanged,
        None,
        None,
        &json!({ "change": "approver_added", "vault_id": vault.0, "user_id": user.0 }),
    )
}

pub(super) fn add_standing_op(
    ops: &mut Ops<'_>,
    actor: UserId,
    user: UserId,
    vault: VaultId,
    folder: Option<EntryId>,
    set: PermissionSetId,
) -> Result<(), ServiceError> {
    if let Some(folder) = folder {
        let entry = ops.entry(folder)?;
        if entry.kind != EntryKind::Folder || entry.vault_id != vault {
            return Err(DomainError::invalid(
                Field::Entry,
                "standing permissions are given on a vault or one of its folders",
            )
            .into());
        }
    }
    // A deleted set is refused like one that never existed.
    let set_name = ops
        .permission_set(set)?
        .ok_or_else(|| DomainError::invalid(Field::PermissionSet, "choose a permission set"))?
        .name;
    ops.tx.add_member(vault, user)?;
    ops.tx.add_standing(user, vault, folder, set)?;
    let details = json!({ "change": "standing_added", "user_id": user.0, "vault_id": vault.0, "folder_id": folder.map(|f| f.0), "permission_set": set_name });
    ops.audit(
        Some(actor),
        AuditAction::PermissionChanged,
        None,
        folder,
        &details,
    )
}

pub(super) fn add_entry_op(
    ops: &mut Ops<'_>,
    actor: UserId,
    vault: VaultId,
    kind: EntryKind,
    draft: &NewEntry,
    secret: Option<&str>,
) -> Result<EntryId, ServiceError> {
    let parent = match draft.parent_id {
        Some(id) => Some(ops.entry(id)?),
        None => None,
    };
    check_new_entry(draft, parent.as_ref(), vault)?;
    let id = ops.tx.insert_entry(vault, kind, draft)?;
    let details = json!({ "vault_id": vault.0, "kind": kind.as_str(), "name": draft.name.trim(), "parent_id": draft.parent_id.map(|p| p.0), "has_secret": secret.is_some() });
    ops.audit(
        Some(actor),
        AuditAction::EntryCreated,
        None,
        Some(id),
        &details,
    )?;
    if let Some(secret) = secret {
        ops.store_secret(id, secret)?;
    }
    Ok(id)
}

pub(super) fn add_dependency_op(
    ops: &mut Ops<'_>,
    actor: UserId,
    entry: EntryId,
    depends_on: EntryId,
    role: DependencyRole,
) -> Result<(), ServiceError> {
    let item = ops.entry(entry)?;
    let target = ops.entry(depends_on)?;
    check_dependency(&item, &target, role)?;
    ops.tx.add_dependency(&Dependency {
        entry_id: entry,
        depends_on,
        role,
    })?;
    ops.audit(
        Some(actor),
        AuditAction::DependencyAdded,
        None,
        Some(entry),
        &json!({ "depends_on": depends_on.0, "role": role.as_str() }),
    )
}

pub(super) fn update_settings_op(
    ops: &mut Ops<'_>,
    actor: UserId,
    settings: &WorkspaceSettings,
) -> Result<(), ServiceError> {
    settings.validate()?;
    let before = ops.settings()?;
    ops.save_settings(settings)?;
    ops.audit(
        Some(actor),
        AuditAction::SettingsChanged,
        None,
        None,
        &json!({ "before": before, "after": settings }),
    )
}

impl Workspace {
    /// Creates the first user of an empty workspace, as administrator, and signs them in.
    pub fn create_first_admin(
        &mut self,
        user: &NewUser,
        password: &str,
        now: Timestamp,
    ) -> Result<Session, ServiceError> {
        self.write(now, |ops| {
            if !ops.tx.users()?.is_empty() {
                return Err(DomainError::NotPermitted(
                    "this workspace already has users; sign in as an administrator".into(),
                )
                .into());
            }
            let admin = NewUser {
                is_admin: true,
                ..user.clone()
            };
            let id = add_user_op(ops, None, &admin, password)?;
            // With its first administrator an empty workspace is complete.
            super::file::mark_complete_op(ops)?;
            Ok(super::Session::new(ops.user(id)?))
        })
    }

    /// Adds a user (administrators only).
    pub fn add_user(
        &mut self,
        session: &Session,
        user: &NewUser,
        password: &str,
        now: Timestamp,
    ) -> Result<UserId, ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            add_user_op(ops, Some(admin.id), user, password)
        })
    }

    /// Clears `user`'s failed sign-ins (administrators only), so that their
    /// next attempt is checked at once; audited with the number cleared
    /// (R-SEC-2). Names that share the user's bucket are cleared too.
    pub fn clear_failed_sign_ins(
        &mut self,
        session: &Session,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            let target = ops.user(user)?;
            let cleared = super::auth::clear_failed_sign_ins_op(ops, &target)?;
            let details = json!({ "user_id": target.id.0, "username": target.username, "failed_attempts": cleared });
            ops.audit(
                Some(admin.id),
                AuditAction::SignInFailuresCleared,
                None,
                None,
                &details,
            )
        })
    }

    /// Adds a vault (administrators only).
    pub fn add_vault(
        &mut self,
        session: &Session,
        vault: &NewVault,
        now: Timestamp,
    ) -> Result<VaultId, ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            add_vault_op(ops, admin.id, vault)
        })
    }

    /// Makes a user a member of a vault (administrators only).
    pub fn add_member(
        &mut self,
        session: &Session,
        vault: VaultId,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            add_member_op(ops, admin.id, vault, user)
        })
    }

    /// Makes a user an approver (and member) of a vault (administrators only).
    pub fn add_approver(
        &mut self,
        session: &Session,
        vault: VaultId,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            add_approver_op(ops, admin.id, vault, user)
        })
    }

    /// Gives a standing permission set on a vault or folder (administrators only).
    pub fn add_standing(
        &mut self,
        session: &Session,
        user: UserId,
        vault: VaultId,
        folder: Option<EntryId>,
        set: PermissionSetId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            add_standing_op(ops, admin.id, user, vault, folder, set)
        })
    }

    /// Defines a permission set (administrators only).
    pub fn add_permission_set(
        &mut self,
        session: &Session,
        name: &str,
        permissions: Permissions,
        now: Timestamp,
    ) -> Result<PermissionSetId, ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            super::vault_admin::check_set_form(ops, name, permissions, None)?;
            let id = ops.tx.insert_permission_set(name, permissions, false)?;
            ops.audit(
                Some(admin.id),
                AuditAction::PermissionSetCreated,
                None,
                None,
                &json!({ "name": name.trim(), "permissions": permissions.to_string() }),
            )?;
            Ok(id)
        })
    }

    /// Adds an entry, sealing its secret (administrators only).
    pub fn add_entry(
        &mut self,
        session: &Session,
        vault: VaultId,
        kind: EntryKind,
        draft: &NewEntry,
        secret: Option<&str>,
        now: Timestamp,
    ) -> Result<EntryId, ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            add_entry_op(ops, admin.id, vault, kind, draft, secret)
        })
    }

    /// Links an item to the credentials or VPN it needs (administrators only).
    pub fn add_dependency(
        &mut self,
        session: &Session,
        entry: EntryId,
        depends_on: EntryId,
        role: DependencyRole,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            add_dependency_op(ops, admin.id, entry, depends_on, role)
        })
    }

    /// Replaces the workspace settings (administrators only), auditing before and after.
    pub fn update_settings(
        &mut self,
        session: &Session,
        settings: &WorkspaceSettings,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            update_settings_op(ops, admin.id, settings)
        })
    }
}
