//! The Administration window's Vaults and Permission sets tabs (issue 15,
//! R-ADM-2, R-ADM-7): a vault's members, approvers, standing permissions
//! and policy; the permission sets with a live preview of what each allows.
//! Read when the tab shows and after each change; every command is checked
//! by the service, and a refusal is shown where it applies.

use super::MainState;
use crate::app::present;
use crate::app::view::admin::{MemberRow, PolicyField, PolicyForm, SetForm, StandingRow};
use crate::app::view::intent::AdminIntent;
use crate::domain::entry::EntryKind;
use crate::domain::permission::StandingGrant;
use crate::domain::vault::MAX_DESCRIPTION_CHARS;
use crate::domain::{FieldErrors, Timestamp, VaultId};
use crate::service::{ServiceError, VaultPolicy};

impl MainState {
    pub(super) fn apply_vault_admin(&mut self, intent: AdminIntent, now: Timestamp) {
        let Some(vault) = self.admin.as_ref().and_then(|a| a.vaults.selected) else {
            if let AdminIntent::SelectVault(id) = intent {
                self.select_admin_vault(id, now);
            }
            return;
        };
        let name = |s: &Self, id| s.view.names.user(id);
        match intent {
            AdminIntent::SelectVault(id) => self.select_admin_vault(id, now),
            AdminIntent::SavePolicy => self.save_policy(vault, now),
            AdminIntent::AddMember { approver } => {
                let Some(user) = self.chosen_user() else {
                    self.admin_outcome(Err("choose a user to add".into()));
                    return;
                };
                let who = name(self, user);
                let result = if approver {
                    self.workspace.add_approver(&self.session, vault, user, now)
                } else {
                    self.workspace.add_member(&self.session, vault, user, now)
                };
                let done = if approver {
                    format!("{who} is now a member and an approver")
                } else {
                    format!("{who} is now a member")
                };
                self.after_admin_change(result, done, now);
            }
            AdminIntent::MakeApprover(user) => {
                let done = format!("{} now approves requests here", name(self, user));
                let result = self.workspace.add_approver(&self.session, vault, user, now);
                self.after_admin_change(result, done, now);
            }
            AdminIntent::RemoveApprover(user) => {
                let done = format!("{} no longer approves requests here", name(self, user));
                let result = self
                    .workspace
                    .remove_approver(&self.session, vault, user, now);
                self.after_admin_change(result, done, now);
            }
            AdminIntent::RemoveMember(user) => {
                let done = format!(
                    "{} is no longer a member: their access here ended",
                    name(self, user)
                );
                let result = self
                    .workspace
                    .remove_member(&self.session, vault, user, now);
                self.after_admin_change(result, done, now);
            }
            AdminIntent::GiveStanding => self.give_standing(vault, now),
            AdminIntent::RemoveStanding(n) => {
                let Some(row) = self
                    .admin
                    .as_ref()
                    .and_then(|a| a.vaults.standing.get(n))
                    .cloned()
                else {
                    return;
                };
                let grant = StandingGrant {
                    origin: row.origin,
                    user_id: row.user_id,
                    vault_id: vault,
                    folder_id: row.folder_id,
                    set_id: row.set_id,
                };
                let result = self.workspace.remove_standing(&self.session, &grant, now);
                self.after_admin_change(result, format!("Removed: {}", row.text), now);
            }
            _ => {}
        }
    }

    fn admin_outcome(&mut self, outcome: Result<String, String>) {
        if let Some(admin) = &mut self.admin {
            admin.outcome = Some(outcome);
        }
    }

    /// The user chosen in the Vaults tab's "add" row.
    fn chosen_user(&self) -> Option<crate::domain::UserId> {
        let admin = self.admin.as_ref()?;
        admin
            .vaults
            .add_user
            .and_then(|i| admin.users.get(i))
            .map(|u| u.id)
    }

    fn select_admin_vault(&mut self, id: VaultId, now: Timestamp) {
        if let Some(admin) = &mut self.admin {
            admin.vaults.selected = Some(id);
            admin.vaults.policy = PolicyForm::default();
            admin.outcome = None;
        }
        self.reload_vault_admin(now);
    }

    /// Reads the vault list and the selected vault's members, standing
    /// permissions, folders and policy.
    pub(super) fn reload_vault_admin(&mut self, now: Timestamp) {
        let Some(admin) = &self.admin else {
            return;
        };
        let selected = admin.vaults.selected;
        let keep_typed = !admin.vaults.policy.errors.is_empty();
        let vaults = self
            .view
            .vaults
            .iter()
            .map(|v| (v.id, v.name.clone()))
            .collect::<Vec<_>>();
        let vault = selected
            .filter(|id| vaults.iter().any(|(v, _)| v == id))
            .or_else(|| vaults.first().map(|(id, _)| *id));
        let loaded = vault.map(|vault| self.read_vault_admin(vault, now));
        let Some(admin) = &mut self.admin else {
            return;
        };
        admin.vaults.vaults = vaults;
        admin.vaults.selected = vault;
        match loaded {
            Some(Ok((members, standing, folders, policy))) => {
                admin.vaults.members = members;
                admin.vaults.standing = standing;
                admin.vaults.folders = folders;
                // A policy being corrected keeps what was typed.
                if !keep_typed {
                    admin.vaults.policy = policy;
                }
            }
            Some(Err(e)) => admin.outcome = Some(Err(e.to_string())),
            None => {}
        }
    }

    #[expect(
        clippy::type_complexity,
        reason = "the four parts of one tab, read together"
    )]
    fn read_vault_admin(
        &mut self,
        vault: VaultId,
        now: Timestamp,
    ) -> Result<
        (
            Vec<MemberRow>,
            Vec<StandingRow>,
            Vec<(crate::domain::EntryId, String)>,
            PolicyForm,
        ),
        ServiceError,
    > {
        let names = &self.view.names;
        let members = self
            .workspace
            .vault_members(&self.session, vault, now)?
            .into_iter()
            .map(|m| MemberRow {
                user_id: m.user_id,
                name: names.user(m.user_id),
                is_approver: m.is_approver,
                joined_until: m.joined_until,
            })
            .collect();
        let entries = self.workspace.entries(&self.session, vault, now)?;
        let by_id: std::collections::HashMap<_, _> =
            entries.iter().map(|e| (e.id, e.clone())).collect();
        let path = |id| {
            by_id.get(&id).map_or_else(
                || format!("entry {id}"),
                |e| crate::domain::entry::entry_path(e, &by_id),
            )
        };
        let mut folders: Vec<_> = entries
            .iter()
            .filter(|e| e.kind == EntryKind::Folder)
            .map(|e| (e.id, path(e.id)))
            .collect();
        folders.sort_by(|a, b| a.1.cmp(&b.1));
        let set_name = |id| {
            names
                .sets
                .iter()
                .find(|s| s.id == id)
                .map_or_else(|| format!("set {id}"), |s| s.name.clone())
        };
        let standing = self
            .workspace
            .standing_grants(&self.session, vault, now)?
            .into_iter()
            .map(|g| StandingRow {
                text: format!(
                    "{} — {} {}{}",
                    names.user(g.user_id),
                    set_name(g.set_id),
                    g.folder_id.map_or_else(
                        || "on the whole vault".to_owned(),
                        |f| format!("on {}", path(f))
                    ),
                    // R-REQ-10: a permanent request's standing permission says where it came from.
                    g.origin.map_or_else(String::new, |o| format!(
                        " (permanent access from request {}, approved by {} on {})",
                        o.request_id.0,
                        names.user(o.approved_by),
                        present::local_minute(o.approved_at)
                    ))
                ),
                user_id: g.user_id,
                folder_id: g.folder_id,
                set_id: g.set_id,
                origin: g.origin,
            })
            .collect();
        let policy = self.workspace.vault_policy(&self.session, vault, now)?;
        let form = PolicyForm {
            required_approvals: policy.required_approvals.to_string(),
            break_glass_allowed: policy.break_glass_allowed,
            emergency_limit_mins: policy.emergency_limit_mins.to_string(),
            max_grant_mins: policy
                .max_grant_mins
                .map(|m| m.to_string())
                .unwrap_or_default(),
            description: policy.description.clone(),
            visible_to_non_members: policy.visible_to_non_members,
            errors: Vec::new(),
        };
        Ok((members, standing, folders, form))
    }

    /// Checks the typed numbers (each by its field), then asks the service.
    fn save_policy(&mut self, vault: VaultId, now: Timestamp) {
        let Some(form) = self.admin.as_mut().map(|a| &mut a.vaults.policy) else {
            return;
        };
        form.errors.clear();
        let mut errors = Vec::new();
        let mut number = |text: &str, field, what: &str| {
            let parsed = text.trim().parse::<u32>().ok();
            if parsed.is_none() {
                errors.push((field, format!("{what} must be a whole number")));
            }
            parsed
        };
        let approvals = number(
            &form.required_approvals.clone(),
            PolicyField::Approvals,
            "the approvals required",
        );
        let limit = number(
            &form.emergency_limit_mins.clone(),
            PolicyField::EmergencyLimit,
            "the emergency limit",
        );
        let max_text = form.max_grant_mins.trim().to_owned();
        let max = if max_text.is_empty() {
            Some(None)
        } else {
            number(&max_text, PolicyField::MaxGrant, "the maximum grant length").map(Some)
        };
        let description_chars = form.description.trim().chars().count();
        let description_fits = description_chars <= MAX_DESCRIPTION_CHARS;
        if !description_fits {
            errors.push((
                PolicyField::Description,
                format!(
                    "the description has {description_chars} characters; keep it to {MAX_DESCRIPTION_CHARS}"
                ),
            ));
        }
        form.errors = errors;
        let (Some(required_approvals), Some(emergency_limit_mins), Some(max_grant_mins), true) =
            (approvals, limit, max, description_fits)
        else {
            return;
        };
        let policy = VaultPolicy {
            required_approvals,
            break_glass_allowed: form.break_glass_allowed,
            emergency_limit_mins,
            max_grant_mins,
            description: form.description.clone(),
            visible_to_non_members: form.visible_to_non_members,
        };
        match self
            .workspace
            .set_vault_policy(&self.session, vault, &policy, now)
        {
            Ok(()) => self.after_admin_change(Ok(()), "Policy saved".into(), now),
            Err(e) => {
                if let Some(admin) = &mut self.admin {
                    admin
                        .vaults
                        .policy
                        .errors
                        .push((PolicyField::Whole, e.to_string()));
                }
            }
        }
    }

    fn give_standing(&mut self, vault: VaultId, now: Timestamp) {
        let Some(admin) = &self.admin else {
            return;
        };
        let tab = &admin.vaults;
        let user = self.chosen_user();
        let set = tab
            .add_set
            .and_then(|i| admin.sets.sets.get(i))
            .map(|s| (s.id, s.name.clone()));
        let folder = match tab.add_folder {
            None => Some(None),
            Some(i) => tab.folders.get(i).map(|(id, _)| Some(*id)),
        };
        let (Some(user), Some((set, set_name)), Some(folder)) = (user, set, folder) else {
            self.admin_outcome(Err("choose a user, a permission set and where".into()));
            return;
        };
        let done = format!("{} now holds {set_name} here", self.view.names.user(user));
        let result = self
            .workspace
            .add_standing(&self.session, user, vault, folder, set, now);
        self.after_admin_change(result, done, now);
    }

    pub(super) fn apply_set_admin(&mut self, intent: AdminIntent, now: Timestamp) {
        match intent {
            AdminIntent::SelectSet(id) => {
                let Some(admin) = &mut self.admin else {
                    return;
                };
                admin.sets.form = admin
                    .sets
                    .sets
                    .iter()
                    .find(|s| s.id == id)
                    .map(|s| SetForm {
                        id: Some(s.id),
                        name: s.name.clone(),
                        permissions: s.permissions,
                        is_builtin: s.is_builtin,
                        errors: FieldErrors::default(),
                    });
                admin.outcome = None;
            }
            AdminIntent::NewSet => {
                if let Some(admin) = &mut self.admin {
                    admin.sets.form = Some(SetForm {
                        id: None,
                        name: String::new(),
                        permissions: crate::domain::permission::Permissions::default(),
                        is_builtin: false,
                        errors: FieldErrors::default(),
                    });
                    admin.outcome = None;
                }
            }
            AdminIntent::SaveSet => self.save_set(now),
            AdminIntent::DeleteSet(id) => {
                let name = self
                    .admin
                    .as_ref()
                    .and_then(|a| a.sets.sets.iter().find(|s| s.id == id))
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                let result = self.workspace.delete_permission_set(&self.session, id, now);
                let deleted = result.is_ok();
                self.after_admin_change(result, format!("Permission set “{name}” deleted"), now);
                if deleted && let Some(admin) = &mut self.admin {
                    admin.sets.form = None;
                }
            }
            _ => {}
        }
    }

    fn save_set(&mut self, now: Timestamp) {
        let Some(form) = self.admin.as_mut().and_then(|a| a.sets.form.as_mut()) else {
            return;
        };
        form.errors = FieldErrors::default();
        let (name, permissions) = (form.name.trim().to_owned(), form.permissions);
        let result = match form.id {
            Some(id) => self
                .workspace
                .update_permission_set(&self.session, id, &name, permissions, now)
                .map(|()| id),
            None => self
                .workspace
                .add_permission_set(&self.session, &name, permissions, now),
        };
        match result {
            Ok(id) => {
                self.after_admin_change(Ok(()), format!("Permission set “{name}” saved"), now);
                if let Some(form) = self.admin.as_mut().and_then(|a| a.sets.form.as_mut()) {
                    form.id = Some(id);
                }
            }
            Err(e) => {
                let Some(form) = self.admin.as_mut().and_then(|a| a.sets.form.as_mut()) else {
                    return;
                };
                match e.field_errors() {
                    Some(errors) => form.errors = errors.clone(),
                    None => form.errors.push(crate::domain::Field::Name, e.to_string()),
                }
            }
        }
    }

    /// Reads the permission sets (after a change, the names elsewhere too).
    pub(super) fn reload_set_admin(&mut self, now: Timestamp) {
        if self.admin.is_none() {
            return;
        }
        let sets = self.workspace.permission_sets(now);
        let Some(admin) = &mut self.admin else {
            return;
        };
        match sets {
            Ok(sets) => admin.sets.sets = sets,
            Err(e) => admin.outcome = Some(Err(e.to_string())),
        }
    }
}
