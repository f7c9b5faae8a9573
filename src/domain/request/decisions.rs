//! The decisions on a request (R-APP-3…5, R-REQ-6/7, R-BEY-3…5): who may
//! approve, deny, cancel, revoke, release or review it, the quorum, and what
//! each decision changes.

use super::validation::{MaxLength, check_message, check_message_alone, check_window};
use super::{AccessWindow, Approval, Phase, Request, RequestStatus, Terms};
use crate::domain::error::{DomainError, Field, FieldErrors};
use crate::domain::ids::{RequestId, UserId};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::time::{Span, Timestamp};
use crate::domain::user::User;
use crate::domain::vault::is_approver;

/// Checks that `decider` may decide `request` at `now` (R-APP-4): it is still
/// pending, the decider is an eligible approver and not the requester, and has
/// not approved it already. `name_of` gives display names for the messages.
pub fn check_can_decide(
    request: &Request,
    decider: &User,
    vault_approvers: &[UserId],
    now: Timestamp,
    name_of: &dyn Fn(UserId) -> String,
) -> Result<(), DomainError> {
    check_decider(request, decider, vault_approvers, now, name_of)?;
    if request.has_approval_from(decider.id) {
        return Err(DomainError::WrongState(
            "you have already approved this request; it is waiting for other approvers".into(),
        ));
    }
    Ok(())
}

/// Checks that `decider` may deny `request` at `now` (R-APP-4, R-BEY-4): as
/// [`check_can_decide`], except that an approver who already gave their
/// approval toward a quorum may still deny. Any deny denies: an approver who
/// changed their mind, or learned something since, stops the request rather
/// than waiting for others to approve it.
pub fn check_can_deny(
    request: &Request,
    decider: &User,
    vault_approvers: &[UserId],
    now: Timestamp,
    name_of: &dyn Fn(UserId) -> String,
) -> Result<(), DomainError> {
    check_decider(request, decider, vault_approvers, now, name_of)
}

/// The checks shared by approving and denying: still pending, and an eligible
/// approver other than the requester decides.
fn check_decider(
    request: &Request,
    decider: &User,
    vault_approvers: &[UserId],
    now: Timestamp,
    name_of: &dyn Fn(UserId) -> String,
) -> Result<(), DomainError> {
    ensure_pending(request, now, name_of)?;
    if decider.id == request.requester_id {
        return Err(DomainError::NotPermitted(
            "you cannot decide your own request".into(),
        ));
    }
    if !is_approver(decider, vault_approvers) {
        return Err(DomainError::NotPermitted(
            "you are not an approver of this vault".into(),
        ));
    }
    Ok(())
}

/// Refuses to approve for a requester whose account is disabled (R-APP-4):
/// the grant could never be used.
pub fn check_requester_active(requester: &User) -> Result<(), DomainError> {
    if requester.is_active {
        Ok(())
    } else {
        Err(DomainError::NotPermitted(format!(
            "{}'s account is disabled",
            requester.display_name
        )))
    }
}

/// Errors unless the request is pending at `now`; names who handled it otherwise.
pub fn ensure_pending(
    request: &Request,
    now: Timestamp,
    name_of: &dyn Fn(UserId) -> String,
) -> Result<(), DomainError> {
    let handled = |outcome: &'static str, by: Option<UserId>, at: Option<Timestamp>| {
        DomainError::AlreadyHandled {
            outcome,
            by: by.map_or_else(|| "someone".to_owned(), name_of),
            at: at.unwrap_or(request.created_at),
        }
    };
    match request.status {
        RequestStatus::Pending if now >= request.pending_until_at => Err(DomainError::Lapsed {
            at: request.pending_until_at,
        }),
        RequestStatus::Pending => Ok(()),
        RequestStatus::Approved | RequestStatus::Revoked | RequestStatus::Released => {
            Err(handled("approved", request.decided_by, request.decided_at))
        }
        RequestStatus::Denied => Err(handled("denied", request.decided_by, request.decided_at)),
        RequestStatus::Cancelled => Err(handled("cancelled", request.ended_by, request.ended_at)),
        // An approved start-on-first-use grant that was never used lapses too,
        // but it was decided: say by whom.
        RequestStatus::Lapsed if request.decided_by.is_some() => {
            Err(handled("approved", request.decided_by, request.decided_at))
        }
        RequestStatus::Lapsed => Err(DomainError::Lapsed {
            at: request.ended_at.unwrap_or(request.pending_until_at),
        }),
    }
}

/// The result of one approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalOutcome {
    /// The approval was recorded; more are needed (R-BEY-4).
    Recorded {
        /// Approvals so far.
        approvals: u32,
        /// Approvals needed.
        required: u32,
    },
    /// The quorum is complete: the request is approved.
    Granted,
}

/// What an approver approves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalInput {
    /// The terms the approver was shown and approves: `None` means exactly
    /// the requested terms, `Some` the terms as shown (changed or not). With a
    /// quorum, an approval whose terms are not the ones in force is refused
    /// (R-BEY-4, R-APP-3): nobody approves terms they did not see.
    pub terms: Option<Terms>,
    /// Message to the requester.
    pub message: String,
}

/// Who counts toward a vault's quorum at the moment of a decision (R-BEY-4).
#[derive(Clone, Copy)]
pub struct Quorum<'a> {
    /// Approvals the vault needs (at least one is always needed).
    pub required: u32,
    /// Whether an earlier approver still counts now: an active approver of
    /// the vault, or an active administrator. The approver deciding now has
    /// just been checked and always counts.
    pub counts: &'a dyn Fn(UserId) -> bool,
    /// Display names, to say who set the terms.
    pub name_of: &'a dyn Fn(UserId) -> String,
}

fn counts_always(_: UserId) -> bool {
    true
}

fn nameless(_: UserId) -> String {
    String::new()
}

impl Quorum<'static> {
    /// One approval decides: the approver themselves (direct grant, break glass).
    pub fn single() -> Quorum<'static> {
        Quorum {
            required: 1,
            counts: &counts_always,
            name_of: &nameless,
        }
    }
}

impl std::fmt::Debug for Quorum<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quorum")
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

/// Records `approver`'s approval, after [`check_can_decide`] passed. When the
/// quorum is complete the grant's window is fixed (R-REQ-5): a duration runs
/// from now (or from the end of the grant it extends, if that is later; or from
/// first use), a custom frame runs as authorized but never from before now.
///
/// With a quorum (R-BEY-4, R-APP-3) the first approval sets the terms and
/// every later one must carry exactly those terms, so all approvals of a
/// request approved the same terms; a later approval shown other terms is
/// refused, naming who set them and when.
///
/// Only approvals of people who still count at this moment (`quorum.counts`)
/// complete the quorum: an approval given by someone since disabled, removed
/// from the vault's approvers or no longer an administrator stays on the
/// request as history but is not counted, so the request stays pending until
/// enough current approvers agree; the count is made again at every approval.
/// Such an approval does not reopen the terms: the terms stay those every
/// approval on the request agreed to, and a later approver either approves
/// them as shown or denies (the requester may then ask again). A grant already
/// approved is not undone when an approver stops counting afterwards; it can be
/// revoked like any other.
///
/// The terms approved, as asked or changed, must fit `max_length`, the
/// vault's limit as it is now (R-ADM-7): a request asked for before its vault's
/// maximum was lowered is refused until an approver shortens it.
#[expect(
    clippy::too_many_arguments,
    reason = "each argument is one independent fact of the decision, read by the service under its lock"
)]
pub fn approve(
    request: &mut Request,
    approver: UserId,
    input: &ApprovalInput,
    quorum: &Quorum<'_>,
    settings: &WorkspaceSettings,
    max_length: MaxLength<'_>,
    extended_end_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<ApprovalOutcome, DomainError> {
    let mut errors = FieldErrors::default();
    check_message(&mut errors, &input.message);
    let terms = input.terms.unwrap_or(request.requested);
    if let Some(first) = request.approvals.first() {
        let current = request.effective_terms();
        let by = (quorum.name_of)(first.approver_id);
        if terms == request.requested && terms != current {
            // Shown the request as asked, before the first approval changed it.
            return Err(DomainError::TermsChanged {
                by,
                at: first.approved_at,
            });
        }
        if terms != current {
            errors.push(
                Field::Workspace,
                format!(
                    "{by} set the terms at {}; with several approvers the first approval sets the terms: approve them as they are or deny",
                    first.approved_at.local_second()
                ),
            );
        }
    }
    check_window(&mut errors, terms.window, settings, max_length, now, false);
    errors.into_result()?;

    request.approvals.push(Approval {
        approver_id: approver,
        approved_at: now,
        message: input.message.trim().to_owned(),
    });
    request.authorized = Some(terms);
    let counted = request
        .approvals
        .iter()
        .filter(|a| a.approver_id == approver || (quorum.counts)(a.approver_id))
        .count();
    let approvals = u32::try_from(counted).unwrap_or(u32::MAX);
    let required = quorum.required.max(1);
    if approvals < required {
        return Ok(ApprovalOutcome::Recorded {
            approvals,
            required,
        });
    }
    request.status = RequestStatus::Approved;
    request.decided_by = Some(approver);
    request.decided_at = Some(now);
    request.decision_message = input.message.trim().to_owned();
    set_grant_window(request, terms.window, settings, extended_end_at, now);
    Ok(ApprovalOutcome::Granted)
}

fn set_grant_window(
    request: &mut Request,
    window: AccessWindow,
    settings: &WorkspaceSettings,
    extended_end_at: Option<Timestamp>,
    now: Timestamp,
) {
    match window {
        AccessWindow::Duration { .. } if request.start_on_first_use => {
            request.grant_start_at = None;
            request.grant_end_at = None;
            request.claim_by_at = Some(now + Span::mins(i64::from(settings.claim_window_mins)));
        }
        AccessWindow::Duration { mins } => {
            // An extension approved while the first grant still runs continues it.
            let start = extended_end_at.filter(|end| *end > now).unwrap_or(now);
            request.grant_start_at = Some(start);
            request.grant_end_at = Some(start + Span::mins(i64::from(mins)));
            request.claim_by_at = None;
        }
        AccessWindow::Custom { start_at, end_at } => {
            request.grant_start_at = Some(start_at.max(now));
            request.grant_end_at = Some(end_at);
            request.claim_by_at = None;
        }
        AccessWindow::Permanent => {
            request.grant_start_at = Some(now);
            request.grant_end_at = None;
            request.claim_by_at = None;
        }
    }
}

/// Denies a pending request, after [`check_can_decide`] passed. Any deny denies,
/// even when some approvals of a quorum were given.
pub fn deny(
    request: &mut Request,
    approver: UserId,
    message: &str,
    now: Timestamp,
) -> Result<(), DomainError> {
    check_message_alone(message)?;
    request.status = RequestStatus::Denied;
    request.decided_by = Some(approver);
    request.decided_at = Some(now);
    request.decision_message = message.trim().to_owned();
    Ok(())
}

/// The requester withdraws a pending request (R-REQ-6).
pub fn cancel(
    request: &mut Request,
    by: &User,
    now: Timestamp,
    name_of: &dyn Fn(UserId) -> String,
) -> Result<(), DomainError> {
    if by.id != request.requester_id {
        return Err(DomainError::NotPermitted(
            "only the requester can cancel a request".into(),
        ));
    }
    ensure_pending(request, now, name_of)?;
    request.status = RequestStatus::Cancelled;
    request.ended_by = Some(by.id);
    request.ended_at = Some(now);
    Ok(())
}

/// Ends an approved grant at once (R-REQ-7, R-APP-5): by the requester, an
/// approver of the vault or an administrator. Regaining access takes a new request.
pub fn revoke(
    request: &mut Request,
    by: &User,
    vault_approvers: &[UserId],
    reason: &str,
    now: Timestamp,
) -> Result<(), DomainError> {
    if by.id != request.requester_id && !is_approver(by, vault_approvers) {
        return Err(DomainError::NotPermitted(
            "only the requester, an approver or an administrator can revoke access".into(),
        ));
    }
    check_message_alone(reason)?;
    ensure_live_grant(request, now, "revoked")?;
    end_grant(
        request,
        RequestStatus::Revoked,
        by.id,
        now,
        reason.trim().to_owned(),
    );
    Ok(())
}

/// The closing note of what ended because its requester left the vault.
pub const MEMBERSHIP_REMOVED: &str = "membership removed";

/// The closing note of a permanent request whose standing permission was removed.
pub const STANDING_REMOVED: &str = "standing permission removed";

/// The closing note of what ended because its requester's account was disabled.
pub const ACCOUNT_DISABLED: &str = "account disabled";

/// Why an administrator withdrew someone's access (R-ADM-2), which decides
/// what becomes of a request still pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// The requester was removed from the vault: a pending request is
    /// cancelled, as if withdrawn (time did not end it, and no approver
    /// judged it).
    MembershipRemoved,
    /// The requester's account was disabled: a pending request lapses, as
    /// it will never be decided for them.
    AccountDisabled,
    /// The standing permission an approved permanent request became was
    /// removed (R-REQ-10): the request is revoked with it.
    StandingRemoved,
}

impl Withdrawal {
    /// The closing note it leaves.
    pub const fn note(self) -> &'static str {
        match self {
            Withdrawal::MembershipRemoved => MEMBERSHIP_REMOVED,
            Withdrawal::AccountDisabled => ACCOUNT_DISABLED,
            Withdrawal::StandingRemoved => STANDING_REMOVED,
        }
    }

    const fn pending_becomes(self) -> RequestStatus {
        match self {
            Withdrawal::MembershipRemoved | Withdrawal::StandingRemoved => RequestStatus::Cancelled,
            Withdrawal::AccountDisabled => RequestStatus::Lapsed,
        }
    }
}

/// Ends what `request` still gives or asks for because the administrator
/// `by` withdrew its requester's access at `now` (R-ADM-2): a live grant
/// (scheduled, active or waiting for first use) is revoked at once, ending at
/// `now`; a request still pending is cancelled or lapses as `why` says. Both
/// carry `why`'s note. Returns the status it was left in, or `None` when
/// nothing of it was live (its end stands as it was).
pub fn end_for_withdrawal(
    request: &mut Request,
    why: Withdrawal,
    by: UserId,
    now: Timestamp,
) -> Option<RequestStatus> {
    let status = match request.phase(now) {
        Phase::Pending => why.pending_becomes(),
        phase if phase.is_live_grant() => RequestStatus::Revoked,
        _ => return None,
    };
    end_grant(request, status, by, now, why.note().to_owned());
    Some(status)
}

/// [`end_for_withdrawal`] for a requester removed from the vault.
pub fn end_for_removed_member(
    request: &mut Request,
    by: UserId,
    now: Timestamp,
) -> Option<RequestStatus> {
    end_for_withdrawal(request, Withdrawal::MembershipRemoved, by, now)
}

/// The requester gives an active grant back early (R-BEY-3), with a note.
pub fn release(
    request: &mut Request,
    by: &User,
    note: &str,
    now: Timestamp,
) -> Result<(), DomainError> {
    if by.id != request.requester_id {
        return Err(DomainError::NotPermitted(
            "only the requester can release their access".into(),
        ));
    }
    check_message_alone(note)?;
    match request.phase(now) {
        Phase::Active => {}
        Phase::Scheduled | Phase::AwaitingFirstUse => {
            return Err(DomainError::WrongState(
                "this access has not started; revoke it instead".into(),
            ));
        }
        _ => ensure_live_grant(request, now, "released")?,
    }
    end_grant(
        request,
        RequestStatus::Released,
        by.id,
        now,
        note.trim().to_owned(),
    );
    Ok(())
}

/// Records that `by` ended a grant (or a pending request) at `now`, leaving
/// it `status` (revoked, released or cancelled) with `closing_note`.
fn end_grant(
    request: &mut Request,
    status: RequestStatus,
    by: UserId,
    now: Timestamp,
    closing_note: String,
) {
    request.status = status;
    request.ended_by = Some(by);
    request.ended_at = Some(now);
    request.closing_note = closing_note;
}

fn ensure_live_grant(request: &Request, now: Timestamp, verb: &str) -> Result<(), DomainError> {
    match request.phase(now) {
        phase if phase.is_live_grant() => Ok(()),
        Phase::Expired => Err(DomainError::WrongState(format!(
            "this access already ended at {}; there is nothing to be {verb}",
            request
                .grant_end_at
                .map_or_else(String::new, Timestamp::local_second)
        ))),
        Phase::Pending => Err(DomainError::WrongState(
            "this request has not been approved yet; cancel it instead".into(),
        )),
        phase => Err(DomainError::WrongState(format!(
            "this access is {} and cannot be {verb}",
            phase.label().to_lowercase()
        ))),
    }
}

/// Where an extension of `original` starts when approved now (R-REQ-9): after
/// the latest end among the grant and its `other_extensions` that still live,
/// so each extension adds time. A grant that was revoked or released cannot be
/// extended. `None` when nothing lives: the extension runs from its approval.
pub fn extension_start_at(
    original: &Request,
    other_extensions: &[Request],
    now: Timestamp,
) -> Result<Option<Timestamp>, DomainError> {
    if matches!(
        original.status,
        RequestStatus::Revoked | RequestStatus::Released
    ) {
        return Err(DomainError::WrongState(
            "the access this request extends was ended early; ask for new access instead".into(),
        ));
    }
    if original.is_permanent() {
        return Err(DomainError::WrongState(
            "permanent access has no end to extend".into(),
        ));
    }
    let mut end = original
        .phase(now)
        .is_live_grant()
        .then(|| original.effective_end_at())
        .flatten();
    for extension in other_extensions {
        if extension.phase(now).is_live_grant() {
            end = end.max(extension.effective_end_at());
        }
    }
    Ok(end)
}

/// Ends a live extension because the grant it extends (`extended`) was
/// revoked or released: "access is gone at once" (R-REQ-7, R-BEY-3). The
/// extension is revoked by whoever ended that grant. Returns whether it ended
/// (an extension not approved or no longer live is left as it is).
pub fn end_with_extended(
    extension: &mut Request,
    extended: RequestId,
    by: UserId,
    now: Timestamp,
) -> bool {
    if extension.status != RequestStatus::Approved || !extension.phase(now).is_live_grant() {
        return false;
    }
    end_grant(
        extension,
        RequestStatus::Revoked,
        by,
        now,
        format!("ended with the access it extended (request {extended})"),
    );
    true
}

/// An approver marks an emergency grant reviewed (R-BEY-5): an approver of
/// the vault or an administrator, never the one who took it, and only once.
/// `name_of` names the earlier reviewer in the refusal.
pub fn mark_reviewed(
    request: &mut Request,
    reviewer: &User,
    vault_approvers: &[UserId],
    now: Timestamp,
    name_of: &dyn Fn(UserId) -> String,
) -> Result<(), DomainError> {
    if !is_approver(reviewer, vault_approvers) {
        return Err(DomainError::NotPermitted(
            "only an approver of this vault or an administrator can review emergency access".into(),
        ));
    }
    if reviewer.id == request.requester_id {
        return Err(DomainError::NotPermitted(
            "nobody reviews their own emergency access".into(),
        ));
    }
    if !request.needs_review {
        let by = request
            .reviewed_by
            .map_or_else(|| "nobody".to_owned(), name_of);
        return Err(DomainError::WrongState(format!(
            "this access does not need a review (reviewed by {by})"
        )));
    }
    request.needs_review = false;
    request.reviewed_by = Some(reviewer.id);
    request.reviewed_at = Some(now);
    Ok(())
}
