//! Access requests on a PostgreSQL workspace, against a real throwaway
//! server (issue 19): the server stores a request only as its requester,
//! decides only as an eligible approver in the right state at its own
//! instant, lets the first of two deciders win, and shows a request only to
//! those who may see it — whatever a modified client sends.
//!
//! What other areas own (vaults, entries, members, approvers, permission
//! sets, settings) is seeded with the superuser; requests are driven through
//! `PgStore` and `StoreTx` as the service drives them, and attacked with raw
//! SQL as a user's own role.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use latchkey::domain::error::DomainError;
use latchkey::domain::request::{
    AccessWindow, Approval, Request, RequestKind, RequestStatus, Target, Terms,
};
use latchkey::domain::user::NewUser;
use latchkey::domain::{EntryId, PermissionSetId, RequestId, Timestamp, UserId, VaultId};
use latchkey::store::postgres::{PgSession, PgStore, PgTarget, PgWorkspace};
use latchkey::store::{Store, StoreError, TxMode};
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};
use std::sync::{Arc, Barrier};

const DATABASE: &str = "team";
const PW: &str = "a-long-password-Qx81";
/// The server's fixed instant.
const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;

/// A workspace: ada administers; bob asks; carol and dave approve
/// Production (one approval) and Staging (two); erin is in no vault.
struct Team {
    cluster: PgCluster,
    target: PgTarget,
    ada: UserId,
    bob: UserId,
    carol: UserId,
    dave: UserId,
    erin: UserId,
    prod: VaultId,
    staging: VaultId,
    /// An item in Production (with a dependency) and one in Staging.
    db: EntryId,
    vpn: EntryId,
    stage_db: EntryId,
    /// A folder in Production.
    folder: EntryId,
    set: PermissionSetId,
}

fn new_user(name: &str, is_admin: bool) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: format!("{}{}", name[..1].to_uppercase(), &name[1..]),
        email: format!("{name}@example.org"),
        is_admin,
    }
}

fn team() -> Option<Team> {
    let cluster = PgCluster::start()?;
    cluster.create_database(DATABASE);
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    let ada = PgWorkspace::create(
        &target,
        SUPERUSER,
        SUPERUSER_PASSWORD,
        &new_user("ada", true),
        PW,
    )
    .unwrap();
    let mut session = PgSession::connect(&target, "ada", PW).unwrap();
    let mut create = |name: &str| session.create_user(&new_user(name, false), PW).unwrap();
    let (bob, carol, dave, erin) = (
        create("bob"),
        create("carol"),
        create("dave"),
        create("erin"),
    );
    let mut su = cluster.superuser(DATABASE);
    let id =
        |su: &mut postgres::Client, sql: &str| -> i64 { su.query_one(sql, &[]).unwrap().get(0) };
    su.batch_execute(
        r#"INSERT INTO latchkey.settings (key, value) VALUES ('settings', '{"temporary_access_enabled": true, "max_length_mins": 480}')"#,
    )
    .unwrap();
    let prod = id(
        &mut su,
        "INSERT INTO latchkey.vaults (name, break_glass_allowed, emergency_limit_mins) VALUES ('Production', true, 60) RETURNING id",
    );
    let staging = id(
        &mut su,
        "INSERT INTO latchkey.vaults (name, required_approvals) VALUES ('Staging', 2) RETURNING id",
    );
    let set = id(
        &mut su,
        "INSERT INTO latchkey.permission_sets (name, permission_bits) VALUES ('Connect', 1) RETURNING id",
    );
    let db = id(
        &mut su,
        &format!(
            "INSERT INTO latchkey.entries (vault_id, kind, name) VALUES ({prod}, 'ssh', 'db1') RETURNING id"
        ),
    );
    let vpn = id(
        &mut su,
        &format!(
            "INSERT INTO latchkey.entries (vault_id, kind, name) VALUES ({prod}, 'vpn', 'vpn') RETURNING id"
        ),
    );
    let folder = id(
        &mut su,
        &format!(
            "INSERT INTO latchkey.entries (vault_id, kind, name) VALUES ({prod}, 'folder', 'servers') RETURNING id"
        ),
    );
    let stage_db = id(
        &mut su,
        &format!(
            "INSERT INTO latchkey.entries (vault_id, kind, name) VALUES ({staging}, 'ssh', 'db2') RETURNING id"
        ),
    );
    su.batch_execute(&format!(
        "INSERT INTO latchkey.entry_dependencies (entry_id, depends_on_id, role) VALUES ({db}, {vpn}, 'vpn');
         INSERT INTO latchkey.vault_members (vault_id, user_id) VALUES
             ({prod}, {b}), ({prod}, {c}), ({prod}, {d}), ({staging}, {b}), ({staging}, {c}), ({staging}, {d});
         INSERT INTO latchkey.vault_approvers (vault_id, user_id) VALUES
             ({prod}, {c}), ({prod}, {d}), ({staging}, {c}), ({staging}, {d});",
        b = bob.0,
        c = carol.0,
        d = dave.0,
    ))
    .unwrap();
    let team = Team {
        cluster,
        target,
        ada,
        bob,
        carol,
        dave,
        erin,
        prod: VaultId(prod),
        staging: VaultId(staging),
        db: EntryId(db),
        vpn: EntryId(vpn),
        stage_db: EntryId(stage_db),
        folder: EntryId(folder),
        set: PermissionSetId(set),
    };
    team.set_clock(T0);
    Some(team)
}

impl Team {
    fn set_clock(&self, at: i64) {
        self.cluster
            .superuser(DATABASE)
            .execute(
                "INSERT INTO latchkey.server_clock (fixed_ms) VALUES ($1) \
                 ON CONFLICT (only_row) DO UPDATE SET fixed_ms = EXCLUDED.fixed_ms",
                &[&at],
            )
            .unwrap();
    }

    fn store(&self, user: &str) -> PgStore {
        PgStore::connect(&self.target, user, PW).unwrap()
    }

    fn raw(&self, user: &str) -> postgres::Client {
        self.cluster.connect(DATABASE, user, PW).unwrap()
    }

    /// A standard request of `requester` for an hour, with `approver` chosen.
    /// Its instants are far in the past: the server keeps its own.
    fn draft(
        &self,
        requester: UserId,
        target: Target,
        vault: VaultId,
        approver: UserId,
    ) -> Request {
        Request {
            approver_id: Some(approver),
            message: "deploy".into(),
            ..Request::pending(
                requester,
                target,
                vault,
                Terms {
                    permission_set_id: self.set,
                    window: AccessWindow::Duration { mins: 60 },
                },
                Timestamp(1_000),
                Timestamp(2_000),
            )
        }
    }

    /// Bob asks carol for an hour on db1, committed; the stored request.
    fn bob_asks(&self) -> Request {
        self.bob_asks_on(Target::Entry(self.db), self.prod, self.carol)
    }

    fn bob_asks_on(&self, target: Target, vault: VaultId, approver: UserId) -> Request {
        let mut store = self.store("bob");
        let mut tx = store.begin(TxMode::Write).unwrap();
        let id = tx
            .insert_request(&self.draft(self.bob, target, vault, approver), &[])
            .unwrap();
        let stored = tx.request(id).unwrap().unwrap();
        tx.commit().unwrap();
        stored
    }
}

/// `request` approved by `who` at `at` as the service's domain would write
/// it (the whole quorum reached).
fn approved(request: &Request, who: UserId, at: i64) -> Request {
    let mut r = with_approval(request, who, at);
    let mins = match r.requested.window {
        AccessWindow::Duration { mins } => i64::from(mins),
        _ => unreachable!(),
    };
    r.status = RequestStatus::Approved;
    r.decided_by = Some(who);
    r.decided_at = Some(Timestamp(at));
    r.decision_message = "ok".into();
    r.grant_start_at = Some(Timestamp(at));
    r.grant_end_at = Some(Timestamp(at + mins * MIN));
    r
}

/// `request` with `who`'s approval added, still pending.
fn with_approval(request: &Request, who: UserId, at: i64) -> Request {
    let mut r = request.clone();
    r.approvals.push(Approval {
        approver_id: who,
        approved_at: Timestamp(at),
        message: "ok".into(),
    });
    r.authorized = Some(r.requested);
    r
}

/// Runs one update as `user` and commits it.
fn update(team: &Team, user: &str, request: &Request) -> Result<(), StoreError> {
    let mut store = team.store(user);
    let mut tx = store.begin(TxMode::Write)?;
    tx.update_request(request)?;
    tx.commit()
}

fn read(team: &Team, user: &str, id: RequestId) -> Option<Request> {
    let mut store = team.store(user);
    let mut tx = store.begin(TxMode::Read).unwrap();
    tx.request(id).unwrap()
}

fn message_of(err: &postgres::Error) -> &str {
    err.as_db_error().unwrap().message()
}

fn refused(result: Result<impl std::fmt::Debug, StoreError>) -> DomainError {
    match result {
        Err(StoreError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn not_permitted(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match refused(result) {
        DomainError::NotPermitted(message) => message,
        other => panic!("expected NotPermitted, got {other:?}"),
    }
}

fn wrong_state(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match refused(result) {
        DomainError::WrongState(message) => message,
        other => panic!("expected WrongState, got {other:?}"),
    }
}

#[test]
fn a_request_is_stored_at_the_servers_instant_and_approved_by_an_approver() {
    let Some(team) = team() else { return };
    let asked = team.bob_asks();
    assert_eq!(asked.requester_id, team.bob);
    assert_eq!(asked.status, RequestStatus::Pending);
    assert_eq!(asked.kind, RequestKind::Standard);
    assert_eq!(
        asked.created_at,
        Timestamp(T0),
        "the server's instant, not the client's"
    );
    assert_eq!(asked.pending_until_at, Timestamp(T0 + 1_440 * MIN));
    assert_eq!(asked.message, "deploy");
    // An entry request covers the entry and its dependencies.
    let mut store = team.store("bob");
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(
        tx.covered_entries(asked.id).unwrap(),
        vec![team.db, team.vpn]
    );
    assert!(
        tx.has_pending(team.bob, Target::Entry(team.db), team.set, Timestamp(0))
            .unwrap()
    );
    assert_eq!(tx.requests_of(team.bob, 10).unwrap(), vec![asked.clone()]);
    drop(tx);

    // The same request again is refused while the first is pending.
    let mut tx = store.begin(TxMode::Write).unwrap();
    let again = tx.insert_request(
        &team.draft(team.bob, Target::Entry(team.db), team.prod, team.carol),
        &[],
    );
    assert!(matches!(refused(again), DomainError::Invalid(_)));
    drop(tx);

    // Carol sees it in her queue; erin (in no vault) sees nothing of it.
    let mut carol = team.store("carol");
    let mut tx = carol.begin(TxMode::Read).unwrap();
    assert_eq!(
        tx.pending_for_approver(team.carol, false, Timestamp(0), 10)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        tx.count_pending_for_approver(team.carol, false, Timestamp(0))
            .unwrap(),
        1
    );
    drop(tx);
    assert_eq!(read(&team, "erin", asked.id), None);
    let mut erin = team.store("erin");
    let mut tx = erin.begin(TxMode::Read).unwrap();
    assert!(tx.requests_of(team.bob, 10).unwrap().is_empty());
    assert!(tx.covered_entries(asked.id).unwrap().is_empty());
    assert!(
        tx.requests_visible_to(team.erin, true).unwrap().is_empty(),
        "is_admin is the server's"
    );
    drop(tx);
    // Each refusal ends its transaction.
    let mut tx = erin.begin(TxMode::Read).unwrap();
    not_permitted(tx.requests_visible_to(team.bob, false));
    drop(tx);
    let mut tx = erin.begin(TxMode::Read).unwrap();
    not_permitted(tx.pending_for_approver(team.carol, true, Timestamp(0), 10));
    drop(tx);

    // Carol approves ten minutes later; the instants are the server's.
    team.set_clock(T0 + 10 * MIN);
    update(&team, "carol", &approved(&asked, team.carol, 5)).unwrap();
    let stored = read(&team, "bob", asked.id).unwrap();
    assert_eq!(stored.status, RequestStatus::Approved);
    assert_eq!(stored.decided_by, Some(team.carol));
    assert_eq!(stored.decided_at, Some(Timestamp(T0 + 10 * MIN)));
    assert_eq!(stored.grant_start_at, Some(Timestamp(T0 + 10 * MIN)));
    assert_eq!(stored.grant_end_at, Some(Timestamp(T0 + 70 * MIN)));
    assert_eq!(stored.approvals.len(), 1);
    assert_eq!(stored.approvals[0].approver_id, team.carol);
    assert_eq!(stored.approvals[0].approved_at, Timestamp(T0 + 10 * MIN));
    assert_eq!(read(&team, "carol", asked.id), Some(stored.clone()));

    let mut tx = store.begin(TxMode::Read).unwrap();
    let grants = tx.approved_grants_covering(team.bob, team.vpn).unwrap();
    assert_eq!(grants, vec![stored.clone()]);
    let in_vault = tx.approved_grants_in_vault(team.bob, team.prod).unwrap();
    assert_eq!(in_vault, vec![(stored.clone(), vec![team.db, team.vpn])]);
    assert_eq!(tx.open_requests_of_set(team.set, Timestamp(0)).unwrap(), 1);
    // Expiring soon at the end minus 15 min (a quarter of the hour).
    assert_eq!(
        tx.next_due_at(Timestamp(0), 60 * MIN).unwrap(),
        Some(Timestamp(T0 + 55 * MIN))
    );
    assert!(
        tx.requests_due(Timestamp(i64::MAX), 60 * MIN)
            .unwrap()
            .is_empty(),
        "the server's instant"
    );
}

#[test]
fn nobody_decides_their_own_request_or_a_vault_they_do_not_approve() {
    let Some(team) = team() else { return };
    let asked = team.bob_asks();

    // Bob approving his own request.
    let message = not_permitted(update(&team, "bob", &approved(&asked, team.bob, T0)));
    assert_eq!(message, "you cannot decide your own request");
    // Bob writing carol's approval for her.
    let message = not_permitted(update(&team, "bob", &approved(&asked, team.carol, T0)));
    assert_eq!(message, "you cannot decide your own request");
    // Erin, who approves nothing and cannot see the request.
    assert!(matches!(
        refused(update(&team, "erin", &approved(&asked, team.erin, T0))),
        DomainError::WrongState(_)
    ));
    // Dave approving with carol's name on the approval.
    let message = not_permitted(update(&team, "dave", &approved(&asked, team.carol, T0)));
    assert_eq!(message, "you can only give your own approval");

    // Bob asks carol in Staging; carol then stops approving Staging: she
    // still sees the request addressed to her, but may not decide it.
    let staged = team.bob_asks_on(Target::Entry(team.stage_db), team.staging, team.carol);
    let mut su = team.cluster.superuser(DATABASE);
    su.execute(
        "DELETE FROM latchkey.vault_approvers WHERE vault_id = $1 AND user_id = $2",
        &[&team.staging.0, &team.carol.0],
    )
    .unwrap();
    assert!(read(&team, "carol", staged.id).is_some());
    let message = not_permitted(update(&team, "carol", &approved(&staged, team.carol, T0)));
    assert_eq!(message, "you are not an approver of this vault");
    // Nor may carol deny it.
    let mut denied = staged.clone();
    denied.status = RequestStatus::Denied;
    denied.decided_by = Some(team.carol);
    denied.decided_at = Some(Timestamp(T0));
    assert!(matches!(
        refused(update(&team, "carol", &denied)),
        DomainError::NotPermitted(_)
    ));
    // The administrator may.
    denied.decided_by = Some(team.ada);
    update(&team, "ada", &denied).unwrap();
    let stored = read(&team, "bob", staged.id).unwrap();
    assert_eq!(stored.status, RequestStatus::Denied);
    assert_eq!(stored.decided_by, Some(team.ada));

    // Nothing was decided on the first request.
    assert_eq!(read(&team, "bob", asked.id).unwrap(), asked);
}

#[test]
fn a_modified_client_gains_nothing_by_raw_calls() {
    let Some(team) = team() else { return };
    let mut bob = team.raw("bob");
    // The tables are out of reach.
    assert!(bob.query("SELECT * FROM latchkey.requests", &[]).is_err());

    // Asking in carol's name.
    let forged = bob.query_one(
        "SELECT latchkey_api.insert_request('standard', $1, 'entry', false, $2, $3, $4, NULL, $5, 60, NULL, NULL, 'x', false)",
        &[&team.carol.0, &team.db.0, &team.prod.0, &team.dave.0, &team.set.0],
    );
    let err = forged.unwrap_err();
    assert_eq!(err.code().unwrap().code(), "42501");
    assert!(message_of(&err).contains("only ask for access for yourself"));

    // A direct grant from a non-administrator, break glass as someone else.
    let direct = bob.query_one(
        "SELECT latchkey_api.insert_request('direct_grant', $1, 'entry', false, $2, $3, NULL, NULL, $4, 60, NULL, NULL, '', false)",
        &[&team.bob.0, &team.db.0, &team.prod.0, &team.set.0],
    );
    assert_eq!(direct.unwrap_err().code().unwrap().code(), "42501");
    let glass = bob.query_one(
        "SELECT latchkey_api.insert_request('break_glass', $1, 'entry', false, $2, $3, NULL, NULL, $4, 30, NULL, NULL, 'fire', false)",
        &[&team.carol.0, &team.db.0, &team.prod.0, &team.set.0],
    );
    assert_eq!(glass.unwrap_err().code().unwrap().code(), "42501");
    // Longer than the workspace allows.
    let long = bob.query_one(
        "SELECT latchkey_api.insert_request('standard', $1, 'entry', false, $2, $3, $4, NULL, $5, 100000, NULL, NULL, '', false)",
        &[&team.bob.0, &team.db.0, &team.prod.0, &team.carol.0, &team.set.0],
    );
    let err = long.unwrap_err();
    assert_eq!(err.code().unwrap().code(), "22023");
    assert_eq!(message_of(&err), "the longest access allowed is 8 h");

    // A request of his own, then approving it himself with a forged
    // decision time and window.
    let id: i64 = bob
        .query_one(
            "SELECT latchkey_api.insert_request('standard', $1, 'entry', false, $2, $3, $4, NULL, $5, 60, NULL, NULL, 'x', false)",
            &[&team.bob.0, &team.db.0, &team.prod.0, &team.carol.0, &team.set.0],
        )
        .unwrap()
        .get(0);
    let approve = "SELECT latchkey_api.update_request($1, $2, 60, NULL, NULL, 'approved', $3, $4, 'ok', \
                   $4, $5, NULL, NULL, NULL, '', false, NULL, NULL, false, false, ARRAY[$3]::bigint[], ARRAY['ok'])";
    let future = T0 + 365 * 1_440 * MIN;
    let err = bob
        .execute(
            approve,
            &[&id, &team.set.0, &team.bob.0, &future, &(future + 60 * MIN)],
        )
        .unwrap_err();
    assert_eq!(err.code().unwrap().code(), "42501");
    assert_eq!(message_of(&err), "you cannot decide your own request");

    // Carol's raw approval with the same forged instants: the server's win.
    let mut carol = team.raw("carol");
    carol
        .execute(
            approve,
            &[
                &id,
                &team.set.0,
                &team.carol.0,
                &future,
                &(future + 60 * MIN),
            ],
        )
        .unwrap();
    let stored = read(&team, "bob", RequestId(id)).unwrap();
    assert_eq!(stored.decided_at, Some(Timestamp(T0)));
    assert_eq!(stored.grant_start_at, Some(Timestamp(T0)));
    assert_eq!(stored.grant_end_at, Some(Timestamp(T0 + 60 * MIN)));
    assert_eq!(stored.approvals[0].approved_at, Timestamp(T0));

    // Bob stretching his approved grant, or giving it to himself anew.
    let mut longer = stored.clone();
    longer.grant_end_at = Some(Timestamp(T0 + 600 * MIN));
    assert_eq!(
        not_permitted(update(&team, "bob", &longer)),
        "this change to the request is not allowed"
    );
    let mut other_set = stored.clone();
    other_set.authorized = Some(Terms {
        permission_set_id: PermissionSetId(999),
        window: AccessWindow::Duration { mins: 60 },
    });
    not_permitted(update(&team, "bob", &other_set));
    // Marking its expiry before its end.
    let mut expired = stored.clone();
    expired.expiry_recorded = true;
    wrong_state(update(&team, "erin", &expired));
    team.set_clock(T0 + 61 * MIN);
    // Once past the end, anyone may record it (time's bookkeeping).
    update(&team, "erin", &expired).unwrap();
    assert!(read(&team, "bob", stored.id).unwrap().expiry_recorded);
}

#[test]
fn a_request_is_decided_once() {
    let Some(team) = team() else { return };
    let asked = team.bob_asks();
    update(&team, "carol", &approved(&asked, team.carol, T0)).unwrap();
    // Dave, with the request as he read it before carol decided.
    let message = wrong_state(update(&team, "dave", &approved(&asked, team.dave, T0)));
    assert!(
        message.starts_with("this request was already approved by Carol"),
        "{message}"
    );
    let mut denied = asked.clone();
    denied.status = RequestStatus::Denied;
    denied.decided_by = Some(team.dave);
    denied.decided_at = Some(Timestamp(T0));
    let message = wrong_state(update(&team, "dave", &denied));
    assert!(
        message.starts_with("this request was already approved by Carol"),
        "{message}"
    );
    // Carol again.
    let message = wrong_state(update(&team, "carol", &approved(&asked, team.carol, T0)));
    assert!(
        message.starts_with("this request was already approved"),
        "{message}"
    );

    // A pending request cannot be cancelled by anyone but its requester,
    // nor after its pending time.
    let other = team.bob_asks_on(Target::Folder(team.folder), team.prod, team.carol);
    let mut cancelled = other.clone();
    cancelled.status = RequestStatus::Cancelled;
    cancelled.ended_by = Some(team.carol);
    cancelled.ended_at = Some(Timestamp(T0));
    assert_eq!(
        not_permitted(update(&team, "carol", &cancelled)),
        "only the requester can cancel a request"
    );
    cancelled.ended_by = Some(team.bob);
    update(&team, "bob", &cancelled).unwrap();
    assert_eq!(
        read(&team, "bob", other.id).unwrap().status,
        RequestStatus::Cancelled
    );
    // Un-cancelling it.
    let message = wrong_state(update(&team, "bob", &other));
    assert!(
        message.starts_with("this request was already cancelled by Bob"),
        "{message}"
    );
}

#[test]
fn a_quorum_of_two_needs_two_different_approvers() {
    let Some(team) = team() else { return };
    let asked = team.bob_asks_on(Target::Entry(team.stage_db), team.staging, team.carol);
    // Carol claiming the quorum alone.
    let message = wrong_state(update(&team, "carol", &approved(&asked, team.carol, T0)));
    assert!(message.contains("1 of the 2 approvals"), "{message}");
    // Her approval is recorded; the request stays pending.
    update(&team, "carol", &with_approval(&asked, team.carol, T0)).unwrap();
    let once = read(&team, "bob", asked.id).unwrap();
    assert_eq!(once.status, RequestStatus::Pending);
    assert_eq!(once.approvals.len(), 1);
    // Approving twice.
    let message = wrong_state(update(&team, "carol", &approved(&once, team.carol, T0)));
    assert_eq!(
        message,
        "you have already approved this request; it is waiting for other approvers"
    );
    let message = wrong_state(update(
        &team,
        "carol",
        &with_approval(&once, team.carol, T0),
    ));
    assert!(message.contains("already approved"), "{message}");
    // Dave completes it.
    team.set_clock(T0 + MIN);
    update(&team, "dave", &approved(&once, team.dave, T0)).unwrap();
    let done = read(&team, "bob", asked.id).unwrap();
    assert_eq!(done.status, RequestStatus::Approved);
    assert_eq!(done.decided_by, Some(team.dave));
    assert_eq!(done.approvals.len(), 2);
    assert_eq!(done.grant_start_at, Some(Timestamp(T0 + MIN)));
}

#[test]
fn two_approvers_at_once_make_one_decision() {
    let Some(team) = team() else { return };
    let asked = team.bob_asks();
    let team = Arc::new(team);
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [("carol", team.carol), ("dave", team.dave)]
        .into_iter()
        .map(|(name, id)| {
            let (team, barrier, asked) = (Arc::clone(&team), Arc::clone(&barrier), asked.clone());
            std::thread::spawn(move || {
                let mut store = team.store(name);
                let mut tx = store.begin(TxMode::Write).unwrap();
                barrier.wait();
                let result = tx.update_request(&approved(&asked, id, T0));
                // Hold the lock a moment, so the other call waits on it.
                std::thread::sleep(std::time::Duration::from_millis(200));
                result.and_then(|()| tx.commit())
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{results:?}");
    let loser = results.into_iter().find(Result::is_err).unwrap();
    assert!(wrong_state(loser).starts_with("this request was already approved by"));
    let stored = read(&team, "bob", asked.id).unwrap();
    assert_eq!(stored.status, RequestStatus::Approved);
    assert_eq!(stored.approvals.len(), 1);
}

#[test]
fn grants_end_as_their_rules_say() {
    let Some(team) = team() else { return };
    let asked = team.bob_asks();
    update(&team, "carol", &approved(&asked, team.carol, T0)).unwrap();
    let grant = read(&team, "bob", asked.id).unwrap();
    // Carol cannot release bob's access; bob can, while it is active.
    let mut released = grant.clone();
    released.status = RequestStatus::Released;
    released.ended_by = Some(team.carol);
    released.ended_at = Some(Timestamp(T0));
    released.closing_note = "done".into();
    assert_eq!(
        not_permitted(update(&team, "carol", &released)),
        "only the requester can release their access"
    );
    // Erin may not revoke it.
    let mut revoked = grant.clone();
    revoked.status = RequestStatus::Revoked;
    revoked.ended_by = Some(team.erin);
    revoked.ended_at = Some(Timestamp(T0));
    assert!(matches!(
        refused(update(&team, "erin", &revoked)),
        DomainError::WrongState(_)
    ));
    // Dave (an approver) may.
    revoked.ended_by = Some(team.dave);
    update(&team, "dave", &revoked).unwrap();
    let stored = read(&team, "bob", asked.id).unwrap();
    assert_eq!(stored.status, RequestStatus::Revoked);
    assert_eq!(stored.ended_by, Some(team.dave));
    // Bringing it back.
    wrong_state(update(&team, "dave", &grant));
}

#[test]
fn emergency_and_direct_grants_are_checked_by_the_server() {
    let Some(team) = team() else { return };
    let glass = Request {
        kind: RequestKind::BreakGlass,
        message: "outage".into(),
        ..team.draft(team.bob, Target::Entry(team.db), team.prod, team.bob)
    };
    let mut bob = team.store("bob");
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let id = tx.insert_request(&glass, &[]).unwrap();
    let stored = tx.request(id).unwrap().unwrap();
    tx.commit().unwrap();
    assert_eq!(stored.status, RequestStatus::Approved);
    assert!(stored.needs_review);
    assert_eq!(stored.decided_by, Some(team.bob));
    assert_eq!(stored.grant_end_at, Some(Timestamp(T0 + 60 * MIN)));
    // Not chained while unreviewed.
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let message = not_permitted(tx.insert_request(&glass, &[]));
    assert!(
        message.starts_with("emergency access cannot be chained"),
        "{message}"
    );
    drop(tx);
    // Not reviewed by its taker; by an approver.
    let mut reviewed = stored.clone();
    reviewed.needs_review = false;
    reviewed.reviewed_by = Some(team.bob);
    reviewed.reviewed_at = Some(Timestamp(T0));
    assert_eq!(
        not_permitted(update(&team, "bob", &reviewed)),
        "only an approver of this vault or an administrator can review emergency access"
    );
    reviewed.reviewed_by = Some(team.carol);
    update(&team, "carol", &reviewed).unwrap();
    assert_eq!(
        read(&team, "bob", id).unwrap().reviewed_by,
        Some(team.carol)
    );
    // Staging does not allow emergency access.
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let staged = Request {
        kind: RequestKind::BreakGlass,
        ..team.draft(
            team.bob,
            Target::Entry(team.stage_db),
            team.staging,
            team.bob,
        )
    };
    assert!(matches!(
        refused(tx.insert_request(&staged, &[])),
        DomainError::Invalid(_)
    ));
    drop(tx);

    // A direct grant: not by an approver, by an administrator, to a member.
    let direct = Request {
        kind: RequestKind::DirectGrant,
        ..team.draft(team.bob, Target::Entry(team.db), team.prod, team.carol)
    };
    let mut carol = team.store("carol");
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(tx.insert_request(&direct, &[]));
    drop(tx);
    let mut ada = team.store("ada");
    let mut tx = ada.begin(TxMode::Write).unwrap();
    let to_erin = Request {
        requester_id: team.erin,
        ..direct.clone()
    };
    assert!(matches!(
        refused(tx.insert_request(&to_erin, &[])),
        DomainError::Invalid(_)
    ));
    drop(tx);
    let mut tx = ada.begin(TxMode::Write).unwrap();
    let id = tx.insert_request(&direct, &[]).unwrap();
    let stored = tx.request(id).unwrap().unwrap();
    tx.commit().unwrap();
    assert_eq!(stored.status, RequestStatus::Approved);
    assert_eq!(stored.decided_by, Some(team.ada));
    assert_eq!(stored.approver_id, Some(team.ada));
    assert_eq!(stored.requester_id, team.bob);
    // Erin, a non-member, may not ask; an unknown approver is refused.
    let mut erin = team.store("erin");
    let mut tx = erin.begin(TxMode::Write).unwrap();
    let asked = team.draft(team.erin, Target::Entry(team.db), team.prod, team.carol);
    assert!(matches!(
        refused(tx.insert_request(&asked, &[])),
        DomainError::Invalid(_)
    ));
}

#[test]
fn first_use_lapses_releases_and_withdrawals_follow_the_servers_clock() {
    let Some(team) = team() else { return };
    // A first-use request: approved, it waits for its first use.
    let mut store = team.store("bob");
    let mut tx = store.begin(TxMode::Write).unwrap();
    let draft = Request {
        start_on_first_use: true,
        ..team.draft(team.bob, Target::Entry(team.db), team.prod, team.carol)
    };
    let id = tx.insert_request(&draft, &[]).unwrap();
    let asked = tx.request(id).unwrap().unwrap();
    tx.commit().unwrap();
    let mut first_use = with_approval(&asked, team.carol, T0);
    first_use.status = RequestStatus::Approved;
    first_use.decided_by = Some(team.carol);
    first_use.decided_at = Some(Timestamp(T0));
    first_use.decision_message = "ok".into();
    first_use.claim_by_at = Some(Timestamp(T0 + 1_440 * MIN));
    update(&team, "carol", &first_use).unwrap();
    let waiting = read(&team, "bob", id).unwrap();
    assert_eq!(waiting.claim_by_at, Some(Timestamp(T0 + 1_440 * MIN)));
    assert_eq!(waiting.grant_start_at, None);

    // Carol cannot start bob's clock; bob's first use starts it at the
    // server's instant, whatever he sends.
    team.set_clock(T0 + 30 * MIN);
    let mut claimed = waiting.clone();
    claimed.grant_start_at = Some(Timestamp(T0 + 10_000 * MIN));
    claimed.grant_end_at = Some(Timestamp(T0 + 20_000 * MIN));
    not_permitted(update(&team, "carol", &claimed));
    update(&team, "bob", &claimed).unwrap();
    let running = read(&team, "bob", id).unwrap();
    assert_eq!(running.grant_start_at, Some(Timestamp(T0 + 30 * MIN)));
    assert_eq!(running.grant_end_at, Some(Timestamp(T0 + 90 * MIN)));
    // Claiming it again (moving its window) is refused.
    let mut again = running.clone();
    again.grant_start_at = Some(Timestamp(T0 + 40 * MIN));
    again.grant_end_at = Some(Timestamp(T0 + 100 * MIN));
    not_permitted(update(&team, "bob", &again));

    // Bob gives it back with a note; the end is the server's instant.
    team.set_clock(T0 + 45 * MIN);
    let mut released = running.clone();
    released.status = RequestStatus::Released;
    released.ended_by = Some(team.bob);
    released.ended_at = Some(Timestamp(0));
    released.closing_note = "done".into();
    update(&team, "bob", &released).unwrap();
    let ended = read(&team, "bob", id).unwrap();
    assert_eq!(ended.status, RequestStatus::Released);
    assert_eq!(ended.ended_at, Some(Timestamp(T0 + 45 * MIN)));

    // A pending request lapses only once past its pending time, and then
    // anyone may record it, at that time.
    let pending = team.bob_asks();
    let mut lapsed = pending.clone();
    lapsed.status = RequestStatus::Lapsed;
    lapsed.ended_at = Some(pending.pending_until_at);
    wrong_state(update(&team, "erin", &lapsed));
    team.set_clock(pending.pending_until_at.millis() + 1);
    update(&team, "erin", &lapsed).unwrap();
    let stored = read(&team, "bob", pending.id).unwrap();
    assert_eq!(stored.status, RequestStatus::Lapsed);
    assert_eq!(stored.ended_at, Some(pending.pending_until_at));
    assert_eq!(stored.ended_by, None);

    // An administrator withdrawing access cancels a pending request with a
    // note; an approver may not.
    let pending = team.bob_asks();
    let mut withdrawn = pending.clone();
    withdrawn.status = RequestStatus::Cancelled;
    withdrawn.ended_by = Some(team.carol);
    withdrawn.ended_at = Some(Timestamp(0));
    withdrawn.closing_note = "membership removed".into();
    not_permitted(update(&team, "carol", &withdrawn));
    withdrawn.ended_by = Some(team.ada);
    update(&team, "ada", &withdrawn).unwrap();
    let stored = read(&team, "bob", pending.id).unwrap();
    assert_eq!(stored.status, RequestStatus::Cancelled);
    assert_eq!(stored.ended_by, Some(team.ada));
    assert_eq!(stored.closing_note, "membership removed");
}

#[test]
fn an_extension_continues_the_grant_it_extends() {
    let Some(team) = team() else { return };
    let asked = team.bob_asks();
    update(&team, "carol", &approved(&asked, team.carol, T0)).unwrap();
    team.set_clock(T0 + 30 * MIN);
    let extension = Request {
        kind: RequestKind::Extension,
        extends_request_id: Some(asked.id),
        ..team.draft(team.bob, Target::Entry(team.db), team.prod, team.carol)
    };
    // Only one's own access is extended.
    let mut dave = team.store("dave");
    let mut tx = dave.begin(TxMode::Write).unwrap();
    let for_dave = Request {
        requester_id: team.dave,
        ..extension.clone()
    };
    not_permitted(tx.insert_request(&for_dave, &[]));
    drop(tx);
    let mut bob = team.store("bob");
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let id = tx.insert_request(&extension, &[]).unwrap();
    let stored = tx.request(id).unwrap().unwrap();
    tx.commit().unwrap();
    assert_eq!(stored.kind, RequestKind::Extension);
    // Approved while the first grant runs, it starts at that grant's end.
    update(&team, "dave", &approved(&stored, team.dave, T0)).unwrap();
    let granted = read(&team, "bob", id).unwrap();
    assert_eq!(granted.grant_start_at, Some(Timestamp(T0 + 60 * MIN)));
    assert_eq!(granted.grant_end_at, Some(Timestamp(T0 + 120 * MIN)));
    let mut tx = bob.begin(TxMode::Read).unwrap();
    assert_eq!(tx.extensions_of(asked.id).unwrap(), vec![granted]);
}
