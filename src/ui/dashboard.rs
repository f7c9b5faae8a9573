//! The dashboard, shown when no entry is selected (R-APP-1, R-BEY-4, R-BEY-5):
//! requests waiting for the user's decision, emergency access to review, and
//! the user's own temporary access with countdowns.

use crate::app::present;
use crate::app::view::intent::{ApprovalIntent, Intent};
use crate::app::view::screen::MainView;
use crate::domain::Timestamp;
use crate::domain::request::Request;
use egui::{RichText, Role, Ui, WidgetInfo};

fn labelled_button(ui: &mut Ui, text: &str, accessible: &str) -> bool {
    let button = ui.button(text);
    button.widget_info(|| WidgetInfo::labeled(Role::Button, true, accessible));
    button.clicked()
}

fn summary(state: &MainView, request: &Request) -> String {
    present::request_summary(
        request,
        &state.names.target(request.target),
        &state.names.set(request.effective_terms().permission_set_id),
    )
}

/// The dashboard.
pub fn dashboard_ui(ui: &mut Ui, state: &MainView, now: Timestamp, intents: &mut Vec<Intent>) {
    let dashboard = &state.dashboard;
    let may_approve =
        state.user.is_admin || dashboard.inbox_count > 0 || !dashboard.reviews.is_empty();
    if may_approve {
        inbox_ui(ui, state, intents);
    }
    if !dashboard.reviews.is_empty() {
        reviews_ui(ui, state, intents);
    }
    ui.heading("My temporary access");
    if dashboard.my_access.is_empty() {
        ui.label(
            RichText::new(
                "No pending or active access. Double-click a locked item to ask for some.",
            )
            .weak(),
        );
    }
    for request in &dashboard.my_access {
        ui.horizontal_wrapped(|ui| {
            let status = present::my_access_status(request, now);
            // One label per row: its text names the entry with its state.
            let set = state.names.set(request.effective_terms().permission_set_id);
            ui.label(format!(
                "{} ({set}): {status}",
                state.names.target(request.target)
            ));
        });
    }
}

/// Requests waiting for this user's decision.
fn inbox_ui(ui: &mut Ui, state: &MainView, intents: &mut Vec<Intent>) {
    let dashboard = &state.dashboard;
    ui.heading(format!(
        "Pending access requests ({})",
        dashboard.inbox_count
    ));
    if dashboard.inbox.is_empty() {
        ui.label(RichText::new("Nothing waits for your decision.").weak());
    }
    for request in &dashboard.inbox {
        let requester = state.names.user(request.requester_id);
        let entry = state.names.target(request.target);
        ui.horizontal_wrapped(|ui| {
            if labelled_button(
                ui,
                "✔",
                &format!("Approve request from {requester} for {entry}"),
            ) {
                intents.push(ApprovalIntent::OpenResponse(request.id).into());
            }
            if labelled_button(
                ui,
                "✖",
                &format!("Deny request from {requester} for {entry}"),
            ) {
                intents.push(ApprovalIntent::OpenResponse(request.id).into());
            }
            ui.label(RichText::new(&requester).strong());
            ui.label(summary(state, request));
            ui.label(
                RichText::new(format!(
                    "since {}",
                    present::local_minute(request.created_at)
                ))
                .weak(),
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
    let listed = dashboard.inbox.len() as i64;
    if dashboard.inbox_count > listed {
        ui.label(RichText::new(format!("and {} more", dashboard.inbox_count - listed)).weak());
    }
    ui.add_space(12.0);
}

/// Emergency access this user may review.
fn reviews_ui(ui: &mut Ui, state: &MainView, intents: &mut Vec<Intent>) {
    let reviews = &state.dashboard.reviews;
    ui.heading(format!("Emergency access to review ({})", reviews.len()));
    for request in reviews {
        let requester = state.names.user(request.requester_id);
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(&requester).strong());
            ui.label(summary(state, request));
            ui.label(
                RichText::new(format!("at {}", present::local_minute(request.created_at))).weak(),
            );
            let entry = state.names.target(request.target);
            if labelled_button(
                ui,
                "Mark reviewed",
                &format!("Mark reviewed: {requester} on {entry}"),
            ) {
                intents.push(ApprovalIntent::MarkReviewed(request.id).into());
            }
        });
        ui.indent(request.id, |ui| {
            ui.label(RichText::new(format!("Reason: “{}”", request.message)).italics())
        });
    }
    ui.add_space(12.0);
}
