//! Emergency access for the requester (R-BEY-5): on a locked entry of a
//! vault that allows it, a dialog that says what happens, a duration up to
//! the vault's emergency limit, a permission set and a mandatory reason; the
//! service grants it at once and tells every approver and administrator.

use super::MainState;
use crate::app::view::forms::{Dialog, EmergencyForm, TermsInput};
use crate::domain::{EntryId, Field, FieldErrors, Span, Timestamp};
use crate::service::BreakGlassInput;

impl MainState {
    pub(super) fn open_emergency(&mut self, entry_id: EntryId, now: Timestamp) {
        let Some(entry) = self.view.tree.entry(entry_id).cloned() else {
            return;
        };
        let vault = self.view.vaults.iter().find(|v| v.id == entry.vault_id);
        let Some(limit) = vault
            .filter(|v| v.break_glass_allowed)
            .map(|v| v.emergency_limit_mins)
        else {
            self.view
                .status
                .set_error("emergency access is not allowed in this vault");
            return;
        };
        // The workspace's presets up to the limit, and the limit itself.
        let mut presets: Vec<u32> = self
            .view
            .settings
            .preset_durations_mins
            .iter()
            .copied()
            .filter(|&m| m <= limit)
            .collect();
        if !presets.contains(&limit) {
            presets.push(limit);
        }
        presets.sort_unstable();
        let (sets, default_set) = self.sets_for(&entry);
        let terms = TermsInput::new(presets, sets, default_set, now, now + Span::hours(1));
        self.dialog = Dialog::Emergency(Box::new(EmergencyForm {
            entry_id,
            entry_name: self.view.tree.path(entry_id),
            limit_mins: limit,
            terms,
            reason: String::new(),
            errors: FieldErrors::default(),
        }));
    }

    pub(super) fn take_emergency(&mut self, now: Timestamp) {
        let Dialog::Emergency(form) = &mut self.dialog else {
            return;
        };
        form.errors = FieldErrors::default();
        if form.reason.trim().is_empty() {
            form.errors
                .push(Field::Message, "say why you need emergency access");
            return;
        }
        let (Some(set), Some(&duration_mins)) = (
            form.terms.sets.get(form.terms.set_index),
            form.terms.presets.get(form.terms.preset_index),
        ) else {
            return;
        };
        let input = BreakGlassInput {
            entry_id: form.entry_id,
            permission_set_id: set.id,
            duration_mins,
            reason: form.reason.trim().to_owned(),
        };
        let name = form.entry_name.clone();
        match self.workspace.break_glass(&self.session, &input, now) {
            Ok(_) => {
                self.dialog = Dialog::None;
                self.view.status.set_notice(format!(
                    "Emergency access to {name} taken; every approver and administrator was told"
                ));
                self.refresh_access(now);
                self.refresh_detail(now);
            }
            Err(e) => match e.field_errors() {
                Some(errors) => form.errors = errors.clone(),
                None => form.errors.push(Field::Workspace, e.to_string()),
            },
        }
    }
}
