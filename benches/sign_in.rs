//! How long a failed sign-in takes for a name that exists (wrong password)
//! and for one that does not (R-SEC-2): the two must not be told apart by
//! timing. Real workspace file, the interactive Argon2id cost.
//!
//! Run: `cargo bench --bench sign_in`. Prints the median (and 10th/90th
//! percentiles) of 50 attempts of each kind, interleaved, each attempt at an
//! instant a minute after the previous one so the slow-down never refuses it.
//! Two clocks: wall time, and (on Linux) the time the thread actually ran on
//! a processor, which a busy machine or a slow disk does not inflate. Set
//! `TMPDIR=/dev/shm` to keep disk syncs out of the wall time too.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
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

#[expect(
    clippy::too_many_lines,
    reason = "the benchmark's steps in the order they run"
)]
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
    let mut attempt = |ws: &mut Workspace, username: &str, password: &str| -> Result<Sample> {
        now = now + Span::mins(1);
        let (started, cpu_started) = (Instant::now(), thread_cpu_time());
        let outcome = ws.sign_in(username, password, now);
        let sample = Sample {
            wall: started.elapsed(),
            cpu: thread_cpu_time()
                .zip(cpu_started)
                .map(|(end, start)| end.saturating_sub(start)),
        };
        match outcome {
            Err(ServiceError::BadCredentials) if password != PASSWORD => Ok(sample),
            Ok(_) if password == PASSWORD => Ok(sample),
            other => Err(format!("unexpected outcome for {username}: {other:?}").into()),
        }
    };

    let (mut known, mut unknown, mut correct, mut hash_only) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // What one interactive Argon2id check costs by itself, for reference.
    let argon2 = argon2::Argon2::default();
    let salt = SaltString::encode_b64(&[7; 16]).map_err(|e| e.to_string())?;
    let reference = argon2
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map_err(|e| e.to_string())?
        .to_string();
    let reference = PasswordHash::new(&reference).map_err(|e| e.to_string())?;
    let check_alone = || {
        let (started, cpu_started) = (Instant::now(), thread_cpu_time());
        let is_match = argon2.verify_password(b"wrong", &reference).is_ok();
        assert!(!is_match);
        Sample {
            wall: started.elapsed(),
            cpu: thread_cpu_time()
                .zip(cpu_started)
                .map(|(end, start)| end.saturating_sub(start)),
        }
    };
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
        let h = check_alone();
        if round >= WARM_UP {
            known.push(k);
            unknown.push(u);
            correct.push(c);
            hash_only.push(h);
        }
    }

    println!("sign-in, {SAMPLES} attempts each (interactive Argon2id):");
    let kinds = [
        ("known name, wrong password", &known),
        ("unknown name", &unknown),
        ("known name, right password", &correct),
        ("one Argon2id check alone", &hash_only),
    ];
    for (clock, pick) in [
        (
            "wall",
            (|s: &Sample| Some(s.wall)) as fn(&Sample) -> Option<Duration>,
        ),
        ("on-CPU", |s: &Sample| s.cpu),
    ] {
        let mut medians = Vec::new();
        for (label, samples) in kinds {
            let Some(mut times) = samples.iter().map(pick).collect::<Option<Vec<_>>>() else {
                println!("  ({clock} time not available here)");
                break;
            };
            times.sort_unstable();
            let median = quantile(&times, 0.5);
            medians.push(median);
            println!(
                "  {clock:<6} {label:<28} median {}  p10 {}  p90 {}",
                ms(median),
                ms(quantile(&times, 0.1)),
                ms(quantile(&times, 0.9))
            );
        }
        if let [known, unknown, ..] = medians[..] {
            let difference = unknown.as_secs_f64() - known.as_secs_f64();
            println!(
                "  {clock:<6} unknown − known-wrong medians: {:+.2} ms ({:+.1} %)",
                difference * 1e3,
                difference / known.as_secs_f64() * 100.0
            );
        }
    }
    Ok(())
}

/// One attempt's wall time and on-processor time.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
}

/// How long the calling thread has run on a processor (Linux:
/// `/proc/thread-self/schedstat`, in nanoseconds); `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
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
