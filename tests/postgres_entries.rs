//! Entries on a PostgreSQL workspace, against a real throwaway server
//! (issue 19): the server decides a user's permissions on an entry exactly
//! as the domain does (`latchkey.entry_permission_bits` against
//! `AccessFacts`), checks every read and write of the tree at its own
//! instant, keeps secrets encrypted with a key no user reads, and reveals
//! one only with View password, recording the use first.
//!
//! What other areas own (vaults, members, permission sets, requests) is
//! seeded with the superuser, so these tests depend on no other slice.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use latchkey::domain::access::{AccessFacts, GrantFact, StandingFact};
use latchkey::domain::audit::{AuditAction, AuditEvent};
use latchkey::domain::entry::{Dependency, DependencyRole, EntryKind, NewEntry};
use latchkey::domain::error::{DomainError, Field};
use latchkey::domain::permission::Permissions;
use latchkey::domain::request::{AccessWindow, Request, RequestStatus, Target, Terms};
use latchkey::domain::user::NewUser;
use latchkey::domain::{EntryId, PermissionSetId, RequestId, Timestamp, UserId, VaultId};
use latchkey::store::postgres::{PgSession, PgStore, PgTarget, PgWorkspace};
use latchkey::store::{Store, StoreError, TxMode};
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};
use std::collections::HashMap;

const ADA_PW: &str = "ada-pw-Hq71Lx";
const BOB_PW: &str = "bob-pw-Zq81Wm";
const CAROL_PW: &str = "carol-pw-Pe42Tn";
const DAVE_PW: &str = "dave-pw-Rt55Kc";
const DATABASE: &str = "team";
/// The instant the server's clock is fixed at.
const T0: i64 = 1_800_000_000_000;

const VIEW: i32 = 1;
const VIEW_PASSWORD: i32 = 2;
const CONNECT: i32 = 4;
const EDIT: i32 = 8;
const ADD: i32 = 16;
const DELETE: i32 = 32;

/// A workspace with an administrator (ada) and three users.
struct Team {
    cluster: PgCluster,
    target: PgTarget,
    ada: UserId,
    bob: UserId,
    carol: UserId,
    dave: UserId,
}

fn new_user(name: &str, is_admin: bool) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: String::new(),
        email: format!("{name}@example.org"),
        is_admin,
    }
}

fn team() -> Option<Team> {
    let cluster = PgCluster::start()?;
    cluster.create_database(DATABASE);
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    let ada = PgWorkspace::create(
        &target,
        SUPERUSER,
        SUPERUSER_PASSWORD,
        &new_user("ada", true),
        ADA_PW,
    )
    .unwrap();
    let mut session = PgSession::connect(&target, "ada", ADA_PW).unwrap();
    let bob = session
        .create_user(&new_user("bob", false), BOB_PW)
        .unwrap();
    let carol = session
        .create_user(&new_user("carol", false), CAROL_PW)
        .unwrap();
    let dave = session
        .create_user(&new_user("dave", false), DAVE_PW)
        .unwrap();
    let team = Team {
        cluster,
        target,
        ada,
        bob,
        carol,
        dave,
    };
    team.set_clock(T0);
    Some(team)
}

impl Team {
    fn su(&self) -> postgres::Client {
        self.cluster.superuser(DATABASE)
    }

    fn raw(&self, user: &str, password: &str) -> postgres::Client {
        self.cluster.connect(DATABASE, user, password).unwrap()
    }

    fn store(&self, user: &str, password: &str) -> PgStore {
        PgStore::connect(&self.target, user, password).unwrap()
    }

    fn set_clock(&self, at: i64) {
        self.su()
            .execute(
                "INSERT INTO latchkey.server_clock (fixed_ms) VALUES ($1) \
                 ON CONFLICT (only_row) DO UPDATE SET fixed_ms = EXCLUDED.fixed_ms",
                &[&at],
            )
            .unwrap();
    }
}

/// Seeding what other areas own, as the superuser.
struct Seed(postgres::Client);

impl Seed {
    fn one(&mut self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> i64 {
        self.0.query_one(sql, params).unwrap().get(0)
    }

    fn vault(&mut self, name: &str) -> VaultId {
        VaultId(self.one(
            "INSERT INTO latchkey.vaults (name) VALUES ($1) RETURNING id",
            &[&name],
        ))
    }

    fn member(&mut self, vault: VaultId, user: UserId) {
        self.0
            .execute(
                "INSERT INTO latchkey.vault_members (vault_id, user_id) VALUES ($1, $2)",
                &[&vault.0, &user.0],
            )
            .unwrap();
    }

    fn approver(&mut self, vault: VaultId, user: UserId) {
        self.0
            .execute(
                "INSERT INTO latchkey.vault_approvers (vault_id, user_id) VALUES ($1, $2)",
                &[&vault.0, &user.0],
            )
            .unwrap();
    }

    fn set(&mut self, name: &str, bits: i32) -> PermissionSetId {
        PermissionSetId(self.one(
            "INSERT INTO latchkey.permission_sets (name, permission_bits) VALUES ($1, $2) RETURNING id",
            &[&name, &bits],
        ))
    }

    fn entry(
        &mut self,
        vault: VaultId,
        parent: Option<EntryId>,
        kind: &str,
        name: &str,
    ) -> EntryId {
        EntryId(self.one(
            "INSERT INTO latchkey.entries (vault_id, parent_id, kind, name) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&vault.0, &parent.map(|p| p.0), &kind, &name],
        ))
    }

    fn standing(
        &mut self,
        user: UserId,
        vault: VaultId,
        folder: Option<EntryId>,
        set: PermissionSetId,
        since: Option<i64>,
    ) {
        self.0
            .execute(
                "INSERT INTO latchkey.standing_permissions (user_id, vault_id, folder_id, permission_set_id, approved_at_ms) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&user.0, &vault.0, &folder.map(|f| f.0), &set.0, &since],
            )
            .unwrap();
    }

    fn allow_reveal(&mut self, allow: bool) {
        let json = format!("{{\"allow_reveal_password\": {allow}}}");
        self.0
            .execute(
                "INSERT INTO latchkey.settings (key, value) VALUES ('settings', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&json],
            )
            .unwrap();
    }

    /// Stores `grant` as a request row (and its covered entries) and
    /// returns the domain's view of it.
    fn grant(&mut self, grant: &GrantSpec) -> Request {
        let window = if grant.permanent {
            AccessWindow::Permanent
        } else {
            AccessWindow::Duration { mins: 60 }
        };
        let duration: Option<i64> = (!grant.permanent).then_some(60);
        let (target, entry) = match grant.target {
            Target::Entry(e) => ("entry", Some(e.0)),
            Target::Folder(f) => ("folder", Some(f.0)),
            Target::Vault(_) | Target::Join(_) => ("vault", None),
        };
        let joins = matches!(grant.target, Target::Join(_));
        let id = self.one(
            "INSERT INTO latchkey.requests (kind, requester_id, target, entry_id, vault_id, \
               requested_set_id, requested_duration_mins, authorized_set_id, authorized_duration_mins, \
               created_at_ms, pending_until_ms, status, grant_start_ms, grant_end_ms, claim_by_ms, joins) \
             VALUES ('standard', $1, $2, $3, $4, $5, $6, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            &[
                &grant.user.0,
                &target,
                &entry,
                &grant.vault.0,
                &grant.set.0,
                &duration,
                &(T0 - 10_000),
                &(T0 + 100_000),
                &grant.status,
                &grant.start.map(|s| T0 + s),
                &grant.end.map(|e| T0 + e),
                &grant.claim_by.map(|c| T0 + c),
                &joins,
            ],
        );
        for covered in &grant.covers_rows {
            self.0
                .execute(
                    "INSERT INTO latchkey.request_entries (entry_id, request_id) VALUES ($1, $2)",
                    &[&covered.0, &id],
                )
                .unwrap();
        }
        let terms = Terms {
            permission_set_id: grant.set,
            window,
        };
        let status = match grant.status {
            "approved" => RequestStatus::Approved,
            "revoked" => RequestStatus::Revoked,
            "released" => RequestStatus::Released,
            "pending" => RequestStatus::Pending,
            other => panic!("status {other}"),
        };
        Request {
            id: RequestId(id),
            authorized: Some(terms),
            status,
            grant_start_at: grant.start.map(|s| Timestamp(T0 + s)),
            grant_end_at: grant.end.map(|e| Timestamp(T0 + e)),
            claim_by_at: grant.claim_by.map(|c| Timestamp(T0 + c)),
            ..Request::pending(
                grant.user,
                grant.target,
                grant.vault,
                terms,
                Timestamp(T0 - 10_000),
                Timestamp(T0 + 100_000),
            )
        }
    }
}

/// One grant of the permission scenario, relative to T0.
struct GrantSpec {
    user: UserId,
    vault: VaultId,
    target: Target,
    /// Its `request_entries` rows (an entry request's entry and what that
    /// entry depends on).
    covers_rows: Vec<EntryId>,
    set: PermissionSetId,
    status: &'static str,
    start: Option<i64>,
    end: Option<i64>,
    claim_by: Option<i64>,
    permanent: bool,
    /// The entries the domain says it covers (`Ops::access_facts`).
    covers: Vec<EntryId>,
}

fn bits_at(su: &mut postgres::Client, user: UserId, entry: EntryId, at: i64) -> i32 {
    su.query_one(
        "SELECT latchkey.entry_permission_bits($1, $2, $3)",
        &[&user.0, &entry.0, &at],
    )
    .unwrap()
    .get(0)
}

/// The server's decision is the domain's: for standing sets on the top and
/// on folders (one not yet in force), grants on the entry, on an item that
/// depends on it, on its folder and its vault, a start-on-first-use grant
/// and one whose claim window closed, revoked, released, permanent, pending
/// and deleted-set grants, decoys on another folder, vault or user — at
/// every instant around their boundaries, with the reveal policy on and
/// off, for a member, a time-bound member, a non-member and an administrator.
#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one seeded scenario, compared at every instant, reads best whole"
)]
fn permission_bits_agree_with_the_domain() {
    let Some(team) = team() else { return };
    let mut seed = Seed(team.su());
    let v = seed.vault("Ops");
    let other = seed.vault("Other");
    seed.member(v, team.bob);
    seed.member(other, team.bob);
    let folder = seed.entry(v, None, "folder", "Servers");
    let elsewhere = seed.entry(v, None, "folder", "Elsewhere");
    let item = seed.entry(v, Some(folder), "credentials", "sa");
    let app = seed.entry(v, Some(folder), "rdp", "App");
    let outside = seed.entry(v, Some(elsewhere), "ssh", "Box");
    let other_item = seed.entry(other, None, "ssh", "Far");
    let set = |seed: &mut Seed, name: &str, bits: i32| seed.set(name, bits);
    let s_view = set(&mut seed, "view", VIEW);
    let s_connect = set(&mut seed, "connect", CONNECT);
    let s_reader = set(&mut seed, "reader", VIEW | VIEW_PASSWORD);
    let s_edit = set(&mut seed, "edit", EDIT);
    let s_add = set(&mut seed, "add", ADD);
    let s_delete = set(&mut seed, "delete", DELETE);
    let s_gone = set(&mut seed, "gone", DELETE);
    seed.0
        .execute(
            "UPDATE latchkey.permission_sets SET deleted_at_ms = $1 WHERE id = $2",
            &[&T0, &s_gone.0],
        )
        .unwrap();

    // Standing: View on the whole vault; Connect on the folder from +1500;
    // Delete on another folder (a decoy).
    let standing = vec![
        (None, s_view, VIEW, None),
        (Some(folder), s_connect, CONNECT, Some(T0 + 1_500)),
        (Some(elsewhere), s_delete, DELETE, None),
    ];
    for (on, set, _, since) in &standing {
        seed.standing(team.bob, v, *on, *set, *since);
    }

    let spec = |target: Target, set: PermissionSetId, covers: Vec<EntryId>| GrantSpec {
        user: team.bob,
        vault: v,
        target,
        covers_rows: match target {
            Target::Entry(e) => vec![e],
            _ => Vec::new(),
        },
        set,
        status: "approved",
        start: Some(0),
        end: Some(1_000),
        claim_by: None,
        permanent: false,
        covers,
    };
    let grants = vec![
        // The item's own grant, [0, 1000).
        spec(Target::Entry(item), s_connect, vec![item]),
        // A grant on App, which depends on sa: covers sa, [500, 2000).
        GrantSpec {
            covers_rows: vec![app, item],
            start: Some(500),
            end: Some(2_000),
            ..spec(Target::Entry(app), s_reader, vec![app, item])
        },
        // The folder, [1000, 5000): covers what is below it.
        GrantSpec {
            start: Some(1_000),
            end: Some(5_000),
            ..spec(Target::Folder(folder), s_edit, vec![folder, item, app])
        },
        // The vault, start on first use, claimable until +1500.
        GrantSpec {
            start: None,
            end: None,
            claim_by: Some(1_500),
            ..spec(
                Target::Vault(v),
                s_add,
                vec![folder, item, app, elsewhere, outside],
            )
        },
        // Claim window closed before T0.
        GrantSpec {
            start: None,
            end: None,
            claim_by: Some(-100),
            ..spec(Target::Entry(item), s_delete, vec![item])
        },
        // A start without an end, with a claim-by: claimable until then.
        GrantSpec {
            start: Some(3_000),
            end: None,
            claim_by: Some(9_000),
            ..spec(Target::Entry(app), s_view, vec![app])
        },
        GrantSpec {
            status: "revoked",
            end: Some(5_000),
            ..spec(Target::Entry(item), s_delete, vec![item])
        },
        GrantSpec {
            status: "released",
            end: Some(5_000),
            ..spec(Target::Entry(item), s_delete, vec![item])
        },
        GrantSpec {
            status: "pending",
            start: None,
            end: None,
            ..spec(Target::Entry(item), s_delete, vec![item])
        },
        // Permanent: its standing set gives the access, not the request.
        GrantSpec {
            permanent: true,
            end: None,
            ..spec(Target::Entry(item), s_delete, vec![item])
        },
        // Its set was deleted: it gives nothing.
        GrantSpec {
            end: Some(5_000),
            ..spec(Target::Entry(item), s_gone, vec![item])
        },
        // Decoys: another folder, another vault's vault grant, another user.
        GrantSpec {
            end: Some(5_000),
            ..spec(
                Target::Folder(elsewhere),
                s_delete,
                vec![elsewhere, outside],
            )
        },
        GrantSpec {
            vault: other,
            end: Some(5_000),
            ..spec(Target::Vault(other), s_delete, vec![other_item])
        },
        GrantSpec {
            user: team.carol,
            end: Some(5_000),
            ..spec(Target::Entry(item), s_delete, Vec::new())
        },
    ];
    let mut by_entry: HashMap<EntryId, Vec<GrantFact>> = HashMap::new();
    for grant in &grants {
        let request = seed.grant(grant);
        let permissions = if grant.set == s_gone {
            Permissions::NONE
        } else {
            let bits: i32 = seed
                .0
                .query_one(
                    "SELECT permission_bits FROM latchkey.permission_sets WHERE id = $1",
                    &[&grant.set.0],
                )
                .unwrap()
                .get(0);
            Permissions::from_bits(u8::try_from(bits).unwrap())
        };
        for covered in &grant.covers {
            by_entry.entry(*covered).or_default().push(GrantFact {
                request_id: request.id,
                permissions,
                request: request.clone(),
            });
        }
    }
    let ancestors: HashMap<EntryId, Vec<EntryId>> = HashMap::from([
        (folder, vec![]),
        (elsewhere, vec![]),
        (item, vec![folder]),
        (app, vec![folder]),
        (outside, vec![elsewhere]),
    ]);
    let offsets = [
        -1, 0, 499, 500, 999, 1_000, 1_499, 1_500, 1_999, 2_000, 2_999, 3_000, 4_999, 5_000,
    ];
    let mut compared = 0;
    for allow in [true, false] {
        seed.allow_reveal(allow);
        for (&entry, above) in &ancestors {
            let facts = AccessFacts {
                is_admin: false,
                standing: standing
                    .iter()
                    .filter(|(on, ..)| on.is_none_or(|f| f == entry || above.contains(&f)))
                    .map(|(on, set, bits, since)| StandingFact {
                        set_id: *set,
                        folder_id: *on,
                        permissions: Permissions::from_bits(u8::try_from(*bits).unwrap()),
                        since: since.map(Timestamp),
                    })
                    .collect(),
                grants: by_entry.get(&entry).cloned().unwrap_or_default(),
                allow_reveal_password: allow,
            };
            for offset in offsets {
                let at = T0 + offset;
                let want = i32::from(facts.effective_permissions(Timestamp(at)).bits());
                let got = bits_at(&mut seed.0, team.bob, entry, at);
                assert_eq!(
                    got, want,
                    "entry {entry} at +{offset} ms, reveal allowed {allow}"
                );
                if [folder, item, app].contains(&entry) {
                    assert_eq!(got & DELETE, 0, "only decoys give Delete");
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 2 * 5 * offsets.len());

    // Reveal policy: View password is there exactly when allowed (sa at +600
    // holds App's reader grant).
    seed.allow_reveal(true);
    assert_ne!(
        bits_at(&mut seed.0, team.bob, item, T0 + 600) & VIEW_PASSWORD,
        0
    );
    seed.allow_reveal(false);
    assert_eq!(
        bits_at(&mut seed.0, team.bob, item, T0 + 600) & VIEW_PASSWORD,
        0
    );
    // An administrator holds everything, whatever the policy.
    assert_eq!(bits_at(&mut seed.0, team.ada, item, T0), 63);
    seed.allow_reveal(true);

    // Membership counts: carol, with a standing set (and her grant on sa
    // that gives Delete), is a member only while her approved join runs
    // ([+1000, +3000)); dave is no member at all.
    seed.standing(team.carol, v, None, s_reader, None);
    seed.standing(team.dave, v, None, s_reader, None);
    seed.grant(&GrantSpec {
        user: team.carol,
        start: Some(1_000),
        end: Some(3_000),
        ..spec(Target::Join(v), s_view, Vec::new())
    });
    for (offset, want) in [
        (999, 0),
        (1_000, VIEW | VIEW_PASSWORD | DELETE),
        (2_999, VIEW | VIEW_PASSWORD | DELETE),
        (3_000, 0),
    ] {
        assert_eq!(
            bits_at(&mut seed.0, team.carol, item, T0 + offset),
            want,
            "+{offset}"
        );
        assert_eq!(bits_at(&mut seed.0, team.dave, item, T0 + offset), 0);
    }
    // A disabled user and a deleted entry hold nothing.
    seed.0
        .execute(
            "UPDATE latchkey.entries SET deleted_at_ms = $1 WHERE id = $2",
            &[&T0, &outside.0],
        )
        .unwrap();
    assert_eq!(bits_at(&mut seed.0, team.ada, outside, T0), 0);
    PgSession::connect(&team.target, "ada", ADA_PW)
        .unwrap()
        .disable_user(team.bob)
        .unwrap();
    assert_eq!(bits_at(&mut seed.0, team.bob, item, T0 + 600), 0);
}

fn draft(name: &str, parent: Option<EntryId>) -> NewEntry {
    NewEntry {
        name: name.into(),
        parent_id: parent,
        ..NewEntry::default()
    }
}

fn refused(result: Result<impl std::fmt::Debug, StoreError>) -> DomainError {
    match result {
        Err(StoreError::Refused(e)) => e,
        other => panic!("not refused by a rule: {other:?}"),
    }
}

fn not_permitted(result: Result<impl std::fmt::Debug, StoreError>, words: &str) {
    match refused(result) {
        DomainError::NotPermitted(message) => assert!(message.contains(words), "{message}"),
        other => panic!("not NotPermitted: {other:?}"),
    }
}

fn sqlstate(result: Result<impl Sized, postgres::Error>) -> String {
    match result {
        Ok(_) => panic!("the server allowed it"),
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("not a server error: {e}"))
            .code()
            .to_owned(),
    }
}

/// A vault where bob may add, edit and delete at its top, carol may only
/// view, dave is no member, and erin approves.
struct Shop {
    team: Team,
    vault: VaultId,
}

fn shop() -> Option<Shop> {
    let team = team()?;
    let mut seed = Seed(team.su());
    let vault = seed.vault("Shop");
    let editor = seed.set("editor", VIEW | EDIT | ADD | DELETE);
    let viewer = seed.set("viewer", VIEW);
    seed.member(vault, team.bob);
    seed.member(vault, team.carol);
    seed.standing(team.bob, vault, None, editor, None);
    seed.standing(team.carol, vault, None, viewer, None);
    Some(Shop { team, vault })
}

/// Members create, read, change, move and delete entries as their
/// permissions allow; the server refuses what the service would.
#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one story of a tree, each step building on the last"
)]
fn the_tree_is_written_as_the_permissions_allow() {
    let Some(shop) = shop() else { return };
    let team = &shop.team;
    let v = shop.vault;
    let mut bob = team.store("bob", BOB_PW);
    let mut carol = team.store("carol", CAROL_PW);
    let mut dave = team.store("dave", DAVE_PW);

    let mut tx = bob.begin(TxMode::Write).unwrap();
    assert_eq!(tx.entry_revision(v).unwrap(), 0);
    let servers = tx
        .insert_entry(v, EntryKind::Folder, &draft("  Servers ", None))
        .unwrap();
    let db = tx
        .insert_entry(
            v,
            EntryKind::Database,
            &NewEntry {
                host: " db.example.org ".into(),
                port: Some(5432),
                notes: " keep ".into(),
                ..draft("Orders DB", Some(servers))
            },
        )
        .unwrap();
    let sa = tx
        .insert_entry(v, EntryKind::Credentials, &draft("sa", Some(servers)))
        .unwrap();
    tx.commit().unwrap();
    // A name taken in the folder, ignoring case; an item as a folder. (A
    // refusal ends the transaction, as any failed statement does.)
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let clash = refused(tx.insert_entry(v, EntryKind::Ssh, &draft("orders db", Some(servers))));
    assert!(
        matches!(&clash, DomainError::Invalid(e) if e.0[0].field == Field::Name && e.0[0].message.contains("exists in this folder already")),
        "{clash:?}"
    );
    drop(tx);
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let not_folder = refused(tx.insert_entry(v, EntryKind::Ssh, &draft("x", Some(sa))));
    assert!(
        matches!(&not_folder, DomainError::Invalid(e) if e.0[0].field == Field::Entry),
        "{not_folder:?}"
    );
    drop(tx);
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let entry = tx.entry(db).unwrap().unwrap();
    assert_eq!(entry.name, "Orders DB");
    assert_eq!(entry.host, "db.example.org");
    assert_eq!(entry.notes, " keep ");
    assert_eq!(entry.port, Some(5432));
    assert_eq!(entry.parent_id, Some(servers));
    assert_eq!(tx.entry(servers).unwrap().unwrap().name, "Servers");
    assert_eq!(tx.ancestors(db).unwrap(), [servers]);
    let mut below: Vec<EntryId> = tx.subtree(servers).unwrap().iter().map(|e| e.id).collect();
    below.sort();
    assert_eq!(below, [servers, db, sa]);
    assert_eq!(tx.children(v, None).unwrap().len(), 1);
    assert_eq!(tx.children(v, Some(servers)).unwrap().len(), 2);
    assert_eq!(tx.entries(v).unwrap().len(), 3);
    tx.add_dependency(&Dependency {
        entry_id: db,
        depends_on: sa,
        role: DependencyRole::Credentials,
    })
    .unwrap();
    tx.commit().unwrap();
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let wrong_kind = refused(tx.add_dependency(&Dependency {
        entry_id: db,
        depends_on: servers,
        role: DependencyRole::Credentials,
    }));
    assert!(
        matches!(wrong_kind, DomainError::Invalid(_)),
        "{wrong_kind:?}"
    );
    drop(tx);
    let revision = {
        let mut tx = carol.begin(TxMode::Read).unwrap();
        tx.entry_revision(v).unwrap()
    };
    assert!(revision >= 3, "{revision}");

    // carol views: she reads the tree but may not add, edit or link.
    let mut tx = carol.begin(TxMode::Write).unwrap();
    assert_eq!(tx.entries(v).unwrap().len(), 3);
    assert_eq!(tx.dependencies(db).unwrap().len(), 1);
    assert_eq!(tx.dependents(sa).unwrap()[0].entry_id, db);
    not_permitted(
        tx.insert_entry(v, EntryKind::Ssh, &draft("mine", None)),
        "“Add” permission at the top of this vault",
    );
    drop(tx);
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.insert_entry(v, EntryKind::Ssh, &draft("mine", Some(servers))),
        "“Add” permission on this entry",
    );
    drop(tx);
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.update_entry(db, &draft("Renamed", Some(servers))),
        "“Edit”",
    );
    drop(tx);
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.remove_dependency(db, DependencyRole::Credentials),
        "“Edit”",
    );
    drop(tx);
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(tx.delete_entries(&[sa], Timestamp(T0)), "“Delete”");
    drop(tx);
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(tx.set_secret_clear(sa, "hunter2"), "“Edit”");
    drop(tx);

    // dave is no member: he reads and writes nothing of the vault.
    let mut tx = dave.begin(TxMode::Write).unwrap();
    not_permitted(tx.entries(v), "not a member");
    drop(tx);
    let mut tx = dave.begin(TxMode::Write).unwrap();
    not_permitted(tx.entry(db), "not a member");
    drop(tx);
    let mut tx = dave.begin(TxMode::Write).unwrap();
    not_permitted(tx.children(v, None), "not a member");
    drop(tx);
    let mut tx = dave.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.insert_entry(v, EntryKind::Ssh, &draft("mine", None)),
        "not a member",
    );
    drop(tx);
    // ... unless he approves for it: approvers read the tree.
    Seed(team.su()).approver(v, team.dave);
    let mut tx = dave.begin(TxMode::Read).unwrap();
    assert_eq!(tx.entries(v).unwrap().len(), 3);
    assert_eq!(
        tx.entry_nodes().unwrap().len(),
        3,
        "an approver's log paths"
    );
    drop(tx);
    let mut tx = carol.begin(TxMode::Read).unwrap();
    assert!(tx.entry_nodes().unwrap().is_empty(), "carol reads no log");
    assert!(tx.entry_node(db).unwrap().is_none());
    drop(tx);

    // bob edits, moves (not into itself), and deletes a folder only with
    // everything below it.
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.update_entry(
        db,
        &NewEntry {
            host: "db2".into(),
            ..draft("Orders", Some(servers))
        },
    )
    .unwrap();
    let inner = tx
        .insert_entry(v, EntryKind::Folder, &draft("Inner", Some(servers)))
        .unwrap();
    let into_itself = refused(tx.update_entry(servers, &draft("Servers", Some(inner))));
    assert!(
        matches!(&into_itself, DomainError::Invalid(e) if e.0[0].message.contains("into itself")),
        "{into_itself:?}"
    );
    drop(tx);
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.update_entry(sa, &draft("sa", None)).unwrap();
    assert_eq!(tx.entry(sa).unwrap().unwrap().parent_id, None);
    tx.commit().unwrap();
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let partial = refused(tx.delete_entries(&[servers], Timestamp(T0)));
    assert!(matches!(partial, DomainError::WrongState(_)), "{partial:?}");
    drop(tx);
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.set_secret_clear(sa, "pw").unwrap();
    tx.delete_entries(&[servers, db], Timestamp(0)).unwrap();
    assert!(tx.entry(db).unwrap().is_none());
    assert!(tx.entry_record(db).unwrap().is_some(), "kept as a record");
    assert!(tx.dependents(sa).unwrap().is_empty());
    tx.commit().unwrap();
    let deleted_at: i64 = team
        .su()
        .query_one(
            "SELECT deleted_at_ms FROM latchkey.entries WHERE id = $1",
            &[&db.0],
        )
        .unwrap()
        .get(0);
    assert_eq!(deleted_at, T0, "the server's instant, not the client's");
    let mut tx = bob.begin(TxMode::Write).unwrap();
    let again = refused(tx.update_entry(db, &draft("Orders", Some(servers))));
    assert!(matches!(again, DomainError::WrongState(_)), "{again:?}");
    drop(tx);

    // A pending request on an entry keeps it from being deleted.
    let mut seed = Seed(team.su());
    let viewer = seed.one(
        "SELECT id FROM latchkey.permission_sets WHERE name = 'viewer'",
        &[],
    );
    seed.0
        .execute(
            "INSERT INTO latchkey.requests (kind, requester_id, target, entry_id, vault_id, requested_set_id, \
               requested_duration_mins, created_at_ms, pending_until_ms, status) \
             VALUES ('standard', $1, 'entry', $2, $3, $4, 60, $5, $6, 'pending')",
            &[&team.carol.0, &sa.0, &v.0, &viewer, &T0, &(T0 + 60_000)],
        )
        .unwrap();
    let mut tx = bob.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.delete_entries(&[sa], Timestamp(T0)),
        "pending access request",
    );
    drop(tx);
    // carol, who asked, still reads the entry of her request once she is
    // no longer a member.
    seed.0
        .execute(
            "DELETE FROM latchkey.vault_members WHERE user_id = $1",
            &[&team.carol.0],
        )
        .unwrap();
    let mut tx = carol.begin(TxMode::Read).unwrap();
    assert_eq!(tx.entry_record(sa).unwrap().unwrap().name, "sa");
    drop(tx);
    let mut tx = carol.begin(TxMode::Read).unwrap();
    not_permitted(tx.entries(v), "not a member");
}

/// A modified client calling the functions directly gains nothing: no
/// table, key or ciphertext is readable, another vault's ids are refused.
#[test]
fn raw_calls_gain_nothing() {
    let Some(shop) = shop() else { return };
    let team = &shop.team;
    let v = shop.vault;
    let mut seed = Seed(team.su());
    let item = seed.entry(v, None, "ssh", "Gate");
    let mut bob = team.store("bob", BOB_PW);
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.set_secret_clear(item, "s3cret-value").unwrap();
    tx.commit().unwrap();

    let mut dave = team.raw("dave", DAVE_PW);
    for sql in [
        "SELECT key FROM latchkey.secret_key",
        "SELECT ciphertext FROM latchkey.entry_secrets",
        "SELECT * FROM latchkey.entries",
        "SELECT latchkey.entry_permission_bits(1, 1, 1)",
        "SELECT latchkey.workspace_key()",
        "SELECT latchkey_crypto.pgp_sym_decrypt('\\x00'::bytea, 'k')",
    ] {
        assert_eq!(sqlstate(dave.query(sql, &[])), "42501", "{sql}");
    }
    let mut bob_raw = team.raw("bob", BOB_PW);
    assert_eq!(
        sqlstate(bob_raw.query("SELECT ciphertext FROM latchkey.entry_secrets", &[])),
        "42501"
    );
    // dave, no member, names bob's vault and entry.
    let calls: [(&str, &[&(dyn postgres::types::ToSql + Sync)]); 6] = [
        (
            "SELECT latchkey_api.insert_entry($1, 'ssh', NULL, 'x', '', NULL, '', '', '', '', '')",
            &[&v.0],
        ),
        (
            "SELECT latchkey_api.update_entry($1, NULL, 'x', '', NULL, '', '', '', '', '')",
            &[&item.0],
        ),
        (
            "SELECT latchkey_api.delete_entries(ARRAY[$1::bigint])",
            &[&item.0],
        ),
        (
            "SELECT latchkey_api.set_secret_clear($1, 'mine')",
            &[&item.0],
        ),
        ("SELECT * FROM latchkey_api.entries($1)", &[&v.0]),
        (
            "SELECT latchkey_api.reveal_secret($1, $2, 'password_revealed', NULL, '{}')",
            &[&item.0, &team.dave.0],
        ),
    ];
    for (sql, params) in calls {
        assert_eq!(sqlstate(dave.query(sql, params)), "42501", "{sql}");
    }
    // bob may reveal, but not as someone else nor under another action.
    let as_other = bob_raw.query(
        "SELECT latchkey_api.reveal_secret($1, $2, 'password_revealed', NULL, '{}')",
        &[&item.0, &team.ada.0],
    );
    assert_eq!(sqlstate(as_other), "42501");
    let other_action = bob_raw.query(
        "SELECT latchkey_api.reveal_secret($1, $2, 'entry_deleted', NULL, '{}')",
        &[&item.0, &team.bob.0],
    );
    assert_eq!(sqlstate(other_action), "22023");
    // The stored secret is ciphertext; only the key opens it.
    let mut su = team.su();
    let stored: Vec<u8> = su
        .query_one(
            "SELECT ciphertext FROM latchkey.entry_secrets WHERE entry_id = $1",
            &[&item.0],
        )
        .unwrap()
        .get(0);
    assert!(!stored.windows(12).any(|w| w == b"s3cret-value"));
    let opened: String = su
        .query_one(
            "SELECT latchkey_crypto.pgp_sym_decrypt(ciphertext, (SELECT key FROM latchkey.secret_key)) \
             FROM latchkey.entry_secrets WHERE entry_id = $1",
            &[&item.0],
        )
        .unwrap()
        .get(0);
    assert_eq!(opened, "s3cret-value");
    // The sealed-secret methods are refused on this workspace.
    let mut tx = bob.begin(TxMode::Read).unwrap();
    assert!(matches!(tx.secret(item), Err(StoreError::Database(_))));
}

fn reveal_event(actor: UserId, entry: EntryId) -> AuditEvent {
    AuditEvent::next(
        None,
        Timestamp(0),
        Some(actor),
        AuditAction::PasswordRevealed,
        None,
        Some(entry),
        r#"{"via":"grant"}"#.into(),
    )
}

fn audit_events(team: &Team) -> Vec<AuditEvent> {
    team.su()
        .query(
            "SELECT seq, at_ms, actor_id, action, request_id, entry_id, details, prev_hash, hash \
             FROM latchkey.audit_events ORDER BY seq",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| AuditEvent {
            seq: r.get(0),
            at: Timestamp(r.get(1)),
            actor_id: r.get::<_, Option<i64>>(2).map(UserId),
            action: r.get(3),
            request_id: r.get::<_, Option<i64>>(4).map(RequestId),
            entry_id: r.get::<_, Option<i64>>(5).map(EntryId),
            details: r.get(6),
            prev_hash: r.get(7),
            hash: r.get(8),
        })
        .collect()
}

/// A reveal needs View password at the server's instant: refused (and
/// unrecorded) without it and after the grant's end, recorded exactly once
/// with a hash that verifies when allowed.
#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one secret's story, each step on the clock of the last"
)]
fn a_secret_is_revealed_only_with_view_password_and_recorded() {
    let Some(shop) = shop() else { return };
    let team = &shop.team;
    let v = shop.vault;
    let mut seed = Seed(team.su());
    let item = seed.entry(v, None, "credentials", "Root");
    let empty = seed.entry(v, None, "credentials", "Nothing");
    let reader = seed.set("reader", VIEW | VIEW_PASSWORD);
    let mut bob = team.store("bob", BOB_PW);
    let mut carol = team.store("carol", CAROL_PW);
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.set_secret_clear(item, "correct horse").unwrap();
    tx.commit().unwrap();

    // Without View password: refused, nothing recorded.
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.reveal_secret(item, &reveal_event(team.carol, item)),
        "“View password”",
    );
    drop(tx);
    assert!(audit_events(team).is_empty());

    // A grant [T0, T0 + 60 s) allows it.
    seed.grant(&GrantSpec {
        user: team.carol,
        vault: v,
        target: Target::Entry(item),
        covers_rows: vec![item],
        set: reader,
        status: "approved",
        start: Some(0),
        end: Some(60_000),
        claim_by: None,
        permanent: false,
        covers: vec![item],
    });
    team.set_clock(T0 + 59_999);
    let mut tx = carol.begin(TxMode::Write).unwrap();
    let secret = tx
        .reveal_secret(item, &reveal_event(team.carol, item))
        .unwrap()
        .unwrap();
    assert_eq!(secret.as_str(), "correct horse");
    tx.commit().unwrap();
    let events = audit_events(team);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.action, "password_revealed");
    assert_eq!(event.actor_id, Some(team.carol));
    assert_eq!(event.entry_id, Some(item));
    assert_eq!(event.at, Timestamp(T0 + 59_999), "the server's instant");
    assert_eq!(event.hash, event.computed_hash());

    // The workspace policy withholds it from non-administrators.
    seed.allow_reveal(false);
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.reveal_secret(item, &reveal_event(team.carol, item)),
        "turned off",
    );
    drop(tx);
    seed.allow_reveal(true);

    // At the grant's end (exclusive): refused, nothing recorded.
    team.set_clock(T0 + 60_000);
    let mut tx = carol.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.reveal_secret(item, &reveal_event(team.carol, item)),
        "“View password”",
    );
    drop(tx);
    assert_eq!(audit_events(team).len(), 1);

    // An administrator reveals; bob (editor, no View password) does not.
    let mut ada = team.store("ada", ADA_PW);
    let mut tx = ada.begin(TxMode::Write).unwrap();
    assert!(
        tx.reveal_secret(item, &reveal_event(team.ada, item))
            .unwrap()
            .is_some()
    );
    assert!(
        tx.reveal_secret(empty, &reveal_event(team.ada, empty))
            .unwrap()
            .is_none(),
        "no secret: nothing to reveal or record"
    );
    tx.commit().unwrap();
    let mut tx = bob.begin(TxMode::Write).unwrap();
    not_permitted(
        tx.reveal_secret(item, &reveal_event(team.bob, item)),
        "“View password”",
    );
    drop(tx);
    let events = audit_events(team);
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.hash == e.computed_hash()));
    assert_eq!(events[1].prev_hash, events[0].hash);

    // Who may add but not edit sets the secret of what they create, in the
    // transaction that creates it (as the service stores a new entry's
    // secret), and never again afterwards.
    let adder = seed.set("adder", VIEW | ADD);
    seed.member(v, team.dave);
    seed.standing(team.dave, v, None, adder, None);
    let mut dave = team.store("dave", DAVE_PW);
    let mut tx = dave.begin(TxMode::Write).unwrap();
    let mine = tx
        .insert_entry(v, EntryKind::Credentials, &draft("Mine", None))
        .unwrap();
    tx.set_secret_clear(mine, "first").unwrap();
    tx.commit().unwrap();
    let mut tx = dave.begin(TxMode::Write).unwrap();
    not_permitted(tx.set_secret_clear(mine, "second"), "“Edit”");
    drop(tx);
    let mut tx = dave.begin(TxMode::Write).unwrap();
    not_permitted(tx.clear_secret(mine), "“Edit”");
    drop(tx);
    let mut tx = dave.begin(TxMode::Write).unwrap();
    not_permitted(tx.set_secret_clear(item, "theirs"), "“Edit”");
    drop(tx);
    let mut tx = ada.begin(TxMode::Write).unwrap();
    let kept = tx
        .reveal_secret(mine, &reveal_event(team.ada, mine))
        .unwrap()
        .unwrap();
    assert_eq!(kept.as_str(), "first");
    // A folder has no password.
    let folder = tx
        .insert_entry(v, EntryKind::Folder, &draft("Box", None))
        .unwrap();
    let no_password = refused(tx.set_secret_clear(folder, "x"));
    assert!(
        matches!(&no_password, DomainError::Invalid(e) if e.0[0].field == Field::Password),
        "{no_password:?}"
    );
}

/// Two users change the same entry at once: the first writer wins, the
/// second waits for it and is refused by what it left (the entry deleted).
#[test]
fn concurrent_writers_are_serialised_and_the_second_is_refused() {
    let Some(shop) = shop() else { return };
    let team = &shop.team;
    let v = shop.vault;
    let mut seed = Seed(team.su());
    let item = seed.entry(v, None, "ssh", "Gate");
    let editor: i64 = seed.one(
        "SELECT id FROM latchkey.permission_sets WHERE name = 'editor'",
        &[],
    );
    seed.0
        .execute(
            "INSERT INTO latchkey.standing_permissions (user_id, vault_id, permission_set_id) VALUES ($1, $2, $3)",
            &[&team.carol.0, &v.0, &editor],
        )
        .unwrap();
    let mut bob = team.store("bob", BOB_PW);
    let target = team.target.clone();
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.delete_entries(&[item], Timestamp(T0)).unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let second = std::thread::spawn(move || {
        let mut carol = PgStore::connect(&target, "carol", CAROL_PW).unwrap();
        let mut tx = carol.begin(TxMode::Write).unwrap();
        started_tx.send(()).unwrap();
        let result = tx.update_entry(item, &draft("Gate 2", None));
        result.map(drop)
    });
    started_rx.recv().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !second.is_finished(),
        "the second writer waits for the first"
    );
    tx.commit().unwrap();
    let result = second.join().unwrap();
    assert!(
        matches!(result, Err(StoreError::Refused(DomainError::WrongState(_)))),
        "{result:?}"
    );
    // Two creations of the same name in one folder: one wins.
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.insert_entry(v, EntryKind::Ssh, &draft("Twin", None))
        .unwrap();
    let target = team.target.clone();
    let second = std::thread::spawn(move || {
        let mut carol = PgStore::connect(&target, "carol", CAROL_PW).unwrap();
        let mut tx = carol.begin(TxMode::Write).unwrap();
        tx.insert_entry(v, EntryKind::Ssh, &draft("twin", None))
            .map(drop)
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    tx.commit().unwrap();
    let result = second.join().unwrap();
    assert!(
        matches!(&result, Err(StoreError::Refused(DomainError::Invalid(e))) if e.0[0].field == Field::Name),
        "{result:?}"
    );
}

/// A revocation in progress: a reveal waits for it, then is refused and
/// records nothing.
#[test]
fn a_reveal_waits_for_a_revocation_in_progress() {
    let Some(shop) = shop() else { return };
    let team = &shop.team;
    let v = shop.vault;
    let mut seed = Seed(team.su());
    let mut bob = team.store("bob", BOB_PW);
    let gate = seed.entry(v, None, "credentials", "Vault door");
    let reader = seed.set("reader", VIEW | VIEW_PASSWORD);
    let grant = seed.grant(&GrantSpec {
        user: team.carol,
        vault: v,
        target: Target::Entry(gate),
        covers_rows: vec![gate],
        set: reader,
        status: "approved",
        start: Some(0),
        end: Some(60_000),
        claim_by: None,
        permanent: false,
        covers: vec![gate],
    });
    let mut tx = bob.begin(TxMode::Write).unwrap();
    tx.set_secret_clear(gate, "open sesame").unwrap();
    tx.commit().unwrap();
    let mut approver = team.su();
    let mut revoking = approver.transaction().unwrap();
    revoking
        .execute(
            "UPDATE latchkey.requests SET status = 'revoked' WHERE id = $1",
            &[&grant.id.0],
        )
        .unwrap();
    let target = team.target.clone();
    let carol_id = team.carol;
    let reveal = std::thread::spawn(move || {
        let mut carol = PgStore::connect(&target, "carol", CAROL_PW).unwrap();
        let mut tx = carol.begin(TxMode::Write).unwrap();
        tx.reveal_secret(gate, &reveal_event(carol_id, gate))
            .map(|s| s.is_some())
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!reveal.is_finished(), "the reveal waits for the revocation");
    revoking.commit().unwrap();
    let result = reveal.join().unwrap();
    assert!(
        matches!(
            result,
            Err(StoreError::Refused(DomainError::NotPermitted(_)))
        ),
        "{result:?}"
    );
    assert!(audit_events(team).is_empty());
}
