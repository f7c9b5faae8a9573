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
    /// An administrator cleared a user's failed sign-ins.
    SignInFailuresCleared,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [AuditAction; 31] = [
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
        AuditAction::SignInFailuresCleared,
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
            AuditAction::SignInFailuresCleared => "sign_in_failures_cleared",
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
        }
    }
}

/// Checks events one by one, in `seq` order, without holding them all.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> ChainVerifier {
        ChainVerifier {
            last_seq: 0,
            last_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl ChainVerifier {
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
        self.last_seq = event.seq;
        self.last_hash.clone_from(&event.hash);
        Ok(())
    }

    /// Ends the walk: the last event must be the recorded head. Returns the number of events.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<i64, ChainBreak> {
        match head {
            Some((head_seq, _)) if head_seq > self.last_seq => Err(ChainBreak::TailMissing {
                head_seq,
                last_seq: self.last_seq,
            }),
            Some((head_seq, head_hash))
                if head_seq == self.last_seq && head_hash != self.last_hash =>
            {
                Err(ChainBreak::Altered { seq: head_seq })
            }
            _ => Ok(self.last_seq),
        }
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
                AuditAction::Requested,
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
        verifier.finish(head)
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

    #[test]
    fn every_action_name_parses_back() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
    }
}
