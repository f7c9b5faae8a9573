//! Whether a new request, a direct grant or an emergency grant is acceptable
//! (R-REQ-4, R-REQ-9, R-ADM-3, R-BEY-5): every check that runs before a request exists.

use super::{AccessWindow, NewRequest, Phase, Request, Target};
use crate::domain::entry::{Entry, EntryKind};
use crate::domain::error::{DomainError, Field, FieldErrors};
use crate::domain::ids::UserId;
use crate::domain::permission::PermissionSet;
use crate::domain::settings::{MAX_MESSAGE_CHARS, WorkspaceSettings};
use crate::domain::time::{Span, Timestamp};
use crate::domain::user::User;
use crate::domain::vault::{Vault, is_approver};

/// The longest access a window may span where it is asked for (R-ADM-7):
/// the workspace's maximum, or the vault's own when that is shorter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxLength<'a> {
    /// The limit, in minutes.
    pub mins: u32,
    /// The name of the vault whose own maximum this is; `None` when the
    /// workspace's maximum applies.
    pub vault: Option<&'a str>,
}

impl MaxLength<'static> {
    /// The workspace's maximum alone.
    pub fn workspace(settings: &WorkspaceSettings) -> MaxLength<'static> {
        MaxLength {
            mins: settings.max_length_mins,
            vault: None,
        }
    }
}

impl<'a> MaxLength<'a> {
    /// The shorter of the workspace's maximum and `vault`'s own; on a tie
    /// the workspace's, so that messages name the vault only when its limit
    /// is what refuses.
    pub fn of(settings: &WorkspaceSettings, vault: &'a Vault) -> MaxLength<'a> {
        match vault.max_grant_mins {
            Some(mins) if mins < settings.max_length_mins => MaxLength {
                mins,
                vault: Some(&vault.name),
            },
            _ => MaxLength::workspace(settings),
        }
    }

    /// The limit as a span.
    pub fn span(self) -> Span {
        Span::mins(i64::from(self.mins))
    }

    /// Where the limit applies, for messages: "" or " in Production".
    fn place(self) -> String {
        self.vault
            .map_or_else(String::new, |name| format!(" in {name}"))
    }
}

/// What the rules need to know about the world to check a new request.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// Workspace policies.
    pub settings: &'a WorkspaceSettings,
    /// Who asks.
    pub requester: &'a User,
    /// Whether the requester is a member of the target's vault.
    pub is_member: bool,
    /// Whether the target's vault is visible to non-members, who may then
    /// ask to join it (R-REQ-12).
    pub vault_takes_joins: bool,
    /// The longest access allowed in the entry's vault.
    pub max_length: MaxLength<'a>,
    /// The chosen permission set, if it exists.
    pub permission_set: Option<&'a PermissionSet>,
    /// The chosen approver, if one was chosen and exists.
    pub approver: Option<&'a User>,
    /// The vault's approvers.
    pub vault_approvers: &'a [UserId],
    /// Whether the requester already has a pending request for this entry and permission set.
    pub has_same_pending: bool,
    /// Now.
    pub now: Timestamp,
}

/// The rules of asking to join a vault (R-REQ-12): only someone outside it,
/// only a vault that shows itself to non-members, and membership starts at
/// approval or at a chosen time, never on a first use (there is no entry to
/// use before being a member).
fn check_join(errors: &mut FieldErrors, ctx: &RequestContext<'_>, draft: &NewRequest) {
    if ctx.requester.is_admin {
        errors.push(
            Field::Entry,
            "administrators see every vault; there is nothing to join",
        );
    } else if ctx.is_member {
        errors.push(
            Field::Entry,
            "you are already a member of this vault; ask for access to the vault instead",
        );
    } else if !ctx.vault_takes_joins {
        errors.push(Field::Entry, "this vault does not take requests to join");
    }
    if draft.start_on_first_use {
        errors.push(
            Field::Start,
            "membership starts when approved or at a chosen time, not on first use",
        );
    }
    if draft.extends_request_id.is_some() {
        errors.push(
            Field::Entry,
            "ask to join again rather than extending a membership",
        );
    }
}

/// Checks a new request against every rule of R-REQ-4; all messages at once.
pub fn validate_new_request(
    ctx: &RequestContext<'_>,
    draft: &NewRequest,
) -> Result<(), DomainError> {
    let mut errors = FieldErrors::default();
    if !ctx.settings.temporary_access_enabled {
        errors.push(
            Field::Workspace,
            "temporary access is disabled in this workspace",
        );
        return errors.into_result();
    }
    if !ctx.requester.is_active {
        errors.push(Field::Workspace, "your account is inactive");
        return errors.into_result();
    }
    if draft.target.is_join() {
        check_join(&mut errors, ctx, draft);
    } else if !ctx.is_member && !ctx.requester.is_admin {
        errors.push(Field::Entry, "you are not a member of this vault");
    }
    if ctx.permission_set.is_none() {
        errors.push(Field::PermissionSet, "choose a permission set");
    }
    check_window(
        &mut errors,
        draft.terms.window,
        ctx.settings,
        ctx.max_length,
        ctx.now,
        true,
    );
    if draft.start_on_first_use && matches!(draft.terms.window, AccessWindow::Custom { .. }) {
        errors.push(
            Field::Start,
            "start on first use works with a duration, not a custom time frame",
        );
    }
    if draft.start_on_first_use && draft.terms.window == AccessWindow::Permanent {
        errors.push(
            Field::Start,
            "start on first use works with a duration, not permanent access",
        );
    }
    if draft.extends_request_id.is_some() && draft.terms.window == AccessWindow::Permanent {
        errors.push(
            Field::Duration,
            "an extension adds time; ask for permanent access in a new request",
        );
    }
    match (draft.approver_id, ctx.approver) {
        (None, _) => errors.push(Field::Approver, "choose an approver"),
        (Some(id), _) if id == ctx.requester.id => {
            errors.push(
                Field::Approver,
                "you cannot approve your own request; choose someone else",
            );
        }
        (Some(_), None) => errors.push(Field::Approver, "the chosen approver does not exist"),
        (Some(_), Some(approver)) if !approver.is_active => {
            errors.push(
                Field::Approver,
                format!(
                    "{} is inactive; choose another approver",
                    approver.display_name
                ),
            );
        }
        (Some(_), Some(approver)) if !is_approver(approver, ctx.vault_approvers) => {
            errors.push(
                Field::Approver,
                format!("{} is not an approver of this vault", approver.display_name),
            );
        }
        (Some(_), Some(_)) => {}
    }
    check_message(&mut errors, &draft.message);
    if ctx.settings.message_required && draft.message.trim().is_empty() {
        errors.push(
            Field::Message,
            "this workspace requires a message explaining why you need access",
        );
    }
    if ctx.has_same_pending {
        let set = ctx
            .permission_set
            .map_or("this permission set", |s| s.name.as_str());
        errors.push(
            Field::PermissionSet,
            format!("you already have a pending request for {set} on this entry; cancel it or wait for the decision"),
        );
    }
    errors.into_result()
}

/// Checks that `requester` may extend `original` on `entry` (R-REQ-9): only
/// their own access to this entry, and only while it is active.
pub fn check_extension_target(
    original: &Request,
    requester: UserId,
    target: Target,
    now: Timestamp,
) -> Result<(), DomainError> {
    if original.requester_id != requester || original.target != target {
        return Err(DomainError::NotPermitted(
            "you can only extend your own access to this entry".into(),
        ));
    }
    if original.phase(now) != Phase::Active {
        return Err(DomainError::WrongState(
            "only active access can be extended".into(),
        ));
    }
    Ok(())
}

/// The message for an instant outside what a date field accepts.
pub const OUT_OF_RANGE: &str = "choose a date between 1970 and 9999";

/// Adds the messages for an unacceptable window. `is_request` also refuses a
/// start in the past (an approver may move the start to now). `max` is the
/// longest window allowed; a message names the vault when its limit refuses.
pub(super) fn check_window(
    errors: &mut FieldErrors,
    window: AccessWindow,
    settings: &WorkspaceSettings,
    max: MaxLength<'_>,
    now: Timestamp,
    is_request: bool,
) {
    match window {
        AccessWindow::Permanent => {
            if !settings.permanent_access_allowed {
                errors.push(
                    Field::Duration,
                    "permanent access is not allowed in this workspace; choose a duration",
                );
            }
        }
        AccessWindow::Duration { mins } => {
            if mins == 0 {
                errors.push(Field::Duration, "choose a duration longer than zero");
            } else if Span::mins(i64::from(mins)) > max.span() {
                errors.push(
                    Field::Duration,
                    format!(
                        "the longest access allowed{} is {}",
                        max.place(),
                        Span::human_mins(max.mins)
                    ),
                );
            }
        }
        AccessWindow::Custom { start_at, end_at } => {
            // Issue 10: an absurd date is a field error before any arithmetic.
            let mut in_range = true;
            for (field, at) in [(Field::Start, start_at), (Field::End, end_at)] {
                if !at.is_in_range() {
                    errors.push(field, OUT_OF_RANGE);
                    in_range = false;
                }
            }
            if !in_range {
                return;
            }
            if end_at <= start_at {
                errors.push(Field::End, "the end must be after the start");
            } else if end_at.since(start_at) > max.span() {
                errors.push(
                    Field::End,
                    format!(
                        "the time frame is longer than the {} allowed{}",
                        Span::human_mins(max.mins),
                        max.place()
                    ),
                );
            }
            let grace = Span::secs(i64::from(settings.start_grace_secs));
            if is_request && start_at < now - grace {
                errors.push(Field::Start, "the start is in the past");
            }
            if !is_request && end_at <= now {
                errors.push(Field::End, "the time frame has already ended");
            }
        }
    }
}

/// Refuses a message over the length limit, on the message field.
pub(super) fn check_message_alone(message: &str) -> Result<(), DomainError> {
    let mut errors = FieldErrors::default();
    check_message(&mut errors, message);
    errors.into_result()
}

pub(super) fn check_message(errors: &mut FieldErrors, message: &str) {
    let chars = message.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        errors.push(
            Field::Message,
            format!("the message is {chars} characters long; the limit is 2,000"),
        );
    }
}

/// Checks a break-glass request (R-BEY-5): the vault allows it, a reason is
/// given, and the length is within the vault's emergency limit.
pub fn validate_break_glass(
    break_glass_allowed: bool,
    emergency_limit_mins: u32,
    entry: &Entry,
    is_member: bool,
    duration_mins: u32,
    reason: &str,
) -> Result<(), DomainError> {
    let mut errors = FieldErrors::default();
    if !break_glass_allowed {
        errors.push(
            Field::Workspace,
            "this vault does not allow emergency access",
        );
        return errors.into_result();
    }
    if entry.kind == EntryKind::Folder {
        errors.push(
            Field::Entry,
            "emergency access is taken on an item, not a folder",
        );
    }
    if !is_member {
        errors.push(Field::Entry, "you are not a member of this vault");
    }
    if duration_mins == 0 {
        errors.push(Field::Duration, "choose a duration longer than zero");
    } else if duration_mins > emergency_limit_mins {
        errors.push(
            Field::Duration,
            format!(
                "emergency access in this vault lasts at most {}",
                Span::human_mins(emergency_limit_mins)
            ),
        );
    }
    if reason.trim().is_empty() {
        errors.push(Field::Message, "emergency access needs a reason");
    }
    check_message(&mut errors, reason);
    errors.into_result()
}

/// Checks the limits of break glass beyond its form (R-BEY-5): emergency
/// access is temporary access, so it is refused while the workspace has
/// temporary access switched off; and it cannot be chained.
///
/// `unreviewed_since` is when the requester's own earlier emergency grant
/// on this entry (asked for, or covered as a dependency either way) was
/// taken, if that grant has not been reviewed yet. The rule: one unreviewed
/// emergency grant per person and entry; the next needs the previous one
/// reviewed by an approver. Without it, a person could renew a short emergency grant forever
/// (four 60-minute grants taken 59 minutes apart are four hours with nobody
/// looking). The rule is per person, not per entry for everyone: the point of
/// the review is that someone other than the taker looks at what they did,
/// and a colleague's own emergency on the same entry is a separate event,
/// notified and flagged for review on its own; blocking it until someone else's
/// grant is reviewed would let one person's unreviewed grant lock everybody
/// out of emergency access when it is needed most.
pub fn check_break_glass_limits(
    settings: &WorkspaceSettings,
    unreviewed_since: Option<Timestamp>,
) -> Result<(), DomainError> {
    if !settings.temporary_access_enabled {
        return Err(DomainError::invalid(
            Field::Workspace,
            "temporary access is disabled in this workspace, emergency access included",
        ));
    }
    if let Some(at) = unreviewed_since {
        return Err(DomainError::NotPermitted(format!(
            "emergency access cannot be chained: your emergency access of {} to this entry has not been reviewed yet; an approver must review it before you take emergency access to it again",
            at.local_minute()
        )));
    }
    Ok(())
}

/// Checks a direct grant's window (R-ADM-3) like an approval's, within
/// `max_length` (R-ADM-7).
pub fn validate_direct_grant(
    window: AccessWindow,
    settings: &WorkspaceSettings,
    max_length: MaxLength<'_>,
    message: &str,
    now: Timestamp,
) -> Result<(), DomainError> {
    let mut errors = FieldErrors::default();
    if window == AccessWindow::Permanent {
        errors.push(
            Field::Duration,
            "permanent access is given as a standing permission, not a direct grant",
        );
    } else {
        check_window(&mut errors, window, settings, max_length, now, false);
    }
    check_message(&mut errors, message);
    errors.into_result()
}

/// Checks who may receive a direct grant (R-ADM-3): not an administrator
/// (they already have full access, the granting one included), an active
/// account, and a member of the entry's vault.
pub fn check_direct_grantee(
    grantee: &User,
    granted_by: UserId,
    is_member: bool,
) -> Result<(), DomainError> {
    if grantee.id == granted_by || grantee.is_admin {
        return Err(DomainError::invalid(
            Field::Approver,
            "administrators already have full access",
        ));
    }
    if !grantee.is_active {
        return Err(DomainError::invalid(
            Field::Approver,
            format!("{} is inactive", grantee.display_name),
        ));
    }
    if !is_member {
        return Err(DomainError::invalid(
            Field::Approver,
            format!("{} is not a member of this vault", grantee.display_name),
        ));
    }
    Ok(())
}
