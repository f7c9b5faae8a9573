//! Tests of `decisions`: approve, deny, cancel, revoke, release, review and
//! the quorum (R-REQ-5…7, R-REQ-9, R-APP-3…5, R-BEY-3…5), and where an
//! approved grant's window comes from.

use super::*;

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

/// Who tries to end a grant, when, and what must happen.
struct EndAttempt {
    name: &'static str,
    by: User,
    now: Timestamp,
    want: Option<Want>,
}

/// R-REQ-7, R-APP-5: the requester, any vault approver or an administrator revokes a live grant; nobody else, and not once it ended.
#[expect(
    clippy::too_many_lines,
    reason = "a table of cases reads best as one list"
)]
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

/// A request brought into some state by T0 + 30 min.
struct Handled {
    name: &'static str,
    make: fn() -> Request,
    decide_at: Timestamp,
    want: Want,
}

/// R-APP-4: deciding a request that was handled already says how and by whom; first writer wins.
#[expect(
    clippy::too_many_lines,
    reason = "a table of cases reads best as one list"
)]
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

impl WindowCase {
    /// `requested`, approved as asked at `approved_at`, must run on `[start, end)`.
    fn as_asked(
        name: &'static str,
        requested: AccessWindow,
        approved_at: Timestamp,
        start: Timestamp,
        end: Timestamp,
    ) -> WindowCase {
        WindowCase {
            name,
            requested,
            changed_to: None,
            extends_until: None,
            approved_at,
            start,
            end,
        }
    }
}

/// R-REQ-5, R-REQ-9: a duration runs from approval, a custom frame as asked (never from before approval), an extension from the previous end.
#[expect(
    clippy::too_many_lines,
    reason = "a table of cases reads best as one list"
)]
#[test]
fn grant_window_follows_approval_time() {
    let rows = [
        WindowCase::as_asked(
            "duration approved at once",
            duration(30),
            T0,
            T0,
            at(mins(30)),
        ),
        WindowCase::as_asked(
            "duration approved 3 h later runs from approval",
            duration(60),
            at(hours(3)),
            at(hours(3)),
            at(hours(4)),
        ),
        WindowCase::as_asked(
            "custom frame kept",
            frame(at(hours(1)), at(hours(3))),
            at(mins(10)),
            at(hours(1)),
            at(hours(3)),
        ),
        WindowCase::as_asked(
            "custom frame approved at its start",
            frame(at(hours(1)), at(hours(3))),
            at(hours(1)),
            at(hours(1)),
            at(hours(3)),
        ),
        WindowCase::as_asked(
            "approval after the requested start runs to the requested end",
            frame(at(hours(1)), at(hours(3))),
            at(hours(2)),
            at(hours(2)),
            at(hours(3)),
        ),
        WindowCase::as_asked(
            "approval 1 ms before the requested end",
            frame(at(hours(1)), at(hours(3))),
            at(hours(3)) - MS,
            at(hours(3)) - MS,
            at(hours(3)),
        ),
        WindowCase {
            changed_to: Some(duration(30)),
            ..WindowCase::as_asked(
                "approver shortens the duration",
                duration(60),
                at(mins(5)),
                at(mins(5)),
                at(mins(35)),
            )
        },
        WindowCase {
            changed_to: Some(frame(at(hours(2)), at(hours(4)))),
            ..WindowCase::as_asked(
                "approver moves the custom frame",
                frame(at(hours(1)), at(hours(3))),
                at(mins(5)),
                at(hours(2)),
                at(hours(4)),
            )
        },
        WindowCase {
            changed_to: Some(frame(at(hours(5)), at(hours(6)))),
            ..WindowCase::as_asked(
                "approver turns a duration into a custom frame",
                duration(60),
                at(mins(5)),
                at(hours(5)),
                at(hours(6)),
            )
        },
        WindowCase {
            extends_until: Some(at(mins(30))),
            ..WindowCase::as_asked(
                "extension approved while the first grant runs starts at its end",
                duration(60),
                at(mins(10)),
                at(mins(30)),
                at(mins(90)),
            )
        },
        WindowCase {
            extends_until: Some(at(mins(30))),
            ..WindowCase::as_asked(
                "extension approved exactly at the first grant's end",
                duration(60),
                at(mins(30)),
                at(mins(30)),
                at(mins(90)),
            )
        },
        WindowCase {
            extends_until: Some(at(mins(30))),
            ..WindowCase::as_asked(
                "extension approved after the first grant ended starts at approval",
                duration(60),
                at(mins(40)),
                at(mins(40)),
                at(mins(100)),
            )
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
            MaxLength::workspace(&settings()),
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
            approve_with(&mut request, BOB, &as_requested(), 1, now),
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
    approve_with(&mut unchanged, BOB, &as_requested(), 1, now).unwrap();
    assert!(!unchanged.is_modified(), "approved as requested");
    assert_eq!(unchanged.authorized, Some(asked));
    // Passing the same terms explicitly is no modification either.
    let mut same = pending(duration(60));
    let input = ApprovalInput {
        terms: Some(asked),
        message: String::new(),
    };
    approve_with(&mut same, BOB, &input, 1, now).unwrap();
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
        approve_with(&mut modified, BOB, &input, 1, now),
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
        assert_refused(name, approve_with(&mut request, BOB, &input, 1, now), &want);
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
        approve_with(&mut request, BOB, &input, 1, now),
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

/// Alice's request with Bob's approval recorded toward a quorum of two at T0 + 1 min.
fn approved_by_bob_toward_two() -> Request {
    let mut request = pending(duration(60));
    assert_eq!(
        approve_with(&mut request, BOB, &as_requested(), 2, at(mins(1))),
        Ok(ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        })
    );
    request
}

/// R-BEY-4: two distinct approvals are needed; the first sets the terms; the same approver cannot count twice.
#[test]
fn quorum_needs_distinct_approvals_on_the_first_terms() {
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
        approve_with(&mut request, BOB, &input, 2, at(mins(1))),
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
        approve_with(&mut request, CAROL, &other, 2, at(mins(3))),
        &Want::Invalid(Field::Workspace, "the first approval sets the terms"),
    );
    assert_eq!(request, before, "nothing recorded");

    // Carol approves the terms she is shown: those Bob set.
    let shown = ApprovalInput {
        terms: Some(first),
        message: "go ahead".to_owned(),
    };
    assert_eq!(
        approve_with(&mut request, CAROL, &shown, 2, at(mins(4))),
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
        approve_with(&mut single, BOB, &as_requested(), 0, T0),
        Ok(ApprovalOutcome::Granted)
    );
}

/// R-BEY-4: any deny denies, even after some approvals.
#[test]
fn any_deny_denies_a_partly_approved_request() {
    let mut request = approved_by_bob_toward_two();
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
    let mut request = pending(duration(15));
    let week = Terms {
        permission_set_id: OPERATOR,
        window: duration(7 * 1_440),
    };
    let bob = ApprovalInput {
        terms: Some(week),
        message: String::new(),
    };
    approve_with(&mut request, BOB, &bob, 2, at(mins(1))).unwrap();

    let stale = ApprovalInput {
        terms: Some(reader_terms(duration(15))),
        message: String::new(),
    };
    let before = request.clone();
    for (name, input) in [
        ("the terms as shown", &stale),
        ("as requested", &as_requested()),
    ] {
        let e = approve_with(&mut request, CAROL, input, 2, at(mins(2))).unwrap_err();
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
        approve_with(&mut request, CAROL, &current, 2, at(mins(3))),
        Ok(ApprovalOutcome::Granted)
    );
    assert_eq!(request.authorized, Some(week));
}

/// R-BEY-4: an earlier approval counts only while its approver still may
/// approve; the count is made again at every approval.
#[test]
fn approvals_of_people_who_no_longer_approve_do_not_count() {
    let s = settings();
    let mut request = approved_by_bob_toward_two();
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
            MaxLength::workspace(&s),
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
            MaxLength::workspace(&s),
            None,
            at(mins(3))
        ),
        Ok(ApprovalOutcome::Granted)
    );
    assert_eq!(request.decided_by, Some(ADMIN));
}

// ---------------------------------------------------------------------------
// R-APP-4, R-BEY-4: denying after one's own approval, and the requester's account.
// ---------------------------------------------------------------------------

/// R-BEY-4, R-APP-4: an approver who approved toward a quorum cannot approve
/// again, but may still deny, and their deny denies: they changed their mind
/// or learned something since.
#[test]
fn an_approver_who_approved_toward_a_quorum_may_still_deny() {
    let now = at(mins(2));
    let mut request = approved_by_bob_toward_two();
    assert_refused(
        "approving again",
        check_can_decide(&request, &user(BOB), &APPROVERS, now, &name_of),
        &Want::WrongState("you have already approved this request"),
    );
    assert_eq!(
        check_can_deny(&request, &user(BOB), &APPROVERS, now, &name_of),
        Ok(())
    );
    assert_eq!(deny(&mut request, BOB, " found a problem ", now), Ok(()));
    assert_eq!(request.status, RequestStatus::Denied);
    assert_eq!(request.phase(now), Phase::Denied);
    assert_eq!(
        (request.decided_by, request.decided_at),
        (Some(BOB), Some(now))
    );
    assert_eq!(request.decision_message, "found a problem");
    assert_eq!(request.approvals.len(), 1, "the approval stays as history");
    assert_eq!((request.grant_start_at, request.grant_end_at), (None, None));
}

/// R-APP-4, R-BEY-4: denying is for an eligible approver other than the
/// requester while the request is pending; having approved toward the quorum
/// lifts none of that.
#[test]
fn check_can_deny_refuses_whom_and_when_deciding_refuses() {
    let now = at(mins(2));
    let fresh = pending(duration(60));
    let partly = approved_by_bob_toward_two();
    let mut granted = approved_by_bob_toward_two();
    approve_with(&mut granted, CAROL, &as_requested(), 2, at(mins(1))).unwrap();
    let admins = pending_from(ADMIN, &draft(duration(60)));
    for (name, request, decider) in [
        ("the chosen approver", &fresh, BOB),
        ("another approver", &fresh, CAROL),
        ("an administrator", &fresh, ADMIN),
        ("the approver who approved", &partly, BOB),
        ("an approver who has not approved yet", &partly, CAROL),
        ("an approver of an administrator's request", &admins, BOB),
    ] {
        assert_eq!(
            check_can_deny(request, &user(decider), &APPROVERS, now, &name_of),
            Ok(()),
            "{name}"
        );
    }
    let rows = [
        (
            "the requester",
            &partly,
            user(ALICE),
            now,
            Want::NotPermitted("you cannot decide your own request"),
        ),
        (
            "an administrator who is the requester",
            &admins,
            user(ADMIN),
            now,
            Want::NotPermitted("you cannot decide your own request"),
        ),
        (
            "a member who is no approver",
            &partly,
            user(DAVE),
            now,
            Want::NotPermitted("you are not an approver of this vault"),
        ),
        (
            "the approver who approved, disabled since",
            &partly,
            inactive(BOB),
            now,
            Want::NotPermitted("you are not an approver of this vault"),
        ),
        (
            "the approver who approved, once the quorum is complete",
            &granted,
            user(BOB),
            now,
            Want::AlreadyHandled {
                outcome: "approved",
                by: "Carol Approver",
                at: at(mins(1)),
            },
        ),
        (
            "the approver who approved, at the request's TTL",
            &partly,
            user(BOB),
            at(hours(24)),
            Want::Lapsed(at(hours(24))),
        ),
    ];
    for (name, request, decider, now, want) in rows {
        assert_refused(
            name,
            check_can_deny(request, &decider, &APPROVERS, now, &name_of),
            &want,
        );
    }
}

/// R-APP-4: nobody approves for a requester whose account is disabled; the
/// grant could never be used.
#[test]
fn approval_needs_the_requester_active() {
    assert_eq!(check_requester_active(&user(ALICE)), Ok(()));
    assert_refused(
        "a disabled requester",
        check_requester_active(&inactive(ALICE)),
        &Want::NotPermitted("Alice Requester's account is disabled"),
    );
}

// ---------------------------------------------------------------------------
// R-REQ-9, R-REQ-7, R-BEY-3: extensions follow their grant, and end with it.
// ---------------------------------------------------------------------------

/// R-REQ-9: an extension starts after the latest end among the grant and its
/// other extensions that still live; none live, it runs from its approval
/// (`None`); a grant ended early cannot be extended.
#[expect(
    clippy::too_many_lines,
    reason = "a table of cases reads best as one list"
)]
#[test]
fn extension_starts_after_the_latest_live_end() {
    let now = at(mins(30));
    // Grant 1 runs [T0, T0 + 1 h); its extensions follow it: [1 h, 2 h), then
    // [2 h, 2 h 30 min).
    let grant = approved(duration(60), T0);
    let following = approved_extension(60, Some(at(hours(1))), at(mins(10)));
    let after_following = approved_extension(30, Some(at(hours(2))), at(mins(20)));
    let mut waiting = pending(duration(60));
    waiting.extends_request_id = Some(RequestId(1));
    let mut revoked_extension = following.clone();
    revoke(
        &mut revoked_extension,
        &user(BOB),
        &APPROVERS,
        "",
        at(mins(20)),
    )
    .unwrap();
    let short = approved_extension(10, None, T0);
    let scheduled = approved(frame(at(hours(1)), at(hours(2))), T0);
    let rows = [
        (
            "an active grant alone: its end",
            &grant,
            vec![],
            now,
            Some(at(hours(1))),
        ),
        (
            "1 ms before the grant's end",
            &grant,
            vec![],
            at(hours(1)) - MS,
            Some(at(hours(1))),
        ),
        (
            "a scheduled grant: its end",
            &scheduled,
            vec![],
            now,
            Some(at(hours(2))),
        ),
        (
            "at the grant's end: from approval",
            &grant,
            vec![],
            at(hours(1)),
            None,
        ),
        (
            "an expired grant alone: from approval",
            &grant,
            vec![],
            at(hours(3)),
            None,
        ),
        (
            "a live extension ends later",
            &grant,
            vec![following.clone()],
            now,
            Some(at(hours(2))),
        ),
        (
            "two live extensions, in any order: the latest end",
            &grant,
            vec![after_following.clone(), following.clone()],
            now,
            Some(at(mins(150))),
        ),
        (
            "a pending extension does not count",
            &grant,
            vec![waiting],
            now,
            Some(at(hours(1))),
        ),
        (
            "a revoked extension does not count",
            &grant,
            vec![revoked_extension],
            now,
            Some(at(hours(1))),
        ),
        (
            "an expired extension does not count",
            &grant,
            vec![short],
            now,
            Some(at(hours(1))),
        ),
        (
            "the grant expired, its extension runs: the extension's end",
            &grant,
            vec![following.clone()],
            at(mins(90)),
            Some(at(hours(2))),
        ),
        (
            "the grant and its extension both expired: from approval",
            &grant,
            vec![following.clone()],
            at(hours(3)),
            None,
        ),
    ];
    for (name, original, others, now, want) in rows {
        assert_eq!(
            extension_start_at(original, &others, now),
            Ok(want),
            "{name}"
        );
    }

    let mut revoked = grant.clone();
    revoke(&mut revoked, &user(BOB), &APPROVERS, "", at(mins(20))).unwrap();
    let mut released = grant;
    release(&mut released, &user(ALICE), "", at(mins(20))).unwrap();
    for (name, original) in [("revoked", revoked), ("released", released)] {
        assert_refused(
            name,
            extension_start_at(&original, std::slice::from_ref(&following), now),
            &Want::WrongState("was ended early; ask for new access instead"),
        );
    }
}

/// R-REQ-7, R-BEY-3: when a grant is revoked or released, its extensions that
/// still live (running or waiting for their start) are revoked with it, by the
/// same person; the others are left as they are.
#[test]
fn extensions_that_live_end_with_their_grant() {
    let now = at(mins(30));
    let running = approved_extension(60, Some(at(mins(20))), at(mins(10)));
    let waiting_for_start = approved_extension(60, Some(at(hours(1))), at(mins(10)));
    for (name, mut extension) in [
        ("a running extension", running),
        ("an extension waiting for its start", waiting_for_start),
    ] {
        assert!(
            end_with_extended(&mut extension, RequestId(1), BOB, now),
            "{name}"
        );
        assert_eq!(extension.status, RequestStatus::Revoked, "{name}");
        assert_eq!(extension.phase(now), Phase::Revoked, "{name}");
        assert_eq!(
            (extension.ended_by, extension.ended_at),
            (Some(BOB), Some(now)),
            "{name}"
        );
        assert_eq!(
            extension.closing_note, "ended with the access it extended (request 1)",
            "{name}"
        );
        assert!(
            !end_with_extended(&mut extension, RequestId(1), ADMIN, now),
            "{name}: only once"
        );
    }

    let mut pending_extension = pending(duration(60));
    pending_extension.extends_request_id = Some(RequestId(1));
    let mut denied = pending_extension.clone();
    deny(&mut denied, BOB, "", at(mins(1))).unwrap();
    let expired = approved_extension(10, None, T0);
    let mut released = approved_extension(60, None, at(mins(10)));
    release(&mut released, &user(ALICE), "", at(mins(20))).unwrap();
    for (name, mut extension) in [
        ("a pending extension", pending_extension),
        ("a denied extension", denied),
        ("an expired extension", expired),
        ("a released extension", released),
    ] {
        let before = extension.clone();
        assert!(
            !end_with_extended(&mut extension, RequestId(1), BOB, now),
            "{name}"
        );
        assert_eq!(extension, before, "{name}: left as it is");
    }
}

// ---------------------------------------------------------------------------
// R-BEY-5: reviewing emergency access.
// ---------------------------------------------------------------------------

/// `taker`'s emergency grant of 1 h on the RDP entry, taken at T0 as the
/// service takes it (approved by the taker, waiting for review).
fn emergency_of(taker: UserId) -> Request {
    let mut request = Request {
        kind: RequestKind::BreakGlass,
        ..pending_from(taker, &draft(duration(60)))
    };
    approve(
        &mut request,
        taker,
        &as_requested(),
        &Quorum::single(),
        &settings(),
        MaxLength::workspace(&settings()),
        None,
        T0,
    )
    .unwrap();
    request.needs_review = true;
    request
}

/// R-BEY-5: an approver of the vault or an administrator reviews an emergency
/// grant once; never the one who took it, nor a member who is no approver.
#[test]
fn emergency_access_is_reviewed_once_by_an_approver_other_than_the_taker() {
    let now = at(mins(30));
    for (name, taker, reviewer) in [
        ("the approver of the vault", ALICE, BOB),
        ("another approver", ALICE, CAROL),
        ("an administrator", ALICE, ADMIN),
        ("an approver, of another approver's", BOB, CAROL),
        ("an approver, of an administrator's", ADMIN, BOB),
    ] {
        let mut request = emergency_of(taker);
        assert_eq!(
            mark_reviewed(&mut request, &user(reviewer), &APPROVERS, now, &name_of),
            Ok(()),
            "{name}"
        );
        assert!(!request.needs_review, "{name}");
        assert_eq!(
            (request.reviewed_by, request.reviewed_at),
            (Some(reviewer), Some(now)),
            "{name}"
        );
        assert_eq!(
            request.status,
            RequestStatus::Approved,
            "{name}: the grant runs on"
        );
    }

    let mut reviewed = emergency_of(ALICE);
    mark_reviewed(&mut reviewed, &user(BOB), &APPROVERS, at(mins(5)), &name_of).unwrap();
    let rows = [
        (
            "a member who is no approver",
            emergency_of(ALICE),
            user(DAVE),
            Want::NotPermitted("only an approver of this vault or an administrator"),
        ),
        (
            "an approver disabled since",
            emergency_of(ALICE),
            inactive(CAROL),
            Want::NotPermitted("only an approver of this vault or an administrator"),
        ),
        (
            "the approver who took it",
            emergency_of(BOB),
            user(BOB),
            Want::NotPermitted("nobody reviews their own emergency access"),
        ),
        (
            "the administrator who took it",
            emergency_of(ADMIN),
            user(ADMIN),
            Want::NotPermitted("nobody reviews their own emergency access"),
        ),
        (
            "a second review",
            reviewed,
            user(CAROL),
            Want::WrongState("does not need a review (reviewed by Bob Approver)"),
        ),
        (
            "a grant that never needed one",
            approved(duration(60), T0),
            user(BOB),
            Want::WrongState("does not need a review (reviewed by nobody)"),
        ),
    ];
    for (name, mut request, reviewer, want) in rows {
        let before = request.clone();
        assert_refused(
            name,
            mark_reviewed(&mut request, &reviewer, &APPROVERS, now, &name_of),
            &want,
        );
        assert_eq!(request, before, "{name}: a refusal changes nothing");
    }
}

/// R-ADM-2: a member's removal revokes a live grant at that instant, cancels
/// a pending request, and leaves what already ended as it was.
#[test]
fn a_removed_member_loses_live_grants_and_pending_requests() {
    let now = at(mins(10));
    let mut active = approved(duration(60), T0);
    assert_eq!(
        end_for_removed_member(&mut active, ADMIN, now),
        Some(RequestStatus::Revoked)
    );
    assert_eq!(active.phase(now), Phase::Revoked);
    assert_eq!(active.effective_end_at(), Some(now));
    assert_eq!(
        (active.ended_by, active.closing_note.as_str()),
        (Some(ADMIN), MEMBERSHIP_REMOVED)
    );

    let mut scheduled = approved(frame(at(hours(2)), at(hours(3))), T0);
    assert_eq!(
        end_for_removed_member(&mut scheduled, ADMIN, now),
        Some(RequestStatus::Revoked)
    );

    let mut asked = pending(duration(60));
    assert_eq!(
        end_for_removed_member(&mut asked, ADMIN, now),
        Some(RequestStatus::Cancelled)
    );
    assert_eq!(asked.phase(now), Phase::Cancelled);
    assert_eq!(asked.ended_at, Some(now));

    let mut expired = approved(duration(5), T0);
    let before = expired.clone();
    assert_eq!(end_for_removed_member(&mut expired, ADMIN, now), None);
    assert_eq!(expired, before, "what already ended is left as it was");
}

/// R-ADM-2: a disabled account loses its live grants the same way; its
/// pending requests lapse instead of being cancelled.
#[test]
fn a_disabled_account_loses_live_grants_and_its_pending_requests_lapse() {
    let now = at(mins(10));
    let mut active = approved(duration(60), T0);
    assert_eq!(
        end_for_withdrawal(&mut active, Withdrawal::AccountDisabled, ADMIN, now),
        Some(RequestStatus::Revoked)
    );
    assert_eq!(active.closing_note, ACCOUNT_DISABLED);
    let mut asked = pending(duration(60));
    assert_eq!(
        end_for_withdrawal(&mut asked, Withdrawal::AccountDisabled, ADMIN, now),
        Some(RequestStatus::Lapsed)
    );
    assert_eq!(asked.phase(now), Phase::Lapsed);
}
