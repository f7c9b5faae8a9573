//! Access requests: their terms, states and every rule of docs/requirements.md §2–§3.
//!
//! A request is stored with a *status* (pending, approved, denied, …). Whether
//! an approved request is scheduled, active or expired is not stored: it follows
//! from its window and the instant asked about (`Request::phase`).

use super::entry::{Entry, EntryKind};
use super::error::{DomainError, Field, FieldErrors};
use super::ids::{EntryId, PermissionSetId, RequestId, UserId, VaultId};
use super::permission::PermissionSet;
use super::settings::{MAX_MESSAGE_CHARS, WorkspaceSettings};
use super::time::{Span, Timestamp};
use super::user::User;
use super::vault::is_approver;
use serde::{Deserialize, Serialize};

/// How a request came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequestKind {
    /// A requester asked; an approver decides.
    Standard,
    /// A requester asked to extend an active grant (R-REQ-9).
    Extension,
    /// A requester granted themselves emergency access (R-BEY-5).
    BreakGlass,
    /// An administrator granted access without a request (R-ADM-3).
    DirectGrant,
}

impl RequestKind {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestKind::Standard => "standard",
            RequestKind::Extension => "extension",
            RequestKind::BreakGlass => "break_glass",
            RequestKind::DirectGrant => "direct_grant",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<RequestKind> {
        [
            RequestKind::Standard,
            RequestKind::Extension,
            RequestKind::BreakGlass,
            RequestKind::DirectGrant,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// When access should run: a length that starts at approval, or a fixed time frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessWindow {
    /// A preset length; the clock starts when the request is approved (R-REQ-5).
    Duration {
        /// Length in minutes.
        mins: u32,
    },
    /// A custom time frame `[start_at, end_at)`.
    Custom {
        /// First instant of access.
        start_at: Timestamp,
        /// First instant without access.
        end_at: Timestamp,
    },
}

impl AccessWindow {
    /// The length of access this window describes.
    pub fn length(self) -> Span {
        match self {
            AccessWindow::Duration { mins } => Span::mins(i64::from(mins)),
            AccessWindow::Custom { start_at, end_at } => end_at.since(start_at),
        }
    }

    /// "1 h" or "2026-11-23 10:00 → 2026-11-23 12:00", for people.
    pub fn describe(self) -> String {
        match self {
            AccessWindow::Duration { mins } => Span::human_mins(mins),
            AccessWindow::Custom { start_at, end_at } => {
                format!("{} – {}", start_at.local_minute(), end_at.local_minute())
            }
        }
    }
}

/// What is asked for or authorized: a permission set over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Terms {
    /// The permission set.
    pub permission_set_id: PermissionSetId,
    /// The window.
    pub window: AccessWindow,
}

/// The stored state of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequestStatus {
    /// Waiting for a decision.
    Pending,
    /// Approved; scheduled, active or expired depending on the instant.
    Approved,
    /// Denied by an approver.
    Denied,
    /// Withdrawn by the requester before a decision.
    Cancelled,
    /// Ended early by the requester, an approver or an administrator.
    Revoked,
    /// Given back early by the requester (R-BEY-3).
    Released,
    /// Never decided in time, or never used in its claim window (R-APP-7, R-BEY-2).
    Lapsed,
}

impl RequestStatus {
    /// Every status.
    pub const ALL: [RequestStatus; 7] = [
        RequestStatus::Pending,
        RequestStatus::Approved,
        RequestStatus::Denied,
        RequestStatus::Cancelled,
        RequestStatus::Revoked,
        RequestStatus::Released,
        RequestStatus::Lapsed,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Denied => "denied",
            RequestStatus::Cancelled => "cancelled",
            RequestStatus::Revoked => "revoked",
            RequestStatus::Released => "released",
            RequestStatus::Lapsed => "lapsed",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where a request stands at a given instant: the status refined by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// Waiting for a decision.
    Pending,
    /// Approved to start on first use; not used yet.
    AwaitingFirstUse,
    /// Approved; the window has not begun.
    Scheduled,
    /// Approved and running.
    Active,
    /// Approved; the window is over.
    Expired,
    /// Denied.
    Denied,
    /// Cancelled by the requester.
    Cancelled,
    /// Revoked.
    Revoked,
    /// Released early by the requester.
    Released,
    /// Lapsed without decision or use.
    Lapsed,
}

impl Phase {
    /// The word shown in lists and banners.
    pub const fn label(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::AwaitingFirstUse => "Approved, starts on first use",
            Phase::Scheduled => "Scheduled",
            Phase::Active => "Active",
            Phase::Expired => "Expired",
            Phase::Denied => "Denied",
            Phase::Cancelled => "Cancelled",
            Phase::Revoked => "Revoked",
            Phase::Released => "Released",
            Phase::Lapsed => "Lapsed",
        }
    }

    /// Whether access granted in this phase may still be used now or later.
    pub const fn is_live_grant(self) -> bool {
        matches!(
            self,
            Phase::AwaitingFirstUse | Phase::Scheduled | Phase::Active
        )
    }
}

/// One approver's approval of a request (several when a vault needs a quorum).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Who approved.
    pub approver_id: UserId,
    /// When.
    pub approved_at: Timestamp,
    /// Their message to the requester.
    pub message: String,
}

/// A request for temporary access, and the grant it becomes once approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Its id (`RequestId(0)` before it is stored).
    pub id: RequestId,
    /// How it came to be.
    pub kind: RequestKind,
    /// Who asked (and who receives access).
    pub requester_id: UserId,
    /// The entry asked for.
    pub entry_id: EntryId,
    /// The entry's vault.
    pub vault_id: VaultId,
    /// The approver the requester chose (notified first); any eligible approver may decide.
    pub approver_id: Option<UserId>,
    /// For an extension, the grant it extends.
    pub extends_request_id: Option<RequestId>,
    /// What was asked for.
    pub requested: Terms,
    /// What was authorized; set by the first approval.
    pub authorized: Option<Terms>,
    /// Why the requester needs it.
    pub message: String,
    /// Start the clock on first use rather than at approval (R-BEY-2).
    pub start_on_first_use: bool,
    /// When it was asked.
    pub created_at: Timestamp,
    /// When a pending request lapses (R-APP-7).
    pub pending_until_at: Timestamp,
    /// The stored state.
    pub status: RequestStatus,
    /// Approvals so far (all of them once approved).
    pub approvals: Vec<Approval>,
    /// Who approved (completing the quorum) or denied.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// The approver's message to the requester (the reason, for a denial).
    pub decision_message: String,
    /// First instant of access, once known.
    pub grant_start_at: Option<Timestamp>,
    /// First instant without access, once known.
    pub grant_end_at: Option<Timestamp>,
    /// For start-on-first-use grants: the last instant at which first use may happen.
    pub claim_by_at: Option<Timestamp>,
    /// Who cancelled, revoked or released it.
    pub ended_by: Option<UserId>,
    /// When it was cancelled, revoked, released or lapsed.
    pub ended_at: Option<Timestamp>,
    /// The requester's "what I did" note on release (R-BEY-3), or the reason for a revocation.
    pub closing_note: String,
    /// Break-glass grants wait for an approver's review (R-BEY-5).
    pub needs_review: bool,
    /// Who reviewed it.
    pub reviewed_by: Option<UserId>,
    /// When.
    pub reviewed_at: Option<Timestamp>,
    /// The expiring-soon notice was given (or skipped) — once only.
    pub expiring_soon_notified: bool,
    /// The expiry was recorded in the audit log — once only.
    pub expiry_recorded: bool,
}

impl Request {
    /// A new pending request, as validated by [`validate_new_request`].
    pub fn new_pending(
        requester_id: UserId,
        entry: &Entry,
        draft: &NewRequest,
        settings: &WorkspaceSettings,
        now: Timestamp,
    ) -> Request {
        Request {
            id: RequestId(0),
            kind: if draft.extends_request_id.is_some() {
                RequestKind::Extension
            } else {
                RequestKind::Standard
            },
            requester_id,
            entry_id: entry.id,
            vault_id: entry.vault_id,
            approver_id: draft.approver_id,
            extends_request_id: draft.extends_request_id,
            requested: draft.terms,
            authorized: None,
            message: draft.message.trim().to_owned(),
            start_on_first_use: draft.start_on_first_use,
            created_at: now,
            pending_until_at: now + settings.pending_ttl(),
            status: RequestStatus::Pending,
            approvals: Vec::new(),
            decided_by: None,
            decided_at: None,
            decision_message: String::new(),
            grant_start_at: None,
            grant_end_at: None,
            claim_by_at: None,
            ended_by: None,
            ended_at: None,
            closing_note: String::new(),
            needs_review: false,
            reviewed_by: None,
            reviewed_at: None,
            expiring_soon_notified: false,
            expiry_recorded: false,
        }
    }

    /// Where the request stands at `now`.
    pub fn phase(&self, now: Timestamp) -> Phase {
        match self.status {
            RequestStatus::Pending if now >= self.pending_until_at => Phase::Lapsed,
            RequestStatus::Pending => Phase::Pending,
            RequestStatus::Approved => {
                match (self.grant_start_at, self.grant_end_at, self.claim_by_at) {
                    (Some(start), Some(end), _) => {
                        if now < start {
                            Phase::Scheduled
                        } else if now < end {
                            Phase::Active
                        } else {
                            Phase::Expired
                        }
                    }
                    (_, _, Some(claim_by)) if now < claim_by => Phase::AwaitingFirstUse,
                    _ => Phase::Lapsed,
                }
            }
            RequestStatus::Denied => Phase::Denied,
            RequestStatus::Cancelled => Phase::Cancelled,
            RequestStatus::Revoked => Phase::Revoked,
            RequestStatus::Released => Phase::Released,
            RequestStatus::Lapsed => Phase::Lapsed,
        }
    }

    /// The terms in force: authorized once approved, else requested.
    pub fn effective_terms(&self) -> Terms {
        self.authorized.unwrap_or(self.requested)
    }

    /// Whether the approver changed what was asked for.
    pub fn is_modified(&self) -> bool {
        self.authorized.is_some_and(|a| a != self.requested)
    }

    /// The instant the grant's window is over, if it has one.
    pub fn effective_end_at(&self) -> Option<Timestamp> {
        match (self.grant_end_at, self.ended_at) {
            (Some(end), Some(ended)) => Some(end.min(ended)),
            (end, _) => end,
        }
    }

    /// Who has approved so far.
    pub fn has_approval_from(&self, user: UserId) -> bool {
        self.approvals.iter().any(|a| a.approver_id == user)
    }
}

/// What a requester fills in (R-REQ-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    /// The entry asked for.
    pub entry_id: EntryId,
    /// What is asked for.
    pub terms: Terms,
    /// The chosen approver.
    pub approver_id: Option<UserId>,
    /// Why.
    pub message: String,
    /// Start on first use (only with a duration).
    pub start_on_first_use: bool,
    /// The grant to extend (R-REQ-9).
    pub extends_request_id: Option<RequestId>,
}

/// What the rules need to know about the world to check a new request.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// Workspace policies.
    pub settings: &'a WorkspaceSettings,
    /// Who asks.
    pub requester: &'a User,
    /// Whether the requester is a member of the entry's vault.
    pub is_member: bool,
    /// The entry asked for.
    pub entry: &'a Entry,
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
    if ctx.entry.kind == EntryKind::Folder {
        errors.push(
            Field::Entry,
            "temporary access is requested on an item, not a folder",
        );
    }
    if !ctx.is_member && !ctx.requester.is_admin {
        errors.push(Field::Entry, "you are not a member of this vault");
    }
    if ctx.permission_set.is_none() {
        errors.push(Field::PermissionSet, "choose a permission set");
    }
    check_window(&mut errors, draft.terms.window, ctx.settings, ctx.now, true);
    if draft.start_on_first_use && matches!(draft.terms.window, AccessWindow::Custom { .. }) {
        errors.push(
            Field::Start,
            "start on first use works with a duration, not a custom time frame",
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

/// The message for an instant outside what a date field accepts.
pub const OUT_OF_RANGE: &str = "choose a date between 1970 and 9999";

/// Adds the messages for an unacceptable window. `is_request` also refuses a
/// start in the past (an approver may move the start to now).
fn check_window(
    errors: &mut FieldErrors,
    window: AccessWindow,
    settings: &WorkspaceSettings,
    now: Timestamp,
    is_request: bool,
) {
    let max = settings.max_length();
    match window {
        AccessWindow::Duration { mins } => {
            if mins == 0 {
                errors.push(Field::Duration, "choose a duration longer than zero");
            } else if Span::mins(i64::from(mins)) > max {
                errors.push(
                    Field::Duration,
                    format!(
                        "the longest access allowed is {}",
                        Span::human_mins(settings.max_length_mins)
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
            } else if end_at.since(start_at) > max {
                errors.push(
                    Field::End,
                    format!(
                        "the time frame is longer than the {} allowed",
                        Span::human_mins(settings.max_length_mins)
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

fn check_message(errors: &mut FieldErrors, message: &str) {
    let chars = message.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        errors.push(
            Field::Message,
            format!("the message is {chars} characters long; the limit is 2,000"),
        );
    }
}

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
    if request.has_approval_from(decider.id) {
        return Err(DomainError::WrongState(
            "you have already approved this request; it is waiting for other approvers".into(),
        ));
    }
    Ok(())
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
pub fn approve(
    request: &mut Request,
    approver: UserId,
    input: &ApprovalInput,
    quorum: &Quorum<'_>,
    settings: &WorkspaceSettings,
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
    check_window(&mut errors, terms.window, settings, now, false);
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
    let mut errors = FieldErrors::default();
    check_message(&mut errors, message);
    errors.into_result()?;
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
    let mut errors = FieldErrors::default();
    check_message(&mut errors, reason);
    errors.into_result()?;
    ensure_live_grant(request, now, "revoked")?;
    request.status = RequestStatus::Revoked;
    request.ended_by = Some(by.id);
    request.ended_at = Some(now);
    request.closing_note = reason.trim().to_owned();
    Ok(())
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
    let mut errors = FieldErrors::default();
    check_message(&mut errors, note);
    errors.into_result()?;
    match request.phase(now) {
        Phase::Active => {}
        Phase::Scheduled | Phase::AwaitingFirstUse => {
            return Err(DomainError::WrongState(
                "this access has not started; revoke it instead".into(),
            ));
        }
        _ => ensure_live_grant(request, now, "released")?,
    }
    request.status = RequestStatus::Released;
    request.ended_by = Some(by.id);
    request.ended_at = Some(now);
    request.closing_note = note.trim().to_owned();
    Ok(())
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

/// Starts a start-on-first-use grant now (R-BEY-2). Returns whether it started.
pub fn claim_first_use(request: &mut Request, now: Timestamp) -> bool {
    if request.phase(now) != Phase::AwaitingFirstUse {
        return false;
    }
    let length = request.effective_terms().window.length();
    request.grant_start_at = Some(now);
    request.grant_end_at = Some(now + length);
    true
}

/// What the passage of time did to a request, as found by [`advance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeEvent {
    /// A pending request passed its TTL, or an unused first-use grant its claim-by.
    Lapsed,
    /// The expiring-soon moment of an active grant came.
    ExpiringSoon,
    /// An approved grant's window ended.
    Expired,
}

/// The instant the requester is warned that a grant ends (R-NOT-1):
/// `end − min(lead, length / 4)`.
pub fn expiring_soon_at(start_at: Timestamp, end_at: Timestamp, lead: Span) -> Timestamp {
    let quarter = Span(end_at.since(start_at).millis() / 4);
    end_at - lead.min(quarter)
}

/// Applies what time did to `request` by `now` and says what happened, each
/// event once: the flags it sets make a second call a no-op.
pub fn advance(
    request: &mut Request,
    settings: &WorkspaceSettings,
    now: Timestamp,
) -> Vec<TimeEvent> {
    let mut events = Vec::new();
    match request.status {
        RequestStatus::Pending if now >= request.pending_until_at => {
            request.status = RequestStatus::Lapsed;
            request.ended_at = Some(request.pending_until_at);
            events.push(TimeEvent::Lapsed);
        }
        RequestStatus::Approved => match (
            request.grant_start_at,
            request.grant_end_at,
            request.claim_by_at,
        ) {
            (Some(start), Some(end), _) => {
                let lead = Span::mins(i64::from(settings.expiring_soon_lead_mins));
                if !request.expiring_soon_notified && now >= expiring_soon_at(start, end, lead) {
                    request.expiring_soon_notified = true;
                    // A warning after the end helps nobody (the app was closed): skip it.
                    if now < end {
                        events.push(TimeEvent::ExpiringSoon);
                    }
                }
                if !request.expiry_recorded && now >= end {
                    request.expiry_recorded = true;
                    events.push(TimeEvent::Expired);
                }
            }
            (_, _, Some(claim_by)) if now >= claim_by => {
                request.status = RequestStatus::Lapsed;
                request.ended_at = Some(claim_by);
                events.push(TimeEvent::Lapsed);
            }
            _ => {}
        },
        _ => {}
    }
    events
}

/// The next instant after `now` at which [`advance`] would find something to do.
pub fn next_time_event_at(
    request: &Request,
    settings: &WorkspaceSettings,
    now: Timestamp,
) -> Option<Timestamp> {
    match request.status {
        RequestStatus::Pending => Some(request.pending_until_at).filter(|at| *at > now),
        RequestStatus::Approved => match (
            request.grant_start_at,
            request.grant_end_at,
            request.claim_by_at,
        ) {
            (Some(start), Some(end), _) => {
                let lead = Span::mins(i64::from(settings.expiring_soon_lead_mins));
                let soon = expiring_soon_at(start, end, lead);
                [
                    Some(start),
                    (!request.expiring_soon_notified).then_some(soon),
                    (!request.expiry_recorded).then_some(end),
                ]
                .into_iter()
                .flatten()
                .filter(|at| *at > now)
                .min()
            }
            (_, _, Some(claim_by)) => Some(claim_by).filter(|at| *at > now),
            _ => None,
        },
        _ => None,
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

/// Checks a direct grant's window (R-ADM-3) like an approval's.
pub fn validate_direct_grant(
    window: AccessWindow,
    settings: &WorkspaceSettings,
    message: &str,
    now: Timestamp,
) -> Result<(), DomainError> {
    let mut errors = FieldErrors::default();
    check_window(&mut errors, window, settings, now, false);
    check_message(&mut errors, message);
    errors.into_result()
}

#[cfg(test)]
mod tests;
