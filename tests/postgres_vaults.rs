//! Vaults, members, users, permission sets and standing permissions on a
//! PostgreSQL workspace, against a real throwaway server (issue 19): the
//! store's methods through `PgStore`, and the same functions called by a
//! user's role with a raw SQL client (a modified Latchkey), which the
//! server refuses unless the window would allow it.
//!
//! Roles belong to the whole server, so each test has a cluster of its own.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use latchkey::domain::error::{DomainError, Field};
use latchkey::domain::permission::{Permission, Permissions, StandingGrant, StandingOrigin};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::user::NewUser;
use latchkey::domain::vault::Vault;
use latchkey::domain::{PermissionSetId, RequestId, Timestamp, UserId, VaultId};
use latchkey::store::postgres::{PgError, PgSession, PgStore, PgTarget, PgWorkspace};
use latchkey::store::{SignInThrottle, Store, StoreError, StoreTx, TxMode};
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};
use std::time::Duration;

const ADA_PW: &str = "ada-pw-Hq71Lx";
const BOB_PW: &str = "bob-pw-Zq81Wm";
const CAROL_PW: &str = "carol-pw-Pe42Tn";
const DORA_PW: &str = "dora-pw-Uc55Rb";
const DATABASE: &str = "team";
const NOW: i64 = 1_800_000_000_000;
const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// A workspace with two administrators (ada, dora) and two users (bob, carol).
struct Team {
    cluster: PgCluster,
    target: PgTarget,
    ada: UserId,
    bob: UserId,
    carol: UserId,
    dora: UserId,
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
        &NewUser {
            display_name: "Ada Admin".into(),
            ..new_user("ada", true)
        },
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
    let dora = session
        .create_user(&new_user("dora", true), DORA_PW)
        .unwrap();
    let team = Team {
        cluster,
        target,
        ada,
        bob,
        carol,
        dora,
    };
    team.superuser()
        .execute(
            "INSERT INTO latchkey.server_clock (fixed_ms) VALUES ($1) ON CONFLICT (only_row) DO UPDATE SET fixed_ms = EXCLUDED.fixed_ms",
            &[&NOW],
        )
        .unwrap();
    Some(team)
}

impl Team {
    fn store(&self, user: &str, password: &str) -> PgStore {
        PgStore::connect(&self.target, user, password).unwrap()
    }

    fn raw(&self, user: &str, password: &str) -> postgres::Client {
        self.cluster.connect(DATABASE, user, password).unwrap()
    }

    fn superuser(&self) -> postgres::Client {
        self.cluster.superuser(DATABASE)
    }

    /// A vault made by the superuser, as another slice would have.
    fn seed_vault(&self, name: &str, visible: bool) -> VaultId {
        let row = self
            .superuser()
            .query_one(
                "INSERT INTO latchkey.vaults (name, visible_to_non_members) VALUES ($1, $2) RETURNING id",
                &[&name, &visible],
            )
            .unwrap();
        VaultId(row.get(0))
    }

    /// A permission set made by the superuser.
    fn seed_set(&self, name: &str, bits: i32) -> PermissionSetId {
        let row = self
            .superuser()
            .query_one(
                "INSERT INTO latchkey.permission_sets (name, permission_bits) VALUES ($1, $2) RETURNING id",
                &[&name, &bits],
            )
            .unwrap();
        PermissionSetId(row.get(0))
    }

    /// A pending permanent request by `requester` (to join `vault` when
    /// `joins`), as the requests slice would store it.
    fn seed_request(
        &self,
        requester: UserId,
        vault: VaultId,
        set: PermissionSetId,
        joins: bool,
    ) -> RequestId {
        let row = self
            .superuser()
            .query_one(
                "INSERT INTO latchkey.requests (kind, requester_id, target, vault_id, requested_set_id,
                     created_at_ms, pending_until_ms, status, joins)
                 VALUES ('standard', $1, 'vault', $2, $3, $4::bigint, $4::bigint + 3600000, 'pending', $5) RETURNING id",
                &[&requester.0, &vault.0, &set.0, &NOW, &joins],
            )
            .unwrap();
        RequestId(row.get(0))
    }

    /// Stand-ins for the requests slice's decisions, so that a user's own
    /// transaction can approve or end a request as the window would.
    fn install_decision_stand_ins(&self) {
        self.superuser()
            .batch_execute(
                "SET ROLE latchkey_owner;
                 CREATE FUNCTION latchkey_api.test_decide(p_id bigint) RETURNS void
                 LANGUAGE sql SECURITY DEFINER SET search_path = latchkey, pg_catalog, pg_temp AS $$
                     UPDATE latchkey.requests SET status = 'approved', decided_by = (latchkey.caller()).id,
                         decided_at_ms = latchkey.now_ms() WHERE id = p_id $$;
                 CREATE FUNCTION latchkey_api.test_end(p_id bigint, p_status text) RETURNS void
                 LANGUAGE sql SECURITY DEFINER SET search_path = latchkey, pg_catalog, pg_temp AS $$
                     UPDATE latchkey.requests SET status = p_status, ended_by = (latchkey.caller()).id,
                         ended_at_ms = latchkey.now_ms() WHERE id = p_id $$;
                 RESET ROLE;
                 GRANT EXECUTE ON FUNCTION latchkey_api.test_decide(bigint), latchkey_api.test_end(bigint, text) TO latchkey_user;",
            )
            .unwrap();
    }
}

/// Runs `f` in a write transaction of its own, committed when it succeeds.
/// A refusal aborts a PostgreSQL transaction, as it ends a service
/// operation: each is tried alone.
fn write<T>(
    store: &mut PgStore,
    f: impl FnOnce(&mut dyn StoreTx) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut tx = store.begin(TxMode::Write).unwrap();
    let result = f(tx.as_mut());
    if result.is_ok() {
        tx.commit().unwrap();
    }
    result
}

/// A call a user may not make, tried in a transaction of its own.
type Refusal<'a> = dyn Fn(&mut dyn StoreTx) -> Result<(), StoreError> + 'a;

fn vault_named(name: &str) -> Vault {
    Vault {
        id: VaultId(0),
        name: name.into(),
        required_approvals: 1,
        break_glass_allowed: false,
        emergency_limit_mins: 60,
        max_grant_mins: None,
        description: String::new(),
        visible_to_non_members: false,
    }
}

/// The SQLSTATE of a failed statement.
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

fn not_permitted<T: std::fmt::Debug>(result: Result<T, StoreError>) -> String {
    match result {
        Err(StoreError::Refused(DomainError::NotPermitted(message))) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn invalid_on<T: std::fmt::Debug>(result: Result<T, StoreError>, field: Field) -> String {
    match result {
        Err(StoreError::Refused(e)) => {
            let errors = e
                .field_errors()
                .unwrap_or_else(|| panic!("not a field error: {e:?}"));
            errors
                .for_field(field)
                .unwrap_or_else(|| panic!("not on {field:?}: {e:?}"))
                .to_owned()
        }
        other => panic!("expected an invalid value, got {other:?}"),
    }
}

fn wrong_state<T: std::fmt::Debug>(result: Result<T, StoreError>) -> String {
    match result {
        Err(StoreError::Refused(DomainError::WrongState(message))) => message,
        other => panic!("expected a wrong state, got {other:?}"),
    }
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one workspace set up step by step, each step also tried by a user who may not"
)]
fn administrators_set_up_vaults_sets_and_settings_and_others_see_only_theirs() {
    let Some(team) = team() else { return };
    let mut ada = team.store("ada", ADA_PW);
    let mut bob = team.store("bob", BOB_PW);

    // Creating the workspace: metadata once, settings, built-in sets.
    let (prod, reader) = {
        let mut tx = ada.begin(TxMode::Write).unwrap();
        tx.set_meta("workspace_id", "ws-1").unwrap();
        tx.set_meta("workspace_id", "ws-1").unwrap();
        tx.save_settings(&WorkspaceSettings::default()).unwrap();
        let reader = tx
            .insert_permission_set(
                "Reader",
                Permissions::of(&[Permission::View, Permission::ViewPassword]),
                true,
            )
            .unwrap();
        tx.set_meta("creation_complete", "1").unwrap();
        let prod = tx.insert_vault(&vault_named(" Production ")).unwrap();
        tx.commit().unwrap();
        (prod, reader)
    };
    wrong_state(write(&mut ada, |tx| tx.set_meta("workspace_id", "ws-2")));
    not_permitted(write(&mut ada, |tx| tx.set_meta("schema_version", "9")));
    {
        let mut tx = ada.begin(TxMode::Read).unwrap();
        assert_eq!(tx.meta("workspace_id").unwrap().as_deref(), Some("ws-1"));
        assert_eq!(tx.meta("schema_version").unwrap().as_deref(), Some("1"));
    }
    // Built-in sets are made only while the workspace is created.
    not_permitted(write(&mut ada, |tx| {
        tx.insert_permission_set("Mine", Permissions::ALL, true)
    }));
    assert!(
        invalid_on(
            write(&mut ada, |tx| tx.insert_vault(&vault_named("PRODUCTION"))),
            Field::Name
        )
        .contains("exists already")
    );
    assert_eq!(
        invalid_on(
            write(&mut ada, |tx| tx.insert_vault(&vault_named("  "))),
            Field::Name
        ),
        "enter a vault name"
    );
    let bad = WorkspaceSettings {
        max_length_mins: 0,
        ..WorkspaceSettings::default()
    };
    invalid_on(
        write(&mut ada, |tx| tx.save_settings(&bad)),
        Field::MaxLength,
    );

    // A member sees the vault; a non-member only one shown to non-members.
    let hidden = team.seed_vault("Hidden", false);
    let lobby = team.seed_vault("Lobby", true);
    {
        let mut tx = bob.begin(TxMode::Read).unwrap();
        assert_eq!(tx.vault(prod).unwrap(), None);
        assert_eq!(tx.vault(hidden).unwrap(), None);
        assert_eq!(tx.vault(lobby).unwrap().unwrap().name, "Lobby");
        let names: Vec<String> = tx.vaults().unwrap().into_iter().map(|v| v.name).collect();
        assert_eq!(names, ["Lobby"]);
        assert!(!tx.settings().unwrap().temporary_access_enabled);
        assert_eq!(tx.permission_sets().unwrap().len(), 1);
        assert_eq!(tx.entry_revision(prod).unwrap(), 0);
    }
    {
        let mut tx = ada.begin(TxMode::Write).unwrap();
        tx.add_member(prod, team.bob).unwrap();
        tx.add_member(prod, team.bob).unwrap();
        tx.add_approver(prod, team.carol).unwrap();
        tx.add_member(prod, team.carol).unwrap();
        tx.add_standing(team.bob, prod, None, reader).unwrap();
        tx.rename_vault(prod, "Prod").unwrap();
        let mut policy = tx.vault(prod).unwrap().unwrap();
        assert_eq!(policy.name, "Prod");
        policy.description = "Production databases".into();
        policy.visible_to_non_members = true;
        tx.update_vault_policy(&policy).unwrap();
        assert_eq!(tx.members(prod).unwrap(), [team.bob, team.carol]);
        assert_eq!(tx.member_count(prod).unwrap(), 2);
        assert_eq!(tx.approvers(prod).unwrap(), [team.carol]);
        assert!(!tx.vault_has_requests(prod).unwrap());
        tx.commit().unwrap();
        policy.required_approvals = 4;
        assert!(
            invalid_on(
                write(&mut ada, |tx| tx.update_vault_policy(&policy)),
                Field::Workspace
            )
            .starts_with("only 3 people can approve requests in Prod")
        );
    }
    {
        let mut tx = bob.begin(TxMode::Write).unwrap();
        let seen = tx.vault(prod).unwrap().unwrap();
        assert_eq!(seen.description, "Production databases");
        assert!(tx.is_member(prod, team.bob).unwrap());
        assert_eq!(tx.member_vaults(team.bob).unwrap(), [prod]);
        let standing = tx.standing(team.bob, prod).unwrap();
        assert_eq!(standing.len(), 1);
        assert_eq!(standing[0].set_id, reader);
    }
    // Everything an administrator does is refused to bob.
    let seen = write(&mut bob, |tx| Ok(tx.vault(prod)?.unwrap())).unwrap();
    let refusals: Vec<Box<Refusal<'_>>> = vec![
        Box::new(|tx| tx.is_member(prod, team.carol).map(drop)),
        Box::new(|tx| tx.member_vaults(team.carol).map(drop)),
        Box::new(|tx| tx.standing(team.carol, prod).map(drop)),
        Box::new(|tx| tx.members(prod).map(drop)),
        Box::new(|tx| tx.member_count(prod).map(drop)),
        Box::new(|tx| tx.standing_grants(prod).map(drop)),
        Box::new(|tx| tx.permission_set_named("Reader").map(drop)),
        Box::new(|tx| tx.insert_vault(&vault_named("Mine")).map(drop)),
        Box::new(|tx| tx.add_member(hidden, team.bob)),
        Box::new(|tx| tx.add_approver(prod, team.bob)),
        Box::new(|tx| tx.add_standing(team.bob, prod, None, reader)),
        Box::new(|tx| tx.rename_vault(prod, "Ours")),
        Box::new(|tx| tx.remove_member(prod, team.carol)),
        Box::new(|tx| tx.remove_approver(prod, team.carol)),
        Box::new(|tx| tx.delete_vault(prod)),
        Box::new(|tx| tx.update_vault_policy(&seen)),
        Box::new(|tx| {
            tx.insert_permission_set("Mine", Permissions::ALL, false)
                .map(drop)
        }),
        Box::new(|tx| tx.update_permission_set(reader, "Mine", Permissions::ALL)),
        Box::new(|tx| tx.delete_permission_set(reader, Timestamp(NOW))),
        Box::new(|tx| tx.save_settings(&WorkspaceSettings::default())),
        Box::new(|tx| tx.set_meta("workspace_name", "Mine")),
    ];
    for refused in &refusals {
        not_permitted(write(&mut bob, |tx| refused(tx)));
    }
    // The approver may see who is a member and why they have access.
    {
        let mut carol = team.store("carol", CAROL_PW);
        let mut tx = carol.begin(TxMode::Read).unwrap();
        assert!(tx.is_member(prod, team.bob).unwrap());
        assert_eq!(tx.standing(team.bob, prod).unwrap().len(), 1);
    }

    // Permission sets: names unique in any case, deleted ones included;
    // built-in sets fixed; a set in use is not deleted.
    let ops = write(&mut ada, |tx| {
        tx.insert_permission_set("Ops", Permissions::of(&[Permission::Connect]), false)
    })
    .unwrap();
    assert!(
        invalid_on(
            write(&mut ada, |tx| tx.insert_permission_set(
                "reader",
                Permissions::ALL,
                false
            )),
            Field::Name
        )
        .contains("exists already")
    );
    invalid_on(
        write(&mut ada, |tx| {
            tx.insert_permission_set("Empty", Permissions::NONE, false)
        }),
        Field::PermissionSet,
    );
    assert_eq!(
        not_permitted(write(&mut ada, |tx| {
            tx.update_permission_set(reader, "R", Permissions::ALL)
        })),
        "built-in sets cannot be changed"
    );
    write(&mut ada, |tx| {
        tx.update_permission_set(ops, "Operators", Permissions::ALL)?;
        tx.add_standing(team.carol, prod, None, ops)?;
        assert_eq!(tx.standing_vaults_of_set(ops)?, [prod]);
        Ok(())
    })
    .unwrap();
    assert_eq!(
        not_permitted(write(&mut ada, |tx| tx.delete_permission_set(ops, Timestamp(NOW)))),
        "“Operators” cannot be deleted: it is used by 1 standing permission in Prod; remove those uses first"
    );
    write(&mut ada, |tx| {
        let grant = tx
            .standing_grants(prod)?
            .into_iter()
            .find(|g| g.set_id == ops)
            .unwrap();
        assert!(tx.remove_standing(&grant)?);
        assert!(!tx.remove_standing(&grant)?);
        tx.delete_permission_set(ops, Timestamp(NOW))?;
        assert_eq!(tx.permission_set(ops)?, None);
        assert_eq!(tx.permission_set_record(ops)?.unwrap().name, "Operators");
        let (named, deleted) = tx.permission_set_named("OPERATORS")?.unwrap();
        assert_eq!((named.id, deleted), (ops, true));
        // Removing a member takes their approver role too.
        tx.remove_member(prod, team.carol)?;
        assert_eq!(tx.approvers(prod)?, []);
        Ok(())
    })
    .unwrap();
    assert!(
        invalid_on(
            write(&mut ada, |tx| tx.insert_permission_set(
                "operators",
                Permissions::ALL,
                false
            )),
            Field::Name
        )
        .starts_with("a deleted permission set")
    );
    invalid_on(
        write(&mut ada, |tx| tx.add_standing(team.carol, prod, None, ops)),
        Field::PermissionSet,
    );

    // A vault whose history names requests is kept; an unused one goes.
    team.seed_request(team.bob, prod, reader, false);
    assert!(write(&mut ada, |tx| tx.vault_has_requests(prod)).unwrap());
    assert!(
        not_permitted(write(&mut ada, |tx| tx.delete_vault(prod))).contains("has access requests")
    );
    write(&mut ada, |tx| tx.delete_vault(hidden)).unwrap();
    assert_eq!(write(&mut ada, |tx| tx.vault(hidden)).unwrap(), None);
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one user's life: created, changed, disabled, enabled, each change also tried by a user who may not"
)]
fn users_are_managed_by_administrators_and_passwords_by_the_server() {
    let Some(team) = team() else { return };
    let mut ada = team.store("ada", ADA_PW);
    let erin = write(&mut ada, |tx| {
        let erin = tx.insert_user_with_password(&new_user("Erin", false), "erin-pw-1")?;
        tx.update_user_details(erin, "Erin E.", "erin@example.org")?;
        Ok(erin)
    })
    .unwrap();
    invalid_on(
        write(&mut ada, |tx| {
            tx.insert_user_with_password(&new_user("erin", false), "x")
        }),
        Field::Username,
    );
    invalid_on(
        write(&mut ada, |tx| {
            tx.update_user_details(erin, "Erin", "not an address")
        }),
        Field::Email,
    );
    invalid_on(
        write(&mut ada, |tx| tx.update_user_details(erin, " ", "")),
        Field::Name,
    );
    let mut erin_store = team.store("erin", "erin-pw-1");
    write(&mut erin_store, |tx| {
        let me = tx.user(erin)?.unwrap();
        assert_eq!(
            (me.username.as_str(), me.display_name.as_str()),
            ("Erin", "Erin E.")
        );
        assert_eq!(tx.users()?.len(), 5);
        assert_eq!(
            tx.admins()?.iter().map(|u| u.id).collect::<Vec<_>>(),
            [team.ada, team.dora]
        );
        assert!(!tx.must_change_password(erin)?);
        Ok(())
    })
    .unwrap();
    let refusals: Vec<Box<Refusal<'_>>> = vec![
        Box::new(|tx| tx.must_change_password(team.bob).map(drop)),
        Box::new(|tx| tx.update_user_details(team.bob, "Bobby", "")),
        Box::new(|tx| tx.set_user_admin(erin, true)),
        Box::new(|tx| tx.set_user_active(team.bob, false)),
        Box::new(|tx| tx.set_user_password(team.bob, "mine-now", false)),
        Box::new(|tx| {
            tx.insert_user_with_password(&new_user("mallory", true), "m")
                .map(drop)
        }),
    ];
    for refused in &refusals {
        not_permitted(write(&mut erin_store, |tx| refused(tx)));
    }
    // One's own password, changed by oneself.
    write(&mut erin_store, |tx| {
        tx.set_user_password(erin, "erin-pw-2", false)
    })
    .unwrap();
    assert!(matches!(
        PgStore::connect(&team.target, "erin", "erin-pw-1"),
        Err(PgError::BadCredentials)
    ));
    team.store("erin", "erin-pw-2");

    // An administrator's reset must be changed at the next sign-in.
    {
        let mut tx = ada.begin(TxMode::Write).unwrap();
        tx.set_user_password(erin, "temporary-1", false).unwrap();
        assert!(tx.must_change_password(erin).unwrap());
        tx.commit().unwrap();
    }
    team.store("erin", "temporary-1");

    // Disabling takes the login away; enabling gives it back.
    {
        let mut tx = ada.begin(TxMode::Write).unwrap();
        tx.set_user_active(erin, false).unwrap();
        tx.commit().unwrap();
    }
    assert!(matches!(
        PgStore::connect(&team.target, "erin", "temporary-1"),
        Err(PgError::Disabled)
    ));
    {
        let mut tx = ada.begin(TxMode::Write).unwrap();
        assert!(!tx.user(erin).unwrap().unwrap().is_active);
        tx.set_user_active(erin, true).unwrap();
        tx.set_user_admin(erin, true).unwrap();
        tx.commit().unwrap();
    }
    team.store("erin", "temporary-1");

    // The last active administrator stays one.
    write(&mut ada, |tx| {
        tx.set_user_admin(erin, false)?;
        tx.set_user_active(team.dora, false)
    })
    .unwrap();
    assert_eq!(
        not_permitted(write(&mut ada, |tx| tx.set_user_admin(team.ada, false))),
        "Ada Admin is the last active administrator and cannot be unmade; make someone else an administrator first"
    );
    assert!(
        not_permitted(write(&mut ada, |tx| tx.set_user_active(team.ada, false)))
            .contains("cannot be disabled")
    );

    // Neither a password nor its verifier reaches the server's log.
    let log = team.cluster.log();
    assert!(log.contains("set_user_password"), "statements are logged");
    for secret in ["erin-pw-1", "erin-pw-2", "temporary-1", "SCRAM-SHA-256$"] {
        assert!(!log.contains(secret), "{secret} is in the server log");
    }

    // Password hashes and sign-in slow-downs are the server's.
    let mut tx = ada.begin(TxMode::Write).unwrap();
    for result in [
        tx.insert_user(&new_user("x", false), "$argon2id$")
            .map(drop),
        tx.user_auth("bob").map(drop),
        tx.set_password(team.bob, "$argon2id$", false),
        tx.reference_password_hash().map(drop),
        tx.set_sign_in_throttle(1, &SignInThrottle::default()),
    ] {
        match result {
            Err(StoreError::Database(message)) => {
                assert!(
                    message.contains("the PostgreSQL server checks passwords"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    // What the service asks on its way is answered harmlessly.
    assert_eq!(tx.sign_in_throttle(1).unwrap(), SignInThrottle::default());
    tx.clear_sign_in_throttle(1).unwrap();
    tx.forget_sign_in_throttles(Timestamp(NOW)).unwrap();
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one table of forbidden calls, then what is left unchanged"
)]
fn a_modified_client_calling_the_functions_directly_gains_nothing() {
    let Some(team) = team() else { return };
    let prod = team.seed_vault("Prod", false);
    let reader = team.seed_set("Reader", 3);
    team.seed_request(team.bob, prod, reader, true);
    let mut bob = team.raw("bob", BOB_PW);
    for (sql, state) in [
        (
            "SELECT latchkey_api.set_meta('workspace_id', 'mine')",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.save_settings('{}')",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.insert_vault('Mine', 1, true, 60, NULL, '', true)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.add_member(1, 2)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.add_approver(1, 2)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.add_standing(2, 1, NULL, 1)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.insert_standing_grant(2, 1, NULL, 1, NULL)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.set_user_admin(2, true)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.set_user_active(3, false)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.update_user_details(3, 'x', '')",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.insert_permission_set('All', 63, true)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.delete_permission_set(1)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.remove_member_from(1)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.remove_standing(2, 1, NULL, 1, NULL)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT * FROM latchkey_api.members(1)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT * FROM latchkey_api.standing(3, 1)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.is_member(1, 3)",
            INSUFFICIENT_PRIVILEGE,
        ),
        // Approving one's own request to join, or one nobody approved here.
        (
            "SELECT latchkey_api.add_member_from(1, 2, 1)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.insert_standing_grant(2, 1, NULL, 1, 1)",
            INSUFFICIENT_PRIVILEGE,
        ),
        // Another user's password, or a password in clear.
        (
            "SELECT latchkey_api.set_user_password(3, 'SCRAM-SHA-256$4096:YWJj$YWJj:YWJj', false)",
            INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT latchkey_api.set_user_password(2, 'plain-text', false)",
            "22023",
        ),
    ] {
        assert_eq!(sqlstate(bob.batch_execute(sql)), state, "{sql}");
    }
    // A hidden vault's name is not read by a non-member.
    let names: Vec<String> = bob
        .query("SELECT name FROM latchkey_api.vault($1)", &[&prod.0])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Bob's own request names it: its history keeps the name.
    assert_eq!(names, ["Prod"]);
    let secret = team.seed_vault("Secret", false);
    assert!(
        bob.query("SELECT name FROM latchkey_api.vault($1)", &[&secret.0])
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        bob.query("SELECT name FROM latchkey_api.vaults()", &[])
            .unwrap()
            .len(),
        1
    );
    // Nothing changed.
    let mut su = team.superuser();
    let members: i64 = su
        .query_one("SELECT count(*) FROM latchkey.vault_members", &[])
        .unwrap()
        .get(0);
    let standing: i64 = su
        .query_one("SELECT count(*) FROM latchkey.standing_permissions", &[])
        .unwrap()
        .get(0);
    assert_eq!((members, standing), (0, 0));
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one request's approval and revocation, each tried out of turn first"
)]
fn what_an_approval_gives_is_stored_only_by_its_approver_in_its_transaction() {
    let Some(team) = team() else { return };
    team.install_decision_stand_ins();
    let prod = team.seed_vault("Prod", false);
    let reader = team.seed_set("Reader", 3);
    let other_set = team.seed_set("Other", 1);
    let join = team.seed_request(team.carol, prod, reader, true);
    {
        let mut ada = team.store("ada", ADA_PW);
        let mut tx = ada.begin(TxMode::Write).unwrap();
        tx.add_approver(prod, team.bob).unwrap();
        tx.add_member(prod, team.bob).unwrap();
        tx.commit().unwrap();
    }
    let grant = |set: PermissionSetId| StandingGrant {
        user_id: team.carol,
        vault_id: prod,
        folder_id: None,
        set_id: set,
        origin: Some(StandingOrigin {
            request_id: join,
            // What the client says is not what the server stores.
            approved_by: team.carol,
            approved_at: Timestamp(1),
        }),
    };

    // The requester cannot approve her own request.
    let mut carol = team.raw("carol", CAROL_PW);
    let mut tx = carol.transaction().unwrap();
    tx.execute("SELECT latchkey_api.test_decide($1)", &[&join.0])
        .unwrap();
    assert_eq!(
        sqlstate(tx.execute(
            "SELECT latchkey_api.add_member_from($1, $2, $3)",
            &[&prod.0, &team.carol.0, &join.0]
        )),
        INSUFFICIENT_PRIVILEGE
    );
    drop(tx);

    // The approver, in the transaction of the approval: exactly what was asked.
    let mut bob = team.raw("bob", BOB_PW);
    let mut tx = bob.transaction().unwrap();
    tx.execute("SELECT latchkey_api.test_decide($1)", &[&join.0])
        .unwrap();
    assert_eq!(
        sqlstate(tx.execute(
            "SELECT latchkey_api.insert_standing_grant($1, $2, NULL, $3, $4)",
            &[&team.carol.0, &prod.0, &other_set.0, &join.0]
        )),
        "22023",
        "another set than the approved one"
    );
    drop(tx);
    let mut tx = bob.transaction().unwrap();
    tx.execute("SELECT latchkey_api.test_decide($1)", &[&join.0])
        .unwrap();
    tx.commit().unwrap();
    // Not in the approval's transaction any more.
    let mut bob_store = team.store("bob", BOB_PW);
    not_permitted(write(&mut bob_store, |tx| {
        tx.insert_standing_grant(&grant(reader))
    }));
    not_permitted(write(&mut bob_store, |tx| {
        tx.add_member_from(prod, team.carol, join)
    }));
    team.superuser()
        .execute(
            "UPDATE latchkey.requests SET status = 'pending', decided_by = NULL WHERE id = $1",
            &[&join.0],
        )
        .unwrap();
    let mut tx = bob.transaction().unwrap();
    tx.execute("SELECT latchkey_api.test_decide($1)", &[&join.0])
        .unwrap();
    tx.execute(
        "SELECT latchkey_api.insert_standing_grant($1, $2, NULL, $3, $4)",
        &[&team.carol.0, &prod.0, &reader.0, &join.0],
    )
    .unwrap();
    tx.execute(
        "SELECT latchkey_api.add_member_from($1, $2, $3)",
        &[&prod.0, &team.carol.0, &join.0],
    )
    .unwrap();
    tx.commit().unwrap();
    // Once: approved again, the request gives no second standing permission.
    team.superuser()
        .execute(
            "UPDATE latchkey.requests SET status = 'pending' WHERE id = $1",
            &[&join.0],
        )
        .unwrap();
    let mut tx = bob.transaction().unwrap();
    tx.execute("SELECT latchkey_api.test_decide($1)", &[&join.0])
        .unwrap();
    assert_eq!(
        sqlstate(tx.execute(
            "SELECT latchkey_api.insert_standing_grant($1, $2, NULL, $3, $4)",
            &[&team.carol.0, &prod.0, &reader.0, &join.0]
        )),
        "55000",
        "once"
    );
    drop(tx);

    let stored = {
        let mut tx = bob_store.begin(TxMode::Read).unwrap();
        tx.standing_from_request(join).unwrap().unwrap()
    };
    let origin = stored.origin.unwrap();
    assert_eq!(
        (origin.approved_by, origin.approved_at),
        (team.bob, Timestamp(NOW))
    );
    {
        let mut carol_store = team.store("carol", CAROL_PW);
        let mut tx = carol_store.begin(TxMode::Read).unwrap();
        assert!(tx.is_member(prod, team.carol).unwrap());
        assert_eq!(tx.standing_from_request(join).unwrap(), Some(stored));
    }
    // Someone unrelated does not even see it.
    {
        let mut dora = team.store("dora", DORA_PW);
        let mut tx = dora.begin(TxMode::Write).unwrap();
        assert!(
            tx.standing_from_request(join).unwrap().is_some(),
            "an administrator does"
        );
        tx.set_user_admin(team.dora, false).unwrap();
        tx.commit().unwrap();
        let mut tx = dora.begin(TxMode::Read).unwrap();
        assert_eq!(tx.standing_from_request(join).unwrap(), None);
    }

    // Ending it: only who revoked it, in that transaction, removes what it gave.
    not_permitted(write(&mut bob_store, |tx| tx.remove_standing(&stored)));
    not_permitted(write(&mut bob_store, |tx| tx.remove_member_from(join)));
    let mut tx = bob.transaction().unwrap();
    tx.execute("SELECT latchkey_api.test_end($1, 'revoked')", &[&join.0])
        .unwrap();
    let removed: bool = tx
        .query_one(
            "SELECT latchkey_api.remove_standing($1, $2, NULL, $3, $4)",
            &[&team.carol.0, &prod.0, &reader.0, &join.0],
        )
        .unwrap()
        .get(0);
    let left: bool = tx
        .query_one("SELECT latchkey_api.remove_member_from($1)", &[&join.0])
        .unwrap()
        .get(0);
    assert!(removed && left);
    tx.commit().unwrap();
    let mut su = team.superuser();
    let remaining: i64 = su
        .query_one(
            "SELECT (SELECT count(*) FROM latchkey.standing_permissions)
                  + (SELECT count(*) FROM latchkey.vault_members WHERE user_id = $1)",
            &[&team.carol.0],
        )
        .unwrap()
        .get(0);
    assert_eq!(remaining, 0);
}

#[test]
fn a_quorum_change_and_an_approver_removal_at_once_cannot_both_pass() {
    let Some(team) = team() else { return };
    let prod = team.seed_vault("Prod", false);
    let mut ada = team.store("ada", ADA_PW);
    {
        let mut tx = ada.begin(TxMode::Write).unwrap();
        tx.add_approver(prod, team.bob).unwrap();
        tx.add_approver(prod, team.carol).unwrap();
        tx.set_user_admin(team.dora, false).unwrap();
        tx.commit().unwrap();
    }
    // Three could approve (ada, bob, carol): three approvals fit, and so
    // does removing bob while one is required; not both.
    let mut first = team.store("ada", ADA_PW);
    let mut tx = first.begin(TxMode::Write).unwrap();
    let mut policy = tx.vault(prod).unwrap().unwrap();
    policy.required_approvals = 3;
    tx.update_vault_policy(&policy).unwrap();

    let target = team.target.clone();
    let bob = team.bob;
    let second = std::thread::spawn(move || {
        let mut store = PgStore::connect(&target, "ada", ADA_PW).unwrap();
        let mut tx = store.begin(TxMode::Write).unwrap();
        let result = tx.remove_approver(prod, bob);
        if result.is_ok() {
            tx.commit().unwrap();
        }
        result
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !second.is_finished(),
        "the removal waits for the vault's lock"
    );
    tx.commit().unwrap();
    let message = invalid_on(second.join().unwrap(), Field::Approver);
    assert!(
        message.starts_with(
            "Prod requires 3 approvals per request; without bob only 2 people could approve"
        ),
        "{message}"
    );
    let mut tx = ada.begin(TxMode::Read).unwrap();
    assert_eq!(tx.approvers(prod).unwrap(), [team.bob, team.carol]);
}

#[test]
fn two_administrators_disabling_each_other_leave_one_active() {
    let Some(team) = team() else { return };
    let mut ada = team.store("ada", ADA_PW);
    let mut tx = ada.begin(TxMode::Write).unwrap();
    tx.set_user_active(team.dora, false).unwrap();

    let target = team.target.clone();
    let ada_id = team.ada;
    let second = std::thread::spawn(move || {
        let mut store = PgStore::connect(&target, "dora", DORA_PW).unwrap();
        let mut tx = store.begin(TxMode::Write).unwrap();
        let result = tx.set_user_active(ada_id, false);
        if result.is_ok() {
            tx.commit().unwrap();
        }
        result
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(!second.is_finished(), "dora waits for ada's change");
    tx.commit().unwrap();
    // Dora was disabled meanwhile: she is no longer an active user.
    not_permitted(second.join().unwrap());
    let mut tx = ada.begin(TxMode::Read).unwrap();
    let admins: Vec<UserId> = tx.admins().unwrap().iter().map(|u| u.id).collect();
    assert_eq!(admins, [team.ada]);
}
