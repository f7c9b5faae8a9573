//! The approver's side of the signed-in window (R-APP-1, R-APP-3, R-APP-4,
//! R-BEY-4, R-BEY-5): the dashboard's lists and the response window.

use super::{MainState, report};
use crate::app::present;
use crate::app::view::forms::{Dialog, DirectGrantForm, ResponseForm, TermsInput};
use crate::app::view::intent::{ApprovalIntent, Verdict};
use crate::app::view::screen::Dashboard;
use crate::domain::request::{ApprovalInput, ApprovalOutcome, Phase, Request, Target};
use crate::domain::{DomainError, EntryId, Field, RequestId, Span, Timestamp};
use crate::service::ServiceError;

/// How many pending requests the dashboard lists (the count is exact).
const INBOX_ROWS: usize = 50;

impl MainState {
    pub(super) fn apply_approval(&mut self, intent: ApprovalIntent, now: Timestamp) {
        match intent {
            ApprovalIntent::OpenResponse(id) => self.open_response(id, now),
            ApprovalIntent::Decide(verdict) => self.decide(verdict, now),
            ApprovalIntent::MarkReviewed(id) => self.mark_reviewed(id, now),
            ApprovalIntent::OpenDirectGrant(id) => self.open_direct_grant(id, now),
            ApprovalIntent::SendDirectGrant => self.send_direct_grant(now),
            ApprovalIntent::OpenExplain(id) => self.open_explain(id),
            ApprovalIntent::Explain => self.explain(now),
        }
    }

    /// Reloads what the dashboard shows: the inbox, reviews, my access.
    pub(super) fn refresh_dashboard(&mut self, now: Timestamp) {
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
            let all = || inbox.iter().chain(&reviews).chain(&mine);
            let ids: Vec<EntryId> = all().filter_map(Request::entry_id).collect();
            let scoped: Vec<Target> = all().map(|r| r.target).filter(|t| t.is_scope()).collect();
            let names = self.workspace.entry_names(&ids, now)?;
            let labels = self.workspace.target_labels(&scoped, now)?;
            Ok::<_, ServiceError>((inbox, inbox_count, reviews, mine, (names, labels)))
        })();
        if let Some((inbox, inbox_count, reviews, my_access, (names, labels))) =
            report(&mut self.view.status, loaded)
        {
            self.view.names.targets.extend(labels);
            self.view.dashboard = Dashboard {
                inbox,
                inbox_count,
                reviews,
                my_access,
            };
            self.view.names.entries.extend(names);
        }
    }

    /// The next countdown second among "My temporary access", if any is running.
    pub(super) fn my_access_next_change(&self, now: Timestamp) -> Option<Timestamp> {
        self.view
            .dashboard
            .my_access
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

    fn open_response(&mut self, id: RequestId, now: Timestamp) {
        let info = self.workspace.request_info(&self.session, id, now);
        if let Some(info) = report(&mut self.view.status, info) {
            let presets = self.view.settings.preset_durations_mins.clone();
            let mut form = ResponseForm::new(info, &presets, self.view.names.sets.clone(), now);
            form.terms.offers_permanent |= self.view.settings.permanent_access_allowed;
            self.dialog = Dialog::Respond(Box::new(form));
        }
    }

    /// Someone else decided first: say who, and show the fresh state (R-APP-4).
    fn handled_elsewhere(&mut self, error: &ServiceError, now: Timestamp) -> bool {
        let is_race = matches!(
            error,
            ServiceError::Domain(DomainError::AlreadyHandled { .. } | DomainError::Lapsed { .. })
        );
        if is_race {
            if let Dialog::Respond(form) = &mut self.dialog {
                form.handled_elsewhere = Some(format!("{error}. The list has been refreshed."));
            }
            self.refresh_dashboard(now);
        }
        is_race
    }

    /// After a refused approval: if another approval came in since the
    /// window was opened (and so the terms may have changed), shows the
    /// request as it is now, keeping the message typed (R-APP-3, R-BEY-4).
    fn reload_response_if_changed(&mut self, now: Timestamp) {
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
        let presets = self.view.settings.preset_durations_mins.clone();
        let mut fresh = ResponseForm::new(info, &presets, self.view.names.sets.clone(), now);
        fresh.terms.offers_permanent |= self.view.settings.permanent_access_allowed;
        fresh.message = message;
        self.dialog = Dialog::Respond(Box::new(fresh));
        self.refresh_dashboard(now);
    }

    fn decide(&mut self, verdict: Verdict, now: Timestamp) {
        let approve = verdict == Verdict::Approve;
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
                self.view.status.set_notice(match outcome {
                    Some(ApprovalOutcome::Recorded {
                        approvals,
                        required,
                    }) => {
                        format!("Your approval is recorded: {approvals} of {required}")
                    }
                    Some(ApprovalOutcome::Granted) => "Request approved".to_owned(),
                    None => "Request denied".to_owned(),
                });
                self.dialog = Dialog::None;
                self.refresh_dashboard(now);
                if self.view.requests_table.is_some() {
                    self.load_requests_window(now);
                }
            }
            Err(e) => {
                if self.handled_elsewhere(&e, now) {
                    return;
                }
                if approve {
                    self.reload_response_if_changed(now);
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

    fn open_direct_grant(&mut self, entry_id: EntryId, now: Timestamp) {
        let Some(users) = report(&mut self.view.status, self.workspace.users(now)) else {
            return;
        };
        let users = users
            .into_iter()
            .filter(|u| u.is_active && !u.is_admin)
            .collect();
        self.dialog = Dialog::DirectGrant(Box::new(DirectGrantForm {
            entry_id,
            entry_path: self.view.tree.path(entry_id),
            users,
            user_index: None,
            terms: TermsInput::new(
                self.view.settings.preset_durations_mins.clone(),
                self.view.names.sets.clone(),
                0,
                now,
                now,
            ),
            message: String::new(),
            errors: crate::domain::FieldErrors::default(),
        }));
    }

    fn send_direct_grant(&mut self, now: Timestamp) {
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
                self.view.status.set_notice(format!(
                    "Access granted to {user_name} for {}",
                    present::duration_mins(mins)
                ));
                self.refresh_dashboard(now);
            }
            Err(e) => match e.field_errors() {
                Some(errors) => form.errors = errors.clone(),
                None => form.errors.push(Field::Workspace, e.to_string()),
            },
        }
    }

    fn mark_reviewed(&mut self, id: RequestId, now: Timestamp) {
        let result = self.workspace.mark_reviewed(&self.session, id, now);
        if report(&mut self.view.status, result).is_some() {
            self.view
                .status
                .set_notice("Emergency access marked reviewed");
        }
        self.refresh_dashboard(now);
    }
}
