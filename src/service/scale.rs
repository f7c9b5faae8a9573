//! A large generated workspace for benchmarks: N entries over nested folders
//! in five vaults, and N requests in mixed states, made through the real
//! operations (so every rule, audit event and notification is as in use),
//! batched into transactions of a few thousand operations.
//!
//! Users are `admin`, `approver01`…`approver20` and `user001`…`user200`, all
//! with the password `demo` hashed at minimal cost: it is a test workspace.

use super::admin::{self, NewVault};
use super::auth::{HashCost, Session};
use super::ops::Ops;
use super::requests;
use super::{KeyOptions, ServiceError, Workspace};
use crate::domain::entry::{DependencyRole, EntryKind, NewEntry};
use crate::domain::request::{AccessWindow, ApprovalInput, NewRequest, Target, Terms};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::NewUser;
use crate::domain::{EntryId, PermissionSetId, Span, Timestamp, VaultId};
use crate::store::Store;

const VAULTS: usize = 5;
const APPROVERS: usize = 20;
const REQUESTERS: usize = 200;
const TOP_FOLDERS: usize = 10;
const SUB_FOLDERS: usize = 10;
const BATCH: usize = 5_000;

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScaleReport {
    /// Entries created (folders and items).
    pub entries: usize,
    /// Requests created.
    pub requests: usize,
    /// Requests the rules refused (e.g. a duplicate pending request), skipped.
    pub skipped: usize,
}

/// A small deterministic generator (xorshift64*), so runs are repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

struct Population {
    admin: Session,
    approvers: Vec<Session>,
    requesters: Vec<Session>,
    /// Items per vault (no folders), for picking request targets.
    items: Vec<Vec<EntryId>>,
    vault_approvers: Vec<Vec<usize>>,
    sets: Vec<PermissionSetId>,
}

/// Creates a workspace at `store` holding `n` entries and `n` requests.
pub fn create_scale(
    store: Box<dyn Store>,
    keys: &KeyOptions<'_>,
    n: usize,
    now: Timestamp,
) -> Result<(Workspace, ScaleReport), ServiceError> {
    let start = now - Span::hours(24 * 31);
    let mut workspace = Workspace::create(
        store,
        &format!("Scale workspace ({n} entries)"),
        keys,
        HashCost::Minimal,
        start,
    )?;
    let mut report = ScaleReport::default();
    let mut population = workspace.write(start, people_and_vaults)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // Entries, a batch per transaction.
    let per_vault = n / VAULTS;
    for (v, vault) in (1..=VAULTS)
        .map(|v| (v - 1, VaultId(v as i64)))
        .collect::<Vec<_>>()
    {
        let count = if v == VAULTS - 1 {
            n - per_vault * (VAULTS - 1)
        } else {
            per_vault
        };
        let made = workspace.write(start, |ops| {
            folders_and_items(ops, &population.admin, vault, count, &mut rng)
        })?;
        report.entries += made.0;
        population.items[v] = made.1;
    }

    // Requests in time order over the last 30 days, then one tick for what time did.
    let span = Span::hours(24 * 30).millis();
    let mut done = 0;
    while done < n {
        let upto = (done + BATCH).min(n);
        let batch_start = start + Span::hours(24);
        let outcome = workspace.write(batch_start, |ops| {
            let mut made = (0, 0);
            for i in done..upto {
                ops.move_to(batch_start + Span(span * i as i64 / n.max(1) as i64))?;
                match one_request(ops, &population, i, &mut rng) {
                    Ok(()) => made.0 += 1,
                    Err(ServiceError::Domain(_)) => made.1 += 1,
                    Err(other) => return Err(other),
                }
            }
            Ok(made)
        })?;
        report.requests += outcome.0;
        report.skipped += outcome.1;
        done = upto;
    }
    workspace.tick(now)?;
    workspace.mark_complete(now)?;
    Ok((workspace, report))
}

fn people_and_vaults(ops: &mut Ops<'_>) -> Result<Population, ServiceError> {
    let user = |username: String, display: String, is_admin| NewUser {
        username,
        display_name: display,
        email: String::new(),
        is_admin,
    };
    let admin_id = admin::add_user_op(
        ops,
        None,
        &user("admin".into(), "Ada Admin".into(), true),
        "demo",
    )?;
    let admin = Session::new(ops.user(admin_id)?);
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        ..WorkspaceSettings::default()
    };
    admin::update_settings_op(ops, admin_id, &settings)?;
    let mut approvers = Vec::new();
    for a in 1..=APPROVERS {
        let id = admin::add_user_op(
            ops,
            Some(admin_id),
            &user(format!("approver{a:02}"), format!("Approver {a:02}"), false),
            "demo",
        )?;
        approvers.push(Session::new(ops.user(id)?));
    }
    let mut requesters = Vec::new();
    for r in 1..=REQUESTERS {
        let id = admin::add_user_op(
            ops,
            Some(admin_id),
            &user(format!("user{r:03}"), format!("User {r:03}"), false),
            "demo",
        )?;
        requesters.push(Session::new(ops.user(id)?));
    }
    let mut vault_approvers = Vec::new();
    for v in 0..VAULTS {
        let vault = NewVault {
            break_glass_allowed: v == 0,
            ..NewVault::named(&format!("Vault {}", v + 1))
        };
        let vault_id = admin::add_vault_op(ops, admin_id, &vault)?;
        let chosen: Vec<usize> = (0..4).map(|k| (v * 4 + k) % APPROVERS).collect();
        for &a in &chosen {
            admin::add_approver_op(ops, admin_id, vault_id, approvers[a].user_id())?;
        }
        vault_approvers.push(chosen);
        for requester in &requesters {
            admin::add_member_op(ops, admin_id, vault_id, requester.user_id())?;
        }
    }
    let sets = ops
        .tx
        .permission_sets()?
        .into_iter()
        .map(|s| s.id)
        .collect();
    Ok(Population {
        admin,
        approvers,
        requesters,
        items: vec![Vec::new(); VAULTS],
        vault_approvers,
        sets,
    })
}

/// Two levels of folders, items spread over the leaves; RDP items depend on
/// the credentials created just before them.
fn folders_and_items(
    ops: &mut Ops<'_>,
    admin: &Session,
    vault: VaultId,
    count: usize,
    rng: &mut Rng,
) -> Result<(usize, Vec<EntryId>), ServiceError> {
    let actor = admin.user_id();
    let folder = |name: String, parent| NewEntry {
        name,
        parent_id: parent,
        ..NewEntry::default()
    };
    let mut leaves = Vec::new();
    let mut made = 0;
    for t in 0..TOP_FOLDERS {
        if made >= count {
            break;
        }
        let top = admin::add_entry_op(
            ops,
            actor,
            vault,
            EntryKind::Folder,
            &folder(format!("Region {t:02}"), None),
            None,
        )?;
        made += 1;
        for s in 0..SUB_FOLDERS {
            if made >= count {
                break;
            }
            let sub = admin::add_entry_op(
                ops,
                actor,
                vault,
                EntryKind::Folder,
                &folder(format!("Site {t:02}-{s:02}"), Some(top)),
                None,
            )?;
            made += 1;
            leaves.push(sub);
        }
    }
    let kinds = [
        EntryKind::Credentials,
        EntryKind::Rdp,
        EntryKind::Ssh,
        EntryKind::Website,
        EntryKind::Database,
        EntryKind::Vpn,
    ];
    let mut items = Vec::new();
    let mut last_credentials = None;
    let mut i = 0;
    while made < count {
        let kind = kinds[i % kinds.len()];
        let parent = leaves.get(rng.below(leaves.len())).copied();
        let draft = NewEntry {
            name: format!("{}-{i:06}", kind.as_str()),
            parent_id: parent,
            host: format!("10.{}.{}.{}", vault.0, (i / 250) % 250, i % 250),
            username: format!("svc{}", i % 97),
            ..NewEntry::default()
        };
        let secret = format!("demo-secret-{}-{i}", vault.0);
        let id = admin::add_entry_op(ops, actor, vault, kind, &draft, Some(&secret))?;
        if kind == EntryKind::Credentials {
            last_credentials = Some(id);
        } else if let (EntryKind::Rdp, Some(creds)) = (kind, last_credentials) {
            admin::add_dependency_op(ops, actor, id, creds, DependencyRole::Credentials)?;
        }
        items.push(id);
        made += 1;
        i += 1;
    }
    Ok((made, items))
}

/// One request whose fate depends on `i`: pending, approved, approved with
/// changes, denied, cancelled, revoked or released.
fn one_request(
    ops: &mut Ops<'_>,
    people: &Population,
    i: usize,
    rng: &mut Rng,
) -> Result<(), ServiceError> {
    let v = rng.below(VAULTS);
    let Some(&entry_id) = people.items[v].get(rng.below(people.items[v].len())) else {
        return Ok(());
    };
    let requester = &people.requesters[rng.below(people.requesters.len())];
    let approver = &people.approvers[people.vault_approvers[v][rng.below(4)]];
    let set = people.sets[rng.below(people.sets.len())];
    let mins = [15, 30, 60, 120, 240, 480][rng.below(6)];
    let draft = NewRequest {
        target: Target::Entry(entry_id),
        terms: Terms {
            permission_set_id: set,
            window: AccessWindow::Duration { mins },
        },
        approver_id: Some(approver.user_id()),
        message: format!("Ticket OPS-{i}"),
        start_on_first_use: false,
        extends_request_id: None,
    };
    let id = requests::request_access_op(ops, requester, &draft)?;
    let later = ops.now + Span::mins(5);
    ops.move_to(later)?;
    match i % 10 {
        0..=2 => requests::approve_op(
            ops,
            approver,
            id,
            &ApprovalInput {
                terms: None,
                message: String::new(),
            },
        )
        .map(drop),
        3 => {
            let shorter = Terms {
                permission_set_id: set,
                window: AccessWindow::Duration {
                    mins: (mins / 2).max(5),
                },
            };
            requests::approve_op(
                ops,
                approver,
                id,
                &ApprovalInput {
                    terms: Some(shorter),
                    message: "Shorter, please".into(),
                },
            )
            .map(drop)
        }
        4 => requests::deny_op(ops, approver, id, "Not during the freeze"),
        5 => requests::cancel_op(ops, requester, id),
        6 => {
            requests::approve_op(
                ops,
                approver,
                id,
                &ApprovalInput {
                    terms: None,
                    message: String::new(),
                },
            )?;
            requests::revoke_op(ops, approver, id, "Done early")
        }
        7 => {
            requests::approve_op(
                ops,
                approver,
                id,
                &ApprovalInput {
                    terms: None,
                    message: String::new(),
                },
            )?;
            requests::release_op(ops, requester, id, "Finished")
        }
        _ => Ok(()),
    }
}
