//! Importing from KeePass (.kdbx) and KeePassXC's CSV export (R-VLT-12):
//! the tests write their own files in a temporary directory (a KDBX 4
//! database with nested groups, every field and a Recycle Bin; CSV exports),
//! import them through the service and compare what is stored, secrets read
//! back as an administrator. Every failure stores nothing, and no imported
//! password reaches the audit log. The command line is run as a person
//! would, the passwords on standard input.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod fixture;

use fixture::{PASSWORD, empty_workspace, new_user};
use keepass::config::KdfConfig;
use keepass::db::fields;
use keepass::{Database, DatabaseKey};
use latchkey::domain::audit::AuditEvent;
use latchkey::domain::entry::{Entry, EntryKind, NewEntry, entry_path};
use latchkey::domain::import::{ImportItem, ImportPlan, ImportSource, ImportSummary};
use latchkey::domain::permission::{Permission, Permissions};
use latchkey::domain::{DomainError, EntryId, Span, Timestamp, VaultId};
use latchkey::platform::import::{ImportError, parse_csv, read_csv, read_kdbx};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::{NewVault, SecretUse, ServiceError, Session, Workspace};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;
use zeroize::Zeroizing;

const T0: Timestamp = Timestamp(1_800_000_000_000);
const KDBX_PASSWORD: &str = "kdbx master pw";
/// Every imported password starts with this, so one search finds them all.
const SECRET_MARK: &str = "imp0rted-";

struct Fx {
    dir: TempDir,
    path: PathBuf,
    ws: Workspace,
    now: Timestamp,
    ops: VaultId,
    admin: Session,
    /// Editor on the whole vault: may Add.
    dave: Session,
    /// Reader on the whole vault: may not Add.
    alice: Session,
}

/// The vault "Ops" with a folder "Mail" at its top already.
fn setup() -> Fx {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("import.latchkey");
    let keyring = MemoryKeyring::default();
    let (mut ws, admin) = empty_workspace(&path, &keyring, T0);
    let alice = ws
        .add_user(&admin, &new_user("alice", false), PASSWORD, T0)
        .unwrap();
    let dave = ws
        .add_user(&admin, &new_user("dave", false), PASSWORD, T0)
        .unwrap();
    let ops = ws.add_vault(&admin, &NewVault::named("Ops"), T0).unwrap();
    let editor = ws
        .add_permission_set(
            &admin,
            "Editor",
            Permissions::of(&[Permission::View, Permission::Add, Permission::ViewPassword]),
            T0,
        )
        .unwrap();
    let reader = ws
        .permission_sets(T0)
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Reader")
        .unwrap()
        .id;
    ws.add_standing(&admin, alice, ops, None, reader, T0)
        .unwrap();
    ws.add_standing(&admin, dave, ops, None, editor, T0)
        .unwrap();
    let mail = NewEntry {
        name: "Mail".into(),
        ..NewEntry::default()
    };
    ws.add_entry(&admin, ops, EntryKind::Folder, &mail, None, T0)
        .unwrap();
    let admin = ws.sign_in("admin", PASSWORD, T0).unwrap();
    let dave = ws.sign_in("dave", PASSWORD, T0).unwrap();
    let alice = ws.sign_in("alice", PASSWORD, T0).unwrap();
    Fx {
        dir,
        path,
        ws,
        now: T0 + Span::mins(1),
        ops,
        admin,
        dave,
        alice,
    }
}

impl Fx {
    fn audit(&self) -> Vec<AuditEvent> {
        let mut store = SqliteStore::open(&self.path).unwrap();
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.audit_events_after(0, 1_000_000).unwrap()
    }

    /// Every entry of Ops by its path.
    fn tree(&mut self) -> HashMap<String, Entry> {
        let entries = self.ws.entries(&self.admin, self.ops, self.now).unwrap();
        let by_id: HashMap<EntryId, Entry> = entries.iter().map(|e| (e.id, e.clone())).collect();
        entries
            .iter()
            .map(|e| (entry_path(e, &by_id).replace(" / ", "/"), e.clone()))
            .collect()
    }

    fn secret(&mut self, id: EntryId) -> String {
        self.ws
            .reveal_secret(&self.admin, id, SecretUse::Reveal, self.now)
            .unwrap()
            .to_string()
    }

    fn import(&mut self, who: &Session, plan: &ImportPlan) -> Result<ImportSummary, ServiceError> {
        let who = who.clone();
        self.ws
            .import(&who, self.ops, None, plan, &mut |_, _| {}, self.now)
    }

    /// Asserts that `attempt` stored nothing: the same entries and audit events.
    fn stores_nothing<T: std::fmt::Debug>(&mut self, attempt: impl FnOnce(&mut Fx) -> T) -> T {
        let (entries, events) = (self.tree().len(), self.audit().len());
        let result = attempt(self);
        assert_eq!(
            self.tree().len(),
            entries,
            "entries were stored: {result:?}"
        );
        assert_eq!(
            self.audit().len(),
            events,
            "audit events were stored: {result:?}"
        );
        result
    }
}

/// Writes a KDBX 4 database:
/// ```text
/// Root
///   Root entry          (no URL: credentials)
///   Mail/
///     Webmail           (URL: website, every field)
///     Work/
///       Office, "main"  (credentials, multi-line notes)
///       (untitled)      (username only)
///   Banking/
///     Bank              (URL)
///   Recycle Bin/        (the database's recycle bin: skipped)
///     Deleted one
/// ```
fn write_kdbx(path: &Path, password: &str) {
    let mut db = Database::new();
    // A light key derivation keeps the test fast; still KDBX 4.
    db.config.kdf_config = KdfConfig::Aes { rounds: 100 };
    let entry = |group: &mut keepass::db::GroupMut<'_>, f: &[(&str, &str)]| {
        let mut e = group.add_entry();
        for (k, v) in f {
            if *k == fields::PASSWORD {
                e.set_protected(*k, *v);
            } else {
                e.set_unprotected(*k, *v);
            }
        }
    };
    let mut root = db.root_mut();
    root.name = "Root".into();
    entry(
        &mut root,
        &[
            (fields::TITLE, "Root entry"),
            (fields::USERNAME, "rooty"),
            (fields::PASSWORD, "imp0rted-root"),
        ],
    );
    {
        let mut mail = root.add_group();
        mail.name = "Mail".into();
        entry(
            &mut mail,
            &[
                (fields::TITLE, "Webmail"),
                (fields::USERNAME, "ann@example.test"),
                (fields::PASSWORD, "imp0rted-webmail"),
                (fields::URL, "https://mail.example.test"),
                (fields::NOTES, "the webmail"),
            ],
        );
        let mut work = mail.add_group();
        work.name = "Work".into();
        entry(
            &mut work,
            &[
                (fields::TITLE, "Office, \"main\""),
                (fields::USERNAME, "ann"),
                (fields::PASSWORD, "imp0rted-office,\"q\""),
                (fields::NOTES, "line 1\nline 2"),
            ],
        );
        entry(
            &mut work,
            &[
                (fields::USERNAME, "nameless"),
                (fields::PASSWORD, "imp0rted-nameless"),
            ],
        );
    }
    {
        let mut banking = root.add_group();
        banking.name = "Banking".into();
        entry(
            &mut banking,
            &[
                (fields::TITLE, "Bank"),
                (fields::USERNAME, "ann-b"),
                (fields::PASSWORD, "imp0rted-bank"),
                (fields::URL, "https://bank.example.test"),
            ],
        );
    }
    let bin = {
        let mut bin = root.add_group();
        bin.name = "Recycle Bin".into();
        entry(
            &mut bin,
            &[
                (fields::TITLE, "Deleted one"),
                (fields::PASSWORD, "imp0rted-deleted"),
            ],
        );
        bin.id()
    };
    db.meta.recyclebin_enabled = Some(true);
    db.meta.recyclebin_uuid = Some(bin.uuid());
    let mut file = std::fs::File::create(path).unwrap();
    db.save(&mut file, DatabaseKey::new().with_password(password))
        .unwrap();
}

/// KeePassXC's CSV export of the same kind of tree.
const CSV: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\r\n\
\"Root\",\"Root entry\",\"rooty\",\"imp0rted-root\",\"\",\"\",\"\",\"0\",\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\"\r\n\
\"Root/Mail\",\"Webmail\",\"ann@example.test\",\"imp0rted-webmail\",\"https://mail.example.test\",\"the webmail\",\"\",\"0\",\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\"\r\n\
\"Root/Mail/Work\",\"Office, \"\"main\"\"\",\"ann\",\"imp0rted-office,\"\"q\"\"\",\"\",\"line 1\nline 2\",\"\",\"0\",\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\"\r\n\
\"Root/Mail/Work\",\"\",\"nameless\",\"imp0rted-nameless\",\"\",\"\",\"\",\"0\",\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\"\r\n\
\"Root/Banking\",\"Bank\",\"ann-b\",\"imp0rted-bank\",\"https://bank.example.test\",\"\",\"\",\"0\",\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\"\r\n";

/// What both files hold, as stored below Ops: the imported "Mail" folder
/// clashes with the existing one and becomes "Mail (2)".
fn check_imported_tree(fx: &mut Fx) {
    let tree = fx.tree();
    let get = |path: &str| {
        tree.get(path)
            .unwrap_or_else(|| panic!("{path} missing; tree: {:?}", tree.keys()))
            .clone()
    };
    for folder in ["Mail", "Mail (2)", "Mail (2)/Work", "Banking"] {
        assert_eq!(get(folder).kind, EntryKind::Folder, "{folder}");
    }
    let root = get("Root entry");
    assert_eq!(
        (root.kind, root.username.as_str()),
        (EntryKind::Credentials, "rooty")
    );
    let webmail = get("Mail (2)/Webmail");
    assert_eq!(webmail.kind, EntryKind::Website);
    assert_eq!(webmail.username, "ann@example.test");
    assert_eq!(webmail.url, "https://mail.example.test");
    assert_eq!(webmail.notes, "the webmail");
    let office = get("Mail (2)/Work/Office, \"main\"");
    assert_eq!(office.kind, EntryKind::Credentials);
    assert_eq!(office.notes, "line 1\nline 2");
    let nameless = get("Mail (2)/Work/nameless");
    let bank = get("Banking/Bank");
    assert_eq!(bank.kind, EntryKind::Website);
    assert!(
        !tree
            .keys()
            .any(|p| p.contains("Recycle") || p.contains("Deleted"))
    );
    // "Mail" was there before: four folders, five items and nothing more.
    assert_eq!(tree.len(), 1 + 3 + 5, "{:?}", tree.keys());
    for (entry, secret) in [
        (root, "imp0rted-root"),
        (webmail, "imp0rted-webmail"),
        (office, "imp0rted-office,\"q\""),
        (nameless, "imp0rted-nameless"),
        (bank, "imp0rted-bank"),
    ] {
        assert_eq!(fx.secret(entry.id), secret, "{}", entry.name);
    }
}

/// Exactly one `imported` event, naming the file and counts, and no
/// imported password anywhere in the audit log.
fn check_audit(fx: &Fx, source: &str, file: &str) {
    let events = fx.audit();
    let imported: Vec<&AuditEvent> = events.iter().filter(|e| e.action == "imported").collect();
    assert_eq!(imported.len(), 1);
    let details: Value = serde_json::from_str(&imported[0].details).unwrap();
    assert_eq!(details["source"], source);
    assert_eq!(details["file"], file);
    assert_eq!(details["folders"], 3);
    assert_eq!(details["credentials"], 3);
    assert_eq!(details["websites"], 2);
    assert_eq!(details["entry_ids"].as_array().unwrap().len(), 8);
    for event in &events {
        assert!(!event.details.contains(SECRET_MARK), "{}", event.details);
    }
    for secret in ["root", "webmail", "office", "nameless", "bank", "deleted"] {
        let secret = format!("{SECRET_MARK}{secret}");
        assert!(events.iter().all(|e| !e.details.contains(&secret)));
    }
}

#[test]
fn a_kdbx4_database_is_imported_with_folders_fields_and_secrets() {
    let mut fx = setup();
    let file = fx.dir.path().join("team.kdbx");
    write_kdbx(&file, KDBX_PASSWORD);
    let plan = read_kdbx(&file, KDBX_PASSWORD).unwrap();
    assert_eq!(plan.source, ImportSource::Kdbx);
    let expected = ImportSummary {
        folders: 3,
        credentials: 3,
        websites: 2,
    };
    assert_eq!(plan.summary(), expected);
    assert!(!format!("{plan:?}").contains(SECRET_MARK));
    let dave = fx.dave.clone();
    assert_eq!(fx.import(&dave, &plan).unwrap(), expected);
    check_imported_tree(&mut fx);
    check_audit(&fx, "kdbx", "team.kdbx");
}

#[test]
fn a_keepassxc_csv_export_is_imported_like_the_database() {
    let mut fx = setup();
    let file = fx.dir.path().join("export.csv");
    std::fs::write(&file, CSV).unwrap();
    let plan = read_csv(&file).unwrap();
    assert_eq!(plan.source, ImportSource::Csv);
    let dave = fx.dave.clone();
    let summary = fx.import(&dave, &plan).unwrap();
    assert_eq!(
        (summary.folders, summary.credentials, summary.websites),
        (3, 3, 2)
    );
    check_imported_tree(&mut fx);
    check_audit(&fx, "csv", "export.csv");
}

#[test]
fn a_wrong_kdbx_password_is_named_and_stores_nothing() {
    let mut fx = setup();
    let file = fx.dir.path().join("team.kdbx");
    write_kdbx(&file, KDBX_PASSWORD);
    let err = fx.stores_nothing(|_| read_kdbx(&file, "not the password").unwrap_err());
    assert!(matches!(err, ImportError::WrongPassword(_)), "{err:?}");
    assert!(
        err.to_string().contains("password of team.kdbx is wrong"),
        "{err}"
    );
}

#[test]
fn a_corrupt_kdbx_file_is_refused_and_stores_nothing() {
    let mut fx = setup();
    let file = fx.dir.path().join("team.kdbx");
    write_kdbx(&file, KDBX_PASSWORD);
    let mut bytes = std::fs::read(&file).unwrap();
    let cut = bytes.len() / 2;
    bytes.truncate(cut);
    std::fs::write(&file, &bytes).unwrap();
    let err = fx.stores_nothing(|_| read_kdbx(&file, KDBX_PASSWORD).unwrap_err());
    assert!(!matches!(err, ImportError::WrongPassword(_)), "{err:?}");
    assert!(err.to_string().contains("team.kdbx"), "{err}");
    let junk = fx.dir.path().join("junk.kdbx");
    std::fs::write(&junk, b"this is not a database at all").unwrap();
    let err = fx.stores_nothing(|_| read_kdbx(&junk, KDBX_PASSWORD).unwrap_err());
    assert!(matches!(err, ImportError::NotKdbx { .. }), "{err:?}");
}

#[test]
fn a_csv_with_a_bad_row_names_the_row_and_stores_nothing() {
    let mut fx = setup();
    let short = CSV.replacen("\"Root/Banking\",\"Bank\",", "\"Root/Banking\",", 1);
    let err = fx.stores_nothing(|_| parse_csv(&short, "short.csv").unwrap_err());
    assert!(err.to_string().contains("row 6"), "{err}");
    let open = format!("{CSV}\"Root\",\"never closed,\"x\"\n");
    let err = fx.stores_nothing(|_| parse_csv(&open, "open.csv").unwrap_err());
    assert!(err.to_string().contains("row 7"), "{err}");
    assert!(!err.to_string().contains(SECRET_MARK));
}

#[test]
fn a_user_without_add_is_refused_and_nothing_is_stored() {
    let mut fx = setup();
    let plan = parse_csv(CSV, "export.csv").unwrap();
    let alice = fx.alice.clone();
    let err = fx.stores_nothing(|fx| fx.import(&alice, &plan).unwrap_err());
    assert!(
        matches!(err, ServiceError::Domain(DomainError::NotPermitted(_))),
        "{err:?}"
    );
}

#[test]
fn a_failure_part_way_leaves_nothing_behind() {
    let mut fx = setup();
    let mut plan = parse_csv(CSV, "export.csv").unwrap();
    // A hand-made item with no name fails after the others were written.
    plan.items.push(ImportItem {
        name: "  ".into(),
        ..plan.items[0].clone()
    });
    let admin = fx.admin.clone();
    let err = fx.stores_nothing(|fx| fx.import(&admin, &plan).unwrap_err());
    assert!(matches!(err, ServiceError::Domain(_)), "{err:?}");
}

#[test]
fn progress_is_reported_every_thousand_and_at_the_end() {
    let mut fx = setup();
    let mut plan = ImportPlan::new(ImportSource::Csv, "many.csv");
    for n in 0..2_499 {
        plan.add_item(ImportItem::new(
            vec!["Many".into()],
            &format!("item {n}"),
            "u",
            "",
            "",
            Zeroizing::new(format!("{SECRET_MARK}{n}")),
        ));
    }
    let mut calls = Vec::new();
    let admin = fx.admin.clone();
    let summary = fx
        .ws
        .import(
            &admin,
            fx.ops,
            None,
            &plan,
            &mut |done, total| calls.push((done, total)),
            fx.now,
        )
        .unwrap();
    assert_eq!(summary.credentials, 2_499);
    assert_eq!(calls, vec![(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]);
}

#[test]
fn importing_into_a_folder_checks_add_there() {
    let mut fx = setup();
    let mail = fx.tree()["Mail"].id;
    let plan = parse_csv(CSV, "export.csv").unwrap();
    let dave = fx.dave.clone();
    let summary = fx
        .ws
        .import(&dave, fx.ops, Some(mail), &plan, &mut |_, _| {}, fx.now)
        .unwrap();
    assert_eq!(summary.folders, 3);
    let tree = fx.tree();
    assert!(
        tree.contains_key("Mail/Mail/Work/Office, \"main\""),
        "{:?}",
        tree.keys()
    );
    assert!(tree.contains_key("Mail/Root entry"));
}

// The command line.

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

fn latchkey(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .env("LATCHKEY_NO_KEYRING", "1")
        .env("XDG_DATA_HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("HOME", dir)
        .env_remove("RUST_BACKTRACE")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Non-zero exit, one line on stderr starting "latchkey: ", no panic.
fn one_line_error(out: &Output) -> String {
    let err = text(&out.stderr);
    assert!(!out.status.success(), "succeeded: {}", text(&out.stdout));
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err:?}");
    assert!(lines[0].starts_with("latchkey: "), "{err:?}");
    lines[0].to_owned()
}

#[test]
fn the_command_line_imports_with_passwords_on_standard_input() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let ws = d.join("w.latchkey");
    let ws_arg = ws.to_str().unwrap();
    let out = latchkey(d, &["init", "--demo", "--workspace", ws_arg], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let kdbx = d.join("team.kdbx");
    write_kdbx(&kdbx, KDBX_PASSWORD);
    let csv = d.join("export.csv");
    std::fs::write(&csv, CSV).unwrap();
    let import = |file: &Path, stdin: &str| {
        latchkey(
            d,
            &[
                "import",
                "--workspace",
                ws_arg,
                "--vault",
                "Staging",
                "--user",
                "admin",
                file.to_str().unwrap(),
            ],
            stdin,
        )
    };

    let out = import(&kdbx, &format!("demo\n{KDBX_PASSWORD}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("Imported into Staging: 3 folders, 3 credentials items, 2 websites"),
        "{}",
        text(&out.stdout)
    );
    // The same again: names clash and are numbered, nothing is refused.
    let out = import(&csv, "demo\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("3 folders, 3 credentials items, 2 websites"));

    let line = one_line_error(&import(&kdbx, "demo\nwrong\n"));
    assert!(line.contains("password of team.kdbx is wrong"), "{line}");
    let line = one_line_error(&import(&kdbx, "demo\n"));
    assert!(line.contains("database's password"), "{line}");
    let line = one_line_error(&import(&csv, "not demo\n"));
    assert!(line.contains("wrong user name or password"), "{line}");
    let bad = d.join("bad.csv");
    std::fs::write(&bad, format!("{CSV}\"Root\",\"x\"\n")).unwrap();
    let line = one_line_error(&import(&bad, "demo\n"));
    assert!(line.contains("row 7"), "{line}");

    // No password reached the workspace file's audit log or anything printed.
    let out = latchkey(d, &["audit", "verify", "--workspace", ws_arg], "");
    assert!(out.status.success(), "{}", text(&out.stdout));
    let mut store = SqliteStore::open(&ws).unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    let events = tx.audit_events_after(0, 1_000_000).unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "imported").count(), 2);
    assert!(events.iter().all(|e| !e.details.contains(SECRET_MARK)));
}
