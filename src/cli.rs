//! The command line: create workspaces, verify the audit chain, show status.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use latchkey::domain::clock::Clock;
use latchkey::platform::clock::SystemClock;
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::{Keyring, NoKeyring, system_keyring};
use latchkey::service::{AuditVerdict, HashCost, KeyOptions, Workspace, demo, scale, verify_audit};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, TxMode};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Set to any value to keep the workspace key out of the OS keyring (tests, CI).
const NO_KEYRING_ENV: &str = "LATCHKEY_NO_KEYRING";

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "A desktop vault for connections and credentials with just-in-time, time-bound access"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The workspace file (default: workspace.latchkey in the user's data directory).
    #[arg(long, global = true)]
    workspace: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a workspace: the demo one, or a large generated one for benchmarks.
    Init {
        /// Sample vaults, entries, users (alice, bob, carol, admin; password "demo") and requests.
        #[arg(long, conflicts_with = "scale")]
        demo: bool,
        /// N entries over nested folders and N requests in mixed states.
        #[arg(long, value_name = "N")]
        scale: Option<usize>,
    },
    /// Check the tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Show what a workspace holds and where its key is kept.
    Status,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; names the first altered or missing event.
    Verify,
}

/// Runs the command line; `Err` is printed as one line by `main`.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    let clock = SystemClock;
    let workspace = match cli.workspace {
        Some(path) => path,
        None => default_workspace_path()?,
    };
    match cli.command {
        None => {
            print_overview(&workspace);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Init { demo, scale }) => init(&workspace, demo, scale, &clock),
        Some(Command::Audit {
            action: AuditCommand::Verify,
        }) => verify(&workspace),
        Some(Command::Status) => status(&workspace, &clock),
    }
}

fn default_workspace_path() -> Result<PathBuf> {
    let data = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var_os("HOME").context("neither XDG_DATA_HOME nor HOME is set")?,
        )
        .join(".local/share"),
    };
    Ok(data.join("latchkey").join("workspace.latchkey"))
}

fn keyring() -> Box<dyn Keyring> {
    if std::env::var_os(NO_KEYRING_ENV).is_some() {
        Box::new(NoKeyring::new(format!(
            "the OS keyring is turned off by {NO_KEYRING_ENV}"
        )))
    } else {
        system_keyring()
    }
}

fn print_overview(workspace: &Path) {
    println!(
        "Latchkey: a vault for connections and credentials with just-in-time, time-bound access."
    );
    println!();
    println!("The desktop window is not built yet. What this build does:");
    println!("  latchkey init --demo [--workspace PATH]      create the demo workspace");
    println!(
        "  latchkey init --scale N [--workspace PATH]   create a workspace with N entries and N requests"
    );
    println!("  latchkey status [--workspace PATH]           show what a workspace holds");
    println!("  latchkey audit verify [--workspace PATH]     check the tamper-evident audit log");
    println!();
    println!("Default workspace: {}", workspace.display());
}

fn init(path: &Path, demo: bool, scale: Option<usize>, clock: &dyn Clock) -> Result<ExitCode> {
    if !demo && scale.is_none() {
        bail!("say what to create: --demo or --scale N");
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    let keyring = keyring();
    let keys = KeyOptions {
        keyring: keyring.as_ref(),
        key_file: Some(key_file_for(path)),
    };
    let started = Instant::now();
    let store = Box::new(SqliteStore::create(path)?);
    let workspace = if let Some(n) = scale {
        let (workspace, report) = scale::create_scale(store, &keys, n, clock.now())?;
        println!(
            "Created {} with {} entries and {} requests ({} refused by the rules and skipped) in {:.1} s",
            path.display(),
            report.entries,
            report.requests,
            report.skipped,
            started.elapsed().as_secs_f64()
        );
        workspace
    } else {
        let workspace = demo::create_demo(store, &keys, HashCost::Interactive, clock.now())?;
        println!("Created the demo workspace {}", path.display());
        println!(
            "Users: admin, alice, bob, carol; every password is \"{}\"",
            demo::DEMO_PASSWORD
        );
        workspace
    };
    println!("Secrets are encrypted; {}", workspace.key_status());
    Ok(ExitCode::SUCCESS)
}

fn verify(path: &Path) -> Result<ExitCode> {
    let mut store = SqliteStore::open(path)?;
    match verify_audit(&mut store)? {
        AuditVerdict::Intact { events } => {
            println!("audit chain intact: {events} events");
            Ok(ExitCode::SUCCESS)
        }
        AuditVerdict::Broken(broken) => {
            println!("audit chain broken: {broken}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn status(path: &Path, clock: &dyn Clock) -> Result<ExitCode> {
    let mut store = SqliteStore::open(path)?;
    let counts = {
        let mut tx = store.begin(TxMode::Read)?;
        tx.request_counts()?
    };
    let keyring = keyring();
    let keys = KeyOptions {
        keyring: keyring.as_ref(),
        key_file: Some(key_file_for(path)),
    };
    let mut workspace = Workspace::open(Box::new(store), &keys, HashCost::Interactive)?;
    let now = clock.now();
    println!(
        "Workspace: {} ({})",
        workspace.name(now)?,
        workspace.location()
    );
    println!("Users: {}", workspace.users(now)?.len());
    println!("{}", workspace.key_status());
    if let Some(problem) = &workspace.key_status().keyring_problem {
        println!("OS keyring not used: {problem}");
    }
    let requests: Vec<String> = counts
        .by_status
        .iter()
        .map(|(status, n)| format!("{status} {n}"))
        .collect();
    println!(
        "Requests: {}",
        if requests.is_empty() {
            "none".to_owned()
        } else {
            requests.join(", ")
        }
    );
    Ok(ExitCode::SUCCESS)
}
