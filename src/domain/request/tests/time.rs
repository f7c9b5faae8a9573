//! Tests of `time`: lapse, first use, the expiring-soon warning and expiry,
//! each at its exact instant and once (R-APP-7, R-BEY-2, R-NOT-1, R-TIME-2).

use super::*;

/// What `advance` returns when time changed nothing.
const NO_EVENTS: &[TimeEvent] = &[];

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
