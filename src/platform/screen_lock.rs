//! Noticing that the screen locked (issue 14: Latchkey locks itself with
//! the desktop). Desktops announce it on the session bus with an
//! `ActiveChanged(true)` signal of their screen saver interface:
//! `org.freedesktop.ScreenSaver` (KDE Plasma, Xfce, LXQt), `org.gnome.
//! ScreenSaver` (GNOME), and the same from Cinnamon and MATE.
//!
//! Invariant: the bus is only listened to on a background thread; without a
//! session bus, or on a desktop that says nothing, the window relies on its
//! idle lock alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The screen saver interfaces whose `ActiveChanged(true)` means "locked".
const SCREEN_SAVERS: [&str; 4] = [
    "org.freedesktop.ScreenSaver",
    "org.gnome.ScreenSaver",
    "org.cinnamon.ScreenSaver",
    "org.mate.ScreenSaver",
];

/// Whether the screen locked since the window last asked; shared with the
/// thread that listens.
#[derive(Debug, Clone, Default)]
pub struct ScreenLock {
    locked: Arc<AtomicBool>,
}

impl ScreenLock {
    /// A screen lock never heard of (tests, computers without a session bus).
    pub fn silent() -> ScreenLock {
        ScreenLock::default()
    }

    /// Listens on the session bus in the background; `on_lock` is called
    /// when the screen locks (to wake the window).
    pub fn from_session_bus(on_lock: impl Fn() + Send + 'static) -> ScreenLock {
        let lock = ScreenLock::default();
        let shared = lock.clone();
        let spawned = std::thread::Builder::new()
            .name("screen-lock".into())
            .spawn(move || {
                // Nothing to report: without a bus the idle lock remains.
                let _ = listen(&shared, &on_lock);
            });
        drop(spawned);
        lock
    }

    /// Records that the screen locked.
    pub fn set_locked(&self) {
        self.locked.store(true, Ordering::Release);
    }

    /// Whether the screen locked since the last call.
    pub fn take_locked(&self) -> bool {
        self.locked.swap(false, Ordering::Acquire)
    }
}

/// Whether a signal from `interface` named `member` with `active` means the
/// screen locked.
fn means_locked(interface: &str, member: &str, active: bool) -> bool {
    member == "ActiveChanged" && active && SCREEN_SAVERS.contains(&interface)
}

/// Follows every `ActiveChanged` signal on the session bus until it goes away.
fn listen(lock: &ScreenLock, on_lock: &dyn Fn()) -> zbus::Result<()> {
    let conn = zbus::blocking::Connection::session()?;
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .member("ActiveChanged")?
        .build();
    let messages = zbus::blocking::MessageIterator::for_match_rule(rule, &conn, Some(16))?;
    for message in messages {
        let Ok(message) = message else {
            continue;
        };
        let header = message.header();
        let (Some(interface), Some(member)) = (header.interface(), header.member()) else {
            continue;
        };
        let Ok(active) = message.body().deserialize::<bool>() else {
            continue;
        };
        if means_locked(interface.as_str(), member.as_str(), active) {
            lock.set_locked();
            on_lock();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_screen_saver_turning_on_means_locked() {
        assert!(means_locked(
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            true
        ));
        assert!(means_locked("org.gnome.ScreenSaver", "ActiveChanged", true));
        assert!(!means_locked(
            "org.gnome.ScreenSaver",
            "ActiveChanged",
            false
        ));
        assert!(!means_locked("org.example.Player", "ActiveChanged", true));
        assert!(!means_locked(
            "org.freedesktop.ScreenSaver",
            "WakeUpScreen",
            true
        ));
    }

    #[test]
    fn a_lock_is_taken_once() {
        let lock = ScreenLock::silent();
        assert!(!lock.take_locked());
        lock.set_locked();
        assert!(lock.take_locked());
        assert!(!lock.take_locked());
    }
}
