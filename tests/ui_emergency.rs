//! Emergency access for the requester (issue 15, R-BEY-5): on a locked item
//! of a vault that allows it, "Emergency access…" opens a dialog that says
//! what happens; a missing reason is refused by its field and nothing is
//! granted; with a reason the access opens at once, the banner says it is an
//! emergency, and approvers find it to review. Where the vault does not allow
//! it, nothing is offered.

mod common;

use common::*;
use latchkey::app::view::forms::Dialog;
use latchkey::domain::request::{Phase, RequestKind};

#[test]
fn a_locked_item_opens_by_emergency_access_with_a_reason() {
    let mut app = alice_in_production();
    let window = &mut app.window;
    click(window, "Admin portal (locked)");
    click(window, "Emergency access…");
    let title = texts_containing(window, "Emergency access to ");
    assert!(
        title.iter().any(|t| t.ends_with("Admin portal")),
        "{title:?}"
    );
    assert!(
        !texts_containing(window, "Every approver and administrator is told at once").is_empty()
    );

    click(window, "Take emergency access");
    assert!(shown(window, "⚠ say why you need emergency access"));
    assert!(matches!(main_state(window).dialog, Dialog::Emergency(_)));

    replace_text(window, "Reason (required)", "Checkout is down, on-call fix");
    click(window, "Take emergency access");
    assert!(matches!(main_state(window).dialog, Dialog::None));
    assert!(
        !texts_containing(window, "⚠ Emergency access active —").is_empty(),
        "the banner says it is an emergency"
    );
    let request = banner_request(window);
    assert_eq!(request.kind, RequestKind::BreakGlass);
    assert_eq!(request.phase(window.state().now()), Phase::Active);
    assert_eq!(request.message, "Checkout is down, on-call fix");
}

#[test]
fn a_vault_without_break_glass_offers_none() {
    let mut app = demo_app("alice");
    let window = &mut app.window;
    // Every vault alice sees that does not allow break glass, and a locked
    // item in it.
    let vaults: Vec<_> = main_state(window)
        .view
        .vaults
        .iter()
        .filter(|v| !v.break_glass_allowed)
        .map(|v| v.name.clone())
        .collect();
    let mut checked = 0;
    for vault in vaults {
        show_vault(window, &vault);
        let main = main_state(window);
        let locked = main
            .view
            .tree
            .entries()
            .iter()
            .find(|e| main.view.tree.is_locked(e.id))
            .map(|e| e.id);
        let Some(id) = locked else { continue };
        window
            .state_mut()
            .apply(&latchkey::app::view::intent::VaultIntent::SelectEntry(id).into());
        window.run();
        assert!(shown(window, "Request temporary access…"), "{vault}");
        assert!(absent(window, "Emergency access…"), "{vault}");
        checked += 1;
    }
    assert!(
        checked > 0,
        "alice meets a locked item in a vault without break glass"
    );
}
