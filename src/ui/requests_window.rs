//! The "Temporary access requests" window (R-APP-2, R-APP-6): a virtualized
//! table of every request the user may see, sortable by each column both
//! ways, filtered by status and free text, with keyboard triage and bulk
//! decisions. The rows are the app's precomputed `RequestsTable`.

use crate::app::present;
use crate::app::view::intent::{AccessIntent, ApprovalIntent, Intent, RequestsIntent, Verdict};
use crate::app::view::requests_table::{Column, RequestRow, RequestsTable};
use crate::domain::Timestamp;
use crate::domain::request::Phase;
use egui::{Key, RichText, Role, TextEdit, Ui, WidgetInfo};
use egui_extras::{Column as Width, TableBuilder};

const STATUS_CHOICES: [Option<Phase>; 10] = [
    None,
    Some(Phase::Pending),
    Some(Phase::Scheduled),
    Some(Phase::Active),
    Some(Phase::Expired),
    Some(Phase::Denied),
    Some(Phase::Cancelled),
    Some(Phase::Revoked),
    Some(Phase::Released),
    Some(Phase::Lapsed),
];

fn when(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "at approval".to_owned(), present::local_minute)
}

/// The window.
pub fn requests_window_ui(
    ctx: &egui::Context,
    table: &RequestsTable,
    is_dialog_open: bool,
    intents: &mut Vec<Intent>,
) {
    let mut open = true;
    // Never wider or taller than the screen (800×600 included): the
    // table scrolls sideways inside it instead (issue 12).
    let screen = ctx.content_rect().size();
    egui::Window::new("Temporary access requests")
        // No collapse arrow and no move handle: egui gives neither a name
        // for screen readers (issue 12). The window opens where it fits.
        .collapsible(false)
        .movable(false)
        .open(&mut open)
        .default_size([
            1000.0_f32.min(screen.x - 16.0),
            520.0_f32.min(screen.y - 48.0),
        ])
        .max_width(screen.x - 16.0)
        .max_height(screen.y - 48.0)
        .constrain(true)
        .show(ctx, |ui| {
            filter_bar_ui(ui, table, intents);
            bulk_bar_ui(ui, table, intents);
            ui.separator();
            egui::ScrollArea::horizontal()
                .id_salt("requests-table")
                .show(ui, |ui| table_ui(ui, table, intents));
            if !is_dialog_open {
                keyboard_triage(ui, table, intents);
            }
        });
    if !open {
        intents.push(RequestsIntent::Close.into());
    }
}

fn filter_bar_ui(ui: &mut Ui, table: &RequestsTable, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        let label = ui.label("Status");
        let current = table.status_filter.map_or("All", present::phase_word);
        egui::ComboBox::from_id_salt("requests-status")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for choice in STATUS_CHOICES {
                    let text = choice.map_or("All", present::phase_word);
                    if ui
                        .selectable_label(table.status_filter == choice, text)
                        .clicked()
                    {
                        intents.push(RequestsIntent::SetStatusFilter(choice).into());
                        // A pick closes the list, from the keyboard too (issue 12).
                        ui.close();
                    }
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Filter requests");
        let mut text = table.text_filter.clone();
        let edit = ui.add(
            TextEdit::singleline(&mut text)
                .hint_text("requester, entry or message")
                .desired_width(260.0),
        );
        if edit.labelled_by(label.id).changed() {
            intents.push(RequestsIntent::SetTextFilter(text).into());
        }
        ui.label(RichText::new(format!("{} of {} requests", table.len(), table.total())).weak());
    });
}

/// The D key's one line: the reason for denying, Enter sends, Escape cancels.
const DENY_REASON: &str = "Reason for denying (Enter denies, Escape cancels)";

fn deny_reason_ui(ui: &mut Ui, reason: &str, count: usize, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        let what = if count == 1 {
            "Deny this request".to_owned()
        } else {
            format!("Deny {count} requests")
        };
        ui.label(RichText::new(what).strong());
        let label = ui.label(DENY_REASON);
        let mut text = reason.to_owned();
        let edit = ui
            .add(TextEdit::singleline(&mut text).desired_width(320.0))
            .labelled_by(label.id);
        if !edit.has_focus() && !edit.lost_focus() {
            edit.request_focus();
        }
        if edit.changed() {
            intents.push(RequestsIntent::SetDenyReason(text).into());
        }
        // Taken here, so the table's own keys do not also act on them.
        let enter =
            edit.lost_focus() && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::Enter));
        let escape = ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::Escape));
        let deny = ui.button("Deny").clicked();
        let cancel = ui.button("Cancel").clicked();
        if enter || deny {
            intents.push(RequestsIntent::DecideChecked(Verdict::Deny).into());
        } else if escape || cancel {
            intents.push(RequestsIntent::CancelDeny.into());
        }
    });
}

fn bulk_bar_ui(ui: &mut Ui, table: &RequestsTable, intents: &mut Vec<Intent>) {
    if let Some(reason) = &table.deny_reason {
        deny_reason_ui(ui, reason, table.checked.len(), intents);
        return;
    }
    if table.checked.is_empty() {
        ui.label(RichText::new("Tick pending requests to decide several at once. Keys: arrow up and down move, Enter opens, A approves, D asks why and denies.").weak());
        return;
    }
    ui.horizontal(|ui| {
        ui.label(format!("{} selected", table.checked.len()));
        let label = ui.label("Message for all");
        let mut message = table.bulk_message.clone();
        let edit = ui
            .add(TextEdit::singleline(&mut message).desired_width(260.0))
            .labelled_by(label.id);
        if edit.changed() {
            intents.push(RequestsIntent::SetBulkMessage(message).into());
        }
        if ui.button("Approve selected").clicked() {
            intents.push(RequestsIntent::DecideChecked(Verdict::Approve).into());
        }
        if ui.button("Deny selected").clicked() {
            intents.push(RequestsIntent::DecideChecked(Verdict::Deny).into());
        }
    });
}

fn header_ui(ui: &mut Ui, table: &RequestsTable, column: Column, intents: &mut Vec<Intent>) {
    let arrow = match table.sort() {
        Some((current, true)) if current == column => " ⏶",
        Some((current, false)) if current == column => " ⏷",
        _ => "",
    };
    let button = ui.add(
        egui::Button::new(RichText::new(format!("{}{arrow}", column.title())).strong())
            .frame(false),
    );
    button.widget_info(|| {
        WidgetInfo::labeled(Role::Button, true, format!("Sort by {}", column.title()))
    });
    if button.clicked() {
        intents.push(RequestsIntent::Sort(column).into());
    }
}

fn table_ui(ui: &mut Ui, table: &RequestsTable, intents: &mut Vec<Intent>) {
    // Not resizable: egui's column handles have no name for screen readers;
    // the columns size to their contents and clip (issue 12).
    let mut builder = TableBuilder::new(ui)
        .striped(true)
        .resizable(false)
        .column(Width::exact(28.0))
        .column(Width::exact(24.0))
        .columns(
            Width::auto().at_least(70.0).clip(true),
            Column::ALL.len() - 1,
        )
        .column(Width::remainder().at_least(80.0).clip(true));
    if let Some(position) = table.selected_position() {
        builder = builder.scroll_to_row(position, None);
    }
    builder
        .header(22.0, |mut header| {
            header.col(|_| {});
            header.col(|_| {});
            for column in Column::ALL {
                header.col(|ui| header_ui(ui, table, column, intents));
            }
        })
        .body(|body| {
            body.rows(20.0, table.len(), |mut row| {
                let Some(request) = table.visible(row.index()) else {
                    return;
                };
                row.set_selected(table.selected == Some(request.id));
                row_cells(&mut row, table, request, intents);
            });
        });
}

fn row_cells(
    row: &mut egui_extras::TableRow<'_, '_>,
    table: &RequestsTable,
    r: &RequestRow,
    intents: &mut Vec<Intent>,
) {
    row.col(|ui| {
        if r.phase == Phase::Pending {
            let mut ticked = table.checked.contains(&r.id);
            let tick = ui.checkbox(&mut ticked, "");
            tick.widget_info(|| {
                WidgetInfo::selected(
                    Role::CheckBox,
                    true,
                    ticked,
                    format!("Select request {}", r.id),
                )
            });
            if tick.clicked() {
                intents.push(RequestsIntent::ToggleChecked(r.id).into());
            }
        }
    });
    row.col(|ui| {
        let eye = ui.add(egui::Button::new("👁").frame(false));
        eye.widget_info(|| {
            WidgetInfo::labeled(Role::Button, true, format!("Messages of request {}", r.id))
        });
        let reply = if r.reply.is_empty() {
            "—"
        } else {
            r.reply.as_str()
        };
        let message = if r.message.is_empty() {
            "—"
        } else {
            r.message.as_str()
        };
        let eye = eye.on_hover_text(format!(
            "Request message: {message}\nAuthorization message: {reply}"
        ));
        if eye.clicked() {
            intents.push(AccessIntent::ShowDetails(r.id).into());
        }
    });
    let texts = [
        present::phase_word(r.phase).to_owned(),
        r.requested_by.clone(),
        r.entry.clone(),
        present::local_minute(r.requested_on),
        when(r.requested_start),
        r.requested_end
            .map_or_else(|| "—".to_owned(), present::local_minute),
        present::length(r.requested_duration),
        r.authorized_duration
            .map_or_else(|| "—".to_owned(), present::length),
        r.approver.clone(),
    ];
    // One named element per row for screen readers: "Pending, Alice
    // Requester, Orders DB, requested 2026-11-29 10:21, …".
    let spoken = format!(
        "{}, {}, {}, requested {}, {}",
        texts[0], texts[1], texts[2], texts[3], texts[6]
    );
    for text in texts {
        row.col(|ui| {
            ui.label(text);
        });
    }
    let response = row.response();
    let is_selected = table.selected == Some(r.id);
    response.widget_info(|| WidgetInfo::selected(Role::Row, true, is_selected, &spoken));
    // egui reports "selected" as toggled; a table row is selected.
    response
        .ctx
        .accesskit_node_builder(response.id, |node| node.set_selected(is_selected));
    if response.clicked() {
        intents.push(RequestsIntent::Select(r.id).into());
    }
    if response.double_clicked() {
        intents.push(open_intent(r));
    }
}

fn open_intent(row: &RequestRow) -> Intent {
    if row.phase == Phase::Pending {
        ApprovalIntent::OpenResponse(row.id).into()
    } else {
        AccessIntent::ShowDetails(row.id).into()
    }
}

/// R-APP-6: arrows move, Enter opens, A approves and D denies (the ticked
/// rows, or else the selected one) — only while no text field has the keyboard.
fn keyboard_triage(ui: &Ui, table: &RequestsTable, intents: &mut Vec<Intent>) {
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    let pressed = |key: Key| ui.input(|i| i.key_pressed(key));
    if pressed(Key::ArrowDown) {
        intents.push(RequestsIntent::MoveSelection(1).into());
    }
    if pressed(Key::ArrowUp) {
        intents.push(RequestsIntent::MoveSelection(-1).into());
    }
    let selected = table.selected.and_then(|id| table.row(id));
    if pressed(Key::Enter)
        && let Some(row) = selected
    {
        intents.push(open_intent(row));
    }
    for (key, verdict) in [(Key::A, Verdict::Approve), (Key::D, Verdict::Deny)] {
        if pressed(key) {
            match verdict {
                // D asks for the reason first, in one line.
                Verdict::Deny => intents.push(RequestsIntent::AskDenyReason.into()),
                Verdict::Approve if table.checked.is_empty() => {
                    if let Some(row) = selected.filter(|r| r.phase == Phase::Pending) {
                        intents.push(RequestsIntent::ToggleChecked(row.id).into());
                        intents.push(RequestsIntent::DecideChecked(verdict).into());
                    }
                }
                Verdict::Approve => intents.push(RequestsIntent::DecideChecked(verdict).into()),
            }
        }
    }
}
