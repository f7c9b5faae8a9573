//! Desktop notifications (R-NOT-1, R-NOT-3): a [`Notifier`] shows a
//! notification on the desktop, reports what the notification server can do,
//! and says once when notifications are unavailable and why.
//! [`DesktopNotifier`] talks to the freedesktop notification server through
//! notify-rust; [`MemoryNotifier`] records what it was asked (tests).
//!
//! Invariants: nothing here blocks the caller. The session bus is only ever
//! used from the `desktop-notify` thread, and a notification's actions are
//! waited for on at most [`ACTION_WAITERS`] threads, each for at most
//! [`ACTION_WAIT_LIMIT`], so a server that never answers cannot pile up
//! threads. An action key says only which action was invoked: any client of
//! the session bus can send one, so the caller must do nothing with it beyond
//! bringing the window forward.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The application name the notification server shows.
const APP_NAME: &str = "Latchkey";

/// How many notifications' actions may be waited for at once.
pub const ACTION_WAITERS: usize = 4;

/// How long one notification's actions are waited for; after that the
/// notification can still be read but its buttons do nothing (the in-app
/// list still leads to the request).
pub const ACTION_WAIT_LIMIT: Duration = Duration::from_mins(30);

/// One button on a notification. The key `"default"` is the notification's
/// default action (a click on its body, or `dunstctl action`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationAction {
    pub key: String,
    pub label: String,
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopNotification {
    /// The caller's own name for it (e.g. its stored row), carried back in
    /// every [`NotifierEvent`] about it.
    pub tag: i64,
    pub summary: String,
    pub body: String,
    /// Shown only where the server has the `actions` capability.
    pub actions: Vec<NotificationAction>,
    /// The server's id of a notification this one replaces (R-BEY-7).
    pub replaces: Option<u32>,
}

/// What the notification server can do, from `GetCapabilities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// It shows action buttons (else the text says where to go instead).
    pub actions: bool,
    /// It shows a body text.
    pub body: bool,
    /// It keeps notifications until the person dismisses them.
    pub persistence: bool,
}

impl Capabilities {
    /// A server that shows bodies and buttons and keeps notifications.
    pub const ALL: Capabilities = Capabilities {
        actions: true,
        body: true,
        persistence: true,
    };

    /// The capabilities named in a `GetCapabilities` answer.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Capabilities {
        let has = |wanted: &str| names.iter().any(|name| name.as_ref() == wanted);
        Capabilities {
            actions: has("actions"),
            body: has("body"),
            persistence: has("persistence"),
        }
    }
}

/// Whether notifications can be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Not known yet (the server has not answered).
    Unknown,
    Available(Capabilities),
    /// No session bus or no notification server; why, for people.
    Unavailable(String),
}

/// What happened to a notification after [`Notifier::show`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifierEvent {
    /// The server shows it under `server_id`; `watching` says whether its
    /// actions are being waited for.
    Shown {
        tag: i64,
        server_id: u32,
        watching: bool,
    },
    /// The person invoked the action `key` (`"default"` for the default).
    Action { tag: i64, key: String },
    /// It was closed or expired before any action.
    Closed { tag: i64 },
    /// It could not be shown.
    Failed { tag: i64, reason: String },
}

/// Shows desktop notifications without blocking the caller.
pub trait Notifier: Send + Sync {
    /// Queues `notification` for showing; returns at once. Dropped quietly
    /// while notifications are unavailable.
    fn show(&self, notification: DesktopNotification);
    /// Whether notifications can be shown, and what the server can do.
    fn availability(&self) -> Availability;
    /// Why notifications are unavailable, the first time that is known; then
    /// `None` for ever, so the status bar says it once.
    fn take_unavailable_notice(&self) -> Option<String>;
    /// What happened since the last call.
    fn drain_events(&self) -> Vec<NotifierEvent>;
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// At most `capacity` threads waiting at once; a slot is given back when the
/// wait ends, however it ends (panics included).
#[derive(Debug, Clone)]
pub struct ActionWaiters {
    capacity: usize,
    busy: Arc<AtomicUsize>,
}

/// Gives a waiter slot back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl ActionWaiters {
    pub fn new(capacity: usize) -> ActionWaiters {
        ActionWaiters {
            capacity,
            busy: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Threads waiting now.
    pub fn busy(&self) -> usize {
        self.busy.load(Ordering::Acquire)
    }

    /// Runs `wait` on a new thread if a slot is free, and returns whether it
    /// did; `wait` is dropped unrun otherwise.
    pub fn try_spawn(&self, wait: impl FnOnce() + Send + 'static) -> bool {
        let taken = self
            .busy
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |busy| {
                (busy < self.capacity).then_some(busy + 1)
            });
        if taken.is_err() {
            return false;
        }
        let slot = Slot(Arc::clone(&self.busy));
        std::thread::Builder::new()
            .name("notify-action".into())
            .spawn(move || {
                let _slot = slot;
                wait();
            })
            .is_ok()
    }
}

/// Where the `desktop-notify` thread and the waiters report to.
#[derive(Clone)]
struct Reporter {
    events: Sender<NotifierEvent>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Reporter {
    fn send(&self, event: NotifierEvent) {
        if self.events.send(event).is_ok() {
            (self.wake)();
        }
    }
}

/// Notifications through the desktop's notification server
/// (`org.freedesktop.Notifications` on the session bus).
pub struct DesktopNotifier {
    commands: Sender<DesktopNotification>,
    events: Mutex<Receiver<NotifierEvent>>,
    availability: Arc<Mutex<Availability>>,
    notice_given: AtomicBool,
}

impl DesktopNotifier {
    /// Starts the `desktop-notify` thread, which asks the server for its
    /// capabilities and then shows what it is given. `wake` is called after
    /// each event and once the availability is known (to repaint the window).
    pub fn start(wake: impl Fn() + Send + Sync + 'static) -> DesktopNotifier {
        let (commands, queue) = channel::<DesktopNotification>();
        let (events_in, events) = channel();
        let availability = Arc::new(Mutex::new(Availability::Unknown));
        let reporter = Reporter {
            events: events_in,
            wake: Arc::new(wake),
        };
        let shared = Arc::clone(&availability);
        let spawned = std::thread::Builder::new()
            .name("desktop-notify".into())
            .spawn(move || serve(&queue, &shared, &reporter));
        if let Err(error) = spawned {
            *lock(&availability) =
                Availability::Unavailable(format!("could not start a thread: {error}"));
        }
        DesktopNotifier {
            commands,
            events: Mutex::new(events),
            availability,
            notice_given: AtomicBool::new(false),
        }
    }
}

/// The `desktop-notify` thread: probe the server, then show each queued
/// notification until the notifier is dropped.
fn serve(
    queue: &Receiver<DesktopNotification>,
    availability: &Mutex<Availability>,
    reporter: &Reporter,
) {
    let probed = match notify_rust::get_capabilities() {
        Ok(names) => Availability::Available(Capabilities::from_names(&names)),
        Err(error) => Availability::Unavailable(unavailable_reason(&error.to_string())),
    };
    *lock(availability) = probed.clone();
    (reporter.wake)();
    let waiters = ActionWaiters::new(ACTION_WAITERS);
    while let Ok(notification) = queue.recv() {
        match &probed {
            Availability::Available(capabilities) => {
                show_now(&notification, *capabilities, &waiters, reporter);
            }
            Availability::Unknown | Availability::Unavailable(_) => {}
        }
    }
}

/// Words for people from a bus error.
fn unavailable_reason(error: &str) -> String {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        format!("no desktop session bus ({error})")
    } else {
        format!("no notification server answered ({error})")
    }
}

fn show_now(
    notification: &DesktopNotification,
    capabilities: Capabilities,
    waiters: &ActionWaiters,
    reporter: &Reporter,
) {
    let tag = notification.tag;
    let mut built = notify_rust::Notification::new();
    built
        .appname(APP_NAME)
        .summary(&notification.summary)
        .body(&notification.body);
    let with_actions = capabilities.actions && !notification.actions.is_empty();
    if with_actions {
        for action in &notification.actions {
            built.action(&action.key, &action.label);
        }
    }
    if let Some(id) = notification.replaces {
        built.id(id);
    }
    let handle = match built.show() {
        Ok(handle) => handle,
        Err(error) => {
            reporter.send(NotifierEvent::Failed {
                tag,
                reason: error.to_string(),
            });
            return;
        }
    };
    let server_id = handle.id();
    let watching = with_actions && {
        let reporter = reporter.clone();
        waiters.try_spawn(move || {
            if let Some(event) = wait_for_action(&handle, tag, ACTION_WAIT_LIMIT) {
                reporter.send(event);
            }
        })
    };
    reporter.send(NotifierEvent::Shown {
        tag,
        server_id,
        watching,
    });
}

/// Waits until the notification's action is invoked or it is closed, for
/// at most `limit`; `None` if nothing happened in time.
fn wait_for_action(
    handle: &notify_rust::NotificationHandle,
    tag: i64,
    limit: Duration,
) -> Option<NotifierEvent> {
    let answered = async {
        let mut event = None;
        handle
            .wait_for_action_async(|response| {
                event = Some(match response {
                    notify_rust::NotificationResponse::Default => NotifierEvent::Action {
                        tag,
                        key: "default".to_owned(),
                    },
                    notify_rust::NotificationResponse::Action(key) => NotifierEvent::Action {
                        tag,
                        key: key.clone(),
                    },
                    _ => NotifierEvent::Closed { tag },
                });
            })
            .await;
        event
    };
    let timed_out = async {
        async_io::Timer::after(limit).await;
        None
    };
    async_io::block_on(futures_lite::future::or(answered, timed_out))
}

impl Notifier for DesktopNotifier {
    fn show(&self, notification: DesktopNotification) {
        // The thread is gone only if it could not start: nothing to show on.
        let _ = self.commands.send(notification);
    }

    fn availability(&self) -> Availability {
        lock(&self.availability).clone()
    }

    fn take_unavailable_notice(&self) -> Option<String> {
        if self.notice_given.load(Ordering::Acquire) {
            return None;
        }
        match self.availability() {
            Availability::Unavailable(reason) => {
                self.notice_given.store(true, Ordering::Release);
                Some(reason)
            }
            Availability::Unknown | Availability::Available(_) => None,
        }
    }

    fn drain_events(&self) -> Vec<NotifierEvent> {
        lock(&self.events).try_iter().collect()
    }
}

/// What a [`MemoryNotifier`] holds; shared by its clones.
#[derive(Debug)]
struct MemoryState {
    availability: Availability,
    shown: Vec<DesktopNotification>,
    pending: Vec<NotifierEvent>,
    notice_given: bool,
    next_id: u32,
}

/// Records what it is asked to show (tests). Clones share one record, so a
/// test keeps a clone to look at what the application showed and to play
/// the person invoking an action.
#[derive(Debug, Clone)]
pub struct MemoryNotifier {
    state: Arc<Mutex<MemoryState>>,
}

impl MemoryNotifier {
    /// A notifier whose server has `capabilities`.
    pub fn available(capabilities: Capabilities) -> MemoryNotifier {
        MemoryNotifier::with(Availability::Available(capabilities))
    }

    /// A notifier with no server, for `reason`.
    pub fn unavailable(reason: &str) -> MemoryNotifier {
        MemoryNotifier::with(Availability::Unavailable(reason.to_owned()))
    }

    fn with(availability: Availability) -> MemoryNotifier {
        MemoryNotifier {
            state: Arc::new(Mutex::new(MemoryState {
                availability,
                shown: Vec::new(),
                pending: Vec::new(),
                notice_given: false,
                next_id: 1,
            })),
        }
    }

    /// Everything shown so far, in order (replacements included).
    pub fn shown(&self) -> Vec<DesktopNotification> {
        lock(&self.state).shown.clone()
    }

    /// Plays the person invoking `key` on the notification tagged `tag`.
    pub fn invoke(&self, tag: i64, key: &str) {
        lock(&self.state).pending.push(NotifierEvent::Action {
            tag,
            key: key.to_owned(),
        });
    }
}

impl Notifier for MemoryNotifier {
    fn show(&self, mut notification: DesktopNotification) {
        let mut state = lock(&self.state);
        let Availability::Available(capabilities) = state.availability else {
            return;
        };
        if !capabilities.actions {
            notification.actions.clear();
        }
        let server_id = notification.replaces.unwrap_or_else(|| {
            let id = state.next_id;
            state.next_id += 1;
            id
        });
        state.pending.push(NotifierEvent::Shown {
            tag: notification.tag,
            server_id,
            watching: !notification.actions.is_empty(),
        });
        state.shown.push(notification);
    }

    fn availability(&self) -> Availability {
        lock(&self.state).availability.clone()
    }

    fn take_unavailable_notice(&self) -> Option<String> {
        let mut state = lock(&self.state);
        if state.notice_given {
            return None;
        }
        match state.availability.clone() {
            Availability::Unavailable(reason) => {
                state.notice_given = true;
                Some(reason)
            }
            Availability::Unknown | Availability::Available(_) => None,
        }
    }

    fn drain_events(&self) -> Vec<NotifierEvent> {
        std::mem::take(&mut lock(&self.state).pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;
    use std::time::Instant;

    fn note(tag: i64, actions: &[(&str, &str)], replaces: Option<u32>) -> DesktopNotification {
        DesktopNotification {
            tag,
            summary: format!("summary {tag}"),
            body: format!("body {tag}"),
            actions: actions
                .iter()
                .map(|(key, label)| NotificationAction {
                    key: (*key).to_owned(),
                    label: (*label).to_owned(),
                })
                .collect(),
            replaces,
        }
    }

    const ALL: Capabilities = Capabilities::ALL;

    #[test]
    fn capabilities_are_read_from_the_server_names() {
        let names = ["body", "actions", "icon-static"];
        assert_eq!(
            Capabilities::from_names(&names),
            Capabilities {
                actions: true,
                body: true,
                persistence: false
            }
        );
        assert_eq!(
            Capabilities::from_names::<&str>(&[]),
            Capabilities::default()
        );
    }

    #[test]
    fn memory_notifier_records_shows_and_reports_them() {
        let notifier = MemoryNotifier::available(ALL);
        let seen = notifier.clone();
        notifier.show(note(7, &[("default", "Review")], None));
        notifier.show(note(8, &[], None));
        assert_eq!(seen.shown().len(), 2);
        assert_eq!(
            notifier.drain_events(),
            vec![
                NotifierEvent::Shown {
                    tag: 7,
                    server_id: 1,
                    watching: true
                },
                NotifierEvent::Shown {
                    tag: 8,
                    server_id: 2,
                    watching: false
                },
            ]
        );
        assert!(
            notifier.drain_events().is_empty(),
            "events are drained once"
        );
    }

    #[test]
    fn memory_notifier_replaces_by_server_id() {
        let notifier = MemoryNotifier::available(ALL);
        notifier.show(note(1, &[], None));
        notifier.show(note(2, &[], Some(1)));
        let events = notifier.drain_events();
        assert_eq!(
            events[1],
            NotifierEvent::Shown {
                tag: 2,
                server_id: 1,
                watching: false
            }
        );
        assert_eq!(notifier.shown()[1].replaces, Some(1));
    }

    #[test]
    fn memory_notifier_drops_actions_the_server_cannot_show() {
        let notifier = MemoryNotifier::available(Capabilities {
            actions: false,
            ..ALL
        });
        notifier.show(note(1, &[("default", "Review")], None));
        assert!(notifier.shown()[0].actions.is_empty());
    }

    #[test]
    fn memory_notifier_plays_an_invoked_action() {
        let notifier = MemoryNotifier::available(ALL);
        notifier.show(note(3, &[("default", "Review")], None));
        notifier.drain_events();
        notifier.clone().invoke(3, "default");
        assert_eq!(
            notifier.drain_events(),
            vec![NotifierEvent::Action {
                tag: 3,
                key: "default".to_owned()
            }]
        );
    }

    #[test]
    fn unavailable_is_said_once_and_nothing_is_shown() {
        let notifier = MemoryNotifier::unavailable("no desktop session bus");
        notifier.show(note(1, &[], None));
        assert!(notifier.shown().is_empty());
        assert!(notifier.drain_events().is_empty());
        assert_eq!(
            notifier.take_unavailable_notice().as_deref(),
            Some("no desktop session bus")
        );
        assert_eq!(notifier.take_unavailable_notice(), None);
        assert_eq!(
            MemoryNotifier::available(ALL).take_unavailable_notice(),
            None
        );
    }

    /// Waits until `waiters` has `busy` threads, for at most five seconds.
    fn settle(waiters: &ActionWaiters, busy: usize) {
        let start = Instant::now();
        while waiters.busy() != busy {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{} waiting, expected {busy}",
                waiters.busy()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn action_waiters_never_exceed_their_capacity() {
        let waiters = ActionWaiters::new(2);
        let mut releases = Vec::new();
        for _ in 0..2 {
            let (release, wait) = sync_channel::<()>(0);
            assert!(waiters.try_spawn(move || {
                let _ = wait.recv();
            }));
            releases.push(release);
        }
        assert_eq!(waiters.busy(), 2);
        // A server that never answers: further waits are refused, not queued.
        for _ in 0..10 {
            assert!(!waiters.try_spawn(|| {}));
        }
        assert_eq!(waiters.busy(), 2);
        drop(releases.pop());
        settle(&waiters, 1);
        assert!(waiters.try_spawn(|| {}), "a finished wait frees its slot");
        settle(&waiters, 1);
        drop(releases);
        settle(&waiters, 0);
    }

    #[test]
    fn a_panicking_waiter_gives_its_slot_back() {
        let waiters = ActionWaiters::new(1);
        assert!(waiters.try_spawn(|| panic!("the bus went away")));
        settle(&waiters, 0);
        assert!(waiters.try_spawn(|| {}));
        settle(&waiters, 0);
    }

    /// Whether this machine has a session bus the notifier could reach.
    fn session_bus_present() -> bool {
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
            || std::env::var_os("XDG_RUNTIME_DIR")
                .is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists())
    }

    #[test]
    fn desktop_notifier_without_a_session_bus_says_why_and_does_not_block() {
        if session_bus_present() {
            // This test is about the machine with no desktop session (CI);
            // with one, a real notification would appear.
            return;
        }
        let (woken, wake) = sync_channel::<()>(4);
        let notifier = DesktopNotifier::start(move || {
            let _ = woken.try_send(());
        });
        let start = Instant::now();
        notifier.show(note(1, &[("default", "Review")], None));
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "show returns at once"
        );
        wake.recv_timeout(Duration::from_secs(30))
            .expect("the notifier says when it knows");
        match notifier.availability() {
            Availability::Unavailable(reason) => {
                assert!(reason.contains("session bus"), "{reason}");
                assert_eq!(notifier.take_unavailable_notice(), Some(reason));
                assert_eq!(notifier.take_unavailable_notice(), None);
            }
            other => panic!("expected unavailable, got {other:?}"),
        }
        assert!(notifier.drain_events().is_empty());
    }

    /// Events until `done` says enough, for at most ten seconds.
    fn events_until(
        notifier: &DesktopNotifier,
        done: impl Fn(&[NotifierEvent]) -> bool,
    ) -> Vec<NotifierEvent> {
        let start = Instant::now();
        let mut events = Vec::new();
        while !done(&events) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "still waiting; got {events:?}"
            );
            events.extend(notifier.drain_events());
            std::thread::sleep(Duration::from_millis(20));
        }
        events
    }

    /// Run by hand with a notification server (dunst) on a private bus:
    /// `dbus-run-session -- sh -c 'dunst & sleep 1; cargo test --lib
    /// platform::notifier -- --include-ignored'` (dunst needs `DISPLAY`).
    #[test]
    #[ignore = "needs a session bus with dunst running"]
    fn desktop_notifier_round_trip_through_dunst() {
        let notifier = DesktopNotifier::start(|| {});
        let start = Instant::now();
        while notifier.availability() == Availability::Unknown {
            assert!(start.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(20));
        }
        let Availability::Available(capabilities) = notifier.availability() else {
            panic!("no server: {:?}", notifier.availability());
        };
        assert!(capabilities.actions, "dunst shows actions");

        // The default action, invoked the way a click on it would be.
        notifier.show(note(1, &[("default", "Review")], None));
        events_until(&notifier, |events| !events.is_empty());
        // `Shown` comes before the waiter has subscribed to the server's
        // signals; a person cannot click that fast, this test can.
        std::thread::sleep(Duration::from_millis(500));
        let status = std::process::Command::new("dunstctl")
            .args(["action", "0"])
            .status()
            .expect("dunstctl runs");
        assert!(status.success());
        let events = events_until(&notifier, |events| {
            events
                .iter()
                .any(|event| !matches!(event, NotifierEvent::Shown { .. }))
        });
        assert!(
            events.contains(&NotifierEvent::Action {
                tag: 1,
                key: "default".to_owned()
            }),
            "{events:?}"
        );

        // Replaced in place: the server keeps the id.
        notifier.show(note(2, &[], None));
        let events = events_until(&notifier, |events| !events.is_empty());
        let NotifierEvent::Shown { server_id, .. } = events[0] else {
            panic!("{events:?}");
        };
        notifier.show(note(3, &[], Some(server_id)));
        let events = events_until(&notifier, |events| !events.is_empty());
        assert_eq!(
            events[0],
            NotifierEvent::Shown {
                tag: 3,
                server_id,
                watching: false
            }
        );
    }
}
