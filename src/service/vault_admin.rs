//! Administering vaults once they exist (R-ADM-2, R-ADM-7, R-BEY-4,
//! R-BEY-5): who is a member or an approver, standing permissions,
//! permission sets, and each vault's policy. Everything here can be taken
//! back or changed; `admin.rs` only adds.
//!
//! Every operation is for administrators only, checked at the instant of the
//! call; a change runs in one transaction with one audit event whose details
//! hold what was there before and what is there after.

use super::auth::Session;
use super::ops::Ops;
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::notification::{
    HandledOutcome, Handling, NewNotification, NotificationFacts, NotificationNames,
};
use crate::domain::permission::Permissions;
pub use crate::domain::permission::StandingGrant;
use crate::domain::request::{self, Phase, Request, RequestStatus};
use crate::domain::user::User;
use crate::domain::vault::{MAX_DESCRIPTION_CHARS, Vault, is_approver};
use crate::domain::{
    DomainError, Field, FieldErrors, PermissionSetId, Span, Timestamp, UserId, VaultId,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The most approvals a vault may require of each request (R-BEY-4).
pub const MAX_REQUIRED_APPROVALS: u32 = 10;
/// The longest emergency access a vault may allow, in minutes (R-BEY-5): a day.
pub const MAX_EMERGENCY_LIMIT_MINS: u32 = 24 * 60;

/// One member of a vault, for the administration screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VaultMember {
    /// The member.
    pub user_id: UserId,
    /// Whether they may also decide the vault's requests.
    pub is_approver: bool,
    /// For a member only through a running request to join (R-REQ-12):
    /// when that membership ends. `None` for a stored member.
    pub joined_until: Option<Timestamp>,
}

/// Where a permission set is used, so that it cannot be deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetUses {
    /// How many standing permissions give it.
    pub standing: usize,
    /// How many requests ask for it or were granted it and are pending, or
    /// approved with a grant that is not over.
    pub open_requests: usize,
    /// The names of the vaults of those standing permissions, each once, by name.
    pub vaults: Vec<String>,
}

impl SetUses {
    /// Whether nothing uses the set.
    pub fn is_unused(&self) -> bool {
        self.standing == 0 && self.open_requests == 0
    }
}

/// A vault's policy (R-BEY-4, R-BEY-5, R-ADM-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultPolicy {
    /// Distinct approvals each request needs: 1 to 10, and no more than the
    /// vault's approvers and the administrators together can give.
    pub required_approvals: u32,
    /// Whether members may take emergency access.
    pub break_glass_allowed: bool,
    /// The longest emergency access, in minutes: 1 to 1,440 when break glass
    /// is allowed.
    pub emergency_limit_mins: u32,
    /// The longest access a request, approval or direct grant may give in
    /// the vault, in minutes; `None`: the workspace's maximum. At least 1 and
    /// at most the workspace's maximum; when the workspace's maximum is later
    /// lowered below it, the shorter still applies.
    pub max_grant_mins: Option<u32>,
    /// What the vault holds, at most [`MAX_DESCRIPTION_CHARS`] characters;
    /// those who may ask to join it read it.
    pub description: String,
    /// Whether non-members see the vault's name and description and may ask
    /// to join it (R-REQ-12).
    pub visible_to_non_members: bool,
}

impl VaultPolicy {
    /// The policy `vault` has.
    pub fn of(vault: &Vault) -> VaultPolicy {
        VaultPolicy {
            required_approvals: vault.required_approvals,
            break_glass_allowed: vault.break_glass_allowed,
            emergency_limit_mins: vault.emergency_limit_mins,
            max_grant_mins: vault.max_grant_mins,
            description: vault.description.clone(),
            visible_to_non_members: vault.visible_to_non_members,
        }
    }
}

/// How many different people could approve in a vault whose approvers are
/// `approvers`: its active approvers and the active administrators.
fn possible_approvers(ops: &mut Ops<'_>, approvers: &[UserId]) -> Result<usize, ServiceError> {
    let mut people: BTreeSet<UserId> = ops.tx.admins()?.into_iter().map(|u| u.id).collect();
    for &id in approvers {
        if ops
            .tx
            .user(id)?
            .is_some_and(|user| is_approver(&user, approvers))
        {
            people.insert(id);
        }
    }
    Ok(people.len())
}

/// "1 approval", "3 approvals".
fn approvals_phrase(n: u32) -> String {
    if n == 1 {
        "1 approval".to_owned()
    } else {
        format!("{n} approvals")
    }
}

/// "1 person", "3 people".
fn people_phrase(n: usize) -> String {
    if n == 1 {
        "1 person".to_owned()
    } else {
        format!("{n} people")
    }
}

fn member_json(user: &User) -> Value {
    json!({ "user_id": user.id.0, "username": user.username })
}

fn standing_json(ops: &mut Ops<'_>, grant: &StandingGrant) -> Result<Value, ServiceError> {
    Ok(json!({
        "user_id": grant.user_id.0,
        "vault_id": grant.vault_id.0,
        "folder_id": grant.folder_id.map(|f| f.0),
        "permission_set": ops.permission_set_name(grant.set_id)?,
        "origin_request_id": grant.origin.map(|o| o.request_id.0),
    }))
}

/// Ends `request` because its requester left the vault, and tells who needs
/// to know: the requester of a revoked grant (as a revocation does), the
/// approvers of a cancelled request (it is handled). The status it was left
/// in; `None` when nothing of it was live.
/// Ends what `request` still gives or asks for because `admin` withdrew
/// its requester's access (`why`): a revoked grant's requester is told; a
/// pending request's approvers see it handled. Shared by removing a member
/// and disabling a user.
pub(super) fn end_withdrawn_request(
    ops: &mut Ops<'_>,
    admin: &User,
    mut request: Request,
    why: request::Withdrawal,
) -> Result<Option<RequestStatus>, ServiceError> {
    let Some(status) = request::end_for_withdrawal(&mut request, why, admin.id, ops.now) else {
        return Ok(None);
    };
    ops.tx.update_request(&request)?;
    if status == RequestStatus::Revoked {
        // A permanent grant's standing permission ends with it (R-REQ-10), so
        // enabling the account again does not bring it back.
        super::requests::end_standing_of(ops, &request, admin.id)?;
    }
    if status == RequestStatus::Revoked && request.requester_id != admin.id {
        let facts = NotificationFacts::Revoked {
            names: NotificationNames {
                entry: ops.target_name(request.target)?,
                requester: ops.display_name(request.requester_id)?,
                permission_set: ops
                    .permission_set_name(request.effective_terms().permission_set_id)?,
            },
            by: admin.display_name.clone(),
            reason: request.closing_note.clone(),
        };
        ops.notify(&NewNotification {
            user_id: request.requester_id,
            request_id: request.id,
            facts,
        })?;
    } else if matches!(status, RequestStatus::Cancelled | RequestStatus::Lapsed) {
        let handling = Handling {
            outcome: HandledOutcome::Cancelled,
            by: admin.display_name.clone(),
            at: ops.now,
        };
        ops.tx
            .note_request_handled(request.id, admin.id, &handling)?;
    }
    Ok(Some(status))
}

pub(super) fn remove_member_op(
    ops: &mut Ops<'_>,
    admin: &User,
    vault: VaultId,
    user: UserId,
) -> Result<(), ServiceError> {
    let vault = ops.vault(vault)?;
    let member = ops.user(user)?;
    if !ops.is_member(vault.id, member.id)? {
        return Err(ServiceError::NotFound(format!(
            "{} is not a member of {}",
            member.display_name, vault.name
        )));
    }
    let was_approver = ops.tx.approvers(vault.id)?.contains(&member.id);
    ops.tx.remove_member(vault.id, member.id)?;

    let mut standing_removed = Vec::new();
    for grant in ops.tx.standing_grants(vault.id)? {
        if grant.user_id == member.id && ops.tx.remove_standing(&grant)? {
            standing_removed.push(standing_json(ops, &grant)?);
        }
    }

    // Invariant: nothing of the member's access to the vault outlives their
    // membership; what a grant gave ends at this instant, not at its end.
    let mut revoked = Vec::new();
    let mut cancelled = Vec::new();
    for request in ops.tx.open_requests_in_vault(member.id, vault.id)? {
        let id = request.id.0;
        match end_withdrawn_request(ops, admin, request, request::Withdrawal::MembershipRemoved)? {
            Some(RequestStatus::Revoked) => revoked.push(id),
            Some(_) => cancelled.push(id),
            None => {}
        }
    }

    let details = json!({
        "vault_id": vault.id.0,
        "vault": vault.name,
        "member": member_json(&member),
        "before": { "is_member": true, "is_approver": was_approver },
        "after": { "is_member": false, "is_approver": false },
        "standing_removed": standing_removed,
        "revoked": revoked,
        "cancelled": cancelled,
        "reason": request::MEMBERSHIP_REMOVED,
    });
    ops.audit(
        Some(admin.id),
        AuditAction::MemberRemoved,
        None,
        None,
        &details,
    )
}

pub(super) fn remove_approver_op(
    ops: &mut Ops<'_>,
    admin: &User,
    vault: VaultId,
    user: UserId,
) -> Result<(), ServiceError> {
    let vault = ops.vault(vault)?;
    let approver = ops.user(user)?;
    let approvers = ops.tx.approvers(vault.id)?;
    if !approvers.contains(&approver.id) {
        return Err(DomainError::invalid(
            Field::Approver,
            format!(
                "{} is not an approver of {}",
                approver.display_name, vault.name
            ),
        )
        .into());
    }
    let remaining: Vec<UserId> = approvers
        .iter()
        .copied()
        .filter(|id| *id != approver.id)
        .collect();
    let possible = possible_approvers(ops, &remaining)?;
    if possible < vault.required_approvals as usize {
        return Err(DomainError::invalid(
            Field::Approver,
            format!(
                "{} requires {} per request; without {} only {} could approve (its approvers and the administrators); lower the required approvals or add an approver first",
                vault.name,
                approvals_phrase(vault.required_approvals),
                approver.display_name,
                people_phrase(possible),
            ),
        )
        .into());
    }
    ops.tx.remove_approver(vault.id, approver.id)?;
    let details = json!({
        "vault_id": vault.id.0,
        "vault": vault.name,
        "member": member_json(&approver),
        "before": { "is_member": true, "is_approver": true },
        "after": { "is_member": true, "is_approver": false },
    });
    ops.audit(
        Some(admin.id),
        AuditAction::ApproverRemoved,
        None,
        None,
        &details,
    )
}

pub(super) fn remove_standing_op(
    ops: &mut Ops<'_>,
    admin: &User,
    grant: &StandingGrant,
) -> Result<(), ServiceError> {
    if !ops.tx.remove_standing(grant)? {
        return Err(ServiceError::NotFound(
            "this standing permission no longer exists".into(),
        ));
    }
    let details = json!({ "before": standing_json(ops, grant)?, "after": Value::Null });
    ops.audit(
        Some(admin.id),
        AuditAction::StandingRemoved,
        grant.origin.map(|o| o.request_id),
        grant.folder_id,
        &details,
    )?;
    // A permanent request's access was this permission: the request ends
    // with it, revoked by the administrator, so its requester's banner and
    // the requests window say so (R-REQ-10).
    if let Some(origin) = grant.origin {
        let request = ops.request(origin.request_id)?;
        if request.status == RequestStatus::Approved {
            end_for_removed_grant(ops, admin, request)?;
        }
    }
    Ok(())
}

/// Revokes the permanent request whose standing permission `admin` removed,
/// audited and told to its requester as a revocation.
fn end_for_removed_grant(
    ops: &mut Ops<'_>,
    admin: &User,
    request: Request,
) -> Result<(), ServiceError> {
    end_withdrawn_request(ops, admin, request, request::Withdrawal::StandingRemoved).map(drop)
}

/// Refuses `name` when another set (deleted ones included: their names stay
/// in the history of requests) is called that already.
fn check_set_name(
    ops: &mut Ops<'_>,
    errors: &mut FieldErrors,
    name: &str,
    except: Option<PermissionSetId>,
) -> Result<(), ServiceError> {
    if name.trim().is_empty() {
        errors.push(Field::Name, "enter a name for the permission set");
        return Ok(());
    }
    match ops.tx.permission_set_named(name)? {
        Some((other, _)) if Some(other.id) == except => {}
        Some((_, false)) => errors.push(
            Field::Name,
            format!("a permission set named “{}” exists already", name.trim()),
        ),
        Some((_, true)) => errors.push(
            Field::Name,
            format!(
                "a deleted permission set was named “{}” and past requests still show it; choose another name",
                name.trim()
            ),
        ),
        None => {}
    }
    Ok(())
}

/// Checks a permission set's name and permissions as an administrator typed them.
pub(super) fn check_set_form(
    ops: &mut Ops<'_>,
    name: &str,
    permissions: Permissions,
    except: Option<PermissionSetId>,
) -> Result<(), ServiceError> {
    let mut errors = FieldErrors::default();
    check_set_name(ops, &mut errors, name, except)?;
    if permissions.is_empty() {
        errors.push(Field::PermissionSet, "choose at least one permission");
    }
    Ok(errors.into_result()?)
}

pub(super) fn update_permission_set_op(
    ops: &mut Ops<'_>,
    admin: &User,
    id: PermissionSetId,
    name: &str,
    permissions: Permissions,
) -> Result<(), ServiceError> {
    let set = ops
        .permission_set(id)?
        .ok_or_else(|| ServiceError::NotFound(format!("permission set {id} does not exist")))?;
    if set.is_builtin {
        return Err(DomainError::NotPermitted("built-in sets cannot be changed".into()).into());
    }
    check_set_form(ops, name, permissions, Some(id))?;
    ops.tx.update_permission_set(id, name, permissions)?;
    let details = json!({
        "permission_set_id": id.0,
        "before": { "name": set.name, "permissions": set.permissions.to_string() },
        "after": { "name": name.trim(), "permissions": permissions.to_string() },
    });
    ops.audit(
        Some(admin.id),
        AuditAction::PermissionSetChanged,
        None,
        None,
        &details,
    )
}

pub(super) fn permission_set_uses_op(
    ops: &mut Ops<'_>,
    id: PermissionSetId,
) -> Result<SetUses, ServiceError> {
    if ops.permission_set(id)?.is_none() {
        return Err(ServiceError::NotFound(format!(
            "permission set {id} does not exist"
        )));
    }
    let standing_vaults = ops.tx.standing_vaults_of_set(id)?;
    let mut vaults = Vec::new();
    for vault in standing_vaults.iter().collect::<BTreeSet<_>>() {
        vaults.push(ops.vault(*vault)?.name);
    }
    vaults.sort_by_key(|name| name.to_lowercase());
    Ok(SetUses {
        standing: standing_vaults.len(),
        open_requests: ops.tx.open_requests_of_set(id, ops.now)?,
        vaults,
    })
}

/// "used by 3 standing permissions in Production, Staging and by 2 open requests".
fn uses_phrase(uses: &SetUses) -> String {
    let standing = match uses.standing {
        0 => None,
        1 => Some(format!(
            "1 standing permission in {}",
            uses.vaults.join(", ")
        )),
        n => Some(format!(
            "{n} standing permissions in {}",
            uses.vaults.join(", ")
        )),
    };
    let requests = match uses.open_requests {
        0 => None,
        1 => Some("1 open request".to_owned()),
        n => Some(format!("{n} open requests")),
    };
    match (standing, requests) {
        (Some(s), Some(r)) => format!("used by {s} and by {r}"),
        (Some(one), None) | (None, Some(one)) => format!("used by {one}"),
        (None, None) => "not used".to_owned(),
    }
}

pub(super) fn delete_permission_set_op(
    ops: &mut Ops<'_>,
    admin: &User,
    id: PermissionSetId,
) -> Result<(), ServiceError> {
    let set = ops
        .permission_set(id)?
        .ok_or_else(|| ServiceError::NotFound(format!("permission set {id} does not exist")))?;
    if set.is_builtin {
        return Err(DomainError::NotPermitted("built-in sets cannot be deleted".into()).into());
    }
    let uses = permission_set_uses_op(ops, id)?;
    if !uses.is_unused() {
        return Err(DomainError::NotPermitted(format!(
            "“{}” cannot be deleted: it is {}; remove those uses first",
            set.name,
            uses_phrase(&uses)
        ))
        .into());
    }
    ops.tx.delete_permission_set(id, ops.now)?;
    let details = json!({
        "permission_set_id": id.0,
        "before": { "name": set.name, "permissions": set.permissions.to_string() },
        "after": Value::Null,
    });
    ops.audit(
        Some(admin.id),
        AuditAction::PermissionSetDeleted,
        None,
        None,
        &details,
    )
}

/// Checks `policy` for `vault` (every message at once, on `Field::Workspace`).
fn check_policy(
    ops: &mut Ops<'_>,
    vault: &Vault,
    policy: &VaultPolicy,
) -> Result<(), ServiceError> {
    let mut errors = FieldErrors::default();
    let required = policy.required_approvals;
    if !(1..=MAX_REQUIRED_APPROVALS).contains(&required) {
        errors.push(
            Field::Workspace,
            format!("a vault requires from 1 to {MAX_REQUIRED_APPROVALS} approvals per request"),
        );
    } else if required != vault.required_approvals {
        // Checked when the number changes: approvers leaving later are
        // checked by `remove_approver`.
        let approvers = ops.tx.approvers(vault.id)?;
        let possible = possible_approvers(ops, &approvers)?;
        if required as usize > possible {
            errors.push(
                Field::Workspace,
                format!(
                    "only {} can approve requests in {} (its approvers and the administrators), fewer than the {} asked for; add approvers first",
                    people_phrase(possible),
                    vault.name,
                    approvals_phrase(required),
                ),
            );
        }
    }
    if policy.break_glass_allowed
        && !(1..=MAX_EMERGENCY_LIMIT_MINS).contains(&policy.emergency_limit_mins)
    {
        errors.push(
            Field::Workspace,
            "emergency access lasts from 1 minute to 1 day",
        );
    }
    if let Some(mins) = policy.max_grant_mins {
        let workspace_max = ops.settings()?.max_length_mins;
        if mins == 0 {
            errors.push(
                Field::Workspace,
                "the vault's maximum access must be longer than zero",
            );
        } else if mins > workspace_max {
            errors.push(
                Field::Workspace,
                format!(
                    "the vault's maximum access cannot exceed the workspace's maximum of {}",
                    Span::human_mins(workspace_max)
                ),
            );
        }
    }
    let description = policy.description.trim().chars().count();
    if description > MAX_DESCRIPTION_CHARS {
        errors.push(
            Field::Workspace,
            format!(
                "the description has {description} characters; keep it to {MAX_DESCRIPTION_CHARS}"
            ),
        );
    }
    Ok(errors.into_result()?)
}

pub(super) fn set_vault_policy_op(
    ops: &mut Ops<'_>,
    admin: &User,
    vault: VaultId,
    policy: &VaultPolicy,
) -> Result<(), ServiceError> {
    let vault = ops.vault(vault)?;
    let before = VaultPolicy::of(&vault);
    let policy = &VaultPolicy {
        description: policy.description.trim().to_owned(),
        ..policy.clone()
    };
    if before == *policy {
        return Ok(());
    }
    check_policy(ops, &vault, policy)?;
    let changed = Vault {
        required_approvals: policy.required_approvals,
        break_glass_allowed: policy.break_glass_allowed,
        emergency_limit_mins: policy.emergency_limit_mins,
        max_grant_mins: policy.max_grant_mins,
        description: policy.description.clone(),
        visible_to_non_members: policy.visible_to_non_members,
        ..vault.clone()
    };
    ops.tx.update_vault_policy(&changed)?;
    let details = json!({
        "vault_id": vault.id.0,
        "vault": vault.name,
        "before": before,
        "after": policy,
    });
    ops.audit(
        Some(admin.id),
        AuditAction::VaultPolicyChanged,
        None,
        None,
        &details,
    )
}

impl Workspace {
    /// The members of `vault`, by user id, each with whether they approve
    /// there (administrators only). Administrators who are not members are
    /// not listed, though they approve everywhere.
    pub fn vault_members(
        &mut self,
        session: &Session,
        vault: VaultId,
        now: Timestamp,
    ) -> Result<Vec<VaultMember>, ServiceError> {
        self.read(now, |ops| {
            ops.current_admin(session)?;
            let vault = ops.vault(vault)?;
            let approvers = ops.tx.approvers(vault.id)?;
            let mut members: Vec<VaultMember> = ops
                .tx
                .members(vault.id)?
                .into_iter()
                .map(|user_id| VaultMember {
                    user_id,
                    is_approver: approvers.contains(&user_id),
                    joined_until: None,
                })
                .collect();
            // Those in the vault for a while through a request to join.
            for join in ops.tx.joins_in_vault(vault.id)? {
                let in_force = !join.is_permanent() && join.phase(now) == Phase::Active;
                if in_force && !members.iter().any(|m| m.user_id == join.requester_id) {
                    members.push(VaultMember {
                        user_id: join.requester_id,
                        is_approver: false,
                        joined_until: join.effective_end_at(),
                    });
                }
            }
            Ok(members)
        })
    }

    /// Removes `user` from `vault` (administrators only): they stop being a
    /// member and an approver there, their standing permissions in the vault
    /// are removed, their grants in force there end at this instant (revoked,
    /// closing note "membership removed", the requester notified) and their
    /// pending requests there are cancelled, all in one transaction with one
    /// `member_removed` audit event listing what ended.
    ///
    /// A pending request is *cancelled*, not lapsed or denied: it was
    /// withdrawn at an instant by someone (the administrator, recorded as
    /// who ended it) rather than ended by time, and no approver judged it.
    ///
    /// Never refused for the vault's quorum: taking someone's access away
    /// must not wait for approvers to be found (`remove_approver`, which
    /// leaves access as it is, is refused instead). An administrator's own
    /// access does not come from membership: for one, this changes the
    /// list and nothing of what they can do.
    pub fn remove_member(
        &mut self,
        session: &Session,
        vault: VaultId,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            remove_member_op(ops, &admin, vault, user)
        })
    }

    /// Makes `user` no longer an approver of `vault`; they stay a member
    /// (administrators only). Refused on `Field::Approver` when the vault
    /// would be left with fewer people able to approve (its active approvers
    /// and the active administrators) than its required approvals.
    ///
    /// Pending requests that named this approver stay pending: the named
    /// approver is only who is notified first, and any eligible approver
    /// (`domain::vault::is_approver`) may decide them. An approval they gave
    /// toward a quorum stays on the request as history but no longer counts
    /// (`domain::request::approve`).
    pub fn remove_approver(
        &mut self,
        session: &Session,
        vault: VaultId,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            remove_approver_op(ops, &admin, vault, user)
        })
    }

    /// Every standing permission in `vault`, oldest first (administrators only).
    pub fn standing_grants(
        &mut self,
        session: &Session,
        vault: VaultId,
        now: Timestamp,
    ) -> Result<Vec<StandingGrant>, ServiceError> {
        self.read(now, |ops| {
            ops.current_admin(session)?;
            let vault = ops.vault(vault)?;
            Ok(ops.tx.standing_grants(vault.id)?)
        })
    }

    /// Removes exactly one standing permission like `grant` (administrators
    /// only); `NotFound` when there is none. The holder stays a member.
    pub fn remove_standing(
        &mut self,
        session: &Session,
        grant: &StandingGrant,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            remove_standing_op(ops, &admin, grant)
        })
    }

    /// Renames a permission set and replaces its permissions (administrators
    /// only). Built-in sets are refused; the name is required and unique
    /// (any case), and at least one permission is needed.
    ///
    /// Requests keep the *id* of the set they asked for and were granted
    /// (`requested_set_id`, `authorized_set_id`), not its permissions, and
    /// access is worked out from the set as it is at each action: a change
    /// applies at once to standing permissions, pending requests and grants
    /// already approved alike.
    pub fn update_permission_set(
        &mut self,
        session: &Session,
        id: PermissionSetId,
        name: &str,
        permissions: Permissions,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            update_permission_set_op(ops, &admin, id, name, permissions)
        })
    }

    /// Where a permission set is used at `now` (administrators only).
    pub fn permission_set_uses(
        &mut self,
        session: &Session,
        id: PermissionSetId,
        now: Timestamp,
    ) -> Result<SetUses, ServiceError> {
        self.read(now, |ops| {
            ops.current_admin(session)?;
            permission_set_uses_op(ops, id)
        })
    }

    /// Deletes a permission set nobody uses (administrators only). Built-in
    /// sets are refused, and so is a set given by any standing permission or
    /// asked for or granted by a request pending or in force, with a message
    /// that says where. The set leaves every list; past requests keep its name.
    pub fn delete_permission_set(
        &mut self,
        session: &Session,
        id: PermissionSetId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            delete_permission_set_op(ops, &admin, id)
        })
    }

    /// `vault`'s policy (administrators only).
    pub fn vault_policy(
        &mut self,
        session: &Session,
        vault: VaultId,
        now: Timestamp,
    ) -> Result<VaultPolicy, ServiceError> {
        self.read(now, |ops| {
            ops.current_admin(session)?;
            Ok(VaultPolicy::of(&ops.vault(vault)?))
        })
    }

    /// Replaces `vault`'s policy (administrators only), checked as
    /// [`VaultPolicy`] says, every message on `Field::Workspace`; audited
    /// with before and after. A policy equal to the current one writes
    /// nothing. Grants already approved keep their window; the new maximum
    /// applies to requests, approvals and direct grants from now on.
    pub fn set_vault_policy(
        &mut self,
        session: &Session,
        vault: VaultId,
        policy: &VaultPolicy,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| {
            let admin = ops.current_admin(session)?;
            set_vault_policy_op(ops, &admin, vault, policy)
        })
    }
}
