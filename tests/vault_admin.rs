//! Administering vaults through the service (issue 15, R-ADM-2, R-ADM-7,
//! R-BEY-4, R-BEY-5) on a real workspace file at fixed instants: each
//! operation is refused for anyone but an administrator with nothing
//! written, stores its result and writes one audit event with before and
//! after; removing a member ends their access at that instant; approvers,
//! permission sets and policies keep the vault usable; a vault's maximum
//! grant length bounds requests, approvals and direct grants.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod fixture;

use fixture::{PASSWORD, empty_workspace, named, new_user};
use latchkey::domain::audit::AuditEvent;
use latchkey::domain::entry::{EntryKind, NewEntry};
use latchkey::domain::notification::NotificationKind;
use latchkey::domain::permission::{Permission, Permissions};
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, Phase, RequestStatus, Target, Terms,
};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::{
    DomainError, EntryId, Field, PermissionSetId, RequestId, Span, Timestamp, VaultId,
};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::{
    NewVault, SecretUse, ServiceError, Session, SetUses, StandingGrant, VaultMember, VaultPolicy,
    Workspace,
};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use serde_json::{Value, json};
use std::fmt::Debug;
use std::path::PathBuf;
use tempfile::TempDir;

const T0: Timestamp = Timestamp(1_800_000_000_000);
const MS: Span = Span(1);
const DB_SECRET: &str = "s3cret-db-01";

struct People {
    admin: Session,
    /// A member of Production who asks for access; no standing permission.
    alice: Session,
    /// An approver of Production.
    bob: Session,
    /// Another approver of Production.
    carol: Session,
    /// A member and approver of Production, but no administrator: every
    /// administration is refused to him.
    dave: Session,
}

/// Vaults "Production" (db-01 with a secret, folder Servers with web-01) and
/// "Staging" (stage-01); the custom set "Deployer".
struct Fx {
    _dir: TempDir,
    path: PathBuf,
    ws: Workspace,
    now: Timestamp,
    production: VaultId,
    staging: VaultId,
    db: EntryId,
    servers: EntryId,
    web: EntryId,
    stage: EntryId,
    reader: PermissionSetId,
    deployer: PermissionSetId,
}

fn setup() -> (Fx, People) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("vaults.latchkey");
    let keyring = MemoryKeyring::default();
    let (mut ws, admin) = empty_workspace(&path, &keyring, T0);
    let mut add_user = |name: &str| {
        ws.add_user(&admin, &new_user(name, false), PASSWORD, T0)
            .unwrap()
    };
    let [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map(&mut add_user);
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        ..WorkspaceSettings::default()
    };
    ws.update_settings(&admin, &settings, T0).unwrap();
    let production = ws
        .add_vault(&admin, &NewVault::named("Production"), T0)
        .unwrap();
    let staging = ws
        .add_vault(&admin, &NewVault::named("Staging"), T0)
        .unwrap();
    ws.add_member(&admin, production, alice, T0).unwrap();
    ws.add_member(&admin, staging, alice, T0).unwrap();
    for approver in [bob, carol, dave] {
        ws.add_approver(&admin, production, approver, T0).unwrap();
        ws.add_approver(&admin, staging, approver, T0).unwrap();
    }
    let deployer = ws
        .add_permission_set(
            &admin,
            "Deployer",
            Permissions::of(&[Permission::View, Permission::Connect]),
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
    let mut add = |vault, kind, draft: NewEntry, secret: Option<&str>| {
        ws.add_entry(&admin, vault, kind, &draft, secret, T0)
            .unwrap()
    };
    let db = add(
        production,
        EntryKind::Credentials,
        named("db-01", None),
        Some(DB_SECRET),
    );
    let servers = add(production, EntryKind::Folder, named("Servers", None), None);
    let web = add(
        production,
        EntryKind::Ssh,
        named("web-01", Some(servers)),
        None,
    );
    let stage = add(staging, EntryKind::Ssh, named("stage-01", None), None);

    let mut sign_in = |name: &str| ws.sign_in(name, PASSWORD, T0).unwrap();
    let people = People {
        admin: sign_in("admin"),
        alice: sign_in("alice"),
        bob: sign_in("bob"),
        carol: sign_in("carol"),
        dave: sign_in("dave"),
    };
    let fx = Fx {
        _dir: dir,
        path,
        ws,
        now: T0 + Span::mins(1),
        production,
        staging,
        db,
        servers,
        web,
        stage,
        reader,
        deployer,
    };
    (fx, people)
}

fn duration(mins: u32) -> AccessWindow {
    AccessWindow::Duration { mins }
}

fn as_requested() -> ApprovalInput {
    ApprovalInput {
        terms: None,
        message: String::new(),
    }
}

impl Fx {
    /// Alice asks Bob for `set` on `entry` for `window`.
    fn ask(
        &mut self,
        p: &People,
        entry: EntryId,
        set: PermissionSetId,
        window: AccessWindow,
    ) -> Result<RequestId, ServiceError> {
        let draft = NewRequest {
            target: Target::Entry(entry),
            terms: Terms {
                permission_set_id: set,
                window,
            },
            approver_id: Some(p.bob.user_id()),
            message: "maintenance".into(),
            start_on_first_use: false,
            extends_request_id: None,
        };
        self.ws.request_access(&p.alice, &draft, self.now)
    }

    /// Alice asks for `set` on `entry` for an hour and Bob approves at once.
    fn grant(&mut self, p: &People, entry: EntryId, set: PermissionSetId) -> RequestId {
        let id = self.ask(p, entry, set, duration(60)).unwrap();
        let outcome = self
            .ws
            .approve(&p.bob, id, &as_requested(), self.now)
            .unwrap();
        assert_eq!(outcome, ApprovalOutcome::Granted);
        id
    }

    fn audit(&self) -> Vec<AuditEvent> {
        let mut store = SqliteStore::open(&self.path).unwrap();
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.audit_events_after(0, 1_000_000).unwrap()
    }

    /// The newest audit event, which must be `action`, and its details.
    fn last_event(&self, action: &str) -> (AuditEvent, Value) {
        let event = self.audit().pop().unwrap();
        assert_eq!(event.action, action);
        let details = serde_json::from_str(&event.details).unwrap();
        (event, details)
    }

    fn members(&mut self, p: &People, vault: VaultId) -> Vec<VaultMember> {
        self.ws.vault_members(&p.admin, vault, self.now).unwrap()
    }

    fn standing(&mut self, p: &People, vault: VaultId) -> Vec<StandingGrant> {
        self.ws.standing_grants(&p.admin, vault, self.now).unwrap()
    }

    fn policy(&mut self, p: &People, vault: VaultId) -> VaultPolicy {
        self.ws.vault_policy(&p.admin, vault, self.now).unwrap()
    }

    fn set_policy(
        &mut self,
        p: &People,
        vault: VaultId,
        policy: &VaultPolicy,
    ) -> Result<(), ServiceError> {
        self.ws.set_vault_policy(&p.admin, vault, policy, self.now)
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

/// The field and message of a validation error's first message.
fn invalid<T: Debug>(result: Result<T, ServiceError>) -> (Field, String) {
    let error = refused(result);
    let errors = error.field_errors().expect("a validation error");
    let first = &errors.0[0];
    (first.field, first.message.clone())
}

fn standing(
    user: &Session,
    vault: VaultId,
    folder: Option<EntryId>,
    set: PermissionSetId,
) -> StandingGrant {
    StandingGrant {
        user_id: user.user_id(),
        vault_id: vault,
        folder_id: folder,
        set_id: set,
        origin: None,
    }
}

/// Everything the administration can show, to see that a refusal changed nothing.
#[derive(Debug, PartialEq)]
struct Snapshot {
    members: Vec<VaultMember>,
    standing: Vec<StandingGrant>,
    policy: VaultPolicy,
    sets: Vec<(String, Permissions)>,
    audit_len: usize,
}

fn snapshot(fx: &mut Fx, p: &People) -> Snapshot {
    let production = fx.production;
    Snapshot {
        members: fx.members(p, production),
        standing: fx.standing(p, production),
        policy: fx.policy(p, production),
        sets: fx
            .ws
            .permission_sets(fx.now)
            .unwrap()
            .into_iter()
            .map(|s| (s.name, s.permissions))
            .collect(),
        audit_len: fx.audit().len(),
    }
}

/// Every operation, reads included, is refused for a member who approves
/// but is no administrator, and the refusal writes nothing.
#[test]
fn every_operation_is_for_administrators_only_and_a_refusal_writes_nothing() {
    let (mut fx, p) = setup();
    let alice_standing = standing(&p.alice, fx.production, None, fx.deployer);
    fx.ws
        .add_standing(
            &p.admin,
            p.alice.user_id(),
            fx.production,
            None,
            fx.deployer,
            T0,
        )
        .unwrap();
    let before = snapshot(&mut fx, &p);
    let (production, alice, bob, deployer, now) = (
        fx.production,
        p.alice.user_id(),
        p.bob.user_id(),
        fx.deployer,
        fx.now,
    );
    let policy = VaultPolicy {
        required_approvals: 2,
        ..fx.policy(&p, production)
    };
    let ws = &mut fx.ws;
    let dave = &p.dave;
    let refusals = [
        (
            "vault_members",
            ws.vault_members(dave, production, now).map(drop),
        ),
        (
            "remove_member",
            ws.remove_member(dave, production, alice, now),
        ),
        (
            "remove_approver",
            ws.remove_approver(dave, production, bob, now),
        ),
        (
            "standing_grants",
            ws.standing_grants(dave, production, now).map(drop),
        ),
        (
            "remove_standing",
            ws.remove_standing(dave, &alice_standing, now),
        ),
        (
            "update_permission_set",
            ws.update_permission_set(dave, deployer, "Ops", Permissions::ALL, now),
        ),
        (
            "permission_set_uses",
            ws.permission_set_uses(dave, deployer, now).map(drop),
        ),
        (
            "delete_permission_set",
            ws.delete_permission_set(dave, deployer, now),
        ),
        (
            "vault_policy",
            ws.vault_policy(dave, production, now).map(drop),
        ),
        (
            "set_vault_policy",
            ws.set_vault_policy(dave, production, &policy, now),
        ),
    ];
    for (name, result) in refusals {
        let message = not_permitted(result);
        assert!(
            message.contains("only an administrator"),
            "{name}: {message}"
        );
    }
    assert_eq!(snapshot(&mut fx, &p), before);
}

/// The members are listed with whether they approve.
#[test]
fn vault_members_lists_members_and_approvers() {
    let (mut fx, p) = setup();
    let production = fx.production;
    let members = fx.members(&p, production);
    let expected: Vec<VaultMember> = [
        (&p.alice, false),
        (&p.bob, true),
        (&p.carol, true),
        (&p.dave, true),
    ]
    .into_iter()
    .map(|(who, is_approver)| VaultMember {
        user_id: who.user_id(),
        is_approver,
        joined_until: None,
    })
    .collect();
    assert_eq!(members, expected);
}

/// R-ADM-2: removing a member ends their grant in force at that instant,
/// cancels their pending request, removes their standing permissions, and
/// says all of it in one `member_removed` event.
#[test]
fn removing_a_member_ends_their_access_at_once() {
    let (mut fx, p) = setup();
    let (production, staging) = (fx.production, fx.staging);
    fx.ws
        .add_standing(
            &p.admin,
            p.alice.user_id(),
            production,
            Some(fx.servers),
            fx.deployer,
            T0,
        )
        .unwrap();
    fx.ws
        .add_standing(&p.admin, p.alice.user_id(), staging, None, fx.deployer, T0)
        .unwrap();
    let granted = fx.grant(&p, fx.db, fx.reader);
    let pending = fx.ask(&p, fx.web, fx.reader, duration(30)).unwrap();
    let elsewhere = fx.ask(&p, fx.stage, fx.reader, duration(30)).unwrap();
    fx.now = fx.now + Span::mins(5);
    let secret = fx
        .ws
        .reveal_secret(&p.alice, fx.db, SecretUse::Reveal, fx.now)
        .unwrap();
    assert_eq!(secret.as_str(), DB_SECRET);
    let events_before = fx.audit().len();

    let removed_at = fx.now;
    fx.ws
        .remove_member(&p.admin, production, p.alice.user_id(), removed_at)
        .unwrap();

    // One event, listing what ended.
    assert_eq!(fx.audit().len(), events_before + 1);
    let (event, details) = fx.last_event("member_removed");
    assert_eq!(event.actor_id, Some(p.admin.user_id()));
    assert_eq!(details["vault"], "Production");
    assert_eq!(details["member"]["username"], "alice");
    assert_eq!(
        details["before"],
        json!({ "is_member": true, "is_approver": false })
    );
    assert_eq!(
        details["after"],
        json!({ "is_member": false, "is_approver": false })
    );
    assert_eq!(details["revoked"], json!([granted.0]));
    assert_eq!(details["cancelled"], json!([pending.0]));
    assert_eq!(details["standing_removed"][0]["folder_id"], fx.servers.0);
    assert_eq!(details["standing_removed"][0]["permission_set"], "Deployer");
    assert!(!event.details.contains(DB_SECRET));

    // The grant ended at the removal instant: 1 ms later the secret is refused.
    let later = removed_at + MS;
    let refusal = refused(
        fx.ws
            .reveal_secret(&p.alice, fx.db, SecretUse::Reveal, later),
    );
    assert!(
        matches!(refusal, ServiceError::Domain(DomainError::NotPermitted(_))),
        "{refusal:?}"
    );
    let grant = fx.ws.request(&p.admin, granted, later).unwrap();
    assert_eq!(grant.status, RequestStatus::Revoked);
    assert_eq!(grant.ended_at, Some(removed_at));
    assert_eq!(grant.effective_end_at(), Some(removed_at));
    assert_eq!(grant.ended_by, Some(p.admin.user_id()));
    assert_eq!(grant.closing_note, "membership removed");

    // The pending request is no longer pending: cancelled, by the administrator.
    let cancelled = fx.ws.request(&p.admin, pending, later).unwrap();
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
    assert_eq!(cancelled.phase(later), Phase::Cancelled);
    assert_eq!(cancelled.ended_by, Some(p.admin.user_id()));
    assert!(
        fx.ws
            .inbox(&p.bob, later, 50)
            .unwrap()
            .iter()
            .all(|r| r.id != pending),
        "no approver is asked to decide it any more"
    );

    // The requester is told, as by a revocation.
    let told = fx.ws.notifications(&p.alice, 10, later).unwrap();
    assert!(
        told.iter()
            .any(|n| n.request_id == granted && n.kind == NotificationKind::Revoked)
    );

    // Membership and standing permissions in the vault are gone; Staging is untouched.
    assert!(
        fx.members(&p, production)
            .iter()
            .all(|m| m.user_id != p.alice.user_id())
    );
    assert!(fx.standing(&p, production).is_empty());
    assert_eq!(fx.standing(&p, staging).len(), 1);
    let other = fx.ws.request(&p.admin, elsewhere, later).unwrap();
    assert_eq!(other.status, RequestStatus::Pending);

    // Asking again is refused: she is no longer a member.
    let (field, message) = invalid(fx.ask(&p, fx.db, fx.reader, duration(30)));
    assert_eq!(field, Field::Entry);
    assert!(message.contains("not a member"), "{message}");

    // Removing her again finds nothing.
    assert!(matches!(
        refused(
            fx.ws
                .remove_member(&p.admin, production, p.alice.user_id(), later)
        ),
        ServiceError::NotFound(_)
    ));
}

/// An administrator's access does not come from membership: removing their
/// membership changes the list only.
#[test]
fn removing_an_administrators_membership_changes_only_the_list() {
    let (mut fx, p) = setup();
    let production = fx.production;
    fx.ws
        .add_member(&p.admin, production, p.admin.user_id(), T0)
        .unwrap();
    fx.ws
        .remove_member(&p.admin, production, p.admin.user_id(), fx.now)
        .unwrap();
    assert!(
        fx.members(&p, production)
            .iter()
            .all(|m| m.user_id != p.admin.user_id())
    );
    let (_, details) = fx.last_event("member_removed");
    assert_eq!(details["revoked"], json!([]));
    let secret = fx
        .ws
        .reveal_secret(&p.admin, fx.db, SecretUse::Reveal, fx.now + MS)
        .unwrap();
    assert_eq!(secret.as_str(), DB_SECRET);
}

/// R-BEY-4: an approver cannot be removed when the vault could no longer
/// gather its required approvals; otherwise they stay a member, and the
/// pending request that named them stays pending for the others to decide.
#[test]
fn remove_approver_keeps_the_quorum_possible() {
    let (mut fx, p) = setup();
    let production = fx.production;
    // Bob, Carol, Dave and the administrator can approve: four people.
    let policy = VaultPolicy {
        required_approvals: 4,
        ..fx.policy(&p, production)
    };
    fx.set_policy(&p, production, &policy).unwrap();
    let pending = fx.ask(&p, fx.db, fx.reader, duration(30)).unwrap();
    let events_before = fx.audit().len();

    let (field, message) =
        invalid(
            fx.ws
                .remove_approver(&p.admin, production, p.bob.user_id(), fx.now),
        );
    assert_eq!(field, Field::Approver);
    assert!(
        message.contains("Production requires 4 approvals"),
        "{message}"
    );
    assert!(message.contains("only 3 people could approve"), "{message}");
    assert_eq!(fx.audit().len(), events_before, "a refusal writes nothing");
    assert!(
        fx.members(&p, production)
            .iter()
            .any(|m| m.user_id == p.bob.user_id() && m.is_approver)
    );

    let policy = VaultPolicy {
        required_approvals: 2,
        ..policy.clone()
    };
    fx.set_policy(&p, production, &policy).unwrap();
    fx.ws
        .remove_approver(&p.admin, production, p.bob.user_id(), fx.now)
        .unwrap();
    let (_, details) = fx.last_event("approver_removed");
    assert_eq!(details["member"]["username"], "bob");
    assert_eq!(
        details["before"],
        json!({ "is_member": true, "is_approver": true })
    );
    assert_eq!(
        details["after"],
        json!({ "is_member": true, "is_approver": false })
    );
    assert!(fx.members(&p, production).contains(&VaultMember {
        user_id: p.bob.user_id(),
        is_approver: false,
        joined_until: None,
    }));
    // Carol, Dave and the administrator remain: 3 ≥ 2; one more would be 2 ≥ 2.
    fx.ws
        .remove_approver(&p.admin, production, p.carol.user_id(), fx.now)
        .unwrap();
    let (field, _) = invalid(
        fx.ws
            .remove_approver(&p.admin, production, p.dave.user_id(), fx.now),
    );
    assert_eq!(field, Field::Approver);

    // The request that named Bob is still pending; Bob can no longer decide
    // it, Dave and the administrator can.
    let request = fx.ws.request(&p.admin, pending, fx.now).unwrap();
    assert_eq!(request.phase(fx.now), Phase::Pending);
    not_permitted(fx.ws.approve(&p.bob, pending, &as_requested(), fx.now));
    assert_eq!(
        fx.ws
            .approve(&p.dave, pending, &as_requested(), fx.now)
            .unwrap(),
        ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }
    );
    assert_eq!(
        fx.ws
            .approve(&p.admin, pending, &as_requested(), fx.now)
            .unwrap(),
        ApprovalOutcome::Granted
    );
}

/// A standing permission is removed exactly, and only once.
#[test]
fn remove_standing_removes_exactly_that_row() {
    let (mut fx, p) = setup();
    let production = fx.production;
    let alice = p.alice.user_id();
    fx.ws
        .add_standing(&p.admin, alice, production, None, fx.reader, T0)
        .unwrap();
    fx.ws
        .add_standing(
            &p.admin,
            alice,
            production,
            Some(fx.servers),
            fx.deployer,
            T0,
        )
        .unwrap();
    let on_top = standing(&p.alice, production, None, fx.reader);
    let on_servers = standing(&p.alice, production, Some(fx.servers), fx.deployer);
    assert_eq!(fx.standing(&p, production), [on_top, on_servers]);

    fx.ws
        .remove_standing(&p.admin, &on_servers, fx.now)
        .unwrap();
    assert_eq!(fx.standing(&p, production), [on_top]);
    let (event, details) = fx.last_event("standing_removed");
    assert_eq!(event.entry_id, Some(fx.servers));
    assert_eq!(details["before"]["permission_set"], "Deployer");
    assert_eq!(details["before"]["folder_id"], fx.servers.0);
    assert_eq!(details["after"], Value::Null);
    // Alice stays a member, and what the removed one gave is gone.
    assert!(
        fx.members(&p, production)
            .iter()
            .any(|m| m.user_id == alice)
    );
    let access = fx.ws.entry_access(&p.alice, fx.web, fx.now).unwrap();
    assert!(!access.permissions.contains(Permission::Connect));

    let events = fx.audit().len();
    assert!(matches!(
        refused(fx.ws.remove_standing(&p.admin, &on_servers, fx.now)),
        ServiceError::NotFound(_)
    ));
    assert_eq!(fx.audit().len(), events);
}

/// A custom set is renamed and changed, audited with before and after;
/// names stay unique and a set needs a permission; built-in sets can be
/// neither changed nor deleted.
#[test]
fn permission_sets_are_changed_and_built_in_ones_are_not() {
    let (mut fx, p) = setup();
    let (deployer, reader, now) = (fx.deployer, fx.reader, fx.now);
    let connect_only = Permissions::of(&[Permission::Connect]);
    fx.ws
        .update_permission_set(&p.admin, deployer, "Release", connect_only, now)
        .unwrap();
    let stored = fx
        .ws
        .permission_sets(now)
        .unwrap()
        .into_iter()
        .find(|s| s.id == deployer)
        .unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.permissions),
        ("Release", connect_only)
    );
    let (_, details) = fx.last_event("permission_set_changed");
    assert_eq!(
        details["before"],
        json!({ "name": "Deployer", "permissions": "View, Connect (execute)" })
    );
    assert_eq!(
        details["after"],
        json!({ "name": "Release", "permissions": "Connect (execute)" })
    );

    let events = fx.audit().len();
    let rows = [
        (
            "taken, any case",
            "reader",
            connect_only,
            Field::Name,
            "exists already",
        ),
        (
            "empty name",
            "  ",
            connect_only,
            Field::Name,
            "enter a name",
        ),
        (
            "no permission",
            "Nothing",
            Permissions::NONE,
            Field::PermissionSet,
            "at least one permission",
        ),
    ];
    for (name, set_name, permissions, field, says) in rows {
        let (got, message) =
            invalid(
                fx.ws
                    .update_permission_set(&p.admin, deployer, set_name, permissions, now),
            );
        assert_eq!(got, field, "{name}");
        assert!(message.contains(says), "{name}: {message}");
    }
    // Keeping its own name in another case is fine.
    fx.ws
        .update_permission_set(&p.admin, deployer, "RELEASE", connect_only, now)
        .unwrap();

    let message = not_permitted(fx.ws.update_permission_set(
        &p.admin,
        reader,
        "Readers",
        Permissions::ALL,
        now,
    ));
    assert_eq!(message, "built-in sets cannot be changed");
    let message = not_permitted(fx.ws.delete_permission_set(&p.admin, reader, now));
    assert_eq!(message, "built-in sets cannot be deleted");
    assert_eq!(fx.audit().len(), events + 1);
}

/// A changed set changes what grants already approved give: requests keep
/// the set, not its permissions.
#[test]
fn a_changed_set_applies_to_grants_already_approved() {
    let (mut fx, p) = setup();
    let grant = fx.grant(&p, fx.db, fx.deployer);
    assert!(
        fx.ws
            .reveal_secret(&p.alice, fx.db, SecretUse::Reveal, fx.now)
            .is_err()
    );
    let with_password = Permissions::of(&[Permission::View, Permission::ViewPassword]);
    fx.ws
        .update_permission_set(&p.admin, fx.deployer, "Deployer", with_password, fx.now)
        .unwrap();
    let secret = fx
        .ws
        .reveal_secret(&p.alice, fx.db, SecretUse::Reveal, fx.now + MS)
        .unwrap();
    assert_eq!(secret.as_str(), DB_SECRET);
    assert_eq!(
        fx.ws.request(&p.admin, grant, fx.now).unwrap().status,
        RequestStatus::Approved
    );
}

/// A set in use cannot be deleted and the message says where; once its uses
/// are gone it can, and past requests keep its name.
#[test]
fn a_set_in_use_cannot_be_deleted_until_its_uses_are_removed() {
    let (mut fx, p) = setup();
    let (production, staging, deployer) = (fx.production, fx.staging, fx.deployer);
    let (alice, bob) = (p.alice.user_id(), p.bob.user_id());
    fx.ws
        .add_standing(&p.admin, alice, staging, None, deployer, T0)
        .unwrap();
    fx.ws
        .add_standing(&p.admin, alice, production, None, deployer, T0)
        .unwrap();
    fx.ws
        .add_standing(&p.admin, bob, production, Some(fx.servers), deployer, T0)
        .unwrap();
    let granted = fx.grant(&p, fx.db, deployer);
    let pending = fx.ask(&p, fx.web, deployer, duration(30)).unwrap();
    let events = fx.audit().len();

    let uses = fx
        .ws
        .permission_set_uses(&p.admin, deployer, fx.now)
        .unwrap();
    assert_eq!(
        uses,
        SetUses {
            standing: 3,
            open_requests: 2,
            vaults: vec!["Production".into(), "Staging".into()],
        }
    );
    let message = not_permitted(fx.ws.delete_permission_set(&p.admin, deployer, fx.now));
    assert!(
        message.contains(
            "used by 3 standing permissions in Production, Staging and by 2 open requests"
        ),
        "{message}"
    );
    assert_eq!(fx.audit().len(), events, "a refusal writes nothing");

    for grant in fx
        .standing(&p, production)
        .into_iter()
        .chain(fx.standing(&p, staging))
    {
        fx.ws.remove_standing(&p.admin, &grant, fx.now).unwrap();
    }
    let message = not_permitted(fx.ws.delete_permission_set(&p.admin, deployer, fx.now));
    assert!(message.contains("used by 2 open requests"), "{message}");
    fx.ws.cancel(&p.alice, pending, fx.now).unwrap();
    let message = not_permitted(fx.ws.delete_permission_set(&p.admin, deployer, fx.now));
    assert!(message.contains("used by 1 open request"), "{message}");
    // Once the grant is over, it no longer counts.
    fx.now = fx.now + Span::mins(61);
    fx.ws
        .delete_permission_set(&p.admin, deployer, fx.now)
        .unwrap();
    let (_, details) = fx.last_event("permission_set_deleted");
    assert_eq!(details["before"]["name"], "Deployer");
    assert_eq!(details["after"], Value::Null);
    assert!(
        fx.ws
            .permission_sets(fx.now)
            .unwrap()
            .iter()
            .all(|s| s.id != deployer)
    );
    assert_eq!(
        fx.ws
            .request(&p.admin, granted, fx.now)
            .unwrap()
            .effective_terms()
            .permission_set_id,
        deployer
    );
    // It can be used no more, and its name is not taken again.
    let (field, _) = invalid(fx.ask(&p, fx.db, deployer, duration(30)));
    assert_eq!(field, Field::PermissionSet);
    let (field, message) =
        invalid(
            fx.ws
                .add_permission_set(&p.admin, "deployer", Permissions::ALL, fx.now),
        );
    assert_eq!(field, Field::Name);
    assert!(message.contains("deleted permission set"), "{message}");
    assert!(matches!(
        refused(fx.ws.delete_permission_set(&p.admin, deployer, fx.now)),
        ServiceError::NotFound(_)
    ));
}

/// R-BEY-4, R-BEY-5, R-ADM-7: a policy is checked, stored and audited with
/// before and after.
#[expect(
    clippy::too_many_lines,
    reason = "a table of cases reads best as one list"
)]
#[test]
fn vault_policy_is_checked_stored_and_audited() {
    let (mut fx, p) = setup();
    let production = fx.production;
    let before = fx.policy(&p, production);
    assert_eq!(
        before,
        VaultPolicy {
            required_approvals: 1,
            break_glass_allowed: false,
            emergency_limit_mins: 60,
            max_grant_mins: None,
            description: String::new(),
            visible_to_non_members: false,
        }
    );
    let events = fx.audit().len();
    let rows = [
        (
            "no approval",
            VaultPolicy {
                required_approvals: 0,
                ..before.clone()
            },
            "from 1 to 10 approvals",
        ),
        (
            "eleven",
            VaultPolicy {
                required_approvals: 11,
                ..before.clone()
            },
            "from 1 to 10 approvals",
        ),
        (
            "more than can approve",
            VaultPolicy {
                required_approvals: 5,
                ..before.clone()
            },
            "only 4 people can approve requests in Production",
        ),
        (
            "no emergency length",
            VaultPolicy {
                break_glass_allowed: true,
                emergency_limit_mins: 0,
                ..before.clone()
            },
            "from 1 minute to 1 day",
        ),
        (
            "emergency over a day",
            VaultPolicy {
                break_glass_allowed: true,
                emergency_limit_mins: 1_441,
                ..before.clone()
            },
            "from 1 minute to 1 day",
        ),
        (
            "zero maximum",
            VaultPolicy {
                max_grant_mins: Some(0),
                ..before.clone()
            },
            "longer than zero",
        ),
        (
            "over the workspace's",
            VaultPolicy {
                max_grant_mins: Some(10_081),
                ..before.clone()
            },
            "workspace's maximum of 1 week",
        ),
        (
            "a description of 501 characters",
            VaultPolicy {
                description: "é".repeat(501),
                ..before.clone()
            },
            "has 501 characters; keep it to 500",
        ),
    ];
    for (name, policy, says) in rows {
        let (field, message) = invalid(fx.set_policy(&p, production, &policy));
        assert_eq!(field, Field::Workspace, "{name}");
        assert!(message.contains(says), "{name}: {message}");
    }
    assert_eq!(fx.audit().len(), events, "refusals write nothing");
    assert_eq!(fx.policy(&p, production), before);

    let after = VaultPolicy {
        required_approvals: 4,
        break_glass_allowed: true,
        emergency_limit_mins: 1_440,
        max_grant_mins: Some(10_080),
        description: "Production servers and their databases".into(),
        visible_to_non_members: true,
    };
    fx.set_policy(&p, production, &after).unwrap();
    assert_eq!(fx.policy(&p, production), after);
    let (_, details) = fx.last_event("vault_policy_changed");
    assert_eq!(details["vault"], "Production");
    assert_eq!(details["before"], serde_json::to_value(&before).unwrap());
    assert_eq!(details["after"], serde_json::to_value(&after).unwrap());
    // The same policy again changes nothing and writes nothing.
    let events = fx.audit().len();
    fx.set_policy(&p, production, &after).unwrap();
    assert_eq!(fx.audit().len(), events);
    // Other vaults keep theirs.
    assert_eq!(fx.policy(&p, fx.staging), before);
}

/// R-ADM-7: a vault's maximum refuses a longer request, approval or direct
/// grant, naming the vault's limit, and allows one at the limit; a smaller
/// workspace maximum still applies.
#[test]
fn a_vaults_maximum_bounds_requests_approvals_and_direct_grants() {
    let (mut fx, p) = setup();
    let production = fx.production;
    // Asked for before the maximum was set: three hours.
    let asked_before = fx.ask(&p, fx.db, fx.reader, duration(180)).unwrap();
    let policy = VaultPolicy {
        max_grant_mins: Some(120),
        ..fx.policy(&p, production)
    };
    fx.set_policy(&p, production, &policy).unwrap();

    let (field, message) = invalid(fx.ask(&p, fx.web, fx.reader, duration(121)));
    assert_eq!(field, Field::Duration);
    assert_eq!(message, "the longest access allowed in Production is 2 h");
    let frame = AccessWindow::Custom {
        start_at: fx.now,
        end_at: fx.now + Span::mins(121),
    };
    let (field, message) = invalid(fx.ask(&p, fx.web, fx.reader, frame));
    assert_eq!(field, Field::End);
    assert_eq!(
        message,
        "the time frame is longer than the 2 h allowed in Production"
    );
    let at_limit = fx.ask(&p, fx.web, fx.reader, duration(120)).unwrap();
    // Staging keeps the workspace's maximum.
    fx.ask(&p, fx.stage, fx.reader, duration(180)).unwrap();

    // Approvals: as asked before the limit, and with longer terms, are refused.
    let (field, message) = invalid(fx.ws.approve(&p.bob, asked_before, &as_requested(), fx.now));
    assert_eq!(field, Field::Duration);
    assert!(message.contains("in Production"), "{message}");
    let longer = ApprovalInput {
        terms: Some(Terms {
            permission_set_id: fx.reader,
            window: duration(121),
        }),
        message: String::new(),
    };
    let (field, _) = invalid(fx.ws.approve(&p.bob, at_limit, &longer, fx.now));
    assert_eq!(field, Field::Duration);
    let shorter = ApprovalInput {
        terms: Some(Terms {
            permission_set_id: fx.reader,
            window: duration(120),
        }),
        message: String::new(),
    };
    assert_eq!(
        fx.ws
            .approve(&p.bob, asked_before, &shorter, fx.now)
            .unwrap(),
        ApprovalOutcome::Granted
    );
    assert_eq!(
        fx.ws
            .approve(&p.bob, at_limit, &as_requested(), fx.now)
            .unwrap(),
        ApprovalOutcome::Granted
    );

    // Direct grants.
    let reader = fx.reader;
    let terms = move |mins| Terms {
        permission_set_id: reader,
        window: duration(mins),
    };
    let (field, message) =
        invalid(
            fx.ws
                .direct_grant(&p.admin, p.alice.user_id(), fx.db, terms(121), "", fx.now),
        );
    assert_eq!(field, Field::Duration);
    assert!(message.contains("in Production"), "{message}");
    fx.ws
        .direct_grant(&p.admin, p.alice.user_id(), fx.db, terms(120), "", fx.now)
        .unwrap();

    // A workspace maximum below the vault's applies, and its message names no vault.
    let settings = WorkspaceSettings {
        max_length_mins: 60,
        ..fx.ws.settings(fx.now).unwrap()
    };
    fx.ws.update_settings(&p.admin, &settings, fx.now).unwrap();
    let (field, message) = invalid(fx.ask(&p, fx.db, fx.deployer, duration(61)));
    assert_eq!(field, Field::Duration);
    assert_eq!(message, "the longest access allowed is 1 h");
    fx.ask(&p, fx.db, fx.deployer, duration(60)).unwrap();
    let (field, _) =
        invalid(
            fx.ws
                .direct_grant(&p.admin, p.alice.user_id(), fx.web, terms(61), "", fx.now),
        );
    assert_eq!(field, Field::Duration);
}
