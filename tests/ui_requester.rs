//! The requester's side of the window, driven the way a person drives it:
//! real clicks, double-clicks, typing and keys through egui_kittest on the
//! whole eframe app, with a fixed clock that each test moves on purpose.
//! What the window shows is read from its AccessKit tree (the same tree a
//! screen reader sees); what was stored is read back through the workspace.
//! Every `run()` also fails if any control lacks an accessible name (R-DSK-3).

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use latchkey::app::view::forms::{Dialog, RequestForm};
use latchkey::app::{Screen, WorkspaceSource};
use latchkey::domain::clock::FixedClock;
use latchkey::domain::request::{AccessWindow, ApprovalInput, Phase, Request, RequestStatus};
use latchkey::domain::{RequestId, Span};
use latchkey::platform::keyring::MemoryKeyring;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MS: Span = Span(1);
/// The request dialog's message field.
const MESSAGE: &str = "Message: why you need this entry and what it covers";

/// The approver drop-down: type in its filter box, then pick the match.
fn choose_approver(window: &mut Window, filter: &str, name: &str) {
    click(window, "Approver");
    window.get_by_label("Find").focus();
    window.run();
    window.get_by_label("Find").type_text(filter);
    window.run();
    assert!(shown(window, name), "{name} matches {filter:?}");
    assert_eq!(
        window
            .query_all_by_role(Role::Button)
            .filter(|b| b
                .accesskit_node()
                .label()
                .is_some_and(|l| l.ends_with("Approver") || l == "Ada Admin"))
            .count(),
        1,
        "the filter leaves only the matching approver"
    );
    click(window, name);
    assert_eq!(
        window.get_by_label("Approver").value().as_deref(),
        Some(name)
    );
}

/// The vertical extent of the one node named `label`.
fn span_of(window: &Window, label: &str) -> (f32, f32) {
    let rect = window.get_by_label(label).rect();
    (rect.min.y, rect.max.y)
}

/// R-REQ-4: `message` is shown once, as a warning, right under the control
/// named `field` and above the control named `next`.
fn assert_message_at(window: &Window, message: &str, field: &str, next: &str) {
    let text = format!("⚠ {message}");
    assert!(
        shown(window, &text),
        "{text:?} is shown; warnings: {:?}",
        texts_containing(window, "⚠")
    );
    let (_, field_bottom) = span_of(window, field);
    let (top, bottom) = span_of(window, &text);
    let (next_top, _) = span_of(window, next);
    assert!(
        field_bottom <= top + 0.5 && bottom <= next_top + 0.5,
        "{text:?} ({top}..{bottom}) sits between {field:?} (ends {field_bottom}) and {next:?} (starts {next_top})"
    );
}

/// The open request dialog's form.
fn request_form(window: &mut Window) -> RequestForm {
    match &main_state(window).dialog {
        Dialog::Request(form) => (**form).clone(),
        other => panic!("the request dialog is not open: {other:?}"),
    }
}

/// Alice's requests as stored, newest first.
fn stored_requests(window: &mut Window) -> Vec<Request> {
    let now = window.state().now();
    let main = main_state(window);
    let session = main.session.clone();
    main.workspace().my_requests(&session, 500, now).unwrap()
}

/// One of Alice's requests as stored.
fn stored(window: &mut Window, id: RequestId) -> Request {
    stored_requests(window)
        .into_iter()
        .find(|r| r.id == id)
        .unwrap()
}

/// Steps until the window asks for no immediate repaint, collecting each
/// new content of the (in-memory) clipboard on the way; a clear reads as "".
fn settle_collecting_copies(window: &mut Window) -> Vec<String> {
    let clipboard = window.state().env().clipboard.clone();
    let read = || {
        clipboard
            .text()
            .unwrap()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default()
    };
    let mut last = read();
    let mut copied = Vec::new();
    for _ in 0..60 {
        window.step();
        let now = read();
        if now != last {
            copied.push(now.clone());
            last = now;
        }
        let settled = window
            .output()
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|v| v.repaint_delay > Duration::ZERO);
        if settled {
            return copied;
        }
    }
    panic!("the window never settled");
}

/// How long until the window wants its next frame.
fn repaint_delay(window: &Window) -> Duration {
    window.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay
}

/// Clicks the control named `label` inside the open dialog (the window
/// behind may have one of the same name).
fn click_in_dialog(window: &mut Window, label: &str) {
    window.get_by_role(Role::Dialog).get_by_label(label).click();
    window.run();
}

/// R-DSK-2, R-DSK-3: `--user alice` pre-fills the name and focuses the password;
/// "demo" and Enter reach the main window, titled with workspace and user; a
/// wrong password stays on the sign-in screen with the reason.
#[test]
fn sign_in_reaches_main_window_and_wrong_password_stays() {
    let mut app = demo_app_at_sign_in("alice");
    let window = &mut app.window;
    assert_eq!(window.state().window_title(), "Latchkey");
    assert_eq!(
        window.get_by_label("User name").value().as_deref(),
        Some("alice")
    );
    assert!(
        !texts_containing(window, "Demo users: admin, alice, bob, carol").is_empty(),
        "the demo sign-in says who exists"
    );

    // Wrong password, with the button this time.
    window.get_by_label("Password").type_text("wrong");
    click(window, "Sign in");
    assert!(matches!(window.state().screen, Screen::SignIn(_)));
    assert_eq!(text_starting(window, "⚠"), "⚠ wrong user name or password");
    assert_eq!(
        window
            .get_by_label("Password")
            .value()
            .as_deref()
            .map(str::len),
        Some(0),
        "the wrong password is cleared"
    );
    assert_eq!(window.state().window_title(), "Latchkey");

    // The cursor is back in the password field: type and press Enter.
    sign_in_with(window, "demo");
    assert!(matches!(window.state().screen, Screen::Main(_)));
    assert_eq!(
        window.state().window_title(),
        "Latchkey — Demo workspace — Alice Requester"
    );
    assert!(shown(window, "Signed in as Alice Requester"));
    assert!(window.query_by_label("Sign in").is_none());
}

/// R-REQ-1, R-REQ-2, R-REQ-3: the locked portal shows a lock; a double-click asks
/// "Request temporary access?"; Yes opens the dialog; the duration, set, approver
/// (through the filter box) and message chosen are exactly what is stored,
/// and the confirmation says so.
#[expect(
    clippy::too_many_lines,
    reason = "one flow through the window, step by step, reads best as one story"
)]
#[test]
fn double_click_locked_entry_then_request_stores_the_chosen_terms() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    let before = stored_requests(window).len();

    expand(window, "Web");
    assert!(shown(window, "Admin portal (locked)"), "R-REQ-1 lock");
    assert!(shown(window, "Runbook wiki"), "standing access: not locked");
    // A single click only selects; nothing is asked.
    click(window, "Admin portal (locked)");
    assert!(shown(window, "🔒 locked"));
    assert!(absent(window, "Yes"));

    // "No" closes the prompt without opening the dialog.
    double_click(window, "Admin portal (locked)");
    assert!(shown(
        window,
        "You don't have access to this entry. Request temporary access?"
    ));
    click(window, "No");
    assert!(absent(window, "Yes"));
    assert!(absent(window, "Send request"));

    // The same command in the entry pane and in the row's right-click menu.
    assert!(shown(window, "Request temporary access…"), "entry pane");
    window
        .get_by_label("Admin portal (locked)")
        .click_secondary();
    window.run();
    let commands: Vec<_> = window
        .query_all_by_label("Request temporary access…")
        .collect();
    assert_eq!(commands.len(), 2, "entry pane and context menu");
    commands[1].click();
    window.run();
    assert!(shown(window, "Send request"), "the menu opens the dialog");
    click(window, "Cancel");
    click(window, "Request temporary access…");
    assert!(shown(window, "Send request"), "the pane opens the dialog");
    click(window, "Cancel");
    assert!(absent(window, "Send request"));

    open_request_dialog_by_double_click(window, "Admin portal (locked)");
    assert!(shown(window, "Web / Admin portal"));
    assert_eq!(
        window.get_by_label("Access duration").value().as_deref(),
        Some("15 min"),
        "the first preset is the default"
    );
    click(window, "Access duration");
    for preset in [
        "15 min", "30 min", "1 h", "2 h", "4 h", "8 h", "1 day", "1 week",
    ] {
        assert!(shown(window, preset), "preset {preset}");
    }
    click(window, "30 min");
    assert_eq!(
        window.get_by_label("Access duration").value().as_deref(),
        Some("30 min")
    );
    assert_eq!(
        window.get_by_label("Permission").value().as_deref(),
        Some("Connect (execute)"),
        "least privilege that unlocks a website is the default"
    );
    choose(window, "Permission", "Operator");
    window.get_by_label("Permissions in this set").hover();
    window.run_steps(20);
    assert_eq!(
        texts_containing(window, "Includes: "),
        vec!["Includes: View, View password, Connect (execute)".to_owned()],
        "the eye lists what the set holds"
    );
    assert_eq!(
        window.get_by_label("Approver").value().as_deref(),
        Some("Choose…")
    );
    choose_approver(window, "bob", "Bob Approver");
    let message = "Check the licence page before the renewal call";
    window.get_by_label(MESSAGE).focus();
    window.run();
    window.get_by_label(MESSAGE).type_text(message);
    window.run();
    assert!(shown(
        window,
        &format!("{} / 2000", message.chars().count())
    ));
    click(window, "Send request");

    assert!(shown(window, "Request sent"));
    assert_eq!(
        text_starting(window, "Your request for"),
        "Your request for Web / Admin portal was sent to Bob Approver. You will be told when it is decided."
    );
    click(window, "OK");
    assert!(absent(window, "Request sent"));

    let stored = stored_requests(window);
    assert_eq!(stored.len(), before + 1, "exactly one request stored");
    let request = &stored[0];
    let operator = set_id(window, "Operator");
    let bob = Some(user_id(window, "Bob Approver"));
    let main = main_state(window);
    assert_eq!(request.entry_id().unwrap(), main.view.selected().unwrap());
    assert_eq!(
        request.requested.window,
        AccessWindow::Duration { mins: 30 }
    );
    assert_eq!(request.requested.permission_set_id, operator);
    assert_eq!(request.approver_id, bob);
    assert_eq!(request.message, message);
    assert_eq!(request.status, RequestStatus::Pending);
    assert!(!request.start_on_first_use);
    // The entry's banner now says it waits for Bob.
    assert!(
        text_starting(window, "Waiting for Bob Approver since ").len() > 30,
        "pending banner"
    );
}

/// R-REQ-4: every refusal is shown next to its field, keeps what was typed,
/// and stores nothing: no approver, a message over 2,000 characters, an end
/// not after the start, a start in the past, a length over the maximum, a
/// second pending request for the same entry and set, temporary access off.
#[expect(
    clippy::too_many_lines,
    reason = "one flow through the window, step by step, reads best as one story"
)]
#[test]
fn request_validation_messages_sit_next_to_their_fields_and_store_nothing() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    let before = stored_requests(window).len();

    admin_portal_dialog(window);
    choose(window, "Access duration", "30 min");
    replace_text(window, MESSAGE, "Licence page");

    // No approver.
    click(window, "Send request");
    assert_message_at(window, "choose an approver", "Approver", MESSAGE);
    assert_eq!(stored_requests(window).len(), before);
    let form = request_form(window);
    assert_eq!(
        (form.message.as_str(), form.terms.preset_index),
        ("Licence page", 1)
    );
    assert_eq!(
        window.get_by_label("Access duration").value().as_deref(),
        Some("30 min")
    );

    // A message one character too long.
    choose_approver(window, "bob", "Bob Approver");
    let long = "x".repeat(2_001);
    replace_text(window, MESSAGE, &long);
    assert!(shown(window, "2001 / 2000"));
    click(window, "Send request");
    assert_message_at(
        window,
        "the message is 2001 characters long; the limit is 2,000",
        MESSAGE,
        "Send request",
    );
    assert!(
        absent(window, "⚠ choose an approver"),
        "the fixed field's message is gone"
    );
    assert_eq!(stored_requests(window).len(), before);
    assert_eq!(request_form(window).message, long);
    assert_eq!(
        window.get_by_label("Approver").value().as_deref(),
        Some("Bob Approver")
    );
    replace_text(window, MESSAGE, "Licence page");

    // A custom time frame whose end is not after its start.
    click(window, "Set custom time frame");
    assert!(request_form(window).terms.is_custom);
    let start = window.get_by_label("Start time").value().unwrap();
    let end = window.get_by_label("End time").value().unwrap();
    replace_text(window, "End time", &start);
    click(window, "Send request");
    assert_message_at(
        window,
        "the end must be after the start",
        "End time",
        "Permission",
    );
    assert_eq!(stored_requests(window).len(), before);
    assert_eq!(
        request_form(window).terms.end.time,
        start,
        "the typed end stays"
    );

    // A start in the past (an hour before now, beyond the 5 min grace).
    replace_text(window, "End time", &end);
    let an_hour_ago = latchkey::app::view::forms::LocalMoment::of(T0 - Span::hours(1));
    replace_text(window, "Start time", &an_hour_ago.time);
    if request_form(window).terms.start.date != an_hour_ago.date {
        // Only where local time is just past midnight does the date change
        // too; that part belongs to the date picker, so set it directly.
        if let Dialog::Request(form) = &mut main_state(window).dialog {
            form.terms.start.date = an_hour_ago.date;
        }
        window.run();
    }
    click(window, "Send request");
    assert_message_at(window, "the start is in the past", "Start time", "End time");
    assert!(absent(window, "⚠ the end must be after the start"));
    assert_eq!(stored_requests(window).len(), before);
    let form = request_form(window);
    assert_eq!(
        (
            form.terms.start.time.as_str(),
            form.terms.end.time.as_str(),
            form.terms.is_custom
        ),
        (an_hour_ago.time.as_str(), end.as_str(), true)
    );

    // Longer than the workspace allows (an administrator lowered it to 1 h).
    let admin = session_of(window, "admin");
    let main = main_state(window);
    let mut settings = main.view.settings.clone();
    settings.max_length_mins = 60;
    main.workspace()
        .update_settings(&admin, &settings, T0)
        .unwrap();
    click(window, "Set custom time frame");
    choose(window, "Access duration", "2 h");
    click(window, "Send request");
    assert_message_at(
        window,
        "the longest access allowed is 1 h",
        "Access duration",
        "Set custom time frame",
    );
    assert_eq!(stored_requests(window).len(), before);
    settings.max_length_mins = 10_080;
    main_state(window)
        .workspace()
        .update_settings(&admin, &settings, T0)
        .unwrap();
    click(window, "Cancel");
    assert!(absent(window, "Send request"));

    // A second pending request for prod-app-01 with the set already asked for.
    expand(window, "Windows");
    open_request_dialog_by_double_click(window, "prod-app-01 (locked)");
    choose(window, "Permission", "Operator");
    choose_approver(window, "car", "Carol Approver");
    replace_text(window, MESSAGE, "Again");
    click(window, "Send request");
    assert_message_at(
        window,
        "you already have a pending request for Operator on this entry; cancel it or wait for the decision",
        "Permission",
        "Approver",
    );
    assert_eq!(stored_requests(window).len(), before);
    assert_eq!(
        window.get_by_label("Approver").value().as_deref(),
        Some("Carol Approver")
    );
    click(window, "Cancel");

    // Temporary access switched off by an administrator; the prompt is
    // reached from the keyboard this time (R-DSK-3): focus the row, Enter.
    settings.temporary_access_enabled = false;
    main_state(window)
        .workspace()
        .update_settings(&admin, &settings, T0)
        .unwrap();
    window.get_by_label("Admin portal (locked)").focus();
    window.run();
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(shown(
        window,
        "You don't have access to this entry. Request temporary access?"
    ));
    click(window, "Yes");
    choose_approver(window, "bob", "Bob Approver");
    replace_text(window, MESSAGE, "Licence page");
    click(window, "Send request");
    assert_message_at(
        window,
        "temporary access is disabled in this workspace",
        MESSAGE,
        "Send request",
    );
    assert_eq!(stored_requests(window).len(), before);
    assert_eq!(request_form(window).message, "Licence page");
}

/// R-REQ-7, R-TIME-2, R-REQ-6: the active grant on prod-dc-01 counts down every
/// second, is still active 1 ms before its end, says "expired" at the end and
/// never shows a negative or "remaining" text after; the pending request on
/// prod-app-01 waits for Bob and can be cancelled.
#[test]
fn banner_counts_down_expires_and_pending_request_can_be_cancelled() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    expand(window, "Windows");
    click(window, "prod-dc-01");
    assert!(shown(window, "Temporary Access"));
    assert_eq!(
        text_starting(window, "✔ Access active"),
        "✔ Access active — 1 h 30 min 00 s remaining"
    );
    assert!(
        repaint_delay(window) <= Duration::from_secs(1),
        "the countdown repaints every second"
    );
    assert!(shown(window, "Connect"));
    assert!(
        !window
            .get_by_label("Connect")
            .accesskit_node()
            .is_disabled()
    );

    app.clock.advance(Span::secs(1));
    window.run();
    assert_eq!(
        text_starting(window, "✔ Access active"),
        "✔ Access active — 1 h 29 min 59 s remaining"
    );

    let end = banner_request(window).grant_end_at.unwrap();
    assert_eq!(end, T0 + Span::mins(90));
    app.clock.set(end - MS);
    window.run();
    assert_eq!(
        text_starting(window, "✔ Access active"),
        "✔ Access active — 0 s remaining"
    );
    assert!(repaint_delay(window) <= Duration::from_millis(1));
    assert!(
        !window
            .get_by_label("Connect")
            .accesskit_node()
            .is_disabled()
    );

    app.clock.set(end);
    window.run();
    assert_eq!(
        text_starting(window, "Access expired at "),
        format!("Access expired at {}", end.local_minute())
    );
    assert!(texts_containing(window, "remaining").is_empty());
    assert!(
        window
            .get_by_label("Connect")
            .accesskit_node()
            .is_disabled(),
        "Connect is off at the end"
    );
    assert!(
        shown(window, "prod-dc-01 (locked)"),
        "the tree locks it again"
    );
    app.clock.advance(Span::mins(5));
    window.run();
    assert!(texts_containing(window, "remaining").is_empty());
    assert_eq!(
        text_starting(window, "Access expired at "),
        format!("Access expired at {}", end.local_minute()),
        "still expired, never a negative countdown"
    );

    // The pending request on prod-app-01.
    click(window, "prod-app-01 (locked)");
    let pending = banner_request(window);
    assert_eq!(pending.status, RequestStatus::Pending);
    assert_eq!(
        text_starting(window, "Waiting for "),
        format!(
            "Waiting for Bob Approver since {}",
            pending.created_at.to_local().format("%H:%M")
        )
    );
    click(window, "Cancel request");
    assert!(shown(window, "You cancelled your request"));
    assert!(absent(window, "Cancel request"));
    let stored = stored_requests(window);
    let cancelled = stored.iter().find(|r| r.id == pending.id).unwrap();
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
}

/// R-REQ-7, R-BEY-3: revoking and releasing both ask first ("Keep access"
/// changes nothing); revoking ends access at once (the dependent credentials
/// lock too); releasing keeps the closing note.
#[test]
fn revoke_and_release_ask_first_then_end_access_at_once() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    expand(window, "Windows");
    click(window, "prod-dc-01");
    assert!(shown(window, "Domain admin"), "unlocked through the grant");
    let grant = banner_request(window);

    click(window, "Revoke…");
    assert!(shown(window, "Revoke this access?"));
    click(window, "Keep access");
    assert!(absent(window, "Revoke this access?"));
    assert_eq!(banner_request(window), grant, "nothing changed");
    assert_eq!(stored(window, grant.id), grant);
    assert!(!texts_containing(window, "✔ Access active").is_empty());
    assert!(shown(window, "Domain admin"));

    click(window, "Revoke…");
    replace_text(window, "Reason (optional)", "Done early");
    click(window, "Revoke access");
    assert!(absent(window, "Revoke this access?"));
    let headline = text_starting(window, "Access revoked by ");
    assert!(
        headline.starts_with("Access revoked by Alice Requester at "),
        "{headline}"
    );
    assert!(shown(window, "Regaining access takes a new request"));
    assert!(texts_containing(window, "remaining").is_empty());
    assert!(shown(window, "prod-dc-01 (locked)"));
    assert!(shown(window, "Domain admin (locked)"), "its dependency too");
    assert_eq!(stored(window, grant.id).phase(T0), Phase::Revoked);
    assert!(
        shown(window, "Request temporary access…"),
        "getting it back takes a new request"
    );

    // A fresh window: release instead.
    let mut app = alice_in_production();
    let window = &mut app.window;
    expand(window, "Windows");
    click(window, "prod-dc-01");
    let grant = banner_request(window);
    click(window, "Release access now…");
    assert!(shown(window, "Release access now?"));
    click(window, "Keep access");
    assert!(absent(window, "Release access now?"));
    assert!(!texts_containing(window, "✔ Access active").is_empty());
    assert_eq!(stored(window, grant.id), grant, "nothing changed");

    click(window, "Release access now…");
    replace_text(window, "What I did", "Patched and rebooted");
    click(window, "Release access");
    let headline = text_starting(window, "You released this access at ");
    assert_eq!(
        headline,
        format!("You released this access at {}", T0.local_minute())
    );
    assert!(shown(window, "Patched and rebooted"));
    assert!(shown(window, "prod-dc-01 (locked)"));
    assert!(shown(window, "Domain admin (locked)"));
    let released = stored(window, grant.id);
    assert_eq!(released.phase(T0), Phase::Released);
    assert_eq!(released.closing_note, "Patched and rebooted");
}

/// R-REQ-8, R-TIME-2: Copy password puts the secret on the clipboard and the
/// clipboard is cleared after the workspace's delay (30 s, not a moment
/// earlier); a locked entry's Copy password is disabled; a revealed password
/// is hidden again when the grant behind it ends.
#[test]
fn copy_password_clears_after_delay_and_reveal_hides_at_grant_end() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    assert_eq!(main_state(window).view.settings.clipboard_clear_secs, 30);
    expand(window, "Credentials");

    click(window, "Linux root (locked)");
    for action in ["Copy password", "View password"] {
        assert!(
            window.get_by_label(action).accesskit_node().is_disabled(),
            "{action} is disabled on a locked entry"
        );
    }
    window.get_by_label("Copy password").click();
    assert!(
        settle_collecting_copies(window).is_empty(),
        "clicking a disabled Copy password copies nothing"
    );

    click(window, "Domain admin");
    assert!(
        !window
            .get_by_label("Copy password")
            .accesskit_node()
            .is_disabled()
    );
    window.get_by_label("Copy password").click();
    let copied = settle_collecting_copies(window);
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert!(copied[0].contains("demo-secret-"), "the secret is copied");
    assert!(
        !texts_containing(window, "the clipboard clears in 30 s").is_empty(),
        "the status bar says when it clears"
    );

    app.clock.advance(Span(29_999));
    assert!(settle_collecting_copies(window).is_empty(), "not yet");
    app.clock.advance(MS);
    let copied = settle_collecting_copies(window);
    assert_eq!(copied, vec![String::new()], "cleared at 30 s");
    assert!(shown(window, "Clipboard cleared"));

    // Reveal, then let the grant that allows it end.
    click(window, "View password");
    let secret = text_starting(window, "demo-secret-");
    assert!(shown(window, "Hide password"));
    let end = T0 + Span::mins(90);
    app.clock.set(end - MS);
    window.run();
    assert!(shown(window, &secret), "still shown 1 ms before the end");
    assert!(
        repaint_delay(window) <= Duration::from_millis(1),
        "the window wakes itself at the end"
    );
    app.clock.set(end);
    window.run();
    assert!(
        texts_containing(window, "demo-secret-").is_empty(),
        "hidden when the grant ends"
    );
    assert!(shown(window, "••••••••"));
    assert!(shown(window, "Domain admin (locked)"));
    assert!(
        window
            .get_by_label("View password")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        window
            .get_by_label("Copy password")
            .accesskit_node()
            .is_disabled()
    );
}

/// R-DSK-1: with no workspace file the first start offers the demo; creating
/// it writes the file and shows the sign-in listing the demo users.
#[test]
fn first_start_creates_the_demo_workspace_file() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(MemoryKeyring::default());
    let mut window = window_on(
        test_env(&clock, keyring),
        WorkspaceSource::File(path.clone()),
        None,
    );
    assert!(matches!(window.state().screen, Screen::FirstStart));
    assert!(shown(&window, "Welcome to Latchkey"));
    assert!(shown(&window, "Create an empty workspace"));
    assert!(!path.exists());

    click(&mut window, "Create the demo workspace");
    assert!(matches!(window.state().screen, Screen::SignIn(_)));
    assert!(path.exists(), "the workspace file was written");
    assert_eq!(
        text_starting(&window, "Demo users: "),
        "Demo users: admin, alice, bob, carol. Every password is “demo”."
    );
    assert!(shown(&window, "Sign in to Demo workspace"));
    assert!(window.get_by_label("User name").is_focused());

    // Typing the name and password from the keyboard signs in.
    window.get_by_label("User name").type_text("alice");
    window.key_press(egui::Key::Tab);
    window.run();
    window.get_by_label("Password").type_text("demo");
    window.key_press(egui::Key::Enter);
    window.run();
    assert_eq!(
        window.state().window_title(),
        "Latchkey — Demo workspace — Alice Requester"
    );
}

/// R-REQ-3, R-REQ-5, R-REQ-7: the whole round: sign in, request the portal
/// for 30 min, Bob approves, and Alice's banner shows the 30 minutes running
/// from the approval.
#[test]
fn request_then_approval_turns_the_banner_active() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    admin_portal_dialog(window);
    choose(window, "Access duration", "30 min");
    choose(window, "Permission", "Operator");
    choose_approver(window, "Bob", "Bob Approver");
    replace_text(window, MESSAGE, "Renewal");
    click(window, "Send request");
    click(window, "OK");
    let request = banner_request(window);
    assert_eq!(request.status, RequestStatus::Pending);

    // Bob approves ten minutes later, as asked.
    app.clock.advance(Span::mins(10));
    window.run();
    let approved_at = T0 + Span::mins(10);
    approve_as(window, "bob", request.id, "ok", approved_at);
    // Same connection: no change signal, so select the entry again.
    click(window, "Admin portal (locked)");
    assert_eq!(
        text_starting(window, "✔ Access active"),
        "✔ Access active — 30 min 00 s remaining"
    );
    let grant = banner_request(window);
    assert_eq!(grant.id, request.id);
    assert_eq!(grant.grant_start_at, Some(approved_at));
    assert_eq!(grant.grant_end_at, Some(approved_at + Span::mins(30)));
    assert!(
        !window
            .get_by_label("Connect")
            .accesskit_node()
            .is_disabled()
    );
    app.clock.advance(Span::secs(61));
    window.run();
    assert_eq!(
        text_starting(window, "✔ Access active"),
        "✔ Access active — 28 min 59 s remaining"
    );
}

/// R-REQ-7, R-REQ-9, R-REQ-3: View details shows what was asked, what was
/// authorized, what the approver changed and replied, and offers Revoke (with
/// confirmation); Request extension opens a dialog pre-filled with the same
/// approver, set and message, listing the dependencies it covers, and stores a
/// request linked to the grant.
#[test]
fn details_show_the_changes_and_extension_is_prefilled() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    expand(window, "Windows");
    click(window, "prod-dc-01");
    let grant = banner_request(window);

    click(window, "View details");
    assert!(shown(window, "Temporary access details"));
    for text in [
        "4 h from approval",
        "2 h from approval",
        "Alice Requester",
        "Active",
        "Apply the monthly security patches",
        "window 4 h from approval changed to 2 h from approval",
        "Two hours should be enough; ask for more if needed",
    ] {
        assert!(dialog_shows(window, text), "details show {text:?}");
    }
    let dialog = window.get_by_role(Role::Dialog);
    assert_eq!(
        dialog.query_all_by_label("Operator").count(),
        2,
        "set requested and authorized"
    );
    click_in_dialog(window, "Revoke…");
    assert!(shown(window, "Revoke this access?"));
    click(window, "Keep access");
    assert_eq!(stored(window, grant.id), grant, "nothing changed");

    let before = stored_requests(window).len();
    click(window, "Request extension…");
    assert!(shown(window, "Request an extension"));
    assert_eq!(
        window.get_by_label("Approver").value().as_deref(),
        Some("Bob Approver")
    );
    assert_eq!(
        window.get_by_label("Permission").value().as_deref(),
        Some("Operator")
    );
    assert_eq!(
        window.get_by_label(MESSAGE).value().as_deref(),
        Some("Apply the monthly security patches")
    );
    let covers = text_starting(window, "This request also covers: ");
    assert!(
        covers.contains("Domain admin") && covers.contains("Corporate VPN"),
        "{covers}"
    );
    choose(window, "Access duration", "1 h");
    click(window, "Send request");
    assert!(shown(window, "Request sent"));
    let stored = stored_requests(window);
    assert_eq!(stored.len(), before + 1);
    let extension = &stored[0];
    assert_eq!(extension.extends_request_id, Some(grant.id));
    assert_eq!(extension.approver_id, grant.approver_id);
    assert_eq!(extension.message, grant.message);
    assert_eq!(
        extension.requested.permission_set_id,
        grant.effective_terms().permission_set_id
    );
    assert_eq!(
        extension.requested.window,
        AccessWindow::Duration { mins: 60 }
    );
}

/// R-DATA-2, R-REQ-7: the workspace is a file; Bob approves from another
/// connection (as his own window would); Alice's window notices the commit
/// by itself, without any input, and unlocks the entry. This one waits in
/// real time: the change watcher polls every 250 ms.
#[test]
fn approval_from_another_process_reaches_the_window_by_itself() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(MemoryKeyring::default());
    demo_file(&path, keyring.as_ref());
    let mut window = window_on(
        test_env(&clock, keyring.clone()),
        WorkspaceSource::File(path.clone()),
        Some("alice"),
    );
    sign_in_with(&mut window, "demo");
    show_vault(&mut window, "Production");
    admin_portal_dialog(&mut window);
    choose(&mut window, "Permission", "Operator");
    choose_approver(&mut window, "bob", "Bob Approver");
    click(&mut window, "Send request");
    click(&mut window, "OK");
    let request = banner_request(&mut window);
    assert_eq!(request.status, RequestStatus::Pending);

    // Bob's window: another connection to the same file.
    let mut bob_side = open_file(&path, keyring.as_ref());
    let bob = bob_side.sign_in("bob", "demo", T0).unwrap();
    let input = ApprovalInput {
        terms: None,
        message: "ok".into(),
    };
    bob_side.approve(&bob, request.id, &input, T0).unwrap();
    let committed = Instant::now();

    let active = "✔ Access active — 15 min 00 s remaining";
    while !shown(&window, active) || !shown(&window, "Admin portal") {
        assert!(
            committed.elapsed() < Duration::from_secs(5),
            "the window never showed the approval"
        );
        std::thread::sleep(Duration::from_millis(20));
        window.step();
    }
    let took = committed.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "seen after {took:?}; R-DATA-2 asks for under a second (typically 0.1-0.3 s)"
    );
    assert!(
        !window
            .get_by_label("Connect")
            .accesskit_node()
            .is_disabled()
    );
}

/// R-REQ-7, R-DSK-3: every text of the banner and the details can be drawn
/// with the fonts the application ships (egui's defaults); an earlier build
/// used U+2192 "→", which none of them has.
#[test]
fn scheduled_banner_and_details_use_only_drawable_characters() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    expand(window, "Linux");
    click(window, "prod-db-01 (locked)");
    assert!(!texts_containing(window, "Approved — starts in").is_empty());
    click(window, "View details");
    assert!(shown(window, "Temporary access details"));
}

/// R-REQ-8: a copied password is cleared even when the person signs out
/// before the delay has passed.
#[test]
fn copied_password_is_cleared_even_after_signing_out() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    expand(window, "Credentials");
    click(window, "Domain admin");
    window.get_by_label("Copy password").click();
    assert_eq!(settle_collecting_copies(window).len(), 1);
    window.get_by_label("Sign out").click();
    let mut copied = settle_collecting_copies(window);
    assert!(matches!(window.state().screen, Screen::SignIn(_)));
    app.clock.advance(Span::secs(30));
    copied.extend(settle_collecting_copies(window));
    assert_eq!(
        copied.last().map(String::as_str),
        Some(""),
        "cleared (at sign-out or 30 s after copying): {copied:?}"
    );
}

/// R-REQ-7, R-TIME-2: a scheduled grant (prod-db-01, tomorrow 08:00 for 2 h)
/// counts down to its start, and at the start the banner turns active and
/// the entry unlocks without any input.
#[test]
fn scheduled_banner_counts_down_to_its_start_then_turns_active() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    expand(window, "Linux");
    click(window, "prod-db-01 (locked)");
    let start = banner_request(window).grant_start_at.unwrap();
    assert_eq!(start, T0 + Span::hours(24));
    assert_eq!(
        text_starting(window, "Approved — starts in "),
        "Approved — starts in 1 day"
    );
    app.clock.set(start - Span::mins(130));
    window.run();
    assert_eq!(
        text_starting(window, "Approved — starts in "),
        "Approved — starts in 2 h 10 min 00 s"
    );
    app.clock.set(start - MS);
    window.run();
    assert_eq!(
        text_starting(window, "Approved — starts in "),
        "Approved — starts in 0 s"
    );
    assert!(
        repaint_delay(window) <= Duration::from_millis(1),
        "the window wakes itself at the start"
    );
    assert!(shown(window, "prod-db-01 (locked)"));
    app.clock.set(start);
    window.run();
    assert_eq!(
        text_starting(window, "✔ Access active"),
        "✔ Access active — 2 h 00 min 00 s remaining"
    );
    assert!(shown(window, "prod-db-01"), "unlocked at the start");
    assert!(
        !window
            .get_by_label("Connect")
            .accesskit_node()
            .is_disabled()
    );
}
