//! The window says loudly when the audit log does not extend what this
//! computer saw (R-AUD-2, R-BEY-12): egui_kittest on the whole eframe app,
//! the witness in memory (never the real home), the warning found by its
//! accessible name.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;

use common::*;

use latchkey::app::{AppEnv, Screen, WorkspaceSource};
use latchkey::domain::audit::ChainHead;
use latchkey::domain::clock::FixedClock;
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::platform::witness::{MemoryWitness, Witness};
use std::sync::Arc;

const WARNING: &str = "Audit log warning";

/// The demo workspace in memory on the sign-in screen for alice, with
/// `witness`; `prepare` may set what the witness remembers first, knowing the
/// workspace's id and audit head.
fn demo_with_witness(
    witness: &Arc<MemoryWitness>,
    prepare: impl FnOnce(&str, &ChainHead),
) -> (Window, String, ChainHead) {
    let clock = Arc::new(FixedClock::new(T0));
    let keyring = Arc::new(MemoryKeyring::default());
    let mut workspace = demo_in_memory(&keyring);
    let id = workspace.id().unwrap();
    let head = workspace
        .check_audit(&MemoryWitness::default())
        .unwrap()
        .head
        .unwrap();
    prepare(&id, &head);
    let env = AppEnv {
        witness: witness.clone(),
        ..test_env(&clock, keyring)
    };
    let window = window_on(
        env,
        WorkspaceSource::Open(Box::new(workspace)),
        Some("alice"),
    );
    (window, id, head)
}

/// The one warning shown, by its accessible name.
fn warning(window: &Window) -> String {
    text_starting(window, WARNING)
}

/// R-BEY-12: the witness remembers more events than the workspace has (its
/// newest events were cut off); the sign-in screen and then the status bar
/// say so, naming what was seen and what is there.
#[test]
fn a_witness_that_saw_more_events_makes_the_status_bar_warn() {
    let witness = Arc::new(MemoryWitness::default());
    let seen = |head: &ChainHead| ChainHead {
        events: head.events + 5,
        hash: "ab".repeat(32),
    };
    let (mut window, _, head) = demo_with_witness(&witness, |id, head| {
        witness.remember(id, &seen(head)).unwrap();
    });
    let on_sign_in = warning(&window);
    sign_in_with(&mut window, "demo");
    assert!(matches!(window.state().screen, Screen::Main(_)));
    let shown = warning(&window);
    assert_eq!(shown, on_sign_in);
    let seen = seen(&head);
    assert!(
        shown.contains(&format!(
            "this computer saw {} events (head {})",
            seen.events, seen.hash
        )) && shown.contains(&format!(
            "now it has {} events (head {})",
            head.events, head.hash
        )),
        "{shown}"
    );
    // The witness does not move back to the shorter chain.
    let id = main_state(&mut window).workspace().id().unwrap();
    assert_eq!(witness.recall(&id).unwrap(), Some(seen));
}

/// R-BEY-12: an intact log raises no warning and is remembered; when the
/// witness later holds more than the log (another window saw a longer chain
/// of this workspace), the next change is checked cheaply and warns.
#[test]
fn an_intact_log_is_remembered_and_a_later_shortfall_warns_on_the_next_change() {
    let witness = Arc::new(MemoryWitness::default());
    let (mut window, id, _) = demo_with_witness(&witness, |_, _| {});
    assert!(absent(&window, WARNING) && texts_containing(&window, WARNING).is_empty());
    let remembered = witness.recall(&id).unwrap().unwrap();
    sign_in_with(&mut window, "demo");
    assert!(texts_containing(&window, WARNING).is_empty());
    let after_sign_in = witness.recall(&id).unwrap().unwrap();
    assert!(
        after_sign_in.events > remembered.events,
        "the sign-in event was checked and remembered: {after_sign_in:?}"
    );

    witness
        .remember(
            &id,
            &ChainHead {
                events: after_sign_in.events + 50,
                hash: "cd".repeat(32),
            },
        )
        .unwrap();
    // The next change: a connection is audited (looking around writes
    // nothing, so it checks nothing).
    show_vault(&mut window, "Production");
    expand(&mut window, "Servers");
    expand(&mut window, "Windows");
    click(&mut window, "prod-dc-01");
    assert!(texts_containing(&window, WARNING).is_empty());
    click(&mut window, "Connect");
    let shown = warning(&window);
    assert!(
        shown.contains(&format!(
            "this computer saw {} events",
            after_sign_in.events + 50
        )),
        "{shown}"
    );
}
