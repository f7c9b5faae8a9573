//! A second approver's window when the first approver changed the terms
//! (R-BEY-4, R-APP-3, R-APP-6), driven the way a person drives it: real
//! clicks through egui_kittest on the whole eframe app, with a fixed clock.
//! Bob's approval happens meanwhile through the service, as from his own
//! window. The helpers follow `tests/ui_approver.rs`.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;

use egui_kittest::kittest::Queryable;
use latchkey::app::view::forms::Dialog;
use latchkey::domain::request::{
    AccessWindow, ApprovalInput, ApprovalOutcome, RequestStatus, Terms,
};
use latchkey::domain::{RequestId, Span};

/// Alice asks Bob for `set` on `entry` of `vault` for `mins` minutes, through the service.
fn alice_asks_bob(
    window: &mut Window,
    vault: &str,
    entry: &str,
    set: &str,
    mins: u32,
) -> RequestId {
    alice_asks(
        window,
        (vault, entry),
        set,
        mins,
        "Bob Approver",
        "Month-end close",
    )
}

/// Bob, from his own window, approves `id` with Contributor for a week.
fn bob_approves_a_week_of_contributor(window: &mut Window, id: RequestId) -> Terms {
    let bob = session_of(window, "bob");
    let week = Terms {
        permission_set_id: set_id(window, "Contributor"),
        window: AccessWindow::Duration { mins: 7 * 1_440 },
    };
    let input = ApprovalInput {
        terms: Some(week),
        message: "A week, and Contributor".into(),
    };
    let now = window.state().now();
    let main = main_state(window);
    let outcome = main.workspace().approve(&bob, id, &input, now).unwrap();
    assert_eq!(
        outcome,
        ApprovalOutcome::Recorded {
            approvals: 1,
            required: 2
        }
    );
    week
}

fn value(window: &Window, label: &str) -> Option<String> {
    window.get_by_label(label).value()
}

/// R-BEY-4, R-APP-3: Carol opens Alice's Finance request (Reader, 15 min,
/// two approvals needed). Bob approves it meanwhile with Contributor for a
/// week. Carol's "Approve request" is refused: the window stays open, says
/// Bob changed the terms and when, and now shows the week of Contributor
/// (fixed, 1 of 2 by Bob), keeping her message. Her second click approves
/// those terms deliberately.
#[test]
fn the_response_window_reloads_and_shows_the_new_terms_after_a_refusal() {
    let mut app = demo_app("carol");
    let window = &mut app.window;
    let bank = alice_asks_bob(window, "Finance", "Bank portal", "Reader", 15);
    let badge = text_starting(window, "Requests waiting for you: ");
    click(window, &badge);
    click(
        window,
        "Approve request from Alice Requester for Bank portal",
    );
    assert!(dialog_shows(window, "0 of 2 (none yet)"));
    assert_eq!(value(window, "Permission").as_deref(), Some("Reader"));
    assert_eq!(value(window, "Access duration").as_deref(), Some("15 min"));
    replace_text(window, "Message to the requester", "Statements only");

    app.clock.advance(Span::mins(1));
    window.run();
    let bob_at = window.state().now();
    let week = bob_approves_a_week_of_contributor(window, bank);

    app.clock.advance(Span::mins(1));
    click(window, "Approve request");
    let said = texts_containing(window, "the terms were changed by Bob Approver");
    println!("after the refusal the window says: {said:?}");
    assert_eq!(
        said.len(),
        1,
        "the refusal is shown in the window: {said:?}"
    );
    assert!(said[0].contains(&bob_at.local_second()), "{said:?}");
    let form = match &main_state(window).dialog {
        Dialog::Respond(form) => (**form).clone(),
        other => panic!("the response window stays open: {other:?}"),
    };
    assert_eq!(form.info.request.effective_terms(), week, "reloaded");
    assert_eq!(form.message, "Statements only", "her message is kept");
    assert!(dialog_shows(window, "1 of 2 (Bob Approver)"));
    assert_eq!(value(window, "Permission").as_deref(), Some("Contributor"));
    assert_eq!(value(window, "Access duration").as_deref(), Some("1 week"));
    let carol = session_of(window, "carol");
    let stored = stored_as(window, &carol, bank);
    assert_eq!(stored.status, RequestStatus::Pending);
    assert_eq!(stored.approvals.len(), 1, "nothing recorded for Carol");

    click(window, "Approve request");
    assert!(shown(window, "Request approved"));
    let stored = stored_as(window, &carol, bank);
    assert_eq!(stored.status, RequestStatus::Approved);
    assert_eq!(stored.authorized, Some(week));
    assert_eq!(stored.decision_message, "Statements only");
}

/// R-APP-6, R-BEY-4: Carol ticks three pending requests in the requests
/// window; Bob meanwhile changes the terms of one. "Approve selected"
/// approves the two others as shown and refuses the changed one, saying
/// why; it stays pending with Bob's approval only.
#[test]
fn bulk_approve_of_a_changed_request_is_refused_for_that_one_only() {
    let mut app = demo_app("carol");
    let window = &mut app.window;
    let payments = main_state(window)
        .view
        .dashboard
        .inbox
        .iter()
        .find(|r| r.approvals.len() == 1)
        .unwrap()
        .id;
    let bank = alice_asks_bob(window, "Finance", "Bank portal", "Reader", 15);
    let web = alice_asks_bob(window, "Production", "prod-web-01", "Reader", 30);
    click(window, "All requests…");
    for id in [payments, bank, web] {
        click(window, &format!("Select request {id}"));
    }
    assert!(shown(window, "3 selected"));

    bob_approves_a_week_of_contributor(window, bank);
    click(window, "Approve selected");
    let error = main_state(window)
        .view
        .status
        .error()
        .unwrap_or_default()
        .to_owned();
    println!(
        "notice: {:?}; error: {error}",
        main_state(window).view.status.notice()
    );
    assert!(
        error.starts_with(&format!(
            "2 approved; request {bank}: the terms were changed by Bob Approver at "
        )),
        "{error}"
    );
    assert!(
        shown(window, &format!("⚠ {error}")),
        "the status bar says it"
    );
    let carol = session_of(window, "carol");
    for id in [payments, web] {
        assert_eq!(
            stored_as(window, &carol, id).status,
            RequestStatus::Approved,
            "request {id}"
        );
    }
    let changed = stored_as(window, &carol, bank);
    assert_eq!(changed.status, RequestStatus::Pending);
    assert_eq!(changed.approvals.len(), 1);
}
