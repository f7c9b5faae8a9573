//! A workspace file moved whole into a new PostgreSQL workspace (issue 19):
//! how `init --workspace postgresql://… --demo` makes the demo. Everything
//! arrives (same ids, same audit chain, which verifies and goes on), the
//! users sign in as roles, and the secrets open on the server only.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use latchkey::domain::{EntryId, Timestamp};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::witness::MemoryWitness;
use latchkey::service::{
    AuditVerdict, HashCost, KeyOptions, SecretUse, ServerOwner, Workspace, demo,
};
use latchkey::store::postgres::PgTarget;
use latchkey::store::sqlite::SqliteStore;
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};

const DATABASE: &str = "team";
/// The demo's "now".
const T0: Timestamp = Timestamp(1_800_000_000_000);

/// Rows per table of the copy, as the server's owner counts them.
fn counts_on_server(cluster: &PgCluster) -> Vec<(String, i64)> {
    let mut su = cluster.superuser(DATABASE);
    [
        "users",
        "vaults",
        "entries",
        "entry_secrets",
        "requests",
        "approvals",
        "notifications",
        "audit_events",
        "standing_permissions",
        "vault_members",
    ]
    .iter()
    .map(|table| {
        let n: i64 = su
            .query_one(&format!("SELECT count(*) FROM latchkey.{table}"), &[])
            .unwrap()
            .get(0);
        ((*table).to_owned(), n)
    })
    .collect()
}

#[test]
fn the_demo_moves_whole_into_a_server_and_goes_on() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    cluster.create_database(DATABASE);
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    let owner = ServerOwner {
        user: SUPERUSER,
        password: SUPERUSER_PASSWORD,
    };
    // The server follows the demo's instants, as the suite's do.
    Workspace::create_postgres_demo(&target, &owner, T0).unwrap();
    cluster
        .superuser(DATABASE)
        .batch_execute("INSERT INTO latchkey.server_clock (follow_clients) VALUES (true)")
        .unwrap();

    // The same demo as a file, made at the same instant: the same rows.
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("demo.latchkey");
    let keyring = MemoryKeyring::default();
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: None,
    };
    let store = SqliteStore::create(&path).unwrap();
    let mut file = demo::create_demo(Box::new(store), &keys, HashCost::Minimal, T0).unwrap();
    let file_admin = file.sign_in("admin", demo::DEMO_PASSWORD, T0).unwrap();
    let on_server = counts_on_server(&cluster);
    let rows = |table: &str| on_server.iter().find(|(t, _)| t == table).unwrap().1;
    assert_eq!(
        rows("users") as usize,
        file.users(T0).unwrap().len(),
        "{on_server:?}"
    );
    assert!(
        rows("entries") > 10 && rows("entry_secrets") > 5,
        "{on_server:?}"
    );
    assert!(
        rows("requests") > 5 && rows("audit_events") > 50,
        "{on_server:?}"
    );

    // Every demo user signs in as a role; the chain verifies on the server
    // and goes on from where the file left it.
    let (mut admin_ws, admin) =
        Workspace::sign_in_postgres(&target, "admin", demo::DEMO_PASSWORD, T0).unwrap();
    let witness = MemoryWitness::default();
    let check = admin_ws.check_audit(&witness).unwrap();
    assert!(
        matches!(check.verdict, AuditVerdict::Intact { .. }),
        "{:?}",
        check.verdict
    );
    let file_users = file.users(T0).unwrap();
    let server_users = admin_ws.users(T0).unwrap();
    assert_eq!(
        file_users
            .iter()
            .map(|u| (&u.username, u.id))
            .collect::<Vec<_>>(),
        server_users
            .iter()
            .map(|u| (&u.username, u.id))
            .collect::<Vec<_>>()
    );
    for name in ["alice", "bob", "carol"] {
        Workspace::sign_in_postgres(&target, name, demo::DEMO_PASSWORD, T0).unwrap();
    }
    // What alice sees of her requests is what the file shows her.
    let (mut alice_ws, alice) =
        Workspace::sign_in_postgres(&target, "alice", demo::DEMO_PASSWORD, T0).unwrap();
    let file_alice = file.sign_in("alice", demo::DEMO_PASSWORD, T0).unwrap();
    let mine = |ws: &mut Workspace, who| {
        ws.my_requests(who, 100, T0)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(mine(&mut alice_ws, &alice), mine(&mut file, &file_alice));
    // Every secret opens on the server as it did in the file.
    let with_secrets: Vec<i64> = cluster
        .superuser(DATABASE)
        .query(
            "SELECT entry_id FROM latchkey.entry_secrets ORDER BY entry_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(!with_secrets.is_empty());
    for id in with_secrets {
        let entry = EntryId(id);
        let from_file = file
            .reveal_secret(&file_admin, entry, SecretUse::Reveal, T0)
            .unwrap();
        let from_server = admin_ws
            .reveal_secret(&admin, entry, SecretUse::Reveal, T0)
            .unwrap();
        assert_eq!(from_file.as_str(), from_server.as_str(), "entry {id}");
    }
    assert!(matches!(
        admin_ws.check_audit(&witness).unwrap().verdict,
        AuditVerdict::Intact { .. }
    ));
}

/// R-AUD-2, R-BEY-12 for everyone: a user who may not read every event
/// still has the chain verified — by the server — and the head this
/// computer remembered compared with it; an altered event or a rewritten
/// log is reported.
#[test]
fn a_requester_has_the_chain_verified_by_the_server_and_checked_against_the_witness() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    cluster.create_database(DATABASE);
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    let owner = ServerOwner {
        user: SUPERUSER,
        password: SUPERUSER_PASSWORD,
    };
    Workspace::create_postgres_demo(&target, &owner, T0).unwrap();
    let mut su = cluster.superuser(DATABASE);
    su.batch_execute("INSERT INTO latchkey.server_clock (follow_clients) VALUES (true)")
        .unwrap();
    let (mut alice, _) =
        Workspace::sign_in_postgres(&target, "alice", demo::DEMO_PASSWORD, T0).unwrap();
    let witness = MemoryWitness::default();
    let first = alice.check_audit(&witness).unwrap();
    let AuditVerdict::Intact { events } = first.verdict else {
        panic!("{:?}", first.verdict);
    };
    let head = first.head.clone().unwrap();
    assert_eq!(head.events, events);
    // New events extend what was seen.
    Workspace::sign_in_postgres(&target, "bob", demo::DEMO_PASSWORD, T0).unwrap();
    let since = alice.check_audit_since(&head, &witness).unwrap();
    assert!(
        matches!(since.verdict, AuditVerdict::Intact { events: n } if n == events + 1),
        "{:?}",
        since.verdict
    );
    // The server's owner alters an event: the server's own check says which.
    su.batch_execute(
        "ALTER TABLE latchkey.audit_events DISABLE TRIGGER audit_events_no_update;
         UPDATE latchkey.audit_events SET details = '{\"tampered\":true}' WHERE seq = 5;
         ALTER TABLE latchkey.audit_events ENABLE TRIGGER audit_events_no_update;",
    )
    .unwrap();
    let broken = alice.check_audit(&witness).unwrap();
    assert_eq!(
        broken.verdict,
        AuditVerdict::Broken(latchkey::domain::audit::ChainBreak::Altered { seq: 5 })
    );
    // Cut back to before what this computer saw: the witness catches it.
    su.batch_execute(
        "ALTER TABLE latchkey.audit_events DISABLE TRIGGER audit_events_no_update;
         DELETE FROM latchkey.audit_events WHERE seq >= 5;
         ALTER TABLE latchkey.audit_events ENABLE TRIGGER audit_events_no_update;",
    )
    .unwrap();
    let cut = alice.check_audit(&witness).unwrap();
    assert!(
        matches!(
            cut.verdict,
            AuditVerdict::Broken(latchkey::domain::audit::ChainBreak::Shorter { .. })
        ),
        "{:?}",
        cut.verdict
    );
}
