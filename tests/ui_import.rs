//! Import… in the window (R-VLT-12): the dialog from the vault's commands and
//! a folder's menu, the typed path (no file dialog opens in a test), the
//! database's password refused by its field, the preview, the import on its
//! own thread with its progress, and what was stored. A bad path is refused
//! by the file field and keeps what was typed.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;
use egui_kittest::kittest::Queryable;
use keepass::config::KdfConfig;
use keepass::db::fields;
use keepass::{Database, DatabaseKey};
use latchkey::app::view::forms::Dialog;
use latchkey::app::view::import::ImportStage;
use latchkey::domain::entry::EntryKind;
use latchkey::service::SecretUse;
use std::path::Path;
use std::time::Duration;

const KDBX_PASSWORD: &str = "kdbx master pw";

/// A small KDBX 4 database: an entry at the top, a "Mail" group with a
/// website and a "Work" group below it with a credentials entry.
fn write_kdbx(path: &Path) {
    let mut db = Database::new();
    db.config.kdf_config = KdfConfig::Aes { rounds: 100 };
    let add = |group: &mut keepass::db::GroupMut<'_>, title: &str, user: &str, url: &str| {
        let mut e = group.add_entry();
        e.set_unprotected(fields::TITLE, title);
        e.set_unprotected(fields::USERNAME, user);
        e.set_protected(fields::PASSWORD, format!("pw-of-{title}"));
        if !url.is_empty() {
            e.set_unprotected(fields::URL, url);
        }
    };
    let mut root = db.root_mut();
    add(&mut root, "Router", "admin", "");
    let mut mail = root.add_group();
    mail.name = "Mail".into();
    add(&mut mail, "Webmail", "ann", "https://mail.example.test");
    let mut work = mail.add_group();
    work.name = "Work".into();
    add(&mut work, "Office", "ann.b", "");
    let mut file = std::fs::File::create(path).unwrap();
    db.save(&mut file, DatabaseKey::new().with_password(KDBX_PASSWORD))
        .unwrap();
}

/// The import dialog's stage.
fn stage(window: &mut Window) -> Option<ImportStage> {
    match &main_state(window).dialog {
        Dialog::Import(form) => Some(form.stage.clone()),
        _ => None,
    }
}

/// Lets frames run until the dialog's background work has finished (the
/// reading or the import runs on its own thread).
fn settle(window: &mut Window) {
    for _ in 0..500 {
        let busy = matches!(
            stage(window),
            Some(ImportStage::Reading | ImportStage::Importing { .. })
        );
        if !busy {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        window.run();
    }
    window.run();
}

/// An empty workspace with the vault "Infra", shown.
fn with_vault() -> (tempfile::TempDir, Window) {
    let (folder, mut window) = empty_workspace_window();
    click(&mut window, "Create a vault…");
    replace_text(&mut window, "Vault name", "Infra");
    click(&mut window, "Create vault");
    (folder, window)
}

#[test]
fn a_keepass_database_is_imported_through_the_window() {
    let (folder, mut window) = with_vault();
    let file = folder.path().join("Passwords.kdbx");
    write_kdbx(&file);

    click(&mut window, "Vault commands");
    click(&mut window, "Import into this vault…");
    assert!(shown(&window, "Import into Infra"));
    replace_in_dialog(&mut window, "File", &file.display().to_string());
    // A .kdbx file asks for its password; a wrong one is said by its field.
    replace_secret(&mut window, "Database password", "not it");
    click(&mut window, "Read file");
    settle(&mut window);
    assert!(shown(
        &window,
        "⚠ the password of Passwords.kdbx is wrong (databases that need a key file are not supported)"
    ));
    assert_eq!(stage(&mut window), Some(ImportStage::Choosing));

    replace_secret(&mut window, "Database password", KDBX_PASSWORD);
    click(&mut window, "Read file");
    settle(&mut window);
    assert!(shown(
        &window,
        "Will create 2 folders, 2 credentials items, 1 website in Infra."
    ));
    let session = main_state(&mut window).session.clone();
    let vault = main_state(&mut window).view.vault.unwrap();
    let now = window.state().now();
    let before = main_state(&mut window)
        .workspace()
        .entries(&session, vault, now)
        .unwrap();
    assert!(before.is_empty(), "reading stores nothing");

    click(&mut window, "Import");
    settle(&mut window);
    assert!(shown(
        &window,
        "Imported 2 folders, 2 credentials items, 1 website into Infra."
    ));
    click(&mut window, "Close");
    assert!(matches!(main_state(&mut window).dialog, Dialog::None));
    // The window shows what the other connection committed.
    assert!(shown(&window, "Mail"));
    assert!(shown(&window, "Router"));

    let stored = main_state(&mut window)
        .workspace()
        .entries(&session, vault, now)
        .unwrap();
    let named = |name: &str| stored.iter().find(|e| e.name == name).unwrap().clone();
    let (mail, work, office) = (named("Mail"), named("Work"), named("Office"));
    assert_eq!(work.parent_id, Some(mail.id));
    assert_eq!(office.parent_id, Some(work.id));
    assert_eq!(named("Webmail").kind, EntryKind::Website);
    assert_eq!(office.username, "ann.b");
    let secret = main_state(&mut window)
        .workspace()
        .reveal_secret(&session, office.id, SecretUse::Reveal, now)
        .unwrap();
    assert_eq!(secret.as_str(), "pw-of-Office");
}

#[test]
fn a_folder_imports_below_itself_from_its_menu() {
    let (folder, mut window) = with_vault();
    click(&mut window, "New folder…");
    replace_text(&mut window, "Name", "Team");
    click(&mut window, "Create");
    let file = folder.path().join("export.csv");
    std::fs::write(
        &file,
        "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\"\r\n\
         \"Root\",\"Printer\",\"lp\",\"pw\",\"\",\"\"\r\n",
    )
    .unwrap();
    window.get_by_label("Team").click_secondary();
    window.run();
    click(&mut window, "Import here…");
    assert!(shown(&window, "Import into Infra / Team"));
    replace_in_dialog(&mut window, "File", &file.display().to_string());
    assert!(
        window.query_by_label("Database password").is_none(),
        "a CSV export has no password"
    );
    click(&mut window, "Read file");
    settle(&mut window);
    click(&mut window, "Import");
    settle(&mut window);
    assert!(shown(
        &window,
        "Imported 0 folders, 1 credentials item, 0 websites into Infra / Team."
    ));
    let team = main_state(&mut window)
        .view
        .tree
        .find_by_name("Team")
        .unwrap()
        .id;
    let printer = main_state(&mut window)
        .view
        .tree
        .find_by_name("Printer")
        .cloned()
        .unwrap();
    assert_eq!(printer.parent_id, Some(team));
}

#[test]
fn a_path_that_is_no_file_is_refused_by_its_field_and_kept() {
    let (folder, mut window) = with_vault();
    let missing = folder.path().join("gone.kdbx").display().to_string();
    click(&mut window, "Vault commands");
    click(&mut window, "Import into this vault…");
    replace_in_dialog(&mut window, "File", &missing);
    click(&mut window, "Read file");
    assert!(shown(&window, &format!("⚠ there is no file at {missing}")));
    let Dialog::Import(form) = &main_state(&mut window).dialog else {
        panic!("the dialog stays open");
    };
    assert_eq!(form.path, missing, "what was typed is kept");

    replace_in_dialog(&mut window, "File", "/etc/hostname");
    click(&mut window, "Read file");
    assert!(shown(
        &window,
        "⚠ /etc/hostname is neither a .kdbx KeePass database nor a .csv export"
    ));
}
