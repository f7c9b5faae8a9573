//! Administering people through the service (issue 15, R-ADM-2), on the
//! demo workspace in memory at a fixed instant: each operation is refused
//! for a non-administrator and writes nothing; an allowed one stores its
//! result and one audit event with before and after. Disabling ends access
//! at once; the last administrator is protected; a reset password must be
//! replaced before a session opens, and no password reaches the audit log.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use latchkey::domain::audit::AuditEvent;
use latchkey::domain::request::{Phase, RequestStatus};
use latchkey::domain::{DomainError, Field, Span, Timestamp, UserId};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::{
    HashCost, KeyOptions, SecretUse, ServiceError, Session, UserDetails, Workspace, demo,
};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use serde_json::Value;
use std::path::Path;

const T0: Timestamp = Timestamp(1_800_000_000_000);
const MS: Span = Span(1);

/// The demo workspace in a temporary file (the audit log is read back from
/// the file, as the audit tools do).
fn demo_workspace() -> (tempfile::TempDir, std::path::PathBuf, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.latchkey");
    let keyring = MemoryKeyring::default();
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(dir.path().join("people.key")),
    };
    let store = Box::new(SqliteStore::create(&path).unwrap());
    let ws = demo::create_demo(store, &keys, HashCost::Minimal, T0).unwrap();
    (dir, path, ws)
}

fn sign_in(ws: &mut Workspace, who: &str) -> Session {
    ws.sign_in(who, "demo", T0).unwrap()
}

fn user_id(ws: &mut Workspace, admin: &Session, username: &str) -> UserId {
    ws.user_records(admin, T0)
        .unwrap()
        .into_iter()
        .find(|r| r.user.username == username)
        .unwrap()
        .user
        .id
}

fn audit(path: &Path) -> Vec<AuditEvent> {
    let mut store = SqliteStore::open(path).unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    tx.audit_events_after(0, 1_000_000).unwrap()
}

fn last_event(path: &Path) -> (String, Value) {
    let event = audit(path).pop().unwrap();
    (event.action, serde_json::from_str(&event.details).unwrap())
}

fn not_permitted<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> String {
    match result {
        Err(ServiceError::Domain(DomainError::NotPermitted(message))) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn only_administrators_administer_people_and_a_refusal_writes_nothing() {
    let (_dir, path, mut ws) = demo_workspace();
    let admin = sign_in(&mut ws, "admin");
    let bob = sign_in(&mut ws, "bob");
    let alice = user_id(&mut ws, &admin, "alice");
    let before = audit(&path).len();
    let details = UserDetails {
        display_name: "Mallory".into(),
        email: String::new(),
    };
    not_permitted(ws.user_records(&bob, T0));
    not_permitted(ws.update_user_details(&bob, alice, &details, T0));
    not_permitted(ws.set_admin(&bob, alice, true, T0));
    not_permitted(ws.set_active(&bob, alice, false, T0));
    not_permitted(ws.reset_password(&bob, alice, "temporary", T0));
    assert_eq!(audit(&path).len(), before, "nothing was written");
    let stored = ws.user_records(&admin, T0).unwrap();
    let alice_now = stored.iter().find(|r| r.user.id == alice).unwrap();
    assert!(alice_now.user.is_active && !alice_now.user.is_admin);
    assert_eq!(alice_now.user.display_name, "Alice Requester");
}

#[test]
fn details_and_the_administrator_flag_are_stored_and_audited_with_before_and_after() {
    let (_dir, path, mut ws) = demo_workspace();
    let admin = sign_in(&mut ws, "admin");
    let alice = user_id(&mut ws, &admin, "alice");
    let details = UserDetails {
        display_name: "  Alice Liddell ".into(),
        email: "alice@example.org".into(),
    };
    ws.update_user_details(&admin, alice, &details, T0).unwrap();
    let (action, event) = last_event(&path);
    assert_eq!(action, "user_changed");
    assert_eq!(event["before"]["display_name"], "Alice Requester");
    assert_eq!(event["after"]["display_name"], "Alice Liddell");
    assert_eq!(event["after"]["email"], "alice@example.org");

    let bad = UserDetails {
        display_name: String::new(),
        email: "not an address".into(),
    };
    let refused = ws.update_user_details(&admin, alice, &bad, T0).unwrap_err();
    let fields = refused.field_errors().unwrap();
    assert!(fields.for_field(Field::Name).is_some());
    assert!(fields.for_field(Field::Email).is_some());

    ws.set_admin(&admin, alice, true, T0).unwrap();
    let (action, event) = last_event(&path);
    assert_eq!(action, "user_changed");
    assert_eq!(
        (&event["before"]["is_admin"], &event["after"]["is_admin"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    let alice_session = sign_in(&mut ws, "alice");
    assert!(alice_session.user().is_admin, "a new session sees it");
}

#[test]
fn the_last_active_administrator_can_be_neither_unmade_nor_disabled() {
    let (_dir, _path, mut ws) = demo_workspace();
    let admin = sign_in(&mut ws, "admin");
    let me = admin.user_id();
    let message = not_permitted(ws.set_admin(&admin, me, false, T0));
    assert!(message.contains("last active administrator"), "{message}");
    not_permitted(ws.set_active(&admin, me, false, T0));

    // With a second administrator, the first may step down.
    let carol = user_id(&mut ws, &admin, "carol");
    ws.set_admin(&admin, carol, true, T0).unwrap();
    ws.set_admin(&admin, me, false, T0).unwrap();
    // Now carol is the last one.
    let carol_session = sign_in(&mut ws, "carol");
    not_permitted(ws.set_active(&carol_session, carol, false, T0));
}

#[test]
fn disabling_ends_access_at_once_and_enabling_brings_none_back() {
    let (_dir, path, mut ws) = demo_workspace();
    let admin = sign_in(&mut ws, "admin");
    let alice_session = sign_in(&mut ws, "alice");
    let alice = alice_session.user_id();
    let requests = ws.my_requests(&alice_session, 500, T0).unwrap();
    let active = requests
        .iter()
        .find(|r| r.phase(T0) == Phase::Active)
        .expect("the demo gives alice a grant in force")
        .clone();
    let pending: Vec<_> = requests
        .iter()
        .filter(|r| r.status == RequestStatus::Pending)
        .map(|r| r.id)
        .collect();
    assert!(
        !pending.is_empty(),
        "the demo has a pending request of alice's"
    );

    let at = T0 + Span::mins(1);
    ws.set_active(&admin, alice, false, at).unwrap();
    let (action, event) = last_event(&path);
    assert_eq!(action, "user_changed");
    assert_eq!(event["after"]["is_active"], false);
    let ended: Vec<i64> = serde_json::from_value(event["ended_requests"].clone()).unwrap();
    assert!(ended.contains(&active.id.0), "{ended:?}");

    // Her open session is refused from the next millisecond; she cannot sign in.
    let refused = ws.reveal_secret(
        &alice_session,
        active.entry_id().unwrap(),
        SecretUse::Reveal,
        at + MS,
    );
    assert!(
        matches!(refused, Err(ServiceError::NotFound(_))),
        "{refused:?}"
    );
    assert!(!ws.session_is_valid(&alice_session, at + MS).unwrap());
    let sign_in_refused = ws.sign_in("alice", "demo", at + MS).unwrap_err();
    assert!(
        sign_in_refused.to_string().contains("disabled"),
        "{sign_in_refused}"
    );

    // The grant ended at the instant of the change; pending requests lapsed.
    let grant = ws.request(&admin, active.id, at).unwrap();
    assert_eq!(grant.status, RequestStatus::Revoked);
    assert_eq!(grant.ended_at, Some(at));
    for id in pending {
        assert_eq!(
            ws.request(&admin, id, at).unwrap().status,
            RequestStatus::Lapsed
        );
    }

    // Enabled again: she signs in, but the grant stays ended.
    ws.set_active(&admin, alice, true, at + MS).unwrap();
    let again = ws.sign_in("alice", "demo", at + MS + MS).unwrap();
    let after = ws.reveal_secret(
        &again,
        active.entry_id().unwrap(),
        SecretUse::Reveal,
        at + MS + MS,
    );
    assert!(after.is_err(), "no access came back");
}

#[test]
fn a_reset_password_must_be_replaced_before_a_session_opens() {
    let (_dir, path, mut ws) = demo_workspace();
    let admin = sign_in(&mut ws, "admin");
    let alice = user_id(&mut ws, &admin, "alice");
    ws.reset_password(&admin, alice, "temp-Pa55", T0).unwrap();
    let (action, event) = last_event(&path);
    assert_eq!(action, "password_reset");
    assert_eq!(event["must_change"], true);
    let records = ws.user_records(&admin, T0).unwrap();
    assert!(
        records
            .iter()
            .any(|r| r.user.id == alice && r.must_change_password)
    );

    // The old password no longer works; the temporary one opens no session.
    assert!(matches!(
        ws.sign_in("alice", "demo", T0),
        Err(ServiceError::BadCredentials)
    ));
    assert!(matches!(
        ws.sign_in("alice", "temp-Pa55", T0),
        Err(ServiceError::PasswordChangeRequired)
    ));
    // A wrong current password, or the same one again, changes nothing.
    assert!(matches!(
        ws.change_password("alice", "nope", "n3w-secret", T0),
        Err(ServiceError::BadCredentials)
    ));
    let same = ws
        .change_password("alice", "temp-Pa55", "temp-Pa55", T0)
        .unwrap_err();
    assert!(
        same.field_errors()
            .unwrap()
            .for_field(Field::Password)
            .is_some()
    );

    let session = ws
        .change_password("alice", "temp-Pa55", "n3w-secret", T0)
        .unwrap();
    assert_eq!(session.user_id(), alice);
    assert!(ws.sign_in("alice", "n3w-secret", T0).is_ok());
    assert!(ws.sign_in("alice", "temp-Pa55", T0).is_err());

    // No password, temporary or new, anywhere in the audit log.
    for event in audit(&path) {
        for secret in ["temp-Pa55", "n3w-secret"] {
            assert!(!event.details.contains(secret), "{}", event.details);
        }
    }
}
