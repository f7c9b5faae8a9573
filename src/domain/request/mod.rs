//! Access requests: their terms, states and every rule of docs/requirements.md §2–§3.
//!
//! A request is stored with a *status* (pending, approved, denied, …). Whether
//! an approved request is scheduled, active or expired is not stored: it follows
//! from its window and the instant asked about (`Request::phase`).
//!
//! This file holds the types; the rules are split by subject: `validation`
//! (is a new request, direct grant or break glass acceptable), `decisions`
//! (approve, deny, cancel, revoke, release, review, quorum) and `time` (what
//! the passage of time does: lapse, first use, expiring soon, expiry). Every
//! public item is re-exported here, so callers name `domain::request::…`.

mod decisions;
mod time;
mod validation;

pub use decisions::*;
pub use time::*;
pub use validation::*;

use super::entry::Entry;
use super::ids::{EntryId, PermissionSetId, RequestId, UserId, VaultId};
use super::settings::WorkspaceSettings;
use super::time::{Span, Timestamp};
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

/// What a request asks access to (R-REQ-11): one entry (with the entries it
/// depends on), a folder and everything below it, or a whole vault; or, for
/// someone outside a vault, to join it (R-REQ-12).
///
/// Invariant: a folder or vault grant covers what is below it *at the
/// instant of each check* (decided from the entry's folders, never from a
/// list written at approval), so entries added later are covered too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Target {
    /// One entry and its dependencies.
    Entry(EntryId),
    /// A folder and everything below it, now and later.
    Folder(EntryId),
    /// A whole vault.
    Vault(VaultId),
    /// Membership of a vault its requester is not a member of (R-REQ-12),
    /// with the permission set over all of it, for the grant's window:
    /// while the grant runs the requester is a member; a permanent one makes
    /// them a member until removed.
    Join(VaultId),
}

impl Target {
    /// The name of the target's kind (in the audit log's details).
    pub const fn kind_str(self) -> &'static str {
        match self {
            Target::Entry(_) => "entry",
            Target::Folder(_) => "folder",
            Target::Vault(_) => "vault",
            Target::Join(_) => "join",
        }
    }

    /// The stored kind: a join is stored as a vault request that joins
    /// (see [`Target::is_join`]).
    pub const fn stored_kind(self) -> &'static str {
        match self {
            Target::Join(_) => "vault",
            other => other.kind_str(),
        }
    }

    /// Whether it asks to join a vault.
    pub const fn is_join(self) -> bool {
        matches!(self, Target::Join(_))
    }

    /// The target from its stored kind, whether it joins, entry and vault.
    pub fn parse(
        kind: &str,
        joins: bool,
        entry: Option<EntryId>,
        vault: VaultId,
    ) -> Option<Target> {
        match (kind, joins, entry) {
            ("entry", false, Some(entry)) => Some(Target::Entry(entry)),
            ("folder", false, Some(folder)) => Some(Target::Folder(folder)),
            ("vault", false, None) => Some(Target::Vault(vault)),
            ("vault", true, None) => Some(Target::Join(vault)),
            _ => None,
        }
    }

    /// The entry (item or folder) it names; `None` for a vault.
    pub const fn entry_id(self) -> Option<EntryId> {
        match self {
            Target::Entry(id) | Target::Folder(id) => Some(id),
            Target::Vault(_) | Target::Join(_) => None,
        }
    }

    /// Whether a grant on this target reaches `entry`, whose folders
    /// (nearest first) are `ancestors`, through the folder tree: a folder
    /// covers itself and what is below it, a vault everything in it. An
    /// entry target is not judged here: its coverage (the entry and its
    /// dependencies) is stored with the request.
    pub fn covers_by_tree(self, entry: EntryId, ancestors: &[EntryId]) -> bool {
        match self {
            Target::Entry(_) => false,
            Target::Folder(folder) => folder == entry || ancestors.contains(&folder),
            Target::Vault(_) | Target::Join(_) => true,
        }
    }

    /// Whether it is a folder or a vault, whose coverage follows the tree.
    pub const fn is_scope(self) -> bool {
        !matches!(self, Target::Entry(_))
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
    /// No end (R-REQ-10), where the workspace allows it: from approval until
    /// revoked. Once approved it is held as a standing permission that
    /// remembers the request.
    Permanent,
}

impl AccessWindow {
    /// The length of access this window describes; `None` for permanent access.
    pub fn length(self) -> Option<Span> {
        match self {
            AccessWindow::Duration { mins } => Some(Span::mins(i64::from(mins))),
            AccessWindow::Custom { start_at, end_at } => Some(end_at.since(start_at)),
            AccessWindow::Permanent => None,
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
    /// The word shown in lists and banners (through `app::present::phase_word`),
    /// and recorded as the phase before a revocation in its audit event.
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
    /// What is asked for: an entry, a folder or a vault (R-REQ-11).
    pub target: Target,
    /// The target's vault.
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
    /// A pending standard request with nothing decided yet: id 0, no chosen
    /// approver, no message, every decision, grant and end field empty. The
    /// one place a new record is spelled out; everything else (including
    /// test fixtures) starts here and names only what differs:
    /// `Request { status: RequestStatus::Denied, ..Request::pending(…) }`.
    /// Only the store, which reads every column, and its round-trip test name
    /// every field.
    pub fn pending(
        requester_id: UserId,
        target: Target,
        vault_id: VaultId,
        requested: Terms,
        created_at: Timestamp,
        pending_until_at: Timestamp,
    ) -> Request {
        Request {
            id: RequestId(0),
            kind: RequestKind::Standard,
            requester_id,
            target,
            vault_id,
            approver_id: None,
            extends_request_id: None,
            requested,
            authorized: None,
            message: String::new(),
            start_on_first_use: false,
            created_at,
            pending_until_at,
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

    /// A new pending request on `target` in `vault_id`, as validated by
    /// [`validate_new_request`].
    pub fn new_pending(
        requester_id: UserId,
        target: Target,
        vault_id: VaultId,
        draft: &NewRequest,
        settings: &WorkspaceSettings,
        now: Timestamp,
    ) -> Request {
        Request {
            kind: if draft.extends_request_id.is_some() {
                RequestKind::Extension
            } else {
                RequestKind::Standard
            },
            approver_id: draft.approver_id,
            extends_request_id: draft.extends_request_id,
            message: draft.message.trim().to_owned(),
            start_on_first_use: draft.start_on_first_use,
            ..Request::pending(
                requester_id,
                target,
                vault_id,
                draft.terms,
                now,
                now + settings.pending_ttl(),
            )
        }
    }

    /// Where the request stands at `now`.
    pub fn phase(&self, now: Timestamp) -> Phase {
        match self.status {
            RequestStatus::Pending if now >= self.pending_until_at => Phase::Lapsed,
            RequestStatus::Pending => Phase::Pending,
            RequestStatus::Approved => {
                match (self.grant_start_at, self.grant_end_at, self.claim_by_at) {
                    // Permanent access (R-REQ-10): from approval until revoked.
                    (Some(start), None, None) if now < start => Phase::Scheduled,
                    (Some(_), None, None) => Phase::Active,
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

    /// Whether the terms in force are permanent access (R-REQ-10).
    pub fn is_permanent(&self) -> bool {
        self.effective_terms().window == AccessWindow::Permanent
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

    /// The entry (item or folder) the request names; `None` for a vault.
    pub fn entry_id(&self) -> Option<EntryId> {
        self.target.entry_id()
    }

    /// Who has approved so far.
    pub fn has_approval_from(&self, user: UserId) -> bool {
        self.approvals.iter().any(|a| a.approver_id == user)
    }
}

/// What a requester fills in (R-REQ-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    /// What is asked for. An entry that is a folder is taken as the folder
    /// with everything below it (R-REQ-11).
    pub target: Target,
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

/// Everything the response window shows about a request (R-APP-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The request, with its approvals.
    pub request: Request,
    /// The entry asked for; `None` for a vault.
    pub entry: Option<crate::domain::entry::Entry>,
    /// "Vault / folder / entry", or the vault's name.
    pub entry_path: String,
    /// Names of the entries the request also covers (an entry's dependencies).
    pub covers: Vec<String>,
    /// For a folder or a vault: what it holds now (R-REQ-11).
    pub contents: Option<TargetContents>,
    /// How many approvals the vault needs (R-BEY-4).
    pub required_approvals: u32,
}

/// What a folder or vault holds, so an approver knows what they grant (R-REQ-11).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetContents {
    /// How many entries of each kind it holds (kinds in their usual order,
    /// only those present).
    pub counts: Vec<(crate::domain::entry::EntryKind, usize)>,
    /// The paths of the first entries below it, relative to it, in tree order.
    pub first: Vec<String>,
}

impl TargetContents {
    /// How many first entries the response window lists.
    pub const FIRST: usize = 8;

    /// What lies below `root` (`None`: the whole vault) among `entries` (a
    /// vault's entries, or a folder's subtree, in any order): counts by kind
    /// and the first [`TargetContents::FIRST`] paths, sorted.
    pub fn of(root: Option<EntryId>, entries: &[Entry]) -> TargetContents {
        let by_id: std::collections::HashMap<EntryId, &Entry> =
            entries.iter().map(|e| (e.id, e)).collect();
        let below: Vec<&Entry> = entries.iter().filter(|e| Some(e.id) != root).collect();
        let counts = crate::domain::entry::EntryKind::ALL
            .into_iter()
            .map(|kind| (kind, below.iter().filter(|e| e.kind == kind).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        let mut paths: Vec<String> = below
            .iter()
            .map(|e| {
                let mut names = vec![e.name.as_str()];
                let mut parent = e.parent_id;
                // Invariant: the tree has no cycles; the bound only guards bad data.
                for _ in 0..entries.len() {
                    match parent {
                        Some(p) if Some(p) != root => match by_id.get(&p) {
                            Some(folder) => {
                                names.push(folder.name.as_str());
                                parent = folder.parent_id;
                            }
                            None => break,
                        },
                        _ => break,
                    }
                }
                names.reverse();
                names.join(" / ")
            })
            .collect();
        paths.sort_by_key(|p| p.to_lowercase());
        paths.truncate(Self::FIRST);
        TargetContents {
            counts,
            first: paths,
        }
    }
}

#[cfg(test)]
mod tests;
