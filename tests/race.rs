//! Several approvers decide the same request at the same moment, each through
//! their own connection to one workspace file.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use latchkey::domain::audit::AuditEvent;
use latchkey::domain::entry::EntryKind;
use latchkey::domain::notification::NotificationKind;
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, RequestStatus, Target, Terms,
};
use latchkey::domain::user::User;
use latchkey::domain::{DomainError, EntryId, PermissionSetId, RequestId, Span, Timestamp};
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{
    AuditVerdict, HashCost, KeyOptions, ServiceError, Session, Workspace, demo, verify_audit,
};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

/// Deciders, each with its own connection.
const THREADS: usize = 8;
/// Requests decided concurrently, one after the other.
const ROUNDS: usize = 200;
/// The demo's "now"; every round happens a little later.
const START: Timestamp = Timestamp(1_800_000_000_000);
/// The audit actions that decide a request.
const DECISIONS: [&str; 4] = [
    "approved",
    "approved_with_modifications",
    "denied",
    "approval_recorded",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Approve,
    Deny,
}

/// Thread `index` decides as bob, carol or admin (all approvers in
/// Production); even threads approve, odd ones deny, so every user does both.
fn decider(index: usize) -> (&'static str, Decision) {
    let username = ["bob", "carol", "admin"][index % 3];
    let decision = if index.is_multiple_of(2) {
        Decision::Approve
    } else {
        Decision::Deny
    };
    (username, decision)
}

/// What the main thread hands the deciders at the barrier: the request and
/// the instant to decide at, or `None` to stop.
type Job = Option<(RequestId, Timestamp)>;

/// What a decider reports: its index and the outcome (`Some` for an approval).
type Report = (usize, Result<Option<ApprovalOutcome>, ServiceError>);

fn open(path: &Path, keyring: &NoKeyring) -> Workspace {
    let keys = KeyOptions {
        keyring,
        key_file: Some(key_file_for(path)),
    };
    Workspace::open(
        Box::new(SqliteStore::open(path).unwrap()),
        &keys,
        HashCost::Minimal,
    )
    .unwrap()
}

/// One decider: its own workspace connection and session, deciding whatever
/// request it is handed, all at once with the others.
fn run_decider(
    index: usize,
    path: &Path,
    barrier: &Barrier,
    job: &Mutex<Job>,
    reports: &Sender<Report>,
) {
    let keyring = NoKeyring::new("no keyring in tests");
    let mut ws = open(path, &keyring);
    let (username, decision) = decider(index);
    let session = ws.sign_in(username, demo::DEMO_PASSWORD, START).unwrap();
    loop {
        barrier.wait();
        let Some((id, at)) = *job.lock().unwrap() else {
            return;
        };
        let outcome = match decision {
            Decision::Approve => {
                let input = ApprovalInput {
                    terms: None,
                    message: format!("approved by thread {index}"),
                };
                ws.approve(&session, id, &input, at).map(Some)
            }
            Decision::Deny => ws
                .deny(&session, id, &format!("denied by thread {index}"), at)
                .map(|()| None),
        };
        reports.send((index, outcome)).unwrap();
    }
}

/// The (entry, permission set) pairs to request in turn: every item of
/// Production with every set, except those alice already has pending.
fn request_targets(
    ws: &mut Workspace,
    alice: &Session,
    admin: &Session,
) -> Vec<(EntryId, PermissionSetId)> {
    let production = ws
        .vaults(admin, START)
        .unwrap()
        .into_iter()
        .find(|v| v.name == "Production")
        .unwrap();
    let items: Vec<EntryId> = ws
        .entries(alice, production.id, START)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind != EntryKind::Folder)
        .map(|e| e.id)
        .collect();
    let sets: Vec<PermissionSetId> = ws
        .permission_sets(START)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let pending: HashSet<(EntryId, PermissionSetId)> = ws
        .my_requests(alice, 1_000, START)
        .unwrap()
        .into_iter()
        .filter(|r| r.status == RequestStatus::Pending)
        .map(|r| (r.entry_id().unwrap(), r.requested.permission_set_id))
        .collect();
    let targets: Vec<_> = items
        .iter()
        .flat_map(|e| sets.iter().map(move |s| (*e, *s)))
        .filter(|pair| !pending.contains(pair))
        .collect();
    assert!(targets.len() > 10, "the demo has Production items");
    targets
}

/// Audit events after `after`, advancing it.
fn new_events(store: &mut SqliteStore, after: &mut i64) -> Vec<AuditEvent> {
    let mut tx = store.begin(TxMode::Read).unwrap();
    let events = tx.audit_events_after(*after, 100_000).unwrap();
    if let Some(last) = events.last() {
        *after = last.seq;
    }
    events
}

/// R-APP-4: eight approvers with their own connections decide one pending
/// request at the same instant, 200 times over. Exactly one decision is
/// stored (status, approval row, audit event, notification) and everyone
/// else is told the request was already handled, by the winner's name.
/// R-AUD-2: the audit chain still verifies afterwards; R-DATA-1: the file
/// passes SQLite's integrity check.
#[expect(
    clippy::too_many_lines,
    reason = "one scenario, step by step, reads best as one story"
)]
#[test]
fn concurrent_deciders_first_writer_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.latchkey");
    let keyring = NoKeyring::new("no keyring in tests");
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(key_file_for(&path)),
    };
    let store = Box::new(SqliteStore::create(&path).unwrap());
    let mut ws = demo::create_demo(store, &keys, HashCost::Minimal, START).unwrap();
    let alice = ws.sign_in("alice", demo::DEMO_PASSWORD, START).unwrap();
    let admin = ws.sign_in("admin", demo::DEMO_PASSWORD, START).unwrap();
    let users: Vec<User> = ws.users(START).unwrap();
    let user_named = |name: &str| users.iter().find(|u| u.username == name).unwrap().clone();
    let targets = request_targets(&mut ws, &alice, &admin);
    let mut auditor = SqliteStore::open(&path).unwrap();
    let mut audit_seq = 0;
    new_events(&mut auditor, &mut audit_seq);

    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let job: Arc<Mutex<Job>> = Arc::new(Mutex::new(None));
    let (report_tx, reports) = mpsc::channel::<Report>();
    let deciders: Vec<_> = (0..THREADS)
        .map(|index| {
            let (path, barrier, job, report_tx) = (
                path.clone(),
                Arc::clone(&barrier),
                Arc::clone(&job),
                report_tx.clone(),
            );
            thread::spawn(move || run_decider(index, &path, &barrier, &job, &report_tx))
        })
        .collect();

    let mut wins = [0_usize; THREADS];
    for round in 0..ROUNDS {
        let asked_at = START + Span::secs(10 * (round as i64 + 1));
        let decided_at = asked_at + Span::secs(1);
        let (entry_id, permission_set_id) = targets[round % targets.len()];
        let draft = NewRequest {
            target: Target::Entry(entry_id),
            terms: Terms {
                permission_set_id,
                window: AccessWindow::Duration { mins: 60 },
            },
            approver_id: Some(user_named("bob").id),
            message: format!("round {round}"),
            start_on_first_use: false,
            extends_request_id: None,
        };
        let id = ws.request_access(&alice, &draft, asked_at).unwrap();

        *job.lock().unwrap() = Some((id, decided_at));
        barrier.wait();
        let mut outcomes: Vec<Report> = (0..THREADS)
            .map(|_| reports.recv_timeout(Duration::from_mins(1)).unwrap())
            .collect();
        outcomes.sort_by_key(|(index, _)| *index);

        let winners: Vec<usize> = outcomes
            .iter()
            .filter(|(_, outcome)| outcome.is_ok())
            .map(|(index, _)| *index)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let winner = winners[0];
        wins[winner] += 1;
        let (winner_username, decision) = decider(winner);
        let winner_user = user_named(winner_username);
        let (outcome_word, status, approvals) = match decision {
            Decision::Approve => ("approved", RequestStatus::Approved, 1),
            Decision::Deny => ("denied", RequestStatus::Denied, 0),
        };
        for (index, outcome) in &outcomes {
            match outcome {
                Ok(approval) => {
                    let expected =
                        (decision == Decision::Approve).then_some(ApprovalOutcome::Granted);
                    assert_eq!(*approval, expected, "round {round}");
                }
                Err(error) => {
                    let ServiceError::Domain(DomainError::AlreadyHandled { outcome, by, at }) =
                        error
                    else {
                        panic!("round {round}, thread {index}: unexpected {error:?}");
                    };
                    assert_eq!(by, &winner_user.display_name, "round {round}");
                    assert_eq!(*outcome, outcome_word, "round {round}");
                    assert_eq!(*at, decided_at, "round {round}");
                    let text = error.to_string();
                    assert!(text.contains(&winner_user.display_name), "{text}");
                }
            }
        }

        let stored = ws.request(&admin, id, decided_at).unwrap();
        assert_eq!(stored.status, status, "round {round}");
        assert_eq!(stored.decided_by, Some(winner_user.id), "round {round}");
        assert_eq!(stored.decided_at, Some(decided_at), "round {round}");
        assert_eq!(stored.approvals.len(), approvals, "round {round}");
        assert!(
            stored
                .decision_message
                .ends_with(&format!("thread {winner}")),
            "round {round}: {}",
            stored.decision_message
        );

        let events = new_events(&mut auditor, &mut audit_seq);
        let about_it: Vec<&AuditEvent> =
            events.iter().filter(|e| e.request_id == Some(id)).collect();
        let decided: Vec<&&AuditEvent> = about_it
            .iter()
            .filter(|e| DECISIONS.contains(&e.action.as_str()))
            .collect();
        assert_eq!(decided.len(), 1, "round {round}: {about_it:?}");
        assert_eq!(decided[0].action, outcome_word, "round {round}");
        assert_eq!(decided[0].actor_id, Some(winner_user.id), "round {round}");
        assert_eq!(about_it.len(), 2, "requested + decided: {about_it:?}");

        let told = ws
            .notifications(&alice, 20, decided_at)
            .unwrap()
            .into_iter()
            .filter(|n| {
                n.request_id == id
                    && matches!(
                        n.kind,
                        NotificationKind::Approved | NotificationKind::Denied
                    )
            })
            .count();
        assert_eq!(told, 1, "round {round}: the requester is told once");
    }

    *job.lock().unwrap() = None;
    barrier.wait();
    for decider in deciders {
        decider.join().unwrap();
    }

    // Which thread wins is up to the scheduler; this is for the record only.
    println!("wins per thread over {ROUNDS} rounds: {wins:?}");
    drop(ws);
    let AuditVerdict::Intact { events } = verify_audit(&mut auditor).unwrap() else {
        panic!("the audit chain is broken");
    };
    assert!(events > (ROUNDS * 2) as i64);
    assert_eq!(auditor.integrity_check().unwrap(), "ok");
}
