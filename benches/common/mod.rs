//! What the benchmarks share: the generated scale workspace (made once,
//! cached under `target/bench/`, copied for each run so runs are comparable)
//! and the median/p99 arithmetic.

// Each benchmark uses its own subset.
#![allow(dead_code)]

use latchkey::domain::Timestamp;
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{KeyOptions, scale};
use latchkey::store::sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Errors of a benchmark run.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A fresh copy, named `name`, of the scale workspace of N entries and N
/// requests (N from `LATCHKEY_BENCH_N`, default 100,000), generating the
/// cached original first if it does not exist. Returns N and the copy's path.
pub fn working_copy(name: &str, now: Timestamp) -> Result<(usize, PathBuf)> {
    let n: usize = std::env::var("LATCHKEY_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let cached = dir.join(format!("scale-{n}.latchkey"));
    if !cached.exists() {
        let started = Instant::now();
        let keyring = NoKeyring::new("benchmark");
        let keys = KeyOptions {
            keyring: &keyring,
            key_file: Some(key_file_for(&cached)),
        };
        let (_, report) =
            scale::create_scale(Box::new(SqliteStore::create(&cached)?), &keys, n, now)?;
        println!(
            "generated {} entries and {} requests in {:.1} s",
            report.entries,
            report.requests,
            started.elapsed().as_secs_f64()
        );
    }
    let work = dir.join(format!("{name}.latchkey"));
    remove_workspace(&work);
    std::fs::copy(&cached, &work)?;
    std::fs::copy(key_file_for(&cached), key_file_for(&work))?;
    Ok((n, work))
}

/// Removes a workspace copy, its SQLite companions and its key file.
pub fn remove_workspace(path: &Path) {
    for suffix in ["", "-wal", "-shm", ".key"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        // A companion that was never made is fine.
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// The `q` quantile of sorted samples (0.5 = median).
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or_default()
}

/// "59 µs" or "2.20 ms".
pub fn fmt(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1_000.0 {
        format!("{micros:.0} µs")
    } else {
        format!("{:.2} ms", micros / 1_000.0)
    }
}
