//! Importing a large KeePass database (issue 14, R-VLT-12): a KDBX 4 file
//! of N entries (100,000 by default; `LATCHKEY_BENCH_N` changes it) in
//! nested groups, protected as KeePassXC protects a new database (Argon2d,
//! 64 MiB, 10 iterations, 2 lanes), imported into a new workspace's vault
//! the way the window and `latchkey import` do: the file read and decrypted,
//! then one transaction through the service.
//!
//! Run: `cargo bench --bench import`. The database is generated once, by a
//! child process (so its memory is not counted), and cached under
//! `target/bench/`. Prints the time of each step, how often progress was
//! reported, and the process's peak resident memory (VmHWM), which is that
//! of the reading and the import alone.

use keepass::config::KdfConfig;
use keepass::db::fields;
use keepass::{Database, DatabaseKey};
use latchkey::domain::Timestamp;
use latchkey::domain::clock::Clock;
use latchkey::domain::user::NewUser;
use latchkey::platform::clock::SystemClock;
use latchkey::platform::import::read_kdbx;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{HashCost, KeyOptions, NewVault, Workspace};
use latchkey::store::sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::time::Instant;

mod common;

use common::{Result, fmt};

const PASSWORD: &str = "bench database password";
/// Set in the child process that writes the database.
const GENERATE: &str = "LATCHKEY_BENCH_GENERATE_KDBX";

fn main() {
    if let Err(error) = run() {
        eprintln!("benchmark failed: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let n: usize = std::env::var("LATCHKEY_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    if let Some(path) = std::env::var_os(GENERATE) {
        return generate(Path::new(&path), n);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("import-{n}.kdbx"));
    if !file.exists() {
        let started = Instant::now();
        let status = std::process::Command::new(std::env::current_exe()?)
            .env(GENERATE, &file)
            .status()?;
        if !status.success() {
            return Err("generating the database failed".into());
        }
        println!(
            "generated {} ({} MiB) in {}",
            file.display(),
            std::fs::metadata(&file)?.len() >> 20,
            fmt(started.elapsed())
        );
    }

    let work = tempfile::tempdir()?;
    let now = SystemClock.now();
    let (mut ws, vault, admin) = empty_workspace(&work.path().join("bench.latchkey"), now)?;

    let started = Instant::now();
    let plan = read_kdbx(&file, PASSWORD)?;
    let read = started.elapsed();
    let summary = plan.summary();

    let mut reports = 0;
    let mut last = (0, 0);
    let mut progress = |done, total| {
        reports += 1;
        last = (done, total);
    };
    let started = Instant::now();
    let imported = ws.import(&admin, vault, None, &plan, &mut progress, SystemClock.now())?;
    let import = started.elapsed();
    drop(plan);
    assert_eq!(imported, summary, "everything read was imported");

    println!("{:<48} {:>12}", "step", "time");
    println!(
        "{:<48} {:>12}",
        "read and decrypt the .kdbx (Argon2d 64 MiB)",
        fmt(read)
    );
    println!("{:<48} {:>12}", "import (one transaction)", fmt(import));
    println!("{:<48} {:>12}", "total", fmt(read + import));
    println!("imported: {imported}");
    println!(
        "progress reported {reports} times; last {} of {}",
        last.0, last.1
    );
    println!("peak resident memory (VmHWM): {} MiB", peak_rss_mib()?);
    Ok(())
}

/// A new workspace with its administrator and an empty vault "Imported".
fn empty_workspace(
    path: &Path,
    now: Timestamp,
) -> Result<(
    Workspace,
    latchkey::domain::VaultId,
    latchkey::service::Session,
)> {
    let keyring = NoKeyring::new("benchmark");
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(latchkey::platform::keyfile::key_file_for(path)),
    };
    let store = SqliteStore::create(path)?;
    let mut ws = Workspace::create(Box::new(store), "bench", &keys, HashCost::Minimal, now)?;
    let admin = NewUser {
        username: "admin".into(),
        display_name: "Admin".into(),
        email: String::new(),
        is_admin: true,
    };
    let session = ws.create_first_admin(&admin, "bench admin password", now)?;
    let vault = ws.add_vault(&session, &NewVault::named("Imported"), now)?;
    Ok((ws, vault, session))
}

/// Writes a KDBX 4 database of `n` entries: 20 top groups of 10 groups
/// each, entries spread over them; every fourth one a website.
fn generate(path: &Path, n: usize) -> Result<()> {
    let mut db = Database::new();
    // The crate's default is Argon2d version 1.3 with heavier settings;
    // keep its version, with KeePassXC's memory, iterations and lanes.
    let KdfConfig::Argon2 { version, .. } = db.config.kdf_config.clone() else {
        return Err("the keepass crate's default key derivation is no longer Argon2d".into());
    };
    db.config.kdf_config = KdfConfig::Argon2 {
        iterations: 10,
        memory: 64 * 1024 * 1024,
        parallelism: 2,
        version,
    };
    let per_group = n.div_ceil(200);
    let mut made = 0;
    let mut root = db.root_mut();
    root.name = "Root".into();
    'top: for t in 0..20 {
        let mut top = root.add_group();
        top.name = format!("Team {t:02}");
        for s in 0..10 {
            let mut group = top.add_group();
            group.name = format!("System {s:02}");
            for _ in 0..per_group {
                if made == n {
                    break 'top;
                }
                let mut e = group.add_entry();
                e.set_unprotected(fields::TITLE, format!("account-{made:06}"));
                e.set_unprotected(fields::USERNAME, format!("user{}", made % 997));
                e.set_protected(fields::PASSWORD, format!("kdbx-secret-{made}"));
                if made % 4 == 0 {
                    e.set_unprotected(fields::URL, format!("https://app{made}.example.test"));
                }
                e.set_unprotected(fields::NOTES, "imported by the benchmark");
                made += 1;
            }
        }
    }
    let partial = path.with_extension("partial");
    let mut out = std::fs::File::create(&partial)?;
    db.save(&mut out, DatabaseKey::new().with_password(PASSWORD))?;
    out.sync_all()?;
    std::fs::rename(&partial, path)?;
    Ok(())
}

/// The process's peak resident set size, from /proc.
fn peak_rss_mib() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(kib / 1024)
}
