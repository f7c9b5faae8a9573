//! Tests of the request's types and `Request::phase`: where a request stands
//! at an instant (§1, R-REQ-5, R-REQ-7).

use super::*;

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

/// `Request::pending` is a pending standard request with nothing decided,
/// pending until its TTL and lapsed from it; `Request::new_pending` is it
/// with what the draft adds.
#[test]
fn a_pending_request_starts_with_nothing_decided() {
    let terms = reader_terms(duration(60));
    let until = at(hours(24));
    let request = Request::pending(ALICE, Target::Entry(RDP), VAULT, terms, T0, until);
    assert_eq!(
        (request.id, request.kind, request.status),
        (RequestId(0), RequestKind::Standard, RequestStatus::Pending)
    );
    assert_eq!(
        (
            request.requester_id,
            request.entry_id(),
            request.vault_id,
            request.requested,
            request.created_at,
            request.pending_until_at
        ),
        (ALICE, Some(RDP), VAULT, terms, T0, until)
    );
    assert_eq!(
        [
            request.approver_id,
            request.decided_by,
            request.ended_by,
            request.reviewed_by
        ],
        [None; 4]
    );
    assert_eq!(
        [
            request.decided_at,
            request.grant_start_at,
            request.grant_end_at,
            request.claim_by_at,
            request.ended_at,
            request.reviewed_at
        ],
        [None; 6]
    );
    assert_eq!(
        (request.authorized, request.extends_request_id),
        (None, None)
    );
    assert!(request.approvals.is_empty());
    assert_eq!(
        [
            request.message.as_str(),
            request.decision_message.as_str(),
            request.closing_note.as_str()
        ],
        [""; 3]
    );
    assert_eq!(
        [
            request.start_on_first_use,
            request.needs_review,
            request.expiring_soon_notified,
            request.expiry_recorded
        ],
        [false; 4]
    );
    for (name, now, phase) in [
        ("when made", T0, Phase::Pending),
        ("1 ms before its TTL", until - MS, Phase::Pending),
        ("at its TTL", until, Phase::Lapsed),
    ] {
        assert_eq!(request.phase(now), phase, "{name}");
    }
    assert_eq!(request.effective_terms(), terms);
    assert!(!request.is_modified());
    assert_eq!(request.effective_end_at(), None);

    let mut asked = draft(duration(60));
    asked.message = "  patching tonight  ".to_owned();
    assert_eq!(
        Request::new_pending(ALICE, Target::Entry(RDP), VAULT, &asked, &settings(), T0),
        Request {
            approver_id: Some(BOB),
            message: "patching tonight".to_owned(),
            ..request.clone()
        },
        "a request"
    );
    asked.extends_request_id = Some(RequestId(1));
    asked.start_on_first_use = true;
    assert_eq!(
        Request::new_pending(ALICE, Target::Entry(RDP), VAULT, &asked, &settings(), T0),
        Request {
            kind: RequestKind::Extension,
            approver_id: Some(BOB),
            extends_request_id: Some(RequestId(1)),
            message: "patching tonight".to_owned(),
            start_on_first_use: true,
            ..request
        },
        "an extension"
    );
}
