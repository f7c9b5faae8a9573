//! The Administration window (issue 15, R-ADM-2), for administrators: the
//! Users tab lists every user with what can be done to them; a user's
//! details or a new user are edited in a form beside the list. What is shown
//! here was read from the service when the window opened or after a change;
//! every change is checked again there.

use super::forms::SecretText;
use crate::domain::connect::ConnectTemplates;
use crate::domain::permission::{PermissionSet, Permissions};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::{EntryId, Field, FieldErrors, PermissionSetId, Timestamp, UserId, VaultId};

/// The window's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdminTab {
    /// Users: details, administrators, disabled accounts, passwords.
    #[default]
    Users,
    /// Vaults: members, approvers, standing permissions, policy.
    Vaults,
    /// Permission sets: what each allows.
    PermissionSets,
    /// The workspace's settings (R-ADM-1).
    Settings,
}

impl AdminTab {
    /// Every tab, in order.
    pub const ALL: [AdminTab; 4] = [
        AdminTab::Users,
        AdminTab::Vaults,
        AdminTab::PermissionSets,
        AdminTab::Settings,
    ];

    /// Its title.
    pub const fn title(self) -> &'static str {
        match self {
            AdminTab::Users => "Users",
            AdminTab::Vaults => "Vaults",
            AdminTab::PermissionSets => "Permission sets",
            AdminTab::Settings => "Settings",
        }
    }
}

/// One member of the selected vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// The user.
    pub user_id: UserId,
    /// Their display name.
    pub name: String,
    /// They approve requests of this vault.
    pub is_approver: bool,
    /// A member through a request to join until then (R-REQ-12).
    pub joined_until: Option<Timestamp>,
}

/// One standing permission of the selected vault, with its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingRow {
    /// Who holds it.
    pub user_id: UserId,
    /// Where: `None` for the vault's top, else a folder.
    pub folder_id: Option<EntryId>,
    /// Which set.
    pub set_id: PermissionSetId,
    /// The approved permanent request it came from, if any (R-REQ-10).
    pub origin: Option<crate::domain::permission::StandingOrigin>,
    /// "Alice Requester — Reader on the whole vault", and its origin.
    pub text: String,
}

/// A vault's policy as typed (numbers as text, so a bad one is kept and
/// named by its field).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyForm {
    /// Approvals each request needs.
    pub required_approvals: String,
    /// Break glass allowed.
    pub break_glass_allowed: bool,
    /// Longest emergency access, in minutes.
    pub emergency_limit_mins: String,
    /// The vault's own maximum grant length in minutes; empty: the workspace's.
    pub max_grant_mins: String,
    /// What the vault holds, for those who may ask to join it.
    pub description: String,
    /// Non-members see the vault and may ask to join it (R-REQ-12).
    pub visible_to_non_members: bool,
    /// Messages by their fields, or about the whole policy.
    pub errors: Vec<(PolicyField, String)>,
}

/// A field of the policy form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyField {
    /// Approvals required.
    Approvals,
    /// Emergency limit.
    EmergencyLimit,
    /// Maximum grant length.
    MaxGrant,
    /// The description.
    Description,
    /// The policy as a whole (the service's answer).
    Whole,
}

impl PolicyForm {
    /// The message for `field`, if any.
    pub fn error(&self, field: PolicyField) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The Vaults tab.
#[derive(Debug, Clone, Default)]
pub struct VaultsTab {
    /// Every vault: id and name.
    pub vaults: Vec<(VaultId, String)>,
    /// The vault shown.
    pub selected: Option<VaultId>,
    /// Its members.
    pub members: Vec<MemberRow>,
    /// Its standing permissions.
    pub standing: Vec<StandingRow>,
    /// Its folders, for a standing permission: id and path.
    pub folders: Vec<(EntryId, String)>,
    /// Its policy, as typed.
    pub policy: PolicyForm,
    /// The user chosen to add (index into the users), for membership or a
    /// standing permission.
    pub add_user: Option<usize>,
    /// The set chosen for a standing permission (index into the sets).
    pub add_set: Option<usize>,
    /// Where it goes: `None` the vault's top, else an index into the folders.
    pub add_folder: Option<usize>,
}

/// The permission set form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetForm {
    /// The set edited, or `None` for a new one.
    pub id: Option<PermissionSetId>,
    /// Its name.
    pub name: String,
    /// What it allows (the live preview).
    pub permissions: Permissions,
    /// Built-in sets are shown, not changed.
    pub is_builtin: bool,
    /// Messages by their fields.
    pub errors: FieldErrors,
}

/// The Permission sets tab.
#[derive(Debug, Clone, Default)]
pub struct SetsTab {
    /// Every set.
    pub sets: Vec<PermissionSet>,
    /// The set shown in the form.
    pub form: Option<SetForm>,
}

/// One user in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Their id.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Contact address.
    pub email: String,
    /// An administrator.
    pub is_admin: bool,
    /// Can sign in.
    pub is_active: bool,
    /// Must choose a new password at the next sign-in.
    pub must_change_password: bool,
}

impl UserRow {
    /// "administrator · disabled · must choose a new password", or "".
    pub fn notes(&self) -> String {
        let mut notes = Vec::new();
        if self.is_admin {
            notes.push("administrator");
        }
        if !self.is_active {
            notes.push("disabled");
        }
        if self.must_change_password {
            notes.push("must choose a new password");
        }
        notes.join(" · ")
    }
}

/// What the form beside the list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserFormMode {
    /// A new user.
    New,
    /// The details of an existing user.
    Edit(UserId),
    /// A temporary password for an existing user.
    ResetPassword(UserId),
}

/// The user form, as typed.
#[derive(Debug, Clone)]
pub struct UserForm {
    /// What it does.
    pub mode: UserFormMode,
    /// Sign-in name (new users only).
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Contact address.
    pub email: String,
    /// Administrator (new users only; existing ones change by a command).
    pub is_admin: bool,
    /// The first password of a new user, or a temporary one after a reset.
    pub password: SecretText,
    /// Messages by their fields.
    pub errors: FieldErrors,
}

impl UserForm {
    /// An empty form for a new user.
    pub fn new_user() -> UserForm {
        UserForm {
            mode: UserFormMode::New,
            username: String::new(),
            display_name: String::new(),
            email: String::new(),
            is_admin: false,
            password: SecretText::default(),
            errors: FieldErrors::default(),
        }
    }

    /// The form for `row`'s details.
    pub fn edit(row: &UserRow) -> UserForm {
        UserForm {
            mode: UserFormMode::Edit(row.id),
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            email: row.email.clone(),
            is_admin: row.is_admin,
            ..UserForm::new_user()
        }
    }

    /// The form for a temporary password of `row`.
    pub fn reset_password(row: &UserRow) -> UserForm {
        UserForm {
            mode: UserFormMode::ResetPassword(row.id),
            ..UserForm::edit(row)
        }
    }
}

/// The window's state.
#[derive(Debug, Clone, Default)]
pub struct AdminView {
    /// The open tab.
    pub tab: AdminTab,
    /// Every user, by display name.
    pub users: Vec<UserRow>,
    /// The user whose commands are shown.
    pub selected_user: Option<UserId>,
    /// The form beside the list, when one is open.
    pub user_form: Option<UserForm>,
    /// What the last change did ("Alice Requester disabled"), or why it
    /// was refused.
    pub outcome: Option<Result<String, String>>,
    /// The Vaults tab.
    pub vaults: VaultsTab,
    /// The Permission sets tab.
    pub sets: SetsTab,
    /// The Settings tab's form, as typed.
    pub settings: Option<SettingsForm>,
}

/// The workspace settings as typed (R-ADM-1): numbers as text, so a bad one
/// is kept and named by its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsForm {
    /// What the form started from (settings it does not show are kept).
    pub base: WorkspaceSettings,
    /// Temporary access on or off.
    pub temporary_access_enabled: bool,
    /// The preset durations, in order, in minutes.
    pub presets: Vec<u32>,
    /// A preset being added, as typed.
    pub new_preset: String,
    /// Longest access, in minutes.
    pub max_length_mins: String,
    /// Requests need a message.
    pub message_required: bool,
    /// How long a request may wait, in minutes.
    pub pending_ttl_mins: String,
    /// How long before the end the requester is warned, in minutes.
    pub expiring_soon_lead_mins: String,
    /// Non-administrators may reveal and copy passwords.
    pub allow_reveal_password: bool,
    /// Requests may ask for permanent access (R-REQ-10).
    pub permanent_access_allowed: bool,
    /// When copied passwords are cleared, in seconds.
    pub clipboard_clear_secs: String,
    /// Sign out after this many idle minutes; 0 never.
    pub idle_lock_mins: String,
    /// The programs that open connections.
    pub templates: ConnectTemplates,
    /// Messages by their fields.
    pub errors: FieldErrors,
}

impl SettingsForm {
    /// The form for `settings`.
    pub fn of(settings: &WorkspaceSettings) -> SettingsForm {
        SettingsForm {
            base: settings.clone(),
            temporary_access_enabled: settings.temporary_access_enabled,
            presets: settings.preset_durations_mins.clone(),
            new_preset: String::new(),
            max_length_mins: settings.max_length_mins.to_string(),
            message_required: settings.message_required,
            pending_ttl_mins: settings.pending_ttl_mins.to_string(),
            expiring_soon_lead_mins: settings.expiring_soon_lead_mins.to_string(),
            allow_reveal_password: settings.allow_reveal_password,
            permanent_access_allowed: settings.permanent_access_allowed,
            clipboard_clear_secs: settings.clipboard_clear_secs.to_string(),
            idle_lock_mins: settings.idle_lock_mins.to_string(),
            templates: settings.connect_templates.clone(),
            errors: FieldErrors::default(),
        }
    }

    /// Adds the typed preset (kept in order, no duplicate); a bad one is
    /// named by the presets' field and kept.
    pub fn add_preset(&mut self) {
        self.errors.0.retain(|e| e.field != Field::Presets);
        match self.new_preset.trim().parse::<u32>() {
            Ok(mins) if mins > 0 => {
                if !self.presets.contains(&mins) {
                    self.presets.push(mins);
                    self.presets.sort_unstable();
                }
                self.new_preset.clear();
            }
            _ => self.errors.push(
                Field::Presets,
                "a preset is a whole number of minutes, more than zero",
            ),
        }
    }

    /// The settings the form says, or the fields whose text is not a number.
    pub fn to_settings(&self) -> Result<WorkspaceSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut number = |text: &str, field: Field| {
            let parsed = text.trim().parse::<u32>().ok();
            if parsed.is_none() {
                errors.push(field, "enter a whole number");
            }
            parsed.unwrap_or_default()
        };
        let settings = WorkspaceSettings {
            temporary_access_enabled: self.temporary_access_enabled,
            preset_durations_mins: self.presets.clone(),
            max_length_mins: number(&self.max_length_mins, Field::MaxLength),
            message_required: self.message_required,
            pending_ttl_mins: number(&self.pending_ttl_mins, Field::PendingTtl),
            expiring_soon_lead_mins: number(&self.expiring_soon_lead_mins, Field::ExpiringLead),
            allow_reveal_password: self.allow_reveal_password,
            permanent_access_allowed: self.permanent_access_allowed,
            clipboard_clear_secs: number(&self.clipboard_clear_secs, Field::ClipboardClear),
            idle_lock_mins: number(&self.idle_lock_mins, Field::IdleLock),
            connect_templates: self.templates.clone(),
            ..self.base.clone()
        };
        if errors.0.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }
}

impl AdminView {
    /// The selected user's row.
    pub fn selected(&self) -> Option<&UserRow> {
        let id = self.selected_user?;
        self.users.iter().find(|u| u.id == id)
    }

    /// A user's row.
    pub fn user(&self, id: UserId) -> Option<&UserRow> {
        self.users.iter().find(|u| u.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(is_admin: bool, is_active: bool, must_change_password: bool) -> UserRow {
        UserRow {
            id: UserId(7),
            username: "ana".into(),
            display_name: "Ana".into(),
            email: String::new(),
            is_admin,
            is_active,
            must_change_password,
        }
    }

    #[test]
    fn a_row_says_what_is_special_about_a_user() {
        assert_eq!(row(false, true, false).notes(), "");
        assert_eq!(
            row(true, false, true).notes(),
            "administrator · disabled · must choose a new password"
        );
    }

    #[test]
    fn the_forms_start_from_the_row() {
        let ana = row(true, true, false);
        let edit = UserForm::edit(&ana);
        assert_eq!(edit.mode, UserFormMode::Edit(UserId(7)));
        assert_eq!(edit.display_name, "Ana");
        let reset = UserForm::reset_password(&ana);
        assert_eq!(reset.mode, UserFormMode::ResetPassword(UserId(7)));
        assert!(reset.password.is_empty());
    }

    #[test]
    fn the_settings_form_names_a_bad_number_by_its_field_and_keeps_the_rest() {
        let mut form = SettingsForm::of(&WorkspaceSettings::default());
        form.max_length_mins = "a week".into();
        form.idle_lock_mins = " 15 ".into();
        let errors = form.to_settings().expect_err("not a number");
        assert!(errors.for_field(Field::MaxLength).is_some());
        assert!(errors.for_field(Field::IdleLock).is_none());
        form.max_length_mins = "600".into();
        let settings = form.to_settings().expect("numbers");
        assert_eq!(
            (settings.max_length_mins, settings.idle_lock_mins),
            (600, 15)
        );
    }

    #[test]
    fn presets_are_added_in_order_once() {
        let mut form = SettingsForm::of(&WorkspaceSettings::default());
        form.presets = vec![15, 60];
        form.new_preset = "30".into();
        form.add_preset();
        form.new_preset = "60".into();
        form.add_preset();
        assert_eq!(form.presets, [15, 30, 60]);
        form.new_preset = "0".into();
        form.add_preset();
        assert!(form.errors.for_field(Field::Presets).is_some());
        assert_eq!(form.new_preset, "0", "what was typed is kept");
    }
}
