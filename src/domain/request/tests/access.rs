//! Effective access from approved requests (§1, R-TIME-2, R-REQ-7, R-REQ-9,
//! R-BEY-2, R-BEY-8): the grants `approve` and `claim_first_use` leave, read
//! by `domain::access` to the millisecond.

use super::*;
use crate::domain::access::{AccessFacts, AccessSource, GrantFact};

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
    let extension = approved_extension(60, Some(first_end), at(mins(40)));
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
