//! The desktop's light or dark preference (R-DSK-3): the freedesktop
//! `color-scheme` setting, read through the settings portal
//! (`org.freedesktop.portal.Settings`) on the session bus, and followed
//! while the window is open.
//!
//! Invariant: the portal is only ever asked on a background thread, so a
//! missing or slow bus never holds up the window; until it answers (or if it
//! never does) the preference is unknown and the window falls back on what
//! egui learns from the window system, else light.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// What the desktop prefers (the portal's `color-scheme` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorScheme {
    /// 0, or a value this version does not know: the application decides.
    NoPreference,
    /// 1: dark.
    PreferDark,
    /// 2: light.
    PreferLight,
}

impl ColorScheme {
    /// The scheme the portal's `color-scheme` value means.
    pub fn from_portal(value: u32) -> ColorScheme {
        match value {
            1 => ColorScheme::PreferDark,
            2 => ColorScheme::PreferLight,
            _ => ColorScheme::NoPreference,
        }
    }

    fn to_code(self) -> u8 {
        match self {
            ColorScheme::NoPreference => 1,
            ColorScheme::PreferDark => 2,
            ColorScheme::PreferLight => 3,
        }
    }

    fn from_code(code: u8) -> Option<ColorScheme> {
        match code {
            1 => Some(ColorScheme::NoPreference),
            2 => Some(ColorScheme::PreferDark),
            3 => Some(ColorScheme::PreferLight),
            _ => None,
        }
    }
}

/// The desktop's preference as last heard, shared with the thread that
/// listens for it; cheap to read every frame.
#[derive(Debug, Clone, Default)]
pub struct DesktopTheme {
    /// 0 while unknown, else [`ColorScheme::to_code`].
    scheme: Arc<AtomicU8>,
}

const PORTAL: &str = "org.freedesktop.portal.Desktop";
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
const SETTINGS: &str = "org.freedesktop.portal.Settings";
const APPEARANCE: &str = "org.freedesktop.appearance";
const COLOR_SCHEME: &str = "color-scheme";

/// How long one call to the portal may take before it counts as absent.
const PORTAL_TIMEOUT: Duration = Duration::from_secs(3);

impl DesktopTheme {
    /// A preference never asked for: the window follows egui's idea of the
    /// system theme (tests, and computers without a session bus).
    pub fn unknown() -> DesktopTheme {
        DesktopTheme::default()
    }

    /// A preference fixed at `scheme` (tests).
    pub fn fixed(scheme: ColorScheme) -> DesktopTheme {
        let theme = DesktopTheme::default();
        theme.set(scheme);
        theme
    }

    /// Asks the settings portal on a background thread, then keeps
    /// listening for changes; `on_change` is called after each answer (to
    /// repaint the window). Without a session bus or a portal the
    /// preference stays unknown.
    pub fn from_portal(on_change: impl Fn() + Send + 'static) -> DesktopTheme {
        let theme = DesktopTheme::default();
        let shared = theme.clone();
        let spawned = std::thread::Builder::new()
            .name("desktop-theme".into())
            .spawn(move || {
                // Nothing to report: without an answer the window keeps its fallback.
                let _ = listen(&shared, &on_change);
            });
        drop(spawned);
        theme
    }

    /// The preference, once known.
    pub fn scheme(&self) -> Option<ColorScheme> {
        ColorScheme::from_code(self.scheme.load(Ordering::Relaxed))
    }

    /// Records what the desktop prefers now.
    pub fn set(&self, scheme: ColorScheme) {
        self.scheme.store(scheme.to_code(), Ordering::Relaxed);
    }
}

/// The `color-scheme` number inside a portal answer: `ReadOne` gives the
/// value in one variant, the older `Read` in two.
fn portal_number(value: &zbus::zvariant::Value<'_>) -> Option<u32> {
    match value {
        zbus::zvariant::Value::U32(n) => Some(*n),
        zbus::zvariant::Value::Value(inner) => portal_number(inner),
        _ => None,
    }
}

/// Reads the setting once, then follows its changes until the bus goes away.
fn listen(theme: &DesktopTheme, on_change: &dyn Fn()) -> zbus::Result<()> {
    use zbus::zvariant::OwnedValue;
    let conn = zbus::blocking::connection::Builder::session()?
        .method_timeout(PORTAL_TIMEOUT)
        .build()?;
    let proxy = zbus::blocking::Proxy::new(&conn, PORTAL, PORTAL_PATH, SETTINGS)?;
    // Subscribe first, so a change between the read and the subscription is not lost.
    let changes = proxy.receive_signal("SettingChanged")?;
    let current = proxy
        .call::<_, _, OwnedValue>("ReadOne", &(APPEARANCE, COLOR_SCHEME))
        .or_else(|_| proxy.call::<_, _, OwnedValue>("Read", &(APPEARANCE, COLOR_SCHEME)));
    if let Some(n) = current.ok().as_deref().and_then(portal_number) {
        theme.set(ColorScheme::from_portal(n));
        on_change();
    }
    for signal in changes {
        let Ok((namespace, key, value)) =
            signal.body().deserialize::<(String, String, OwnedValue)>()
        else {
            continue;
        };
        if namespace == APPEARANCE
            && key == COLOR_SCHEME
            && let Some(n) = portal_number(&value)
        {
            theme.set(ColorScheme::from_portal(n));
            on_change();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zbus::zvariant::Value;

    /// R-DSK-3: the portal's numbers, in both of its answer shapes.
    #[test]
    fn the_portal_values_map_to_schemes() {
        assert_eq!(ColorScheme::from_portal(0), ColorScheme::NoPreference);
        assert_eq!(ColorScheme::from_portal(1), ColorScheme::PreferDark);
        assert_eq!(ColorScheme::from_portal(2), ColorScheme::PreferLight);
        assert_eq!(ColorScheme::from_portal(7), ColorScheme::NoPreference);

        assert_eq!(portal_number(&Value::U32(1)), Some(1));
        let read_one = Value::Value(Box::new(Value::U32(2)));
        assert_eq!(portal_number(&read_one), Some(2));
        let read = Value::Value(Box::new(Value::Value(Box::new(Value::U32(0)))));
        assert_eq!(portal_number(&read), Some(0));
        assert_eq!(portal_number(&Value::from("dark")), None);
    }

    #[test]
    fn the_preference_is_unknown_until_heard() {
        let theme = DesktopTheme::unknown();
        assert_eq!(theme.scheme(), None);
        let listener = theme.clone();
        theme.set(ColorScheme::PreferDark);
        assert_eq!(listener.scheme(), Some(ColorScheme::PreferDark));
        assert_eq!(
            DesktopTheme::fixed(ColorScheme::NoPreference).scheme(),
            Some(ColorScheme::NoPreference)
        );
    }
}
