//! "Why?" in the window (R-ADM-6): the service's answer, put in words —
//! each permission held or not, its grounds (administrator, a standing set
//! and where it is given, a grant with its window and who approved it), and
//! for a missing one, whether and how it could be asked for.

use super::MainState;
use crate::app::present;
use crate::app::view::explain::{ExplainAnswer, ExplainForm, ExplainRow};
use crate::app::view::forms::Dialog;
use crate::domain::{EntryId, Timestamp};
use crate::service::{AccessExplanation, ExplainedGrant, ExplainedPermission, ExplainedSource};

impl MainState {
    pub(super) fn open_explain(&mut self, entry_id: EntryId) {
        let mut people: Vec<_> = self
            .view
            .names
            .users
            .iter()
            .map(|(id, name)| (*id, name.clone()))
            .collect();
        people.sort_by(|a, b| a.1.cmp(&b.1));
        self.dialog = Dialog::Explain(Box::new(ExplainForm {
            entry_id,
            entry_path: self.view.tree.path(entry_id),
            people,
            person: None,
            answer: None,
            error: None,
        }));
    }

    pub(super) fn explain(&mut self, now: Timestamp) {
        let Dialog::Explain(form) = &mut self.dialog else {
            return;
        };
        let Some(&(person, _)) = form.person.and_then(|i| form.people.get(i)) else {
            form.error = Some("choose a person".into());
            return;
        };
        match self
            .workspace
            .explain_access(&self.session, person, form.entry_id, now)
        {
            Ok(explanation) => {
                form.answer = Some(in_words(&explanation));
                form.error = None;
            }
            Err(e) => {
                form.answer = None;
                form.error = Some(e.to_string());
            }
        }
    }
}

/// The answer, in words.
fn in_words(explanation: &AccessExplanation) -> ExplainAnswer {
    let who = &explanation.user.display_name;
    let mut notes = Vec::new();
    if !explanation.is_active {
        notes.push(format!("{who}'s account is disabled: nothing is held."));
    }
    if !explanation.is_member && !explanation.user.is_admin {
        notes.push(format!(
            "{who} is not a member of {}: nothing there is held.",
            explanation.vault.name
        ));
    }
    ExplainAnswer {
        title: format!(
            "{who} on {}, at {}",
            explanation.entry_path,
            explanation.at.local_second()
        ),
        notes,
        rows: explanation.permissions.iter().map(row).collect(),
    }
}

fn row(permission: &ExplainedPermission) -> ExplainRow {
    let mut reasons: Vec<String> = permission.sources.iter().map(source).collect();
    if permission.withheld_by_policy {
        reasons
            .push("The workspace lets no one but administrators reveal or copy passwords.".into());
    }
    if reasons.is_empty() && !permission.held {
        reasons.push("Nothing gives it.".into());
    }
    let to_get = permission.to_get.as_ref().map(|how| {
        if !how.temporary_access_enabled {
            "Temporary access is off in this workspace: only an administrator can give it."
                .to_owned()
        } else if how.sets.is_empty() {
            "No permission set includes it.".to_owned()
        } else if how.approvers.is_empty() {
            "Nobody could approve a request for it here.".to_owned()
        } else {
            let sets: Vec<&str> = how.sets.iter().map(|(_, name)| name.as_str()).collect();
            let approvers: Vec<&str> = how
                .approvers
                .iter()
                .map(|(_, name)| name.as_str())
                .collect();
            format!(
                "Request {} from {}.",
                sets.join(" or "),
                approvers.join(", ")
            )
        }
    });
    ExplainRow {
        permission: permission.permission.label().to_owned(),
        held: permission.held,
        reasons,
        to_get,
    }
}

fn source(source: &ExplainedSource) -> String {
    match source {
        ExplainedSource::Administrator => "An administrator holds every permission.".into(),
        ExplainedSource::Standing {
            set_name, given_at, ..
        } => format!("Standing permission: {set_name}, given on {given_at}."),
        ExplainedSource::Grant(grant) => grant_words(grant),
    }
}

fn grant_words(grant: &ExplainedGrant) -> String {
    let who = grant
        .decided_by
        .as_ref()
        .map_or("nobody yet", |(_, name)| name.as_str());
    let window = match (grant.start_at, grant.end_at) {
        (Some(start), Some(end)) => format!(
            "from {} to {}",
            present::local_minute(start),
            present::local_minute(end)
        ),
        _ if grant.awaiting_first_use => "starting at its first use".to_owned(),
        _ => String::new(),
    };
    format!(
        "Grant #{} ({}) on {}, {window}, approved by {who}.",
        grant.request_id.0, grant.set_name, grant.entry_name
    )
}
