//! Search everywhere (issue 14, Ctrl+F): every entry of every vault the user
//! is a member of, found by name, path, host, URL or user name. The index is
//! built once when the search opens (one read per vault); each keystroke
//! filters it in memory, with no SQL.
//!
//! The same index is the target picker of **New request…** (R-REQ-13): in
//! that mode the vaults themselves are listed too, and choosing a row opens
//! the request dialog for it instead of showing it.

use crate::domain::entry::{Entry, EntryKind, entry_path};
use crate::domain::request::Target;
use crate::domain::{EntryId, VaultId};
use std::collections::HashMap;

/// How many results are listed (the count says how many matched).
pub const RESULT_LIMIT: usize = 500;

/// One searchable entry.
#[derive(Debug, Clone)]
pub struct SearchRow {
    /// What it is: an entry, a folder, or (in the target picker) a vault.
    pub target: Target,
    /// Its kind (for the icon; a vault shows as a folder).
    pub kind: EntryKind,
    /// Its name.
    pub name: String,
    /// Its vault.
    pub vault_id: VaultId,
    /// "Vault / folder / name".
    pub location: String,
    /// Vault, path (with the name), host, URL and user name, lower-cased, one string.
    haystack: String,
}

/// The open search: the index, the query, the matches.
#[derive(Debug, Clone, Default)]
pub struct SearchView {
    rows: Vec<SearchRow>,
    /// What was typed.
    pub query: String,
    /// Indexes into the rows of every match, in vault and path order (the
    /// first [`RESULT_LIMIT`] are listed).
    matches: Vec<u32>,
    /// How many matched in all.
    pub total: usize,
    /// The highlighted match (arrows move it, Enter opens it).
    pub selected: usize,
    /// While the index is being read (on its own thread): how many vaults.
    /// What is typed meanwhile is kept and applied when it arrives.
    pub reading_vaults: Option<usize>,
    /// The target picker of New request… (R-REQ-13): vaults are listed
    /// too, and a choice opens the request dialog.
    pub for_request: bool,
    /// The vaults indexed, for the picker's vault rows.
    vaults: Vec<(VaultId, String)>,
}

impl SearchRow {
    /// The entry or folder it shows; `None` for a vault.
    pub fn entry_id(&self) -> Option<EntryId> {
        self.target.entry_id()
    }
}

impl SearchView {
    /// An index of `vaults`' entries: (vault id, vault name, its entries).
    pub fn new(vaults: Vec<(VaultId, String, Vec<Entry>)>) -> SearchView {
        let mut rows = Vec::new();
        let mut names = Vec::new();
        for (vault_id, vault_name, entries) in vaults {
            names.push((vault_id, vault_name.clone()));
            let by_id: HashMap<EntryId, Entry> =
                entries.iter().map(|e| (e.id, e.clone())).collect();
            for entry in &entries {
                let location = format!("{vault_name} / {}", entry_path(entry, &by_id));
                let haystack = [
                    location.as_str(),
                    entry.host.as_str(),
                    entry.url.as_str(),
                    entry.username.as_str(),
                ]
                .join("\u{1}")
                .to_lowercase();
                rows.push(SearchRow {
                    target: if entry.kind == EntryKind::Folder {
                        Target::Folder(entry.id)
                    } else {
                        Target::Entry(entry.id)
                    },
                    kind: entry.kind,
                    name: entry.name.clone(),
                    vault_id,
                    location,
                    haystack,
                });
            }
        }
        rows.sort_by(|a, b| a.location.cmp(&b.location));
        let mut view = SearchView {
            rows,
            vaults: names,
            ..SearchView::default()
        };
        view.set_query("");
        view
    }

    /// Makes it the target picker of New request…: each vault is listed
    /// too, before its entries (R-REQ-13).
    pub fn pick_targets(&mut self) {
        if self.for_request {
            return;
        }
        self.for_request = true;
        for (vault_id, name) in &self.vaults {
            self.rows.push(SearchRow {
                target: Target::Vault(*vault_id),
                kind: EntryKind::Folder,
                name: name.clone(),
                vault_id: *vault_id,
                location: name.clone(),
                haystack: name.to_lowercase(),
            });
        }
        self.rows.sort_by(|a, b| a.location.cmp(&b.location));
        let query = std::mem::take(&mut self.query);
        self.set_query(&query);
    }

    /// An open search whose index of `vaults` vaults is still being read.
    pub fn reading(vaults: usize) -> SearchView {
        SearchView {
            reading_vaults: Some(vaults),
            ..SearchView::default()
        }
    }

    /// Takes over what was typed (and the highlight) in `earlier`, the
    /// search shown while this index was read.
    pub fn continue_from(&mut self, earlier: &SearchView) {
        if earlier.for_request {
            self.pick_targets();
        }
        self.set_query(&earlier.query);
    }

    /// How many entries are searched.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is nothing to search.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Filters by `query` (every word must appear, in any field). Typing on
    /// (the new query extends the last one) only narrows the last matches.
    pub fn set_query(&mut self, query: &str) {
        let narrows = !self.query.trim().is_empty() && query.starts_with(self.query.as_str());
        query.clone_into(&mut self.query);
        self.selected = 0;
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            self.matches.clear();
            self.total = 0;
            return;
        }
        let rows = &self.rows;
        let matches = |index: &u32| {
            let row = &rows[*index as usize];
            words.iter().all(|w| row.haystack.contains(w.as_str()))
        };
        if narrows {
            self.matches.retain(matches);
        } else {
            self.matches = (0..rows.len() as u32).filter(matches).collect();
        }
        self.total = self.matches.len();
    }

    /// The listed matches.
    pub fn results(&self) -> impl ExactSizeIterator<Item = &SearchRow> {
        self.matches[..self.listed()]
            .iter()
            .map(|&i| &self.rows[i as usize])
    }

    /// The `n`th listed match.
    pub fn result(&self, n: usize) -> Option<&SearchRow> {
        self.matches[..self.listed()]
            .get(n)
            .map(|&i| &self.rows[i as usize])
    }

    /// How many are listed.
    pub fn listed(&self) -> usize {
        self.matches.len().min(RESULT_LIMIT)
    }

    /// Moves the highlight by `by`, within the list.
    pub fn move_selection(&mut self, by: i64) {
        if self.matches.is_empty() {
            return;
        }
        let last = self.listed() - 1;
        let to = (self.selected as i64 + by).clamp(0, last as i64);
        self.selected = to as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, parent: Option<i64>, kind: EntryKind, name: &str, host: &str) -> Entry {
        Entry {
            id: EntryId(id),
            vault_id: VaultId(1),
            parent_id: parent.map(EntryId),
            kind,
            name: name.into(),
            host: host.into(),
            port: None,
            username: String::new(),
            url: String::new(),
            notes: String::new(),
            database: String::new(),
            engine: String::new(),
        }
    }

    #[test]
    fn finds_by_name_path_and_host_across_vaults() {
        let mut view = SearchView::new(vec![
            (
                VaultId(1),
                "Production".into(),
                vec![
                    entry(1, None, EntryKind::Folder, "Linux", ""),
                    entry(2, Some(1), EntryKind::Ssh, "web-01", "10.0.0.5"),
                ],
            ),
            (
                VaultId(2),
                "Staging".into(),
                vec![entry(3, None, EntryKind::Ssh, "web-01", "10.1.0.5")],
            ),
        ]);
        view.set_query("WEB");
        assert_eq!(view.total, 2);
        let found: Vec<&str> = view.results().map(|r| r.location.as_str()).collect();
        assert_eq!(found, ["Production / Linux / web-01", "Staging / web-01"]);
        view.set_query("linux web");
        assert_eq!(view.total, 1, "every word, in any field (the path)");
        view.set_query("10.1.");
        assert_eq!(
            view.result(0).and_then(SearchRow::entry_id),
            Some(EntryId(3))
        );
        view.set_query("nothing like it");
        assert_eq!((view.total, view.listed()), (0, 0));
        // Typing on narrows; going back widens again.
        view.set_query("web");
        view.set_query("web-01 prod");
        assert_eq!(view.total, 1);
        view.set_query("web");
        assert_eq!(view.total, 2);
    }

    #[test]
    fn the_highlight_stays_in_the_list() {
        let entries = (1..=5)
            .map(|i| entry(i, None, EntryKind::Ssh, &format!("host-{i}"), ""))
            .collect();
        let mut view = SearchView::new(vec![(VaultId(1), "V".into(), entries)]);
        view.set_query("host");
        view.move_selection(-1);
        assert_eq!(view.selected, 0);
        view.move_selection(10);
        assert_eq!(view.selected, 4);
        view.set_query("host-2");
        assert_eq!(view.selected, 0, "a new query starts at the top");
    }

    #[test]
    fn what_was_typed_while_the_index_was_read_is_applied_to_it() {
        let mut shown = SearchView::reading(2);
        shown.set_query("web");
        assert_eq!(shown.total, 0, "nothing to search yet");
        let mut index = SearchView::new(vec![(
            VaultId(1),
            "Production".into(),
            vec![entry(1, None, EntryKind::Ssh, "web-01", "10.0.0.1")],
        )]);
        index.continue_from(&shown);
        assert_eq!((index.query.as_str(), index.total), ("web", 1));
        assert_eq!(index.reading_vaults, None);
    }
}
