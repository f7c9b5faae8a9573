//! Rules of requests and grants (docs/requirements.md §2–§3, R-NOT-1, R-BEY-2/4/5/8), checked
//! with fixed instants and tables. Each row carries a name that assertion
//! messages print, so a failing row says which rule broke.
//!
//! This file holds the fixture the tests share; the tests sit in one file per
//! subject, as the rules do: `phase` (the types and `Request::phase`),
//! `validation`, `decisions` and `time`, and `access` (what approved requests
//! give through `domain::access`).

mod access;
mod decisions;
mod phase;
mod time;
mod validation;

use super::*;
use crate::domain::entry::EntryKind;
use crate::domain::error::{DomainError, Field};
use crate::domain::permission::PermissionSet;
use crate::domain::permission::{Permission, Permissions};
use crate::domain::user::User;
use std::fmt::Debug;

// ---------------------------------------------------------------------------
// Fixture: five people, one RDP entry, the Reader set, default settings with
// temporary access on, and one fixed instant everything is measured from.
// ---------------------------------------------------------------------------

/// The fixed "now" at which requests are made.
const T0: Timestamp = Timestamp(1_800_000_000_000);

/// The requester.
const ALICE: UserId = UserId(1);
/// The approver Alice chooses.
const BOB: UserId = UserId(2);
/// A second approver of the vault.
const CAROL: UserId = UserId(3);
/// An administrator: approver everywhere, but not listed as a vault approver.
const ADMIN: UserId = UserId(4);
/// A member who is no approver.
const DAVE: UserId = UserId(5);

/// The vault's approvers (the administrator is eligible without being listed).
const APPROVERS: [UserId; 2] = [BOB, CAROL];

const VAULT: VaultId = VaultId(1);
const RDP: EntryId = EntryId(10);
const READER: PermissionSetId = PermissionSetId(1);
const OPERATOR: PermissionSetId = PermissionSetId(2);

fn user(id: UserId) -> User {
    let (username, display_name, is_admin) = match id {
        ALICE => ("alice", "Alice Requester", false),
        BOB => ("bob", "Bob Approver", false),
        CAROL => ("carol", "Carol Approver", false),
        ADMIN => ("admin", "Ada Admin", true),
        _ => ("dave", "Dave Member", false),
    };
    User {
        id,
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        email: format!("{username}@example.test"),
        is_admin,
        is_active: true,
    }
}

fn inactive(id: UserId) -> User {
    User {
        is_active: false,
        ..user(id)
    }
}

/// Display names for messages, as the service would look them up.
fn name_of(id: UserId) -> String {
    user(id).display_name
}

fn entry(kind: EntryKind) -> Entry {
    Entry {
        id: RDP,
        vault_id: VAULT,
        parent_id: None,
        kind,
        name: "web-01 (RDP)".to_owned(),
        host: "web-01.example.test".to_owned(),
        port: None,
        username: String::new(),
        url: String::new(),
        notes: String::new(),
        database: String::new(),
        engine: String::new(),
    }
}

fn reader() -> PermissionSet {
    PermissionSet {
        id: READER,
        name: "Reader".to_owned(),
        permissions: Permissions::of(&[Permission::View, Permission::ViewPassword]),
        is_builtin: true,
    }
}

fn settings() -> WorkspaceSettings {
    WorkspaceSettings {
        temporary_access_enabled: true,
        ..WorkspaceSettings::default()
    }
}

fn at(after_t0: Span) -> Timestamp {
    T0 + after_t0
}

fn hours(n: i64) -> Span {
    Span::hours(n)
}

fn mins(n: i64) -> Span {
    Span::mins(n)
}

/// One millisecond, for "just before" and "just after".
const MS: Span = Span(1);

fn duration(mins: u32) -> AccessWindow {
    AccessWindow::Duration { mins }
}

fn frame(start_at: Timestamp, end_at: Timestamp) -> AccessWindow {
    AccessWindow::Custom { start_at, end_at }
}

fn reader_terms(window: AccessWindow) -> Terms {
    Terms {
        permission_set_id: READER,
        window,
    }
}

fn draft(window: AccessWindow) -> NewRequest {
    NewRequest {
        target: Target::Entry(RDP),
        terms: reader_terms(window),
        approver_id: Some(BOB),
        message: "patching the web servers tonight".to_owned(),
        start_on_first_use: false,
        extends_request_id: None,
    }
}

/// A pending request by `requester`, made at T0, as stored (id 100).
fn pending_from(requester: UserId, draft: &NewRequest) -> Request {
    let mut request =
        Request::new_pending(requester, Target::Entry(RDP), VAULT, draft, &settings(), T0);
    request.id = RequestId(100);
    request
}

fn pending(window: AccessWindow) -> Request {
    pending_from(ALICE, &draft(window))
}

fn first_use_pending(mins: u32) -> Request {
    let mut draft = draft(duration(mins));
    draft.start_on_first_use = true;
    pending_from(ALICE, &draft)
}

/// A quorum of `required` in which every earlier approver still counts.
fn quorum(required: u32) -> Quorum<'static> {
    Quorum {
        required,
        name_of: &name_of,
        ..Quorum::single()
    }
}

fn as_requested() -> ApprovalInput {
    ApprovalInput {
        terms: None,
        message: "go ahead".to_owned(),
    }
}

/// `decider` checks and approves as requested, with a quorum of one.
fn decide(
    request: &mut Request,
    decider: UserId,
    now: Timestamp,
) -> Result<ApprovalOutcome, DomainError> {
    check_can_decide(request, &user(decider), &APPROVERS, now, &name_of)?;
    approve_with(request, decider, &as_requested(), 1, now)
}

/// `approver` approves `input` toward a quorum of `required`, with the
/// default settings and no grant extended: how most tests approve.
fn approve_with(
    request: &mut Request,
    approver: UserId,
    input: &ApprovalInput,
    required: u32,
    now: Timestamp,
) -> Result<ApprovalOutcome, DomainError> {
    approve(
        request,
        approver,
        input,
        &quorum(required),
        &settings(),
        MaxLength::workspace(&settings()),
        None,
        now,
    )
}

/// Alice's request for `window`, approved by Bob at `now`.
fn approved(window: AccessWindow, now: Timestamp) -> Request {
    let mut request = pending(window);
    assert_eq!(decide(&mut request, BOB, now), Ok(ApprovalOutcome::Granted));
    request
}

/// Alice's extension of grant 1 by a `mins` duration, approved by Bob at
/// `now` to follow `extended_end_at` (the end of what it extends).
fn approved_extension(mins: u32, extended_end_at: Option<Timestamp>, now: Timestamp) -> Request {
    let mut extension_draft = draft(duration(mins));
    extension_draft.extends_request_id = Some(RequestId(1));
    let mut extension = pending_from(ALICE, &extension_draft);
    approve(
        &mut extension,
        BOB,
        &as_requested(),
        &quorum(1),
        &settings(),
        MaxLength::workspace(&settings()),
        extended_end_at,
        now,
    )
    .unwrap();
    extension
}

/// What a refused action must say.
#[derive(Debug)]
enum Want {
    /// A validation message on this field containing the text.
    Invalid(Field, &'static str),
    /// `NotPermitted` containing the text.
    NotPermitted(&'static str),
    /// `WrongState` containing the text.
    WrongState(&'static str),
    /// Someone handled it first.
    AlreadyHandled {
        outcome: &'static str,
        by: &'static str,
        at: Timestamp,
    },
    /// It lapsed at this instant.
    Lapsed(Timestamp),
}

fn assert_refused<T: Debug>(name: &str, result: Result<T, DomainError>, want: &Want) {
    let err = match result {
        Err(err) => err,
        Ok(value) => panic!("{name}: expected {want:?}, got Ok({value:?})"),
    };
    match (want, &err) {
        (Want::Invalid(field, says), DomainError::Invalid(errors)) => {
            let message = errors
                .for_field(*field)
                .unwrap_or_else(|| panic!("{name}: no message on {field:?}: {errors:?}"));
            assert!(message.contains(says), "{name}: {message:?} lacks {says:?}");
        }
        (Want::NotPermitted(says), DomainError::NotPermitted(message))
        | (Want::WrongState(says), DomainError::WrongState(message)) => {
            assert!(message.contains(says), "{name}: {message:?} lacks {says:?}");
        }
        (
            Want::AlreadyHandled { outcome, by, at },
            DomainError::AlreadyHandled {
                outcome: got_outcome,
                by: got_by,
                at: got_at,
            },
        ) => {
            assert_eq!(
                (got_outcome, got_by.as_str(), got_at),
                (outcome, *by, at),
                "{name}"
            );
            let text = err.to_string();
            assert!(
                text.contains(&format!("already {outcome} by {by}")),
                "{name}: {text:?}"
            );
        }
        (Want::Lapsed(want_at), DomainError::Lapsed { at: got_at }) => {
            assert_eq!(got_at, want_at, "{name}");
            assert!(err.to_string().contains("lapsed"), "{name}: {err}");
        }
        _ => panic!("{name}: expected {want:?}, got {err:?}"),
    }
}
