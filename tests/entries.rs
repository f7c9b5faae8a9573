//! Editing a vault through the service (issue 14, R-VLT-1 … R-VLT-6), at
//! fixed instants on a real workspace file: each operation is allowed with a
//! standing permission and with a grant in force, refused without either and
//! from the instant the grant ends; each writes one audit event with before
//! and after, and no secret value reaches the audit log.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod fixture;

use fixture::{PASSWORD, empty_workspace, named, new_user};
use latchkey::domain::audit::AuditEvent;
use latchkey::domain::entry::{DependencyRole, EditRights, Entry, EntryKind, NewEntry};
use latchkey::domain::permission::{Permission, Permissions};
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, Target, Terms,
};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::{
    DomainError, EntryId, Field, PermissionSetId, RequestId, Span, Timestamp, VaultId,
};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::{
    EntrySave, HashCost, KeyOptions, NewVault, SaveTarget, SecretUse, ServiceError, Session,
    Workspace,
};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use serde_json::Value;
use std::fmt::Debug;
use std::path::PathBuf;
use tempfile::TempDir;

const T0: Timestamp = Timestamp(1_800_000_000_000);
const MS: Span = Span(1);
/// Every secret of the fixture starts with this, so one search finds them all.
const SECRET_MARK: &str = "s3cret";
const WEB_SECRET: &str = "s3cret-web-01";
const NEW_SECRET: &str = "s3cret-new-password";
/// How long each grant lasts.
const GRANT_MINS: u32 = 60;

struct People {
    admin: Session,
    /// A member with the Reader set on the whole vault, and approvals to ask for.
    alice: Session,
    /// The vault's approver.
    bob: Session,
    /// A member with the Editor set (View, Edit, Add, Delete) on the whole vault.
    dave: Session,
}

/// The vault "Ops":
/// ```text
/// Archive/                (folder)
/// Domain admin            (credentials, secret)
/// Office VPN              (vpn)
/// Servers/                (folder)
///   Old/                  (folder)
///     legacy              (ssh)
///   web-01                (ssh, secret; depends on Domain admin)
/// ```
/// and an empty vault "Spare".
struct Fx {
    _dir: TempDir,
    path: PathBuf,
    keyring: MemoryKeyring,
    ws: Workspace,
    now: Timestamp,
    ops: VaultId,
    spare: VaultId,
    archive: EntryId,
    domain_admin: EntryId,
    vpn: EntryId,
    servers: EntryId,
    old: EntryId,
    legacy: EntryId,
    web: EntryId,
    editor: PermissionSetId,
}

fn setup() -> (Fx, People) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("entries.latchkey");
    let keyring = MemoryKeyring::default();
    let (mut ws, admin) = empty_workspace(&path, &keyring, T0);
    let add_user = |ws: &mut Workspace, name: &str| {
        ws.add_user(&admin, &new_user(name, false), PASSWORD, T0)
            .unwrap()
    };
    let alice = add_user(&mut ws, "alice");
    let bob = add_user(&mut ws, "bob");
    let dave = add_user(&mut ws, "dave");
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        ..WorkspaceSettings::default()
    };
    ws.update_settings(&admin, &settings, T0).unwrap();
    let ops = ws.add_vault(&admin, &NewVault::named("Ops"), T0).unwrap();
    let spare = ws.add_vault(&admin, &NewVault::named("Spare"), T0).unwrap();
    ws.add_approver(&admin, ops, bob, T0).unwrap();
    let editor = ws
        .add_permission_set(
            &admin,
            "Editor",
            Permissions::of(&[
                Permission::View,
                Permission::Edit,
                Permission::Add,
                Permission::Delete,
            ]),
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

    let add = |ws: &mut Workspace, kind, draft: NewEntry, secret: Option<&str>| {
        ws.add_entry(&admin, ops, kind, &draft, secret, T0).unwrap()
    };
    let archive = add(&mut ws, EntryKind::Folder, named("Archive", None), None);
    let domain_admin = add(
        &mut ws,
        EntryKind::Credentials,
        named("Domain admin", None),
        Some("s3cret-domain-admin"),
    );
    let vpn = add(&mut ws, EntryKind::Vpn, named("Office VPN", None), None);
    let servers = add(&mut ws, EntryKind::Folder, named("Servers", None), None);
    let old = add(
        &mut ws,
        EntryKind::Folder,
        named("Old", Some(servers)),
        None,
    );
    let legacy = add(&mut ws, EntryKind::Ssh, named("legacy", Some(old)), None);
    let web = add(
        &mut ws,
        EntryKind::Ssh,
        named("web-01", Some(servers)),
        Some(WEB_SECRET),
    );
    ws.add_dependency(&admin, web, domain_admin, DependencyRole::Credentials, T0)
        .unwrap();

    let mut sign_in = |name: &str| ws.sign_in(name, PASSWORD, T0).unwrap();
    let people = People {
        admin: sign_in("admin"),
        alice: sign_in("alice"),
        bob: sign_in("bob"),
        dave: sign_in("dave"),
    };
    let fx = Fx {
        _dir: dir,
        path,
        keyring,
        ws,
        now: T0 + Span::mins(1),
        ops,
        spare,
        archive,
        domain_admin,
        vpn,
        servers,
        old,
        legacy,
        web,
        editor,
    };
    (fx, people)
}

impl Fx {
    /// Alice asks for the Editor set on `entry` and Bob approves at once:
    /// a grant from now for [`GRANT_MINS`].
    fn grant(&mut self, p: &People, entry: EntryId) -> RequestId {
        let id = self.ask(p, entry);
        let outcome = self
            .ws
            .approve(
                &p.bob,
                id,
                &ApprovalInput {
                    terms: None,
                    message: String::new(),
                },
                self.now,
            )
            .unwrap();
        assert_eq!(outcome, ApprovalOutcome::Granted);
        id
    }

    /// Alice asks Bob for the Editor set on `entry`; left pending.
    fn ask(&mut self, p: &People, entry: EntryId) -> RequestId {
        let draft = NewRequest {
            target: Target::Entry(entry),
            terms: Terms {
                permission_set_id: self.editor,
                window: AccessWindow::Duration { mins: GRANT_MINS },
            },
            approver_id: Some(p.bob.user_id()),
            message: "Tidy up the servers".into(),
            start_on_first_use: false,
            extends_request_id: None,
        };
        self.ws.request_access(&p.alice, &draft, self.now).unwrap()
    }

    fn audit(&self) -> Vec<AuditEvent> {
        let mut store = SqliteStore::open(&self.path).unwrap();
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.audit_events_after(0, 1_000_000).unwrap()
    }

    fn last_event(&self) -> (AuditEvent, Value) {
        let event = self.audit().pop().unwrap();
        let details = serde_json::from_str(&event.details).unwrap();
        (event, details)
    }

    fn entries(&mut self, who: &Session) -> Vec<Entry> {
        self.ws.entries(who, self.ops, self.now).unwrap()
    }

    fn entry(&mut self, who: &Session, id: EntryId) -> Option<Entry> {
        self.entries(who).into_iter().find(|e| e.id == id)
    }

    /// A second window: another `Workspace` on the same file.
    fn second_window(&self) -> Workspace {
        let keys = KeyOptions {
            keyring: &self.keyring,
            key_file: None,
        };
        let store = SqliteStore::open(&self.path).unwrap();
        Workspace::open(Box::new(store), &keys, HashCost::Minimal).unwrap()
    }
}

fn refused<T: Debug>(result: Result<T, ServiceError>) -> ServiceError {
    match result {
        Ok(value) => panic!("expected a refusal, got {value:?}"),
        Err(e) => e,
    }
}

fn not_permitted<T: Debug>(result: Result<T, ServiceError>) -> String {
    match refused(result) {
        ServiceError::Domain(DomainError::NotPermitted(message)) => message,
        other => panic!("expected not permitted, got {other:?}"),
    }
}

/// The field and message of a validation error.
fn invalid<T: Debug>(result: Result<T, ServiceError>) -> (Field, String) {
    let error = refused(result);
    let errors = error.field_errors().expect("a validation error");
    let first = &errors.0[0];
    (first.field, first.message.clone())
}

/// One operation as the table of [`each_operation_follows_the_rule`] runs it.
struct Operation {
    name: &'static str,
    /// The stored audit action it writes.
    action: &'static str,
    /// The entries Alice needs a grant on (Edit on the entry, Add on a destination).
    grant_on: fn(&Fx) -> Vec<EntryId>,
    /// Performs it as `who` at `now`.
    run: fn(&mut Fx, &Session, Timestamp) -> Result<(), ServiceError>,
    /// The entry the audit event names, if it is known in advance.
    names: fn(&Fx) -> Option<EntryId>,
    /// What `before` and `after` must show.
    check: fn(&Fx, &Value),
}

#[expect(
    clippy::too_many_lines,
    reason = "a table of cases reads best as one list"
)]
fn operations() -> Vec<Operation> {
    vec![
        Operation {
            name: "create an item in a folder",
            action: "entry_created",
            grant_on: |fx| vec![fx.servers],
            run: |fx, who, now| {
                let draft = NewEntry {
                    engine: "PostgreSQL".into(),
                    database: "orders".into(),
                    port: Some(5432),
                    ..named("orders-db", Some(fx.servers))
                };
                fx.ws
                    .create_entry(
                        who,
                        fx.ops,
                        EntryKind::Database,
                        &draft,
                        Some(NEW_SECRET),
                        now,
                    )
                    .map(drop)
            },
            names: |_| None,
            check: |fx, details| {
                assert_eq!(details["before"], Value::Null);
                assert_eq!(details["after"]["name"], "orders-db");
                assert_eq!(details["after"]["engine"], "PostgreSQL");
                assert_eq!(details["after"]["parent_id"], fx.servers.0);
                assert_eq!(details["has_secret"], true);
            },
        },
        Operation {
            name: "edit an item's fields",
            action: "entry_changed",
            grant_on: |fx| vec![fx.web],
            run: |fx, who, now| {
                let entry = fx.entry(who, fx.web).unwrap();
                let draft = NewEntry {
                    host: "web-01b.example.test".into(),
                    port: Some(2222),
                    ..entry.to_draft()
                };
                fx.ws.update_entry(who, fx.web, &draft, now)
            },
            names: |fx| Some(fx.web),
            check: |_, details| {
                assert_eq!(
                    details["before"],
                    serde_json::json!({ "host": "web-01.example.test", "port": null })
                );
                assert_eq!(
                    details["after"],
                    serde_json::json!({ "host": "web-01b.example.test", "port": 2222 })
                );
            },
        },
        Operation {
            name: "change a password",
            action: "secret_changed",
            grant_on: |fx| vec![fx.web],
            run: |fx, who, now| fx.ws.set_secret(who, fx.web, Some(NEW_SECRET), now),
            names: |fx| Some(fx.web),
            check: |_, details| {
                assert_eq!(details["change"], "password changed");
                assert_eq!(details["before"]["has_secret"], true);
                assert_eq!(details["after"]["has_secret"], true);
            },
        },
        Operation {
            name: "move an item to another folder",
            action: "entry_moved",
            grant_on: |fx| vec![fx.web, fx.archive],
            run: |fx, who, now| fx.ws.move_entry(who, fx.web, Some(fx.archive), now),
            names: |fx| Some(fx.web),
            check: |fx, details| {
                assert_eq!(details["before"]["parent_id"], fx.servers.0);
                assert_eq!(details["after"]["parent_id"], fx.archive.0);
            },
        },
        Operation {
            name: "delete an item",
            action: "entry_deleted",
            grant_on: |fx| vec![fx.web],
            run: |fx, who, now| fx.ws.delete_entry(who, fx.web, now),
            names: |fx| Some(fx.web),
            check: |fx, details| {
                let before = details["before"].as_array().unwrap();
                assert_eq!(before.len(), 1);
                assert_eq!(before[0]["id"], fx.web.0);
                assert_eq!(before[0]["path"], "Servers / web-01");
                assert_eq!(before[0]["host"], "web-01.example.test");
                assert_eq!(details["after"], Value::Null);
            },
        },
        Operation {
            name: "link a VPN",
            action: "dependency_added",
            grant_on: |fx| vec![fx.web],
            run: |fx, who, now| {
                fx.ws
                    .set_dependency(who, fx.web, DependencyRole::Vpn, Some(fx.vpn), now)
            },
            names: |fx| Some(fx.web),
            check: |fx, details| {
                assert_eq!(details["role"], "vpn");
                assert_eq!(details["before"], Value::Null);
                assert_eq!(details["after"], fx.vpn.0);
            },
        },
        Operation {
            name: "unlink the credentials",
            action: "dependency_removed",
            grant_on: |fx| vec![fx.web],
            run: |fx, who, now| {
                fx.ws
                    .set_dependency(who, fx.web, DependencyRole::Credentials, None, now)
            },
            names: |fx| Some(fx.web),
            check: |fx, details| {
                assert_eq!(details["role"], "credentials");
                assert_eq!(details["before"], fx.domain_admin.0);
                assert_eq!(details["after"], Value::Null);
            },
        },
    ]
}

/// Checks the event an allowed operation wrote, and that no secret value
/// is anywhere in the stored audit details.
fn check_event(fx: &Fx, op: &Operation, before_seq: i64, who: &Session, via: &str) {
    let events: Vec<AuditEvent> = fx
        .audit()
        .into_iter()
        .filter(|e| e.seq > before_seq)
        .collect();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, [op.action], "{}: one event", op.name);
    let (event, details) = fx.last_event();
    assert_eq!(event.actor_id, Some(who.user_id()), "{}", op.name);
    assert_eq!(event.at, fx.now, "{}", op.name);
    if let Some(entry) = (op.names)(fx) {
        assert_eq!(event.entry_id, Some(entry), "{}", op.name);
    }
    assert!(
        details.get("before").is_some() && details.get("after").is_some(),
        "{}: {details}",
        op.name
    );
    assert_eq!(details["allowed_by"]["via"], via, "{}: {details}", op.name);
    (op.check)(fx, &details);
    for e in fx.audit() {
        assert!(
            !e.details.contains(SECRET_MARK),
            "{}: a secret in the audit log: {}",
            op.name,
            e.details
        );
    }
}

fn head(fx: &Fx) -> i64 {
    fx.audit().last().unwrap().seq
}

/// R-VLT-2 … R-VLT-6: every operation is allowed with a standing
/// permission and with a grant in force (to its last millisecond), refused
/// without either and from the instant the grant ends; an allowed one
/// writes one event with before and after and no secret value, a refused
/// one writes nothing.
#[test]
fn each_operation_follows_the_rule() {
    for op in operations() {
        // Refused without: Alice reads the vault, nothing more.
        let (mut fx, p) = setup();
        let seq = head(&fx);
        let now = fx.now;
        let message = not_permitted((op.run)(&mut fx, &p.alice, now));
        assert!(message.contains("permission"), "{}: {message}", op.name);
        assert_eq!(head(&fx), seq, "{}: a refusal writes nothing", op.name);

        // Allowed with a standing permission (Dave's Editor set on the vault).
        let (mut fx, p) = setup();
        let seq = head(&fx);
        let now = fx.now;
        (op.run)(&mut fx, &p.dave, now).unwrap_or_else(|e| panic!("{}: {e}", op.name));
        check_event(&fx, &op, seq, &p.dave, "standing permission");

        // Allowed with a grant in force, to its last millisecond.
        let (mut fx, p) = setup();
        for entry in (op.grant_on)(&fx) {
            fx.grant(&p, entry);
        }
        fx.now = fx.now + Span::mins(i64::from(GRANT_MINS)) - MS;
        let seq = head(&fx);
        let now = fx.now;
        (op.run)(&mut fx, &p.alice, now).unwrap_or_else(|e| panic!("{}: {e}", op.name));
        check_event(&fx, &op, seq, &p.alice, "grant");

        // Refused from the instant the grant ends, and a millisecond after.
        let (mut fx, p) = setup();
        for entry in (op.grant_on)(&fx) {
            fx.grant(&p, entry);
        }
        let end = fx.now + Span::mins(i64::from(GRANT_MINS));
        for at in [end, end + MS] {
            let seq = head(&fx);
            fx.now = at;
            let message = not_permitted((op.run)(&mut fx, &p.alice, at));
            assert!(message.contains("permission"), "{}: {message}", op.name);
            assert_eq!(head(&fx), seq, "{}", op.name);
        }

        // Administrators may do everything.
        let (mut fx, p) = setup();
        let seq = head(&fx);
        let now = fx.now;
        (op.run)(&mut fx, &p.admin, now).unwrap_or_else(|e| panic!("{}: {e}", op.name));
        check_event(&fx, &op, seq, &p.admin, "administrator");
    }
}

/// R-VLT-2: what is created is stored with every field, its secret sealed
/// and readable by who may; names are required and unique in their folder.
#[test]
fn created_entries_keep_their_fields_and_names_are_checked() {
    let (mut fx, p) = setup();
    let now = fx.now;
    let draft = NewEntry {
        engine: "PostgreSQL".into(),
        database: "orders".into(),
        port: Some(5432),
        username: "app".into(),
        ..named("orders-db", Some(fx.servers))
    };
    let id = fx
        .ws
        .create_entry(
            &p.dave,
            fx.ops,
            EntryKind::Database,
            &draft,
            Some(NEW_SECRET),
            now,
        )
        .unwrap();
    let stored = fx.entry(&p.admin, id).unwrap();
    assert_eq!(stored.kind, EntryKind::Database);
    assert_eq!(stored.to_draft(), draft);
    let secret = fx
        .ws
        .reveal_secret(&p.admin, id, SecretUse::Reveal, now)
        .unwrap();
    assert_eq!(secret.as_str(), NEW_SECRET);

    let cases = [
        (named("  ", None), Field::Name, "enter a name"),
        (
            named("WEB-01 ", Some(fx.servers)),
            Field::Name,
            "exists in this folder",
        ),
        (
            NewEntry {
                port: Some(0),
                ..named("p", None)
            },
            Field::Entry,
            "port",
        ),
        (named("inside", Some(fx.web)), Field::Entry, "folders"),
    ];
    for (draft, field, want) in cases {
        let (got_field, message) =
            invalid(
                fx.ws
                    .create_entry(&p.dave, fx.ops, EntryKind::Ssh, &draft, None, now),
            );
        assert_eq!(got_field, field, "{message}");
        assert!(message.contains(want), "{message}");
    }
    // The same name in another folder is fine.
    fx.ws
        .create_entry(
            &p.dave,
            fx.ops,
            EntryKind::Ssh,
            &named("web-01", Some(fx.archive)),
            None,
            now,
        )
        .unwrap();
    // At the vault's top, Add needs a standing set on the vault.
    assert!(
        not_permitted(fx.ws.create_entry(
            &p.alice,
            fx.ops,
            EntryKind::Folder,
            &named("Mine", None),
            None,
            now,
        ))
        .contains("top of this vault")
    );
    // An edit keeps the folder; a rename onto a sibling's name is refused.
    let web = fx.entry(&p.admin, fx.web).unwrap();
    let moved = NewEntry {
        parent_id: None,
        ..web.to_draft()
    };
    assert_eq!(
        invalid(fx.ws.update_entry(&p.dave, fx.web, &moved, now)).0,
        Field::Entry
    );
    let clash = NewEntry {
        name: "old".into(),
        ..web.to_draft()
    };
    assert_eq!(
        invalid(fx.ws.update_entry(&p.dave, fx.web, &clash, now)).0,
        Field::Name
    );
    // An unchanged draft writes nothing.
    let seq = head(&fx);
    fx.ws
        .update_entry(&p.dave, fx.web, &web.to_draft(), now)
        .unwrap();
    assert_eq!(head(&fx), seq);
}

/// R-VLT-4: a folder cannot move into itself or below itself, nor into an
/// item or another vault's folder.
#[test]
fn a_move_into_its_own_subtree_is_refused() {
    let (mut fx, p) = setup();
    let now = fx.now;
    for into in [fx.servers, fx.old] {
        let (field, message) = invalid(fx.ws.move_entry(&p.admin, fx.servers, Some(into), now));
        assert_eq!(field, Field::Entry);
        assert!(message.contains("itself"), "{message}");
    }
    let (_, message) = invalid(fx.ws.move_entry(&p.admin, fx.old, Some(fx.web), now));
    assert!(message.contains("folders"), "{message}");
    let elsewhere = fx
        .ws
        .create_entry(
            &p.admin,
            fx.spare,
            EntryKind::Folder,
            &named("Elsewhere", None),
            None,
            now,
        )
        .unwrap();
    let (_, message) = invalid(fx.ws.move_entry(&p.admin, fx.old, Some(elsewhere), now));
    assert!(message.contains("within their vault"), "{message}");
    // Up to the top is a move like any other, and the subtree follows.
    fx.ws.move_entry(&p.admin, fx.old, None, now).unwrap();
    assert_eq!(fx.entry(&p.admin, fx.old).unwrap().parent_id, None);
    assert_eq!(
        fx.entry(&p.admin, fx.legacy).unwrap().parent_id,
        Some(fx.old)
    );
    // Move needs Add where it goes: a grant on the item alone is not enough.
    fx.grant(&p, fx.web);
    let message = not_permitted(fx.ws.move_entry(&p.alice, fx.web, Some(fx.archive), now));
    assert!(message.contains("Add"), "{message}");
}

/// R-VLT-5: deleting a folder names and takes its whole subtree, with the
/// secrets, the dependencies both ways and the standing permissions on
/// them; items elsewhere that depend on it are named first.
#[test]
fn deleting_a_folder_lists_and_deletes_its_subtree() {
    let (mut fx, p) = setup();
    let now = fx.now;
    let impact = fx.ws.deletion_impact(&p.alice, fx.servers, now).unwrap();
    assert_eq!(
        impact.entries,
        [
            "Servers",
            "Servers / Old",
            "Servers / web-01",
            "Servers / Old / legacy"
        ]
    );
    assert!(impact.dependents.is_empty());
    let impact = fx
        .ws
        .deletion_impact(&p.alice, fx.domain_admin, now)
        .unwrap();
    assert_eq!(impact.entries, ["Domain admin"]);
    assert_eq!(impact.dependents, ["Servers / web-01"]);

    // A grant on the folder reaches what is below it (R-REQ-11), so the
    // whole subtree may be deleted under it.
    fx.grant(&p, fx.servers);
    assert!(
        fx.ws
            .edit_rights(&p.alice, fx.ops, Some(fx.servers), now)
            .unwrap()
            .delete
    );

    fx.ws.delete_entry(&p.dave, fx.servers, now).unwrap();
    let left: Vec<String> = fx.entries(&p.admin).into_iter().map(|e| e.name).collect();
    let mut left = left;
    left.sort();
    assert_eq!(left, ["Archive", "Domain admin", "Office VPN"]);
    let (event, details) = fx.last_event();
    assert_eq!(event.action, "entry_deleted");
    assert_eq!(details["before"].as_array().unwrap().len(), 4);
    assert!(
        fx.ws
            .reveal_secret(&p.admin, fx.web, SecretUse::Reveal, now)
            .is_err(),
        "a deleted entry is gone for every use"
    );
    assert!(
        fx.ws
            .deletion_impact(&p.alice, fx.domain_admin, now)
            .unwrap()
            .dependents
            .is_empty(),
        "its dependencies went with it"
    );
    let mut store = SqliteStore::open(&fx.path).unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(tx.secret(fx.web).unwrap(), None);
    assert!(tx.dependencies(fx.web).unwrap().is_empty());
}

/// R-VLT-5: an entry with a pending request cannot be deleted until it is
/// decided; one under a grant in force can, and the request keeps its
/// history: it is still shown, and it still expires.
#[test]
fn requests_on_deleted_entries_keep_their_history() {
    let (mut fx, p) = setup();
    let pending = fx.ask(&p, fx.legacy);
    let message = not_permitted(fx.ws.delete_entry(&p.dave, fx.servers, fx.now));
    assert!(message.contains("pending access request"), "{message}");
    fx.ws.deny(&p.bob, pending, "no", fx.now).unwrap();

    let granted = fx.grant(&p, fx.web);
    fx.ws.delete_entry(&p.alice, fx.web, fx.now).unwrap();
    let info = fx.ws.request_info(&p.alice, granted, fx.now).unwrap();
    assert_eq!(info.entry_path, "Ops / Servers / web-01");
    assert!(info.covers.contains(&"Domain admin".to_owned()));
    let names = fx.ws.entry_names(&[fx.web], fx.now).unwrap();
    assert_eq!(names[&fx.web], "web-01");
    let end = fx.now + Span::mins(i64::from(GRANT_MINS));
    let report = fx.ws.tick(end).unwrap();
    assert_eq!(report.expired, [granted]);
    assert!(fx.audit().iter().any(|e| e.action == "expired"));
    // The request on it cannot be repeated.
    let draft = NewRequest {
        target: Target::Entry(fx.web),
        terms: Terms {
            permission_set_id: fx.editor,
            window: AccessWindow::Duration { mins: 10 },
        },
        approver_id: Some(p.bob.user_id()),
        message: "again".into(),
        start_on_first_use: false,
        extends_request_id: None,
    };
    assert!(matches!(
        fx.ws.request_access(&p.alice, &draft, end),
        Err(ServiceError::NotFound(_))
    ));
}

/// R-VLT-1: vaults are renamed and deleted by administrators only; a vault
/// with entries goes only when confirmed, one with requests not at all.
#[test]
fn vaults_are_renamed_and_deleted_by_administrators() {
    let (mut fx, p) = setup();
    let now = fx.now;
    for who in [&p.dave, &p.alice] {
        assert!(
            not_permitted(fx.ws.rename_vault(who, fx.ops, "Mine", now)).contains("administrator")
        );
        assert!(
            not_permitted(fx.ws.delete_vault(who, fx.spare, true, now)).contains("administrator")
        );
        assert!(
            not_permitted(fx.ws.vault_deletion_impact(who, fx.ops, now)).contains("administrator")
        );
    }
    assert_eq!(
        invalid(fx.ws.rename_vault(&p.admin, fx.ops, " ", now)).0,
        Field::Name
    );
    let (field, message) = invalid(fx.ws.rename_vault(&p.admin, fx.ops, "spare", now));
    assert_eq!(field, Field::Name);
    assert!(message.contains("exists already"), "{message}");
    fx.ws
        .rename_vault(&p.admin, fx.ops, "Operations", now)
        .unwrap();
    let (event, details) = fx.last_event();
    assert_eq!(event.action, "vault_renamed");
    assert_eq!(details["before"]["name"], "Ops");
    assert_eq!(details["after"]["name"], "Operations");

    let impact = fx.ws.vault_deletion_impact(&p.admin, fx.ops, now).unwrap();
    assert_eq!(impact.entries.len(), 7);
    assert_eq!((impact.members, impact.approvers), (3, 1));
    let message = not_permitted(fx.ws.delete_vault(&p.admin, fx.ops, false, now));
    assert!(message.contains("confirm"), "{message}");
    let seq = head(&fx);
    fx.ws.delete_vault(&p.admin, fx.ops, true, now).unwrap();
    let (event, details) = fx.last_event();
    assert_eq!(
        (event.seq, event.action.as_str()),
        (seq + 1, "vault_deleted")
    );
    assert_eq!(details["before"]["name"], "Operations");
    assert_eq!(details["before"]["entries"].as_array().unwrap().len(), 7);
    assert!(!fx.audit().iter().any(|e| e.details.contains(SECRET_MARK)));
    assert!(fx.ws.entries(&p.admin, fx.ops, now).unwrap().is_empty());

    // An empty vault needs no confirmation; one with requests is kept.
    fx.ws.delete_vault(&p.admin, fx.spare, false, now).unwrap();
    let (mut fx, p) = setup();
    fx.ask(&p, fx.web);
    let message = not_permitted(fx.ws.delete_vault(&p.admin, fx.ops, true, fx.now));
    assert!(message.contains("requests"), "{message}");
}

/// Issue 14: what the window mirrors matches what the operations allow.
#[test]
fn edit_rights_mirror_the_rule() {
    let (mut fx, p) = setup();
    let now = fx.now;
    let (servers, web) = (fx.servers, fx.web);
    let all = EditRights {
        add: true,
        edit: true,
        delete: true,
    };
    let rights =
        |fx: &mut Fx, who: &Session, entry| fx.ws.edit_rights(who, fx.ops, entry, now).unwrap();
    assert_eq!(rights(&mut fx, &p.admin, None), all);
    assert_eq!(rights(&mut fx, &p.alice, None), EditRights::default());
    assert_eq!(
        rights(&mut fx, &p.alice, Some(servers)),
        EditRights::default()
    );
    assert_eq!(
        rights(&mut fx, &p.dave, None),
        EditRights {
            add: true,
            edit: false,
            delete: false
        }
    );
    assert_eq!(rights(&mut fx, &p.dave, Some(servers)), all);
    assert_eq!(rights(&mut fx, &p.bob, Some(web)), EditRights::default());
    fx.grant(&p, fx.servers);
    assert_eq!(
        rights(&mut fx, &p.alice, Some(servers)),
        all,
        "a folder grant reaches what is below it (R-REQ-11)"
    );
    assert_eq!(
        rights(&mut fx, &p.alice, Some(web)),
        all,
        "web-01 is below Servers, and a new sibling goes in Servers"
    );
    let later = now + Span::mins(i64::from(GRANT_MINS));
    assert_eq!(
        fx.ws
            .edit_rights(&p.alice, fx.ops, Some(fx.servers), later)
            .unwrap(),
        EditRights::default()
    );
}

/// Issue 14: two windows on one file editing the same entry both succeed,
/// in order; the later draft wins whole, and its event's `before` holds the
/// earlier change, so nothing is lost from the log.
#[test]
fn two_windows_editing_one_entry_succeed_in_order() {
    let (mut fx, p) = setup();
    let mut second = fx.second_window();
    let dave_there = second.sign_in("dave", PASSWORD, fx.now).unwrap();
    let now = fx.now;
    let seen = fx.entry(&p.dave, fx.web).unwrap().to_draft();
    let first = NewEntry {
        host: "first.example.test".into(),
        ..seen.clone()
    };
    let later = NewEntry {
        notes: "from the second window".into(),
        ..seen
    };
    fx.ws.update_entry(&p.dave, fx.web, &first, now).unwrap();
    second
        .update_entry(&dave_there, fx.web, &later, now + MS)
        .unwrap();
    let stored = fx.entry(&p.dave, fx.web).unwrap();
    assert_eq!(stored.to_draft(), later);
    let events: Vec<Value> = fx
        .audit()
        .iter()
        .filter(|e| e.action == "entry_changed")
        .map(|e| serde_json::from_str(&e.details).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["before"]["host"], "first.example.test");
    assert_eq!(events[1]["after"]["host"], "web-01.example.test");
    assert_eq!(events[1]["after"]["notes"], "from the second window");
}

/// Saving the entry form is one transaction: the fields, the secret and the
/// links together. A link that is refused (here, to an entry of another
/// vault) leaves nothing saved — no new entry, no changed field, no new
/// secret, no audit event — and a valid save writes each part's event.
#[test]
fn the_entry_form_is_saved_whole_or_not_at_all() {
    let (mut fx, people) = setup();
    let elsewhere = fx
        .ws
        .create_entry(
            &people.admin,
            fx.spare,
            EntryKind::Credentials,
            &named("Spare admin", None),
            None,
            fx.now,
        )
        .unwrap();
    let before = head(&fx);

    let draft = NewEntry {
        host: "db-01.example.org".into(),
        ..named("db-01", Some(fx.servers))
    };
    let refused = fx.ws.save_entry(
        &people.dave,
        SaveTarget::New {
            vault: fx.ops,
            kind: EntryKind::Ssh,
        },
        &EntrySave {
            draft: &draft,
            secret: Some(Some(NEW_SECRET)),
            credentials: Some(Some(elsewhere)),
            vpn: Some(Some(fx.vpn)),
        },
        fx.now,
    );
    assert!(refused.is_err(), "a link to another vault is refused");
    let created = fx.entries(&people.admin).iter().any(|e| e.name == "db-01");
    assert!(!created, "no entry was created");

    let mut web = fx.entry(&people.admin, fx.web).unwrap();
    let original_host = web.host.clone();
    web.host = "web-01.changed.example.org".into();
    let refused = fx.ws.save_entry(
        &people.dave,
        SaveTarget::Existing(fx.web),
        &EntrySave {
            draft: &web.to_draft(),
            secret: Some(Some(NEW_SECRET)),
            credentials: Some(Some(elsewhere)),
            vpn: None,
        },
        fx.now,
    );
    assert!(refused.is_err());
    let stored = fx.entry(&people.admin, fx.web).unwrap();
    assert_eq!(stored.host, original_host, "fields unchanged");
    assert_eq!(head(&fx), before, "nothing audited");
    let secret = fx
        .ws
        .reveal_secret(&people.admin, fx.web, SecretUse::Reveal, fx.now)
        .unwrap();
    assert_eq!(secret.as_str(), WEB_SECRET, "secret unchanged");
    let before = head(&fx);

    // The same save with a link in the vault: fields, secret and link, one
    // event each, in one commit.
    let saved = fx
        .ws
        .save_entry(
            &people.dave,
            SaveTarget::Existing(fx.web),
            &EntrySave {
                draft: &web.to_draft(),
                secret: Some(Some(NEW_SECRET)),
                credentials: None,
                vpn: Some(Some(fx.vpn)),
            },
            fx.now,
        )
        .unwrap();
    assert_eq!(saved, fx.web);
    let stored = fx.entry(&people.admin, fx.web).unwrap();
    assert_eq!(stored.host, "web-01.changed.example.org");
    let actions: Vec<String> = fx
        .audit()
        .into_iter()
        .filter(|e| e.seq > before)
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["entry_changed", "secret_changed", "dependency_added"],
        "{actions:?}"
    );
}
