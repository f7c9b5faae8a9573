//! Search everywhere (issue 14): the index is read when the search opens,
//! every keystroke filters it in memory, and a chosen result is shown in its
//! vault with its folders open.

use super::{MainState, report};
use crate::app::view::intent::SearchIntent;
use crate::app::view::search::SearchView;
use crate::domain::Timestamp;
use crate::service::ServiceError;

impl MainState {
    pub(super) fn apply_search(&mut self, intent: &SearchIntent, now: Timestamp) {
        match intent {
            SearchIntent::Open => self.open_search(now),
            SearchIntent::Close => self.view.search = None,
            SearchIntent::SetQuery(text) => {
                if let Some(search) = &mut self.view.search {
                    search.set_query(text);
                }
            }
            SearchIntent::Move(by) => {
                if let Some(search) = &mut self.view.search {
                    search.move_selection(*by);
                }
            }
            SearchIntent::Choose(n) => self.choose_result(*n, now),
        }
    }

    /// Reads every vault the user is a member of into the search's index.
    fn open_search(&mut self, now: Timestamp) {
        let vaults: Vec<_> = self
            .view
            .vaults
            .iter()
            .map(|v| (v.id, v.name.clone()))
            .collect();
        let loaded = vaults
            .into_iter()
            .map(|(id, name)| {
                let entries = self.workspace.entries(&self.session, id, now)?;
                Ok((id, name, entries))
            })
            .collect::<Result<Vec<_>, ServiceError>>();
        if let Some(vaults) = report(&mut self.view.status, loaded) {
            self.view.search = Some(SearchView::new(vaults));
        }
    }

    fn choose_result(&mut self, n: usize, now: Timestamp) {
        let Some(row) = self.view.search.as_ref().and_then(|s| s.result(n)).cloned() else {
            return;
        };
        self.view.search = None;
        if self.view.vault != Some(row.vault_id) {
            self.select_vault(row.vault_id, now);
        }
        if self.view.vault == Some(row.vault_id) {
            self.view.tree.set_filter("");
            self.select_entry(row.entry_id, now);
        }
    }
}
