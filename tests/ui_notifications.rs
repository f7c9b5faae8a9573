//! Issue 13: each side is told what happened, in the window (the bell and
//! its list) and on the desktop, exactly once per user (R-NOT-1, R-NOT-2,
//! R-NOT-3, R-BEY-1, R-BEY-6, R-BEY-7). The desktop is a `MemoryNotifier`
//! per window, as each window process has its own connection to the
//! notification server; the workspace is a real file shared by the windows.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;
use latchkey::app::Screen;
use latchkey::app::view::forms::Dialog;
use latchkey::app::view::intent::NotificationsIntent;
use latchkey::domain::clock::FixedClock;
use latchkey::domain::notification::NotificationKind;
use latchkey::domain::request::RequestStatus;
use latchkey::domain::{RequestId, Span};
use latchkey::platform::keyring::NoKeyring;
use latchkey::platform::notifier::{Capabilities, DesktopNotification, MemoryNotifier};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A window on the file `path`, signed in as `user`, with its own desktop.
fn window_with_desktop(
    path: &Path,
    clock: &Arc<FixedClock>,
    user: &str,
    desktop: &MemoryNotifier,
) -> Window {
    let mut env = test_env(clock, Arc::new(NoKeyring::new("no keyring in tests")));
    env.notifier = Arc::new(desktop.clone());
    file_window(env, path, user)
}

fn demo_on_disk() -> (tempfile::TempDir, std::path::PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    demo_file(&path, &NoKeyring::new("no keyring in tests"));
    (folder, path)
}

/// Steps in real time until `done` holds, for at most 5 s (the change
/// watcher looks every 250 ms).
fn wait_for(windows: &mut [&mut Window], what: &str, mut done: impl FnMut(&[&mut Window]) -> bool) {
    let started = Instant::now();
    while !done(windows) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "after 5 s: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
        for window in windows.iter_mut() {
            window.step();
        }
    }
}

/// A few more frames in real time, long enough for the change watcher to
/// have told every window (so "nothing more" is a real observation).
fn let_watchers_run(windows: &mut [&mut Window]) {
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(20));
        for window in windows.iter_mut() {
            window.step();
        }
    }
}

/// The bell's accessible name for the window's current unread count.
fn bell(window: &mut Window) -> String {
    format!(
        "Notifications: {} unread",
        main_state(window).view.notifications.unread
    )
}

fn unread(window: &mut Window) -> usize {
    main_state(window).view.notifications.unread
}

fn summaries(desktop: &MemoryNotifier) -> Vec<String> {
    desktop.shown().into_iter().map(|n| n.summary).collect()
}

/// What `desktop` showed with the summary `title`.
fn titled(desktop: &MemoryNotifier, title: &str) -> Vec<DesktopNotification> {
    desktop
        .shown()
        .into_iter()
        .filter(|n| n.summary == title)
        .collect()
}

fn last_shown(desktop: &MemoryNotifier) -> DesktopNotification {
    desktop.shown().pop().unwrap()
}

fn alice_asks_bob_for_the_portal(window: &mut Window, mins: u32) -> RequestId {
    alice_asks(
        window,
        ("Production", "Admin portal"),
        "Operator",
        mins,
        "Bob Approver",
        "Renew the licence",
    )
}

/// R-NOT-2: two windows of Bob's on one file; each notification pops up on
/// one of them only, and a window opened later shows none of them again.
#[test]
fn one_desktop_notification_per_user_however_many_windows_and_none_again_after_a_restart() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    let (first, second) = (
        MemoryNotifier::available(Capabilities::ALL),
        MemoryNotifier::available(Capabilities::ALL),
    );
    let mut bob_1 = window_with_desktop(&path, &clock, "bob", &first);
    let mut bob_2 = window_with_desktop(&path, &clock, "bob", &second);
    let both = |a: &MemoryNotifier, b: &MemoryNotifier| {
        let mut all = summaries(a);
        all.extend(summaries(b));
        all
    };
    // The demo's history (its pending request for prod-app-01 among them)
    // fell due before any window was open: one summary, on one window.
    assert_eq!(
        both(&first, &second),
        ["7 things happened while Latchkey was closed"]
    );

    alice_asks_bob_for_the_portal(&mut bob_1, 60);
    wait_for(
        &mut [&mut bob_1, &mut bob_2],
        "the new request pops up",
        |_| both(&first, &second).len() == 2,
    );
    let_watchers_run(&mut [&mut bob_1, &mut bob_2]);
    let mut all = both(&first, &second);
    all.sort();
    assert_eq!(
        all,
        [
            "7 things happened while Latchkey was closed",
            "Access request: Admin portal"
        ],
        "each once, on one window only"
    );

    drop((bob_1, bob_2));
    let third = MemoryNotifier::available(Capabilities::ALL);
    let mut bob_3 = window_with_desktop(&path, &clock, "bob", &third);
    let_watchers_run(&mut [&mut bob_3]);
    assert!(third.shown().is_empty(), "already shown before the restart");
    // Still in the list, and unread.
    assert!(shown(&bob_3, "Notifications: 8 unread"));
}

/// R-NOT-2: what fell due while Latchkey was closed is one summary, not a
/// pop-up each.
#[test]
fn a_backlog_is_one_summary() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    // Bob's first window takes the demo's history (one summary), then closes.
    let earlier = MemoryNotifier::available(Capabilities::ALL);
    drop(window_with_desktop(&path, &clock, "bob", &earlier));
    assert_eq!(earlier.shown().len(), 1);
    // While he is away, Alice asks for four entries.
    let quiet = MemoryNotifier::unavailable("no desktop in this window");
    let mut alice = window_with_desktop(&path, &clock, "alice", &quiet);
    for entry in ["Admin portal", "prod-web-01", "prod-db-01", "prod-dc-01"] {
        alice_asks(
            &mut alice,
            ("Production", entry),
            "Operator",
            60,
            "Bob Approver",
            "",
        );
    }
    drop(alice);
    let desktop = MemoryNotifier::available(Capabilities::ALL);
    let bob = window_with_desktop(&path, &clock, "bob", &desktop);
    let shown_now = desktop.shown();
    assert_eq!(shown_now.len(), 1, "{shown_now:?}");
    assert_eq!(
        shown_now[0].summary,
        "4 things happened while Latchkey was closed"
    );
    assert!(shown_now[0].body.contains("• Access request: prod-dc-01"));
    assert!(shown_now[0].body.contains("… and 1 more."));
    assert!(shown(&bob, "Notifications: 11 unread"));
    assert!(
        quiet.shown().is_empty(),
        "a window without a desktop claims nothing"
    );
}

/// R-BEY-6: Review on the desktop brings up the response window on that
/// request; nothing is decided by the notification.
#[test]
fn review_from_the_desktop_opens_the_response_window_and_decides_nothing() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    let desktop = MemoryNotifier::available(Capabilities::ALL);
    let mut bob = window_with_desktop(&path, &clock, "bob", &desktop);
    let portal = alice_asks_bob_for_the_portal(&mut bob, 60);
    wait_for(&mut [&mut bob], "the request pops up", |_| {
        desktop.shown().len() == 2
    });
    let review = last_shown(&desktop);
    assert_eq!(review.summary, "Access request: Admin portal");
    assert_eq!(review.actions.len(), 1);
    assert_eq!(
        (
            review.actions[0].key.as_str(),
            review.actions[0].label.as_str()
        ),
        ("default", "Review")
    );

    desktop.invoke(review.tag, "default");
    bob.run();
    let main = main_state(&mut bob);
    assert!(
        matches!(&main.dialog, Dialog::Respond(form) if form.info.request.id == portal),
        "the response window is open on that request"
    );
    let now = bob.state().now();
    let session = main_state(&mut bob).session.clone();
    let stored = main_state(&mut bob)
        .workspace()
        .request(&session, portal, now)
        .unwrap();
    assert_eq!(stored.status, RequestStatus::Pending, "nothing was decided");
}

/// R-NOT-1, R-BEY-1: approved, then "ends soon" once at end − min(lead,
/// length / 4) with Request extension ready (same approver, set and
/// message), then ended at the end — read by a window with a fixed clock.
#[test]
fn approved_then_ends_soon_once_with_request_extension_then_ended() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    let desktop = MemoryNotifier::available(Capabilities::ALL);
    let mut alice = window_with_desktop(&path, &clock, "alice", &desktop);
    let portal = alice_asks_bob_for_the_portal(&mut alice, 60);
    approve_as(&mut alice, "bob", portal, "", T0);
    wait_for(&mut [&mut alice], "the approval pops up", |_| {
        summaries(&desktop).contains(&"Access approved: Admin portal".to_owned())
    });

    // 60 min with a 60 min lead: warned 15 min before the end.
    let end = T0 + Span::hours(1);
    clock.set(end - Span::mins(15) - Span(1));
    let_watchers_run(&mut [&mut alice]);
    assert!(titled(&desktop, "Access ends soon: Admin portal").is_empty());
    clock.set(end - Span::mins(15));
    alice.run();
    let soon = titled(&desktop, "Access ends soon: Admin portal")
        .pop()
        .unwrap();
    assert_eq!(soon.actions[0].label, "Request extension");
    clock.advance(Span::mins(1));
    let_watchers_run(&mut [&mut alice]);
    assert_eq!(
        titled(&desktop, "Access ends soon: Admin portal").len(),
        1,
        "once"
    );

    desktop.invoke(soon.tag, "default");
    alice.run();
    let main = main_state(&mut alice);
    let Dialog::Request(form) = &main.dialog else {
        panic!("the request dialog is open");
    };
    assert_eq!(form.extends, Some(portal));
    assert_eq!(form.message, "Renew the licence");
    let approver = form
        .approver_index
        .map(|i| form.approvers[i].username.clone());
    assert_eq!(approver.as_deref(), Some("bob"));
    assert_eq!(form.terms.set().map(|s| s.name.as_str()), Some("Operator"));
    click(&mut alice, "Cancel");

    clock.set(end);
    alice.run();
    assert_eq!(titled(&desktop, "Access ended: Admin portal").len(), 1);
}

/// R-BEY-7: Ada (an administrator) was told of the request too; once Bob
/// approves it, her notification is replaced in place by one saying so, and
/// her list says who handled it.
#[test]
fn a_request_handled_by_another_approver_is_replaced_in_place() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    let desktop = MemoryNotifier::available(Capabilities::ALL);
    let mut ada = window_with_desktop(&path, &clock, "admin", &desktop);
    let portal = alice_asks_bob_for_the_portal(&mut ada, 60);
    wait_for(&mut [&mut ada], "the request pops up", |_| {
        summaries(&desktop).contains(&"Access request: Admin portal".to_owned())
    });
    let events = desktop.shown();
    let first_id = events.len() as u32; // MemoryNotifier numbers from 1, in order
    approve_as(&mut ada, "bob", portal, "", T0 + Span::mins(3));
    wait_for(&mut [&mut ada], "the replacement", |_| {
        last_shown(&desktop).summary.starts_with("Handled: ")
    });
    let replacement = last_shown(&desktop);
    assert_eq!(replacement.summary, "Handled: Access request: Admin portal");
    assert!(replacement.body.starts_with("Approved by Bob Approver at "));
    assert_eq!(replacement.replaces, Some(first_id), "replaced in place");
    assert!(replacement.actions.is_empty(), "nothing left to review");
    let_watchers_run(&mut [&mut ada]);
    let handled = summaries(&desktop)
        .iter()
        .filter(|s| s.starts_with("Handled: "))
        .count();
    assert_eq!(handled, 1, "once");

    let now = ada.state().now();
    main_state(&mut ada).apply(
        &NotificationsIntent::Open.into(),
        now,
        &latchkey::platform::launcher::RecordingLauncher::default(),
    );
    ada.run();
    assert!(!texts_containing(&ada, "Approved by Bob Approver at ").is_empty());
    // The demo's earlier request for the portal is listed too: both are handled.
    assert_eq!(
        texts_containing(&ada, "Details: Access request: Admin portal").len(),
        2
    );
    assert!(absent(&ada, "Review: Access request: Admin portal"));
}

/// R-NOT-3: no notification server. The window works, says once why there
/// are no desktop notifications, the list still fills, and nothing is
/// claimed, so a window that can show them (or the next start) does.
#[test]
fn without_a_desktop_the_window_says_so_once_and_the_list_still_fills() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    let none = MemoryNotifier::unavailable("no desktop session bus (test)");
    let mut bob = window_with_desktop(&path, &clock, "bob", &none);
    assert!(matches!(bob.state().screen, Screen::Main(_)));
    assert_eq!(
        main_state(&mut bob).view.status.notice(),
        Some(
            "Desktop notifications are unavailable: no desktop session bus (test). The 🔔 list still shows every one."
        )
    );
    assert!(shown(&bob, "🔕 No desktop notifications"));
    let before = unread(&mut bob);
    alice_asks_bob_for_the_portal(&mut bob, 60);
    wait_for(&mut [&mut bob], "the bell counts the new request", |w| {
        shown(w[0], &format!("Notifications: {} unread", before + 1))
    });
    let name = bell(&mut bob);
    click(&mut bob, &name);
    assert!(shown(&bob, "Review: Access request: Admin portal"));
    assert!(shown(
        &bob,
        "Desktop notifications: unavailable — no desktop session bus (test)"
    ));
    // A later window with a desktop shows what this one could not.
    let desktop = MemoryNotifier::available(Capabilities::ALL);
    let _bob_2 = window_with_desktop(&path, &clock, "bob", &desktop);
    assert_eq!(
        summaries(&desktop),
        ["8 things happened while Latchkey was closed"]
    );
}

/// R-NOT-2: the list: follow a notification to its request, mark read, and
/// switch a kind off the desktop (kept with the user, in the workspace).
#[test]
fn the_list_leads_to_the_request_marks_read_and_keeps_the_desktop_switches() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    let desktop = MemoryNotifier::available(Capabilities::ALL);
    let mut bob = window_with_desktop(&path, &clock, "bob", &desktop);
    let before = unread(&mut bob);
    let name = bell(&mut bob);
    click(&mut bob, &name);
    click(&mut bob, "Show on the desktop");
    click(&mut bob, "A request waits for my decision");
    click(&mut bob, "Review: Access request: prod-app-01");
    assert!(matches!(main_state(&mut bob).dialog, Dialog::Respond(_)));
    assert_eq!(unread(&mut bob), before - 1, "followed, so read");
    assert!(absent(&bob, "Show on the desktop"), "the list closed");
    bob.key_press(egui::Key::Escape);
    bob.run();
    assert!(matches!(main_state(&mut bob).dialog, Dialog::None));

    let shown_before = desktop.shown().len();
    alice_asks_bob_for_the_portal(&mut bob, 60);
    wait_for(&mut [&mut bob], "the bell counts it", |w| {
        shown(w[0], &format!("Notifications: {before} unread"))
    });
    let_watchers_run(&mut [&mut bob]);
    assert_eq!(desktop.shown().len(), shown_before, "switched off");
    let now = bob.state().now();
    let session = main_state(&mut bob).session.clone();
    let preferences = main_state(&mut bob)
        .workspace()
        .notification_preferences(&session, now)
        .unwrap();
    assert!(!preferences.shows_on_desktop(NotificationKind::RequestSubmitted));
    assert!(preferences.shows_on_desktop(NotificationKind::Approved));

    let name = bell(&mut bob);
    click(&mut bob, &name);
    click(&mut bob, "Mark all read");
    assert!(shown(&bob, "Notifications: 0 unread"));
    assert!(shown(&bob, "Nothing unread"));
}

/// A notification server without buttons: the notification carries no
/// action, and its text says where to go in the window instead.
#[test]
fn without_buttons_the_text_says_where_to_go() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    let desktop = MemoryNotifier::available(Capabilities {
        actions: false,
        body: true,
        persistence: false,
    });
    let mut bob = window_with_desktop(&path, &clock, "bob", &desktop);
    alice_asks_bob_for_the_portal(&mut bob, 60);
    wait_for(&mut [&mut bob], "the request pops up", |_| {
        desktop.shown().len() == 2
    });
    let review = last_shown(&desktop);
    assert_eq!(review.summary, "Access request: Admin portal");
    assert!(review.actions.is_empty());
    assert!(
        review
            .body
            .ends_with("To review it, open Latchkey: 📥 Requests, or the 🔔 list."),
        "{}",
        review.body
    );
    let name = bell(&mut bob);
    click(&mut bob, &name);
    assert!(shown(
        &bob,
        "Desktop notifications: on (this desktop shows no buttons; they say where to go)"
    ));
}

/// A notification due while another program holds the workspace's write
/// lock: the claim fails, nothing is shown, and once the lock is gone the
/// window's retry claims and shows it (once).
#[test]
fn a_claim_blocked_by_another_programs_lock_is_retried() {
    let (_folder, path) = demo_on_disk();
    let clock = Arc::new(FixedClock::new(T0));
    let desktop = MemoryNotifier::available(Capabilities::ALL);
    let mut bob = window_with_desktop(&path, &clock, "bob", &desktop);
    let_watchers_run(&mut [&mut bob]);
    let before = desktop.shown().len();

    let mut other = SqliteStore::open(&path).unwrap();
    alice_asks_bob_for_the_portal(&mut bob, 60);
    let held = other.begin(TxMode::Write).unwrap();
    wait_for(&mut [&mut bob], "the claim meets the lock", |w| {
        !texts_containing(w[0], "locked by another program").is_empty()
    });
    assert_eq!(desktop.shown().len(), before, "not shown without its claim");

    drop(held);
    clock.advance(Span::secs(1));
    wait_for(&mut [&mut bob], "the retry shows it", |_| {
        desktop.shown().len() == before + 1
    });
    let_watchers_run(&mut [&mut bob]);
    assert_eq!(
        summaries(&desktop)[before..],
        ["Access request: Admin portal"]
    );
}
