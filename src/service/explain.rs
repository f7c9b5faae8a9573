//! "Why?" — the access explainer (R-ADM-6): what a user can do on an entry
//! at an instant, on what grounds, and what would give them the rest.
//!
//! Invariant: the answer comes from the same facts and the same decision as
//! every permission check (`Ops::reaches_vault`, `Ops::access_facts`, then
//! `AccessFacts::explain`, whose first source is what `authorize` returns),
//! so it cannot differ from what a reveal, a copy or a connection would
//! meet at that instant.
//! It is a read: nothing is written, no first-use grant is started, nothing
//! is audited.

use super::auth::Session;
use super::ops::Ops;
use super::{ServiceError, Workspace};
use crate::domain::access::{PermissionExplanation, PermissionSource};
use crate::domain::entry::Entry;
use crate::domain::permission::Permission;
use crate::domain::request::RequestKind;
use crate::domain::user::User;
use crate::domain::vault::{Vault, is_approver};
use crate::domain::{DomainError, EntryId, PermissionSetId, RequestId, Timestamp, UserId};

/// What a user can do on an entry at an instant, and why (R-ADM-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessExplanation {
    /// The user asked about, as stored now.
    pub user: User,
    /// The entry asked about.
    pub entry: Entry,
    /// The entry's place: the vault's name, the folders down to it and its
    /// own name, joined with " / ".
    pub entry_path: String,
    /// The entry's vault.
    pub vault: Vault,
    /// The instant of the answer.
    pub at: Timestamp,
    /// Whether the user is a member of the vault (an administrator's access
    /// does not come from membership).
    pub is_member: bool,
    /// Whether the user's account is enabled; a disabled user holds nothing.
    pub is_active: bool,
    /// Every permission of [`Permission::ALL`], in that order.
    pub permissions: Vec<ExplainedPermission>,
}

/// One permission of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedPermission {
    /// The permission.
    pub permission: Permission,
    /// Whether the user holds it at the instant: exactly what a check at
    /// that instant decides. Always false for a disabled user or one who is
    /// neither a member of the vault nor an administrator.
    pub held: bool,
    /// The workspace policy takes it away whatever its sources (View
    /// password while "allow reveal password" is off, R-REQ-8).
    pub withheld_by_policy: bool,
    /// Every ground that gives it, the one a check would use first; listed
    /// even when the policy withholds it, empty when the user does not reach
    /// the vault.
    pub sources: Vec<ExplainedSource>,
    /// What would give it; `None` when it is held.
    pub to_get: Option<HowToGet>,
}

/// One ground of a permission, with names filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplainedSource {
    /// The user is an administrator.
    Administrator,
    /// A standing permission set, inherited from where it is given.
    Standing {
        /// The set.
        set_id: PermissionSetId,
        /// Its name.
        set_name: String,
        /// The folder it is given on; `None` for the vault's top.
        folder_id: Option<EntryId>,
        /// Where it is given: the vault's name, then the folders down to
        /// that folder, joined with " / " (the vault's name alone for its top).
        given_at: String,
    },
    /// A grant in force.
    Grant(ExplainedGrant),
}

/// A grant that gives a permission, as the explainer describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedGrant {
    /// The request it came from.
    pub request_id: RequestId,
    /// How the request came to be (a request, an extension, emergency
    /// access or a direct grant).
    pub kind: RequestKind,
    /// The entry it was asked on: this one, an item that depends on it, or
    /// a folder above it; `None` when it was asked on the whole vault.
    pub entry_id: Option<EntryId>,
    /// That entry's (or vault's) name.
    pub entry_name: String,
    /// The authorized permission set.
    pub set_id: PermissionSetId,
    /// Its name.
    pub set_name: String,
    /// First instant of access; `None` while it waits for its first use.
    pub start_at: Option<Timestamp>,
    /// First instant without access; `None` while it waits for its first use.
    pub end_at: Option<Timestamp>,
    /// Until when a first use may start it (R-BEY-2), if it starts on first use.
    pub claim_by_at: Option<Timestamp>,
    /// Approved to start on first use and not used yet: its clock starts at
    /// the next use (asking why does not start it).
    pub awaiting_first_use: bool,
    /// Who decided it (the approver whose approval completed it, or the
    /// administrator who granted it directly), with their name.
    pub decided_by: Option<(UserId, String)>,
    /// Every approval it gathered, in order, with the approvers' names.
    pub approvals: Vec<(UserId, String)>,
}

/// What would give a permission that is not held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HowToGet {
    /// Whether temporary access may be requested in this workspace at all.
    pub temporary_access_enabled: bool,
    /// The permission sets that include the permission, smallest first
    /// (then oldest first), with their names.
    pub sets: Vec<(PermissionSetId, String)>,
    /// Who could approve a request for it in this vault: its active
    /// approvers and the active administrators, not the user, by name.
    /// Empty when nobody can.
    pub approvers: Vec<(UserId, String)>,
}

impl Workspace {
    /// Explains what `user` can do on `entry` at `now`, and why (R-ADM-6).
    /// Only administrators and approvers of the entry's vault may ask. A
    /// read: it writes nothing, starts no first-use grant and is not audited.
    pub fn explain_access(
        &mut self,
        session: &Session,
        user: UserId,
        entry: EntryId,
        now: Timestamp,
    ) -> Result<AccessExplanation, ServiceError> {
        self.read(now, |ops| {
            let asker = ops.current_user(session)?;
            let entry = ops.entry(entry)?;
            let vault_approvers = ops.tx.approvers(entry.vault_id)?;
            if !is_approver(&asker, &vault_approvers) {
                return Err(DomainError::NotPermitted(
                    "only an administrator or an approver of this vault can see why someone has access"
                        .into(),
                )
                .into());
            }
            let user = ops.user(user)?;
            let vault = ops.vault(entry.vault_id)?;
            let is_member = ops.is_member(vault.id, user.id)?;
            let explained = if ops.reaches_vault(&user, vault.id)? {
                ops.access_facts(&user, &entry)?.explain(now)
            } else {
                // As `check_use` refuses such a user before any fact counts.
                Permission::ALL
                    .into_iter()
                    .map(|permission| PermissionExplanation {
                        permission,
                        held: false,
                        sources: Vec::new(),
                        withheld_by_policy: false,
                    })
                    .collect()
            };
            let settings = ops.settings()?;
            let sets = ops.tx.permission_sets()?;
            let approvers: Vec<(UserId, String)> = ops
                .tx
                .users()?
                .into_iter()
                .filter(|u| u.id != user.id && is_approver(u, &vault_approvers))
                .map(|u| (u.id, u.display_name))
                .collect();
            let mut permissions = Vec::with_capacity(explained.len());
            for explanation in explained {
                let mut sources = Vec::with_capacity(explanation.sources.len());
                for source in &explanation.sources {
                    sources.push(describe(ops, &vault, *source)?);
                }
                let to_get = (!explanation.held).then(|| {
                    let mut holding: Vec<_> = sets
                        .iter()
                        .filter(|s| s.permissions.contains(explanation.permission))
                        .collect();
                    holding.sort_by_key(|s| (s.permissions.iter().count(), s.id.0));
                    HowToGet {
                        temporary_access_enabled: settings.temporary_access_enabled,
                        sets: holding.iter().map(|s| (s.id, s.name.clone())).collect(),
                        approvers: approvers.clone(),
                    }
                });
                permissions.push(ExplainedPermission {
                    permission: explanation.permission,
                    held: explanation.held,
                    withheld_by_policy: explanation.withheld_by_policy,
                    sources,
                    to_get,
                });
            }
            Ok(AccessExplanation {
                entry_path: path_of(ops, &vault, &entry)?,
                is_active: user.is_active,
                user,
                entry,
                vault,
                at: now,
                is_member,
                permissions,
            })
        })
    }
}

/// The names from the vault down to `entry`, joined with " / ".
fn path_of(ops: &mut Ops<'_>, vault: &Vault, entry: &Entry) -> Result<String, ServiceError> {
    let mut names = Vec::new();
    for folder in ops.tx.ancestors(entry.id)? {
        names.push(ops.entry_record(folder)?.name);
    }
    names.push(vault.name.clone());
    names.reverse();
    names.push(entry.name.clone());
    Ok(names.join(" / "))
}

/// A source with the names and the grant's details filled in.
fn describe(
    ops: &mut Ops<'_>,
    vault: &Vault,
    source: PermissionSource,
) -> Result<ExplainedSource, ServiceError> {
    Ok(match source {
        PermissionSource::Administrator => ExplainedSource::Administrator,
        PermissionSource::Standing { set_id, folder_id } => {
            let given_at = match folder_id {
                Some(folder) => {
                    let folder = ops.entry_record(folder)?;
                    path_of(ops, vault, &folder)?
                }
                None => vault.name.clone(),
            };
            ExplainedSource::Standing {
                set_id,
                set_name: ops.permission_set_name(set_id)?,
                folder_id,
                given_at,
            }
        }
        PermissionSource::Grant {
            request_id,
            awaiting_first_use,
        } => {
            let request = ops.request(request_id)?;
            let set_id = request.effective_terms().permission_set_id;
            let decided_by = match request.decided_by {
                Some(id) => Some((id, ops.display_name(id)?)),
                None => None,
            };
            let mut approvals = Vec::with_capacity(request.approvals.len());
            for approval in &request.approvals {
                let id = approval.approver_id;
                approvals.push((id, ops.display_name(id)?));
            }
            ExplainedSource::Grant(ExplainedGrant {
                request_id,
                kind: request.kind,
                entry_id: request.entry_id(),
                entry_name: ops.target_name(request.target)?,
                set_id,
                set_name: ops.permission_set_name(set_id)?,
                start_at: request.grant_start_at,
                end_at: request.grant_end_at,
                claim_by_at: request.claim_by_at,
                awaiting_first_use,
                decided_by,
                approvals,
            })
        }
    })
}
