//! The approver's side of the signed-in window (R-APP-1, R-APP-3, R-APP-4,
//! R-BEY-4, R-BEY-5): the dashboard's lists and the response window.

use super::{MainState, report};
use crate::app::forms::{Dialog, DirectGrantForm, ResponseForm, TermsInput};
use crate::app::requests_table::RequestsTable;
use crate::domain::request::{ApprovalInput, ApprovalOutcome, Phase, Request};
use crate::domain::{DomainError, EntryId, Field, RequestId, Span, Timestamp};
use crate::service::ServiceError;

/// How many pending requests the dashboard lists (the count is exact).
const INBOX_ROWS: usize = 50;

impl MainState {
    /// Reloads what the dashboard shows: the inbox, reviews, my access.
    pub(super) fn refresh_dashboard(&mut self) {
        let now = self.now;
        let session = self.session.clone();
        let loaded = (|| {
            let inbox = self.workspace.inbox(&session, now, INBOX_ROWS)?;
            let inbox_count = self.workspace.inbox_count(&session, now)?;
            let reviews = self.workspace.grants_needing_review(&session, now)?;
            let mine: Vec<Request> = self
                .workspace
                .my_requests(&session, 200, now)?
                .into_iter()
                .filter(|r| {
                    matches!(
                        r.phase(now),
                        Phase::Pending | Phase::Scheduled | Phase::Active | Phase::AwaitingFirstUse
                    )
                })
                .collect();
            let ids: Vec<EntryId> = inbox
                .iter()
                .chain(&reviews)
                .chain(&mine)
                .map(|r| r.entry_id)
                .collect();
            let names = self.workspace.entry_names(&ids, now)?;
            Ok::<_, ServiceError>((inbox, inbox_count, reviews, mine, names))
        })();
        if let Some((inbox, inbox_count, reviews, mine, names)) =
            report(&mut self.last_error, loaded)
        {
            self.inbox = inbox;
            self.inbox_count = inbox_count;
            self.reviews = reviews;
            self.my_access = mine;
            self.entry_names.extend(names);
        }
    }

    /// The name of an entry in any vault, as far as loaded.
    pub fn entry_name(&self, id: EntryId) -> String {
        self.entry_names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("entry {id}"))
    }

    /// The next countdown second among "My temporary access", if any is running.
    pub(super) fn my_access_next_change(&self, now: Timestamp) -> Option<Timestamp> {
        self.my_access
            .iter()
            .filter_map(|r| match r.phase(now) {
                Phase::Active => r.grant_end_at,
                Phase::Scheduled => r.grant_start_at,
                _ => None,
            })
            .map(|end| {
                let into_second = end.since(now).millis().rem_euclid(1_000);
                now + Span(if into_second == 0 { 1_000 } else { into_second })
            })
            .min()
    }

    pub(super) fn open_response(&mut self, id: RequestId) {
        let now = self.now;
        let info = self.workspace.request_info(&self.session, id, now);
        if let Some(info) = report(&mut self.last_error, info) {
            let presets = self.settings.preset_durations_mins.clone();
            let form = ResponseForm::new(info, &presets, self.sets.clone(), now);
            self.dialog = Dialog::Respond(Box::new(form));
        }
    }

    /// Someone else decided first: say who, and show the fresh state (R-APP-4).
    fn handled_elsewhere(&mut self, error: &ServiceError) -> bool {
        let is_race = matches!(
            error,
            ServiceError::Domain(DomainError::AlreadyHandled { .. } | DomainError::Lapsed { .. })
        );
        if is_race {
            if let Dialog::Respond(form) = &mut self.dialog {
                form.handled_elsewhere = Some(format!("{error}. The list has been refreshed."));
            }
            self.refresh_dashboard();
        }
        is_race
    }

    /// After a refused approval: if another approval came in since the
    /// window was opened (and so the terms may have changed), shows the
    /// request as it is now, keeping the message typed (R-APP-3, R-BEY-4).
    fn reload_response_if_changed(&mut self) {
        let now = self.now;
        let Dialog::Respond(form) = &self.dialog else {
            return;
        };
        let id = form.info.request.id;
        let Ok(info) = self.workspace.request_info(&self.session, id, now) else {
            return;
        };
        let seen = &form.info.request;
        if info.request.approvals == seen.approvals && info.request.authorized == seen.authorized {
            return;
        }
        let message = form.message.clone();
        let presets = self.settings.preset_durations_mins.clone();
        let mut fresh = ResponseForm::new(info, &presets, self.sets.clone(), now);
        fresh.message = message;
        self.dialog = Dialog::Respond(Box::new(fresh));
        self.refresh_dashboard();
    }

    pub(super) fn decide(&mut self, approve: bool) {
        let now = self.now;
        let Dialog::Respond(form) = &mut self.dialog else {
            return;
        };
        form.errors = crate::domain::FieldErrors::default();
        let id = form.info.request.id;
        let message = form.message.clone();
        let result = if approve {
            let terms = match form.terms.terms() {
                Ok(terms) => terms,
                Err(e) => {
                    form.errors = e.field_errors().cloned().unwrap_or_default();
                    return;
                }
            };
            // The approval carries the terms the window showed (R-APP-3,
            // R-BEY-4): the service refuses it if they changed since.
            let shown = form.info.request.effective_terms();
            let approved = if form.terms_editable { terms } else { shown };
            let input = ApprovalInput {
                terms: Some(approved),
                message,
            };
            self.workspace
                .approve(&self.session, id, &input, now)
                .map(Some)
        } else {
            self.workspace
                .deny(&self.session, id, &message, now)
                .map(|()| None)
        };
        match result {
            Ok(outcome) => {
                self.notice = Some(match outcome {
                    Some(ApprovalOutcome::Recorded {
                        approvals,
                        required,
                    }) => {
                        format!("Your approval is recorded: {approvals} of {required}")
                    }
                    Some(ApprovalOutcome::Granted) => "Request approved".to_owned(),
                    None => "Request denied".to_owned(),
                });
                self.last_error = None;
                self.dialog = Dialog::None;
                self.refresh_dashboard();
                if self.requests_window.is_some() {
                    self.load_requests_window();
                }
            }
            Err(e) => {
                if self.handled_elsewhere(&e) {
                    return;
                }
                if approve {
                    self.reload_response_if_changed();
                }
                if let Dialog::Respond(form) = &mut self.dialog {
                    match e.field_errors() {
                        Some(errors) => form.errors = errors.clone(),
                        None => form.errors.push(Field::Workspace, e.to_string()),
                    }
                }
            }
        }
    }

    /// Loads (or reloads, keeping sort, filters and selection) the requests window.
    pub(super) fn load_requests_window(&mut self) {
        let now = self.now;
        let session = self.session.clone();
        let Some(requests) = report(
            &mut self.last_error,
            self.workspace.visible_requests(&session, now),
        ) else {
            return;
        };
        let missing: Vec<EntryId> = requests
            .iter()
            .map(|r| r.entry_id)
            .filter(|id| !self.entry_names.contains_key(id))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if let Some(names) = report(
            &mut self.last_error,
            self.workspace.entry_names(&missing, now),
        ) {
            self.entry_names.extend(names);
        }
        let mut table = RequestsTable::new(&requests, now, &|id| self.display_name(id), &|id| {
            self.entry_name(id)
        });
        if let Some(old) = &self.requests_window {
            table.carry_over_from(old);
        }
        self.requests_window = Some(table);
    }

    /// Approves or denies every ticked request with one message; says what
    /// happened to each, naming who got there first for the others (R-APP-4, R-APP-6).
    pub(super) fn decide_checked(&mut self, approve: bool) {
        let now = self.now;
        let Some(table) = &self.requests_window else {
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
        let message = table.bulk_message.clone();
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
        self.notice = Some(format!("{done} {verb}"));
        if let Some(table) = &mut self.requests_window {
            table.checked.clear();
            table.bulk_message.clear();
        }
        self.load_requests_window();
        self.refresh_dashboard();
        // After the reloads, which clear the error line when they succeed;
        // the error line hides the notice, so it repeats the count.
        if !failed.is_empty() {
            self.last_error = Some(format!("{done} {verb}; {}", failed.join("; ")));
        }
    }

    pub(super) fn open_direct_grant(&mut self, entry_id: EntryId) {
        let now = self.now;
        let Some(users) = report(&mut self.last_error, self.workspace.users(now)) else {
            return;
        };
        let users = users
            .into_iter()
            .filter(|u| u.is_active && !u.is_admin)
            .collect();
        self.dialog = Dialog::DirectGrant(Box::new(DirectGrantForm {
            entry_id,
            entry_path: self.tree.path(entry_id),
            users,
            user_index: None,
            terms: TermsInput::new(
                self.settings.preset_durations_mins.clone(),
                self.sets.clone(),
                0,
                now,
                now,
            ),
            message: String::new(),
            errors: crate::domain::FieldErrors::default(),
        }));
    }

    pub(super) fn send_direct_grant(&mut self) {
        let now = self.now;
        let Dialog::DirectGrant(form) = &mut self.dialog else {
            return;
        };
        form.errors = crate::domain::FieldErrors::default();
        let Some(user) = form.user_index.and_then(|i| form.users.get(i)) else {
            form.errors
                .push(Field::Approver, "choose who receives the access");
            return;
        };
        let (user_id, user_name) = (user.id, user.display_name.clone());
        let terms = match form.terms.terms() {
            Ok(terms) => terms,
            Err(e) => {
                form.errors = e.field_errors().cloned().unwrap_or_default();
                return;
            }
        };
        let mins = form.terms.preset_mins();
        let (entry_id, message) = (form.entry_id, form.message.clone());
        match self
            .workspace
            .direct_grant(&self.session, user_id, entry_id, terms, &message, now)
        {
            Ok(_) => {
                self.dialog = Dialog::None;
                self.notice = Some(format!(
                    "Access granted to {user_name} for {}",
                    Span::human_mins(mins)
                ));
                self.refresh_dashboard();
            }
            Err(e) => match e.field_errors() {
                Some(errors) => form.errors = errors.clone(),
                None => form.errors.push(Field::Workspace, e.to_string()),
            },
        }
    }

    pub(super) fn mark_reviewed(&mut self, id: RequestId) {
        let now = self.now;
        let result = self.workspace.mark_reviewed(&self.session, id, now);
        if report(&mut self.last_error, result).is_some() {
            self.notice = Some("Emergency access marked reviewed".into());
        }
        self.refresh_dashboard();
    }
}
