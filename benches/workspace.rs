//! Core operations on a large workspace (issue #2): effective-permission
//! check, request creation, approval, an approver's inbox, the requester's own
//! requests, a tick with nothing due, revealing a secret; and (issue 14)
//! creating and editing an entry, and search everywhere: reading every vault
//! into the index, then one keystroke's filtering.
//!
//! Run: `cargo bench --bench workspace` (N = 100,000 by default; set
//! `LATCHKEY_BENCH_N` to change it). The generated workspace is cached under
//! `target/bench/` and copied for each run, so runs are comparable.
//! Prints median and p99 wall time per operation.

use latchkey::app::view::search::SearchView;
use latchkey::domain::clock::Clock;
use latchkey::domain::entry::{EntryKind, NewEntry};
use latchkey::domain::request::{AccessWindow, ApprovalInput, NewRequest, Terms};
use latchkey::platform::clock::SystemClock;
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{HashCost, KeyOptions, SecretUse, ServiceError, Workspace};
use latchkey::store::sqlite::SqliteStore;
use std::time::{Duration, Instant};

mod common;

use common::{Result, fmt, quantile, remove_workspace};

fn main() {
    if let Err(error) = run() {
        eprintln!("benchmark failed: {error}");
        std::process::exit(1);
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "the benchmark's steps in the order they run"
)]
fn run() -> Result<()> {
    let now = SystemClock.now();
    let keyring = NoKeyring::new("benchmark");
    let (n, work) = common::working_copy("run", now)?;
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(key_file_for(&work)),
    };
    let mut ws = Workspace::open(
        Box::new(SqliteStore::open(&work)?),
        &keys,
        HashCost::Minimal,
    )?;
    let requester = ws.sign_in("user001", "demo", now)?;
    let approver = ws.sign_in("approver01", "demo", now)?;
    let vault = ws
        .vaults(&requester, now)?
        .into_iter()
        .find(|v| v.name == "Vault 1")
        .ok_or("no Vault 1")?;
    let items: Vec<_> = ws
        .entries(&requester, vault.id, now)?
        .into_iter()
        .filter(|e| e.kind != EntryKind::Folder)
        .collect();
    let reader = ws
        .permission_sets(now)?
        .into_iter()
        .find(|s| s.name == "Reader")
        .ok_or("no Reader set")?;
    println!(
        "workspace: {n} entries, {n} requests; Vault 1 has {} items\n",
        items.len()
    );
    println!(
        "{:<44} {:>8} {:>12} {:>12}",
        "operation", "runs", "median", "p99"
    );

    let mut pick = 0usize;
    let mut next_item = || {
        pick = (pick + 7_919) % items.len();
        items[pick].id
    };
    report("effective permissions of a user on an entry", 2_000, |_| {
        ws.entry_access(&requester, next_item(), now).map(drop)
    })?;
    report("approver's inbox (newest 200)", 200, |_| {
        ws.inbox(&approver, now, 200).map(drop)
    })?;
    report("approver's inbox count (badge)", 200, |_| {
        ws.inbox_count(&approver, now).map(drop)
    })?;
    report("requester's own requests (newest 200)", 200, |_| {
        ws.my_requests(&requester, 200, now).map(drop)
    })?;
    report("tick with nothing due", 1_000, |_| ws.tick(now).map(drop))?;

    let mut created = Vec::new();
    // At most one new request per two items: each needs an entry without a
    // pending request of the same set, and some already have one.
    let requests = 300.min(items.len() / 2);
    let mut offset = 0;
    report(
        "request creation (one transaction, fsync)",
        requests,
        |_| {
            for _ in 0..items.len() {
                offset += 1;
                let draft = NewRequest {
                    target: latchkey::domain::request::Target::Entry(
                        items[(offset * 13) % items.len()].id,
                    ),
                    terms: Terms {
                        permission_set_id: reader.id,
                        window: AccessWindow::Duration { mins: 60 },
                    },
                    approver_id: Some(approver.user_id()),
                    message: "benchmark".into(),
                    start_on_first_use: false,
                    extends_request_id: None,
                };
                match ws.request_access(&requester, &draft, now) {
                    Ok(id) => {
                        created.push(id);
                        return Ok(());
                    }
                    // A pending request for this entry exists already: take another.
                    Err(e) if e.field_errors().is_some() => {}
                    Err(e) => return Err(e),
                }
            }
            Err(ServiceError::NotFound(
                "every item already has a pending request".into(),
            ))
        },
    )?;
    report("approval (one transaction, fsync)", created.len(), |i| {
        ws.approve(
            &approver,
            created[i],
            &ApprovalInput {
                terms: None,
                message: String::new(),
            },
            now,
        )
        .map(drop)
    })?;
    let granted: Vec<_> = created
        .iter()
        .map(|id| ws.request(&requester, *id, now))
        .collect::<std::result::Result<_, _>>()?;
    report(
        "reveal a secret under a grant (audited)",
        granted.len(),
        |i| {
            ws.reveal_secret(
                &requester,
                granted[i].entry_id().expect("an entry grant"),
                SecretUse::Reveal,
                now,
            )
            .map(drop)
        },
    )?;
    editing_and_search(&mut ws, now)?;
    drop(ws);
    remove_workspace(&work);
    Ok(())
}

/// Issue 14: adding and editing one entry, and search everywhere, as the
/// administrator (a member of every vault).
fn editing_and_search(ws: &mut Workspace, now: latchkey::domain::Timestamp) -> Result<()> {
    let admin = ws.sign_in("admin", "demo", now)?;
    let vaults = ws.vaults(&admin, now)?;
    let first = vaults.first().ok_or("no vault")?.id;
    let mut made = Vec::new();
    report("create an entry (one transaction, fsync)", 300, |i| {
        let draft = NewEntry {
            name: format!("bench entry {i}"),
            host: format!("host-{i}.example.org"),
            ..NewEntry::default()
        };
        ws.create_entry(&admin, first, EntryKind::Ssh, &draft, Some("s3cret"), now)
            .map(|id| made.push(id))
    })?;
    report(
        "edit an entry's fields (one transaction, fsync)",
        made.len(),
        |i| {
            let draft = NewEntry {
                name: format!("bench entry {i}"),
                host: format!("edited-{i}.example.org"),
                ..NewEntry::default()
            };
            ws.update_entry(&admin, made[i], &draft, now)
        },
    )?;
    let mut search = SearchView::default();
    report("search: read every vault into the index", 5, |_| {
        let loaded = vaults
            .iter()
            .map(|v| Ok((v.id, v.name.clone(), ws.entries(&admin, v.id, now)?)))
            .collect::<std::result::Result<Vec<_>, ServiceError>>()?;
        search = SearchView::new(loaded);
        Ok::<(), ServiceError>(())
    })?;
    println!("(the index holds {} entries)", search.len());
    // Typing "ssh-0123" on, then words of other fields, then nothing found.
    let words = [
        "s",
        "ss",
        "ssh",
        "ssh-",
        "ssh-0",
        "ssh-01",
        "ssh-012",
        "ssh-0123",
        "svc4 10.3",
        "xyz",
    ];
    report("search: one keystroke over every vault", 1_000, |i| {
        search.set_query(words[i % words.len()]);
        Ok::<(), ServiceError>(())
    })?;
    Ok(())
}

/// Runs `op` `runs` times and prints the median and p99 wall time.
fn report<E: std::error::Error + 'static>(
    name: &str,
    runs: usize,
    mut op: impl FnMut(usize) -> std::result::Result<(), E>,
) -> Result<()> {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for i in 0..runs {
        let started = Instant::now();
        op(i)?;
        times.push(started.elapsed());
    }
    times.sort();
    let at = |q: f64| quantile(&times, q);
    println!(
        "{name:<44} {runs:>8} {:>12} {:>12}",
        fmt(at(0.5)),
        fmt(at(0.99))
    );
    Ok(())
}
