//! Search everywhere (issue 14): the index is read when the search opens,
//! every keystroke filters it in memory, and a chosen result is shown in its
//! vault with its folders open.

use super::{MainState, report};
use crate::app::job::Job;
use crate::app::view::intent::SearchIntent;
use crate::app::view::search::SearchView;
use crate::domain::{Timestamp, VaultId};
use crate::service::{ServiceError, Session, Workspace};

impl MainState {
    pub(super) fn apply_search(&mut self, intent: &SearchIntent, now: Timestamp) {
        match intent {
            SearchIntent::Open => self.open_search(now),
            SearchIntent::Close => {
                self.view.search = None;
                self.search_index = None;
            }
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
            SearchIntent::OpenForRequest => {
                self.open_search(now);
                if let Some(search) = &mut self.view.search {
                    search.pick_targets();
                }
            }
        }
    }

    /// Opens the search at once and reads every vault the user is a member
    /// of into its index on a thread of its own, through a second
    /// connection (at 100,000 entries that takes longer than a frame); what
    /// is typed meanwhile is applied when the index arrives. Without a second
    /// connection (an in-memory workspace) the index is read here.
    fn open_search(&mut self, now: Timestamp) {
        if self.view.search.is_some() {
            return;
        }
        let vaults: Vec<_> = self
            .view
            .vaults
            .iter()
            .map(|v| (v.id, v.name.clone()))
            .collect();
        if let Some(Ok(mut workspace)) = self.workspace.second_handle() {
            let session = self.session.clone();
            let (count, wanted) = (vaults.len(), vaults.clone());
            let started = Job::start("search-index", self.wake.clone(), move |_| {
                read_index(&mut workspace, &session, wanted, now)
            });
            if let Ok(job) = started {
                self.view.search = Some(SearchView::reading(count));
                self.search_index = Some(job);
                return;
            }
        }
        let loaded = read_index(&mut self.workspace, &self.session, vaults, now);
        if let Some(index) = report(&mut self.view.status, loaded) {
            self.view.search = Some(index);
        }
    }

    /// Takes the index once its thread has read it, keeping what was typed;
    /// a search closed meanwhile drops it.
    pub(super) fn poll_search_index(&mut self) {
        let Some(job) = &self.search_index else {
            return;
        };
        let Some(read) = job.try_finish() else {
            return;
        };
        self.search_index = None;
        let Some(shown) = &self.view.search else {
            return;
        };
        match read {
            Ok(mut index) => {
                index.continue_from(shown);
                self.view.search = Some(index);
            }
            Err(e) => {
                self.view.search = None;
                self.view.status.set_error(e.to_string());
            }
        }
    }

    fn choose_result(&mut self, n: usize, now: Timestamp) {
        let Some(row) = self.view.search.as_ref().and_then(|s| s.result(n)).cloned() else {
            return;
        };
        let for_request = self.view.search.as_ref().is_some_and(|s| s.for_request);
        self.view.search = None;
        self.search_index = None;
        if for_request {
            // R-REQ-13: the picked target's request dialog, wherever it is.
            let kind = row.entry_id().map(|_| row.kind);
            self.open_request_dialog_on(row.target, row.vault_id, kind, row.location, None, now);
            return;
        }
        let Some(entry_id) = row.entry_id() else {
            return;
        };
        if self.view.vault != Some(row.vault_id) {
            self.select_vault(row.vault_id, now);
        }
        if self.view.vault == Some(row.vault_id) {
            self.view.tree.set_filter("");
            self.select_entry(entry_id, now);
        }
    }
}

/// Every entry of `vaults` (id and name) as `session` sees them at `now`,
/// as one search index.
fn read_index(
    workspace: &mut Workspace,
    session: &Session,
    vaults: Vec<(VaultId, String)>,
    now: Timestamp,
) -> Result<SearchView, ServiceError> {
    let loaded = vaults
        .into_iter()
        .map(|(id, name)| Ok((id, name, workspace.entries(session, id, now)?)))
        .collect::<Result<Vec<_>, ServiceError>>()?;
    Ok(SearchView::new(loaded))
}
