//! Sign-in throttling (R-SEC-2) from the outside: parallel guessers, a slow
//! trickle of guesses, unknown user names. Real workspace files in temporary
//! directories, one connection per thread, fixed instants; nothing here
//! measures time (the timing of unknown names is measured in
//! `benches/sign_in.rs`).

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use latchkey::domain::audit::AuditEvent;
use latchkey::domain::user::NewUser;
use latchkey::domain::{Span, Timestamp, UserId};
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{
    HashCost, KeyOptions, ServiceError, Session, Workspace, password_checks_on_this_thread,
};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::thread;
use tempfile::TempDir;

/// The instant the workspace is set up.
const T0: Timestamp = Timestamp(1_800_000_000_000);
/// The instant the guessing starts.
const T1: Timestamp = Timestamp(1_800_000_600_000);
const PASSWORD: &str = "correct horse battery";
/// The longest a correct password can be refused after the last checked
/// attempt, as the service and README state it.
const BOUND: Span = Span::secs(30);
const MS: Span = Span(1);

struct Fx {
    _dir: TempDir,
    path: PathBuf,
    ws: Workspace,
    admin: Session,
    alice: UserId,
    bob: UserId,
}

fn person(username: &str, is_admin: bool) -> NewUser {
    NewUser {
        username: username.to_owned(),
        display_name: username.to_owned(),
        email: format!("{username}@example.test"),
        is_admin,
    }
}

fn keys<'k>(path: &Path, keyring: &'k NoKeyring) -> KeyOptions<'k> {
    KeyOptions {
        keyring,
        key_file: Some(key_file_for(path)),
    }
}

/// A workspace file with an administrator, alice and bob, all with `PASSWORD`.
fn setup() -> Fx {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("sign-in.latchkey");
    let keyring = NoKeyring::new("no keyring in tests");
    let store = SqliteStore::create(&path).unwrap();
    let mut ws = Workspace::create(
        Box::new(store),
        "t",
        &keys(&path, &keyring),
        HashCost::Minimal,
        T0,
    )
    .unwrap();
    let admin = ws
        .create_first_admin(&person("admin", true), PASSWORD, T0)
        .unwrap();
    let alice = ws
        .add_user(&admin, &person("alice", false), PASSWORD, T0)
        .unwrap();
    let bob = ws
        .add_user(&admin, &person("bob", false), PASSWORD, T0)
        .unwrap();
    Fx {
        _dir: dir,
        path,
        ws,
        admin,
        alice,
        bob,
    }
}

/// A second, independent connection to the workspace (another window, or the
/// same one after a restart).
fn open(path: &Path) -> Workspace {
    let keyring = NoKeyring::new("no keyring in tests");
    Workspace::open(
        Box::new(SqliteStore::open(path).unwrap()),
        &keys(path, &keyring),
        HashCost::Minimal,
    )
    .unwrap()
}

fn audit(path: &Path) -> Vec<AuditEvent> {
    let mut store = SqliteStore::open(path).unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    tx.audit_events_after(0, 1_000_000).unwrap()
}

fn head(path: &Path) -> i64 {
    audit(path).last().map_or(0, |e| e.seq)
}

fn events_after(path: &Path, seq: i64) -> Vec<AuditEvent> {
    audit(path).into_iter().filter(|e| e.seq > seq).collect()
}

fn details(event: &AuditEvent) -> Value {
    serde_json::from_str(&event.details).unwrap()
}

fn is_slow_down(result: &Result<Session, ServiceError>) -> bool {
    matches!(result, Err(ServiceError::SlowDown(_)))
}

fn is_bad_credentials(result: &Result<Session, ServiceError>) -> bool {
    matches!(result, Err(ServiceError::BadCredentials))
}

/// R-SEC-2: twelve wrong guesses made at the same instant through twelve
/// connections are twelve recorded failures, each numbered once (the check
/// and the count are one transaction); afterwards the right password gets in
/// within the stated bound.
#[test]
fn twelve_parallel_wrong_guesses_count_twelve_failures() {
    const GUESSERS: usize = 12;
    let fx = setup();
    let mark = head(&fx.path);
    let barrier = Arc::new(Barrier::new(GUESSERS));
    let guessers: Vec<_> = (0..GUESSERS)
        .map(|i| {
            let path = fx.path.clone();
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let mut ws = open(&path);
                barrier.wait();
                ws.sign_in("alice", &format!("guess {i}"), T1)
                    .map(|s| s.user_id())
            })
        })
        .collect();
    let outcomes: Vec<_> = guessers.into_iter().map(|g| g.join().unwrap()).collect();
    for outcome in &outcomes {
        assert!(
            matches!(
                outcome,
                Err(ServiceError::BadCredentials | ServiceError::SlowDown(_))
            ),
            "{outcome:?}"
        );
    }

    let events = events_after(&fx.path, mark);
    assert_eq!(events.len(), GUESSERS, "one audit event per guess");
    let mut numbers: Vec<u64> = events
        .iter()
        .map(|e| {
            assert_eq!(e.action, "sign_in_failed");
            assert_eq!(e.actor_id, Some(fx.alice));
            details(e)["failures_in_a_row"].as_u64().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=GUESSERS as u64).collect::<Vec<_>>(),
        "every failure counted once: {events:#?}"
    );

    // The owner, right after: refused, told to wait; at the bound: in.
    let mut ws = open(&fx.path);
    match ws.sign_in("alice", PASSWORD, T1) {
        Err(ServiceError::SlowDown(wait)) => assert!(!wait.is_empty()),
        other => panic!("expected a slow-down, got {other:?}"),
    }
    let session = ws.sign_in("alice", PASSWORD, T1 + BOUND).unwrap();
    assert_eq!(session.user_id(), fx.alice);
}

/// R-SEC-2: one wrong guess every five minutes for a whole day, against the
/// administrator, does not keep the administrator's correct password out for
/// longer than the bound after the last guess, also after a restart.
#[test]
fn a_wrong_guess_every_five_minutes_for_a_day_cannot_lock_out_the_owner() {
    let fx = setup();
    let mut ws = fx.ws;
    let mut last = T1;
    for k in 0..288 {
        last = T1 + Span::mins(5 * k);
        let guess = ws.sign_in("admin", "a guess", last);
        assert!(is_bad_credentials(&guess), "guess {k}: {guess:?}");
    }
    drop(ws);

    // A restart changes nothing: the wait is stored, and bounded.
    let mut ws = open(&fx.path);
    let early = ws.sign_in("admin", PASSWORD, last + BOUND - MS);
    assert!(is_slow_down(&early), "{early:?}");
    let session = ws.sign_in("admin", PASSWORD, last + BOUND).unwrap();
    assert_eq!(session.user_id(), fx.admin.user_id());
}

/// R-SEC-2: attempts refused during a wait are not checked and do not push
/// the end of the wait: someone hammering the sign-in once a second cannot
/// keep the owner out beyond the bound.
#[test]
fn refused_attempts_do_not_extend_the_wait() {
    let fx = setup();
    let mut ws = fx.ws;
    // Ten guesses spaced far enough apart that each is checked: the wait is
    // now at its longest.
    let mut last = T1;
    for k in 0..10 {
        last = T1 + Span::mins(10 * k);
        let guess = ws.sign_in("alice", "a guess", last);
        assert!(is_bad_credentials(&guess), "guess {k}: {guess:?}");
    }
    for s in 1..30 {
        let hammer = ws.sign_in("alice", "another guess", last + Span::secs(s));
        assert!(is_slow_down(&hammer), "second {s}: {hammer:?}");
    }
    let session = ws.sign_in("alice", PASSWORD, last + BOUND).unwrap();
    assert_eq!(session.user_id(), fx.alice);
}

/// R-SEC-2, R-AUD-1: an unknown user name gets exactly the wrong-password
/// answer, and the name is stored nowhere — neither in the audit log nor
/// anywhere else in the workspace file (it may be a password typed into the
/// wrong field).
#[test]
fn an_unknown_user_name_gets_the_same_answer_and_is_not_recorded() {
    const TYPED: &str = "hunter2-password";
    let mut fx = setup();
    let wrong_password = fx.ws.sign_in("alice", "wrong", T1).unwrap_err();
    let mark = head(&fx.path);
    let unknown = fx.ws.sign_in(TYPED, "wrong", T1).unwrap_err();
    assert_eq!(unknown.to_string(), wrong_password.to_string());
    assert_eq!(unknown.to_string(), "wrong user name or password");

    let events = events_after(&fx.path, mark);
    assert_eq!(events.len(), 1, "the attempt is audited");
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("sign_in_failed", None)
    );
    for e in audit(&fx.path) {
        let row = format!(
            "{} {} {:?} {} {:?} {:?} {} {} {}",
            e.seq,
            e.at,
            e.actor_id,
            e.action,
            e.request_id,
            e.entry_id,
            e.details,
            e.prev_hash,
            e.hash
        );
        assert!(!row.contains("hunter2"), "event {}: {row}", e.seq);
    }
    drop(fx.ws);
    for suffix in ["", "-wal"] {
        let mut name = fx.path.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(PathBuf::from(name)) {
            assert!(
                !bytes.windows(TYPED.len()).any(|w| w == TYPED.as_bytes()),
                "the name is in the workspace file{suffix}"
            );
        }
    }
}

/// R-SEC-2: unknown names are slowed down exactly like known ones, so the
/// slow-down does not tell which accounts exist.
#[test]
fn unknown_user_names_are_slowed_down_like_known_ones() {
    let mut fx = setup();
    let mut answers = |username: &str| -> Vec<String> {
        (0..6)
            .map(|_| {
                fx.ws
                    .sign_in(username, "wrong", T1)
                    .unwrap_err()
                    .to_string()
            })
            .collect()
    };
    let known = answers("alice");
    let unknown = answers("nobody-here");
    assert!(
        known[5].starts_with("too many failed sign-ins"),
        "{known:?}"
    );
    assert_eq!(known, unknown);
}

/// R-SEC-2, R-ADM-2: an administrator clears a user's failed sign-ins; it is
/// audited and takes effect at once. Anyone else is refused, and nothing is
/// cleared or written.
#[test]
fn an_administrator_clears_failed_sign_ins() {
    let mut fx = setup();
    for _ in 0..5 {
        assert!(fx.ws.sign_in("alice", "wrong", T1).is_err());
    }
    let refused = fx.ws.sign_in("alice", PASSWORD, T1);
    assert!(is_slow_down(&refused), "{refused:?}");

    let bob = fx.ws.sign_in("bob", PASSWORD, T1).unwrap();
    assert_eq!(bob.user_id(), fx.bob);
    let mark = head(&fx.path);
    let denied = fx.ws.clear_failed_sign_ins(&bob, fx.alice, T1).unwrap_err();
    assert!(
        denied.to_string().contains("only an administrator"),
        "{denied}"
    );
    assert!(events_after(&fx.path, mark).is_empty());
    let still = fx.ws.sign_in("alice", PASSWORD, T1);
    assert!(is_slow_down(&still), "{still:?}");

    let mark = head(&fx.path);
    fx.ws
        .clear_failed_sign_ins(&fx.admin, fx.alice, T1)
        .unwrap();
    let events = events_after(&fx.path, mark);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("sign_in_failures_cleared", Some(fx.admin.user_id()))
    );
    let cleared = details(&events[0]);
    assert_eq!(cleared["user_id"], fx.alice.0);
    assert_eq!(cleared["failed_attempts"], 7);

    let session = fx.ws.sign_in("alice", PASSWORD, T1).unwrap();
    assert_eq!(session.user_id(), fx.alice);
}

/// R-SEC-2: an unknown user name costs one Argon2 check, like a wrong
/// password for a known name; a refused attempt costs none, for either.
/// (Counted, not timed: the timing is measured in `benches/sign_in.rs`.)
#[test]
fn an_unknown_user_name_runs_the_password_hash() {
    let mut fx = setup();
    let mut checks = |username: &str| -> u64 {
        let before = password_checks_on_this_thread();
        assert!(fx.ws.sign_in(username, "wrong", T1).is_err());
        password_checks_on_this_thread() - before
    };
    let known: Vec<u64> = (0..4).map(|_| checks("alice")).collect();
    let unknown: Vec<u64> = (0..4).map(|_| checks("hunter2-password")).collect();
    assert_eq!(known, [1, 1, 1, 0], "three checked, then slowed down");
    assert_eq!(unknown, known);
}
