//! R-NOT-3: with no session bus at all, the window starts, signs in and
//! works with the real desktop notifier; the status bar says once why there
//! are no desktop notifications, the list still fills, nothing panics or
//! waits for the bus.
//!
//! The test runs itself again in a child process whose environment has no
//! session bus (no `DBUS_SESSION_BUS_ADDRESS`, an empty `XDG_RUNTIME_DIR`), so
//! it means the same on a developer's desktop as on CI.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;
use latchkey::app::Screen;
use latchkey::app::view::notifications::DesktopState;
use latchkey::domain::clock::FixedClock;
use latchkey::platform::keyring::NoKeyring;
use latchkey::platform::notifier::DesktopNotifier;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Set in the child process.
const CHILD: &str = "LATCHKEY_TEST_WITHOUT_SESSION_BUS";

#[test]
fn the_window_works_without_a_session_bus() {
    if std::env::var_os(CHILD).is_some() {
        window_without_a_session_bus();
        return;
    }
    let runtime = tempfile::tempdir().unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_window_works_without_a_session_bus",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the child failed:\n{said}");
    assert!(said.contains("1 passed"), "the child ran the test:\n{said}");
}

fn window_without_a_session_bus() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    let keyring = Arc::new(NoKeyring::new("no keyring in tests"));
    demo_file(&path, keyring.as_ref());
    let clock = Arc::new(FixedClock::new(T0));
    let mut env = test_env(&clock, keyring);
    env.notifier = Arc::new(DesktopNotifier::start(|| {}));
    let mut bob = file_window(env, &path, "bob");
    assert!(matches!(bob.state().screen, Screen::Main(_)));

    // The notifier asks the bus on its own thread; the window goes on meanwhile.
    let started = Instant::now();
    while matches!(
        main_state(&mut bob).view.notifications.desktop,
        DesktopState::Checking
    ) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the notifier never gave up on the bus"
        );
        std::thread::sleep(Duration::from_millis(20));
        bob.step();
    }
    let DesktopState::Unavailable(reason) = main_state(&mut bob).view.notifications.desktop.clone()
    else {
        panic!("a desktop was found without a session bus");
    };
    assert!(reason.starts_with("no desktop session bus"), "{reason}");
    let notice = main_state(&mut bob).view.status.notice().map(str::to_owned);
    assert_eq!(
        notice,
        Some(format!(
            "Desktop notifications are unavailable: {reason}. The 🔔 list still shows every one."
        ))
    );
    assert!(shown(&bob, "🔕 No desktop notifications"));

    // It works: a new request is counted and listed, and leads to its response window.
    let unread = main_state(&mut bob).view.notifications.unread;
    alice_asks(
        &mut bob,
        ("Production", "Admin portal"),
        "Operator",
        60,
        "Bob Approver",
        "",
    );
    let bell = format!("Notifications: {} unread", unread + 1);
    let started = Instant::now();
    while !shown(&bob, &bell) {
        assert!(started.elapsed() < Duration::from_secs(5), "never counted");
        std::thread::sleep(Duration::from_millis(20));
        bob.step();
    }
    click(&mut bob, &bell);
    click(&mut bob, "Review: Access request: Admin portal");
    assert!(shown(&bob, "Respond to an access request"));
    // Said once: the next notice replaces it, and it does not come back.
    click(&mut bob, "Approve request");
    assert_eq!(
        main_state(&mut bob).view.status.notice(),
        Some("Request approved")
    );
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(20));
        bob.step();
    }
    assert_eq!(
        main_state(&mut bob).view.status.notice(),
        Some("Request approved")
    );
}
