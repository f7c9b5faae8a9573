//! Issue 10, item 6, in the window: a revealed password never outlives a
//! failed refresh, the clipboard is cleared when the grant behind a copied
//! password ends and when the application exits (and a timed clear leaves
//! alone what the person copied since), "Copy username" asks the service, a
//! failed connection is shown, and the password fields never print what
//! was typed. Driven through egui_kittest with a fixed clock and an
//! in-memory clipboard: no display is needed.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;

use egui_kittest::kittest::Queryable;
use latchkey::app::{AppEnv, Screen, WorkspaceSource};
use latchkey::domain::Span;
use latchkey::domain::clock::FixedClock;
use latchkey::platform::clipboard::{Clipboard, MemoryClipboard};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::launcher::{Launcher, RecordingLauncher};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DOMAIN_ADMIN_SECRET: &str = "demo-secret-domain-admin";

/// A launcher whose program never starts.
struct FailingLauncher;

impl Launcher for FailingLauncher {
    fn launch(&self, argv: &[String]) -> Result<(), String> {
        Err(format!(
            "cannot start {}: No such file or directory (os error 2)",
            argv[0]
        ))
    }
}

struct Trial {
    app: App,
    clipboard: Arc<MemoryClipboard>,
    /// Holds the workspace key (another window opens the file with it).
    keyring: Arc<MemoryKeyring>,
    /// The workspace file, when the trial uses one.
    path: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

/// The demo workspace (in memory, or in a file when `in_file`),
/// signed in as `user`, with `launcher`.
fn trial(user: &str, in_file: bool, launcher: Arc<dyn Launcher>) -> Trial {
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(MemoryKeyring::default());
    let clipboard = Arc::new(MemoryClipboard::default());
    let dir = in_file.then(|| tempfile::tempdir().unwrap());
    let path = dir.as_ref().map(|d| d.path().join("ws.latchkey"));
    let source = match &path {
        Some(path) => {
            demo_file(path, keyring.as_ref());
            WorkspaceSource::File(path.clone())
        }
        None => WorkspaceSource::Open(Box::new(demo_in_memory(&keyring))),
    };
    let env = AppEnv {
        launcher,
        clipboard: clipboard.clone(),
        ..test_env(&clock, keyring.clone())
    };
    let mut window = window_on(env, source, Some(user));
    sign_in_demo(&mut window);
    Trial {
        app: App { window, clock },
        clipboard,
        keyring,
        path,
        _dir: dir,
    }
}

/// Alice, signed in, with "Production / Credentials / Domain admin" selected
/// (her grant on it ends at T0 + 90 min).
fn alice_on_domain_admin(in_file: bool) -> Trial {
    let mut t = trial("alice", in_file, Arc::new(RecordingLauncher::default()));
    let window = &mut t.app.window;
    show_vault(window, "Production");
    expand(window, "Credentials");
    click(window, "Domain admin");
    t
}

fn clipboard_text(clipboard: &MemoryClipboard) -> Option<String> {
    clipboard.text().unwrap().map(|t| t.as_str().to_owned())
}

/// Steps in real time until `done` holds, for at most 5 s (the change
/// watcher looks every 250 ms).
fn wait_for(window: &mut Window, what: &str, mut done: impl FnMut(&mut Window) -> bool) {
    let started = Instant::now();
    while !done(window) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "after 5 s: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
        window.step();
    }
}

/// Runs the sqlite3 tool on the workspace, as another program would.
fn sqlite3(path: &Path, sql: &str) {
    let status = std::process::Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .status()
        .unwrap();
    assert!(status.success(), "sqlite3 {sql}");
}

/// Issue 10, item 6: once a refresh fails (here: the account was disabled
/// by another program), a revealed password is hidden at once instead of
/// staying on screen.
#[test]
fn a_revealed_password_is_hidden_again_on_any_refresh_error() {
    let mut t = alice_on_domain_admin(true);
    let window = &mut t.app.window;
    click(window, "View password");
    assert!(shown(window, DOMAIN_ADMIN_SECRET));

    sqlite3(
        t.path.as_deref().unwrap(),
        "UPDATE users SET is_active = 0 WHERE username = 'alice';",
    );
    wait_for(
        window,
        "the refresh failed and the secret was hidden",
        |w| {
            let failed = !texts_containing(w, "disabled").is_empty();
            failed && texts_containing(w, DOMAIN_ADMIN_SECRET).is_empty()
        },
    );
    assert!(main_state(window).view.revealed.is_none());
    assert!(shown(window, "••••••••"));
}

/// Issue 10, item 6 (R-REQ-8): a password copied 10 s before the grant that
/// allowed it ends is cleared at that end, not 30 s later.
#[test]
fn the_clipboard_is_cleared_when_the_grant_that_allowed_the_copy_ends() {
    let mut t = alice_on_domain_admin(false);
    // Alice sits at the window all along: the 90 minutes jumped here are not
    // idle time, so the idle lock (issue 14) is off for this window.
    let admin = session_of(&mut t.app.window, "admin");
    let main = main_state(&mut t.app.window);
    let mut settings = main.view.settings.clone();
    settings.idle_lock_mins = 0;
    main.workspace()
        .update_settings(&admin, &settings, T0)
        .unwrap();
    main.view.settings = settings;
    let end = T0 + Span::mins(90);
    t.app.clock.set(end - Span::secs(10));
    let window = &mut t.app.window;
    window.run();
    click(window, "Copy password");
    assert_eq!(
        clipboard_text(&t.clipboard).as_deref(),
        Some(DOMAIN_ADMIN_SECRET)
    );
    assert!(
        !texts_containing(window, "the clipboard clears in 10 s").is_empty(),
        "the status bar says when"
    );

    t.app.clock.set(end - Span(1));
    window.run();
    assert!(clipboard_text(&t.clipboard).is_some(), "not a moment early");
    t.app.clock.set(end);
    window.run();
    assert_eq!(
        clipboard_text(&t.clipboard),
        None,
        "cleared at the grant's end"
    );
    assert!(shown(window, "Clipboard cleared"));
}

/// Issue 10, item 6: a grant revoked by an approver in another window ends
/// at once, and so does the password copied under it.
#[test]
fn the_clipboard_is_cleared_when_the_grant_is_revoked_elsewhere() {
    let mut t = alice_on_domain_admin(true);
    let window = &mut t.app.window;
    click(window, "Copy password");
    assert_eq!(
        clipboard_text(&t.clipboard).as_deref(),
        Some(DOMAIN_ADMIN_SECRET)
    );

    // Bob revokes the grant behind it (prod-dc-01's, which covers Domain admin).
    let path = t.path.clone().unwrap();
    let mut bob_side = open_file(&path, t.keyring.as_ref());
    let bob = bob_side.sign_in("bob", "demo", T0).unwrap();
    let grant = {
        let mut store = SqliteStore::open(&path).unwrap();
        let mut tx = store.begin(TxMode::Read).unwrap();
        let alice = main_state(window).session.user_id();
        tx.requests_of(alice, 100)
            .unwrap()
            .into_iter()
            .find(|r| r.message == "Apply the monthly security patches")
            .unwrap()
            .id
    };
    bob_side.revoke(&bob, grant, "done", T0).unwrap();

    wait_for(window, "the copied password was cleared", |_| {
        clipboard_text(&t.clipboard).is_none()
    });
}

/// Issue 10, item 6: the timed clear removes only what Latchkey put on the
/// clipboard; what the person copied since stays.
#[test]
fn a_timed_clear_leaves_what_the_person_copied_since() {
    let mut t = alice_on_domain_admin(false);
    let window = &mut t.app.window;
    click(window, "Copy password");
    assert_eq!(
        clipboard_text(&t.clipboard).as_deref(),
        Some(DOMAIN_ADMIN_SECRET)
    );
    // The person copies something of their own in another program.
    t.clipboard.set_text("my own notes").unwrap();
    t.app.clock.advance(Span::secs(30));
    window.run();
    assert_eq!(
        clipboard_text(&t.clipboard).as_deref(),
        Some("my own notes"),
        "left alone"
    );
    assert!(!main_state(window).has_pending_clipboard_clear());
}

/// Issue 10, item 6: quitting the application clears a password it copied
/// (eframe calls `on_exit` when the window closes).
#[test]
fn the_clipboard_is_cleared_when_the_application_exits() {
    let mut t = alice_on_domain_admin(false);
    let window = &mut t.app.window;
    click(window, "Copy password");
    assert_eq!(
        clipboard_text(&t.clipboard).as_deref(),
        Some(DOMAIN_ADMIN_SECRET)
    );
    eframe::App::on_exit(window.state_mut(), None);
    assert_eq!(clipboard_text(&t.clipboard), None, "cleared at exit");
}

/// Issue 10, item 6 (R-REQ-8): "Copy username" goes through the service: on
/// an entry Alice may not view it copies nothing and says why, and the
/// attempt is audited; on one she may, it is copied and audited.
#[test]
fn copy_username_is_checked_in_the_service_and_audited() {
    let mut t = alice_on_domain_admin(true);
    let window = &mut t.app.window;
    click(window, "Linux root (locked)");
    click(window, "Copy username");
    assert_eq!(clipboard_text(&t.clipboard), None, "nothing copied");
    // The refusal's audit event is a commit the change watcher sees (every
    // 250 ms); the refresh it triggers must not wipe the message.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(600) {
        std::thread::sleep(Duration::from_millis(20));
        window.step();
    }
    assert!(
        !texts_containing(window, "“View” permission").is_empty(),
        "the status bar says why"
    );
    click(window, "Domain admin");
    click(window, "Copy username");
    assert_eq!(
        clipboard_text(&t.clipboard).as_deref(),
        Some("CORP\\administrator")
    );

    let mut store = SqliteStore::open(t.path.as_deref().unwrap()).unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    let events = tx.audit_events_after(0, 1_000_000).unwrap();
    let last: Vec<&str> = events
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(last, ["access_denied", "username_copied"]);
}

/// Issue 10, item 6 (R-DSK-5): a connection whose program cannot start says
/// so in the status bar.
#[test]
fn a_failed_start_is_shown_to_the_user() {
    let mut t = trial("alice", false, Arc::new(FailingLauncher));
    let window = &mut t.app.window;
    show_vault(window, "Staging");
    expand(window, "Staging servers");
    click(window, "stg-web-01");
    click(window, "Connect");
    let shown_errors = texts_containing(window, "could not be opened");
    assert!(
        shown_errors
            .iter()
            .any(|t| t.contains("cannot start x-terminal-emulator")),
        "status bar: {shown_errors:?}"
    );
    assert!(texts_containing(window, "Opening stg-web-01").is_empty());
}

/// Issue 10, item 6 (R-SEC-1): what is typed into the password field is
/// never printed by the form's `Debug`, and the field still signs in.
#[test]
fn the_sign_in_form_never_prints_the_password() {
    let mut window = demo_app_at_sign_in("alice").window;
    window.get_by_label("Password").type_text("demo");
    window.run();
    let printed = format!("{:?}", window.state().sign_in);
    println!("the sign-in form prints as {printed}");
    assert!(!printed.contains("demo"), "{printed}");
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(matches!(window.state().screen, Screen::Main(_)));
    assert!(
        window.state().sign_in.password.is_empty(),
        "wiped after use"
    );
}
