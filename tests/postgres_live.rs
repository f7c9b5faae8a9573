//! Live updates on a PostgreSQL workspace (R-DATA-2): another user's commit
//! is heard by this user's connection and by the window's watcher (the
//! announcement arrives at commit; the watcher looks every 250 ms).

mod pg_cluster;

use latchkey::domain::clock::Clock;
use latchkey::platform::clock::SystemClock;
use latchkey::service::{ServerOwner, Workspace, demo};
use latchkey::store::postgres::PgTarget;
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};
use std::time::{Duration, Instant};

const DATABASE: &str = "team";

/// The watcher looks every 250 ms; how long hearing took is printed (a
/// figure, not a condition: a loaded machine may be slower), and the test
/// only gives up after 10 s.
#[test]
fn another_users_commit_is_heard() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    cluster.create_database(DATABASE);
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    let owner = ServerOwner {
        user: SUPERUSER,
        password: SUPERUSER_PASSWORD,
    };
    let now = SystemClock.now();
    Workspace::create_postgres_demo(&target, &owner, now).unwrap();
    let (mut alice, alice_me) =
        Workspace::sign_in_postgres(&target, "alice", demo::DEMO_PASSWORD, now).unwrap();
    let mut probe = alice.change_probe().unwrap();
    let before = (alice.data_version().unwrap(), probe.data_version().unwrap());
    // Alice's own reads change nothing.
    alice.my_requests(&alice_me, 10, now).unwrap();
    let (mut bob, bob_me) =
        Workspace::sign_in_postgres(&target, "bob", demo::DEMO_PASSWORD, now).unwrap();
    bob.mark_all_notifications_read(&bob_me, SystemClock.now())
        .unwrap();
    let committed = Instant::now();
    let deadline = committed + Duration::from_secs(10);
    loop {
        let after = (alice.data_version().unwrap(), probe.data_version().unwrap());
        if after.0 != before.0 && after.1 != before.1 {
            eprintln!("heard after {} ms", committed.elapsed().as_millis());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not heard: {before:?} then {after:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A row another session holds longer than this window waits is "locked by
/// another program" (nothing happened; trying again may work), as a
/// workspace file's busy lock is — never a database error.
#[test]
fn a_row_held_by_another_session_is_a_busy_workspace() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    cluster.create_database(DATABASE);
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    let owner = ServerOwner {
        user: SUPERUSER,
        password: SUPERUSER_PASSWORD,
    };
    let now = SystemClock.now();
    Workspace::create_postgres_demo(&target, &owner, now).unwrap();
    let (mut alice, alice_me) =
        Workspace::sign_in_postgres(&target, "alice", demo::DEMO_PASSWORD, now).unwrap();
    alice.set_lock_wait(Duration::from_millis(200)).unwrap();
    let pending = alice
        .my_requests(&alice_me, 100, now)
        .unwrap()
        .into_iter()
        .find(|r| r.status == latchkey::domain::request::RequestStatus::Pending)
        .unwrap();
    let mut holder = cluster.superuser(DATABASE);
    let mut held = holder.transaction().unwrap();
    held.execute(
        "SELECT 1 FROM latchkey.requests WHERE id = $1 FOR UPDATE",
        &[&pending.id.0],
    )
    .unwrap();
    let refused = alice
        .cancel(&alice_me, pending.id, SystemClock.now())
        .unwrap_err();
    assert!(refused.is_locked_by_another(), "{refused:?}");
    held.rollback().unwrap();
    alice
        .cancel(&alice_me, pending.id, SystemClock.now())
        .unwrap();
}
