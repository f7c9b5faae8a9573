//! The forms that build a vault (issue 14): a vault's name, a folder's or
//! item's fields with its secret and the password generator, where to move
//! an entry, and what a deletion takes with it. The service checks every
//! change again (Add, Edit, Delete at the instant of the change).

use super::forms::SecretText;
use crate::domain::entry::{DeletionImpact, Entry, EntryKind, NewEntry};
use crate::domain::password::PasswordPolicy;
use crate::domain::{EntryId, FieldErrors, VaultId};

/// The fields an item kind shows (folders: name and notes only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KindFields {
    /// Host (and port) of a connection.
    pub host: bool,
    /// A port.
    pub port: bool,
    /// A user name.
    pub username: bool,
    /// A web address.
    pub url: bool,
    /// A password (the entry's secret).
    pub password: bool,
    /// A database's engine and name.
    pub database: bool,
    /// Linked credentials and VPN.
    pub links: bool,
}

impl KindFields {
    /// What `kind` shows.
    pub const fn of(kind: EntryKind) -> KindFields {
        let none = KindFields {
            host: false,
            port: false,
            username: false,
            url: false,
            password: false,
            database: false,
            links: false,
        };
        match kind {
            EntryKind::Folder => none,
            EntryKind::Rdp | EntryKind::Ssh => KindFields {
                host: true,
                port: true,
                username: true,
                password: true,
                links: true,
                ..none
            },
            EntryKind::Website => KindFields {
                url: true,
                username: true,
                password: true,
                ..none
            },
            EntryKind::Vpn => KindFields {
                host: true,
                username: true,
                password: true,
                ..none
            },
            EntryKind::Credentials => KindFields {
                username: true,
                password: true,
                ..none
            },
            EntryKind::Database => KindFields {
                host: true,
                port: true,
                username: true,
                password: true,
                database: true,
                links: true,
                ..none
            },
        }
    }
}

/// Database engines offered in the item form (any other may be typed).
pub const ENGINES: [&str; 6] = [
    "PostgreSQL",
    "MySQL",
    "MariaDB",
    "SQL Server",
    "Oracle",
    "SQLite",
];

/// A folder or item being created or edited.
#[derive(Debug, Clone)]
pub struct EntryForm {
    /// The entry edited, or `None` for a new one.
    pub id: Option<EntryId>,
    /// Its vault.
    pub vault_id: VaultId,
    /// Its kind (fixed once created).
    pub kind: EntryKind,
    /// Its folder (`None` at the top of the vault).
    pub parent_id: Option<EntryId>,
    /// "Vault / folder", where it is or goes, for the title.
    pub location: String,
    /// Name.
    pub name: String,
    /// Host.
    pub host: String,
    /// Port, as typed.
    pub port: String,
    /// User name.
    pub username: String,
    /// Web address.
    pub url: String,
    /// Database engine.
    pub engine: String,
    /// Database name.
    pub database: String,
    /// Notes.
    pub notes: String,
    /// The password typed (for an edit, empty until changed).
    pub password: SecretText,
    /// Whether the password was typed or generated (an edit changes it only then).
    pub password_changed: bool,
    /// Show the password in clear while typing.
    pub show_password: bool,
    /// The generator's choices, and whether its panel is open.
    pub generator: PasswordPolicy,
    /// Whether the generator's panel is open.
    pub generator_open: bool,
    /// Linked credentials, and the choices (same vault).
    pub credentials: Option<EntryId>,
    /// Linked VPN.
    pub vpn: Option<EntryId>,
    /// The links when the form opened (an edit changes only what changed).
    pub original_links: (Option<EntryId>, Option<EntryId>),
    /// Credentials items of the vault: (id, path).
    pub credential_choices: Vec<(EntryId, String)>,
    /// VPN items of the vault: (id, path).
    pub vpn_choices: Vec<(EntryId, String)>,
    /// Messages by field from the last attempt.
    pub errors: FieldErrors,
    /// The port's message (checked here: it must be a number).
    pub port_error: Option<String>,
}

impl EntryForm {
    /// A new entry of `kind` in `parent_id` of `vault_id`.
    pub fn new(
        vault_id: VaultId,
        kind: EntryKind,
        parent_id: Option<EntryId>,
        location: String,
    ) -> EntryForm {
        EntryForm {
            id: None,
            vault_id,
            kind,
            parent_id,
            location,
            name: String::new(),
            host: String::new(),
            port: String::new(),
            username: String::new(),
            url: String::new(),
            engine: String::new(),
            database: String::new(),
            notes: String::new(),
            password: SecretText::default(),
            password_changed: false,
            show_password: false,
            generator: PasswordPolicy::default(),
            generator_open: false,
            credentials: None,
            vpn: None,
            original_links: (None, None),
            credential_choices: Vec::new(),
            vpn_choices: Vec::new(),
            errors: FieldErrors::default(),
            port_error: None,
        }
    }

    /// `entry` as it is, to be edited; its secret stays unless retyped.
    pub fn edit(
        entry: &Entry,
        location: String,
        links: (Option<EntryId>, Option<EntryId>),
    ) -> EntryForm {
        let mut form = EntryForm::new(entry.vault_id, entry.kind, entry.parent_id, location);
        form.id = Some(entry.id);
        form.name.clone_from(&entry.name);
        form.host.clone_from(&entry.host);
        form.port = entry.port.map(|p| p.to_string()).unwrap_or_default();
        form.username.clone_from(&entry.username);
        form.url.clone_from(&entry.url);
        form.engine.clone_from(&entry.engine);
        form.database.clone_from(&entry.database);
        form.notes.clone_from(&entry.notes);
        (form.credentials, form.vpn) = links;
        form.original_links = links;
        form
    }

    /// The fields as a draft, or the port's message.
    pub fn draft(&self) -> Result<NewEntry, String> {
        let fields = KindFields::of(self.kind);
        let port = match self.port.trim() {
            "" => None,
            text if fields.port => Some(
                text.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| "enter a port from 1 to 65535".to_owned())?,
            ),
            _ => None,
        };
        let keep = |on: bool, text: &str| if on { text.to_owned() } else { String::new() };
        Ok(NewEntry {
            name: self.name.clone(),
            parent_id: self.parent_id,
            host: keep(fields.host, &self.host),
            port,
            username: keep(fields.username, &self.username),
            url: keep(fields.url, &self.url),
            notes: self.notes.clone(),
            engine: keep(fields.database, &self.engine),
            database: keep(fields.database, &self.database),
        })
    }

    /// The secret to store: for a new entry, what was typed (if anything);
    /// for an edit, only when it was changed (`Some(None)` clears it).
    pub fn secret_to_store(&self) -> Option<Option<&str>> {
        let typed = (!self.password.is_empty()).then(|| self.password.as_str());
        match self.id {
            None => typed.map(Some),
            Some(_) if self.password_changed => Some(typed),
            Some(_) => None,
        }
    }
}

/// A vault's name, new or renamed.
#[derive(Debug, Clone, Default)]
pub struct VaultForm {
    /// The vault renamed, or `None` for a new one.
    pub id: Option<VaultId>,
    /// The name typed.
    pub name: String,
    /// Why the last attempt was refused.
    pub error: Option<String>,
}

/// What is about to be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteTarget {
    /// An entry and everything below it.
    Entry(EntryId),
    /// A vault and everything in it.
    Vault(VaultId),
}

/// The confirmation of a deletion, naming what goes with it.
#[derive(Debug, Clone)]
pub struct DeleteForm {
    /// What goes.
    pub target: DeleteTarget,
    /// Its name.
    pub name: String,
    /// What it takes with it, and who depends on it.
    pub impact: DeletionImpact,
    /// Why the last attempt was refused.
    pub error: Option<String>,
}

/// Where to move an entry ("Move to…").
#[derive(Debug, Clone)]
pub struct MoveForm {
    /// The entry moved.
    pub entry_id: EntryId,
    /// Its name.
    pub name: String,
    /// The folders it may go to (not itself or below it), as (id, path);
    /// `None` is the top of the vault.
    pub choices: Vec<(Option<EntryId>, String)>,
    /// The one chosen.
    pub chosen: usize,
    /// Why the last attempt was refused.
    pub error: Option<String>,
}

/// What the user may change where they are, as the service said when the
/// vault or the entry was loaded (the window mirrors it; every change is
/// checked again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EditRightsView {
    /// Add at the top of the vault.
    pub add_at_top: bool,
    /// Add below the selected entry (a folder).
    pub add_in_selected: bool,
    /// Edit (and move) the selected entry.
    pub edit_selected: bool,
    /// Delete the selected entry.
    pub delete_selected: bool,
}
