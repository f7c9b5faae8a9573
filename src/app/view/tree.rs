//! The vault tree as a flat list of visible rows, rebuilt only when the
//! entries, the expanded folders, the filter or the locks change — never per
//! frame — so a virtualized list can draw 100,000 entries fluidly.

use crate::domain::access::VaultAccess;
use crate::domain::entry::{Entry, EntryKind};
use crate::domain::{EntryId, Timestamp};
use std::collections::{HashMap, HashSet};

/// One visible row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeRow {
    /// Index into the model's entries.
    pub index: u32,
    /// Nesting depth, 0 at the top of the vault.
    pub depth: u16,
    /// Whether it is a folder with children.
    pub has_children: bool,
    /// Whether its children are shown.
    pub is_expanded: bool,
}

/// The entries of one vault, how they nest, and which rows are visible.
#[derive(Debug, Default)]
pub struct TreeModel {
    entries: Vec<Entry>,
    lowercase_names: Vec<String>,
    by_id: HashMap<EntryId, u32>,
    /// Children of each folder (`None` = top level), folders first, then by name.
    children: HashMap<Option<EntryId>, Vec<u32>>,
    expanded: HashSet<EntryId>,
    filter: String,
    rows: Vec<TreeRow>,
    locked: Vec<bool>,
    locks_valid_until: Option<Timestamp>,
}

impl TreeModel {
    /// A model of `entries`, with the top-level folders expanded.
    pub fn new(entries: Vec<Entry>) -> TreeModel {
        let lowercase_names: Vec<String> = entries.iter().map(|e| e.name.to_lowercase()).collect();
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id, i as u32))
            .collect();
        let mut children: HashMap<Option<EntryId>, Vec<u32>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            children.entry(entry.parent_id).or_default().push(i as u32);
        }
        let names: &Vec<String> = &lowercase_names;
        for list in children.values_mut() {
            // Folders first, then by name; the lowercase names are made once, above.
            list.sort_by(|&a, &b| {
                let key = |i: u32| {
                    (
                        entries[i as usize].kind != EntryKind::Folder,
                        &names[i as usize],
                    )
                };
                key(a).cmp(&key(b))
            });
        }
        let expanded = children
            .get(&None)
            .into_iter()
            .flatten()
            .map(|&i| entries[i as usize].id)
            .collect();
        let locked = vec![false; entries.len()];
        let mut model = TreeModel {
            entries,
            lowercase_names,
            by_id,
            children,
            expanded,
            locked,
            ..TreeModel::default()
        };
        model.rebuild();
        model
    }

    /// The visible rows.
    pub fn rows(&self) -> &[TreeRow] {
        &self.rows
    }

    /// The entry behind a row.
    pub fn row_entry(&self, row: &TreeRow) -> &Entry {
        &self.entries[row.index as usize]
    }

    /// Whether the entry behind a row is locked for the user (R-REQ-1).
    pub fn row_is_locked(&self, row: &TreeRow) -> bool {
        self.locked
            .get(row.index as usize)
            .copied()
            .unwrap_or(false)
    }

    /// Every entry of the vault, in no particular order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The vault's entries as they are now, keeping the filter and the open
    /// folders that still exist.
    pub fn replace_entries(&mut self, entries: Vec<Entry>) {
        let expanded = std::mem::take(&mut self.expanded);
        let filter = std::mem::take(&mut self.filter);
        *self = TreeModel::new(entries);
        self.expanded = expanded
            .into_iter()
            .filter(|id| self.by_id.contains_key(id))
            .collect();
        self.filter = filter;
        self.rebuild();
    }

    /// The first entry called exactly `name`, shown or not.
    pub fn find_by_name(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// An entry by id.
    pub fn entry(&self, id: EntryId) -> Option<&Entry> {
        self.by_id.get(&id).map(|&i| &self.entries[i as usize])
    }

    /// Whether an entry is locked for the user.
    pub fn is_locked(&self, id: EntryId) -> bool {
        self.by_id
            .get(&id)
            .is_some_and(|&i| self.locked[i as usize])
    }

    /// The number of entries (folders and items).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the vault is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The text rows are filtered by.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The folders above `id`, nearest first.
    pub fn ancestors(&self, id: EntryId) -> Vec<EntryId> {
        let mut found = Vec::new();
        let mut parent = self.entry(id).and_then(|e| e.parent_id);
        while let Some(p) = parent {
            if found.contains(&p) {
                break; // A damaged tree must not loop.
            }
            found.push(p);
            parent = self.entry(p).and_then(|e| e.parent_id);
        }
        found
    }

    /// "Servers / Linux / web-01".
    pub fn path(&self, id: EntryId) -> String {
        let mut names: Vec<&str> = self
            .ancestors(id)
            .iter()
            .filter_map(|a| self.entry(*a))
            .map(|e| e.name.as_str())
            .collect();
        names.reverse();
        if let Some(entry) = self.entry(id) {
            names.push(&entry.name);
        }
        names.join(" / ")
    }

    /// Shows only entries whose name contains `text` (any case), with their folders.
    pub fn set_filter(&mut self, text: &str) {
        if text != self.filter {
            text.clone_into(&mut self.filter);
            self.rebuild();
        }
    }

    /// Opens or closes a folder.
    pub fn toggle(&mut self, id: EntryId) {
        if !self.expanded.remove(&id) {
            self.expanded.insert(id);
        }
        self.rebuild();
    }

    /// Opens every folder above `id`, so it is visible.
    pub fn reveal(&mut self, id: EntryId) {
        let ancestors = self.ancestors(id);
        if ancestors.iter().any(|a| !self.expanded.contains(a)) {
            self.expanded.extend(ancestors);
            self.rebuild();
        }
    }

    /// Recomputes every item's lock at `now` (R-REQ-1); valid until the next
    /// grant starts or ends.
    pub fn refresh_locks(&mut self, access: &VaultAccess, now: Timestamp) {
        for (i, entry) in self.entries.iter().enumerate() {
            self.locked[i] = match entry.kind.main_permission() {
                None => false,
                Some(_) if access.is_admin => false,
                Some(_) => {
                    let ancestors = self.ancestors(entry.id);
                    entry.is_locked_for(
                        access
                            .facts(entry.id, &ancestors)
                            .effective_permissions(now),
                    )
                }
            };
        }
        self.locks_valid_until = access.next_change_after(now);
    }

    /// When the locks must be recomputed (a grant starts or ends).
    pub fn locks_valid_until(&self) -> Option<Timestamp> {
        self.locks_valid_until
    }

    fn rebuild(&mut self) {
        // The child lists are only read while rows are pushed: lend them out
        // instead of cloning a list per folder.
        let children = std::mem::take(&mut self.children);
        self.rebuild_rows(&children);
        self.children = children;
    }

    fn rebuild_rows(&mut self, children: &HashMap<Option<EntryId>, Vec<u32>>) {
        self.rows.clear();
        if self.filter.trim().is_empty() {
            self.push_children(children, None, 0);
            return;
        }
        // Keep the matches and every folder above them, all open.
        let needle = self.filter.trim().to_lowercase();
        let mut keep = vec![false; self.entries.len()];
        for (i, name) in self.lowercase_names.iter().enumerate() {
            if name.contains(&needle) {
                keep[i] = true;
                let mut parent = self.entries[i].parent_id;
                while let Some(p) = parent {
                    let Some(&pi) = self.by_id.get(&p) else { break };
                    if keep[pi as usize] {
                        break;
                    }
                    keep[pi as usize] = true;
                    parent = self.entries[pi as usize].parent_id;
                }
            }
        }
        self.push_filtered(children, None, 0, &keep);
    }

    fn push_children(
        &mut self,
        children: &HashMap<Option<EntryId>, Vec<u32>>,
        parent: Option<EntryId>,
        depth: u16,
    ) {
        let Some(list) = children.get(&parent) else {
            return;
        };
        for &index in list {
            let id = self.entries[index as usize].id;
            let has_children = children.get(&Some(id)).is_some_and(|c| !c.is_empty());
            let is_expanded = has_children && self.expanded.contains(&id);
            self.rows.push(TreeRow {
                index,
                depth,
                has_children,
                is_expanded,
            });
            if is_expanded {
                self.push_children(children, Some(id), depth + 1);
            }
        }
    }

    fn push_filtered(
        &mut self,
        children: &HashMap<Option<EntryId>, Vec<u32>>,
        parent: Option<EntryId>,
        depth: u16,
        keep: &[bool],
    ) {
        let Some(list) = children.get(&parent) else {
            return;
        };
        for &index in list.iter().filter(|&&i| keep[i as usize]) {
            let id = self.entries[index as usize].id;
            let has_children = children.get(&Some(id)).is_some_and(|c| !c.is_empty());
            self.rows.push(TreeRow {
                index,
                depth,
                has_children,
                is_expanded: has_children,
            });
            self.push_filtered(children, Some(id), depth + 1, keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::VaultId;
    use crate::domain::entry::NewEntry;

    fn entry(id: i64, parent: Option<i64>, kind: EntryKind, name: &str) -> Entry {
        let draft = NewEntry::default();
        Entry {
            id: EntryId(id),
            vault_id: VaultId(1),
            parent_id: parent.map(EntryId),
            kind,
            name: name.into(),
            host: draft.host,
            port: None,
            username: String::new(),
            url: String::new(),
            notes: String::new(),
            database: String::new(),
            engine: String::new(),
        }
    }

    fn names(model: &TreeModel) -> Vec<String> {
        model
            .rows()
            .iter()
            .map(|r| {
                format!(
                    "{}{}",
                    "  ".repeat(r.depth as usize),
                    model.row_entry(r).name
                )
            })
            .collect()
    }

    fn sample() -> TreeModel {
        TreeModel::new(vec![
            entry(1, None, EntryKind::Folder, "Servers"),
            entry(2, Some(1), EntryKind::Folder, "Linux"),
            entry(3, Some(2), EntryKind::Ssh, "web-01"),
            entry(4, Some(1), EntryKind::Rdp, "dc-01"),
            entry(5, None, EntryKind::Credentials, "admin"),
        ])
    }

    #[test]
    fn folders_come_first_and_top_folders_start_open() {
        let model = sample();
        assert_eq!(
            names(&model),
            vec!["Servers", "  Linux", "  dc-01", "admin"]
        );
        assert_eq!(model.path(EntryId(3)), "Servers / Linux / web-01");
    }

    #[test]
    fn toggling_and_filtering_rebuild_the_visible_rows() {
        let mut model = sample();
        model.toggle(EntryId(2));
        assert_eq!(
            names(&model),
            vec!["Servers", "  Linux", "    web-01", "  dc-01", "admin"]
        );
        model.toggle(EntryId(1));
        assert_eq!(names(&model), vec!["Servers", "admin"]);
        model.set_filter("WEB");
        assert_eq!(
            names(&model),
            vec!["Servers", "  Linux", "    web-01"],
            "matches keep their folders"
        );
        model.set_filter("");
        assert_eq!(
            names(&model),
            vec!["Servers", "admin"],
            "clearing the filter restores the folders' state"
        );
    }

    #[test]
    fn locks_follow_the_main_permission() {
        let mut model = sample();
        model.refresh_locks(&VaultAccess::default(), Timestamp(0));
        assert!(model.is_locked(EntryId(3)) && model.is_locked(EntryId(5)));
        assert!(!model.is_locked(EntryId(1)), "folders are never locked");
        let admin = VaultAccess {
            is_admin: true,
            ..VaultAccess::default()
        };
        model.refresh_locks(&admin, Timestamp(0));
        assert!(!model.is_locked(EntryId(3)));
    }
}
