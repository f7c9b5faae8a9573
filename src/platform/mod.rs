//! The desktop around the application, behind small traits with a real
//! implementation and a test one: clock, OS keyring, key file, launcher,
//! clipboard, audit witness, desktop notifications; the person's
//! preferences and the desktop's light or dark theme; and where a person's
//! files go (`places`).

pub mod clipboard;
pub mod clock;
pub mod import;
pub mod keyfile;
pub mod keyring;
pub mod launcher;
pub mod notifier;
pub mod places;
pub mod preferences;
pub mod screen_lock;
pub mod theme;
pub mod witness;
