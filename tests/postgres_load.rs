//! A PostgreSQL workspace under load and under faults (issue 19, R-BEY-10,
//! R-APP-4), against a real throwaway server:
//!
//! - 50 client connections at once (40 approvers racing to decide the same
//!   requests, 10 requesters revealing) over 100,000 entries and 100,000
//!   earlier requests: no request is decided twice, no audit event is lost,
//!   and the chain verifies;
//! - the server killed (`pg_ctl stop -m immediate`) in the middle of a
//!   decision loop: after its restart every decision is whole or absent,
//!   the chain verifies, and the same handle carries on by itself.
//!
//! The latencies it prints (approve, reveal: p50, p99) are figures for the
//! issue's note, never asserted.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use latchkey::domain::audit::AuditEvent;
use latchkey::domain::clock::Clock;
use latchkey::domain::entry::{EntryKind, NewEntry};
use latchkey::domain::request::{AccessWindow, ApprovalInput, NewRequest, Target, Terms};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::user::NewUser;
use latchkey::domain::{EntryId, PermissionSetId, RequestId, Timestamp, UserId};
use latchkey::platform::clock::SystemClock;
use latchkey::service::{NewVault, SecretUse, ServerOwner, ServiceError, Session, Workspace};
use latchkey::store::postgres::PgTarget;
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

const DATABASE: &str = "load";
const PASSWORD: &str = "load-test-password-1";
const APPROVERS: usize = 40;
const REQUESTERS: usize = 10;
/// Entries and earlier requests laid down with the server's owner.
const BULK: i64 = 100_000;
/// Entries with a password that the requesters ask for and reveal.
const CONTESTED_PER_REQUESTER: usize = 20;

fn now() -> Timestamp {
    SystemClock.now()
}

struct Load {
    cluster: PgCluster,
    target: PgTarget,
    view_password: PermissionSetId,
    /// (requester name, their entries)
    requesters: Vec<(String, Vec<EntryId>)>,
    /// The approver every request names (any approver of the vault may
    /// decide it).
    named_approver: UserId,
    approvers: Vec<String>,
}

fn user(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: name.into(),
        email: String::new(),
        is_admin: false,
    }
}

/// A workspace with 40 approvers and 10 requesters of one vault, each
/// requester with entries of their own to ask for, and 100,000 entries and
/// 100,000 earlier requests beside them.
#[expect(
    clippy::too_many_lines,
    reason = "the whole workspace of the load is laid out in one place"
)]
fn load() -> Option<Load> {
    let began = Instant::now();
    let cluster = PgCluster::start()?;
    cluster.create_database(DATABASE);
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    let owner = ServerOwner {
        user: SUPERUSER,
        password: SUPERUSER_PASSWORD,
    };
    let admin_user = NewUser {
        is_admin: true,
        ..user("admin")
    };
    let (mut ws, admin) =
        Workspace::create_postgres(&target, &owner, "load", &admin_user, PASSWORD, now()).unwrap();
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        ..WorkspaceSettings::default()
    };
    ws.update_settings(&admin, &settings, now()).unwrap();
    let vault = ws
        .add_vault(&admin, &NewVault::named("Load"), now())
        .unwrap();
    let approvers: Vec<String> = (1..=APPROVERS).map(|i| format!("approver{i:02}")).collect();
    let mut approver_ids = Vec::new();
    for name in &approvers {
        let id = ws.add_user(&admin, &user(name), PASSWORD, now()).unwrap();
        ws.add_approver(&admin, vault, id, now()).unwrap();
        approver_ids.push(id);
    }
    let mut requesters = Vec::new();
    for i in 1..=REQUESTERS {
        let name = format!("requester{i:02}");
        let id = ws.add_user(&admin, &user(&name), PASSWORD, now()).unwrap();
        ws.add_member(&admin, vault, id, now()).unwrap();
        let entries = (0..CONTESTED_PER_REQUESTER)
            .map(|j| {
                let draft = NewEntry {
                    name: format!("{name} server {j}"),
                    host: format!("{name}-{j}.example.test"),
                    ..NewEntry::default()
                };
                ws.add_entry(&admin, vault, EntryKind::Ssh, &draft, Some("s3cret"), now())
                    .unwrap()
            })
            .collect();
        requesters.push((name, entries));
    }
    let view_password = ws
        .permission_sets(now())
        .unwrap()
        .into_iter()
        .find(|s| s.name == "View password")
        .unwrap()
        .id;
    eprintln!(
        "workspace with {} users and {} entries through the service in {:.1} s",
        APPROVERS + REQUESTERS + 1,
        REQUESTERS * CONTESTED_PER_REQUESTER,
        began.elapsed().as_secs_f64()
    );
    let bulk_began = Instant::now();
    // The bulk, laid down by the owner as a migration would: 100,000
    // entries, and 100,000 requests decided and ended long ago.
    let mut su = cluster.superuser(DATABASE);
    let requester: i64 = su
        .query_one(
            "SELECT id FROM latchkey.users WHERE username = 'requester01'",
            &[],
        )
        .unwrap()
        .get(0);
    let approver: i64 = su
        .query_one(
            "SELECT id FROM latchkey.users WHERE username = 'approver01'",
            &[],
        )
        .unwrap()
        .get(0);
    su.execute(
        "INSERT INTO latchkey.entries (vault_id, kind, name, host)
         SELECT $1, 'ssh', 'bulk ' || i, 'bulk-' || i || '.example.test'
         FROM generate_series(1, $2::bigint) AS i",
        &[&vault.0, &BULK],
    )
    .unwrap();
    su.execute(
        "INSERT INTO latchkey.requests (kind, requester_id, target, entry_id, vault_id,
                requested_set_id, requested_duration_mins, created_at_ms, pending_until_ms,
                status, decided_by, decided_at_ms, grant_start_ms, grant_end_ms, expiry_recorded)
         SELECT 'standard', $1, 'entry', e.id, e.vault_id, $3, 60,
                t - 7200000, t + 86400000, 'approved', $2, t - 7000000, t - 7000000,
                t - 3400000, true
         FROM (SELECT id, vault_id, row_number() OVER (ORDER BY id) AS n
               FROM latchkey.entries WHERE name LIKE 'bulk %') AS e,
              LATERAL (SELECT $4::bigint - e.n * 60000 AS t) AS at
         LIMIT $5",
        &[
            &requester,
            &approver,
            &view_password.0,
            &now().millis(),
            &BULK,
        ],
    )
    .unwrap();
    // As after any bulk load, the planner learns the new sizes.
    su.batch_execute("ANALYZE").unwrap();
    eprintln!(
        "{BULK} entries and {BULK} requests laid down in {:.1} s",
        bulk_began.elapsed().as_secs_f64()
    );
    Some(Load {
        cluster,
        target,
        view_password,
        requesters,
        named_approver: approver_ids[0],
        approvers,
    })
}

/// Every audit event, as the owner reads it.
fn audit(cluster: &PgCluster) -> Vec<AuditEvent> {
    cluster
        .superuser(DATABASE)
        .query(
            "SELECT seq, at_ms, actor_id, action, request_id, entry_id, details, prev_hash, hash
             FROM latchkey.audit_events ORDER BY seq",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| AuditEvent {
            seq: row.get(0),
            at: Timestamp(row.get(1)),
            actor_id: row.get::<_, Option<i64>>(2).map(UserId),
            action: row.get(3),
            request_id: row.get::<_, Option<i64>>(4).map(RequestId),
            entry_id: row.get::<_, Option<i64>>(5).map(EntryId),
            details: row.get(6),
            prev_hash: row.get(7),
            hash: row.get(8),
        })
        .collect()
}

/// The chain as an auditor checks it: positions 1..n, each event linked to
/// the one before and hashed as its fields call for.
fn assert_chain_intact(events: &[AuditEvent]) {
    let mut prev = latchkey::domain::audit::GENESIS_HASH.to_owned();
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.seq, i as i64 + 1, "a gap before event {}", event.seq);
        assert_eq!(event.prev_hash, prev, "event {} is not linked", event.seq);
        assert_eq!(
            event.hash,
            event.computed_hash(),
            "event {} altered",
            event.seq
        );
        prev.clone_from(&event.hash);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    eprintln!(
        "{what}: {} calls, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
}

fn ask(
    ws: &mut Workspace,
    me: &Session,
    entry: EntryId,
    set: PermissionSetId,
    approver: UserId,
) -> RequestId {
    let draft = NewRequest {
        target: Target::Entry(entry),
        terms: Terms {
            permission_set_id: set,
            window: AccessWindow::Duration { mins: 60 },
        },
        approver_id: Some(approver),
        message: "load".into(),
        start_on_first_use: false,
        extends_request_id: None,
    };
    ws.request_access(me, &draft, now()).unwrap()
}

/// R-APP-4 at scale: 40 approvers decide the same 180 requests at once
/// while 10 requesters reveal the passwords they were granted.
#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario, alone then in the crowd, reads best as one story"
)]
fn fifty_clients_decide_and_reveal_without_double_decisions_or_lost_events() {
    let Some(load) = load() else { return };
    let Load {
        cluster,
        target,
        view_password,
        requesters,
        approvers,
        named_approver,
        ..
    } = load;
    // Each requester asks for each of their entries.
    let mut asked: Vec<(String, EntryId, RequestId)> = Vec::new();
    for (name, entries) in &requesters {
        let (mut ws, me) = Workspace::sign_in_postgres(&target, name, PASSWORD, now()).unwrap();
        for entry in entries {
            asked.push((
                name.clone(),
                *entry,
                ask(&mut ws, &me, *entry, view_password, named_approver),
            ));
        }
    }
    // Alone first: one approver decides the first requester's requests one
    // after another, and that requester reveals each (the latency of the
    // operations themselves, without a crowd).
    let (first, _) = &requesters[0];
    let alone: Vec<RequestId> = asked
        .iter()
        .filter(|(name, _, _)| name == first)
        .map(|(_, _, id)| *id)
        .collect();
    let (mut solo, solo_me) =
        Workspace::sign_in_postgres(&target, &approvers[0], PASSWORD, now()).unwrap();
    let input = ApprovalInput {
        terms: None,
        message: String::new(),
    };
    let mut solo_approvals = Vec::new();
    for id in &alone {
        let began = Instant::now();
        solo.approve(&solo_me, *id, &input, now()).unwrap();
        solo_approvals.push(began.elapsed());
    }
    let (mut asker, asker_me) =
        Workspace::sign_in_postgres(&target, first, PASSWORD, now()).unwrap();
    let mut solo_reveals = Vec::new();
    for entry in &requesters[0].1 {
        let began = Instant::now();
        let secret = asker
            .reveal_secret(&asker_me, *entry, SecretUse::Reveal, now())
            .unwrap();
        solo_reveals.push(began.elapsed());
        assert_eq!(secret.as_str(), "s3cret");
    }
    report("approve, one approver alone", solo_approvals);
    report("reveal, one requester alone", solo_reveals);

    // Then the crowd, on the requests still pending.
    let before = audit(&cluster).len();
    let ids: Vec<RequestId> = asked
        .iter()
        .filter(|(name, _, _)| name != first)
        .map(|(_, _, id)| *id)
        .collect();
    let clients = APPROVERS + REQUESTERS;
    let start = Arc::new(Barrier::new(clients));
    let approve_times = Arc::new(Mutex::new(Vec::new()));
    let reveal_times = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for (i, name) in approvers.iter().enumerate() {
        let (target, name, start) = (target.clone(), name.clone(), Arc::clone(&start));
        let times = Arc::clone(&approve_times);
        // Each approver goes through the requests in its own order.
        let mut order = ids.clone();
        order.rotate_left(i * ids.len() / APPROVERS);
        threads.push(std::thread::spawn(move || {
            let (mut ws, me) =
                Workspace::sign_in_postgres(&target, &name, PASSWORD, now()).unwrap();
            let input = ApprovalInput {
                terms: None,
                message: String::new(),
            };
            start.wait();
            let mut won = Vec::new();
            let mut mine = Vec::new();
            for id in order {
                let began = Instant::now();
                let outcome = ws.approve(&me, id, &input, now());
                mine.push(began.elapsed());
                match outcome {
                    Ok(_) => won.push(id),
                    // Someone else decided first: refused by a rule.
                    Err(ServiceError::Domain(_)) => {}
                    Err(other) => panic!("{name}: {other}"),
                }
            }
            times.lock().unwrap().extend(mine);
            (0usize, won)
        }));
    }
    for (name, entries) in &requesters {
        let (target, name, start) = (target.clone(), name.clone(), Arc::clone(&start));
        let times = Arc::clone(&reveal_times);
        let entries = entries.clone();
        threads.push(std::thread::spawn(move || {
            let (mut ws, me) =
                Workspace::sign_in_postgres(&target, &name, PASSWORD, now()).unwrap();
            start.wait();
            let mut revealed = 0;
            let mut mine = Vec::new();
            // Until every entry of theirs was revealed once (each is
            // refused, and audited as refused, until it is approved).
            let mut left: HashSet<EntryId> = entries.iter().copied().collect();
            let deadline = Instant::now() + Duration::from_mins(2);
            while !left.is_empty() && Instant::now() < deadline {
                for entry in &entries {
                    let began = Instant::now();
                    let result = ws.reveal_secret(&me, *entry, SecretUse::Reveal, now());
                    mine.push(began.elapsed());
                    match result {
                        Ok(secret) => {
                            assert_eq!(secret.as_str(), "s3cret");
                            revealed += 1;
                            left.remove(entry);
                        }
                        Err(ServiceError::Domain(_)) => {}
                        Err(other) => panic!("{name}: {other}"),
                    }
                }
            }
            assert!(left.is_empty(), "{name}: never granted {left:?}");
            times.lock().unwrap().extend(mine);
            (revealed, Vec::new())
        }));
    }
    let mut winners: HashMap<RequestId, usize> = HashMap::new();
    let mut revealed = 0;
    for thread in threads {
        let (reveals, won) = thread.join().unwrap();
        revealed += reveals;
        for id in won {
            *winners.entry(id).or_default() += 1;
        }
    }
    // Every request decided exactly once.
    for id in &ids {
        assert_eq!(winners.get(id), Some(&1), "request {id:?}");
    }
    let events = audit(&cluster);
    assert_chain_intact(&events);
    let new = &events[before..];
    let approved: Vec<RequestId> = new
        .iter()
        .filter(|e| e.action == "approved")
        .filter_map(|e| e.request_id)
        .collect();
    assert_eq!(approved.len(), ids.len(), "one approval event per request");
    assert_eq!(
        approved.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "no request approved twice"
    );
    let reveals = new
        .iter()
        .filter(|e| e.action == "password_revealed")
        .count();
    assert_eq!(reveals, revealed, "every reveal recorded, none more");
    report(
        "approve (40 approvers racing)",
        std::mem::take(&mut *approve_times.lock().unwrap()),
    );
    report(
        "reveal (10 requesters)",
        std::mem::take(&mut *reveal_times.lock().unwrap()),
    );
}

/// The server killed in the middle of a decision loop: whatever it had
/// committed stays whole, the rest is absent, the chain verifies, and the
/// same handle works again once the server is back.
#[test]
fn a_server_killed_mid_decision_loses_nothing_it_committed() {
    let Some(load) = load() else { return };
    let Load {
        mut cluster,
        target,
        view_password,
        requesters,
        approvers,
        named_approver,
        ..
    } = load;
    let (name, entries) = &requesters[0];
    let (mut asker, me) = Workspace::sign_in_postgres(&target, name, PASSWORD, now()).unwrap();
    let ids: Vec<RequestId> = entries
        .iter()
        .map(|entry| ask(&mut asker, &me, *entry, view_password, named_approver))
        .collect();
    let (mut ws, approver) =
        Workspace::sign_in_postgres(&target, &approvers[0], PASSWORD, now()).unwrap();
    let input = ApprovalInput {
        terms: None,
        message: String::new(),
    };
    // Decide in a loop on one thread; kill the server from this one.
    let loop_ids = ids.clone();
    let decider = std::thread::spawn(move || {
        let mut outcomes = Vec::new();
        for id in loop_ids {
            outcomes.push((id, ws.approve(&approver, id, &input, now()).is_ok()));
            std::thread::sleep(Duration::from_millis(15));
        }
        (ws, approver, outcomes)
    });
    std::thread::sleep(Duration::from_millis(120));
    assert!(cluster.stop("immediate"), "the server stopped");
    let (mut ws, approver, outcomes) = decider.join().unwrap();
    let refused = outcomes.iter().filter(|(_, ok)| !ok).count();
    assert!(
        refused > 0,
        "some decisions came after the kill: {outcomes:?}"
    );
    cluster.restart();

    // Every request is decided whole (approved, its one event) or not at all.
    let events = audit(&cluster);
    assert_chain_intact(&events);
    let mut su = cluster.superuser(DATABASE);
    for (id, ok) in &outcomes {
        let status: String = su
            .query_one(
                "SELECT status FROM latchkey.requests WHERE id = $1",
                &[&id.0],
            )
            .unwrap()
            .get(0);
        let logged = events
            .iter()
            .filter(|e| e.action == "approved" && e.request_id == Some(*id))
            .count();
        match status.as_str() {
            "approved" => assert_eq!(logged, 1, "{id:?}"),
            "pending" => {
                assert_eq!(logged, 0, "{id:?}");
                assert!(!ok, "{id:?} said approved but is pending");
            }
            other => panic!("{id:?} is {other}"),
        }
    }
    // The same handle reconnects by itself and decides what is left.
    for (id, _) in outcomes.iter().filter(|(_, ok)| !ok) {
        let pending: String = su
            .query_one(
                "SELECT status FROM latchkey.requests WHERE id = $1",
                &[&id.0],
            )
            .unwrap()
            .get(0);
        if pending == "pending" {
            ws.approve(
                &approver,
                *id,
                &ApprovalInput {
                    terms: None,
                    message: String::new(),
                },
                now(),
            )
            .unwrap();
        }
    }
    assert_chain_intact(&audit(&cluster));
}
