//! The "Temporary access requests" window (R-APP-2, R-APP-6): loading its
//! table, sorting, filtering, the selection and bulk decisions.

use super::{MainState, report};
use crate::app::view::intent::{RequestsIntent, Verdict};
use crate::app::view::requests_table::RequestsTable;
use crate::domain::request::{ApprovalInput, Phase, Request, Target};
use crate::domain::{EntryId, RequestId, Timestamp};

impl MainState {
    pub(super) fn apply_requests(&mut self, intent: &RequestsIntent, now: Timestamp) {
        if let RequestsIntent::Open = intent {
            self.load_requests_window(now);
            return;
        }
        if let RequestsIntent::DecideChecked(verdict) = intent {
            self.decide_checked(*verdict, now);
            return;
        }
        let Some(table) = &mut self.view.requests_table else {
            return;
        };
        match intent {
            RequestsIntent::Close => self.view.requests_table = None,
            RequestsIntent::Sort(column) => table.sort_by(*column),
            RequestsIntent::SetStatusFilter(phase) => {
                table.status_filter = *phase;
                table.filters_changed();
            }
            RequestsIntent::SetTextFilter(text) => {
                table.text_filter.clone_from(text);
                table.filters_changed();
            }
            RequestsIntent::SetBulkMessage(text) => table.bulk_message.clone_from(text),
            RequestsIntent::Select(id) => table.selected = Some(*id),
            RequestsIntent::MoveSelection(delta) => table.move_selection(*delta),
            RequestsIntent::ToggleChecked(id) => {
                if !table.checked.remove(id) {
                    table.checked.insert(*id);
                }
            }
            RequestsIntent::AskDenyReason => {
                if table.checked.is_empty()
                    && let Some(row) = table.selected.and_then(|id| table.row(id))
                    && row.phase == Phase::Pending
                {
                    table.checked.insert(row.id);
                }
                if !table.checked.is_empty() {
                    table.deny_reason = Some(table.bulk_message.clone());
                }
            }
            RequestsIntent::SetDenyReason(text) => table.deny_reason = Some(text.clone()),
            RequestsIntent::CancelDeny => table.deny_reason = None,
            RequestsIntent::Open | RequestsIntent::DecideChecked(_) => {}
        }
    }

    /// Loads (or reloads, keeping sort, filters and selection) the requests window.
    pub(super) fn load_requests_window(&mut self, now: Timestamp) {
        let session = self.session.clone();
        let Some(requests) = report(
            &mut self.view.status,
            self.workspace.visible_requests(&session, now),
        ) else {
            return;
        };
        let scoped: Vec<Target> = requests
            .iter()
            .map(|r| r.target)
            .filter(|t| t.is_scope() && !self.view.names.targets.contains_key(t))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if let Some(labels) = report(
            &mut self.view.status,
            self.workspace.target_labels(&scoped, now),
        ) {
            self.view.names.targets.extend(labels);
        }
        let missing: Vec<EntryId> = requests
            .iter()
            .filter_map(Request::entry_id)
            .filter(|id| !self.view.names.entries.contains_key(id))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if let Some(names) = report(
            &mut self.view.status,
            self.workspace.entry_names(&missing, now),
        ) {
            self.view.names.entries.extend(names);
        }
        let names = &self.view.names;
        let mut table =
            RequestsTable::new(&requests, now, &|id| names.user(id), &|t| names.target(t));
        if let Some(old) = &self.view.requests_table {
            table.carry_over_from(old);
        }
        self.view.requests_table = Some(table);
    }

    /// Approves or denies every ticked request with one message; says what
    /// happened to each, naming who got there first for the others (R-APP-4, R-APP-6).
    fn decide_checked(&mut self, verdict: Verdict, now: Timestamp) {
        let approve = verdict == Verdict::Approve;
        let Some(table) = &self.view.requests_table else {
            return;
        };
        // A bulk approval approves each ticked request exactly as it was
        // requested: the table does not show every term (the permission set,
        // an approver's changes) and reloads by itself when another window
        // commits, so it cannot vouch for anything else. A request whose terms
        // an earlier approver changed is refused and reported, to be opened
        // in its response window; the others go through (R-APP-6, R-BEY-4).
        let ids: Vec<(RequestId, bool)> = table
            .checked
            .iter()
            .map(|id| (*id, table.row(*id).is_some()))
            .collect();
        // One decision is named in the status line: "Approved Alice
        // Requester's request for Admin portal".
        let one = match ids.as_slice() {
            [(id, true)] => table
                .row(*id)
                .map(|r| format!("{}'s request for {}", r.requested_by, r.entry)),
            _ => None,
        };
        // A denial sent from the D key's line carries the reason typed there.
        let message = match (verdict, &table.deny_reason) {
            (Verdict::Deny, Some(reason)) => reason.clone(),
            _ => table.bulk_message.clone(),
        };
        let (mut done, mut failed) = (0, Vec::new());
        for (id, listed) in ids {
            let result = if approve {
                if !listed {
                    failed.push(format!(
                        "request {id}: no longer listed; nothing was approved"
                    ));
                    continue;
                }
                let input = ApprovalInput {
                    terms: None,
                    message: message.clone(),
                };
                self.workspace
                    .approve(&self.session, id, &input, now)
                    .map(drop)
            } else {
                self.workspace.deny(&self.session, id, &message, now)
            };
            match result {
                Ok(()) => done += 1,
                Err(e) => failed.push(format!("request {id}: {e}")),
            }
        }
        let verb = if approve { "approved" } else { "denied" };
        match (&one, done) {
            (Some(what), 1) => {
                let verb = if approve { "Approved" } else { "Denied" };
                self.view.status.set_notice(format!("{verb} {what}"));
            }
            _ => self.view.status.set_notice(format!("{done} {verb}")),
        }
        if let Some(table) = &mut self.view.requests_table {
            table.checked.clear();
            table.bulk_message.clear();
            table.deny_reason = None;
        }
        self.load_requests_window(now);
        self.refresh_dashboard(now);
        // After the reloads, which clear the error line when they succeed;
        // the error line hides the notice, so it repeats the count.
        if !failed.is_empty() {
            self.view
                .status
                .set_error(format!("{done} {verb}; {}", failed.join("; ")));
        }
    }
}
