//! Identity on a PostgreSQL workspace, against a real throwaway server
//! (issue 19): users are roles, and a user's role, driven by a raw SQL
//! client (a modified Latchkey), can do nothing but call the API functions,
//! which check the caller.
//!
//! Roles belong to the whole server, so each test has a cluster of its own.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use latchkey::domain::UserId;
use latchkey::domain::error::{DomainError, Field};
use latchkey::domain::user::NewUser;
use latchkey::store::postgres::{PgError, PgSession, PgTarget, PgWorkspace};
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};

const ADA_PW: &str = "ada-pw-Hq71Lx";
const BOB_PW: &str = "bob-pw-Zq81Wm";
const CAROL_PW: &str = "carol-pw-Pe42Tn";
const DATABASE: &str = "team";

/// A workspace with an administrator (ada) and two users (bob, carol).
struct Team {
    cluster: PgCluster,
    target: PgTarget,
    ada: UserId,
    bob: UserId,
    carol: UserId,
}

fn new_user(name: &str, is_admin: bool) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: String::new(),
        email: format!("{name}@example.org"),
        is_admin,
    }
}

/// Starts a cluster and lays out a workspace, or returns `None` where the
/// server programs are missing (the harness said so).
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
            ..new_user("Ada", true)
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
    Some(Team {
        cluster,
        target,
        ada,
        bob,
        carol,
    })
}

impl Team {
    fn raw(&self, user: &str, password: &str) -> postgres::Client {
        self.cluster.connect(DATABASE, user, password).unwrap()
    }

    fn superuser(&self) -> postgres::Client {
        self.cluster.superuser(DATABASE)
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

const INSUFFICIENT_PRIVILEGE: &str = "42501";

#[test]
fn the_first_administrator_signs_in_as_a_role() {
    let Some(team) = team() else { return };
    let mut ada = PgSession::connect(&team.target, "ADA", ADA_PW).unwrap();
    let me = ada.whoami().unwrap();
    assert_eq!(me.id, team.ada);
    assert_eq!(me.username, "Ada");
    assert_eq!(me.display_name, "Ada Admin");
    assert!(me.is_admin && me.is_active);
    let bob = PgSession::connect(&team.target, "bob", BOB_PW).unwrap();
    assert_eq!(bob.user().id, team.bob);
    assert_eq!(bob.user().display_name, "bob");
    assert!(!bob.user().is_admin);

    // The role is a SCRAM login, a member of the user group only.
    let mut su = team.superuser();
    let listen: String = su.query_one("SHOW listen_addresses", &[]).unwrap().get(0);
    assert_eq!(listen, "", "the test server listens on its socket only");
    let row = su
        .query_one(
            "SELECT rolcanlogin, rolpassword LIKE 'SCRAM-SHA-256$%', rolsuper, rolcreaterole,
                    array(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
                          WHERE m.member = r.oid)
             FROM pg_authid r WHERE rolname = 'bob'",
            &[],
        )
        .unwrap();
    assert!(row.get::<_, bool>(0));
    assert!(row.get::<_, bool>(1));
    assert!(!row.get::<_, bool>(2) && !row.get::<_, bool>(3));
    assert_eq!(row.get::<_, Vec<String>>(4), ["latchkey_user"]);

    assert!(matches!(
        PgSession::connect(&team.target, "bob", "wrong"),
        Err(PgError::BadCredentials)
    ));
    assert!(matches!(
        PgSession::connect(&team.target, "nobody-here", BOB_PW),
        Err(PgError::BadCredentials)
    ));
    // A second workspace on the same server is refused (roles are shared).
    assert!(matches!(
        PgWorkspace::create(
            &team.target,
            SUPERUSER,
            SUPERUSER_PASSWORD,
            &new_user("eve", true),
            "x"
        ),
        Err(PgError::Refused(DomainError::WrongState(_)))
    ));
}

#[test]
fn a_user_role_cannot_read_or_write_any_table() {
    let Some(team) = team() else { return };
    // Administrators too: the tables are the owner's alone.
    for (user, password) in [("bob", BOB_PW), ("ada", ADA_PW)] {
        let mut raw = team.raw(user, password);
        for sql in [
            "SELECT * FROM latchkey.users",
            "SELECT * FROM latchkey.meta",
            "INSERT INTO latchkey.users (username, role_name, display_name, is_admin, created_at_ms) VALUES ('x', 'x', 'x', true, 0)",
            "UPDATE latchkey.users SET is_admin = true",
            "DELETE FROM latchkey.users",
            "SELECT latchkey.create_first_admin('eve', 'eve', '', '', 'SCRAM-SHA-256$4096:a$b:c')",
            "SELECT latchkey.insert_user('eve', 'eve', '', '', true, 'SCRAM-SHA-256$4096:a$b:c')",
            "CREATE TABLE public.mine (x int)",
            "CREATE TEMP TABLE mine (x int)",
            "CREATE SCHEMA mine",
            "ALTER FUNCTION latchkey_api.whoami() OWNER TO bob",
        ] {
            assert_eq!(
                sqlstate(raw.batch_execute(sql)),
                INSUFFICIENT_PRIVILEGE,
                "{user}: {sql}"
            );
        }
        // Setting the search path does not reach the tables either.
        raw.batch_execute("SET search_path = latchkey, public")
            .unwrap();
        assert_eq!(
            sqlstate(raw.batch_execute("SELECT * FROM users")),
            "42P01",
            "{user}: an unreachable schema is not searched"
        );
    }

    // Every table, sequence and function of both schemas, checked in the
    // catalogue: a user holds no privilege on a table or sequence, can
    // execute only the API, and PUBLIC holds nothing at all.
    let mut su = team.superuser();
    let table_privileges: i64 = su
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                    unnest(ARRAY['bob', 'ada']) AS u(name),
                    unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(privilege)
             WHERE n.nspname IN ('latchkey', 'latchkey_api') AND c.relkind IN ('r', 'p', 'v', 'm')
               AND has_table_privilege(u.name, c.oid, p.privilege)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(table_privileges, 0);
    let sequence_privileges: i64 = su
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname IN ('latchkey', 'latchkey_api') AND c.relkind = 'S'
               AND (has_sequence_privilege('bob', c.oid, 'USAGE')
                    OR has_sequence_privilege('bob', c.oid, 'SELECT')
                    OR has_sequence_privilege('bob', c.oid, 'UPDATE'))",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(sequence_privileges, 0);
    let private_functions: Vec<String> = su
        .query(
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'latchkey' AND has_function_privilege('bob', p.oid, 'EXECUTE')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(private_functions.is_empty(), "{private_functions:?}");
    let public_grants: Vec<String> = su
        .query(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                    aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
             WHERE n.nspname IN ('latchkey', 'latchkey_api') AND a.grantee = 0
             UNION ALL
             SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
                    aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
             WHERE n.nspname IN ('latchkey', 'latchkey_api') AND a.grantee = 0
             UNION ALL
             SELECT n.nspname FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
             WHERE n.nspname IN ('latchkey', 'latchkey_api', 'public') AND a.grantee = 0
             UNION ALL
             SELECT d.datname FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
             WHERE d.datname = current_database() AND a.grantee = 0",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(public_grants.is_empty(), "PUBLIC holds {public_grants:?}");
}

#[test]
fn the_api_functions_run_as_the_owner_with_a_fixed_search_path() {
    let Some(team) = team() else { return };
    let mut su = team.superuser();
    let rows = su
        .query(
            "SELECT p.proname::text, p.prosecdef, pg_get_userbyid(p.proowner)::text,
                    coalesce(array_to_string(p.proconfig, ','), ''),
                    n.nspname::text, l.lanname::text, p.prosrc
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  JOIN pg_language l ON l.oid = p.prolang
             WHERE n.nspname IN ('latchkey', 'latchkey_api')",
            &[],
        )
        .unwrap();
    assert!(rows.len() >= 4);
    for row in rows {
        let name: String = row.get(0);
        assert_eq!(row.get::<_, String>(2), "latchkey_owner", "{name}");
        let config: String = row.get(3);
        // An internal SQL helper may leave the path to its caller, so that
        // the planner can inline it (a set of rows filtered further): it
        // runs only inside an API function, whose path is fixed, and names
        // every object with its schema.
        let inlined_helper = row.get::<_, String>(4) == "latchkey"
            && !row.get::<_, bool>(1)
            && row.get::<_, String>(5) == "sql";
        if inlined_helper && config.is_empty() {
            let body: String = row.get(6);
            assert!(
                body.contains("latchkey.")
                    && !body.contains(" FROM requests")
                    && !body.contains(" FROM users"),
                "{name}: an inlined helper names its tables with their schema"
            );
            continue;
        }
        assert!(
            config.starts_with("search_path=") && config.ends_with("pg_temp"),
            "{name}: {config}"
        );
    }
    let owner = su
        .query_one(
            "SELECT rolcanlogin, rolsuper, (SELECT count(*) FROM pg_auth_members m WHERE m.roleid = r.oid)
             FROM pg_roles r WHERE rolname = 'latchkey_owner'",
            &[],
        )
        .unwrap();
    assert!(!owner.get::<_, bool>(0), "the owner cannot sign in");
    assert!(!owner.get::<_, bool>(1));
    assert_eq!(owner.get::<_, i64>(2), 0, "nobody is a member of the owner");
    let definers: i64 = su
        .query_one(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'latchkey_api' AND NOT p.prosecdef",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(definers, 0, "every API function is SECURITY DEFINER");
}

#[test]
fn a_user_cannot_become_another_role() {
    let Some(team) = team() else { return };
    let mut bob = team.raw("bob", BOB_PW);
    for sql in [
        "SET ROLE latchkey_owner",
        "SET ROLE ada",
        "SET ROLE carol",
        "SET ROLE bootstrap",
        "SET SESSION AUTHORIZATION ada",
        "SET SESSION AUTHORIZATION latchkey_owner",
        "SET SESSION AUTHORIZATION bootstrap",
        "GRANT latchkey_owner TO bob",
        "GRANT ada TO bob",
        "ALTER ROLE bob SUPERUSER",
        "ALTER ROLE bob CREATEROLE",
        "ALTER ROLE ada PASSWORD 'taken-over'",
        "ALTER ROLE ada NOLOGIN",
        "CREATE ROLE eve LOGIN",
        "DROP ROLE carol",
    ] {
        assert_eq!(
            sqlstate(bob.batch_execute(sql)),
            INSUFFICIENT_PRIVILEGE,
            "{sql}"
        );
    }
    // After all that the server still says bob.
    let row = bob
        .query_one(
            "SELECT session_user::text, current_user::text, (SELECT username FROM latchkey_api.whoami())",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "bob");
    assert_eq!(row.get::<_, String>(1), "bob");
    assert_eq!(row.get::<_, String>(2), "bob");
    // Ada's password still works.
    PgSession::connect(&team.target, "ada", ADA_PW).unwrap();
}

#[test]
fn only_an_active_administrator_manages_users() {
    let Some(team) = team() else { return };
    let mut bob = PgSession::connect(&team.target, "bob", BOB_PW).unwrap();
    let refused = |r: Result<(), PgError>| match r {
        Err(PgError::Refused(DomainError::NotPermitted(message))) => message,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(
            bob.create_user(&new_user("eve", true), "eve-pw")
                .map(|_| ())
        ),
        "only an administrator can manage users"
    );
    refused(bob.disable_user(team.carol));
    refused(bob.remove_user(team.ada));
    // A raw call with any arguments is refused the same way.
    let mut raw = team.raw("bob", BOB_PW);
    assert_eq!(
        sqlstate(raw.query_one(
            "SELECT latchkey_api.create_user('eve', 'eve', '', '', true, 'SCRAM-SHA-256$4096:YQ==$YQ==:YQ==')",
            &[]
        )),
        INSUFFICIENT_PRIVILEGE
    );
    let mut su = team.superuser();
    let eve: i64 = su
        .query_one("SELECT count(*) FROM pg_roles WHERE rolname = 'eve'", &[])
        .unwrap()
        .get(0);
    assert_eq!(eve, 0);

    let mut ada = PgSession::connect(&team.target, "ada", ADA_PW).unwrap();
    // A taken name (in any case) is a field error, as is a cluster role's.
    for taken in ["BOB", "bootstrap", "latchkey_owner", "pg_monitor"] {
        match ada.create_user(&new_user(taken, false), "pw") {
            Err(PgError::Refused(e)) => {
                let message = e.field_errors().unwrap().for_field(Field::Username);
                assert!(message.is_some(), "{taken}: {e}");
            }
            other => panic!("{taken}: {other:?}"),
        }
    }
    // The last active administrator cannot leave.
    assert!(matches!(
        ada.disable_user(team.ada),
        Err(PgError::Refused(DomainError::WrongState(_)))
    ));
    // A password in clear is refused by the server itself.
    let mut raw_ada = team.raw("ada", ADA_PW);
    assert_eq!(
        sqlstate(raw_ada.query_one(
            "SELECT latchkey_api.create_user('eve', 'eve', '', '', false, 'plain-password')",
            &[]
        )),
        "22023"
    );
    // A name built to break out of the quoting is refused before any role
    // statement runs (and %I would quote it anyway).
    let injection = r#"SELECT latchkey_api.create_user('x"; DROP ROLE bob; --', 'x"; drop role bob; --', '', '', false, 'SCRAM-SHA-256$4096:YQ==$YQ==:YQ==')"#;
    assert_eq!(sqlstate(raw_ada.query_one(injection, &[])), "22023");
    PgSession::connect(&team.target, "bob", BOB_PW).unwrap();
}

#[test]
fn a_disabled_user_cannot_sign_in_and_its_open_session_is_refused() {
    let Some(team) = team() else { return };
    let mut bob = PgSession::connect(&team.target, "bob", BOB_PW).unwrap();
    let mut ada = PgSession::connect(&team.target, "ada", ADA_PW).unwrap();
    ada.disable_user(team.bob).unwrap();
    assert!(matches!(
        PgSession::connect(&team.target, "bob", BOB_PW),
        Err(PgError::Disabled)
    ));
    // A wrong password still says only that.
    assert!(matches!(
        PgSession::connect(&team.target, "bob", "guess"),
        Err(PgError::BadCredentials)
    ));
    assert!(matches!(
        bob.whoami(),
        Err(PgError::Refused(DomainError::NotPermitted(_)))
    ));
    // A disabled administrator manages nobody.
    let dora = ada.create_user(&new_user("dora", true), "dora-pw").unwrap();
    let mut dora_session = PgSession::connect(&team.target, "dora", "dora-pw").unwrap();
    ada.disable_user(dora).unwrap();
    assert!(matches!(
        dora_session.remove_user(team.carol),
        Err(PgError::Refused(DomainError::NotPermitted(_)))
    ));
}

#[test]
fn a_removed_users_role_is_gone() {
    let Some(team) = team() else { return };
    let mut carol = PgSession::connect(&team.target, "carol", CAROL_PW).unwrap();
    let mut ada = PgSession::connect(&team.target, "ada", ADA_PW).unwrap();
    ada.remove_user(team.carol).unwrap();
    let mut su = team.superuser();
    let roles: i64 = su
        .query_one("SELECT count(*) FROM pg_roles WHERE rolname = 'carol'", &[])
        .unwrap()
        .get(0);
    assert_eq!(roles, 0);
    // The row stays for the audit log, inactive and marked removed.
    let row = su
        .query_one(
            "SELECT is_active, removed_at_ms IS NOT NULL FROM latchkey.users WHERE id = $1",
            &[&team.carol.0],
        )
        .unwrap();
    assert!(!row.get::<_, bool>(0) && row.get::<_, bool>(1));
    assert!(matches!(
        PgSession::connect(&team.target, "carol", CAROL_PW),
        Err(PgError::BadCredentials)
    ));
    // Her session, still open, is refused.
    assert!(carol.whoami().is_err());
    // Removed once; a second time there is no such user.
    assert!(matches!(
        ada.remove_user(team.carol),
        Err(PgError::Refused(DomainError::WrongState(_)))
    ));
    // The name can be given to someone new, with a new role.
    ada.create_user(&new_user("carol", false), "new-carol-pw")
        .unwrap();
    PgSession::connect(&team.target, "carol", "new-carol-pw").unwrap();

    // The first administrator's role, made when the workspace was created,
    // is removed like any other by another administrator.
    let frank = ada
        .create_user(&new_user("frank", true), "frank-pw")
        .unwrap();
    let mut frank_session = PgSession::connect(&team.target, "frank", "frank-pw").unwrap();
    assert_eq!(frank_session.user().id, frank);
    frank_session.remove_user(team.ada).unwrap();
    assert!(matches!(
        PgSession::connect(&team.target, "ada", ADA_PW),
        Err(PgError::BadCredentials)
    ));
}

#[test]
fn a_password_never_appears_in_an_error_or_the_server_log() {
    let Some(team) = team() else { return };
    let eve_pw = "eve-pw-Xk39Qa";
    let mut errors = Vec::new();
    let mut note = |e: PgError| errors.push(format!("{e} / {e:?}"));
    note(
        PgSession::connect(&team.target, "bob", ADA_PW)
            .err()
            .unwrap(),
    );
    note(
        PgSession::connect(&team.target, "ghost", eve_pw)
            .err()
            .unwrap(),
    );
    let mut bob = PgSession::connect(&team.target, "bob", BOB_PW).unwrap();
    note(
        bob.create_user(&new_user("eve", false), eve_pw)
            .unwrap_err(),
    );
    let mut ada = PgSession::connect(&team.target, "ada", ADA_PW).unwrap();
    note(
        ada.create_user(&new_user("bob", false), eve_pw)
            .unwrap_err(),
    );
    note(
        ada.create_user(&new_user("pg_eve", false), eve_pw)
            .unwrap_err(),
    );
    ada.create_user(&new_user("eve", false), eve_pw).unwrap();
    ada.disable_user(team.bob).unwrap();
    note(
        PgSession::connect(&team.target, "bob", BOB_PW)
            .err()
            .unwrap(),
    );
    let log = team.cluster.log();
    assert!(
        log.contains("latchkey_api.create_user"),
        "statements are logged, so the check below means something"
    );
    for password in [ADA_PW, BOB_PW, CAROL_PW, eve_pw, SUPERUSER_PASSWORD] {
        for error in &errors {
            assert!(!error.contains(password), "{error}");
        }
        assert!(!log.contains(password), "the server log holds a password");
    }
    // Not even a verifier: the functions' arguments are not logged.
    assert!(!log.contains("SCRAM-SHA-256$"), "{log}");
}

/// R-BEY-9: the server's clock decides. A client declaring another instant
/// (the setting the store sends at each transaction's start) changes
/// nothing unless the server's owner made the server follow its clients,
/// which no user can do.
#[test]
fn a_forged_time_moves_nothing() {
    let Some(team) = team() else { return };
    let mut bob = team.raw("bob", BOB_PW);
    let now = |client: &mut postgres::Client| -> i64 {
        client
            .query_one("SELECT latchkey_api.server_now()", &[])
            .unwrap()
            .get(0)
    };
    let before = now(&mut bob);
    let far_future = "4102444800000"; // 2100-01-01
    bob.execute(
        "SELECT pg_catalog.set_config('latchkey.client_now_ms', $1, false)",
        &[&far_future],
    )
    .unwrap();
    let after = now(&mut bob);
    assert!(
        (before..before + 60_000).contains(&after),
        "the server's clock: {before} then {after}"
    );
    // The switch is the owner's alone, and so is the crypto schema.
    for sql in [
        "INSERT INTO latchkey.server_clock (follow_clients) VALUES (true)",
        "UPDATE latchkey.server_clock SET fixed_ms = 0",
        "SELECT latchkey.now_ms()",
        "SELECT latchkey_crypto.gen_random_bytes(4)",
        "SELECT * FROM latchkey.secret_key",
    ] {
        assert_eq!(
            sqlstate(bob.batch_execute(sql)),
            INSUFFICIENT_PRIVILEGE,
            "{sql}"
        );
    }
    // Where the owner says so (the test suite), the server follows.
    team.superuser()
        .batch_execute("INSERT INTO latchkey.server_clock (follow_clients) VALUES (true)")
        .unwrap();
    assert_eq!(now(&mut bob), 4_102_444_800_000);
}
