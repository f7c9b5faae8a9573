//! Editing a vault: creating, changing, moving and deleting folders and
//! items, their secrets and dependencies, and renaming and deleting vaults
//! (issue 14, R-VLT-1 … R-VLT-6).
//!
//! Add, Edit and Delete are permissions like the others: standing (a set on
//! the vault or a folder, inherited below) or granted by a grant in force,
//! checked here at the instant of the change; administrators may do
//! everything. Each change is one transaction with one audit event holding
//! the values before and after — never a secret.

use super::auth::Session;
use super::ops::Ops;
use super::queries::claim_use;
use super::{ServiceError, Workspace};
use crate::domain::access::AccessSource;
use crate::domain::audit::AuditAction;
use crate::domain::entry::{
    DeletionImpact, Dependency, DependencyRole, EditRights, Entry, EntryKind, NewEntry,
    check_dependency, check_entry_fields, check_move, check_new_entry, check_sibling_name,
    entry_path,
};
use crate::domain::permission::{Permission, Permissions};
use crate::domain::request::Phase;
use crate::domain::user::User;
use crate::domain::vault::Vault;
use crate::domain::{DomainError, EntryId, Field, Timestamp, VaultId};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Which entry the entry form saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveTarget {
    /// A new folder or item of `kind` in `vault` (its folder is the draft's parent).
    New {
        /// The vault.
        vault: VaultId,
        /// What it is.
        kind: EntryKind,
    },
    /// An entry that exists.
    Existing(EntryId),
}

/// What the entry form saves ([`Workspace::save_entry`]).
#[derive(Debug, Clone, Copy)]
pub struct EntrySave<'a> {
    /// The fields.
    pub draft: &'a NewEntry,
    /// `Some(Some(secret))` sets the secret, `Some(None)` removes it, `None`
    /// leaves it as it is.
    pub secret: Option<Option<&'a str>>,
    /// The linked credentials item: `Some(link)` sets it (`Some(None)`
    /// removes it), `None` leaves it.
    pub credentials: Option<Option<EntryId>>,
    /// The VPN, as the credentials.
    pub vpn: Option<Option<EntryId>>,
}

/// The signed-in user, who must be a member of `vault` unless an administrator.
pub(super) fn member(
    ops: &mut Ops<'_>,
    session: &Session,
    vault: VaultId,
) -> Result<User, ServiceError> {
    let user = ops.current_user(session)?;
    if !user.is_admin && !ops.is_member(vault, user.id)? {
        return Err(DomainError::NotPermitted("you are not a member of this vault".into()).into());
    }
    Ok(user)
}

/// Checks `needed` on `entry` now; a start-on-first-use grant that allows it
/// is started by this use (R-BEY-2).
fn require(
    ops: &mut Ops<'_>,
    user: &User,
    entry: &Entry,
    needed: Permission,
) -> Result<AccessSource, ServiceError> {
    let facts = ops.access_facts(user, entry)?;
    let source = facts.authorize(needed, ops.now)?;
    claim_use(ops, user, entry, source)?;
    Ok(source)
}

/// The permissions `user` holds at the vault's top: administrators hold all,
/// others what their standing sets on the whole vault give (grants are on
/// entries, never on a vault).
fn root_permissions(
    ops: &mut Ops<'_>,
    user: &User,
    vault: VaultId,
) -> Result<Permissions, ServiceError> {
    if user.is_admin {
        return Ok(Permissions::ALL);
    }
    Ok(ops
        .tx
        .standing(user.id, vault)?
        .iter()
        .filter(|s| s.folder_id.is_none())
        .fold(Permissions::NONE, |acc, s| acc.union(s.permissions)))
}

/// The permissions `user` holds on `entry` at `now`, without using any grant.
fn permissions_on(
    ops: &mut Ops<'_>,
    user: &User,
    entry: &Entry,
) -> Result<Permissions, ServiceError> {
    let now = ops.now;
    Ok(ops.access_facts(user, entry)?.effective_permissions(now))
}

/// Checks Add where a new entry goes: in `folder`, or at the vault's top.
pub(super) fn require_add(
    ops: &mut Ops<'_>,
    user: &User,
    vault: VaultId,
    folder: Option<&Entry>,
) -> Result<AccessSource, ServiceError> {
    match folder {
        Some(folder) => {
            if folder.kind != EntryKind::Folder {
                return Err(DomainError::invalid(
                    Field::Entry,
                    "entries can only be placed in folders",
                )
                .into());
            }
            require(ops, user, folder, Permission::Add)
        }
        None if user.is_admin => Ok(AccessSource::Administrator),
        None if root_permissions(ops, user, vault)?.contains(Permission::Add) => {
            Ok(AccessSource::Standing)
        }
        None => Err(DomainError::NotPermitted(
            "you don't have the “Add” permission at the top of this vault".into(),
        )
        .into()),
    }
}

/// The entry `id` names, unless deleted ("does not exist").
pub(super) fn live_entry(
    ops: &mut Ops<'_>,
    id: Option<EntryId>,
) -> Result<Option<Entry>, ServiceError> {
    id.map(|id| ops.entry(id)).transpose()
}

/// The fields an audit event records of an entry (never its secret).
fn fields_json(kind: EntryKind, draft: &NewEntry) -> Value {
    json!({
        "kind": kind.as_str(),
        "name": draft.name.trim(),
        "parent_id": draft.parent_id.map(|p| p.0),
        "host": draft.host.trim(),
        "port": draft.port,
        "username": draft.username.trim(),
        "url": draft.url.trim(),
        "notes": draft.notes,
        "database": draft.database.trim(),
        "engine": draft.engine.trim(),
    })
}

/// The fields that differ between `before` and `after`, each side alone.
fn changed_fields(before: &Value, after: &Value) -> (Map<String, Value>, Map<String, Value>) {
    let (mut was, mut now) = (Map::new(), Map::new());
    if let (Some(before), Some(after)) = (before.as_object(), after.as_object()) {
        for (key, old) in before {
            let new = after.get(key).unwrap_or(&Value::Null);
            if old != new {
                was.insert(key.clone(), old.clone());
                now.insert(key.clone(), new.clone());
            }
        }
    }
    (was, now)
}

/// Checks that the name is free among the entries that would be its siblings.
fn check_name_free(
    ops: &mut Ops<'_>,
    vault: VaultId,
    parent: Option<EntryId>,
    name: &str,
    except: Option<EntryId>,
) -> Result<(), ServiceError> {
    let siblings = ops.tx.children(vault, parent)?;
    Ok(check_sibling_name(name, &siblings, except)?)
}

/// `entry` and everything below it by id, with the folders above it, so
/// that every path among them can be named.
fn subtree_by_id(
    ops: &mut Ops<'_>,
    entry: &Entry,
) -> Result<HashMap<EntryId, Entry>, ServiceError> {
    let mut by_id: HashMap<EntryId, Entry> = ops
        .tx
        .subtree(entry.id)?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    for folder in ops.tx.ancestors(entry.id)? {
        let folder = ops.entry_record(folder)?;
        by_id.insert(folder.id, folder);
    }
    Ok(by_id)
}

/// The names from the vault's top down to `entry`.
fn path_of(ops: &mut Ops<'_>, entry: &Entry) -> Result<String, ServiceError> {
    let mut by_id = HashMap::new();
    for folder in ops.tx.ancestors(entry.id)? {
        let folder = ops.entry_record(folder)?;
        by_id.insert(folder.id, folder);
    }
    Ok(entry_path(entry, &by_id))
}

/// `root` and everything below it among `by_id`, parents before their
/// children, siblings by name.
fn subtree(root: &Entry, by_id: &HashMap<EntryId, Entry>) -> Vec<Entry> {
    let mut children: HashMap<EntryId, Vec<&Entry>> = HashMap::new();
    for entry in by_id.values() {
        if let Some(parent) = entry.parent_id {
            children.entry(parent).or_default().push(entry);
        }
    }
    let mut found = vec![root.clone()];
    // Invariant: the tree has no cycles, but a damaged file must not loop.
    let mut seen = std::collections::HashSet::from([root.id]);
    let mut next = 0;
    while next < found.len() {
        let id = found[next].id;
        if let Some(below) = children.get(&id) {
            let mut below: Vec<Entry> = below
                .iter()
                .filter(|e| seen.insert(e.id))
                .map(|e| (*e).clone())
                .collect();
            below.sort_by(|a, b| a.name.cmp(&b.name));
            found.extend(below);
        }
        next += 1;
    }
    found
}

/// What deleting `root` takes with it: its subtree and the items elsewhere
/// that depend on any of it.
fn impact_of(
    ops: &mut Ops<'_>,
    root: &Entry,
) -> Result<(Vec<Entry>, DeletionImpact), ServiceError> {
    let by_id = subtree_by_id(ops, root)?;
    let doomed = subtree(root, &by_id);
    let ids: Vec<EntryId> = doomed.iter().map(|e| e.id).collect();
    let mut dependents = Vec::new();
    for entry in &doomed {
        for dependency in ops.tx.dependents(entry.id)? {
            if ids.contains(&dependency.entry_id) {
                continue;
            }
            if let Some(item) = ops.tx.entry(dependency.entry_id)? {
                let path = path_of(ops, &item)?;
                if !dependents.contains(&path) {
                    dependents.push(path);
                }
            }
        }
    }
    let impact = DeletionImpact {
        entries: doomed.iter().map(|e| entry_path(e, &by_id)).collect(),
        dependents,
        ..DeletionImpact::default()
    };
    Ok((doomed, impact))
}

/// The current administrator and the vault.
fn admin_and_vault(
    ops: &mut Ops<'_>,
    session: &Session,
    id: VaultId,
) -> Result<(User, Vault), ServiceError> {
    let admin = ops.current_admin(session)?;
    let vault = ops
        .tx
        .vault(id)?
        .ok_or_else(|| ServiceError::NotFound(format!("vault {id} does not exist")))?;
    Ok((admin, vault))
}

impl Workspace {
    /// Creates a folder or item where the user holds Add (in its folder, or
    /// at the vault's top), with its secret sealed; audited (`EntryCreated`)
    /// with its fields as `after` (R-VLT-2).
    pub fn create_entry(
        &mut self,
        session: &Session,
        vault: VaultId,
        kind: EntryKind,
        draft: &NewEntry,
        secret: Option<&str>,
        now: Timestamp,
    ) -> Result<EntryId, ServiceError> {
        self.write(now, |ops| {
            create_entry_op(ops, session, vault, kind, draft, secret)
        })
    }

    /// Saves the entry form in one transaction: a new entry (`target` a
    /// vault and kind) or an existing one's fields, then its secret and
    /// links as `save` says, each checked and audited as its own operation
    /// would be; any refusal leaves nothing saved. Returns the entry's id.
    pub fn save_entry(
        &mut self,
        session: &Session,
        target: SaveTarget,
        save: &EntrySave<'_>,
        now: Timestamp,
    ) -> Result<EntryId, ServiceError> {
        self.write(now, |ops| {
            let id = match target {
                SaveTarget::New { vault, kind } => {
                    create_entry_op(ops, session, vault, kind, save.draft, save.secret.flatten())?
                }
                SaveTarget::Existing(id) => {
                    update_entry_op(ops, session, id, save.draft)?;
                    if let Some(secret) = save.secret {
                        set_secret_op(ops, session, id, secret)?;
                    }
                    id
                }
            };
            let links = [
                (DependencyRole::Credentials, save.credentials),
                (DependencyRole::Vpn, save.vpn),
            ];
            for (role, link) in links {
                if let Some(linked) = link {
                    set_dependency_op(ops, session, id, role, linked)?;
                }
            }
            Ok(id)
        })
    }

    /// Changes an entry's fields where the user holds Edit on it; audited
    /// (`EntryChanged`) with the changed fields before and after (R-VLT-2).
    /// `draft.parent_id` must be the entry's folder: moving is
    /// [`Workspace::move_entry`]. A draft that changes nothing writes nothing.
    pub fn update_entry(
        &mut self,
        session: &Session,
        id: EntryId,
        draft: &NewEntry,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| update_entry_op(ops, session, id, draft))
    }

    /// Sets or clears an entry's secret where the user holds Edit on it;
    /// audited as "password changed" (`SecretChanged`) with who and when and
    /// whether a secret was there before and after — never the value (R-VLT-3).
    pub fn set_secret(
        &mut self,
        session: &Session,
        id: EntryId,
        secret: Option<&str>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| set_secret_op(ops, session, id, secret))
    }

    /// Moves an entry into `folder` (`None`: the vault's top) of its own
    /// vault, where the user holds Edit on the entry and Add on the
    /// destination; a move into itself or below itself is refused. Audited
    /// (`EntryMoved`) with the folder before and after (R-VLT-4).
    pub fn move_entry(
        &mut self,
        session: &Session,
        id: EntryId,
        folder: Option<EntryId>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let entry = ops.entry(id)?;
            let user = member(ops, session, entry.vault_id)?;
            let destination = live_entry(ops, folder)?;
            let ancestors = match &destination {
                Some(d) => ops.tx.ancestors(d.id)?,
                None => Vec::new(),
            };
            check_move(&entry, destination.as_ref(), &ancestors)?;
            let source = require(ops, &user, &entry, Permission::Edit)?;
            if entry.parent_id == folder {
                return Ok(());
            }
            require_add(ops, &user, entry.vault_id, destination.as_ref())?;
            check_name_free(ops, entry.vault_id, folder, &entry.name, Some(id))?;
            let draft = NewEntry {
                parent_id: folder,
                ..entry.to_draft()
            };
            ops.tx.update_entry(id, &draft)?;
            let details = json!({
                "vault_id": entry.vault_id.0,
                "name": entry.name,
                "before": { "parent_id": entry.parent_id.map(|p| p.0) },
                "after": { "parent_id": folder.map(|p| p.0) },
                "allowed_by": via(source),
            });
            ops.audit(
                Some(user.id),
                AuditAction::EntryMoved,
                None,
                Some(id),
                &details,
            )
        })
    }

    /// What deleting `id` would take with it: the paths of the entry and
    /// everything below it, and of the items elsewhere that depend on any of
    /// them. View on the entry is enough to ask.
    pub fn deletion_impact(
        &mut self,
        session: &Session,
        id: EntryId,
        now: Timestamp,
    ) -> Result<DeletionImpact, ServiceError> {
        self.read(now, |ops| {
            let entry = ops.entry(id)?;
            let user = member(ops, session, entry.vault_id)?;
            if !permissions_on(ops, &user, &entry)?.contains(Permission::View) {
                return Err(DomainError::NotPermitted(
                    "you don't have the “View” permission on this entry right now".into(),
                )
                .into());
            }
            Ok(impact_of(ops, &entry)?.1)
        })
    }

    /// Deletes an entry and everything below it, where the user holds Delete
    /// on each, with their secrets, dependencies (both directions) and the
    /// standing permissions on them (R-VLT-5). Refused while a request on any
    /// of them is pending: it must be decided or cancelled first. The
    /// requests and audit events that name them keep their names: a deleted
    /// entry leaves every list but stays as a record. Audited
    /// (`EntryDeleted`) with the deleted entries' fields as `before`.
    pub fn delete_entry(
        &mut self,
        session: &Session,
        id: EntryId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let entry = ops.entry(id)?;
            let user = member(ops, session, entry.vault_id)?;
            let (doomed, impact) = impact_of(ops, &entry)?;
            let mut source = None;
            for (below, path) in doomed.iter().zip(&impact.entries) {
                let facts = ops.access_facts(&user, below)?;
                match facts.authorize(Permission::Delete, ops.now) {
                    Ok(allowed) => {
                        claim_use(ops, &user, below, allowed)?;
                        source = source.or(Some(allowed));
                    }
                    Err(refused) if below.id == id => return Err(refused.into()),
                    Err(_) => {
                        return Err(DomainError::NotPermitted(format!(
                            "you don't have the “Delete” permission on “{path}”, which is below it"
                        ))
                        .into());
                    }
                }
            }
            for (below, path) in doomed.iter().zip(&impact.entries) {
                let now = ops.now;
                if ops
                    .tx
                    .pending_requests_naming(below.id)?
                    .iter()
                    .any(|r| r.phase(now) == Phase::Pending)
                {
                    return Err(DomainError::NotPermitted(format!(
                        "“{path}” has a pending access request; it must be decided or cancelled before the entry is deleted"
                    ))
                    .into());
                }
            }
            let ids: Vec<EntryId> = doomed.iter().map(|e| e.id).collect();
            ops.tx.delete_entries(&ids, now)?;
            let before: Vec<Value> = doomed
                .iter()
                .zip(&impact.entries)
                .map(|(e, path)| {
                    let mut fields = fields_json(e.kind, &e.to_draft());
                    if let Some(map) = fields.as_object_mut() {
                        map.insert("id".into(), json!(e.id.0));
                        map.insert("path".into(), json!(path));
                    }
                    fields
                })
                .collect();
            let details = json!({
                "vault_id": entry.vault_id.0,
                "before": before,
                "after": null,
                "dependents": impact.dependents,
                "allowed_by": source.map(via),
            });
            ops.audit(
                Some(user.id),
                AuditAction::EntryDeleted,
                None,
                Some(id),
                &details,
            )
        })
    }

    /// Links (`Some`) or unlinks (`None`) the credentials or VPN an item
    /// needs, where the user holds Edit on the item; the target is of the
    /// role's kind in the same vault. Audited (`DependencyAdded` /
    /// `DependencyRemoved`) with the linked entry before and after (R-VLT-6).
    pub fn set_dependency(
        &mut self,
        session: &Session,
        id: EntryId,
        role: DependencyRole,
        target: Option<EntryId>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| set_dependency_op(ops, session, id, role, target))
    }

    /// Renames a vault (administrators only); the name must be given and not
    /// used by another vault (ignoring case). Audited (`VaultRenamed`) with
    /// the name before and after (R-VLT-1).
    pub fn rename_vault(
        &mut self,
        session: &Session,
        id: VaultId,
        name: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let (admin, vault) = admin_and_vault(ops, session, id)?;
            let name = name.trim();
            if name.is_empty() {
                return Err(DomainError::invalid(Field::Name, "enter a vault name").into());
            }
            if vault.name == name {
                return Ok(());
            }
            if ops
                .tx
                .vaults()?
                .iter()
                .any(|v| v.id != id && v.name.eq_ignore_ascii_case(name))
            {
                return Err(DomainError::invalid(
                    Field::Name,
                    format!("a vault named “{name}” exists already"),
                )
                .into());
            }
            ops.tx.rename_vault(id, name)?;
            let details = json!({ "vault_id": id.0, "before": { "name": vault.name }, "after": { "name": name } });
            ops.audit(
                Some(admin.id),
                AuditAction::VaultRenamed,
                None,
                None,
                &details,
            )
        })
    }

    /// What deleting a vault takes with it (administrators only): the paths
    /// of its entries, and how many members and approvers it has.
    pub fn vault_deletion_impact(
        &mut self,
        session: &Session,
        id: VaultId,
        now: Timestamp,
    ) -> Result<DeletionImpact, ServiceError> {
        self.read(now, |ops| {
            admin_and_vault(ops, session, id)?;
            vault_impact(ops, id)
        })
    }

    /// Deletes a vault with its entries, their secrets, members, approvers
    /// and standing permissions (administrators only). Refused unless it is
    /// empty or `confirmed` (the caller showed the impact), and refused while
    /// any request names it, since requests keep their history. Audited
    /// (`VaultDeleted`) with what it held as `before` (R-VLT-1).
    pub fn delete_vault(
        &mut self,
        session: &Session,
        id: VaultId,
        confirmed: bool,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let (admin, vault) = admin_and_vault(ops, session, id)?;
            let impact = vault_impact(ops, id)?;
            if !impact.entries.is_empty() && !confirmed {
                return Err(DomainError::NotPermitted(format!(
                    "the vault “{}” holds {} entries; confirm to delete it with them",
                    vault.name,
                    impact.entries.len()
                ))
                .into());
            }
            if ops.tx.vault_has_requests(id)? {
                return Err(DomainError::NotPermitted(format!(
                    "the vault “{}” has access requests, whose history is kept; it cannot be deleted",
                    vault.name
                ))
                .into());
            }
            ops.tx.delete_vault(id)?;
            let details = json!({
                "vault_id": id.0,
                "before": {
                    "name": vault.name,
                    "required_approvals": vault.required_approvals,
                    "break_glass_allowed": vault.break_glass_allowed,
                    "emergency_limit_mins": vault.emergency_limit_mins,
                    "entries": impact.entries,
                    "members": impact.members,
                    "approvers": impact.approvers,
                },
                "after": null,
            });
            ops.audit(
                Some(admin.id),
                AuditAction::VaultDeleted,
                None,
                None,
                &details,
            )
        })
    }

    /// Whether the user may Add, Edit and Delete at `entry` (`None`: the
    /// vault's top) at `now`, for the window to mirror; the operations check
    /// again. Add is on the folder itself, or for an item on the folder a
    /// new sibling would go in; Delete needs the permission on everything
    /// below too. At the vault's top, Edit and Delete are renaming and
    /// deleting the vault: administrators only. A non-member may do nothing.
    pub fn edit_rights(
        &mut self,
        session: &Session,
        vault: VaultId,
        entry: Option<EntryId>,
        now: Timestamp,
    ) -> Result<EditRights, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            if !user.is_admin && !ops.is_member(vault, user.id)? {
                return Ok(EditRights::default());
            }
            let Some(id) = entry else {
                return Ok(EditRights {
                    add: root_permissions(ops, &user, vault)?.contains(Permission::Add),
                    edit: user.is_admin,
                    delete: user.is_admin,
                });
            };
            let entry = ops.entry(id)?;
            if entry.vault_id != vault {
                return Err(DomainError::invalid(
                    Field::Entry,
                    "the entry belongs to another vault",
                )
                .into());
            }
            let held = permissions_on(ops, &user, &entry)?;
            let add = if entry.kind == EntryKind::Folder {
                held.contains(Permission::Add)
            } else {
                match live_entry(ops, entry.parent_id)? {
                    Some(parent) => permissions_on(ops, &user, &parent)?.contains(Permission::Add),
                    None => root_permissions(ops, &user, vault)?.contains(Permission::Add),
                }
            };
            let mut delete = held.contains(Permission::Delete);
            if delete && entry.kind == EntryKind::Folder && !user.is_admin {
                let by_id = subtree_by_id(ops, &entry)?;
                for below in subtree(&entry, &by_id).iter().skip(1) {
                    if !permissions_on(ops, &user, below)?.contains(Permission::Delete) {
                        delete = false;
                        break;
                    }
                }
            }
            Ok(EditRights {
                add,
                edit: held.contains(Permission::Edit),
                delete,
            })
        })
    }
}

/// What allowed a change, for its audit event.
pub(super) fn via(source: AccessSource) -> Value {
    match source {
        AccessSource::Administrator => json!({ "via": "administrator" }),
        AccessSource::Standing => json!({ "via": "standing permission" }),
        AccessSource::Grant(id) => json!({ "via": "grant", "request_id": id.0 }),
        AccessSource::FirstUse(id) => json!({ "via": "first use of grant", "request_id": id.0 }),
    }
}

/// A vault's entries (paths) and how many members and approvers it has.
fn vault_impact(ops: &mut Ops<'_>, id: VaultId) -> Result<DeletionImpact, ServiceError> {
    let by_id: HashMap<EntryId, Entry> =
        ops.tx.entries(id)?.into_iter().map(|e| (e.id, e)).collect();
    let mut entries: Vec<String> = by_id.values().map(|e| entry_path(e, &by_id)).collect();
    entries.sort();
    Ok(DeletionImpact {
        entries,
        dependents: Vec::new(),
        members: ops.tx.member_count(id)?,
        approvers: ops.tx.approvers(id)?.len(),
    })
}

fn create_entry_op(
    ops: &mut Ops<'_>,
    session: &Session,
    vault: VaultId,
    kind: EntryKind,
    draft: &NewEntry,
    secret: Option<&str>,
) -> Result<EntryId, ServiceError> {
    if ops.tx.vault(vault)?.is_none() {
        return Err(ServiceError::NotFound(format!(
            "vault {vault} does not exist"
        )));
    }
    let user = member(ops, session, vault)?;
    check_entry_fields(draft)?;
    if kind == EntryKind::Folder && secret.is_some() {
        return Err(DomainError::invalid(Field::Password, "a folder has no password").into());
    }
    let parent = live_entry(ops, draft.parent_id)?;
    check_new_entry(draft, parent.as_ref(), vault)?;
    let source = require_add(ops, &user, vault, parent.as_ref())?;
    check_name_free(ops, vault, draft.parent_id, &draft.name, None)?;
    let id = ops.tx.insert_entry(vault, kind, draft)?;
    if let Some(secret) = secret {
        ops.store_secret(id, secret)?;
    }
    let details = json!({ "vault_id": vault.0, "before": null, "after": fields_json(kind, draft), "has_secret": secret.is_some(), "allowed_by": via(source) });
    ops.audit(
        Some(user.id),
        AuditAction::EntryCreated,
        None,
        Some(id),
        &details,
    )?;
    Ok(id)
}

fn update_entry_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: EntryId,
    draft: &NewEntry,
) -> Result<(), ServiceError> {
    let entry = ops.entry(id)?;
    let user = member(ops, session, entry.vault_id)?;
    check_entry_fields(draft)?;
    if draft.parent_id != entry.parent_id {
        return Err(DomainError::invalid(
            Field::Entry,
            "an edit keeps the entry in its folder; move it to change the folder",
        )
        .into());
    }
    let source = require(ops, &user, &entry, Permission::Edit)?;
    let (before, after) = changed_fields(
        &fields_json(entry.kind, &entry.to_draft()),
        &fields_json(entry.kind, draft),
    );
    if after.is_empty() {
        return Ok(());
    }
    if after.contains_key("name") {
        check_name_free(ops, entry.vault_id, entry.parent_id, &draft.name, Some(id))?;
    }
    ops.tx.update_entry(id, draft)?;
    let details = json!({ "vault_id": entry.vault_id.0, "before": before, "after": after, "allowed_by": via(source) });
    ops.audit(
        Some(user.id),
        AuditAction::EntryChanged,
        None,
        Some(id),
        &details,
    )
}

fn set_secret_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: EntryId,
    secret: Option<&str>,
) -> Result<(), ServiceError> {
    let entry = ops.entry(id)?;
    let user = member(ops, session, entry.vault_id)?;
    if entry.kind == EntryKind::Folder {
        return Err(DomainError::invalid(Field::Password, "a folder has no password").into());
    }
    let source = require(ops, &user, &entry, Permission::Edit)?;
    let had_secret = ops.tx.has_secret(id)?;
    match secret {
        Some(secret) => ops.store_secret(id, secret)?,
        None => ops.tx.clear_secret(id)?,
    }
    let details = json!({
        "change": if secret.is_some() { "password changed" } else { "password removed" },
        "before": { "has_secret": had_secret },
        "after": { "has_secret": secret.is_some() },
        "allowed_by": via(source),
    });
    ops.audit(
        Some(user.id),
        AuditAction::SecretChanged,
        None,
        Some(id),
        &details,
    )
}

fn set_dependency_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: EntryId,
    role: DependencyRole,
    target: Option<EntryId>,
) -> Result<(), ServiceError> {
    let item = ops.entry(id)?;
    let user = member(ops, session, item.vault_id)?;
    let linked = live_entry(ops, target)?;
    if let Some(linked) = &linked {
        check_dependency(&item, linked, role)?;
    }
    let before = ops
        .tx
        .dependencies(id)?
        .into_iter()
        .find(|d| d.role == role)
        .map(|d| d.depends_on);
    let source = require(ops, &user, &item, Permission::Edit)?;
    if before == target {
        return Ok(());
    }
    ops.tx.remove_dependency(id, role)?;
    let action = match target {
        Some(depends_on) => {
            ops.tx.add_dependency(&Dependency {
                entry_id: id,
                depends_on,
                role,
            })?;
            AuditAction::DependencyAdded
        }
        None => AuditAction::DependencyRemoved,
    };
    let details = json!({
        "role": role.as_str(),
        "before": before.map(|d| d.0),
        "after": target.map(|d| d.0),
        "depends_on": target.or(before).map(|d| d.0),
        "allowed_by": via(source),
    });
    ops.audit(Some(user.id), action, None, Some(id), &details)
}
