//! How long a failed sign-in takes for a name that exists (wrong password)
//! and for one that does not (R-SEC-2): the two must not be told apart by
//! timing. Real workspace file, the interactive Argon2id cost.
//!
//! Run: `cargo bench --bench sign_in`. Prints the median (and 10th/90th
//! percentiles) of 50 attempts of each kind, interleaved, each attempt at an
//! instant a minute after the previous one so the slow-down never refuses it.

use latchkey::domain::user::NewUser;
use latchkey::domain::{Span, Timestamp};
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::service::{HashCost, KeyOptions, ServiceError, Workspace};
use latchkey::store::sqlite::SqliteStore;
use std::time::{Duration, Instant};

const SAMPLES: usize = 50;
const WARM_UP: usize = 3;
const T0: Timestamp = Timestamp(1_800_000_000_000);
const PASSWORD: &str = "correct horse battery";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() {
    if let Err(error) = run() {
        eprintln!("benchmark failed: {error}");
        std::process::exit(1);
    }
}

fn person(username: &str, is_admin: bool) -> NewUser {
    NewUser {
        username: username.to_owned(),
        display_name: username.to_owned(),
        email: String::new(),
        is_admin,
    }
}

fn run() -> Result<()> {
    let dir = tempfile::TempDir::new()?;
    let path = dir.path().join("sign-in.latchkey");
    let keyring = NoKeyring::new("benchmark");
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(key_file_for(&path)),
    };
    let store = SqliteStore::create(&path)?;
    let mut ws = Workspace::create(Box::new(store), "bench", &keys, HashCost::Interactive, T0)?;
    let admin = ws.create_first_admin(&person("admin", true), PASSWORD, T0)?;
    ws.add_user(&admin, &person("alice", false), PASSWORD, T0)?;

    let mut now = T0;
    let mut attempt = |ws: &mut Workspace, username: &str, password: &str| -> Result<Duration> {
        now = now + Span::mins(1);
        let started = Instant::now();
        let outcome = ws.sign_in(username, password, now);
        let took = started.elapsed();
        match outcome {
            Err(ServiceError::BadCredentials) if password != PASSWORD => Ok(took),
            Ok(_) if password == PASSWORD => Ok(took),
            other => Err(format!("unexpected outcome for {username}: {other:?}").into()),
        }
    };

    let (mut known, mut unknown, mut correct) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..WARM_UP + SAMPLES {
        let unknown_name = format!("nobody-{round}");
        // Alternate the order, so neither kind always runs on a warmer cache.
        let (k, u) = if round % 2 == 0 {
            let k = attempt(&mut ws, "alice", "wrong")?;
            (k, attempt(&mut ws, &unknown_name, "wrong")?)
        } else {
            let u = attempt(&mut ws, &unknown_name, "wrong")?;
            (attempt(&mut ws, "alice", "wrong")?, u)
        };
        let c = attempt(&mut ws, "alice", PASSWORD)?;
        if round >= WARM_UP {
            known.push(k);
            unknown.push(u);
            correct.push(c);
        }
    }

    println!("sign-in, {SAMPLES} attempts each (interactive Argon2id):");
    let mut medians = Vec::new();
    for (label, samples) in [
        ("known name, wrong password", &mut known),
        ("unknown name", &mut unknown),
        ("known name, right password", &mut correct),
    ] {
        samples.sort_unstable();
        let (p10, median, p90) = (
            quantile(samples, 0.1),
            quantile(samples, 0.5),
            quantile(samples, 0.9),
        );
        medians.push(median);
        println!(
            "  {label:<28} median {}  p10 {}  p90 {}",
            ms(median),
            ms(p10),
            ms(p90)
        );
    }
    let difference = medians[1].as_secs_f64() - medians[0].as_secs_f64();
    println!(
        "  unknown − known-wrong medians: {:+.2} ms ({:+.1} %)",
        difference * 1e3,
        difference / medians[0].as_secs_f64() * 100.0
    );
    Ok(())
}

/// The `q` quantile of sorted samples (0.5 = median).
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}
