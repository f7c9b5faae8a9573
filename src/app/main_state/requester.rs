//! The requester's side: the access prompt, the request dialog (new or an
//! extension), a request's details, cancelling, and ending a grant early
//! (revoke, release).

use super::{MainState, report};
use crate::app::view::forms::{Dialog, RequestForm, TermsInput};
use crate::app::view::intent::AccessIntent;
use crate::domain::entry::{Entry, EntryKind};
use crate::domain::permission::PermissionSet;
use crate::domain::request::{NewRequest, Request, Target};
use crate::domain::{Field, FieldErrors, RequestId, Span, Timestamp, VaultId};

impl MainState {
    pub(super) fn apply_access(&mut self, intent: AccessIntent, now: Timestamp) {
        match intent {
            AccessIntent::AskForAccess(_) if !self.view.settings.temporary_access_enabled => {
                self.view.status.set_error(
                    "you don't have access to this entry, and temporary access is disabled in this workspace",
                );
            }
            AccessIntent::AskForAccess(id) => {
                if let Some(entry) = self.view.tree.entry(id) {
                    self.dialog = Dialog::AskAccess {
                        entry_id: id,
                        name: entry.name.clone(),
                    };
                }
            }
            AccessIntent::OpenRequestDialog(id) => {
                self.open_request_dialog(Target::Entry(id), None, now);
            }
            AccessIntent::OpenVaultRequestDialog(id) => {
                self.open_request_dialog(Target::Vault(id), None, now);
            }
            AccessIntent::OpenJoinDialog(id) => {
                self.open_request_dialog(Target::Join(id), None, now);
            }
            AccessIntent::RequestExtension(request_id) => {
                let original = self
                    .view
                    .detail
                    .as_ref()
                    .and_then(|d| d.requests.iter().find(|r| r.id == request_id))
                    .cloned();
                if let Some(original) = original {
                    self.open_request_dialog(original.target, Some(&original), now);
                }
            }
            AccessIntent::SendRequest => self.send_request(now),
            AccessIntent::OpenEmergency(id) => self.open_emergency(id, now),
            AccessIntent::TakeEmergency => self.take_emergency(now),
            AccessIntent::ShowDetails(id) => self.show_details(id, now),
            AccessIntent::CancelRequest(id) => {
                let result = self.workspace.cancel(&self.session, id, now);
                if report(&mut self.view.status, result).is_some() {
                    self.view.status.set_notice("Request cancelled");
                    self.dialog = Dialog::None;
                }
                self.refresh_detail(now);
            }
            AccessIntent::AskRevoke(request_id) => {
                self.dialog = Dialog::ConfirmRevoke {
                    request_id,
                    reason: String::new(),
                    error: None,
                }
            }
            AccessIntent::AskRelease(request_id) => {
                self.dialog = Dialog::ConfirmRelease {
                    request_id,
                    note: String::new(),
                    error: None,
                }
            }
            AccessIntent::Revoke | AccessIntent::Release => self.end_grant(intent, now),
        }
    }

    /// The details dialog shows the request as read now; if it cannot be
    /// read, as the entry pane last loaded it (R-REQ-7).
    fn show_details(&mut self, id: RequestId, now: Timestamp) {
        let loaded = self.workspace.request(&self.session, id, now);
        let request = report(&mut self.view.status, loaded).or_else(|| {
            let detail = self.view.detail.as_ref()?;
            detail.requests.iter().find(|r| r.id == id).cloned()
        });
        if let Some(request) = request {
            self.dialog = Dialog::Details(Box::new(request));
        }
    }

    /// Opens the request dialog for `target`: an entry or folder of the
    /// shown tree, or the shown vault (R-REQ-11).
    pub(super) fn open_request_dialog(
        &mut self,
        target: Target,
        extends: Option<&Request>,
        now: Timestamp,
    ) {
        let (target, vault_id, entry, entry_path) = match target {
            Target::Entry(id) | Target::Folder(id) => {
                let Some(entry) = self.view.tree.entry(id).cloned() else {
                    return;
                };
                let target = if entry.kind == EntryKind::Folder {
                    Target::Folder(id)
                } else {
                    Target::Entry(id)
                };
                (target, entry.vault_id, Some(entry), self.view.tree.path(id))
            }
            Target::Vault(id) => {
                let name = self
                    .view
                    .vaults
                    .iter()
                    .find(|v| v.id == id)
                    .map_or_else(|| format!("vault {id}"), |v| v.name.clone());
                (target, id, None, name)
            }
            Target::Join(id) => {
                let Some(vault) = self.view.joinable.iter().find(|v| v.id == id) else {
                    return;
                };
                (target, id, None, vault.name.clone())
            }
        };
        let kind = entry.as_ref().map(|e| e.kind);
        self.open_request_dialog_on(target, vault_id, kind, entry_path, extends, now);
    }

    /// The request dialog for `target` in `vault_id`, titled `entry_path`.
    pub(super) fn open_request_dialog_on(
        &mut self,
        target: Target,
        vault_id: VaultId,
        kind: Option<EntryKind>,
        entry_path: String,
        extends: Option<&Request>,
        now: Timestamp,
    ) {
        let eligible = self
            .workspace
            .eligible_approvers(vault_id, &self.session, now);
        let Some(approvers) = report(&mut self.view.status, eligible) else {
            return;
        };
        let covers = match target {
            Target::Entry(entry_id) => {
                let ids: Vec<_> = report(
                    &mut self.view.status,
                    self.workspace.dependencies(entry_id, now),
                )
                .unwrap_or_default()
                .iter()
                .map(|d| d.depends_on)
                .collect();
                // The picker reaches entries of vaults not shown: names from the workspace.
                let names = report(&mut self.view.status, self.workspace.entry_names(&ids, now))
                    .unwrap_or_default();
                ids.iter().filter_map(|id| names.get(id).cloned()).collect()
            }
            Target::Folder(_) | Target::Vault(_) | Target::Join(_) => Vec::new(),
        };
        let (sets, default_set) = self.sets_for_kind(kind);
        let start_at = Timestamp((now.millis() / 300_000 + 1) * 300_000);
        let mut terms = TermsInput::new(
            self.view.settings.preset_durations_mins.clone(),
            sets,
            default_set,
            start_at,
            start_at + Span::hours(1),
        );
        terms.offers_custom = true;
        // A membership starts at approval or at a chosen time (R-REQ-12).
        terms.first_use = (!target.is_join()).then_some(false);
        // R-REQ-10: where the workspace allows it; an extension adds time.
        terms.offers_permanent = self.view.settings.permanent_access_allowed && extends.is_none();
        let mut form = RequestForm {
            target,
            entry_path,
            covers,
            terms,
            approver_index: None,
            approver_filter: String::new(),
            approvers,
            message: String::new(),
            extends: None,
            errors: FieldErrors::default(),
        };
        if let Some(original) = extends {
            // R-REQ-9: same approver, permission set and message.
            form.extends = Some(original.id);
            form.terms
                .choose_set(original.effective_terms().permission_set_id);
            form.approver_index = form
                .approvers
                .iter()
                .position(|u| Some(u.id) == original.approver_id);
            form.message.clone_from(&original.message);
        }
        self.dialog = Dialog::Request(Box::new(form));
    }

    /// The permission sets to offer for `entry`, least privilege first, and
    /// the one chosen at first: the smallest that unlocks its main action.
    pub(super) fn sets_for(&self, entry: &Entry) -> (Vec<PermissionSet>, usize) {
        self.sets_for_kind(Some(entry.kind))
    }

    /// [`MainState::sets_for`] an entry of `kind` (`None`: a vault).
    fn sets_for_kind(&self, kind: Option<EntryKind>) -> (Vec<PermissionSet>, usize) {
        let sets = self.sets_least_first();
        let main = kind.and_then(EntryKind::main_permission);
        let default_set = sets
            .iter()
            .position(|s| main.is_some_and(|p| s.permissions.contains(p)))
            .unwrap_or(0);
        (sets, default_set)
    }

    /// Every permission set, least privilege first.
    fn sets_least_first(&self) -> Vec<PermissionSet> {
        let mut sets = self.view.names.sets.clone();
        sets.sort_by_key(|s| s.permissions.iter().count());
        sets
    }

    fn send_request(&mut self, now: Timestamp) {
        let Dialog::Request(form) = &mut self.dialog else {
            return;
        };
        form.errors = FieldErrors::default();
        let terms = match form.terms.terms() {
            Ok(terms) => terms,
            Err(e) => {
                form.errors = e.field_errors().cloned().unwrap_or_default();
                return;
            }
        };
        let approver = form.approver_index.and_then(|i| form.approvers.get(i));
        let draft = NewRequest {
            target: form.target,
            terms,
            approver_id: approver.map(|u| u.id),
            message: form.message.clone(),
            start_on_first_use: form.terms.starts_on_first_use(),
            extends_request_id: form.extends,
        };
        let approver_name = approver.map(|u| u.display_name.clone()).unwrap_or_default();
        let entry_name = form.entry_path.clone();
        match self.workspace.request_access(&self.session, &draft, now) {
            Ok(_) => {
                self.dialog = Dialog::Sent {
                    message: format!(
                        "Your request for {entry_name} was sent to {approver_name}. You will be told when it is decided."
                    ),
                };
                self.view.status.clear_error();
                self.refresh_detail(now);
                // "My temporary access" lists it (a folder, vault or join
                // request has no entry pane to show it).
                self.refresh_dashboard(now);
                if draft.target.is_join() {
                    // The vault now says the request is waiting.
                    self.reload_vaults(now);
                }
            }
            Err(e) => match e.field_errors() {
                // Shown next to the fields; the form keeps what was typed.
                Some(errors) => form.errors = errors.clone(),
                None => form.errors.push(Field::Workspace, e.to_string()),
            },
        }
    }

    /// Revokes or releases as the open confirmation says.
    fn end_grant(&mut self, intent: AccessIntent, now: Timestamp) {
        let (result, done) = match (&self.dialog, intent) {
            (
                Dialog::ConfirmRevoke {
                    request_id, reason, ..
                },
                AccessIntent::Revoke,
            ) => (
                self.workspace
                    .revoke(&self.session, *request_id, reason, now),
                "Access revoked",
            ),
            (
                Dialog::ConfirmRelease {
                    request_id, note, ..
                },
                AccessIntent::Release,
            ) => (
                self.workspace
                    .release(&self.session, *request_id, note, now),
                "Access released",
            ),
            _ => return,
        };
        match result {
            Ok(()) => {
                self.dialog = Dialog::None;
                self.view.status.set_notice(done);
                self.view.revealed = None;
                self.check_copied_access(now);
                self.refresh_access(now);
                self.refresh_detail(now);
                self.refresh_dashboard(now);
                if self.view.requests_table.is_some() {
                    self.load_requests_window(now);
                }
            }
            Err(e) => match &mut self.dialog {
                Dialog::ConfirmRevoke { error, .. } | Dialog::ConfirmRelease { error, .. } => {
                    *error = Some(e.to_string());
                }
                _ => {}
            },
        }
    }
}
