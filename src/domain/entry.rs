//! The entry tree: folders and items of every kind, and their dependencies.

use super::error::{DomainError, Field};
use super::ids::{EntryId, VaultId};
use super::permission::{Permission, Permissions};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntryKind {
    /// Holds other entries.
    Folder,
    /// A remote desktop connection.
    Rdp,
    /// A secure shell connection.
    Ssh,
    /// A web site.
    Website,
    /// A virtual private network.
    Vpn,
    /// A user name and password.
    Credentials,
    /// A database connection.
    Database,
}

impl EntryKind {
    /// Every kind, folders first.
    pub const ALL: [EntryKind; 7] = [
        EntryKind::Folder,
        EntryKind::Rdp,
        EntryKind::Ssh,
        EntryKind::Website,
        EntryKind::Vpn,
        EntryKind::Credentials,
        EntryKind::Database,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EntryKind::Folder => "folder",
            EntryKind::Rdp => "rdp",
            EntryKind::Ssh => "ssh",
            EntryKind::Website => "website",
            EntryKind::Vpn => "vpn",
            EntryKind::Credentials => "credentials",
            EntryKind::Database => "database",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The name shown to people.
    pub const fn label(self) -> &'static str {
        match self {
            EntryKind::Folder => "Folder",
            EntryKind::Rdp => "RDP",
            EntryKind::Ssh => "SSH",
            EntryKind::Website => "Website",
            EntryKind::Vpn => "VPN",
            EntryKind::Credentials => "Credentials",
            EntryKind::Database => "Database",
        }
    }

    /// The permission an item's main action needs (R-REQ-1): Connect for
    /// connections, View password for credentials; folders have none.
    pub const fn main_permission(self) -> Option<Permission> {
        match self {
            EntryKind::Folder => None,
            EntryKind::Credentials => Some(Permission::ViewPassword),
            EntryKind::Rdp
            | EntryKind::Ssh
            | EntryKind::Website
            | EntryKind::Vpn
            | EntryKind::Database => Some(Permission::Connect),
        }
    }

    /// Whether the kind opens a connection (R-DSK-5).
    pub const fn is_connection(self) -> bool {
        matches!(self.main_permission(), Some(Permission::Connect))
    }
}

/// A folder or item in a vault's tree. Its secret is stored apart, encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its id.
    pub id: EntryId,
    /// The vault it belongs to.
    pub vault_id: VaultId,
    /// Its folder; `None` at the top of the vault.
    pub parent_id: Option<EntryId>,
    /// What it is.
    pub kind: EntryKind,
    /// Its name in the tree.
    pub name: String,
    /// Host name or address of a connection.
    pub host: String,
    /// Port of a connection, when not the protocol's default.
    pub port: Option<u16>,
    /// User name of a credentials entry or connection.
    pub username: String,
    /// Address of a website.
    pub url: String,
    /// Free notes.
    pub notes: String,
}

impl Entry {
    /// Whether a user holding `permissions` sees the item locked (R-REQ-1).
    pub fn is_locked_for(&self, permissions: Permissions) -> bool {
        self.kind
            .main_permission()
            .is_some_and(|p| !permissions.contains(p))
    }
}

/// The fields of an entry to be created.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewEntry {
    /// Its name.
    pub name: String,
    /// Its folder, if any.
    pub parent_id: Option<EntryId>,
    /// Host of a connection.
    pub host: String,
    /// Port of a connection.
    pub port: Option<u16>,
    /// User name.
    pub username: String,
    /// Address of a website.
    pub url: String,
    /// Notes.
    pub notes: String,
}

/// How an item depends on another entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DependencyRole {
    /// The credentials used to connect.
    Credentials,
    /// The VPN to open first.
    Vpn,
}

impl DependencyRole {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DependencyRole::Credentials => "credentials",
            DependencyRole::Vpn => "vpn",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<DependencyRole> {
        match text {
            "credentials" => Some(DependencyRole::Credentials),
            "vpn" => Some(DependencyRole::Vpn),
            _ => None,
        }
    }

    /// The entry kind a dependency in this role must have.
    pub const fn required_kind(self) -> EntryKind {
        match self {
            DependencyRole::Credentials => EntryKind::Credentials,
            DependencyRole::Vpn => EntryKind::Vpn,
        }
    }
}

/// A link from an item to an entry it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// The item that depends.
    pub entry_id: EntryId,
    /// What it depends on.
    pub depends_on: EntryId,
    /// In what role.
    pub role: DependencyRole,
}

/// Checks that `item` may depend on `target` in `role`: same vault, not itself,
/// a connection depending on an entry of the role's kind.
pub fn check_dependency(
    item: &Entry,
    target: &Entry,
    role: DependencyRole,
) -> Result<(), DomainError> {
    if item.id == target.id {
        return Err(DomainError::invalid(
            Field::Entry,
            "an entry cannot depend on itself",
        ));
    }
    if item.vault_id != target.vault_id {
        return Err(DomainError::invalid(
            Field::Entry,
            "an entry can only depend on entries of the same vault",
        ));
    }
    if !item.kind.is_connection() {
        return Err(DomainError::invalid(
            Field::Entry,
            format!("a {} entry cannot have dependencies", item.kind.label()),
        ));
    }
    if target.kind != role.required_kind() {
        return Err(DomainError::invalid(
            Field::Entry,
            format!(
                "“{}” is not a {} entry",
                target.name,
                role.required_kind().label()
            ),
        ));
    }
    Ok(())
}

/// Checks the fields of a new entry and its place in the tree.
pub fn check_new_entry(
    draft: &NewEntry,
    parent: Option<&Entry>,
    vault_id: VaultId,
) -> Result<(), DomainError> {
    if draft.name.trim().is_empty() {
        return Err(DomainError::invalid(Field::Name, "enter a name"));
    }
    if let Some(parent) = parent {
        if parent.vault_id != vault_id {
            return Err(DomainError::invalid(
                Field::Entry,
                "the folder belongs to another vault",
            ));
        }
        if parent.kind != EntryKind::Folder {
            return Err(DomainError::invalid(
                Field::Entry,
                "entries can only be placed in folders",
            ));
        }
    }
    Ok(())
}

/// The names from the vault's top down to `entry`, joined with " / ".
pub fn entry_path(entry: &Entry, by_id: &HashMap<EntryId, Entry>) -> String {
    let mut names = vec![entry.name.as_str()];
    let mut parent = entry.parent_id;
    // Invariant: the tree has no cycles (parents are created first), but a
    // bound keeps a damaged file from looping forever.
    let mut steps = 0;
    while let Some(id) = parent {
        let Some(folder) = by_id.get(&id) else { break };
        names.push(folder.name.as_str());
        parent = folder.parent_id;
        steps += 1;
        if steps > 1_000 {
            break;
        }
    }
    names.reverse();
    names.join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, vault: i64, kind: EntryKind) -> Entry {
        Entry {
            id: EntryId(id),
            vault_id: VaultId(vault),
            parent_id: None,
            kind,
            name: format!("e{id}"),
            host: String::new(),
            port: None,
            username: String::new(),
            url: String::new(),
            notes: String::new(),
        }
    }

    #[test]
    fn locked_follows_the_main_action() {
        let rdp = entry(1, 1, EntryKind::Rdp);
        let creds = entry(2, 1, EntryKind::Credentials);
        let folder = entry(3, 1, EntryKind::Folder);
        let view = Permissions::of(&[Permission::View]);
        assert!(rdp.is_locked_for(view));
        assert!(!rdp.is_locked_for(view.union(Permissions::of(&[Permission::Connect]))));
        assert!(creds.is_locked_for(Permissions::of(&[Permission::Connect])));
        assert!(!creds.is_locked_for(Permissions::of(&[Permission::ViewPassword])));
        assert!(!folder.is_locked_for(Permissions::NONE));
    }

    #[test]
    fn dependencies_stay_within_one_vault_and_fit_their_role() {
        let rdp = entry(1, 1, EntryKind::Rdp);
        let creds = entry(2, 1, EntryKind::Credentials);
        let vpn = entry(3, 1, EntryKind::Vpn);
        let other_vault = entry(4, 2, EntryKind::Credentials);
        assert!(check_dependency(&rdp, &creds, DependencyRole::Credentials).is_ok());
        assert!(check_dependency(&rdp, &vpn, DependencyRole::Vpn).is_ok());
        let cases = [
            (&rdp, &rdp, DependencyRole::Credentials, "itself"),
            (
                &rdp,
                &other_vault,
                DependencyRole::Credentials,
                "same vault",
            ),
            (
                &rdp,
                &vpn,
                DependencyRole::Credentials,
                "is not a Credentials",
            ),
            (
                &creds,
                &vpn,
                DependencyRole::Vpn,
                "cannot have dependencies",
            ),
        ];
        for (item, target, role, want) in cases {
            let err = check_dependency(item, target, role).unwrap_err();
            assert!(err.to_string().contains(want), "{err}");
        }
    }

    #[test]
    fn path_walks_up_the_folders() {
        let mut top = entry(1, 1, EntryKind::Folder);
        top.name = "Servers".into();
        let mut sub = entry(2, 1, EntryKind::Folder);
        sub.name = "Web".into();
        sub.parent_id = Some(EntryId(1));
        let mut item = entry(3, 1, EntryKind::Ssh);
        item.name = "web-01".into();
        item.parent_id = Some(EntryId(2));
        let by_id: HashMap<_, _> = [top, sub].into_iter().map(|e| (e.id, e)).collect();
        assert_eq!(entry_path(&item, &by_id), "Servers / Web / web-01");
    }
}
