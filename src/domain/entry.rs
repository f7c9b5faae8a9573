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
    /// The database name of a database item ("" otherwise).
    pub database: String,
    /// The engine of a database item, e.g. "PostgreSQL" ("" otherwise).
    pub engine: String,
}

impl Entry {
    /// Its editable fields, for an edit form.
    pub fn to_draft(&self) -> NewEntry {
        NewEntry {
            name: self.name.clone(),
            parent_id: self.parent_id,
            host: self.host.clone(),
            port: self.port,
            username: self.username.clone(),
            url: self.url.clone(),
            notes: self.notes.clone(),
            database: self.database.clone(),
            engine: self.engine.clone(),
        }
    }

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
    /// The database name of a database item.
    pub database: String,
    /// The engine of a database item.
    pub engine: String,
}

/// Whether a user may add, edit and delete at one place of a vault at one
/// instant (issue 14), for the window to mirror; the operations check again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EditRights {
    /// May create entries here (in this folder, or at the vault's top).
    pub add: bool,
    /// May change this entry.
    pub edit: bool,
    /// May delete this entry and everything below it.
    pub delete: bool,
}

/// What deleting an entry or a vault takes with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeletionImpact {
    /// Paths of the entry and everything below it (of every entry, for a vault).
    pub entries: Vec<String>,
    /// Paths of items elsewhere that depend on any of them.
    pub dependents: Vec<String>,
    /// For a vault: how many members it has (0 for an entry).
    pub members: usize,
    /// For a vault: how many approvers it has (0 for an entry).
    pub approvers: usize,
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

/// Checks the fields of an entry being created or changed: a name, and a
/// port of 1–65535 when one is given (issue 14).
pub fn check_entry_fields(draft: &NewEntry) -> Result<(), DomainError> {
    if draft.name.trim().is_empty() {
        return Err(DomainError::invalid(Field::Name, "enter a name"));
    }
    if draft.port == Some(0) {
        return Err(DomainError::invalid(
            Field::Entry,
            "a port is a number from 1 to 65535",
        ));
    }
    Ok(())
}

/// Checks that `name` is not taken in one folder: names are unique among
/// siblings, ignoring case and surrounding spaces (`except` is the entry
/// being renamed or moved).
pub fn check_sibling_name(
    name: &str,
    siblings: &[Entry],
    except: Option<EntryId>,
) -> Result<(), DomainError> {
    let name = name.trim();
    match siblings
        .iter()
        .find(|s| Some(s.id) != except && s.name.trim().to_lowercase() == name.to_lowercase())
    {
        Some(taken) => Err(DomainError::invalid(
            Field::Name,
            format!("“{}” exists in this folder already", taken.name),
        )),
        None => Ok(()),
    }
}

/// Checks that `entry` may move into `destination` (`None`: the vault's top),
/// whose folders above it are `destination_ancestors`: a folder of the same
/// vault, and neither the entry itself nor anything below it.
pub fn check_move(
    entry: &Entry,
    destination: Option<&Entry>,
    destination_ancestors: &[EntryId],
) -> Result<(), DomainError> {
    let Some(folder) = destination else {
        return Ok(());
    };
    if folder.vault_id != entry.vault_id {
        return Err(DomainError::invalid(
            Field::Entry,
            "entries move only within their vault",
        ));
    }
    if folder.kind != EntryKind::Folder {
        return Err(DomainError::invalid(
            Field::Entry,
            "entries can only be placed in folders",
        ));
    }
    if folder.id == entry.id || destination_ancestors.contains(&entry.id) {
        return Err(DomainError::invalid(
            Field::Entry,
            format!("“{}” cannot move into itself or below itself", entry.name),
        ));
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
            database: String::new(),
            engine: String::new(),
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
    fn fields_names_and_moves_are_checked() {
        let named = |name: &str| NewEntry {
            name: name.into(),
            ..NewEntry::default()
        };
        assert!(check_entry_fields(&named(" a ")).is_ok());
        assert!(check_entry_fields(&named("  ")).is_err());
        let zero_port = NewEntry {
            port: Some(0),
            ..named("a")
        };
        assert!(check_entry_fields(&zero_port).is_err());

        let mut web = entry(1, 1, EntryKind::Ssh);
        web.name = "Web".into();
        assert!(check_sibling_name(" web ", std::slice::from_ref(&web), None).is_err());
        assert!(check_sibling_name("web", std::slice::from_ref(&web), Some(web.id)).is_ok());
        assert!(check_sibling_name("db", &[web], None).is_ok());

        let top = entry(10, 1, EntryKind::Folder);
        let mut below = entry(11, 1, EntryKind::Folder);
        below.parent_id = Some(top.id);
        let item = entry(12, 1, EntryKind::Ssh);
        let elsewhere = entry(13, 2, EntryKind::Folder);
        assert!(check_move(&top, None, &[]).is_ok());
        assert!(check_move(&item, Some(&below), &[top.id]).is_ok());
        let refused = [
            (&top, &top, vec![], "itself"),
            (&top, &below, vec![top.id], "below itself"),
            (&top, &item, vec![], "only be placed in folders"),
            (&item, &elsewhere, vec![], "within their vault"),
        ];
        for (moved, into, ancestors, want) in refused {
            let err = check_move(moved, Some(into), &ancestors).unwrap_err();
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
