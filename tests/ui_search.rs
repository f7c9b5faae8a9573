//! Issue 14: search everywhere. Ctrl+F searches every vault the user is a
//! member of by name, path, host, URL and user name; the arrows move, Enter
//! shows the entry in its vault; nothing of a vault the user is not a member
//! of is found.

mod common;

use common::*;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

fn search_for(window: &mut Window, text: &str) {
    window.key_press_modifiers(Modifiers::COMMAND, Key::F);
    window.run();
    assert!(shown(window, "Search all vaults"), "the search opened");
    window.get_by_label("Search").type_text(text);
    window.run();
}

#[test]
fn ctrl_f_finds_entries_in_every_vault_and_enter_shows_one_in_its_vault() {
    let mut window = demo_window("admin");
    search_for(&mut window, "web-01");
    // prod-web-01 (Production) and stg-web-01 (Staging), with their paths.
    let found = texts_containing(&window, "web-01 in ");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().any(|f| f.contains("Production / ")),
        "{found:?}"
    );
    assert!(found.iter().any(|f| f.contains("Staging / ")), "{found:?}");

    // The second result (Staging, by path order), with the keyboard.
    window.key_press(Key::ArrowDown);
    window.run();
    window.key_press(Key::Enter);
    window.run();
    assert!(absent(&window, "Search all vaults"), "closed");
    let main = main_state(&mut window);
    let detail = main.view.detail.as_ref().unwrap();
    assert_eq!(detail.entry.name, "stg-web-01");
    let staging = main
        .view
        .vaults
        .iter()
        .find(|v| v.name == "Staging")
        .unwrap()
        .id;
    assert_eq!(main.view.vault, Some(staging), "shown in its own vault");
}

#[test]
fn search_finds_by_host_and_escape_closes() {
    let mut window = demo_window("admin");
    let host = main_state(&mut window)
        .view
        .tree
        .entries()
        .iter()
        .find(|e| !e.host.is_empty())
        .unwrap()
        .clone();
    search_for(&mut window, &host.host);
    assert!(!texts_containing(&window, &format!("{} in ", host.name)).is_empty());
    window.key_press(Key::Escape);
    window.run();
    assert!(absent(&window, "Search all vaults"));
}

#[test]
fn a_requester_finds_nothing_outside_the_vaults_they_belong_to() {
    let mut window = demo_window("alice");
    let member_of: Vec<_> = main_state(&mut window)
        .view
        .vaults
        .iter()
        .map(|v| v.id)
        .collect();
    search_for(&mut window, "01");
    let main = main_state(&mut window);
    let search = main.view.search.as_ref().unwrap();
    assert!(search.total > 0);
    for row in search.results() {
        assert!(
            member_of.contains(&row.vault_id),
            "{} is in a vault of hers",
            row.location
        );
    }
}

#[test]
fn on_a_workspace_file_the_index_is_read_off_the_window_s_thread_and_keeps_what_was_typed() {
    let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = folder.path().join("ws.latchkey");
    let keyring = latchkey::platform::keyring::NoKeyring::new("no keyring in tests");
    demo_file(&path, &keyring);
    let clock = std::sync::Arc::new(latchkey::domain::clock::FixedClock::new(T0));
    let env = test_env(
        &clock,
        std::sync::Arc::new(latchkey::platform::keyring::NoKeyring::new("none")),
    );
    let mut window = file_window(env, &path, "admin");
    // Typed at once, whether or not the index has arrived yet.
    search_for(&mut window, "web-01");
    for _ in 0..300 {
        let reading = main_state(&mut window)
            .view
            .search
            .as_ref()
            .is_some_and(|s| s.reading_vaults.is_some());
        if !reading {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        window.run();
    }
    let search = main_state(&mut window).view.search.clone();
    let search = search.unwrap_or_else(|| panic!("the search stays open"));
    assert_eq!(search.query, "web-01");
    assert_eq!(search.total, 2);
    assert_eq!(texts_containing(&window, "web-01 in ").len(), 2);
}
