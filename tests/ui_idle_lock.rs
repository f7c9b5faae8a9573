//! Issue 14: the window locks itself after the workspace's idle time
//! (default 10 min) without input: it signs out, clears a password it
//! copied, and at the next sign-in of the same user offers back the dialog
//! they were typing in — nobody else gets it.

mod common;

use common::*;
use egui_kittest::kittest::Queryable;
use latchkey::app::Screen;
use latchkey::app::view::forms::Dialog;
use latchkey::domain::Span;

/// The request dialog's message field.
const MESSAGE: &str = "Message: why you need this entry and what it covers";
const LOCKED: &str = "Latchkey locked itself after 10 min without activity. Sign in to go on.";

/// Alice with the Domain admin password copied and a request for the Admin
/// portal half typed.
fn alice_typing() -> App {
    let mut app = alice_in_production();
    // The demo as the tests use it has no idle lock: the default back on.
    let main = main_state(&mut app.window);
    set_idle_lock(main.workspace(), 10);
    main.view.settings.idle_lock_mins = 10;
    expand(&mut app.window, "Credentials");
    click(&mut app.window, "Domain admin");
    click(&mut app.window, "Copy password");
    expand(&mut app.window, "Web");
    open_request_dialog_by_double_click(&mut app.window, "Admin portal (locked)");
    replace_text(&mut app.window, MESSAGE, "Renew the certificate");
    app
}

fn copied(app: &mut App) -> Option<String> {
    app.window
        .state()
        .env()
        .clipboard
        .text()
        .unwrap_or_default()
        .map(|text| text.as_str().to_owned())
}

#[test]
fn the_window_locks_when_idle_and_offers_back_what_was_being_typed() {
    let mut app = alice_typing();
    assert!(copied(&mut app).is_some(), "the password was copied");
    let typed_at = app.window.state().now();

    app.clock.set(typed_at + Span::mins(10) - Span(1));
    app.window.run();
    assert!(
        matches!(app.window.state().screen, Screen::Main(_)),
        "not a moment early"
    );
    app.clock.set(typed_at + Span::mins(10));
    app.window.run();
    assert!(
        matches!(app.window.state().screen, Screen::SignIn(_)),
        "locked"
    );
    assert!(shown(&app.window, LOCKED));
    assert_eq!(copied(&mut app), None, "the copied password is gone");

    sign_in_with(&mut app.window, "demo");
    assert!(shown(&app.window, "Restore what you were typing?"));
    click(&mut app.window, "Restore");
    match &main_state(&mut app.window).dialog {
        Dialog::Request(form) => assert_eq!(form.message, "Renew the certificate"),
        _ => panic!("the request dialog is back"),
    }
}

#[test]
fn input_keeps_the_window_awake_and_another_user_gets_nothing_back() {
    let mut app = alice_typing();
    let start = app.window.state().now();
    // Typing at minute 9 counts as activity: no lock at minute 10.
    app.clock.set(start + Span::mins(9));
    app.window.run();
    replace_text(&mut app.window, MESSAGE, "Renew the certificate today");
    app.clock.set(start + Span::mins(10));
    app.window.run();
    assert!(matches!(app.window.state().screen, Screen::Main(_)));
    // Ten idle minutes after that last input: locked.
    app.clock.set(start + Span::mins(19) + Span::secs(1));
    app.window.run();
    assert!(matches!(app.window.state().screen, Screen::SignIn(_)));

    // Bob signs in on this window: Alice's typing is not his to see.
    replace_text(&mut app.window, "User name", "bob");
    app.window.get_by_label("Password").focus();
    app.window.get_by_label("Password").type_text("demo");
    click(&mut app.window, "Sign in");
    assert!(matches!(app.window.state().screen, Screen::Main(_)));
    assert!(absent(&app.window, "Restore what you were typing?"));
    assert!(matches!(main_state(&mut app.window).dialog, Dialog::None));
}
