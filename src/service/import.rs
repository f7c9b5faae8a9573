//! Importing a file's folders and items into a vault (R-VLT-12).
//!
//! The whole plan is one write transaction: any error leaves nothing
//! behind. Add is checked where the import goes, as for one new entry.
//! Imported folders are always new folders (never merged into existing
//! ones, whose permissions may differ); a name that clashes with a sibling
//! (an existing entry or an earlier imported one, ignoring case) gets a
//! number: "Mail (2)". One `Imported` audit event records the counts, the
//! kind and name of the file and the new entries' ids — never a secret.

use super::auth::Session;
use super::entries::{live_entry, member, require_add, via};
use super::ops::Ops;
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::entry::{EntryKind, NewEntry, check_entry_fields, check_new_entry};
use crate::domain::import::{ImportItem, ImportPlan, ImportSummary, unique_name};
use crate::domain::{EntryId, Timestamp, VaultId};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// How many folders and items are created between two progress reports.
const PROGRESS_EVERY: usize = 1000;

/// An import under way inside its transaction.
struct Importer<'p> {
    vault: VaultId,
    into: Option<EntryId>,
    /// Names taken in each folder, lowercased: the target's existing
    /// children, and whatever this import adds.
    taken: HashMap<Option<EntryId>, HashSet<String>>,
    folder_ids: HashMap<Vec<String>, EntryId>,
    created: Vec<i64>,
    summary: ImportSummary,
    total: usize,
    progress: &'p mut dyn FnMut(usize, usize),
}

impl Importer<'_> {
    /// Counts one created entry and reports progress every [`PROGRESS_EVERY`].
    fn created(&mut self, id: EntryId) {
        self.created.push(id.0);
        let done = self.created.len();
        if done.is_multiple_of(PROGRESS_EVERY) {
            (self.progress)(done, self.total);
        }
    }

    /// A free name for a new entry in `parent`, now taken.
    fn claim_name(&mut self, parent: Option<EntryId>, name: &str) -> String {
        let siblings = self.taken.entry(parent).or_default();
        let name = unique_name(name, siblings);
        siblings.insert(name.to_lowercase());
        name
    }

    /// Creates `path` below the target, and any folder above it not created yet.
    fn folder(&mut self, ops: &mut Ops<'_>, path: &[String]) -> Result<(), ServiceError> {
        for depth in 1..=path.len() {
            let prefix = &path[..depth];
            if self.folder_ids.contains_key(prefix) {
                continue;
            }
            let parent = match depth {
                1 => self.into,
                _ => Some(self.folder_ids[&path[..depth - 1]]),
            };
            let draft = NewEntry {
                name: self.claim_name(parent, &prefix[depth - 1]),
                parent_id: parent,
                ..NewEntry::default()
            };
            check_entry_fields(&draft)?;
            let id = ops.tx.insert_entry(self.vault, EntryKind::Folder, &draft)?;
            self.folder_ids.insert(prefix.to_vec(), id);
            self.summary.folders += 1;
            self.created(id);
        }
        Ok(())
    }

    /// Creates one item, with its secret sealed when it has one.
    fn item(&mut self, ops: &mut Ops<'_>, item: &ImportItem) -> Result<(), ServiceError> {
        self.folder(ops, &item.folder)?;
        let parent = if item.folder.is_empty() {
            self.into
        } else {
            Some(self.folder_ids[&item.folder])
        };
        let draft = NewEntry {
            name: self.claim_name(parent, &item.name),
            parent_id: parent,
            username: item.username.clone(),
            url: item.url.clone(),
            notes: item.notes.clone(),
            ..NewEntry::default()
        };
        check_entry_fields(&draft)?;
        let kind = match item.kind {
            EntryKind::Website => EntryKind::Website,
            _ => EntryKind::Credentials,
        };
        let id = ops.tx.insert_entry(self.vault, kind, &draft)?;
        if !item.password.is_empty() {
            ops.store_secret(id, &item.password)?;
        }
        match kind {
            EntryKind::Website => self.summary.websites += 1,
            _ => self.summary.credentials += 1,
        }
        self.created(id);
        Ok(())
    }
}

impl Workspace {
    /// Creates the plan's folders and items in `vault`, below `into` (a
    /// folder) or at the vault's top, where the user holds Add; secrets are
    /// sealed. `progress(done, total)` is called every 1000 folders and
    /// items and at the end. All or nothing; audited once (`Imported`).
    pub fn import(
        &mut self,
        session: &Session,
        vault: VaultId,
        into: Option<EntryId>,
        plan: &ImportPlan,
        progress: &mut dyn FnMut(usize, usize),
        now: Timestamp,
    ) -> Result<ImportSummary, ServiceError> {
        self.write(now, |ops| {
            if ops.tx.vault(vault)?.is_none() {
                return Err(ServiceError::NotFound(format!(
                    "vault {vault} does not exist"
                )));
            }
            let user = member(ops, session, vault)?;
            let target = live_entry(ops, into)?;
            if let Some(target) = &target {
                let probe = NewEntry {
                    name: "import".into(),
                    parent_id: into,
                    ..NewEntry::default()
                };
                check_new_entry(&probe, Some(target), vault)?;
            }
            let source = require_add(ops, &user, vault, target.as_ref())?;
            let existing = ops
                .tx
                .children(vault, into)?
                .iter()
                .map(|e| e.name.trim().to_lowercase())
                .collect();
            let mut importer = Importer {
                vault,
                into,
                taken: HashMap::from([(into, existing)]),
                folder_ids: HashMap::new(),
                created: Vec::new(),
                summary: ImportSummary::default(),
                total: plan.summary().total(),
                progress: &mut *progress,
            };
            for path in &plan.folders {
                importer.folder(ops, path)?;
            }
            for item in &plan.items {
                importer.item(ops, item)?;
            }
            let done = importer.created.len();
            if done == 0 || !done.is_multiple_of(PROGRESS_EVERY) {
                (importer.progress)(done, importer.total.max(done));
            }
            let summary = importer.summary;
            let details = json!({
                "vault_id": vault.0,
                "into": into.map(|id| id.0),
                "source": plan.source.as_str(),
                "file": plan.file_name,
                "folders": summary.folders,
                "credentials": summary.credentials,
                "websites": summary.websites,
                "entry_ids": importer.created,
                "allowed_by": via(source),
            });
            ops.audit(Some(user.id), AuditAction::Imported, None, into, &details)?;
            Ok(summary)
        })
    }
}
