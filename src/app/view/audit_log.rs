//! The "Audit log" window's view and forms (R-AUD-3, R-AUD-4): the rows
//! loaded so far, already in words; the filters as the person set them; the
//! selected event's details; the chain's verification; the export form; an
//! access history. It lives beside the dialog in `MainState`, so its forms
//! are edited in place; a filter change is applied once, by an intent.

use super::forms::LocalMoment;
use crate::domain::audit::AuditAction;
use crate::domain::{EntryId, Timestamp, UserId, VaultId};

/// One event, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLogRow {
    /// Its position in the chain.
    pub seq: i64,
    /// When (shown in local time).
    pub at: Timestamp,
    /// Who did it ("system" for time's work).
    pub user: String,
    /// What happened, in words.
    pub action: String,
    /// The entry (with its path) or the request it is about.
    pub about: String,
    /// The details in one line.
    pub summary: String,
    /// The details, one line per value, before and after side by side:
    /// (what, before, after); `before` empty for a value that is not a change.
    pub changes: Vec<(String, String, String)>,
    /// Its hash.
    pub hash: String,
    /// Its predecessor's hash.
    pub prev_hash: String,
}

/// The filters, as set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilters {
    /// Only events by this user.
    pub user: Option<UserId>,
    /// Only events about this vault.
    pub vault: Option<VaultId>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only events about this entry and what is below it, with its path.
    pub entry: Option<(EntryId, String)>,
    /// Whether the range has a first day.
    pub from_on: bool,
    /// The first day (local).
    pub from: LocalMoment,
    /// Whether the range has a last day.
    pub to_on: bool,
    /// The last day, included (local).
    pub to: LocalMoment,
    /// Free text, applied on Enter.
    pub text: String,
}

impl AuditFilters {
    /// No filter; the date pickers start at `today`.
    pub fn new(today: Timestamp) -> AuditFilters {
        let mut day = LocalMoment::of(today);
        day.time = "00:00".into();
        AuditFilters {
            user: None,
            vault: None,
            action: None,
            entry: None,
            from_on: false,
            from: day.clone(),
            to_on: false,
            to: day,
            text: String::new(),
        }
    }
}

/// The chain's verification as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyView {
    /// Not asked yet.
    NotRun,
    /// Running off the window's thread.
    Running,
    /// Every event there, unaltered, extending what this computer saw.
    Intact {
        /// How many events.
        events: i64,
        /// The last event's hash.
        head: String,
    },
    /// Broken: what and, when it is one event, which.
    Broken {
        /// What was found, in words.
        message: String,
        /// The event to show.
        seq: Option<i64>,
    },
    /// The check could not run.
    Failed(String),
}

/// The export's format as offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportChoice {
    /// CSV.
    Csv,
    /// JSON Lines.
    JsonLines,
}

/// The export form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportForm {
    /// The format.
    pub format: ExportChoice,
    /// Where to write, typed or chosen through the file dialog.
    pub path: String,
    /// The file dialog is open.
    pub browsing: bool,
    /// `(done, total)` while running.
    pub progress: Option<(usize, usize)>,
    /// The result, in words.
    pub result: Option<String>,
    /// What is wrong with the path or the writing.
    pub error: Option<String>,
}

/// One request's life in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryView {
    /// "Request 12 · alice · Production / Servers / web-01".
    pub title: String,
    /// (when, what, the event) per step.
    pub steps: Vec<(Timestamp, String, i64)>,
}

/// An access history (R-AUD-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryView {
    /// Whose: "Access history of web-01".
    pub title: String,
    /// The stories, newest first.
    pub stories: Vec<StoryView>,
    /// Older requests were left out.
    pub truncated: bool,
}

/// The window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLogView {
    /// The events loaded so far, newest first.
    pub rows: Vec<AuditLogRow>,
    /// Where the next page starts, when there are more.
    pub more: Option<i64>,
    /// "128 events", "1,000+ events".
    pub total: String,
    /// The selected event.
    pub selected: Option<i64>,
    /// The filters.
    pub filters: AuditFilters,
    /// Users to filter by, by display name.
    pub users: Vec<(UserId, String)>,
    /// Vaults to filter by.
    pub vaults: Vec<(VaultId, String)>,
    /// The chain's verification.
    pub verify: VerifyView,
    /// What the witness check said, when it said something.
    pub witness: Option<String>,
    /// The export form, while open.
    pub export: Option<ExportForm>,
    /// An access history, while shown.
    pub history: Option<HistoryView>,
    /// Why the list could not be read, or a filter refused.
    pub error: Option<String>,
    /// The row to bring into view once.
    pub scroll_to: Option<usize>,
}

impl AuditLogView {
    /// An empty window with no filter.
    pub fn new(today: Timestamp) -> AuditLogView {
        AuditLogView {
            rows: Vec::new(),
            more: None,
            total: String::new(),
            selected: None,
            filters: AuditFilters::new(today),
            users: Vec::new(),
            vaults: Vec::new(),
            verify: VerifyView::NotRun,
            witness: None,
            export: None,
            history: None,
            error: None,
            scroll_to: None,
        }
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<&AuditLogRow> {
        let seq = self.selected?;
        self.rows.iter().find(|r| r.seq == seq)
    }
}
