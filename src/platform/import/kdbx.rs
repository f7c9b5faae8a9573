//! KeePass databases (KDBX 3.1 and 4), read with the `keepass` crate.
//! Only a password is supported as the key (no key file yet). Groups below
//! the root become folders; entries become items; the Recycle Bin and what
//! it holds are skipped.

use super::ImportError;
use crate::domain::import::{ImportItem, ImportPlan, ImportSource};
use keepass::db::GroupId;
use keepass::error::{DatabaseKeyError, DatabaseOpenError};
use keepass::{Database, DatabaseKey};
use zeroize::Zeroizing;

/// Parses a KeePass database from its bytes with `password`.
pub fn parse_kdbx(data: &[u8], password: &str, file_name: &str) -> Result<ImportPlan, ImportError> {
    let key = DatabaseKey::new().with_password(password);
    let db = Database::parse(data, key).map_err(|e| match e {
        DatabaseOpenError::Key(DatabaseKeyError::IncorrectKey) => {
            ImportError::WrongPassword(file_name.to_owned())
        }
        other => ImportError::NotKdbx {
            file: file_name.to_owned(),
            reason: other.to_string(),
        },
    })?;
    let recycle_bin = db.recycle_bin().map(|g| g.id());
    let mut plan = ImportPlan::new(ImportSource::Kdbx, file_name);
    let mut pending: Vec<(GroupId, Vec<String>)> = vec![(db.root().id(), Vec::new())];
    while let Some((id, path)) = pending.pop() {
        let Some(group) = db.group(id) else { continue };
        if !path.is_empty() {
            plan.add_folder(&path);
        }
        for entry in group.entries() {
            let field = |name: &str| entry.get(name).unwrap_or_default().to_owned();
            plan.add_item(ImportItem::new(
                path.clone(),
                &field(keepass::db::fields::TITLE),
                &field(keepass::db::fields::USERNAME),
                &field(keepass::db::fields::URL),
                &field(keepass::db::fields::NOTES),
                Zeroizing::new(field(keepass::db::fields::PASSWORD)),
            ));
        }
        // Children are pushed in reverse so they come out in the file's order.
        let children: Vec<_> = group
            .groups()
            .filter(|child| Some(child.id()) != recycle_bin)
            .collect();
        for child in children.into_iter().rev() {
            let name = child.name.trim();
            let name = if name.is_empty() {
                "Untitled folder"
            } else {
                name
            };
            let mut child_path = path.clone();
            child_path.push(name.to_owned());
            pending.push((child.id(), child_path));
        }
    }
    Ok(plan)
}
