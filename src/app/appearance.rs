//! The window's appearance (R-DSK-3): the readable styles, and light or dark
//! as the person chose — following the desktop's preference unless they
//! picked one — remembered in their preferences file.

use crate::domain::preferences::{Preferences, ThemeChoice};
use crate::platform::preferences::PreferencesFile;
use crate::platform::theme::{ColorScheme, DesktopTheme};
use egui::ThemePreference;

/// The theme egui should show for `choice` while the desktop prefers
/// `desktop` (`None` while unknown): a manual choice wins; otherwise the
/// desktop's dark or light; with no preference heard, egui's idea of the
/// system theme, and light when it has none (see `ui::style::install`).
pub fn theme_preference(choice: ThemeChoice, desktop: Option<ColorScheme>) -> ThemePreference {
    match (choice, desktop) {
        (ThemeChoice::Light, _) | (ThemeChoice::FollowDesktop, Some(ColorScheme::PreferLight)) => {
            ThemePreference::Light
        }
        (ThemeChoice::Dark, _) | (ThemeChoice::FollowDesktop, Some(ColorScheme::PreferDark)) => {
            ThemePreference::Dark
        }
        (ThemeChoice::FollowDesktop, Some(ColorScheme::NoPreference) | None) => {
            ThemePreference::System
        }
    }
}

/// What the window's look depends on.
#[derive(Debug, Default)]
pub(crate) struct Appearance {
    /// The person's preferences.
    preferences: Preferences,
    /// Where they are remembered; none for a window that forgets (tests).
    file: Option<PreferencesFile>,
    /// Why the file could not be read, if it could not.
    problem: Option<String>,
    /// The desktop's preference as last heard.
    desktop: DesktopTheme,
    /// Whether the readable styles are installed in egui yet.
    is_styled: bool,
}

impl Appearance {
    /// Reads the preferences from `file` and remembers them there from now on.
    pub(crate) fn use_file(&mut self, file: PreferencesFile) {
        match file.load() {
            Ok(preferences) => self.preferences = preferences,
            Err(reason) => self.problem = Some(reason),
        }
        self.file = Some(file);
    }

    /// Follows `desktop` from now on.
    pub(crate) fn follow(&mut self, desktop: DesktopTheme) {
        self.desktop = desktop;
    }

    /// The theme the person chose.
    pub(crate) fn choice(&self) -> ThemeChoice {
        self.preferences.theme
    }

    /// Why the preferences file could not be read, if it could not.
    pub(crate) fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Shows `choice` from the next frame on and remembers it.
    pub(crate) fn choose_theme(&mut self, choice: ThemeChoice) -> Result<(), String> {
        self.preferences.theme = choice;
        match &self.file {
            Some(file) => file.save(&self.preferences),
            None => Ok(()),
        }
    }

    /// Once per frame, before drawing: installs the styles the first time,
    /// and switches egui to the theme wanted now.
    pub(crate) fn logic(&mut self, ctx: &egui::Context) {
        if !self.is_styled {
            crate::ui::style::install(ctx);
            self.is_styled = true;
        }
        let wanted = theme_preference(self.preferences.theme, self.desktop.scheme());
        if ctx.options(|options| options.theme_preference) != wanted {
            ctx.set_theme(wanted);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R-DSK-3: a manual choice wins; otherwise the desktop's, else the system's.
    #[test]
    fn the_choice_and_the_desktop_decide_the_theme() {
        use ColorScheme::{NoPreference, PreferDark, PreferLight};
        use ThemeChoice::{Dark, FollowDesktop, Light};
        let cases = [
            (FollowDesktop, Some(PreferDark), ThemePreference::Dark),
            (FollowDesktop, Some(PreferLight), ThemePreference::Light),
            (FollowDesktop, Some(NoPreference), ThemePreference::System),
            (FollowDesktop, None, ThemePreference::System),
            (Light, Some(PreferDark), ThemePreference::Light),
            (Light, None, ThemePreference::Light),
            (Dark, Some(PreferLight), ThemePreference::Dark),
            (Dark, None, ThemePreference::Dark),
        ];
        for (choice, desktop, expected) in cases {
            assert_eq!(
                theme_preference(choice, desktop),
                expected,
                "{choice:?} with {desktop:?}"
            );
        }
    }
}
