//! Reading the audit log through the service (R-AUD-3, R-AUD-4), on a real
//! workspace file at fixed instants: filters against a reference computed
//! here from the raw rows; who may read what; CSV read back by a CSV
//! library; a JSON Lines export whose hash chain is recomputed here from the
//! file alone; formula-injection cells; the access history of requests with
//! every kind of step; and every audit action accounted for (R-AUD-1).

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod fixture;

use fixture::{PASSWORD, empty_workspace, named, new_user};
use latchkey::domain::audit::{AuditAction, AuditEvent, GENESIS_HASH};
use latchkey::domain::entry::EntryKind;
use latchkey::domain::permission::{Permission, Permissions};
use latchkey::domain::request::{AccessWindow, ApprovalInput, NewRequest, Target, Terms};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::{
    DomainError, EntryId, PermissionSetId, RequestId, Span, Timestamp, UserId, VaultId,
};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::launcher::{Launcher, RecordingLauncher};
use latchkey::service::{
    AuditQuery, AuditRecord, AuditTotal, ExportFormat, HistorySubject, NewVault, SecretUse,
    ServiceError, Session, Workspace, csv_cell,
};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use tempfile::TempDir;

const T0: Timestamp = Timestamp(1_800_000_000_000);

/// A launcher whose program is never there.
struct MissingProgram;

impl Launcher for MissingProgram {
    fn launch(&self, _argv: &[String]) -> Result<(), String> {
        Err("the program is not installed".into())
    }
}

struct Fx {
    _dir: TempDir,
    path: PathBuf,
    ws: Workspace,
    admin: Session,
    alice: Session,
    bob: Session,
    erin: Session,
    production: VaultId,
    staging: VaultId,
    db: EntryId,
    servers: EntryId,
    web: EntryId,
    stage: EntryId,
    operator: PermissionSetId,
    now: Timestamp,
}

/// Vault "Production" (approver bob, member alice): db-01 with a secret,
/// folder Servers with web-01 (SSH, with a secret); vault "Staging"
/// (approver erin): stage-01, an entry whose name a spreadsheet would run.
fn setup() -> Fx {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("audit.latchkey");
    let keyring = MemoryKeyring::default();
    let (mut ws, admin) = empty_workspace(&path, &keyring, T0);
    let mut add_user = |name: &str| {
        ws.add_user(&admin, &new_user(name, false), PASSWORD, T0)
            .unwrap()
    };
    let [alice, bob, erin] = ["alice", "bob", "erin"].map(&mut add_user);
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
    ws.add_approver(&admin, production, bob, T0).unwrap();
    ws.add_approver(&admin, staging, erin, T0).unwrap();
    let operator = ws
        .add_permission_set(
            &admin,
            "Field work",
            Permissions::of(&[
                Permission::View,
                Permission::ViewPassword,
                Permission::Connect,
            ]),
            T0,
        )
        .unwrap();
    let db = ws
        .add_entry(
            &admin,
            production,
            EntryKind::Credentials,
            &named("db-01", None),
            Some("s3cret"),
            T0,
        )
        .unwrap();
    let servers = ws
        .add_entry(
            &admin,
            production,
            EntryKind::Folder,
            &named("Servers", None),
            None,
            T0,
        )
        .unwrap();
    let web = ws
        .add_entry(
            &admin,
            production,
            EntryKind::Ssh,
            &named("web-01", Some(servers)),
            Some("w3b"),
            T0,
        )
        .unwrap();
    let stage = ws
        .add_entry(
            &admin,
            staging,
            EntryKind::Credentials,
            &named("=HYPERLINK(\"http://x.test\",\"click\")", None),
            None,
            T0,
        )
        .unwrap();
    let mut sign_in = |name: &str| ws.sign_in(name, PASSWORD, T0).unwrap();
    let (alice, bob, erin) = (sign_in("alice"), sign_in("bob"), sign_in("erin"));
    Fx {
        _dir: dir,
        path,
        ws,
        admin,
        alice,
        bob,
        erin,
        production,
        staging,
        db,
        servers,
        web,
        stage,
        operator,
        now: T0 + Span::mins(1),
    }
}

fn ask(fx: &mut Fx, entry: EntryId, mins: u32, first_use: bool, approver: &Session) -> RequestId {
    let draft = NewRequest {
        target: Target::Entry(entry),
        terms: Terms {
            permission_set_id: fx.operator,
            window: AccessWindow::Duration { mins },
        },
        approver_id: Some(approver.user_id()),
        message: "maintenance".into(),
        start_on_first_use: first_use,
        extends_request_id: None,
    };
    fx.ws.request_access(&fx.alice, &draft, fx.now).unwrap()
}

fn approve(fx: &mut Fx, who: &Session, id: RequestId, terms: Option<Terms>) {
    let input = ApprovalInput {
        terms,
        message: "ok".into(),
    };
    fx.ws.approve(who, id, &input, fx.now).unwrap();
}

fn later(fx: &mut Fx, mins: i64) {
    fx.now = fx.now + Span::mins(mins);
}

/// Requests in every state, each kind of use, refusals, on both vaults.
/// Returns (the request with first use, approval with changes, uses, an
/// extension and a release; the denied, cancelled, lapsed, revoked and
/// expired ones).
struct Stories {
    used: RequestId,
    denied: RequestId,
    cancelled: RequestId,
    lapsed: RequestId,
    revoked: RequestId,
    expired: RequestId,
}

fn history_of_every_kind(fx: &mut Fx) -> Stories {
    let bob = fx.bob.clone();
    let erin = fx.erin.clone();
    // Asked for 60 minutes from first use; bob changes it to 30.
    let used = ask(fx, fx.web, 60, true, &bob);
    later(fx, 1);
    let changed = Terms {
        permission_set_id: fx.operator,
        window: AccessWindow::Duration { mins: 30 },
    };
    approve(fx, &bob, used, Some(changed));
    later(fx, 1);
    let alice = fx.alice.clone();
    fx.ws
        .reveal_secret(&alice, fx.web, SecretUse::Reveal, fx.now)
        .unwrap();
    fx.ws.copy_secret(&alice, fx.web, fx.now).unwrap();
    fx.ws.copy_username(&alice, fx.web, fx.now).unwrap();
    fx.ws
        .connect(&alice, fx.web, &RecordingLauncher::default(), fx.now)
        .unwrap();
    assert!(
        fx.ws
            .connect(&alice, fx.web, &MissingProgram, fx.now)
            .is_err()
    );
    // Refused: no grant on db-01.
    assert!(
        fx.ws
            .reveal_secret(&alice, fx.db, SecretUse::Reveal, fx.now)
            .is_err()
    );
    later(fx, 1);
    let extension = NewRequest {
        target: Target::Entry(fx.web),
        terms: Terms {
            permission_set_id: fx.operator,
            window: AccessWindow::Duration { mins: 15 },
        },
        approver_id: Some(bob.user_id()),
        message: "a bit longer".into(),
        start_on_first_use: false,
        extends_request_id: Some(used),
    };
    let extension = fx.ws.request_access(&alice, &extension, fx.now).unwrap();
    approve(fx, &bob, extension, None);
    later(fx, 1);
    fx.ws
        .release(&alice, used, "done with the upgrade", fx.now)
        .unwrap();

    let denied = ask(fx, fx.db, 60, false, &bob);
    fx.ws.deny(&bob, denied, "not today", fx.now).unwrap();
    let cancelled = ask(fx, fx.db, 60, false, &bob);
    fx.ws.cancel(&alice, cancelled, fx.now).unwrap();
    let revoked = ask(fx, fx.db, 60, false, &bob);
    approve(fx, &bob, revoked, None);
    later(fx, 1);
    fx.ws
        .revoke(&bob, revoked, "the window was closed", fx.now)
        .unwrap();
    let expired = ask(fx, fx.stage, 10, false, &erin);
    approve(fx, &erin, expired, None);
    let lapsed = ask(fx, fx.db, 60, false, &bob);
    // Past the grant's end and the pending time-to-live.
    later(fx, 60 * 25);
    fx.ws.tick(fx.now).unwrap();
    // A failed sign-in for a name that does not exist, and one with a wrong
    // password.
    assert!(fx.ws.sign_in("mallory-not-a-user", "x", fx.now).is_err());
    assert!(fx.ws.sign_in("alice", "wrong", fx.now).is_err());
    fx.alice = fx
        .ws
        .change_password("alice", PASSWORD, "a much longer passphrase", fx.now)
        .unwrap();
    later(fx, 1);
    Stories {
        used,
        denied,
        cancelled,
        lapsed,
        revoked,
        expired,
    }
}

/// Every stored event, read straight from the store (not through the
/// service's query), with the vault each is about worked out here.
struct Reference {
    events: Vec<AuditEvent>,
    vault_of: HashMap<i64, Option<i64>>,
    user_names: HashMap<i64, (String, String)>,
    entry_names: HashMap<i64, String>,
}

fn reference(fx: &Fx) -> Reference {
    let mut store = SqliteStore::open(&fx.path).unwrap();
    let mut tx = store.begin(TxMode::Read).unwrap();
    let events = tx.audit_events_after(0, 10_000_000).unwrap();
    let mut vault_of = HashMap::new();
    let mut entry_names = HashMap::new();
    for e in &events {
        let from_entry = e
            .entry_id
            .and_then(|id| tx.entry_record(id).unwrap())
            .map(|entry| {
                entry_names.insert(entry.id.0, entry.name.clone());
                entry.vault_id.0
            });
        let from_request = e
            .request_id
            .and_then(|id| tx.request(id).unwrap())
            .map(|r| r.vault_id.0);
        let details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
        let from_details = details.get("vault_id").and_then(serde_json::Value::as_i64);
        vault_of.insert(e.seq, from_entry.or(from_request).or(from_details));
    }
    let user_names = tx
        .users()
        .unwrap()
        .into_iter()
        .map(|u| (u.id.0, (u.username, u.display_name)))
        .collect();
    Reference {
        events,
        vault_of,
        user_names,
        entry_names,
    }
}

impl Reference {
    /// The seqs `query` should find, newest first, for a reader who sees
    /// `visible` vaults (`None`: everything) and their own events.
    fn expect(
        &self,
        q: &AuditQuery,
        reader: Option<(UserId, &[VaultId])>,
        subtree: &[EntryId],
    ) -> Vec<i64> {
        let text = q.text.to_lowercase();
        let mut seqs: Vec<i64> = self
            .events
            .iter()
            .filter(|e| q.users.is_empty() || e.actor_id.is_some_and(|a| q.users.contains(&a)))
            .filter(|e| {
                q.entry.is_none()
                    || e.entry_id
                        .is_some_and(|id| id == q.entry.unwrap() || subtree.contains(&id))
            })
            .filter(|e| q.vault.is_none_or(|v| self.vault_of[&e.seq] == Some(v.0)))
            .filter(|e| q.actions.is_empty() || q.actions.iter().any(|a| a.as_str() == e.action))
            .filter(|e| q.since.is_none_or(|s| e.at >= s))
            .filter(|e| q.until.is_none_or(|u| e.at < u))
            .filter(|e| {
                if text.is_empty() {
                    return true;
                }
                let (user, display) = e
                    .actor_id
                    .and_then(|a| self.user_names.get(&a.0).cloned())
                    .unwrap_or_default();
                let entry = e
                    .entry_id
                    .and_then(|id| self.entry_names.get(&id.0).cloned())
                    .unwrap_or_default();
                [&e.details, &e.action, &user, &display, &entry]
                    .iter()
                    .any(|field| field.to_lowercase().contains(&text))
            })
            .filter(|e| match reader {
                None => true,
                Some((me, vaults)) => {
                    e.actor_id == Some(me)
                        || self.vault_of[&e.seq].is_some_and(|v| vaults.contains(&VaultId(v)))
                }
            })
            .map(|e| e.seq)
            .collect();
        seqs.reverse();
        seqs
    }
}

/// Every page of `query`, `size` at a time, following `next_before`.
fn all_pages(fx: &mut Fx, who: &Session, query: &AuditQuery, size: usize) -> Vec<AuditRecord> {
    let mut events = Vec::new();
    let mut before = None;
    loop {
        let page = fx.ws.audit_page(who, query, before, size, fx.now).unwrap();
        events.extend(page.events);
        match page.next_before {
            Some(next) => before = Some(next),
            None => return events,
        }
    }
}

fn seqs(events: &[AuditRecord]) -> Vec<i64> {
    events.iter().map(|e| e.seq).collect()
}

/// R-AUD-3: each filter, alone and combined, finds exactly what the raw
/// rows say, newest first, through pages of any size.
#[test]
fn filters_agree_with_a_reference_computed_from_the_rows() {
    let mut fx = setup();
    history_of_every_kind(&mut fx);
    let refs = reference(&fx);
    let admin = fx.admin.clone();
    let start = T0 + Span::mins(3);
    let queries = [
        AuditQuery::default(),
        AuditQuery {
            users: vec![fx.bob.user_id()],
            ..AuditQuery::default()
        },
        AuditQuery {
            users: vec![fx.bob.user_id(), fx.alice.user_id()],
            ..AuditQuery::default()
        },
        AuditQuery {
            vault: Some(fx.production),
            ..AuditQuery::default()
        },
        AuditQuery {
            vault: Some(fx.staging),
            ..AuditQuery::default()
        },
        AuditQuery {
            entry: Some(fx.web),
            ..AuditQuery::default()
        },
        AuditQuery {
            actions: vec![
                AuditAction::Approved,
                AuditAction::ApprovedWithModifications,
            ],
            ..AuditQuery::default()
        },
        AuditQuery {
            since: Some(start),
            until: Some(start + Span::mins(2)),
            ..AuditQuery::default()
        },
        AuditQuery {
            text: "UPGRADE".into(),
            ..AuditQuery::default()
        },
        AuditQuery {
            text: "web-01".into(),
            ..AuditQuery::default()
        },
        AuditQuery {
            text: "100%_".into(),
            ..AuditQuery::default()
        },
        AuditQuery {
            users: vec![fx.alice.user_id()],
            vault: Some(fx.production),
            actions: vec![AuditAction::PasswordRevealed, AuditAction::AccessDenied],
            since: Some(T0),
            ..AuditQuery::default()
        },
    ];
    for query in &queries {
        let expected = refs.expect(query, None, &[]);
        for size in [1, 7, 1000] {
            let got = all_pages(&mut fx, &admin, query, size);
            assert_eq!(seqs(&got), expected, "{query:?} in pages of {size}");
        }
        let total = fx.ws.audit_count(&admin, query, fx.now).unwrap();
        assert_eq!(total, AuditTotal::Exactly(expected.len()), "{query:?}");
    }
    // A folder with what is below it.
    let folder = AuditQuery {
        entry: Some(fx.servers),
        with_descendants: true,
        ..AuditQuery::default()
    };
    let expected = refs.expect(&folder, None, &[fx.web]);
    assert!(!expected.is_empty());
    assert_eq!(seqs(&all_pages(&mut fx, &admin, &folder, 5)), expected);
    // Names are resolved: user, entry path, vault.
    let revealed = all_pages(
        &mut fx,
        &admin,
        &AuditQuery {
            actions: vec![AuditAction::PasswordRevealed],
            ..AuditQuery::default()
        },
        10,
    );
    let shown = &revealed[0];
    assert_eq!(shown.actor_name.as_deref(), Some("alice"));
    assert_eq!(shown.entry_path.as_deref(), Some("Servers / web-01"));
    assert_eq!(shown.vault_name.as_deref(), Some("Production"));
}

/// A date range that ends before it starts is refused on its end field.
#[test]
fn a_backwards_date_range_is_refused_on_its_field() {
    let mut fx = setup();
    let admin = fx.admin.clone();
    let query = AuditQuery {
        since: Some(T0),
        until: Some(T0 - Span::mins(1)),
        ..AuditQuery::default()
    };
    let error = fx
        .ws
        .audit_page(&admin, &query, None, 10, fx.now)
        .unwrap_err();
    let fields = error.field_errors().unwrap();
    assert!(fields.for_field(latchkey::domain::Field::End).is_some());
}

/// Approvers read the events of the vaults they approve for and their own;
/// a plain member is refused, and so is their export and history.
#[test]
fn approvers_see_only_their_vaults_and_requesters_nothing() {
    let mut fx = setup();
    history_of_every_kind(&mut fx);
    let refs = reference(&fx);
    let bob = fx.bob.clone();
    let got = all_pages(&mut fx, &bob, &AuditQuery::default(), 50);
    let expected = refs.expect(
        &AuditQuery::default(),
        Some((bob.user_id(), &[fx.production])),
        &[],
    );
    assert_eq!(seqs(&got), expected);
    assert!(
        got.iter()
            .all(|e| { e.vault_id == Some(fx.production) || e.actor_id == Some(bob.user_id()) })
    );
    assert!(!got.iter().any(|e| e.vault_id == Some(fx.staging)));
    // Filtering cannot widen it.
    let staging = AuditQuery {
        vault: Some(fx.staging),
        ..AuditQuery::default()
    };
    assert!(all_pages(&mut fx, &bob, &staging, 50).is_empty());

    let alice = fx.alice.clone();
    let refused = fx
        .ws
        .audit_page(&alice, &AuditQuery::default(), None, 10, fx.now)
        .unwrap_err();
    assert!(matches!(
        refused,
        ServiceError::Domain(DomainError::NotPermitted(_))
    ));
    assert!(!fx.ws.may_read_audit(&alice, fx.now).unwrap());
    assert!(fx.ws.may_read_audit(&bob, fx.now).unwrap());
    let mut out = Vec::new();
    assert!(
        fx.ws
            .export_audit(
                &alice,
                &AuditQuery::default(),
                ExportFormat::Csv,
                "x.csv",
                &mut out,
                &|_, _| {},
                fx.now
            )
            .is_err()
    );
    assert!(out.is_empty());
    assert!(
        fx.ws
            .access_history(&alice, HistorySubject::User(alice.user_id()), fx.now)
            .is_err()
    );
}

fn export(fx: &mut Fx, query: &AuditQuery, format: ExportFormat) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let admin = fx.admin.clone();
    let last = Cell::new((0, 0));
    let n = fx
        .ws
        .export_audit(
            &admin,
            query,
            format,
            "/tmp/export",
            &mut out,
            &|done, total| last.set((done, total)),
            fx.now,
        )
        .unwrap();
    assert_eq!(last.get(), (n, n), "the progress ends at the total");
    (out, n)
}

/// R-AUD-3: a CSV export read back by a CSV library holds every event with
/// every stored field; the export itself is then audited.
#[test]
fn a_csv_export_reads_back_as_the_events() {
    let mut fx = setup();
    history_of_every_kind(&mut fx);
    let refs = reference(&fx);
    let (bytes, n) = export(&mut fx, &AuditQuery::default(), ExportFormat::Csv);
    assert_eq!(n, refs.events.len());
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        latchkey::service::CSV_COLUMNS.to_vec()
    );
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), refs.events.len());
    // A neutralised cell is the value with one `'` in front.
    let unneutral = |cell: &str| -> String {
        match cell.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
            _ => cell.to_owned(),
        }
    };
    for (row, event) in rows.iter().zip(&refs.events) {
        assert_eq!(row[col("seq")], event.seq.to_string());
        assert_eq!(row[col("at_ms")], event.at.millis().to_string());
        assert_eq!(
            row[col("actor_id")],
            event.actor_id.map(|a| a.0.to_string()).unwrap_or_default()
        );
        assert_eq!(row[col("action")], event.action);
        assert_eq!(
            row[col("request_id")],
            event
                .request_id
                .map(|a| a.0.to_string())
                .unwrap_or_default()
        );
        assert_eq!(
            row[col("entry_id")],
            event.entry_id.map(|a| a.0.to_string()).unwrap_or_default()
        );
        assert_eq!(unneutral(&row[col("details")]), event.details);
        assert_eq!(row[col("prev_hash")], event.prev_hash);
        assert_eq!(row[col("hash")], event.hash);
        assert!(row[col("at_utc")].ends_with('Z'));
    }
    // The export is an event of its own, naming format, filters and count.
    let admin = fx.admin.clone();
    let exported = all_pages(
        &mut fx,
        &admin,
        &AuditQuery {
            actions: vec![AuditAction::AuditExported],
            ..AuditQuery::default()
        },
        10,
    );
    assert_eq!(exported.len(), 1);
    let details = exported[0].details_json();
    assert_eq!(details["format"], "csv");
    assert_eq!(details["count"], n);
    assert_eq!(details["destination"], "/tmp/export");
}

/// Cells a spreadsheet would run as formulas are neutralised by a leading
/// `'`, in the helper and in a real export (the entry named `=HYPERLINK…`).
#[test]
fn formula_cells_are_neutralised() {
    for (value, cell) in [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "\"'\rx\""),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("plain", "plain"),
        ("", ""),
    ] {
        assert_eq!(csv_cell(value), cell, "{value:?}");
    }
    let mut fx = setup();
    let query = AuditQuery {
        entry: Some(fx.stage),
        ..AuditQuery::default()
    };
    let (bytes, n) = export(&mut fx, &query, ExportFormat::Csv);
    assert!(n >= 1);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let entry = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "entry")
        .unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        assert!(row[entry].starts_with("'=HYPERLINK"), "{:?}", &row[entry]);
        for cell in &row {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell:?}");
        }
    }
}

/// An independent checker: recomputes each event's hash from the exported
/// fields (length-prefixed, as `AuditEvent::computed_hash` documents) and
/// each link to its predecessor, from the file alone.
fn check_chain(jsonl: &str) -> Result<(usize, String), String> {
    let mut prev = GENESIS_HASH.to_owned();
    let mut count = 0;
    for (i, line) in jsonl.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let int_or_dash = |key: &str| {
            v[key]
                .as_i64()
                .map_or_else(|| "-".to_owned(), |n| n.to_string())
        };
        let seq = v["seq"].as_i64().ok_or("seq")?;
        if seq != i as i64 + 1 {
            return Err(format!("event {} is missing", i + 1));
        }
        if v["prev_hash"].as_str() != Some(prev.as_str()) {
            return Err(format!("event {seq} does not follow its predecessor"));
        }
        let fields = [
            prev.clone(),
            seq.to_string(),
            v["at_ms"].as_i64().ok_or("at_ms")?.to_string(),
            int_or_dash("actor_id"),
            v["action"].as_str().ok_or("action")?.to_owned(),
            int_or_dash("request_id"),
            int_or_dash("entry_id"),
            v["details_text"].as_str().ok_or("details_text")?.to_owned(),
        ];
        let mut hasher = Sha256::new();
        for field in &fields {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field.as_bytes());
        }
        let hash = hex::encode(hasher.finalize());
        if v["hash"].as_str() != Some(hash.as_str()) {
            return Err(format!("event {seq} was altered"));
        }
        // The parsed details are the same as the text the hash covers.
        let parsed: serde_json::Value =
            serde_json::from_str(v["details_text"].as_str().unwrap_or_default())
                .map_err(|e| e.to_string())?;
        if parsed != v["details"] {
            return Err(format!("event {seq}: details differ from their text"));
        }
        prev = hash;
        count += 1;
    }
    Ok((count, prev))
}

/// R-AUD-3: a JSON Lines export of the whole log re-verifies from the file
/// alone, ends at the workspace's head, and a changed line is caught.
#[test]
fn a_json_lines_export_reverifies_from_the_file() {
    let mut fx = setup();
    history_of_every_kind(&mut fx);
    let refs = reference(&fx);
    let (bytes, n) = export(&mut fx, &AuditQuery::default(), ExportFormat::JsonLines);
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        check_chain(&text),
        Ok((n, refs.events.last().unwrap().hash.clone()))
    );
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    for key in [
        "seq",
        "at_ms",
        "at",
        "actor_id",
        "actor",
        "action",
        "request_id",
        "entry_id",
        "entry",
        "vault_id",
        "vault",
        "details",
        "details_text",
        "prev_hash",
        "hash",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    // In one line, both the parsed details and their text.
    let tampered = text.replacen("maintenance", "maintenanc3", 2);
    assert!(check_chain(&tampered).unwrap_err().contains("was altered"));
}

fn actions(steps: &[latchkey::service::HistoryStep]) -> Vec<AuditAction> {
    steps.iter().filter_map(|s| s.action).collect()
}

/// R-AUD-4: every request's whole life from the log, after expiry: asked,
/// approved with changes (both terms), first use, each kind of use, a
/// failed connection, the extension, released with its note; denied,
/// cancelled, lapsed, revoked by whom, expired.
#[test]
#[expect(
    clippy::too_many_lines,
    reason = "every kind of step of a request's life, in the order they happen"
)]
fn access_history_tells_every_step() {
    let mut fx = setup();
    let s = history_of_every_kind(&mut fx);
    let admin = fx.admin.clone();
    let history = fx
        .ws
        .access_history(&admin, HistorySubject::User(fx.alice.user_id()), fx.now)
        .unwrap();
    let story = |id: RequestId| {
        history
            .stories
            .iter()
            .find(|st| st.request_id == id)
            .unwrap_or_else(|| panic!("a story for {id:?}"))
    };
    let used = story(s.used);
    assert_eq!(used.requester_name.as_deref(), Some("alice"));
    assert_eq!(used.entry_path.as_deref(), Some("Servers / web-01"));
    assert_eq!(used.vault_name.as_deref(), Some("Production"));
    assert_eq!(
        actions(&used.steps),
        vec![
            AuditAction::Requested,
            AuditAction::ApprovedWithModifications,
            AuditAction::FirstUseStarted,
            AuditAction::PasswordRevealed,
            AuditAction::PasswordCopied,
            AuditAction::UsernameCopied,
            AuditAction::Connected,
            AuditAction::ConnectFailed,
            AuditAction::ExtensionRequested,
            AuditAction::Approved,
            // The extension ends with the grant it extends.
            AuditAction::Revoked,
            AuditAction::Released,
        ]
    );
    let approval = &used.steps[1];
    assert_eq!(approval.actor_name.as_deref(), Some("bob"));
    assert_eq!(
        approval.details["requested"]["window"]["duration_mins"], 60,
        "{}",
        approval.details
    );
    assert_eq!(
        approval.details["authorized"]["window"]["duration_mins"],
        30
    );
    let released = used.steps.last().unwrap();
    assert_eq!(released.details["closing_note"], "done with the upgrade");
    // Not used through this grant: the refused reveal of db-01.
    assert!(
        !used
            .steps
            .iter()
            .any(|st| st.action == Some(AuditAction::AccessDenied))
    );

    let ends = |id| actions(&story(id).steps);
    assert_eq!(
        ends(s.denied),
        vec![AuditAction::Requested, AuditAction::Denied]
    );
    assert_eq!(
        ends(s.cancelled),
        vec![AuditAction::Requested, AuditAction::Cancelled]
    );
    assert_eq!(
        ends(s.lapsed),
        vec![AuditAction::Requested, AuditAction::Lapsed]
    );
    assert_eq!(
        ends(s.revoked),
        vec![
            AuditAction::Requested,
            AuditAction::Approved,
            AuditAction::Revoked
        ]
    );
    let revoked = story(s.revoked).steps.last().unwrap();
    assert_eq!(revoked.actor_name.as_deref(), Some("bob"));
    assert_eq!(
        ends(s.expired),
        vec![
            AuditAction::Requested,
            AuditAction::Approved,
            AuditAction::Expired
        ]
    );
    let expired = story(s.expired).steps.last().unwrap();
    assert_eq!(expired.actor_name, None, "the system ended it");
    // Newest first; the extension is inside its grant's story.
    let ids: Vec<RequestId> = history.stories.iter().map(|st| st.request_id).collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted);
    assert_eq!(history.stories.len(), 6);

    // From the entry: only what concerns it; from the folder: what is below.
    let on_web = fx
        .ws
        .access_history(&admin, HistorySubject::Entry(fx.web), fx.now)
        .unwrap();
    assert_eq!(
        on_web
            .stories
            .iter()
            .map(|st| st.request_id)
            .collect::<Vec<_>>(),
        vec![s.used]
    );
    let below = fx
        .ws
        .access_history(&admin, HistorySubject::Entry(fx.servers), fx.now)
        .unwrap();
    assert_eq!(below.stories.len(), 1);
    // An approver of Staging only sees the Staging story.
    let erin = fx.erin.clone();
    let staged = fx
        .ws
        .access_history(&erin, HistorySubject::User(fx.alice.user_id()), fx.now)
        .unwrap();
    assert_eq!(
        staged
            .stories
            .iter()
            .map(|st| st.request_id)
            .collect::<Vec<_>>(),
        vec![s.expired]
    );
}

/// Where each action is recorded and shown to be: `Here` — this file's
/// workspace holds such an event; `Suite(file)` — that suite asserts it
/// (by its stored name); `Superseded` — never written, another action is. The match has no wildcard, so a new action does not compile until
/// it is placed here, and the test below then checks the claim.
enum Recorded {
    Here,
    /// The suite file, which must name the stored action in quotes.
    Suite(&'static str),
    /// Never written; this action records it instead.
    Superseded(AuditAction),
}

#[expect(
    clippy::match_same_arms,
    reason = "one arm per action, so each says where it is recorded"
)]
fn where_recorded(action: AuditAction) -> Recorded {
    use AuditAction as A;
    use Recorded::{Here, Suite, Superseded};
    match action {
        A::WorkspaceCreated
        | A::UserCreated
        | A::SignedIn
        | A::SignInFailed
        | A::VaultCreated
        | A::EntryCreated
        | A::PermissionSetCreated
        | A::PermissionChanged
        | A::SettingsChanged
        | A::Requested
        | A::ExtensionRequested
        | A::Cancelled
        | A::Approved
        | A::ApprovedWithModifications
        | A::Denied
        | A::Revoked
        | A::Released
        | A::Expired
        | A::Lapsed
        | A::FirstUseStarted
        | A::PasswordRevealed
        | A::PasswordCopied
        | A::Connected
        | A::AccessDenied
        | A::ConnectFailed
        | A::UsernameCopied
        | A::PasswordChanged
        | A::AuditExported => Here,
        // Declared by the first schema, never written: a vault's settings
        // are its policy, recorded as `vault_policy_changed`.
        A::VaultChanged => Superseded(AuditAction::VaultPolicyChanged),
        A::DependencyAdded | A::SecretChanged => Suite("tests/entries.rs"),
        A::ApprovalRecorded => Suite("tests/service.rs"),
        A::BreakGlass => Suite("tests/service.rs"),
        A::Reviewed => Suite("tests/service.rs"),
        A::DirectGrant => Suite("tests/service.rs"),
        A::SignInFailuresCleared => Suite("tests/sign_in.rs"),
        A::NotificationPreferenceChanged => Suite("tests/notifications.rs"),
        A::EntryChanged => Suite("tests/entries.rs"),
        A::EntryMoved => Suite("tests/entries.rs"),
        A::EntryDeleted => Suite("tests/entries.rs"),
        A::DependencyRemoved => Suite("tests/entries.rs"),
        A::VaultRenamed => Suite("tests/entries.rs"),
        A::VaultDeleted => Suite("tests/entries.rs"),
        A::Imported => Suite("tests/import.rs"),
        A::UserChanged => Suite("tests/people.rs"),
        A::PasswordReset => Suite("tests/people.rs"),
        A::MemberRemoved => Suite("tests/vault_admin.rs"),
        A::ApproverRemoved => Suite("tests/vault_admin.rs"),
        A::StandingRemoved => Suite("tests/vault_admin.rs"),
        A::PermissionSetChanged => Suite("tests/vault_admin.rs"),
        A::PermissionSetDeleted => Suite("tests/vault_admin.rs"),
        A::VaultPolicyChanged => Suite("tests/vault_admin.rs"),
        A::KeyMoved => Suite("tests/key_move.rs"),
    }
}

/// R-AUD-1: every action of the list is recorded — by the operations run
/// here, or by the named suite, which must mention it; failed sign-ins
/// carry no user name in clear text.
#[test]
fn every_audit_action_is_recorded() {
    let mut fx = setup();
    history_of_every_kind(&mut fx);
    export(&mut fx, &AuditQuery::default(), ExportFormat::JsonLines);
    let refs = reference(&fx);
    let root = env!("CARGO_MANIFEST_DIR");
    for action in AuditAction::ALL {
        match where_recorded(action) {
            Recorded::Here => assert!(
                refs.events.iter().any(|e| e.action == action.as_str()),
                "no {} event was recorded",
                action.as_str()
            ),
            Recorded::Suite(file) => {
                let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
                assert!(
                    text.contains(&format!("\"{}\"", action.as_str())),
                    "{file} does not check {}",
                    action.as_str()
                );
            }
            Recorded::Superseded(by) => {
                assert!(matches!(
                    where_recorded(by),
                    Recorded::Suite(_) | Recorded::Here
                ));
            }
        }
    }
    let failed: Vec<&AuditEvent> = refs
        .events
        .iter()
        .filter(|e| e.action == AuditAction::SignInFailed.as_str())
        .collect();
    assert_eq!(failed.len(), 2);
    for e in &failed {
        assert!(!e.details.contains("mallory"), "{}", e.details);
        assert!(!e.details.contains("alice"), "{}", e.details);
    }
}

/// A free-text search scans at most `TEXT_SPAN` events per page: on a log
/// longer than that, a page may stop short (even empty) and say where to go
/// on, and following `next_before` still finds exactly what the rows hold.
#[test]
fn a_text_search_goes_down_a_long_log_a_span_at_a_time() {
    let keyring = MemoryKeyring::default();
    let keys = latchkey::service::KeyOptions {
        keyring: &keyring,
        key_file: None,
    };
    let store = Box::new(SqliteStore::in_memory().unwrap());
    let mut ws =
        Workspace::create(store, "t", &keys, latchkey::service::HashCost::Minimal, T0).unwrap();
    let admin = ws
        .create_first_admin(&new_user("admin", true), PASSWORD, T0)
        .unwrap();
    ws.add_vault(&admin, &NewVault::named("Needle vault"), T0)
        .unwrap();
    let span = usize::try_from(latchkey::service::TEXT_SPAN).unwrap();
    for _ in 0..span + 50 {
        assert!(ws.sign_in("ghost", "x", T0).is_err());
    }
    let query = AuditQuery {
        text: "needle".into(),
        ..AuditQuery::default()
    };
    let first = ws.audit_page(&admin, &query, None, 20, T0).unwrap();
    assert!(first.events.is_empty(), "the newest span holds no match");
    assert!(first.next_before.is_some(), "and the search goes on below");
    assert!(matches!(
        ws.audit_count(&admin, &query, T0).unwrap(),
        AuditTotal::AtLeast(0)
    ));
    let mut found = Vec::new();
    let mut before = first.next_before;
    while let Some(at) = before {
        let page = ws.audit_page(&admin, &query, Some(at), 20, T0).unwrap();
        found.extend(page.events.iter().map(|e| e.action.clone()));
        before = page.next_before;
    }
    assert_eq!(found, vec!["vault_created".to_owned()]);
}
