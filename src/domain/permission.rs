//! Atomic permissions, sets of them, and the built-in permission sets.

use super::ids::{EntryId, PermissionSetId, RequestId, UserId, VaultId};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One atomic permission on an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// See the entry and its non-secret fields.
    View,
    /// Reveal or copy the entry's secret.
    ViewPassword,
    /// Open or execute a connection.
    Connect,
    /// Change the entry.
    Edit,
    /// Add entries below it.
    Add,
    /// Delete it.
    Delete,
}

impl Permission {
    /// Every permission, in the order the UI lists them.
    pub const ALL: [Permission; 6] = [
        Permission::View,
        Permission::ViewPassword,
        Permission::Connect,
        Permission::Edit,
        Permission::Add,
        Permission::Delete,
    ];

    const fn bit(self) -> u8 {
        match self {
            Permission::View => 1,
            Permission::ViewPassword => 1 << 1,
            Permission::Connect => 1 << 2,
            Permission::Edit => 1 << 3,
            Permission::Add => 1 << 4,
            Permission::Delete => 1 << 5,
        }
    }

    /// The name shown to people.
    pub const fn label(self) -> &'static str {
        match self {
            Permission::View => "View",
            Permission::ViewPassword => "View password",
            Permission::Connect => "Connect (execute)",
            Permission::Edit => "Edit",
            Permission::Add => "Add",
            Permission::Delete => "Delete",
        }
    }
}

/// A set of atomic permissions (a bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Permissions(u8);

impl Permissions {
    /// No permission.
    pub const NONE: Permissions = Permissions(0);
    /// Every permission.
    pub const ALL: Permissions = Permissions(0b11_1111);

    /// The set holding exactly `permissions`.
    pub fn of(permissions: &[Permission]) -> Permissions {
        Permissions(permissions.iter().fold(0, |bits, p| bits | p.bit()))
    }

    /// Rebuilds a set from stored bits; unknown bits are dropped.
    pub const fn from_bits(bits: u8) -> Permissions {
        Permissions(bits & Permissions::ALL.0)
    }

    /// The stored form.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether `permission` is in the set.
    pub const fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Whether every permission of `other` is in the set.
    pub const fn contains_all(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets together.
    #[must_use]
    pub const fn union(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }

    /// The set without `permission`.
    #[must_use]
    pub const fn without(self, permission: Permission) -> Permissions {
        Permissions(self.0 & !permission.bit())
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions in the set, in `Permission::ALL` order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no permission");
        }
        let labels: Vec<&str> = self.iter().map(Permission::label).collect();
        f.write_str(&labels.join(", "))
    }
}

/// A named permission set that can be given as a standing permission or requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSet {
    /// Its id.
    pub id: PermissionSetId,
    /// Its name ("Reader").
    pub name: String,
    /// What it allows.
    pub permissions: Permissions,
    /// Built-in sets cannot be changed or removed.
    pub is_builtin: bool,
}

/// One standing permission (R-ADM-2): `set_id` given to `user_id` on
/// `vault_id`'s top (`folder_id` `None`) or on a folder, inherited below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StandingGrant {
    /// Who holds it.
    pub user_id: UserId,
    /// The vault it is given in.
    pub vault_id: VaultId,
    /// The folder it is given on; `None` for the whole vault.
    pub folder_id: Option<EntryId>,
    /// The permission set given.
    pub set_id: PermissionSetId,
    /// The approved permanent request it came from, if it came from one
    /// (R-REQ-10); `None` when an administrator gave it.
    pub origin: Option<StandingOrigin>,
}

/// Where a standing permission came from when a permanent request was
/// approved (R-REQ-10): the request (whose requester holds it), who approved
/// it last and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StandingOrigin {
    /// The request.
    pub request_id: RequestId,
    /// Who completed its approval.
    pub approved_by: UserId,
    /// When.
    pub approved_at: Timestamp,
}

/// The built-in permission sets of docs/requirements.md §1, in the order a new workspace stores them.
pub fn builtin_permission_sets() -> [(&'static str, Permissions); 5] {
    use Permission::{Connect, View, ViewPassword};
    [
        ("Reader", Permissions::of(&[View, ViewPassword])),
        ("Operator", Permissions::of(&[Connect, View, ViewPassword])),
        ("Contributor", Permissions::ALL),
        ("Connect (execute)", Permissions::of(&[Connect])),
        ("View password", Permissions::of(&[ViewPassword])),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_sets_match_the_spec() {
        let sets = builtin_permission_sets();
        let reader = sets[0].1;
        assert!(reader.contains(Permission::View) && reader.contains(Permission::ViewPassword));
        assert!(!reader.contains(Permission::Connect));
        assert!(sets[1].1.contains_all(reader) && sets[1].1.contains(Permission::Connect));
        assert_eq!(sets[2].1, Permissions::ALL);
        assert_eq!(
            sets[3].1.iter().collect::<Vec<_>>(),
            vec![Permission::Connect]
        );
        assert_eq!(
            sets[4].1.iter().collect::<Vec<_>>(),
            vec![Permission::ViewPassword]
        );
    }

    #[test]
    fn bits_round_trip_and_unknown_bits_are_dropped() {
        for bits in 0..=u8::MAX {
            let set = Permissions::from_bits(bits);
            assert_eq!(Permissions::from_bits(set.bits()), set);
            assert!(Permissions::ALL.contains_all(set));
        }
        assert_eq!(Permissions::of(&[Permission::View]).to_string(), "View");
        assert_eq!(Permissions::NONE.to_string(), "no permission");
    }
}
