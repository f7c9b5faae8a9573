//! The person's own preferences for the window on this computer, kept
//! outside the workspace (R-DSK-3): which theme to show.

use serde::{Deserialize, Serialize};

/// Which theme the window shows (R-DSK-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeChoice {
    /// Light or dark as the desktop prefers.
    #[default]
    FollowDesktop,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, in the order offered.
    pub const ALL: [ThemeChoice; 3] = [
        ThemeChoice::FollowDesktop,
        ThemeChoice::Light,
        ThemeChoice::Dark,
    ];
}

/// Everything remembered about how this person likes the window.
///
/// Invariant: a field missing from a stored file reads as its default, so
/// files written by an older version still load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Light, dark, or as the desktop prefers.
    pub theme: ThemeChoice,
}
