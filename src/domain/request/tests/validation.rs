//! Tests of `validation`: a new request, an extension's target, break glass
//! and a direct grant (R-REQ-4, R-REQ-9, R-BEY-5, R-ADM-3), each rule refusing
//! on its own and its edges accepted.

use super::*;
use crate::domain::vault::Vault;

// ---------------------------------------------------------------------------
// R-REQ-4: validation of a new request.
// ---------------------------------------------------------------------------

/// Everything `validate_new_request` looks at, owned so that a row can change any of it.
struct Case {
    settings: WorkspaceSettings,
    requester: User,
    is_member: bool,
    vault_takes_joins: bool,
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
            vault_takes_joins: false,
            permission_set: Some(reader()),
            approver: Some(user(BOB)),
            has_same_pending: false,
            draft: draft(duration(60)),
        }
    }

    /// Alice, outside the vault, asks Bob to join it for 1 h: valid.
    fn join() -> Case {
        let mut case = Case::baseline();
        case.is_member = false;
        case.vault_takes_joins = true;
        case.draft.target = Target::Join(VAULT);
        case
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
            vault_takes_joins: self.vault_takes_joins,
            max_length: MaxLength::workspace(&self.settings),
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
#[expect(
    clippy::too_many_lines,
    reason = "a table of cases reads best as one list"
)]
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
            name: "a folder with Reader: it covers what is below it (R-REQ-11)",
            change: |c| c.draft.target = Target::Folder(RDP),
        },
        Acceptance {
            name: "a whole vault (R-REQ-11)",
            change: |c| c.draft.target = Target::Vault(VAULT),
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
    case.is_member = false;
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

/// R-REQ-12: asking to join is for someone outside a vault that shows itself
/// to non-members, and never starts on a first use or extends.
#[test]
fn asking_to_join_is_for_outsiders_of_a_visible_vault() {
    assert_eq!(Case::join().validate(), Ok(()), "a valid request to join");
    let mut permanent = Case::join();
    permanent.settings.permanent_access_allowed = true;
    permanent.draft.terms.window = AccessWindow::Permanent;
    assert_eq!(permanent.validate(), Ok(()), "joining for good");
    let rows = [
        Refusal {
            name: "already a member",
            change: |c| c.is_member = true,
            field: Field::Entry,
            says: "already a member of this vault",
        },
        Refusal {
            name: "vault hidden from non-members",
            change: |c| c.vault_takes_joins = false,
            field: Field::Entry,
            says: "does not take requests to join",
        },
        Refusal {
            name: "an administrator",
            change: |c| c.requester.is_admin = true,
            field: Field::Entry,
            says: "nothing to join",
        },
        Refusal {
            name: "start on first use",
            change: |c| c.draft.start_on_first_use = true,
            field: Field::Start,
            says: "not on first use",
        },
        Refusal {
            name: "an extension",
            change: |c| c.draft.extends_request_id = Some(RequestId(7)),
            field: Field::Entry,
            says: "ask to join again",
        },
    ];
    for row in rows {
        let mut case = Case::join();
        (row.change)(&mut case);
        assert_refused(
            row.name,
            case.validate(),
            &Want::Invalid(row.field, row.says),
        );
    }
    // Outside the vault, only a request to join is possible.
    let mut vault_request = Case::join();
    vault_request.draft.target = Target::Vault(VAULT);
    assert_refused(
        "a vault request from outside",
        vault_request.validate(),
        &Want::Invalid(Field::Entry, "not a member of this vault"),
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
    assert_eq!(
        validate_direct_grant(duration(60), &s, MaxLength::workspace(&s), "", T0),
        Ok(())
    );
    assert_eq!(
        validate_direct_grant(
            frame(T0 - hours(1), at(hours(1))),
            &s,
            MaxLength::workspace(&s),
            "",
            T0
        ),
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
        assert_refused(
            name,
            validate_direct_grant(window, &s, MaxLength::workspace(&s), &message, T0),
            &want,
        );
    }
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
            let approval = approve_with(
                &mut pending(duration(60)),
                BOB,
                &ApprovalInput {
                    terms: Some(reader_terms(window)),
                    message: String::new(),
                },
                1,
                T0,
            );
            let direct = validate_direct_grant(window, &s, MaxLength::workspace(&s), "", T0);
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
    }
}

// ---------------------------------------------------------------------------
// R-REQ-9, R-ADM-3: whose access may be extended, and who may receive a direct grant.
// ---------------------------------------------------------------------------

/// R-REQ-9: a requester extends only their own access to the same entry, and
/// only while it is active (`[start, end)`).
#[test]
fn only_ones_own_active_access_to_the_entry_is_extended() {
    let grant = approved(duration(60), T0);
    for (name, now) in [
        ("at its start", T0),
        ("while it runs", at(mins(30))),
        ("1 ms before its end", at(hours(1)) - MS),
    ] {
        assert_eq!(
            check_extension_target(&grant, ALICE, Target::Entry(RDP), now),
            Ok(()),
            "{name}"
        );
    }

    let mut first_use = first_use_pending(60);
    decide(&mut first_use, BOB, T0).unwrap();
    let mut revoked = grant.clone();
    revoke(&mut revoked, &user(BOB), &APPROVERS, "", at(mins(10))).unwrap();
    let now = at(mins(30));
    let rows = [
        (
            "someone else's access",
            &grant,
            DAVE,
            RDP,
            now,
            Want::NotPermitted("you can only extend your own access to this entry"),
        ),
        (
            "one's own access, asked on another entry",
            &grant,
            ALICE,
            EntryId(11),
            now,
            Want::NotPermitted("you can only extend your own access to this entry"),
        ),
        (
            "at its end",
            &grant,
            ALICE,
            RDP,
            at(hours(1)),
            Want::WrongState("only active access can be extended"),
        ),
        (
            "before its start",
            &approved(frame(at(hours(1)), at(hours(2))), T0),
            ALICE,
            RDP,
            now,
            Want::WrongState("only active access can be extended"),
        ),
        (
            "a request still pending",
            &pending(duration(60)),
            ALICE,
            RDP,
            now,
            Want::WrongState("only active access can be extended"),
        ),
        (
            "a grant waiting for its first use",
            &first_use,
            ALICE,
            RDP,
            now,
            Want::WrongState("only active access can be extended"),
        ),
        (
            "a revoked grant",
            &revoked,
            ALICE,
            RDP,
            now,
            Want::WrongState("only active access can be extended"),
        ),
    ];
    for (name, original, requester, entry, now, want) in rows {
        assert_refused(
            name,
            check_extension_target(original, requester, Target::Entry(entry), now),
            &want,
        );
    }
}

/// R-ADM-3: a direct grant goes to an active member of the entry's vault who
/// is no administrator (administrators, the granting one included, already
/// have full access); each refusal is on the grantee's field.
#[test]
fn a_direct_grant_goes_to_an_active_member_who_is_no_administrator() {
    for grantee in [ALICE, BOB, DAVE] {
        assert_eq!(
            check_direct_grantee(&user(grantee), ADMIN, true),
            Ok(()),
            "{}",
            name_of(grantee)
        );
    }
    let another_admin = User {
        is_admin: true,
        ..user(CAROL)
    };
    let rows = [
        (
            "the granting administrator",
            user(ADMIN),
            true,
            "administrators already have full access",
        ),
        (
            "another administrator",
            another_admin,
            true,
            "administrators already have full access",
        ),
        (
            "an inactive account",
            inactive(ALICE),
            true,
            "Alice Requester is inactive",
        ),
        (
            "not a member of the vault",
            user(ALICE),
            false,
            "Alice Requester is not a member of this vault",
        ),
    ];
    for (name, grantee, is_member, says) in rows {
        assert_refused(
            name,
            check_direct_grantee(&grantee, ADMIN, is_member),
            &Want::Invalid(Field::Approver, says),
        );
    }
}

/// R-ADM-7: the shorter of the workspace's maximum and the vault's own
/// applies; a message names the vault only when the vault's limit refuses.
#[test]
fn a_vaults_maximum_applies_when_it_is_shorter() {
    let s = settings();
    let vault = |max_grant_mins| Vault {
        id: VAULT,
        name: "Production".into(),
        required_approvals: 1,
        break_glass_allowed: false,
        emergency_limit_mins: 60,
        max_grant_mins,
        description: String::new(),
        visible_to_non_members: false,
    };
    let (none, shorter, longer, equal) = (
        vault(None),
        vault(Some(120)),
        vault(Some(20_000)),
        vault(Some(10_080)),
    );
    assert_eq!(MaxLength::of(&s, &none), MaxLength::workspace(&s));
    assert_eq!(MaxLength::of(&s, &longer), MaxLength::workspace(&s));
    assert_eq!(MaxLength::of(&s, &equal), MaxLength::workspace(&s));
    let limit = MaxLength::of(&s, &shorter);
    assert_eq!(
        limit,
        MaxLength {
            mins: 120,
            vault: Some("Production")
        }
    );
    assert_eq!(
        validate_direct_grant(duration(120), &s, limit, "", T0),
        Ok(())
    );
    assert_refused(
        "a minute over the vault's",
        validate_direct_grant(duration(121), &s, limit, "", T0),
        &Want::Invalid(
            Field::Duration,
            "the longest access allowed in Production is 2 h",
        ),
    );
    assert_refused(
        "a frame over the vault's",
        validate_direct_grant(frame(T0, at(mins(121))), &s, limit, "", T0),
        &Want::Invalid(
            Field::End,
            "the time frame is longer than the 2 h allowed in Production",
        ),
    );
    let mut case = Case::baseline();
    case.draft.terms = reader_terms(duration(121));
    let ctx_result = {
        let ctx = RequestContext {
            settings: &case.settings,
            requester: &case.requester,
            is_member: case.is_member,
            vault_takes_joins: false,
            max_length: limit,
            permission_set: case.permission_set.as_ref(),
            approver: case.approver.as_ref(),
            vault_approvers: &APPROVERS,
            has_same_pending: case.has_same_pending,
            now: T0,
        };
        validate_new_request(&ctx, &case.draft)
    };
    assert_refused(
        "a request over the vault's",
        ctx_result,
        &Want::Invalid(Field::Duration, "in Production"),
    );
    let approval = approve(
        &mut pending(duration(121)),
        BOB,
        &as_requested(),
        &quorum(1),
        &s,
        limit,
        None,
        T0,
    );
    assert_refused(
        "an approval over the vault's",
        approval,
        &Want::Invalid(Field::Duration, "in Production"),
    );
}
