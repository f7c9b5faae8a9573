//! Core operations on a large workspace (issue #2): effective-permission
//! check, request creation, approval, an approver's inbox, the requester's own
//! requests, a tick with nothing due, and revealing a secret.
//!
//! Run: `cargo bench --bench workspace` (N = 100,000 by default; set
//! `LATCHKEY_BENCH_N` to change it). The generated workspace is cached under
//! `target/bench/` and copied for each run, so runs are comparable.
//! Prints median and p99 wall time per operation.

use latchkey::domain::clock::Clock;
use latchkey::domain::entry::EntryKind;
use latchkey::domain::request::{AccessWindow, ApprovalInput, NewRequest, Terms};
use latchkey::platform::clock::SystemClock;
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{HashCost, KeyOptions, SecretUse, Workspace, scale};
use latchkey::store::sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    if let Err(error) = run() {
        eprintln!("benchmark failed: {error}");
        std::process::exit(1);
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn run() -> Result<()> {
    let n: usize = std::env::var("LATCHKEY_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let clock = SystemClock;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let cached = dir.join(format!("scale-{n}.latchkey"));
    let keyring = NoKeyring::new("benchmark");
    if !cached.exists() {
        let started = Instant::now();
        let keys = KeyOptions {
            keyring: &keyring,
            key_file: Some(key_file_for(&cached)),
        };
        let (_, report) = scale::create_scale(
            Box::new(SqliteStore::create(&cached)?),
            &keys,
            n,
            clock.now(),
        )?;
        println!(
            "generated {} entries and {} requests in {:.1} s",
            report.entries,
            report.requests,
            started.elapsed().as_secs_f64()
        );
    }
    let work = dir.join("run.latchkey");
    copy_workspace(&cached, &work)?;
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(key_file_for(&work)),
    };
    let mut ws = Workspace::open(
        Box::new(SqliteStore::open(&work)?),
        &keys,
        HashCost::Minimal,
    )?;
    let now = clock.now();
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
    let requests = 300;
    let mut offset = 0;
    report(
        "request creation (one transaction, fsync)",
        requests,
        |_| {
            loop {
                offset += 1;
                let draft = NewRequest {
                    entry_id: items[(offset * 13) % items.len()].id,
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
            ws.reveal_secret(&requester, granted[i].entry_id, SecretUse::Reveal, now)
                .map(drop)
        },
    )?;
    drop(ws);
    remove_workspace(&work);
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
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{name:<44} {runs:>8} {:>12} {:>12}",
        fmt(at(0.5)),
        fmt(at(0.99))
    );
    Ok(())
}

fn fmt(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1_000.0 {
        format!("{micros:.0} µs")
    } else {
        format!("{:.2} ms", micros / 1_000.0)
    }
}

fn copy_workspace(from: &Path, to: &Path) -> Result<()> {
    remove_workspace(to);
    std::fs::copy(from, to)?;
    std::fs::copy(key_file_for(from), key_file_for(to))?;
    Ok(())
}

fn remove_workspace(path: &Path) {
    for suffix in ["", "-wal", "-shm", ".key"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}
