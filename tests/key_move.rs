//! Moving the workspace key between the key file and the OS keyring
//! (issue 15): administrators only; the new copy is written and checked
//! before the old one goes, so a keyring that refuses leaves everything as it
//! was; the workspace opens from the new place, and the move is audited
//! without the key.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod fixture;

use fixture::{PASSWORD, new_user};
use latchkey::domain::Timestamp;
use latchkey::domain::entry::{EntryKind, NewEntry};
use latchkey::platform::keyring::{MemoryKeyring, NoKeyring};
use latchkey::service::{HashCost, KeyLocation, KeyOptions, SecretUse, Workspace};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::path::{Path, PathBuf};

const T0: Timestamp = Timestamp(1_800_000_000_000);

fn open(
    path: &Path,
    keyring: &dyn latchkey::platform::keyring::Keyring,
    key_file: &Path,
) -> Workspace {
    let keys = KeyOptions {
        keyring,
        key_file: Some(key_file.to_path_buf()),
    };
    Workspace::open(
        Box::new(SqliteStore::open(path).unwrap()),
        &keys,
        HashCost::Minimal,
    )
    .unwrap()
}

/// A workspace made where no keyring answered: its key is in the file.
fn made_without_keyring(dir: &Path) -> (PathBuf, PathBuf) {
    let path = dir.join("ws.latchkey");
    let key_file = dir.join("ws.latchkey.key");
    let none = NoKeyring::new("no keyring yet");
    let keys = KeyOptions {
        keyring: &none,
        key_file: Some(key_file.clone()),
    };
    let store = SqliteStore::create(&path).unwrap();
    let mut ws = Workspace::create(Box::new(store), "t", &keys, HashCost::Minimal, T0).unwrap();
    let admin = ws
        .create_first_admin(&new_user("admin", true), PASSWORD, T0)
        .unwrap();
    ws.add_user(&admin, &new_user("dana", false), PASSWORD, T0)
        .unwrap();
    let vault = ws
        .add_vault(&admin, &latchkey::service::NewVault::named("V"), T0)
        .unwrap();
    let draft = NewEntry {
        name: "db".into(),
        ..NewEntry::default()
    };
    ws.create_entry(
        &admin,
        vault,
        EntryKind::Credentials,
        &draft,
        Some("s3cret"),
        T0,
    )
    .unwrap();
    (path, key_file)
}

fn reveal_db(ws: &mut Workspace) -> String {
    let admin = ws.sign_in("admin", PASSWORD, T0).unwrap();
    let vault = ws.vaults(&admin, T0).unwrap()[0].id;
    let db = ws.entries(&admin, vault, T0).unwrap()[0].id;
    ws.reveal_secret(&admin, db, SecretUse::Reveal, T0)
        .unwrap()
        .as_str()
        .to_owned()
}

#[test]
fn the_key_moves_into_the_keyring_and_back_never_without_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key_file) = made_without_keyring(dir.path());
    let keyring = MemoryKeyring::default();
    let mut ws = open(&path, &keyring, &key_file);
    assert!(matches!(ws.key_status().location, KeyLocation::KeyFile(_)));
    let key_hex = std::fs::read_to_string(&key_file).unwrap();

    // Not for a user who is no administrator.
    let dana = ws.sign_in("dana", PASSWORD, T0).unwrap();
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(key_file.clone()),
    };
    assert!(ws.move_key(&dana, true, &keys, T0).is_err());
    assert!(key_file.exists());

    // A keyring that refuses: the key stays in the file.
    let admin = ws.sign_in("admin", PASSWORD, T0).unwrap();
    let refusing = NoKeyring::new("the keyring is locked");
    let refused = KeyOptions {
        keyring: &refusing,
        key_file: Some(key_file.clone()),
    };
    let error = ws.move_key(&admin, true, &refused, T0).unwrap_err();
    assert!(error.to_string().contains("cannot take the key"), "{error}");
    assert!(key_file.exists(), "nothing moved");

    // Into the keyring: the file goes once the keyring holds the key.
    let status = ws.move_key(&admin, true, &keys, T0).unwrap();
    assert_eq!(status.location, KeyLocation::OsKeyring);
    assert!(!key_file.exists(), "the old copy is gone");
    drop(ws);
    let mut reopened = open(&path, &keyring, &key_file);
    assert_eq!(reopened.key_status().location, KeyLocation::OsKeyring);
    assert_eq!(reveal_db(&mut reopened), "s3cret");

    // And back into the file: the keyring's copy is removed.
    let admin = reopened.sign_in("admin", PASSWORD, T0).unwrap();
    let status = reopened.move_key(&admin, false, &keys, T0).unwrap();
    assert_eq!(status.location, KeyLocation::KeyFile(key_file.clone()));
    assert!(key_file.exists());
    drop(reopened);
    let empty = MemoryKeyring::default();
    let mut from_file = open(&path, &keyring, &key_file);
    assert!(matches!(
        from_file.key_status().location,
        KeyLocation::KeyFile(_)
    ));
    assert_eq!(reveal_db(&mut from_file), "s3cret");
    drop(from_file);
    let mut fresh = open(&path, &empty, &key_file);
    assert_eq!(reveal_db(&mut fresh), "s3cret");

    // Audited twice, never with the key.
    let mut store = SqliteStore::open(&path).unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    let moves: Vec<_> = tx
        .audit_events_after(0, 1_000_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "key_moved")
        .collect();
    assert_eq!(moves.len(), 2);
    for event in moves {
        assert!(!event.details.contains(key_hex.trim()), "{}", event.details);
    }
}
