//! Helpers shared by the UI test suites (`tests/ui_*.rs`): finding controls
//! by their accessible names, clicking, reading what the window shows and
//! what was stored.

// Each suite uses its own subset of these helpers.
#![allow(dead_code)]
#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use latchkey::app::{AppEnv, AppOptions, LatchkeyApp, MainState, Screen, WorkspaceSource};
use latchkey::domain::clock::FixedClock;
use latchkey::domain::request::{AccessWindow, ApprovalInput, NewRequest, Request, Target, Terms};
use latchkey::domain::{EntryId, PermissionSetId, RequestId, Span, Timestamp, UserId};
use latchkey::platform::clipboard::MemoryClipboard;
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::{Keyring, MemoryKeyring};
use latchkey::platform::launcher::RecordingLauncher;
use latchkey::platform::witness::MemoryWitness;
use latchkey::service::{HashCost, KeyOptions, Session, Workspace, demo};
use latchkey::store::sqlite::SqliteStore;
use std::path::Path;
use std::sync::Arc;

pub type Window = Harness<'static, LatchkeyApp>;

/// The window and the clock it reads.
pub struct App {
    pub window: Window,
    pub clock: Arc<FixedClock>,
}

/// The demo's "now": 2027-01-15 08:00:00 UTC.
pub const T0: Timestamp = Timestamp(1_800_000_000_000);

/// The window's surroundings for a test: `clock`, `keyring` (a
/// `MemoryKeyring`, or a `NoKeyring` as on a computer without one), and
/// in-memory launcher, clipboard and audit witness; cheap password hashes.
pub fn test_env(clock: &Arc<FixedClock>, keyring: Arc<dyn Keyring>) -> AppEnv {
    AppEnv {
        clock: clock.clone(),
        keyring,
        launcher: Arc::new(RecordingLauncher::default()),
        clipboard: Arc::new(MemoryClipboard::default()),
        hash_cost: HashCost::Minimal,
        witness: Arc::new(MemoryWitness::default()),
        notifier: Arc::new(latchkey::platform::notifier::MemoryNotifier::available(
            latchkey::platform::notifier::Capabilities::ALL,
        )),
    }
}

/// A 1200×800 harness around the whole eframe app, run until it settles.
/// The step is short enough (50 ms) that two clicks in a row make an egui
/// double-click (< 0.3 s apart).
pub fn window_of(app: LatchkeyApp) -> Window {
    let mut window = Harness::builder()
        .with_size([1200.0, 800.0])
        .with_step_dt(0.05)
        .with_max_steps(60)
        .build_eframe(move |_cc| app);
    window.run();
    window
}

/// The window on `source` in `env`, settled; with `user`, on the sign-in
/// screen for that user (the password field has the focus).
pub fn window_on(env: AppEnv, source: WorkspaceSource, user: Option<&str>) -> Window {
    window_of(LatchkeyApp::new(
        env,
        AppOptions {
            source,
            user: user.map(Into::into),
            demo: false,
        },
    ))
}

/// The demo workspace in memory, made at T0, its key in `keyring`.
pub fn demo_in_memory(keyring: &MemoryKeyring) -> Workspace {
    let keys = KeyOptions {
        keyring,
        key_file: None,
    };
    let store = Box::new(SqliteStore::in_memory().unwrap());
    let mut workspace = demo::create_demo(store, &keys, HashCost::Minimal, T0).unwrap();
    without_idle_lock(&mut workspace);
    workspace
}

/// The tests move the clock by hours while "the person" watches the window;
/// the idle lock (issue 14) would sign them out. The demo as the tests use
/// it has none; `tests/ui_idle_lock.rs` switches it back on.
pub fn without_idle_lock(workspace: &mut Workspace) {
    set_idle_lock(workspace, 0);
}

/// Sets the workspace's idle lock, as its administrator.
pub fn set_idle_lock(workspace: &mut Workspace, mins: u32) {
    let at = T0 - Span::mins(1);
    let admin = workspace.sign_in("admin", "demo", at).unwrap();
    let mut settings = workspace.settings(at).unwrap();
    settings.idle_lock_mins = mins;
    workspace.update_settings(&admin, &settings, at).unwrap();
}

/// The demo workspace written to the file `path`, made at T0, its key in
/// `keyring` (when it can hold one) and in a key file next to it.
pub fn demo_file(path: &Path, keyring: &dyn Keyring) {
    let keys = KeyOptions {
        keyring,
        key_file: Some(key_file_for(path)),
    };
    let store = Box::new(SqliteStore::create(path).unwrap());
    let mut workspace = demo::create_demo(store, &keys, HashCost::Minimal, T0).unwrap();
    without_idle_lock(&mut workspace);
}

/// Another connection to the workspace file `path`, as another window on
/// this computer opens it (the key from `keyring` or from the key file).
pub fn open_file(path: &Path, keyring: &dyn Keyring) -> Workspace {
    let keys = KeyOptions {
        keyring,
        key_file: Some(key_file_for(path)),
    };
    Workspace::open(
        Box::new(SqliteStore::open(path).unwrap()),
        &keys,
        HashCost::Minimal,
    )
    .unwrap()
}

/// The demo workspace in memory, made at T0, on the sign-in screen for `user`.
pub fn demo_app_at_sign_in(user: &str) -> App {
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(MemoryKeyring::default());
    let workspace = demo_in_memory(&keyring);
    let window = window_on(
        test_env(&clock, keyring),
        WorkspaceSource::Open(Box::new(workspace)),
        Some(user),
    );
    App { window, clock }
}

/// The demo workspace in memory, made at T0, signed in as `user`.
pub fn demo_app(user: &str) -> App {
    let mut app = demo_app_at_sign_in(user);
    sign_in_demo(&mut app.window);
    app
}

/// [`demo_app`]'s window, for tests that never move the clock.
pub fn demo_window(user: &str) -> Window {
    demo_app(user).window
}

/// A window on the workspace file `path` in `env`, signed in as `user`.
pub fn file_window(env: AppEnv, path: &Path, user: &str) -> Window {
    let mut window = window_on(env, WorkspaceSource::File(path.to_path_buf()), Some(user));
    sign_in_demo(&mut window);
    window
}

/// Signs in with the demo password on the sign-in screen (`--user` given)
/// and checks that the main window is shown.
pub fn sign_in_demo(window: &mut Window) {
    sign_in_with(window, "demo");
    assert!(matches!(window.state().screen, Screen::Main(_)));
}

/// Alice asks `approver` (a display name) for `set` on `entry` of `vault`
/// for `mins` minutes, with `message`, through the service.
pub fn alice_asks(
    window: &mut Window,
    (vault, entry): (&str, &str),
    set: &str,
    mins: u32,
    approver: &str,
    message: &str,
) -> RequestId {
    let alice = session_of(window, "alice");
    let entry_id = entry_id(window, &alice, vault, entry);
    let approver_id = user_id(window, approver);
    let permission_set_id = set_id(window, set);
    let draft = NewRequest {
        target: Target::Entry(entry_id),
        terms: Terms {
            permission_set_id,
            window: AccessWindow::Duration { mins },
        },
        approver_id: Some(approver_id),
        message: message.into(),
        start_on_first_use: false,
        extends_request_id: None,
    };
    let now = window.state().now();
    as_another_window(window, |ws| ws.request_access(&alice, &draft, now).unwrap())
}

/// Runs `act` as another person's window would: on a connection of its own
/// to the window's workspace file, so the window notices the commit as it
/// notices any other program's; an in-memory workspace, which nothing else
/// can reach, is changed through the window's own connection.
pub fn as_another_window<R>(window: &mut Window, act: impl FnOnce(&mut Workspace) -> R) -> R {
    let main = main_state(window);
    match main.workspace().second_handle() {
        Some(other) => act(&mut other.unwrap()),
        None => act(main.workspace()),
    }
}

/// `username`, as from their own window, approves `id` as requested, with
/// `message`, at `at`, through the service; returns their session.
pub fn approve_as(
    window: &mut Window,
    username: &str,
    id: RequestId,
    message: &str,
    at: Timestamp,
) -> Session {
    let session = session_of(window, username);
    let input = ApprovalInput {
        terms: None,
        message: message.into(),
    };
    as_another_window(window, |ws| ws.approve(&session, id, &input, at).unwrap());
    session
}

/// Whether nothing at all is named `label`.
pub fn absent(window: &Window, label: &str) -> bool {
    window.query_all_by_label(label).next().is_none()
}

/// The request the selected entry's banner is about.
pub fn banner_request(window: &mut Window) -> Request {
    let main = main_state(window);
    let detail = main.view.detail.as_ref().unwrap();
    let id = detail.banner.as_ref().unwrap().request_id;
    detail.requests.iter().find(|r| r.id == id).unwrap().clone()
}

/// Picks `choice` in the drop-down named `label`.
pub fn choose(window: &mut Window, label: &str, choice: &str) {
    click(window, label);
    click(window, choice);
    assert_eq!(window.get_by_label(label).value().as_deref(), Some(choice));
}

/// Clicks the one control named `label` and lets the window settle.
pub fn click(window: &mut Window, label: &str) {
    window.get_by_label(label).click();
    window.run();
}

/// Whether the open dialog shows a text or control named `label`.
pub fn dialog_shows(window: &Window, label: &str) -> bool {
    window
        .get_by_role(Role::Dialog)
        .query_by_label(label)
        .is_some()
}

/// The id of an entry by vault and name, as `as_user` (a member) sees it.
pub fn entry_id(window: &mut Window, as_user: &Session, vault: &str, name: &str) -> EntryId {
    let now = window.state().now();
    let main = main_state(window);
    let vault = main
        .workspace()
        .vaults(as_user, now)
        .unwrap()
        .into_iter()
        .find(|v| v.name == vault)
        .unwrap()
        .id;
    main.workspace()
        .entries(as_user, vault, now)
        .unwrap()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap()
        .id
}

/// Opens a folder of the tree if it is closed.
pub fn expand(window: &mut Window, folder: &str) {
    let expand = format!("Expand {folder}");
    if window.query_by_label(&expand).is_some() {
        click(window, &expand);
    }
    assert!(shown(window, &format!("Collapse {folder}")));
}

pub fn main_state(window: &mut Window) -> &mut MainState {
    match &mut window.state_mut().screen {
        Screen::Main(main) => main,
        _ => panic!("not signed in"),
    }
}

/// Selects all the text of a field and types `text` instead.
pub fn replace_text(window: &mut Window, label: &str, text: &str) {
    window.get_by_label(label).focus();
    window.run();
    window.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    window.get_by_label(label).type_text(text);
    window.run();
    assert_eq!(window.get_by_label(label).value().as_deref(), Some(text));
}

/// Types `text` into a masked field (its shown value is dots), replacing
/// what it held; the caller checks what was stored.
pub fn replace_secret(window: &mut Window, label: &str, text: &str) {
    window.get_by_label(label).focus();
    window.run();
    window.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    window.get_by_label(label).type_text(text);
    window.run();
    let shown = window.get_by_label(label).value().unwrap_or_default();
    assert_eq!(
        shown.chars().count(),
        text.chars().count(),
        "{label} holds what was typed"
    );
}

/// Signs `username` in on the window's workspace (another session, as another window would).
pub fn session_of(window: &mut Window, username: &str) -> Session {
    let now = window.state().now();
    let main = main_state(window);
    main.workspace().sign_in(username, "demo", now).unwrap()
}

/// The id of a permission set by name.
pub fn set_id(window: &mut Window, name: &str) -> PermissionSetId {
    main_state(window)
        .view
        .names
        .sets
        .iter()
        .find(|s| s.name == name)
        .unwrap()
        .id
}

/// The Vault drop-down, then the vault, unless it is shown already.
pub fn show_vault(window: &mut Window, name: &str) {
    if window.get_by_label("Vault").value().as_deref() != Some(name) {
        click(window, "Vault");
        click(window, name);
    }
    assert_eq!(window.get_by_label("Vault").value().as_deref(), Some(name));
}

/// Whether exactly one control or text is named `label`.
pub fn shown(window: &Window, label: &str) -> bool {
    // A dialog is named after its heading (for screen readers); the heading
    // is what is shown.
    window
        .query_all_by_label(label)
        .filter(|node| node.accesskit_node().role() != Role::Dialog)
        .count()
        == 1
}

/// Types the password (the field has the focus thanks to `--user`) and presses Enter.
pub fn sign_in_with(window: &mut Window, password: &str) {
    assert!(
        window.get_by_label("Password").is_focused(),
        "--user puts the cursor in the password field"
    );
    window.get_by_label("Password").type_text(password);
    window.key_press(egui::Key::Enter);
    window.run();
}

/// A request as stored, read as `as_user`.
pub fn stored_as(window: &mut Window, as_user: &Session, id: RequestId) -> Request {
    let now = window.state().now();
    let main = main_state(window);
    main.workspace().request(as_user, id, now).unwrap()
}

/// The one text starting with `prefix`.
pub fn text_starting(window: &Window, prefix: &str) -> String {
    let found: Vec<String> = texts_containing(window, prefix)
        .into_iter()
        .filter(|t| t.starts_with(prefix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one text starting with {prefix:?}: {found:?}"
    );
    found.into_iter().next().unwrap()
}

/// Every visible text (labels' values, controls' names) containing `needle`.
pub fn texts_containing(window: &Window, needle: &str) -> Vec<String> {
    window
        .query_all_by_label_contains(needle)
        .filter_map(|node| {
            let node = node.accesskit_node();
            if node.role() == Role::Label {
                node.value()
            } else {
                node.label()
            }
        })
        .collect()
}

/// The id of a user by display name.
pub fn user_id(window: &mut Window, display_name: &str) -> UserId {
    main_state(window)
        .view
        .names
        .users
        .iter()
        .find(|(_, name)| *name == display_name)
        .map(|(id, _)| *id)
        .unwrap()
}

/// Two clicks 150 ms apart: an egui double-click. Waits 0.4 s (of egui's
/// time, not the app's clock) first, so an earlier click elsewhere cannot make
/// it count as a triple-click.
pub fn double_click(window: &mut Window, label: &str) {
    window.run_steps(8);
    let node = window.get_by_label(label);
    node.click();
    node.click();
    window.run();
}

/// The prompt and the request dialog for a locked row, by double-click (R-REQ-2).
pub fn open_request_dialog_by_double_click(window: &mut Window, row: &str) {
    double_click(window, row);
    assert!(
        shown(
            window,
            "You don't have access to this entry. Request temporary access?"
        ),
        "double-clicking {row:?} asks first"
    );
    click(window, "Yes");
    assert!(shown(window, "Request temporary access"));
    assert!(shown(window, "Send request"));
}

/// Production's "Web / Admin portal", locked for Alice, selected, its dialog open.
pub fn admin_portal_dialog(window: &mut Window) {
    expand(window, "Web");
    open_request_dialog_by_double_click(window, "Admin portal (locked)");
}

/// Alice signed in through the sign-in screen, looking at the Production vault.
pub fn alice_in_production() -> App {
    let mut app = demo_app("alice");
    show_vault(&mut app.window, "Production");
    app
}

/// Presses the mouse on the one control named `label` in one frame and
/// releases it in the next, as a real window receives a click (a click in
/// one frame hides what happens between the two).
pub fn click_as_a_person(window: &mut Window, label: &str) {
    let at = window.get_by_label(label).rect().center();
    let button = |pressed| egui::Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    window.hover_at(at);
    window.step();
    window.event(button(true));
    window.step();
    window.event(button(false));
    window.step();
    window.run();
}

/// A new empty workspace file, made through the first start, signed in as
/// its administrator "Ada Admin".
pub fn empty_workspace_window() -> (tempfile::TempDir, Window) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("mine.latchkey");
    let clock = Arc::new(FixedClock::new(T0));
    let env = test_env(
        &clock,
        Arc::new(latchkey::platform::keyring::NoKeyring::new(
            "no keyring in tests",
        )),
    );
    let mut window = window_on(env, WorkspaceSource::File(path), None);
    replace_text(&mut window, "User name", "ada");
    replace_text(&mut window, "Display name", "Ada Admin");
    replace_secret(&mut window, "Password", "correct horse battery");
    click(&mut window, "Create an empty workspace");
    assert!(matches!(window.state().screen, Screen::Main(_)));
    (folder, window)
}

/// Replaces the text of the dialog's field `label` (the entry pane behind
/// the dialog has fields of the same names).
pub fn replace_in_dialog(window: &mut Window, label: &str, text: &str) {
    let field = || window.get_by_role(egui::accesskit::Role::Dialog);
    field().get_by_label(label).focus();
    window.run();
    window.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    window
        .get_by_role(egui::accesskit::Role::Dialog)
        .get_by_label(label)
        .type_text(text);
    window.run();
}
