//! Issue 10, item 6: the actions that use an entry (reveal, copy, connect)
//! as seen from outside. Refusals are audited as denied, a connection is
//! audited (and a first-use grant started, R-BEY-2) only once its program
//! really started, no entry field reaches a program as an option, and
//! "Copy username" is checked and audited like the other copies.
//!
//! The demo workspace lives in a real file in a temporary directory; the
//! audit log is read through a second connection, as an auditor would. Every
//! step happens at an instant the test chooses.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use latchkey::domain::audit::AuditEvent;
use latchkey::domain::entry::{EntryKind, NewEntry};
use latchkey::domain::request::{AccessWindow, ApprovalInput, NewRequest, Phase, Target, Terms};
use latchkey::domain::{EntryId, PermissionSetId, Span, Timestamp};
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::launcher::{Launcher, RecordingLauncher};
use latchkey::service::{HashCost, KeyOptions, SecretUse, ServiceError, Session, Workspace, demo};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Mutex;
use tempfile::TempDir;

/// The demo's "now".
const T0: Timestamp = Timestamp(1_800_000_000_000);

/// A launcher whose program never starts (not installed, say).
#[derive(Default)]
struct FailingLauncher {
    tried: Mutex<Vec<Vec<String>>>,
}

impl Launcher for FailingLauncher {
    fn launch(&self, argv: &[String]) -> Result<(), String> {
        self.tried.lock().unwrap().push(argv.to_vec());
        Err(format!(
            "cannot start {}: No such file or directory (os error 2)",
            argv[0]
        ))
    }
}

struct World {
    _dir: TempDir,
    path: PathBuf,
    ws: Workspace,
    admin: Session,
    alice: Session,
    bob: Session,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.latchkey");
    let keyring = MemoryKeyring::default();
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(key_file_for(&path)),
    };
    let store = Box::new(SqliteStore::create(&path).unwrap());
    let mut ws = demo::create_demo(store, &keys, HashCost::Minimal, T0).unwrap();
    let admin = ws.sign_in("admin", "demo", T0).unwrap();
    let alice = ws.sign_in("alice", "demo", T0).unwrap();
    let bob = ws.sign_in("bob", "demo", T0).unwrap();
    World {
        _dir: dir,
        path,
        ws,
        admin,
        alice,
        bob,
    }
}

impl World {
    fn entry(&mut self, vault: &str, name: &str) -> EntryId {
        let vault = self
            .ws
            .vaults(&self.admin, T0)
            .unwrap()
            .into_iter()
            .find(|v| v.name == vault)
            .unwrap()
            .id;
        self.ws
            .entries(&self.admin, vault, T0)
            .unwrap()
            .into_iter()
            .find(|e| e.name == name)
            .unwrap()
            .id
    }

    fn set(&mut self, name: &str) -> PermissionSetId {
        self.ws
            .permission_sets(T0)
            .unwrap()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap()
            .id
    }

    /// Every audit event, read through a second connection.
    fn audit(&self) -> Vec<AuditEvent> {
        let mut store = SqliteStore::open(&self.path).unwrap();
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.audit_events_after(0, 1_000_000).unwrap()
    }

    fn head(&self) -> i64 {
        self.audit().last().map_or(0, |e| e.seq)
    }

    fn events_after(&self, seq: i64) -> Vec<AuditEvent> {
        self.audit().into_iter().filter(|e| e.seq > seq).collect()
    }

    /// Alice asks for `set` on `entry` for 60 min from its first use; Bob approves at `at`.
    fn first_use_grant(
        &mut self,
        entry: EntryId,
        set: &str,
        at: Timestamp,
    ) -> latchkey::domain::RequestId {
        let draft = NewRequest {
            target: Target::Entry(entry),
            terms: Terms {
                permission_set_id: self.set(set),
                window: AccessWindow::Duration { mins: 60 },
            },
            approver_id: Some(self.bob.user_id()),
            message: "on first use".into(),
            start_on_first_use: true,
            extends_request_id: None,
        };
        let id = self.ws.request_access(&self.alice, &draft, at).unwrap();
        let input = ApprovalInput {
            terms: None,
            message: String::new(),
        };
        self.ws.approve(&self.bob, id, &input, at).unwrap();
        id
    }
}

fn details(event: &AuditEvent) -> Value {
    serde_json::from_str(&event.details).unwrap()
}

fn actions(events: &[AuditEvent]) -> Vec<&str> {
    events.iter().map(|e| e.action.as_str()).collect()
}

/// Denied reveal, copy and connect attempts are audited as denied: who,
/// which entry, which use and why, and never a secret.
#[test]
fn denied_reveal_copy_and_connect_are_audited_as_denied() {
    let mut w = world();
    // Alice's grant on "Linux root" expired three days ago; "prod-web-01"'s was revoked.
    let linux_root = w.entry("Production", "Linux root");
    let web01 = w.entry("Production", "prod-web-01");
    let launcher = RecordingLauncher::default();
    let mark = w.head();

    let refusals = [
        w.ws.reveal_secret(&w.alice, linux_root, SecretUse::Reveal, T0)
            .map(drop),
        w.ws.reveal_secret(&w.alice, linux_root, SecretUse::Copy, T0)
            .map(drop),
        w.ws.copy_secret(&w.alice, linux_root, T0).map(drop),
        w.ws.connect(&w.alice, web01, &launcher, T0).map(drop),
    ];
    for refusal in &refusals {
        assert!(
            matches!(refusal, Err(ServiceError::Domain(_))),
            "{refusal:?}"
        );
    }
    assert!(
        launcher.launched.lock().unwrap().is_empty(),
        "nothing launched"
    );

    let events = w.events_after(mark);
    println!("written after the refusals: {:?}", actions(&events));
    assert_eq!(actions(&events), ["access_denied"; 4]);
    let expected = [
        (linux_root, "reveal password", "View password"),
        (linux_root, "copy password", "View password"),
        (linux_root, "copy password", "View password"),
        (web01, "connect", "Connect (execute)"),
    ];
    for (event, (entry, action, permission)) in events.iter().zip(expected) {
        let d = details(event);
        assert_eq!(event.actor_id, Some(w.alice.user_id()));
        assert_eq!(event.entry_id, Some(entry));
        assert_eq!(event.at, T0);
        assert_eq!(d["action"], action, "{d}");
        assert!(
            d["reason"].as_str().unwrap().contains(permission),
            "why it was refused: {d}"
        );
        assert!(!event.details.contains("demo-secret"), "{d}");
    }

    // A disabled account's old session is refused, and that is recorded too.
    let mark = w.head();
    assert!(disable_with_sqlite3(&w.path, "alice"));
    assert!(
        w.ws.reveal_secret(&w.alice, linux_root, SecretUse::Reveal, T0)
            .is_err()
    );
    let events = w.events_after(mark);
    assert_eq!(actions(&events), ["access_denied"]);
    assert!(
        details(&events[0])["reason"]
            .as_str()
            .unwrap()
            .contains("disabled"),
        "{}",
        events[0].details
    );
}

/// Disables a user with the sqlite3 tool, as another program would.
fn disable_with_sqlite3(path: &std::path::Path, username: &str) -> bool {
    std::process::Command::new("sqlite3")
        .arg(path)
        .arg(format!(
            "UPDATE users SET is_active = 0 WHERE username = '{username}';"
        ))
        .status()
        .unwrap()
        .success()
}

/// R-DSK-5, R-BEY-2: a connection whose program cannot start is audited as
/// failed (with the reason), is returned as an error, and does not start a
/// start-on-first-use grant; once the program starts, the connection is
/// audited as connected and the grant's clock starts at that instant.
#[test]
fn connect_is_audited_and_first_use_claimed_only_once_the_program_started() {
    let mut w = world();
    let web01 = w.entry("Production", "prod-web-01");
    let id = w.first_use_grant(web01, "Connect (execute)", T0);
    let at = T0 + Span::mins(5);

    let failing = FailingLauncher::default();
    let mark = w.head();
    let result = w.ws.connect(&w.alice, web01, &failing, at);
    println!("a failed start returned {result:?}");
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("could not be opened") && message.contains("cannot start"),
        "{message}"
    );
    assert_eq!(failing.tried.lock().unwrap().len(), 1, "it was tried");
    let events = w.events_after(mark);
    println!("audited: {:?}", actions(&events));
    assert_eq!(actions(&events), ["connect_failed"]);
    assert_eq!(events[0].entry_id, Some(web01));
    assert!(
        details(&events[0])["reason"]
            .as_str()
            .unwrap()
            .contains("cannot start x-terminal-emulator"),
        "{}",
        events[0].details
    );
    let grant = w.ws.request(&w.alice, id, at).unwrap();
    assert_eq!(
        grant.phase(at),
        Phase::AwaitingFirstUse,
        "a failed start claims nothing"
    );
    assert_eq!(grant.grant_start_at, None);

    // Now the program starts: audited, and the hour begins at this instant.
    let started_at = at + Span::mins(1);
    let launcher = RecordingLauncher::default();
    let mark = w.head();
    let entry =
        w.ws.connect(&w.alice, web01, &launcher, started_at)
            .unwrap();
    assert_eq!(entry.id, web01);
    assert_eq!(
        launcher.launched.lock().unwrap().as_slice(),
        [[
            "x-terminal-emulator",
            "-e",
            "ssh",
            "-p",
            "22",
            "--",
            "root@10.0.2.10"
        ]]
    );
    let events = w.events_after(mark);
    assert_eq!(actions(&events), ["first_use_started", "connected"]);
    let grant = w.ws.request(&w.alice, id, started_at).unwrap();
    assert_eq!(grant.grant_start_at, Some(started_at));
    assert_eq!(grant.grant_end_at, Some(started_at + Span::mins(60)));
}

/// Issue 10, item 6: an entry whose user name or host would reach the
/// program as an option is refused with a clear message, nothing is
/// launched, and the attempt is audited as failed.
#[test]
fn entry_fields_placed_into_connection_commands_cannot_become_options() {
    let mut w = world();
    let vault =
        w.ws.vaults(&w.admin, T0)
            .unwrap()
            .into_iter()
            .find(|v| v.name == "Staging")
            .unwrap()
            .id;
    let hostile = [
        ("-oProxyCommand=touch /tmp/latchkey-pwned", "10.1.2.99"),
        ("deploy", "-oProxyCommand=touch"),
    ];
    for (i, (username, host)) in hostile.into_iter().enumerate() {
        let draft = NewEntry {
            name: format!("hostile {i}"),
            parent_id: None,
            host: host.into(),
            port: None,
            username: username.into(),
            url: String::new(),
            notes: String::new(),
            database: String::new(),
            engine: String::new(),
        };
        let entry =
            w.ws.add_entry(&w.admin, vault, EntryKind::Ssh, &draft, None, T0)
                .unwrap();
        let launcher = RecordingLauncher::default();
        let mark = w.head();
        // Alice has a standing Operator permission on all of Staging.
        let result = w.ws.connect(&w.alice, entry, &launcher, T0);
        println!("hostile {i}: {result:?}; launched {:?}", launcher.launched);
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains("would be read as an option")
                && message.ends_with("connection refused"),
            "{message}"
        );
        assert!(launcher.launched.lock().unwrap().is_empty());
        assert_eq!(actions(&w.events_after(mark)), ["connect_failed"]);
    }
}

/// Issue 10, item 6 (R-REQ-8): "Copy username" is decided by the service:
/// with View (or View password) at that instant it is audited as copied;
/// without, it is refused and audited as denied.
#[test]
fn copy_username_is_checked_in_the_service_and_audited() {
    let mut w = world();
    let domain_admin = w.entry("Production", "Domain admin");
    let linux_root = w.entry("Production", "Linux root");

    let mark = w.head();
    assert_eq!(
        w.ws.copy_username(&w.alice, domain_admin, T0).unwrap(),
        "CORP\\administrator"
    );
    let refused = w.ws.copy_username(&w.alice, linux_root, T0);
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("“View” permission")),
        "{refused:?}"
    );
    let events = w.events_after(mark);
    assert_eq!(actions(&events), ["username_copied", "access_denied"]);
    assert_eq!(events[0].entry_id, Some(domain_admin));
    assert_eq!(details(&events[0])["via"], "grant");
    assert_eq!(details(&events[1])["action"], "copy user name");

    // The grant behind Domain admin ends at T0 + 90 min, and the copy stops with it.
    let end = T0 + Span::mins(90);
    assert!(
        w.ws.copy_username(&w.alice, domain_admin, end - Span(1))
            .is_ok()
    );
    assert!(w.ws.copy_username(&w.alice, domain_admin, end).is_err());
}

/// A copied password comes with the end of the grant that allowed it, so
/// the window can clear the clipboard then; a standing permission has none.
#[test]
fn a_copied_password_says_when_the_grant_behind_it_ends() {
    let mut w = world();
    let domain_admin = w.entry("Production", "Domain admin");
    let deploy_key = w.entry("Staging", "Deploy key");
    let copied = w.ws.copy_secret(&w.alice, domain_admin, T0).unwrap();
    assert_eq!(copied.access_ends_at, Some(T0 + Span::mins(90)));
    assert_eq!(copied.password.as_str(), "demo-secret-domain-admin");
    assert!(
        !format!("{copied:?}").contains("demo-secret"),
        "Debug never shows the password"
    );
    let standing = w.ws.copy_secret(&w.alice, deploy_key, T0).unwrap();
    assert_eq!(standing.access_ends_at, None);
}
