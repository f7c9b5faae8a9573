//! What a screen reader meets (R-DSK-3, issue 12): every focusable control
//! on every screen of the demo has a role and a name; dialogs and windows
//! are named. Read from the AccessKit tree egui_kittest builds, which is what
//! AT-SPI clients such as Orca are given.

mod common;

use common::*;

use egui::accesskit::{Action, Role};
use egui_kittest::kittest::{NodeT, Queryable};

/// Every focusable node without a name or with an unknown role, described.
fn unnamed_controls(window: &Window) -> Vec<String> {
    window
        .query_all_by(|node| node.data().supports_action(Action::Focus))
        .filter_map(|node| {
            let node = node.accesskit_node();
            let name = node.label().unwrap_or_default();
            let unnamed = name.trim().is_empty();
            let unknown = node.role() == Role::Unknown || node.role() == Role::GenericContainer;
            (unnamed || unknown).then(|| {
                format!(
                    "{:?} {name:?} at {:?} in {:?}",
                    node.role(),
                    node.bounding_box().map(|b| (b.x0.round(), b.y0.round())),
                    node.parent().map(|p| (p.role(), p.label()))
                )
            })
        })
        .collect()
}

/// Dialogs and windows whose name is empty.
fn unnamed_frames(window: &Window) -> Vec<String> {
    [Role::Dialog, Role::Window]
        .into_iter()
        .flat_map(|role| window.query_all_by_role(role))
        .filter(|node| {
            node.accesskit_node()
                .label()
                .is_none_or(|l| l.trim().is_empty())
        })
        .map(|node| format!("{:?}", node.accesskit_node().role()))
        .collect()
}

fn assert_all_named(window: &Window, screen: &str) {
    let controls = unnamed_controls(window);
    assert!(
        controls.is_empty(),
        "{screen}: focusable controls without a role and a name: {controls:?}"
    );
    let frames = unnamed_frames(window);
    assert!(
        frames.is_empty(),
        "{screen}: dialogs or windows without a name: {frames:?}"
    );
}

#[test]
fn every_screen_of_the_requester_names_its_controls() {
    let mut app = demo_app_at_sign_in("alice");
    assert_all_named(&app.window, "sign-in");
    sign_in_demo(&mut app.window);
    let window = &mut app.window;
    assert_all_named(window, "requester dashboard");
    show_vault(window, "Production");
    expand(window, "Servers");
    expand(window, "Windows");
    click(window, "prod-dc-01");
    assert_all_named(window, "entry with an active banner");
    click(window, "View details");
    assert_all_named(window, "details");
    click(window, "Close");
    admin_portal_dialog(window);
    assert_all_named(window, "request dialog");
}

#[test]
fn every_screen_of_the_approver_names_its_controls() {
    let mut window = demo_window("bob");
    assert_all_named(&window, "approver dashboard");
    click(&mut window, "All requests…");
    assert_all_named(&window, "requests window");
    window.key_press(egui::Key::ArrowDown);
    window.run();
    let selected: Vec<String> = window
        .query_all_by_role(Role::Row)
        .filter(|row| row.accesskit_node().is_selected() == Some(true))
        .filter_map(|row| row.accesskit_node().label())
        .collect();
    assert_eq!(selected.len(), 1, "one row is selected: {selected:?}");
    assert!(
        selected[0].starts_with("Pending, Alice Requester, prod-app-01, requested "),
        "the row reads as one sentence: {selected:?}"
    );
    click(
        &mut window,
        "Approve request from Alice Requester for prod-app-01",
    );
    assert_all_named(&window, "response window");
}

/// Issue 12: a field's error is read with the field; a drop-down reads its
/// chosen value; the selected tree item and table row say they are selected.
#[test]
fn errors_values_and_selection_reach_the_screen_reader() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    admin_portal_dialog(window);
    click(window, "Send request");
    let approver = window.get_by_label("Approver");
    let said = approver.accesskit_node().description().unwrap_or_default();
    assert!(
        said.contains("choose an approver"),
        "the Approver field carries its error: {said:?}"
    );
    assert_eq!(
        window.get_by_label("Access duration").value().as_deref(),
        Some("15 min"),
        "a drop-down says what is chosen"
    );
    click(window, "Cancel");
    let row = window.get_by_label("Admin portal (locked)");
    assert_eq!(row.accesskit_node().role(), Role::TreeItem);
    assert!(row.accesskit_node().is_selected().unwrap_or(false));
}

/// The first start (no workspace file yet) names its controls too.
#[test]
fn the_first_start_names_its_controls() {
    let folder = tempfile::tempdir().expect("a scratch folder");
    let clock = std::sync::Arc::new(latchkey::domain::clock::FixedClock::new(T0));
    let keyring = std::sync::Arc::new(latchkey::platform::keyring::MemoryKeyring::default());
    let window = window_on(
        test_env(&clock, keyring),
        latchkey::app::WorkspaceSource::File(folder.path().join("ws.latchkey")),
        None,
    );
    assert!(shown(&window, "Welcome to Latchkey"));
    assert_all_named(&window, "first start");
}

/// Issue 16: the Audit log window, its export form and an access history.
#[test]
fn the_audit_log_names_its_controls() {
    let mut window = demo_window("admin");
    show_vault(&mut window, "Production");
    expand(&mut window, "Servers");
    expand(&mut window, "Windows");
    click(&mut window, "prod-dc-01");
    click(&mut window, "Audit log…");
    assert_all_named(&window, "audit log");
    click(&mut window, "Export…");
    assert_all_named(&window, "audit export");
    click(&mut window, "Close export");
    click(&mut window, "History…");
    assert_all_named(&window, "access history");
}
