//! The audit chain and notifications on a PostgreSQL workspace, against a
//! real throwaway server (issue 19): the server appends and hashes the
//! chain itself, shows each reader only their part of the log, and keeps
//! each user's notifications their own; a user's role driven by a raw SQL
//! client (a modified Latchkey) gains nothing more.
//!
//! Roles belong to the whole server, so each test has a cluster of its own.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use latchkey::domain::audit::{AuditAction, AuditEvent, GENESIS_HASH};
use latchkey::domain::error::DomainError;
use latchkey::domain::notification::{
    HandledNote, HandledOutcome, Handling, NewNotification, NotificationContent, NotificationFacts,
    NotificationKind, NotificationNames,
};
use latchkey::domain::request::AccessWindow;
use latchkey::domain::user::NewUser;
use latchkey::domain::{EntryId, NotificationId, RequestId, Timestamp, UserId, VaultId};
use latchkey::service::{AuditVerdict, verify_audit};
use latchkey::store::postgres::{PgSession, PgStore, PgTarget, PgWorkspace};
use latchkey::store::{AuditCursor, AuditFilter, AuditScope, Store, StoreError, TxMode};
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};
use postgres::fallible_iterator::FallibleIterator;
use std::time::Duration;

const ADA_PW: &str = "ada-pw-Hq71Lx";
const BOB_PW: &str = "bob-pw-Zq81Wm";
const CAROL_PW: &str = "carol-pw-Pe42Tn";
const DAVE_PW: &str = "dave-pw-Kd93Rv";
const DATABASE: &str = "team";
/// The server's fixed instant in these tests.
const NOW: i64 = 1_800_000_000_000;

/// A workspace with an administrator (ada) and three users: carol approves
/// for vault `v1`, bob and dave approve nowhere. `v2` has no approver.
/// Each vault holds one entry; bob has a pending request on `e1`.
struct Team {
    cluster: PgCluster,
    target: PgTarget,
    ada: UserId,
    bob: UserId,
    carol: UserId,
    dave: UserId,
    v1: VaultId,
    v2: VaultId,
    e1: EntryId,
    e2: EntryId,
    request: RequestId,
}

fn new_user(name: &str, display: &str, is_admin: bool) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: display.into(),
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
        &new_user("ada", "Ada Admin", true),
        ADA_PW,
    )
    .unwrap();
    let mut session = PgSession::connect(&target, "ada", ADA_PW).unwrap();
    let bob = session
        .create_user(&new_user("bob", "Bob", false), BOB_PW)
        .unwrap();
    let carol = session
        .create_user(&new_user("carol", "Carol Ç", false), CAROL_PW)
        .unwrap();
    let dave = session
        .create_user(&new_user("dave", "Dave", false), DAVE_PW)
        .unwrap();
    let mut su = cluster.superuser(DATABASE);
    su.execute(
        "INSERT INTO latchkey.server_clock (fixed_ms) VALUES ($1)",
        &[&NOW],
    )
    .unwrap();
    let id = |su: &mut postgres::Client,
              sql: &str,
              params: &[&(dyn postgres::types::ToSql + Sync)]|
     -> i64 { su.query_one(sql, params).unwrap().get(0) };
    let v1 = id(
        &mut su,
        "INSERT INTO latchkey.vaults (name) VALUES ('Prod') RETURNING id",
        &[],
    );
    let v2 = id(
        &mut su,
        "INSERT INTO latchkey.vaults (name) VALUES ('Lab') RETURNING id",
        &[],
    );
    let e1 = id(
        &mut su,
        "INSERT INTO latchkey.entries (vault_id, kind, name) VALUES ($1, 'password', 'db-prod') RETURNING id",
        &[&v1],
    );
    let e2 = id(
        &mut su,
        "INSERT INTO latchkey.entries (vault_id, kind, name) VALUES ($1, 'password', 'lab-box') RETURNING id",
        &[&v2],
    );
    su.execute(
        "INSERT INTO latchkey.vault_approvers (vault_id, user_id) VALUES ($1, $2)",
        &[&v1, &carol.0],
    )
    .unwrap();
    let set = id(
        &mut su,
        "INSERT INTO latchkey.permission_sets (name, permission_bits) VALUES ('Read', 1) RETURNING id",
        &[],
    );
    let request = id(
        &mut su,
        "INSERT INTO latchkey.requests (kind, requester_id, entry_id, vault_id, requested_set_id, \
         requested_duration_mins, created_at_ms, pending_until_ms, status) \
         VALUES ('standard', $1, $2, $3, $4, 60, $5::bigint, $5::bigint + 86400000, 'pending') RETURNING id",
        &[&bob.0, &e1, &v1, &set, &NOW],
    );
    Some(Team {
        cluster,
        target,
        ada,
        bob,
        carol,
        dave,
        v1: VaultId(v1),
        v2: VaultId(v2),
        e1: EntryId(e1),
        e2: EntryId(e2),
        request: RequestId(request),
    })
}

impl Team {
    fn store(&self, user: &str, password: &str) -> PgStore {
        PgStore::connect(&self.target, user, password).unwrap()
    }

    fn raw(&self, user: &str, password: &str) -> postgres::Client {
        self.cluster.connect(DATABASE, user, password).unwrap()
    }

    fn superuser(&self) -> postgres::Client {
        self.cluster.superuser(DATABASE)
    }
}

/// An event as the service builds it; the server ignores its seq, instant
/// and hashes, so they are nonsense here.
fn event(
    actor: Option<UserId>,
    action: AuditAction,
    request: Option<RequestId>,
    entry: Option<EntryId>,
    details: &str,
) -> AuditEvent {
    AuditEvent {
        seq: 999,
        at: Timestamp(1),
        actor_id: actor,
        action: action.as_str().to_owned(),
        request_id: request,
        entry_id: entry,
        details: details.to_owned(),
        prev_hash: "forged".into(),
        hash: "forged".into(),
    }
}

/// Appends one event in a transaction of its own.
fn append(store: &mut PgStore, e: &AuditEvent) -> Result<(), StoreError> {
    let mut tx = store.begin(TxMode::Write)?;
    tx.append_audit(e)?;
    tx.commit()
}

fn refused(result: Result<impl std::fmt::Debug, StoreError>) -> DomainError {
    match result {
        Err(StoreError::Refused(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn not_permitted(result: Result<impl std::fmt::Debug, StoreError>) {
    let e = refused(result);
    assert!(matches!(e, DomainError::NotPermitted(_)), "{e:?}");
}

/// The SQLSTATE of a failed statement.
fn sqlstate(result: Result<impl Sized, postgres::Error>) -> String {
    match result {
        Ok(_) => panic!("the server allowed it"),
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("not a server error: {e}"))
            .code()
            .to_owned(),
    }
}

const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// Reads the whole chain as an administrator and checks every link.
fn assert_chain(store: &mut PgStore, expected: usize) -> Vec<AuditEvent> {
    let mut tx = store.begin(TxMode::Read).unwrap();
    let events = tx.audit_events_after(0, 100_000).unwrap();
    assert_eq!(events.len(), expected);
    let mut prev = GENESIS_HASH.to_owned();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i64::try_from(i).unwrap() + 1, "gap-free from 1");
        assert_eq!(
            e.prev_hash, prev,
            "event {} links to its predecessor",
            e.seq
        );
        assert_eq!(
            e.computed_hash(),
            e.hash,
            "event {} hashes as the app does",
            e.seq
        );
        prev = e.hash.clone();
    }
    let head = tx.audit_head().unwrap();
    assert_eq!(head, events.last().map(|e| (e.seq, e.hash.clone())));
    let rows = tx.audit_rows_after(0, 100_000).unwrap();
    assert_eq!(rows.len(), expected);
    events
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one chain, written, verified by both verifiers, then altered and found"
)]
fn the_server_chains_and_hashes_events_as_the_app_verifies_them() {
    let Some(team) = team() else { return };
    // The first administrator records the creation, first and once.
    let mut ada = team.store("ada", ADA_PW);
    let created = event(
        None,
        AuditAction::WorkspaceCreated,
        None,
        None,
        r#"{"name":"Équipe","workspace_id":"f00d"}"#,
    );
    append(&mut ada, &created).unwrap();
    not_permitted(append(&mut ada, &created));
    let mut bob = team.store("bob", BOB_PW);
    let details = [
        r#"{"note":"Grüße, Ünïcödé ✓ 日本語 🔑"}"#,
        r#"{"kind":"approved","before":true,"after":false}"#,
        r#"{"vault_id":1,"name":"naïve \"quoted\" \\ back"}"#,
    ];
    append(
        &mut bob,
        &event(
            Some(team.bob),
            AuditAction::SignedIn,
            None,
            None,
            details[0],
        ),
    )
    .unwrap();
    append(
        &mut bob,
        &event(
            Some(team.bob),
            AuditAction::NotificationPreferenceChanged,
            None,
            None,
            details[1],
        ),
    )
    .unwrap();
    append(
        &mut bob,
        &event(
            Some(team.bob),
            AuditAction::Requested,
            Some(team.request),
            Some(team.e1),
            details[2],
        ),
    )
    .unwrap();

    let events = assert_chain(&mut ada, 4);
    assert_eq!(events[0].action, "workspace_created");
    assert_eq!(events[0].actor_id, None);
    for (e, d) in events[1..].iter().zip(details) {
        assert_eq!(e.details, d, "details are stored byte for byte");
        assert_eq!(
            e.at,
            Timestamp(NOW),
            "the server's instant, not the client's"
        );
        assert_eq!(e.actor_id, Some(team.bob));
    }
    assert_eq!(events[3].request_id, Some(team.request));
    assert_eq!(events[3].entry_id, Some(team.e1));
    // The service's own verifier agrees, and so does the server's.
    assert_eq!(
        verify_audit(&mut ada).unwrap(),
        AuditVerdict::Intact { events: 4 }
    );
    let mut raw = team.raw("bob", BOB_PW);
    let row = raw
        .query_one(
            "SELECT events, head_hash, broken_at FROM latchkey_api.audit_verify()",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 4);
    assert_eq!(row.get::<_, String>(1), events[3].hash);
    assert_eq!(row.get::<_, Option<i64>>(2), None);
    let mut tx = ada.begin(TxMode::Read).unwrap();
    assert!(tx.holds_data().unwrap());
    drop(tx);

    // The server's list of actions is the app's.
    let mut su = team.superuser();
    let names: Vec<String> = su
        .query_one("SELECT latchkey.audit_action_names()", &[])
        .unwrap()
        .get(0);
    let ours: Vec<String> = AuditAction::ALL
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    assert_eq!(names, ours);

    // A row changed behind the server's back is found by both verifiers.
    su.batch_execute(
        "ALTER TABLE latchkey.audit_events DISABLE TRIGGER audit_events_no_update;
         UPDATE latchkey.audit_events SET details = '{\"note\":\"changed\"}' WHERE seq = 3;
         ALTER TABLE latchkey.audit_events ENABLE TRIGGER audit_events_no_update;",
    )
    .unwrap();
    assert!(matches!(
        verify_audit(&mut ada).unwrap(),
        AuditVerdict::Broken(_)
    ));
    let row = raw
        .query_one("SELECT broken_at FROM latchkey_api.audit_verify()", &[])
        .unwrap();
    assert_eq!(row.get::<_, Option<i64>>(0), Some(3));
}

#[test]
fn twenty_connections_appending_at_once_make_one_gap_free_chain() {
    let Some(team) = team() else { return };
    let per_thread = 5;
    let threads: Vec<_> = (0..20)
        .map(|i| {
            let target = team.target.clone();
            let (name, pw, id) = match i % 3 {
                0 => ("bob", BOB_PW, team.bob),
                1 => ("carol", CAROL_PW, team.carol),
                _ => ("dave", DAVE_PW, team.dave),
            };
            std::thread::spawn(move || {
                let mut store = PgStore::connect(&target, name, pw).unwrap();
                for n in 0..per_thread {
                    let details = format!(r#"{{"thread":{i},"n":{n},"text":"ü{i}-{n}"}}"#);
                    append(
                        &mut store,
                        &event(Some(id), AuditAction::SignedIn, None, None, &details),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut ada = team.store("ada", ADA_PW);
    let events = assert_chain(&mut ada, 20 * per_thread);
    let mut seen: Vec<&str> = events.iter().map(|e| e.details.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 20 * per_thread, "every event is there once");
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "every refusal of an append, then the chain they left"
)]
fn a_client_cannot_write_what_it_did_not_do() {
    let Some(team) = team() else { return };
    let mut bob = team.store("bob", BOB_PW);
    // Another actor, an unknown action, details that are not JSON.
    not_permitted(append(
        &mut bob,
        &event(Some(team.ada), AuditAction::SignedIn, None, None, "{}"),
    ));
    let mut unknown = event(Some(team.bob), AuditAction::SignedIn, None, None, "{}");
    unknown.action = "made_admin".into();
    assert!(matches!(
        refused(append(&mut bob, &unknown)),
        DomainError::Invalid { .. }
    ));
    assert!(matches!(
        refused(append(
            &mut bob,
            &event(
                Some(team.bob),
                AuditAction::SignedIn,
                None,
                None,
                "not json"
            )
        )),
        DomainError::Invalid { .. }
    ));
    // What only the server records.
    for action in [
        AuditAction::PasswordRevealed,
        AuditAction::PasswordCopied,
        AuditAction::SignInFailed,
        AuditAction::SignInFailuresCleared,
        AuditAction::WorkspaceCreated,
    ] {
        not_permitted(append(
            &mut bob,
            &event(Some(team.bob), action, None, Some(team.e1), "{}"),
        ));
    }
    // The system's events: only an expiry or a lapse the request calls for.
    not_permitted(append(
        &mut bob,
        &event(
            None,
            AuditAction::Approved,
            Some(team.request),
            Some(team.e1),
            "{}",
        ),
    ));
    let lapse = event(
        None,
        AuditAction::Lapsed,
        Some(team.request),
        Some(team.e1),
        "{}",
    );
    assert!(matches!(
        refused(append(&mut bob, &lapse)),
        DomainError::WrongState(_)
    ));
    team.superuser()
        .execute(
            "UPDATE latchkey.requests SET status = 'lapsed' WHERE id = $1",
            &[&team.request.0],
        )
        .unwrap();
    let mut other_entry = lapse.clone();
    other_entry.entry_id = Some(team.e2);
    assert!(matches!(
        refused(append(&mut bob, &other_entry)),
        DomainError::Invalid { .. }
    ));
    // Two clients noticing the same lapse: the first records it, the second
    // waits for the chain's lock and is then refused.
    let mut carol = team.store("carol", CAROL_PW);
    let mut first = bob.begin(TxMode::Write).unwrap();
    first.append_audit(&lapse).unwrap();
    let target = team.target.clone();
    let second = std::thread::spawn(move || {
        let mut dave = PgStore::connect(&target, "dave", DAVE_PW).unwrap();
        append(&mut dave, &lapse)
    });
    std::thread::sleep(Duration::from_millis(300));
    first.commit().unwrap();
    assert!(matches!(
        refused(second.join().unwrap()),
        DomainError::WrongState(_)
    ));
    append(
        &mut carol,
        &event(Some(team.carol), AuditAction::SignedIn, None, None, "{}"),
    )
    .unwrap();

    // A raw client reaches neither the table nor the internal append.
    let mut raw = team.raw("bob", BOB_PW);
    for sql in [
        "SELECT latchkey.append_audit_event(NULL, 'approved', NULL, NULL, '{}')",
        "INSERT INTO latchkey.audit_events VALUES (9, 0, NULL, 'x', NULL, NULL, '{}', '', '')",
        "SELECT * FROM latchkey.audit_events",
    ] {
        assert_eq!(
            sqlstate(raw.batch_execute(sql)),
            INSUFFICIENT_PRIVILEGE,
            "{sql}"
        );
    }
    // Nor does a non-administrator read the whole chain.
    for sql in [
        "SELECT * FROM latchkey_api.audit_rows_after(0, 10)",
        "SELECT * FROM latchkey_api.audit_events_after(0, 10)",
    ] {
        assert_eq!(
            sqlstate(raw.batch_execute(sql)),
            INSUFFICIENT_PRIVILEGE,
            "{sql}"
        );
    }
    let mut tx = bob.begin(TxMode::Read).unwrap();
    not_permitted(tx.audit_rows_after(0, 10));
    drop(tx);

    let mut ada = team.store("ada", ADA_PW);
    let events = assert_chain(&mut ada, 2);
    assert_eq!(events[0].action, "lapsed");
    assert_eq!(events[0].actor_id, None);
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one log read by each kind of reader and through each filter"
)]
fn each_reader_sees_their_part_of_the_log() {
    let Some(team) = team() else { return };
    let mut bob = team.store("bob", BOB_PW);
    let mut carol = team.store("carol", CAROL_PW);
    let mut ada = team.store("ada", ADA_PW);
    let v1_entry = r#"{"what":"revealed on prod"}"#;
    append(
        &mut bob,
        &event(
            Some(team.bob),
            AuditAction::Connected,
            None,
            Some(team.e1),
            v1_entry,
        ),
    )
    .unwrap();
    append(
        &mut bob,
        &event(
            Some(team.bob),
            AuditAction::Connected,
            None,
            Some(team.e2),
            r#"{"what":"lab"}"#,
        ),
    )
    .unwrap();
    let v1_level = format!(r#"{{"vault_id":{},"note":"Réglages"}}"#, team.v1.0);
    let v2_level = format!(r#"{{"vault_id":{}}}"#, team.v2.0);
    append(
        &mut ada,
        &event(
            Some(team.ada),
            AuditAction::VaultChanged,
            None,
            None,
            &v1_level,
        ),
    )
    .unwrap();
    append(
        &mut ada,
        &event(
            Some(team.ada),
            AuditAction::VaultChanged,
            None,
            None,
            &v2_level,
        ),
    )
    .unwrap();
    append(
        &mut carol,
        &event(Some(team.carol), AuditAction::SignedIn, None, None, "{}"),
    )
    .unwrap();
    append(
        &mut bob,
        &event(
            Some(team.bob),
            AuditAction::Requested,
            Some(team.request),
            None,
            "{}",
        ),
    )
    .unwrap();

    let page = |store: &mut PgStore, filter: &AuditFilter, cursor: AuditCursor, n: usize| {
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.audit_page(filter, cursor, n)
    };
    let seqs = |listed: &[latchkey::store::AuditListed]| -> Vec<i64> {
        listed.iter().map(|l| l.event.seq).collect()
    };
    let all = AuditFilter::default();
    // An administrator reads everything, newest first, with names.
    let listed = page(&mut ada, &all, AuditCursor::NewestBefore(None), 100).unwrap();
    assert_eq!(seqs(&listed), [6, 5, 4, 3, 2, 1]);
    assert_eq!(listed[5].actor_name.as_deref(), Some("bob"));
    assert_eq!(listed[5].vault_id, Some(team.v1));
    assert_eq!(listed[5].vault_name.as_deref(), Some("Prod"));
    assert_eq!(
        listed[3].vault_id,
        Some(team.v1),
        "a vault-level event's details name it"
    );
    assert_eq!(listed[0].vault_id, Some(team.v1), "through its request");
    // Pages by keyset, both ways.
    let newer = page(&mut ada, &all, AuditCursor::NewestBefore(Some(4)), 2).unwrap();
    assert_eq!(seqs(&newer), [3, 2]);
    let older = page(&mut ada, &all, AuditCursor::OldestAfter(2), 3).unwrap();
    assert_eq!(seqs(&older), [3, 4, 5]);

    // An approver of v1 reads v1's events and their own, whatever scope
    // the client claims.
    let visible = [6, 5, 3, 1];
    let listed = page(&mut carol, &all, AuditCursor::NewestBefore(None), 100).unwrap();
    assert_eq!(seqs(&listed), visible);
    let wide = AuditFilter {
        scope: Some(AuditScope {
            vaults: vec![team.v1, team.v2],
            reader: team.ada,
        }),
        ..AuditFilter::default()
    };
    let listed = page(&mut carol, &wide, AuditCursor::NewestBefore(None), 100).unwrap();
    assert_eq!(seqs(&listed), [6, 3, 1], "a scope narrows, never widens");
    let lab = AuditFilter {
        vaults: Some(vec![team.v2]),
        ..AuditFilter::default()
    };
    assert!(
        page(&mut carol, &lab, AuditCursor::NewestBefore(None), 100)
            .unwrap()
            .is_empty()
    );
    let mut tx = carol.begin(TxMode::Read).unwrap();
    assert_eq!(tx.audit_count(&all, None).unwrap(), visible.len());
    assert_eq!(tx.audit_count(&all, Some(2)).unwrap(), 2);
    drop(tx);
    // The same through a raw call with every filter empty.
    let mut raw = team.raw("carol", CAROL_PW);
    let n: i64 = raw
        .query_one(
            "SELECT latchkey_api.audit_count(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 4);

    // Someone who approves nowhere reads nothing.
    not_permitted(page(&mut bob, &all, AuditCursor::NewestBefore(None), 100));
    let mut tx = bob.begin(TxMode::Read).unwrap();
    not_permitted(tx.audit_count(&all, None));
    drop(tx);

    // Filters: actors, entries, requests, actions, instants, text.
    let mut by = |filter: AuditFilter| {
        let mut tx = ada.begin(TxMode::Read).unwrap();
        let listed = tx
            .audit_page(&filter, AuditCursor::OldestAfter(0), 100)
            .unwrap();
        let n = tx.audit_count(&filter, None).unwrap();
        assert_eq!(n, listed.len());
        seqs(&listed)
    };
    assert_eq!(
        by(AuditFilter {
            actors: Some(vec![team.bob]),
            ..AuditFilter::default()
        }),
        [1, 2, 6]
    );
    assert_eq!(
        by(AuditFilter {
            actors: Some(vec![team.bob, team.carol]),
            ..AuditFilter::default()
        }),
        [1, 2, 5, 6]
    );
    assert_eq!(
        by(AuditFilter {
            entries: Some(vec![team.e2]),
            ..AuditFilter::default()
        }),
        [2]
    );
    assert_eq!(
        by(AuditFilter {
            requests: Some(vec![team.request]),
            ..AuditFilter::default()
        }),
        [6]
    );
    assert_eq!(
        by(AuditFilter {
            vaults: Some(vec![team.v2]),
            ..AuditFilter::default()
        }),
        [2, 4]
    );
    assert_eq!(
        by(AuditFilter {
            actions: Some(vec!["vault_changed".into(), "signed_in".into()]),
            ..AuditFilter::default()
        }),
        [3, 4, 5]
    );
    assert_eq!(
        by(AuditFilter {
            since: Some(Timestamp(NOW)),
            ..AuditFilter::default()
        })
        .len(),
        6
    );
    assert!(
        by(AuditFilter {
            until: Some(Timestamp(NOW)),
            ..AuditFilter::default()
        })
        .is_empty()
    );
    assert_eq!(
        by(AuditFilter {
            from_seq: Some(5),
            ..AuditFilter::default()
        }),
        [5, 6]
    );
    let mut text = |t: &str| {
        by(AuditFilter {
            text: Some(t.into()),
            ..AuditFilter::default()
        })
    };
    assert_eq!(
        text("RéGLAGES"),
        [3],
        "case-insensitive (ASCII at least), non-ASCII text found"
    );
    assert_eq!(text("db-prod"), [1], "the entry's name");
    assert_eq!(text("carol"), [5], "the actor's user name");
    assert!(text("100%").is_empty(), "wildcards are taken literally");
}

fn submitted() -> NotificationFacts {
    NotificationFacts::RequestSubmitted {
        names: NotificationNames {
            entry: "db-prod".into(),
            requester: "Bob".into(),
            permission_set: "Read".into(),
        },
        window: AccessWindow::Duration { mins: 60 },
        message: "need it ✓".into(),
    }
}

fn denied() -> NotificationFacts {
    NotificationFacts::Denied {
        names: NotificationNames::default(),
        approver: "Carol".into(),
        reason: "no".into(),
    }
}

fn notify(
    store: &mut PgStore,
    to: UserId,
    request: RequestId,
    facts: NotificationFacts,
) -> Result<NotificationId, StoreError> {
    let mut tx = store.begin(TxMode::Write)?;
    let id = tx.insert_notification(
        &NewNotification {
            user_id: to,
            request_id: request,
            facts,
        },
        Timestamp(1),
    )?;
    tx.commit()?;
    Ok(id)
}

#[test]
fn notifications_are_written_when_their_request_calls_for_them() {
    let Some(team) = team() else { return };
    let mut bob = team.store("bob", BOB_PW);
    let mut carol = team.store("carol", CAROL_PW);
    let mut dave = team.store("dave", DAVE_PW);
    // The requester tells the approver and the administrator; nobody else.
    let to_carol = notify(&mut bob, team.carol, team.request, submitted()).unwrap();
    let to_ada = notify(&mut bob, team.ada, team.request, submitted()).unwrap();
    not_permitted(notify(&mut bob, team.bob, team.request, submitted()));
    not_permitted(notify(&mut bob, team.dave, team.request, submitted()));
    not_permitted(notify(&mut dave, team.carol, team.request, submitted()));
    assert!(matches!(
        refused(notify(&mut bob, team.carol, team.request, submitted())),
        DomainError::WrongState(_)
    ));
    // Facts of another kind than the one named.
    let mut raw = team.raw("bob", BOB_PW);
    let sql =
        "SELECT latchkey_api.insert_notification($1, $2, 'request_submitted', '{\"Denied\":{}}')";
    assert_eq!(
        sqlstate(raw.query_one(sql, &[&team.ada.0, &team.request.0])),
        "22023"
    );

    // A decision's notice comes from who decided, to the requester.
    not_permitted(notify(&mut carol, team.bob, team.request, denied()));
    team.superuser()
        .execute(
            "UPDATE latchkey.requests SET status = 'denied', decided_by = $2, decided_at_ms = $3 WHERE id = $1",
            &[&team.request.0, &team.carol.0, &NOW],
        )
        .unwrap();
    not_permitted(notify(&mut dave, team.bob, team.request, denied()));
    not_permitted(notify(&mut carol, team.ada, team.request, denied()));
    let to_bob = notify(&mut carol, team.bob, team.request, denied()).unwrap();

    // Who handled it is noted on the others' notices, as the server says.
    let handling = Handling {
        outcome: HandledOutcome::Denied,
        by: "Mallory".into(),
        at: Timestamp(5),
    };
    for (store, except) in [
        (&mut bob, team.bob),
        (&mut dave, team.dave),
        (&mut carol, team.ada),
    ] {
        let mut tx = store.begin(TxMode::Write).unwrap();
        not_permitted(tx.note_request_handled(team.request, except, &handling));
    }
    let mut tx = carol.begin(TxMode::Write).unwrap();
    tx.note_request_handled(team.request, team.carol, &handling)
        .unwrap();
    tx.commit().unwrap();
    let mut ada = team.store("ada", ADA_PW);
    let mut tx = ada.begin(TxMode::Read).unwrap();
    let mine = tx.notifications(team.ada, 10).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, to_ada);
    assert_eq!(
        mine[0].handled,
        Some(HandledNote::Recorded(Handling {
            outcome: HandledOutcome::Denied,
            by: "Carol Ç".into(),
            at: Timestamp(NOW),
        }))
    );
    assert_eq!(mine[0].content, NotificationContent::Facts(submitted()));
    assert_eq!(mine[0].created_at, Timestamp(NOW));
    drop(tx);
    let mut tx = carol.begin(TxMode::Read).unwrap();
    let hers = tx.notifications(team.carol, 10).unwrap();
    assert_eq!(hers[0].id, to_carol);
    assert_eq!(hers[0].handled, None, "not on the decider's own");
    drop(tx);
    let mut tx = bob.begin(TxMode::Read).unwrap();
    assert_eq!(tx.notifications(team.bob, 10).unwrap()[0].id, to_bob);
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "every notification call, refused for another user, then served for one's own"
)]
fn a_user_reads_and_marks_only_their_own_notifications() {
    let Some(team) = team() else { return };
    let mut bob = team.store("bob", BOB_PW);
    let to_carol = notify(&mut bob, team.carol, team.request, submitted()).unwrap();
    let to_ada = notify(&mut bob, team.ada, team.request, submitted()).unwrap();
    let mut carol = team.store("carol", CAROL_PW);

    // Another user's id is refused, for every call that takes one.
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(tx.notifications(team.ada, 10));
    drop(tx);
    let mut raw = team.raw("carol", CAROL_PW);
    for sql in [
        "SELECT * FROM latchkey_api.notifications($1, 10)",
        "SELECT latchkey_api.unread_notification_count($1)",
        "SELECT latchkey_api.mark_all_notifications_read($1)",
        "SELECT * FROM latchkey_api.unshown_notifications($1, 10)",
        "SELECT latchkey_api.unshown_notification_count($1)",
        "SELECT * FROM latchkey_api.handled_unannounced($1)",
        "SELECT * FROM latchkey_api.notification_preferences($1)",
        "SELECT latchkey_api.set_notification_preference($1, 'approved', false)",
    ] {
        assert_eq!(
            sqlstate(raw.query(sql, &[&team.ada.0])),
            INSUFFICIENT_PRIVILEGE,
            "{sql}"
        );
    }
    for sql in [
        "SELECT latchkey_api.mark_notification_read($1, $2)",
        "SELECT latchkey_api.claim_notification_shown($1, $2)",
        "SELECT latchkey_api.claim_handled_shown($1, $2)",
    ] {
        assert_eq!(
            sqlstate(raw.query(sql, &[&to_ada.0, &team.ada.0])),
            INSUFFICIENT_PRIVILEGE,
            "{sql}"
        );
    }
    // Another user's notification id, with one's own user id, changes nothing.
    let mut tx = carol.begin(TxMode::Write).unwrap();
    assert!(
        !tx.mark_notification_read(to_ada, team.carol, Timestamp(1))
            .unwrap()
    );
    assert!(
        !tx.claim_notification_shown(to_ada, team.carol, Timestamp(1))
            .unwrap()
    );
    assert!(
        !tx.set_notification_desktop_id(to_ada, team.carol, 7)
            .unwrap()
    );

    // One's own: counts, read once, all read.
    assert_eq!(tx.unread_notification_count(team.carol).unwrap(), 1);
    assert_eq!(tx.unshown_notification_count(team.carol).unwrap(), 1);
    assert_eq!(
        tx.unshown_notifications(team.carol, 10).unwrap()[0].id,
        to_carol
    );
    assert!(
        tx.mark_notification_read(to_carol, team.carol, Timestamp(1))
            .unwrap()
    );
    assert!(
        !tx.mark_notification_read(to_carol, team.carol, Timestamp(1))
            .unwrap()
    );
    assert_eq!(tx.unread_notification_count(team.carol).unwrap(), 0);
    assert_eq!(
        tx.mark_all_notifications_read(team.carol, Timestamp(1))
            .unwrap(),
        0
    );
    let read = tx.notifications(team.carol, 10).unwrap();
    assert_eq!(
        read[0].read_at,
        Some(Timestamp(NOW)),
        "the server's instant"
    );
    // Preferences.
    let mut prefs = tx.notification_preferences(team.carol).unwrap();
    assert!(prefs.shows_on_desktop(NotificationKind::Approved));
    tx.set_notification_preference(team.carol, NotificationKind::Approved, false)
        .unwrap();
    prefs.set_desktop(NotificationKind::Approved, false);
    assert_eq!(tx.notification_preferences(team.carol).unwrap(), prefs);
    tx.commit().unwrap();
    assert_eq!(
        sqlstate(raw.query(
            "SELECT latchkey_api.set_notification_preference($1, 'made_up', false)",
            &[&team.carol.0]
        )),
        "22023"
    );

    // Shown on the desktop exactly once, however many windows claim it: the
    // second claim waits for the first and then finds it taken.
    let mut first = carol.begin(TxMode::Write).unwrap();
    assert!(
        first
            .claim_notification_shown(to_carol, team.carol, Timestamp(1))
            .unwrap()
    );
    let target = team.target.clone();
    let carol_id = team.carol;
    let second = std::thread::spawn(move || {
        let mut other = PgStore::connect(&target, "carol", CAROL_PW).unwrap();
        let mut tx = other.begin(TxMode::Write).unwrap();
        let claimed = tx
            .claim_notification_shown(to_carol, carol_id, Timestamp(1))
            .unwrap();
        tx.commit().unwrap();
        claimed
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        first
            .set_notification_desktop_id(to_carol, team.carol, 42)
            .unwrap()
    );
    first.commit().unwrap();
    assert!(!second.join().unwrap());

    // Handled by someone else: announced once.
    let mut su = team.superuser();
    su.execute(
        "UPDATE latchkey.requests SET status = 'cancelled', ended_by = $2, ended_at_ms = $3 WHERE id = $1",
        &[&team.request.0, &team.bob.0, &NOW],
    )
    .unwrap();
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let handling = Handling {
        outcome: HandledOutcome::Cancelled,
        by: String::new(),
        at: Timestamp(0),
    };
    tx.note_request_handled(team.request, team.bob, &handling)
        .unwrap();
    tx.commit().unwrap();
    let mut tx = carol.begin(TxMode::Write).unwrap();
    let handled = tx.handled_unannounced(team.carol).unwrap();
    assert_eq!(handled.len(), 1);
    assert_eq!(handled[0].desktop_id, Some(42));
    assert!(
        tx.claim_handled_shown(to_carol, team.carol, Timestamp(1))
            .unwrap()
    );
    assert!(
        !tx.claim_handled_shown(to_carol, team.carol, Timestamp(1))
            .unwrap()
    );
    assert!(tx.handled_unannounced(team.carol).unwrap().is_empty());
    tx.commit().unwrap();
}

#[test]
fn every_change_is_signalled_by_table_name() {
    let Some(team) = team() else { return };
    let mut listener = team.superuser();
    listener.batch_execute("LISTEN latchkey_changes").unwrap();
    let mut bob = team.store("bob", BOB_PW);
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.append_audit(&event(
        Some(team.bob),
        AuditAction::SignedIn,
        None,
        None,
        "{}",
    ))
    .unwrap();
    tx.insert_notification(
        &NewNotification {
            user_id: team.carol,
            request_id: team.request,
            facts: submitted(),
        },
        Timestamp(1),
    )
    .unwrap();
    tx.commit().unwrap();
    team.superuser()
        .execute(
            "UPDATE latchkey.vaults SET description = 'x' WHERE id = $1",
            &[&team.v1.0],
        )
        .unwrap();
    let mut payloads = Vec::new();
    let mut notifications = listener.notifications();
    let mut waiting = notifications.timeout_iter(Duration::from_secs(5));
    while payloads.len() < 3 {
        match waiting.next().unwrap() {
            Some(n) => {
                assert_eq!(n.channel(), "latchkey_changes");
                payloads.push(n.payload().to_owned());
            }
            None => break,
        }
    }
    payloads.sort();
    assert_eq!(payloads, ["audit_events", "notifications", "vaults"]);
}

#[test]
fn the_systems_notices_follow_the_requests_state() {
    let Some(team) = team() else { return };
    let lapsed = || NotificationFacts::Lapsed {
        names: NotificationNames::default(),
        was_pending: true,
    };
    let expired = || NotificationFacts::Expired {
        names: NotificationNames::default(),
        end_at: Timestamp(NOW),
    };
    // Any client's tick writes them (dave here, who has nothing to do with
    // the request), but only what the request's state calls for, once, to
    // the requester.
    let mut dave = team.store("dave", DAVE_PW);
    not_permitted(notify(&mut dave, team.bob, team.request, lapsed()));
    not_permitted(notify(&mut dave, team.bob, team.request, expired()));
    let mut su = team.superuser();
    su.execute(
        "UPDATE latchkey.requests SET status = 'lapsed' WHERE id = $1",
        &[&team.request.0],
    )
    .unwrap();
    not_permitted(notify(&mut dave, team.carol, team.request, lapsed()));
    notify(&mut dave, team.bob, team.request, lapsed()).unwrap();
    assert!(matches!(
        refused(notify(&mut dave, team.bob, team.request, lapsed())),
        DomainError::WrongState(_)
    ));
    su.execute(
        "UPDATE latchkey.requests SET status = 'approved', expiry_recorded = true, \
         grant_start_ms = $2::bigint - 7200000, grant_end_ms = $2::bigint + 60000 WHERE id = $1",
        &[&team.request.0, &NOW],
    )
    .unwrap();
    not_permitted(notify(&mut dave, team.bob, team.request, expired()));
    su.execute(
        "UPDATE latchkey.requests SET grant_end_ms = $2 WHERE id = $1",
        &[&team.request.0, &NOW],
    )
    .unwrap();
    notify(&mut dave, team.bob, team.request, expired()).unwrap();
    let mut bob = team.store("bob", BOB_PW);
    let mut tx = bob.begin(TxMode::Read).unwrap();
    let kinds: Vec<NotificationKind> = tx
        .notifications(team.bob, 10)
        .unwrap()
        .iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(kinds, [NotificationKind::Expired, NotificationKind::Lapsed]);
}
