//! The demo workspace (R-DSK-1): vaults, nested folders, items of every kind,
//! users `alice` (requester), `bob` and `carol` (approvers) and `admin`, all
//! with the password `demo`, and requests in every state.
//!
//! Everything is made through the same operations the application uses, at
//! instants in the recent past, so the audit log tells a consistent story.
//! Every secret contains `demo-secret-`, so anyone can check that none is
//! stored in plain text.

use super::admin::{self, NewVault};
use super::auth::{HashCost, Session};
use super::ops::Ops;
use super::requests;
use super::{KeyOptions, ServiceError, Workspace};
use crate::domain::entry::{DependencyRole, EntryKind, NewEntry};
use crate::domain::request::{AccessWindow, ApprovalInput, NewRequest, Target, Terms};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::NewUser;
use crate::domain::{EntryId, PermissionSetId, RequestId, Span, Timestamp, UserId, VaultId};
use crate::store::Store;
use std::collections::HashMap;

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo";

/// The demo users: (user name, display name, administrator).
pub const DEMO_USERS: [(&str, &str, bool); 4] = [
    ("admin", "Ada Admin", true),
    ("alice", "Alice Requester", false),
    ("bob", "Bob Approver", false),
    ("carol", "Carol Approver", false),
];

/// Creates the demo workspace in an empty store.
pub fn create_demo(
    store: Box<dyn Store>,
    keys: &KeyOptions<'_>,
    hash_cost: HashCost,
    now: Timestamp,
) -> Result<Workspace, ServiceError> {
    let setup_at = now - Span::hours(24 * 7);
    let mut workspace = Workspace::create(store, "Demo workspace", keys, hash_cost, setup_at)?;
    workspace.write(setup_at, |ops| populate(ops, now))?;
    // Record what time did to the older requests (expiries, lapses).
    workspace.tick(now)?;
    workspace.mark_complete(now)?;
    Ok(workspace)
}

struct Demo {
    users: HashMap<&'static str, Session>,
    entries: HashMap<&'static str, EntryId>,
    sets: HashMap<&'static str, PermissionSetId>,
}

impl Demo {
    fn user(&self, name: &str) -> &Session {
        &self.users[name]
    }

    fn id(&self, name: &str) -> UserId {
        self.users[name].user_id()
    }
}

fn populate(ops: &mut Ops<'_>, now: Timestamp) -> Result<(), ServiceError> {
    let mut demo = Demo {
        users: HashMap::new(),
        entries: HashMap::new(),
        sets: HashMap::new(),
    };
    for (username, display, is_admin) in DEMO_USERS {
        let user = NewUser {
            username: username.into(),
            display_name: display.into(),
            email: format!("{username}@example.com"),
            is_admin,
        };
        let actor = demo.users.get("admin").map(Session::user_id);
        let id = admin::add_user_op(ops, actor, &user, DEMO_PASSWORD)?;
        demo.users.insert(username, Session::new(ops.user(id)?));
    }
    let admin_id = demo.id("admin");
    for set in ops.tx.permission_sets()? {
        let key = match set.name.as_str() {
            "Reader" => "reader",
            "Operator" => "operator",
            "Contributor" => "contributor",
            "Connect (execute)" => "connect",
            _ => "view-password",
        };
        demo.sets.insert(key, set.id);
    }
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        ..WorkspaceSettings::default()
    };
    admin::update_settings_op(ops, admin_id, &settings)?;

    let production = NewVault {
        break_glass_allowed: true,
        emergency_limit_mins: 60,
        ..NewVault::named("Production")
    };
    let production = admin::add_vault_op(ops, admin_id, &production)?;
    let staging = admin::add_vault_op(ops, admin_id, &NewVault::named("Staging"))?;
    let finance = NewVault {
        required_approvals: 2,
        ..NewVault::named("Finance")
    };
    let finance = admin::add_vault_op(ops, admin_id, &finance)?;
    for vault in [production, staging, finance] {
        admin::add_member_op(ops, admin_id, vault, demo.id("alice"))?;
        admin::add_approver_op(ops, admin_id, vault, demo.id("bob"))?;
    }
    admin::add_approver_op(ops, admin_id, production, demo.id("carol"))?;
    admin::add_approver_op(ops, admin_id, finance, demo.id("carol"))?;
    // A vault Alice is not in but may ask to join (R-REQ-12).
    let people = admin::add_vault_op(ops, admin_id, &NewVault::named("Human Resources"))?;
    admin::add_approver_op(ops, admin_id, people, demo.id("carol"))?;
    let shown = super::vault_admin::VaultPolicy {
        description: "Payroll and the HR system. Ask to join if you help run payroll.".into(),
        visible_to_non_members: true,
        ..super::vault_admin::VaultPolicy::of(&ops.vault(people)?)
    };
    let admin_user = ops.user(admin_id)?;
    super::vault_admin::set_vault_policy_op(ops, &admin_user, people, &shown)?;

    build_production(ops, &mut demo, production)?;
    build_staging(ops, &mut demo, staging)?;
    build_finance(ops, &mut demo, finance)?;
    build_human_resources(ops, &mut demo, people)?;
    make_requests(ops, &demo, now)
}

/// Adds a folder or item; items of credential-bearing kinds get a demo secret.
fn add(
    ops: &mut Ops<'_>,
    demo: &mut Demo,
    vault: VaultId,
    parent: Option<EntryId>,
    kind: EntryKind,
    name: &'static str,
    fields: (&str, &str, &str),
) -> Result<EntryId, ServiceError> {
    let (host, username, url) = fields;
    let draft = NewEntry {
        name: name.into(),
        parent_id: parent,
        host: host.into(),
        username: username.into(),
        url: url.into(),
        notes: String::new(),
        port: None,
        database: String::new(),
        engine: String::new(),
    };
    let secret = (kind != EntryKind::Folder)
        .then(|| format!("demo-secret-{}", name.to_lowercase().replace(' ', "-")));
    let admin_id = demo.id("admin");
    let id = admin::add_entry_op(ops, admin_id, vault, kind, &draft, secret.as_deref())?;
    demo.entries.insert(name, id);
    Ok(id)
}

#[expect(
    clippy::too_many_lines,
    reason = "the demo vault's contents, listed once in reading order"
)]
fn build_production(
    ops: &mut Ops<'_>,
    demo: &mut Demo,
    vault: VaultId,
) -> Result<(), ServiceError> {
    use EntryKind::{Credentials, Database, Folder, Rdp, Ssh, Vpn, Website};
    let none = ("", "", "");
    let servers = add(ops, demo, vault, None, Folder, "Servers", none)?;
    let windows = add(ops, demo, vault, Some(servers), Folder, "Windows", none)?;
    let linux = add(ops, demo, vault, Some(servers), Folder, "Linux", none)?;
    let network = add(ops, demo, vault, None, Folder, "Network", none)?;
    let creds = add(ops, demo, vault, None, Folder, "Credentials", none)?;
    let data = add(ops, demo, vault, None, Folder, "Databases", none)?;
    let web = add(ops, demo, vault, None, Folder, "Web", none)?;
    let docs = add(ops, demo, vault, None, Folder, "Documentation", none)?;

    let vpn = add(
        ops,
        demo,
        vault,
        Some(network),
        Vpn,
        "Corporate VPN",
        ("vpn.example.com", "", ""),
    )?;
    let dc = add(
        ops,
        demo,
        vault,
        Some(windows),
        Rdp,
        "prod-dc-01",
        ("10.0.1.10", "CORP\\administrator", ""),
    )?;
    add(
        ops,
        demo,
        vault,
        Some(windows),
        Rdp,
        "prod-app-01",
        ("10.0.1.20", "CORP\\svc-app", ""),
    )?;
    let web01 = add(
        ops,
        demo,
        vault,
        Some(linux),
        Ssh,
        "prod-web-01",
        ("10.0.2.10", "root", ""),
    )?;
    add(
        ops,
        demo,
        vault,
        Some(linux),
        Ssh,
        "prod-db-01",
        ("10.0.2.20", "postgres", ""),
    )?;
    let domain_admin = add(
        ops,
        demo,
        vault,
        Some(creds),
        Credentials,
        "Domain admin",
        ("", "CORP\\administrator", ""),
    )?;
    let root = add(
        ops,
        demo,
        vault,
        Some(creds),
        Credentials,
        "Linux root",
        ("", "root", ""),
    )?;
    let sa = add(
        ops,
        demo,
        vault,
        Some(creds),
        Credentials,
        "Database sa",
        ("", "sa", ""),
    )?;
    let orders = add(
        ops,
        demo,
        vault,
        Some(data),
        Database,
        "Orders DB",
        ("db.prod.example.com", "orders", ""),
    )?;
    add(
        ops,
        demo,
        vault,
        Some(web),
        Website,
        "Admin portal",
        ("", "admin", "https://admin.example.com"),
    )?;
    add(
        ops,
        demo,
        vault,
        Some(docs),
        Website,
        "Runbook wiki",
        ("", "alice", "https://wiki.example.com"),
    )?;

    let admin_id = demo.id("admin");
    admin::add_dependency_op(ops, admin_id, dc, domain_admin, DependencyRole::Credentials)?;
    admin::add_dependency_op(ops, admin_id, dc, vpn, DependencyRole::Vpn)?;
    admin::add_dependency_op(ops, admin_id, web01, root, DependencyRole::Credentials)?;
    admin::add_dependency_op(ops, admin_id, web01, vpn, DependencyRole::Vpn)?;
    admin::add_dependency_op(ops, admin_id, orders, sa, DependencyRole::Credentials)?;
    // Alice may use what is under Documentation without asking.
    admin::add_standing_op(
        ops,
        admin_id,
        demo.id("alice"),
        vault,
        Some(docs),
        demo.sets["operator"],
    )
}

fn build_staging(ops: &mut Ops<'_>, demo: &mut Demo, vault: VaultId) -> Result<(), ServiceError> {
    use EntryKind::{Credentials, Folder, Rdp, Ssh, Website};
    let none = ("", "", "");
    let servers = add(ops, demo, vault, None, Folder, "Staging servers", none)?;
    let stg_web = add(
        ops,
        demo,
        vault,
        Some(servers),
        Ssh,
        "stg-web-01",
        ("10.1.2.10", "deploy", ""),
    )?;
    add(
        ops,
        demo,
        vault,
        Some(servers),
        Rdp,
        "stg-app-01",
        ("10.1.1.20", "STG\\tester", ""),
    )?;
    let deploy = add(
        ops,
        demo,
        vault,
        Some(servers),
        Credentials,
        "Deploy key",
        ("", "deploy", ""),
    )?;
    add(
        ops,
        demo,
        vault,
        None,
        Website,
        "Staging dashboard",
        ("", "qa", "https://staging.example.com"),
    )?;
    let admin_id = demo.id("admin");
    admin::add_dependency_op(ops, admin_id, stg_web, deploy, DependencyRole::Credentials)?;
    admin::add_standing_op(
        ops,
        admin_id,
        demo.id("alice"),
        vault,
        None,
        demo.sets["operator"],
    )
}

fn build_human_resources(
    ops: &mut Ops<'_>,
    demo: &mut Demo,
    vault: VaultId,
) -> Result<(), ServiceError> {
    use EntryKind::{Credentials, Folder, Website};
    let payroll = add(ops, demo, vault, None, Folder, "Payroll", ("", "", ""))?;
    add(
        ops,
        demo,
        vault,
        Some(payroll),
        Website,
        "Payroll portal",
        ("", "payroll-admin", "https://payroll.example.com"),
    )?;
    add(
        ops,
        demo,
        vault,
        None,
        Credentials,
        "HR system administrator",
        ("hr.example.com", "hr-admin", ""),
    )?;
    Ok(())
}

fn build_finance(ops: &mut Ops<'_>, demo: &mut Demo, vault: VaultId) -> Result<(), ServiceError> {
    use EntryKind::{Credentials, Database, Folder, Website};
    let none = ("", "", "");
    let systems = add(ops, demo, vault, None, Folder, "Payment systems", none)?;
    let payments = add(
        ops,
        demo,
        vault,
        Some(systems),
        Database,
        "Payments DB",
        ("pay.example.com", "payments", ""),
    )?;
    let pay_creds = add(
        ops,
        demo,
        vault,
        Some(systems),
        Credentials,
        "Payments service account",
        ("", "svc-pay", ""),
    )?;
    add(
        ops,
        demo,
        vault,
        None,
        Website,
        "Bank portal",
        ("", "treasury", "https://bank.example.com"),
    )?;
    admin::add_dependency_op(
        ops,
        demo.id("admin"),
        payments,
        pay_creds,
        DependencyRole::Credentials,
    )
}

fn at(ops: &mut Ops<'_>, instant: Timestamp) -> Result<(), ServiceError> {
    ops.move_to(instant)
}

fn ask(
    ops: &mut Ops<'_>,
    demo: &Demo,
    entry: &str,
    set: &str,
    window: AccessWindow,
    approver: &str,
    message: &str,
) -> Result<RequestId, ServiceError> {
    let draft = NewRequest {
        target: Target::Entry(demo.entries[entry]),
        terms: Terms {
            permission_set_id: demo.sets[set],
            window,
        },
        approver_id: Some(demo.id(approver)),
        message: message.into(),
        start_on_first_use: false,
        extends_request_id: None,
    };
    requests::request_access_op(ops, demo.user("alice"), &draft)
}

fn approve(
    ops: &mut Ops<'_>,
    demo: &Demo,
    approver: &str,
    id: RequestId,
    terms: Option<Terms>,
    message: &str,
) -> Result<(), ServiceError> {
    let input = ApprovalInput {
        terms,
        message: message.into(),
    };
    requests::approve_op(ops, demo.user(approver), id, &input).map(drop)
}

#[expect(
    clippy::too_many_lines,
    reason = "one request of each kind, in the order of the story the demo tells"
)]
fn make_requests(ops: &mut Ops<'_>, demo: &Demo, now: Timestamp) -> Result<(), ServiceError> {
    let mins = |m: i64| Span::mins(m);
    let duration = |m: u32| AccessWindow::Duration { mins: m };

    // Expired: approved three days ago for an hour.
    at(ops, now - Span::hours(72))?;
    let id = ask(
        ops,
        demo,
        "Linux root",
        "reader",
        duration(60),
        "bob",
        "Rotate the root password after the audit",
    )?;
    at(ops, now - Span::hours(72) + mins(5))?;
    approve(ops, demo, "bob", id, None, "")?;

    // Lapsed: nobody decided within the day.
    at(ops, now - Span::hours(48))?;
    ask(
        ops,
        demo,
        "Admin portal",
        "reader",
        duration(30),
        "carol",
        "Check the portal's licence page",
    )?;

    // Emergency access two days ago, still waiting for review.
    at(ops, now - Span::hours(46))?;
    let input = requests::BreakGlassInput {
        entry_id: demo.entries["prod-db-01"],
        permission_set_id: demo.sets["operator"],
        duration_mins: 30,
        reason: "Orders are failing: database disk full, on-call fix".into(),
    };
    requests::break_glass_op(ops, demo.user("alice"), &input)?;

    // Denied, with the approver's reason.
    at(ops, now - Span::hours(24))?;
    let id = ask(
        ops,
        demo,
        "Database sa",
        "view-password",
        duration(60),
        "carol",
        "Need to reset a user's password",
    )?;
    at(ops, now - Span::hours(24) + mins(10))?;
    requests::deny_op(
        ops,
        demo.user("carol"),
        id,
        "Use your own account with the reset procedure instead",
    )?;

    // Released early with a closing note.
    at(ops, now - Span::hours(5))?;
    let id = ask(
        ops,
        demo,
        "Orders DB",
        "operator",
        duration(480),
        "bob",
        "Run the month-end report",
    )?;
    at(ops, now - Span::hours(5) + mins(5))?;
    approve(ops, demo, "bob", id, None, "OK for the report")?;
    at(ops, now - Span::hours(3))?;
    requests::release_op(
        ops,
        demo.user("alice"),
        id,
        "Report done and exported; nothing changed",
    )?;

    // Revoked by an approver.
    at(ops, now - Span::hours(4))?;
    let id = ask(
        ops,
        demo,
        "prod-web-01",
        "operator",
        duration(240),
        "carol",
        "Deploy hotfix 4.2.1",
    )?;
    at(ops, now - Span::hours(4) + mins(3))?;
    approve(ops, demo, "carol", id, None, "")?;
    at(ops, now - Span::hours(2))?;
    requests::revoke_op(ops, demo.user("bob"), id, "Change window closed")?;

    // Cancelled by the requester.
    at(ops, now - Span::hours(3))?;
    let id = ask(
        ops,
        demo,
        "Admin portal",
        "reader",
        duration(60),
        "bob",
        "Look up a setting",
    )?;
    at(ops, now - Span::hours(3) + mins(10))?;
    requests::cancel_op(ops, demo.user("alice"), id)?;

    // Active, approved with a shorter duration than asked.
    at(ops, now - mins(40))?;
    let id = ask(
        ops,
        demo,
        "prod-dc-01",
        "operator",
        duration(240),
        "bob",
        "Apply the monthly security patches",
    )?;
    at(ops, now - mins(30))?;
    let shorter = Terms {
        permission_set_id: demo.sets["operator"],
        window: duration(120),
    };
    approve(
        ops,
        demo,
        "bob",
        id,
        Some(shorter),
        "Two hours should be enough; ask for more if needed",
    )?;

    // Scheduled for tomorrow, as a custom time frame.
    at(ops, now - mins(20))?;
    let start = Timestamp((now + Span::hours(24)).millis() / 3_600_000 * 3_600_000);
    let frame = AccessWindow::Custom {
        start_at: start,
        end_at: start + Span::hours(2),
    };
    let id = ask(
        ops,
        demo,
        "prod-db-01",
        "operator",
        frame,
        "carol",
        "Database upgrade in tomorrow's window",
    )?;
    at(ops, now - mins(15))?;
    approve(
        ops,
        demo,
        "carol",
        id,
        None,
        "Approved for the change window",
    )?;

    // Finance needs two approvals: one given so far.
    at(ops, now - mins(15))?;
    let id = ask(
        ops,
        demo,
        "Payments DB",
        "reader",
        duration(30),
        "bob",
        "Reconcile yesterday's payments",
    )?;
    at(ops, now - mins(12))?;
    approve(ops, demo, "bob", id, None, "Fine by me")?;

    // Pending, waiting for Bob.
    at(ops, now - mins(10))?;
    ask(
        ops,
        demo,
        "prod-app-01",
        "operator",
        duration(60),
        "bob",
        "Restart the app pool after the config change",
    )?;
    Ok(())
}
