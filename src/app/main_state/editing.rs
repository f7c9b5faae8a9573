//! Building the vault (issue 14): vaults, folders and items, their secrets,
//! moving and deleting. Each change goes through the service, which checks
//! Add, Edit or Delete at that instant; a refusal shows in the dialog, which
//! keeps what was typed.

use super::{MainState, report};
use crate::app::view::editing::{
    DeleteForm, DeleteTarget, EditRightsView, EntryForm, MoveForm, VaultForm,
};
use crate::app::view::forms::{Dialog, SecretText};
use crate::app::view::intent::EditIntent;
use crate::domain::entry::{DependencyRole, EditRights, EntryKind};
use crate::domain::password;
use crate::domain::{EntryId, FieldErrors, Timestamp};
use crate::service::{EntrySave, NewVault, SaveTarget};
use zeroize::Zeroizing;

impl MainState {
    pub(super) fn apply_edit(&mut self, intent: EditIntent, now: Timestamp) {
        match intent {
            EditIntent::NewVault => self.dialog = Dialog::VaultName(VaultForm::default()),
            EditIntent::RenameVault(id) => {
                let name = self
                    .view
                    .vaults
                    .iter()
                    .find(|v| v.id == id)
                    .map(|v| v.name.clone())
                    .unwrap_or_default();
                self.dialog = Dialog::VaultName(VaultForm {
                    id: Some(id),
                    name,
                    error: None,
                });
            }
            EditIntent::SaveVault => self.save_vault(now),
            EditIntent::AskDeleteVault(id) => self.ask_delete(DeleteTarget::Vault(id), now),
            EditIntent::NewEntry { kind, parent } => self.open_new_entry(kind, parent),
            EditIntent::EditEntry(id) => self.open_entry_form(id, now),
            EditIntent::SaveEntry => self.save_entry(now),
            EditIntent::GeneratePassword => self.generate_password(),
            EditIntent::AskMove(id) => self.open_move(id),
            EditIntent::MoveChosen => {
                if let Dialog::MoveTo(form) = &self.dialog {
                    let (id, folder) = (
                        form.entry_id,
                        form.choices.get(form.chosen).and_then(|c| c.0),
                    );
                    self.move_entry(id, folder, now);
                }
            }
            EditIntent::Drop { entry, folder } => self.move_entry(entry, folder, now),
            EditIntent::AskDelete(id) => self.ask_delete(DeleteTarget::Entry(id), now),
            EditIntent::ConfirmDelete => self.confirm_delete(now),
        }
    }

    /// What the user may add, edit and delete in the shown vault and on the
    /// selected entry (the window mirrors it; each change is checked again).
    pub(super) fn refresh_rights(&mut self, now: Timestamp) {
        let Some(vault) = self.view.vault else {
            self.view.rights = EditRightsView::default();
            return;
        };
        let top = self.workspace.edit_rights(&self.session, vault, None, now);
        let selected = self.view.selected().map(|id| {
            self.workspace
                .edit_rights(&self.session, vault, Some(id), now)
        });
        let top = report(&mut self.view.status, top).unwrap_or_default();
        let selected = match selected {
            Some(result) => report(&mut self.view.status, result).unwrap_or_default(),
            None => EditRights::default(),
        };
        let is_folder = self
            .view
            .detail
            .as_ref()
            .is_some_and(|d| d.entry.kind == EntryKind::Folder);
        self.view.rights = EditRightsView {
            add_at_top: top.add,
            add_in_selected: is_folder && selected.add,
            edit_selected: selected.edit,
            delete_selected: selected.delete,
        };
    }

    fn save_vault(&mut self, now: Timestamp) {
        let Dialog::VaultName(form) = &mut self.dialog else {
            return;
        };
        let result = match form.id {
            None => self
                .workspace
                .add_vault(&self.session, &NewVault::named(&form.name), now)
                .map(Some),
            Some(id) => self
                .workspace
                .rename_vault(&self.session, id, &form.name, now)
                .map(|()| None),
        };
        match result {
            Ok(created) => {
                let notice = match form.id {
                    None => format!("Vault “{}” created", form.name.trim()),
                    Some(_) => format!("Vault renamed to “{}”", form.name.trim()),
                };
                self.dialog = Dialog::None;
                self.reload_vaults(now);
                if let Some(id) = created {
                    self.select_vault(id, now);
                }
                self.refresh_rights(now);
                self.view.status.set_notice(notice);
            }
            Err(e) => form.error = Some(e.to_string()),
        }
    }

    /// Whether the shown vault's entries changed since its tree was read
    /// (by anyone); an unreadable revision counts as changed.
    pub(super) fn tree_is_stale(&mut self, now: Timestamp) -> bool {
        let Some(vault) = self.view.vault else {
            return false;
        };
        let revision = self.workspace.entry_revision(vault, now).ok();
        revision.is_none() || revision != self.tree_revision
    }

    /// The vaults list again (after one was created, renamed or deleted).
    pub(super) fn reload_vaults(&mut self, now: Timestamp) {
        if let Some(vaults) = report(
            &mut self.view.status,
            self.workspace.vaults(&self.session, now),
        ) {
            self.view.vaults = vaults;
        }
        self.reload_joinable(now);
        if self
            .view
            .vault
            .is_some_and(|id| !self.view.vaults.iter().any(|v| v.id == id))
        {
            self.view.vault = None;
            self.view.detail = None;
            self.view.tree = crate::app::view::tree::TreeModel::default();
            if let Some(first) = self.view.vaults.first().map(|v| v.id) {
                self.select_vault(first, now);
            }
        }
    }

    /// The vaults the user may ask to join, and when one of their
    /// time-bound memberships next starts or ends (R-REQ-12).
    pub(super) fn reload_joinable(&mut self, now: Timestamp) {
        if let Some(joinable) = report(
            &mut self.view.status,
            self.workspace.joinable_vaults(&self.session, now),
        ) {
            self.view.joinable = joinable;
        }
        self.membership_change_at = report(
            &mut self.view.status,
            self.workspace.next_membership_change(&self.session, now),
        )
        .flatten();
    }

    /// "Vault / folder / …" of a folder in the shown vault (`None`: the vault).
    fn location_of(&self, folder: Option<EntryId>) -> String {
        let vault = self
            .view
            .vaults
            .iter()
            .find(|v| Some(v.id) == self.view.vault)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        match folder {
            None => vault,
            Some(id) => format!("{vault} / {}", self.view.tree.path(id)),
        }
    }

    /// Credentials and VPN items of the shown vault, for the links.
    fn link_choices(&self, kind: EntryKind) -> Vec<(EntryId, String)> {
        let tree = &self.view.tree;
        let mut choices: Vec<(EntryId, String)> = tree
            .entries()
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| (e.id, tree.path(e.id)))
            .collect();
        choices.sort_by(|a, b| a.1.cmp(&b.1));
        choices
    }

    fn open_new_entry(&mut self, kind: EntryKind, parent: Option<EntryId>) {
        let Some(vault) = self.view.vault else {
            self.view
                .status
                .set_error("choose a vault first (or create one)");
            return;
        };
        let mut form = EntryForm::new(vault, kind, parent, self.location_of(parent));
        form.credential_choices = self.link_choices(EntryKind::Credentials);
        form.vpn_choices = self.link_choices(EntryKind::Vpn);
        self.dialog = Dialog::EditEntry(Box::new(form));
    }

    fn open_entry_form(&mut self, id: EntryId, now: Timestamp) {
        let Some(entry) = self.view.tree.entry(id).cloned() else {
            return;
        };
        let Some(dependencies) =
            report(&mut self.view.status, self.workspace.dependencies(id, now))
        else {
            return;
        };
        let link = |role: DependencyRole| {
            dependencies
                .iter()
                .find(|d| d.role == role)
                .map(|d| d.depends_on)
        };
        let links = (link(DependencyRole::Credentials), link(DependencyRole::Vpn));
        let mut form = EntryForm::edit(&entry, self.location_of(entry.parent_id), links);
        form.credential_choices = self.link_choices(EntryKind::Credentials);
        form.vpn_choices = self.link_choices(EntryKind::Vpn);
        form.credential_choices.retain(|(c, _)| *c != id);
        self.dialog = Dialog::EditEntry(Box::new(form));
    }

    fn generate_password(&mut self) {
        let Dialog::EditEntry(form) = &mut self.dialog else {
            return;
        };
        let mut random = |buf: &mut [u8]| {
            // The operating system's randomness; it does not fail on Linux
            // once the kernel's pool is ready.
            if getrandom::fill(buf).is_err() {
                buf.fill(0);
            }
        };
        match password::generate(&form.generator, &mut random) {
            Ok(generated) => {
                form.password = SecretText::new(Zeroizing::new(generated));
                form.password_changed = true;
                form.show_password = true;
                form.errors = FieldErrors::default();
            }
            Err(e) => {
                form.errors = e.field_errors().cloned().unwrap_or_default();
            }
        }
    }

    /// Creates or saves the entry form. Its fields, then its secret, then its
    /// links: each a change the service checks and audits.
    fn save_entry(&mut self, now: Timestamp) {
        let Dialog::EditEntry(form) = &mut self.dialog else {
            return;
        };
        let draft = match form.draft() {
            Ok(draft) => draft,
            Err(message) => {
                form.port_error = Some(message);
                return;
            }
        };
        form.port_error = None;
        // Only the links the person changed (and only for kinds that have links).
        let has_links = crate::app::view::editing::KindFields::of(form.kind).links;
        let changed = |chosen: Option<EntryId>, original: Option<EntryId>| {
            (has_links && chosen != original).then_some(chosen)
        };
        let save = EntrySave {
            draft: &draft,
            secret: form.secret_to_store(),
            credentials: changed(form.credentials, form.original_links.0),
            vpn: changed(form.vpn, form.original_links.1),
        };
        let target = match form.id {
            None => SaveTarget::New {
                vault: form.vault_id,
                kind: form.kind,
            },
            Some(id) => SaveTarget::Existing(id),
        };
        let id = match self.workspace.save_entry(&self.session, target, &save, now) {
            Ok(id) => id,
            Err(e) => {
                form.errors = e.field_errors().cloned().unwrap_or_default();
                if form.errors.0.is_empty() {
                    form.errors.push(crate::domain::Field::Name, e.to_string());
                }
                return;
            }
        };
        let (name, is_new) = (form.name.trim().to_owned(), form.id.is_none());
        self.dialog = Dialog::None;
        self.reload_tree(now);
        self.select_entry(id, now);
        if is_new {
            self.view.status.set_notice(format!("{name} created"));
        } else {
            self.view.status.set_notice(format!("{name} saved"));
        }
    }

    /// The shown vault's entries again, keeping the filter and what was open.
    pub(super) fn reload_tree(&mut self, now: Timestamp) {
        let Some(vault) = self.view.vault else {
            return;
        };
        let Some(entries) = self.read_tree_entries(vault, now) else {
            return;
        };
        self.view.tree.replace_entries(entries);
        self.refresh_access(now);
    }

    fn open_move(&mut self, id: EntryId) {
        let Some(entry) = self.view.tree.entry(id).cloned() else {
            return;
        };
        let tree = &self.view.tree;
        let mut choices: Vec<(Option<EntryId>, String)> = vec![(None, self.location_of(None))];
        let mut folders: Vec<(Option<EntryId>, String)> = tree
            .entries()
            .iter()
            .filter(|e| {
                e.kind == EntryKind::Folder && e.id != id && !tree.ancestors(e.id).contains(&id)
            })
            .map(|e| (Some(e.id), self.location_of(Some(e.id))))
            .collect();
        folders.sort_by(|a, b| a.1.cmp(&b.1));
        choices.extend(folders);
        let chosen = choices
            .iter()
            .position(|(folder, _)| *folder == entry.parent_id)
            .unwrap_or(0);
        self.dialog = Dialog::MoveTo(Box::new(MoveForm {
            entry_id: id,
            name: entry.name,
            choices,
            chosen,
            error: None,
        }));
    }

    fn move_entry(&mut self, id: EntryId, folder: Option<EntryId>, now: Timestamp) {
        let name = self
            .view
            .tree
            .entry(id)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        if self
            .view
            .tree
            .entry(id)
            .is_some_and(|e| e.parent_id == folder)
        {
            self.dialog = Dialog::None;
            return;
        }
        match self.workspace.move_entry(&self.session, id, folder, now) {
            Ok(()) => {
                self.dialog = Dialog::None;
                self.reload_tree(now);
                self.select_entry(id, now);
                let to = self.location_of(folder);
                self.view.status.set_notice(format!("{name} moved to {to}"));
            }
            Err(e) => match &mut self.dialog {
                Dialog::MoveTo(form) => form.error = Some(e.to_string()),
                _ => self.view.status.set_error(e.to_string()),
            },
        }
    }

    fn ask_delete(&mut self, target: DeleteTarget, now: Timestamp) {
        let (name, impact) = match target {
            DeleteTarget::Entry(id) => (
                self.view
                    .tree
                    .entry(id)
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
                self.workspace.deletion_impact(&self.session, id, now),
            ),
            DeleteTarget::Vault(id) => (
                self.view
                    .vaults
                    .iter()
                    .find(|v| v.id == id)
                    .map(|v| v.name.clone())
                    .unwrap_or_default(),
                self.workspace.vault_deletion_impact(&self.session, id, now),
            ),
        };
        if let Some(impact) = report(&mut self.view.status, impact) {
            self.dialog = Dialog::ConfirmDelete(Box::new(DeleteForm {
                target,
                name,
                impact,
                error: None,
            }));
        }
    }

    fn confirm_delete(&mut self, now: Timestamp) {
        let Dialog::ConfirmDelete(form) = &mut self.dialog else {
            return;
        };
        let result = match form.target {
            DeleteTarget::Entry(id) => self.workspace.delete_entry(&self.session, id, now),
            DeleteTarget::Vault(id) => self.workspace.delete_vault(&self.session, id, true, now),
        };
        match result {
            Ok(()) => {
                let (target, name) = (form.target, form.name.clone());
                self.dialog = Dialog::None;
                match target {
                    DeleteTarget::Entry(_) => {
                        self.view.detail = None;
                        self.view.revealed = None;
                        self.reload_tree(now);
                    }
                    DeleteTarget::Vault(_) => self.reload_vaults(now),
                }
                self.refresh_rights(now);
                self.view.status.set_notice(format!("{name} deleted"));
            }
            Err(e) => form.error = Some(e.to_string()),
        }
    }
}
