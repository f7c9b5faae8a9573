//! What the person is typing. Forms keep every keystroke, so a refused
//! request loses nothing; their errors sit next to the fields they concern.

use crate::domain::permission::PermissionSet;
use crate::domain::request::{AccessWindow, Terms};
use crate::domain::user::User;
use crate::domain::{DomainError, EntryId, Field, FieldErrors, RequestId, Timestamp};
use crate::service::RequestInfo;
use chrono::{Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// The first-start choice (R-DSK-1).
#[derive(Debug, Clone, Default)]
pub struct FirstStartForm {
    /// Administrator user name for an empty workspace.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// Their password.
    pub password: String,
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
    /// Password.
    pub password: String,
    /// The last failure.
    pub error: Option<String>,
    /// Put the cursor in the password field on the next frame.
    pub focus_password: bool,
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
        Ok(Timestamp::from_utc(local.to_utc()))
    }
}

/// The request dialog (R-REQ-3).
#[derive(Debug, Clone)]
pub struct RequestForm {
    /// The entry asked for.
    pub entry_id: EntryId,
    /// Its name and path, for the title.
    pub entry_path: String,
    /// Names of the dependencies the request covers.
    pub covers: Vec<String>,
    /// Preset durations in minutes.
    pub presets: Vec<u32>,
    /// The chosen preset.
    pub preset_index: usize,
    /// Use the custom time frame instead of a preset.
    pub is_custom: bool,
    /// Custom start.
    pub start: LocalMoment,
    /// Custom end.
    pub end: LocalMoment,
    /// Permission sets to choose from.
    pub sets: Vec<PermissionSet>,
    /// The chosen set.
    pub set_index: usize,
    /// Eligible approvers.
    pub approvers: Vec<User>,
    /// The chosen approver.
    pub approver_index: Option<usize>,
    /// Narrows the approver list.
    pub approver_filter: String,
    /// Why.
    pub message: String,
    /// Start on first use (R-BEY-2).
    pub start_on_first_use: bool,
    /// The grant this extends (R-REQ-9).
    pub extends: Option<RequestId>,
    /// Field messages from the last attempt.
    pub errors: FieldErrors,
}

impl RequestForm {
    /// The window the form describes, or the message for the field that is wrong.
    pub fn window(&self) -> Result<AccessWindow, DomainError> {
        if self.is_custom {
            let start_at = self.start.to_timestamp(Field::Start)?;
            let end_at = self.end.to_timestamp(Field::End)?;
            Ok(AccessWindow::Custom { start_at, end_at })
        } else {
            let mins = self.presets.get(self.preset_index).copied().unwrap_or(0);
            Ok(AccessWindow::Duration { mins })
        }
    }

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
    /// Preset durations in minutes (the requested one included).
    pub presets: Vec<u32>,
    /// The chosen preset.
    pub preset_index: usize,
    /// Authorize a custom time frame instead.
    pub is_custom: bool,
    /// Custom start.
    pub start: LocalMoment,
    /// Custom end.
    pub end: LocalMoment,
    /// Permission sets to choose from.
    pub sets: Vec<PermissionSet>,
    /// The chosen set.
    pub set_index: usize,
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
        let terms = info.request.effective_terms();
        let mut presets = presets.to_vec();
        let (is_custom, start_at, end_at) = match terms.window {
            AccessWindow::Duration { mins } => {
                if !presets.contains(&mins) {
                    presets.push(mins);
                    presets.sort_unstable();
                }
                (false, now, now + crate::domain::Span::mins(i64::from(mins)))
            }
            AccessWindow::Custom { start_at, end_at } => (true, start_at, end_at),
        };
        let preset_index = match terms.window {
            AccessWindow::Duration { mins } => presets.iter().position(|m| *m == mins).unwrap_or(0),
            AccessWindow::Custom { .. } => 0,
        };
        let set_index = sets
            .iter()
            .position(|s| s.id == terms.permission_set_id)
            .unwrap_or(0);
        let terms_editable = info.request.approvals.is_empty();
        ResponseForm {
            info,
            presets,
            preset_index,
            is_custom,
            start: LocalMoment::of(start_at),
            end: LocalMoment::of(end_at),
            sets,
            set_index,
            message: String::new(),
            terms_editable,
            errors: FieldErrors::default(),
            handled_elsewhere: None,
        }
    }

    /// The terms the form describes, or the message for the wrong field.
    pub fn terms(&self) -> Result<Terms, DomainError> {
        let window = if self.is_custom {
            AccessWindow::Custom {
                start_at: self.start.to_timestamp(Field::Start)?,
                end_at: self.end.to_timestamp(Field::End)?,
            }
        } else {
            AccessWindow::Duration {
                mins: self.presets.get(self.preset_index).copied().unwrap_or(0),
            }
        };
        let permission_set_id =
            self.sets.get(self.set_index).map(|s| s.id).ok_or_else(|| {
                DomainError::invalid(Field::PermissionSet, "choose a permission set")
            })?;
        Ok(Terms {
            permission_set_id,
            window,
        })
    }

    /// Whether the approver changed what was asked ("approve with modifications").
    pub fn is_modified(&self) -> bool {
        self.terms()
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
    /// Preset durations in minutes.
    pub presets: Vec<u32>,
    /// The chosen preset.
    pub preset_index: usize,
    /// Permission sets.
    pub sets: Vec<PermissionSet>,
    /// The chosen set.
    pub set_index: usize,
    /// Message to the user.
    pub message: String,
    /// Field messages.
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
    /// A request's details.
    Details(RequestId),
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
}
