//! Crash safety: a child process works on a workspace file and is killed
//! (SIGKILL) at a random moment; the file must open again, consistent.
//!
//! The child is this test binary itself, re-run with `--exact crash_child`
//! and the workspace path in `LATCHKEY_CRASH_CHILD`.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use latchkey::domain::entry::EntryKind;
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, Phase, Request, RequestStatus,
    Target, Terms,
};
use latchkey::domain::{EntryId, PermissionSetId, RequestId, Span, Timestamp, VaultId};
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{
    AuditVerdict, HashCost, KeyOptions, SecretUse, ServiceError, Session, Workspace, demo,
    verify_audit,
};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

/// The workspace the child works on; the child does nothing without it.
const CHILD_ENV: &str = "LATCHKEY_CRASH_CHILD";
/// The child's first instant, in milliseconds.
const BASE_ENV: &str = "LATCHKEY_CRASH_BASE";
/// The seed of the child's choices.
const SEED_ENV: &str = "LATCHKEY_CRASH_SEED";
/// How many children are killed.
const CHILDREN: u64 = 20;
/// A child that is never killed stops after this many operations.
const MAX_CHILD_OPS: usize = 50_000;
/// The demo's "now".
const START: Timestamp = Timestamp(1_800_000_000_000);
/// Audit actions that move a request through its life (expiry is not one: it
/// leaves the status as it is).
const LIFECYCLE: [&str; 7] = [
    "requested",
    "approved",
    "denied",
    "cancelled",
    "revoked",
    "released",
    "lapsed",
];

/// A small deterministic generator (xorshift64), so runs can be repeated.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len() as u64) as usize)
        }
    }
}

fn open(path: &Path, keyring: &NoKeyring) -> Result<Workspace, ServiceError> {
    let keys = KeyOptions {
        keyring,
        key_file: Some(key_file_for(path)),
    };
    Workspace::open(Box::new(SqliteStore::open(path)?), &keys, HashCost::Minimal)
}

/// What the child works with.
struct World {
    alice: Session,
    bob: Session,
    vaults: Vec<VaultId>,
    items: Vec<EntryId>,
    sets: Vec<PermissionSetId>,
}

/// One random operation at `now`: its kind and, if it was attempted, its
/// result (the id it concerns, if any).
fn random_operation(
    ws: &mut Workspace,
    world: &World,
    rng: &mut XorShift,
    now: Timestamp,
) -> (&'static str, Option<Result<Option<i64>, ServiceError>>) {
    let mine: Vec<Request> = ws
        .my_requests(&world.alice, 100, now)
        .unwrap()
        .into_iter()
        .filter(|r| world.vaults.contains(&r.vault_id))
        .collect();
    let in_phase = |keep: &dyn Fn(Phase) -> bool| -> Vec<RequestId> {
        mine.iter()
            .filter(|r| keep(r.phase(now)))
            .map(|r| r.id)
            .collect()
    };
    let pending = in_phase(&|p| p == Phase::Pending);
    let live = in_phase(&|p| p.is_live_grant());
    let active = in_phase(&|p| p == Phase::Active);
    let roll = rng.below(100);
    match roll {
        0..25 => {
            let (Some(entry), Some(set)) = (rng.pick(&world.items), rng.pick(&world.sets)) else {
                return ("request", None);
            };
            let mins = *rng.pick(&[15, 30, 60]).unwrap_or(&15);
            let draft = NewRequest {
                target: Target::Entry(*entry),
                terms: Terms {
                    permission_set_id: *set,
                    window: AccessWindow::Duration { mins },
                },
                approver_id: Some(world.bob.user_id()),
                message: "crash test".into(),
                start_on_first_use: false,
                extends_request_id: None,
            };
            let result = ws.request_access(&world.alice, &draft, now);
            ("request", Some(result.map(|id| Some(id.0))))
        }
        25..45 => {
            let Some(&id) = rng.pick(&pending) else {
                return ("approve", None);
            };
            let input = ApprovalInput {
                terms: None,
                message: "go ahead".into(),
            };
            let result = ws.approve(&world.bob, id, &input, now).map(|outcome| {
                assert_eq!(outcome, ApprovalOutcome::Granted);
                Some(id.0)
            });
            ("approve", Some(result))
        }
        45..53 => {
            let Some(&id) = rng.pick(&pending) else {
                return ("deny", None);
            };
            let result = ws.deny(&world.bob, id, "not now", now);
            ("deny", Some(result.map(|()| Some(id.0))))
        }
        53..61 => {
            let Some(&id) = rng.pick(&pending) else {
                return ("cancel", None);
            };
            let result = ws.cancel(&world.alice, id, now);
            ("cancel", Some(result.map(|()| Some(id.0))))
        }
        61..69 => {
            let Some(&id) = rng.pick(&live) else {
                return ("revoke", None);
            };
            let result = ws.revoke(&world.bob, id, "change window closed", now);
            ("revoke", Some(result.map(|()| Some(id.0))))
        }
        69..77 => {
            let Some(&id) = rng.pick(&active) else {
                return ("release", None);
            };
            let result = ws.release(&world.alice, id, "done", now);
            ("release", Some(result.map(|()| Some(id.0))))
        }
        77..92 => {
            let Some(&entry) = rng.pick(&world.items) else {
                return ("reveal", None);
            };
            let result = ws.reveal_secret(&world.alice, entry, SecretUse::Reveal, now);
            ("reveal", Some(result.map(|_| Some(entry.0))))
        }
        _ => ("tick", Some(ws.tick(now).map(|_| None))),
    }
}

/// Works on the workspace until killed, telling stdout about every commit.
fn run_child(path: &Path, base: Timestamp, seed: u64) {
    let keyring = NoKeyring::new("no keyring in tests");
    let mut ws = open(path, &keyring).unwrap();
    let mut now = base;
    let alice = ws.sign_in("alice", demo::DEMO_PASSWORD, now).unwrap();
    let bob = ws.sign_in("bob", demo::DEMO_PASSWORD, now).unwrap();
    let vaults: Vec<VaultId> = ws
        .vaults(&alice, now)
        .unwrap()
        .into_iter()
        .filter(|v| v.name == "Production" || v.name == "Staging")
        .map(|v| v.id)
        .collect();
    let mut items = Vec::new();
    for vault in &vaults {
        let entries = ws.entries(&alice, *vault, now).unwrap();
        items.extend(
            entries
                .into_iter()
                .filter(|e| e.kind != EntryKind::Folder)
                .map(|e| e.id),
        );
    }
    let sets = ws
        .permission_sets(now)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let world = World {
        alice,
        bob,
        vaults,
        items,
        sets,
    };
    let mut rng = XorShift::new(seed);
    let mut stdout = std::io::stdout();
    for _ in 0..MAX_CHILD_OPS {
        now = now + Span::secs(1 + rng.below(5) as i64);
        let (kind, result) = random_operation(&mut ws, &world, &mut rng, now);
        match result {
            None | Some(Err(ServiceError::Domain(_))) => {}
            Some(Err(error)) => panic!("{kind} failed unexpectedly: {error:?}"),
            Some(Ok(id)) => {
                let id = id.map_or_else(|| "-".to_owned(), |id| id.to_string());
                let line = format!("committed {kind} {id} {}", now.millis());
                // The parent is gone if nobody reads this: stop.
                if writeln!(stdout, "{line}")
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

/// The child half of the crash test: does nothing unless started by
/// `killed_at_random_moments_leaves_a_consistent_workspace`.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let base: i64 = std::env::var(BASE_ENV).unwrap().parse().unwrap();
    let seed: u64 = std::env::var(SEED_ENV).unwrap().parse().unwrap();
    run_child(Path::new(&path), Timestamp(base), seed);
}

/// Kills and reaps the child however the test ends, so none outlives it.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Killing a child that has already exited fails harmlessly.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One line of the child's report: an operation that committed.
#[derive(Debug, Clone)]
struct Committed {
    kind: String,
    id: Option<i64>,
    at: i64,
}

fn parse(line: &str) -> Option<Committed> {
    let mut words = line.strip_prefix("committed ")?.split(' ');
    let kind = words.next()?.to_owned();
    let id = words.next()?.parse().ok();
    let at = words.next()?.parse().ok()?;
    Some(Committed { kind, id, at })
}

/// The audit action a committed operation of `kind` must have left, and the
/// stored statuses it allows from then on.
fn expectation(kind: &str) -> Option<(&'static str, &'static [RequestStatus])> {
    use RequestStatus::{Approved, Cancelled, Denied, Lapsed, Pending, Released, Revoked};
    match kind {
        "request" => Some((
            "requested",
            &[
                Pending, Approved, Denied, Cancelled, Revoked, Released, Lapsed,
            ],
        )),
        "approve" => Some(("approved", &[Approved, Revoked, Released])),
        "deny" => Some(("denied", &[Denied])),
        "cancel" => Some(("cancelled", &[Cancelled])),
        "revoke" => Some(("revoked", &[Revoked])),
        "release" => Some(("released", &[Released])),
        _ => None,
    }
}

/// The life a request in `status` has had, as audit actions (no first-use
/// grants are made here, so an approved request never lapses).
fn lifecycle_of(status: RequestStatus) -> Vec<&'static str> {
    let tail: &[&str] = match status {
        RequestStatus::Pending => &[],
        RequestStatus::Approved => &["approved"],
        RequestStatus::Denied => &["denied"],
        RequestStatus::Cancelled => &["cancelled"],
        RequestStatus::Revoked => &["approved", "revoked"],
        RequestStatus::Released => &["approved", "released"],
        RequestStatus::Lapsed => &["lapsed"],
    };
    let mut life = vec!["requested"];
    life.extend_from_slice(tail);
    life
}

/// Opens the workspace after a kill and checks it: the file is sound, the
/// audit chain intact, every reported commit is there, and every request
/// the children made has exactly the audit history its state calls for.
/// Returns the number of audit events.
fn check_workspace(path: &Path, committed: &[Committed], first_new_request: i64) -> i64 {
    let mut store = SqliteStore::open(path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let verdict = verify_audit(&mut store).unwrap();
    let AuditVerdict::Intact {
        events: event_count,
    } = verdict
    else {
        panic!("the audit chain is broken: {verdict:?}");
    };
    let (events, requests) = {
        let mut tx = store.begin(TxMode::Read).unwrap();
        let events = tx.audit_events_after(0, 10_000_000).unwrap();
        let alice = tx.user_auth("alice").unwrap().unwrap().user;
        let bob = tx.user_auth("bob").unwrap().unwrap().user;
        let requests: HashMap<i64, Request> = tx
            .requests_of(alice.id, 10_000_000)
            .unwrap()
            .into_iter()
            .map(|r| (r.id.0, r))
            .collect();
        for request in requests.values().filter(|r| r.id.0 >= first_new_request) {
            if matches!(
                request.status,
                RequestStatus::Approved | RequestStatus::Revoked | RequestStatus::Released
            ) {
                assert_eq!(request.approvals.len(), 1, "{request:?}");
                assert_eq!(request.decided_by, Some(bob.id), "{request:?}");
            }
        }
        (events, requests)
    };
    assert_eq!(events.len() as i64, event_count);

    let mut life: HashMap<i64, Vec<&str>> = HashMap::new();
    for event in &events {
        if let Some(id) = event.request_id
            && LIFECYCLE.contains(&event.action.as_str())
        {
            life.entry(id.0).or_default().push(event.action.as_str());
        }
    }
    for op in committed {
        let Some((action, statuses)) = expectation(&op.kind) else {
            continue;
        };
        let id = op.id.unwrap();
        let request = requests
            .get(&id)
            .unwrap_or_else(|| panic!("reported {op:?} but the request is gone"));
        assert!(
            statuses.contains(&request.status),
            "reported {op:?} but the request is {:?}",
            request.status
        );
        let logged = life.get(&id).map(Vec::as_slice).unwrap_or_default();
        assert!(
            logged.contains(&action),
            "reported {op:?} but the audit log has {logged:?}"
        );
    }
    let reported_reveals = committed.iter().filter(|op| op.kind == "reveal").count();
    let logged_reveals = events
        .iter()
        .filter(|e| e.action == "password_revealed")
        .count();
    assert!(
        logged_reveals >= reported_reveals,
        "{reported_reveals} reveals reported, {logged_reveals} audited"
    );

    for (id, request) in &requests {
        if *id < first_new_request {
            continue;
        }
        let logged = life.get(id).cloned().unwrap_or_default();
        assert_eq!(
            logged,
            lifecycle_of(request.status),
            "request {id} is {:?}",
            request.status
        );
    }
    for id in life.keys().filter(|id| **id >= first_new_request) {
        assert!(requests.contains_key(id), "audited request {id} is missing");
    }

    // The workspace key still opens it.
    let keyring = NoKeyring::new("no keyring in tests");
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(key_file_for(path)),
    };
    Workspace::open(Box::new(store), &keys, HashCost::Minimal).unwrap();
    event_count
}

/// Reads a pipe to its end on a thread.
fn read_all<R: Read + Send + 'static>(pipe: R) -> thread::JoinHandle<Vec<String>> {
    thread::spawn(move || BufReader::new(pipe).lines().map_while(Result::ok).collect())
}

/// R-DATA-1: every operation is one transaction, so a process killed at any
/// moment leaves a sound file. Twenty children do random request, approve,
/// deny, cancel, revoke, release, reveal and tick operations and are killed
/// with SIGKILL after 50–400 ms. After each kill the workspace opens, passes
/// `PRAGMA integrity_check`, its audit chain verifies (R-AUD-2), every
/// operation the child reported as committed is stored with its audit event,
/// and every request's state matches its audit history exactly.
#[test]
fn killed_at_random_moments_leaves_a_consistent_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.latchkey");
    let first_new_request = {
        let keyring = NoKeyring::new("no keyring in tests");
        let keys = KeyOptions {
            keyring: &keyring,
            key_file: Some(key_file_for(&path)),
        };
        let store = Box::new(SqliteStore::create(&path).unwrap());
        let mut ws = demo::create_demo(store, &keys, HashCost::Minimal, START).unwrap();
        let alice = ws.sign_in("alice", demo::DEMO_PASSWORD, START).unwrap();
        let demo_requests = ws.my_requests(&alice, 1_000, START).unwrap();
        demo_requests.iter().map(|r| r.id.0).max().unwrap_or(0) + 1
    };

    let exe = std::env::current_exe().unwrap();
    let mut base = START + Span::mins(1);
    let mut committed: Vec<Committed> = Vec::new();
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    let mut events = 0;
    for child_number in 0..CHILDREN {
        let mut rng = XorShift::new(child_number + 1);
        let seed = rng.next();
        let lifetime = Duration::from_millis(50 + rng.below(351));
        let mut child = KillOnDrop(
            Command::new(&exe)
                .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, &path)
                .env(BASE_ENV, base.millis().to_string())
                .env(SEED_ENV, seed.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let stdout = read_all(child.0.stdout.take().unwrap());
        let stderr = read_all(child.0.stderr.take().unwrap());
        thread::sleep(lifetime);
        let exited_early = child.0.try_wait().unwrap();
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        let lines = stdout.join().unwrap();
        let errors = stderr.join().unwrap();
        assert!(
            exited_early.is_none(),
            "child {child_number} stopped by itself ({exited_early:?}):\n{}\n{}",
            lines.join("\n"),
            errors.join("\n")
        );

        let ops: Vec<Committed> = lines.iter().filter_map(|l| parse(l)).collect();
        for op in &ops {
            *totals.entry(op.kind.clone()).or_default() += 1;
        }
        // The next child starts after everything this one may have committed
        // (at most one operation, a few seconds, can go unreported).
        let last = ops.iter().map(|op| op.at).max().unwrap_or(base.millis());
        base = Timestamp(last) + Span::mins(1);
        committed.extend(ops);
        events = check_workspace(&path, &committed, first_new_request);
    }

    // For the record: how much work the children got done before dying.
    println!(
        "{CHILDREN} children, {} committed operations {totals:?}, {events} audit events",
        committed.len()
    );
    assert!(!committed.is_empty(), "no child committed anything");
}
