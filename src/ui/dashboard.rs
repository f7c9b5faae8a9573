//! The dashboard, shown when no entry is selected (R-APP-1, R-BEY-4, R-BEY-5):
//! requests waiting for the user's decision, emergency access to review, and
//! the user's own temporary access with countdowns.

use crate::app::MainState;
use crate::app::intent::Intent;
use crate::domain::request::{Phase, Request};
use egui::{RichText, Role, Ui, WidgetInfo};

fn labelled_button(ui: &mut Ui, text: &str, accessible: &str) -> bool {
    let button = ui.button(text);
    button.widget_info(|| WidgetInfo::labeled(Role::Button, true, accessible));
    button.clicked()
}

fn summary(state: &MainState, request: &Request) -> String {
    let terms = request.effective_terms();
    format!(
        "{} · {} · {}",
        state.entry_name(request.entry_id),
        state.set_name(terms.permission_set_id),
        terms.window.describe()
    )
}

/// The dashboard.
pub fn dashboard_ui(ui: &mut Ui, state: &MainState, intents: &mut Vec<Intent>) {
    let now = state.now;
    let may_approve =
        state.session.user().is_admin || state.inbox_count > 0 || !state.reviews.is_empty();
    if may_approve {
        ui.heading(format!("Pending access requests ({})", state.inbox_count));
        if state.inbox.is_empty() {
            ui.label(RichText::new("Nothing waits for your decision.").weak());
        }
        for request in &state.inbox {
            let requester = state.display_name(request.requester_id);
            let entry = state.entry_name(request.entry_id);
            ui.horizontal_wrapped(|ui| {
                if labelled_button(
                    ui,
                    "✔",
                    &format!("Approve request from {requester} for {entry}"),
                ) {
                    intents.push(Intent::OpenResponse(request.id));
                }
                if labelled_button(
                    ui,
                    "✖",
                    &format!("Deny request from {requester} for {entry}"),
                ) {
                    intents.push(Intent::OpenResponse(request.id));
                }
                ui.label(RichText::new(&requester).strong());
                ui.label(summary(state, request));
                ui.label(
                    RichText::new(format!("since {}", request.created_at.local_minute())).weak(),
                );
                if !request.approvals.is_empty() {
                    ui.label(format!("{} approval(s) so far", request.approvals.len()));
                }
            });
            if !request.message.is_empty() {
                ui.indent(request.id, |ui| {
                    ui.label(RichText::new(format!("“{}”", request.message)).italics())
                });
            }
        }
        if state.inbox_count > state.inbox.len() as i64 {
            ui.label(
                RichText::new(format!(
                    "and {} more",
                    state.inbox_count - state.inbox.len() as i64
                ))
                .weak(),
            );
        }
        ui.add_space(12.0);
    }
    if !state.reviews.is_empty() {
        ui.heading(format!(
            "Emergency access to review ({})",
            state.reviews.len()
        ));
        for request in &state.reviews {
            let requester = state.display_name(request.requester_id);
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(&requester).strong());
                ui.label(summary(state, request));
                ui.label(RichText::new(format!("at {}", request.created_at.local_minute())).weak());
                let entry = state.entry_name(request.entry_id);
                if labelled_button(
                    ui,
                    "Mark reviewed",
                    &format!("Mark reviewed: {requester} on {entry}"),
                ) {
                    intents.push(Intent::MarkReviewed(request.id));
                }
            });
            ui.indent(request.id, |ui| {
                ui.label(RichText::new(format!("Reason: “{}”", request.message)).italics())
            });
        }
        ui.add_space(12.0);
    }
    ui.heading("My temporary access");
    if state.my_access.is_empty() {
        ui.label(
            RichText::new(
                "No pending or active access. Double-click a locked item to ask for some.",
            )
            .weak(),
        );
    }
    for request in &state.my_access {
        ui.horizontal_wrapped(|ui| {
            let status = match request.phase(now) {
                Phase::Active => format!(
                    "✔ active, {} remaining",
                    request
                        .grant_end_at
                        .map_or(crate::domain::Span::ZERO, |e| e.since(now))
                        .countdown()
                ),
                Phase::Scheduled => format!(
                    "scheduled, starts in {}",
                    request
                        .grant_start_at
                        .map_or(crate::domain::Span::ZERO, |s| s.since(now))
                        .countdown()
                ),
                Phase::AwaitingFirstUse => "approved, starts on first use".to_owned(),
                phase => phase.label().to_lowercase(),
            };
            // One label per row: its text names the entry with its state.
            let set = state.set_name(request.effective_terms().permission_set_id);
            ui.label(format!(
                "{} ({set}): {status}",
                state.entry_name(request.entry_id)
            ));
        });
    }
}
