//! The Audit log window (issue 16, R-AUD-3, R-AUD-4): egui_kittest on the
//! whole eframe app, controls found by their accessible names. Opening it,
//! filtering by action, an event's details with before and after, who sees
//! the button, an entry's access history, and "Verify chain" naming a
//! tampered event of a workspace file and showing it in the list.

mod common;

use common::*;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use latchkey::app::view::audit_log::VerifyView;
use latchkey::domain::clock::FixedClock;
use latchkey::platform::keyring::MemoryKeyring;
use std::sync::Arc;

/// The labels of the list's rows, in order.
fn rows(window: &Window) -> Vec<String> {
    window
        .query_all_by_role(Role::Row)
        .filter_map(|row| row.accesskit_node().label())
        .filter(|label| label.starts_with("Event "))
        .collect()
}

fn open_log(window: &mut Window) {
    click(window, "Audit log…");
    assert!(shown(window, "Verify chain"));
    assert!(!rows(window).is_empty(), "the newest events are listed");
}

/// R-AUD-3: the window lists the newest events first; a filter applies
/// once and every row then has that action; a row's details show the terms
/// requested and authorized side by side, with the hashes.
#[test]
fn opens_filters_and_shows_details() {
    let mut window = demo_window("admin");
    open_log(&mut window);
    let first = rows(&window);
    let seqs: Vec<i64> = first
        .iter()
        .map(|r| {
            r.trim_start_matches("Event ")
                .split(',')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );

    click(&mut window, "Filter action");
    window
        .query_all_by_label("Approved with modifications")
        .find(|node| node.accesskit_node().role() != Role::Label)
        .unwrap()
        .click();
    window.run();
    let filtered = rows(&window);
    assert!(!filtered.is_empty());
    assert!(
        filtered
            .iter()
            .all(|r| r.contains(", Approved with modifications,")),
        "{filtered:?}"
    );
    let total = main_state(&mut window)
        .audit_log
        .as_ref()
        .unwrap()
        .total
        .clone();
    let expected = match filtered.len() {
        1 => "1 event".to_owned(),
        n => format!("{n} events"),
    };
    assert_eq!(total, expected);

    window.get_by_label(&filtered[0]).click();
    window.run();
    let heading = texts_containing(&window, "· Approved with modifications");
    assert_eq!(heading.len(), 1, "{heading:?}");
    assert!(shown(&window, "Before"));
    assert!(shown(&window, "After"));
    assert_eq!(texts_containing(&window, "Hash ").len(), 1);
    assert_eq!(texts_containing(&window, "Previous hash ").len(), 1);
    let log = main_state(&mut window).audit_log.clone().unwrap();
    let selected = log.selected_row().unwrap();
    assert!(
        selected
            .changes
            .iter()
            .any(|(what, before, after)| what == "window" && before != after),
        "{:?}",
        selected.changes
    );

    click(&mut window, "Clear filters");
    assert!(rows(&window).len() > filtered.len());
}

/// The button mirrors what the service allows: an approver has it, a plain
/// requester does not.
#[test]
fn approvers_have_the_window_and_requesters_do_not() {
    let mut bob = demo_window("bob");
    open_log(&mut bob);
    let alice = demo_window("alice");
    assert!(absent(&alice, "Audit log…"));
}

/// R-AUD-4: "History…" on an entry lists its requests with their steps and
/// filters the log to the entry.
#[test]
fn history_of_an_entry() {
    let mut window = demo_window("admin");
    show_vault(&mut window, "Production");
    expand(&mut window, "Servers");
    expand(&mut window, "Windows");
    click(&mut window, "prod-dc-01");
    click(&mut window, "History…");
    assert!(shown(&window, "Access history of prod-dc-01"));
    let requested = texts_containing(&window, "Requested by alice");
    assert!(!requested.is_empty(), "a request's first step is shown");
    assert_eq!(texts_containing(&window, "Entry: prod-dc-01").len(), 1);
    assert!(rows(&window).iter().all(|r| r.contains("prod-dc-01")));
    click(&mut window, "Close history");
    assert!(absent(&window, "Access history of prod-dc-01"));
}

/// R-AUD-2 in the window: an event changed behind Latchkey's back (the
/// append-only trigger dropped first) is named by "Verify chain", with the
/// witness's verdict, and "Show event N" brings it up selected in the list.
#[test]
fn verify_names_a_tampered_event_and_shows_it() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("demo.latchkey");
    let keyring = Arc::new(MemoryKeyring::default());
    demo_file(&path, keyring.as_ref());
    let clock = Arc::new(FixedClock::new(T0));
    let mut window = file_window(test_env(&clock, keyring), &path, "admin");
    open_log(&mut window);
    // Someone with the file changes an event while the window is open.
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "DROP TRIGGER audit_events_no_update; \
             UPDATE audit_events SET details = '{\"tampered\":true}' WHERE seq = 7;",
        )
        .unwrap();
    }
    click(&mut window, "Verify chain");
    for _ in 0..200 {
        window.run();
        let running = matches!(
            main_state(&mut window).audit_log.as_ref().unwrap().verify,
            VerifyView::Running
        );
        if !running {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    window.run();
    let broken = text_starting(&window, "Broken: ");
    assert!(broken.contains("audit event 7 was altered"), "{broken}");
    assert_eq!(texts_containing(&window, "Witness: ").len(), 1);
    click(&mut window, "Show event 7");
    let log = main_state(&mut window).audit_log.clone().unwrap();
    assert_eq!(log.selected, Some(7));
    assert_eq!(log.rows.first().map(|r| r.seq), Some(7));
    assert!(log.selected_row().unwrap().summary.contains("tampered"));
    let selected: Vec<String> = window
        .query_all_by_role(Role::Row)
        .filter(|row| row.accesskit_node().is_selected() == Some(true))
        .filter_map(|row| row.accesskit_node().label())
        .collect();
    assert_eq!(selected.len(), 1);
    assert!(selected[0].starts_with("Event 7, "), "{selected:?}");
}

/// R-AUD-3: Export… to a typed path (where no file dialog opens) as JSON
/// Lines writes every event shown and says so; the export is then itself
/// the newest event of the list.
#[test]
fn exports_to_a_typed_path() {
    let dir = tempfile::TempDir::new().unwrap();
    let target = dir.path().join("audit.jsonl");
    let mut window = demo_window("admin");
    open_log(&mut window);
    click(&mut window, "Export…");
    click(&mut window, "Export");
    assert!(shown(&window, "choose where to save the export"));
    replace_text(&mut window, "Export to file", target.to_str().unwrap());
    click(&mut window, "JSON Lines");
    click(&mut window, "Export");
    let lines = std::fs::read_to_string(&target).unwrap().lines().count();
    let said = text_starting(&window, "Exported ");
    assert_eq!(
        said,
        format!("Exported {lines} events to {}", target.display())
    );
    assert!(
        rows(&window)[0].contains(", Audit exported,"),
        "{:?}",
        rows(&window)[0]
    );
}
