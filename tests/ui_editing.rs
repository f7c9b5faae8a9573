//! Issue 14: building one's own vault in the window — a vault, folders and
//! every kind of item in an empty workspace, as its first administrator;
//! editing, moving, deleting; the password generator; the shortcuts; and a
//! user without Add, Edit or Delete refused by the service whatever is sent.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;
use egui::Modifiers;
use egui_kittest::kittest::Queryable;
use latchkey::app::Screen;
use latchkey::app::view::forms::Dialog;
use latchkey::app::view::intent::EditIntent;
use latchkey::domain::clock::FixedClock;
use latchkey::domain::entry::{Entry, EntryKind};
use latchkey::platform::clipboard::{Clipboard, MemoryClipboard};
use latchkey::platform::keyring::NoKeyring;
use std::sync::Arc;

/// The shown vault's entries, as the service reads them now.
fn stored_entries(window: &mut Window) -> Vec<Entry> {
    let now = window.state().now();
    let main = main_state(window);
    let session = main.session.clone();
    let vault = main.view.vault.unwrap();
    main.workspace().entries(&session, vault, now).unwrap()
}

fn stored(window: &mut Window, name: &str) -> Entry {
    let found = stored_entries(window).into_iter().find(|e| e.name == name);
    found.unwrap_or_else(|| {
        let main = main_state(window);
        let said = match &main.dialog {
            Dialog::EditEntry(form) => format!("{:?} {:?}", form.errors, form.port_error),
            _ => String::new(),
        };
        panic!(
            "{name} is not stored: {:?} {said}",
            main.view.status.error()
        )
    })
}

/// Opens the entry form from the selected folder's pane, picks `kind` and
/// names it.
fn new_item_in_selected_folder(window: &mut Window, folder: &str, kind: &str, name: &str) {
    click(window, &format!("New entry in {folder}…"));
    choose(window, "Kind", kind);
    replace_text(window, "Name", name);
}

#[test]
fn an_empty_workspace_is_filled_through_the_window() {
    let (_folder, mut window) = empty_workspace_window();
    assert!(shown(&window, "There is no vault yet."));
    click(&mut window, "Create a vault…");
    replace_text(&mut window, "Vault name", "Infrastructure");
    click(&mut window, "Create vault");
    assert!(shown(&window, "Vault “Infrastructure” created"));
    assert!(shown(&window, "This vault is empty"));

    click(&mut window, "New folder…");
    replace_text(&mut window, "Name", "Linux");
    click(&mut window, "Create");
    assert!(shown(&window, "Linux created"));
    assert_eq!(stored(&mut window, "Linux").kind, EntryKind::Folder);

    // Every kind of item, each with its own fields, in the Linux folder.
    new_item_in_selected_folder(&mut window, "Linux", "💻 SSH", "web-01");
    replace_text(&mut window, "Host", "web-01.example.org");
    replace_text(&mut window, "Port", "2222");
    replace_text(&mut window, "User name", "deploy");
    replace_secret(&mut window, "Password", "s3cret-ssh");
    click(&mut window, "Create");
    let ssh = stored(&mut window, "web-01");
    assert_eq!(
        (ssh.kind, ssh.host.as_str(), ssh.port, ssh.username.as_str()),
        (EntryKind::Ssh, "web-01.example.org", Some(2222), "deploy")
    );
    assert_eq!(ssh.parent_id, Some(stored(&mut window, "Linux").id));
    // A connection's own password is shown like a credentials item's.
    click(&mut window, "View password");
    assert!(shown(&window, "s3cret-ssh"));

    click(&mut window, "Linux");
    new_item_in_selected_folder(&mut window, "Linux", "🗄 Database", "orders");
    choose(&mut window, "Engine", "PostgreSQL");
    replace_text(&mut window, "Host", "db.example.org");
    replace_text(&mut window, "Database", "orders");
    replace_text(&mut window, "User name", "app");
    click(&mut window, "Create");
    let database = stored(&mut window, "orders");
    assert_eq!(
        (database.engine.as_str(), database.database.as_str()),
        ("PostgreSQL", "orders")
    );

    for (kind, name) in [
        ("🖥 RDP", "dc-01"),
        ("🌐 Website", "portal"),
        ("🔐 VPN", "office vpn"),
        ("🔑 Credentials", "root"),
    ] {
        click(&mut window, "Linux");
        new_item_in_selected_folder(&mut window, "Linux", kind, name);
        click(&mut window, "Create");
        assert!(shown(&window, &format!("{name} created")), "{name}");
    }
    let kinds: Vec<EntryKind> = {
        let mut kinds: Vec<EntryKind> =
            stored_entries(&mut window).iter().map(|e| e.kind).collect();
        kinds.sort_by_key(|k| k.as_str());
        kinds.dedup();
        kinds
    };
    assert_eq!(kinds.len(), EntryKind::ALL.len(), "every kind: {kinds:?}");

    // The SSH item's password was sealed, and reads back as typed.
    let now = window.state().now();
    let main = main_state(&mut window);
    let session = main.session.clone();
    let secret = main
        .workspace()
        .reveal_secret(&session, ssh.id, latchkey::service::SecretUse::Reveal, now)
        .unwrap();
    assert_eq!(secret.as_str(), "s3cret-ssh");
}

#[test]
fn edit_move_and_delete_with_what_goes_with_it_named() {
    let (_folder, mut window) = empty_workspace_window();
    click(&mut window, "Create a vault…");
    replace_text(&mut window, "Vault name", "Ops");
    click(&mut window, "Create vault");
    for folder in ["Old", "New"] {
        click(&mut window, "Vault commands");
        click(&mut window, "New folder at the top…");
        replace_text(&mut window, "Name", folder);
        click(&mut window, "Create");
    }
    click(&mut window, "Old");
    new_item_in_selected_folder(&mut window, "Old", "💻 SSH", "box");
    replace_text(&mut window, "Host", "box.example.org");
    click(&mut window, "Create");

    // Edit: the form shows what is stored; the port must be a number.
    click(&mut window, "Edit…");
    replace_in_dialog(&mut window, "Host", "box-2.example.org");
    replace_in_dialog(&mut window, "Port", "ssh");
    click(&mut window, "Save");
    assert!(shown(&window, "⚠ enter a port from 1 to 65535"));
    assert!(
        matches!(main_state(&mut window).dialog, Dialog::EditEntry(_)),
        "kept open"
    );
    replace_in_dialog(&mut window, "Port", "22");
    click(&mut window, "Save");
    let edited = stored(&mut window, "box");
    assert_eq!(
        (edited.host.as_str(), edited.port),
        ("box-2.example.org", Some(22))
    );

    // Move to…
    click(&mut window, "Move to…");
    choose(&mut window, "Move to", "Ops / New");
    click(&mut window, "Move");
    assert_eq!(
        stored(&mut window, "box").parent_id,
        Some(stored(&mut window, "New").id)
    );

    // Delete a folder: the confirmation names what goes with it.
    click(&mut window, "New");
    click(&mut window, "Delete…");
    assert!(shown(&window, "Delete New?"));
    assert!(!texts_containing(&window, "New / box").is_empty());
    click(&mut window, "Delete");
    let names: Vec<String> = stored_entries(&mut window)
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["Old"]);
}

#[test]
fn the_generator_fills_the_password_field() {
    let (_folder, mut window) = empty_workspace_window();
    click(&mut window, "Create a vault…");
    replace_text(&mut window, "Vault name", "Keys");
    click(&mut window, "Create vault");
    click(&mut window, "New entry…");
    replace_text(&mut window, "Name", "api");
    click(&mut window, "Password generator");
    click(&mut window, "Symbols");
    match &main_state(&mut window).dialog {
        Dialog::EditEntry(form) => assert!(!form.generator.symbols, "switched off"),
        _ => panic!("the entry form is open"),
    }
    click(&mut window, "Generate");
    let password = match &main_state(&mut window).dialog {
        Dialog::EditEntry(form) => form.password.as_str().to_owned(),
        _ => panic!("the entry form is open"),
    };
    assert_eq!(password.chars().count(), 24);
    assert!(password.chars().all(char::is_alphanumeric), "{password}");
    // Shown in clear once generated, so it can be read.
    assert_eq!(
        window.get_by_label("Password").value().as_deref(),
        Some(password.as_str())
    );
    click(&mut window, "Create");
    let now = window.state().now();
    let id = stored(&mut window, "api").id;
    let main = main_state(&mut window);
    let session = main.session.clone();
    let secret = main
        .workspace()
        .reveal_secret(&session, id, latchkey::service::SecretUse::Reveal, now)
        .unwrap();
    assert_eq!(secret.as_str(), password);
}

#[test]
fn shortcuts_act_on_the_selected_entry() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    demo_file(&path, &NoKeyring::new("no keyring in tests"));
    let clock = Arc::new(FixedClock::new(T0));
    let clipboard = Arc::new(MemoryClipboard::default());
    let mut env = test_env(&clock, Arc::new(NoKeyring::new("no keyring in tests")));
    env.clipboard = clipboard.clone();
    let mut window = file_window(env, &path, "admin");
    show_vault(&mut window, "Production");
    expand(&mut window, "Credentials");
    click(&mut window, "Domain admin");

    window.key_press_modifiers(Modifiers::COMMAND, egui::Key::B);
    window.run();
    assert_eq!(
        clipboard.text().unwrap().map(|t| t.as_str().to_owned()),
        Some(stored(&mut window, "Domain admin").username)
    );
    window.key_press_modifiers(Modifiers::COMMAND, egui::Key::E);
    window.run();
    assert!(matches!(
        main_state(&mut window).dialog,
        Dialog::EditEntry(_)
    ));
    click(&mut window, "Cancel");
    window.key_press(egui::Key::Delete);
    window.run();
    assert!(shown(&window, "Delete Domain admin?"));
    click(&mut window, "Cancel");
    window.key_press_modifiers(Modifiers::COMMAND, egui::Key::L);
    window.run();
    assert!(matches!(window.state().screen, Screen::SignIn(_)));
}

#[test]
fn without_add_edit_or_delete_the_window_offers_nothing_and_the_service_refuses() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    demo_file(&path, &NoKeyring::new("no keyring in tests"));
    let clock = Arc::new(FixedClock::new(T0));
    let env = test_env(&clock, Arc::new(NoKeyring::new("no keyring in tests")));
    let mut window = file_window(env, &path, "alice");
    show_vault(&mut window, "Production");
    expand(&mut window, "Credentials");
    click(&mut window, "Domain admin");
    assert!(absent(&window, "Edit…"));
    assert!(absent(&window, "Delete…"));
    let id = stored(&mut window, "Domain admin").id;
    // Sent anyway (a modified window): refused by the service, nothing changes.
    let now = window.state().now();
    main_state(&mut window).apply(
        &EditIntent::AskDelete(id).into(),
        now,
        &latchkey::platform::launcher::RecordingLauncher::default(),
    );
    main_state(&mut window).apply(
        &EditIntent::ConfirmDelete.into(),
        now,
        &latchkey::platform::launcher::RecordingLauncher::default(),
    );
    window.run();
    assert!(stored_entries(&mut window).iter().any(|e| e.id == id));
}

#[test]
fn another_program_s_new_entries_appear_without_switching_vaults() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("ws.latchkey");
    let keyring = NoKeyring::new("no keyring in tests");
    demo_file(&path, &keyring);
    let clock = Arc::new(FixedClock::new(T0));
    let env = test_env(&clock, Arc::new(NoKeyring::new("no keyring in tests")));
    let mut window = file_window(env, &path, "admin");
    show_vault(&mut window, "Production");
    let vault = main_state(&mut window).view.vault.unwrap();

    // Another program (a second window, the import command) adds an entry
    // and a vault.
    let mut other = open_file(&path, &keyring);
    let admin = other.sign_in("admin", "demo", T0).unwrap();
    let draft = latchkey::domain::entry::NewEntry {
        name: "made elsewhere".into(),
        host: "elsewhere.example.org".into(),
        ..Default::default()
    };
    other
        .create_entry(&admin, vault, EntryKind::Ssh, &draft, None, T0)
        .unwrap();
    other
        .add_vault(&admin, &latchkey::service::NewVault::named("Later"), T0)
        .unwrap();
    drop(other);

    // The window notices the commit (its watcher looks every 250 ms).
    for _ in 0..300 {
        if shown(&window, "made elsewhere") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        window.run();
    }
    assert!(shown(&window, "made elsewhere"));
    let vaults = &main_state(&mut window).view.vaults;
    assert!(vaults.iter().any(|v| v.name == "Later"));
}

#[test]
fn enter_in_a_one_line_field_saves_and_in_the_notes_starts_a_new_line() {
    let (_folder, mut window) = empty_workspace_window();
    click(&mut window, "Create a vault…");
    replace_text(&mut window, "Vault name", "Infra");
    click(&mut window, "Create vault");
    click(&mut window, "New folder…");
    replace_text(&mut window, "Notes", "first line");
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(
        matches!(main_state(&mut window).dialog, Dialog::EditEntry(_)),
        "Enter in the notes keeps the form open"
    );
    replace_text(&mut window, "Name", "Linux");
    window.key_press(egui::Key::Enter);
    window.run();
    assert!(matches!(main_state(&mut window).dialog, Dialog::None));
    let linux = stored(&mut window, "Linux");
    assert_eq!(linux.notes, "first line\n");
}
