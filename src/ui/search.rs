//! Search everywhere (issue 14): Ctrl+F opens it; results show their vault
//! and path; the arrows move, Enter shows the entry in its vault, Escape
//! closes. The list is virtualized.

use super::widgets::{VAULT_ICON, kind_icon};
use crate::app::view::intent::{Intent, SearchIntent};
use crate::app::view::search::SearchView;
use crate::domain::request::Target;
use egui::{Key, Modifiers, RichText, Role, TextEdit, WidgetInfo};

const ROW_HEIGHT: f32 = 22.0;
/// The results' height before they scroll.
const RESULTS_HEIGHT: f32 = 360.0;

/// Ctrl+F, when the search is closed and no dialog is open.
pub fn open_shortcut(ctx: &egui::Context, intents: &mut Vec<Intent>) {
    if ctx.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::F)) {
        intents.push(SearchIntent::Open.into());
    }
}

/// The search window, while open.
pub fn search_window_ui(ctx: &egui::Context, search: &SearchView, intents: &mut Vec<Intent>) {
    let mut open = true;
    let screen = ctx.content_rect().size();
    let title = if search.for_request {
        "New request: choose what to ask for"
    } else {
        "Search all vaults"
    };
    egui::Window::new(title)
        .collapsible(false)
        .movable(false)
        .open(&mut open)
        .anchor(egui::Align2::CENTER_TOP, [0.0, 48.0])
        .default_width(620.0_f32.min(screen.x - 16.0))
        .max_height(screen.y - 96.0)
        .show(ctx, |ui| {
            let mut query = search.query.clone();
            let label = ui.label("Search");
            let hint = if search.for_request {
                "a vault, folder or entry: name, path, host, URL or user name"
            } else {
                "name, path, host, URL or user name"
            };
            let edit = ui
                .add(
                    TextEdit::singleline(&mut query)
                        .hint_text(hint)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if !edit.has_focus() && !ui.memory(|m| m.focused().is_some()) {
                edit.request_focus();
            }
            if edit.changed() {
                intents.push(SearchIntent::SetQuery(query).into());
            }
            let (down, up, enter, escape) = ui.input_mut(|i| {
                (
                    i.consume_key(Modifiers::NONE, Key::ArrowDown),
                    i.consume_key(Modifiers::NONE, Key::ArrowUp),
                    i.consume_key(Modifiers::NONE, Key::Enter),
                    i.consume_key(Modifiers::NONE, Key::Escape),
                )
            });
            if down {
                intents.push(SearchIntent::Move(1).into());
            }
            if up {
                intents.push(SearchIntent::Move(-1).into());
            }
            if enter && search.listed() > 0 {
                intents.push(SearchIntent::Choose(search.selected).into());
            }
            if escape {
                intents.push(SearchIntent::Close.into());
            }
            if let Some(vaults) = search.reading_vaults {
                ui.horizontal(|ui| {
                    ui.spinner();
                    let what = if vaults == 1 { "vault" } else { "vaults" };
                    ui.label(format!("Reading {vaults} {what}…"));
                });
                return;
            }
            let summary = if search.query.trim().is_empty() {
                format!("{} entries in your vaults", search.len())
            } else if search.total > search.listed() {
                format!(
                    "{} found; the first {} are listed",
                    search.total,
                    search.listed()
                )
            } else {
                format!("{} found", search.total)
            };
            ui.label(RichText::new(summary).weak());
            ui.separator();
            results_ui(ui, search, (down, up), intents);
        });
    if !open {
        intents.push(SearchIntent::Close.into());
    }
}

/// The matches, virtualized; the highlight kept in view as the arrows move it.
fn results_ui(
    ui: &mut egui::Ui,
    search: &SearchView,
    (down, up): (bool, bool),
    intents: &mut Vec<Intent>,
) {
    let mut results = egui::ScrollArea::vertical()
        .id_salt("search-results")
        .auto_shrink([false, true])
        .max_height(RESULTS_HEIGHT);
    if down || up {
        // Keep the highlight in view: it moves by one row this frame.
        let last = search.listed().saturating_sub(1);
        let next = if down {
            (search.selected + 1).min(last)
        } else {
            search.selected.saturating_sub(1)
        };
        let top = next as f32 * (ROW_HEIGHT + ui.spacing().item_spacing.y);
        let id = ui.make_persistent_id("search-results");
        let offset = egui::scroll_area::State::load(ui.ctx(), id)
            .map_or(0.0, |state| state.clamped_offset().y);
        if top < offset {
            results = results.vertical_scroll_offset(top);
        } else if top + ROW_HEIGHT > offset + RESULTS_HEIGHT {
            results = results.vertical_scroll_offset(top + ROW_HEIGHT - RESULTS_HEIGHT);
        }
    }
    results.show_rows(ui, ROW_HEIGHT, search.listed(), |ui, range| {
        for n in range {
            let Some(row) = search.result(n) else {
                continue;
            };
            let selected = n == search.selected;
            let icon = match row.target {
                Target::Vault(_) | Target::Join(_) => VAULT_ICON,
                Target::Entry(_) | Target::Folder(_) => kind_icon(row.kind),
            };
            let text = format!("{icon} {}", row.name);
            let button = egui::Button::selectable(selected, text)
                .right_text(RichText::new(&row.location).weak())
                .min_size(egui::vec2(ui.available_width(), ROW_HEIGHT));
            let response = ui.add(button);
            let name = format!("{} in {}", row.name, row.location);
            response.widget_info(|| WidgetInfo::selected(Role::Row, true, selected, &name));
            if response.clicked() {
                intents.push(SearchIntent::Choose(n).into());
            }
        }
    });
}
