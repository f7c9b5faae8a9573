//! How the window looks, set once for both themes (R-DSK-3): text sizes and
//! colours that stay readable.
//!
//! Invariant: every text colour the window uses on its own backgrounds —
//! normal, weak (secondary), error, warning, link — has a WCAG contrast of
//! at least 4.5:1 against the panels, windows, text fields, hovered and
//! selected rows it is drawn on, in the light and the dark theme; and no
//! text style, emoji included, is smaller than 12 points. The edges of
//! buttons, check boxes and text fields have at least 3:1 against the panels
//! (WCAG's non-text contrast), so an empty field can be seen. Secondary text
//! uses `RichText::weak` and `weak_text_color`, so it is fixed here rather
//! than at each call site. The unit tests below measure it.

use egui::{Color32, Context, FontDefinitions, Stroke, Style, Theme};

/// The smallest text size the window uses, in points (one point is one
/// pixel at the usual scale).
pub const MIN_TEXT_SIZE: f32 = 12.0;

/// WCAG AA's minimum contrast for normal text.
pub const MIN_CONTRAST: f32 = 4.5;

/// WCAG AA's minimum contrast for the edges of controls.
pub const MIN_EDGE_CONTRAST: f32 = 3.0;

/// Installs the readable styles of both themes and the fonts, and makes
/// light the theme used when the desktop's is unknown.
pub fn install(ctx: &Context) {
    for theme in [Theme::Dark, Theme::Light] {
        ctx.style_mut_of(theme, |style| make_readable(style, theme));
    }
    ctx.options_mut(|options| options.fallback_theme = Theme::Light);
    ctx.set_fonts(readable_fonts());
}

/// Makes `style`, the style of `theme`, readable: no text style under
/// [`MIN_TEXT_SIZE`], and text colours that meet [`MIN_CONTRAST`].
pub fn make_readable(style: &mut Style, theme: Theme) {
    for font in style.text_styles.values_mut() {
        font.size = font.size.max(MIN_TEXT_SIZE);
    }
    let visuals = &mut style.visuals;
    let grey = Color32::from_gray;
    match theme {
        Theme::Dark => {
            visuals.widgets.noninteractive.fg_stroke.color = grey(210);
            visuals.weak_text_color = Some(grey(175));
            visuals.error_fg_color = Color32::from_rgb(255, 140, 140);
            visuals.warn_fg_color = Color32::from_rgb(255, 160, 40);
            visuals.hyperlink_color = Color32::from_rgb(110, 180, 255);
            visuals.selection.bg_fill = Color32::from_rgb(0, 60, 100);
            visuals.selection.stroke = Stroke::new(1.0, Color32::from_rgb(200, 226, 255));
            visuals.widgets.inactive.bg_stroke = Stroke::new(1.0, grey(110));
        }
        Theme::Light => {
            visuals.widgets.noninteractive.fg_stroke.color = grey(40);
            visuals.weak_text_color = Some(grey(90));
            visuals.error_fg_color = Color32::from_rgb(190, 20, 20);
            visuals.warn_fg_color = Color32::from_rgb(140, 65, 0);
            visuals.hyperlink_color = Color32::from_rgb(0, 90, 180);
            visuals.selection.bg_fill = Color32::from_rgb(190, 225, 255);
            visuals.selection.stroke = Stroke::new(1.0, Color32::from_rgb(0, 70, 110));
            visuals.widgets.inactive.bg_stroke = Stroke::new(1.0, grey(140));
        }
    }
}

/// egui's fonts with the emoji and icon fonts at full size: egui draws them
/// smaller than the text around them, which made glyphs such as the lock
/// about 8 pixels high.
pub fn readable_fonts() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    for data in fonts.font_data.values_mut() {
        let tweak = &mut std::sync::Arc::make_mut(data).tweak;
        tweak.scale = tweak.scale.max(1.0);
    }
    fonts
}

/// The WCAG contrast ratio of `text` (possibly translucent) drawn on the
/// opaque `background`: from 1 (none) to 21 (black on white).
pub fn contrast_ratio(text: Color32, background: Color32) -> f32 {
    let lighter = relative_luminance(over(text, background));
    let darker = relative_luminance(background);
    let (high, low) = if lighter >= darker {
        (lighter, darker)
    } else {
        (darker, lighter)
    };
    (high + 0.05) / (low + 0.05)
}

/// `top` (premultiplied, as egui keeps colours) painted over `under`.
pub fn over(top: Color32, under: Color32) -> Color32 {
    let keep = 1.0 - f32::from(top.a()) / 255.0;
    let channel = |t: u8, u: u8| (f32::from(t) + f32::from(u) * keep).round().min(255.0) as u8;
    Color32::from_rgb(
        channel(top.r(), under.r()),
        channel(top.g(), under.g()),
        channel(top.b(), under.b()),
    )
}

/// WCAG's relative luminance of an opaque sRGB colour.
fn relative_luminance(colour: Color32) -> f32 {
    let linear = |c: u8| {
        let c = f32::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(colour.r()) + 0.7152 * linear(colour.g()) + 0.0722 * linear(colour.b())
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::Visuals;

    fn readable(theme: Theme) -> Style {
        let mut style = Style {
            visuals: match theme {
                Theme::Dark => Visuals::dark(),
                Theme::Light => Visuals::light(),
            },
            ..Style::default()
        };
        make_readable(&mut style, theme);
        style
    }

    #[test]
    fn the_contrast_formula_matches_wcag() {
        let ratio = contrast_ratio(Color32::BLACK, Color32::WHITE);
        assert!((ratio - 21.0).abs() < 0.01, "{ratio}");
        assert!((contrast_ratio(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 0.001);
        // WCAG's own example: #767676 on white is just above 4.5:1.
        let grey = contrast_ratio(Color32::from_gray(0x76), Color32::WHITE);
        assert!((4.5..4.6).contains(&grey), "{grey}");
        // egui's default weak text on its dark panels, the old look: under 3:1.
        let old = Visuals::dark();
        let weak = contrast_ratio(old.weak_text_color(), old.panel_fill);
        assert!(weak < 3.0, "{weak}");
    }

    /// Issue 12 item 9, R-DSK-3: secondary text meets WCAG AA in both themes.
    #[test]
    fn every_text_colour_meets_wcag_aa_on_every_background_in_both_themes() {
        let mut failures = Vec::new();
        for theme in [Theme::Dark, Theme::Light] {
            let style = readable(theme);
            let v = &style.visuals;
            let texts = [
                ("weak text", v.weak_text_color()),
                ("normal text", v.text_color()),
                ("error", v.error_fg_color),
                ("warning", v.warn_fg_color),
                ("link", v.hyperlink_color),
            ];
            let backgrounds = [
                ("panel", v.panel_fill),
                ("window", v.window_fill),
                ("text field", v.text_edit_bg_color()),
                ("striped row", over(v.faint_bg_color, v.panel_fill)),
                ("hovered row", v.widgets.hovered.weak_bg_fill),
                ("selected row", v.selection.bg_fill),
            ];
            for (text, colour) in texts {
                for (background, fill) in backgrounds {
                    let ratio = contrast_ratio(colour, fill);
                    if ratio < MIN_CONTRAST {
                        failures.push(format!("{theme:?}: {text} on {background}: {ratio:.2}"));
                    }
                }
            }
            // What buttons and selected items write on their own fills.
            let w = &v.widgets;
            for (what, text, fill) in [
                (
                    "button",
                    w.inactive.fg_stroke.color,
                    w.inactive.weak_bg_fill,
                ),
                (
                    "hovered button",
                    w.hovered.fg_stroke.color,
                    w.hovered.weak_bg_fill,
                ),
                (
                    "pressed button",
                    w.active.fg_stroke.color,
                    w.active.weak_bg_fill,
                ),
                ("open list", w.open.fg_stroke.color, w.open.weak_bg_fill),
                (
                    "selected item",
                    v.selection.stroke.color,
                    v.selection.bg_fill,
                ),
            ] {
                let ratio = contrast_ratio(text, fill);
                if ratio < MIN_CONTRAST {
                    failures.push(format!("{theme:?}: {what}: {ratio:.2}"));
                }
            }
            let edge = w.inactive.bg_stroke.color;
            for (background, fill) in [("panel", v.panel_fill), ("window", v.window_fill)] {
                let ratio = contrast_ratio(edge, fill);
                if ratio < MIN_EDGE_CONTRAST {
                    failures.push(format!(
                        "{theme:?}: control edge on {background}: {ratio:.2}"
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "too faint:\n{}", failures.join("\n"));
    }

    /// Issue 12 item 9: no text under 12 px, emoji and icons included.
    #[test]
    fn no_text_is_smaller_than_twelve_points() {
        for theme in [Theme::Dark, Theme::Light] {
            let style = readable(theme);
            let smallest = style
                .text_styles
                .values()
                .map(|font| font.size)
                .fold(f32::INFINITY, f32::min);
            assert!(smallest >= MIN_TEXT_SIZE, "{theme:?}: {smallest}");
        }
        let fonts = readable_fonts();
        for (name, data) in &fonts.font_data {
            assert!(
                data.tweak.scale >= 1.0,
                "{name} is drawn smaller than its text"
            );
        }
    }
}
