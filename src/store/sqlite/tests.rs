//! The SQLite store: the real migrations on an in-memory database, round
//! trips of every kind of row, the queries that pick rows by instant (checked
//! one millisecond either side), and what opening a foreign or newer file does.

use super::{SqliteStore, schema};
use crate::domain::access::StandingFact;
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::entry::{Dependency, DependencyRole, Entry, EntryKind, NewEntry};
use crate::domain::notification::{
    HandledNote, HandledOutcome, Handling, NewNotification, NotificationContent, NotificationFacts,
    NotificationKind, NotificationNames, NotificationPreferences, NotifiedWindow,
};
use crate::domain::permission::{Permission, Permissions, StandingGrant};
use crate::domain::request::{
    AccessWindow, Approval, Request, RequestKind, RequestStatus, Target, Terms, expiring_soon_at,
};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::NewUser;
use crate::domain::vault::Vault;
use crate::domain::{
    EntryId, NotificationId, PermissionSetId, RequestId, Span, Timestamp, UserId, VaultId,
};
use crate::store::{SealedSecret, SignInThrottle, Store, StoreError, StoreTx, TxMode};
use std::path::Path;

/// The fixed instant every row is measured from.
const T0: Timestamp = Timestamp(1_800_000_000_000);
/// One millisecond, for "just before".
const MS: Span = Span(1);
/// No request at all.
const NONE: [RequestId; 0] = [];

fn store() -> SqliteStore {
    SqliteStore::in_memory().unwrap()
}

fn pragma(store: &SqliteStore, name: &str) -> i64 {
    store
        .conn
        .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .unwrap()
}

fn new_user(username: &str, display_name: &str, is_admin: bool) -> NewUser {
    NewUser {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        email: format!("{username}@example.test"),
        is_admin,
    }
}

/// A workspace file at `path` as an older build left it: the schema of
/// `version` (its first `version` migrations), then the rows `rows_sql`.
fn file_at_version(path: &Path, version: usize, rows_sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    for migration in &schema::MIGRATIONS[..version] {
        conn.execute_batch(migration).unwrap();
    }
    conn.execute_batch(&format!(
        "PRAGMA user_version = {version}; PRAGMA application_id = {};",
        schema::APPLICATION_ID
    ))
    .unwrap();
    conn.execute_batch(rows_sql).unwrap();
}

fn vault(name: &str) -> Vault {
    Vault {
        id: VaultId(0),
        name: name.to_owned(),
        required_approvals: 1,
        break_glass_allowed: false,
        emergency_limit_mins: 60,
        max_grant_mins: None,
        description: String::new(),
        visible_to_non_members: false,
    }
}

fn draft(name: &str, parent: Option<EntryId>) -> NewEntry {
    NewEntry {
        name: name.to_owned(),
        parent_id: parent,
        ..NewEntry::default()
    }
}

/// Two vaults with approvers, a small tree and two permission sets.
struct Seed {
    alice: UserId,
    bob: UserId,
    carol: UserId,
    admin: UserId,
    vault_a: VaultId,
    vault_b: VaultId,
    folder: EntryId,
    sub: EntryId,
    rdp: EntryId,
    creds: EntryId,
    other: EntryId,
    reader: PermissionSetId,
    operator: PermissionSetId,
}

fn seed(tx: &mut dyn StoreTx) -> Seed {
    let alice = tx
        .insert_user(&new_user("alice", "Alice Requester", false), "h")
        .unwrap();
    let bob = tx
        .insert_user(&new_user("bob", "Bob Approver", false), "h")
        .unwrap();
    let carol = tx
        .insert_user(&new_user("carol", "Carol Approver", false), "h")
        .unwrap();
    let admin = tx
        .insert_user(&new_user("admin", "Ada Admin", true), "h")
        .unwrap();
    let vault_a = tx.insert_vault(&vault("A")).unwrap();
    let vault_b = tx.insert_vault(&vault("B")).unwrap();
    tx.add_approver(vault_a, bob).unwrap();
    tx.add_approver(vault_b, carol).unwrap();
    for v in [vault_a, vault_b] {
        for u in [alice, bob, carol] {
            tx.add_member(v, u).unwrap();
        }
    }
    let folder = tx
        .insert_entry(vault_a, EntryKind::Folder, &draft("Servers", None))
        .unwrap();
    let sub = tx
        .insert_entry(vault_a, EntryKind::Folder, &draft("Windows", Some(folder)))
        .unwrap();
    let rdp = tx
        .insert_entry(vault_a, EntryKind::Rdp, &draft("dc-01", Some(sub)))
        .unwrap();
    let creds = tx
        .insert_entry(
            vault_a,
            EntryKind::Credentials,
            &draft("Domain admin", None),
        )
        .unwrap();
    let other = tx
        .insert_entry(vault_b, EntryKind::Ssh, &draft("web-01", None))
        .unwrap();
    let reader = tx
        .insert_permission_set(
            "Reader",
            Permissions::of(&[Permission::View, Permission::ViewPassword]),
            true,
        )
        .unwrap();
    let operator = tx
        .insert_permission_set(
            "Operator",
            Permissions::of(&[
                Permission::View,
                Permission::ViewPassword,
                Permission::Connect,
            ]),
            true,
        )
        .unwrap();
    Seed {
        alice,
        bob,
        carol,
        admin,
        vault_a,
        vault_b,
        folder,
        sub,
        rdp,
        creds,
        other,
        reader,
        operator,
    }
}

/// A store holding [`seed`], committed.
fn seeded() -> (SqliteStore, Seed) {
    let mut store = store();
    let seed = {
        let mut tx = store.begin(TxMode::Write).unwrap();
        let seed = seed(tx.as_mut());
        tx.commit().unwrap();
        seed
    };
    (store, seed)
}

/// A pending request made at `created_at`, lapsing a day later.
fn pending(
    requester: UserId,
    entry: EntryId,
    vault: VaultId,
    set: PermissionSetId,
    created_at: Timestamp,
) -> Request {
    let terms = Terms {
        permission_set_id: set,
        window: AccessWindow::Duration { mins: 60 },
    };
    Request::pending(
        requester,
        Target::Entry(entry),
        vault,
        terms,
        created_at,
        created_at + Span::hours(24),
    )
}

/// An approved grant `[start_at, end_at)` for Alice on the RDP entry.
fn grant(s: &Seed, start_at: Timestamp, end_at: Timestamp) -> Request {
    let mut r = pending(
        s.alice,
        s.rdp,
        s.vault_a,
        s.reader,
        start_at - Span::mins(5),
    );
    r.approver_id = Some(s.bob);
    r.status = RequestStatus::Approved;
    r.authorized = Some(r.requested);
    r.approvals = vec![Approval {
        approver_id: s.bob,
        approved_at: start_at,
        message: String::new(),
    }];
    r.decided_by = Some(s.bob);
    r.decided_at = Some(start_at);
    r.grant_start_at = Some(start_at);
    r.grant_end_at = Some(end_at);
    r
}

fn insert(store: &mut SqliteStore, request: &Request, covered: &[EntryId]) -> RequestId {
    let mut tx = store.begin(TxMode::Write).unwrap();
    let id = tx.insert_request(request, covered).unwrap();
    tx.commit().unwrap();
    id
}

fn ids(requests: &[Request]) -> Vec<RequestId> {
    requests.iter().map(|r| r.id).collect()
}

#[test]
fn migrations_bring_a_new_store_to_the_latest_schema() {
    let store = store();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    assert_eq!(pragma(&store, "application_id"), schema::APPLICATION_ID);
    assert_eq!(pragma(&store, "foreign_keys"), 1);
    let tables: Vec<String> = store
        .conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in [
        "approvals",
        "audit_events",
        "entries",
        "entry_dependencies",
        "entry_secrets",
        "meta",
        "notifications",
        "permission_sets",
        "request_entries",
        "requests",
        "standing_permissions",
        "users",
        "vault_approvers",
        "vault_members",
        "vaults",
    ] {
        assert!(tables.iter().any(|t| t == table), "missing table {table}");
    }
    assert_eq!(store.location(), ":memory:");
}

#[test]
fn a_transaction_dropped_without_commit_leaves_nothing() {
    let mut store = store();
    {
        let mut tx = store.begin(TxMode::Write).unwrap();
        tx.insert_user(&new_user("ghost", "", false), "h").unwrap();
        tx.set_meta("k", "v").unwrap();
    }
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert!(tx.users().unwrap().is_empty());
    assert_eq!(tx.meta("k").unwrap(), None);
}

#[test]
fn meta_and_settings_round_trip() {
    let mut store = store();
    let mut tx = store.begin(TxMode::Write).unwrap();
    assert_eq!(tx.meta("name").unwrap(), None);
    tx.set_meta("name", "first").unwrap();
    tx.set_meta("name", "second").unwrap();
    assert_eq!(tx.meta("name").unwrap().as_deref(), Some("second"));

    assert_eq!(tx.settings().unwrap(), WorkspaceSettings::default());
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        preset_durations_mins: vec![5, 90],
        max_length_mins: 600,
        message_required: true,
        pending_ttl_mins: 30,
        expiring_soon_lead_mins: 7,
        allow_reveal_password: false,
        clipboard_clear_secs: 12,
        start_grace_secs: 1,
        claim_window_mins: 45,
        ..WorkspaceSettings::default()
    };
    tx.save_settings(&settings).unwrap();
    tx.commit().unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(tx.settings().unwrap(), settings);
}

#[test]
fn users_round_trip_with_sign_in_state() {
    let mut store = store();
    let mut tx = store.begin(TxMode::Write).unwrap();
    let padded = NewUser {
        username: "  zed ".into(),
        display_name: " Zed Admin ".into(),
        email: " zed@example.test ".into(),
        is_admin: true,
    };
    let zed = tx.insert_user(&padded, "$argon2id$zed").unwrap();
    let amy = tx.insert_user(&new_user("amy", "  ", false), "h").unwrap();
    let user = tx.user(zed).unwrap().unwrap();
    assert_eq!(user.id, zed);
    assert_eq!(user.username, "zed", "fields are trimmed");
    assert_eq!(user.display_name, "Zed Admin");
    assert_eq!(user.email, "zed@example.test");
    assert!(user.is_admin && user.is_active);
    assert_eq!(
        tx.user(amy).unwrap().unwrap().display_name,
        "amy",
        "a blank display name falls back to the user name"
    );
    assert_eq!(tx.user(UserId(999)).unwrap(), None);

    let names: Vec<String> = tx
        .users()
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["amy", "zed"], "users come by display name");
    let admins: Vec<UserId> = tx.admins().unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(admins, [zed]);

    assert!(
        tx.insert_user(&new_user("ZED", "Other", false), "h")
            .is_err(),
        "user names are unique regardless of case"
    );

    let auth = tx.user_auth("ZeD").unwrap().unwrap();
    assert_eq!(auth.user, user);
    assert_eq!(auth.password_hash, "$argon2id$zed");
    assert!(tx.user_auth("nobody").unwrap().is_none());
    assert_eq!(
        tx.reference_password_hash().unwrap().as_deref(),
        Some("$argon2id$zed"),
        "the first user's hash"
    );
}

#[test]
fn sign_in_throttles_round_trip_per_bucket_and_are_forgotten() {
    let mut store = store();
    let mut tx = store.begin(TxMode::Write).unwrap();
    assert_eq!(tx.reference_password_hash().unwrap(), None);
    assert_eq!(tx.sign_in_throttle(7).unwrap(), SignInThrottle::default());
    let old = SignInThrottle {
        failed_attempts: 5,
        wrong_guesses: 4,
        last_checked_at: Some(T0),
    };
    let recent = SignInThrottle {
        last_checked_at: Some(T0 + Span::mins(5)),
        ..old
    };
    tx.set_sign_in_throttle(7, &old).unwrap();
    tx.set_sign_in_throttle(8, &recent).unwrap();
    assert_eq!(tx.sign_in_throttle(7).unwrap(), old);
    tx.set_sign_in_throttle(7, &recent).unwrap();
    assert_eq!(tx.sign_in_throttle(7).unwrap(), recent, "replaced");
    tx.set_sign_in_throttle(7, &old).unwrap();

    tx.forget_sign_in_throttles(T0 + MS).unwrap();
    assert_eq!(tx.sign_in_throttle(7).unwrap(), SignInThrottle::default());
    assert_eq!(tx.sign_in_throttle(8).unwrap(), recent);
    tx.clear_sign_in_throttle(8).unwrap();
    assert_eq!(tx.sign_in_throttle(8).unwrap(), SignInThrottle::default());
}

#[test]
fn inactive_administrators_are_not_listed_as_admins() {
    let mut store = store();
    let (active, retired) = {
        let mut tx = store.begin(TxMode::Write).unwrap();
        let active = tx.insert_user(&new_user("a", "A", true), "h").unwrap();
        let retired = tx.insert_user(&new_user("r", "R", true), "h").unwrap();
        tx.commit().unwrap();
        (active, retired)
    };
    store
        .conn
        .execute("UPDATE users SET is_active = 0 WHERE id = ?1", [retired.0])
        .unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert!(!tx.user(retired).unwrap().unwrap().is_active);
    let admins: Vec<UserId> = tx.admins().unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(admins, [active]);
}

#[test]
fn vaults_members_and_approvers_round_trip() {
    let (mut store, s) = seeded();
    let mut tx = store.begin(TxMode::Write).unwrap();
    let quorum = Vault {
        required_approvals: 3,
        break_glass_allowed: true,
        emergency_limit_mins: 15,
        max_grant_mins: Some(240),
        ..vault("  Finance ")
    };
    let id = tx.insert_vault(&quorum).unwrap();
    assert_eq!(
        tx.vault(id).unwrap().unwrap(),
        Vault {
            id,
            name: "Finance".into(),
            ..quorum
        }
    );
    assert_eq!(tx.vault(VaultId(999)).unwrap(), None);
    let names: Vec<String> = tx.vaults().unwrap().into_iter().map(|v| v.name).collect();
    assert_eq!(names, ["A", "B", "Finance"]);
    assert!(
        tx.insert_vault(&vault("A")).is_err(),
        "vault names are unique"
    );

    assert!(!tx.is_member(id, s.alice).unwrap());
    tx.add_member(id, s.alice).unwrap();
    tx.add_member(id, s.alice).unwrap();
    assert!(tx.is_member(id, s.alice).unwrap());
    let mut member_of = tx.member_vaults(s.alice).unwrap();
    member_of.sort();
    assert_eq!(member_of, [s.vault_a, s.vault_b, id]);

    tx.add_approver(id, s.carol).unwrap();
    tx.add_approver(id, s.carol).unwrap();
    tx.add_approver(id, s.bob).unwrap();
    let mut approvers = tx.approvers(id).unwrap();
    approvers.sort();
    assert_eq!(approvers, [s.bob, s.carol]);
    assert_eq!(tx.approvers(s.vault_a).unwrap(), [s.bob]);
}

#[test]
fn permission_sets_and_standing_permissions_round_trip() {
    let (mut store, s) = seeded();
    let mut tx = store.begin(TxMode::Write).unwrap();
    let custom = tx
        .insert_permission_set("Editor", Permissions::of(&[Permission::Edit]), false)
        .unwrap();
    let sets = tx.permission_sets().unwrap();
    let names: Vec<&str> = sets.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Reader", "Operator", "Editor"], "built-in first");
    let editor = tx.permission_set(custom).unwrap().unwrap();
    assert_eq!(editor.permissions, Permissions::of(&[Permission::Edit]));
    assert!(!editor.is_builtin);
    assert!(tx.permission_set(s.reader).unwrap().unwrap().is_builtin);
    assert_eq!(tx.permission_set(PermissionSetId(999)).unwrap(), None);

    tx.add_standing(s.alice, s.vault_a, None, s.reader).unwrap();
    tx.add_standing(s.alice, s.vault_a, Some(s.sub), custom)
        .unwrap();
    tx.add_standing(s.alice, s.vault_b, None, s.operator)
        .unwrap();
    // Oldest first, each with its set.
    assert_eq!(
        tx.standing(s.alice, s.vault_a).unwrap(),
        [
            StandingFact {
                set_id: s.reader,
                folder_id: None,
                permissions: Permissions::of(&[Permission::View, Permission::ViewPassword]),
                since: None,
            },
            StandingFact {
                set_id: custom,
                folder_id: Some(s.sub),
                permissions: Permissions::of(&[Permission::Edit]),
                since: None,
            },
        ]
    );
    assert!(tx.standing(s.bob, s.vault_a).unwrap().is_empty());
}

#[test]
fn entries_round_trip_with_ancestors_nearest_first() {
    let (mut store, s) = seeded();
    let mut tx = store.begin(TxMode::Write).unwrap();
    let full = NewEntry {
        name: " db-01 ".into(),
        parent_id: Some(s.sub),
        host: " db.example.test ".into(),
        port: Some(5432),
        username: " postgres ".into(),
        url: " https://db.example.test ".into(),
        notes: " keep the spaces ".into(),
        database: " orders ".into(),
        engine: " PostgreSQL ".into(),
    };
    let id = tx
        .insert_entry(s.vault_a, EntryKind::Database, &full)
        .unwrap();
    assert_eq!(
        tx.entry(id).unwrap().unwrap(),
        Entry {
            id,
            vault_id: s.vault_a,
            parent_id: Some(s.sub),
            kind: EntryKind::Database,
            name: "db-01".into(),
            host: "db.example.test".into(),
            port: Some(5432),
            username: "postgres".into(),
            url: "https://db.example.test".into(),
            notes: " keep the spaces ".into(),
            database: "orders".into(),
            engine: "PostgreSQL".into(),
        }
    );
    assert_eq!(tx.entry(EntryId(999)).unwrap(), None);
    for kind in EntryKind::ALL {
        let e = tx.insert_entry(s.vault_b, kind, &draft("k", None)).unwrap();
        assert_eq!(tx.entry(e).unwrap().unwrap().kind, kind);
    }
    let mut in_a: Vec<EntryId> = tx
        .entries(s.vault_a)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    in_a.sort();
    assert_eq!(in_a, [s.folder, s.sub, s.rdp, s.creds, id]);

    assert_eq!(tx.ancestors(id).unwrap(), [s.sub, s.folder]);
    assert_eq!(tx.ancestors(s.sub).unwrap(), [s.folder]);
    assert!(tx.ancestors(s.folder).unwrap().is_empty());
    assert!(tx.ancestors(EntryId(999)).unwrap().is_empty());
}

#[test]
fn a_cyclic_tree_does_not_loop_forever() {
    let (mut store, s) = seeded();
    // Only a damaged file can hold a cycle; the query must still end.
    store
        .conn
        .execute(
            "UPDATE entries SET parent_id = ?1 WHERE id = ?2",
            [s.sub.0, s.folder.0],
        )
        .unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    let ancestors = tx.ancestors(s.rdp).unwrap();
    assert_eq!(ancestors[..2], [s.sub, s.folder]);
}

#[test]
fn dependencies_and_secrets_round_trip() {
    let (mut store, s) = seeded();
    let mut tx = store.begin(TxMode::Write).unwrap();
    let vpn = tx
        .insert_entry(s.vault_a, EntryKind::Vpn, &draft("VPN", None))
        .unwrap();
    let on_creds = Dependency {
        entry_id: s.rdp,
        depends_on: s.creds,
        role: DependencyRole::Credentials,
    };
    let on_vpn = Dependency {
        entry_id: s.rdp,
        depends_on: vpn,
        role: DependencyRole::Vpn,
    };
    tx.add_dependency(&on_creds).unwrap();
    tx.add_dependency(&on_vpn).unwrap();
    // Adding the same link again replaces its role instead of failing.
    tx.add_dependency(&Dependency {
        role: DependencyRole::Vpn,
        ..on_creds
    })
    .unwrap();
    let mut deps = tx.dependencies(s.rdp).unwrap();
    deps.sort_by_key(|d| d.depends_on);
    assert_eq!(
        deps,
        [
            Dependency {
                role: DependencyRole::Vpn,
                ..on_creds
            },
            on_vpn
        ]
    );
    assert!(tx.dependencies(s.creds).unwrap().is_empty());

    assert_eq!(tx.secret(s.creds).unwrap(), None);
    let first = SealedSecret {
        nonce: vec![1; 24],
        ciphertext: vec![0, 255, 7],
    };
    tx.set_secret(s.creds, &first).unwrap();
    assert_eq!(tx.secret(s.creds).unwrap(), Some(first));
    let second = SealedSecret {
        nonce: vec![2; 24],
        ciphertext: vec![9; 40],
    };
    tx.set_secret(s.creds, &second).unwrap();
    assert_eq!(tx.secret(s.creds).unwrap(), Some(second));
    assert!(
        tx.set_secret(
            EntryId(999),
            &SealedSecret {
                nonce: vec![],
                ciphertext: vec![]
            }
        )
        .is_err(),
        "a secret belongs to an existing entry"
    );
}

#[test]
fn a_request_round_trips_every_column() {
    let (mut store, s) = seeded();
    let original = insert(&mut store, &grant(&s, T0, T0 + Span::hours(1)), &[s.rdp]);
    // Every field spelled out, none from `Request::pending`, on purpose: a
    // new field does not compile here until it is given a value other than
    // its default, so the round trip checks its column too.
    let mut full = Request {
        id: RequestId(0),
        kind: RequestKind::Extension,
        requester_id: s.alice,
        target: Target::Entry(s.rdp),
        vault_id: s.vault_a,
        approver_id: Some(s.bob),
        extends_request_id: Some(original),
        requested: Terms {
            permission_set_id: s.operator,
            window: AccessWindow::Custom {
                start_at: T0 + Span(1),
                end_at: T0 + Span::hours(3) + Span(7),
            },
        },
        authorized: Some(Terms {
            permission_set_id: s.reader,
            window: AccessWindow::Duration { mins: 45 },
        }),
        message: "Patch “dc-01” — ünïcödé".into(),
        start_on_first_use: true,
        created_at: T0,
        pending_until_at: T0 + Span::hours(24),
        status: RequestStatus::Revoked,
        approvals: vec![
            Approval {
                approver_id: s.carol,
                approved_at: T0 + Span(20),
                message: "second".into(),
            },
            Approval {
                approver_id: s.bob,
                approved_at: T0 + Span(10),
                message: "first".into(),
            },
        ],
        decided_by: Some(s.carol),
        decided_at: Some(T0 + Span(20)),
        decision_message: "ok, 45 min".into(),
        grant_start_at: Some(T0 + Span(30)),
        grant_end_at: Some(T0 + Span(30) + Span::mins(45)),
        claim_by_at: Some(T0 + Span::hours(24)),
        ended_by: Some(s.admin),
        ended_at: Some(T0 + Span::mins(5)),
        closing_note: "done".into(),
        needs_review: true,
        reviewed_by: Some(s.bob),
        reviewed_at: Some(T0 + Span::mins(6)),
        expiring_soon_notified: true,
        expiry_recorded: true,
    };
    let id = insert(&mut store, &full, &[s.rdp, s.creds, s.creds]);
    full.id = id;
    // Approvals come back in the order they were given.
    full.approvals.reverse();
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(tx.request(id).unwrap().unwrap(), full);
    let mut covered = tx.covered_entries(id).unwrap();
    covered.sort();
    assert_eq!(covered, [s.rdp, s.creds]);
    assert_eq!(tx.request(RequestId(999)).unwrap(), None);
}

#[test]
fn a_pending_request_round_trips_and_updates_in_place() {
    let (mut store, s) = seeded();
    let mut request = pending(s.alice, s.rdp, s.vault_a, s.reader, T0);
    request.approver_id = Some(s.bob);
    request.message = "why".into();
    let id = insert(&mut store, &request, &[s.rdp]);
    request.id = id;
    let mut tx = store.begin(TxMode::Write).unwrap();
    assert_eq!(tx.request(id).unwrap().unwrap(), request);

    // One approval of a quorum, then the second: each stored once.
    request.approvals.push(Approval {
        approver_id: s.bob,
        approved_at: T0 + Span(5),
        message: "fine".into(),
    });
    request.authorized = Some(request.requested);
    tx.update_request(&request).unwrap();
    request.approvals.push(Approval {
        approver_id: s.carol,
        approved_at: T0 + Span(6),
        message: String::new(),
    });
    request.status = RequestStatus::Approved;
    request.decided_by = Some(s.carol);
    request.decided_at = Some(T0 + Span(6));
    request.grant_start_at = Some(T0 + Span(6));
    request.grant_end_at = Some(T0 + Span(6) + Span::hours(1));
    tx.update_request(&request).unwrap();
    assert_eq!(tx.request(id).unwrap().unwrap(), request);

    let ghost = Request {
        id: RequestId(999),
        ..request.clone()
    };
    assert!(matches!(
        tx.update_request(&ghost),
        Err(StoreError::BadData(_))
    ));
}

#[test]
fn a_stored_value_the_domain_does_not_know_is_bad_data() {
    let (mut store, s) = seeded();
    let id = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[s.rdp],
    );
    store
        .conn
        .execute(
            "UPDATE requests SET status = 'frozen' WHERE id = ?1",
            [id.0],
        )
        .unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    match tx.request(id) {
        Err(StoreError::BadData(message)) => assert!(message.contains("frozen"), "{message}"),
        other => panic!("expected bad data, got {other:?}"),
    }
}

#[test]
fn requests_of_and_grants_covering_pick_the_right_rows() {
    let (mut store, s) = seeded();
    let older = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[s.rdp],
    );
    let newer = insert(
        &mut store,
        &pending(s.alice, s.other, s.vault_b, s.reader, T0 + Span(1)),
        &[s.other],
    );
    let bobs = insert(
        &mut store,
        &pending(s.bob, s.rdp, s.vault_a, s.reader, T0 + Span(2)),
        &[s.rdp],
    );
    // Approved, covering the RDP entry and the credentials it depends on.
    let approved = insert(
        &mut store,
        &grant(&s, T0 - Span::hours(3), T0 - Span::hours(2)),
        &[s.rdp, s.creds],
    );
    let mut revoked = grant(&s, T0, T0 + Span::hours(1));
    revoked.status = RequestStatus::Revoked;
    let revoked = insert(&mut store, &revoked, &[s.rdp, s.creds]);

    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(
        ids(&tx.requests_of(s.alice, 10).unwrap()),
        [newer, older, revoked, approved],
        "newest first"
    );
    assert_eq!(ids(&tx.requests_of(s.alice, 2).unwrap()), [newer, older]);
    assert_eq!(ids(&tx.requests_of(s.bob, 10).unwrap()), [bobs]);

    // Approved grants in any phase (this one has expired); not revoked, not pending.
    assert_eq!(
        ids(&tx.approved_grants_covering(s.alice, s.creds).unwrap()),
        [approved]
    );
    assert_eq!(
        ids(&tx.approved_grants_covering(s.alice, s.rdp).unwrap()),
        [approved]
    );
    let covering = tx.approved_grants_covering(s.alice, s.rdp).unwrap();
    assert_eq!(covering[0].approvals.len(), 1, "approvals come attached");
    assert!(
        tx.approved_grants_covering(s.bob, s.rdp)
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.approved_grants_covering(s.alice, s.other)
            .unwrap()
            .is_empty()
    );

    let counts = tx.request_counts().unwrap().by_status;
    assert_eq!(
        counts,
        [
            ("approved".to_owned(), 1),
            ("pending".to_owned(), 3),
            ("revoked".to_owned(), 1)
        ]
    );
}

#[test]
fn has_pending_counts_until_the_instant_a_request_lapses() {
    let (mut store, s) = seeded();
    let request = pending(s.alice, s.rdp, s.vault_a, s.reader, T0);
    let lapses_at = request.pending_until_at;
    insert(&mut store, &request, &[s.rdp]);
    let mut decided = pending(s.alice, s.creds, s.vault_a, s.reader, T0);
    decided.status = RequestStatus::Denied;
    insert(&mut store, &decided, &[s.creds]);

    let mut tx = store.begin(TxMode::Read).unwrap();
    let table = [
        (
            "same user, entry and set",
            s.alice,
            s.rdp,
            s.reader,
            T0,
            true,
        ),
        (
            "one millisecond before it lapses",
            s.alice,
            s.rdp,
            s.reader,
            lapses_at - MS,
            true,
        ),
        (
            "the instant it lapses",
            s.alice,
            s.rdp,
            s.reader,
            lapses_at,
            false,
        ),
        ("another set", s.alice, s.rdp, s.operator, T0, false),
        ("another entry", s.alice, s.other, s.reader, T0, false),
        ("another user", s.bob, s.rdp, s.reader, T0, false),
        ("a denied request", s.alice, s.creds, s.reader, T0, false),
    ];
    for (name, user, entry, set, now, want) in table {
        assert_eq!(
            tx.has_pending(user, Target::Entry(entry), set, now)
                .unwrap(),
            want,
            "{name}"
        );
    }
}

#[test]
fn pending_for_approver_shows_what_each_approver_may_decide() {
    let (mut store, s) = seeded();
    let mut at = T0;
    let mut next = |store: &mut SqliteStore, request: Request| {
        at = at + Span::secs(1);
        insert(
            store,
            &Request {
                created_at: at,
                pending_until_at: at + Span::hours(24),
                ..request
            },
            &[],
        )
    };
    let in_a = next(&mut store, pending(s.alice, s.rdp, s.vault_a, s.reader, T0));
    let in_b = next(
        &mut store,
        pending(s.alice, s.other, s.vault_b, s.reader, T0),
    );
    let bobs_own = next(&mut store, pending(s.bob, s.rdp, s.vault_a, s.reader, T0));
    let admins_own = next(&mut store, pending(s.admin, s.rdp, s.vault_a, s.reader, T0));
    let mut approved_by_bob = pending(s.alice, s.creds, s.vault_a, s.reader, T0);
    approved_by_bob.approvals = vec![Approval {
        approver_id: s.bob,
        approved_at: T0,
        message: String::new(),
    }];
    let approved_by_bob = next(&mut store, approved_by_bob);
    let mut denied = pending(s.alice, s.rdp, s.vault_a, s.operator, T0);
    denied.status = RequestStatus::Denied;
    next(&mut store, denied);
    // Made long ago: lapsed by the time anyone looks.
    let stale = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.operator, T0 - Span::hours(30)),
        &[],
    );
    let now = T0 + Span::mins(1);

    let mut tx = store.begin(TxMode::Read).unwrap();
    let table = [
        (
            "an administrator sees all but their own",
            s.admin,
            true,
            vec![approved_by_bob, bobs_own, in_b, in_a],
        ),
        (
            "an approver sees their vaults, not their own nor what they approved",
            s.bob,
            false,
            vec![admins_own, in_a],
        ),
        ("another vault's approver", s.carol, false, vec![in_b]),
        ("a requester approves nothing", s.alice, false, vec![]),
    ];
    for (name, user, is_admin, want) in table {
        let inbox = tx.pending_for_approver(user, is_admin, now, 100).unwrap();
        assert_eq!(ids(&inbox), want, "{name}");
        assert_eq!(
            tx.count_pending_for_approver(user, is_admin, now).unwrap(),
            want.len() as i64,
            "{name}: count"
        );
    }
    assert_eq!(
        ids(&tx.pending_for_approver(s.admin, true, now, 2).unwrap()),
        [approved_by_bob, bobs_own],
        "the limit keeps the newest"
    );
    // The stale one is there until the instant it lapses.
    let lapses_at = T0 - Span::hours(30) + Span::hours(24);
    let before = tx
        .pending_for_approver(s.bob, false, lapses_at - MS, 100)
        .unwrap();
    assert!(ids(&before).contains(&stale));
    let at_lapse = tx
        .pending_for_approver(s.bob, false, lapses_at, 100)
        .unwrap();
    assert!(!ids(&at_lapse).contains(&stale));
}

#[test]
fn requests_due_and_next_due_at_agree_with_the_domain_instants() {
    let (mut store, s) = seeded();
    let lead = Span::mins(60);
    // A pending request lapsing at T0 + 24 h.
    let waiting = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[],
    );
    let lapses_at = T0 + Span::hours(24);
    // A first-use grant to be claimed by T0 + 2 h.
    let mut unclaimed = grant(&s, T0, T0);
    unclaimed.start_on_first_use = true;
    unclaimed.grant_start_at = None;
    unclaimed.grant_end_at = None;
    unclaimed.claim_by_at = Some(T0 + Span::hours(2));
    let unclaimed = insert(&mut store, &unclaimed, &[]);
    // A grant one hour and 3 ms long: a quarter (truncated) is shorter than the lead.
    let start = T0 + Span::mins(10);
    let end = start + Span::hours(1) + Span(3);
    let running = insert(&mut store, &grant(&s, start, end), &[]);
    let soon = expiring_soon_at(start, end, lead);
    assert_eq!(soon, end - Span(900_000));
    // Decided or finished rows are never due.
    let mut revoked = grant(&s, T0, T0 + Span::mins(1));
    revoked.status = RequestStatus::Revoked;
    insert(&mut store, &revoked, &[]);
    let mut recorded = grant(&s, T0 - Span::hours(2), T0 - Span::hours(1));
    recorded.expiring_soon_notified = true;
    recorded.expiry_recorded = true;
    insert(&mut store, &recorded, &[]);

    let due = |store: &mut SqliteStore, now: Timestamp| -> Vec<RequestId> {
        let mut tx = store.begin(TxMode::Read).unwrap();
        let mut found = ids(&tx.requests_due(now, lead.millis()).unwrap());
        found.sort();
        found
    };
    let next = |store: &mut SqliteStore, now: Timestamp| -> Option<Timestamp> {
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.next_due_at(now, lead.millis()).unwrap()
    };

    assert_eq!(due(&mut store, T0), NONE);
    assert_eq!(next(&mut store, T0), Some(soon));
    assert_eq!(due(&mut store, soon - MS), NONE);
    assert_eq!(due(&mut store, soon), [running]);
    assert_eq!(due(&mut store, end - MS), [running]);

    // Once warned, the grant is due again only at its end.
    let mut warned = {
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.request(running).unwrap().unwrap()
    };
    warned.expiring_soon_notified = true;
    {
        let mut tx = store.begin(TxMode::Write).unwrap();
        tx.update_request(&warned).unwrap();
        tx.commit().unwrap();
    }
    assert_eq!(due(&mut store, soon), NONE);
    assert_eq!(next(&mut store, soon), Some(end));
    assert_eq!(due(&mut store, end - MS), NONE);
    assert_eq!(due(&mut store, end), [running]);

    // After the end is recorded, the claim-by and then the TTL are next.
    warned.expiry_recorded = true;
    {
        let mut tx = store.begin(TxMode::Write).unwrap();
        tx.update_request(&warned).unwrap();
        tx.commit().unwrap();
    }
    assert_eq!(next(&mut store, end), Some(T0 + Span::hours(2)));
    assert_eq!(due(&mut store, T0 + Span::hours(2) - MS), NONE);
    assert_eq!(due(&mut store, T0 + Span::hours(2)), [unclaimed]);
    assert_eq!(next(&mut store, T0 + Span::hours(2)), Some(lapses_at));
    assert_eq!(due(&mut store, lapses_at - MS), [unclaimed]);
    assert_eq!(due(&mut store, lapses_at), [waiting, unclaimed]);
    assert_eq!(next(&mut store, lapses_at), None);
}

#[test]
fn a_grant_checked_only_after_its_end_is_due_once_for_both() {
    let (mut store, s) = seeded();
    let end = T0 + Span::hours(8);
    let id = insert(&mut store, &grant(&s, T0, end), &[]);
    let mut tx = store.begin(TxMode::Read).unwrap();
    // The warning would be at end − 1 h; a store asked only after the end
    // still returns the row exactly once.
    assert_eq!(
        ids(&tx
            .requests_due(end + Span::hours(5), Span::mins(60).millis())
            .unwrap()),
        [id]
    );
    assert_eq!(
        tx.next_due_at(T0, Span::mins(60).millis()).unwrap(),
        Some(end - Span::hours(1))
    );
}

#[test]
fn emergency_grants_wait_for_review() {
    let (mut store, s) = seeded();
    let mut emergency = grant(&s, T0, T0 + Span::mins(30));
    emergency.kind = RequestKind::BreakGlass;
    emergency.needs_review = true;
    let emergency = insert(&mut store, &emergency, &[s.rdp]);
    insert(&mut store, &grant(&s, T0, T0 + Span::mins(30)), &[s.rdp]);
    let mut tx = store.begin(TxMode::Write).unwrap();
    let waiting = tx.grants_needing_review().unwrap();
    assert_eq!(ids(&waiting), [emergency]);
    let mut reviewed = waiting[0].clone();
    reviewed.needs_review = false;
    reviewed.reviewed_by = Some(s.bob);
    reviewed.reviewed_at = Some(T0 + Span::mins(40));
    tx.update_request(&reviewed).unwrap();
    assert!(tx.grants_needing_review().unwrap().is_empty());
    assert_eq!(tx.request(emergency).unwrap().unwrap(), reviewed);
}

/// Facts of `kind` about the entry `title`, with "`title` body" as the
/// message or reason where the kind has one.
fn facts(kind: NotificationKind, title: &str) -> NotificationFacts {
    let names = NotificationNames {
        entry: title.to_owned(),
        requester: "Alice".into(),
        permission_set: "Reader".into(),
    };
    let body = format!("{title} body");
    match kind {
        NotificationKind::RequestSubmitted => NotificationFacts::RequestSubmitted {
            names,
            window: AccessWindow::Duration { mins: 60 },
            message: body,
        },
        NotificationKind::BreakGlassUsed => NotificationFacts::BreakGlassUsed {
            names,
            length: Span::hours(1),
            reason: body,
        },
        NotificationKind::Approved => NotificationFacts::Approved {
            names,
            approver: "Bob".into(),
            modified: true,
            window: NotifiedWindow::Placed {
                start_at: T0,
                end_at: T0 + Span::hours(1),
            },
            message: body,
        },
        NotificationKind::DirectGrant => NotificationFacts::DirectGrant {
            names,
            admin: "Ada".into(),
            window: NotifiedWindow::OnFirstUse {
                length: Span::hours(1),
                claim_by_at: T0,
            },
            message: body,
        },
        NotificationKind::Denied => NotificationFacts::Denied {
            names,
            approver: "Bob".into(),
            reason: body,
        },
        NotificationKind::ExpiringSoon => NotificationFacts::ExpiringSoon {
            names,
            end_at: T0,
            left: Span::mins(10),
        },
        NotificationKind::Expired => NotificationFacts::Expired { names, end_at: T0 },
        NotificationKind::Revoked => NotificationFacts::Revoked {
            names,
            by: "Bob".into(),
            reason: body,
        },
        NotificationKind::Lapsed => NotificationFacts::Lapsed {
            names,
            was_pending: true,
        },
    }
}

fn note(user: UserId, kind: NotificationKind, request: RequestId, title: &str) -> NewNotification {
    NewNotification {
        user_id: user,
        request_id: request,
        facts: facts(kind, title),
    }
}

#[test]
fn notifications_round_trip_and_are_read_and_shown_once() {
    let (mut store, s) = seeded();
    let request = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[],
    );
    let mut tx = store.begin(TxMode::Write).unwrap();
    let first = tx
        .insert_notification(
            &note(s.alice, NotificationKind::Approved, request, "one"),
            T0,
        )
        .unwrap();
    let second = tx
        .insert_notification(
            &note(s.alice, NotificationKind::ExpiringSoon, request, "two"),
            T0 + Span(1),
        )
        .unwrap();
    tx.insert_notification(
        &note(s.bob, NotificationKind::RequestSubmitted, request, "bob's"),
        T0,
    )
    .unwrap();

    let mine = tx.notifications(s.alice, 10).unwrap();
    assert_eq!(
        mine.iter().map(|n| n.id).collect::<Vec<_>>(),
        [second, first],
        "newest first"
    );
    let n = &mine[1];
    assert_eq!(
        (n.user_id, n.kind, n.request_id),
        (s.alice, NotificationKind::Approved, request)
    );
    assert_eq!(
        n.content,
        NotificationContent::Facts(facts(NotificationKind::Approved, "one")),
        "one body"
    );
    assert_eq!(n.created_at, T0);
    assert_eq!((n.read_at, n.shown_at), (None, None));
    assert_eq!(n.handled, None);
    assert_eq!(tx.notifications(s.alice, 1).unwrap().len(), 1);

    assert!(
        !tx.mark_notification_read(first, s.bob, T0).unwrap(),
        "not bob's"
    );
    assert!(
        tx.mark_notification_read(first, s.alice, T0 + Span(5))
            .unwrap()
    );
    assert!(
        !tx.mark_notification_read(first, s.alice, T0 + Span(6))
            .unwrap(),
        "already read"
    );
    assert!(
        !tx.mark_notification_read(NotificationId(999), s.alice, T0)
            .unwrap()
    );

    assert!(!tx.claim_notification_shown(first, s.bob, T0).unwrap());
    assert!(
        tx.claim_notification_shown(first, s.alice, T0 + Span(7))
            .unwrap()
    );
    assert!(
        !tx.claim_notification_shown(first, s.alice, T0 + Span(8))
            .unwrap(),
        "shown once only"
    );
    let n = tx.notifications(s.alice, 10).unwrap().pop().unwrap();
    assert_eq!(n.read_at, Some(T0 + Span(5)));
    assert_eq!(n.shown_at, Some(T0 + Span(7)));
}

#[test]
fn a_claim_in_one_transaction_blocks_a_claim_in_the_next() {
    let (mut store, s) = seeded();
    let request = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[],
    );
    let id = {
        let mut tx = store.begin(TxMode::Write).unwrap();
        let id = tx
            .insert_notification(&note(s.alice, NotificationKind::Lapsed, request, "x"), T0)
            .unwrap();
        tx.commit().unwrap();
        id
    };
    let claims: Vec<bool> = (0..3)
        .map(|i| {
            let mut tx = store.begin(TxMode::Write).unwrap();
            let claimed = tx
                .claim_notification_shown(id, s.alice, T0 + Span(i))
                .unwrap();
            tx.commit().unwrap();
            claimed
        })
        .collect();
    assert_eq!(claims, [true, false, false]);
}

#[test]
fn note_request_handled_marks_only_other_approvers_submissions() {
    let (mut store, s) = seeded();
    let request = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[],
    );
    let other_request = insert(
        &mut store,
        &pending(s.alice, s.creds, s.vault_a, s.reader, T0),
        &[],
    );
    let mut tx = store.begin(TxMode::Write).unwrap();
    let to_bob = tx
        .insert_notification(
            &note(s.bob, NotificationKind::RequestSubmitted, request, "b"),
            T0,
        )
        .unwrap();
    let to_admin = tx
        .insert_notification(
            &note(s.admin, NotificationKind::RequestSubmitted, request, "a"),
            T0,
        )
        .unwrap();
    let to_carol = tx
        .insert_notification(
            &note(s.carol, NotificationKind::BreakGlassUsed, request, "c"),
            T0,
        )
        .unwrap();
    let to_alice = tx
        .insert_notification(&note(s.alice, NotificationKind::Approved, request, "r"), T0)
        .unwrap();
    let elsewhere = tx
        .insert_notification(
            &note(
                s.admin,
                NotificationKind::RequestSubmitted,
                other_request,
                "o",
            ),
            T0,
        )
        .unwrap();
    let by_bob = Handling {
        outcome: HandledOutcome::Approved,
        by: "Bob Approver".into(),
        at: T0,
    };
    tx.note_request_handled(request, s.bob, &by_bob).unwrap();

    let handled = |tx: &mut dyn StoreTx, user: UserId, id: NotificationId| -> Option<HandledNote> {
        tx.notifications(user, 10)
            .unwrap()
            .into_iter()
            .find(|n| n.id == id)
            .unwrap()
            .handled
    };
    let tx = tx.as_mut();
    let noted = Some(HandledNote::Recorded(by_bob));
    assert_eq!(handled(tx, s.bob, to_bob), None, "not the one who decided");
    assert_eq!(handled(tx, s.admin, to_admin), noted);
    assert_eq!(handled(tx, s.carol, to_carol), noted);
    assert_eq!(handled(tx, s.alice, to_alice), None, "not the requester's");
    assert_eq!(handled(tx, s.admin, elsewhere), None, "not another request");
}

/// Issue 13: the unread count and "mark all", the unshown rows oldest first
/// with their count, desktop ids and the handled announcement, each on the
/// user's own rows only.
#[test]
fn desktop_claims_and_counts_act_on_the_users_own_rows() {
    let (mut store, s) = seeded();
    let request = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[],
    );
    let mut tx = store.begin(TxMode::Write).unwrap();
    let ids: Vec<NotificationId> = (0..3)
        .map(|i| {
            tx.insert_notification(
                &note(s.bob, NotificationKind::RequestSubmitted, request, "b"),
                T0 + Span(i),
            )
            .unwrap()
        })
        .collect();
    let alices = tx
        .insert_notification(&note(s.alice, NotificationKind::Approved, request, "a"), T0)
        .unwrap();

    assert_eq!(tx.unread_notification_count(s.bob).unwrap(), 3);
    assert!(tx.mark_notification_read(ids[0], s.bob, T0).unwrap());
    assert_eq!(tx.unread_notification_count(s.bob).unwrap(), 2);
    assert_eq!(
        tx.mark_all_notifications_read(s.bob, T0 + Span(9)).unwrap(),
        2
    );
    assert_eq!(
        tx.mark_all_notifications_read(s.bob, T0 + Span(9)).unwrap(),
        0
    );
    assert_eq!(tx.unread_notification_count(s.bob).unwrap(), 0);
    assert_eq!(
        tx.unread_notification_count(s.alice).unwrap(),
        1,
        "not bob's to mark"
    );

    assert!(tx.claim_notification_shown(ids[1], s.bob, T0).unwrap());
    let unshown = tx.unshown_notifications(s.bob, 10).unwrap();
    assert_eq!(
        unshown.iter().map(|n| n.id).collect::<Vec<_>>(),
        [ids[0], ids[2]],
        "oldest first, shown ones left out"
    );
    assert_eq!(tx.unshown_notifications(s.bob, 1).unwrap()[0].id, ids[0]);
    assert_eq!(tx.unshown_notification_count(s.bob).unwrap(), 2);
    assert_eq!(tx.unshown_notification_count(s.alice).unwrap(), 1);

    assert!(!tx.set_notification_desktop_id(alices, s.bob, 7).unwrap());
    assert!(tx.set_notification_desktop_id(ids[1], s.bob, 7).unwrap());
    let stored = |tx: &mut dyn StoreTx, user: UserId, id: NotificationId| {
        tx.notifications(user, 10)
            .unwrap()
            .into_iter()
            .find(|n| n.id == id)
            .unwrap()
    };
    assert_eq!(stored(tx.as_mut(), s.bob, ids[1]).desktop_id, Some(7));
    assert_eq!(stored(tx.as_mut(), s.alice, alices).desktop_id, None);

    // Nothing to announce until someone else handles the request, and then
    // only the row that was shown with a desktop id.
    assert!(tx.handled_unannounced(s.bob).unwrap().is_empty());
    assert!(
        !tx.claim_handled_shown(ids[1], s.bob, T0).unwrap(),
        "not handled yet"
    );
    let by_admin = Handling {
        outcome: HandledOutcome::Denied,
        by: "Ada Admin".into(),
        at: T0 + Span(20),
    };
    tx.note_request_handled(request, s.admin, &by_admin)
        .unwrap();
    let announce = tx.handled_unannounced(s.bob).unwrap();
    assert_eq!(announce.iter().map(|n| n.id).collect::<Vec<_>>(), [ids[1]]);
    assert!(
        !tx.claim_handled_shown(ids[1], s.alice, T0).unwrap(),
        "not alice's"
    );
    assert!(
        tx.claim_handled_shown(ids[1], s.bob, T0 + Span(21))
            .unwrap()
    );
    assert!(
        !tx.claim_handled_shown(ids[1], s.bob, T0 + Span(22))
            .unwrap(),
        "once"
    );
    assert!(tx.handled_unannounced(s.bob).unwrap().is_empty());
    assert_eq!(
        stored(tx.as_mut(), s.bob, ids[1]).handled_shown_at,
        Some(T0 + Span(21))
    );
}

#[test]
fn notification_preferences_are_kept_per_user_and_kind() {
    let (mut store, s) = seeded();
    let mut tx = store.begin(TxMode::Write).unwrap();
    assert_eq!(
        tx.notification_preferences(s.alice).unwrap(),
        NotificationPreferences::default()
    );
    tx.set_notification_preference(s.alice, NotificationKind::Expired, false)
        .unwrap();
    tx.set_notification_preference(s.alice, NotificationKind::Lapsed, false)
        .unwrap();
    tx.set_notification_preference(s.alice, NotificationKind::Lapsed, true)
        .unwrap();
    let mut expected = NotificationPreferences::default();
    expected.set_desktop(NotificationKind::Expired, false);
    assert_eq!(tx.notification_preferences(s.alice).unwrap(), expected);
    assert_eq!(
        tx.notification_preferences(s.bob).unwrap(),
        NotificationPreferences::default(),
        "another user's are their own"
    );
}

fn chain(n: i64) -> Vec<AuditEvent> {
    let mut events: Vec<AuditEvent> = Vec::new();
    for i in 0..n {
        let prev = events.last().map(|e| (e.seq, e.hash.as_str()));
        events.push(AuditEvent::next(
            prev,
            T0 + Span(i),
            (i % 2 == 0).then_some(UserId(i + 1)),
            AuditAction::ALL[i as usize % AuditAction::ALL.len()],
            (i % 3 == 0).then_some(RequestId(i)),
            (i % 2 == 1).then_some(EntryId(i)),
            format!("{{\"n\":{i},\"text\":\"ünïcödé “quoted”\"}}"),
        ));
    }
    events
}

#[test]
fn audit_events_append_and_page_in_order() {
    let mut store = store();
    let events = chain(7);
    {
        let mut tx = store.begin(TxMode::Write).unwrap();
        assert_eq!(tx.audit_head().unwrap(), None);
        for e in &events {
            tx.append_audit(e).unwrap();
            assert_eq!(tx.audit_head().unwrap(), Some((e.seq, e.hash.clone())));
        }
        assert!(
            tx.append_audit(&events[3]).is_err(),
            "a sequence number is written once"
        );
        tx.commit().unwrap();
    }
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(tx.audit_events_after(0, 100).unwrap(), events);
    assert_eq!(tx.audit_events_after(2, 3).unwrap(), events[2..5]);
    assert!(tx.audit_events_after(7, 100).unwrap().is_empty());
    let last = events.last().unwrap();
    assert_eq!(tx.audit_head().unwrap(), Some((7, last.hash.clone())));
}

#[test]
fn audit_triggers_refuse_update_and_delete() {
    let mut store = store();
    let events = chain(3);
    {
        let mut tx = store.begin(TxMode::Write).unwrap();
        for e in &events {
            tx.append_audit(e).unwrap();
        }
        tx.commit().unwrap();
    }
    for sql in [
        "UPDATE audit_events SET details = '{}' WHERE seq = 2",
        "UPDATE audit_events SET hash = prev_hash",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events",
    ] {
        let err = store.conn.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(tx.audit_events_after(0, 100).unwrap(), events);
}

fn open_err(path: &Path) -> StoreError {
    match SqliteStore::open(path) {
        Ok(_) => panic!("{} opened", path.display()),
        Err(e) => e,
    }
}

#[test]
fn a_workspace_file_reopens_at_the_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.latchkey");
    {
        let mut store = SqliteStore::create(&path).unwrap();
        let mut tx = store.begin(TxMode::Write).unwrap();
        tx.set_meta("name", "kept").unwrap();
        tx.commit().unwrap();
    }
    assert!(matches!(
        SqliteStore::create(&path),
        Err(StoreError::AlreadyExists(_))
    ));
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(tx.meta("name").unwrap().as_deref(), Some("kept"));
    drop(tx);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads a workspace");
    }
}

/// R-SEC-2: a version-1 workspace gains the per-bucket sign-in throttle, and
/// any lock-out stored in its `users` rows is lifted.
#[test]
fn a_version_1_workspace_migrates_to_the_sign_in_throttle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.latchkey");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA user_version = 1; PRAGMA application_id = {};
             INSERT INTO users (username, display_name, password_hash, failed_sign_ins, blocked_until_ms)
             VALUES ('zed', 'Zed', 'h', 40, 9999999999999);",
            schema::APPLICATION_ID
        ))
        .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    let (failed, blocked): (i64, Option<i64>) = store
        .conn
        .query_row(
            "SELECT failed_sign_ins, blocked_until_ms FROM users",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((failed, blocked), (0, None));
    let mut tx = store.begin(TxMode::Write).unwrap();
    let throttle = SignInThrottle {
        failed_attempts: 1,
        wrong_guesses: 1,
        last_checked_at: Some(T0),
    };
    tx.set_sign_in_throttle(1, &throttle).unwrap();
    assert_eq!(tx.sign_in_throttle(1).unwrap(), throttle);
}

/// R-DATA-1: a workspace from a newer version is refused, and left as it was.
#[test]
fn a_newer_schema_is_refused_without_touching_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.latchkey");
    drop(SqliteStore::create(&path).unwrap());
    let newer = schema::latest_version() + 1;
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    match open_err(&path) {
        StoreError::NewerSchema {
            path: p,
            found,
            supported,
        } => {
            assert_eq!(
                (p, found, supported),
                (path.clone(), newer, schema::latest_version())
            );
        }
        other => panic!("expected a newer schema, got {other:?}"),
    }
    let message = open_err(&path).to_string();
    assert!(message.contains("newer version"), "{message}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is unchanged"
    );
}

#[test]
fn a_file_that_is_not_a_workspace_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let empty = dir.path().join("empty.latchkey");
    std::fs::write(&empty, b"").unwrap();
    let noise = dir.path().join("noise.latchkey");
    std::fs::write(
        &noise,
        (0..40_000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for path in [&other, &empty, &noise] {
        let before = std::fs::read(path).unwrap();
        match open_err(path) {
            StoreError::NotAWorkspace(p) => assert_eq!(&p, path),
            e => panic!("{}: expected not a workspace, got {e:?}", path.display()),
        }
        assert_eq!(
            std::fs::read(path).unwrap(),
            before,
            "{} is unchanged",
            path.display()
        );
    }
    assert!(matches!(
        open_err(&dir.path().join("missing.latchkey")),
        StoreError::NotFound(_)
    ));
    // Issue 10, item 6: a folder is called a folder, not "no workspace".
    assert!(matches!(open_err(dir.path()), StoreError::IsAFolder(_)));
}

/// R-DATA-2: a commit on one connection is seen, and signalled, on another.
#[test]
fn two_connections_see_each_others_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.latchkey");
    let mut writer = SqliteStore::create(&path).unwrap();
    let mut reader = SqliteStore::open(&path).unwrap();
    let before = reader.data_version().unwrap();
    {
        let mut tx = writer.begin(TxMode::Write).unwrap();
        tx.set_meta("k", "v").unwrap();
        tx.commit().unwrap();
    }
    assert_ne!(reader.data_version().unwrap(), before);
    let mut tx = reader.begin(TxMode::Read).unwrap();
    assert_eq!(tx.meta("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn a_held_write_lock_makes_another_writer_busy_not_stuck() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.latchkey");
    drop(SqliteStore::create(&path).unwrap());
    let mut holder = SqliteStore::open(&path).unwrap();
    let mut other = SqliteStore::open(&path).unwrap();
    other.conn.busy_timeout(std::time::Duration::ZERO).unwrap();
    let _held = holder.begin(TxMode::Write).unwrap();
    match other.begin(TxMode::Write) {
        Err(StoreError::Busy) => {}
        Err(e) => panic!("expected busy, got {e:?}"),
        Ok(_) => panic!("two writers at once"),
    }
    // Readers are not blocked by a writer in WAL mode.
    let mut tx = other.begin(TxMode::Read).unwrap();
    assert_eq!(tx.meta("k").unwrap(), None);
}

/// Issue 11, item 6: notifications written as words before they were stored
/// as facts survive the migration and read back with their words, handled
/// note included; new notifications beside them are facts.
#[test]
fn notifications_written_as_words_keep_their_words() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.latchkey");
    file_at_version(
        &path,
        3,
        "INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'zed', 'Zed', 'h');
         INSERT INTO vaults (id, name) VALUES (1, 'Ops');
         INSERT INTO permission_sets (id, name, permission_bits) VALUES (1, 'Reader', 1);
         INSERT INTO entries (id, vault_id, kind, name) VALUES (1, 1, 'web', 'web-01');
         INSERT INTO requests (id, kind, requester_id, entry_id, vault_id, requested_set_id,
                               requested_duration_mins, created_at_ms, pending_until_ms, status)
         VALUES (3, 'standard', 1, 1, 1, 1, 60, 1000, 2000, 'pending');
         INSERT INTO notifications (id, user_id, kind, request_id, title, body, created_at_ms, handled_note)
         VALUES (7, 1, 'request_submitted', 3, 'Access request: web-01',
                 'Zed asks for Reader on web-01 for 1 h.', 1000, 'Approved by Bob at 2026-11-23 14:02');",
    );
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    let mut tx = store.begin(TxMode::Write).unwrap();
    let old = tx.notifications(UserId(1), 10).unwrap().remove(0);
    assert_eq!(
        (old.id, old.kind, old.request_id, old.created_at),
        (
            NotificationId(7),
            NotificationKind::RequestSubmitted,
            RequestId(3),
            Timestamp(1000)
        )
    );
    assert_eq!(
        old.content,
        NotificationContent::Legacy {
            title: "Access request: web-01".into(),
            body: "Zed asks for Reader on web-01 for 1 h.".into(),
        }
    );
    assert_eq!(
        old.handled,
        Some(HandledNote::Legacy(
            "Approved by Bob at 2026-11-23 14:02".into()
        ))
    );
}

/// The stored shape of notification facts is a format: a row as this version
/// writes it reads back the same in later ones.
#[test]
fn stored_notification_facts_keep_their_shape() {
    let (mut store, s) = seeded();
    let request = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[],
    );
    let facts = r#"{"Approved":{"names":{"entry":"rdp","requester":"Alice","permission_set":"Reader"},"approver":"Bob","modified":true,"window":{"Placed":{"start_at":1000,"end_at":2000}},"message":"ok"}}"#;
    let handled = r#"{"outcome":"Denied","by":"Bob","at":3000}"#;
    store
        .conn
        .execute(
            "INSERT INTO notifications (user_id, kind, request_id, title, body, created_at_ms, facts, handled) \
             VALUES (?1, 'approved', ?2, '', '', 5, ?3, ?4)",
            rusqlite::params![s.alice.0, request.0, facts, handled],
        )
        .unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    let n = tx.notifications(s.alice, 1).unwrap().remove(0);
    assert_eq!(
        n.content,
        NotificationContent::Facts(NotificationFacts::Approved {
            names: NotificationNames {
                entry: "rdp".into(),
                requester: "Alice".into(),
                permission_set: "Reader".into(),
            },
            approver: "Bob".into(),
            modified: true,
            window: NotifiedWindow::Placed {
                start_at: Timestamp(1000),
                end_at: Timestamp(2000),
            },
            message: "ok".into(),
        })
    );
    assert_eq!(
        n.handled,
        Some(HandledNote::Recorded(Handling {
            outcome: HandledOutcome::Denied,
            by: "Bob".into(),
            at: Timestamp(3000),
        }))
    );
}

/// Issue 13: a workspace at the schema before desktop notifications opens
/// and migrates; its notifications read back with no desktop id and nothing
/// announced, and the new queries and preferences work on it.
#[test]
fn a_workspace_before_desktop_notifications_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desktop.latchkey");
    // The schema just before V_NOTIFICATION_DESKTOP.
    let before = 4;
    file_at_version(
        &path,
        before,
        "INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'zed', 'Zed', 'h');
         INSERT INTO vaults (id, name) VALUES (1, 'Ops');
         INSERT INTO permission_sets (id, name, permission_bits) VALUES (1, 'Reader', 1);
         INSERT INTO entries (id, vault_id, kind, name) VALUES (1, 1, 'web', 'web-01');
         INSERT INTO requests (id, kind, requester_id, entry_id, vault_id, requested_set_id,
                               requested_duration_mins, created_at_ms, pending_until_ms, status)
         VALUES (3, 'standard', 1, 1, 1, 1, 60, 1000, 2000, 'pending');
         INSERT INTO notifications (id, user_id, kind, request_id, title, body, created_at_ms, shown_at_ms)
         VALUES (7, 1, 'lapsed', 3, 'Lapsed: web-01', 'It lapsed.', 1000, NULL),
                (8, 1, 'lapsed', 3, 'Lapsed: web-01', 'It lapsed.', 1001, 1500);",
    );
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    let mut tx = store.begin(TxMode::Write).unwrap();
    let old = tx.notifications(UserId(1), 10).unwrap();
    assert_eq!(old.len(), 2);
    assert!(
        old.iter()
            .all(|n| n.desktop_id.is_none() && n.handled_shown_at.is_none())
    );
    let unshown = tx.unshown_notifications(UserId(1), 10).unwrap();
    assert_eq!(
        unshown.iter().map(|n| n.id).collect::<Vec<_>>(),
        [NotificationId(7)]
    );
    assert_eq!(tx.unshown_notification_count(UserId(1)).unwrap(), 1);
    assert!(
        tx.set_notification_desktop_id(NotificationId(7), UserId(1), 42)
            .unwrap()
    );
    assert_eq!(
        tx.notification_preferences(UserId(1)).unwrap(),
        NotificationPreferences::default()
    );
    tx.set_notification_preference(UserId(1), NotificationKind::Lapsed, false)
        .unwrap();
    assert!(
        !tx.notification_preferences(UserId(1))
            .unwrap()
            .shows_on_desktop(NotificationKind::Lapsed)
    );
    tx.commit().unwrap();
}

/// Issue 14: an entry's fields change in place; deleting marks it, so it
/// leaves every list while a request's history still finds its name, and
/// takes its secret, its dependencies both ways and the standing
/// permissions on it.
#[test]
fn entries_change_move_and_are_deleted_as_records() {
    let (mut store, s) = seeded();
    let request = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[s.rdp, s.creds],
    );
    let mut tx = store.begin(TxMode::Write).unwrap();
    let changed = NewEntry {
        name: " dc-02 ".into(),
        parent_id: Some(s.folder),
        host: " dc.example.test ".into(),
        port: Some(3390),
        database: " hr ".into(),
        engine: " SQL Server ".into(),
        ..NewEntry::default()
    };
    tx.update_entry(s.rdp, &changed).unwrap();
    let stored = tx.entry(s.rdp).unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.parent_id, stored.port),
        ("dc-02", Some(s.folder), Some(3390))
    );
    assert_eq!(
        (stored.database.as_str(), stored.engine.as_str()),
        ("hr", "SQL Server")
    );
    let mut in_folder: Vec<EntryId> = tx
        .children(s.vault_a, Some(s.folder))
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    in_folder.sort();
    assert_eq!(in_folder, [s.sub, s.rdp]);
    let top: Vec<EntryId> = tx
        .children(s.vault_a, None)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(top.len(), 2, "Servers and Domain admin");

    tx.add_dependency(&Dependency {
        entry_id: s.rdp,
        depends_on: s.creds,
        role: DependencyRole::Credentials,
    })
    .unwrap();
    assert_eq!(tx.dependents(s.creds).unwrap().len(), 1);
    tx.set_secret(
        s.creds,
        &SealedSecret {
            nonce: vec![1; 24],
            ciphertext: vec![1],
        },
    )
    .unwrap();
    tx.add_standing(s.alice, s.vault_a, Some(s.sub), s.reader)
        .unwrap();
    assert_eq!(
        tx.pending_requests_naming(s.creds)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        [request],
        "a request covering it names it"
    );

    tx.delete_entries(&[s.creds, s.sub], T0).unwrap();
    assert_eq!(tx.entry(s.creds).unwrap(), None);
    assert_eq!(
        tx.entry_record(s.creds).unwrap().unwrap().name,
        "Domain admin"
    );
    assert!(
        tx.entries(s.vault_a)
            .unwrap()
            .iter()
            .all(|e| e.id != s.creds && e.id != s.sub)
    );
    assert_eq!(tx.secret(s.creds).unwrap(), None);
    assert!(tx.dependencies(s.rdp).unwrap().is_empty());
    assert!(tx.standing(s.alice, s.vault_a).unwrap().is_empty());
}

/// Issue 14: a dependency is removed by its role, a secret is cleared.
#[test]
fn dependencies_are_removed_by_role_and_secrets_cleared() {
    let (mut store, s) = seeded();
    let mut tx = store.begin(TxMode::Write).unwrap();
    tx.add_dependency(&Dependency {
        entry_id: s.other,
        depends_on: s.other,
        role: DependencyRole::Vpn,
    })
    .unwrap();
    tx.remove_dependency(s.other, DependencyRole::Credentials)
        .unwrap();
    assert_eq!(
        tx.dependencies(s.other).unwrap().len(),
        1,
        "other role kept"
    );
    tx.remove_dependency(s.other, DependencyRole::Vpn).unwrap();
    assert!(tx.dependencies(s.other).unwrap().is_empty());
    tx.set_secret(
        s.other,
        &SealedSecret {
            nonce: vec![2; 24],
            ciphertext: vec![2],
        },
    )
    .unwrap();
    tx.clear_secret(s.other).unwrap();
    assert_eq!(tx.secret(s.other).unwrap(), None);
}

/// Issue 14: a vault is renamed in place and deleted with its entries,
/// members and approvers; one that requests name says so.
#[test]
fn vaults_are_renamed_and_deleted_with_what_they_hold() {
    let (mut store, s) = seeded();
    insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[s.rdp],
    );
    let mut tx = store.begin(TxMode::Write).unwrap();
    tx.rename_vault(s.vault_b, " Bravo ").unwrap();
    assert_eq!(tx.vault(s.vault_b).unwrap().unwrap().name, "Bravo");
    assert_eq!(tx.member_count(s.vault_b).unwrap(), 3);
    assert!(tx.vault_has_requests(s.vault_a).unwrap());
    assert!(!tx.vault_has_requests(s.vault_b).unwrap());
    tx.set_secret(
        s.other,
        &SealedSecret {
            nonce: vec![2; 24],
            ciphertext: vec![2],
        },
    )
    .unwrap();
    tx.add_standing(s.alice, s.vault_b, None, s.reader).unwrap();
    tx.delete_vault(s.vault_b).unwrap();
    assert_eq!(tx.vault(s.vault_b).unwrap(), None);
    assert_eq!(tx.entry_record(s.other).unwrap(), None);
    assert_eq!(tx.secret(s.other).unwrap(), None);
    assert_eq!(tx.member_count(s.vault_b).unwrap(), 0);
    assert!(tx.approvers(s.vault_b).unwrap().is_empty());
    assert!(tx.standing(s.alice, s.vault_b).unwrap().is_empty());
    assert_eq!(tx.member_vaults(s.alice).unwrap(), [s.vault_a]);
}

/// Issue 14: a workspace at the schema before entry editing opens and
/// migrates; its entries read back with no database name or engine, none
/// deleted, and can be changed.
#[test]
fn a_workspace_before_entry_editing_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("editing.latchkey");
    // The schema of issue 13, before `V_ENTRY_EDITING`.
    let before = 5;
    file_at_version(
        &path,
        before,
        "INSERT INTO vaults (id, name) VALUES (1, 'Ops');
         INSERT INTO entries (id, vault_id, kind, name, host, port) VALUES (1, 1, 'folder', 'Databases', '', NULL);
         INSERT INTO entries (id, vault_id, parent_id, kind, name, host, port)
         VALUES (2, 1, 1, 'database', 'orders', 'db.example.test', 5432);",
    );
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    let mut tx = store.begin(TxMode::Write).unwrap();
    let orders = tx.entry(EntryId(2)).unwrap().unwrap();
    assert_eq!(
        (
            orders.host.as_str(),
            orders.port,
            orders.database.as_str(),
            orders.engine.as_str()
        ),
        ("db.example.test", Some(5432), "", "")
    );
    assert_eq!(tx.entries(VaultId(1)).unwrap().len(), 2);
    let draft = NewEntry {
        database: "orders".into(),
        engine: "PostgreSQL".into(),
        ..orders.to_draft()
    };
    tx.update_entry(orders.id, &draft).unwrap();
    assert_eq!(tx.entry(orders.id).unwrap().unwrap().to_draft(), draft);
    tx.delete_entries(&[EntryId(1), EntryId(2)], T0).unwrap();
    assert!(tx.entries(VaultId(1)).unwrap().is_empty());
    tx.commit().unwrap();
}

/// Issue 14: a subtree is the entry and everything below it, without what
/// is deleted; a cyclic tree does not loop.
#[test]
fn a_subtree_holds_everything_below_and_nothing_deleted() {
    let (mut store, s) = seeded();
    let mut tx = store.begin(TxMode::Write).unwrap();
    let ids = |tx: &mut dyn StoreTx, id| {
        let mut ids: Vec<EntryId> = tx.subtree(id).unwrap().iter().map(|e| e.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(tx.as_mut(), s.folder), [s.folder, s.sub, s.rdp]);
    assert_eq!(ids(tx.as_mut(), s.rdp), [s.rdp]);
    tx.delete_entries(&[s.rdp], T0).unwrap();
    assert_eq!(ids(tx.as_mut(), s.folder), [s.folder, s.sub]);
    assert!(ids(tx.as_mut(), s.rdp).is_empty());
    let looped = NewEntry {
        parent_id: Some(s.sub),
        ..draft("Servers", None)
    };
    tx.update_entry(s.folder, &looped).unwrap();
    assert_eq!(ids(tx.as_mut(), s.folder), [s.folder, s.sub]);
}

/// Issue 15: a workspace at the schema before vault administration opens
/// and migrates; its vaults have no maximum of their own and its sets none
/// deleted; a policy and a deletion are then stored.
#[test]
fn a_workspace_before_vault_administration_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vaults.latchkey");
    // The schema of issue 14, before `V_VAULT_ADMIN`.
    let before = 7;
    file_at_version(
        &path,
        before,
        "INSERT INTO vaults (id, name, required_approvals) VALUES (1, 'Ops', 2);
         INSERT INTO permission_sets (id, name, permission_bits, is_builtin) VALUES (1, 'Deployer', 5, 0);",
    );
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    let mut tx = store.begin(TxMode::Write).unwrap();
    let ops = tx.vault(VaultId(1)).unwrap().unwrap();
    assert_eq!((ops.required_approvals, ops.max_grant_mins), (2, None));
    tx.update_vault_policy(&Vault {
        max_grant_mins: Some(90),
        required_approvals: 1,
        ..ops.clone()
    })
    .unwrap();
    let changed = tx.vault(VaultId(1)).unwrap().unwrap();
    assert_eq!(
        (
            changed.name.as_str(),
            changed.required_approvals,
            changed.max_grant_mins
        ),
        ("Ops", 1, Some(90))
    );
    let deployer = PermissionSetId(1);
    assert_eq!(tx.permission_sets().unwrap().len(), 1);
    tx.delete_permission_set(deployer, T0).unwrap();
    assert!(tx.permission_sets().unwrap().is_empty());
    assert_eq!(tx.permission_set(deployer).unwrap(), None);
    assert_eq!(
        tx.permission_set_record(deployer).unwrap().unwrap().name,
        "Deployer"
    );
    let (named, is_deleted) = tx.permission_set_named("DEPLOYER").unwrap().unwrap();
    assert_eq!((named.id, is_deleted), (deployer, true));
    tx.commit().unwrap();
}

/// Issue 15: members and approvers are removed, standing permissions are
/// listed per vault and removed one row at a time, a set is renamed.
#[test]
fn members_approvers_standing_and_sets_are_removed_and_changed() {
    let (mut store, s) = seeded();
    let mut tx = store.begin(TxMode::Write).unwrap();
    tx.add_approver(s.vault_a, s.alice).unwrap();
    assert_eq!(tx.members(s.vault_a).unwrap(), [s.alice, s.bob, s.carol]);
    tx.remove_approver(s.vault_a, s.alice).unwrap();
    assert_eq!(tx.approvers(s.vault_a).unwrap(), [s.bob]);
    assert!(tx.is_member(s.vault_a, s.alice).unwrap());
    tx.remove_member(s.vault_a, s.bob).unwrap();
    assert_eq!(tx.members(s.vault_a).unwrap(), [s.alice, s.carol]);
    assert!(
        tx.approvers(s.vault_a).unwrap().is_empty(),
        "an approver no more"
    );
    assert!(
        tx.is_member(s.vault_b, s.bob).unwrap(),
        "other vaults keep them"
    );

    let on_top = StandingGrant {
        user_id: s.alice,
        vault_id: s.vault_a,
        folder_id: None,
        set_id: s.reader,
        origin: None,
    };
    let on_folder = StandingGrant {
        folder_id: Some(s.folder),
        set_id: s.operator,
        ..on_top
    };
    tx.add_standing(s.alice, s.vault_a, None, s.reader).unwrap();
    tx.add_standing(s.alice, s.vault_a, None, s.reader).unwrap();
    tx.add_standing(s.alice, s.vault_a, Some(s.folder), s.operator)
        .unwrap();
    tx.add_standing(s.carol, s.vault_b, None, s.operator)
        .unwrap();
    assert_eq!(
        tx.standing_grants(s.vault_a).unwrap(),
        [on_top, on_top, on_folder]
    );
    assert_eq!(
        tx.standing_vaults_of_set(s.operator).unwrap(),
        [s.vault_a, s.vault_b]
    );
    assert!(tx.remove_standing(&on_top).unwrap());
    assert_eq!(
        tx.standing_grants(s.vault_a).unwrap(),
        [on_top, on_folder],
        "one row only"
    );
    assert!(tx.remove_standing(&on_top).unwrap());
    assert!(!tx.remove_standing(&on_top).unwrap());
    assert_eq!(tx.standing_grants(s.vault_a).unwrap(), [on_folder]);

    let custom = tx
        .insert_permission_set("Editor", Permissions::of(&[Permission::Edit]), false)
        .unwrap();
    tx.update_permission_set(custom, " Changer ", Permissions::ALL)
        .unwrap();
    let changed = tx.permission_set(custom).unwrap().unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.permissions),
        ("Changer", Permissions::ALL)
    );
}

/// Issue 15: a set's open requests are those pending or with a grant not
/// over at the instant; a member's open requests in a vault are pending or approved.
#[test]
fn open_requests_of_a_set_and_of_a_member_in_a_vault() {
    let (mut store, s) = seeded();
    let asked = insert(
        &mut store,
        &pending(s.alice, s.rdp, s.vault_a, s.reader, T0),
        &[s.rdp],
    );
    let granted = insert(&mut store, &grant(&s, T0, T0 + Span::hours(1)), &[s.rdp]);
    let mut denied = pending(s.alice, s.rdp, s.vault_a, s.reader, T0);
    denied.status = RequestStatus::Denied;
    insert(&mut store, &denied, &[s.rdp]);
    insert(
        &mut store,
        &pending(s.alice, s.other, s.vault_b, s.reader, T0),
        &[s.other],
    );
    let mut tx = store.begin(TxMode::Read).unwrap();
    assert_eq!(tx.open_requests_of_set(s.reader, T0).unwrap(), 3);
    assert_eq!(tx.open_requests_of_set(s.operator, T0).unwrap(), 0);
    assert_eq!(
        tx.open_requests_of_set(s.reader, T0 + Span::hours(1))
            .unwrap(),
        2,
        "the grant is over at its end"
    );
    assert_eq!(
        tx.open_requests_of_set(s.reader, T0 + Span::hours(24))
            .unwrap(),
        0,
        "and the requests lapsed a day later"
    );
    assert_eq!(
        ids(&tx.open_requests_in_vault(s.alice, s.vault_a).unwrap()),
        [asked, granted]
    );
    assert!(
        tx.open_requests_in_vault(s.bob, s.vault_a)
            .unwrap()
            .is_empty()
    );
}

/// Issue 18: a workspace before request targets and permanent access opens
/// and migrates: the requests table is rebuilt with its rows, approvals,
/// covered entries and notifications still pointing at them (foreign keys
/// checked), every old request an entry request; the settings gain
/// `permanent_access_allowed`, off; a vault request naming no entry is then
/// stored, and a standing permission remembers its origin.
#[test]
fn a_workspace_before_request_targets_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("targets.latchkey");
    // The schema of issue 15, before `V_REQUEST_TARGETS`.
    let before = 9;
    file_at_version(
        &path,
        before,
        "INSERT INTO meta (key, value) VALUES ('settings', '{\"temporary_access_enabled\":true}');
         INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'alice', 'Alice', 'x'), (2, 'bob', 'Bob', 'x');
         INSERT INTO vaults (id, name) VALUES (1, 'Ops');
         INSERT INTO permission_sets (id, name, permission_bits, is_builtin) VALUES (1, 'Reader', 3, 1);
         INSERT INTO entries (id, vault_id, kind, name) VALUES (1, 1, 'rdp', 'web-01');
         INSERT INTO requests (id, kind, requester_id, entry_id, vault_id, requested_set_id,
             requested_duration_mins, created_at_ms, pending_until_ms, status)
             VALUES (1, 'standard', 1, 1, 1, 1, 60, 0, 1000, 'pending');
         INSERT INTO request_entries (entry_id, request_id) VALUES (1, 1);
         INSERT INTO approvals (request_id, approver_id, approved_at_ms) VALUES (1, 2, 5);
         INSERT INTO notifications (user_id, kind, request_id, title, body, created_at_ms)
             VALUES (2, 'request_submitted', 1, 't', 'b', 0);",
    );
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    assert_eq!(
        pragma(&store, "foreign_keys"),
        1,
        "on again after migrating"
    );
    let mut tx = store.begin(TxMode::Write).unwrap();
    let old = tx.request(RequestId(1)).unwrap().unwrap();
    assert_eq!(old.target, Target::Entry(EntryId(1)));
    assert_eq!(old.approvals.len(), 1);
    assert_eq!(tx.covered_entries(RequestId(1)).unwrap(), [EntryId(1)]);
    assert_eq!(tx.notifications(UserId(2), 10).unwrap().len(), 1);
    let settings = tx.settings().unwrap();
    assert!(settings.temporary_access_enabled && !settings.permanent_access_allowed);

    let terms = Terms {
        permission_set_id: PermissionSetId(1),
        window: AccessWindow::Permanent,
    };
    let vault = Request::pending(
        UserId(1),
        Target::Vault(VaultId(1)),
        VaultId(1),
        terms,
        T0,
        T0 + Span::hours(1),
    );
    let id = tx.insert_request(&vault, &[]).unwrap();
    let stored = tx.request(id).unwrap().unwrap();
    assert_eq!(stored.target, Target::Vault(VaultId(1)));
    assert_eq!(stored.entry_id(), None);
    assert_eq!(stored.requested.window, AccessWindow::Permanent);
    let grant = StandingGrant {
        user_id: UserId(1),
        vault_id: VaultId(1),
        folder_id: None,
        set_id: PermissionSetId(1),
        origin: Some(crate::domain::permission::StandingOrigin {
            request_id: id,
            approved_by: UserId(2),
            approved_at: T0,
        }),
    };
    tx.insert_standing_grant(&grant).unwrap();
    assert_eq!(tx.standing_from_request(id).unwrap(), Some(grant));
    assert_eq!(
        tx.standing(UserId(1), VaultId(1)).unwrap()[0].since,
        Some(T0)
    );
    assert!(tx.remove_standing(&grant).unwrap());
    assert_eq!(tx.standing_from_request(id).unwrap(), None);
    tx.commit().unwrap();
}

/// Issue 18, R-REQ-12: a workspace before asking to join migrates: its
/// vaults get an empty description and stay hidden from non-members, its
/// requests join nothing; then a request to join is stored and read back as
/// one, a membership remembers the request that gave it and ends with it,
/// and a row claiming that an entry request joins is refused by the schema.
#[test]
fn a_workspace_before_asking_to_join_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("joining.latchkey");
    // The schema of issue 16, before `V_VAULT_JOINING`.
    let before = 12;
    file_at_version(
        &path,
        before,
        "INSERT INTO meta (key, value) VALUES ('settings', '{\"temporary_access_enabled\":true}');
         INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'alice', 'Alice', 'x');
         INSERT INTO vaults (id, name) VALUES (1, 'Ops');
         INSERT INTO permission_sets (id, name, permission_bits, is_builtin) VALUES (1, 'Reader', 3, 1);
         INSERT INTO entries (id, vault_id, kind, name) VALUES (1, 1, 'rdp', 'web-01');
         INSERT INTO requests (id, kind, requester_id, entry_id, vault_id, requested_set_id,
             requested_duration_mins, created_at_ms, pending_until_ms, status, target)
             VALUES (1, 'standard', 1, NULL, 1, 1, 60, 0, 1000, 'pending', 'vault');",
    );
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(pragma(&store, "user_version"), schema::latest_version());
    let mut tx = store.begin(TxMode::Write).unwrap();
    let ops = tx.vault(VaultId(1)).unwrap().unwrap();
    assert_eq!(ops.description, "");
    assert!(!ops.visible_to_non_members);
    assert_eq!(
        tx.request(RequestId(1)).unwrap().unwrap().target,
        Target::Vault(VaultId(1)),
        "an old vault request does not join"
    );

    tx.update_vault_policy(&Vault {
        description: "  Operations runbooks  ".into(),
        visible_to_non_members: true,
        ..ops
    })
    .unwrap();
    let shown = tx.vault(VaultId(1)).unwrap().unwrap();
    assert_eq!(shown.description, "Operations runbooks", "stored trimmed");
    assert!(shown.visible_to_non_members);

    let terms = Terms {
        permission_set_id: PermissionSetId(1),
        window: AccessWindow::Duration { mins: 60 },
    };
    let join = Request::pending(
        UserId(1),
        Target::Join(VaultId(1)),
        VaultId(1),
        terms,
        T0,
        T0 + Span::hours(1),
    );
    let id = tx.insert_request(&join, &[]).unwrap();
    let stored = tx.request(id).unwrap().unwrap();
    assert_eq!(stored.target, Target::Join(VaultId(1)));
    assert_eq!(stored.entry_id(), None);
    assert_eq!(tx.open_joins(UserId(1), None).unwrap().len(), 1);
    assert_eq!(tx.open_joins(UserId(1), Some(VaultId(2))).unwrap().len(), 0);

    assert!(!tx.is_member(VaultId(1), UserId(1)).unwrap());
    tx.add_member_from(VaultId(1), UserId(1), id).unwrap();
    assert!(tx.is_member(VaultId(1), UserId(1)).unwrap());
    assert!(tx.remove_member_from(id).unwrap());
    assert!(!tx.is_member(VaultId(1), UserId(1)).unwrap());
    assert!(!tx.remove_member_from(id).unwrap(), "nothing left to end");
    tx.commit().unwrap();
    drop(store);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let tampered = conn.execute(
        "INSERT INTO requests (kind, requester_id, entry_id, vault_id, requested_set_id,
             requested_duration_mins, created_at_ms, pending_until_ms, status, target, joins)
             VALUES ('standard', 1, 1, 1, 1, 60, 0, 1000, 'pending', 'entry', 1)",
        [],
    );
    assert!(tampered.is_err(), "an entry request cannot join");
}
