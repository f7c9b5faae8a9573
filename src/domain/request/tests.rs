//! Rules of requests and grants (docs/requirements.md §2–§3, R-NOT-1, R-BEY-2/4/5/8), checked
//! with fixed instants and tables. Each row carries a name that assertion
//! messages print, so a failing row says which rule broke.

use super::*;
use crate::domain::access::{AccessFacts, AccessSource, GrantFact};
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

/// What `advance` returns when time changed nothing.
const NO_EVENTS: &[TimeEvent] = &[];

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
        entry_id: RDP,
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
        Request::new_pending(requester, &entry(EntryKind::Rdp), draft, &settings(), T0);
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
    approve(
        request,
        decider,
        &as_requested(),
        &quorum(1),
        &settings(),
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

// ---------------------------------------------------------------------------
// R-REQ-4: validation of a new request.
// ---------------------------------------------------------------------------

/// Everything `validate_new_request` looks at, owned so that a row can change any of it.
struct Case {
    settings: WorkspaceSettings,
    requester: User,
    is_member: bool,
    entry: Entry,
    permission_set: Option<PermissionSet>,
    approver: Option<User>,
    has_same_pending: bool,
    draft: NewRequest,
}

impl Case {
    /// Alice asks Bob for Reader on the RDP entry for 1 h, with a message: valid.
    fn baseline() -> Case {
        Case {
            settings: settings(),
            requester: user(ALICE),
            is_member: true,
            entry: entry(EntryKind::Rdp),
            permission_set: Some(reader()),
            approver: Some(user(BOB)),
            has_same_pending: false,
            draft: draft(duration(60)),
        }
    }

    fn choose_approver(&mut self, approver: User) {
        self.draft.approver_id = Some(approver.id);
        self.approver = Some(approver);
    }

    fn validate(&self) -> Result<(), DomainError> {
        let ctx = RequestContext {
            settings: &self.settings,
            requester: &self.requester,
            is_member: self.is_member,
            entry: &self.entry,
            permission_set: self.permission_set.as_ref(),
            approver: self.approver.as_ref(),
            vault_approvers: &APPROVERS,
            has_same_pending: self.has_same_pending,
            now: T0,
        };
        validate_new_request(&ctx, &self.draft)
    }
}

/// One change to the valid baseline, and the one message it must cause.
struct Refusal {
    name: &'static str,
    change: fn(&mut Case),
    field: Field,
    says: &'static str,
}

/// One change to the valid baseline that must still pass.
struct Acceptance {
    name: &'static str,
    change: fn(&mut Case),
}

/// The grace for a start in the past (300 s by default).
const GRACE: Span = Span::secs(300);
/// The longest access by default: one week.
const MAX: Span = Span::mins(10_080);

/// R-REQ-4, R-BEY-2: each rule refuses on its own field, and is the only thing wrong.
#[test]
fn validate_new_request_refuses_each_rule_on_its_field() {
    let rows = [
        Refusal {
            name: "end equal to start",
            change: |c| c.draft.terms.window = frame(at(hours(1)), at(hours(1))),
            field: Field::End,
            says: "the end must be after the start",
        },
        Refusal {
            name: "end before start",
            change: |c| c.draft.terms.window = frame(at(hours(2)), at(hours(1))),
            field: Field::End,
            says: "the end must be after the start",
        },
        Refusal {
            name: "start 1 ms beyond the grace",
            change: |c| c.draft.terms.window = frame(T0 - GRACE - MS, at(hours(1))),
            field: Field::Start,
            says: "the start is in the past",
        },
        Refusal {
            name: "start yesterday",
            change: |c| c.draft.terms.window = frame(T0 - hours(24), at(hours(1))),
            field: Field::Start,
            says: "the start is in the past",
        },
        Refusal {
            name: "duration 1 min over the maximum",
            change: |c| c.draft.terms.window = duration(10_081),
            field: Field::Duration,
            says: "the longest access allowed is 1 week",
        },
        Refusal {
            name: "duration of a lowered maximum",
            change: |c| {
                c.settings.max_length_mins = 240;
                c.draft.terms.window = duration(480);
            },
            field: Field::Duration,
            says: "the longest access allowed is 4 h",
        },
        Refusal {
            name: "duration of zero",
            change: |c| c.draft.terms.window = duration(0),
            field: Field::Duration,
            says: "longer than zero",
        },
        Refusal {
            name: "custom frame 1 ms over the maximum",
            change: |c| c.draft.terms.window = frame(T0, T0 + MAX + MS),
            field: Field::End,
            says: "longer than the 1 week allowed",
        },
        Refusal {
            name: "no approver",
            change: |c| {
                c.draft.approver_id = None;
                c.approver = None;
            },
            field: Field::Approver,
            says: "choose an approver",
        },
        Refusal {
            name: "approver is the requester",
            change: |c| c.choose_approver(user(ALICE)),
            field: Field::Approver,
            says: "you cannot approve your own request",
        },
        Refusal {
            name: "administrator choosing themselves",
            change: |c| {
                c.requester = user(ADMIN);
                c.choose_approver(user(ADMIN));
            },
            field: Field::Approver,
            says: "you cannot approve your own request",
        },
        Refusal {
            name: "approver is no approver of the vault",
            change: |c| c.choose_approver(user(DAVE)),
            field: Field::Approver,
            says: "Dave Member is not an approver of this vault",
        },
        Refusal {
            name: "approver is inactive",
            change: |c| c.choose_approver(inactive(BOB)),
            field: Field::Approver,
            says: "Bob Approver",
        },
        Refusal {
            name: "approver does not exist",
            change: |c| {
                c.draft.approver_id = Some(UserId(99));
                c.approver = None;
            },
            field: Field::Approver,
            says: "does not exist",
        },
        Refusal {
            name: "message of 2,001 ASCII characters",
            change: |c| c.draft.message = "a".repeat(2_001),
            field: Field::Message,
            says: "the message is 2001 characters long; the limit is 2,000",
        },
        Refusal {
            // 2,001 characters but 4,002 bytes: the count is of characters.
            name: "message of 2,001 two-byte characters",
            change: |c| c.draft.message = "é".repeat(2_001),
            field: Field::Message,
            says: "the message is 2001 characters long",
        },
        Refusal {
            name: "message required but empty",
            change: |c| {
                c.settings.message_required = true;
                c.draft.message = String::new();
            },
            field: Field::Message,
            says: "requires a message",
        },
        Refusal {
            name: "message required but only whitespace",
            change: |c| {
                c.settings.message_required = true;
                c.draft.message = " \t\n ".to_owned();
            },
            field: Field::Message,
            says: "requires a message",
        },
        Refusal {
            name: "temporary access disabled",
            change: |c| c.settings.temporary_access_enabled = false,
            field: Field::Workspace,
            says: "temporary access is disabled",
        },
        Refusal {
            name: "requester inactive",
            change: |c| c.requester = inactive(ALICE),
            field: Field::Workspace,
            says: "inactive",
        },
        Refusal {
            name: "second pending request for the same entry and set",
            change: |c| c.has_same_pending = true,
            field: Field::PermissionSet,
            says: "you already have a pending request for Reader on this entry",
        },
        Refusal {
            name: "no permission set",
            change: |c| c.permission_set = None,
            field: Field::PermissionSet,
            says: "choose a permission set",
        },
        Refusal {
            name: "folder entry",
            change: |c| c.entry = entry(EntryKind::Folder),
            field: Field::Entry,
            says: "not a folder",
        },
        Refusal {
            name: "not a member of the vault",
            change: |c| c.is_member = false,
            field: Field::Entry,
            says: "you are not a member of this vault",
        },
        Refusal {
            name: "start on first use with a custom frame",
            change: |c| {
                c.draft.terms.window = frame(at(hours(1)), at(hours(2)));
                c.draft.start_on_first_use = true;
            },
            field: Field::Start,
            says: "start on first use works with a duration",
        },
    ];
    assert_eq!(Case::baseline().validate(), Ok(()), "the baseline is valid");
    for row in rows {
        let mut case = Case::baseline();
        (row.change)(&mut case);
        let err = case.validate().expect_err(row.name);
        let errors = err.field_errors().unwrap();
        let message = errors
            .for_field(row.field)
            .unwrap_or_else(|| panic!("{}: no message on {:?}: {errors:?}", row.name, row.field));
        assert!(
            message.contains(row.says),
            "{}: {message:?} lacks {:?}",
            row.name,
            row.says
        );
        assert_eq!(
            errors.0.len(),
            1,
            "{}: only one problem: {errors:?}",
            row.name
        );
    }
}

/// R-REQ-4, R-BEY-2: the edges of each rule are accepted (grace, maximum, 2,000 characters, admins).
#[test]
fn validate_new_request_accepts_the_edges_of_each_rule() {
    let rows = [
        Acceptance {
            name: "baseline: 1 h duration",
            change: |_| {},
        },
        Acceptance {
            name: "custom frame in the future",
            change: |c| c.draft.terms.window = frame(at(hours(1)), at(hours(3))),
        },
        Acceptance {
            name: "custom frame starting now",
            change: |c| c.draft.terms.window = frame(T0, at(hours(1))),
        },
        Acceptance {
            name: "start exactly at the grace",
            change: |c| c.draft.terms.window = frame(T0 - GRACE, at(hours(1))),
        },
        Acceptance {
            name: "start within the grace",
            change: |c| c.draft.terms.window = frame(T0 - GRACE + MS, at(hours(1))),
        },
        Acceptance {
            name: "end 1 ms after start",
            change: |c| c.draft.terms.window = frame(at(hours(1)), at(hours(1)) + MS),
        },
        Acceptance {
            name: "duration of exactly the maximum",
            change: |c| c.draft.terms.window = duration(10_080),
        },
        Acceptance {
            name: "custom frame of exactly the maximum",
            change: |c| c.draft.terms.window = frame(T0, T0 + MAX),
        },
        Acceptance {
            name: "the other vault approver",
            change: |c| c.choose_approver(user(CAROL)),
        },
        Acceptance {
            name: "an administrator is an approver everywhere",
            change: |c| c.choose_approver(user(ADMIN)),
        },
        Acceptance {
            name: "message of 2,000 ASCII characters",
            change: |c| c.draft.message = "a".repeat(2_000),
        },
        Acceptance {
            name: "message of 2,000 two-byte characters (4,000 bytes)",
            change: |c| c.draft.message = "é".repeat(2_000),
        },
        Acceptance {
            name: "message of 2,000 four-byte characters (8,000 bytes)",
            change: |c| c.draft.message = "🔑".repeat(2_000),
        },
        Acceptance {
            name: "empty message when none is required",
            change: |c| c.draft.message = String::new(),
        },
        Acceptance {
            name: "message required and given",
            change: |c| c.settings.message_required = true,
        },
        Acceptance {
            name: "an administrator outside the vault",
            change: |c| {
                c.requester = user(ADMIN);
                c.is_member = false;
            },
        },
        Acceptance {
            name: "start on first use with a duration",
            change: |c| c.draft.start_on_first_use = true,
        },
    ];
    for row in rows {
        let mut case = Case::baseline();
        (row.change)(&mut case);
        assert_eq!(case.validate(), Ok(()), "{}", row.name);
    }
}

/// R-REQ-4: several problems are reported together, each next to its own field.
#[test]
fn validate_new_request_reports_every_problem_at_once() {
    let mut case = Case::baseline();
    case.entry = entry(EntryKind::Folder);
    case.draft.terms.window = frame(at(hours(2)), at(hours(1)));
    case.draft.approver_id = None;
    case.approver = None;
    case.draft.message = "x".repeat(2_001);
    case.has_same_pending = true;

    let err = case.validate().unwrap_err();
    let errors = err.field_errors().unwrap();
    for field in [
        Field::Entry,
        Field::End,
        Field::Approver,
        Field::Message,
        Field::PermissionSet,
    ] {
        assert!(
            errors.for_field(field).is_some(),
            "{field:?} missing: {errors:?}"
        );
    }
    assert_eq!(errors.0.len(), 5, "{errors:?}");
    // The display joins them all, so a status bar can show them together.
    let text = err.to_string();
    for error in &errors.0 {
        assert!(text.contains(&error.message), "{text:?} lacks {error:?}");
    }
}

// ---------------------------------------------------------------------------
// State transitions.
// ---------------------------------------------------------------------------

/// A decision taken on a fresh pending request at T0 + 10 min, and what it leaves.
struct Transition {
    name: &'static str,
    act: fn(&mut Request, Timestamp) -> Result<(), DomainError>,
    status: RequestStatus,
    phase: Phase,
    decided_by: Option<UserId>,
    ended_by: Option<UserId>,
}

/// R-REQ-6, R-APP-3, R-APP-5: pending → approved (granted), denied or cancelled, recording who and when.
#[test]
fn pending_request_moves_to_approved_denied_or_cancelled() {
    let rows = [
        Transition {
            name: "approved by the chosen approver",
            act: |r, now| {
                assert_eq!(decide(r, BOB, now)?, ApprovalOutcome::Granted);
                Ok(())
            },
            status: RequestStatus::Approved,
            phase: Phase::Active,
            decided_by: Some(BOB),
            ended_by: None,
        },
        Transition {
            name: "approved by another approver of the vault",
            act: |r, now| {
                assert_eq!(decide(r, CAROL, now)?, ApprovalOutcome::Granted);
                Ok(())
            },
            status: RequestStatus::Approved,
            phase: Phase::Active,
            decided_by: Some(CAROL),
            ended_by: None,
        },
        Transition {
            name: "approved by an administrator",
            act: |r, now| {
                assert_eq!(decide(r, ADMIN, now)?, ApprovalOutcome::Granted);
                Ok(())
            },
            status: RequestStatus::Approved,
            phase: Phase::Active,
            decided_by: Some(ADMIN),
            ended_by: None,
        },
        Transition {
            name: "denied by the chosen approver",
            act: |r, now| {
                check_can_decide(r, &user(BOB), &APPROVERS, now, &name_of)?;
                deny(r, BOB, "  not during the change freeze  ", now)
            },
            status: RequestStatus::Denied,
            phase: Phase::Denied,
            decided_by: Some(BOB),
            ended_by: None,
        },
        Transition {
            name: "cancelled by the requester",
            act: |r, now| cancel(r, &user(ALICE), now, &name_of),
            status: RequestStatus::Cancelled,
            phase: Phase::Cancelled,
            decided_by: None,
            ended_by: Some(ALICE),
        },
    ];
    let now = at(mins(10));
    for row in rows {
        let mut request = pending(duration(60));
        assert_eq!(request.phase(now), Phase::Pending, "{}", row.name);
        (row.act)(&mut request, now).unwrap_or_else(|e| panic!("{}: {e}", row.name));
        assert_eq!(request.status, row.status, "{}", row.name);
        assert_eq!(request.phase(now), row.phase, "{}", row.name);
        assert_eq!(request.decided_by, row.decided_by, "{}", row.name);
        assert_eq!(
            request.decided_at,
            row.decided_by.map(|_| now),
            "{}",
            row.name
        );
        assert_eq!(request.ended_by, row.ended_by, "{}", row.name);
        assert_eq!(request.ended_at, row.ended_by.map(|_| now), "{}", row.name);
        if row.status == RequestStatus::Denied {
            assert_eq!(request.decision_message, "not during the change freeze");
        }
        if row.status == RequestStatus::Approved {
            assert_eq!(request.decision_message, "go ahead", "{}", row.name);
            assert_eq!(request.approvals.len(), 1, "{}", row.name);
        }
    }
}

/// R-REQ-6: only the requester cancels, and only while the request is pending.
#[test]
fn only_the_requester_cancels_a_pending_request() {
    let now = at(mins(10));
    let mut request = pending(duration(60));
    let before = request.clone();
    for by in [BOB, ADMIN, DAVE] {
        assert_refused(
            &format!("cancel by {}", name_of(by)),
            cancel(&mut request, &user(by), now, &name_of),
            &Want::NotPermitted("only the requester can cancel"),
        );
        assert_eq!(request, before, "a refused cancel changes nothing");
    }

    let mut granted = approved(duration(60), at(mins(5)));
    assert_refused(
        "cancel after approval",
        cancel(&mut granted, &user(ALICE), now, &name_of),
        &Want::AlreadyHandled {
            outcome: "approved",
            by: "Bob Approver",
            at: at(mins(5)),
        },
    );
}

/// R-APP-7: a pending request lapses at exactly `pending_until_at`, not 1 ms before, and once.
#[test]
fn pending_request_lapses_exactly_at_its_ttl() {
    let s = settings();
    let mut request = pending(duration(60));
    let until = request.pending_until_at;
    assert_eq!(until, at(hours(24)), "default TTL is 24 h");

    assert_eq!(advance(&mut request, &s, until - MS), NO_EVENTS);
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(request.phase(until - MS), Phase::Pending);
    assert!(check_can_decide(&request, &user(BOB), &APPROVERS, until - MS, &name_of).is_ok());

    // Before `advance` runs, the phase and the decision check already see the lapse.
    assert_eq!(request.phase(until), Phase::Lapsed);
    assert_refused(
        "deciding at the TTL, not yet advanced",
        check_can_decide(&request, &user(BOB), &APPROVERS, until, &name_of),
        &Want::Lapsed(until),
    );

    assert_eq!(advance(&mut request, &s, until), vec![TimeEvent::Lapsed]);
    assert_eq!(request.status, RequestStatus::Lapsed);
    assert_eq!(request.ended_at, Some(until));
    assert_eq!(advance(&mut request, &s, until), NO_EVENTS, "only once");
    assert_eq!(advance(&mut request, &s, until + hours(1)), NO_EVENTS);
}

/// R-REQ-5, R-REQ-7, §1: an approved custom frame is scheduled, then active on `[start, end)`, then expired.
#[test]
fn approved_grant_is_scheduled_then_active_then_expired() {
    let start = at(hours(1));
    let end = at(hours(3));
    let request = approved(frame(start, end), at(mins(10)));
    let table = [
        ("at approval", at(mins(10)), Phase::Scheduled),
        ("1 ms before start", start - MS, Phase::Scheduled),
        ("at start", start, Phase::Active),
        ("1 ms before end", end - MS, Phase::Active),
        ("at end", end, Phase::Expired),
        ("a day later", end + hours(24), Phase::Expired),
    ];
    for (name, now, phase) in table {
        assert_eq!(request.phase(now), phase, "{name}");
        assert_eq!(
            phase.is_live_grant(),
            phase != Phase::Expired,
            "{name}: live"
        );
    }
    assert_eq!(
        request.status,
        RequestStatus::Approved,
        "phase is not stored"
    );
}

/// Who tries to end a grant, when, and what must happen.
struct EndAttempt {
    name: &'static str,
    by: User,
    now: Timestamp,
    want: Option<Want>,
}

/// R-REQ-7, R-APP-5: the requester, any vault approver or an administrator revokes a live grant; nobody else, and not once it ended.
#[test]
fn revoke_is_for_requester_approvers_and_admins_while_the_grant_lives() {
    let end = at(hours(1));
    let rows = [
        EndAttempt {
            name: "by the requester",
            by: user(ALICE),
            now: at(mins(10)),
            want: None,
        },
        EndAttempt {
            name: "by the approver who approved",
            by: user(BOB),
            now: at(mins(10)),
            want: None,
        },
        EndAttempt {
            name: "by another approver",
            by: user(CAROL),
            now: at(mins(10)),
            want: None,
        },
        EndAttempt {
            name: "by an administrator",
            by: user(ADMIN),
            now: at(mins(10)),
            want: None,
        },
        EndAttempt {
            name: "1 ms before the end",
            by: user(BOB),
            now: end - MS,
            want: None,
        },
        EndAttempt {
            name: "by a member who is no approver",
            by: user(DAVE),
            now: at(mins(10)),
            want: Some(Want::NotPermitted(
                "only the requester, an approver or an administrator",
            )),
        },
        EndAttempt {
            name: "by an inactive approver",
            by: inactive(CAROL),
            now: at(mins(10)),
            want: Some(Want::NotPermitted(
                "only the requester, an approver or an administrator",
            )),
        },
        EndAttempt {
            name: "at the end",
            by: user(BOB),
            now: end,
            want: Some(Want::WrongState("this access already ended at")),
        },
        EndAttempt {
            name: "after the end",
            by: user(ADMIN),
            now: end + hours(2),
            want: Some(Want::WrongState("already ended")),
        },
    ];
    for row in rows {
        let mut request = approved(duration(60), T0);
        let before = request.clone();
        let result = revoke(
            &mut request,
            &row.by,
            &APPROVERS,
            "  no longer needed  ",
            row.now,
        );
        if let Some(want) = &row.want {
            assert_refused(row.name, result, want);
            assert_eq!(request, before, "{}: a refusal changes nothing", row.name);
            continue;
        }
        assert_eq!(result, Ok(()), "{}", row.name);
        assert_eq!(request.status, RequestStatus::Revoked, "{}", row.name);
        assert_eq!(request.ended_by, Some(row.by.id), "{}", row.name);
        assert_eq!(request.ended_at, Some(row.now), "{}", row.name);
        assert_eq!(request.closing_note, "no longer needed", "{}", row.name);
        assert_eq!(request.effective_end_at(), Some(row.now), "{}", row.name);
        // Still inside the window, but gone at once (R-REQ-7).
        assert_eq!(request.phase(row.now), Phase::Revoked, "{}", row.name);
        assert_refused(
            &format!("{}: twice", row.name),
            revoke(&mut request, &user(BOB), &APPROVERS, "", row.now),
            &Want::WrongState("revoked and cannot be revoked"),
        );
    }

    let mut waiting = pending(duration(60));
    assert_refused(
        "revoking a pending request",
        revoke(&mut waiting, &user(BOB), &APPROVERS, "", at(mins(1))),
        &Want::WrongState("not been approved yet; cancel it instead"),
    );
    let mut scheduled = approved(frame(at(hours(1)), at(hours(2))), T0);
    assert_eq!(
        revoke(&mut scheduled, &user(BOB), &APPROVERS, "", at(mins(1))),
        Ok(())
    );
    assert_eq!(scheduled.phase(at(hours(1))), Phase::Revoked);
}

/// R-BEY-3: only the requester releases an active grant, with a note; not once it ended.
#[test]
fn release_is_for_the_requester_only() {
    let end = at(hours(1));
    let rows = [
        EndAttempt {
            name: "by the requester",
            by: user(ALICE),
            now: at(mins(20)),
            want: None,
        },
        EndAttempt {
            name: "by the requester 1 ms before the end",
            by: user(ALICE),
            now: end - MS,
            want: None,
        },
        EndAttempt {
            name: "by the approver",
            by: user(BOB),
            now: at(mins(20)),
            want: Some(Want::NotPermitted("only the requester can release")),
        },
        EndAttempt {
            name: "by an administrator",
            by: user(ADMIN),
            now: at(mins(20)),
            want: Some(Want::NotPermitted("only the requester can release")),
        },
        EndAttempt {
            name: "by the requester at the end",
            by: user(ALICE),
            now: end,
            want: Some(Want::WrongState("already ended")),
        },
    ];
    for row in rows {
        let mut request = approved(duration(60), T0);
        let before = request.clone();
        let result = release(&mut request, &row.by, " rotated the certificate ", row.now);
        if let Some(want) = &row.want {
            assert_refused(row.name, result, want);
            assert_eq!(request, before, "{}: a refusal changes nothing", row.name);
            continue;
        }
        assert_eq!(result, Ok(()), "{}", row.name);
        assert_eq!(request.status, RequestStatus::Released, "{}", row.name);
        assert_eq!(request.phase(row.now), Phase::Released, "{}", row.name);
        assert_eq!(request.ended_by, Some(ALICE), "{}", row.name);
        assert_eq!(request.ended_at, Some(row.now), "{}", row.name);
        assert_eq!(
            request.closing_note, "rotated the certificate",
            "{}",
            row.name
        );
    }

    let mut request = approved(duration(60), T0);
    assert_refused(
        "closing note of 2,001 characters",
        release(&mut request, &user(ALICE), &"n".repeat(2_001), at(mins(1))),
        &Want::Invalid(Field::Message, "2001 characters"),
    );
}

/// R-BEY-2: a first-use grant waits, starts at its claim with the full length, then expires.
#[test]
fn first_use_grant_waits_then_runs_from_its_claim() {
    let s = settings();
    let approved_at = at(mins(5));
    let mut request = first_use_pending(60);
    assert_eq!(
        decide(&mut request, BOB, approved_at),
        Ok(ApprovalOutcome::Granted)
    );
    let claim_by = approved_at + hours(24);
    assert_eq!(request.claim_by_at, Some(claim_by));
    assert_eq!((request.grant_start_at, request.grant_end_at), (None, None));
    assert_eq!(request.phase(approved_at), Phase::AwaitingFirstUse);
    assert_eq!(request.phase(claim_by - MS), Phase::AwaitingFirstUse);
    assert_eq!(advance(&mut request, &s, at(hours(2))), NO_EVENTS);

    let used_at = at(hours(2));
    assert!(claim_first_use(&mut request, used_at));
    assert_eq!(request.grant_start_at, Some(used_at));
    assert_eq!(request.grant_end_at, Some(used_at + hours(1)));
    assert_eq!(request.phase(used_at), Phase::Active);
    let claimed = request.clone();
    assert!(
        !claim_first_use(&mut request, used_at + mins(10)),
        "a second use does not restart the clock"
    );
    assert_eq!(request, claimed);

    let end = used_at + hours(1);
    assert_eq!(request.phase(end - MS), Phase::Active);
    assert_eq!(
        advance(&mut request, &s, end - mins(15)),
        vec![TimeEvent::ExpiringSoon]
    );
    assert_eq!(advance(&mut request, &s, end), vec![TimeEvent::Expired]);
    assert_eq!(request.phase(end), Phase::Expired);
    assert_eq!(request.status, RequestStatus::Approved);
}

/// R-BEY-2: an unused first-use grant lapses at claim-by without ever having been active.
#[test]
fn unclaimed_first_use_grant_lapses_at_claim_by() {
    let s = settings();
    let mut request = first_use_pending(60);
    assert_eq!(decide(&mut request, BOB, T0), Ok(ApprovalOutcome::Granted));
    let claim_by = request.claim_by_at.unwrap();

    assert_eq!(advance(&mut request, &s, claim_by - MS), NO_EVENTS);
    assert_eq!(request.status, RequestStatus::Approved);
    assert_eq!(request.phase(claim_by), Phase::Lapsed, "before advance too");
    assert!(
        !claim_first_use(&mut request.clone(), claim_by),
        "no claim at claim-by"
    );

    assert_eq!(advance(&mut request, &s, claim_by), vec![TimeEvent::Lapsed]);
    assert_eq!(request.status, RequestStatus::Lapsed);
    assert_eq!(request.ended_at, Some(claim_by));
    assert_eq!(request.grant_start_at, None, "never active");
    assert_eq!(advance(&mut request, &s, claim_by + hours(1)), NO_EVENTS);
    assert!(!claim_first_use(&mut request, claim_by + hours(1)));
}

/// A request brought into some state by T0 + 30 min.
struct Handled {
    name: &'static str,
    make: fn() -> Request,
    decide_at: Timestamp,
    want: Want,
}

/// R-APP-4: deciding a request that was handled already says how and by whom; first writer wins.
#[test]
fn deciding_a_handled_request_says_how_and_by_whom() {
    let rows = [
        Handled {
            name: "already approved",
            make: || approved(duration(60), at(mins(1))),
            decide_at: at(mins(30)),
            want: Want::AlreadyHandled {
                outcome: "approved",
                by: "Bob Approver",
                at: at(mins(1)),
            },
        },
        Handled {
            name: "already denied",
            make: || {
                let mut r = pending(duration(60));
                deny(&mut r, CAROL, "no", at(mins(2))).unwrap();
                r
            },
            decide_at: at(mins(30)),
            want: Want::AlreadyHandled {
                outcome: "denied",
                by: "Carol Approver",
                at: at(mins(2)),
            },
        },
        Handled {
            name: "already cancelled",
            make: || {
                let mut r = pending(duration(60));
                cancel(&mut r, &user(ALICE), at(mins(3)), &name_of).unwrap();
                r
            },
            decide_at: at(mins(30)),
            want: Want::AlreadyHandled {
                outcome: "cancelled",
                by: "Alice Requester",
                at: at(mins(3)),
            },
        },
        Handled {
            name: "approved, then revoked",
            make: || {
                let mut r = approved(duration(60), at(mins(1)));
                revoke(&mut r, &user(ADMIN), &APPROVERS, "", at(mins(4))).unwrap();
                r
            },
            decide_at: at(mins(30)),
            want: Want::AlreadyHandled {
                outcome: "approved",
                by: "Bob Approver",
                at: at(mins(1)),
            },
        },
        Handled {
            name: "approved, then released",
            make: || {
                let mut r = approved(duration(60), at(mins(1)));
                release(&mut r, &user(ALICE), "", at(mins(4))).unwrap();
                r
            },
            decide_at: at(mins(30)),
            want: Want::AlreadyHandled {
                outcome: "approved",
                by: "Bob Approver",
                at: at(mins(1)),
            },
        },
        Handled {
            name: "lapsed",
            make: || {
                let mut r = pending(duration(60));
                advance(&mut r, &settings(), at(hours(25)));
                r
            },
            decide_at: at(hours(25)),
            want: Want::Lapsed(at(hours(24))),
        },
    ];
    for row in rows {
        let mut request = (row.make)();
        let before = request.clone();
        assert_refused(
            row.name,
            check_can_decide(&request, &user(ADMIN), &APPROVERS, row.decide_at, &name_of),
            &row.want,
        );
        assert_refused(
            &format!("{}: cancel", row.name),
            cancel(&mut request, &user(ALICE), row.decide_at, &name_of),
            &row.want,
        );
        assert_eq!(request, before, "{}", row.name);
    }

    // Two approvers open the same pending request; Bob stores first, Carol's
    // decision is then checked against the stored state.
    let mut stored = pending(duration(60));
    let carols_copy = stored.clone();
    assert!(
        check_can_decide(
            &carols_copy,
            &user(CAROL),
            &APPROVERS,
            at(mins(1)),
            &name_of
        )
        .is_ok()
    );
    assert_eq!(
        decide(&mut stored, BOB, at(mins(1))),
        Ok(ApprovalOutcome::Granted)
    );
    assert_refused(
        "the second writer",
        check_can_decide(&stored, &user(CAROL), &APPROVERS, at(mins(1)), &name_of),
        &Want::AlreadyHandled {
            outcome: "approved",
            by: "Bob Approver",
            at: at(mins(1)),
        },
    );
}

/// §1, R-APP-4: nobody decides their own request (administrators included); non-approvers and inactive approvers are refused.
#[test]
fn only_an_eligible_approver_other_than_the_requester_decides() {
    let now = at(mins(1));
    let alices = pending(duration(60));
    let admins = pending_from(ADMIN, &draft(duration(60)));
    let rows = [
        (
            "the requester",
            &alices,
            user(ALICE),
            Want::NotPermitted("you cannot decide your own request"),
        ),
        (
            "an administrator who is the requester",
            &admins,
            user(ADMIN),
            Want::NotPermitted("you cannot decide your own request"),
        ),
        (
            "a member who is no approver",
            &alices,
            user(DAVE),
            Want::NotPermitted("you are not an approver of this vault"),
        ),
        (
            "an inactive approver",
            &alices,
            inactive(BOB),
            Want::NotPermitted("you are not an approver of this vault"),
        ),
        (
            "an inactive administrator",
            &alices,
            inactive(ADMIN),
            Want::NotPermitted("you are not an approver of this vault"),
        ),
    ];
    for (name, request, decider, want) in rows {
        assert_refused(
            name,
            check_can_decide(request, &decider, &APPROVERS, now, &name_of),
            &want,
        );
    }
    for decider in [BOB, CAROL, ADMIN] {
        assert!(
            check_can_decide(&alices, &user(decider), &APPROVERS, now, &name_of).is_ok(),
            "{}",
            name_of(decider)
        );
    }
    assert!(check_can_decide(&admins, &user(BOB), &APPROVERS, now, &name_of).is_ok());
}

// ---------------------------------------------------------------------------
// R-REQ-5: where the grant's window comes from.
// ---------------------------------------------------------------------------

/// A request, how and when it is approved, and the window it must get.
struct WindowCase {
    name: &'static str,
    requested: AccessWindow,
    changed_to: Option<AccessWindow>,
    extends_until: Option<Timestamp>,
    approved_at: Timestamp,
    start: Timestamp,
    end: Timestamp,
}

/// R-REQ-5, R-REQ-9: a duration runs from approval, a custom frame as asked (never from before approval), an extension from the previous end.
#[test]
fn grant_window_follows_approval_time() {
    let rows = [
        WindowCase {
            name: "duration approved at once",
            requested: duration(30),
            changed_to: None,
            extends_until: None,
            approved_at: T0,
            start: T0,
            end: at(mins(30)),
        },
        WindowCase {
            name: "duration approved 3 h later runs from approval",
            requested: duration(60),
            changed_to: None,
            extends_until: None,
            approved_at: at(hours(3)),
            start: at(hours(3)),
            end: at(hours(4)),
        },
        WindowCase {
            name: "custom frame kept",
            requested: frame(at(hours(1)), at(hours(3))),
            changed_to: None,
            extends_until: None,
            approved_at: at(mins(10)),
            start: at(hours(1)),
            end: at(hours(3)),
        },
        WindowCase {
            name: "custom frame approved at its start",
            requested: frame(at(hours(1)), at(hours(3))),
            changed_to: None,
            extends_until: None,
            approved_at: at(hours(1)),
            start: at(hours(1)),
            end: at(hours(3)),
        },
        WindowCase {
            name: "approval after the requested start runs to the requested end",
            requested: frame(at(hours(1)), at(hours(3))),
            changed_to: None,
            extends_until: None,
            approved_at: at(hours(2)),
            start: at(hours(2)),
            end: at(hours(3)),
        },
        WindowCase {
            name: "approval 1 ms before the requested end",
            requested: frame(at(hours(1)), at(hours(3))),
            changed_to: None,
            extends_until: None,
            approved_at: at(hours(3)) - MS,
            start: at(hours(3)) - MS,
            end: at(hours(3)),
        },
        WindowCase {
            name: "approver shortens the duration",
            requested: duration(60),
            changed_to: Some(duration(30)),
            extends_until: None,
            approved_at: at(mins(5)),
            start: at(mins(5)),
            end: at(mins(35)),
        },
        WindowCase {
            name: "approver moves the custom frame",
            requested: frame(at(hours(1)), at(hours(3))),
            changed_to: Some(frame(at(hours(2)), at(hours(4)))),
            extends_until: None,
            approved_at: at(mins(5)),
            start: at(hours(2)),
            end: at(hours(4)),
        },
        WindowCase {
            name: "approver turns a duration into a custom frame",
            requested: duration(60),
            changed_to: Some(frame(at(hours(5)), at(hours(6)))),
            extends_until: None,
            approved_at: at(mins(5)),
            start: at(hours(5)),
            end: at(hours(6)),
        },
        WindowCase {
            name: "extension approved while the first grant runs starts at its end",
            requested: duration(60),
            changed_to: None,
            extends_until: Some(at(mins(30))),
            approved_at: at(mins(10)),
            start: at(mins(30)),
            end: at(mins(90)),
        },
        WindowCase {
            name: "extension approved exactly at the first grant's end",
            requested: duration(60),
            changed_to: None,
            extends_until: Some(at(mins(30))),
            approved_at: at(mins(30)),
            start: at(mins(30)),
            end: at(mins(90)),
        },
        WindowCase {
            name: "extension approved after the first grant ended starts at approval",
            requested: duration(60),
            changed_to: None,
            extends_until: Some(at(mins(30))),
            approved_at: at(mins(40)),
            start: at(mins(40)),
            end: at(mins(100)),
        },
    ];
    for row in rows {
        let mut draft = draft(row.requested);
        if row.extends_until.is_some() {
            draft.extends_request_id = Some(RequestId(99));
        }
        let mut request = pending_from(ALICE, &draft);
        let input = ApprovalInput {
            terms: row.changed_to.map(reader_terms),
            message: String::new(),
        };
        check_can_decide(&request, &user(BOB), &APPROVERS, row.approved_at, &name_of).unwrap();
        let outcome = approve(
            &mut request,
            BOB,
            &input,
            &quorum(1),
            &settings(),
            row.extends_until,
            row.approved_at,
        );
        assert_eq!(outcome, Ok(ApprovalOutcome::Granted), "{}", row.name);
        assert_eq!(
            (request.grant_start_at, request.grant_end_at),
            (Some(row.start), Some(row.end)),
            "{}",
            row.name
        );
        assert_eq!(request.claim_by_at, None, "{}", row.name);
        assert_eq!(request.decided_at, Some(row.approved_at), "{}", row.name);
        let kind = if row.extends_until.is_some() {
            RequestKind::Extension
        } else {
            RequestKind::Standard
        };
        assert_eq!(request.kind, kind, "{}", row.name);
    }
}

/// R-REQ-5: an approval that comes after the requested end is refused on the end field, and changes nothing.
#[test]
fn approval_after_the_requested_end_is_refused() {
    let end = at(hours(3));
    for (name, now) in [
        ("at the end", end),
        ("an hour after the end", end + hours(1)),
    ] {
        let mut request = pending(frame(at(hours(1)), end));
        let before = request.clone();
        assert!(check_can_decide(&request, &user(BOB), &APPROVERS, now, &name_of).is_ok());
        assert_refused(
            name,
            approve(
                &mut request,
                BOB,
                &as_requested(),
                &quorum(1),
                &settings(),
                None,
                now,
            ),
            &Want::Invalid(Field::End, "the time frame has already ended"),
        );
        assert_eq!(request, before, "{name}: nothing recorded");
    }
}

/// R-REQ-5, R-REQ-7, R-APP-3: changes by the approver are kept beside what was asked, and checked like a request.
#[test]
fn approver_modifications_are_kept_beside_the_request() {
    let now = at(mins(5));
    let asked = reader_terms(duration(60));

    let mut unchanged = pending(duration(60));
    approve(
        &mut unchanged,
        BOB,
        &as_requested(),
        &quorum(1),
        &settings(),
        None,
        now,
    )
    .unwrap();
    assert!(!unchanged.is_modified(), "approved as requested");
    assert_eq!(unchanged.authorized, Some(asked));
    // Passing the same terms explicitly is no modification either.
    let mut same = pending(duration(60));
    let input = ApprovalInput {
        terms: Some(asked),
        message: String::new(),
    };
    approve(&mut same, BOB, &input, &quorum(1), &settings(), None, now).unwrap();
    assert!(!same.is_modified());

    let changed = Terms {
        permission_set_id: OPERATOR,
        window: duration(30),
    };
    let mut modified = pending(duration(60));
    assert!(!modified.is_modified(), "nothing authorized yet");
    let input = ApprovalInput {
        terms: Some(changed),
        message: "30 min is enough; you need to connect".to_owned(),
    };
    assert_eq!(
        approve(
            &mut modified,
            BOB,
            &input,
            &quorum(1),
            &settings(),
            None,
            now
        ),
        Ok(ApprovalOutcome::Granted)
    );
    assert!(modified.is_modified());
    assert_eq!(modified.requested, asked, "what was asked is kept");
    assert_eq!(modified.authorized, Some(changed));
    assert_eq!(modified.effective_terms(), changed);
    assert_eq!(modified.grant_end_at, Some(now + mins(30)));
    assert_eq!(
        modified.decision_message,
        "30 min is enough; you need to connect"
    );

    let rows = [
        (
            "changed to over the maximum",
            duration(10_081),
            Want::Invalid(Field::Duration, "the longest access allowed"),
        ),
        (
            "changed to a frame that already ended",
            frame(T0 - hours(2), T0 - hours(1)),
            Want::Invalid(Field::End, "already ended"),
        ),
        (
            "changed to an end before the start",
            frame(at(hours(2)), at(hours(1))),
            Want::Invalid(Field::End, "after the start"),
        ),
    ];
    for (name, window, want) in rows {
        let mut request = pending(duration(60));
        let before = request.clone();
        let input = ApprovalInput {
            terms: Some(reader_terms(window)),
            message: String::new(),
        };
        assert_refused(
            name,
            approve(
                &mut request,
                BOB,
                &input,
                &quorum(1),
                &settings(),
                None,
                now,
            ),
            &want,
        );
        assert_eq!(request, before, "{name}: nothing recorded");
    }
    // An approver's message has the same limit as the request's.
    let mut request = pending(duration(60));
    let input = ApprovalInput {
        terms: None,
        message: "é".repeat(2_001),
    };
    assert_refused(
        "approval message of 2,001 characters",
        approve(
            &mut request,
            BOB,
            &input,
            &quorum(1),
            &settings(),
            None,
            now,
        ),
        &Want::Invalid(Field::Message, "2001 characters"),
    );
    assert_refused(
        "denial message of 2,001 characters",
        deny(&mut request, BOB, &"é".repeat(2_001), now),
        &Want::Invalid(Field::Message, "2001 characters"),
    );
    assert_eq!(request.status, RequestStatus::Pending);
}

// ---------------------------------------------------------------------------
// R-BEY-4: quorum.
// ---------------------------------------------------------------------------

/// R-BEY-4: two distinct approvals are needed; the first sets the terms; the same approver cannot count twice.
#[test]
fn quorum_needs_distinct_approvals_on_the_first_terms() {
    let s = settings();
    let mut request = pending(duration(60));
    let first = Terms {
        permission_set_id: READER,
        window: duration(30),
    };
    let input = ApprovalInput {
        terms: Some(first),
        message: "fine by me".to_owned(),
    };
    check_can_decide(&request, &user(BOB), &APPROVERS, at(mins(1)), &name_of).unwrap();
    assert_eq!(
        approve(&mut request, BOB, &input, &quorum(2), &s, None, at(mins(1))),
        Ok(ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        })
    );
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(request.phase(at(mins(1))), Phase::Pending);
    assert_eq!((request.grant_start_at, request.grant_end_at), (None, None));
    assert_eq!(request.decided_by, None);
    assert!(request.has_approval_from(BOB));
    assert!(!request.has_approval_from(CAROL));

    assert_refused(
        "the same approver again",
        check_can_decide(&request, &user(BOB), &APPROVERS, at(mins(2)), &name_of),
        &Want::WrongState("you have already approved this request"),
    );

    let other = ApprovalInput {
        terms: Some(reader_terms(duration(120))),
        message: String::new(),
    };
    check_can_decide(&request, &user(CAROL), &APPROVERS, at(mins(3)), &name_of).unwrap();
    let before = request.clone();
    assert_refused(
        "a later approver changing the terms",
        approve(
            &mut request,
            CAROL,
            &other,
            &quorum(2),
            &s,
            None,
            at(mins(3)),
        ),
        &Want::Invalid(Field::Workspace, "the first approval sets the terms"),
    );
    assert_eq!(request, before, "nothing recorded");

    // Carol approves the terms she is shown: those Bob set.
    let shown = ApprovalInput {
        terms: Some(first),
        message: "go ahead".to_owned(),
    };
    assert_eq!(
        approve(
            &mut request,
            CAROL,
            &shown,
            &quorum(2),
            &s,
            None,
            at(mins(4))
        ),
        Ok(ApprovalOutcome::Granted)
    );
    assert_eq!(request.status, RequestStatus::Approved);
    assert_eq!(request.decided_by, Some(CAROL));
    assert_eq!(
        request
            .approvals
            .iter()
            .map(|a| (a.approver_id, a.approved_at))
            .collect::<Vec<_>>(),
        vec![(BOB, at(mins(1))), (CAROL, at(mins(4)))],
        "each approval is shown"
    );
    assert_eq!(
        request.authorized,
        Some(first),
        "the first approval's terms"
    );
    assert_eq!(
        (request.grant_start_at, request.grant_end_at),
        (Some(at(mins(4))), Some(at(mins(34)))),
        "the clock starts when the quorum is complete"
    );

    // A quorum of 0 is read as 1 (the default).
    let mut single = pending(duration(60));
    assert_eq!(
        approve(&mut single, BOB, &as_requested(), &quorum(0), &s, None, T0),
        Ok(ApprovalOutcome::Granted)
    );
}

/// R-BEY-4: any deny denies, even after some approvals.
#[test]
fn any_deny_denies_a_partly_approved_request() {
    let mut request = pending(duration(60));
    assert_eq!(
        approve(
            &mut request,
            BOB,
            &as_requested(),
            &quorum(2),
            &settings(),
            None,
            at(mins(1))
        ),
        Ok(ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        })
    );
    check_can_decide(&request, &user(CAROL), &APPROVERS, at(mins(2)), &name_of).unwrap();
    assert_eq!(
        deny(&mut request, CAROL, "not this week", at(mins(2))),
        Ok(())
    );
    assert_eq!(request.status, RequestStatus::Denied);
    assert_eq!(request.phase(at(mins(2))), Phase::Denied);
    assert_eq!(request.decided_by, Some(CAROL));
    assert_eq!(request.grant_start_at, None);
    assert_refused(
        "a third approver after the deny",
        check_can_decide(&request, &user(ADMIN), &APPROVERS, at(mins(3)), &name_of),
        &Want::AlreadyHandled {
            outcome: "denied",
            by: "Carol Approver",
            at: at(mins(2)),
        },
    );
}

// ---------------------------------------------------------------------------
// R-NOT-1, R-TIME-2: what time does to a grant.
// ---------------------------------------------------------------------------

/// R-NOT-1: the warning comes at `end − min(lead, length / 4)`.
#[test]
fn expiring_soon_is_the_smaller_of_lead_and_a_quarter() {
    let end = at(hours(8));
    let rows = [
        ("8 h grant, 1 h lead", hours(8), hours(1), hours(1)),
        ("4 h grant, 1 h lead", hours(4), hours(1), hours(1)),
        ("1 h grant, 1 h lead", hours(1), hours(1), mins(15)),
        (
            "15 min grant, 1 h lead",
            mins(15),
            hours(1),
            Span::secs(225),
        ),
        ("8 h grant, 10 min lead", hours(8), mins(10), mins(10)),
        ("8 h grant, no lead", hours(8), Span::ZERO, Span::ZERO),
    ];
    for (name, length, lead, before_end) in rows {
        assert_eq!(
            expiring_soon_at(end - length, end, lead),
            end - before_end,
            "{name}"
        );
    }
}

/// One call of `advance` and what it must return.
struct Tick {
    name: &'static str,
    now: Timestamp,
    events: &'static [TimeEvent],
    next: Option<Timestamp>,
}

/// R-NOT-1, R-TIME-2: `advance` gives ExpiringSoon and Expired once each, exactly at their instants; `next_time_event_at` points at them.
#[test]
fn advance_emits_each_time_event_once_at_its_instant() {
    use TimeEvent::{Expired, ExpiringSoon};
    let s = settings();
    // (grant length in minutes, warning before the end)
    for (length_mins, before_end) in [(480, hours(1)), (60, mins(15))] {
        let mut request = approved(duration(length_mins), T0);
        let end = T0 + Span::mins(i64::from(length_mins));
        let soon = end - before_end;
        let ticks = [
            Tick {
                name: "at approval",
                now: T0,
                events: &[],
                next: Some(soon),
            },
            Tick {
                name: "1 ms before the warning",
                now: soon - MS,
                events: &[],
                next: Some(soon),
            },
            Tick {
                name: "at the warning",
                now: soon,
                events: &[ExpiringSoon],
                next: Some(end),
            },
            Tick {
                name: "at the warning again",
                now: soon,
                events: &[],
                next: Some(end),
            },
            Tick {
                name: "1 ms before the end",
                now: end - MS,
                events: &[],
                next: Some(end),
            },
            Tick {
                name: "at the end",
                now: end,
                events: &[Expired],
                next: None,
            },
            Tick {
                name: "at the end again",
                now: end,
                events: &[],
                next: None,
            },
            Tick {
                name: "a day later",
                now: end + hours(24),
                events: &[],
                next: None,
            },
        ];
        for tick in ticks {
            let name = format!("{length_mins} min grant, {}", tick.name);
            assert_eq!(advance(&mut request, &s, tick.now), tick.events, "{name}");
            assert_eq!(
                next_time_event_at(&request, &s, tick.now),
                tick.next,
                "{name}"
            );
            assert_eq!(request.status, RequestStatus::Approved, "{name}");
        }
    }
}

/// R-NOT-1, R-TIME-2: when the first look comes at or after the end (the app was closed), the warning is skipped and the expiry recorded once.
#[test]
fn advance_after_the_end_skips_the_warning_but_records_expiry() {
    let s = settings();
    for (name, late) in [
        ("exactly at the end", Span::ZERO),
        ("1 ms after the end", MS),
        ("a week after the end", hours(168)),
    ] {
        let mut request = approved(duration(60), T0);
        let now = at(hours(1)) + late;
        assert_eq!(
            advance(&mut request, &s, now),
            vec![TimeEvent::Expired],
            "{name}"
        );
        assert!(request.expiring_soon_notified, "{name}: never later either");
        assert!(request.expiry_recorded, "{name}");
        assert_eq!(
            advance(&mut request, &s, now + hours(1)),
            NO_EVENTS,
            "{name}"
        );
        assert_eq!(next_time_event_at(&request, &s, now), None, "{name}");
    }

    // Revoked or released grants never expire or warn.
    let mut revoked = approved(duration(60), T0);
    revoke(&mut revoked, &user(BOB), &APPROVERS, "", at(mins(10))).unwrap();
    assert_eq!(advance(&mut revoked, &s, at(mins(50))), NO_EVENTS);
    assert_eq!(advance(&mut revoked, &s, at(hours(2))), NO_EVENTS);
    assert_eq!(next_time_event_at(&revoked, &s, at(mins(10))), None);
}

/// R-TIME-2, R-NOT-1, R-APP-7, R-BEY-2: `next_time_event_at` names the next instant the request changes.
#[test]
fn next_time_event_at_points_to_the_next_change() {
    let s = settings();
    let scheduled = approved(frame(at(hours(1)), at(hours(2))), T0);
    let mut first_use = first_use_pending(60);
    decide(&mut first_use, BOB, T0).unwrap();
    let mut denied = pending(duration(60));
    deny(&mut denied, BOB, "", T0).unwrap();
    let rows = [
        (
            "pending: its TTL",
            pending(duration(60)),
            T0,
            Some(at(hours(24))),
        ),
        (
            "pending at its TTL",
            pending(duration(60)),
            at(hours(24)),
            None,
        ),
        (
            "scheduled: its start",
            scheduled.clone(),
            at(mins(10)),
            Some(at(hours(1))),
        ),
        (
            "started: its warning (1 h frame → 15 min before the end)",
            scheduled,
            at(hours(1)),
            Some(at(hours(2)) - mins(15)),
        ),
        (
            "awaiting first use: its claim-by",
            first_use.clone(),
            at(mins(10)),
            Some(at(hours(24))),
        ),
        (
            "awaiting first use at claim-by",
            first_use,
            at(hours(24)),
            None,
        ),
        ("denied: nothing", denied, T0, None),
    ];
    for (name, request, now, want) in rows {
        assert_eq!(next_time_event_at(&request, &s, now), want, "{name}");
    }
}

// ---------------------------------------------------------------------------
// §1, R-TIME-2, R-BEY-8: effective access from approved requests.
// ---------------------------------------------------------------------------

fn facts(grants: Vec<(i64, Request)>) -> AccessFacts {
    AccessFacts {
        grants: grants
            .into_iter()
            .map(|(id, mut request)| {
                request.id = RequestId(id);
                GrantFact {
                    request_id: RequestId(id),
                    permissions: reader().permissions,
                    request,
                }
            })
            .collect(),
        allow_reveal_password: true,
        ..AccessFacts::default()
    }
}

/// §1, R-TIME-2, R-REQ-7: a grant approved through `approve` gives access on `[start, end)` exactly, and none after a revoke.
#[test]
fn access_ends_exactly_at_an_approved_grants_end() {
    let approved_at = at(mins(10));
    let end = approved_at + hours(1);
    let access = facts(vec![(1, approved(duration(60), approved_at))]);
    let table = [
        ("1 ms before approval", approved_at - MS, false),
        ("at approval", approved_at, true),
        ("1 ms before the end", end - MS, true),
        ("at the end", end, false),
        ("1 ms after the end", end + MS, false),
    ];
    for (name, now, allowed) in table {
        let result = access.authorize(Permission::ViewPassword, now);
        if allowed {
            assert_eq!(result, Ok(AccessSource::Grant(RequestId(1))), "{name}");
        } else {
            assert_refused(
                name,
                result,
                &Want::NotPermitted("you don't have the “View password” permission"),
            );
        }
        assert_eq!(
            access
                .effective_permissions(now)
                .contains(Permission::ViewPassword),
            allowed,
            "{name}"
        );
        assert!(
            access.authorize(Permission::Connect, now).is_err(),
            "{name}: Reader never connects"
        );
    }

    // R-REQ-7: after a revoke, access is gone at once, though the window still runs.
    let revoked_at = end - mins(30);
    let mut request = approved(duration(60), approved_at);
    assert!(
        facts(vec![(1, request.clone())])
            .authorize(Permission::ViewPassword, revoked_at)
            .is_ok()
    );
    revoke(&mut request, &user(BOB), &APPROVERS, "", revoked_at).unwrap();
    let access = facts(vec![(1, request)]);
    for now in [revoked_at, revoked_at + MS, end - MS] {
        assert!(
            access.authorize(Permission::ViewPassword, now).is_err(),
            "revoked, at {now:?}"
        );
        assert_eq!(access.effective_permissions(now), Permissions::NONE);
    }
}

/// R-REQ-9, R-BEY-8: an extension continues without a gap, and an earlier grant ending never cuts a later one short.
#[test]
fn extension_continues_without_a_gap_and_overlaps_combine() {
    let first = approved(duration(60), T0);
    let first_end = first.grant_end_at.unwrap();
    let mut extension_draft = draft(duration(60));
    extension_draft.extends_request_id = Some(RequestId(1));
    let mut extension = pending_from(ALICE, &extension_draft);
    approve(
        &mut extension,
        BOB,
        &as_requested(),
        &quorum(1),
        &settings(),
        Some(first_end),
        at(mins(40)),
    )
    .unwrap();
    let overlapping = approved(frame(at(mins(30)), at(hours(3))), T0);

    let access = facts(vec![(1, first.clone()), (2, extension.clone())]);
    let table = [
        ("first grant", first_end - MS, Some(1)),
        ("extension takes over at the first end", first_end, Some(2)),
        ("extension 1 ms before its end", at(hours(2)) - MS, Some(2)),
        ("both over", at(hours(2)), None),
    ];
    for (name, now, source) in table {
        let result = access.authorize(Permission::ViewPassword, now).ok();
        assert_eq!(
            result,
            source.map(|id| AccessSource::Grant(RequestId(id))),
            "{name}"
        );
    }

    let access = facts(vec![(1, first), (3, overlapping)]);
    assert!(
        access
            .authorize(Permission::ViewPassword, first_end)
            .is_ok(),
        "the later grant still runs when the earlier ends"
    );
    assert!(
        access
            .authorize(Permission::ViewPassword, at(hours(3)) - MS)
            .is_ok()
    );
    assert!(
        access
            .authorize(Permission::ViewPassword, at(hours(3)))
            .is_err()
    );
}

/// R-BEY-2: a first-use grant is claimable until claim-by, then runs its full length from the claim.
#[test]
fn first_use_access_is_claimed_then_runs() {
    let mut request = first_use_pending(60);
    decide(&mut request, BOB, T0).unwrap();
    let claim_by = request.claim_by_at.unwrap();
    let access = facts(vec![(7, request.clone())]);
    assert_eq!(
        access.authorize(Permission::ViewPassword, at(hours(2))),
        Ok(AccessSource::FirstUse(RequestId(7)))
    );
    assert!(
        access
            .authorize(Permission::ViewPassword, claim_by)
            .is_err()
    );

    assert!(claim_first_use(&mut request, at(hours(2))));
    let access = facts(vec![(7, request)]);
    assert_eq!(
        access.authorize(Permission::ViewPassword, at(hours(3)) - MS),
        Ok(AccessSource::Grant(RequestId(7)))
    );
    assert!(
        access
            .authorize(Permission::ViewPassword, at(hours(3)))
            .is_err()
    );
}

// ---------------------------------------------------------------------------
// R-BEY-5, R-ADM-3: self-granted and direct access.
// ---------------------------------------------------------------------------

/// R-BEY-5: break glass needs the vault's permission, a member, an item, a reason, and at most the emergency limit.
#[test]
fn break_glass_is_checked_against_the_vault_limit() {
    struct Glass {
        name: &'static str,
        allowed: bool,
        kind: EntryKind,
        is_member: bool,
        mins: u32,
        reason: String,
        want: Option<(Field, &'static str)>,
    }
    let ok = |name| Glass {
        name,
        allowed: true,
        kind: EntryKind::Rdp,
        is_member: true,
        mins: 60,
        reason: "production is down".to_owned(),
        want: None,
    };
    let rows = [
        ok("valid"),
        Glass {
            mins: 120,
            ..ok("exactly the limit")
        },
        Glass {
            reason: "é".repeat(2_000),
            ..ok("reason of 2,000 characters")
        },
        Glass {
            allowed: false,
            want: Some((Field::Workspace, "does not allow emergency access")),
            ..ok("vault does not allow it")
        },
        Glass {
            kind: EntryKind::Folder,
            want: Some((Field::Entry, "not a folder")),
            ..ok("folder")
        },
        Glass {
            is_member: false,
            want: Some((Field::Entry, "not a member")),
            ..ok("non-member")
        },
        Glass {
            mins: 0,
            want: Some((Field::Duration, "longer than zero")),
            ..ok("zero length")
        },
        Glass {
            mins: 121,
            want: Some((Field::Duration, "at most 2 h")),
            ..ok("over the limit")
        },
        Glass {
            reason: "   ".to_owned(),
            want: Some((Field::Message, "needs a reason")),
            ..ok("blank reason")
        },
        Glass {
            reason: "é".repeat(2_001),
            want: Some((Field::Message, "2001 characters")),
            ..ok("reason of 2,001 characters")
        },
    ];
    for row in rows {
        let result = validate_break_glass(
            row.allowed,
            120,
            &entry(row.kind),
            row.is_member,
            row.mins,
            &row.reason,
        );
        match row.want {
            None => assert_eq!(result, Ok(()), "{}", row.name),
            Some((field, says)) => assert_refused(row.name, result, &Want::Invalid(field, says)),
        }
    }
}

/// R-ADM-3: a direct grant's window is checked like an approval's (a past start is fine, an ended frame is not).
#[test]
fn direct_grant_is_checked_like_an_approval() {
    let s = settings();
    assert_eq!(validate_direct_grant(duration(60), &s, "", T0), Ok(()));
    assert_eq!(
        validate_direct_grant(frame(T0 - hours(1), at(hours(1))), &s, "", T0),
        Ok(()),
        "an administrator may start from the past"
    );
    let rows = [
        (
            "over the maximum",
            duration(10_081),
            String::new(),
            Want::Invalid(Field::Duration, "the longest access"),
        ),
        (
            "already ended",
            frame(T0 - hours(2), T0),
            String::new(),
            Want::Invalid(Field::End, "already ended"),
        ),
        (
            "message too long",
            duration(60),
            "x".repeat(2_001),
            Want::Invalid(Field::Message, "2001 characters"),
        ),
    ];
    for (name, window, message, want) in rows {
        assert_refused(name, validate_direct_grant(window, &s, &message, T0), &want);
    }
}

// ---------------------------------------------------------------------------
// Found while writing these tests.
// ---------------------------------------------------------------------------

/// R-APP-4, R-BEY-2: a first-use grant that lapsed unused was decided; deciding it again must say who approved it, not "lapsed without a decision".
#[test]
fn lapsed_first_use_grant_is_reported_as_approved_not_undecided() {
    let mut request = first_use_pending(60);
    decide(&mut request, BOB, at(mins(1))).unwrap();
    let claim_by = request.claim_by_at.unwrap();
    let want = Want::AlreadyHandled {
        outcome: "approved",
        by: "Bob Approver",
        at: at(mins(1)),
    };
    // Before `advance` records the lapse, the check says who approved it…
    assert_refused(
        "unclaimed, not yet advanced",
        check_can_decide(&request, &user(CAROL), &APPROVERS, claim_by, &name_of),
        &want,
    );
    // …and it must say the same once the lapse is stored.
    advance(&mut request, &settings(), claim_by);
    assert_eq!(request.status, RequestStatus::Lapsed);
    assert_refused(
        "unclaimed, lapse stored",
        check_can_decide(&request, &user(CAROL), &APPROVERS, claim_by, &name_of),
        &want,
    );
}

// ---------------------------------------------------------------------------
// Issue 10: what a second approver and absurd dates can still break.
// ---------------------------------------------------------------------------

/// R-BEY-4, R-APP-3: Bob approves a quorum-2 request with modifications;
/// Carol, shown the request as asked, approves it: refused, naming Bob and
/// when, and nothing is recorded. Approving the terms Bob set succeeds.
#[test]
fn quorum_approval_of_stale_terms_is_refused_naming_who_changed_them() {
    let s = settings();
    let mut request = pending(duration(15));
    let week = Terms {
        permission_set_id: OPERATOR,
        window: duration(7 * 1_440),
    };
    let bob = ApprovalInput {
        terms: Some(week),
        message: String::new(),
    };
    approve(&mut request, BOB, &bob, &quorum(2), &s, None, at(mins(1))).unwrap();

    let stale = ApprovalInput {
        terms: Some(reader_terms(duration(15))),
        message: String::new(),
    };
    let before = request.clone();
    for (name, input) in [
        ("the terms as shown", &stale),
        ("as requested", &as_requested()),
    ] {
        let e = approve(
            &mut request,
            CAROL,
            input,
            &quorum(2),
            &s,
            None,
            at(mins(2)),
        )
        .unwrap_err();
        let DomainError::TermsChanged { by, at: when } = &e else {
            panic!("{name}: expected terms changed, got {e:?}");
        };
        assert_eq!(
            (by.as_str(), *when),
            ("Bob Approver", at(mins(1))),
            "{name}"
        );
        let text = e.to_string();
        assert!(
            text.starts_with("the terms were changed by Bob Approver at "),
            "{text}"
        );
        assert!(!text.ends_with('.'), "{text}");
        assert_eq!(request, before, "{name}: nothing recorded");
    }

    let current = ApprovalInput {
        terms: Some(week),
        message: String::new(),
    };
    assert_eq!(
        approve(
            &mut request,
            CAROL,
            &current,
            &quorum(2),
            &s,
            None,
            at(mins(3))
        ),
        Ok(ApprovalOutcome::Granted)
    );
    assert_eq!(request.authorized, Some(week));
}

/// R-BEY-4: an earlier approval counts only while its approver still may
/// approve; the count is made again at every approval.
#[test]
fn approvals_of_people_who_no_longer_approve_do_not_count() {
    let s = settings();
    let mut request = pending(duration(60));
    approve(
        &mut request,
        BOB,
        &as_requested(),
        &quorum(2),
        &s,
        None,
        at(mins(1)),
    )
    .unwrap();
    // Bob was disabled (or removed from the vault's approvers) since.
    let bob_gone = |u: UserId| u != BOB;
    let without_bob = Quorum {
        counts: &bob_gone,
        ..quorum(2)
    };
    assert_eq!(
        approve(
            &mut request,
            CAROL,
            &as_requested(),
            &without_bob,
            &s,
            None,
            at(mins(2))
        ),
        Ok(ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }),
        "Carol's approval is the only one that counts"
    );
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(
        request.approvals.len(),
        2,
        "Bob's approval stays as history"
    );
    assert_eq!(
        approve(
            &mut request,
            ADMIN,
            &as_requested(),
            &without_bob,
            &s,
            None,
            at(mins(3))
        ),
        Ok(ApprovalOutcome::Granted)
    );
    assert_eq!(request.decided_by, Some(ADMIN));
}

/// R-BEY-5: break glass is refused while temporary access is off, and while
/// the requester's earlier emergency grant waits for its review.
#[test]
fn break_glass_respects_the_switch_and_cannot_be_chained() {
    let off = WorkspaceSettings {
        temporary_access_enabled: false,
        ..settings()
    };
    assert_refused(
        "temporary access off",
        check_break_glass_limits(&off, None),
        &Want::Invalid(Field::Workspace, "temporary access is disabled"),
    );
    assert_refused(
        "an unreviewed earlier one",
        check_break_glass_limits(&settings(), Some(T0)),
        &Want::NotPermitted("must review it before you take emergency access to it again"),
    );
    assert_eq!(check_break_glass_limits(&settings(), None), Ok(()));
}

/// Issue 10, item 6: absurd custom dates (year 9999 and beyond, the limits
/// of `i64`, before 1970) are field errors on the field that holds them —
/// for a request, an approval and a direct grant — never a wrapped value or
/// a panic; durations up to `u32::MAX` minutes are refused on the duration.
#[test]
fn absurd_end_dates_are_field_errors_never_a_panic() {
    let s = settings();
    let year_9999 = Timestamp::LATEST;
    let past_9999 = Timestamp(Timestamp::LATEST.0 + 1);
    let ends = [
        ("year 9999", year_9999, "the time frame is longer"),
        ("just after 9999", past_9999, OUT_OF_RANGE),
        ("i64::MAX", Timestamp(i64::MAX), OUT_OF_RANGE),
        ("i64::MIN", Timestamp(i64::MIN), OUT_OF_RANGE),
        ("before 1970", Timestamp(-1), OUT_OF_RANGE),
    ];
    let starts = [T0, Timestamp(i64::MIN), Timestamp(i64::MAX), Timestamp(0)];
    for (name, end_at, says) in ends {
        for start_at in starts {
            let window = frame(start_at, end_at);
            let name = format!("{name}, start {}", start_at.0);
            let mut case = Case::baseline();
            case.draft.terms = reader_terms(window);
            let request = case.validate();
            let approval = approve(
                &mut pending(duration(60)),
                BOB,
                &ApprovalInput {
                    terms: Some(reader_terms(window)),
                    message: String::new(),
                },
                &quorum(1),
                &s,
                None,
                T0,
            );
            let direct = validate_direct_grant(window, &s, "", T0);
            for (what, result) in [
                ("request", request),
                ("approval", approval.map(drop)),
                ("direct grant", direct),
            ] {
                let errors = match result {
                    Err(DomainError::Invalid(errors)) => errors,
                    other => panic!("{what}, {name}: expected field errors, got {other:?}"),
                };
                let on_end = errors.for_field(Field::End);
                let on_start = errors.for_field(Field::Start);
                if start_at.is_in_range() || !end_at.is_in_range() {
                    let message = on_end.unwrap_or_else(|| panic!("{what}, {name}: {errors:?}"));
                    if start_at.is_in_range() {
                        assert!(message.contains(says), "{what}, {name}: {message}");
                    }
                } else {
                    assert_eq!(on_start, Some(OUT_OF_RANGE), "{what}, {name}: {errors:?}");
                }
            }
        }
    }
    for mins in [10_081, u32::MAX / 2, u32::MAX] {
        let mut case = Case::baseline();
        case.draft.terms = reader_terms(duration(mins));
        assert_refused(
            "a huge duration",
            case.validate(),
            &Want::Invalid(Field::Duration, "the longest access"),
        );
    }
    // What time does to a stored grant with absurd bounds cannot panic either.
    let mut stored = approved(duration(60), T0);
    for (start, end) in [(i64::MIN, i64::MAX), (i64::MAX, i64::MIN), (0, i64::MAX)] {
        stored.grant_start_at = Some(Timestamp(start));
        stored.grant_end_at = Some(Timestamp(end));
        stored.expiring_soon_notified = false;
        stored.expiry_recorded = false;
        let _ = advance(&mut stored.clone(), &s, T0);
        let _ = next_time_event_at(&stored, &s, T0);
        let _ = stored.phase(T0);
        let _ = frame(Timestamp(start), Timestamp(end)).length();
        let _ = frame(Timestamp(start), Timestamp(end)).describe();
    }
}
