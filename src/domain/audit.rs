//! The tamper-evident audit chain (R-AUD-1, R-AUD-2).
//!
//! Every event carries the SHA-256 of its predecessor and of its own fields,
//! so changing, removing or reordering any stored event breaks the chain at
//! that event. The hash covers the exact stored text of the details, so no
//! re-serialization can change it.

use super::ids::{EntryId, RequestId, UserId};
use super::time::Timestamp;
use sha2::{Digest, Sha256};
use std::fmt;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, as stored in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// A workspace was created.
    WorkspaceCreated,
    /// A user was created.
    UserCreated,
    /// Someone signed in.
    SignedIn,
    /// A sign-in failed.
    SignInFailed,
    /// A vault was created.
    VaultCreated,
    /// A vault's settings changed.
    VaultChanged,
    /// An entry was created.
    EntryCreated,
    /// An entry's secret was set.
    SecretChanged,
    /// A dependency was added.
    DependencyAdded,
    /// A permission set was created.
    PermissionSetCreated,
    /// Vault membership, approvers or standing permissions changed.
    PermissionChanged,
    /// Workspace settings changed.
    SettingsChanged,
    /// Temporary access was requested.
    Requested,
    /// An extension was requested.
    ExtensionRequested,
    /// The requester cancelled.
    Cancelled,
    /// One approval of a quorum was given.
    ApprovalRecorded,
    /// Approved as requested.
    Approved,
    /// Approved with changed terms.
    ApprovedWithModifications,
    /// Denied.
    Denied,
    /// Access was revoked.
    Revoked,
    /// The requester released access early.
    Released,
    /// A grant's window ended.
    Expired,
    /// A request lapsed.
    Lapsed,
    /// A start-on-first-use grant was started by its first use.
    FirstUseStarted,
    /// Emergency access was taken.
    BreakGlass,
    /// An emergency grant was reviewed.
    Reviewed,
    /// An administrator granted access directly.
    DirectGrant,
    /// A password was shown.
    PasswordRevealed,
    /// A password was copied.
    PasswordCopied,
    /// A connection was launched.
    Connected,
    /// A reveal, copy or connect was refused; the details say which and why.
    AccessDenied,
    /// A connection's program could not be built or started; nothing was used.
    ConnectFailed,
    /// An entry's user name was copied.
    UsernameCopied,
    /// An administrator cleared a user's failed sign-ins.
    SignInFailuresCleared,
    /// A user switched desktop notifications of one kind on or off.
    NotificationPreferenceChanged,
    /// An entry's fields changed; the details hold before and after.
    EntryChanged,
    /// An entry moved to another folder.
    EntryMoved,
    /// An entry and everything below it were deleted.
    EntryDeleted,
    /// A dependency was removed.
    DependencyRemoved,
    /// A vault was renamed.
    VaultRenamed,
    /// A vault was deleted with everything in it.
    VaultDeleted,
    /// Folders and items were imported from a file; the details hold the
    /// counts, the kind and name of the file, never a secret.
    Imported,
    /// A user's display name, e-mail, administrator flag or active flag
    /// changed; the details hold before and after.
    UserChanged,
    /// An administrator gave a user a new password, to be changed at their
    /// next sign-in (never the value).
    PasswordReset,
    /// A user chose a new password of their own (never the value).
    PasswordChanged,
    /// A user stopped being a member of a vault; the details list the
    /// standing permissions removed and the requests that ended with it.
    MemberRemoved,
    /// A user stopped being an approver of a vault (and stayed a member).
    ApproverRemoved,
    /// One standing permission was removed.
    StandingRemoved,
    /// A permission set's name or permissions changed; before and after.
    PermissionSetChanged,
    /// A permission set nobody used was deleted.
    PermissionSetDeleted,
    /// A vault's policy changed (R-ADM-7); before and after.
    VaultPolicyChanged,
    /// The workspace key moved between the OS keyring and the key file
    /// (never the key itself).
    KeyMoved,
    /// Audit events were exported; the details hold the format, the
    /// filters, the count and where they went.
    AuditExported,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [AuditAction; 53] = [
        AuditAction::WorkspaceCreated,
        AuditAction::UserCreated,
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::VaultCreated,
        AuditAction::VaultChanged,
        AuditAction::EntryCreated,
        AuditAction::SecretChanged,
        AuditAction::DependencyAdded,
        AuditAction::PermissionSetCreated,
        AuditAction::PermissionChanged,
        AuditAction::SettingsChanged,
        AuditAction::Requested,
        AuditAction::ExtensionRequested,
        AuditAction::Cancelled,
        AuditAction::ApprovalRecorded,
        AuditAction::Approved,
        AuditAction::ApprovedWithModifications,
        AuditAction::Denied,
        AuditAction::Revoked,
        AuditAction::Released,
        AuditAction::Expired,
        AuditAction::Lapsed,
        AuditAction::FirstUseStarted,
        AuditAction::BreakGlass,
        AuditAction::Reviewed,
        AuditAction::DirectGrant,
        AuditAction::PasswordRevealed,
        AuditAction::PasswordCopied,
        AuditAction::Connected,
        AuditAction::AccessDenied,
        AuditAction::ConnectFailed,
        AuditAction::UsernameCopied,
        AuditAction::SignInFailuresCleared,
        AuditAction::NotificationPreferenceChanged,
        AuditAction::EntryChanged,
        AuditAction::EntryMoved,
        AuditAction::EntryDeleted,
        AuditAction::DependencyRemoved,
        AuditAction::VaultRenamed,
        AuditAction::VaultDeleted,
        AuditAction::Imported,
        AuditAction::UserChanged,
        AuditAction::PasswordReset,
        AuditAction::PasswordChanged,
        AuditAction::MemberRemoved,
        AuditAction::ApproverRemoved,
        AuditAction::StandingRemoved,
        AuditAction::PermissionSetChanged,
        AuditAction::PermissionSetDeleted,
        AuditAction::VaultPolicyChanged,
        AuditAction::KeyMoved,
        AuditAction::AuditExported,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::WorkspaceCreated => "workspace_created",
            AuditAction::UserCreated => "user_created",
            AuditAction::SignedIn => "signed_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::VaultCreated => "vault_created",
            AuditAction::VaultChanged => "vault_changed",
            AuditAction::EntryCreated => "entry_created",
            AuditAction::SecretChanged => "secret_changed",
            AuditAction::DependencyAdded => "dependency_added",
            AuditAction::PermissionSetCreated => "permission_set_created",
            AuditAction::PermissionChanged => "permission_changed",
            AuditAction::SettingsChanged => "settings_changed",
            AuditAction::Requested => "requested",
            AuditAction::ExtensionRequested => "extension_requested",
            AuditAction::Cancelled => "cancelled",
            AuditAction::ApprovalRecorded => "approval_recorded",
            AuditAction::Approved => "approved",
            AuditAction::ApprovedWithModifications => "approved_with_modifications",
            AuditAction::Denied => "denied",
            AuditAction::Revoked => "revoked",
            AuditAction::Released => "released",
            AuditAction::Expired => "expired",
            AuditAction::Lapsed => "lapsed",
            AuditAction::FirstUseStarted => "first_use_started",
            AuditAction::BreakGlass => "break_glass",
            AuditAction::Reviewed => "reviewed",
            AuditAction::DirectGrant => "direct_grant",
            AuditAction::PasswordRevealed => "password_revealed",
            AuditAction::PasswordCopied => "password_copied",
            AuditAction::Connected => "connected",
            AuditAction::AccessDenied => "access_denied",
            AuditAction::ConnectFailed => "connect_failed",
            AuditAction::UsernameCopied => "username_copied",
            AuditAction::SignInFailuresCleared => "sign_in_failures_cleared",
            AuditAction::NotificationPreferenceChanged => "notification_preference_changed",
            AuditAction::EntryChanged => "entry_changed",
            AuditAction::EntryMoved => "entry_moved",
            AuditAction::EntryDeleted => "entry_deleted",
            AuditAction::DependencyRemoved => "dependency_removed",
            AuditAction::VaultRenamed => "vault_renamed",
            AuditAction::VaultDeleted => "vault_deleted",
            AuditAction::Imported => "imported",
            AuditAction::UserChanged => "user_changed",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::MemberRemoved => "member_removed",
            AuditAction::ApproverRemoved => "approver_removed",
            AuditAction::StandingRemoved => "standing_removed",
            AuditAction::PermissionSetChanged => "permission_set_changed",
            AuditAction::PermissionSetDeleted => "permission_set_deleted",
            AuditAction::VaultPolicyChanged => "vault_policy_changed",
            AuditAction::KeyMoved => "key_moved",
            AuditAction::AuditExported => "audit_exported",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// One stored event of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it; `None` for the system (expiry, lapse).
    pub actor_id: Option<UserId>,
    /// The stored action name.
    pub action: String,
    /// The request concerned.
    pub request_id: Option<RequestId>,
    /// The entry concerned.
    pub entry_id: Option<EntryId>,
    /// JSON text with before/after values and other details; never a secret.
    pub details: String,
    /// The hash of the previous event ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// The hash of this event.
    pub hash: String,
}

impl AuditEvent {
    /// Builds the event that follows `prev` (`None` for the first), computing its hash.
    pub fn next(
        prev: Option<(i64, &str)>,
        at: Timestamp,
        actor_id: Option<UserId>,
        action: AuditAction,
        request_id: Option<RequestId>,
        entry_id: Option<EntryId>,
        details: String,
    ) -> AuditEvent {
        let (seq, prev_hash) = prev.map_or((1, GENESIS_HASH.to_owned()), |(seq, hash)| {
            (seq + 1, hash.to_owned())
        });
        let mut event = AuditEvent {
            seq,
            at,
            actor_id,
            action: action.as_str().to_owned(),
            request_id,
            entry_id,
            details,
            prev_hash,
            hash: String::new(),
        };
        event.hash = event.computed_hash();
        event
    }

    /// The hash its fields call for.
    pub fn computed_hash(&self) -> String {
        let mut hasher = Sha256::new();
        // Fields are length-prefixed so no two different events hash the same text.
        let opt = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
        let fields = [
            self.prev_hash.clone(),
            self.seq.to_string(),
            self.at.millis().to_string(),
            opt(self.actor_id.map(|u| u.0)),
            self.action.clone(),
            opt(self.request_id.map(|r| r.0)),
            opt(self.entry_id.map(|e| e.0)),
            self.details.clone(),
        ];
        for field in &fields {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

/// A chain's length and the hash of its last event: what can be kept outside
/// the workspace to check later that the log still extends it (R-BEY-12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChainHead {
    /// How many events, which is also the last event's position.
    pub events: i64,
    /// The hash of the last event.
    pub hash: String,
}

impl ChainHead {
    /// The head of a chain whose last event is `event`.
    pub fn of(event: &AuditEvent) -> ChainHead {
        ChainHead {
            events: event.seq,
            hash: event.hash.clone(),
        }
    }

    /// Parses `COUNT:HASH`, the form [`ChainHead`]'s `Display` writes.
    pub fn parse(text: &str) -> Result<ChainHead, String> {
        let invalid = || {
            format!(
                "{text:?} is not an audit head: write COUNT:HASH as `latchkey audit head` prints it"
            )
        };
        let (count, hash) = text.trim().split_once(':').ok_or_else(invalid)?;
        let events: i64 = count.trim().parse().map_err(|_| invalid())?;
        let hash = hash.trim().to_ascii_lowercase();
        if events < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        Ok(ChainHead { events, hash })
    }
}

impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.events, self.hash)
    }
}

/// Who holds a head that the chain must extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadSource {
    /// This computer's witness: the head seen the last time the chain verified.
    Witness,
    /// A head given on the command line (`--expect`).
    Expected,
}

impl HeadSource {
    fn remembered(self) -> &'static str {
        match self {
            HeadSource::Witness => "this computer saw",
            HeadSource::Expected => "expected",
        }
    }
}

/// Describes a head for messages: its count and full hash.
fn head_text(head: Option<&ChainHead>) -> String {
    match head {
        Some(head) if head.events == 1 => format!("1 event (head {})", head.hash),
        Some(head) => format!("{} events (head {})", head.events, head.hash),
        None => "no events".to_owned(),
    }
}

/// Where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The event's stored fields do not match its hash, or it does not follow its predecessor.
    Altered {
        /// The event.
        seq: i64,
    },
    /// An event is missing before the one found.
    Missing {
        /// The event expected.
        seq: i64,
    },
    /// The newest events were removed (the recorded head is gone).
    TailMissing {
        /// The last event recorded as written.
        head_seq: i64,
        /// The last event found.
        last_seq: i64,
    },
    /// The first event is not the workspace's creation: the start of the log
    /// was replaced.
    NotFromCreation {
        /// The action the first event records.
        action: String,
    },
    /// There are no events at all although the workspace holds data.
    Wiped,
    /// The recorded head of the log (kept beside the events) was altered.
    HeadAltered,
    /// The workspace's id was removed or altered, so nothing remembered
    /// about its log can be found.
    NoWorkspaceId,
    /// The workspace's id is not the one its creation event records: the
    /// id was changed, which would hide what this computer saw of its log.
    IdNotFromCreation {
        /// The id the workspace claims now.
        claimed: String,
        /// The id its creation event records.
        created: String,
    },
    /// The workspace file at a path where this computer saw another
    /// workspace claims a different id: it was replaced.
    Replaced {
        /// The workspace file.
        file: String,
        /// The id this computer saw there.
        seen: String,
        /// The id the file claims now.
        claimed: String,
        /// The record to remove if the replacement was deliberate.
        record: String,
    },
    /// The chain is shorter than a head remembered outside the workspace.
    Shorter {
        /// Who remembered the head.
        source: HeadSource,
        /// The head remembered.
        remembered: ChainHead,
        /// The chain's last event as found (`None`: no events).
        found: Option<ChainHead>,
    },
    /// The event at a remembered position is not the one remembered: the log
    /// was rewritten.
    Rewritten {
        /// Who remembered the head.
        source: HeadSource,
        /// The head remembered.
        remembered: ChainHead,
        /// The hash of the event now at that position.
        found_hash: String,
    },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Altered { seq } => write!(f, "audit event {seq} was altered"),
            ChainBreak::Missing { seq } => write!(f, "audit event {seq} is missing"),
            ChainBreak::TailMissing { head_seq, last_seq } if *head_seq == last_seq + 1 => {
                write!(f, "audit event {head_seq} (the last one) is missing")
            }
            ChainBreak::TailMissing { head_seq, last_seq } => {
                write!(f, "audit events {} to {head_seq} are missing", last_seq + 1)
            }
            ChainBreak::NotFromCreation { action } => write!(
                f,
                "audit event 1 is not the workspace's creation (it records {action:?}): the start of the log was replaced"
            ),
            ChainBreak::Wiped => write!(
                f,
                "the audit log has no events although the workspace holds data: its events were removed"
            ),
            ChainBreak::HeadAltered => {
                write!(f, "the recorded head of the audit log was altered")
            }
            ChainBreak::NoWorkspaceId => write!(
                f,
                "the workspace's id was removed or altered, so what this computer saw of its audit log cannot be checked"
            ),
            ChainBreak::IdNotFromCreation { claimed, created } => write!(
                f,
                "the workspace's id was altered: it claims to be {} but its audit log records its creation as {}, so what this computer saw of the log would not be found",
                claimed.escape_debug(),
                created.escape_debug()
            ),
            ChainBreak::Replaced {
                file,
                seen,
                claimed,
                record,
            } => write!(
                f,
                "the workspace at {} was {} when this computer last saw it and now claims to be {}: the file was replaced; if it was deliberately replaced, remove {record}",
                file.escape_debug(),
                seen.escape_debug(),
                claimed.escape_debug()
            ),
            ChainBreak::Shorter {
                source,
                remembered,
                found,
            } => write!(
                f,
                "the audit log was cut back: {} {}, now it has {}",
                source.remembered(),
                head_text(Some(remembered)),
                head_text(found.as_ref())
            ),
            ChainBreak::Rewritten {
                source,
                remembered,
                found_hash,
            } => write!(
                f,
                "the audit log was rewritten: {} {}, now event {} has hash {found_hash}",
                source.remembered(),
                head_text(Some(remembered)),
                remembered.events
            ),
        }
    }
}

/// Checks events one by one, in `seq` order, without holding them all.
///
/// Besides the chain's own links it checks that the chain starts with the
/// workspace's creation, and that it extends every head remembered outside
/// the workspace ([`ChainVerifier::expect_extends`]).
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
    references: Vec<(HeadSource, ChainHead)>,
}

impl Default for ChainVerifier {
    fn default() -> ChainVerifier {
        ChainVerifier {
            last_seq: 0,
            last_hash: GENESIS_HASH.to_owned(),
            references: Vec::new(),
        }
    }
}

impl ChainVerifier {
    /// Continues a chain from `event`, which must be the one `known` names:
    /// unaltered and with the hash remembered. Checks only what follows, so
    /// the cost is the events added since.
    pub fn resume(
        event: &AuditEvent,
        source: HeadSource,
        known: &ChainHead,
    ) -> Result<ChainVerifier, ChainBreak> {
        if event.seq != known.events || event.computed_hash() != event.hash {
            return Err(ChainBreak::Altered { seq: known.events });
        }
        if event.hash != known.hash {
            return Err(ChainBreak::Rewritten {
                source,
                remembered: known.clone(),
                found_hash: event.hash.clone(),
            });
        }
        Ok(ChainVerifier {
            last_seq: event.seq,
            last_hash: event.hash.clone(),
            references: Vec::new(),
        })
    }

    /// Also requires the chain to extend `head` (remembered by `source`): at
    /// least that many events, and the same event at that position.
    pub fn expect_extends(&mut self, source: HeadSource, head: ChainHead) {
        self.references.push((source, head));
    }

    /// Checks the next event.
    pub fn check(&mut self, event: &AuditEvent) -> Result<(), ChainBreak> {
        let expected = self.last_seq + 1;
        if event.seq != expected {
            return Err(if event.seq > expected {
                ChainBreak::Missing { seq: expected }
            } else {
                ChainBreak::Altered { seq: event.seq }
            });
        }
        if event.computed_hash() != event.hash {
            return Err(ChainBreak::Altered { seq: event.seq });
        }
        if event.prev_hash != self.last_hash {
            // The event itself is consistent, so its predecessor was rewritten
            // (or, for the first event, the chain was restarted).
            return Err(ChainBreak::Altered {
                seq: self.last_seq.max(1),
            });
        }
        // Invariant: a workspace's log starts with its creation, written in
        // the same transaction as the workspace itself.
        if event.seq == 1 && event.action != AuditAction::WorkspaceCreated.as_str() {
            return Err(ChainBreak::NotFromCreation {
                action: event.action.clone(),
            });
        }
        if let Some((source, remembered)) = self
            .references
            .iter()
            .find(|(_, r)| r.events == event.seq && r.hash != event.hash)
        {
            return Err(ChainBreak::Rewritten {
                source: *source,
                remembered: remembered.clone(),
                found_hash: event.hash.clone(),
            });
        }
        self.last_seq = event.seq;
        self.last_hash.clone_from(&event.hash);
        Ok(())
    }

    /// The break to report for the row at `seq` whose stored columns could not
    /// be read as an event (a value of the wrong type).
    pub fn unreadable(&self, seq: i64) -> ChainBreak {
        let expected = self.last_seq + 1;
        if seq > expected {
            ChainBreak::Missing { seq: expected }
        } else {
            ChainBreak::Altered { seq }
        }
    }

    /// Ends the walk: the last event must be the recorded head, an empty log
    /// is only valid in an empty store (`holds_data` false), and every
    /// remembered head must be reached. Returns the number of events.
    pub fn finish(self, head: Option<(i64, &str)>, holds_data: bool) -> Result<i64, ChainBreak> {
        match head {
            Some((head_seq, _)) if head_seq > self.last_seq => {
                return Err(ChainBreak::TailMissing {
                    head_seq,
                    last_seq: self.last_seq,
                });
            }
            Some((head_seq, head_hash))
                if head_seq == self.last_seq && head_hash != self.last_hash =>
            {
                return Err(ChainBreak::Altered { seq: head_seq });
            }
            _ => {}
        }
        let found = (self.last_seq > 0).then(|| ChainHead {
            events: self.last_seq,
            hash: self.last_hash.clone(),
        });
        if let Some((source, remembered)) = self
            .references
            .iter()
            .find(|(_, r)| r.events > self.last_seq)
        {
            return Err(ChainBreak::Shorter {
                source: *source,
                remembered: remembered.clone(),
                found,
            });
        }
        if self.last_seq == 0 && (head.is_some() || holds_data) {
            return Err(ChainBreak::Wiped);
        }
        Ok(self.last_seq)
    }

    /// The head reached so far (`None` before the first event).
    pub fn head(&self) -> Option<ChainHead> {
        (self.last_seq > 0).then(|| ChainHead {
            events: self.last_seq,
            hash: self.last_hash.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut events: Vec<AuditEvent> = Vec::new();
        for i in 0..n {
            let prev = events.last().map(|e| (e.seq, e.hash.as_str()));
            events.push(AuditEvent::next(
                prev,
                Timestamp(1_000 + i),
                Some(UserId(1)),
                if i == 0 {
                    AuditAction::WorkspaceCreated
                } else {
                    AuditAction::Requested
                },
                Some(RequestId(i)),
                None,
                format!("{{\"n\":{i}}}"),
            ));
        }
        events
    }

    fn verify(events: &[AuditEvent], head: Option<(i64, &str)>) -> Result<i64, ChainBreak> {
        let mut verifier = ChainVerifier::default();
        for e in events {
            verifier.check(e)?;
        }
        verifier.finish(head, true)
    }

    /// R-AUD-2: an intact chain verifies; each kind of damage names the event.
    #[test]
    fn chain_reports_the_first_altered_or_missing_event() {
        let events = chain(5);
        let head = events.last().map(|e| (e.seq, e.hash.clone())).unwrap();
        let head = Some((head.0, head.1.as_str()));
        assert_eq!(verify(&events, head), Ok(5));

        let mut altered = events.clone();
        altered[2].details = "{\"n\":99}".into();
        assert_eq!(verify(&altered, head), Err(ChainBreak::Altered { seq: 3 }));

        let mut rehashed = events.clone();
        rehashed[1].actor_id = Some(UserId(9));
        rehashed[1].hash = rehashed[1].computed_hash();
        assert_eq!(verify(&rehashed, head), Err(ChainBreak::Altered { seq: 2 }));

        let mut removed = events.clone();
        removed.remove(3);
        assert_eq!(verify(&removed, head), Err(ChainBreak::Missing { seq: 4 }));

        let truncated = &events[..3];
        assert_eq!(
            verify(truncated, head),
            Err(ChainBreak::TailMissing {
                head_seq: 5,
                last_seq: 3
            })
        );
        assert_eq!(
            ChainBreak::TailMissing {
                head_seq: 5,
                last_seq: 3
            }
            .to_string(),
            "audit events 4 to 5 are missing"
        );
    }

    fn head_of(events: &[AuditEvent], n: usize) -> ChainHead {
        ChainHead::of(&events[n - 1])
    }

    /// R-AUD-2: the log starts with the workspace's creation; an empty log
    /// beside data is a wiped one.
    #[test]
    fn a_log_not_started_by_creation_or_empty_beside_data_is_broken() {
        let mut relinked: Vec<AuditEvent> = Vec::new();
        for action in [AuditAction::UserCreated, AuditAction::Requested] {
            let prev = relinked.last().map(|p| (p.seq, p.hash.as_str()));
            relinked.push(AuditEvent::next(
                prev,
                Timestamp(1_000),
                None,
                action,
                None,
                None,
                "{}".into(),
            ));
        }
        assert_eq!(
            verify(&relinked, None),
            Err(ChainBreak::NotFromCreation {
                action: "user_created".into()
            })
        );
        assert_eq!(verify(&[], None), Err(ChainBreak::Wiped));
        assert_eq!(ChainVerifier::default().finish(None, false), Ok(0));
        assert_eq!(
            ChainVerifier::default().finish(Some((4, "x")), false),
            Err(ChainBreak::TailMissing {
                head_seq: 4,
                last_seq: 0
            })
        );
    }

    /// R-BEY-12: a remembered head must be reached, with the same event there.
    #[test]
    fn a_chain_must_extend_every_remembered_head() {
        let events = chain(6);
        let walk = |events: &[AuditEvent], remembered: &ChainHead| {
            let mut verifier = ChainVerifier::default();
            verifier.expect_extends(HeadSource::Witness, remembered.clone());
            for e in events {
                verifier.check(e)?;
            }
            verifier.finish(None, true)
        };
        let at4 = head_of(&events, 4);
        assert_eq!(walk(&events, &at4), Ok(6));
        assert_eq!(walk(&events[..4], &at4), Ok(4));
        assert_eq!(
            walk(&events[..3], &at4),
            Err(ChainBreak::Shorter {
                source: HeadSource::Witness,
                remembered: at4.clone(),
                found: Some(head_of(&events, 3)),
            })
        );
        assert_eq!(
            walk(&[], &at4),
            Err(ChainBreak::Shorter {
                source: HeadSource::Witness,
                remembered: at4.clone(),
                found: None,
            })
        );
        let other = chain(6)
            .into_iter()
            .map(|mut e| {
                e.details = format!("other {}", e.seq);
                e
            })
            .collect::<Vec<_>>();
        let mut rebuilt: Vec<AuditEvent> = Vec::new();
        for e in &other {
            let prev = rebuilt.last().map(|p| (p.seq, p.hash.as_str()));
            let action = AuditAction::parse(&e.action).unwrap();
            rebuilt.push(AuditEvent::next(
                prev,
                e.at,
                e.actor_id,
                action,
                e.request_id,
                e.entry_id,
                e.details.clone(),
            ));
        }
        assert_eq!(
            walk(&rebuilt, &at4),
            Err(ChainBreak::Rewritten {
                source: HeadSource::Witness,
                remembered: at4.clone(),
                found_hash: rebuilt[3].hash.clone(),
            })
        );
        let message = ChainBreak::Shorter {
            source: HeadSource::Witness,
            remembered: at4.clone(),
            found: Some(head_of(&events, 3)),
        }
        .to_string();
        assert!(message.contains("this computer saw 4 events"), "{message}");
        assert!(message.contains(&at4.hash), "{message}");
        assert!(message.contains("now it has 3 events"), "{message}");

        // Resuming from the remembered event checks only what follows.
        let mut resumed = ChainVerifier::resume(&events[3], HeadSource::Witness, &at4).unwrap();
        for e in &events[4..] {
            resumed.check(e).unwrap();
        }
        assert_eq!(resumed.head(), Some(head_of(&events, 6)));
        assert!(matches!(
            ChainVerifier::resume(&rebuilt[3], HeadSource::Witness, &at4),
            Err(ChainBreak::Rewritten { .. })
        ));
    }

    #[test]
    fn a_head_round_trips_through_its_text() {
        let events = chain(2);
        let head = head_of(&events, 2);
        assert_eq!(ChainHead::parse(&head.to_string()), Ok(head.clone()));
        assert_eq!(
            ChainHead::parse(&format!(" 2:{} ", head.hash.to_uppercase())),
            Ok(head)
        );
        for bad in [
            "",
            "2",
            "x:ab",
            "0:ab",
            &format!("0:{GENESIS_HASH}"),
            "2:zz",
        ] {
            assert!(ChainHead::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_action_name_parses_back() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
    }
}
