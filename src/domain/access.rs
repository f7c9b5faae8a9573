//! Effective permissions of a user on an entry at an instant (docs/requirements.md §1).
//!
//! effective = standing ∪ every grant whose window contains the instant and
//! that is not revoked, released or lapsed. A grant's end is exclusive and
//! exact. Administrators hold every permission. Overlapping grants combine
//! (R-BEY-8): each is judged on its own window, so one ending never cuts
//! another short.

use super::error::DomainError;
use super::ids::EntryId;
use super::ids::RequestId;
use super::permission::{Permission, Permissions};
use super::request::{Phase, Request};
use super::time::Timestamp;
use std::collections::HashMap;

/// One grant that covers the entry, with the permissions of its authorized set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFact {
    /// The request it came from.
    pub request_id: RequestId,
    /// What it allows.
    pub permissions: Permissions,
    /// Where it stands; see [`Request::phase`].
    pub request: Request,
}

/// Everything needed to decide a user's permissions on one entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessFacts {
    /// The user is an administrator.
    pub is_admin: bool,
    /// Standing permissions inherited down the tree onto the entry.
    pub standing: Permissions,
    /// Approved grants covering the entry (its own and those of items that depend on it).
    pub grants: Vec<GrantFact>,
    /// The workspace lets non-administrators reveal passwords (R-REQ-8).
    pub allow_reveal_password: bool,
}

/// Why an action is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessSource {
    /// The user is an administrator.
    Administrator,
    /// A standing permission.
    Standing,
    /// A grant whose window contains the instant.
    Grant(RequestId),
    /// A start-on-first-use grant: this action starts its clock (R-BEY-2).
    FirstUse(RequestId),
}

impl AccessFacts {
    fn policy_filter(&self, permissions: Permissions) -> Permissions {
        if self.allow_reveal_password || self.is_admin {
            permissions
        } else {
            permissions.without(Permission::ViewPassword)
        }
    }

    /// The grants that count at `now`: running, or waiting for a first use
    /// that would start them.
    fn grants_in_force(&self, now: Timestamp) -> impl Iterator<Item = &GrantFact> {
        self.grants.iter().filter(move |g| {
            matches!(
                g.request.phase(now),
                Phase::Active | Phase::AwaitingFirstUse
            )
        })
    }

    /// The permissions held at `now`, counting start-on-first-use grants that
    /// may still be claimed (their first use is what starts them).
    pub fn effective_permissions(&self, now: Timestamp) -> Permissions {
        if self.is_admin {
            return Permissions::ALL;
        }
        let granted = self
            .grants_in_force(now)
            .fold(Permissions::NONE, |acc, g| acc.union(g.permissions));
        self.policy_filter(self.standing.union(granted))
    }

    /// Another entry whose grant, in force at `now`, covers `entry` because
    /// that entry depends on it (a grant on Orders DB opens Database sa);
    /// the window names it so that the access is not a riddle (issue 12).
    /// `None` when the entry's own grant or a standing permission is in
    /// force too, since then the other grant is not all there is to say.
    pub fn granted_through(&self, entry: EntryId, now: Timestamp) -> Option<EntryId> {
        if self.is_admin || !self.standing.is_empty() {
            return None;
        }
        let mut in_force = self.grants_in_force(now).map(|g| g.request.entry_id);
        let mut through = None;
        for granted_on in in_force.by_ref() {
            if granted_on == entry {
                return None;
            }
            through = through.or(Some(granted_on));
        }
        through
    }

    /// Whether `needed` may be used at `now`, and on what grounds.
    pub fn authorize(
        &self,
        needed: Permission,
        now: Timestamp,
    ) -> Result<AccessSource, DomainError> {
        if self.is_admin {
            return Ok(AccessSource::Administrator);
        }
        if needed == Permission::ViewPassword && !self.allow_reveal_password {
            return Err(DomainError::NotPermitted(
                "revealing and copying passwords is turned off in this workspace".into(),
            ));
        }
        if self.standing.contains(needed) {
            return Ok(AccessSource::Standing);
        }
        let holding = || {
            self.grants
                .iter()
                .filter(|g| g.permissions.contains(needed))
        };
        if let Some(active) = holding().find(|g| g.request.phase(now) == Phase::Active) {
            return Ok(AccessSource::Grant(active.request_id));
        }
        // Claim the first-use grant that would lapse first.
        if let Some(claimable) = holding()
            .filter(|g| g.request.phase(now) == Phase::AwaitingFirstUse)
            .min_by_key(|g| g.request.claim_by_at)
        {
            return Ok(AccessSource::FirstUse(claimable.request_id));
        }
        Err(DomainError::NotPermitted(format!(
            "you don't have the “{}” permission on this entry right now",
            needed.label()
        )))
    }
}

/// The standing permissions that reach `entry`: those on the whole vault, on
/// the entry itself, or on any folder above it (`ancestors`).
pub fn inherited_standing(
    standing: &[(Option<EntryId>, Permissions)],
    entry: EntryId,
    ancestors: &[EntryId],
) -> Permissions {
    standing
        .iter()
        .filter(|(folder, _)| folder.is_none_or(|f| f == entry || ancestors.contains(&f)))
        .fold(Permissions::NONE, |acc, (_, p)| acc.union(*p))
}

/// A user's standing permissions and grants in a whole vault, so that the
/// permissions on any of its entries can be computed in memory (the tree shows
/// a lock on each item without a query per row).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VaultAccess {
    /// The user is an administrator.
    pub is_admin: bool,
    /// The workspace lets non-administrators reveal passwords.
    pub allow_reveal_password: bool,
    /// Standing permissions: (folder, or `None` for the whole vault; permissions).
    pub standing: Vec<(Option<EntryId>, Permissions)>,
    /// Approved grants by each entry they cover.
    pub grants: HashMap<EntryId, Vec<GrantFact>>,
}

impl VaultAccess {
    /// The facts for `entry`, whose folders (nearest first) are `ancestors`.
    pub fn facts(&self, entry: EntryId, ancestors: &[EntryId]) -> AccessFacts {
        AccessFacts {
            is_admin: self.is_admin,
            standing: inherited_standing(&self.standing, entry, ancestors),
            grants: self.grants.get(&entry).cloned().unwrap_or_default(),
            allow_reveal_password: self.allow_reveal_password,
        }
    }

    /// The next instant after `now` at which some entry's permissions change
    /// (a grant starts or ends), so a window knows when to look again.
    pub fn next_change_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.grants
            .values()
            .flatten()
            .flat_map(|g| {
                [
                    g.request.grant_start_at,
                    g.request.grant_end_at,
                    g.request.claim_by_at,
                ]
            })
            .flatten()
            .filter(|at| *at > now)
            .min()
    }
}

/// A user's standing on one entry at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryAccess {
    /// The effective permissions.
    pub permissions: Permissions,
    /// Whether the item's main action is missing (R-REQ-1).
    pub is_locked: bool,
    /// Another entry whose grant in force covers this one as a dependency,
    /// if any; see [`AccessFacts::granted_through`].
    pub granted_through: Option<EntryId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{EntryId, PermissionSetId, UserId, VaultId};
    use crate::domain::request::{AccessWindow, RequestStatus, Terms};

    const T0: Timestamp = Timestamp(1_800_000_000_000);

    fn grant(id: i64, permissions: Permissions, start: i64, end: i64) -> GrantFact {
        let terms = Terms {
            permission_set_id: PermissionSetId(1),
            window: AccessWindow::Duration { mins: 60 },
        };
        GrantFact {
            request_id: RequestId(id),
            permissions,
            request: Request {
                id: RequestId(id),
                approver_id: Some(UserId(2)),
                authorized: Some(terms),
                status: RequestStatus::Approved,
                decided_by: Some(UserId(2)),
                decided_at: Some(T0),
                grant_start_at: Some(Timestamp(T0.0 + start)),
                grant_end_at: Some(Timestamp(T0.0 + end)),
                ..Request::pending(UserId(1), EntryId(1), VaultId(1), terms, T0, T0)
            },
        }
    }

    fn at(offset: i64) -> Timestamp {
        Timestamp(T0.0 + offset)
    }

    /// docs/requirements.md §1: a grant's end is exclusive and exact — access at end − 1 ms, none at end.
    #[test]
    fn grant_end_is_exclusive_to_the_millisecond() {
        let connect = Permissions::of(&[Permission::Connect]);
        let facts = AccessFacts {
            grants: vec![grant(1, connect, 0, 60_000)],
            allow_reveal_password: true,
            ..AccessFacts::default()
        };
        let table = [
            (-1, false),
            (0, true),
            (59_999, true),
            (60_000, false),
            (60_001, false),
        ];
        for (offset, allowed) in table {
            assert_eq!(
                facts.authorize(Permission::Connect, at(offset)).is_ok(),
                allowed,
                "at +{offset} ms"
            );
            assert_eq!(
                facts
                    .effective_permissions(at(offset))
                    .contains(Permission::Connect),
                allowed
            );
        }
    }

    /// R-BEY-8: an earlier grant ending never cuts a later, overlapping one short.
    #[test]
    fn overlapping_grants_combine() {
        let connect = Permissions::of(&[Permission::Connect]);
        let reveal = Permissions::of(&[Permission::ViewPassword]);
        let facts = AccessFacts {
            grants: vec![
                grant(1, connect, 0, 1_000),
                grant(2, connect.union(reveal), 500, 2_000),
            ],
            allow_reveal_password: true,
            ..AccessFacts::default()
        };
        assert_eq!(
            facts.authorize(Permission::Connect, at(100)),
            Ok(AccessSource::Grant(RequestId(1)))
        );
        assert!(facts.authorize(Permission::ViewPassword, at(100)).is_err());
        assert_eq!(facts.effective_permissions(at(700)), connect.union(reveal));
        assert_eq!(
            facts.authorize(Permission::Connect, at(1_500)),
            Ok(AccessSource::Grant(RequestId(2)))
        );
        assert!(facts.authorize(Permission::Connect, at(2_000)).is_err());
    }

    #[test]
    fn revoked_grant_gives_nothing_and_standing_and_admin_always_apply() {
        let connect = Permissions::of(&[Permission::Connect]);
        let mut revoked = grant(1, connect, 0, 1_000);
        revoked.request.status = RequestStatus::Revoked;
        let facts = AccessFacts {
            grants: vec![revoked],
            allow_reveal_password: true,
            ..AccessFacts::default()
        };
        assert!(facts.authorize(Permission::Connect, at(10)).is_err());

        let standing = AccessFacts {
            standing: connect,
            allow_reveal_password: true,
            ..AccessFacts::default()
        };
        assert_eq!(
            standing.authorize(Permission::Connect, at(10)),
            Ok(AccessSource::Standing)
        );
        let admin = AccessFacts {
            is_admin: true,
            ..AccessFacts::default()
        };
        assert_eq!(
            admin.authorize(Permission::ViewPassword, at(10)),
            Ok(AccessSource::Administrator)
        );
        assert_eq!(admin.effective_permissions(at(10)), Permissions::ALL);
    }

    /// R-REQ-8: with "allow reveal password" off, only administrators reveal.
    #[test]
    fn reveal_policy_off_removes_view_password_for_non_admins() {
        let reader = Permissions::of(&[Permission::View, Permission::ViewPassword]);
        let facts = AccessFacts {
            standing: reader,
            allow_reveal_password: false,
            ..AccessFacts::default()
        };
        let err = facts
            .authorize(Permission::ViewPassword, at(0))
            .unwrap_err();
        assert!(err.to_string().contains("turned off"), "{err}");
        assert!(
            !facts
                .effective_permissions(at(0))
                .contains(Permission::ViewPassword)
        );
        assert!(
            facts
                .effective_permissions(at(0))
                .contains(Permission::View)
        );
    }

    /// R-BEY-2: an unclaimed first-use grant is claimable until its claim-by instant.
    #[test]
    fn first_use_grant_is_claimable_until_claim_by() {
        let connect = Permissions::of(&[Permission::Connect]);
        let mut g = grant(7, connect, 0, 0);
        g.request.grant_start_at = None;
        g.request.grant_end_at = None;
        g.request.claim_by_at = Some(at(1_000));
        let facts = AccessFacts {
            grants: vec![g],
            allow_reveal_password: true,
            ..AccessFacts::default()
        };
        assert_eq!(
            facts.authorize(Permission::Connect, at(999)),
            Ok(AccessSource::FirstUse(RequestId(7)))
        );
        assert!(facts.authorize(Permission::Connect, at(1_000)).is_err());
    }

    /// Issue 12: a grant on an entry that depends on this one is named as
    /// the source of the access, unless the entry's own grant or a standing
    /// permission is in force too; a grant that has ended names nothing.
    #[test]
    fn granted_through_names_the_other_entry_only_when_it_is_all_there_is() {
        let reader = Permissions::of(&[Permission::View, Permission::ViewPassword]);
        let on = |entry: i64, g: GrantFact| GrantFact {
            request: Request {
                entry_id: EntryId(entry),
                ..g.request
            },
            ..g
        };
        let mut facts = AccessFacts {
            grants: vec![on(7, grant(1, reader, 0, 60_000))],
            allow_reveal_password: true,
            ..AccessFacts::default()
        };
        assert_eq!(facts.granted_through(EntryId(1), at(0)), Some(EntryId(7)));
        assert_eq!(facts.granted_through(EntryId(1), at(60_000)), None, "ended");
        facts.grants.push(grant(2, reader, 0, 60_000));
        assert_eq!(
            facts.granted_through(EntryId(1), at(0)),
            None,
            "its own grant"
        );
        facts.grants.truncate(1);
        facts.standing = Permissions::of(&[Permission::View]);
        assert_eq!(facts.granted_through(EntryId(1), at(0)), None, "standing");
    }
}
