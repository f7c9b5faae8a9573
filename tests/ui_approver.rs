//! The approver's side of the window, driven the way a person drives it:
//! real clicks, typing and keys through egui_kittest on the whole eframe app,
//! with a fixed clock. What the window shows is read from its AccessKit tree
//! (what a screen reader sees); what was stored is read back through the
//! workspace. Every `run()` also fails if any control lacks an accessible
//! name (R-DSK-3). The helpers follow `tests/ui_requester.rs`.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use latchkey::app::Screen;
use latchkey::app::view::forms::{Dialog, ResponseForm};
use latchkey::domain::clock::FixedClock;
use latchkey::domain::request::{AccessWindow, Phase, Request, RequestStatus};
use latchkey::domain::{RequestId, Span};
use latchkey::platform::keyring::NoKeyring;
use std::path::Path;
use std::sync::Arc;

/// The response window's message field.
const REPLY: &str = "Message to the requester";
/// The demo's pending request: Alice asks Bob for prod-app-01.
const APPROVE_APP: &str = "Approve request from Alice Requester for prod-app-01";
const DENY_APP: &str = "Deny request from Alice Requester for prod-app-01";

/// A window on the workspace file, signed in as `user`; it finds the key in the key file.
fn file_window_without_keyring(path: &Path, clock: &Arc<FixedClock>, user: &str) -> Window {
    file_window(test_env(clock, no_keyring()), path, user)
}

/// The keyring of a computer that has none.
fn no_keyring() -> Arc<NoKeyring> {
    Arc::new(NoKeyring::new("no keyring in tests"))
}

/// Signs out, then signs `user` in on the same (in-memory) workspace.
fn switch_user(window: &mut Window, user: &str) {
    click(window, "Sign out");
    assert!(matches!(window.state().screen, Screen::SignIn(_)));
    replace_text(window, "User name", user);
    window.get_by_label("Password").focus();
    window.run();
    window.get_by_label("Password").type_text("demo");
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(matches!(window.state().screen, Screen::Main(_)));
}

/// Selects a tree row, locked or not.
fn select(window: &mut Window, name: &str) {
    let locked = format!("{name} (locked)");
    if shown(window, &locked) {
        click(window, &locked);
    } else {
        click(window, name);
    }
}

/// Whether the control named `label` is disabled.
fn disabled(window: &Window, label: &str) -> bool {
    window.get_by_label(label).accesskit_node().is_disabled()
}

/// The inbox badge's accessible name ("Requests waiting for you: N").
fn inbox_badge(window: &Window) -> String {
    text_starting(window, "Requests waiting for you: ")
}

/// Clicks the inbox badge: back to the dashboard, freshly loaded.
fn open_inbox(window: &mut Window) {
    let badge = inbox_badge(window);
    click(window, &badge);
}

/// The pending count as the service counts it for whoever is signed in.
fn service_inbox_count(window: &mut Window) -> i64 {
    let now = window.state().now();
    let main = main_state(window);
    let session = main.session.clone();
    main.workspace().inbox_count(&session, now).unwrap()
}

/// The open response window's form.
fn response_form(window: &mut Window) -> ResponseForm {
    match &main_state(window).dialog {
        Dialog::Respond(form) => (**form).clone(),
        other => panic!("the response window is not open: {other:?}"),
    }
}

/// A request as stored, read by whoever is signed in.
fn stored(window: &mut Window, id: RequestId) -> Request {
    let session = main_state(window).session.clone();
    stored_as(window, &session, id)
}

/// The id of the request in the signed-in approver's inbox for `entry`.
fn inbox_request(window: &mut Window, entry: &str) -> RequestId {
    let main = main_state(window);
    main.view
        .dashboard
        .inbox
        .iter()
        .find(|r| main.view.names.target(r.target) == entry)
        .unwrap()
        .id
}

/// Presses Tab until the control named `label` has the keyboard focus.
fn tab_to(window: &mut Window, label: &str) {
    for _ in 0..40 {
        if window.get_by_label(label).is_focused() {
            return;
        }
        window.key_press(egui::Key::Tab);
        window.run();
    }
    panic!("Tab never reached {label:?}");
}

/// R-APP-1, R-APP-3: Bob's dashboard counts what waits for him (as the
/// service counts it), the top bar's inbox badge says the same, and the
/// approve (check) and deny (cross) buttons both open the response window
/// with the request's info: requester, entry with its path, permission set,
/// requested duration, message; Close leaves everything as it was.
#[test]
fn dashboard_counts_pending_requests_and_opens_the_response_window() {
    let mut app = demo_app("bob");
    let window = &mut app.window;
    let count = main_state(window).view.dashboard.inbox_count;
    assert_eq!(count, service_inbox_count(window));
    assert_eq!(count, 1, "the demo's prod-app-01 request waits for Bob");
    assert!(shown(window, &format!("Pending access requests ({count})")));
    assert_eq!(
        inbox_badge(window),
        format!("Requests waiting for you: {count}")
    );
    assert!(
        absent(
            window,
            "Approve request from Alice Requester for Payments DB"
        ),
        "Bob already approved Payments DB: it waits for someone else"
    );
    assert_eq!(
        texts_containing(window, "Restart the app pool"),
        vec!["“Restart the app pool after the config change”".to_owned()],
        "the dashboard quotes the request's message"
    );
    let id = inbox_request(window, "prod-app-01");
    let before = stored(window, id);

    click(window, APPROVE_APP);
    assert!(shown(window, "Respond to an access request"));
    assert!(shown(window, "Request info"));
    assert!(shown(window, "Response parameters"));
    for text in [
        "Alice Requester",
        "Production / Servers / Windows / prod-app-01",
        "Operator",
        "1 h from approval",
        "“Restart the app pool after the config change”",
        (T0 - Span::mins(10)).local_minute().as_str(),
    ] {
        assert!(dialog_shows(window, text), "Request info shows {text:?}");
    }
    assert_eq!(
        window.get_by_label("Access duration").value().as_deref(),
        Some("1 h"),
        "the response starts from what was asked"
    );
    assert_eq!(
        window.get_by_label("Permission").value().as_deref(),
        Some("Operator")
    );
    assert!(
        texts_containing(window, "Approving with modifications").is_empty(),
        "nothing changed yet"
    );
    assert!(!disabled(window, "Access duration"));
    assert!(!disabled(window, "Permission"));
    assert_eq!(response_form(window).info.request.id, id);
    click(window, "Close");
    assert!(absent(window, "Respond to an access request"));

    click(window, DENY_APP);
    assert!(
        shown(window, "Respond to an access request"),
        "deny opens it too"
    );
    assert_eq!(response_form(window).info.request.id, id);
    assert!(shown(window, "Approve request") && shown(window, "Deny request"));
    click(window, "Close");
    assert!(absent(window, "Respond to an access request"));
    assert_eq!(stored(window, id), before, "looking decides nothing");
    assert_eq!(service_inbox_count(window), 1);

    // An entry with dependencies: the window lists what the request also covers.
    alice_asks(
        window,
        ("Production", "prod-dc-01"),
        "Reader",
        120,
        "Bob Approver",
        "Read the event log",
    );
    open_inbox(window);
    assert!(shown(window, "Pending access requests (2)"));
    assert_eq!(inbox_badge(window), "Requests waiting for you: 2");
    click(
        window,
        "Approve request from Alice Requester for prod-dc-01",
    );
    assert!(dialog_shows(
        window,
        "Production / Servers / Windows / prod-dc-01"
    ));
    assert!(dialog_shows(window, "Also covers"));
    let covers: Vec<String> = texts_containing(window, "Domain admin")
        .into_iter()
        .filter(|t| t.contains("Corporate VPN"))
        .collect();
    assert_eq!(
        covers.len(),
        1,
        "one row names both dependencies: {covers:?}"
    );
    assert!(dialog_shows(window, "2 h from approval"));
    assert!(dialog_shows(window, "Reader"));
}

/// R-APP-3, R-REQ-7, R-DATA-2: two windows on one workspace file, Bob's and
/// Alice's. Bob approves prod-app-01 as requested (authorized = requested; the
/// count and badge go down), then approves Alice's Admin portal request with
/// a shorter duration ("approve with modifications": both terms are kept).
/// Alice's window shows the 30-minute grant, and its details say what changed.
#[expect(
    clippy::too_many_lines,
    reason = "one flow through the window, step by step, reads best as one story"
)]
#[test]
fn approve_as_requested_then_shorter_and_the_requester_sees_the_change() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    demo_file(&path, no_keyring().as_ref());
    let clock = Arc::new(FixedClock::new(T0));
    let mut bob = file_window_without_keyring(&path, &clock, "bob");
    let mut alice = file_window_without_keyring(&path, &clock, "alice");

    let portal = alice_asks(
        &mut alice,
        ("Production", "Admin portal"),
        "Operator",
        60,
        "Bob Approver",
        "Renew the licence before Friday",
    );
    // Bob's window reloads its dashboard from the file (his watcher may have already).
    open_inbox(&mut bob);
    assert_eq!(service_inbox_count(&mut bob), 2);
    assert!(shown(&bob, "Pending access requests (2)"));
    assert_eq!(inbox_badge(&bob), "Requests waiting for you: 2");
    let app01 = inbox_request(&mut bob, "prod-app-01");

    // As requested.
    click(&mut bob, APPROVE_APP);
    click(&mut bob, "Approve request");
    assert!(absent(&bob, "Respond to an access request"));
    assert!(shown(&bob, "Request approved"), "the status bar says so");
    let approved = stored(&mut bob, app01);
    assert_eq!(approved.status, RequestStatus::Approved);
    assert_eq!(approved.authorized, Some(approved.requested));
    assert!(!approved.is_modified());
    assert_eq!(approved.decided_by, Some(user_id(&mut bob, "Bob Approver")));
    assert_eq!(approved.decided_at, Some(T0));
    assert_eq!(approved.approvals.len(), 1);
    assert_eq!(
        (approved.grant_start_at, approved.grant_end_at),
        (Some(T0), Some(T0 + Span::hours(1)))
    );
    assert!(shown(&bob, "Pending access requests (1)"));
    assert_eq!(inbox_badge(&bob), "Requests waiting for you: 1");
    assert!(absent(&bob, APPROVE_APP));
    assert_eq!(service_inbox_count(&mut bob), 1);

    // With a shorter duration.
    click(
        &mut bob,
        "Approve request from Alice Requester for Admin portal",
    );
    assert!(shown(&bob, "Production / Web / Admin portal"));
    assert!(dialog_shows(&bob, "“Renew the licence before Friday”"));
    choose(&mut bob, "Access duration", "30 min");
    assert!(shown(
        &bob,
        "Approving with modifications: the requester will see what you changed"
    ));
    replace_text(&mut bob, REPLY, "Thirty minutes is enough");
    click(&mut bob, "Approve request");
    assert!(absent(&bob, "Respond to an access request"));
    let modified = stored(&mut bob, portal);
    assert_eq!(modified.status, RequestStatus::Approved);
    assert!(modified.is_modified());
    assert_eq!(
        modified.requested.window,
        AccessWindow::Duration { mins: 60 },
        "what was asked is kept"
    );
    let authorized = modified.authorized.unwrap();
    assert_eq!(authorized.window, AccessWindow::Duration { mins: 30 });
    assert_eq!(
        authorized.permission_set_id, modified.requested.permission_set_id,
        "only the duration changed"
    );
    assert_eq!(modified.grant_end_at, Some(T0 + Span::mins(30)));
    assert_eq!(modified.decision_message, "Thirty minutes is enough");
    assert!(shown(&bob, "Pending access requests (0)"));
    assert!(shown(&bob, "Nothing waits for your decision."));
    assert_eq!(inbox_badge(&bob), "Requests waiting for you: 0");

    // Alice's window: another connection to the same file.
    show_vault(&mut alice, "Production");
    expand(&mut alice, "Web");
    select(&mut alice, "Admin portal");
    assert_eq!(banner_request(&mut alice).id, portal);
    assert_eq!(
        text_starting(&alice, "✔ Access active"),
        "✔ Access active — 30 min 00 s remaining"
    );
    assert!(shown(&alice, "Admin portal"), "unlocked in the tree");
    click(&mut alice, "View details");
    assert!(shown(&alice, "Temporary access details"));
    for text in [
        "1 h from approval",
        "30 min from approval",
        "Changed by the approver:",
        "window 1 h from approval changed to 30 min from approval",
        "Thirty minutes is enough",
    ] {
        assert!(dialog_shows(&alice, text), "details show {text:?}");
    }
    click(&mut alice, "Close");

    // The request approved as asked shows no change.
    expand(&mut alice, "Windows");
    select(&mut alice, "prod-app-01");
    assert_eq!(banner_request(&mut alice).id, app01);
    assert_eq!(
        text_starting(&alice, "✔ Access active"),
        "✔ Access active — 1 h 00 min 00 s remaining"
    );
    click(&mut alice, "View details");
    assert_eq!(
        alice
            .get_by_role(Role::Dialog)
            .query_all_by_label("1 h from approval")
            .count(),
        2,
        "requested and authorized alike"
    );
    assert!(
        !dialog_shows(&alice, "Changed by the approver:"),
        "approved as requested: nothing changed"
    );
}

/// R-APP-3, R-REQ-7: Bob denies prod-app-01 with a reason; the request is
/// stored denied with it; signed in on the same workspace, Alice's banner on
/// the entry says who denied it and why.
#[test]
fn deny_with_a_message_reaches_the_requesters_banner() {
    let mut app = demo_app("bob");
    let window = &mut app.window;
    let id = inbox_request(window, "prod-app-01");
    click(window, DENY_APP);
    replace_text(window, REPLY, "Use the staging server first");
    click(window, "Deny request");
    assert!(absent(window, "Respond to an access request"));
    assert!(shown(window, "Request denied"));
    assert!(shown(window, "Pending access requests (0)"));
    assert_eq!(inbox_badge(window), "Requests waiting for you: 0");
    let denied = stored(window, id);
    assert_eq!(denied.status, RequestStatus::Denied);
    assert_eq!(denied.decision_message, "Use the staging server first");
    assert_eq!(denied.decided_by, Some(user_id(window, "Bob Approver")));
    assert_eq!(denied.decided_at, Some(T0));
    assert!(denied.authorized.is_none() && denied.grant_start_at.is_none());

    app.clock.advance(Span::mins(2));
    switch_user(window, "alice");
    show_vault(window, "Production");
    expand(window, "Windows");
    click(window, "prod-app-01 (locked)");
    assert_eq!(banner_request(window).id, id);
    assert!(shown(window, "Denied by Bob Approver"));
    assert!(shown(window, "“Use the staging server first”"));
    assert!(shown(window, "prod-app-01 (locked)"), "still locked");
}

/// R-APP-4: first writer wins. Bob's response window is open when Carol
/// approves from her own session; Bob's "Approve request" then says who
/// handled it and when, the list is refreshed, and only Carol's decision is
/// stored. The same for a denial.
#[test]
fn deciding_a_request_already_handled_says_by_whom_and_stores_nothing() {
    let mut app = demo_app("bob");
    let window = &mut app.window;
    let id = inbox_request(window, "prod-app-01");
    click(window, APPROVE_APP);
    replace_text(window, REPLY, "Go ahead");

    app.clock.advance(Span::mins(1));
    window.run();
    let approved_at = T0 + Span::mins(1);
    let carol = approve_as(window, "carol", id, "Done it myself", approved_at);
    let carols = stored(window, id);

    click(window, "Approve request");
    let expected = format!(
        "⚠ this request was already approved by Carol Approver at {}. The list has been refreshed.",
        approved_at.local_second()
    );
    assert_eq!(text_starting(window, "⚠ this request"), expected);
    assert!(absent(window, "Approve request"), "nothing left to decide");
    assert!(absent(window, "Deny request"));
    assert!(shown(window, "Pending access requests (0)"), "refreshed");
    assert_eq!(inbox_badge(window), "Requests waiting for you: 0");
    let after = stored(window, id);
    assert_eq!(after, carols, "Bob's approval was not stored");
    assert_eq!(after.approvals.len(), 1);
    assert_eq!(after.decided_by, Some(carol.user_id()));
    assert_eq!(after.decision_message, "Done it myself");
    click(window, "Close");
    assert!(absent(window, "Respond to an access request"));

    // A denial racing a denial.
    let portal = alice_asks(
        window,
        ("Production", "Admin portal"),
        "Reader",
        30,
        "Bob Approver",
        "Check the licence page",
    );
    open_inbox(window);
    assert!(shown(window, "Pending access requests (1)"));
    click(window, "Deny request from Alice Requester for Admin portal");
    app.clock.advance(Span::mins(1));
    window.run();
    let denied_at = T0 + Span::mins(2);
    main_state(window)
        .workspace()
        .deny(&carol, portal, "Not this week", denied_at)
        .unwrap();
    let carols = stored(window, portal);
    replace_text(window, REPLY, "No");
    click(window, "Deny request");
    assert_eq!(
        text_starting(window, "⚠ this request"),
        format!(
            "⚠ this request was already denied by Carol Approver at {}. The list has been refreshed.",
            denied_at.local_second()
        )
    );
    assert_eq!(stored(window, portal), carols, "one decision: Carol's");
    assert_eq!(
        stored(window, portal).decision_message,
        "Not this week",
        "Bob's message was not stored"
    );
    assert!(shown(window, "Pending access requests (0)"));
}

/// R-BEY-4: Finance needs two approvals. Carol opens Payments DB (Bob has
/// approved): the window shows "1 of 2 (Bob Approver)" and the terms are
/// fixed; her approval completes it (two approvals stored). A first approval
/// is only recorded ("1 of 2") and the request waits for another approver;
/// any deny then denies it.
#[test]
fn quorum_shows_approvals_so_far_and_completes_with_the_second() {
    let mut app = demo_app("carol");
    let window = &mut app.window;
    assert_eq!(main_state(window).view.dashboard.inbox_count, 2);
    assert!(shown(window, "Pending access requests (2)"));
    assert!(shown(window, "1 approval(s) so far"));
    let payments = inbox_request(window, "Payments DB");
    let bob = user_id(window, "Bob Approver");
    let carol = user_id(window, "Carol Approver");

    click(
        window,
        "Approve request from Alice Requester for Payments DB",
    );
    assert!(dialog_shows(
        window,
        "Finance / Payment systems / Payments DB"
    ));
    assert!(dialog_shows(window, "Approvals"));
    assert!(dialog_shows(window, "1 of 2 (Bob Approver)"));
    for control in ["Access duration", "Permission", "Set custom time frame"] {
        assert!(
            disabled(window, control),
            "{control} is disabled once the first approval set the terms"
        );
    }
    assert!(shown(
        window,
        "The first approval set the terms; approve them as they are or deny"
    ));
    assert!(!disabled(window, "Approve request"));
    assert!(!disabled(window, "Deny request"));
    // A click on the disabled duration changes nothing.
    window.get_by_label("Access duration").click();
    window.run();
    assert!(absent(window, "30 min"), "no drop-down opened");
    click(window, "Approve request");
    assert!(shown(window, "Request approved"));
    let done = stored(window, payments);
    assert_eq!(done.status, RequestStatus::Approved);
    assert_eq!(
        done.approvals
            .iter()
            .map(|a| a.approver_id)
            .collect::<Vec<_>>(),
        vec![bob, carol]
    );
    assert_eq!(done.decided_by, Some(carol));
    assert_eq!(done.authorized, Some(done.requested));
    assert_eq!(done.phase(T0), Phase::Active);
    assert!(shown(window, "Pending access requests (1)"));
    assert!(absent(
        window,
        "Approve request from Alice Requester for Payments DB"
    ));

    // A new Finance request: Carol's approval is the first of two.
    let bank = alice_asks(
        window,
        ("Finance", "Bank portal"),
        "Reader",
        60,
        "Carol Approver",
        "Download the statements",
    );
    open_inbox(window);
    click(
        window,
        "Approve request from Alice Requester for Bank portal",
    );
    assert!(dialog_shows(window, "0 of 2 (none yet)"));
    assert!(!disabled(window, "Access duration"), "no approval yet");
    click(window, "Approve request");
    assert!(shown(window, "Your approval is recorded: 1 of 2"));
    let partly = stored(window, bank);
    assert_eq!(partly.status, RequestStatus::Pending);
    assert_eq!(partly.approvals.len(), 1);
    assert_eq!(partly.approvals[0].approver_id, carol);
    assert!(
        absent(
            window,
            "Approve request from Alice Requester for Bank portal"
        ),
        "it now waits for someone else"
    );
    assert_eq!(service_inbox_count(window), 1);

    // Bob denies it: any deny denies.
    let bob_session = session_of(window, "bob");
    main_state(window)
        .workspace()
        .deny(&bob_session, bank, "Statements are emailed", T0)
        .unwrap();
    let denied = stored(window, bank);
    assert_eq!(denied.status, RequestStatus::Denied);
    assert_eq!(denied.decided_by, Some(bob));
}

/// R-BEY-5: Bob's dashboard lists Alice's emergency access on prod-db-01
/// with her reason; "Mark reviewed" removes it, and the stored grant says
/// Bob reviewed it, when; Carol no longer has it to review.
#[test]
fn emergency_access_is_listed_until_marked_reviewed() {
    let mut app = demo_app("bob");
    let window = &mut app.window;
    assert!(shown(window, "Emergency access to review (1)"));
    assert!(shown(
        window,
        "Reason: “Orders are failing: database disk full, on-call fix”"
    ));
    let review = main_state(window).view.dashboard.reviews[0].clone();
    assert!(review.needs_review);
    let row = "Mark reviewed: Alice Requester on prod-db-01";
    assert!(shown(window, row));

    app.clock.advance(Span::mins(5));
    window.run();
    click(window, row);
    assert!(absent(window, row));
    assert!(absent(window, "Emergency access to review (1)"));
    assert!(texts_containing(window, "Emergency access to review").is_empty());
    assert!(shown(window, "Emergency access marked reviewed"));
    let reviewed = stored(window, review.id);
    assert!(!reviewed.needs_review);
    assert_eq!(reviewed.reviewed_by, Some(user_id(window, "Bob Approver")));
    assert_eq!(reviewed.reviewed_at, Some(T0 + Span::mins(5)));
    assert_eq!(
        (reviewed.status, reviewed.grant_end_at),
        (review.status, review.grant_end_at),
        "reviewing changes nothing else"
    );
    let carol = session_of(window, "carol");
    let now = window.state().now();
    let main = main_state(window);
    assert!(
        main.workspace()
            .grants_needing_review(&carol, now)
            .unwrap()
            .is_empty(),
        "nobody else has it to review"
    );
}

/// R-DSK-3, R-APP-1, R-APP-3: the approve flow from the keyboard: Enter on
/// the dashboard's focused approve button opens the response window; Tab
/// reaches the message field, typed keys land there; Tab reaches "Approve
/// request" and Enter approves, with the typed message.
#[test]
fn response_window_works_from_the_keyboard() {
    let mut app = demo_app("bob");
    let window = &mut app.window;
    let id = inbox_request(window, "prod-app-01");
    window.get_by_label(APPROVE_APP).focus();
    window.run();
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(shown(window, "Respond to an access request"));

    tab_to(window, REPLY);
    window.event(egui::Event::Text("Typed from the keyboard".into()));
    window.run();
    assert_eq!(
        window.get_by_label(REPLY).value().as_deref(),
        Some("Typed from the keyboard")
    );
    assert_eq!(response_form(window).message, "Typed from the keyboard");
    tab_to(window, "Approve request");
    assert_eq!(
        stored(window, id).status,
        RequestStatus::Pending,
        "moving the focus decides nothing"
    );
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(absent(window, "Respond to an access request"));
    let approved = stored(window, id);
    assert_eq!(approved.status, RequestStatus::Approved);
    assert_eq!(approved.decision_message, "Typed from the keyboard");

    // Space works as well: deny Alice's next request.
    let portal = alice_asks(
        window,
        ("Production", "Admin portal"),
        "Reader",
        30,
        "Bob Approver",
        "Look up a setting",
    );
    open_inbox(window);
    window
        .get_by_label("Deny request from Alice Requester for Admin portal")
        .focus();
    window.run();
    window.key_press(egui::Key::Space);
    window.run();
    assert!(shown(window, "Respond to an access request"));
    tab_to(window, "Deny request");
    window.key_press(egui::Key::Space);
    window.run();
    assert!(absent(window, "Respond to an access request"));
    assert_eq!(stored(window, portal).status, RequestStatus::Denied);
}
