//! The window on a PostgreSQL workspace (issue 19, R-BEY-9, R-BEY-10),
//! against a real throwaway server holding the demo: signing in is
//! connecting as the user's role, the status bar says the server's clock
//! ends access, two windows see each other's changes, and a server that
//! goes away and comes back costs nothing that was typed.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod common;
mod pg_cluster;

use common::{
    Window, click, shown, sign_in_with, test_env, text_starting, texts_containing, window_on,
};
use latchkey::app::{Screen, WorkspaceSource};
use latchkey::domain::clock::{Clock, FixedClock};
use latchkey::platform::clock::SystemClock;
use latchkey::platform::keyring::MemoryKeyring;
use latchkey::service::{ServerOwner, Workspace, demo};
use latchkey::store::postgres::PgTarget;
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};
use std::sync::Arc;

const DATABASE: &str = "team";

/// A server holding the demo workspace, made now (the server's clock is
/// the real one), and its address.
fn demo_server() -> Option<(PgCluster, PgTarget)> {
    let cluster = PgCluster::start()?;
    cluster.create_database(DATABASE);
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    let owner = ServerOwner {
        user: SUPERUSER,
        password: SUPERUSER_PASSWORD,
    };
    Workspace::create_postgres_demo(&target, &owner, SystemClock.now()).unwrap();
    Some((cluster, target))
}

/// A window on the server's workspace, at its sign-in for `user`. Its own
/// clock is fixed far from the server's: the window must follow the
/// server's.
fn window(target: &PgTarget, user: &str) -> Window {
    let clock = Arc::new(FixedClock::new(common::T0));
    let env = test_env(&clock, Arc::new(MemoryKeyring::default()));
    window_on(
        env,
        WorkspaceSource::Server(Box::new(target.clone())),
        Some(user),
    )
}

#[test]
fn signing_in_connects_as_the_users_role_and_the_server_clock_is_named() {
    let Some((_cluster, target)) = demo_server() else {
        return;
    };
    let mut alice = window(&target, "alice");
    // Nothing is read before the server lets the user in: the address is.
    assert!(
        !texts_containing(&alice, "postgresql:///team").is_empty(),
        "the sign-in names the address"
    );
    sign_in_with(&mut alice, "wrong");
    assert!(matches!(alice.state().screen, Screen::SignIn(_)));
    assert_eq!(text_starting(&alice, "⚠"), "⚠ wrong user name or password");
    // What was typed stays: the user name, for the next try.
    assert_eq!(alice.state().sign_in.username, "alice");
    sign_in_with(&mut alice, demo::DEMO_PASSWORD);
    assert!(matches!(alice.state().screen, Screen::Main(_)));
    assert!(shown(
        &alice,
        "Expiry enforced by the database server's clock (this computer)"
    ));
    assert!(shown(&alice, "workspace key kept by the database server"));
    // The server verifies the audit chain for a requester too.
    alice.run();
    assert!(
        texts_containing(&alice, "could not be verified").is_empty(),
        "{:?}",
        texts_containing(&alice, "audit")
    );
    // The window's instant is the server's, not its own fixed clock's.
    let now = alice.state().now();
    let server = SystemClock.now();
    assert!(
        (now.millis() - server.millis()).abs() < 60_000,
        "{now:?} follows {server:?}"
    );
}

#[test]
fn the_server_going_away_is_told_and_the_window_carries_on_when_it_is_back() {
    let Some((mut cluster, target)) = demo_server() else {
        return;
    };
    let mut bob = window(&target, "bob");
    sign_in_with(&mut bob, demo::DEMO_PASSWORD);
    assert!(matches!(bob.state().screen, Screen::Main(_)));
    assert!(cluster.stop("immediate"));
    click(&mut bob, "All requests…");
    let lost = texts_containing(&bob, "PostgreSQL server");
    assert!(!lost.is_empty(), "the lost connection is told");
    cluster.restart();
    click(&mut bob, "All requests…");
    assert!(texts_containing(&bob, "PostgreSQL server").is_empty());
    assert!(matches!(bob.state().screen, Screen::Main(_)));
}
