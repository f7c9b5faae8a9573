//! Issue 12, items 4–7, in the window: the selected entry's pane says what
//! matters now. The banner follows the request that ended last; the lock
//! beside an active grant names what is missing and the pane says what the
//! grant allows; Connect says what it started or why nothing could start;
//! "Copy username and password" is offered, and what it copied is cleared
//! when the grant behind it ends. Driven through egui_kittest with a fixed
//! clock and an in-memory clipboard: no display is needed.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;

use egui_kittest::kittest::{NodeT, Queryable};
use latchkey::app::{AppEnv, WorkspaceSource};
use latchkey::domain::clock::FixedClock;
use latchkey::domain::{Span, Timestamp};
use latchkey::platform::clipboard::{Clipboard, MemoryClipboard};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::launcher::{Launcher, SystemLauncher};
use std::sync::Arc;
use std::time::Duration;

/// Alice's demo grant on prod-dc-01 (which also covers Domain admin) ends here.
const DC_GRANT_END: Timestamp = Timestamp(T0.0 + 90 * 60_000);
/// A program no computer has.
const NO_SUCH_PROGRAM: &str = "latchkey-no-such-program-4711";

/// The demo workspace in memory at T0, signed in as Alice, with `launcher`
/// and `clipboard`; `rdp` replaces the RDP connection command when given.
fn alice_with(
    launcher: Arc<dyn Launcher>,
    clipboard: Arc<MemoryClipboard>,
    rdp: Option<&str>,
) -> App {
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(MemoryKeyring::default());
    let mut workspace = demo_in_memory(&keyring);
    if let Some(rdp) = rdp {
        let admin = workspace.sign_in("admin", "demo", T0).unwrap();
        let mut settings = workspace.settings(T0).unwrap();
        settings.connect_templates.rdp = rdp.into();
        workspace.update_settings(&admin, &settings, T0).unwrap();
    }
    let env = AppEnv {
        launcher,
        clipboard,
        ..test_env(&clock, keyring)
    };
    let mut window = window_on(
        env,
        WorkspaceSource::Open(Box::new(workspace)),
        Some("alice"),
    );
    sign_in_demo(&mut window);
    show_vault(&mut window, "Production");
    App { window, clock }
}

fn alice() -> App {
    let launcher = Arc::new(latchkey::platform::launcher::RecordingLauncher::default());
    alice_with(launcher, Arc::new(MemoryClipboard::default()), None)
}

fn repaint_delay(window: &Window) -> Duration {
    window.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay
}

/// Issue 12, item 4 (R-REQ-7): Alice's grant on prod-dc-01 was asked before
/// a request she cancelled; once the grant expires, the banner says that it
/// expired — the news of now — not that she cancelled the other request.
#[test]
fn the_banner_says_access_expired_not_an_older_cancel() {
    let mut app = alice();
    let window = &mut app.window;
    // Asked after the grant, cancelled ten minutes later.
    let later = alice_asks(
        window,
        ("Production", "prod-dc-01"),
        "Reader",
        60,
        "Bob Approver",
        "Read the event log",
    );
    let alice = session_of(window, "alice");
    main_state(window)
        .workspace()
        .cancel(&alice, later, T0 + Span::mins(10))
        .unwrap();
    app.clock.set(T0 + Span::mins(10));
    expand(window, "Windows");
    click(window, "prod-dc-01");
    assert!(
        !texts_containing(window, "✔ Access active").is_empty(),
        "the active grant wins while it lasts"
    );

    app.clock.set(DC_GRANT_END);
    window.run();
    let headline = text_starting(window, "Access expired at ");
    assert_eq!(
        headline,
        format!("Access expired at {}", DC_GRANT_END.local_minute())
    );
    assert!(absent(window, "You cancelled your request"));
    assert_ne!(banner_request(window).id, later);
    assert!(shown(window, "prod-dc-01 (locked)"));
}

/// Issue 12, item 5 (R-REQ-1): with an active Reader grant on Orders DB, a
/// database whose main action is Connect, the lock names what is missing
/// and the pane says what the grant allows — locked and active agree.
#[test]
fn a_grant_without_the_main_action_says_what_it_allows() {
    let mut app = alice();
    let window = &mut app.window;
    let id = alice_asks(
        window,
        ("Production", "Orders DB"),
        "Reader",
        60,
        "Bob Approver",
        "Look at yesterday's orders",
    );
    approve_as(window, "bob", id, "", T0);
    expand(window, "Databases");
    click(window, "Orders DB (locked)");
    assert_eq!(banner_request(window).id, id);
    assert!(!texts_containing(window, "✔ Access active").is_empty());
    assert!(shown(window, "🔒 locked: no Connect (execute)"));
    assert!(absent(window, "🔒 locked"), "not a bare lock beside access");
    assert!(shown(
        window,
        "View, View password — not Connect (execute), this entry's main action"
    ));
    assert!(
        window
            .get_by_label("Connect")
            .accesskit_node()
            .is_disabled()
    );

    // The entry it depends on is open through the same grant, and says so.
    // (In memory nothing watches for commits, so the tree may still show the
    // lock it read before the approval; selecting the entry reads it again.)
    expand(window, "Credentials");
    if shown(window, "Database sa (locked)") {
        click(window, "Database sa (locked)");
    } else {
        click(window, "Database sa");
    }
    assert!(shown(
        window,
        "View, View password — through your grant on Orders DB"
    ));
    assert!(shown(window, "Database sa"), "not locked");
    assert!(texts_containing(window, "🔒 locked").is_empty());

    // With no permission at all, the lock stays a plain one and no access line shows.
    expand(window, "Web");
    click(window, "Admin portal (locked)");
    assert!(shown(window, "🔒 locked"));
    assert!(absent(window, "Your access"));
}

/// Issue 12, item 6 (R-DSK-5): Connect says in the status line which program
/// it started for which entry.
#[test]
fn connect_says_what_it_started() {
    let mut app = alice();
    let window = &mut app.window;
    expand(window, "Windows");
    click(window, "prod-dc-01");
    click(window, "Connect");
    assert!(shown(window, "Started xfreerdp for prod-dc-01"));
}

/// Issue 12, item 6 (R-DSK-5): with the RDP client not installed, Connect
/// says so in words, for the entry it was clicked on.
#[test]
fn connect_says_why_nothing_could_start() {
    let rdp = format!("{NO_SUCH_PROGRAM} /v:{{host}}");
    let mut app = alice_with(
        Arc::new(SystemLauncher),
        Arc::new(MemoryClipboard::default()),
        Some(&rdp),
    );
    let window = &mut app.window;
    expand(window, "Windows");
    click(window, "prod-dc-01");
    click(window, "Connect");
    let said = texts_containing(window, "could not be opened");
    assert_eq!(
        said,
        [format!(
            "⚠ prod-dc-01 could not be opened: cannot start {NO_SUCH_PROGRAM}: it is not installed (or not on the PATH)"
        )],
        "the status line says why, without an OS error number"
    );
    assert!(texts_containing(window, "Started").is_empty());
}

/// Issue 12, item 7 (R-REQ-8, R-TIME-2): the pane offers "Copy username and
/// password"; copied ten seconds before the grant behind it ends, both are
/// cleared at that end (not at the workspace's 30 s), and the window wakes
/// itself for it.
#[test]
fn copy_username_and_password_is_cleared_when_the_grant_ends() {
    let clipboard = Arc::new(MemoryClipboard::default());
    let launcher = Arc::new(latchkey::platform::launcher::RecordingLauncher::default());
    let mut app = alice_with(launcher, clipboard.clone(), None);
    let window = &mut app.window;
    let read = || clipboard.text().unwrap().map(|t| t.as_str().to_owned());
    expand(window, "Credentials");
    click(window, "Linux root (locked)");
    assert!(
        window
            .get_by_label("Copy username and password")
            .accesskit_node()
            .is_disabled(),
        "not without View password"
    );

    app.clock.set(DC_GRANT_END - Span::secs(10));
    click(window, "Domain admin");
    click(window, "Copy username and password");
    assert_eq!(
        read().as_deref(),
        Some("CORP\\administrator\ndemo-secret-domain-admin")
    );
    assert!(shown(
        window,
        "User name and password copied; the clipboard clears in 10 s"
    ));
    assert!(
        repaint_delay(window) <= Duration::from_secs(10),
        "the window wakes by the grant's end"
    );

    app.clock.set(DC_GRANT_END - Span(1));
    window.run();
    assert!(read().is_some(), "not a moment early");
    assert!(repaint_delay(window) <= Duration::from_millis(1));
    app.clock.set(DC_GRANT_END);
    window.run();
    assert_eq!(read(), None, "cleared when the grant ended");
    assert!(shown(window, "Clipboard cleared"));
    assert!(!main_state(window).has_pending_clipboard_clear());
}
