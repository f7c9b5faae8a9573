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
