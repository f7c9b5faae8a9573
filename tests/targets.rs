//! Requests beyond one locked entry (issue 18) through the service, on a real
//! workspace file at fixed instants: a folder grant covers what is below the
//! folder, entries added after approval included, and nothing beside it; a
//! vault grant covers the whole vault and no other; the usual rules (quorum,
//! first decision wins, pending lapse, one pending request per target and
//! set, audit, notifications) hold for the new targets; the response window
//! is told what a folder or vault holds. Asking to join (R-REQ-12): a
//! vault visible to non-members shows its name and description, never its
//! tree; an approved request to join makes a member for its window, or for
//! good.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod fixture;

use fixture::{PASSWORD, empty_workspace, named, new_user};
use latchkey::domain::DomainError;
use latchkey::domain::audit::AuditEvent;
use latchkey::domain::entry::{EntryKind, NewEntry};
use latchkey::domain::notification::{NotificationContent, NotificationFacts};
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, Phase, Target, Terms,
};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::{EntryId, Field, PermissionSetId, RequestId, Span, Timestamp, VaultId};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::{NewVault, SecretUse, ServiceError, Session, VaultPolicy, Workspace};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::path::PathBuf;
use tempfile::TempDir;

const T0: Timestamp = Timestamp(1_800_000_000_000);

/// Vault "Production": folder Servers holding web-01 (credentials) and
/// folder Databases holding db-01 (credentials); vault "Staging": stage-01
/// (credentials). Alice is a member of Production; Bob and Carol approve
/// it; Erin approves Staging. Every item has a secret.
struct Fx {
    _dir: TempDir,
    path: PathBuf,
    ws: Workspace,
    admin: Session,
    alice: Session,
    bob: Session,
    carol: Session,
    erin: Session,
    production: VaultId,
    staging: VaultId,
    servers: EntryId,
    web: EntryId,
    databases: EntryId,
    db: EntryId,
    stage: EntryId,
    reader: PermissionSetId,
}

fn setup() -> Fx {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("targets.latchkey");
    let keyring = MemoryKeyring::default();
    let (mut ws, admin) = empty_workspace(&path, &keyring, T0);
    let mut add_user = |name: &str| {
        ws.add_user(&admin, &new_user(name, false), PASSWORD, T0)
            .unwrap()
    };
    let [alice, bob, carol, erin] = ["alice", "bob", "carol", "erin"].map(&mut add_user);
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
    ws.add_approver(&admin, production, bob, T0).unwrap();
    ws.add_approver(&admin, production, carol, T0).unwrap();
    ws.add_approver(&admin, staging, erin, T0).unwrap();
    let reader = ws
        .permission_sets(T0)
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Reader")
        .unwrap()
        .id;
    let mut add = |vault, kind, draft: NewEntry| {
        let secret = (kind != EntryKind::Folder).then_some("s3cret");
        ws.add_entry(&admin, vault, kind, &draft, secret, T0)
            .unwrap()
    };
    let servers = add(production, EntryKind::Folder, named("Servers", None));
    let web = add(
        production,
        EntryKind::Credentials,
        named("web-01", Some(servers)),
    );
    let databases = add(production, EntryKind::Folder, named("Databases", None));
    let db = add(
        production,
        EntryKind::Credentials,
        named("db-01", Some(databases)),
    );
    let stage = add(staging, EntryKind::Credentials, named("stage-01", None));
    let mut sign_in = |name: &str| ws.sign_in(name, PASSWORD, T0).unwrap();
    let (alice, bob, carol, erin) = (
        sign_in("alice"),
        sign_in("bob"),
        sign_in("carol"),
        sign_in("erin"),
    );
    Fx {
        _dir: dir,
        path,
        ws,
        admin,
        alice,
        bob,
        carol,
        erin,
        production,
        staging,
        servers,
        web,
        databases,
        db,
        stage,
        reader,
    }
}

impl Fx {
    /// Alice's request for Reader on `target` for an hour, to Bob.
    fn draft(&self, target: Target) -> NewRequest {
        NewRequest {
            target,
            terms: Terms {
                permission_set_id: self.reader,
                window: AccessWindow::Duration { mins: 60 },
            },
            approver_id: Some(self.bob.user_id()),
            message: "rotating the certificates".into(),
            start_on_first_use: false,
            extends_request_id: None,
        }
    }

    fn ask(&mut self, target: Target, at: Timestamp) -> Result<RequestId, ServiceError> {
        let draft = self.draft(target);
        self.ws.request_access(&self.alice, &draft, at)
    }

    fn approve_as(
        &mut self,
        who: &Session,
        id: RequestId,
        at: Timestamp,
    ) -> Result<ApprovalOutcome, ServiceError> {
        let input = ApprovalInput {
            terms: None,
            message: String::new(),
        };
        self.ws.approve(who, id, &input, at)
    }

    /// Whether Alice may reveal `entry`'s password at `at`.
    fn reveals(&mut self, entry: EntryId, at: Timestamp) -> bool {
        self.ws
            .reveal_secret(&self.alice, entry, SecretUse::Reveal, at)
            .is_ok()
    }

    /// The newest audit event's action and details.
    fn last_event(&self) -> (String, String) {
        let event = self.audit().pop().unwrap();
        (event.action, event.details)
    }

    /// The details of the newest audit event named `action`.
    fn last_of(&self, action: &str) -> String {
        let event = self.audit().into_iter().rev().find(|e| e.action == action);
        event.unwrap_or_else(|| panic!("no {action} event")).details
    }

    /// The whole audit log, oldest first, read from the file.
    fn audit(&self) -> Vec<AuditEvent> {
        let mut store = SqliteStore::open(&self.path).unwrap();
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.audit_events_after(0, 1_000_000).unwrap()
    }
}

/// R-REQ-11: asking on a folder entry asks for the folder; its grant covers
/// what is below it, including an entry added after approval, and nothing
/// beside it; it ends at its end like any grant.
#[test]
fn a_folder_grant_covers_what_is_below_it_now_and_later() {
    let mut fx = setup();
    let asked_at = T0 + Span::mins(1);
    let id = fx.ask(Target::Entry(fx.servers), asked_at).unwrap();
    let stored = fx.ws.request(&fx.alice, id, asked_at).unwrap();
    assert_eq!(stored.target, Target::Folder(fx.servers));
    let (action, details) = fx.last_event();
    assert_eq!(action, "requested");
    assert!(details.contains(r#""target":"folder""#), "{details}");
    assert!(!fx.reveals(fx.web, asked_at), "not before approval");

    let approved_at = asked_at + Span::mins(1);
    assert_eq!(
        fx.approve_as(&fx.bob.clone(), id, approved_at).unwrap(),
        ApprovalOutcome::Granted
    );
    assert!(fx.reveals(fx.web, approved_at));
    assert!(!fx.reveals(fx.db, approved_at), "another folder");
    assert!(!fx.reveals(fx.stage, approved_at), "another vault");

    let later = approved_at + Span::mins(10);
    let rack = fx
        .ws
        .add_entry(
            &fx.admin,
            fx.production,
            EntryKind::Folder,
            &named("Rack 2", Some(fx.servers)),
            None,
            later,
        )
        .unwrap();
    let added = fx
        .ws
        .add_entry(
            &fx.admin,
            fx.production,
            EntryKind::Credentials,
            &named("web-02", Some(rack)),
            Some("n3w"),
            later,
        )
        .unwrap();
    assert!(
        fx.reveals(added, later),
        "added after approval, two levels down"
    );
    let access = fx.ws.vault_access(&fx.alice, fx.production, later).unwrap();
    let rack_ancestors = [rack, fx.servers];
    assert!(
        !access
            .facts(added, &rack_ancestors)
            .effective_permissions(later)
            .is_empty(),
        "the tree's locks agree"
    );
    assert!(
        access
            .facts(fx.db, &[fx.databases])
            .effective_permissions(later)
            .is_empty()
    );
    let end = approved_at + Span::hours(1);
    assert!(fx.reveals(added, end - Span(1)));
    assert!(!fx.reveals(added, end), "the end is exclusive");
}

/// R-REQ-11: a vault grant covers every entry of the vault and none of another.
#[test]
fn a_vault_grant_covers_the_whole_vault_and_no_other() {
    let mut fx = setup();
    let at = T0 + Span::mins(1);
    let id = fx.ask(Target::Vault(fx.production), at).unwrap();
    assert_eq!(
        fx.ws.request(&fx.alice, id, at).unwrap().entry_id(),
        None,
        "a vault request names no entry"
    );
    fx.approve_as(&fx.bob.clone(), id, at).unwrap();
    assert!(fx.reveals(fx.web, at));
    assert!(fx.reveals(fx.db, at));
    assert!(!fx.reveals(fx.stage, at), "another vault");
    let top = fx
        .ws
        .add_entry(
            &fx.admin,
            fx.production,
            EntryKind::Credentials,
            &named("top-01", None),
            Some("t0p"),
            at,
        )
        .unwrap();
    assert!(fx.reveals(top, at), "added later, at the vault's top");
    // A non-member cannot ask for a vault.
    let err = fx.ask(Target::Vault(fx.staging), at).unwrap_err();
    assert!(
        err.field_errors()
            .is_some_and(|e| e.for_field(Field::Entry).is_some()),
        "{err}"
    );
}

/// R-BEY-4, R-APP-4: a vault needing two approvals grants a folder or vault
/// request only at the second; a decision after the one that completed it
/// is told who got there first, for each new kind of target.
#[test]
fn quorum_and_first_decision_hold_for_folders_and_vaults() {
    let mut fx = setup();
    let policy = VaultPolicy {
        required_approvals: 2,
        ..fx.ws.vault_policy(&fx.admin, fx.production, T0).unwrap()
    };
    fx.ws
        .set_vault_policy(&fx.admin, fx.production, &policy, T0)
        .unwrap();
    let at = T0 + Span::mins(1);
    for target in [Target::Folder(fx.databases), Target::Vault(fx.production)] {
        let id = fx.ask(target, at).unwrap();
        assert_eq!(
            fx.approve_as(&fx.bob.clone(), id, at).unwrap(),
            ApprovalOutcome::Recorded {
                approvals: 1,
                required: 2
            },
            "{target:?}"
        );
        assert!(!fx.reveals(fx.db, at), "one approval of two: {target:?}");
        assert_eq!(
            fx.approve_as(&fx.carol.clone(), id, at).unwrap(),
            ApprovalOutcome::Granted
        );
        assert!(fx.reveals(fx.db, at), "{target:?}");
        let late = fx.ws.deny(&fx.admin.clone(), id, "no", at).unwrap_err();
        assert!(
            matches!(
                late,
                ServiceError::Domain(DomainError::AlreadyHandled { ref by, .. }) if by == "carol"
            ),
            "{late:?}"
        );
        fx.ws.revoke(&fx.alice.clone(), id, "done", at).unwrap();
        assert!(!fx.reveals(fx.db, at), "revoked: {target:?}");
    }
}

/// R-REQ-4, R-APP-7, R-NOT-1: one pending request per target and set; a
/// folder request left pending lapses at its time-to-live and its requester
/// is told once; the approver is told of it, naming the folder.
#[test]
fn folder_and_vault_requests_follow_the_pending_rules() {
    let mut fx = setup();
    let at = T0 + Span::mins(1);
    let id = fx.ask(Target::Folder(fx.servers), at).unwrap();
    let again = fx.ask(Target::Entry(fx.servers), at).unwrap_err();
    assert!(
        again
            .field_errors()
            .is_some_and(|e| e.for_field(Field::PermissionSet).is_some()),
        "{again}"
    );
    fx.ask(Target::Folder(fx.databases), at).unwrap();
    let vault = fx.ask(Target::Vault(fx.production), at).unwrap();
    assert!(fx.ask(Target::Vault(fx.production), at).is_err());

    let bob = fx.bob.clone();
    let told = fx.ws.notifications(&bob, 10, at).unwrap();
    assert!(told.iter().any(|n| n.request_id == id), "{told:?}");

    let ttl = fx.ws.settings(T0).unwrap().pending_ttl();
    let report = fx.ws.tick(at + ttl).unwrap();
    assert!(report.lapsed.contains(&id) && report.lapsed.contains(&vault));
    let stored = fx.ws.request(&fx.alice, id, at + ttl).unwrap();
    assert_eq!(stored.phase(at + ttl), Phase::Lapsed);
    assert!(fx.ws.tick(at + ttl).unwrap().is_empty(), "once");
}

/// R-REQ-11, R-APP-3: the response window is told what a folder or a vault
/// holds (counts by kind, the first entries by path), and the requests
/// window's Entry column names the folder's path and the vault.
#[test]
fn the_response_window_is_told_what_the_target_holds() {
    let mut fx = setup();
    let at = T0 + Span::mins(1);
    let folder = fx.ask(Target::Folder(fx.servers), at).unwrap();
    let vault = fx.ask(Target::Vault(fx.production), at).unwrap();
    let bob = fx.bob.clone();

    let info = fx.ws.request_info(&bob, folder, at).unwrap();
    assert_eq!(info.entry_path, "Production / Servers");
    let contents = info.contents.unwrap();
    assert_eq!(contents.counts, [(EntryKind::Credentials, 1)]);
    assert_eq!(contents.first, ["web-01"]);

    let info = fx.ws.request_info(&bob, vault, at).unwrap();
    assert_eq!(info.entry_path, "Production");
    assert!(info.entry.is_none());
    let contents = info.contents.unwrap();
    assert_eq!(
        contents.counts,
        [(EntryKind::Folder, 2), (EntryKind::Credentials, 2)]
    );
    assert_eq!(
        contents.first,
        [
            "Databases",
            "Databases / db-01",
            "Servers",
            "Servers / web-01"
        ]
    );
    let labels = fx
        .ws
        .target_labels(
            &[Target::Folder(fx.servers), Target::Vault(fx.production)],
            at,
        )
        .unwrap();
    assert_eq!(labels[&Target::Folder(fx.servers)], "Production / Servers");
    assert_eq!(labels[&Target::Vault(fx.production)], "Production");
}

impl Fx {
    /// Turns "Requests may ask for permanent access" on or off.
    fn allow_permanent(&mut self, allowed: bool) {
        let settings = WorkspaceSettings {
            permanent_access_allowed: allowed,
            ..self.ws.settings(T0).unwrap()
        };
        self.ws.update_settings(&self.admin, &settings, T0).unwrap();
    }

    /// Alice's request for permanent Reader on `target`.
    fn ask_permanent(&mut self, target: Target, at: Timestamp) -> Result<RequestId, ServiceError> {
        let mut draft = self.draft(target);
        draft.terms.window = AccessWindow::Permanent;
        self.ws.request_access(&self.alice, &draft, at)
    }
}

/// R-REQ-10: with the setting off (its default), *Permanent* is refused on
/// the duration field and nothing is stored.
#[test]
fn permanent_access_is_refused_while_the_workspace_does_not_allow_it() {
    let mut fx = setup();
    assert!(!fx.ws.settings(T0).unwrap().permanent_access_allowed);
    let at = T0 + Span::mins(1);
    let before = fx.ws.my_requests(&fx.alice, 100, at).unwrap().len();
    let err = fx.ask_permanent(Target::Entry(fx.web), at).unwrap_err();
    let message = err
        .field_errors()
        .and_then(|e| e.for_field(Field::Duration))
        .unwrap_or_else(|| panic!("{err:?}"))
        .to_owned();
    assert!(
        message.contains("permanent access is not allowed"),
        "{message}"
    );
    assert_eq!(fx.ws.my_requests(&fx.alice, 100, at).unwrap().len(), before);
}

/// R-REQ-10: an approved permanent request becomes a standing permission
/// that remembers its origin; it gives access at any later instant, not
/// before approval, until an administrator removes it (audited), which also
/// ends the request.
#[test]
fn a_permanent_grant_holds_at_any_later_instant_until_revoked() {
    let mut fx = setup();
    fx.allow_permanent(true);
    let asked_at = T0 + Span::mins(1);
    let id = fx
        .ask_permanent(Target::Entry(fx.servers), asked_at)
        .unwrap();
    assert!(!fx.reveals(fx.web, asked_at), "not before approval");
    let approved_at = asked_at + Span::mins(5);
    fx.approve_as(&fx.bob.clone(), id, approved_at).unwrap();
    assert!(
        !fx.reveals(fx.web, approved_at - Span(1)),
        "not before approval"
    );
    for later in [
        approved_at,
        approved_at + Span::hours(1),
        approved_at + Span::hours(24 * 365 * 20),
    ] {
        assert!(fx.reveals(fx.web, later), "at {later:?}");
    }
    assert!(!fx.reveals(fx.db, approved_at), "another folder");
    let stored = fx.ws.request(&fx.alice, id, approved_at).unwrap();
    assert_eq!(
        stored.phase(approved_at + Span::hours(1_000)),
        Phase::Active
    );

    let standing = fx
        .ws
        .standing_grants(&fx.admin, fx.production, approved_at)
        .unwrap();
    let grant = standing
        .iter()
        .find(|g| g.origin.is_some())
        .copied()
        .unwrap();
    assert_eq!(grant.user_id, fx.alice.user_id());
    assert_eq!(grant.folder_id, Some(fx.servers));
    let origin = grant.origin.unwrap();
    assert_eq!(
        (origin.request_id, origin.approved_by, origin.approved_at),
        (id, fx.bob.user_id(), approved_at)
    );

    let removed_at = approved_at + Span::hours(48);
    fx.ws
        .remove_standing(&fx.admin, &grant, removed_at)
        .unwrap();
    let (action, details) = fx.last_event();
    assert_eq!(action, "standing_removed");
    assert!(details.contains("origin_request_id"), "{details}");
    assert!(!fx.reveals(fx.web, removed_at), "gone at once");
    let stored = fx.ws.request(&fx.alice, id, removed_at).unwrap();
    assert_eq!(stored.phase(removed_at), Phase::Revoked);
}

/// R-REQ-10, R-APP-3: an approver turns a permanent request into one hour;
/// the requester sees what was asked beside what was authorized, and the
/// grant ends after the hour; revoking a permanent grant removes its
/// standing permission.
#[test]
fn an_approver_may_turn_permanent_into_an_hour() {
    let mut fx = setup();
    fx.allow_permanent(true);
    let at = T0 + Span::mins(1);
    let id = fx.ask_permanent(Target::Entry(fx.web), at).unwrap();
    let input = ApprovalInput {
        terms: Some(Terms {
            permission_set_id: fx.reader,
            window: AccessWindow::Duration { mins: 60 },
        }),
        message: "an hour is enough".into(),
    };
    let bob = fx.bob.clone();
    fx.ws.approve(&bob, id, &input, at).unwrap();
    let stored = fx.ws.request(&fx.alice, id, at).unwrap();
    assert_eq!(stored.requested.window, AccessWindow::Permanent);
    assert_eq!(
        stored.authorized.map(|t| t.window),
        Some(AccessWindow::Duration { mins: 60 })
    );
    assert!(stored.is_modified() && !stored.is_permanent());
    let told = fx.ws.notifications(&fx.alice.clone(), 10, at).unwrap();
    assert!(
        told.iter().any(|n| n.request_id == id
            && matches!(
                n.content,
                NotificationContent::Facts(NotificationFacts::Approved { modified: true, .. })
            )),
        "{told:?}"
    );
    assert!(fx.reveals(fx.web, at + Span::mins(60) - Span(1)));
    assert!(
        !fx.reveals(fx.web, at + Span::mins(60)),
        "an hour, not forever"
    );
    assert!(
        fx.ws
            .standing_grants(&fx.admin, fx.production, at)
            .unwrap()
            .iter()
            .all(|g| g.origin.is_none()),
        "no standing permission for a time-bound grant"
    );

    // A permanent grant revoked by its approver takes its standing permission with it.
    let id = fx.ask_permanent(Target::Vault(fx.production), at).unwrap();
    fx.approve_as(&bob, id, at).unwrap();
    assert!(fx.reveals(fx.db, at));
    fx.ws.revoke(&bob, id, "no longer needed", at).unwrap();
    assert!(!fx.reveals(fx.db, at));
    assert!(
        fx.ws
            .standing_grants(&fx.admin, fx.production, at)
            .unwrap()
            .iter()
            .all(|g| g.origin.is_none())
    );
}

/// R-REQ-10, R-ADM-2: disabling the requester ends a permanent grant and
/// its standing permission; enabling them again brings back no access.
#[test]
fn disabling_the_requester_ends_permanent_access_for_good() {
    let mut fx = setup();
    fx.allow_permanent(true);
    let at = T0 + Span::mins(1);
    let id = fx.ask_permanent(Target::Folder(fx.servers), at).unwrap();
    fx.approve_as(&fx.bob.clone(), id, at).unwrap();
    assert!(fx.reveals(fx.web, at));
    let alice = fx.alice.user_id();
    let later = at + Span::mins(1);
    fx.ws.set_active(&fx.admin, alice, false, later).unwrap();
    fx.ws.set_active(&fx.admin, alice, true, later).unwrap();
    let again = fx.ws.sign_in("alice", PASSWORD, later).unwrap();
    assert!(
        fx.ws
            .reveal_secret(&again, fx.web, SecretUse::Reveal, later)
            .is_err()
    );
    assert_eq!(
        fx.ws.request(&again, id, later).unwrap().phase(later),
        Phase::Revoked
    );
    assert!(
        fx.ws
            .standing_grants(&fx.admin, fx.production, later)
            .unwrap()
            .iter()
            .all(|g| g.origin.is_none())
    );
}

impl Fx {
    /// Staging shown to non-members, with a description.
    fn show_staging(&mut self) {
        let policy = VaultPolicy {
            description: "Staging servers for release rehearsals".into(),
            visible_to_non_members: true,
            ..self.ws.vault_policy(&self.admin, self.staging, T0).unwrap()
        };
        self.ws
            .set_vault_policy(&self.admin, self.staging, &policy, T0)
            .unwrap();
    }

    /// Alice's request to join Staging with `window`, to Erin.
    fn ask_to_join(
        &mut self,
        window: AccessWindow,
        at: Timestamp,
    ) -> Result<RequestId, ServiceError> {
        let mut draft = self.draft(Target::Join(self.staging));
        draft.terms.window = window;
        draft.approver_id = Some(self.erin.user_id());
        self.ws.request_access(&self.alice, &draft, at)
    }

    /// Whether Alice is a member of Staging at `at`, as each query sees it:
    /// the vault list, the tree, the vault list's opposite (the vaults she
    /// may join) — all must agree.
    fn in_staging(&mut self, at: Timestamp) -> bool {
        let listed = self
            .ws
            .vaults(&self.alice, at)
            .unwrap()
            .iter()
            .any(|v| v.id == self.staging);
        let tree = self.ws.entries(&self.alice, self.staging, at).is_ok();
        let joinable = self
            .ws
            .joinable_vaults(&self.alice, at)
            .unwrap()
            .iter()
            .any(|v| v.id == self.staging);
        assert_eq!(listed, tree, "the list and the tree agree at {at:?}");
        assert_eq!(listed, !joinable, "member or joinable at {at:?}");
        listed
    }
}

/// R-REQ-12: a vault is hidden from non-members until marked visible; then
/// they see its name and description, never its tree or its entries, and
/// may ask to join it; nobody may ask to join a hidden vault.
#[test]
fn a_non_member_sees_a_visible_vault_but_never_its_tree() {
    let mut fx = setup();
    let at = T0 + Span::mins(1);
    assert!(fx.ws.joinable_vaults(&fx.alice, at).unwrap().is_empty());
    let hidden = fx
        .ask_to_join(AccessWindow::Duration { mins: 60 }, at)
        .unwrap_err();
    assert!(
        hidden
            .field_errors()
            .and_then(|e| e.for_field(Field::Entry))
            .is_some_and(|m| m.contains("does not take requests to join")),
        "{hidden}"
    );

    fx.show_staging();
    let shown = fx.ws.joinable_vaults(&fx.alice, at).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].name, "Staging");
    assert_eq!(
        shown[0].description,
        "Staging servers for release rehearsals"
    );
    assert!(shown[0].asked.is_none());
    assert!(!fx.in_staging(at));
    let tree = fx.ws.entries(&fx.alice, fx.staging, at).unwrap_err();
    assert!(
        matches!(tree, ServiceError::Domain(DomainError::NotPermitted(_))),
        "{tree:?}"
    );
    assert!(!fx.reveals(fx.stage, at));
    let access = fx.ws.entry_access(&fx.alice, fx.stage, at).unwrap();
    assert!(access.permissions.is_empty());
    // Members and administrators are not offered to join what they see.
    assert!(fx.ws.joinable_vaults(&fx.admin, at).unwrap().is_empty());
    assert!(
        fx.ws
            .joinable_vaults(&fx.erin.clone(), at)
            .unwrap()
            .is_empty()
    );
    let bob = fx.bob.clone();
    assert_eq!(
        fx.ws.joinable_vaults(&bob, at).unwrap().len(),
        1,
        "Bob approves Production, not Staging"
    );

    // Asking lists the request beside the vault, and still no tree.
    let id = fx
        .ask_to_join(AccessWindow::Duration { mins: 60 }, at)
        .unwrap();
    let shown = fx.ws.joinable_vaults(&fx.alice, at).unwrap();
    assert_eq!(shown[0].asked.as_ref().map(|r| r.id), Some(id));
    assert!(!fx.in_staging(at));
    let (action, details) = fx.last_event();
    assert_eq!(action, "requested");
    assert!(details.contains(r#""target":"join""#), "{details}");
    // The approver is told what the vault holds; the one asking is not.
    let erin = fx.erin.clone();
    let info = fx.ws.request_info(&erin, id, at).unwrap();
    assert_eq!(info.entry_path, "Staging");
    assert_eq!(
        info.contents.map(|c| c.first),
        Some(vec!["stage-01".to_owned()])
    );
    let own = fx.ws.request_info(&fx.alice, id, at).unwrap();
    assert!(
        own.contents.is_none(),
        "no peek into the vault before joining"
    );
}

/// R-REQ-12: an approved request to join makes a member for its window
/// exactly — the tree, the vault list and the entries' permissions from its
/// start to the millisecond before its end — and the vault goes back to
/// the joinable list at its end. A request from a member, an administrator,
/// or with start on first use is refused on its field.
#[test]
fn a_join_grant_gives_membership_and_ends_it_at_its_end() {
    let mut fx = setup();
    fx.show_staging();
    let asked_at = T0 + Span::mins(1);
    let id = fx
        .ask_to_join(AccessWindow::Duration { mins: 60 }, asked_at)
        .unwrap();
    assert!(!fx.in_staging(asked_at), "not before approval");
    let approved_at = asked_at + Span::mins(5);
    assert_eq!(
        fx.approve_as(&fx.erin.clone(), id, approved_at).unwrap(),
        ApprovalOutcome::Granted
    );
    assert!(fx.in_staging(approved_at));
    assert!(
        fx.reveals(fx.stage, approved_at),
        "Reader over the whole vault"
    );
    let alice = fx.alice.user_id();
    let joined = |fx: &mut Fx, at| {
        fx.ws
            .vault_members(&fx.admin, fx.staging, at)
            .unwrap()
            .into_iter()
            .find(|m| m.user_id == alice)
            .map(|m| m.joined_until)
    };
    assert_eq!(
        joined(&mut fx, approved_at),
        Some(Some(approved_at + Span::hours(1))),
        "administrators see her, and until when"
    );
    assert_eq!(
        fx.ws
            .next_membership_change(&fx.alice, approved_at)
            .unwrap(),
        Some(approved_at + Span::hours(1))
    );
    let again = fx
        .ask_to_join(AccessWindow::Duration { mins: 60 }, approved_at)
        .unwrap_err();
    assert!(
        again
            .field_errors()
            .and_then(|e| e.for_field(Field::Entry))
            .is_some_and(|m| m.contains("already a member")),
        "{again}"
    );
    let end = approved_at + Span::hours(1);
    assert!(fx.in_staging(end - Span(1)));
    assert!(fx.reveals(fx.stage, end - Span(1)));
    assert!(!fx.in_staging(end), "the end is exclusive");
    assert_eq!(joined(&mut fx, end), None);
    assert!(!fx.reveals(fx.stage, end));
    assert!(
        fx.ws.joinable_vaults(&fx.alice, end).unwrap()[0]
            .asked
            .is_none()
    );
    assert_eq!(
        fx.ws.request(&fx.alice, id, end).unwrap().phase(end),
        Phase::Expired
    );
}

/// R-REQ-12: a request to join for a time frame tomorrow makes a member
/// only inside the frame; until then the vault says it is scheduled. With
/// start on first use, or from an administrator, it is refused on its field.
#[test]
fn a_scheduled_join_makes_a_member_only_inside_its_frame() {
    let mut fx = setup();
    fx.show_staging();
    let end = T0 + Span::mins(1);
    let start = end + Span::hours(24);
    let frame = AccessWindow::Custom {
        start_at: start,
        end_at: start + Span::hours(2),
    };
    let scheduled = fx.ask_to_join(frame, end).unwrap();
    fx.approve_as(&fx.erin.clone(), scheduled, end).unwrap();
    assert!(!fx.in_staging(end), "scheduled, not yet");
    let listed = fx.ws.joinable_vaults(&fx.alice, end).unwrap();
    assert_eq!(listed[0].asked.as_ref().map(|r| r.id), Some(scheduled));
    assert_eq!(
        fx.ws.next_membership_change(&fx.alice, end).unwrap(),
        Some(start)
    );
    assert!(!fx.in_staging(start - Span(1)));
    assert!(fx.in_staging(start));
    assert!(!fx.in_staging(start + Span::hours(2)));

    // Start on first use has nothing to start it; an administrator joins nothing.
    let mut first_use = fx.draft(Target::Join(fx.staging));
    first_use.approver_id = Some(fx.erin.user_id());
    first_use.start_on_first_use = true;
    let later = start + Span::hours(3);
    let err = fx
        .ws
        .request_access(&fx.alice, &first_use, later)
        .unwrap_err();
    assert!(
        err.field_errors()
            .is_some_and(|e| e.for_field(Field::Start).is_some()),
        "{err}"
    );
    let admin = fx.admin.clone();
    let err = fx
        .ws
        .request_access(&admin, &fx.draft(Target::Join(fx.staging)), later)
        .unwrap_err();
    assert!(
        err.field_errors()
            .and_then(|e| e.for_field(Field::Entry))
            .is_some_and(|m| m.contains("nothing to join")),
        "{err}"
    );
}

/// R-REQ-12, R-REQ-10: joining for good makes a stored member who remembers
/// the request; they stay one at any later instant until the request is
/// revoked, which ends the membership and its permission together (audited).
#[test]
fn joining_for_good_lasts_until_the_request_is_revoked() {
    let mut fx = setup();
    fx.show_staging();
    let settings = WorkspaceSettings {
        temporary_access_enabled: true,
        permanent_access_allowed: true,
        ..WorkspaceSettings::default()
    };
    fx.ws.update_settings(&fx.admin, &settings, T0).unwrap();
    let at = T0 + Span::mins(1);
    let id = fx.ask_to_join(AccessWindow::Permanent, at).unwrap();
    fx.approve_as(&fx.erin.clone(), id, at).unwrap();
    let years = at + Span::hours(24 * 365 * 3);
    assert!(fx.in_staging(years));
    assert!(fx.reveals(fx.stage, years));
    assert_eq!(fx.ws.next_membership_change(&fx.alice, at).unwrap(), None);
    let members = fx.ws.vault_members(&fx.admin, fx.staging, at).unwrap();
    assert!(
        members.iter().any(|m| m.user_id == fx.alice.user_id()),
        "a stored member: {members:?}"
    );

    let revoked_at = years + Span::mins(1);
    fx.ws
        .revoke(&fx.erin.clone(), id, "project over", revoked_at)
        .unwrap();
    let details = fx.last_of("member_removed");
    assert!(
        details.contains(&format!(r#""origin_request_id":{}"#, id.0)),
        "{details}"
    );
    assert!(details.contains(r#""reason":"revoked""#), "{details}");
    assert!(!fx.in_staging(revoked_at));
    assert!(!fx.reveals(fx.stage, revoked_at));
}

/// R-BEY-4, R-APP-4: a request to join in a vault needing two approvals
/// makes a member only at the second; a later decision is told who decided.
#[test]
fn quorum_and_first_decision_hold_for_joins() {
    let mut fx = setup();
    fx.show_staging();
    let policy = VaultPolicy {
        required_approvals: 2,
        ..fx.ws.vault_policy(&fx.admin, fx.staging, T0).unwrap()
    };
    fx.ws
        .set_vault_policy(&fx.admin, fx.staging, &policy, T0)
        .unwrap();
    let at = T0 + Span::mins(1);
    let id = fx
        .ask_to_join(AccessWindow::Duration { mins: 60 }, at)
        .unwrap();
    assert_eq!(
        fx.approve_as(&fx.erin.clone(), id, at).unwrap(),
        ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }
    );
    assert!(!fx.in_staging(at), "one approval of two");
    assert_eq!(
        fx.approve_as(&fx.admin.clone(), id, at).unwrap(),
        ApprovalOutcome::Granted
    );
    assert!(fx.in_staging(at));
    let late = fx.ws.deny(&fx.erin.clone(), id, "no", at).unwrap_err();
    assert!(
        matches!(
            late,
            ServiceError::Domain(DomainError::AlreadyHandled { .. })
        ),
        "{late:?}"
    );
}
