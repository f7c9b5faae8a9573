//! What an import from another password manager brings in (R-VLT-12): the
//! folders and items read from a file, before they are stored. Reading the
//! file is `platform::import`; storing the plan is `Workspace::import`.

use super::entry::EntryKind;
use std::fmt;
use zeroize::Zeroizing;

/// The kind of file a plan was read from, as the audit event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportSource {
    /// A KeePass database (KDBX 3.1 or 4).
    Kdbx,
    /// KeePassXC's CSV export.
    Csv,
}

impl ImportSource {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ImportSource::Kdbx => "kdbx",
            ImportSource::Csv => "csv",
        }
    }
}

/// One item to create: a Credentials item, or a Website when it has a URL.
#[derive(Clone, PartialEq, Eq)]
pub struct ImportItem {
    /// The folder path below the import's target (empty: the target itself).
    pub folder: Vec<String>,
    /// `Credentials` or `Website`.
    pub kind: EntryKind,
    /// Its name (never empty).
    pub name: String,
    /// User name.
    pub username: String,
    /// Address.
    pub url: String,
    /// Notes.
    pub notes: String,
    /// The password ("" when none).
    pub password: Zeroizing<String>,
}

impl ImportItem {
    /// An item of `kind` chosen by the URL: Website when there is one.
    pub fn new(
        folder: Vec<String>,
        name: &str,
        username: &str,
        url: &str,
        notes: &str,
        password: Zeroizing<String>,
    ) -> ImportItem {
        let url = url.trim();
        let kind = if url.is_empty() {
            EntryKind::Credentials
        } else {
            EntryKind::Website
        };
        // Every entry needs a name: an untitled one is named by what it has.
        let name = [name.trim(), url, username.trim()]
            .into_iter()
            .find(|n| !n.is_empty())
            .unwrap_or("Untitled")
            .to_owned();
        ImportItem {
            folder,
            kind,
            name,
            username: username.trim().to_owned(),
            url: url.to_owned(),
            notes: notes.to_owned(),
            password,
        }
    }
}

/// Never shows the password.
impl fmt::Debug for ImportItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportItem")
            .field("folder", &self.folder)
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("username", &self.username)
            .field("url", &self.url)
            .field("notes", &self.notes)
            .field("has_password", &!self.password.is_empty())
            .finish()
    }
}

/// Everything one file brings in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    /// What kind of file it was.
    pub source: ImportSource,
    /// The file's name (no directory), for the audit event.
    pub file_name: String,
    /// Folder paths below the target, each once, parents before children.
    pub folders: Vec<Vec<String>>,
    /// The items, each in one of `folders` (or the target itself).
    pub items: Vec<ImportItem>,
}

/// How many of each an import creates, for the preview and the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Folders.
    pub folders: usize,
    /// Credentials items.
    pub credentials: usize,
    /// Website items.
    pub websites: usize,
}

impl ImportSummary {
    /// Folders and items together.
    pub const fn total(&self) -> usize {
        self.folders + self.credentials + self.websites
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        write!(
            f,
            "{}, {}, {}",
            count(self.folders, "folder", "folders"),
            count(self.credentials, "credentials item", "credentials items"),
            count(self.websites, "website", "websites")
        )
    }
}

impl ImportPlan {
    /// An empty plan for a file of `source` named `file_name`.
    pub fn new(source: ImportSource, file_name: &str) -> ImportPlan {
        ImportPlan {
            source,
            file_name: file_name.to_owned(),
            folders: Vec::new(),
            items: Vec::new(),
        }
    }

    /// Adds `path` and every folder above it that is not there yet, parents first.
    pub fn add_folder(&mut self, path: &[String]) {
        for depth in 1..=path.len() {
            let prefix = &path[..depth];
            if !self.folders.iter().any(|f| f == prefix) {
                self.folders.push(prefix.to_vec());
            }
        }
    }

    /// Adds an item, and its folder path when new.
    pub fn add_item(&mut self, item: ImportItem) {
        self.add_folder(&item.folder.clone());
        self.items.push(item);
    }

    /// How many folders, credentials and websites it holds.
    pub fn summary(&self) -> ImportSummary {
        let count = |kind| self.items.iter().filter(|i| i.kind == kind).count();
        ImportSummary {
            folders: self.folders.len(),
            credentials: count(EntryKind::Credentials),
            websites: count(EntryKind::Website),
        }
    }
}

/// The name to give a new entry among siblings whose names (lowercased,
/// trimmed) are `taken`: `name` itself when free, else "name (2)", "name (3)"…
pub fn unique_name(name: &str, taken: &std::collections::HashSet<String>) -> String {
    let name = name.trim();
    if !taken.contains(&name.to_lowercase()) {
        return name.to_owned();
    }
    // Of these `taken.len() + 1` numbers, at least one is free.
    (2..=taken.len() + 2)
        .map(|n| format!("{name} ({n})"))
        .find(|candidate| !taken.contains(&candidate.to_lowercase()))
        .unwrap_or_else(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn clashing_names_get_a_number() {
        let taken: HashSet<String> = ["mail", "mail (2)"].map(String::from).into();
        assert_eq!(unique_name("Mail", &taken), "Mail (3)");
        assert_eq!(unique_name("Bank", &taken), "Bank");
    }

    #[test]
    fn folders_are_added_once_with_their_parents() {
        let mut plan = ImportPlan::new(ImportSource::Csv, "x.csv");
        let path = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        plan.add_folder(&path(&["A", "B"]));
        plan.add_folder(&path(&["A"]));
        plan.add_item(ImportItem::new(
            path(&["A", "C"]),
            "",
            "u",
            "https://x.test",
            "",
            Zeroizing::new("pw-secret".into()),
        ));
        assert_eq!(
            plan.folders,
            vec![path(&["A"]), path(&["A", "B"]), path(&["A", "C"])]
        );
        assert_eq!(plan.items[0].name, "https://x.test");
        assert_eq!(
            plan.summary(),
            ImportSummary {
                folders: 3,
                credentials: 0,
                websites: 1
            }
        );
        assert!(!format!("{plan:?}").contains("pw-secret"));
        assert_eq!(
            plan.summary().to_string(),
            "3 folders, 0 credentials items, 1 website"
        );
    }
}
