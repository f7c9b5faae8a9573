//! The Administration window (issue 15): an administrator creates a user,
//! edits details (a bad address refused by its field, the typing kept),
//! makes and unmakes administrators (the last one refused), disables a user
//! after a confirmation that says what ends — whose open window signs out at
//! its next action — and resets a password, which the user replaces at the
//! sign-in before a session opens.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;
use latchkey::app::Screen;
use latchkey::app::view::forms::Dialog;
use latchkey::domain::clock::FixedClock;
use latchkey::platform::keyring::NoKeyring;
use std::sync::Arc;

fn open_administration(window: &mut Window) {
    click(window, "Administration…");
    assert!(shown(window, "Administration"));
}

fn admin_users(window: &mut Window) -> Vec<(String, String)> {
    let main = main_state(window);
    let admin = main.admin.as_ref().unwrap();
    admin
        .users
        .iter()
        .map(|u| (u.username.clone(), u.notes()))
        .collect()
}

#[test]
fn an_administrator_creates_a_user_and_edits_their_details() {
    let mut window = demo_window("admin");
    open_administration(&mut window);
    assert!(shown(&window, "Alice Requester (alice)"));

    click(&mut window, "New user…");
    replace_text(&mut window, "Sign-in name", "dana");
    replace_text(&mut window, "Display name", "Dana Ops");
    replace_secret(&mut window, "First password", "dana-first-pw");
    click(&mut window, "Create user");
    assert!(shown(&window, "Dana Ops created; they sign in as “dana”"));
    assert!(admin_users(&mut window).iter().any(|(u, _)| u == "dana"));
    // The new user is selected, with their commands.
    assert!(shown(&window, "Signs in as “dana”"));

    click(&mut window, "Edit details…");
    replace_text(&mut window, "E-mail", "not an address");
    click(&mut window, "Save");
    assert!(shown(
        &window,
        "⚠ this does not look like an e-mail address"
    ));
    let kept = main_state(&mut window)
        .admin
        .as_ref()
        .and_then(|a| a.user_form.as_ref())
        .map(|f| f.email.clone());
    assert_eq!(
        kept.as_deref(),
        Some("not an address"),
        "the typing is kept"
    );
    replace_text(&mut window, "E-mail", "dana@example.org");
    click(&mut window, "Save");
    assert!(shown(&window, "Dana Ops saved"));
    assert!(shown(&window, "dana@example.org"));
}

#[test]
fn administrators_are_made_and_unmade_but_the_last_one_stays() {
    let mut window = demo_window("admin");
    open_administration(&mut window);
    // The demo's administrator is the only one: removing it is refused.
    click(&mut window, "Ada Admin (admin) — administrator");
    click(&mut window, "Remove administrator");
    assert!(
        !texts_containing(&window, "is the last active administrator").is_empty(),
        "the refusal is shown"
    );
    click(&mut window, "Carol Approver (carol)");
    click(&mut window, "Make administrator");
    assert!(shown(&window, "Carol Approver is now an administrator"));
    assert!(
        admin_users(&mut window)
            .iter()
            .any(|(u, notes)| u == "carol" && notes == "administrator")
    );
}

#[test]
fn a_disabled_user_s_open_window_signs_out_at_its_next_action() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    demo_file(&path, &NoKeyring::new("no keyring in tests"));
    let clock = Arc::new(FixedClock::new(T0));
    let env = || test_env(&clock, Arc::new(NoKeyring::new("no keyring in tests")));
    let mut admin = file_window(env(), &path, "admin");
    let mut alice = file_window(env(), &path, "alice");

    open_administration(&mut admin);
    click(&mut admin, "Alice Requester (alice)");
    click(&mut admin, "Disable…");
    assert!(shown(&admin, "Disable Alice Requester?"));
    assert!(dialog_shows(&admin, "Disable"));
    click(&mut admin, "Disable");
    assert!(matches!(main_state(&mut admin).dialog, Dialog::None));
    assert!(!texts_containing(&admin, "Alice Requester is disabled").is_empty());

    // Alice's window signs out at her next action, saying why.
    click(&mut alice, "Search…");
    assert!(matches!(alice.state().screen, Screen::SignIn(_)));
    assert!(shown(
        &alice,
        "Your account was disabled by an administrator. Ask an administrator to enable it."
    ));
}

#[test]
fn a_reset_password_is_replaced_at_the_sign_in_before_a_session_opens() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    demo_file(&path, &NoKeyring::new("no keyring in tests"));
    let clock = Arc::new(FixedClock::new(T0));
    let env = || test_env(&clock, Arc::new(NoKeyring::new("no keyring in tests")));
    let mut admin = file_window(env(), &path, "admin");
    open_administration(&mut admin);
    click(&mut admin, "Bob Approver (bob)");
    click(&mut admin, "Reset password…");
    replace_secret(&mut admin, "Temporary password", "temp-for-bob");
    click(&mut admin, "Reset password");
    assert!(shown(
        &admin,
        "Bob Approver has a temporary password and must choose a new one at the next sign-in"
    ));

    let mut bob = window_on(
        env(),
        latchkey::app::WorkspaceSource::File(path.clone()),
        Some("bob"),
    );
    sign_in_with(&mut bob, "temp-for-bob");
    assert!(
        matches!(bob.state().screen, Screen::SignIn(_)),
        "no session yet"
    );
    assert!(shown(
        &bob,
        "An administrator reset your password. Choose a new one to sign in."
    ));
    replace_secret(&mut bob, "New password", "bobs-own-pw");
    replace_secret(&mut bob, "Repeat new password", "bobs-0wn-pw");
    click(&mut bob, "Set password and sign in");
    assert!(shown(&bob, "⚠ the two new passwords differ"));
    replace_secret(&mut bob, "Repeat new password", "bobs-own-pw");
    click(&mut bob, "Set password and sign in");
    assert!(matches!(bob.state().screen, Screen::Main(_)));
}

/// Issue 15's whole flow in the window: an empty workspace's first
/// administrator creates two users, a vault with a credentials item,
/// membership, an approver, a permission set, a policy and the settings that
/// turn temporary access on; the second user requests in their own window;
/// the approver approves in theirs.
#[test]
fn an_empty_workspace_is_administered_and_used_through_the_window() {
    let (folder, mut ada) = empty_workspace_window();
    let path = folder.path().join("mine.latchkey");
    click(&mut ada, "Create a vault…");
    replace_text(&mut ada, "Vault name", "Infra");
    click(&mut ada, "Create vault");
    click(&mut ada, "New entry…");
    replace_text(&mut ada, "Name", "db-root");
    replace_text(&mut ada, "User name", "postgres");
    replace_secret(&mut ada, "Password", "root-pw");
    click(&mut ada, "Create");
    // Back to the dashboard, so the item's pane (with its own "User name"
    // and "View password") is not behind the window.
    click(&mut ada, "Requests waiting for you: 0");

    open_administration(&mut ada);
    for (username, display, password) in [
        ("carol", "Carol Ops", "carol-pw"),
        ("bob", "Bob Lead", "bob-pw"),
    ] {
        click(&mut ada, "New user…");
        replace_text(&mut ada, "Sign-in name", username);
        replace_text(&mut ada, "Display name", display);
        replace_secret(&mut ada, "First password", password);
        click(&mut ada, "Create user");
        assert!(shown(
            &ada,
            &format!("{display} created; they sign in as “{username}”")
        ));
    }

    click(&mut ada, "Permission sets");
    click(&mut ada, "New set…");
    replace_text(&mut ada, "Set name", "Password readers");
    click(&mut ada, "View");
    click(&mut ada, "View password");
    assert!(shown(
        &ada,
        "A grant of this set allows: View, View password."
    ));
    click(&mut ada, "Save set");
    assert!(shown(&ada, "Permission set “Password readers” saved"));

    click(&mut ada, "Vaults");
    assert!(shown(&ada, "Members (0)"));
    choose(&mut ada, "Member to add", "Carol Ops");
    click(&mut ada, "as member");
    assert!(shown(&ada, "Carol Ops is now a member"));
    choose(&mut ada, "Member to add", "Bob Lead");
    click(&mut ada, "as approver");
    assert!(shown(&ada, "Bob Lead — approver"));
    replace_text(
        &mut ada,
        "Longest grant here (min; empty: the workspace's)",
        "abc",
    );
    click(&mut ada, "Save policy");
    assert!(shown(
        &ada,
        "⚠ the maximum grant length must be a whole number"
    ));
    replace_text(
        &mut ada,
        "Longest grant here (min; empty: the workspace's)",
        "120",
    );
    click(&mut ada, "Save policy");
    assert!(shown(&ada, "Policy saved"));

    click(&mut ada, "Settings");
    click(&mut ada, "Users may request temporary access");
    replace_text(&mut ada, "Lock a window after idle (min; 0 never)", "0");
    click(&mut ada, "Save settings");
    assert!(shown(&ada, "Settings saved"));

    // Carol, in her own window, asks Bob for the set for 1 h.
    let clock = Arc::new(FixedClock::new(T0));
    let env = || test_env(&clock, Arc::new(NoKeyring::new("no keyring in tests")));
    let mut carol = window_on(
        env(),
        latchkey::app::WorkspaceSource::File(path.clone()),
        Some("carol"),
    );
    sign_in_with(&mut carol, "carol-pw");
    assert!(matches!(carol.state().screen, Screen::Main(_)));
    open_request_dialog_by_double_click(&mut carol, "db-root (locked)");
    choose(&mut carol, "Access duration", "1 h");
    choose(&mut carol, "Permission", "Password readers");
    click(&mut carol, "Approver");
    click(&mut carol, "Bob Lead");
    click(&mut carol, "Send request");
    assert!(shown(&carol, "Request sent"));

    // Bob approves in his.
    let mut bob = window_on(
        env(),
        latchkey::app::WorkspaceSource::File(path),
        Some("bob"),
    );
    sign_in_with(&mut bob, "bob-pw");
    assert!(shown(&bob, "Pending access requests (1)"));
    click(&mut bob, "Approve request from Carol Ops for db-root");
    click(&mut bob, "Approve request");
    assert!(shown(&bob, "Request approved"));
}

#[test]
fn the_settings_tab_moves_the_key_into_the_keyring_once_one_answers() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    demo_file(&path, &NoKeyring::new("no keyring when it was made"));
    let key_file = latchkey::platform::keyfile::key_file_for(&path);
    assert!(key_file.exists());
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(latchkey::platform::keyring::MemoryKeyring::default());
    let mut admin = file_window(test_env(&clock, keyring), &path, "admin");
    open_administration(&mut admin);
    click(&mut admin, "Settings");
    assert!(!texts_containing(&admin, "workspace key in the private file").is_empty());
    click(&mut admin, "Move the key into the OS keyring");
    let outcome = main_state(&mut admin)
        .admin
        .as_ref()
        .unwrap()
        .outcome
        .clone();
    assert!(
        shown(&admin, "Moved: workspace key in the OS keyring"),
        "{outcome:?}"
    );
    assert!(
        !key_file.exists(),
        "the file's copy went once the keyring held it"
    );
    assert!(shown(
        &admin,
        "Move the key out of the OS keyring into a private file"
    ));
}

/// "Why?" (R-ADM-6): an administrator picks a person on an entry and reads
/// each permission, held or not, with its grounds or how to get it.
#[test]
fn why_says_what_a_person_can_do_on_an_entry_and_how_to_get_the_rest() {
    let mut window = demo_window("admin");
    show_vault(&mut window, "Production");
    click(&mut window, "Admin portal");
    click(&mut window, "Why?…");
    choose(&mut window, "Person", "Alice Requester");
    let titles = texts_containing(&window, "Alice Requester on ");
    assert!(
        titles.iter().any(|t| t.contains("Admin portal")),
        "{titles:?}"
    );
    let rows = texts_containing(&window, " — not held");
    assert!(!rows.is_empty(), "alice lacks something on the portal");
    assert!(
        !texts_containing(&window, "Request ").is_empty(),
        "what would give a missing permission is said"
    );

    // Another person: each of the six permissions is answered.
    // A few frames pass before the next click: egui still blocks input
    // behind a modal in the first frame after it closed (see the note).
    click(&mut window, "Close");
    window.run_steps(3);
    click(&mut window, "Why?…");
    choose(&mut window, "Person", "Carol Approver");
    let held = texts_containing(&window, " — held").len();
    let not_held = texts_containing(&window, " — not held").len();
    assert_eq!(held + not_held, 6);
}

#[test]
fn a_plain_requester_is_not_offered_why() {
    let mut app = alice_in_production();
    click(&mut app.window, "Admin portal (locked)");
    assert!(absent(&app.window, "Why?…"));
}
