//! What a second approver, a colleague who left and a hurried requester can
//! still break in decisions (issue 10, items 3, 4 and the time-overflow bullet
//! of item 6), through the service on the demo workspace as a real file.
//!
//! - R-BEY-4, R-APP-3: a quorum approval approves only the terms its approver
//!   was shown, and only approvals of people who still approve count.
//! - R-BEY-5: break glass respects the workspace switch and cannot be chained.
//! - Absurd custom dates are field errors, never a wrapped value or a panic.
//!
//! People who leave are disabled, and approvers removed, with the `sqlite3`
//! tool on the file: the application has no screen for either yet.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use latchkey::app::present;
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, NewRequest, RequestStatus, Target, Terms,
};
use latchkey::domain::{DomainError, EntryId, Field, PermissionSetId, RequestId, Span, Timestamp};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::{
    BreakGlassInput, HashCost, KeyOptions, ServiceError, Session, Workspace, demo,
};
use latchkey::store::sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// The demo's "now".
const T0: Timestamp = Timestamp(1_800_000_000_000);

struct Demo {
    _dir: TempDir,
    path: PathBuf,
    ws: Workspace,
    now: Timestamp,
}

impl Demo {
    fn new() -> Demo {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("demo.latchkey");
        let keyring = MemoryKeyring::default();
        let keys = KeyOptions {
            keyring: &keyring,
            key_file: None,
        };
        let store = Box::new(SqliteStore::create(&path).unwrap());
        let ws = demo::create_demo(store, &keys, HashCost::Minimal, T0).unwrap();
        Demo {
            _dir: dir,
            path,
            ws,
            now: T0,
        }
    }

    fn sign_in(&mut self, user: &str) -> Session {
        self.ws
            .sign_in(user, demo::DEMO_PASSWORD, self.now)
            .unwrap()
    }

    fn advance(&mut self, by: Span) -> Timestamp {
        self.now = self.now + by;
        self.now
    }

    fn set(&mut self, name: &str) -> PermissionSetId {
        let now = self.now;
        self.ws
            .permission_sets(now)
            .unwrap()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap()
            .id
    }

    fn entry(&mut self, as_user: &Session, vault: &str, name: &str) -> EntryId {
        let now = self.now;
        let vault = self
            .ws
            .vaults(as_user, now)
            .unwrap()
            .into_iter()
            .find(|v| v.name == vault)
            .unwrap()
            .id;
        self.ws
            .entries(as_user, vault, now)
            .unwrap()
            .into_iter()
            .find(|e| e.name == name)
            .unwrap()
            .id
    }

    /// Alice asks Bob for `set` on `entry` of `vault` for `mins`.
    fn alice_asks(&mut self, vault: &str, entry: &str, set: &str, mins: u32) -> RequestId {
        let alice = self.sign_in("alice");
        let bob = self.sign_in("bob");
        let entry_id = self.entry(&alice, vault, entry);
        let draft = NewRequest {
            target: Target::Entry(entry_id),
            terms: Terms {
                permission_set_id: self.set(set),
                window: AccessWindow::Duration { mins },
            },
            approver_id: Some(bob.user_id()),
            message: "Month-end close".into(),
            start_on_first_use: false,
            extends_request_id: None,
        };
        let now = self.now;
        self.ws.request_access(&alice, &draft, now).unwrap()
    }

    fn approve(
        &mut self,
        who: &Session,
        id: RequestId,
        terms: Option<Terms>,
    ) -> Result<ApprovalOutcome, ServiceError> {
        let input = ApprovalInput {
            terms,
            message: String::new(),
        };
        let now = self.now;
        self.ws.approve(who, id, &input, now)
    }

    /// The terms the response window shows for `id`, as `who` opens it now.
    fn shown(&mut self, who: &Session, id: RequestId) -> Terms {
        let now = self.now;
        self.ws
            .request_info(who, id, now)
            .unwrap()
            .request
            .effective_terms()
    }

    fn stored(&mut self, id: RequestId) -> latchkey::domain::request::Request {
        let admin = self.sign_in("admin");
        let now = self.now;
        self.ws.request(&admin, id, now).unwrap()
    }

    fn break_glass(
        &mut self,
        who: &Session,
        entry: EntryId,
        mins: u32,
    ) -> Result<RequestId, ServiceError> {
        let input = BreakGlassInput {
            entry_id: entry,
            permission_set_id: self.set("Operator"),
            duration_mins: mins,
            reason: "Orders failing, on-call fix".into(),
        };
        let now = self.now;
        self.ws.break_glass(who, &input, now)
    }

    fn request_count(&mut self) -> usize {
        let admin = self.sign_in("admin");
        let now = self.now;
        self.ws.visible_requests(&admin, now).unwrap().len()
    }
}

/// Runs one statement on the workspace file with the `sqlite3` tool.
fn sqlite3(path: &Path, sql: &str) {
    let out = Command::new("sqlite3").arg(path).arg(sql).output().unwrap();
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn refused<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> ServiceError {
    match result {
        Ok(value) => panic!("expected a refusal, got {value:?}"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------
// Item 3: quorum approvals approve only what the approver saw.
// ---------------------------------------------------------------------------

/// R-BEY-4, R-APP-3: on Finance (two approvals), Carol opens Alice's request
/// for Reader, 15 min. Bob then approves it with modifications: Contributor
/// for a week. Carol's approval of what she was shown is refused, naming Bob
/// and when, and records nothing; approving the terms as they are now
/// completes the quorum with Bob's terms.
#[test]
fn carol_approving_stale_terms_after_bobs_modification_is_refused_naming_bob() {
    let mut d = Demo::new();
    let id = d.alice_asks("Finance", "Bank portal", "Reader", 15);
    let (bob, carol) = (d.sign_in("bob"), d.sign_in("carol"));
    let carol_saw = d.shown(&carol, id);

    let bob_at = d.advance(Span::mins(1));
    let week = Terms {
        permission_set_id: d.set("Contributor"),
        window: AccessWindow::Duration { mins: 7 * 1_440 },
    };
    assert_eq!(
        d.approve(&bob, id, Some(week)).unwrap(),
        ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }
    );

    d.advance(Span::mins(2));
    // What her window sends (the terms it showed), and the bare "as requested".
    for (name, terms) in [("as shown", Some(carol_saw)), ("as requested", None)] {
        let e = refused(d.approve(&carol, id, terms));
        let text = e.to_string();
        println!("{name}: {text}");
        assert!(
            matches!(e, ServiceError::Domain(DomainError::TermsChanged { .. })),
            "{name}: {e:?}"
        );
        assert!(
            text.contains("Bob Approver") && text.contains(&present::local_second(bob_at)),
            "{name}: names who changed the terms and when: {text}"
        );
        assert!(text.starts_with(char::is_lowercase) && !text.ends_with('.'));
        let r = d.stored(id);
        assert_eq!(r.status, RequestStatus::Pending, "{name}");
        assert_eq!(r.approvals.len(), 1, "{name}: nothing recorded");
    }

    // Reloaded, Carol sees the week of Contributor and approves it deliberately.
    let now_shown = d.shown(&carol, id);
    assert_eq!(now_shown, week);
    assert_eq!(
        d.approve(&carol, id, Some(now_shown)).unwrap(),
        ApprovalOutcome::Granted
    );
    let r = d.stored(id);
    assert_eq!(r.status, RequestStatus::Approved);
    assert_eq!(r.authorized, Some(week));
}

/// R-BEY-4: the demo's Payments DB request has Bob's approval (1 of 2). Bob
/// is disabled; Carol's approval is then only the first that counts, and
/// the request stays pending until another current approver (the
/// administrator) approves. The same for an approver removed from the vault.
#[test]
fn a_disabled_or_removed_approvers_earlier_approval_does_not_count() {
    let mut d = Demo::new();
    let (carol, admin) = (d.sign_in("carol"), d.sign_in("admin"));
    let payments =
        d.ws.inbox(&carol, T0, 10)
            .unwrap()
            .into_iter()
            .find(|r| r.approvals.len() == 1)
            .unwrap()
            .id;
    sqlite3(
        &d.path,
        "UPDATE users SET is_active = 0 WHERE username = 'bob'",
    );
    d.advance(Span::mins(1));
    let outcome = d.approve(&carol, payments, None).unwrap();
    println!("disabled bob, carol approves: {outcome:?}");
    assert_eq!(
        outcome,
        ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }
    );
    assert_eq!(d.stored(payments).status, RequestStatus::Pending);
    assert_eq!(
        d.approve(&admin, payments, None).unwrap(),
        ApprovalOutcome::Granted
    );

    // Bob is back, but no longer an approver of Finance.
    sqlite3(
        &d.path,
        "UPDATE users SET is_active = 1 WHERE username = 'bob'",
    );
    let bob = d.sign_in("bob");
    let id = d.alice_asks("Finance", "Bank portal", "Reader", 30);
    assert_eq!(
        d.approve(&bob, id, None).unwrap(),
        ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }
    );
    sqlite3(
        &d.path,
        "DELETE FROM vault_approvers WHERE user_id = (SELECT id FROM users WHERE username = 'bob') \
         AND vault_id = (SELECT id FROM vaults WHERE name = 'Finance')",
    );
    d.advance(Span::mins(1));
    let outcome = d.approve(&carol, id, None).unwrap();
    println!("removed bob, carol approves: {outcome:?}");
    assert_eq!(
        outcome,
        ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }
    );
    assert_eq!(
        d.approve(&admin, id, None).unwrap(),
        ApprovalOutcome::Granted
    );
}

// ---------------------------------------------------------------------------
// Item 4: break glass within its limits.
// ---------------------------------------------------------------------------

/// R-BEY-5: with temporary access switched off in the workspace settings,
/// break glass is refused (on the workspace) and stores nothing.
#[test]
fn break_glass_with_temporary_access_off_is_refused() {
    let mut d = Demo::new();
    let (admin, alice) = (d.sign_in("admin"), d.sign_in("alice"));
    let mut settings = d.ws.settings(T0).unwrap();
    settings.temporary_access_enabled = false;
    d.ws.update_settings(&admin, &settings, T0).unwrap();
    let dc = d.entry(&alice, "Production", "prod-dc-01");
    let before = d.request_count();
    let e = refused(d.break_glass(&alice, dc, 60));
    println!("temporary access off: {e}");
    let errors = e.field_errors().unwrap();
    assert!(
        errors
            .for_field(Field::Workspace)
            .unwrap()
            .contains("temporary access is disabled")
    );
    assert_eq!(d.request_count(), before);
}

/// R-BEY-5: four 60-minute emergency grants 59 minutes apart are no longer
/// possible: the second is refused with the rule (the first must be reviewed
/// first), also through a dependency; once Bob reviews the first, the next
/// is allowed. An emergency on another server that only shares the VPN is not
/// a chain.
#[test]
fn chained_break_glass_is_refused_until_the_previous_one_is_reviewed() {
    let mut d = Demo::new();
    let (alice, bob) = (d.sign_in("alice"), d.sign_in("bob"));
    let dc = d.entry(&alice, "Production", "prod-dc-01");
    let domain_admin = d.entry(&alice, "Production", "Domain admin");
    let web = d.entry(&alice, "Production", "prod-web-01");
    let first = d.break_glass(&alice, dc, 60).unwrap();

    d.advance(Span::mins(59));
    for (name, entry) in [("the same entry", dc), ("its dependency", domain_admin)] {
        let before = d.request_count();
        let e = refused(d.break_glass(&alice, entry, 60));
        let text = e.to_string();
        println!("{name}: {text}");
        assert!(
            text.contains("cannot be chained") && text.contains("must review it"),
            "{name}: the rule is stated: {text}"
        );
        assert_eq!(d.request_count(), before, "{name}: nothing stored");
    }
    d.break_glass(&alice, web, 30)
        .expect("another server sharing only the VPN is not a chain");

    let now = d.now;
    d.ws.mark_reviewed(&bob, first, now).unwrap();
    let second = d.break_glass(&alice, dc, 60).unwrap();
    assert!(d.stored(second).needs_review);
    d.advance(Span::mins(59));
    refused(d.break_glass(&alice, dc, 60));
}

// ---------------------------------------------------------------------------
// Item 6: time arithmetic cannot overflow.
// ---------------------------------------------------------------------------

/// Issue 10, item 6: absurd custom time frames (the limits of `i64`, year
/// 9999 and after, before 1970) in a request, an approval with modifications
/// and a direct grant are field errors on the start or end, store nothing,
/// and never panic or wrap into a valid-looking grant.
#[test]
fn absurd_end_dates_are_field_errors_never_a_panic() {
    let mut d = Demo::new();
    let (alice, bob, admin) = (d.sign_in("alice"), d.sign_in("bob"), d.sign_in("admin"));
    let reader = d.set("Reader");
    let web = d.entry(&alice, "Production", "prod-web-01");
    let pending = d.alice_asks("Production", "prod-web-01", "Reader", 60);
    let year_10000 = Timestamp(253_402_300_800_000);
    let frames = [
        ("i64 extremes", Timestamp(i64::MIN), Timestamp(i64::MAX)),
        ("now to i64::MAX", T0, Timestamp(i64::MAX)),
        ("i64::MIN to now", Timestamp(i64::MIN), T0),
        ("now to year 10000", T0, year_10000),
        ("now to 9999-12-31", T0, Timestamp(253_402_300_799_999)),
        ("before 1970 to now", Timestamp(-1), T0),
        (
            "reversed extremes",
            Timestamp(i64::MAX),
            Timestamp(i64::MIN),
        ),
    ];
    let before = d.request_count();
    for (name, start_at, end_at) in frames {
        let terms = Terms {
            permission_set_id: reader,
            window: AccessWindow::Custom { start_at, end_at },
        };
        let draft = NewRequest {
            target: Target::Entry(web),
            terms,
            approver_id: Some(bob.user_id()),
            message: "Absurd".into(),
            start_on_first_use: false,
            extends_request_id: None,
        };
        let now = d.now;
        let attempts = [
            (
                "request",
                d.ws.request_access(&alice, &draft, now).map(drop),
            ),
            ("approval", d.approve(&bob, pending, Some(terms)).map(drop)),
            (
                "direct grant",
                d.ws.direct_grant(&admin, alice.user_id(), web, terms, "", now)
                    .map(drop),
            ),
        ];
        for (what, result) in attempts {
            let e = refused(result);
            let errors = e
                .field_errors()
                .unwrap_or_else(|| panic!("{what}, {name}: not a field error: {e:?}"));
            assert!(
                errors.for_field(Field::Start).is_some() || errors.for_field(Field::End).is_some(),
                "{what}, {name}: {errors:?}"
            );
        }
    }
    assert_eq!(d.request_count(), before, "nothing stored");
    assert_eq!(d.stored(pending).status, RequestStatus::Pending);
    // A duration of u32::MAX minutes is refused on the duration.
    let e = refused(d.approve(
        &bob,
        pending,
        Some(Terms {
            permission_set_id: reader,
            window: AccessWindow::Duration { mins: u32::MAX },
        }),
    ));
    assert!(
        e.field_errors()
            .unwrap()
            .for_field(Field::Duration)
            .is_some()
    );
}

// ---------------------------------------------------------------------------
// R-APP-2: what the list of requests shows, its details open.
// ---------------------------------------------------------------------------

/// R-APP-2: Bob decided a request addressed to Carol, then stopped being an
/// approver of its vault. The requests window still lists his own decision,
/// so opening its details must work too (before, the list and the details
/// disagreed: "you cannot see this request").
#[test]
fn a_decision_listed_in_the_requests_window_opens_in_details() {
    let mut d = Demo::new();
    let (alice, bob, carol) = (d.sign_in("alice"), d.sign_in("bob"), d.sign_in("carol"));
    let entry_id = d.entry(&alice, "Production", "Orders DB");
    let draft = NewRequest {
        target: Target::Entry(entry_id),
        terms: Terms {
            permission_set_id: d.set("Reader"),
            window: AccessWindow::Duration { mins: 30 },
        },
        approver_id: Some(carol.user_id()),
        message: "Reconcile yesterday's orders".into(),
        start_on_first_use: false,
        extends_request_id: None,
    };
    let id = d.ws.request_access(&alice, &draft, T0).unwrap();
    assert_eq!(d.approve(&bob, id, None).unwrap(), ApprovalOutcome::Granted);
    sqlite3(
        &d.path,
        "DELETE FROM vault_approvers WHERE user_id = (SELECT id FROM users WHERE username = 'bob') \
         AND vault_id = (SELECT id FROM vaults WHERE name = 'Production')",
    );
    let listed =
        d.ws.visible_requests(&bob, T0)
            .unwrap()
            .iter()
            .any(|r| r.id == id);
    assert!(listed, "Bob's own decision stays in his list");
    let details = d.ws.request(&bob, id, T0);
    assert!(details.is_ok(), "details of a listed request: {details:?}");
    assert!(d.ws.request_info(&bob, id, T0).is_ok());
}
