//! Notifications end to end on the demo workspace, as a real file, at fixed
//! instants (issue 13): who is told of each event and exactly when, exactly
//! once per user even with two windows (two `Workspace`s on one file) ticking
//! and claiming at the same time, what comes back after a restart, the
//! "handled by someone else" announcement (R-BEY-7), the per-kind desktop
//! preferences, and the unread count.
//!
//! What each notification says, and the audit events of the decisions, are
//! checked in `tests/service.rs`; this suite checks recipients, instants and
//! claims.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::{T0, demo_file, open_file};
use latchkey::domain::clock::{Clock, FixedClock};
use latchkey::domain::entry::{EntryKind, NewEntry};
use latchkey::domain::notification::{
    NotificationContent, NotificationFacts, NotificationKind, NotificationPreferences,
};
use latchkey::domain::request::{AccessWindow, ApprovalInput, NewRequest, Target, Terms};
use latchkey::domain::settings::WorkspaceSettings;
use latchkey::domain::{EntryId, NotificationId, PermissionSetId, RequestId, Span, Timestamp};
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::demo::DEMO_PASSWORD;
use latchkey::service::{ServiceError, Session, Workspace};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Barrier;
use tempfile::TempDir;

const MS: Span = Span(1);

/// The demo's people, signed in.
struct People {
    admin: Session,
    alice: Session,
    bob: Session,
    carol: Session,
}

impl People {
    fn all(&self) -> [(&'static str, &Session); 4] {
        [
            ("admin", &self.admin),
            ("alice", &self.alice),
            ("bob", &self.bob),
            ("carol", &self.carol),
        ]
    }
}

/// The demo workspace in a file, one window's `Workspace` on it, and a
/// fresh Production entry nobody has asked for yet. Every notification the
/// demo wrote has been claimed, as a first start would, so each test sees
/// only its own.
struct Fx {
    _dir: TempDir,
    path: PathBuf,
    keyring: MemoryKeyring,
    ws: Workspace,
    clock: FixedClock,
    entry: EntryId,
    reader: PermissionSetId,
}

fn setup() -> (Fx, People) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("notifications.latchkey");
    let keyring = MemoryKeyring::default();
    demo_file(&path, &keyring);
    let mut ws = open_file(&path, &keyring);
    let now = T0 + Span::mins(1);
    let mut sign_in = |name: &str| ws.sign_in(name, DEMO_PASSWORD, now).unwrap();
    let p = People {
        admin: sign_in("admin"),
        alice: sign_in("alice"),
        bob: sign_in("bob"),
        carol: sign_in("carol"),
    };
    let production = ws
        .vaults(&p.admin, now)
        .unwrap()
        .into_iter()
        .find(|v| v.name == "Production")
        .unwrap()
        .id;
    let draft = NewEntry {
        name: "notify-01".into(),
        host: "notify-01.example.com".into(),
        ..NewEntry::default()
    };
    let entry = ws
        .add_entry(
            &p.admin,
            production,
            EntryKind::Ssh,
            &draft,
            Some("demo-secret-notify"),
            now,
        )
        .unwrap();
    let reader = ws
        .permission_sets(now)
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Reader")
        .unwrap()
        .id;
    for (_, who) in p.all() {
        let backlog = ws.desktop_backlog(who, usize::MAX, now).unwrap();
        let ids: Vec<NotificationId> = backlog.oldest.iter().map(|n| n.id).collect();
        assert_eq!(ids.len(), backlog.total);
        assert_eq!(ws.claim_notifications_shown(who, &ids, now).unwrap(), ids);
    }
    let fx = Fx {
        _dir: dir,
        path,
        keyring,
        ws,
        clock: FixedClock::new(now),
        entry,
        reader,
    };
    (fx, p)
}

impl Fx {
    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Another window on the same file.
    fn second_window(&self) -> Workspace {
        open_file(&self.path, &self.keyring)
    }

    fn set_lead(&mut self, p: &People, lead_mins: u32) {
        let now = self.now();
        let settings = WorkspaceSettings {
            expiring_soon_lead_mins: lead_mins,
            ..self.ws.settings(now).unwrap()
        };
        self.ws.update_settings(&p.admin, &settings, now).unwrap();
    }

    /// Alice asks Bob for `mins` minutes of Reader on the fixture's entry, now.
    fn ask(&mut self, p: &People, mins: u32) -> RequestId {
        let draft = NewRequest {
            target: Target::Entry(self.entry),
            terms: Terms {
                permission_set_id: self.reader,
                window: AccessWindow::Duration { mins },
            },
            approver_id: Some(p.bob.user_id()),
            message: "Rotate the keys".into(),
            start_on_first_use: false,
            extends_request_id: None,
        };
        let now = self.now();
        self.ws.request_access(&p.alice, &draft, now).unwrap()
    }

    fn approve(&mut self, who: &Session, id: RequestId, terms: Option<Terms>) {
        let now = self.now();
        let input = ApprovalInput {
            terms,
            message: String::new(),
        };
        self.ws.approve(who, id, &input, now).unwrap();
    }

    /// Asks and has Bob approve at once: a grant of `mins` from now.
    fn grant(&mut self, p: &People, mins: u32) -> RequestId {
        let id = self.ask(p, mins);
        self.approve(&p.bob, id, None);
        id
    }

    fn tick(&mut self) {
        let now = self.now();
        self.ws.tick(now).unwrap();
    }

    /// `who`'s notifications about `id`, oldest first, by kind.
    fn kinds(&mut self, who: &Session, id: RequestId) -> Vec<NotificationKind> {
        kinds_in(&mut self.ws, who, id, self.clock.now())
    }

    /// Everyone's notifications about `id`, by user name.
    fn recipients(
        &mut self,
        p: &People,
        id: RequestId,
    ) -> Vec<(&'static str, Vec<NotificationKind>)> {
        p.all()
            .into_iter()
            .map(|(name, who)| (name, self.kinds(who, id)))
            .filter(|(_, kinds)| !kinds.is_empty())
            .collect()
    }

    fn facts(&mut self, who: &Session, id: RequestId, kind: NotificationKind) -> NotificationFacts {
        let now = self.now();
        let n = self
            .ws
            .notifications(who, 1_000, now)
            .unwrap()
            .into_iter()
            .find(|n| n.request_id == id && n.kind == kind)
            .unwrap();
        match n.content {
            NotificationContent::Facts(facts) => facts,
            NotificationContent::Legacy { .. } => panic!("new notifications are facts"),
        }
    }

    fn ids_about(&mut self, who: &Session, id: RequestId) -> Vec<NotificationId> {
        let now = self.now();
        let mut ids: Vec<NotificationId> = self
            .ws
            .notifications(who, 1_000, now)
            .unwrap()
            .into_iter()
            .filter(|n| n.request_id == id)
            .map(|n| n.id)
            .collect();
        ids.reverse();
        ids
    }

    /// Every audit event's action and details, read through another connection.
    fn audit(&self) -> Vec<(String, serde_json::Value)> {
        let mut store = SqliteStore::open(&self.path).unwrap();
        let mut tx = store.begin(TxMode::Read).unwrap();
        tx.audit_events_after(0, 1_000_000)
            .unwrap()
            .into_iter()
            .map(|e| (e.action, serde_json::from_str(&e.details).unwrap()))
            .collect()
    }
}

fn kinds_in(
    ws: &mut Workspace,
    who: &Session,
    id: RequestId,
    now: Timestamp,
) -> Vec<NotificationKind> {
    let mut kinds: Vec<NotificationKind> = ws
        .notifications(who, 1_000, now)
        .unwrap()
        .into_iter()
        .filter(|n| n.request_id == id)
        .map(|n| n.kind)
        .collect();
    kinds.reverse();
    kinds
}

/// R-NOT-1, R-APP-7: each event tells exactly the people it concerns, once:
/// a request its chosen approver and the administrators, never the
/// requester; every outcome the requester only.
#[test]
fn each_event_tells_the_right_people_once() {
    use NotificationKind::{
        Approved, Denied, Expired, ExpiringSoon, Lapsed, RequestSubmitted, Revoked,
    };
    let (mut fx, p) = setup();
    fx.set_lead(&p, 60);
    let submitted = || vec![RequestSubmitted];

    // Submitted, then approved as asked.
    let approved = fx.ask(&p, 60);
    assert_eq!(
        fx.recipients(&p, approved),
        [("admin", submitted()), ("bob", submitted())]
    );
    fx.approve(&p.bob, approved, None);
    assert_eq!(
        fx.recipients(&p, approved),
        [
            ("admin", submitted()),
            ("alice", vec![Approved]),
            ("bob", submitted())
        ]
    );
    // Revoked by someone else (the approver).
    let now = fx.now();
    fx.ws
        .revoke(&p.bob, approved, "Done for today", now)
        .unwrap();
    assert_eq!(fx.kinds(&p.alice, approved), [Approved, Revoked]);
    assert_eq!(fx.kinds(&p.bob, approved), submitted());
    assert!(fx.kinds(&p.carol, approved).is_empty());

    // Approved with changes: one "approved" that says so.
    let changed = fx.ask(&p, 120);
    let shorter = Terms {
        permission_set_id: fx.reader,
        window: AccessWindow::Duration { mins: 30 },
    };
    fx.approve(&p.carol, changed, Some(shorter));
    assert_eq!(
        fx.recipients(&p, changed),
        [
            ("admin", submitted()),
            ("alice", vec![Approved]),
            ("bob", submitted())
        ]
    );
    assert!(matches!(
        fx.facts(&p.alice, changed, Approved),
        NotificationFacts::Approved { modified: true, .. }
    ));
    // Expiring soon at end − min(60 min, 30 min / 4), expired at the end.
    let end = fx.now() + Span::mins(30);
    fx.clock.set(end - Span::secs(450));
    fx.tick();
    fx.clock.set(end);
    fx.tick();
    assert_eq!(
        fx.recipients(&p, changed),
        [
            ("admin", submitted()),
            ("alice", vec![Approved, ExpiringSoon, Expired]),
            ("bob", submitted())
        ]
    );

    // Denied, with the reason.
    let denied = fx.ask(&p, 60);
    let now = fx.now();
    fx.ws
        .deny(&p.admin, denied, "Not during the freeze", now)
        .unwrap();
    assert_eq!(
        fx.recipients(&p, denied),
        [
            ("admin", submitted()),
            ("alice", vec![Denied]),
            ("bob", submitted())
        ]
    );
    assert!(matches!(
        fx.facts(&p.alice, denied, Denied),
        NotificationFacts::Denied { reason, .. } if reason == "Not during the freeze"
    ));

    // Lapsed undecided at the end of its time to wait.
    let ttl = Span::mins(i64::from(
        fx.ws.settings(fx.now()).unwrap().pending_ttl_mins,
    ));
    let lapsed = fx.ask(&p, 60);
    fx.clock.set(fx.now() + ttl);
    fx.tick();
    fx.tick();
    assert_eq!(
        fx.recipients(&p, lapsed),
        [
            ("admin", submitted()),
            ("alice", vec![Lapsed]),
            ("bob", submitted())
        ]
    );
}

/// R-BEY-1, R-TIME-2: "expiring soon" comes at exactly end − min(lead,
/// length / 4) — nothing a millisecond before, one row at that instant,
/// none more on later ticks — and "expired" exactly at the end.
#[test]
fn expiring_soon_and_expired_come_at_their_exact_instants() {
    // (lead in minutes, grant in minutes, warning before the end)
    let cases = [
        (60, 2, Span::secs(30)), // a quarter of 2 min is less than the lead
        (5, 480, Span::mins(5)), // the short lead is less than 8 h / 4
    ];
    for (lead, mins, warn_before) in cases {
        let (mut fx, p) = setup();
        fx.set_lead(&p, lead);
        let id = fx.grant(&p, mins);
        let end = fx.now() + Span::mins(i64::from(mins));
        let soon = end - warn_before;
        let case = format!("{mins} min grant, {lead} min lead");
        assert_eq!(
            fx.ws.next_tick_at(fx.now()).unwrap().map(|t| t <= soon),
            Some(true)
        );

        fx.clock.set(soon - MS);
        fx.tick();
        assert_eq!(
            fx.kinds(&p.alice, id),
            [NotificationKind::Approved],
            "{case}"
        );
        fx.clock.set(soon);
        fx.tick();
        let warned = [NotificationKind::Approved, NotificationKind::ExpiringSoon];
        assert_eq!(fx.kinds(&p.alice, id), warned, "{case}");
        assert!(matches!(
            fx.facts(&p.alice, id, NotificationKind::ExpiringSoon),
            NotificationFacts::ExpiringSoon { end_at, left, .. } if end_at == end && left == warn_before
        ));
        for later in [soon + MS, end - MS] {
            fx.clock.set(later);
            fx.tick();
            assert_eq!(fx.kinds(&p.alice, id), warned, "{case}: once");
        }
        fx.clock.set(end);
        fx.tick();
        fx.tick();
        assert_eq!(
            fx.kinds(&p.alice, id),
            [
                NotificationKind::Approved,
                NotificationKind::ExpiringSoon,
                NotificationKind::Expired
            ],
            "{case}"
        );
        assert_eq!(
            fx.kinds(&p.bob, id),
            [NotificationKind::RequestSubmitted],
            "{case}"
        );
    }
}

/// R-NOT-2: two windows of the same user on one workspace file, ticking and
/// claiming at the same moment, write each notification once and show it
/// once: one claim wins, and a batch claim splits the ids between them.
#[test]
fn two_windows_of_one_user_tell_and_show_each_notification_once() {
    let (mut fx, p) = setup();
    fx.set_lead(&p, 60);
    let grants: Vec<RequestId> = (0..3)
        .map(|i| {
            fx.clock.set(fx.now() + Span::mins(i));
            fx.grant(&p, 4)
        })
        .collect();
    let mut windows = [fx.second_window(), fx.second_window()];
    let barrier = Barrier::new(2);

    // Both tick at each warning and each end: each is written once.
    let mut instants = BTreeSet::new();
    for id in &grants {
        let end = fx
            .ws
            .request(&p.alice, *id, fx.now())
            .unwrap()
            .grant_end_at
            .unwrap();
        instants.extend([end - Span::mins(1), end]);
    }
    let last_end = *instants.last().unwrap();
    for at in instants {
        std::thread::scope(|s| {
            for ws in &mut windows {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    ws.tick(at).unwrap();
                });
            }
        });
    }
    fx.clock.set(last_end);
    for id in &grants {
        assert_eq!(
            fx.kinds(&p.alice, *id),
            [
                NotificationKind::Approved,
                NotificationKind::ExpiringSoon,
                NotificationKind::Expired
            ]
        );
    }
    let ids: Vec<NotificationId> = grants
        .iter()
        .flat_map(|id| fx.ids_about(&p.alice, *id))
        .collect();
    assert_eq!(ids.len(), 9);

    // One claim at a time: exactly one window wins each.
    let now = fx.now();
    for &id in &ids[..3] {
        let won: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = windows
                .iter_mut()
                .map(|ws| {
                    let barrier = &barrier;
                    let alice = &p.alice;
                    s.spawn(move || {
                        barrier.wait();
                        ws.claim_notification_shown(alice, id, now).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    }

    // The rest in one batch each: disjoint, and together all of them.
    let rest = &ids[3..];
    let claimed: Vec<Vec<NotificationId>> = std::thread::scope(|s| {
        let handles: Vec<_> = windows
            .iter_mut()
            .map(|ws| {
                let barrier = &barrier;
                let alice = &p.alice;
                s.spawn(move || {
                    barrier.wait();
                    ws.claim_notifications_shown(alice, rest, now).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first: BTreeSet<NotificationId> = claimed[0].iter().copied().collect();
    let second: BTreeSet<NotificationId> = claimed[1].iter().copied().collect();
    assert!(first.is_disjoint(&second), "{claimed:?}");
    let all: BTreeSet<NotificationId> = rest.iter().copied().collect();
    assert_eq!(&first | &second, all);
    assert_eq!(fx.ws.desktop_backlog(&p.alice, 10, now).unwrap().total, 0);
}

/// R-NOT-2: what fell due while no window was open is in the backlog at the
/// next start, oldest first with the total (for one summary); what a window
/// already showed is not.
#[test]
fn unclaimed_notifications_come_back_after_a_restart() {
    let (mut fx, p) = setup();
    fx.set_lead(&p, 60);
    let id = fx.grant(&p, 8);
    let shown = fx.ids_about(&p.alice, id)[0];
    let now = fx.now();
    assert!(
        fx.ws
            .claim_notification_shown(&p.alice, shown, now)
            .unwrap()
    );
    // The window closes; the grant is warned about and ends meanwhile, and
    // five more requests are denied.
    let end = now + Span::mins(8);
    fx.clock.set(end);
    let mut closed = fx.second_window();
    closed.tick(end - Span::mins(2)).unwrap();
    closed.tick(end).unwrap();
    let mut denied = Vec::new();
    for _ in 0..5 {
        let id = fx.ask(&p, 30);
        closed.deny(&p.bob, id, "No", end).unwrap();
        denied.push(id);
    }
    drop(closed);
    let reopened = fx.second_window();
    drop(std::mem::replace(&mut fx.ws, reopened));

    let backlog = fx.ws.desktop_backlog(&p.alice, 3, end).unwrap();
    assert_eq!(backlog.total, 7);
    assert_eq!(
        backlog.oldest.iter().map(|n| n.kind).collect::<Vec<_>>(),
        [
            NotificationKind::ExpiringSoon,
            NotificationKind::Expired,
            NotificationKind::Denied
        ],
        "oldest first, the one already shown left out"
    );
    assert!(backlog.oldest.iter().all(|n| n.id != shown));
    let all = fx.ws.desktop_backlog(&p.alice, 100, end).unwrap();
    let ids: Vec<NotificationId> = all.oldest.iter().map(|n| n.id).collect();
    assert_eq!(ids.len(), 7);
    assert_eq!(
        fx.ws
            .claim_notifications_shown(&p.alice, &ids, end)
            .unwrap(),
        ids
    );
    let reopened = fx.second_window();
    drop(std::mem::replace(&mut fx.ws, reopened));
    let after = fx.ws.desktop_backlog(&p.alice, 100, end).unwrap();
    assert_eq!((after.oldest.len(), after.total), (0, 0));
}

/// R-BEY-7: when another approver decides, the notification a window showed
/// on the desktop (it has a desktop id) is announced as handled, once; one
/// never shown on the desktop is not, and the decider has nothing to announce.
#[test]
fn handled_elsewhere_is_announced_once_where_it_was_shown() {
    let (mut fx, p) = setup();
    let id = fx.ask(&p, 60);
    let now = fx.now();
    let bobs = fx.ids_about(&p.bob, id)[0];
    assert_eq!(fx.ids_about(&p.admin, id).len(), 1);
    assert!(fx.ws.claim_notification_shown(&p.bob, bobs, now).unwrap());
    fx.ws.record_desktop_id(&p.bob, bobs, 7, now).unwrap();
    assert!(
        fx.ws.handled_to_announce(&p.bob, now).unwrap().is_empty(),
        "not yet handled"
    );
    assert!(
        !fx.ws.claim_handled_shown(&p.bob, bobs, now).unwrap(),
        "not yet handled"
    );

    // Carol, Bob's colleague, decides.
    fx.approve(&p.carol, id, None);
    let announce = fx.ws.handled_to_announce(&p.bob, now).unwrap();
    assert_eq!(announce.len(), 1);
    assert_eq!((announce[0].id, announce[0].desktop_id), (bobs, Some(7)));
    assert!(announce[0].handled.is_some());
    assert!(
        fx.ws.handled_to_announce(&p.admin, now).unwrap().is_empty(),
        "never on a desktop"
    );
    assert!(fx.ws.handled_to_announce(&p.carol, now).unwrap().is_empty());

    let mut other = fx.second_window();
    let claims = [
        fx.ws.claim_handled_shown(&p.bob, bobs, now).unwrap(),
        other.claim_handled_shown(&p.bob, bobs, now).unwrap(),
    ];
    assert_eq!(claims, [true, false]);
    assert!(other.handled_to_announce(&p.bob, now).unwrap().is_empty());
    let stored = fx
        .ws
        .notifications(&p.bob, 1_000, now)
        .unwrap()
        .into_iter()
        .find(|n| n.id == bobs)
        .unwrap();
    assert_eq!(stored.handled_shown_at, Some(now));
}

/// Issue 13: one desktop switch per kind, on until switched off, kept with
/// the user in the workspace (another user's are their own), every change
/// audited with the value before and after.
#[test]
fn desktop_preferences_are_per_user_and_audited() {
    let (mut fx, p) = setup();
    let now = fx.now();
    let defaults = fx.ws.notification_preferences(&p.alice, now).unwrap();
    assert_eq!(defaults, NotificationPreferences::default());
    assert!(
        NotificationKind::ALL
            .iter()
            .all(|k| defaults.shows_on_desktop(*k))
    );

    let before = fx.audit().len();
    fx.ws
        .set_notification_preference(&p.alice, NotificationKind::ExpiringSoon, false, now)
        .unwrap();
    let mut other = fx.second_window();
    let prefs = other.notification_preferences(&p.alice, now).unwrap();
    assert!(!prefs.shows_on_desktop(NotificationKind::ExpiringSoon));
    assert!(prefs.shows_on_desktop(NotificationKind::Expired));
    assert_eq!(
        fx.ws.notification_preferences(&p.bob, now).unwrap(),
        NotificationPreferences::default(),
        "Bob's are his own"
    );
    // Setting what it already is changes nothing and records nothing.
    fx.ws
        .set_notification_preference(&p.alice, NotificationKind::ExpiringSoon, false, now)
        .unwrap();
    fx.ws
        .set_notification_preference(&p.alice, NotificationKind::ExpiringSoon, true, now)
        .unwrap();
    assert_eq!(
        fx.ws.notification_preferences(&p.alice, now).unwrap(),
        NotificationPreferences::default()
    );

    let events: Vec<_> = fx.audit().split_off(before);
    assert_eq!(events.len(), 2, "{events:?}");
    for ((action, details), (was, is)) in events.iter().zip([(true, false), (false, true)]) {
        assert_eq!(action, "notification_preference_changed");
        assert_eq!(details["kind"], "expiring_soon");
        assert_eq!(
            (details["before"].as_bool(), details["after"].as_bool()),
            (Some(was), Some(is))
        );
    }
}

/// The bell: the unread count, marking one and all read; another user's
/// notification cannot be read, claimed or given a desktop id.
#[test]
fn unread_count_and_mark_all_read_act_on_ones_own() {
    let (mut fx, p) = setup();
    let now = fx.now();
    let base = fx.ws.unread_notification_count(&p.alice, now).unwrap();
    fx.ws.mark_all_notifications_read(&p.alice, now).unwrap();
    assert_eq!(
        fx.ws.unread_notification_count(&p.alice, now).unwrap(),
        0,
        "{base} from the demo"
    );

    let ids: Vec<RequestId> = (0..3)
        .map(|_| {
            let id = fx.ask(&p, 30);
            let now = fx.now();
            fx.ws.deny(&p.bob, id, "No", now).unwrap();
            id
        })
        .collect();
    assert_eq!(fx.ws.unread_notification_count(&p.alice, now).unwrap(), 3);
    let first = fx.ids_about(&p.alice, ids[0])[0];
    assert!(fx.ws.mark_notification_read(&p.alice, first, now).unwrap());
    assert_eq!(fx.ws.unread_notification_count(&p.alice, now).unwrap(), 2);

    // Another user's id: refused, and nothing changes.
    let bobs_unread = fx.ws.unread_notification_count(&p.bob, now).unwrap();
    let second = fx.ids_about(&p.alice, ids[1])[0];
    assert!(!fx.ws.mark_notification_read(&p.bob, second, now).unwrap());
    assert!(!fx.ws.claim_notification_shown(&p.bob, second, now).unwrap());
    assert!(
        fx.ws
            .claim_notifications_shown(&p.bob, &[second], now)
            .unwrap()
            .is_empty()
    );
    fx.ws.record_desktop_id(&p.bob, second, 9, now).unwrap();
    assert!(!fx.ws.claim_handled_shown(&p.bob, second, now).unwrap());
    let alices = fx.ws.notifications(&p.alice, 1_000, now).unwrap();
    let untouched = alices.iter().find(|n| n.id == second).unwrap();
    assert_eq!(
        (untouched.read_at, untouched.shown_at, untouched.desktop_id),
        (None, None, None)
    );
    assert_eq!(fx.ws.unread_notification_count(&p.alice, now).unwrap(), 2);

    assert_eq!(fx.ws.mark_all_notifications_read(&p.alice, now).unwrap(), 2);
    assert_eq!(fx.ws.unread_notification_count(&p.alice, now).unwrap(), 0);
    assert_eq!(fx.ws.mark_all_notifications_read(&p.alice, now).unwrap(), 0);
    assert_eq!(
        fx.ws.unread_notification_count(&p.bob, now).unwrap(),
        bobs_unread,
        "Bob's stay unread"
    );
}

/// A disabled user's window can no longer mark or claim anything.
#[test]
fn a_disabled_user_cannot_claim_or_mark() {
    let (mut fx, p) = setup();
    let id = fx.ask(&p, 30);
    let now = fx.now();
    let bobs = fx.ids_about(&p.bob, id)[0];
    rusqlite::Connection::open(&fx.path)
        .unwrap()
        .execute(
            "UPDATE users SET is_active = 0 WHERE id = ?1",
            [p.bob.user_id().0],
        )
        .unwrap();
    let refused = |r: Result<bool, ServiceError>| matches!(r, Err(ServiceError::NotFound(_)));
    assert!(refused(fx.ws.claim_notification_shown(&p.bob, bobs, now)));
    assert!(refused(fx.ws.mark_notification_read(&p.bob, bobs, now)));
    assert!(fx.ws.mark_all_notifications_read(&p.bob, now).is_err());
    assert!(
        fx.ws
            .claim_notifications_shown(&p.bob, &[bobs], now)
            .is_err()
    );
    assert!(
        fx.ws
            .set_notification_preference(&p.bob, NotificationKind::Denied, false, now)
            .is_err()
    );
    assert_eq!(
        fx.ws.desktop_backlog(&p.bob, 10, now).unwrap().total,
        1,
        "nothing claimed"
    );
}
