//! "Why?" — the access explainer (R-ADM-6): an administrator or an approver
//! of the vault picks a person and reads, for each permission on the entry,
//! whether that person holds it now and why, or what would give it. The
//! answer is in words here; the service decided it with the code that
//! checks every action.

use crate::domain::{EntryId, UserId};

/// One permission in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRow {
    /// Its name ("View password").
    pub permission: String,
    /// Held now.
    pub held: bool,
    /// Why it is held, one line per ground; or why not.
    pub reasons: Vec<String>,
    /// What would give it, when it is not held.
    pub to_get: Option<String>,
}

/// The answer for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainAnswer {
    /// "Alice Requester on Web / Admin portal, at 14:02:05".
    pub title: String,
    /// What holds for everything (disabled, not a member).
    pub notes: Vec<String>,
    /// Each permission, in the usual order.
    pub rows: Vec<ExplainRow>,
}

/// The dialog.
#[derive(Debug, Clone)]
pub struct ExplainForm {
    /// The entry asked about.
    pub entry_id: EntryId,
    /// Its path.
    pub entry_path: String,
    /// The people to choose from: id and display name.
    pub people: Vec<(UserId, String)>,
    /// The person chosen.
    pub person: Option<usize>,
    /// The answer, once asked.
    pub answer: Option<ExplainAnswer>,
    /// Why no answer came.
    pub error: Option<String>,
}
