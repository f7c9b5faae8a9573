//! "Why?" — the access explainer (R-ADM-6) through the service, on a real
//! workspace file at fixed instants: who may ask; every permission with its
//! standing sets (where they are given), grants (request, window, approver,
//! first use) and the administrator flag; what the policy withholds; that a
//! disabled user or a non-member holds nothing; what would give a missing
//! permission; and that asking writes nothing and starts no first-use grant.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod fixture;

use fixture::{PASSWORD, empty_workspace, named, new_user};
use latchkey::domain::entry::{EntryKind, NewEntry};
use latchkey::domain::permission::{Permission, Permissions};
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, Phase, Target, Terms,
};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::{
    DomainError, EntryId, PermissionSetId, RequestId, Span, Timestamp, UserId, VaultId,
};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::{
    AccessExplanation, ExplainedGrant, ExplainedPermission, ExplainedSource, NewVault, SecretUse,
    ServiceError, Session, Workspace,
};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::path::PathBuf;
use tempfile::TempDir;

const T0: Timestamp = Timestamp(1_800_000_000_000);
const MS: Span = Span(1);

struct People {
    admin: Session,
    /// A member of Production whose access is explained.
    alice: Session,
    /// An approver of Production.
    bob: Session,
    /// An approver of Staging only.
    erin: Session,
    /// A plain member of Production.
    frank: Session,
    /// A user of no vault.
    gina: UserId,
}

/// Vault "Production": db-01 (credentials, with a secret) at its top and
/// folder Servers holding web-01 (SSH); vault "Staging": stage-01; the
/// custom set "Deployer" (View, Connect); temporary access on.
struct Fx {
    _dir: TempDir,
    path: PathBuf,
    ws: Workspace,
    now: Timestamp,
    production: VaultId,
    db: EntryId,
    servers: EntryId,
    web: EntryId,
    stage: EntryId,
    reader: PermissionSetId,
    deployer: PermissionSetId,
}

fn setup() -> (Fx, People) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("explain.latchkey");
    let keyring = MemoryKeyring::default();
    let (mut ws, admin) = empty_workspace(&path, &keyring, T0);
    let mut add_user = |name: &str| {
        ws.add_user(&admin, &new_user(name, false), PASSWORD, T0)
            .unwrap()
    };
    let [alice, bob, erin, frank, gina] =
        ["alice", "bob", "erin", "frank", "gina"].map(&mut add_user);
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
    ws.add_member(&admin, production, frank, T0).unwrap();
    ws.add_approver(&admin, production, bob, T0).unwrap();
    ws.add_approver(&admin, staging, erin, T0).unwrap();
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
        Some("s3cret"),
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
        erin: sign_in("erin"),
        frank: sign_in("frank"),
        gina,
    };
    let fx = Fx {
        _dir: dir,
        path,
        ws,
        now: T0 + Span::mins(1),
        production,
        db,
        servers,
        web,
        stage,
        reader,
        deployer,
    };
    (fx, people)
}

impl Fx {
    /// What `asker` is told about `user` on `entry` now.
    fn explain(
        &mut self,
        asker: &Session,
        user: UserId,
        entry: EntryId,
    ) -> Result<AccessExplanation, ServiceError> {
        self.ws.explain_access(asker, user, entry, self.now)
    }

    /// Alice asks Bob for `set` on `entry` for an hour (from its first use
    /// when `first_use`), and Bob approves at once.
    fn grant(
        &mut self,
        p: &People,
        entry: EntryId,
        set: PermissionSetId,
        first_use: bool,
    ) -> RequestId {
        let draft = NewRequest {
            target: Target::Entry(entry),
            terms: Terms {
                permission_set_id: set,
                window: AccessWindow::Duration { mins: 60 },
            },
            approver_id: Some(p.bob.user_id()),
            message: "maintenance".into(),
            start_on_first_use: first_use,
            extends_request_id: None,
        };
        let id = self.ws.request_access(&p.alice, &draft, self.now).unwrap();
        let input = ApprovalInput {
            terms: None,
            message: String::new(),
        };
        let outcome = self.ws.approve(&p.bob, id, &input, self.now).unwrap();
        assert_eq!(outcome, ApprovalOutcome::Granted);
        id
    }

    /// How many audit events the file holds.
    fn audit_len(&self) -> usize {
        let mut store = SqliteStore::open(&self.path).unwrap();
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.audit_events_after(0, 1_000_000).unwrap().len()
    }
}

/// The part of the answer about `permission`.
fn about(explanation: &AccessExplanation, permission: Permission) -> &ExplainedPermission {
    explanation
        .permissions
        .iter()
        .find(|p| p.permission == permission)
        .unwrap()
}

/// The one grant `explained` names.
fn only_grant(explained: &ExplainedPermission) -> &ExplainedGrant {
    match explained.sources.as_slice() {
        [ExplainedSource::Grant(grant)] => grant,
        other => panic!("expected one grant, got {other:?}"),
    }
}

fn held(explanation: &AccessExplanation) -> Vec<Permission> {
    explanation
        .permissions
        .iter()
        .filter(|p| p.held)
        .map(|p| p.permission)
        .collect()
}

fn refused(result: Result<AccessExplanation, ServiceError>) -> bool {
    matches!(
        result.map(drop),
        Err(ServiceError::Domain(DomainError::NotPermitted(_)))
    )
}

/// R-ADM-6: administrators and approvers of the entry's vault may ask; a
/// plain member and an approver of another vault may not; asking writes
/// nothing.
#[test]
fn only_administrators_and_approvers_of_the_vault_may_ask() {
    let (mut fx, p) = setup();
    let alice = p.alice.user_id();
    let events = fx.audit_len();
    assert!(
        refused(fx.explain(&p.frank, alice, fx.db)),
        "a plain member"
    );
    assert!(
        refused(fx.explain(&p.alice, alice, fx.db)),
        "not even about oneself"
    );
    assert!(
        refused(fx.explain(&p.erin, alice, fx.db)),
        "an approver of another vault"
    );
    assert!(
        fx.explain(&p.erin, alice, fx.stage).is_ok(),
        "her own vault"
    );
    assert!(fx.explain(&p.bob, alice, fx.db).is_ok());
    assert!(fx.explain(&p.admin, alice, fx.db).is_ok());
    assert_eq!(fx.audit_len(), events, "asking is not audited");
}

/// R-ADM-6: standing sets are named with where they are given: the vault's
/// top, or the folder an entry below inherits them from.
#[test]
fn standing_sets_are_named_with_where_they_are_given() {
    let (mut fx, p) = setup();
    let alice = p.alice.user_id();
    let (production, servers) = (fx.production, fx.servers);
    fx.ws
        .add_standing(&p.admin, alice, production, None, fx.reader, T0)
        .unwrap();
    fx.ws
        .add_standing(&p.admin, alice, production, Some(servers), fx.deployer, T0)
        .unwrap();

    let web = fx.explain(&p.admin, alice, fx.web).unwrap();
    assert_eq!(web.entry_path, "Production / Servers / web-01");
    assert_eq!(web.vault.name, "Production");
    assert_eq!(web.at, fx.now);
    assert!(web.is_member && web.is_active);
    assert_eq!(
        web.permissions
            .iter()
            .map(|p| p.permission)
            .collect::<Vec<_>>(),
        Permission::ALL,
        "every permission, in the usual order"
    );
    assert_eq!(
        held(&web),
        [
            Permission::View,
            Permission::ViewPassword,
            Permission::Connect
        ]
    );
    let on_top = ExplainedSource::Standing {
        set_id: fx.reader,
        set_name: "Reader".into(),
        folder_id: None,
        given_at: "Production".into(),
    };
    let on_servers = ExplainedSource::Standing {
        set_id: fx.deployer,
        set_name: "Deployer".into(),
        folder_id: Some(servers),
        given_at: "Production / Servers".into(),
    };
    assert_eq!(
        about(&web, Permission::View).sources,
        [on_top.clone(), on_servers.clone()]
    );
    assert_eq!(about(&web, Permission::Connect).sources, [on_servers]);
    assert_eq!(about(&web, Permission::ViewPassword).sources, [on_top]);
    assert!(web.permissions.iter().all(|p| p.held == p.to_get.is_none()));

    // The folder's set does not reach db-01, at the vault's top.
    let db = fx.explain(&p.bob, alice, fx.db).unwrap();
    assert_eq!(held(&db), [Permission::View, Permission::ViewPassword]);
}

/// R-ADM-6: a grant in force is named with its request, set, window and
/// approver; one that ended 1 ms ago gives nothing.
#[test]
fn a_grant_is_named_while_in_force_and_not_after_its_end() {
    let (mut fx, p) = setup();
    let alice = p.alice.user_id();
    let approved_at = fx.now;
    let id = fx.grant(&p, fx.db, fx.reader, false);
    let end = approved_at + Span::mins(60);

    fx.now = end - MS;
    let explanation = fx.explain(&p.admin, alice, fx.db).unwrap();
    assert_eq!(
        held(&explanation),
        [Permission::View, Permission::ViewPassword]
    );
    let grant = only_grant(about(&explanation, Permission::ViewPassword));
    assert_eq!(grant.request_id, id);
    assert_eq!(grant.entry_id, Some(fx.db));
    assert_eq!(grant.entry_name, "db-01");
    assert_eq!(
        (grant.set_id, grant.set_name.as_str()),
        (fx.reader, "Reader")
    );
    assert_eq!(
        (grant.start_at, grant.end_at),
        (Some(approved_at), Some(end))
    );
    assert!(!grant.awaiting_first_use);
    let bob = (p.bob.user_id(), "bob".to_owned());
    assert_eq!(grant.decided_by, Some(bob.clone()));
    assert_eq!(grant.approvals, [bob]);

    fx.now = end;
    let explanation = fx.explain(&p.admin, alice, fx.db).unwrap();
    assert!(held(&explanation).is_empty(), "its end is exclusive");
    fx.now = end + MS;
    let explanation = fx.explain(&p.admin, alice, fx.db).unwrap();
    assert!(held(&explanation).is_empty(), "ended 1 ms ago");
    let view = about(&explanation, Permission::ViewPassword);
    assert!(view.sources.is_empty());
    assert!(view.to_get.is_some());
}

/// R-ADM-6, R-BEY-2: a first-use grant is named as waiting for its first
/// use, and asking why does not start it; the first real use does.
#[test]
fn a_first_use_grant_waits_and_asking_does_not_start_it() {
    let (mut fx, p) = setup();
    let alice = p.alice.user_id();
    let id = fx.grant(&p, fx.db, fx.reader, true);
    fx.now = fx.now + Span::mins(5);
    let events = fx.audit_len();
    for _ in 0..2 {
        let explanation = fx.explain(&p.bob, alice, fx.db).unwrap();
        let grant = only_grant(about(&explanation, Permission::ViewPassword));
        assert!(about(&explanation, Permission::ViewPassword).held);
        assert_eq!(grant.request_id, id);
        assert!(grant.awaiting_first_use);
        assert_eq!((grant.start_at, grant.end_at), (None, None));
        assert!(grant.claim_by_at.is_some());
    }
    assert_eq!(fx.audit_len(), events, "nothing written");
    let request = fx.ws.request(&p.admin, id, fx.now).unwrap();
    assert_eq!(request.phase(fx.now), Phase::AwaitingFirstUse);
    assert_eq!(request.grant_start_at, None);

    fx.ws
        .reveal_secret(&p.alice, fx.db, SecretUse::Reveal, fx.now)
        .unwrap();
    let explanation = fx.explain(&p.bob, alice, fx.db).unwrap();
    let grant = only_grant(about(&explanation, Permission::ViewPassword));
    assert!(!grant.awaiting_first_use);
    assert_eq!(grant.start_at, Some(fx.now));
    assert_eq!(grant.end_at, Some(fx.now + Span::mins(60)));
}

/// R-ADM-6, R-REQ-8: with "allow reveal password" off, View password is
/// withheld by the policy (its set still named); an administrator holds
/// everything as an administrator.
#[test]
fn the_policy_withholds_view_password_but_not_from_administrators() {
    let (mut fx, p) = setup();
    let alice = p.alice.user_id();
    let production = fx.production;
    fx.ws
        .add_standing(&p.admin, alice, production, None, fx.reader, T0)
        .unwrap();
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        allow_reveal_password: false,
        ..WorkspaceSettings::default()
    };
    fx.ws.update_settings(&p.admin, &settings, T0).unwrap();

    let explanation = fx.explain(&p.admin, alice, fx.db).unwrap();
    let reveal = about(&explanation, Permission::ViewPassword);
    assert!(!reveal.held);
    assert!(reveal.withheld_by_policy);
    assert_eq!(reveal.sources.len(), 1, "the Reader set is still named");
    assert!(reveal.to_get.is_some());
    assert_eq!(held(&explanation), [Permission::View]);
    assert!(!about(&explanation, Permission::View).withheld_by_policy);

    let admin = fx.explain(&p.bob, p.admin.user_id(), fx.db).unwrap();
    for explained in &admin.permissions {
        assert!(explained.held && !explained.withheld_by_policy);
        assert_eq!(explained.sources, [ExplainedSource::Administrator]);
        assert_eq!(explained.to_get, None);
    }
    assert!(
        !admin.is_member,
        "an administrator's access needs no membership"
    );
}

/// R-ADM-6: a disabled user and a user who is not a member hold nothing,
/// whatever is stored for them.
#[test]
fn a_disabled_user_and_a_non_member_hold_nothing() {
    let (mut fx, p) = setup();
    let alice = p.alice.user_id();
    let production = fx.production;
    fx.ws
        .add_standing(&p.admin, alice, production, None, fx.reader, T0)
        .unwrap();
    fx.ws.set_active(&p.admin, alice, false, fx.now).unwrap();
    let disabled = fx.explain(&p.admin, alice, fx.db).unwrap();
    assert!(!disabled.is_active);
    assert!(disabled.is_member);
    assert!(held(&disabled).is_empty());
    assert!(disabled.permissions.iter().all(|p| p.sources.is_empty()));

    let stranger = fx.explain(&p.bob, p.gina, fx.db).unwrap();
    assert!(stranger.is_active);
    assert!(!stranger.is_member);
    assert!(held(&stranger).is_empty());
    assert!(stranger.permissions.iter().all(|p| p.to_get.is_some()));
}

/// R-ADM-6: what would give a missing permission: whether temporary access
/// is on, the sets that include it (smallest first) and who could approve
/// (the vault's approvers and the administrators, never the user).
#[test]
fn how_to_get_a_permission_names_sets_and_approvers() {
    let (mut fx, p) = setup();
    let alice = p.alice.user_id();
    let explanation = fx.explain(&p.bob, alice, fx.web).unwrap();
    let connect = about(&explanation, Permission::Connect)
        .to_get
        .clone()
        .unwrap();
    assert!(connect.temporary_access_enabled);
    let names: Vec<&str> = connect.sets.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Connect (execute)", "Deployer", "Operator", "Contributor"]
    );
    assert_eq!(
        connect.approvers,
        [
            (p.admin.user_id(), "admin".to_owned()),
            (p.bob.user_id(), "bob".to_owned()),
        ]
    );

    // For bob himself, only the administrator could approve; with temporary
    // access off, that is said too.
    let settings = WorkspaceSettings {
        temporary_access_enabled: false,
        ..WorkspaceSettings::default()
    };
    fx.ws.update_settings(&p.admin, &settings, fx.now).unwrap();
    let explanation = fx.explain(&p.admin, p.bob.user_id(), fx.web).unwrap();
    let edit = about(&explanation, Permission::Edit)
        .to_get
        .clone()
        .unwrap();
    assert!(!edit.temporary_access_enabled);
    assert_eq!(edit.approvers, [(p.admin.user_id(), "admin".to_owned())]);
    assert_eq!(
        edit.sets
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>(),
        ["Contributor"]
    );
}
