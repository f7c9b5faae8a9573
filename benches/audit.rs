//! The audit log window's reads on a large workspace (issue 16): opening the
//! workspace and reading the first page of the newest events (goal ≤ 300
//! ms); a filter change to the first page (by user, action, vault, text,
//! date range; goal ≤ 100 ms each); an access history; a CSV export of every
//! event (goal ≤ 5 s) and the process's peak memory after it (`VmHWM`, goal
//! ≤ 200 MiB).
//!
//! Run: `cargo bench --bench audit` (N = 100,000 by default, about 380,000
//! events; `LATCHKEY_BENCH_N` changes it). The generated workspace is cached
//! under `target/bench/` and copied for each run; the copy is opened once
//! first, so the migration that adds the audit indexes is not timed.

use latchkey::domain::audit::AuditAction;
use latchkey::domain::clock::Clock;
use latchkey::domain::{Span, Timestamp};
use latchkey::platform::clock::SystemClock;
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{
    AuditQuery, ExportFormat, HashCost, HistorySubject, KeyOptions, Session, Workspace,
};
use latchkey::store::sqlite::SqliteStore;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::{Result, fmt, quantile, remove_workspace};

/// Rows of the window's first page.
const PAGE: usize = 200;

fn main() {
    if let Err(error) = run() {
        eprintln!("benchmark failed: {error}");
        std::process::exit(1);
    }
}

fn open(path: &Path, keyring: &NoKeyring) -> Result<Workspace> {
    let keys = KeyOptions {
        keyring,
        key_file: Some(key_file_for(path)),
    };
    Ok(Workspace::open(
        Box::new(SqliteStore::open(path)?),
        &keys,
        HashCost::Minimal,
    )?)
}

/// Median and p99 of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<(Duration, Duration)> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        samples.push(started.elapsed());
    }
    samples.sort();
    Ok((quantile(&samples, 0.5), quantile(&samples, 0.99)))
}

fn row(name: &str, runs: usize, (median, p99): (Duration, Duration)) {
    println!("{name:<44} {runs:>8} {:>12} {:>12}", fmt(median), fmt(p99));
}

/// The process's peak resident memory, from `/proc/self/status`.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Counts what is written, keeping nothing.
struct Counting(u64);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn first_page(ws: &mut Workspace, who: &Session, q: &AuditQuery, now: Timestamp) -> Result<()> {
    let page = ws.audit_page(who, q, None, PAGE, now)?;
    std::hint::black_box(page);
    ws.audit_count(who, q, now)?;
    Ok(())
}

#[expect(
    clippy::too_many_lines,
    reason = "the benchmark's steps in the order they run"
)]
fn run() -> Result<()> {
    let now = SystemClock.now();
    let keyring = NoKeyring::new("benchmark");
    let (n, work) = common::working_copy("audit", now)?;
    // The first opening migrates (adds the audit indexes): not timed.
    let migrated = Instant::now();
    drop(open(&work, &keyring)?);
    println!(
        "workspace: {n} entries, {n} requests; first opening (migration) {:.2} s\n",
        migrated.elapsed().as_secs_f64()
    );
    println!(
        "{:<44} {:>8} {:>12} {:>12}",
        "operation", "runs", "median", "p99"
    );
    let stats = time(5, || {
        let mut ws = open(&work, &keyring)?;
        let admin = ws.sign_in("admin", "demo", now)?;
        first_page(&mut ws, &admin, &AuditQuery::default(), now)
    })?;
    row("open + sign in + first page (200) + count", 5, stats);

    let mut ws = open(&work, &keyring)?;
    let admin = ws.sign_in("admin", "demo", now)?;
    let approver = ws.sign_in("approver01", "demo", now)?;
    let user = ws
        .users(now)?
        .into_iter()
        .find(|u| u.username == "user001")
        .ok_or("no user001")?;
    let vault = ws
        .vaults(&admin, now)?
        .into_iter()
        .find(|v| v.name == "Vault 1")
        .ok_or("no Vault 1")?;
    let stats = time(20, || {
        first_page(&mut ws, &admin, &AuditQuery::default(), now)
    })?;
    row("first page, no filter", 20, stats);
    let filters = [
        (
            "filter: user",
            AuditQuery {
                users: vec![user.id],
                ..AuditQuery::default()
            },
        ),
        (
            "filter: action (approved)",
            AuditQuery {
                actions: vec![AuditAction::Approved],
                ..AuditQuery::default()
            },
        ),
        (
            "filter: action (rare: key moved)",
            AuditQuery {
                actions: vec![AuditAction::KeyMoved],
                ..AuditQuery::default()
            },
        ),
        (
            "filter: vault",
            AuditQuery {
                vault: Some(vault.id),
                ..AuditQuery::default()
            },
        ),
        (
            "filter: text",
            AuditQuery {
                text: "deploy".into(),
                ..AuditQuery::default()
            },
        ),
        (
            "filter: last 7 days",
            AuditQuery {
                since: Some(now - Span::hours(24 * 7)),
                ..AuditQuery::default()
            },
        ),
        (
            "filter: user + action + 30 days",
            AuditQuery {
                users: vec![user.id],
                actions: vec![AuditAction::Requested],
                since: Some(now - Span::hours(24 * 30)),
                ..AuditQuery::default()
            },
        ),
    ];
    for (name, query) in &filters {
        let stats = time(10, || first_page(&mut ws, &admin, query, now))?;
        row(name, 10, stats);
    }
    let stats = time(10, || {
        first_page(&mut ws, &approver, &AuditQuery::default(), now)
    })?;
    row("approver's first page (their vaults)", 10, stats);
    let stats = time(5, || {
        let history = ws.access_history(&admin, HistorySubject::User(user.id), now)?;
        std::hint::black_box(history);
        Ok(())
    })?;
    row("access history of a user", 5, stats);

    let before = peak_kib();
    let mut out = Counting(0);
    let started = Instant::now();
    let written = ws.export_audit(
        &admin,
        &AuditQuery::default(),
        ExportFormat::Csv,
        "benchmark",
        &mut out,
        &|_, _| {},
        now,
    )?;
    let took = started.elapsed();
    println!(
        "\nCSV export of every event: {written} events, {:.1} MiB in {:.2} s",
        out.0 as f64 / 1_048_576.0,
        took.as_secs_f64()
    );
    println!(
        "peak memory (VmHWM): {} MiB before the export, {} MiB after",
        before.map_or("?".into(), |k| (k / 1024).to_string()),
        peak_kib().map_or("?".into(), |k| (k / 1024).to_string())
    );
    drop(ws);
    remove_workspace(&work);
    Ok(())
}
