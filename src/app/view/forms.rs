//! What the person is typing. Forms keep every keystroke, so a refused
//! request loses nothing; their errors sit next to the fields they concern.

use super::editing::{DeleteForm, EntryForm, MoveForm, VaultForm};
use crate::domain::permission::PermissionSet;
use crate::domain::request::{AccessWindow, OUT_OF_RANGE, Request, Terms};
use crate::domain::request::{RequestInfo, Target};
use crate::domain::user::User;
use crate::domain::{
    DomainError, EntryId, Field, FieldErrors, PermissionSetId, RequestId, Span, Timestamp,
};
use chrono::{Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use egui::text::CharIndex;
use std::ops::Range;
use zeroize::{Zeroize, Zeroizing};

/// Text that is a secret: a password being typed, or one shown on screen
/// (R-SEC-1). Its memory is wiped when it is cleared or dropped, `Debug`
/// never prints it, and it grows and shrinks by copying into a fresh wiped
/// buffer, so no stale copy is left in freed memory. It is also the buffer
/// of the password fields (it implements egui's `TextBuffer`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretText(Zeroizing<String>);

impl SecretText {
    /// Takes ownership of a secret already in wiped memory.
    pub fn new(text: Zeroizing<String>) -> SecretText {
        SecretText(text)
    }

    /// The secret, for the one call that needs it.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Wipes the text.
    pub fn clear(&mut self) {
        self.0.zeroize();
    }

    /// Rebuilds the buffer from `parts`, with room for `extra` more bytes;
    /// the old buffer is wiped as it is dropped.
    fn rebuild(&mut self, parts: &[&str], extra: usize) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let mut fresh = Zeroizing::new(String::with_capacity((len + extra).max(32)));
        for part in parts {
            fresh.push_str(part);
        }
        self.0 = fresh;
    }
}

impl From<&str> for SecretText {
    fn from(text: &str) -> SecretText {
        SecretText(Zeroizing::new(text.to_owned()))
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

impl egui::TextBuffer for SecretText {
    fn is_mutable(&self) -> bool {
        true
    }

    fn as_str(&self) -> &str {
        self.0.as_str()
    }

    fn insert_text(&mut self, text: &str, char_index: CharIndex) -> usize {
        let at = self.byte_index_from_char_index(char_index).0;
        if self.0.capacity() - self.0.len() < text.len() {
            // Growing in place would leave the old bytes in freed memory.
            let (before, after) = self.0.split_at(at);
            let (before, after) = (
                Zeroizing::new(before.to_owned()),
                Zeroizing::new(after.to_owned()),
            );
            self.rebuild(&[&before, text, &after], text.len() * 2);
        } else {
            self.0.insert_str(at, text);
        }
        text.chars().count()
    }

    fn delete_char_range(&mut self, char_range: Range<CharIndex>) {
        let start = self.byte_index_from_char_index(char_range.start).0;
        let end = self.byte_index_from_char_index(char_range.end).0;
        if start >= end {
            return;
        }
        // Removing in place would leave the tail's old bytes beyond the new end.
        let before = Zeroizing::new(self.0[..start].to_owned());
        let after = Zeroizing::new(self.0[end..].to_owned());
        self.rebuild(&[&before, &after], 0);
    }

    fn clear(&mut self) {
        self.0.zeroize();
    }

    fn replace_with(&mut self, text: &str) {
        self.rebuild(&[text], 0);
    }

    fn type_id(&self) -> std::any::TypeId {
        std::any::TypeId::of::<SecretText>()
    }
}

/// The first-start choice (R-DSK-1).
#[derive(Debug, Clone, Default)]
pub struct FirstStartForm {
    /// Administrator user name for an empty workspace.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// Their password (never printed by `Debug`).
    pub password: SecretText,
    /// Field messages.
    pub errors: FieldErrors,
    /// What an earlier, unfinished creation left behind (removed by the next one).
    pub notice: Option<String>,
}

/// The sign-in form.
#[derive(Debug, Clone, Default)]
pub struct SignInForm {
    /// User name (pre-filled by `--user`).
    pub username: String,
    /// Password (never printed by `Debug`).
    pub password: SecretText,
    /// The last failure.
    pub error: Option<String>,
    /// Why the window is back at the sign-in (it locked itself when idle).
    pub notice: Option<String>,
    /// Put the cursor in the password field on the next frame.
    pub focus_password: bool,
    /// An administrator reset the password: a new one is asked for (R-ADM-2).
    pub must_change: bool,
    /// The new password, when one is asked for.
    pub new_password: SecretText,
    /// The new password again.
    pub repeat_password: SecretText,
    /// Messages by the new-password fields.
    pub errors: FieldErrors,
}

/// A date and a "HH:MM" time in local time, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMoment {
    /// The date (from the date picker).
    pub date: jiff::civil::Date,
    /// The time of day, as typed.
    pub time: String,
}

impl LocalMoment {
    /// The moment of `at` in local time, to the minute.
    pub fn of(at: Timestamp) -> LocalMoment {
        let local = at.to_local();
        let date = jiff::civil::Date::new(
            i16::try_from(chrono::Datelike::year(&local)).unwrap_or(2000),
            chrono::Datelike::month(&local) as i8,
            chrono::Datelike::day(&local) as i8,
        )
        .unwrap_or_default();
        LocalMoment {
            date,
            time: local.format("%H:%M").to_string(),
        }
    }

    /// The instant it names, or a message for `field`.
    pub fn to_timestamp(&self, field: Field) -> Result<Timestamp, DomainError> {
        let time = NaiveTime::parse_from_str(self.time.trim(), "%H:%M")
            .map_err(|_| DomainError::invalid(field, "enter the time as HH:MM, e.g. 09:30"))?;
        let date = NaiveDate::from_ymd_opt(
            i32::from(self.date.year()),
            self.date.month() as u32,
            self.date.day() as u32,
        )
        .ok_or_else(|| DomainError::invalid(field, "this date does not exist"))?;
        let local = Local
            .from_local_datetime(&NaiveDateTime::new(date, time))
            .earliest()
            .ok_or_else(|| {
                DomainError::invalid(field, "this time does not exist here (clock change)")
            })?;
        let at = Timestamp::from_utc(local.to_utc());
        // A year the picker allows (down to -9999) may still be no instant
        // the rules accept: say so on the field before anything computes with it.
        if !at.is_in_range() {
            return Err(DomainError::invalid(field, OUT_OF_RANGE));
        }
        Ok(at)
    }
}

/// The terms being chosen, shared by the request, response and direct-grant
/// dialogs: a preset duration or a custom time frame, and a permission set.
#[derive(Debug, Clone)]
pub struct TermsInput {
    /// Preset durations in minutes.
    pub presets: Vec<u32>,
    /// The chosen preset; one past the last is *Permanent*, when offered.
    pub preset_index: usize,
    /// Whether *Permanent* is offered after the presets (R-REQ-10).
    pub offers_permanent: bool,
    /// Whether a custom time frame may be chosen instead of a preset.
    pub offers_custom: bool,
    /// Use the custom time frame instead of a preset.
    pub is_custom: bool,
    /// Custom start.
    pub start: LocalMoment,
    /// Custom end.
    pub end: LocalMoment,
    /// "Start on first use" (R-BEY-2), when the dialog offers it.
    pub first_use: Option<bool>,
    /// Permission sets to choose from.
    pub sets: Vec<PermissionSet>,
    /// The chosen set.
    pub set_index: usize,
}

impl TermsInput {
    /// A choice among `presets` (the first chosen) and `sets` (the
    /// `set_index`th chosen), with no custom time frame offered; the custom
    /// frame, if offered later, starts as `start_at` to `end_at`.
    pub fn new(
        presets: Vec<u32>,
        sets: Vec<PermissionSet>,
        set_index: usize,
        start_at: Timestamp,
        end_at: Timestamp,
    ) -> TermsInput {
        TermsInput {
            presets,
            preset_index: 0,
            offers_permanent: false,
            offers_custom: false,
            is_custom: false,
            start: LocalMoment::of(start_at),
            end: LocalMoment::of(end_at),
            first_use: None,
            sets,
            set_index,
        }
    }

    /// The input showing `terms`: a duration missing from `presets` is added
    /// to them; for a duration, the custom time frame starts ready as "from
    /// `now` for that long".
    pub fn showing(
        terms: Terms,
        presets: &[u32],
        sets: Vec<PermissionSet>,
        now: Timestamp,
    ) -> TermsInput {
        let mut presets = presets.to_vec();
        let (is_custom, start_at, end_at) = match terms.window {
            AccessWindow::Duration { mins } => {
                if !presets.contains(&mins) {
                    presets.push(mins);
                    presets.sort_unstable();
                }
                (false, now, now + Span::mins(i64::from(mins)))
            }
            AccessWindow::Custom { start_at, end_at } => (true, start_at, end_at),
            AccessWindow::Permanent => (false, now, now + Span::hours(1)),
        };
        let preset_index = match terms.window {
            AccessWindow::Duration { mins } => presets.iter().position(|m| *m == mins).unwrap_or(0),
            AccessWindow::Custom { .. } => 0,
            AccessWindow::Permanent => presets.len(),
        };
        let set_index = sets
            .iter()
            .position(|s| s.id == terms.permission_set_id)
            .unwrap_or(0);
        TermsInput {
            preset_index,
            offers_permanent: terms.window == AccessWindow::Permanent,
            offers_custom: true,
            is_custom,
            ..TermsInput::new(presets, sets, set_index, start_at, end_at)
        }
    }

    /// Chooses the set `id`, if it is among the sets.
    pub fn choose_set(&mut self, id: PermissionSetId) {
        if let Some(i) = self.sets.iter().position(|s| s.id == id) {
            self.set_index = i;
        }
    }

    /// The chosen set.
    pub fn set(&self) -> Option<&PermissionSet> {
        self.sets.get(self.set_index)
    }

    /// The chosen preset duration in minutes (0 if there is none).
    pub fn preset_mins(&self) -> u32 {
        self.presets.get(self.preset_index).copied().unwrap_or(0)
    }

    /// Whether the custom time frame is in use.
    pub fn uses_custom(&self) -> bool {
        self.offers_custom && self.is_custom
    }

    /// Whether *Permanent* is chosen (and offered), without a custom time frame.
    pub fn uses_permanent(&self) -> bool {
        self.offers_permanent && !self.uses_custom() && self.preset_index == self.presets.len()
    }

    /// Whether the grant starts on first use: chosen, and only for a duration.
    pub fn starts_on_first_use(&self) -> bool {
        self.first_use == Some(true) && !self.uses_custom() && !self.uses_permanent()
    }

    /// The window the input describes, or the message for the field that is wrong.
    pub fn window(&self) -> Result<AccessWindow, DomainError> {
        if self.uses_custom() {
            Ok(AccessWindow::Custom {
                start_at: self.start.to_timestamp(Field::Start)?,
                end_at: self.end.to_timestamp(Field::End)?,
            })
        } else if self.uses_permanent() {
            Ok(AccessWindow::Permanent)
        } else {
            Ok(AccessWindow::Duration {
                mins: self.preset_mins(),
            })
        }
    }

    /// The terms the input describes, or the message for the field that is wrong.
    pub fn terms(&self) -> Result<Terms, DomainError> {
        let window = self.window()?;
        let permission_set_id = self
            .set()
            .map(|s| s.id)
            .ok_or_else(|| DomainError::invalid(Field::PermissionSet, "choose a permission set"))?;
        Ok(Terms {
            permission_set_id,
            window,
        })
    }
}

/// The request dialog (R-REQ-3).
#[derive(Debug, Clone)]
pub struct RequestForm {
    /// What is asked for: an entry, a folder or a vault (R-REQ-11).
    pub target: Target,
    /// Its name and path, for the title.
    pub entry_path: String,
    /// Names of the dependencies the request covers.
    pub covers: Vec<String>,
    /// Duration or time frame, and permission set.
    pub terms: TermsInput,
    /// Eligible approvers.
    pub approvers: Vec<User>,
    /// The chosen approver.
    pub approver_index: Option<usize>,
    /// Narrows the approver list.
    pub approver_filter: String,
    /// Why.
    pub message: String,
    /// The grant this extends (R-REQ-9).
    pub extends: Option<RequestId>,
    /// Field messages from the last attempt.
    pub errors: FieldErrors,
}

impl RequestForm {
    /// The approvers matching the filter, with their index in `approvers`.
    pub fn filtered_approvers(&self) -> Vec<(usize, &User)> {
        let needle = self.approver_filter.trim().to_lowercase();
        self.approvers
            .iter()
            .enumerate()
            .filter(|(_, u)| {
                needle.is_empty()
                    || u.display_name.to_lowercase().contains(&needle)
                    || u.username.to_lowercase().contains(&needle)
            })
            .collect()
    }
}

/// The response window (R-APP-3): the request, and what the approver authorizes.
#[derive(Debug, Clone)]
pub struct ResponseForm {
    /// The request and its context.
    pub info: RequestInfo,
    /// What the approver authorizes (the requested duration among the presets).
    pub terms: TermsInput,
    /// Message to the requester.
    pub message: String,
    /// Whether the terms may be changed (not once a quorum's first approval set them).
    pub terms_editable: bool,
    /// Field messages.
    pub errors: FieldErrors,
    /// Someone else decided first (R-APP-4): who and when.
    pub handled_elsewhere: Option<String>,
}

impl ResponseForm {
    /// A form showing `info`'s terms in force at `now`. For a duration, the
    /// custom time frame starts ready as "from now for that long".
    pub fn new(
        info: RequestInfo,
        presets: &[u32],
        sets: Vec<PermissionSet>,
        now: Timestamp,
    ) -> ResponseForm {
        let terms = TermsInput::showing(info.request.effective_terms(), presets, sets, now);
        let terms_editable = info.request.approvals.is_empty();
        ResponseForm {
            info,
            terms,
            message: String::new(),
            terms_editable,
            errors: FieldErrors::default(),
            handled_elsewhere: None,
        }
    }

    /// Whether the approver changed what was asked ("approve with modifications").
    pub fn is_modified(&self) -> bool {
        self.terms
            .terms()
            .is_ok_and(|t| t != self.info.request.effective_terms())
    }
}

/// An administrator's direct grant (R-ADM-3): who, which set, how long, why.
#[derive(Debug, Clone)]
pub struct DirectGrantForm {
    /// The entry.
    pub entry_id: EntryId,
    /// Its path, for the title.
    pub entry_path: String,
    /// Who can receive it (active, not administrators).
    pub users: Vec<User>,
    /// The chosen user.
    pub user_index: Option<usize>,
    /// Preset duration (no custom time frame) and permission set.
    pub terms: TermsInput,
    /// Message to the user.
    pub message: String,
    /// Field messages.
    pub errors: FieldErrors,
}

/// Emergency access ("break glass", R-BEY-5): taken at once without an
/// approval, for at most the vault's emergency limit, with a reason; every
/// approver and administrator is told and the grant is flagged for review.
#[derive(Debug, Clone)]
pub struct EmergencyForm {
    /// The entry.
    pub entry_id: EntryId,
    /// Its name.
    pub entry_name: String,
    /// The vault's emergency limit, in minutes.
    pub limit_mins: u32,
    /// The duration (presets up to the limit) and the permission set.
    pub terms: TermsInput,
    /// Why (mandatory).
    pub reason: String,
    /// Messages by their fields.
    pub errors: FieldErrors,
}

/// The modal dialog on top of the main screen, if any.
#[derive(Debug, Clone, Default)]
pub enum Dialog {
    /// None.
    #[default]
    None,
    /// "You don't have access to this entry. Request temporary access?"
    AskAccess {
        /// The entry.
        entry_id: EntryId,
        /// Its name.
        name: String,
    },
    /// The request dialog.
    Request(Box<RequestForm>),
    /// The confirmation after sending.
    Sent {
        /// What was sent to whom.
        message: String,
    },
    /// A request's details, as loaded when opened.
    Details(Box<Request>),
    /// The approver's response window (R-APP-3).
    Respond(Box<ResponseForm>),
    /// An administrator's direct grant (R-ADM-3).
    DirectGrant(Box<DirectGrantForm>),
    /// Confirm revoking.
    ConfirmRevoke {
        /// The grant.
        request_id: RequestId,
        /// Optional reason.
        reason: String,
        /// A failure to show.
        error: Option<String>,
    },
    /// Confirm releasing, with a closing note (R-BEY-3).
    ConfirmRelease {
        /// The grant.
        request_id: RequestId,
        /// "What I did".
        note: String,
        /// A failure to show.
        error: Option<String>,
    },
    /// After signing in again: restore the dialog the person was typing in
    /// when the window locked itself?
    RestoreTyped(Box<Dialog>),
    /// Emergency access to a locked entry (R-BEY-5).
    Emergency(Box<EmergencyForm>),
    /// "Why?": what a person can do on an entry, and why (R-ADM-6).
    Explain(Box<super::explain::ExplainForm>),
    /// Before disabling a user: what ends (R-ADM-2).
    ConfirmDisable {
        /// The user.
        user_id: crate::domain::UserId,
        /// Their display name.
        name: String,
    },
    /// Import… into a vault or a folder (R-VLT-12).
    Import(Box<super::import::ImportForm>),
    /// A folder or item being created or edited (issue 14).
    EditEntry(Box<EntryForm>),
    /// A vault's name, new or renamed.
    VaultName(VaultForm),
    /// Confirm deleting an entry or a vault, naming what goes with it.
    ConfirmDelete(Box<DeleteForm>),
    /// Where to move an entry.
    MoveTo(Box<MoveForm>),
}

impl Dialog {
    /// Whether closing it now would throw away something the person typed
    /// or chose: a message, a reason or note, an approver or a user. Such a
    /// dialog is closed by its own buttons only, not by a stray click or
    /// Escape (issue 12).
    pub fn holds_typed_input(&self) -> bool {
        match self {
            Dialog::Request(form) => {
                !form.message.trim().is_empty() || form.approver_index.is_some()
            }
            Dialog::Respond(form) => !form.message.trim().is_empty(),
            Dialog::DirectGrant(form) => {
                !form.message.trim().is_empty() || form.user_index.is_some()
            }
            Dialog::ConfirmRevoke { reason: text, .. }
            | Dialog::ConfirmRelease { note: text, .. } => !text.trim().is_empty(),
            // Anything typed into an entry or a vault name counts; closing the
            // restore question would throw the kept typing away.
            Dialog::EditEntry(_) | Dialog::VaultName(_) | Dialog::RestoreTyped(_) => true,
            Dialog::Emergency(form) => !form.reason.trim().is_empty(),
            // While it reads or writes, it waits for the work to end.
            Dialog::Import(form) => form.is_busy(),
            Dialog::None
            | Dialog::AskAccess { .. }
            | Dialog::Sent { .. }
            | Dialog::Details(_)
            | Dialog::ConfirmDelete(_)
            | Dialog::ConfirmDisable { .. }
            | Dialog::Explain(_)
            | Dialog::MoveTo(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::TextBuffer;

    /// Issue 10, item 6: the password forms never print the password.
    #[test]
    fn password_forms_never_print_the_password() {
        let mut sign_in = SignInForm {
            username: "alice".into(),
            ..SignInForm::default()
        };
        sign_in
            .password
            .insert_text("hunter2-sign-in", CharIndex(0));
        let mut first_start = FirstStartForm::default();
        first_start
            .password
            .insert_text("hunter2-first-start", CharIndex(0));
        let printed = format!("{sign_in:?} {first_start:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("alice"));
    }

    /// Typing, deleting and replacing edit the text like a `String` would.
    #[test]
    fn secret_text_edits_like_a_string() {
        let mut text = SecretText::default();
        for (i, c) in "pässword".chars().enumerate() {
            text.insert_text(&c.to_string(), CharIndex(i));
        }
        assert_eq!(text.as_str(), "pässword");
        text.delete_char_range(CharIndex(1)..CharIndex(3));
        assert_eq!(text.as_str(), "psword");
        text.insert_text("as", CharIndex(1));
        assert_eq!(text.as_str(), "password");
        text.replace_with("new");
        assert_eq!(text.as_str(), "new");
        TextBuffer::clear(&mut text);
        assert!(text.is_empty());
    }

    fn moment(year: i16, month: i8, day: i8, time: &str) -> LocalMoment {
        LocalMoment {
            date: jiff::civil::Date::new(year, month, day).unwrap(),
            time: time.to_owned(),
        }
    }

    /// Issue 10, item 6: the date fields' extremes are a field error or an
    /// instant the rules accept, never a panic; showing an absurd stored
    /// instant in a form does not panic either.
    #[test]
    fn absurd_dates_in_the_form_are_field_errors() {
        let earliest = moment(-9999, 1, 1, "00:00").to_timestamp(Field::Start);
        assert_eq!(
            earliest
                .unwrap_err()
                .field_errors()
                .unwrap()
                .for_field(Field::Start),
            Some(OUT_OF_RANGE)
        );
        match moment(9999, 12, 31, "23:59").to_timestamp(Field::End) {
            Ok(at) => assert!(at.is_in_range()),
            Err(e) => assert_eq!(
                e.field_errors().unwrap().for_field(Field::End),
                Some(OUT_OF_RANGE)
            ),
        }
        let bad_time = moment(2027, 1, 15, "25:00").to_timestamp(Field::End);
        assert!(
            bad_time
                .unwrap_err()
                .field_errors()
                .unwrap()
                .for_field(Field::End)
                .is_some()
        );
        for at in [i64::MIN, -1, 0, Timestamp::LATEST.0, i64::MAX] {
            let _ = LocalMoment::of(Timestamp(at));
        }
    }
}
