//! R-DSK-3, issue 12 items 9 and 11: the window is light or dark as the
//! desktop prefers, unless the person chose one; the choice is a named
//! control in the status bar, changes the look at once and is remembered in
//! the preferences file; both looks keep secondary text readable.

mod common;

use common::*;

use egui::Theme;
use egui::accesskit::{Role, Toggled};
use egui_kittest::kittest::{NodeT, Queryable};
use latchkey::app::{AppOptions, LatchkeyApp, WorkspaceSource};
use latchkey::domain::clock::FixedClock;
use latchkey::domain::preferences::ThemeChoice;
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::preferences::PreferencesFile;
use latchkey::platform::theme::{ColorScheme, DesktopTheme};
use latchkey::ui::style::{MIN_CONTRAST, contrast_ratio};
use std::sync::Arc;

const FOLLOW: &str = "Theme: follow the desktop";
const LIGHT: &str = "Theme: light";
const DARK: &str = "Theme: dark";

/// Alice's window on the in-memory demo, remembering its preferences in
/// `preferences`, on a desktop that prefers `desktop`; signed in.
fn alice_window(preferences: &PreferencesFile, desktop: DesktopTheme) -> Window {
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(MemoryKeyring::default());
    let workspace = demo_in_memory(&keyring);
    let app = LatchkeyApp::new(
        test_env(&clock, keyring),
        AppOptions {
            source: WorkspaceSource::Open(Box::new(workspace)),
            user: Some("alice".into()),
            demo: false,
        },
    )
    .with_preferences(preferences.clone())
    .with_desktop_theme(desktop);
    let mut window = window_of(app);
    sign_in_demo(&mut window);
    window
}

/// Which of the three theme buttons is checked; each is a named radio button.
fn checked_theme(window: &Window) -> &'static str {
    let checked: Vec<&str> = [FOLLOW, LIGHT, DARK]
        .into_iter()
        .filter(|label| {
            let node = window.get_by_label(label);
            assert_eq!(node.accesskit_node().role(), Role::RadioButton, "{label}");
            node.accesskit_node().toggled() == Some(Toggled::True)
        })
        .collect();
    assert_eq!(
        checked.len(),
        1,
        "exactly one theme is checked: {checked:?}"
    );
    checked[0]
}

/// What the window draws with now: its theme, and whether its secondary
/// text is readable on its panels.
fn look(window: &Window) -> Theme {
    let style = window.ctx.global_style();
    let visuals = &style.visuals;
    let weak = contrast_ratio(visuals.weak_text_color(), visuals.panel_fill);
    assert!(weak >= MIN_CONTRAST, "weak text at {weak:.2}:1");
    assert_eq!(visuals.dark_mode, window.ctx.theme() == Theme::Dark);
    window.ctx.theme()
}

#[test]
fn the_theme_follows_the_desktop_until_chosen_and_the_choice_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let preferences = PreferencesFile::at(dir.path().join("latchkey/preferences.json"));
    let desktop = DesktopTheme::fixed(ColorScheme::PreferDark);

    let mut window = alice_window(&preferences, desktop.clone());
    assert_eq!(checked_theme(&window), FOLLOW);
    assert_eq!(look(&window), Theme::Dark, "the desktop prefers dark");

    // The desktop changes its mind while the window is open.
    desktop.set(ColorScheme::PreferLight);
    window.run();
    assert_eq!(look(&window), Theme::Light);
    desktop.set(ColorScheme::PreferDark);
    window.run();
    assert_eq!(look(&window), Theme::Dark);

    // The person picks light: it is shown at once, and written down.
    click(&mut window, LIGHT);
    assert_eq!(checked_theme(&window), LIGHT);
    assert_eq!(look(&window), Theme::Light);
    assert_eq!(window.state().theme_choice(), ThemeChoice::Light);
    assert_eq!(preferences.load().unwrap().theme, ThemeChoice::Light);
    drop(window);

    // A new window remembers it, though the desktop still prefers dark.
    let mut window = alice_window(&preferences, desktop.clone());
    assert_eq!(checked_theme(&window), LIGHT);
    assert_eq!(look(&window), Theme::Light);

    click(&mut window, DARK);
    assert_eq!(look(&window), Theme::Dark);
    desktop.set(ColorScheme::PreferLight);
    window.run();
    assert_eq!(look(&window), Theme::Dark, "a manual choice wins");

    click(&mut window, FOLLOW);
    assert_eq!(checked_theme(&window), FOLLOW);
    assert_eq!(look(&window), Theme::Light, "following the desktop again");
    assert_eq!(
        preferences.load().unwrap().theme,
        ThemeChoice::FollowDesktop
    );
}

#[test]
fn without_a_desktop_preference_the_window_is_light() {
    let dir = tempfile::tempdir().unwrap();
    let preferences = PreferencesFile::at(dir.path().join("preferences.json"));
    let window = alice_window(&preferences, DesktopTheme::unknown());
    assert_eq!(checked_theme(&window), FOLLOW);
    assert_eq!(look(&window), Theme::Light);
    let window = alice_window(&preferences, DesktopTheme::fixed(ColorScheme::NoPreference));
    assert_eq!(look(&window), Theme::Light);
}

#[test]
fn no_text_style_is_smaller_than_twelve_points_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let preferences = PreferencesFile::at(dir.path().join("preferences.json"));
    let window = alice_window(&preferences, DesktopTheme::unknown());
    for theme in [Theme::Dark, Theme::Light] {
        let style = window.ctx.style_of(theme);
        for (text_style, font) in &style.text_styles {
            assert!(font.size >= 12.0, "{theme:?} {text_style:?}: {}", font.size);
        }
        let visuals = &style.visuals;
        for (what, colour) in [
            ("weak", visuals.weak_text_color()),
            ("normal", visuals.text_color()),
            ("error", visuals.error_fg_color),
            ("warning", visuals.warn_fg_color),
        ] {
            let ratio = contrast_ratio(colour, visuals.panel_fill);
            assert!(ratio >= MIN_CONTRAST, "{theme:?} {what}: {ratio:.2}");
        }
    }
}
