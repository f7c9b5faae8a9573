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
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::entry::{EntryKind, NewEntry, check_entry_fields, check_new_entry};
use crate::domain::import::{ImportPlan, ImportSummary, unique_name};
use crate::domain::{EntryId, Timestamp, VaultId};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// How many folders and items are created between two progress reports.
const PROGRESS_EVERY: usize = 1000;

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

            // Names taken in each folder, lowercased: the target's existing
            // children, and whatever this import adds.
            let mut taken: HashMap<Option<EntryId>, HashSet<String>> = HashMap::new();
            taken.insert(
                into,
                ops.tx
                    .children(vault, into)?
                    .iter()
                    .map(|e| e.name.trim().to_lowercase())
                    .collect(),
            );
            let total = plan.folders.len() + plan.items.len();
            let mut done = 0;
            let mut tick = |done: usize| {
                if done % PROGRESS_EVERY == 0 {
                    progress(done, total);
                }
            };
            let mut folder_ids: HashMap<Vec<String>, EntryId> = HashMap::new();
            let mut created = Vec::with_capacity(total);
            let mut summary = ImportSummary::default();

            // Folders, parents first (a plan lists them so; a missing parent
            // is created on the way).
            let mut folder_paths: Vec<&Vec<String>> = plan.folders.iter().collect();
            folder_paths.extend(plan.items.iter().map(|i| &i.folder));
            for path in folder_paths {
                for depth in 1..=path.len() {
                    let prefix = &path[..depth];
                    if folder_ids.contains_key(prefix) {
                        continue;
                    }
                    let parent = if depth == 1 {
                        into
                    } else {
                        Some(folder_ids[&path[..depth - 1]])
                    };
                    let siblings = taken.entry(parent).or_default();
                    let name = unique_name(&prefix[depth - 1], siblings);
                    siblings.insert(name.to_lowercase());
                    let draft = NewEntry {
                        name,
                        parent_id: parent,
                        ..NewEntry::default()
                    };
                    check_entry_fields(&draft)?;
                    let id = ops.tx.insert_entry(vault, EntryKind::Folder, &draft)?;
                    taken.insert(Some(id), HashSet::new());
                    folder_ids.insert(prefix.to_vec(), id);
                    created.push(id.0);
                    summary.folders += 1;
                    done += 1;
                    tick(done);
                }
            }

            for item in &plan.items {
                let parent = if item.folder.is_empty() {
                    into
                } else {
                    Some(folder_ids[&item.folder])
                };
                let siblings = taken.entry(parent).or_default();
                let name = unique_name(&item.name, siblings);
                siblings.insert(name.to_lowercase());
                let draft = NewEntry {
                    name,
                    parent_id: parent,
                    username: item.username.clone(),
                    url: item.url.clone(),
                    notes: item.notes.clone(),
                    ..NewEntry::default()
                };
                let kind = match item.kind {
                    EntryKind::Website => EntryKind::Website,
                    _ => EntryKind::Credentials,
                };
                check_entry_fields(&draft)?;
                let id = ops.tx.insert_entry(vault, kind, &draft)?;
                if !item.password.is_empty() {
                    let sealed = ops.secrets.seal(id, &item.password)?;
                    ops.tx.set_secret(id, &sealed)?;
                }
                created.push(id.0);
                if kind == EntryKind::Website {
                    summary.websites += 1;
                } else {
                    summary.credentials += 1;
                }
                done += 1;
                tick(done);
            }
            if done % PROGRESS_EVERY != 0 || done == 0 {
                progress(done, total);
            }

            let details = json!({
                "vault_id": vault.0,
                "into": into.map(|id| id.0),
                "source": plan.source.as_str(),
                "file": plan.file_name,
                "folders": summary.folders,
                "credentials": summary.credentials,
                "websites": summary.websites,
                "entry_ids": created,
                "allowed_by": via(source),
            });
            ops.audit(Some(user.id), AuditAction::Imported, None, into, &details)?;
            Ok(summary)
        })
    }
}
