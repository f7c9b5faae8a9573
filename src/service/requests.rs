//! The request lifecycle (docs/requirements.md §2–§3, R-ADM-3, R-BEY-1…5): each use case
//! loads the request and the people involved, applies the domain rule at
//! `now`, and stores the change with its audit event and notifications.

use super::auth::Session;
use super::ops::Ops;
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::entry::EntryKind;
use crate::domain::notification::{
    HandledOutcome, Handling, NewNotification, NotificationFacts, NotificationNames, NotifiedWindow,
};
use crate::domain::permission::{StandingGrant, StandingOrigin};
use crate::domain::request::{
    self, AccessWindow, ApprovalInput, ApprovalOutcome, MaxLength, NewRequest, Request,
    RequestContext, RequestKind, Target, Terms,
};
use crate::domain::user::User;
use crate::domain::{
    DomainError, EntryId, Field, PermissionSetId, RequestId, Span, Timestamp, UserId,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// What a requester fills in to take emergency access (R-BEY-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassInput {
    /// The entry.
    pub entry_id: EntryId,
    /// The permission set.
    pub permission_set_id: PermissionSetId,
    /// How long, in minutes (at most the vault's emergency limit).
    pub duration_mins: u32,
    /// Why (mandatory).
    pub reason: String,
}

/// The names a notification about `request` mentions, as they are now.
fn names_of(ops: &mut Ops<'_>, request: &Request) -> Result<NotificationNames, ServiceError> {
    Ok(NotificationNames {
        entry: ops.target_name(request.target)?,
        requester: ops.display_name(request.requester_id)?,
        permission_set: ops.permission_set_name(request.effective_terms().permission_set_id)?,
    })
}

pub(super) fn window_json(window: AccessWindow) -> Value {
    match window {
        AccessWindow::Duration { mins } => json!({ "duration_mins": mins }),
        AccessWindow::Custom { start_at, end_at } => {
            json!({ "start_ms": start_at.millis(), "end_ms": end_at.millis() })
        }
        AccessWindow::Permanent => json!({ "permanent": true }),
    }
}

fn terms_json(ops: &mut Ops<'_>, terms: Terms) -> Result<Value, ServiceError> {
    Ok(
        json!({ "permission_set": ops.permission_set_name(terms.permission_set_id)?, "window": window_json(terms.window) }),
    )
}

fn grant_json(request: &Request) -> Value {
    json!({
        "start_ms": request.grant_start_at.map(Timestamp::millis),
        "end_ms": request.grant_end_at.map(Timestamp::millis),
        "claim_by_ms": request.claim_by_at.map(Timestamp::millis),
    })
}

fn send(
    ops: &mut Ops<'_>,
    to: UserId,
    request: RequestId,
    facts: NotificationFacts,
) -> Result<(), ServiceError> {
    ops.notify(&NewNotification {
        user_id: to,
        request_id: request,
        facts,
    })
}

/// Notes on the other recipients' notifications about `request` that `by`
/// handled it now (R-BEY-7).
fn note_handled(
    ops: &mut Ops<'_>,
    request: RequestId,
    by: &User,
    outcome: HandledOutcome,
) -> Result<(), ServiceError> {
    let handling = Handling {
        outcome,
        by: by.display_name.clone(),
        at: ops.now,
    };
    Ok(ops.tx.note_request_handled(request, by.id, &handling)?)
}

/// The chosen approver and every active administrator, never the requester.
fn submission_recipients(
    ops: &mut Ops<'_>,
    request: &Request,
    all_vault_approvers: bool,
) -> Result<BTreeSet<UserId>, ServiceError> {
    let mut to: BTreeSet<UserId> = ops.tx.admins()?.into_iter().map(|u| u.id).collect();
    if all_vault_approvers {
        to.extend(ops.tx.approvers(request.vault_id)?);
    }
    to.extend(request.approver_id);
    to.remove(&request.requester_id);
    Ok(to)
}

pub(super) fn request_access_op(
    ops: &mut Ops<'_>,
    session: &Session,
    draft: &NewRequest,
) -> Result<RequestId, ServiceError> {
    let now = ops.now;
    let requester = ops.current_user(session)?;
    let settings = ops.settings()?;
    // An entry that is a folder is asked for with everything below it (R-REQ-11).
    let (target, vault_id) = match draft.target {
        Target::Entry(id) | Target::Folder(id) => {
            let entry = ops.entry(id)?;
            let target = if entry.kind == EntryKind::Folder {
                Target::Folder(id)
            } else {
                Target::Entry(id)
            };
            (target, entry.vault_id)
        }
        Target::Vault(id) | Target::Join(id) => (draft.target, ops.vault(id)?.id),
    };
    if let Some(original_id) = draft.extends_request_id {
        let original = ops.request(original_id)?;
        request::check_extension_target(&original, requester.id, target, now)?;
    }
    let is_member = ops.is_member(vault_id, requester.id)?;
    let vault_approvers = ops.tx.approvers(vault_id)?;
    let approver = match draft.approver_id {
        Some(id) => ops.tx.user(id)?,
        None => None,
    };
    let permission_set = ops.permission_set(draft.terms.permission_set_id)?;
    let has_same_pending =
        ops.tx
            .has_pending(requester.id, target, draft.terms.permission_set_id, now)?;
    let vault = ops.vault(vault_id)?;
    let context = RequestContext {
        settings: &settings,
        requester: &requester,
        is_member,
        vault_takes_joins: vault.visible_to_non_members,
        max_length: MaxLength::of(&settings, &vault),
        permission_set: permission_set.as_ref(),
        approver: approver.as_ref(),
        vault_approvers: &vault_approvers,
        has_same_pending,
        now,
    };
    request::validate_new_request(&context, draft)?;

    let mut request = Request::new_pending(requester.id, target, vault_id, draft, &settings, now);
    // An entry's grant covers it and its dependencies, listed now; a folder
    // or vault grant covers what is below it at each check.
    let mut covered = Vec::new();
    if let Target::Entry(entry) = target {
        covered.push(entry);
        covered.extend(
            ops.tx
                .dependencies(entry)?
                .into_iter()
                .map(|d| d.depends_on),
        );
    }
    request.id = ops.tx.insert_request(&request, &covered)?;

    let action = if draft.extends_request_id.is_some() {
        AuditAction::ExtensionRequested
    } else {
        AuditAction::Requested
    };
    let details = json!({
        "requested": terms_json(ops, request.requested)?,
        "approver_id": request.approver_id.map(|a| a.0),
        "message": request.message,
        "start_on_first_use": request.start_on_first_use,
        "extends_request_id": request.extends_request_id.map(|r| r.0),
        "target": target.kind_str(),
        "vault_id": vault_id.0,
        "covers": covered.iter().map(|e| e.0).collect::<Vec<_>>(),
    });
    ops.audit(
        Some(requester.id),
        action,
        Some(request.id),
        target.entry_id(),
        &details,
    )?;

    let facts = NotificationFacts::RequestSubmitted {
        names: names_of(ops, &request)?,
        window: request.requested.window,
        message: request.message.clone(),
    };
    for to in submission_recipients(ops, &request, false)? {
        send(ops, to, request.id, facts.clone())?;
    }
    Ok(request.id)
}

/// Where an extension of `original` starts (R-REQ-9), as
/// [`request::extension_start_at`] finds it among the grant's other extensions.
fn chain_end(
    ops: &mut Ops<'_>,
    original: RequestId,
    except: RequestId,
) -> Result<Option<Timestamp>, ServiceError> {
    let first = ops.request(original)?;
    let mut others = ops.tx.extensions_of(original)?;
    others.retain(|extension| extension.id != except);
    Ok(request::extension_start_at(&first, &others, ops.now)?)
}

/// Ends the live extensions of a grant that was revoked or released, and
/// theirs in turn: "access is gone at once" (R-REQ-7, R-BEY-3).
fn end_extensions(ops: &mut Ops<'_>, ended: RequestId, by: UserId) -> Result<(), ServiceError> {
    let now = ops.now;
    let mut pending = vec![ended];
    while let Some(id) = pending.pop() {
        for mut extension in ops.tx.extensions_of(id)? {
            if !request::end_with_extended(&mut extension, id, by, now) {
                continue;
            }
            ops.tx.update_request(&extension)?;
            let details =
                json!({ "grant": grant_json(&extension), "reason": extension.closing_note });
            ops.audit(
                Some(by),
                AuditAction::Revoked,
                Some(extension.id),
                extension.entry_id(),
                &details,
            )?;
            pending.push(extension.id);
        }
    }
    Ok(())
}

pub(super) fn approve_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: RequestId,
    input: &ApprovalInput,
) -> Result<ApprovalOutcome, ServiceError> {
    let now = ops.now;
    let approver = ops.current_user(session)?;
    let mut request = ops.request(id)?;
    let vault_approvers = ops.tx.approvers(request.vault_id)?;
    let names = ops.names_for(&request)?;
    request::check_can_decide(&request, &approver, &vault_approvers, now, &|u| {
        names.get(&u).cloned().unwrap_or_default()
    })?;
    let vault = ops.vault(request.vault_id)?;
    let settings = ops.settings()?;
    if let Some(terms) = input.terms
        && ops.permission_set(terms.permission_set_id)?.is_none()
    {
        return Err(DomainError::invalid(Field::PermissionSet, "choose a permission set").into());
    }
    let requester = ops.user(request.requester_id)?;
    request::check_requester_active(&requester)?;
    let extended_end_at = match request.extends_request_id {
        Some(original) => chain_end(ops, original, request.id)?,
        None => None,
    };
    // R-BEY-4: earlier approvals count only if their approver is still an
    // active approver of the vault (or administrator) at this moment.
    let mut not_counted = Vec::new();
    for earlier in &request.approvals {
        let still = ops
            .tx
            .user(earlier.approver_id)?
            .is_some_and(|u| crate::domain::vault::is_approver(&u, &vault_approvers));
        if !still {
            not_counted.push(earlier.approver_id);
        }
    }
    let quorum = request::Quorum {
        required: vault.required_approvals,
        counts: &|u| !not_counted.contains(&u),
        name_of: &|u| names.get(&u).cloned().unwrap_or_default(),
    };
    let outcome = request::approve(
        &mut request,
        approver.id,
        input,
        &quorum,
        &settings,
        MaxLength::of(&settings, &vault),
        extended_end_at,
        now,
    )?;
    ops.tx.update_request(&request)?;
    let not_counted: Vec<i64> = not_counted.iter().map(|u| u.0).collect();

    let authorized = request.effective_terms();
    match outcome {
        ApprovalOutcome::Recorded {
            approvals,
            required,
        } => {
            let details = json!({ "approvals": approvals, "required": required, "not_counted": not_counted, "authorized": terms_json(ops, authorized)?, "message": input.message.trim() });
            ops.audit(
                Some(approver.id),
                AuditAction::ApprovalRecorded,
                Some(id),
                request.entry_id(),
                &details,
            )?;
        }
        ApprovalOutcome::Granted => {
            make_standing_if_permanent(ops, &request, approver.id)?;
            let modified = request.is_modified();
            let action = if modified {
                AuditAction::ApprovedWithModifications
            } else {
                AuditAction::Approved
            };
            let mut details = json!({
                "requested": terms_json(ops, request.requested)?,
                "authorized": terms_json(ops, authorized)?,
                "grant": grant_json(&request),
                "message": request.decision_message,
            });
            if !not_counted.is_empty() {
                details["not_counted"] = json!(not_counted);
            }
            ops.audit(
                Some(approver.id),
                action,
                Some(id),
                request.entry_id(),
                &details,
            )?;
            let facts = NotificationFacts::Approved {
                names: names_of(ops, &request)?,
                approver: approver.display_name.clone(),
                modified,
                window: NotifiedWindow::of_grant(&request),
                message: request.decision_message.clone(),
            };
            send(ops, request.requester_id, id, facts)?;
            note_handled(ops, id, &approver, HandledOutcome::Approved)?;
        }
    }
    Ok(outcome)
}

pub(super) fn deny_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: RequestId,
    message: &str,
) -> Result<(), ServiceError> {
    let now = ops.now;
    let approver = ops.current_user(session)?;
    let mut request = ops.request(id)?;
    let vault_approvers = ops.tx.approvers(request.vault_id)?;
    let names = ops.names_for(&request)?;
    request::check_can_deny(&request, &approver, &vault_approvers, now, &|u| {
        names.get(&u).cloned().unwrap_or_default()
    })?;
    request::deny(&mut request, approver.id, message, now)?;
    ops.tx.update_request(&request)?;
    ops.audit(
        Some(approver.id),
        AuditAction::Denied,
        Some(id),
        request.entry_id(),
        &json!({ "message": request.decision_message }),
    )?;
    let facts = NotificationFacts::Denied {
        names: names_of(ops, &request)?,
        approver: approver.display_name.clone(),
        reason: request.decision_message.clone(),
    };
    send(ops, request.requester_id, id, facts)?;
    note_handled(ops, id, &approver, HandledOutcome::Denied)?;
    Ok(())
}

pub(super) fn cancel_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: RequestId,
) -> Result<(), ServiceError> {
    let now = ops.now;
    let user = ops.current_user(session)?;
    let mut request = ops.request(id)?;
    let names = ops.names_for(&request)?;
    request::cancel(&mut request, &user, now, &|u| {
        names.get(&u).cloned().unwrap_or_default()
    })?;
    ops.tx.update_request(&request)?;
    ops.audit(
        Some(user.id),
        AuditAction::Cancelled,
        Some(id),
        request.entry_id(),
        &json!({}),
    )?;
    note_handled(ops, id, &user, HandledOutcome::Cancelled)?;
    Ok(())
}

pub(super) fn revoke_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: RequestId,
    reason: &str,
) -> Result<(), ServiceError> {
    let now = ops.now;
    let user = ops.current_user(session)?;
    let mut request = ops.request(id)?;
    let vault_approvers = ops.tx.approvers(request.vault_id)?;
    let phase_before = request.phase(now);
    request::revoke(&mut request, &user, &vault_approvers, reason, now)?;
    ops.tx.update_request(&request)?;
    end_extensions(ops, id, user.id)?;
    end_standing_of(ops, &request, user.id)?;
    let details = json!({ "phase_before": phase_before.label(), "grant": grant_json(&request), "reason": request.closing_note });
    ops.audit(
        Some(user.id),
        AuditAction::Revoked,
        Some(id),
        request.entry_id(),
        &details,
    )?;
    if user.id != request.requester_id {
        let facts = NotificationFacts::Revoked {
            names: names_of(ops, &request)?,
            by: user.display_name.clone(),
            reason: request.closing_note.clone(),
        };
        send(ops, request.requester_id, id, facts)?;
    }
    Ok(())
}

pub(super) fn release_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: RequestId,
    note: &str,
) -> Result<(), ServiceError> {
    let now = ops.now;
    let user = ops.current_user(session)?;
    let mut request = ops.request(id)?;
    request::release(&mut request, &user, note, now)?;
    ops.tx.update_request(&request)?;
    end_extensions(ops, id, user.id)?;
    end_standing_of(ops, &request, user.id)?;
    let details = json!({ "grant": grant_json(&request), "closing_note": request.closing_note });
    ops.audit(
        Some(user.id),
        AuditAction::Released,
        Some(id),
        request.entry_id(),
        &details,
    )
}

/// Turns an approved permanent request (any other is left alone) into the
/// standing permission that gives its access from now on (R-REQ-10): the
/// requester's, on the entry or folder asked for (the vault's top for a
/// vault), with the authorized set, remembering the request, who completed
/// its approval and when. Audited as any standing permission given.
fn make_standing_if_permanent(
    ops: &mut Ops<'_>,
    request: &Request,
    approver: UserId,
) -> Result<(), ServiceError> {
    if !request.is_permanent() {
        return Ok(());
    }
    let grant = StandingGrant {
        user_id: request.requester_id,
        vault_id: request.vault_id,
        folder_id: request.entry_id(),
        set_id: request.effective_terms().permission_set_id,
        origin: Some(StandingOrigin {
            request_id: request.id,
            approved_by: approver,
            approved_at: ops.now,
        }),
    };
    ops.tx.insert_standing_grant(&grant)?;
    let details = json!({
        "change": "standing_added",
        "user_id": grant.user_id.0,
        "vault_id": grant.vault_id.0,
        "folder_id": grant.folder_id.map(|f| f.0),
        "permission_set": ops.permission_set_name(grant.set_id)?,
        "origin_request_id": request.id.0,
    });
    ops.audit(
        Some(approver),
        AuditAction::PermissionChanged,
        Some(request.id),
        grant.folder_id,
        &details,
    )?;
    // Joining for good makes a stored member who remembers the request
    // (R-REQ-12); they stay one until removed or the request is revoked.
    if request.target.is_join() && !ops.tx.is_member(request.vault_id, request.requester_id)? {
        ops.tx
            .add_member_from(request.vault_id, request.requester_id, request.id)?;
        let details = json!({
            "change": "member_added",
            "vault_id": request.vault_id.0,
            "user_id": request.requester_id.0,
            "origin_request_id": request.id.0,
        });
        ops.audit(
            Some(approver),
            AuditAction::PermissionChanged,
            Some(request.id),
            None,
            &details,
        )?;
    }
    Ok(())
}

/// Removes the standing permission a permanent request became, when the
/// request is revoked or released: its access ends with it (R-REQ-10).
pub(super) fn end_standing_of(
    ops: &mut Ops<'_>,
    request: &Request,
    by: UserId,
) -> Result<(), ServiceError> {
    if !request.is_permanent() {
        return Ok(());
    }
    if let Some(grant) = ops.tx.standing_from_request(request.id)? {
        ops.tx.remove_standing(&grant)?;
        let details = json!({
            "before": { "user_id": grant.user_id.0, "vault_id": grant.vault_id.0, "folder_id": grant.folder_id.map(|f| f.0), "permission_set": ops.permission_set_name(grant.set_id)?, "origin_request_id": request.id.0 },
            "after": Value::Null,
        });
        ops.audit(
            Some(by),
            AuditAction::StandingRemoved,
            Some(request.id),
            grant.folder_id,
            &details,
        )?;
    }
    // The membership a permanent request to join gave ends with it (R-REQ-12).
    if request.target.is_join() && ops.tx.remove_member_from(request.id)? {
        let vault = ops.vault(request.vault_id)?;
        let details = json!({
            "vault_id": vault.id.0,
            "vault": vault.name,
            "user_id": request.requester_id.0,
            "before": { "is_member": true },
            "after": { "is_member": false },
            "origin_request_id": request.id.0,
            "reason": request.status.as_str(),
        });
        ops.audit(
            Some(by),
            AuditAction::MemberRemoved,
            Some(request.id),
            None,
            &details,
        )?;
    }
    Ok(())
}

/// Creates a request that is approved on the spot (direct grant, break glass).
fn immediate_grant(
    ops: &mut Ops<'_>,
    requester: UserId,
    granted_by: UserId,
    entry_id: EntryId,
    terms: Terms,
    message: &str,
    kind: RequestKind,
) -> Result<Request, ServiceError> {
    let now = ops.now;
    let settings = ops.settings()?;
    let entry = ops.entry(entry_id)?;
    let draft = NewRequest {
        target: Target::Entry(entry_id),
        terms,
        approver_id: Some(granted_by),
        message: message.to_owned(),
        start_on_first_use: false,
        extends_request_id: None,
    };
    let mut request = Request::new_pending(
        requester,
        Target::Entry(entry.id),
        entry.vault_id,
        &draft,
        &settings,
        now,
    );
    request.kind = kind;
    let input = ApprovalInput {
        terms: None,
        message: message.to_owned(),
    };
    // Break glass is bounded by the vault's emergency limit instead
    // (R-BEY-5); a direct grant by the vault's maximum (R-ADM-7).
    let vault = ops.vault(entry.vault_id)?;
    let max_length = if kind == RequestKind::BreakGlass {
        MaxLength::workspace(&settings)
    } else {
        MaxLength::of(&settings, &vault)
    };
    request::approve(
        &mut request,
        granted_by,
        &input,
        &request::Quorum::single(),
        &settings,
        max_length,
        None,
        now,
    )?;
    request.needs_review = kind == RequestKind::BreakGlass;
    let mut covered = vec![entry.id];
    covered.extend(
        ops.tx
            .dependencies(entry.id)?
            .into_iter()
            .map(|d| d.depends_on),
    );
    request.id = ops.tx.insert_request(&request, &covered)?;
    Ok(request)
}

pub(super) fn direct_grant_op(
    ops: &mut Ops<'_>,
    session: &Session,
    user: UserId,
    entry_id: EntryId,
    terms: Terms,
    message: &str,
) -> Result<RequestId, ServiceError> {
    let now = ops.now;
    let admin = ops.current_admin(session)?;
    let grantee = ops.user(user)?;
    let entry = ops.entry(entry_id)?;
    let is_member = ops.is_member(entry.vault_id, grantee.id)?;
    request::check_direct_grantee(&grantee, admin.id, is_member)?;
    if ops.permission_set(terms.permission_set_id)?.is_none() {
        return Err(DomainError::invalid(Field::PermissionSet, "choose a permission set").into());
    }
    let settings = ops.settings()?;
    let vault = ops.vault(entry.vault_id)?;
    request::validate_direct_grant(
        terms.window,
        &settings,
        MaxLength::of(&settings, &vault),
        message,
        now,
    )?;
    let request = immediate_grant(
        ops,
        grantee.id,
        admin.id,
        entry_id,
        terms,
        message,
        RequestKind::DirectGrant,
    )?;
    let details = json!({ "user_id": grantee.id.0, "authorized": terms_json(ops, terms)?, "grant": grant_json(&request), "message": request.decision_message });
    ops.audit(
        Some(admin.id),
        AuditAction::DirectGrant,
        Some(request.id),
        Some(entry_id),
        &details,
    )?;
    let facts = NotificationFacts::DirectGrant {
        names: names_of(ops, &request)?,
        admin: admin.display_name.clone(),
        window: NotifiedWindow::of_grant(&request),
        message: request.decision_message.clone(),
    };
    send(ops, grantee.id, request.id, facts)?;
    Ok(request.id)
}

/// When `user` took an emergency grant that is still waiting for review and
/// that chains with a new one on `entry`: the earlier grant covers `entry`
/// (as the entry asked for or as one of its dependencies), or the new grant
/// would cover the earlier one's entry. The earliest such, if any (R-BEY-5).
/// Two emergencies on different servers that merely share a dependency (the
/// VPN) do not chain: neither extends the other's entry.
fn earlier_unreviewed_emergency(
    ops: &mut Ops<'_>,
    user: UserId,
    entry: EntryId,
) -> Result<Option<Timestamp>, ServiceError> {
    let mut covered: BTreeSet<EntryId> = BTreeSet::from([entry]);
    covered.extend(
        ops.tx
            .dependencies(entry)?
            .into_iter()
            .map(|d| d.depends_on),
    );
    let mut earliest: Option<Timestamp> = None;
    for earlier in ops.tx.grants_needing_review()? {
        if earlier.requester_id != user || earlier.kind != RequestKind::BreakGlass {
            continue;
        }
        let chains = earlier.entry_id().is_some_and(|e| covered.contains(&e))
            || ops.tx.covered_entries(earlier.id)?.contains(&entry);
        if chains {
            let at = earlier.created_at;
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        }
    }
    Ok(earliest)
}

pub(super) fn break_glass_op(
    ops: &mut Ops<'_>,
    session: &Session,
    input: &BreakGlassInput,
) -> Result<RequestId, ServiceError> {
    let user = ops.current_user(session)?;
    let entry = ops.entry(input.entry_id)?;
    let vault = ops
        .tx
        .vault(entry.vault_id)?
        .ok_or_else(|| ServiceError::NotFound("the vault no longer exists".into()))?;
    let is_member = ops.is_member(vault.id, user.id)?;
    if ops.permission_set(input.permission_set_id)?.is_none() {
        return Err(DomainError::invalid(Field::PermissionSet, "choose a permission set").into());
    }
    let settings = ops.settings()?;
    request::validate_break_glass(
        vault.break_glass_allowed,
        vault.emergency_limit_mins,
        &entry,
        is_member,
        input.duration_mins,
        &input.reason,
    )?;
    let unreviewed_since = earlier_unreviewed_emergency(ops, user.id, entry.id)?;
    request::check_break_glass_limits(&settings, unreviewed_since)?;
    let terms = Terms {
        permission_set_id: input.permission_set_id,
        window: AccessWindow::Duration {
            mins: input.duration_mins,
        },
    };
    let request = immediate_grant(
        ops,
        user.id,
        user.id,
        entry.id,
        terms,
        input.reason.trim(),
        RequestKind::BreakGlass,
    )?;
    let details = json!({ "authorized": terms_json(ops, terms)?, "grant": grant_json(&request), "reason": input.reason.trim() });
    ops.audit(
        Some(user.id),
        AuditAction::BreakGlass,
        Some(request.id),
        Some(entry.id),
        &details,
    )?;
    let facts = NotificationFacts::BreakGlassUsed {
        names: names_of(ops, &request)?,
        length: Span::mins(i64::from(input.duration_mins)),
        reason: input.reason.trim().to_owned(),
    };
    for to in submission_recipients(ops, &request, true)? {
        send(ops, to, request.id, facts.clone())?;
    }
    Ok(request.id)
}

pub(super) fn mark_reviewed_op(
    ops: &mut Ops<'_>,
    session: &Session,
    id: RequestId,
) -> Result<(), ServiceError> {
    let now = ops.now;
    let reviewer = ops.current_user(session)?;
    let mut request = ops.request(id)?;
    let vault_approvers = ops.tx.approvers(request.vault_id)?;
    let reviewed_by = match request.reviewed_by {
        Some(by) => ops.display_name(by)?,
        None => String::new(),
    };
    request::mark_reviewed(&mut request, &reviewer, &vault_approvers, now, &|_| {
        reviewed_by.clone()
    })?;
    ops.tx.update_request(&request)?;
    ops.audit(
        Some(reviewer.id),
        AuditAction::Reviewed,
        Some(id),
        request.entry_id(),
        &json!({}),
    )
}

impl Workspace {
    /// Asks for temporary access (R-REQ-3, R-REQ-4), or for an extension (R-REQ-9).
    pub fn request_access(
        &mut self,
        session: &Session,
        draft: &NewRequest,
        now: Timestamp,
    ) -> Result<RequestId, ServiceError> {
        self.write(now, |ops| request_access_op(ops, session, draft))
    }

    /// Approves, as requested or with modified terms (R-APP-3, R-BEY-4).
    pub fn approve(
        &mut self,
        session: &Session,
        id: RequestId,
        input: &ApprovalInput,
        now: Timestamp,
    ) -> Result<ApprovalOutcome, ServiceError> {
        self.write(now, |ops| approve_op(ops, session, id, input))
    }

    /// Denies with an optional reason.
    pub fn deny(
        &mut self,
        session: &Session,
        id: RequestId,
        message: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| deny_op(ops, session, id, message))
    }

    /// The requester withdraws a pending request (R-REQ-6).
    pub fn cancel(
        &mut self,
        session: &Session,
        id: RequestId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| cancel_op(ops, session, id))
    }

    /// Ends an approved grant at once (R-REQ-7, R-APP-5).
    pub fn revoke(
        &mut self,
        session: &Session,
        id: RequestId,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| revoke_op(ops, session, id, reason))
    }

    /// The requester gives active access back early with a note (R-BEY-3).
    pub fn release(
        &mut self,
        session: &Session,
        id: RequestId,
        note: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| release_op(ops, session, id, note))
    }

    /// An administrator grants access without a request (R-ADM-3).
    pub fn direct_grant(
        &mut self,
        session: &Session,
        user: UserId,
        entry: EntryId,
        terms: Terms,
        message: &str,
        now: Timestamp,
    ) -> Result<RequestId, ServiceError> {
        self.write(now, |ops| {
            direct_grant_op(ops, session, user, entry, terms, message)
        })
    }

    /// Emergency access for the requester themselves (R-BEY-5).
    pub fn break_glass(
        &mut self,
        session: &Session,
        input: &BreakGlassInput,
        now: Timestamp,
    ) -> Result<RequestId, ServiceError> {
        self.write(now, |ops| break_glass_op(ops, session, input))
    }

    /// An approver marks an emergency grant reviewed (R-BEY-5).
    pub fn mark_reviewed(
        &mut self,
        session: &Session,
        id: RequestId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.write(now, |ops| mark_reviewed_op(ops, session, id))
    }
}
