//! The window's side of requests beyond one locked entry (issue 18), driven
//! headless through egui_kittest on the demo workspace: Request access… on
//! a folder and on a vault, and what an approver is shown about them.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::{Window, alice_in_production, click, main_state, replace_text, shown, text_starting};
use egui_kittest::kittest::Queryable;
use latchkey::app::Screen;
use latchkey::domain::request::{Phase, Request, Target};

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
