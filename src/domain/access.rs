//! Effective permissions of a user on an entry at an instant (docs/requirements.md §1).
//!
//! effective = standing ∪ every grant whose window contains the instant and
//! that is not revoked, released or lapsed. A grant's end is exclusive and
//! exact. Administrators hold every permission. Overlapping grants combine
//! (R-BEY-8): each is judged on its own window, so one ending never cuts
//! another short.
//!
//! Each permission is decided once, by [`AccessFacts::explain_permission`],
//! which lists every ground that gives it (R-ADM-6); a check
//! ([`AccessFacts::authorize`]) takes the first of them, so what the
//! explainer says and what a check decides cannot drift apart.

use super::error::DomainError;
use super::ids::{EntryId, PermissionSetId, RequestId};
use super::permission::{Permission, Permissions};
use super::request::{Phase, Request, Target};
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

/// One standing permission set of a user: given on the vault's top or on a
/// folder, and inherited by everything below it (R-ADM-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandingFact {
    /// The permission set given.
    pub set_id: PermissionSetId,
    /// The folder it is given on; `None` for the vault's top.
    pub folder_id: Option<EntryId>,
    /// What the set allows now.
    pub permissions: Permissions,
    /// For one an approved permanent request became (R-REQ-10): the
    /// approval, before which it gives nothing. `None`: given by an
    /// administrator, in force from when it was given.
    pub since: Option<Timestamp>,
}

impl StandingFact {
    /// Whether it gives anything at `now`.
    pub fn is_in_force(&self, now: Timestamp) -> bool {
        self.since.is_none_or(|since| since <= now)
    }
}

/// Everything needed to decide a user's permissions on one entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessFacts {
    /// The user is an administrator.
    pub is_admin: bool,
    /// The standing permission sets that reach the entry (on the vault's
    /// top, on the entry itself or on a folder above it).
    pub standing: Vec<StandingFact>,
    /// Approved grants covering the entry (its own, those of items that
    /// depend on it, and those of the folders above it and of its vault).
    pub grants: Vec<GrantFact>,
    /// The workspace lets non-administrators reveal passwords (R-REQ-8).
    pub allow_reveal_password: bool,
}

/// Why an action is allowed: the first of the permission's sources, as
/// [`AccessFacts::authorize`] picks it.
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

/// One ground on which a user holds a permission on an entry (R-ADM-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionSource {
    /// The user is an administrator.
    Administrator,
    /// A standing permission set that includes the permission.
    Standing {
        /// The set given.
        set_id: PermissionSetId,
        /// The folder it is given on and inherited from; `None` for the vault's top.
        folder_id: Option<EntryId>,
    },
    /// A grant in force whose set includes the permission.
    Grant {
        /// The request it came from.
        request_id: RequestId,
        /// Approved to start on first use and not used yet: the next use
        /// starts its clock (R-BEY-2).
        awaiting_first_use: bool,
    },
}

impl PermissionSource {
    /// The source as the permission checks record it.
    pub const fn access_source(self) -> AccessSource {
        match self {
            PermissionSource::Administrator => AccessSource::Administrator,
            PermissionSource::Standing { .. } => AccessSource::Standing,
            PermissionSource::Grant {
                request_id,
                awaiting_first_use: false,
            } => AccessSource::Grant(request_id),
            PermissionSource::Grant {
                request_id,
                awaiting_first_use: true,
            } => AccessSource::FirstUse(request_id),
        }
    }
}

/// One permission of a user on an entry at an instant, and why (R-ADM-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionExplanation {
    /// The permission explained.
    pub permission: Permission,
    /// Whether the user holds it at the instant: what a check at that
    /// instant decides.
    pub held: bool,
    /// Every ground that gives it, in the order a check prefers them
    /// (administrator; standing sets; running grants; grants awaiting their
    /// first use, the one whose claim window closes first first). Listed
    /// even when the workspace policy withholds the permission.
    pub sources: Vec<PermissionSource>,
    /// The workspace policy takes the permission away whatever its sources
    /// (View password while "allow reveal password" is off, for anyone but
    /// an administrator; R-REQ-8).
    pub withheld_by_policy: bool,
}

impl AccessFacts {
    fn policy_filter(&self, permissions: Permissions) -> Permissions {
        if self.allow_reveal_password || self.is_admin {
            permissions
        } else {
            permissions.without(Permission::ViewPassword)
        }
    }

    /// Every standing permission that reaches the entry and is in force at `now`, together.
    pub fn standing_permissions(&self, now: Timestamp) -> Permissions {
        self.standing
            .iter()
            .filter(|s| s.is_in_force(now))
            .fold(Permissions::NONE, |acc, s| acc.union(s.permissions))
    }

    /// The grants that count at `now`: running, or waiting for a first use
    /// that would start them. An approved permanent request is not among
    /// them: the standing permission it became is what gives its access, so
    /// removing that permission ends it (R-REQ-10).
    fn grants_in_force(&self, now: Timestamp) -> impl Iterator<Item = &GrantFact> {
        self.grants.iter().filter(move |g| {
            !g.request.is_permanent()
                && matches!(
                    g.request.phase(now),
                    Phase::Active | Phase::AwaitingFirstUse
                )
        })
    }

    /// The permissions held at `now`, counting start-on-first-use grants that
    /// may still be claimed (their first use is what starts them).
    ///
    /// Invariant: a permission is in the result exactly when
    /// [`AccessFacts::explain_permission`] says it is held (tested below);
    /// this is its allocation-free form for the tree's lock icons.
    pub fn effective_permissions(&self, now: Timestamp) -> Permissions {
        if self.is_admin {
            return Permissions::ALL;
        }
        let granted = self
            .grants_in_force(now)
            .fold(Permissions::NONE, |acc, g| acc.union(g.permissions));
        self.policy_filter(self.standing_permissions(now).union(granted))
    }

    /// Another entry whose grant, in force at `now`, covers `entry` because
    /// that entry depends on it (a grant on Orders DB opens Database sa);
    /// the window names it so that the access is not a riddle (issue 12).
    /// `None` when the entry's own grant or a standing permission is in
    /// force too, since then the other grant is not all there is to say.
    pub fn granted_through(&self, entry: EntryId, now: Timestamp) -> Option<EntryId> {
        if self.is_admin || !self.standing_permissions(now).is_empty() {
            return None;
        }
        let mut through = None;
        for granted in self.grants_in_force(now) {
            // A folder or vault grant covers the entry itself, not as a dependency.
            match granted.request.target {
                Target::Entry(granted_on) if granted_on != entry => {
                    through = through.or(Some(granted_on));
                }
                _ => return None,
            }
        }
        through
    }

    /// Whether `permission` is held at `now`, and every ground that gives
    /// it (R-ADM-6). This is the decision itself: [`AccessFacts::authorize`]
    /// takes its first source, so a check and its explanation never differ.
    pub fn explain_permission(
        &self,
        permission: Permission,
        now: Timestamp,
    ) -> PermissionExplanation {
        if self.is_admin {
            return PermissionExplanation {
                permission,
                held: true,
                sources: vec![PermissionSource::Administrator],
                withheld_by_policy: false,
            };
        }
        let withheld_by_policy = !self
            .policy_filter(Permissions::of(&[permission]))
            .contains(permission);
        let mut sources: Vec<PermissionSource> = self
            .standing
            .iter()
            .filter(|s| s.is_in_force(now) && s.permissions.contains(permission))
            .map(|s| PermissionSource::Standing {
                set_id: s.set_id,
                folder_id: s.folder_id,
            })
            .collect();
        let holding = || {
            self.grants_in_force(now)
                .filter(move |g| g.permissions.contains(permission))
        };
        sources.extend(
            holding()
                .filter(|g| g.request.phase(now) == Phase::Active)
                .map(|g| PermissionSource::Grant {
                    request_id: g.request_id,
                    awaiting_first_use: false,
                }),
        );
        // A use claims the first-use grant that would lapse first (the
        // earliest listed among equals: the sort is stable).
        let mut awaiting: Vec<&GrantFact> = holding()
            .filter(|g| g.request.phase(now) == Phase::AwaitingFirstUse)
            .collect();
        awaiting.sort_by_key(|g| g.request.claim_by_at);
        sources.extend(awaiting.into_iter().map(|g| PermissionSource::Grant {
            request_id: g.request_id,
            awaiting_first_use: true,
        }));
        PermissionExplanation {
            permission,
            held: !withheld_by_policy && !sources.is_empty(),
            sources,
            withheld_by_policy,
        }
    }

    /// Every permission of [`Permission::ALL`], in that order, explained at `now`.
    pub fn explain(&self, now: Timestamp) -> Vec<PermissionExplanation> {
        Permission::ALL
            .into_iter()
            .map(|p| self.explain_permission(p, now))
            .collect()
    }

    /// Whether `needed` may be used at `now`, and on what grounds: the
    /// first source of its explanation.
    pub fn authorize(
        &self,
        needed: Permission,
        now: Timestamp,
    ) -> Result<AccessSource, DomainError> {
        let explained = self.explain_permission(needed, now);
        match explained.sources.first() {
            Some(source) if explained.held => Ok(source.access_source()),
            _ if explained.withheld_by_policy => Err(DomainError::NotPermitted(
                "revealing and copying passwords is turned off in this workspace".into(),
            )),
            _ => Err(DomainError::NotPermitted(format!(
                "you don't have the “{}” permission on this entry right now",
                needed.label()
            ))),
        }
    }
}

/// The standing permissions that reach `entry`: those on the whole vault, on
/// the entry itself, or on any folder above it (`ancestors`).
pub fn inherited_standing(
    standing: &[StandingFact],
    entry: EntryId,
    ancestors: &[EntryId],
) -> Vec<StandingFact> {
    standing
        .iter()
        .filter(|s| {
            s.folder_id
                .is_none_or(|f| f == entry || ancestors.contains(&f))
        })
        .copied()
        .collect()
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
    /// The user's standing permission sets in the vault.
    pub standing: Vec<StandingFact>,
    /// Approved entry grants by each entry they cover.
    pub grants: HashMap<EntryId, Vec<GrantFact>>,
    /// Approved folder and vault grants, which cover what is below their
    /// target (R-REQ-11).
    pub scoped: Vec<GrantFact>,
}

impl VaultAccess {
    /// The facts for `entry`, whose folders (nearest first) are `ancestors`.
    pub fn facts(&self, entry: EntryId, ancestors: &[EntryId]) -> AccessFacts {
        AccessFacts {
            is_admin: self.is_admin,
            standing: inherited_standing(&self.standing, entry, ancestors),
            grants: self
                .grants
                .get(&entry)
                .into_iter()
                .flatten()
                .chain(
                    self.scoped
                        .iter()
                        .filter(|g| g.request.target.covers_by_tree(entry, ancestors)),
                )
                .cloned()
                .collect(),
            allow_reveal_password: self.allow_reveal_password,
        }
    }

    /// The next instant after `now` at which some entry's permissions change
    /// (a grant starts or ends), so a window knows when to look again.
    pub fn next_change_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.grants
            .values()
            .flatten()
            .chain(&self.scoped)
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
                ..Request::pending(
                    UserId(1),
                    Target::Entry(EntryId(1)),
                    VaultId(1),
                    terms,
                    T0,
                    T0,
                )
            },
        }
    }

    fn at(offset: i64) -> Timestamp {
        Timestamp(T0.0 + offset)
    }

    /// A standing set `set` on `folder` (`None`: the vault's top).
    fn standing(set: i64, folder: Option<i64>, permissions: Permissions) -> StandingFact {
        StandingFact {
            set_id: PermissionSetId(set),
            folder_id: folder.map(EntryId),
            permissions,
            since: None,
        }
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

        let standing_only = AccessFacts {
            standing: vec![standing(3, None, connect)],
            allow_reveal_password: true,
            ..AccessFacts::default()
        };
        assert_eq!(
            standing_only.authorize(Permission::Connect, at(10)),
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
            standing: vec![standing(1, Some(4), reader)],
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
                target: Target::Entry(EntryId(entry)),
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
        facts.standing = vec![standing(1, None, Permissions::of(&[Permission::View]))];
        assert_eq!(facts.granted_through(EntryId(1), at(0)), None, "standing");
    }

    /// R-ADM-6: every source is listed, in the order a check prefers them,
    /// and the check takes the first; an ended grant is no source.
    #[test]
    fn explanation_lists_every_source_and_authorize_takes_the_first() {
        let connect = Permissions::of(&[Permission::Connect]);
        let mut awaiting_late = grant(8, connect, 0, 0);
        awaiting_late.request.grant_start_at = None;
        awaiting_late.request.grant_end_at = None;
        awaiting_late.request.claim_by_at = Some(at(5_000));
        let mut awaiting_soon = awaiting_late.clone();
        awaiting_soon.request_id = RequestId(9);
        awaiting_soon.request.id = RequestId(9);
        awaiting_soon.request.claim_by_at = Some(at(2_000));
        let mut facts = AccessFacts {
            standing: vec![
                standing(1, Some(4), connect),
                standing(2, None, Permissions::of(&[Permission::View])),
            ],
            grants: vec![
                grant(5, connect, -1_000, -1),
                awaiting_late,
                grant(6, connect, 0, 60_000),
                awaiting_soon,
            ],
            allow_reveal_password: true,
            ..AccessFacts::default()
        };
        let explained = facts.explain_permission(Permission::Connect, at(0));
        assert!(explained.held);
        assert!(!explained.withheld_by_policy);
        assert_eq!(
            explained.sources,
            [
                PermissionSource::Standing {
                    set_id: PermissionSetId(1),
                    folder_id: Some(EntryId(4)),
                },
                PermissionSource::Grant {
                    request_id: RequestId(6),
                    awaiting_first_use: false,
                },
                PermissionSource::Grant {
                    request_id: RequestId(9),
                    awaiting_first_use: true,
                },
                PermissionSource::Grant {
                    request_id: RequestId(8),
                    awaiting_first_use: true,
                },
            ]
        );
        assert_eq!(
            facts.authorize(Permission::Connect, at(0)),
            Ok(AccessSource::Standing)
        );
        facts.standing.clear();
        assert_eq!(
            facts.authorize(Permission::Connect, at(0)),
            Ok(AccessSource::Grant(RequestId(6)))
        );
        facts.grants.remove(2);
        assert_eq!(
            facts.authorize(Permission::Connect, at(0)),
            Ok(AccessSource::FirstUse(RequestId(9)))
        );
        let all = facts.explain(at(0));
        assert_eq!(
            all.iter().map(|e| e.permission).collect::<Vec<_>>(),
            Permission::ALL
        );
        assert!(
            all.iter()
                .all(|e| e.held == (e.permission == Permission::Connect))
        );
    }

    /// R-ADM-6, R-REQ-8: the policy withholds View password from everyone but
    /// administrators, whose only source is the flag.
    #[test]
    fn explanation_says_when_the_policy_withholds_and_names_administrators() {
        let reader = Permissions::of(&[Permission::View, Permission::ViewPassword]);
        let facts = AccessFacts {
            standing: vec![standing(1, None, reader)],
            allow_reveal_password: false,
            ..AccessFacts::default()
        };
        let explained = facts.explain_permission(Permission::ViewPassword, at(0));
        assert!(!explained.held);
        assert!(explained.withheld_by_policy);
        assert_eq!(explained.sources.len(), 1, "the set is still named");
        assert!(
            !facts
                .explain_permission(Permission::View, at(0))
                .withheld_by_policy
        );
        let admin = AccessFacts {
            is_admin: true,
            ..facts
        };
        for explained in admin.explain(at(0)) {
            assert!(explained.held);
            assert!(!explained.withheld_by_policy);
            assert_eq!(explained.sources, [PermissionSource::Administrator]);
        }
    }

    /// The allocation-free effective permissions agree with the explanation
    /// at every instant around the grants' boundaries.
    #[test]
    fn effective_permissions_agree_with_the_explanation() {
        let connect = Permissions::of(&[Permission::Connect]);
        let reader = Permissions::of(&[Permission::View, Permission::ViewPassword]);
        let mut first_use = grant(3, reader, 0, 0);
        first_use.request.grant_start_at = None;
        first_use.request.grant_end_at = None;
        first_use.request.claim_by_at = Some(at(700));
        for allow_reveal_password in [true, false] {
            for standing_sets in [vec![], vec![standing(1, None, connect)]] {
                let facts = AccessFacts {
                    standing: standing_sets,
                    grants: vec![
                        grant(1, connect, 0, 500),
                        grant(2, reader, 250, 1_000),
                        first_use.clone(),
                    ],
                    allow_reveal_password,
                    ..AccessFacts::default()
                };
                for offset in [-1, 0, 249, 250, 499, 500, 699, 700, 999, 1_000] {
                    let effective = facts.effective_permissions(at(offset));
                    for explained in facts.explain(at(offset)) {
                        assert_eq!(
                            effective.contains(explained.permission),
                            explained.held,
                            "{:?} at +{offset}",
                            explained.permission
                        );
                        assert_eq!(
                            facts.authorize(explained.permission, at(offset)).is_ok(),
                            explained.held
                        );
                    }
                }
            }
        }
    }
}
