//! Model-based check of `Workspace::reveal_secret`: over random sequences of
//! requests, decisions, releases and clock advances, a reveal succeeds exactly
//! when a small, independent model of effective permissions says it should.
//!
//! The model knows only what the test did and what the service accepted; it
//! computes every grant's window itself from the approval instant and the
//! terms, never by reading a stored request.
//!
//! Requests name an item, a folder (covering every item below it at any
//! depth) or the whole vault (R-REQ-11), for a window or permanently
//! (R-REQ-10: a standing permission from approval until revoked or released).
//!
//! The same histories also check the access explainer (R-ADM-6): at every
//! step, what it says alice holds (View password, Connect) is what a reveal
//! and a connection at that instant decide.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use latchkey::domain::entry::{DependencyRole, EntryKind, NewEntry};
use latchkey::domain::permission::Permission;
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, Target, Terms,
};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::user::NewUser;
use latchkey::domain::{
    DomainError, EntryId, PermissionSetId, RequestId, Timestamp, UserId, VaultId,
};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::launcher::RecordingLauncher;
use latchkey::service::{
    HashCost, KeyOptions, NewVault, SecretUse, ServiceError, Session, Workspace,
};
use latchkey::store::sqlite::SqliteStore;
use proptest::prelude::*;

/// The instant every case starts at.
const T0: i64 = 1_800_000_000_000;
const SEC_MS: i64 = 1_000;
const MIN_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
/// How long an approved start-on-first-use grant waits (set in `Harness::new`;
/// short, so that some grants lapse unused within a case).
const CLAIM_WINDOW_MINS: u32 = 90;

/// The vault's tree: name, parent (an index into this table), kind.
const TREE: [(&str, Option<usize>, EntryKind); 7] = [
    ("Shared", None, EntryKind::Folder),
    ("Deep", Some(0), EntryKind::Folder),
    ("Ops", None, EntryKind::Folder),
    ("db-admin", Some(1), EntryKind::Credentials),
    ("ops-login", Some(2), EntryKind::Credentials),
    ("root-login", None, EntryKind::Credentials),
    ("jump-host", Some(2), EntryKind::Rdp),
];
/// The folders a standing permission may be given on.
const SHARED: usize = 0;
const OPS: usize = 2;
/// The items with a password (indices into `TREE`); ops name them 0…3.
const ENTRY_NODES: [usize; 4] = [3, 4, 5, 6];
/// "jump-host" (entry 3), the one connection, opened by the explainer's check.
const CONNECTION: usize = 3;
/// "jump-host" (entry 3) uses the credentials "root-login" (entry 2): a grant
/// on jump-host also covers root-login (docs/requirements.md §1 "Grant").
const DEPENDENCIES: [(usize, usize); 1] = [(3, 2)];

/// What alice asks for (R-REQ-11): an item (an index into `ENTRY_NODES`), a
/// folder (an index into `TREE`) with everything below it, or the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TargetChoice {
    Entry(usize),
    Folder(usize),
    Vault,
}

/// The folders of `TREE` a request may name: Shared, Deep (inside Shared), Ops.
const FOLDERS: [usize; 3] = [0, 1, 2];

/// The permission sets alice asks for, by their built-in names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetChoice {
    Reader,
    ViewPassword,
    Connect,
    Operator,
}

impl SetChoice {
    const ALL: [SetChoice; 4] = [
        SetChoice::Reader,
        SetChoice::ViewPassword,
        SetChoice::Connect,
        SetChoice::Operator,
    ];

    fn name(self) -> &'static str {
        match self {
            SetChoice::Reader => "Reader",
            SetChoice::ViewPassword => "View password",
            SetChoice::Connect => "Connect (execute)",
            SetChoice::Operator => "Operator",
        }
    }

    /// Whether the set holds View password (docs/requirements.md §1: Reader, Operator and
    /// View password do; Connect (execute) does not).
    fn reveals(self) -> bool {
        !matches!(self, SetChoice::Connect)
    }
}

/// Standing permissions alice holds on the two folders of the vault.
#[derive(Debug, Clone, Copy, Default)]
struct Standing {
    shared: Option<SetChoice>,
    ops: Option<SetChoice>,
}

/// The window of a request, as generated relative to the moment it is sent.
#[derive(Debug, Clone, Copy)]
enum WindowChoice {
    /// A duration in minutes; the clock starts at approval (or first use).
    Minutes(u32),
    /// A custom frame: start relative to now, and its length, in ms.
    Frame { start_in_ms: i64, length_ms: i64 },
    /// Permanent access (R-REQ-10).
    Permanent,
}

/// A window in absolute terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Minutes(u32),
    Frame { start: i64, end: i64 },
    Permanent,
}

impl WindowChoice {
    fn at(self, now: i64) -> Asked {
        match self {
            WindowChoice::Minutes(mins) => Asked::Minutes(mins),
            WindowChoice::Frame {
                start_in_ms,
                length_ms,
            } => Asked::Frame {
                start: now + start_in_ms,
                end: now + start_in_ms + length_ms,
            },
            WindowChoice::Permanent => Asked::Permanent,
        }
    }
}

impl Asked {
    fn access_window(self) -> AccessWindow {
        match self {
            Asked::Minutes(mins) => AccessWindow::Duration { mins },
            Asked::Frame { start, end } => AccessWindow::Custom {
                start_at: Timestamp(start),
                end_at: Timestamp(end),
            },
            Asked::Permanent => AccessWindow::Permanent,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Alice,
    Bob,
}

/// One step of a case. `nth_latest` picks a request counting back from the
/// newest (0 = newest, wrapping); `nth` picks a known boundary the same way.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// The clock moves on.
    Advance { ms: i64 },
    /// Alice asks bob for `set` on an entry, a folder or the vault.
    Request {
        target: TargetChoice,
        set: SetChoice,
        window: WindowChoice,
        first_use: bool,
    },
    /// Bob approves, maybe with a different duration or set.
    Approve {
        nth_latest: usize,
        mins: Option<u32>,
        set: Option<SetChoice>,
    },
    /// Bob denies.
    Deny { nth_latest: usize },
    /// Alice cancels.
    Cancel { nth_latest: usize },
    /// Bob or alice revokes.
    Revoke { nth_latest: usize, by: Who },
    /// Alice gives access back early.
    Release { nth_latest: usize },
    /// Alice reveals an entry's password.
    Reveal { entry: usize },
    /// The clock moves to a grant's start, end or claim-by instant plus
    /// `offset_ms` (−1 or 0), unless that is in the past, and alice reveals
    /// the grant's entry.
    Probe { nth: usize, offset_ms: i64 },
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    /// Approved with a fixed window `[start, end)`.
    Granted {
        reveals: bool,
        start: i64,
        end: i64,
    },
    /// Approved permanent access (R-REQ-10): a standing permission from
    /// `since`, covering the target itself (not an entry's dependencies).
    Permanent {
        reveals: bool,
        since: i64,
    },
    /// Approved to start on first use (R-BEY-2), claimable before `claim_by`.
    AwaitingFirstUse {
        reveals: bool,
        claim_by: i64,
        length: i64,
    },
    /// Denied, cancelled, revoked or released: gives nothing, ever again.
    Ended,
}

#[derive(Debug, Clone)]
struct ModelRequest {
    id: RequestId,
    target: TargetChoice,
    set: SetChoice,
    asked: Asked,
    first_use: bool,
    state: State,
}

/// An instant where a grant's access changes, as the model computed it: a
/// start, an end or a first-use claim-by. Kept for probes even after the
/// grant ended early.
#[derive(Debug, Clone, Copy)]
struct Boundary {
    entry: usize,
    at: i64,
}

/// Effective View password of alice (docs/requirements.md §1): standing (inherited down the
/// tree) ∪ every approved, not ended grant covering the entry (asked on it or
/// on an item depending on it) whose window `[start, end)` contains the instant.
#[derive(Debug, Default)]
struct Model {
    /// Standing set per node of `TREE`.
    standing: [Option<SetChoice>; TREE.len()],
    requests: Vec<ModelRequest>,
    boundaries: Vec<Boundary>,
}

impl Model {
    fn new(standing: Standing) -> Model {
        let mut model = Model::default();
        model.standing[SHARED] = standing.shared;
        model.standing[OPS] = standing.ops;
        model
    }

    /// Whether a grant on `granted` covers `entry`: the entry itself or one
    /// it depends on; for a folder, every item below it (at any depth); for
    /// the vault, every item.
    fn covers(granted: TargetChoice, entry: usize) -> bool {
        match granted {
            TargetChoice::Entry(granted) => {
                granted == entry || DEPENDENCIES.contains(&(granted, entry))
            }
            TargetChoice::Folder(folder) => {
                let mut node = TREE[ENTRY_NODES[entry]].1;
                while let Some(n) = node {
                    if n == folder {
                        return true;
                    }
                    node = TREE[n].1;
                }
                false
            }
            TargetChoice::Vault => true,
        }
    }

    /// An item a grant on `target` covers, for probes at its boundaries.
    fn covered_item(target: TargetChoice) -> usize {
        (0..ENTRY_NODES.len())
            .find(|e| Model::covers(target, *e))
            .unwrap_or(0)
    }

    fn standing_reveals(&self, entry: usize) -> bool {
        let mut node = Some(ENTRY_NODES[entry]);
        while let Some(n) = node {
            if self.standing[n].is_some_and(SetChoice::reveals) {
                return true;
            }
            node = TREE[n].1;
        }
        false
    }

    /// The index of the request `nth_latest` back from the newest.
    fn pick(&self, nth_latest: usize) -> Option<usize> {
        let len = self.requests.len();
        (len > 0).then(|| len - 1 - nth_latest % len)
    }

    fn requested(
        &mut self,
        id: RequestId,
        target: TargetChoice,
        set: SetChoice,
        asked: Asked,
        first_use: bool,
    ) {
        self.requests.push(ModelRequest {
            id,
            target,
            set,
            asked,
            first_use,
            state: State::Pending,
        });
    }

    /// Like [`Model::pick`], among the requests still pending in the model
    /// (all of them when none is, so that refusals are exercised too).
    fn pick_pending(&self, nth_latest: usize) -> Option<usize> {
        let pending: Vec<usize> = (0..self.requests.len())
            .filter(|i| self.requests[*i].state == State::Pending)
            .collect();
        if pending.is_empty() {
            return self.pick(nth_latest);
        }
        Some(pending[pending.len() - 1 - nth_latest % pending.len()])
    }

    /// The request was approved at `at`, as asked or with `mins`/`set` instead
    /// (R-REQ-5): a duration runs `[at, at + d)` (or from first use), a custom
    /// frame `[max(start, at), end)`.
    fn approved(&mut self, index: usize, at: i64, mins: Option<u32>, set: Option<SetChoice>) {
        let request = &mut self.requests[index];
        let reveals = set.unwrap_or(request.set).reveals();
        let asked = mins.map_or(request.asked, Asked::Minutes);
        request.state = match asked {
            Asked::Minutes(mins) if request.first_use => State::AwaitingFirstUse {
                reveals,
                claim_by: at + i64::from(CLAIM_WINDOW_MINS) * MIN_MS,
                length: i64::from(mins) * MIN_MS,
            },
            Asked::Minutes(mins) => State::Granted {
                reveals,
                start: at,
                end: at + i64::from(mins) * MIN_MS,
            },
            Asked::Frame { start, end } => State::Granted {
                reveals,
                start: start.max(at),
                end,
            },
            Asked::Permanent => State::Permanent { reveals, since: at },
        };
        let entry = Model::covered_item(request.target);
        match request.state {
            State::Granted { start, end, .. } => {
                self.boundaries.push(Boundary { entry, at: start });
                self.boundaries.push(Boundary { entry, at: end });
            }
            State::AwaitingFirstUse { claim_by, .. } => {
                self.boundaries.push(Boundary {
                    entry,
                    at: claim_by,
                });
            }
            State::Permanent { since, .. } => {
                self.boundaries.push(Boundary { entry, at: since });
            }
            State::Pending | State::Ended => {}
        }
    }

    /// Whether a permanent grant on `granted` covers `entry`: as a standing
    /// permission on the entry, folder or vault asked for, so an entry's
    /// dependencies are not covered.
    fn covers_as_standing(granted: TargetChoice, entry: usize) -> bool {
        match granted {
            TargetChoice::Entry(granted) => granted == entry,
            TargetChoice::Folder(_) | TargetChoice::Vault => Model::covers(granted, entry),
        }
    }

    fn ended(&mut self, index: usize) {
        self.requests[index].state = State::Ended;
    }

    /// Whether alice may reveal `entry` at `t`. A reveal that only an unused
    /// first-use grant allows starts that grant (R-BEY-2): the one whose claim
    /// window closes first (the oldest among equals).
    fn reveal(&mut self, entry: usize, t: i64) -> bool {
        if self.standing_reveals(entry) {
            return true;
        }
        let permanent = self.requests.iter().any(|r| {
            matches!(r.state, State::Permanent { reveals: true, since } if since <= t)
                && Model::covers_as_standing(r.target, entry)
        });
        if permanent {
            return true;
        }
        let on_entry = |r: &&mut ModelRequest| Model::covers(r.target, entry);
        let active = self.requests.iter_mut().filter(on_entry).any(|r| {
            matches!(r.state, State::Granted { reveals: true, start, end } if start <= t && t < end)
        });
        if active {
            return true;
        }
        let claimable = self
            .requests
            .iter_mut()
            .filter(on_entry)
            .filter_map(|r| match r.state {
                State::AwaitingFirstUse {
                    reveals: true,
                    claim_by,
                    length,
                } if t < claim_by => Some((claim_by, r.id, length, r)),
                _ => None,
            })
            .min_by_key(|(claim_by, id, _, _)| (*claim_by, *id));
        let Some((_, _, length, request)) = claimable else {
            return false;
        };
        request.state = State::Granted {
            reveals: true,
            start: t,
            end: t + length,
        };
        self.boundaries.push(Boundary {
            entry,
            at: t + length,
        });
        true
    }
}

// ---------------------------------------------------------------------------
// The service under test
// ---------------------------------------------------------------------------

struct Harness {
    ws: Workspace,
    admin: Session,
    alice: Session,
    alice_id: UserId,
    bob: Session,
    bob_id: UserId,
    entries: [EntryId; ENTRY_NODES.len()],
    /// Every node of `TREE`, folders included.
    nodes: Vec<EntryId>,
    vault: VaultId,
    sets: [PermissionSetId; 4],
    now: i64,
}

fn new_user(name: &str) -> NewUser {
    NewUser {
        username: name.to_owned(),
        display_name: name.to_owned(),
        email: String::new(),
        is_admin: false,
    }
}

fn secret_of(entry: usize) -> String {
    format!("secret of {}", TREE[ENTRY_NODES[entry]].0)
}

impl Harness {
    /// An admin, alice (requester, member) and bob (approver) in one vault
    /// holding `TREE`, temporary access on, alice's standing sets given.
    fn new(standing: Standing) -> Harness {
        let t0 = Timestamp(T0);
        let keyring = MemoryKeyring::default();
        let keys = KeyOptions {
            keyring: &keyring,
            key_file: None,
        };
        let store = Box::new(SqliteStore::in_memory().unwrap());
        let mut ws = Workspace::create(store, "model", &keys, HashCost::Minimal, t0).unwrap();
        let admin = ws.create_first_admin(&new_user("admin"), "pw", t0).unwrap();
        let alice_id = ws.add_user(&admin, &new_user("alice"), "pw", t0).unwrap();
        let bob_id = ws.add_user(&admin, &new_user("bob"), "pw", t0).unwrap();
        let vault = ws
            .add_vault(&admin, &NewVault::named("Production"), t0)
            .unwrap();
        ws.add_approver(&admin, vault, bob_id, t0).unwrap();
        ws.add_member(&admin, vault, alice_id, t0).unwrap();
        let settings = WorkspaceSettings {
            temporary_access_enabled: true,
            claim_window_mins: CLAIM_WINDOW_MINS,
            // Short, so that some requests lapse before a decision.
            pending_ttl_mins: 180,
            permanent_access_allowed: true,
            ..WorkspaceSettings::default()
        };
        ws.update_settings(&admin, &settings, t0).unwrap();
        let all_sets = ws.permission_sets(t0).unwrap();
        let sets = SetChoice::ALL.map(|choice| {
            all_sets
                .iter()
                .find(|s| s.name == choice.name())
                .unwrap()
                .id
        });

        let mut ids: Vec<EntryId> = Vec::new();
        for (name, parent, kind) in TREE {
            let secret = (kind != EntryKind::Folder).then(|| format!("secret of {name}"));
            let draft = NewEntry {
                name: name.to_owned(),
                parent_id: parent.map(|p| ids[p]),
                username: format!("{name}-user"),
                host: format!("{name}.example.test"),
                ..NewEntry::default()
            };
            let id = ws
                .add_entry(&admin, vault, kind, &draft, secret.as_deref(), t0)
                .unwrap();
            ids.push(id);
        }
        for (item, uses) in DEPENDENCIES {
            let (item, uses) = (ids[ENTRY_NODES[item]], ids[ENTRY_NODES[uses]]);
            ws.add_dependency(&admin, item, uses, DependencyRole::Credentials, t0)
                .unwrap();
        }
        for (folder, set) in [(SHARED, standing.shared), (OPS, standing.ops)] {
            if let Some(set) = set {
                let set = sets[SetChoice::ALL.iter().position(|s| *s == set).unwrap()];
                ws.add_standing(&admin, alice_id, vault, Some(ids[folder]), set, t0)
                    .unwrap();
            }
        }
        let alice = ws.sign_in("alice", "pw", t0).unwrap();
        let bob = ws.sign_in("bob", "pw", t0).unwrap();
        Harness {
            ws,
            admin,
            alice,
            alice_id,
            bob,
            bob_id,
            entries: ENTRY_NODES.map(|n| ids[n]),
            nodes: ids,
            vault,
            sets,
            now: T0,
        }
    }

    fn at(&self) -> Timestamp {
        Timestamp(self.now)
    }

    fn set_id(&self, set: SetChoice) -> PermissionSetId {
        self.sets[SetChoice::ALL.iter().position(|s| *s == set).unwrap()]
    }

    fn request(
        &mut self,
        entry: usize,
        set: SetChoice,
        asked: Asked,
        first_use: bool,
    ) -> Result<RequestId, ServiceError> {
        self.request_on(TargetChoice::Entry(entry), set, asked, first_use)
    }

    fn request_on(
        &mut self,
        target: TargetChoice,
        set: SetChoice,
        asked: Asked,
        first_use: bool,
    ) -> Result<RequestId, ServiceError> {
        let target = match target {
            TargetChoice::Entry(entry) => Target::Entry(self.entries[entry]),
            TargetChoice::Folder(node) => Target::Folder(self.nodes[node]),
            TargetChoice::Vault => Target::Vault(self.vault),
        };
        let draft = NewRequest {
            target,
            terms: Terms {
                permission_set_id: self.set_id(set),
                window: asked.access_window(),
            },
            approver_id: Some(self.bob_id),
            message: String::new(),
            start_on_first_use: first_use,
            extends_request_id: None,
        };
        let now = self.at();
        self.ws.request_access(&self.alice, &draft, now)
    }

    /// Bob approves; `terms` replaces what was asked when given.
    fn approve(
        &mut self,
        id: RequestId,
        terms: Option<(SetChoice, Asked)>,
    ) -> Result<ApprovalOutcome, ServiceError> {
        let input = ApprovalInput {
            terms: terms.map(|(set, asked)| Terms {
                permission_set_id: self.set_id(set),
                window: asked.access_window(),
            }),
            message: String::new(),
        };
        let now = self.at();
        self.ws.approve(&self.bob, id, &input, now)
    }

    fn reveal(&mut self, entry: usize) -> Result<String, ServiceError> {
        let now = self.at();
        self.ws
            .reveal_secret(&self.alice, self.entries[entry], SecretUse::Reveal, now)
            .map(|secret| secret.as_str().to_owned())
    }
}

/// Reveals `entry` now and checks the outcome against the model.
fn check_reveal(
    h: &mut Harness,
    model: &mut Model,
    entry: usize,
    step: usize,
    op: &Op,
) -> Result<(), TestCaseError> {
    let got = h.reveal(entry);
    let want = model.reveal(entry, h.now);
    prop_assert_eq!(
        got.is_ok(),
        want,
        "step {} ({:?}) at T0 + {} ms: service said {:?}",
        step,
        op,
        h.now - T0,
        got
    );
    match got {
        Ok(secret) => prop_assert_eq!(secret, secret_of(entry), "step {}", step),
        Err(e) => prop_assert!(
            matches!(e, ServiceError::Domain(DomainError::NotPermitted(_))),
            "step {step}: a refused reveal says why: {e:?}"
        ),
    }
    Ok(())
}

/// R-ADM-6: what the explainer says alice holds on `entry` now — View
/// password, and Connect on the connection — is what a reveal and a
/// connection decide at the same instant. Both may start a first-use grant,
/// which leaves what is held at this instant as it was.
fn check_explainer(h: &mut Harness, entry: usize, step: usize) -> Result<(), TestCaseError> {
    let now = h.at();
    let said = |h: &mut Harness, entry: usize, permission: Permission| {
        let explanation =
            h.ws.explain_access(&h.admin, h.alice_id, h.entries[entry], now)
                .unwrap();
        explanation
            .permissions
            .iter()
            .find(|p| p.permission == permission)
            .unwrap()
            .held
    };
    let held = said(h, entry, Permission::ViewPassword);
    let revealed = h.reveal(entry).map(drop);
    prop_assert_eq!(
        revealed.is_ok(),
        held,
        "step {} at T0 + {} ms, entry {}: reveal said {:?}",
        step,
        h.now - T0,
        entry,
        revealed
    );
    let held = said(h, CONNECTION, Permission::Connect);
    let launcher = RecordingLauncher::default();
    let connected =
        h.ws.connect(&h.alice, h.entries[CONNECTION], &launcher, now)
            .map(drop);
    prop_assert_eq!(
        connected.is_ok(),
        held,
        "step {} at T0 + {} ms: connect said {:?}",
        step,
        h.now - T0,
        connected
    );
    for refused in [revealed.err(), connected.err()].into_iter().flatten() {
        prop_assert!(
            matches!(refused, ServiceError::Domain(DomainError::NotPermitted(_))),
            "step {step}: a refusal says why: {refused:?}"
        );
    }
    Ok(())
}

/// What a case checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Reveals against the model.
    Model,
    /// The explainer against reveals and connections, at every step.
    Explainer,
}

/// Checks `entry` now as `check` says.
fn check_at(
    h: &mut Harness,
    model: &mut Model,
    entry: usize,
    step: usize,
    op: &Op,
    check: Check,
) -> Result<(), TestCaseError> {
    match check {
        Check::Model => check_reveal(h, model, entry, step, op),
        Check::Explainer => check_explainer(h, entry, step),
    }
}

/// Runs `ops` against a fresh workspace and the model side by side.
fn run_case(standing: Standing, ops: &[Op]) -> Result<(), TestCaseError> {
    run_checked(standing, ops, Check::Model)
}

/// Runs `ops` against a fresh workspace, checking what `check` says. The
/// model also tracks the requests that ops pick; with [`Check::Explainer`]
/// it is not asked, since the checks' own uses start first-use grants it
/// does not know of.
fn run_checked(standing: Standing, ops: &[Op], check: Check) -> Result<(), TestCaseError> {
    let mut h = Harness::new(standing);
    let mut model = Model::new(standing);
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::Advance { ms } => h.now += ms,
            Op::Request {
                target,
                set,
                window,
                first_use,
            } => {
                let asked = window.at(h.now);
                if let Ok(id) = h.request_on(target, set, asked, first_use) {
                    model.requested(id, target, set, asked, first_use);
                }
            }
            Op::Approve {
                nth_latest,
                mins,
                set,
            } => {
                let Some(i) = model.pick_pending(nth_latest) else {
                    continue;
                };
                let request = &model.requests[i];
                let terms = (mins.is_some() || set.is_some()).then(|| {
                    (
                        set.unwrap_or(request.set),
                        mins.map_or(request.asked, Asked::Minutes),
                    )
                });
                if let Ok(outcome) = h.approve(request.id, terms) {
                    prop_assert_eq!(outcome, ApprovalOutcome::Granted, "step {}", step);
                    model.approved(i, h.now, mins, set);
                }
            }
            Op::Deny { nth_latest } => {
                if let Some(i) = model.pick_pending(nth_latest) {
                    let now = h.at();
                    if h.ws.deny(&h.bob, model.requests[i].id, "", now).is_ok() {
                        model.ended(i);
                    }
                }
            }
            Op::Cancel { nth_latest } => {
                if let Some(i) = model.pick_pending(nth_latest) {
                    let now = h.at();
                    if h.ws.cancel(&h.alice, model.requests[i].id, now).is_ok() {
                        model.ended(i);
                    }
                }
            }
            Op::Revoke { nth_latest, by } => {
                if let Some(i) = model.pick(nth_latest) {
                    let now = h.at();
                    let who = match by {
                        Who::Alice => &h.alice,
                        Who::Bob => &h.bob,
                    };
                    if h.ws.revoke(who, model.requests[i].id, "", now).is_ok() {
                        model.ended(i);
                    }
                }
            }
            Op::Release { nth_latest } => {
                if let Some(i) = model.pick(nth_latest) {
                    let now = h.at();
                    if h.ws
                        .release(&h.alice, model.requests[i].id, "done", now)
                        .is_ok()
                    {
                        model.ended(i);
                    }
                }
            }
            Op::Reveal { entry } => check_at(&mut h, &mut model, entry, step, op, check)?,
            Op::Probe { nth, offset_ms } => {
                let len = model.boundaries.len();
                if len == 0 {
                    continue;
                }
                let boundary = model.boundaries[len - 1 - nth % len];
                let target = boundary.at + offset_ms;
                if target >= h.now {
                    h.now = target;
                    check_at(&mut h, &mut model, boundary.entry, step, op, check)?;
                }
            }
        }
        if check == Check::Explainer {
            check_explainer(&mut h, step % ENTRY_NODES.len(), step)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

fn set_choice() -> impl Strategy<Value = SetChoice> {
    prop::sample::select(SetChoice::ALL.to_vec())
}

fn window_choice() -> impl Strategy<Value = WindowChoice> {
    let start_in_ms = prop_oneof![
        Just(0_i64),
        Just(1),
        Just(-1),
        // Within the 5-minute grace and beyond it (refused).
        -6 * MIN_MS..0,
        0..4 * HOUR_MS,
    ];
    let length_ms = prop_oneof![Just(1_i64), Just(2), Just(SEC_MS), 1..8 * HOUR_MS];
    prop_oneof![
        3 => prop::sample::select(vec![15_u32, 30, 60, 120, 240]).prop_map(WindowChoice::Minutes),
        1 => prop::sample::select(vec![1_u32, 2]).prop_map(WindowChoice::Minutes),
        3 => (start_in_ms, length_ms).prop_map(|(start_in_ms, length_ms)| WindowChoice::Frame {
            start_in_ms,
            length_ms
        }),
        1 => Just(WindowChoice::Permanent),
    ]
}

/// An entry index; "root-login" (no standing permission on it) twice as often.
fn entry() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![0_usize, 1, 2, 2, 3])
}

/// Mostly an item; sometimes a folder or the whole vault (R-REQ-11).
fn target() -> impl Strategy<Value = TargetChoice> {
    prop_oneof![
        6 => entry().prop_map(TargetChoice::Entry),
        2 => prop::sample::select(FOLDERS.to_vec()).prop_map(TargetChoice::Folder),
        1 => Just(TargetChoice::Vault),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let advance = prop_oneof![
        1 => Just(0_i64),
        1 => Just(1),
        1 => Just(2),
        1 => Just(SEC_MS - 1),
        1 => Just(MIN_MS),
        2 => 0..15 * MIN_MS,
        3 => 0..4 * HOUR_MS,
    ];
    // Mostly the newest request or window, sometimes an older one.
    let nth = prop_oneof![2 => Just(0_usize), 1 => 0..8_usize];
    prop_oneof![
        4 => advance.prop_map(|ms| Op::Advance { ms }),
        3 => (target(), set_choice(), window_choice(), prop::bool::weighted(0.25)).prop_map(
            |(target, set, window, first_use)| Op::Request { target, set, window, first_use }
        ),
        4 => (
            nth.clone(),
            prop::option::weighted(0.25, prop::sample::select(vec![1_u32, 5, 15])),
            prop::option::weighted(0.2, set_choice()),
        )
            .prop_map(|(nth_latest, mins, set)| Op::Approve { nth_latest, mins, set }),
        1 => nth.clone().prop_map(|nth_latest| Op::Deny { nth_latest }),
        1 => nth.clone().prop_map(|nth_latest| Op::Cancel { nth_latest }),
        1 => (nth.clone(), prop_oneof![Just(Who::Bob), Just(Who::Alice)])
            .prop_map(|(nth_latest, by)| Op::Revoke { nth_latest, by }),
        1 => nth.clone().prop_map(|nth_latest| Op::Release { nth_latest }),
        4 => entry().prop_map(|entry| Op::Reveal { entry }),
        3 => (nth, prop_oneof![Just(-1_i64), Just(0)])
            .prop_map(|(nth, offset_ms)| Op::Probe { nth, offset_ms }),
    ]
}

fn standing() -> impl Strategy<Value = Standing> {
    (
        prop::option::weighted(0.3, set_choice()),
        prop::option::weighted(0.3, set_choice()),
    )
        .prop_map(|(shared, ops)| Standing { shared, ops })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        // Shrunk failures are reported, not written next to the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// docs/requirements.md §1 "Effective permissions", R-SEC-1, R-REQ-5, R-REQ-7, R-BEY-2,
    /// R-BEY-3, R-BEY-8: a reveal succeeds exactly when alice holds View
    /// password at that instant, by standing (inherited from a folder) or by a
    /// grant whose window `[start, end)` contains it and that was not revoked
    /// or released; overlapping grants combine.
    #[test]
    fn reveal_matches_the_model(standing in standing(), ops in prop::collection::vec(op(), 1..40)) {
        run_case(standing, &ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// R-ADM-6: over the same random histories, at every step the
    /// explainer's View password and Connect for alice agree with what
    /// `reveal_secret` and `connect` decide at that instant.
    #[test]
    fn explainer_agrees_with_reveal_and_connect(
        standing in standing(),
        ops in prop::collection::vec(op(), 1..40),
    ) {
        run_checked(standing, &ops, Check::Explainer)?;
    }
}

/// docs/requirements.md §1 (a grant's end is exclusive and exact), R-REQ-5, R-REQ-7, R-BEY-3,
/// R-BEY-8: a hand-written sequence probing every boundary to the millisecond.
#[expect(
    clippy::too_many_lines,
    reason = "one scenario, step by step, reads best as one story"
)]
#[test]
fn grant_windows_hold_to_the_millisecond() {
    // No standing permission: only grants open "root-login" (entry 2).
    let mut h = Harness::new(Standing::default());
    let allowed = |h: &mut Harness| h.reveal(2).is_ok();

    // A preset duration starts when approved, not when asked (R-REQ-5).
    let first = h
        .request(2, SetChoice::Reader, Asked::Minutes(15), false)
        .unwrap();
    assert!(!allowed(&mut h), "pending gives nothing");
    h.now += 10 * SEC_MS;
    assert_eq!(h.approve(first, None).unwrap(), ApprovalOutcome::Granted);
    let first_end = h.now + 15 * MIN_MS;
    assert!(allowed(&mut h), "active from the approval instant");
    h.now = first_end - 1;
    assert!(allowed(&mut h), "end − 1 ms");
    h.now = first_end;
    assert!(!allowed(&mut h), "end is exclusive");

    // A custom frame approved before its start runs exactly as asked.
    let start = h.now + HOUR_MS;
    let end = start + 90 * SEC_MS + 1;
    let frame = Asked::Frame { start, end };
    let second = h.request(2, SetChoice::ViewPassword, frame, false).unwrap();
    h.approve(second, None).unwrap();
    h.now = start - 1;
    assert!(!allowed(&mut h), "scheduled: start − 1 ms");
    h.now = start;
    assert!(allowed(&mut h), "start is inclusive");
    h.now = end - 1;
    assert!(allowed(&mut h), "end − 1 ms");
    h.now = end;
    assert!(!allowed(&mut h), "end is exclusive");

    // A custom frame approved after its start runs from approval to its end.
    let start = h.now + 2 * MIN_MS;
    let end = start + 10 * MIN_MS;
    let third = h
        .request(2, SetChoice::Operator, Asked::Frame { start, end }, false)
        .unwrap();
    h.now = start + 3 * MIN_MS;
    assert!(!allowed(&mut h), "not yet approved");
    h.approve(third, None).unwrap();
    assert!(allowed(&mut h), "runs from approval");
    h.now = end - 1;
    assert!(allowed(&mut h), "until end − 1 ms");
    h.now = end;
    assert!(!allowed(&mut h), "and not at end");

    // Overlapping grants combine (R-BEY-8): the earlier one ending leaves the
    // later one running; Connect (execute) never reveals.
    let short = h
        .request(2, SetChoice::Reader, Asked::Minutes(1), false)
        .unwrap();
    let long = h
        .request(2, SetChoice::ViewPassword, Asked::Minutes(2), false)
        .unwrap();
    let connect = h
        .request(2, SetChoice::Connect, Asked::Minutes(30), false)
        .unwrap();
    h.approve(short, None).unwrap();
    let short_end = h.now + MIN_MS;
    h.now += 1;
    h.approve(long, None).unwrap();
    let long_end = h.now + 2 * MIN_MS;
    h.approve(connect, None).unwrap();
    h.now = short_end;
    assert!(allowed(&mut h), "the later grant still runs");
    h.now = long_end - 1;
    assert!(allowed(&mut h), "until its own end − 1 ms");
    h.now = long_end;
    assert!(!allowed(&mut h), "Connect (execute) alone does not reveal");

    // Released (R-BEY-3) or revoked (R-REQ-7) access is gone at once.
    let fourth = h
        .request(2, SetChoice::Reader, Asked::Minutes(60), false)
        .unwrap();
    h.approve(fourth, None).unwrap();
    h.now += 1;
    assert!(allowed(&mut h));
    let now = h.at();
    h.ws.release(&h.alice, fourth, "done", now).unwrap();
    assert!(!allowed(&mut h), "released at this very instant");
    let fifth = h
        .request(2, SetChoice::Reader, Asked::Minutes(60), false)
        .unwrap();
    h.approve(fifth, None).unwrap();
    assert!(allowed(&mut h));
    let now = h.at();
    h.ws.revoke(&h.bob, fifth, "", now).unwrap();
    assert!(!allowed(&mut h), "revoked at this very instant");

    // A grant on "jump-host" (entry 3) covers the credentials it uses.
    let jump = h
        .request(3, SetChoice::Reader, Asked::Minutes(5), false)
        .unwrap();
    h.approve(jump, None).unwrap();
    let jump_end = h.now + 5 * MIN_MS;
    h.now = jump_end - 1;
    assert!(allowed(&mut h), "dependency covered until end − 1 ms");
    h.now = jump_end;
    assert!(!allowed(&mut h), "and not at end");

    // Start on first use (R-BEY-2): used at claim-by − 1 ms, the grant runs
    // its full length from that use; unused, it gives nothing at claim-by.
    let claim_window = i64::from(CLAIM_WINDOW_MINS) * MIN_MS;
    let unused = h
        .request(2, SetChoice::Connect, Asked::Minutes(1), true)
        .unwrap();
    let used = h
        .request(2, SetChoice::ViewPassword, Asked::Minutes(1), true)
        .unwrap();
    h.approve(unused, None).unwrap();
    h.approve(used, None).unwrap();
    let claim_by = h.now + claim_window;
    h.now = claim_by - 1;
    assert!(allowed(&mut h), "first use at claim-by − 1 ms");
    h.now = claim_by - 1 + MIN_MS - 1;
    assert!(allowed(&mut h), "runs until its end − 1 ms");
    h.now += 1;
    assert!(!allowed(&mut h), "and not at its end");
    let later = h
        .request(2, SetChoice::Reader, Asked::Minutes(1), true)
        .unwrap();
    h.approve(later, None).unwrap();
    h.now += claim_window;
    assert!(!allowed(&mut h), "unused until claim-by: lapsed");
}

/// R-REQ-11: a folder grant covers an item two levels below it and nothing
/// beside it; a vault grant covers every item; both to the millisecond.
#[test]
fn folder_and_vault_grants_hold_to_the_millisecond() {
    let mut h = Harness::new(Standing::default());
    let shared = h
        .request_on(
            TargetChoice::Folder(SHARED),
            SetChoice::Reader,
            Asked::Minutes(5),
            false,
        )
        .unwrap();
    assert!(h.reveal(0).is_err(), "pending gives nothing");
    h.approve(shared, None).unwrap();
    let end = h.now + 5 * MIN_MS;
    assert!(h.reveal(0).is_ok(), "db-admin, in Deep, in Shared");
    assert!(h.reveal(1).is_err(), "ops-login, in Ops");
    assert!(h.reveal(2).is_err(), "root-login, at the top");
    h.now = end - 1;
    assert!(h.reveal(0).is_ok(), "end − 1 ms");
    h.now = end;
    assert!(h.reveal(0).is_err(), "end is exclusive");

    let vault = h
        .request_on(
            TargetChoice::Vault,
            SetChoice::ViewPassword,
            Asked::Minutes(1),
            false,
        )
        .unwrap();
    h.approve(vault, None).unwrap();
    for entry in 0..ENTRY_NODES.len() {
        assert!(h.reveal(entry).is_ok(), "entry {entry}");
    }
    h.now += MIN_MS;
    for entry in 0..ENTRY_NODES.len() {
        assert!(h.reveal(entry).is_err(), "entry {entry} at the end");
    }
}
