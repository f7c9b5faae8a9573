//! The "Temporary access requests" window, driven the way a person drives
//! it: real clicks, typing and keys through egui_kittest on the whole eframe
//! app, with a fixed clock. What the window shows is read from its AccessKit
//! tree and its table; what was stored is read back through the workspace,
//! and every expected order or filter result is computed here from the
//! stored requests, independently of the table's code. The helpers follow
//! `tests/ui_approver.rs`.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

/// The D key's one-line prompt.
const DENY_REASON: &str = "Reason for denying (Enter denies, Escape cancels)";

use common::*;

use egui::accesskit::Role;
use egui_kittest::kittest::{By, Queryable};
use latchkey::app::view::forms::Dialog;
use latchkey::app::view::requests_table::{Column, RequestsTable};
use latchkey::domain::request::{AccessWindow, Phase, Request, RequestKind, RequestStatus, Terms};
use latchkey::domain::{EntryId, RequestId, Span, Timestamp, UserId};

/// The window's title and the top-bar button that opens it.
const TITLE: &str = "Temporary access requests";
const OPEN: &str = "All requests…";
const FILTER: &str = "Filter requests";

/// The open requests window's table.
fn table(window: &mut Window) -> &RequestsTable {
    main_state(window)
        .view
        .requests_table
        .as_ref()
        .expect("the requests window is open")
}

/// The visible request ids, top to bottom.
fn visible_ids(window: &mut Window) -> Vec<RequestId> {
    let table = table(window);
    (0..table.len())
        .map(|i| table.visible(i).unwrap().id)
        .collect()
}

/// Empties a field: select all, Backspace.
fn clear_text(window: &mut Window, label: &str) {
    window.get_by_label(label).focus();
    window.run();
    window.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    window.key_press(egui::Key::Backspace);
    window.run();
    assert_eq!(window.get_by_label(label).value().as_deref(), Some(""));
}

/// Picks `choice` in the drop-down named `label` (the choice is a button;
/// the table may show the same word as a text).
fn choose_button(window: &mut Window, label: &str, choice: &str) {
    click(window, label);
    let is_choice = || By::new().role(Role::Button).label(choice);
    // The list scrolls when long: bring the choice into view first.
    window.get(is_choice()).scroll_to_me();
    window.run();
    window.get(is_choice()).click();
    window.run();
    assert_eq!(window.get_by_label(label).value().as_deref(), Some(choice));
}

/// Presses a key (nothing else pressed) and lets the window settle.
fn press(window: &mut Window, key: egui::Key) {
    window.key_press(key);
    window.run();
}

/// Opens the requests window from the top bar.
fn open_requests_window(window: &mut Window) {
    click(window, OPEN);
    assert!(shown(window, TITLE));
    assert!(main_state(window).view.requests_table.is_some());
}

/// Every request the signed-in user may see, as stored.
fn stored_visible(window: &mut Window) -> Vec<Request> {
    let now = window.state().now();
    let main = main_state(window);
    let session = main.session.clone();
    main.workspace().visible_requests(&session, now).unwrap()
}

/// Display names of entries, read from the store (not from the window's cache).
fn entry_names(
    window: &mut Window,
    requests: &[Request],
) -> std::collections::HashMap<EntryId, String> {
    let ids: Vec<EntryId> = requests.iter().filter_map(Request::entry_id).collect();
    let now = window.state().now();
    let main = main_state(window);
    main.workspace().entry_names(&ids, now).unwrap()
}

/// The request on `entry` in `phase` at T0, among those the signed-in user
/// may see, as stored.
fn visible_request(window: &mut Window, entry: &str, phase: Phase) -> RequestId {
    let requests = stored_visible(window);
    let entries = entry_names(window, &requests);
    requests
        .iter()
        .find(|r| entries[&r.entry_id().unwrap()] == entry && r.phase(T0) == phase)
        .unwrap()
        .id
}

/// Alice asks Bob for `set` on a Production entry for `mins` minutes, through the service.
fn alice_asks_bob(
    window: &mut Window,
    entry: &str,
    set: &str,
    mins: u32,
    message: &str,
) -> RequestId {
    alice_asks(
        window,
        ("Production", entry),
        set,
        mins,
        "Bob Approver",
        message,
    )
}

/// A sort key computed from a stored request, independently of the table.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Text(String),
    Time(Option<Timestamp>),
    Length(Option<Span>),
}

fn sort_key(
    request: &Request,
    column: Column,
    names: &std::collections::HashMap<UserId, String>,
    entries: &std::collections::HashMap<EntryId, String>,
) -> Key {
    let name = |id: UserId| names[&id].to_lowercase();
    let (start, end) = match request.requested.window {
        AccessWindow::Custom { start_at, end_at } => (Some(start_at), Some(end_at)),
        AccessWindow::Duration { .. } | AccessWindow::Permanent => (None, None),
    };
    match column {
        Column::Status => Key::Text(request.phase(T0).label().to_owned()),
        Column::RequestedBy => Key::Text(name(request.requester_id)),
        Column::Entry => Key::Text(entries[&request.entry_id().unwrap()].to_lowercase()),
        Column::RequestedOn => Key::Time(Some(request.created_at)),
        Column::RequestedStart => Key::Time(start),
        Column::RequestedEnd => Key::Time(end),
        Column::RequestedDuration => Key::Length(request.requested.window.length()),
        Column::AuthorizedDuration => {
            Key::Length(request.authorized.and_then(|t| t.window.length()))
        }
        Column::Approver => Key::Text(request.approver_id.map(name).unwrap_or_default()),
    }
}

/// The order a column should give: by key either way, ties newest (highest id) first.
fn expected_order(
    requests: &[Request],
    column: Column,
    ascending: bool,
    names: &std::collections::HashMap<UserId, String>,
    entries: &std::collections::HashMap<EntryId, String>,
) -> Vec<RequestId> {
    let mut keyed: Vec<(Key, RequestId)> = requests
        .iter()
        .map(|r| (sort_key(r, column, names, entries), r.id))
        .collect();
    keyed.sort_by(|(ka, ia), (kb, ib)| {
        let by_key = if ascending { ka.cmp(kb) } else { kb.cmp(ka) };
        by_key.then_with(|| ib.cmp(ia))
    });
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// R-APP-2: an administrator sees every stored request; each of the nine
/// column headers sorts ascending on the first click and descending on the
/// second, in the order computed here from the stored requests (ties newest
/// first); the header shows the direction.
#[test]
fn every_column_header_sorts_both_ways() {
    let mut window = demo_window("admin");
    open_requests_window(&mut window);
    let requests = stored_visible(&mut window);
    assert!(
        requests.len() >= 11,
        "the demo's history: {}",
        requests.len()
    );
    assert_eq!(table(&mut window).total(), requests.len());
    assert_eq!(table(&mut window).len(), requests.len(), "nothing filtered");
    let names = main_state(&mut window).view.names.users.clone();
    let entries = entry_names(&mut window, &requests);
    // Opened newest first.
    assert_eq!(
        visible_ids(&mut window),
        expected_order(&requests, Column::RequestedOn, false, &names, &entries)
    );
    for column in Column::ALL {
        let header = format!("Sort by {}", column.title());
        for ascending in [true, false] {
            // "Requested on" starts descending, so its first click goes ascending too.
            click(&mut window, &header);
            assert_eq!(table(&mut window).sort(), Some((column, ascending)));
            let expected = expected_order(&requests, column, ascending, &names, &entries);
            assert_eq!(
                visible_ids(&mut window),
                expected,
                "{header}, ascending: {ascending}"
            );
            let len = table(&mut window).len();
            assert_eq!(
                table(&mut window).visible(0).unwrap().id,
                expected[0],
                "{header} first row"
            );
            assert_eq!(
                table(&mut window).visible(len - 1).unwrap().id,
                expected[len - 1],
                "{header} last row"
            );
        }
    }
    // A spot check of the real values: by requested duration, the longest
    // is the 8 h month-end report on Orders DB, the shortest a 30 min one.
    click(&mut window, "Sort by Requested duration");
    let table = table(&mut window);
    assert_eq!(table.sort(), Some((Column::RequestedDuration, true)));
    assert_eq!(
        table.visible(0).unwrap().requested_duration,
        Some(Span::mins(30))
    );
    let last = table.visible(table.len() - 1).unwrap();
    assert_eq!(
        (last.entry.as_str(), last.requested_duration),
        ("Orders DB", Some(Span::hours(8)))
    );
}

/// R-APP-2: the Status drop-down shows only the chosen phase (as many
/// pending rows as stored pending, not lapsed, requests); the filter bar
/// narrows by requester name, entry name and message word, case aside;
/// clearing it and choosing "All" shows every row again.
#[expect(
    clippy::too_many_lines,
    reason = "one flow through the window, step by step, reads best as one story"
)]
#[test]
fn status_drop_down_and_filter_bar_narrow_the_rows() {
    let mut window = demo_window("admin");
    // A second requester, so that a requester's name narrows: Carol joins
    // Production and the administrator grants her the runbook.
    let admin = main_state(&mut window).session.clone();
    let carol = user_id(&mut window, "Carol Approver");
    let runbook = entry_id(&mut window, &admin, "Production", "Runbook wiki");
    let reader = set_id(&mut window, "Reader");
    let now = window.state().now();
    let main = main_state(&mut window);
    let production = main
        .view
        .vaults
        .iter()
        .find(|v| v.name == "Production")
        .unwrap()
        .id;
    main.workspace()
        .add_member(&admin, production, carol, now)
        .unwrap();
    let terms = Terms {
        permission_set_id: reader,
        window: AccessWindow::Duration { mins: 60 },
    };
    main.workspace()
        .direct_grant(&admin, carol, runbook, terms, "Read the on-call page", now)
        .unwrap();

    open_requests_window(&mut window);
    let requests = stored_visible(&mut window);
    let total = requests.len();
    let names = main_state(&mut window).view.names.users.clone();
    let entries = entry_names(&mut window, &requests);

    let pending: Vec<RequestId> = requests
        .iter()
        .filter(|r| r.status == RequestStatus::Pending && r.phase(T0) != Phase::Lapsed)
        .map(|r| r.id)
        .collect();
    assert_eq!(pending.len(), 2, "prod-app-01 and Payments DB wait");
    choose_button(&mut window, "Status", "Pending");
    let mut ids = visible_ids(&mut window);
    ids.sort();
    assert_eq!(ids, pending);
    assert_eq!(table(&mut window).len(), pending.len());
    assert!(shown(
        &window,
        &format!("{} of {total} requests", pending.len())
    ));
    for id in &pending {
        assert!(
            shown(&window, &format!("Select request {id}")),
            "tick box of {id}"
        );
    }
    choose_button(&mut window, "Status", "Lapsed");
    let lapsed = requests
        .iter()
        .filter(|r| r.phase(T0) == Phase::Lapsed)
        .count();
    assert_eq!((table(&mut window).len(), lapsed), (1, 1));
    choose_button(&mut window, "Status", "All");
    assert_eq!(table(&mut window).len(), total);

    // Requester, entry, message, reply: what the filter bar searches.
    for (typed, reason) in [
        ("CAROL", "a requester's name"),
        ("prod-db-01", "an entry's name"),
        ("patches", "a word of a request message"),
        ("report", "a word of a message or a reply"),
    ] {
        replace_text(&mut window, FILTER, typed);
        let needle = typed.to_lowercase();
        let mut expected: Vec<RequestId> = requests
            .iter()
            .filter(|r| {
                [
                    names[&r.requester_id].as_str(),
                    entries[&r.entry_id().unwrap()].as_str(),
                    r.message.as_str(),
                    r.decision_message.as_str(),
                ]
                .iter()
                .any(|text| text.to_lowercase().contains(&needle))
            })
            .map(|r| r.id)
            .collect();
        expected.sort();
        assert!(
            !expected.is_empty() && expected.len() < total,
            "{typed:?} ({reason}) narrows: {expected:?}"
        );
        let mut ids = visible_ids(&mut window);
        ids.sort();
        assert_eq!(ids, expected, "{typed:?}: {reason}");
        assert!(shown(
            &window,
            &format!("{} of {total} requests", expected.len())
        ));
    }
    // Status and text combine: prod-db-01 is emergency (expired) and scheduled.
    replace_text(&mut window, FILTER, "prod-db-01");
    choose_button(&mut window, "Status", "Scheduled");
    assert_eq!(table(&mut window).len(), 1);
    assert_eq!(table(&mut window).visible(0).unwrap().entry, "prod-db-01");
    choose_button(&mut window, "Status", "All");

    clear_text(&mut window, FILTER);
    assert_eq!(table(&mut window).len(), total, "clearing restores all");
    assert!(shown(&window, &format!("{total} of {total} requests")));
}

/// R-APP-2: the eye of a row shows the request message and the
/// authorization message on hover ("—" where there is none); a click opens
/// the request's details.
#[test]
fn eye_button_shows_both_messages_and_opens_details() {
    let mut window = demo_window("admin");
    open_requests_window(&mut window);
    let active = visible_request(&mut window, "prod-dc-01", Phase::Active);
    let pending = visible_request(&mut window, "prod-app-01", Phase::Pending);

    window
        .get_by_label(&format!("Messages of request {active}"))
        .hover();
    window.run_steps(20);
    assert_eq!(
        texts_containing(&window, "Request message: "),
        vec![
            "Request message: Apply the monthly security patches\nAuthorization message: Two hours should be enough; ask for more if needed"
                .to_owned()
        ]
    );

    // No reply yet: the authorization message is a dash.
    window
        .get_by_label(&format!("Messages of request {pending}"))
        .hover();
    window.run_steps(20);
    assert_eq!(
        texts_containing(&window, "Request message: "),
        vec![
            "Request message: Restart the app pool after the config change\nAuthorization message: —"
                .to_owned()
        ]
    );

    click(&mut window, &format!("Messages of request {active}"));
    assert!(shown(&window, "Temporary access details"));
    assert!(matches!(main_state(&mut window).dialog, Dialog::Details(ref r) if r.id == active));
    for text in [
        "Apply the monthly security patches",
        "Two hours should be enough; ask for more if needed",
        "4 h from approval",
        "2 h from approval",
        "Alice Requester",
    ] {
        assert!(dialog_shows(&window, text), "details show {text:?}");
    }
    click(&mut window, "Close");
    assert!(absent(&window, "Temporary access details"));
    assert!(shown(&window, TITLE), "the requests window stays open");
}

/// R-APP-6: Bob ticks three pending requests, types one message and
/// approves them together: all three are stored approved, as asked, with
/// that message. Then two more, denied together with another message.
#[test]
fn ticked_requests_are_approved_or_denied_together_with_one_message() {
    let mut window = demo_window("bob");
    let app01 = main_state(&mut window).view.dashboard.inbox[0].id;
    let portal = alice_asks_bob(&mut window, "Admin portal", "Reader", 30, "Licence page");
    let web01 = alice_asks_bob(&mut window, "prod-web-01", "Operator", 120, "Deploy 4.2.2");
    open_requests_window(&mut window);
    assert!(shown(
        &window,
        "Tick pending requests to decide several at once. Keys: arrow up and down move, Enter opens, A approves, D asks why and denies."
    ));
    assert!(absent(&window, "Approve selected"), "nothing ticked yet");
    for id in [app01, portal, web01] {
        click(&mut window, &format!("Select request {id}"));
    }
    assert_eq!(
        table(&mut window)
            .checked
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        {
            let mut ids = vec![app01, portal, web01];
            ids.sort();
            ids
        }
    );
    assert!(shown(&window, "3 selected"));
    // Unticking and ticking again works.
    click(&mut window, &format!("Select request {portal}"));
    assert!(shown(&window, "2 selected"));
    click(&mut window, &format!("Select request {portal}"));
    assert!(shown(&window, "3 selected"));

    replace_text(
        &mut window,
        "Message for all",
        "Approved for tonight's change",
    );
    let bob = session_of(&mut window, "bob");
    for id in [app01, portal, web01] {
        assert_eq!(
            stored_as(&mut window, &bob, id).status,
            RequestStatus::Pending,
            "typing decides nothing"
        );
    }
    click(&mut window, "Approve selected");
    let bob_id = bob.user_id();
    for id in [app01, portal, web01] {
        let approved = stored_as(&mut window, &bob, id);
        assert_eq!(approved.status, RequestStatus::Approved, "request {id}");
        assert_eq!(approved.decision_message, "Approved for tonight's change");
        assert_eq!(approved.decided_by, Some(bob_id));
        assert_eq!(approved.authorized, Some(approved.requested), "as asked");
        assert_eq!(approved.phase(T0), Phase::Active);
        assert_eq!(table(&mut window).row(id).unwrap().phase, Phase::Active);
    }
    assert!(table(&mut window).checked.is_empty());
    assert!(absent(&window, "Approve selected"), "the bulk bar is gone");
    assert!(shown(&window, "3 approved"));

    // Deny two fresh ones together.
    let vpn = alice_asks_bob(&mut window, "Corporate VPN", "Reader", 60, "Remote work");
    let wiki = alice_asks_bob(&mut window, "Runbook wiki", "Reader", 15, "Read a runbook");
    // Reopen to load them (another window would have been told by the watcher).
    click(&mut window, OPEN);
    for id in [vpn, wiki] {
        click(&mut window, &format!("Select request {id}"));
    }
    replace_text(&mut window, "Message for all", "Not during the freeze");
    click(&mut window, "Deny selected");
    for id in [vpn, wiki] {
        let denied = stored_as(&mut window, &bob, id);
        assert_eq!(denied.status, RequestStatus::Denied, "request {id}");
        assert_eq!(denied.decision_message, "Not during the freeze");
        assert_eq!(denied.decided_by, Some(bob_id));
        assert_eq!(table(&mut window).row(id).unwrap().phase, Phase::Denied);
    }
    assert!(shown(&window, "2 denied"));
    assert_eq!(
        main_state(&mut window).view.dashboard.inbox_count,
        0,
        "the dashboard follows"
    );
}

/// R-APP-6: right after opening the window (no text field focused),
/// ArrowDown selects the first row, ArrowDown again the second; keys typed
/// in the filter bar do not triage; Enter on a pending row opens the
/// response window; Escape closes it; A approves the selected pending row
/// as asked, and after ArrowUp, D denies the other; Enter on a decided row
/// opens its details.
#[expect(
    clippy::too_many_lines,
    reason = "one flow through the window, step by step, reads best as one story"
)]
#[test]
fn keyboard_triage_moves_opens_approves_and_denies() {
    let mut window = demo_window("bob");
    let first = alice_asks_bob(&mut window, "Admin portal", "Reader", 30, "Licence page");
    let second = alice_asks_bob(&mut window, "prod-web-01", "Operator", 120, "Deploy 4.2.2");
    open_requests_window(&mut window);
    // Opened newest first: the two fresh requests lead.
    assert_eq!(visible_ids(&mut window)[..2], [second, first]);
    assert_eq!(table(&mut window).selected, None);

    press(&mut window, egui::Key::ArrowDown);
    assert_eq!(table(&mut window).selected, Some(second), "first row");
    press(&mut window, egui::Key::ArrowDown);
    assert_eq!(table(&mut window).selected, Some(first), "second row");

    // While the filter bar has the keyboard, A is typing, not approving.
    window.get_by_label(FILTER).focus();
    window.run();
    press(&mut window, egui::Key::A);
    press(&mut window, egui::Key::ArrowDown);
    let bob = session_of(&mut window, "bob");
    assert_eq!(
        stored_as(&mut window, &bob, first).status,
        RequestStatus::Pending
    );
    assert_eq!(
        table(&mut window).selected,
        Some(first),
        "arrows stay in the field"
    );
    press(&mut window, egui::Key::Escape);
    assert!(
        !window.get_by_label(FILTER).is_focused(),
        "Escape leaves the field"
    );

    press(&mut window, egui::Key::Enter);
    assert!(shown(&window, "Respond to an access request"));
    match &main_state(&mut window).dialog {
        Dialog::Respond(form) => assert_eq!(form.info.request.id, first),
        other => panic!("the response window is not open: {other:?}"),
    }
    assert!(dialog_shows(&window, "“Licence page”"));
    // Keys go to the dialog now, not to the table.
    press(&mut window, egui::Key::ArrowDown);
    assert_eq!(table(&mut window).selected, Some(first));
    press(&mut window, egui::Key::Escape);
    assert!(absent(&window, "Respond to an access request"));
    assert_eq!(
        stored_as(&mut window, &bob, first).status,
        RequestStatus::Pending
    );

    press(&mut window, egui::Key::A);
    let approved = stored_as(&mut window, &bob, first);
    assert_eq!(approved.status, RequestStatus::Approved);
    assert!(
        shown(
            &window,
            "Approved Alice Requester's request for Admin portal"
        ),
        "A says what it approved"
    );
    assert_eq!(
        approved.authorized,
        Some(approved.requested),
        "as requested"
    );
    assert_eq!(approved.decided_by, Some(bob.user_id()));
    assert_eq!(
        stored_as(&mut window, &bob, second).status,
        RequestStatus::Pending,
        "only the selected row"
    );
    assert_eq!(
        table(&mut window).selected,
        Some(first),
        "the selection stays"
    );

    // A again on the approved row does nothing.
    press(&mut window, egui::Key::A);
    assert!(absent(&window, "Respond to an access request"));

    press(&mut window, egui::Key::ArrowUp);
    assert_eq!(table(&mut window).selected, Some(second));
    // D asks why first, in one line; Escape cancels and nothing is denied
    // (issue 12: D used to deny at once, with "No reason was given").
    press(&mut window, egui::Key::D);
    assert!(shown(&window, DENY_REASON), "D asks for the reason");
    assert_eq!(
        stored_as(&mut window, &bob, second).status,
        RequestStatus::Pending,
        "nothing is denied before the reason"
    );
    press(&mut window, egui::Key::Escape);
    assert!(absent(&window, DENY_REASON), "Escape cancels");
    assert_eq!(
        stored_as(&mut window, &bob, second).status,
        RequestStatus::Pending
    );
    press(&mut window, egui::Key::D);
    assert!(
        window.get_by_label(DENY_REASON).is_focused(),
        "typing goes to the reason"
    );
    window
        .get_by_label(DENY_REASON)
        .type_text("Deploys wait for Monday");
    window.run();
    press(&mut window, egui::Key::Enter);
    let denied = stored_as(&mut window, &bob, second);
    assert_eq!(denied.status, RequestStatus::Denied);
    assert_eq!(denied.decided_by, Some(bob.user_id()));
    assert_eq!(denied.decision_message, "Deploys wait for Monday");
    assert!(shown(
        &window,
        "Denied Alice Requester's request for prod-web-01"
    ));
    assert_eq!(
        stored_as(&mut window, &bob, first).status,
        RequestStatus::Approved
    );

    // Enter on a decided row opens its details.
    press(&mut window, egui::Key::Enter);
    assert!(shown(&window, "Temporary access details"));
    assert!(matches!(main_state(&mut window).dialog, Dialog::Details(ref r) if r.id == second));
}

/// R-APP-5: Bob opens the details of Alice's active prod-dc-01 grant from
/// the requests window, "Revoke…", confirms "Revoke access": the grant is
/// stored revoked, ended by Bob, now; the row says Revoked.
#[test]
fn approver_revokes_an_active_grant_from_its_details() {
    let mut window = demo_window("bob");
    open_requests_window(&mut window);
    let grant = visible_request(&mut window, "prod-dc-01", Phase::Active);
    click(&mut window, &format!("Messages of request {grant}"));
    assert!(shown(&window, "Temporary access details"));
    click(&mut window, "Revoke…");
    assert!(shown(&window, "Revoke this access?"));
    replace_text(&mut window, "Reason (optional)", "Patching is done");
    let bob = session_of(&mut window, "bob");
    assert_eq!(
        stored_as(&mut window, &bob, grant).phase(T0),
        Phase::Active,
        "nothing happens before the confirmation"
    );
    click(&mut window, "Revoke access");
    assert!(absent(&window, "Revoke this access?"));
    let revoked = stored_as(&mut window, &bob, grant);
    assert_eq!(revoked.status, RequestStatus::Revoked);
    assert_eq!(revoked.ended_by, Some(bob.user_id()));
    assert_eq!(revoked.ended_at, Some(T0));
    assert_eq!(revoked.phase(T0), Phase::Revoked);
    assert_eq!(table(&mut window).row(grant).unwrap().phase, Phase::Revoked);
}

/// R-APP-5: "Keep access" in the confirmation revokes nothing.
#[test]
fn keeping_access_in_the_confirmation_revokes_nothing() {
    let mut window = demo_window("bob");
    open_requests_window(&mut window);
    let grant = visible_request(&mut window, "prod-dc-01", Phase::Active);
    let bob = session_of(&mut window, "bob");
    let before = stored_as(&mut window, &bob, grant);
    click(&mut window, &format!("Messages of request {grant}"));
    click(&mut window, "Revoke…");
    click(&mut window, "Keep access");
    assert!(absent(&window, "Revoke this access?"));
    assert_eq!(stored_as(&mut window, &bob, grant), before);
}

/// R-ADM-3: the administrator grants Alice access to prod-app-01 directly:
/// "Grant access" without a user is refused next to the User field and
/// stores nothing; with Alice, 2 h and Operator, a direct grant is stored
/// approved and active for her, with the message.
#[test]
fn administrator_grants_access_directly() {
    let mut window = demo_window("admin");
    if window.get_by_label("Vault").value().as_deref() != Some("Production") {
        click(&mut window, "Vault");
        click(&mut window, "Production");
    }
    for folder in ["Servers", "Windows"] {
        let expand = format!("Expand {folder}");
        if window.query_by_label(&expand).is_some() {
            click(&mut window, &expand);
        }
    }
    click(&mut window, "prod-app-01");
    let before = stored_visible(&mut window).len();
    click(&mut window, "Grant temporary access…");
    assert!(shown(&window, "Grant temporary access"));
    assert!(dialog_shows(&window, "Servers / Windows / prod-app-01"));
    assert_eq!(
        window.get_by_label("User").value().as_deref(),
        Some("Choose…")
    );

    // Refused: nobody chosen.
    click(&mut window, "Grant access");
    assert!(shown(&window, "Grant temporary access"), "still open");
    assert!(dialog_shows(&window, "⚠ choose who receives the access"));
    assert_eq!(stored_visible(&mut window).len(), before, "nothing stored");

    // Administrators are not offered: they have full access already.
    match &main_state(&mut window).dialog {
        Dialog::DirectGrant(form) => assert!(form.users.iter().all(|u| !u.is_admin)),
        other => panic!("the grant dialog is not open: {other:?}"),
    }
    choose_button(&mut window, "User", "Alice Requester");
    choose_button(&mut window, "Access duration", "2 h");
    choose_button(&mut window, "Permission", "Operator");
    replace_text(
        &mut window,
        "Message to the user",
        "Restart it after the patch",
    );
    click(&mut window, "Grant access");
    assert!(absent(&window, "Grant temporary access"), "closed");

    let requests = stored_visible(&mut window);
    assert_eq!(requests.len(), before + 1);
    let grant = requests
        .iter()
        .find(|r| r.kind == RequestKind::DirectGrant)
        .unwrap();
    let alice = user_id(&mut window, "Alice Requester");
    let admin = user_id(&mut window, "Ada Admin");
    let operator = main_state(&mut window)
        .view
        .names
        .sets
        .iter()
        .find(|s| s.name == "Operator")
        .unwrap()
        .id;
    assert_eq!(grant.requester_id, alice);
    assert_eq!(grant.status, RequestStatus::Approved);
    assert_eq!(grant.phase(T0), Phase::Active);
    assert_eq!(grant.decided_by, Some(admin));
    let authorized = grant.authorized.unwrap();
    assert_eq!(authorized.permission_set_id, operator);
    assert_eq!(authorized.window, AccessWindow::Duration { mins: 120 });
    assert_eq!(grant.grant_start_at, Some(T0));
    assert_eq!(grant.grant_end_at, Some(T0 + Span::hours(2)));
    assert_eq!(grant.decision_message, "Restart it after the patch");
    assert_eq!(
        main_state(&mut window).view.names.target(grant.target),
        "prod-app-01"
    );
    assert!(shown(&window, "Access granted to Alice Requester for 2 h"));

    // The grant is listed in the requests window like any approval.
    open_requests_window(&mut window);
    let row = table(&mut window).row(grant.id).unwrap();
    assert_eq!(row.phase, Phase::Active);
    assert_eq!(row.requested_by, "Alice Requester");
}
