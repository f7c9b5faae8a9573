//! The use cases end to end, at fixed instants: each step is taken at a
//! moment the test chooses, then the request's state, the audit rows it wrote
//! and the notifications it stored are checked — exactly one per recipient.
//!
//! The workspace is a real file in a temporary directory so a second
//! connection can read the audit log the way an auditor would; the service
//! under test never sees that connection.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use chrono::FixedOffset;
use latchkey::app::present;
use latchkey::domain::audit::AuditEvent;
use latchkey::domain::clock::{Clock, FixedClock};
use latchkey::domain::entry::{DependencyRole, EntryKind, NewEntry};
use latchkey::domain::notification::{Notification, NotificationKind};
use latchkey::domain::permission::Permission;
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, Phase, Request, RequestKind,
    RequestStatus, Target, Terms,
};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::user::NewUser;
use latchkey::domain::{
    DomainError, EntryId, Field, PermissionSetId, RequestId, Span, Timestamp, UserId, VaultId,
};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::launcher::RecordingLauncher;
use latchkey::service::{
    AuditVerdict, BreakGlassInput, HashCost, KeyOptions, NewVault, SecretUse, ServerOwner,
    ServiceError, Session, TickReport, Workspace, demo, verify_audit,
};
use latchkey::store::postgres::PgTarget;
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};
use serde_json::Value;
use std::cell::{RefCell, RefMut};
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::PathBuf;
use tempfile::TempDir;

/// The instant the workspace is set up; requests start a minute later.
const T0: Timestamp = Timestamp(1_800_000_000_000);
const PASSWORD: &str = "correct horse battery";
const DOMAIN_ADMIN_SECRET: &str = "s3cret-domain-admin";
const MS: Span = Span(1);

/// Which kind of workspace a scenario runs on (issue 19: one behaviour,
/// two stores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// A workspace file (SQLite); the service enforces the rules.
    Sqlite,
    /// A PostgreSQL workspace on a throwaway server, which enforces them.
    Postgres,
}

/// Where the fixture's workspace is.
enum Place {
    File(PathBuf),
    Server(PgCluster),
}

/// The database of the PostgreSQL fixture.
const DATABASE: &str = "service";

/// Runs each named scenario (a `fn name(backend: Backend)`) on both kinds
/// of workspace, as the tests `name::sqlite` and `name::postgres`.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::Backend::Sqlite);
            }

            #[test]
            fn postgres() {
                super::$name(super::Backend::Postgres);
            }
        }
    )*};
}

on_both_stores!(
    a_request_notifies_the_chosen_approver_and_administrators_once,
    approval_starts_the_clock_and_notifies_the_requester_once,
    approval_with_modifications_keeps_both_terms,
    a_notification_shows_its_times_in_the_readers_time_zone,
    denial_tells_the_requester_why_and_others_who_handled_it,
    approval_marks_other_approvers_notifications_handled,
    cancelling_a_pending_request,
    expiring_soon_and_expired_are_told_once_each_at_their_instant,
    a_grant_noticed_only_after_its_end_expires_without_a_late_warning,
    a_pending_request_lapses_at_its_ttl,
    revocation_by_an_approver_notifies_and_by_the_requester_does_not,
    release_ends_access_with_a_closing_note,
    an_extension_starts_at_the_end_of_the_grant,
    a_first_use_grant_starts_when_used_and_lapses_unused,
    break_glass_notifies_everyone_and_waits_for_review,
    a_direct_grant_is_audited_and_notified,
    a_quorum_needs_two_distinct_approvals_and_any_deny_denies,
    revealing_a_password_is_checked_at_the_instant_and_audited,
    a_refused_request_stores_nothing,
);

/// The people of the fixture, signed in.
struct People {
    admin: Session,
    alice: Session,
    bob: Session,
    carol: Session,
    dave: Session,
}

/// A workspace with three vaults:
/// - Production: approvers Bob and Carol, members Alice and Dave, break glass
///   up to 60 min; `Servers/web-01` (RDP) depends on the credentials
///   `Domain admin`; `db-01` (database) stands alone.
/// - Finance: approvers Bob and Carol, member Alice, two approvals needed.
/// - Staging: member Alice, approver Bob, no break glass.
struct Fx {
    _dir: TempDir,
    place: Place,
    /// Each signed-in user's handle on the workspace, the administrator's
    /// first: one handle for a file workspace (its sessions share it), one
    /// connection per user for a PostgreSQL workspace (the user's own role).
    handles: RefCell<Vec<(UserId, Workspace)>>,
    clock: FixedClock,
    servers: EntryId,
    web01: EntryId,
    domain_admin: EntryId,
    db01: EntryId,
    payments: EntryId,
    stg_web: EntryId,
    reader: PermissionSetId,
    operator: PermissionSetId,
    view_password: PermissionSetId,
}

fn new_user(username: &str, display_name: &str) -> NewUser {
    NewUser {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        email: format!("{username}@example.test"),
        is_admin: false,
    }
}

fn item(name: &str, parent: Option<EntryId>) -> NewEntry {
    NewEntry {
        name: name.to_owned(),
        parent_id: parent,
        host: format!("{name}.example.test"),
        ..NewEntry::default()
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "the shared fixture builds the whole workspace in one place"
)]
fn setup(backend: Backend) -> Option<(Fx, People)> {
    let dir = TempDir::new().unwrap();
    let admin_user = NewUser {
        is_admin: true,
        ..new_user("admin", "Ada Admin")
    };
    let (place, mut ws, admin) = match backend {
        Backend::Sqlite => {
            let path = dir.path().join("service.latchkey");
            let keyring = MemoryKeyring::default();
            let keys = KeyOptions {
                keyring: &keyring,
                key_file: None,
            };
            let store = SqliteStore::create(&path).unwrap();
            let mut ws =
                Workspace::create(Box::new(store), "t", &keys, HashCost::Minimal, T0).unwrap();
            let admin = ws.create_first_admin(&admin_user, PASSWORD, T0).unwrap();
            (Place::File(path), ws, admin)
        }
        Backend::Postgres => {
            let cluster = PgCluster::start()?;
            cluster.create_database(DATABASE);
            let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
            let owner = ServerOwner {
                user: SUPERUSER,
                password: SUPERUSER_PASSWORD,
            };
            let (ws, admin) =
                Workspace::create_postgres(&target, &owner, "t", &admin_user, PASSWORD, T0)
                    .unwrap();
            // The scenarios' instants are the server's too.
            cluster
                .superuser(DATABASE)
                .execute(
                    "INSERT INTO latchkey.server_clock (follow_clients) VALUES (true)",
                    &[],
                )
                .unwrap();
            (Place::Server(cluster), ws, admin)
        }
    };
    let add = |ws: &mut Workspace, name: &str, display: &str| -> UserId {
        ws.add_user(&admin, &new_user(name, display), PASSWORD, T0)
            .unwrap()
    };
    let alice = add(&mut ws, "alice", "Alice Requester");
    let bob = add(&mut ws, "bob", "Bob Approver");
    let carol = add(&mut ws, "carol", "Carol Approver");
    let dave = add(&mut ws, "dave", "Dave Member");
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        ..WorkspaceSettings::default()
    };
    ws.update_settings(&admin, &settings, T0).unwrap();

    let production = NewVault {
        break_glass_allowed: true,
        emergency_limit_mins: 60,
        ..NewVault::named("Production")
    };
    let prod = ws.add_vault(&admin, &production, T0).unwrap();
    let finance = NewVault {
        required_approvals: 2,
        ..NewVault::named("Finance")
    };
    let finance = ws.add_vault(&admin, &finance, T0).unwrap();
    let staging = ws
        .add_vault(&admin, &NewVault::named("Staging"), T0)
        .unwrap();
    let memberships: [(VaultId, &[UserId], &[UserId]); 3] = [
        (prod, &[bob, carol], &[alice, dave]),
        (finance, &[bob, carol], &[alice]),
        (staging, &[bob], &[alice]),
    ];
    for (vault, approvers, members) in memberships {
        for user in approvers {
            ws.add_approver(&admin, vault, *user, T0).unwrap();
        }
        for user in members {
            ws.add_member(&admin, vault, *user, T0).unwrap();
        }
    }

    let folder = NewEntry {
        name: "Servers".into(),
        ..NewEntry::default()
    };
    let servers = ws
        .add_entry(&admin, prod, EntryKind::Folder, &folder, None, T0)
        .unwrap();
    let web01 = ws
        .add_entry(
            &admin,
            prod,
            EntryKind::Rdp,
            &item("web-01", Some(servers)),
            Some("s3cret-web-01"),
            T0,
        )
        .unwrap();
    let domain_admin = ws
        .add_entry(
            &admin,
            prod,
            EntryKind::Credentials,
            &item("Domain admin", None),
            Some(DOMAIN_ADMIN_SECRET),
            T0,
        )
        .unwrap();
    ws.add_dependency(&admin, web01, domain_admin, DependencyRole::Credentials, T0)
        .unwrap();
    let db01 = ws
        .add_entry(
            &admin,
            prod,
            EntryKind::Database,
            &item("db-01", None),
            Some("s3cret-db-01"),
            T0,
        )
        .unwrap();
    let payments = ws
        .add_entry(
            &admin,
            finance,
            EntryKind::Database,
            &item("Payments DB", None),
            Some("s3cret-payments"),
            T0,
        )
        .unwrap();
    let stg_web = ws
        .add_entry(
            &admin,
            staging,
            EntryKind::Ssh,
            &item("stg-web-01", None),
            Some("s3cret-stg"),
            T0,
        )
        .unwrap();

    let set = |ws: &mut Workspace, name: &str| -> PermissionSetId {
        ws.permission_sets(T0)
            .unwrap()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap()
            .id
    };
    let reader = set(&mut ws, "Reader");
    let operator = set(&mut ws, "Operator");
    let view_password = set(&mut ws, "View password");

    let mut handles = vec![(admin.user_id(), ws)];
    let mut sign_in = |name: &str| match &place {
        Place::File(_) => handles[0].1.sign_in(name, PASSWORD, T0).unwrap(),
        Place::Server(cluster) => {
            let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
            let (ws, session) = Workspace::sign_in_postgres(&target, name, PASSWORD, T0).unwrap();
            handles.push((session.user_id(), ws));
            session
        }
    };
    let people = People {
        alice: sign_in("alice"),
        bob: sign_in("bob"),
        carol: sign_in("carol"),
        dave: sign_in("dave"),
        admin,
    };
    let fx = Fx {
        _dir: dir,
        place,
        handles: RefCell::new(handles),
        clock: FixedClock::new(T0 + Span::mins(1)),
        servers,
        web01,
        domain_admin,
        db01,
        payments,
        stg_web,
        reader,
        operator,
        view_password,
    };
    Some((fx, people))
}

fn minutes(mins: u32) -> AccessWindow {
    AccessWindow::Duration { mins }
}

/// A request with a message, to `approver`.
fn new_request(
    entry: EntryId,
    set: PermissionSetId,
    window: AccessWindow,
    approver: &Session,
) -> NewRequest {
    NewRequest {
        target: Target::Entry(entry),
        terms: Terms {
            permission_set_id: set,
            window,
        },
        approver_id: Some(approver.user_id()),
        message: "Apply the monthly patches".into(),
        start_on_first_use: false,
        extends_request_id: None,
    }
}

fn as_requested() -> ApprovalInput {
    ApprovalInput {
        terms: None,
        message: String::new(),
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

/// A refusal of someone who may not see the request at all: not permitted
/// by the service over a file; on a server, which shows a request only to
/// those who may see it, as if it did not exist.
fn refused_unseen<T: Debug>(backend: Backend, result: Result<T, ServiceError>) {
    match (backend, refused(result)) {
        (Backend::Sqlite, ServiceError::Domain(DomainError::NotPermitted(_)))
        | (Backend::Postgres, ServiceError::NotFound(_)) => {}
        (_, other) => panic!("expected a refusal of an unseen request, got {other:?}"),
    }
}

fn wrong_state<T: Debug>(result: Result<T, ServiceError>) -> String {
    match refused(result) {
        ServiceError::Domain(DomainError::WrongState(message)) => message,
        other => panic!("expected a wrong-state refusal, got {other:?}"),
    }
}

fn details(event: &AuditEvent) -> Value {
    serde_json::from_str(&event.details).unwrap()
}

impl Fx {
    /// `who`'s handle on the workspace.
    fn ws(&self, who: &Session) -> RefMut<'_, Workspace> {
        let handles = self.handles.borrow_mut();
        let index = match self.place {
            Place::File(_) => 0,
            Place::Server(_) => handles
                .iter()
                .position(|(user, _)| *user == who.user_id())
                .unwrap(),
        };
        RefMut::map(handles, |handles| &mut handles[index].1)
    }

    /// A handle for what no one in particular does (the clock's work); the
    /// administrator's.
    fn system(&self) -> RefMut<'_, Workspace> {
        RefMut::map(self.handles.borrow_mut(), |handles| &mut handles[0].1)
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn advance(&self, by: Span) -> Timestamp {
        self.clock.advance(by);
        self.now()
    }

    /// Asks for `mins` minutes of `set` on `entry`, now.
    fn ask(
        &mut self,
        who: &Session,
        entry: EntryId,
        set: PermissionSetId,
        mins: u32,
        approver: &Session,
    ) -> RequestId {
        let draft = new_request(entry, set, minutes(mins), approver);
        let now = self.now();
        self.ws(who).request_access(who, &draft, now).unwrap()
    }

    fn approve(&mut self, who: &Session, id: RequestId) -> ApprovalOutcome {
        let now = self.now();
        self.ws(who).approve(who, id, &as_requested(), now).unwrap()
    }

    /// Asks and has Bob approve at once: an active grant from now.
    fn grant(&mut self, p: &People, entry: EntryId, set: PermissionSetId, mins: u32) -> RequestId {
        let id = self.ask(&p.alice, entry, set, mins, &p.bob);
        assert_eq!(self.approve(&p.bob, id), ApprovalOutcome::Granted);
        id
    }

    fn request(&mut self, who: &Session, id: RequestId) -> Request {
        let now = self.now();
        self.ws(who).request(who, id, now).unwrap()
    }

    fn notifications(&mut self, who: &Session) -> Vec<Notification> {
        let now = self.now();
        self.ws(who).notifications(who, 1_000, now).unwrap()
    }

    /// `who`'s notifications about one request, oldest first, as worded for them.
    fn about(&mut self, who: &Session, id: RequestId) -> Vec<Told> {
        let mut found: Vec<Told> = self
            .notifications(who)
            .into_iter()
            .filter(|n| n.request_id == id)
            .map(|n| Told::from(&n))
            .collect();
        found.reverse();
        found
    }

    fn kinds(&mut self, who: &Session, id: RequestId) -> Vec<NotificationKind> {
        self.about(who, id).into_iter().map(|n| n.kind).collect()
    }

    fn tick(&mut self) -> TickReport {
        let now = self.now();
        self.system().tick(now).unwrap()
    }

    fn connect(&mut self, who: &Session, entry: EntryId) -> Result<(), ServiceError> {
        let now = self.now();
        self.ws(who)
            .connect(who, entry, &RecordingLauncher::default(), now)
            .map(drop)
    }

    fn reveal(&mut self, who: &Session, entry: EntryId) -> Result<String, ServiceError> {
        let now = self.now();
        self.ws(who)
            .reveal_secret(who, entry, SecretUse::Reveal, now)
            .map(|s| s.as_str().to_owned())
    }

    /// Every audit event, read through a second connection (the server's
    /// owner, for a PostgreSQL workspace).
    fn audit(&self) -> Vec<AuditEvent> {
        match &self.place {
            Place::File(path) => {
                let mut store = SqliteStore::open(path).unwrap();
                let mut tx = store.begin(TxMode::Read).unwrap();
                tx.audit_events_after(0, 1_000_000).unwrap()
            }
            Place::Server(cluster) => cluster
                .superuser(DATABASE)
                .query(
                    "SELECT seq, at_ms, actor_id, action, request_id, entry_id, details, prev_hash, hash
                     FROM latchkey.audit_events ORDER BY seq",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|row| AuditEvent {
                    seq: row.get(0),
                    at: Timestamp(row.get(1)),
                    actor_id: row.get::<_, Option<i64>>(2).map(UserId),
                    action: row.get(3),
                    request_id: row.get::<_, Option<i64>>(4).map(RequestId),
                    entry_id: row.get::<_, Option<i64>>(5).map(EntryId),
                    details: row.get(6),
                    prev_hash: row.get(7),
                    hash: row.get(8),
                })
                .collect(),
        }
    }

    /// The sequence number of the last audit event.
    fn head(&self) -> i64 {
        self.audit().last().map_or(0, |e| e.seq)
    }

    fn events_after(&self, seq: i64) -> Vec<AuditEvent> {
        self.audit().into_iter().filter(|e| e.seq > seq).collect()
    }

    fn actions_after(&self, seq: i64) -> Vec<String> {
        self.events_after(seq)
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    fn request_counts(&self) -> Vec<(String, i64)> {
        match &self.place {
            Place::File(path) => {
                let mut store = SqliteStore::open(path).unwrap();
                let mut tx = store.begin(TxMode::Read).unwrap();
                tx.request_counts().unwrap().by_status
            }
            Place::Server(cluster) => cluster
                .superuser(DATABASE)
                .query(
                    "SELECT status, count(*) FROM latchkey.requests GROUP BY status ORDER BY status",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect(),
        }
    }

    fn set_settings(&mut self, p: &People, change: impl FnOnce(&mut WorkspaceSettings)) {
        let now = self.now();
        let mut settings = self.system().settings(now).unwrap();
        change(&mut settings);
        self.ws(&p.admin)
            .update_settings(&p.admin, &settings, now)
            .unwrap();
    }
}

/// R-REQ-3, R-NOT-1, R-AUD-1: a request tells the chosen approver and the
/// administrators, once each, never the requester; it is audited as "requested".
fn a_request_notifies_the_chosen_approver_and_administrators_once(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let mark = fx.head();
    let id = fx.ask(&p.alice, fx.web01, fx.operator, 60, &p.bob);
    let now = fx.now();

    let r = fx.request(&p.alice, id);
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.kind, RequestKind::Standard);
    assert_eq!(r.phase(now), Phase::Pending);
    assert_eq!(r.requester_id, p.alice.user_id());
    assert_eq!(r.approver_id, Some(p.bob.user_id()));
    assert_eq!(
        r.requested,
        Terms {
            permission_set_id: fx.operator,
            window: minutes(60)
        }
    );
    assert_eq!(r.created_at, now);
    assert_eq!(r.pending_until_at, now + Span::hours(24));
    assert_eq!(r.grant_start_at, None);

    assert_eq!(fx.kinds(&p.bob, id), [NotificationKind::RequestSubmitted]);
    assert_eq!(fx.kinds(&p.admin, id), [NotificationKind::RequestSubmitted]);
    assert!(fx.kinds(&p.carol, id).is_empty(), "not the chosen approver");
    assert!(fx.kinds(&p.alice, id).is_empty(), "not the requester");
    assert!(fx.kinds(&p.dave, id).is_empty());
    let to_bob = fx.about(&p.bob, id).remove(0);
    assert!(to_bob.title.contains("web-01"), "{}", to_bob.title);
    assert!(to_bob.body.contains("Alice Requester"), "{}", to_bob.body);
    assert_eq!(to_bob.created_at, now);
    assert_eq!((to_bob.read_at, to_bob.shown_at), (None, None));

    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e.action, "requested");
    assert_eq!(e.actor_id, Some(p.alice.user_id()));
    assert_eq!((e.request_id, e.entry_id), (Some(id), Some(fx.web01)));
    assert_eq!(e.at, now);
    let d = details(e);
    assert_eq!(d["approver_id"], p.bob.user_id().0);
    assert_eq!(d["message"], "Apply the monthly patches");
    let covers: BTreeSet<i64> = d["covers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(
        covers,
        BTreeSet::from([fx.web01.0, fx.domain_admin.0]),
        "the request covers the entry's dependencies"
    );

    // Choosing an administrator as the approver still tells them only once.
    let now = fx.advance(Span::mins(1));
    let second = fx.ask(&p.alice, fx.db01, fx.reader, 30, &p.admin);
    assert_eq!(
        fx.kinds(&p.admin, second),
        [NotificationKind::RequestSubmitted]
    );
    assert!(fx.kinds(&p.bob, second).is_empty());

    // Both wait in the approvers' inboxes, newest first.
    let inbox: Vec<RequestId> = fx
        .ws(&p.bob)
        .inbox(&p.bob, now, 10)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(inbox, [second, id]);
    assert_eq!(fx.ws(&p.carol).inbox_count(&p.carol, now).unwrap(), 2);
    assert!(fx.ws(&p.alice).inbox(&p.alice, now, 10).unwrap().is_empty());
}

/// R-REQ-5, R-NOT-1, R-APP-4, docs/requirements.md §1: approving starts a preset duration at
/// approval, tells the requester once, covers the dependencies, and a second
/// decider is told who handled it.
fn approval_starts_the_clock_and_notifies_the_requester_once(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.ask(&p.alice, fx.web01, fx.operator, 60, &p.bob);
    assert!(
        fx.ws(&p.alice)
            .entry_access(&p.alice, fx.web01, fx.now())
            .unwrap()
            .is_locked
    );
    let approved_at = fx.advance(Span::mins(5));
    let mark = fx.head();
    assert_eq!(fx.approve(&p.bob, id), ApprovalOutcome::Granted);

    let r = fx.request(&p.alice, id);
    assert_eq!(r.status, RequestStatus::Approved);
    assert_eq!(r.phase(approved_at), Phase::Active);
    assert_eq!(r.grant_start_at, Some(approved_at));
    assert_eq!(r.grant_end_at, Some(approved_at + Span::mins(60)));
    assert_eq!(r.decided_by, Some(p.bob.user_id()));
    assert_eq!(r.approvals.len(), 1);
    assert!(!r.is_modified());

    let events = fx.events_after(mark);
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["approved"]
    );
    assert_eq!(events[0].actor_id, Some(p.bob.user_id()));
    assert_eq!(events[0].request_id, Some(id));
    assert_eq!(fx.kinds(&p.alice, id), [NotificationKind::Approved]);
    assert_eq!(fx.kinds(&p.bob, id), [NotificationKind::RequestSubmitted]);
    assert_eq!(fx.kinds(&p.admin, id), [NotificationKind::RequestSubmitted]);
    assert!(fx.kinds(&p.carol, id).is_empty());

    // The grant works, on the entry and on the credentials it depends on.
    let access = fx
        .ws(&p.alice)
        .entry_access(&p.alice, fx.web01, approved_at)
        .unwrap();
    assert!(!access.is_locked && access.permissions.contains(Permission::Connect));
    fx.connect(&p.alice, fx.web01).unwrap();
    assert_eq!(
        fx.reveal(&p.alice, fx.domain_admin).unwrap(),
        DOMAIN_ADMIN_SECRET
    );
    assert!(
        fx.connect(&p.alice, fx.db01).is_err(),
        "not an entry it covers"
    );

    // R-APP-4: the administrator comes second and is told by whom and how.
    let mark = fx.head();
    match refused(fx.ws(&p.admin).deny(&p.admin, id, "no", approved_at)) {
        ServiceError::Domain(DomainError::AlreadyHandled { outcome, by, at }) => {
            assert_eq!(
                (outcome, by.as_str(), at),
                ("approved", "Bob Approver", approved_at)
            );
        }
        other => panic!("expected already handled, got {other:?}"),
    }
    assert_eq!(fx.head(), mark, "a refused decision writes nothing");
    assert_eq!(fx.kinds(&p.alice, id), [NotificationKind::Approved]);
}

/// R-APP-3, R-AUD-1: changed terms are "approved with modifications"; the
/// requester sees what was asked beside what was authorized.
fn approval_with_modifications_keeps_both_terms(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.ask(&p.alice, fx.web01, fx.operator, 240, &p.bob);
    let now = fx.advance(Span::mins(2));
    let shorter = Terms {
        permission_set_id: fx.reader,
        window: minutes(30),
    };
    let input = ApprovalInput {
        terms: Some(shorter),
        message: "Half an hour, read only".into(),
    };
    let mark = fx.head();
    assert_eq!(
        fx.ws(&p.bob).approve(&p.bob, id, &input, now).unwrap(),
        ApprovalOutcome::Granted
    );

    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "approved_with_modifications");
    let d = details(&events[0]);
    assert_eq!(d["requested"]["permission_set"], "Operator");
    assert_eq!(d["requested"]["window"]["duration_mins"], 240);
    assert_eq!(d["authorized"]["permission_set"], "Reader");
    assert_eq!(d["authorized"]["window"]["duration_mins"], 30);
    assert_eq!(d["message"], "Half an hour, read only");

    let r = fx.request(&p.alice, id);
    assert!(r.is_modified());
    assert_eq!(r.requested.permission_set_id, fx.operator);
    assert_eq!(r.requested.window, minutes(240));
    assert_eq!(r.authorized, Some(shorter));
    assert_eq!(r.decision_message, "Half an hour, read only");
    assert_eq!(r.grant_end_at, Some(now + Span::mins(30)));

    let told = fx.about(&p.alice, id);
    assert_eq!(told.len(), 1);
    assert!(
        told[0].body.contains("approved with changes"),
        "{}",
        told[0].body
    );
    assert!(told[0].body.contains("Half an hour, read only"));

    // What was authorized is what works: Reader reveals but does not connect.
    assert!(fx.connect(&p.alice, fx.web01).is_err());
    assert_eq!(
        fx.reveal(&p.alice, fx.domain_admin).unwrap(),
        DOMAIN_ADMIN_SECRET
    );
}

/// Issue 11, item 6: a notification keeps UTC instants, not words, so two
/// readers in different time zones each see its times in their own.
fn a_notification_shows_its_times_in_the_readers_time_zone(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.ask(&p.alice, fx.web01, fx.operator, 60, &p.bob);
    let decided_at = fx.advance(Span::mins(1));
    assert_eq!(fx.approve(&p.admin, id), ApprovalOutcome::Granted);
    let end = decided_at + Span::hours(1);
    fx.clock.set(end);
    fx.tick();

    let berlin = FixedOffset::east_opt(3_600).unwrap();
    let new_york = FixedOffset::west_opt(5 * 3_600).unwrap();
    let at = |instant: Timestamp, tz: &FixedOffset| {
        instant
            .to_utc()
            .with_timezone(tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let alices = fx.notifications(&p.alice);
    let expired = alices
        .iter()
        .find(|n| n.request_id == id && n.kind == NotificationKind::Expired)
        .unwrap();
    for tz in [&berlin, &new_york] {
        let (_, body) = present::notification_text_in(expired, tz);
        assert!(body.contains(&at(end, tz)), "{tz}: {body}");
    }
    assert_ne!(at(end, &berlin), at(end, &new_york));

    let bobs = fx.notifications(&p.bob);
    let submitted = bobs.iter().find(|n| n.request_id == id).unwrap();
    for tz in [&berlin, &new_york] {
        assert_eq!(
            present::handled_text_in(submitted, tz),
            format!("Approved by Ada Admin at {}", at(decided_at, tz))
        );
    }
}

/// R-NOT-1, R-BEY-7: a denial tells the requester the reason, once; the other
/// recipients of the request see who handled it.
fn denial_tells_the_requester_why_and_others_who_handled_it(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.ask(&p.alice, fx.web01, fx.operator, 60, &p.bob);
    let now = fx.advance(Span::mins(3));
    let mark = fx.head();
    fx.ws(&p.bob)
        .deny(&p.bob, id, "Use the change window on Friday", now)
        .unwrap();

    let r = fx.request(&p.alice, id);
    assert_eq!(r.status, RequestStatus::Denied);
    assert_eq!(r.phase(now), Phase::Denied);
    assert_eq!(r.decision_message, "Use the change window on Friday");
    assert_eq!(r.decided_at, Some(now));
    assert_eq!(fx.actions_after(mark), ["denied"]);
    let told = fx.about(&p.alice, id);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, NotificationKind::Denied);
    assert!(
        told[0].body.contains("Use the change window on Friday"),
        "{}",
        told[0].body
    );
    assert!(fx.connect(&p.alice, fx.web01).is_err());

    // R-BEY-7: the administrator's copy of the request says who denied it;
    // the decider's own does not need to.
    let admins = fx.about(&p.admin, id);
    assert_eq!(admins.len(), 1);
    assert!(
        admins[0].handled_note.starts_with("Denied by Bob Approver"),
        "{:?}",
        admins[0].handled_note
    );
    assert_eq!(fx.about(&p.bob, id)[0].handled_note, "");
}

/// R-BEY-7: approving marks the other recipients' notifications as handled.
fn approval_marks_other_approvers_notifications_handled(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.ask(&p.alice, fx.web01, fx.operator, 60, &p.bob);
    fx.advance(Span::mins(1));
    // The administrator decides, not the chosen approver.
    assert_eq!(fx.approve(&p.admin, id), ApprovalOutcome::Granted);
    let bobs = fx.about(&p.bob, id);
    assert_eq!(bobs.len(), 1);
    assert!(
        bobs[0].handled_note.starts_with("Approved by Ada Admin"),
        "{:?}",
        bobs[0].handled_note
    );
    assert_eq!(fx.about(&p.admin, id)[0].handled_note, "");
    assert_eq!(fx.kinds(&p.alice, id), [NotificationKind::Approved]);
}

/// R-REQ-6, R-BEY-7: the requester cancels; approvers see it and cannot decide it any more.
fn cancelling_a_pending_request(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.ask(&p.alice, fx.web01, fx.operator, 60, &p.bob);
    let now = fx.advance(Span::mins(1));
    not_permitted(fx.ws(&p.bob).cancel(&p.bob, id, now));
    let mark = fx.head();
    fx.ws(&p.alice).cancel(&p.alice, id, now).unwrap();
    assert_eq!(fx.actions_after(mark), ["cancelled"]);
    let r = fx.request(&p.alice, id);
    assert_eq!(r.status, RequestStatus::Cancelled);
    assert_eq!(
        (r.ended_by, r.ended_at),
        (Some(p.alice.user_id()), Some(now))
    );
    for approver in [&p.bob, &p.admin] {
        let note = fx.about(approver, id).remove(0).handled_note;
        assert!(note.starts_with("Cancelled by Alice Requester"), "{note:?}");
    }
    match refused(fx.ws(&p.bob).approve(&p.bob, id, &as_requested(), now)) {
        ServiceError::Domain(DomainError::AlreadyHandled { outcome, by, .. }) => {
            assert_eq!((outcome, by.as_str()), ("cancelled", "Alice Requester"));
        }
        other => panic!("expected already handled, got {other:?}"),
    }
    assert!(fx.ws(&p.bob).inbox(&p.bob, now, 10).unwrap().is_empty());
}

/// R-NOT-1, R-TIME-2, R-AUD-1: "expiring soon" comes once at
/// end − min(lead, length / 4) and "expired" once at the end; ticking again
/// adds nothing, and `next_tick_at` points at the next instant.
fn expiring_soon_and_expired_are_told_once_each_at_their_instant(backend: Backend) {
    // (grant length, how long before the end the warning comes): the quarter
    // of an hour is less than the 1 h lead; the lead is less than 8 h / 4.
    for (mins, warn_before) in [(60, Span::mins(15)), (480, Span::mins(60))] {
        let Some((mut fx, p)) = setup(backend) else {
            return;
        };
        let id = fx.grant(&p, fx.web01, fx.operator, mins);
        let start = fx.now();
        let end = start + Span::mins(i64::from(mins));
        let soon = end - warn_before;
        let case = format!("{mins} min grant");
        assert_eq!(
            fx.system().next_tick_at(start).unwrap(),
            Some(soon),
            "{case}"
        );

        fx.clock.set(soon - MS);
        assert!(fx.tick().is_empty(), "{case}: nothing before the warning");
        assert_eq!(fx.kinds(&p.alice, id), [NotificationKind::Approved]);

        fx.clock.set(soon);
        let mark = fx.head();
        let report = fx.tick();
        assert_eq!(report.expiring_soon, [id], "{case}");
        assert!(report.expired.is_empty() && report.lapsed.is_empty());
        assert_eq!(
            fx.kinds(&p.alice, id),
            [NotificationKind::Approved, NotificationKind::ExpiringSoon],
            "{case}"
        );
        assert_eq!(
            fx.kinds(&p.bob, id),
            [NotificationKind::RequestSubmitted],
            "only the requester is warned"
        );
        assert!(
            !fx.actions_after(mark).contains(&"expired".to_owned()),
            "{case}"
        );
        assert!(fx.tick().is_empty(), "{case}: a second tick adds nothing");
        assert_eq!(fx.system().next_tick_at(soon).unwrap(), Some(end), "{case}");

        fx.clock.set(end - MS);
        assert!(fx.tick().is_empty(), "{case}");
        fx.connect(&p.alice, fx.web01).unwrap();

        fx.clock.set(end);
        let mark = fx.head();
        let report = fx.tick();
        assert_eq!(report.expired, [id], "{case}");
        assert!(report.expiring_soon.is_empty());
        let events = fx.events_after(mark);
        assert_eq!(events.len(), 1, "{case}: {events:?}");
        assert_eq!(events[0].action, "expired");
        assert_eq!(events[0].actor_id, None, "time, not a person, ended it");
        assert_eq!(events[0].request_id, Some(id));
        assert_eq!(details(&events[0])["at_ms"], end.millis());
        assert_eq!(
            fx.kinds(&p.alice, id),
            [
                NotificationKind::Approved,
                NotificationKind::ExpiringSoon,
                NotificationKind::Expired
            ],
            "{case}"
        );
        assert!(fx.connect(&p.alice, fx.web01).is_err(), "{case}: ended");

        let mark = fx.head();
        assert!(fx.tick().is_empty(), "{case}");
        fx.advance(Span::hours(5));
        assert!(fx.tick().is_empty(), "{case}");
        assert_eq!(fx.head(), mark);
        assert_eq!(fx.kinds(&p.alice, id).len(), 3, "{case}");
        assert_eq!(fx.system().next_tick_at(fx.now()).unwrap(), None, "{case}");
    }
}

/// R-NOT-1, R-TIME-2: a grant first noticed after its end (the application
/// was closed) is recorded as expired once, without a late warning.
fn a_grant_noticed_only_after_its_end_expires_without_a_late_warning(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.grant(&p, fx.web01, fx.operator, 60);
    fx.advance(Span::hours(3));
    let report = fx.tick();
    assert_eq!(report.expired, [id]);
    assert!(report.expiring_soon.is_empty());
    assert_eq!(
        fx.kinds(&p.alice, id),
        [NotificationKind::Approved, NotificationKind::Expired]
    );
    assert!(fx.tick().is_empty());
}

/// R-APP-7, R-NOT-1: an undecided request lapses exactly at the TTL and the
/// requester is told, once.
fn a_pending_request_lapses_at_its_ttl(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.ask(&p.alice, fx.web01, fx.operator, 60, &p.bob);
    let lapses_at = fx.now() + Span::hours(24);
    assert_eq!(fx.system().next_tick_at(fx.now()).unwrap(), Some(lapses_at));
    // Another request, made later, can still be approved a millisecond before its own TTL.
    fx.advance(Span::mins(1));
    let later = fx.ask(&p.alice, fx.db01, fx.operator, 60, &p.bob);

    fx.clock.set(lapses_at - MS);
    assert!(fx.tick().is_empty());
    let inbox: Vec<RequestId> = fx
        .ws(&p.bob)
        .inbox(&p.bob, fx.now(), 10)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert!(inbox.contains(&id));

    fx.clock.set(lapses_at);
    let mark = fx.head();
    let report = fx.tick();
    assert_eq!(report.lapsed, [id]);
    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("lapsed", None)
    );
    let r = fx.request(&p.alice, id);
    assert_eq!(r.status, RequestStatus::Lapsed);
    assert_eq!(r.ended_at, Some(lapses_at));
    let told = fx.about(&p.alice, id);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, NotificationKind::Lapsed);
    assert!(
        told[0].body.contains("not decided in time"),
        "{}",
        told[0].body
    );
    assert!(
        !fx.ws(&p.bob)
            .inbox(&p.bob, lapses_at, 10)
            .unwrap()
            .iter()
            .any(|r| r.id == id)
    );
    match refused(
        fx.ws(&p.bob)
            .approve(&p.bob, id, &as_requested(), lapses_at),
    ) {
        ServiceError::Domain(DomainError::Lapsed { at }) => assert_eq!(at, lapses_at),
        other => panic!("expected lapsed, got {other:?}"),
    }
    assert!(fx.tick().is_empty(), "told once");
    assert_eq!(fx.about(&p.alice, id).len(), 1);

    fx.clock.set(lapses_at + Span::mins(1) - MS);
    assert_eq!(fx.approve(&p.bob, later), ApprovalOutcome::Granted);
}

/// R-APP-5, R-REQ-7, R-NOT-1: a revocation by an approver tells the requester;
/// one by the requester tells nobody. Access is gone at that instant.
fn revocation_by_an_approver_notifies_and_by_the_requester_does_not(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let first = fx.grant(&p, fx.web01, fx.operator, 60);
    let second = fx.grant(&p, fx.db01, fx.operator, 60);
    let now = fx.advance(Span::mins(10));

    refused_unseen(backend, fx.ws(&p.dave).revoke(&p.dave, first, "", now));
    let mark = fx.head();
    fx.ws(&p.bob)
        .revoke(&p.bob, first, "Incident over", now)
        .unwrap();
    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("revoked", Some(p.bob.user_id()))
    );
    let r = fx.request(&p.alice, first);
    assert_eq!(r.status, RequestStatus::Revoked);
    assert_eq!((r.ended_by, r.ended_at), (Some(p.bob.user_id()), Some(now)));
    assert_eq!(r.closing_note, "Incident over");
    let told = fx.about(&p.alice, first);
    assert_eq!(
        told.iter().map(|n| n.kind).collect::<Vec<_>>(),
        [NotificationKind::Approved, NotificationKind::Revoked]
    );
    assert!(told[1].body.contains("Bob Approver") && told[1].body.contains("Incident over"));
    assert!(fx.connect(&p.alice, fx.web01).is_err(), "gone at once");
    wrong_state(fx.ws(&p.bob).revoke(&p.bob, first, "", now));

    let before: Vec<usize> = [&p.alice, &p.bob, &p.carol, &p.admin]
        .iter()
        .map(|who| fx.notifications(who).len())
        .collect();
    let mark = fx.head();
    fx.ws(&p.alice)
        .revoke(&p.alice, second, "Not needed", now)
        .unwrap();
    let events = fx.events_after(mark);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("revoked", Some(p.alice.user_id()))
    );
    let after: Vec<usize> = [&p.alice, &p.bob, &p.carol, &p.admin]
        .iter()
        .map(|who| fx.notifications(who).len())
        .collect();
    assert_eq!(before, after, "revoking one's own access tells nobody");
    assert!(fx.connect(&p.alice, fx.db01).is_err());
    // Once revoked, nothing more is due for it.
    fx.advance(Span::hours(2));
    assert!(fx.tick().is_empty());
}

/// R-BEY-3: the requester gives access back early with a note the approver can read.
fn release_ends_access_with_a_closing_note(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.grant(&p, fx.web01, fx.operator, 60);
    let now = fx.advance(Span::mins(20));
    not_permitted(fx.ws(&p.bob).release(&p.bob, id, "", now));
    let bobs_before = fx.notifications(&p.bob).len();
    let mark = fx.head();
    fx.ws(&p.alice)
        .release(&p.alice, id, "Patched KB5031 and rebooted", now)
        .unwrap();
    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "released");
    assert_eq!(
        details(&events[0])["closing_note"],
        "Patched KB5031 and rebooted"
    );
    let seen_by_bob = fx.request(&p.bob, id);
    assert_eq!(seen_by_bob.status, RequestStatus::Released);
    assert_eq!(seen_by_bob.closing_note, "Patched KB5031 and rebooted");
    assert_eq!(seen_by_bob.ended_at, Some(now));
    assert!(fx.connect(&p.alice, fx.web01).is_err());
    assert_eq!(fx.notifications(&p.bob).len(), bobs_before);
    wrong_state(fx.ws(&p.alice).release(&p.alice, id, "", now));

    // A grant that has not started is revoked, not released.
    let start = now + Span::hours(2);
    let mut draft = new_request(
        fx.db01,
        fx.operator,
        AccessWindow::Custom {
            start_at: start,
            end_at: start + Span::hours(1),
        },
        &p.bob,
    );
    draft.message = "Tonight's window".into();
    let scheduled = fx
        .ws(&p.alice)
        .request_access(&p.alice, &draft, now)
        .unwrap();
    assert_eq!(fx.approve(&p.bob, scheduled), ApprovalOutcome::Granted);
    assert_eq!(fx.request(&p.alice, scheduled).phase(now), Phase::Scheduled);
    wrong_state(fx.ws(&p.alice).release(&p.alice, scheduled, "", now));
}

/// R-REQ-9: an extension is a new request linked to the grant; approved while
/// the grant runs, it starts where the grant ends.
fn an_extension_starts_at_the_end_of_the_grant(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let first = fx.grant(&p, fx.web01, fx.operator, 60);
    let start = fx.now();
    let end = start + Span::mins(60);

    fx.clock.set(start + Span::mins(50));
    let mut draft = new_request(fx.web01, fx.operator, minutes(30), &p.bob);
    draft.extends_request_id = Some(first);
    let mark = fx.head();
    let extension = fx
        .ws(&p.alice)
        .request_access(&p.alice, &draft, fx.now())
        .unwrap();
    assert_eq!(fx.actions_after(mark), ["extension_requested"]);
    let r = fx.request(&p.alice, extension);
    assert_eq!(r.kind, RequestKind::Extension);
    assert_eq!(r.extends_request_id, Some(first));
    assert_eq!(
        fx.kinds(&p.bob, extension),
        [NotificationKind::RequestSubmitted]
    );

    fx.clock.set(start + Span::mins(52));
    assert_eq!(fx.approve(&p.bob, extension), ApprovalOutcome::Granted);
    let r = fx.request(&p.alice, extension);
    assert_eq!(r.grant_start_at, Some(end), "no gap, no overlap");
    assert_eq!(r.grant_end_at, Some(end + Span::mins(30)));

    fx.clock.set(end + Span::mins(15));
    fx.connect(&p.alice, fx.web01).unwrap();
    fx.clock.set(end + Span::mins(30) - MS);
    fx.connect(&p.alice, fx.web01).unwrap();
    fx.clock.set(end + Span::mins(30));
    assert!(fx.connect(&p.alice, fx.web01).is_err());

    // Only active access is extended.
    let counts = fx.request_counts();
    let mark = fx.head();
    draft.extends_request_id = Some(first);
    wrong_state(fx.ws(&p.alice).request_access(&p.alice, &draft, fx.now()));
    assert_eq!((fx.request_counts(), fx.head()), (counts, mark));
}

/// R-BEY-2: a start-on-first-use grant starts at its first use; unused, it
/// lapses at its claim-by instant without ever being active.
fn a_first_use_grant_starts_when_used_and_lapses_unused(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let mut draft = new_request(fx.domain_admin, fx.view_password, minutes(30), &p.bob);
    draft.start_on_first_use = true;
    let id = fx
        .ws(&p.alice)
        .request_access(&p.alice, &draft, fx.now())
        .unwrap();
    let approved_at = fx.advance(Span::mins(1));
    assert_eq!(fx.approve(&p.bob, id), ApprovalOutcome::Granted);
    let r = fx.request(&p.alice, id);
    assert_eq!(r.phase(approved_at), Phase::AwaitingFirstUse);
    assert_eq!(r.grant_start_at, None);
    assert_eq!(r.claim_by_at, Some(approved_at + Span::hours(24)));
    assert!(
        !fx.ws(&p.alice)
            .entry_access(&p.alice, fx.domain_admin, approved_at)
            .unwrap()
            .is_locked,
        "claimable access shows as usable"
    );

    let used_at = fx.advance(Span::hours(3));
    let mark = fx.head();
    assert_eq!(
        fx.reveal(&p.alice, fx.domain_admin).unwrap(),
        DOMAIN_ADMIN_SECRET
    );
    assert_eq!(
        fx.actions_after(mark),
        ["first_use_started", "password_revealed"]
    );
    let r = fx.request(&p.alice, id);
    assert_eq!(r.grant_start_at, Some(used_at));
    assert_eq!(r.grant_end_at, Some(used_at + Span::mins(30)));
    assert_eq!(r.phase(used_at), Phase::Active);
    fx.clock.set(used_at + Span::mins(30) - MS);
    let mark = fx.head();
    fx.reveal(&p.alice, fx.domain_admin).unwrap();
    assert_eq!(
        fx.actions_after(mark),
        ["password_revealed"],
        "started once"
    );
    fx.clock.set(used_at + Span::mins(30));
    assert!(fx.reveal(&p.alice, fx.domain_admin).is_err());

    // Never used: lapses at claim-by, and the requester is told once.
    let mut draft = new_request(fx.db01, fx.operator, minutes(30), &p.bob);
    draft.start_on_first_use = true;
    let unused = fx
        .ws(&p.alice)
        .request_access(&p.alice, &draft, fx.now())
        .unwrap();
    let decided_at = fx.advance(Span::mins(1));
    assert_eq!(fx.approve(&p.bob, unused), ApprovalOutcome::Granted);
    let claim_by = decided_at + Span::hours(24);
    fx.clock.set(claim_by - MS);
    assert!(!fx.tick().lapsed.contains(&unused));
    fx.clock.set(claim_by);
    let mark = fx.head();
    assert_eq!(fx.tick().lapsed, [unused]);
    let lapse_events: Vec<AuditEvent> = fx
        .events_after(mark)
        .into_iter()
        .filter(|e| e.request_id == Some(unused))
        .collect();
    assert_eq!(lapse_events.len(), 1);
    assert_eq!(lapse_events[0].action, "lapsed");
    let r = fx.request(&p.alice, unused);
    assert_eq!(r.status, RequestStatus::Lapsed);
    assert_eq!(r.grant_start_at, None, "it was never active");
    let told = fx.about(&p.alice, unused);
    assert_eq!(
        told.iter().map(|n| n.kind).collect::<Vec<_>>(),
        [NotificationKind::Approved, NotificationKind::Lapsed]
    );
    assert!(
        told[1].body.contains("not used in time"),
        "{}",
        told[1].body
    );
    assert!(fx.connect(&p.alice, fx.db01).is_err());
    assert!(fx.tick().is_empty());
}

/// R-BEY-5: break glass tells every approver and administrator at once, is
/// flagged, and only an approver other than the requester marks it reviewed.
#[expect(
    clippy::too_many_lines,
    reason = "one scenario, step by step, reads best as one story"
)]
fn break_glass_notifies_everyone_and_waits_for_review(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let now = fx.now();
    let input = BreakGlassInput {
        entry_id: fx.web01,
        permission_set_id: fx.operator,
        duration_mins: 30,
        reason: "Outage: orders failing".into(),
    };
    let mark = fx.head();
    let id = fx.ws(&p.alice).break_glass(&p.alice, &input, now).unwrap();
    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("break_glass", Some(p.alice.user_id()))
    );
    assert_eq!(details(&events[0])["reason"], "Outage: orders failing");

    let r = fx.request(&p.alice, id);
    assert_eq!(r.kind, RequestKind::BreakGlass);
    assert_eq!(r.status, RequestStatus::Approved);
    assert!(r.needs_review);
    assert_eq!(r.grant_start_at, Some(now));
    assert_eq!(r.grant_end_at, Some(now + Span::mins(30)));
    for approver in [&p.bob, &p.carol, &p.admin] {
        assert_eq!(
            fx.kinds(approver, id),
            [NotificationKind::BreakGlassUsed],
            "{}",
            approver.user().username
        );
    }
    assert!(fx.kinds(&p.alice, id).is_empty());
    assert!(fx.kinds(&p.dave, id).is_empty());
    fx.connect(&p.alice, fx.web01).unwrap();

    let review = |fx: &mut Fx, who: &Session| -> Vec<RequestId> {
        let now = fx.now();
        fx.ws(who)
            .grants_needing_review(who, now)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(review(&mut fx, &p.bob), [id]);
    assert_eq!(review(&mut fx, &p.admin), [id]);
    assert!(review(&mut fx, &p.alice).is_empty());
    assert!(review(&mut fx, &p.dave).is_empty());

    let now = fx.advance(Span::hours(1));
    let mark = fx.head();
    refused_unseen(backend, fx.ws(&p.dave).mark_reviewed(&p.dave, id, now));
    not_permitted(fx.ws(&p.alice).mark_reviewed(&p.alice, id, now));
    assert_eq!(fx.head(), mark);
    fx.ws(&p.bob).mark_reviewed(&p.bob, id, now).unwrap();
    assert_eq!(fx.actions_after(mark), ["reviewed"]);
    let r = fx.request(&p.alice, id);
    assert!(!r.needs_review);
    assert_eq!(
        (r.reviewed_by, r.reviewed_at),
        (Some(p.bob.user_id()), Some(now))
    );
    assert!(review(&mut fx, &p.carol).is_empty());
    let message = wrong_state(fx.ws(&p.carol).mark_reviewed(&p.carol, id, now));
    assert!(message.contains("Bob Approver"), "{message}");

    // Refused break glass stores nothing.
    let counts = fx.request_counts();
    let mark = fx.head();
    let cases = [
        (
            "over the vault's limit",
            BreakGlassInput {
                duration_mins: 61,
                ..input.clone()
            },
            Field::Duration,
        ),
        (
            "without a reason",
            BreakGlassInput {
                reason: "  ".into(),
                ..input.clone()
            },
            Field::Message,
        ),
        (
            "in a vault without break glass",
            BreakGlassInput {
                entry_id: fx.stg_web,
                ..input.clone()
            },
            Field::Workspace,
        ),
        (
            "on a folder",
            BreakGlassInput {
                entry_id: fx.servers,
                ..input.clone()
            },
            Field::Entry,
        ),
    ];
    for (name, bad, field) in cases {
        let e = refused(fx.ws(&p.alice).break_glass(&p.alice, &bad, now));
        let errors = e.field_errors().unwrap_or_else(|| panic!("{name}: {e:?}"));
        assert!(errors.for_field(field).is_some(), "{name}: {errors:?}");
    }
    assert_eq!((fx.request_counts(), fx.head()), (counts, mark));
}

/// R-ADM-3: an administrator grants access directly; it is audited like an
/// approval and the grantee is told once.
fn a_direct_grant_is_audited_and_notified(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let now = fx.now();
    let terms = Terms {
        permission_set_id: fx.reader,
        window: minutes(60),
    };
    let mark = fx.head();
    let id = fx
        .ws(&p.admin)
        .direct_grant(
            &p.admin,
            p.alice.user_id(),
            fx.web01,
            terms,
            "For the audit",
            now,
        )
        .unwrap();
    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("direct_grant", Some(p.admin.user_id()))
    );
    assert_eq!(events[0].request_id, Some(id));
    assert_eq!(details(&events[0])["user_id"], p.alice.user_id().0);

    let r = fx.request(&p.alice, id);
    assert_eq!(r.kind, RequestKind::DirectGrant);
    assert_eq!(r.status, RequestStatus::Approved);
    assert_eq!(r.decided_by, Some(p.admin.user_id()));
    assert_eq!(r.grant_start_at, Some(now));
    assert_eq!(r.grant_end_at, Some(now + Span::mins(60)));
    assert_eq!(fx.kinds(&p.alice, id), [NotificationKind::DirectGrant]);
    let told = fx.about(&p.alice, id).remove(0);
    assert!(told.body.contains("For the audit"), "{}", told.body);
    for other in [&p.bob, &p.carol, &p.admin, &p.dave] {
        assert!(fx.kinds(other, id).is_empty());
    }
    assert_eq!(
        fx.reveal(&p.alice, fx.domain_admin).unwrap(),
        DOMAIN_ADMIN_SECRET
    );

    let counts = fx.request_counts();
    let mark = fx.head();
    not_permitted(
        fx.ws(&p.bob)
            .direct_grant(&p.bob, p.alice.user_id(), fx.web01, terms, "", now),
    );
    for (name, grantee, entry) in [
        ("to an administrator", p.admin.user_id(), fx.web01),
        (
            "to someone outside the vault",
            p.dave.user_id(),
            fx.payments,
        ),
    ] {
        let e = refused(
            fx.ws(&p.admin)
                .direct_grant(&p.admin, grantee, entry, terms, "", now),
        );
        assert!(e.field_errors().is_some(), "{name}: {e:?}");
    }
    assert_eq!((fx.request_counts(), fx.head()), (counts, mark));
}

/// R-BEY-4: a vault needing two approvals grants on the second distinct one;
/// each approval is shown on the request; any deny denies.
fn a_quorum_needs_two_distinct_approvals_and_any_deny_denies(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.ask(&p.alice, fx.payments, fx.reader, 30, &p.bob);
    let first_at = fx.advance(Span::mins(1));
    let mark = fx.head();
    assert_eq!(
        fx.approve(&p.bob, id),
        ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }
    );
    assert_eq!(fx.actions_after(mark), ["approval_recorded"]);
    let r = fx.request(&p.alice, id);
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.approvals.len(), 1);
    assert_eq!(r.approvals[0].approver_id, p.bob.user_id());
    assert!(fx.kinds(&p.alice, id).is_empty(), "nothing to tell yet");
    let waiting = |fx: &mut Fx, who: &Session| -> bool {
        let now = fx.now();
        fx.ws(who)
            .inbox(who, now, 10)
            .unwrap()
            .iter()
            .any(|r| r.id == id)
    };
    assert!(!waiting(&mut fx, &p.bob), "bob has given his approval");
    assert!(waiting(&mut fx, &p.carol));
    assert!(waiting(&mut fx, &p.admin));
    wrong_state(fx.ws(&p.bob).approve(&p.bob, id, &as_requested(), first_at));

    let second_at = fx.advance(Span::mins(1));
    let mark = fx.head();
    assert_eq!(fx.approve(&p.carol, id), ApprovalOutcome::Granted);
    assert_eq!(fx.actions_after(mark), ["approved"]);
    let r = fx.request(&p.alice, id);
    assert_eq!(r.status, RequestStatus::Approved);
    assert_eq!(
        r.approvals
            .iter()
            .map(|a| (a.approver_id, a.approved_at))
            .collect::<Vec<_>>(),
        [(p.bob.user_id(), first_at), (p.carol.user_id(), second_at)]
    );
    assert_eq!(r.decided_by, Some(p.carol.user_id()));
    assert_eq!(r.grant_start_at, Some(second_at));
    assert_eq!(fx.kinds(&p.alice, id), [NotificationKind::Approved]);

    let other = fx.ask(&p.alice, fx.payments, fx.view_password, 30, &p.carol);
    fx.approve(&p.bob, other);
    let now = fx.advance(Span::mins(1));
    fx.ws(&p.carol)
        .deny(&p.carol, other, "Not this month", now)
        .unwrap();
    let r = fx.request(&p.alice, other);
    assert_eq!(r.status, RequestStatus::Denied);
    assert_eq!(r.decided_by, Some(p.carol.user_id()));
    assert_eq!(fx.kinds(&p.alice, other), [NotificationKind::Denied]);
}

/// R-REQ-8, R-SEC-1, docs/requirements.md §1: a password is revealed or copied only with View
/// password at that instant — the grant's end is exclusive to the millisecond —
/// each use audited as itself; the "allow reveal password" policy binds
/// everyone but administrators.
fn revealing_a_password_is_checked_at_the_instant_and_audited(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let id = fx.grant(&p, fx.domain_admin, fx.reader, 60);
    let start = fx.now();
    let end = start + Span::mins(60);

    let mark = fx.head();
    assert_eq!(
        fx.reveal(&p.alice, fx.domain_admin).unwrap(),
        DOMAIN_ADMIN_SECRET
    );
    let copied = fx
        .ws(&p.alice)
        .reveal_secret(&p.alice, fx.domain_admin, SecretUse::Copy, end - MS)
        .unwrap();
    assert_eq!(copied.as_str(), DOMAIN_ADMIN_SECRET);
    let events = fx.events_after(mark);
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["password_revealed", "password_copied"]
    );
    for e in &events {
        assert_eq!(e.actor_id, Some(p.alice.user_id()));
        assert_eq!(e.entry_id, Some(fx.domain_admin));
        assert_eq!(details(e)["request_id"], id.0);
    }
    assert_eq!(events[1].at, end - MS);

    let mark = fx.head();
    for at in [end, end + MS] {
        let message = not_permitted(fx.ws(&p.alice).reveal_secret(
            &p.alice,
            fx.domain_admin,
            SecretUse::Reveal,
            at,
        ));
        assert!(message.contains("View password"), "{message}");
    }
    not_permitted(
        fx.ws(&p.alice)
            .reveal_secret(&p.alice, fx.domain_admin, SecretUse::Copy, end),
    );
    // Dave is a member without any permission.
    not_permitted(
        fx.ws(&p.dave)
            .reveal_secret(&p.dave, fx.domain_admin, SecretUse::Reveal, start),
    );
    // A member of another vault only.
    assert!(
        fx.ws(&p.dave)
            .reveal_secret(&p.dave, fx.payments, SecretUse::Reveal, start)
            .is_err()
    );
    // Each refusal is recorded as denied, and nothing else is written (issue 10).
    // A server does not even show an entry of another vault to a
    // non-member: that try is refused as not found, before anything is
    // recorded.
    let denied = fx.events_after(mark);
    let refusals = match backend {
        Backend::Sqlite => 5,
        Backend::Postgres => 4,
    };
    assert_eq!(
        denied.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["access_denied"; refusals]
    );

    // The policy off: the grant no longer reveals; an administrator still can.
    fx.clock.set(start + Span::mins(1));
    fx.set_settings(&p, |s| s.allow_reveal_password = false);
    let message = not_permitted(fx.reveal(&p.alice, fx.domain_admin));
    assert!(message.contains("turned off"), "{message}");
    assert!(
        !fx.ws(&p.alice)
            .entry_access(&p.alice, fx.domain_admin, fx.now())
            .unwrap()
            .permissions
            .contains(Permission::ViewPassword)
    );
    let mark = fx.head();
    assert_eq!(
        fx.reveal(&p.admin, fx.domain_admin).unwrap(),
        DOMAIN_ADMIN_SECRET
    );
    let events = fx.events_after(mark);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("password_revealed", Some(p.admin.user_id()))
    );

    // No secret ever reaches the log.
    for e in fx.audit() {
        assert!(
            !e.details.contains("s3cret"),
            "event {}: {}",
            e.seq,
            e.details
        );
    }
}

/// R-SEC-2, R-AUD-1: failed sign-ins are audited; after three in a row each
/// attempt waits; unknown and disabled users are refused and audited.
#[test]
fn failed_sign_ins_are_audited_and_slowed_down() {
    let (fx, p) = setup(Backend::Sqlite).unwrap();
    let t = fx.now();
    let mark = fx.head();
    for _ in 0..3 {
        assert!(matches!(
            fx.system().sign_in("alice", "wrong", t),
            Err(ServiceError::BadCredentials)
        ));
    }
    let events = fx.events_after(mark);
    assert_eq!(events.len(), 3);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.action, "sign_in_failed");
        assert_eq!(e.actor_id, Some(p.alice.user_id()));
        assert_eq!(details(e)["failures_in_a_row"], i + 1);
    }

    // The right password does not help until the wait has passed.
    for at in [t, t + Span::secs(1) - MS] {
        let mark = fx.head();
        match refused(fx.system().sign_in("alice", PASSWORD, at)) {
            ServiceError::SlowDown(wait) => assert!(!wait.is_empty()),
            other => panic!("expected slow down, got {other:?}"),
        }
        assert_eq!(fx.actions_after(mark), ["sign_in_failed"]);
    }
    let mark = fx.head();
    let session = fx
        .system()
        .sign_in("alice", PASSWORD, t + Span::secs(1))
        .unwrap();
    assert_eq!(session.user_id(), p.alice.user_id());
    assert_eq!(fx.actions_after(mark), ["signed_in"]);
    // A success starts the count again.
    assert!(matches!(
        fx.system().sign_in("alice", "wrong", t + Span::secs(2)),
        Err(ServiceError::BadCredentials)
    ));
    assert!(
        fx.system()
            .sign_in("ALICE", PASSWORD, t + Span::secs(2))
            .is_ok()
    );

    // Unknown user: the same answer as a wrong password, audited without an actor.
    let mark = fx.head();
    assert!(matches!(
        fx.system().sign_in("mallory", PASSWORD, t),
        Err(ServiceError::BadCredentials)
    ));
    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_id),
        ("sign_in_failed", None)
    );
    // The name may be a password typed into the wrong field: never stored.
    assert_eq!(details(&events[0])["reason"], "unknown user name");
    assert!(
        !events[0].details.contains("mallory"),
        "{}",
        events[0].details
    );
}

/// R-SEC-2, R-ADM-2: a disabled account cannot sign in, and a session opened
/// before it was disabled stops working.
#[test]
fn a_disabled_user_is_refused() {
    let (fx, p) = setup(Backend::Sqlite).unwrap();
    // No use case disables a user yet; do what an administrator's tool would.
    let Place::File(path) = &fx.place else {
        unreachable!("a file workspace")
    };
    rusqlite::Connection::open(path)
        .unwrap()
        .execute(
            "UPDATE users SET is_active = 0 WHERE id = ?1",
            [p.dave.user_id().0],
        )
        .unwrap();
    let now = fx.now();
    let mark = fx.head();
    let message = not_permitted(fx.system().sign_in("dave", PASSWORD, now));
    assert!(message.contains("disabled"), "{message}");
    let events = fx.events_after(mark);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "sign_in_failed");
    assert_eq!(details(&events[0])["reason"], "account disabled");

    let draft = new_request(fx.web01, fx.operator, minutes(60), &p.bob);
    let counts = fx.request_counts();
    assert!(matches!(
        fx.ws(&p.dave).request_access(&p.dave, &draft, now),
        Err(ServiceError::NotFound(_))
    ));
    assert!(
        fx.ws(&p.dave)
            .connect(&p.dave, fx.web01, &RecordingLauncher::default(), now)
            .is_err()
    );
    assert_eq!(fx.request_counts(), counts);
}

/// R-REQ-4: every rule refuses on its field, and a refused request stores
/// nothing — no request, no audit event, no notification.
#[expect(
    clippy::too_many_lines,
    reason = "one scenario, step by step, reads best as one story"
)]
fn a_refused_request_stores_nothing(backend: Backend) {
    let Some((mut fx, p)) = setup(backend) else {
        return;
    };
    let now = fx.now();
    // One valid pending request, so a duplicate can be refused.
    fx.ask(&p.alice, fx.db01, fx.reader, 60, &p.bob);

    let custom = |start_at: Timestamp, end_at: Timestamp| AccessWindow::Custom { start_at, end_at };
    let valid = new_request(fx.web01, fx.operator, minutes(60), &p.bob);
    let cases: Vec<(&str, &Session, NewRequest, Field)> = vec![
        (
            "end not after start",
            &p.alice,
            NewRequest {
                terms: Terms {
                    window: custom(now + Span::hours(1), now + Span::hours(1)),
                    ..valid.terms
                },
                ..valid.clone()
            },
            Field::End,
        ),
        (
            "start in the past beyond the grace",
            &p.alice,
            NewRequest {
                terms: Terms {
                    window: custom(now - Span::secs(301), now + Span::hours(1)),
                    ..valid.terms
                },
                ..valid.clone()
            },
            Field::Start,
        ),
        (
            "a duration over the maximum",
            &p.alice,
            NewRequest {
                terms: Terms {
                    window: minutes(10_081),
                    ..valid.terms
                },
                ..valid.clone()
            },
            Field::Duration,
        ),
        (
            "a time frame over the maximum",
            &p.alice,
            NewRequest {
                terms: Terms {
                    window: custom(now, now + Span::mins(10_080) + MS),
                    ..valid.terms
                },
                ..valid.clone()
            },
            Field::End,
        ),
        (
            "no approver",
            &p.alice,
            NewRequest {
                approver_id: None,
                ..valid.clone()
            },
            Field::Approver,
        ),
        (
            "the requester as approver",
            &p.bob,
            valid.clone(),
            Field::Approver,
        ),
        (
            "an approver of no vault",
            &p.alice,
            NewRequest {
                approver_id: Some(p.dave.user_id()),
                ..valid.clone()
            },
            Field::Approver,
        ),
        (
            "a message over 2,000 characters",
            &p.alice,
            NewRequest {
                message: "x".repeat(2_001),
                ..valid.clone()
            },
            Field::Message,
        ),
        (
            "first use with a time frame",
            &p.alice,
            NewRequest {
                terms: Terms {
                    window: custom(now + Span::hours(1), now + Span::hours(2)),
                    ..valid.terms
                },
                start_on_first_use: true,
                ..valid.clone()
            },
            Field::Start,
        ),
        (
            "a second pending request for the same entry and set",
            &p.alice,
            NewRequest {
                target: Target::Entry(fx.db01),
                terms: Terms {
                    permission_set_id: fx.reader,
                    window: minutes(30),
                },
                ..valid.clone()
            },
            Field::PermissionSet,
        ),
    ];
    let counts = fx.request_counts();
    let mark = fx.head();
    let approvers_told = |fx: &mut Fx| -> usize {
        [&p.bob, &p.carol, &p.admin]
            .iter()
            .map(|who| fx.notifications(who).len())
            .sum()
    };
    let told = approvers_told(&mut fx);
    for (name, who, draft, field) in &cases {
        let e = refused(fx.ws(who).request_access(who, draft, now));
        let errors = e.field_errors().unwrap_or_else(|| panic!("{name}: {e:?}"));
        assert!(
            errors.for_field(*field).is_some(),
            "{name}: wanted a message on {field:?}, got {errors:?}"
        );
        assert_eq!(fx.request_counts(), counts, "{name}: a request was stored");
        assert_eq!(fx.head(), mark, "{name}: an audit event was written");
        assert_eq!(approvers_told(&mut fx), told, "{name}: someone was told");
    }

    // Workspace policies refuse on the workspace or the message.
    fx.set_settings(&p, |s| s.message_required = true);
    let counts = fx.request_counts();
    let mark = fx.head();
    let silent = NewRequest {
        message: "   ".into(),
        ..valid.clone()
    };
    let e = refused(fx.ws(&p.alice).request_access(&p.alice, &silent, now));
    assert!(
        e.field_errors()
            .unwrap()
            .for_field(Field::Message)
            .is_some()
    );
    fx.set_settings(&p, |s| {
        s.message_required = false;
        s.temporary_access_enabled = false;
    });
    let mark_after_settings = fx.head();
    assert_eq!(mark_after_settings, mark + 1, "only the settings change");
    let e = refused(fx.ws(&p.alice).request_access(&p.alice, &valid, now));
    assert!(
        e.field_errors()
            .unwrap()
            .for_field(Field::Workspace)
            .is_some()
    );
    assert_eq!(fx.request_counts(), counts);
    assert_eq!(fx.head(), mark_after_settings);
    fx.set_settings(&p, |s| s.temporary_access_enabled = true);

    // The edges of each rule are accepted.
    let edges = [
        NewRequest {
            terms: Terms {
                window: custom(now - Span::secs(300), now + Span::hours(1)),
                ..valid.terms
            },
            ..valid.clone()
        },
        NewRequest {
            target: Target::Entry(fx.domain_admin),
            terms: Terms {
                window: minutes(10_080),
                ..valid.terms
            },
            message: "é".repeat(2_000),
            ..valid.clone()
        },
    ];
    for draft in &edges {
        fx.ws(&p.alice)
            .request_access(&p.alice, draft, now)
            .unwrap();
    }
}

/// R-DSK-1, R-AUD-2, R-NOT-1: the demo workspace, made through the real use
/// cases, verifies, shows every state, and never told anyone twice.
#[test]
fn the_demo_workspace_tells_a_consistent_story() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("demo.latchkey");
    let keyring = MemoryKeyring::default();
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: None,
    };
    let now = T0;
    let store = SqliteStore::create(&path).unwrap();
    let mut ws = demo::create_demo(Box::new(store), &keys, HashCost::Minimal, now).unwrap();
    assert!(ws.tick(now).unwrap().is_empty(), "the demo is up to date");

    let mut reader = SqliteStore::open(&path).unwrap();
    assert!(matches!(
        verify_audit(&mut reader).unwrap(),
        AuditVerdict::Intact { .. }
    ));

    let alice = ws.sign_in("alice", demo::DEMO_PASSWORD, now).unwrap();
    let bob = ws.sign_in("bob", demo::DEMO_PASSWORD, now).unwrap();
    let mine = ws.my_requests(&alice, 100, now).unwrap();
    let phases: BTreeSet<&str> = mine
        .iter()
        .map(|r| present::phase_word(r.phase(now)))
        .collect();
    for phase in [
        Phase::Pending,
        Phase::Scheduled,
        Phase::Active,
        Phase::Expired,
        Phase::Denied,
        Phase::Cancelled,
        Phase::Revoked,
        Phase::Released,
        Phase::Lapsed,
    ] {
        assert!(
            phases.contains(present::phase_word(phase)),
            "no {phase:?} request: {phases:?}"
        );
    }
    assert!(!ws.inbox(&bob, now, 100).unwrap().is_empty());

    for who in [&alice, &bob] {
        let mut seen = BTreeSet::new();
        for n in ws.notifications(who, 1_000, now).unwrap() {
            assert!(
                seen.insert((n.request_id, n.kind.as_str())),
                "{} was told {:?} twice about request {}",
                who.user().username,
                n.kind,
                n.request_id
            );
        }
    }
}

/// A notification as its reader sees it: the stored facts worded by
/// `app::present`.
#[derive(Debug)]
struct Told {
    kind: NotificationKind,
    title: String,
    body: String,
    handled_note: String,
    created_at: Timestamp,
    read_at: Option<Timestamp>,
    shown_at: Option<Timestamp>,
}

impl From<&Notification> for Told {
    fn from(n: &Notification) -> Told {
        let (title, body) = present::notification_text(n);
        Told {
            kind: n.kind,
            title,
            body,
            handled_note: present::handled_text(n),
            created_at: n.created_at,
            read_at: n.read_at,
            shown_at: n.shown_at,
        }
    }
}
