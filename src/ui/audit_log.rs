//! The "Audit log" window (R-AUD-3): filters, a virtualized list of events
//! (newest first; the next page is asked for when the list is scrolled near
//! its end), the selected event's details with before and after side by
//! side, "Verify chain", "Export…", and the "Access history" window
//! (R-AUD-4). The filters are edited in place; a pick in a drop-down, a
//! date, or Enter in the text field applies them once (free text is applied
//! on Enter or with "Apply", not per keystroke).

use crate::app::present;
use crate::app::view::audit_log::{AuditLogRow, AuditLogView, ExportChoice, VerifyView};
use crate::app::view::intent::{AuditIntent, Intent};
use crate::domain::audit::AuditAction;
use egui::{Key, RichText, Role, TextEdit, Ui, WidgetInfo};
use egui_extras::{Column as Width, TableBuilder};

/// Rows from the end at which the next page is asked for.
const LOAD_AHEAD: usize = 20;

/// The window, and the access history's window when one is shown.
pub fn audit_log_window_ui(ctx: &egui::Context, log: &mut AuditLogView, intents: &mut Vec<Intent>) {
    let mut open = true;
    let screen = ctx.content_rect().size();
    egui::Window::new("Audit log")
        .collapsible(false)
        .movable(false)
        .open(&mut open)
        .default_size([
            1000.0_f32.min(screen.x - 16.0),
            600.0_f32.min(screen.y - 48.0),
        ])
        .max_width(screen.x - 16.0)
        .max_height(screen.y - 48.0)
        .constrain(true)
        .show(ctx, |ui| {
            filters_ui(ui, log, intents);
            commands_ui(ui, log, intents);
            if log.export.is_some() {
                export_ui(ui, log, intents);
            }
            if let Some(error) = &log.error {
                ui.label(RichText::new(error).color(ui.visuals().error_fg_color));
            }
            ui.separator();
            details_ui(ui, log);
            ui.separator();
            egui::ScrollArea::horizontal()
                .id_salt("audit-table")
                .show(ui, |ui| table_ui(ui, log, intents));
        });
    if !open {
        intents.push(AuditIntent::Close.into());
    }
    if log.history.is_some() {
        history_ui(ctx, log, intents);
    }
}

fn combo<T: Copy + PartialEq>(
    ui: &mut Ui,
    label: &str,
    salt: &str,
    current: &mut Option<T>,
    choices: &[(T, String)],
    changed: &mut bool,
) {
    let label = ui.label(label);
    let shown = current
        .and_then(|c| choices.iter().find(|(v, _)| *v == c))
        .map_or("All", |(_, name)| name.as_str())
        .to_owned();
    egui::ComboBox::from_id_salt(salt)
        .selected_text(shown)
        .show_ui(ui, |ui| {
            if ui.selectable_label(current.is_none(), "All").clicked() {
                *current = None;
                *changed = true;
                ui.close();
            }
            for (value, name) in choices {
                if ui
                    .selectable_label(*current == Some(*value), name.as_str())
                    .clicked()
                {
                    *current = Some(*value);
                    *changed = true;
                    ui.close();
                }
            }
        })
        .response
        .labelled_by(label.id);
}

fn filters_ui(ui: &mut Ui, log: &mut AuditLogView, intents: &mut Vec<Intent>) {
    let mut changed = false;
    // Alphabetical, as people look for them.
    let mut actions: Vec<(AuditAction, String)> = AuditAction::ALL
        .iter()
        .map(|a| (*a, present::audit_action_words(a.as_str())))
        .collect();
    actions.sort_by(|a, b| a.1.cmp(&b.1));
    ui.horizontal_wrapped(|ui| {
        let users = log.users.clone();
        combo(
            ui,
            "Filter user",
            "audit-user",
            &mut log.filters.user,
            &users,
            &mut changed,
        );
        let vaults = log.vaults.clone();
        combo(
            ui,
            "Filter vault",
            "audit-vault",
            &mut log.filters.vault,
            &vaults,
            &mut changed,
        );
        combo(
            ui,
            "Filter action",
            "audit-action",
            &mut log.filters.action,
            &actions,
            &mut changed,
        );
    });
    ui.horizontal_wrapped(|ui| {
        let from = ui.checkbox(&mut log.filters.from_on, "From");
        changed |= from.changed();
        let picked = ui.add(
            egui_extras::DatePickerButton::new(&mut log.filters.from.date).id_salt("audit-from"),
        );
        picked.widget_info(|| WidgetInfo::labeled(Role::Button, true, "From date"));
        if picked.changed() {
            log.filters.from_on = true;
            changed = true;
        }
        let to = ui.checkbox(&mut log.filters.to_on, "To");
        changed |= to.changed();
        let picked = ui
            .add(egui_extras::DatePickerButton::new(&mut log.filters.to.date).id_salt("audit-to"));
        picked.widget_info(|| WidgetInfo::labeled(Role::Button, true, "To date"));
        if picked.changed() {
            log.filters.to_on = true;
            changed = true;
        }
        let label = ui.label("Text");
        let edit = ui
            .add(
                TextEdit::singleline(&mut log.filters.text)
                    .hint_text("details, user or entry (Enter applies)")
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
        if edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
            changed = true;
        }
        if ui.button("Apply").clicked() {
            changed = true;
        }
        if ui.button("Clear filters").clicked() {
            intents.push(AuditIntent::ClearFilters.into());
        }
    });
    if let Some((_, path)) = &log.filters.entry {
        ui.horizontal(|ui| {
            ui.label(format!("Entry: {path}"));
            if ui.button("❌ Any entry").clicked() {
                intents.push(AuditIntent::ClearEntry.into());
            }
        });
    }
    if changed {
        intents.push(AuditIntent::ApplyFilters.into());
    }
}

fn commands_ui(ui: &mut Ui, log: &AuditLogView, intents: &mut Vec<Intent>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&log.total).strong());
        let running = matches!(log.verify, VerifyView::Running);
        if ui
            .add_enabled(!running, egui::Button::new("Verify chain"))
            .clicked()
        {
            intents.push(AuditIntent::Verify.into());
        }
        match &log.verify {
            VerifyView::NotRun => {}
            VerifyView::Running => {
                ui.spinner();
                ui.label("Verifying…");
            }
            VerifyView::Intact { events, head } => {
                ui.label(format!("Intact: {events} events, head {head}"));
            }
            VerifyView::Broken { message, seq } => {
                ui.label(
                    RichText::new(format!("Broken: {message}")).color(ui.visuals().error_fg_color),
                );
                if let Some(seq) = seq
                    && ui.button(format!("Show event {seq}")).clicked()
                {
                    intents.push(AuditIntent::ShowEvent(*seq).into());
                }
            }
            VerifyView::Failed(reason) => {
                ui.label(
                    RichText::new(format!("Could not verify: {reason}"))
                        .color(ui.visuals().error_fg_color),
                );
            }
        }
        if log.export.is_none() && ui.button("Export…").clicked() {
            intents.push(AuditIntent::OpenExport.into());
        }
    });
    if let Some(witness) = &log.witness {
        ui.label(RichText::new(format!("Witness: {witness}")).weak());
    }
}

fn export_ui(ui: &mut Ui, log: &mut AuditLogView, intents: &mut Vec<Intent>) {
    let Some(form) = &mut log.export else {
        return;
    };
    ui.group(|ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Export what the filters show").strong());
            ui.radio_value(&mut form.format, ExportChoice::Csv, "CSV");
            ui.radio_value(&mut form.format, ExportChoice::JsonLines, "JSON Lines");
        });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Export to file");
            ui.add(TextEdit::singleline(&mut form.path).desired_width(360.0))
                .labelled_by(label.id);
            if ui
                .add_enabled(!form.browsing, egui::Button::new("Browse…"))
                .clicked()
            {
                intents.push(AuditIntent::BrowseExport.into());
            }
            let running = form.progress.is_some();
            if ui
                .add_enabled(!running, egui::Button::new("Export"))
                .clicked()
            {
                intents.push(AuditIntent::RunExport.into());
            }
            if ui.button("Close export").clicked() {
                intents.push(AuditIntent::CloseExport.into());
            }
        });
        if let Some((done, total)) = form.progress {
            let fraction = if total == 0 {
                0.0
            } else {
                done as f32 / total as f32
            };
            ui.add(egui::ProgressBar::new(fraction).text(format!("{done} of {total} events")));
        }
        if let Some(error) = &form.error {
            ui.label(RichText::new(error).color(ui.visuals().error_fg_color));
        }
        if let Some(result) = &form.result {
            ui.label(result);
        }
    });
}

fn details_ui(ui: &mut Ui, log: &AuditLogView) {
    let Some(row) = log.selected_row() else {
        ui.label(RichText::new("Select an event to see its details").weak());
        return;
    };
    ui.label(
        RichText::new(format!(
            "Event {} · {} · {} · {}",
            row.seq,
            present::local_second(row.at),
            row.user,
            row.action
        ))
        .strong(),
    );
    if !row.about.is_empty() {
        ui.label(&row.about);
    }
    egui::ScrollArea::vertical()
        .id_salt("audit-details")
        .max_height(140.0)
        .show(ui, |ui| {
            egui::Grid::new("audit-changes")
                .striped(true)
                .num_columns(3)
                .show(ui, |ui| {
                    ui.label(RichText::new("What").strong());
                    ui.label(RichText::new("Before").strong());
                    ui.label(RichText::new("After").strong());
                    ui.end_row();
                    for (what, before, after) in &row.changes {
                        ui.label(what);
                        ui.label(before);
                        ui.label(after);
                        ui.end_row();
                    }
                });
        });
    ui.label(
        RichText::new(format!("Hash {}", row.hash))
            .small()
            .monospace(),
    );
    ui.label(
        RichText::new(format!("Previous hash {}", row.prev_hash))
            .small()
            .monospace(),
    );
}

fn table_ui(ui: &mut Ui, log: &mut AuditLogView, intents: &mut Vec<Intent>) {
    let mut builder = TableBuilder::new(ui)
        .striped(true)
        .resizable(false)
        .column(Width::exact(150.0))
        .column(Width::exact(130.0).clip(true))
        .column(Width::exact(170.0).clip(true))
        .column(Width::exact(230.0).clip(true))
        .column(Width::remainder().at_least(120.0).clip(true));
    if let Some(position) = log.scroll_to.take() {
        builder = builder.scroll_to_row(position, None);
    }
    let rows = &log.rows;
    let selected = log.selected;
    let more = log.more.is_some();
    // Too few rows to scroll (a text search going down the log a span at a
    // time): the next page is asked for at once.
    let mut asked = more && rows.len() < LOAD_AHEAD;
    if asked {
        intents.push(AuditIntent::LoadMore.into());
    }
    builder
        .header(22.0, |mut header| {
            for title in ["Time", "User", "Action", "Entry or request", "Summary"] {
                header.col(|ui| {
                    ui.label(RichText::new(title).strong());
                });
            }
        })
        .body(|body| {
            body.rows(20.0, rows.len(), |mut row| {
                let index = row.index();
                let Some(event) = rows.get(index) else {
                    return;
                };
                if more && !asked && index + LOAD_AHEAD >= rows.len() {
                    asked = true;
                    intents.push(AuditIntent::LoadMore.into());
                }
                row.set_selected(selected == Some(event.seq));
                row_cells(&mut row, event, selected == Some(event.seq), intents);
            });
        });
}

fn row_cells(
    row: &mut egui_extras::TableRow<'_, '_>,
    event: &AuditLogRow,
    is_selected: bool,
    intents: &mut Vec<Intent>,
) {
    let time = present::local_second(event.at);
    let spoken = format!(
        "Event {}, {time}, {}, {}, {}",
        event.seq, event.user, event.action, event.about
    );
    // The time cell is the row's one control: selecting it selects the
    // event, and it reads as the whole row for screen readers.
    row.col(|ui| {
        let cell = ui.selectable_label(is_selected, time);
        cell.widget_info(|| WidgetInfo::selected(Role::Row, true, is_selected, &spoken));
        cell.ctx
            .accesskit_node_builder(cell.id, |node| node.set_selected(is_selected));
        if cell.clicked() {
            intents.push(AuditIntent::Select(event.seq).into());
        }
    });
    for text in [
        event.user.clone(),
        event.action.clone(),
        event.about.clone(),
        event.summary.clone(),
    ] {
        row.col(|ui| {
            ui.label(text);
        });
    }
}

fn history_ui(ctx: &egui::Context, log: &AuditLogView, intents: &mut Vec<Intent>) {
    let Some(history) = &log.history else {
        return;
    };
    let mut open = true;
    let screen = ctx.content_rect().size();
    egui::Window::new("Access history")
        .collapsible(false)
        .movable(false)
        .open(&mut open)
        .default_size([
            760.0_f32.min(screen.x - 16.0),
            480.0_f32.min(screen.y - 48.0),
        ])
        .max_height(screen.y - 48.0)
        .constrain(true)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                ui.heading(&history.title);
                if ui.button("Close history").clicked() {
                    intents.push(AuditIntent::CloseHistory.into());
                }
            });
            if history.stories.is_empty() {
                ui.label("No requests or grants");
            }
            if history.truncated {
                ui.label(RichText::new("Only the newest requests are shown").weak());
            }
            egui::ScrollArea::vertical()
                .id_salt("audit-history")
                .show(ui, |ui| {
                    for story in &history.stories {
                        ui.label(RichText::new(&story.title).strong());
                        for (at, words, seq) in &story.steps {
                            ui.horizontal(|ui| {
                                ui.label(present::local_minute(*at));
                                ui.label(words);
                                let show = ui.small_button("Show");
                                show.widget_info(|| {
                                    WidgetInfo::labeled(
                                        Role::Button,
                                        true,
                                        format!("Show event {seq} in the log"),
                                    )
                                });
                                if show.clicked() {
                                    intents.push(AuditIntent::ShowEvent(*seq).into());
                                }
                            });
                        }
                        ui.separator();
                    }
                });
        });
    if !open {
        intents.push(AuditIntent::CloseHistory.into());
    }
}
