//! The window's side of requests beyond one locked entry (issue 18), driven
//! headless through egui_kittest on the demo workspace: Request access… on
//! a folder and on a vault, and what an approver is shown about them; Ask to
//! join… on a vault the user is not a member of.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::{
    App, T0, Window, absent, admin_portal_dialog, alice_in_production, approve_as, banner_request,
    choose, click, demo_in_memory, main_state, replace_text, show_vault, shown, sign_in_demo,
    test_env, text_starting, window_on,
};
use egui_kittest::kittest::Queryable;
use latchkey::app::{Screen, WorkspaceSource};
use latchkey::domain::Span;
use latchkey::domain::clock::FixedClock;
use latchkey::domain::request::{AccessWindow, Phase, Request, RequestStatus, Target};
use latchkey::platform::keyring::MemoryKeyring;
use std::sync::Arc;

/// Alice's requests as stored, newest first.
fn stored_requests(window: &mut Window) -> Vec<Request> {
    let now = window.state().now();
    let main = main_state(window);
    let session = main.session.clone();
    main.workspace().my_requests(&session, 500, now).unwrap()
}

/// Picks `name` in the request dialog's approver drop-down, narrowed by `filter`.
fn choose_approver(window: &mut Window, filter: &str, name: &str) {
    click(window, "Approver");
    window.get_by_label("Find").focus();
    window.run();
    window.get_by_label("Find").type_text(filter);
    window.run();
    click(window, name);
}

/// R-REQ-11: a folder's context menu asks for the folder and everything
/// below it; the dialog says so, and what is stored is a folder request.
#[test]
fn request_access_on_a_folder_asks_for_everything_below_it() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    let before = stored_requests(window).len();
    window.get_by_label("Servers").click_secondary();
    window.run();
    click(window, "Request access…");
    assert!(shown(window, "Send request"));
    assert!(shown(
        window,
        "Covers everything in this folder, including entries added later"
    ));
    choose_approver(window, "bob", "Bob Approver");
    click(window, "Send request");
    assert!(text_starting(window, "Your request for Servers was sent").contains("Bob Approver"));
    click(window, "OK");

    let stored = stored_requests(window);
    assert_eq!(stored.len(), before + 1);
    let servers = match stored[0].target {
        Target::Folder(id) => id,
        other => panic!("a folder request, not {other:?}"),
    };
    let main = main_state(window);
    assert_eq!(main.view.tree.path(servers), "Servers");
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

/// R-REQ-11, R-APP-3: the vault's Manage… menu asks for the whole vault;
/// its approver finds it in the dashboard under the vault's name, and the
/// response window shows what the vault holds before approving it.
#[test]
fn request_access_to_a_vault_and_what_the_approver_sees() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    click(window, "Vault commands");
    click(window, "Request access to this vault…");
    assert!(shown(
        window,
        "Covers the whole vault, including entries added later"
    ));
    choose_approver(window, "bob", "Bob Approver");
    click(window, "Send request");
    assert!(text_starting(window, "Your request for Production was sent").contains("Bob"));
    click(window, "OK");
    let id = stored_requests(window)[0].id;
    assert!(matches!(
        stored_requests(window)[0].target,
        Target::Vault(_)
    ));

    switch_user(window, "bob");
    click(
        window,
        "Approve request from Alice Requester for Production",
    );
    assert!(shown(window, "Vault holds"));
    assert!(
        window
            .query_all_by_label_contains("Credentials / ")
            .next()
            .is_some(),
        "the first entries are listed"
    );
    click(window, "Approve request");
    let main = main_state(window);
    let session = main.session.clone();
    let now = window.state().now();
    let stored = main_state(window)
        .workspace()
        .request(&session, id, now)
        .unwrap();
    assert_eq!(stored.phase(now), Phase::Active);
}

/// The demo with "Requests may ask for permanent access" on, Alice signed
/// in, looking at Production.
fn alice_with_permanent_access() -> App {
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(MemoryKeyring::default());
    let mut workspace = demo_in_memory(&keyring);
    let at = T0 - Span::mins(1);
    let admin = workspace.sign_in("admin", "demo", at).unwrap();
    let mut settings = workspace.settings(at).unwrap();
    settings.permanent_access_allowed = true;
    workspace.update_settings(&admin, &settings, at).unwrap();
    let window = window_on(
        test_env(&clock, keyring),
        WorkspaceSource::Open(Box::new(workspace)),
        Some("alice"),
    );
    let mut app = App { window, clock };
    sign_in_demo(&mut app.window);
    show_vault(&mut app.window, "Production");
    app
}

/// R-REQ-10, R-REQ-7: where the workspace allows it, the request dialog's
/// Access duration offers *Permanent*; once approved, the banner says
/// "Permanent access, approved by … on …" and counts nothing down.
#[test]
fn permanent_access_is_asked_for_and_its_banner_names_the_approval() {
    let mut app = alice_with_permanent_access();
    let window = &mut app.window;
    admin_portal_dialog(window);
    choose(window, "Access duration", "Permanent");
    choose_approver(window, "bob", "Bob Approver");
    click(window, "Send request");
    click(window, "OK");
    let request = banner_request(window);
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(request.requested.window, AccessWindow::Permanent);

    app.clock.advance(Span::mins(10));
    window.run();
    let approved_at = T0 + Span::mins(10);
    approve_as(window, "bob", request.id, "for good", approved_at);
    // Same connection: no change signal, so select the entry again.
    click(window, "Admin portal (locked)");
    let headline = text_starting(window, "✔ Permanent access, approved by Bob Approver on ");
    assert!(
        headline.ends_with(&latchkey::app::present::local_minute(approved_at)),
        "{headline}"
    );
    assert!(window.query_by_label_contains("remaining").is_none());
    // A year later it still holds: the banner has no end to reach.
    app.clock.advance(Span::hours(24 * 365));
    window.run();
    assert!(shown(window, &headline));
}

/// R-REQ-10: with the setting off, *Permanent* is not offered.
#[test]
fn permanent_is_not_offered_while_the_workspace_does_not_allow_it() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    admin_portal_dialog(window);
    click(window, "Access duration");
    assert!(shown(window, "1 week"));
    assert!(window.query_by_label("Permanent").is_none());
}

/// R-REQ-13: New request… opens the target picker; typing narrows it, the
/// arrows move, Enter opens the request dialog for the highlighted vault,
/// folder or entry, and a custom time frame is sent as before.
#[test]
fn new_request_picks_its_target_by_keyboard() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    click(window, "New request…");
    assert!(shown(window, "New request: choose what to ask for"));
    window.get_by_label("Search").type_text("staging");
    window.run();
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(shown(window, "Send request"), "Enter opens the dialog");
    assert!(shown(
        window,
        "Covers the whole vault, including entries added later"
    ));
    click(window, "Cancel");

    click(window, "New request…");
    window.get_by_label("Search").type_text("linux");
    window.run();
    let second = {
        let main = main_state(window);
        let search = main.view.search.as_ref().unwrap();
        assert!(search.for_request);
        search.result(1).unwrap().clone()
    };
    window.key_press(egui::Key::ArrowDown);
    window.run();
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(shown(window, "Send request"));
    assert!(shown(window, &second.location), "{}", second.location);
    click(window, "Set custom time frame");
    choose_approver(window, "bob", "Bob Approver");
    click(window, "Send request");
    click(window, "OK");
    let stored = &stored_requests(window)[0];
    assert_eq!(stored.target, second.target);
    assert!(matches!(
        stored.requested.window,
        AccessWindow::Custom { .. }
    ));
}

/// R-REQ-12: the navigation pane lists the vaults Alice may join, with their
/// description; Ask to join… opens the request dialog without "Start on
/// first use"; the vault then says the request is waiting; once approved
/// she sees its tree, and at the end of the hour it goes back to the list.
#[test]
fn ask_to_join_a_vault_from_the_navigation_pane() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    assert!(
        absent(window, "Payroll"),
        "no tree of a vault she is not in"
    );
    click(window, "Vaults you may join (1)");
    assert!(shown(
        window,
        "Payroll and the HR system. Ask to join if you help run payroll."
    ));
    click(window, "Ask to join Human Resources");
    assert!(shown(window, "Ask to join a vault"));
    assert!(shown(
        window,
        "Makes you a member of this vault: you see its entries, with this permission set over all of them"
    ));
    assert!(absent(window, "Start on first use"));
    choose_approver(window, "carol", "Carol Approver");
    click(window, "Send request");
    assert!(
        text_starting(window, "Your request for Human Resources was sent")
            .contains("Carol Approver")
    );
    click(window, "OK");
    assert!(shown(
        window,
        "⏳ You asked to join; waiting for a decision"
    ));
    let request = stored_requests(window)[0].clone();
    assert!(matches!(request.target, Target::Join(_)), "{request:?}");

    approve_as(window, "carol", request.id, "welcome", T0);
    switch_user(window, "alice");
    show_vault(window, "Human Resources");
    assert!(shown(window, "Payroll"), "her tree, as a member");
    assert!(absent(window, "Vaults you may join (1)"));

    app.clock.advance(Span::hours(1));
    window.run();
    assert!(absent(window, "Payroll"), "the membership ended on time");
    assert!(shown(window, "Vaults you may join (1)"));
}
