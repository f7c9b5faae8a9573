//! The command line: create workspaces, verify the audit chain, show status.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use latchkey::app::{AppEnv, AppOptions, LatchkeyApp, WorkspaceSource, script};
use latchkey::domain::Timestamp;
use latchkey::domain::audit::{AuditAction, ChainBreak, ChainHead, HeadSource};
use latchkey::domain::clock::Clock;
use latchkey::platform::clipboard::SystemClipboard;
use latchkey::platform::clock::SystemClock;
use latchkey::platform::import::{ImportFormat, read_csv, read_kdbx};
use latchkey::platform::keyring::{Keyring, NoKeyring, system_keyring};
use latchkey::platform::launcher::SystemLauncher;
use latchkey::platform::notifier::DesktopNotifier;
use latchkey::platform::preferences::PreferencesFile;
use latchkey::platform::screen_lock::ScreenLock;
use latchkey::platform::theme::DesktopTheme;
use latchkey::platform::witness::system_witness;
use latchkey::service::{
    AuditQuery, AuditVerdict, Contents, ExportFormat, HashCost, WitnessOutcome, Workspace,
    check_audit_file, demo, remember_created_file,
};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use zeroize::Zeroizing;

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
    /// Pre-fill the sign-in with this user name (the cursor goes to the password).
    #[arg(long)]
    user: Option<String>,
    /// Create the demo workspace if the workspace does not exist yet.
    #[arg(long)]
    demo: bool,
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
    /// Import a KeePass database (.kdbx, password only) or KeePassXC's CSV
    /// export (.csv) into a vault's top. Reads the user's password, then the
    /// database's password (.kdbx only), from standard input, one a line.
    Import {
        /// The vault to import into, by name.
        #[arg(long)]
        vault: String,
        /// The user who imports; needs Add at the vault's top.
        #[arg(long)]
        user: String,
        /// The .kdbx or .csv file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; names the first altered or missing event, and
    /// fails if the chain does not extend what this computer saw before.
    Verify {
        /// Also require the chain to extend this head, as `audit head` printed it.
        #[arg(long, value_name = "COUNT:HASH")]
        expect: Option<String>,
    },
    /// Verify the chain and print its head as COUNT:HASH, to keep elsewhere
    /// and check later with `audit verify --expect`.
    Head,
    /// Write the audit events the filters find to standard output, oldest
    /// first, as CSV or JSON Lines (every field, hashes included, so the
    /// chain can be re-verified from the file). Reading names and details is
    /// for administrators and approvers, so it signs in as the `--as` user,
    /// whose password is read from standard input; the export is audited.
    Export {
        /// Sign in as this user (an administrator sees every event, an
        /// approver those of their vaults).
        #[arg(long = "as", value_name = "NAME")]
        as_user: String,
        /// csv or jsonl.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// Only events done by this user (repeatable).
        #[arg(long, alias = "actor", value_name = "NAME")]
        user: Vec<String>,
        /// Only events about this vault.
        #[arg(long, value_name = "NAME")]
        vault: Option<String>,
        /// Only this action, by its stored name such as `approved` (repeatable).
        #[arg(long, value_name = "ACTION")]
        action: Vec<String>,
        /// From this local date or time on: YYYY-MM-DD or YYYY-MM-DDTHH:MM.
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Up to this local date (the whole day) or time (excluded).
        #[arg(long, value_name = "WHEN")]
        until: Option<String>,
        /// Only events whose details, user or entry name contain this text.
        #[arg(long)]
        text: Option<String>,
    },
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
        None => run_window(workspace, cli.user, cli.demo),
        Some(Command::Init { demo, scale }) => init(&workspace, demo, scale, &clock),
        Some(Command::Audit {
            action:
                AuditCommand::Export {
                    as_user,
                    format,
                    user,
                    vault,
                    action,
                    since,
                    until,
                    text,
                },
        }) => {
            let filters = ExportFilters {
                users: user,
                vault,
                actions: action,
                since,
                until,
                text,
            };
            export_audit(&workspace, &as_user, &format, &filters, &clock)
        }
        Some(Command::Audit { action }) => audit(&workspace, &action),
        Some(Command::Status) => status(&workspace, &clock),
        Some(Command::Import { vault, user, file }) => {
            import(&workspace, &vault, &user, &file, &clock)
        }
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

/// Opens the desktop window on `workspace` (R-DSK-1, R-DSK-2).
fn run_window(workspace: PathBuf, user: Option<String>, demo: bool) -> Result<ExitCode> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Latchkey")
            .with_app_id("latchkey")
            .with_inner_size([1180.0, 740.0])
            .with_min_inner_size([720.0, 480.0]),
        ..eframe::NativeOptions::default()
    };
    let app_options = AppOptions {
        source: WorkspaceSource::File(workspace),
        user,
        demo,
    };
    eframe::run_native(
        "Latchkey",
        options,
        Box::new(move |creation| {
            // The desktop's light or dark preference is asked in the background
            // and repaints the window when it arrives or changes (R-DSK-3).
            let ctx = creation.egui_ctx.clone();
            let desktop = DesktopTheme::from_portal(move || ctx.request_repaint());
            // Desktop notifications are shown from their own thread, which
            // wakes the window when the server answers or an action comes.
            let ctx = creation.egui_ctx.clone();
            let notifier = DesktopNotifier::start(move || ctx.request_repaint());
            let env = AppEnv {
                clock: Arc::new(SystemClock),
                keyring: Arc::from(keyring()),
                launcher: Arc::new(SystemLauncher),
                clipboard: Arc::new(SystemClipboard::default()),
                hash_cost: HashCost::Interactive,
                witness: Arc::from(system_witness()),
                notifier: Arc::new(notifier),
            };
            // The desktop's screen lock locks the window too (issue 14).
            let ctx = creation.egui_ctx.clone();
            let screen_lock = ScreenLock::from_session_bus(move || ctx.request_repaint());
            let mut app = LatchkeyApp::new(env, app_options)
                .with_desktop_theme(desktop)
                .with_screen_lock(screen_lock);
            if script::COMPILED_IN
                && let Some(dir) = std::env::var_os(script::HOOKS_ENV)
            {
                let ctx = creation.egui_ctx.clone();
                let script = script::Script::start(std::path::Path::new(&dir), move || {
                    ctx.request_repaint();
                })?;
                app = app.with_script(script);
            }
            match PreferencesFile::in_config_dir() {
                Ok(file) => app = app.with_preferences(file),
                Err(reason) => {
                    eprintln!("latchkey: warning: preferences are not remembered: {reason}");
                }
            }
            if let Some(problem) = app.preferences_problem() {
                eprintln!("latchkey: warning: {problem}; the default preferences are used");
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot open the window ({e}); the commands of `latchkey --help` work without one"
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

fn init(path: &Path, demo: bool, scale: Option<usize>, clock: &dyn Clock) -> Result<ExitCode> {
    if !demo && scale.is_none() {
        bail!("say what to create: --demo or --scale N");
    }
    let keyring = keyring();
    let contents = match scale {
        Some(n) => Contents::Scale(n),
        None => Contents::Demo,
    };
    let started = Instant::now();
    // All or nothing: a failed or killed creation leaves no workspace behind.
    let created = Workspace::create_file(
        path,
        contents,
        keyring.as_ref(),
        HashCost::Interactive,
        clock.now(),
    )?;
    if let Some(note) = &created.cleaned_up {
        println!("{note}");
    }
    // This computer's witness learns the new workspace's id at this path, so
    // a new workspace where another one was is not taken for a replacement.
    let mut workspace = created.workspace;
    let remembered = workspace
        .id()
        .map_err(|e| e.to_string())
        .and_then(|id| remember_created_file(system_witness().as_ref(), path, &id));
    if let Err(reason) = remembered {
        eprintln!("latchkey: warning: this computer's audit witness was not used: {reason}");
    }
    if let Some(report) = &created.scale {
        println!(
            "Created {} with {} entries and {} requests ({} refused by the rules and skipped) in {:.1} s",
            path.display(),
            report.entries,
            report.requests,
            report.skipped,
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("Created the demo workspace {}", path.display());
        println!(
            "Users: admin, alice, bob, carol; every password is \"{}\"",
            demo::DEMO_PASSWORD
        );
    }
    println!("Secrets are encrypted; {}", workspace.key_status());
    Ok(ExitCode::SUCCESS)
}

/// `audit verify` and `audit head` (R-AUD-2, R-BEY-12): the whole chain, checked
/// against this computer's witness (kept in the user's state directory) and
/// the head given with `--expect`.
fn audit(path: &Path, action: &AuditCommand) -> Result<ExitCode> {
    let expected = match action {
        AuditCommand::Verify { expect: Some(text) } => {
            Some(ChainHead::parse(text).map_err(anyhow::Error::msg)?)
        }
        _ => None,
    };
    let witness = system_witness();
    let check = check_audit_file(path, witness.as_ref(), expected.as_ref())?;
    let events = match &check.verdict {
        AuditVerdict::Intact { events } => *events,
        AuditVerdict::Broken(broken) => {
            let remembered_here = matches!(
                broken,
                ChainBreak::Shorter {
                    source: HeadSource::Witness,
                    ..
                } | ChainBreak::Rewritten {
                    source: HeadSource::Witness,
                    ..
                }
            );
            match (&check.witness_location, remembered_here) {
                (Some(location), true) => {
                    println!("audit chain broken: {broken} (remembered in {location})");
                }
                _ => println!("audit chain broken: {broken}"),
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    if let AuditCommand::Head = action {
        let Some(head) = &check.head else {
            bail!("the audit log of {} has no events", path.display());
        };
        println!("{head}");
    } else {
        println!("audit chain intact: {events} events");
        if let Some(head) = &check.head {
            println!("head: {head}");
        }
    }
    if let WitnessOutcome::Unavailable(reason) = &check.witness {
        // Not a failure of the chain, but the person should know the check was weaker.
        eprintln!("latchkey: warning: this computer's audit witness was not used: {reason}");
    }
    Ok(ExitCode::SUCCESS)
}

fn status(path: &Path, clock: &dyn Clock) -> Result<ExitCode> {
    let keyring = keyring();
    let mut workspace = Workspace::open_file(path, keyring.as_ref(), HashCost::Interactive)?;
    let now = clock.now();
    println!(
        "Workspace: {} ({})",
        workspace.name(now)?,
        workspace.location()
    );
    if let Some(reason) = workspace.read_only() {
        println!("Opened read-only: {reason}");
    }
    println!("Users: {}", workspace.users(now)?.len());
    println!("{}", workspace.key_status());
    if let Some(problem) = &workspace.key_status().keyring_problem {
        println!("OS keyring not used: {problem}");
    }
    let counts = workspace.request_counts(now)?;
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

/// One line of standard input without its line ending; `what` names it in
/// the error when there is none.
fn read_secret_line(input: &mut dyn BufRead, what: &str) -> Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    let read = input
        .read_line(&mut line)
        .with_context(|| format!("cannot read {what} from standard input"))?;
    if read == 0 {
        bail!("{what} was expected on standard input, one a line");
    }
    let trimmed = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(trimmed);
    Ok(line)
}

/// `import` (R-VLT-12): signs in, reads the file, imports it in one
/// transaction, prints the summary; progress goes to standard error.
fn import(
    path: &Path,
    vault_name: &str,
    username: &str,
    file: &Path,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    let Some(format) = ImportFormat::of(file) else {
        bail!(
            "{} is neither a .kdbx KeePass database nor a .csv export",
            file.display()
        );
    };
    if !path.exists() {
        bail!("no workspace at {}", path.display());
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let password = read_secret_line(&mut input, "the user's password")?;
    let file_password = match format {
        ImportFormat::Kdbx => Some(read_secret_line(&mut input, "the database's password")?),
        ImportFormat::Csv => None,
    };
    let keyring = keyring();
    let mut workspace = Workspace::open_file(path, keyring.as_ref(), HashCost::Interactive)?;
    if let Some(reason) = workspace.read_only() {
        bail!("the workspace is open read-only: {reason}");
    }
    let session = workspace.sign_in(username, &password, clock.now())?;
    let now = clock.now();
    let vault = workspace
        .vaults(&session, now)?
        .into_iter()
        .find(|v| v.name == vault_name)
        .with_context(|| format!("{username} sees no vault named \"{vault_name}\""))?;
    let plan = match &file_password {
        Some(secret) => read_kdbx(file, secret)?,
        None => read_csv(file)?,
    };
    let planned = plan.summary();
    println!("Importing {planned} from {}", plan.file_name);
    let mut progress = |done: usize, total: usize| eprintln!("{done} of {total}");
    let summary = workspace.import(&session, vault.id, None, &plan, &mut progress, clock.now())?;
    println!("Imported into {}: {summary}", vault.name);
    Ok(ExitCode::SUCCESS)
}

/// The filters of `audit export`, as typed.
struct ExportFilters {
    users: Vec<String>,
    vault: Option<String>,
    actions: Vec<String>,
    since: Option<String>,
    until: Option<String>,
    text: Option<String>,
}

/// A local date (`YYYY-MM-DD`, its midnight, or the next midnight for an
/// end) or local time (`YYYY-MM-DDTHH:MM`) as an instant.
fn parse_when(text: &str, is_end: bool) -> Result<Timestamp> {
    use chrono::{Days, Local, NaiveDate, NaiveDateTime, TimeZone};
    let text = text.trim();
    let local = if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M") {
        at
    } else if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if is_end {
            day.checked_add_days(Days::new(1)).unwrap_or(day)
        } else {
            day
        };
        day.and_hms_opt(0, 0, 0).unwrap_or_default()
    } else {
        bail!("{text:?} is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM");
    };
    let Some(at) = Local.from_local_datetime(&local).earliest() else {
        bail!("{text:?} does not exist in the local time zone");
    };
    Ok(Timestamp::from_utc(at.with_timezone(&chrono::Utc)))
}

/// `audit export` (R-AUD-3): signs in (the password on standard input),
/// writes the events to standard output; progress goes to standard error.
fn export_audit(
    path: &Path,
    as_user: &str,
    format: &str,
    filters: &ExportFilters,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    let Some(format) = ExportFormat::parse(format) else {
        bail!("{format:?} is not an export format: write csv or jsonl");
    };
    let mut actions = Vec::new();
    for name in &filters.actions {
        let Some(action) = AuditAction::parse(name) else {
            bail!("{name:?} is not an audit action");
        };
        actions.push(action);
    }
    let since = filters
        .since
        .as_deref()
        .map(|t| parse_when(t, false))
        .transpose()?;
    let until = filters
        .until
        .as_deref()
        .map(|t| parse_when(t, true))
        .transpose()?;
    if !path.exists() {
        bail!("no workspace at {}", path.display());
    }
    let password = read_secret_line(&mut std::io::stdin().lock(), "the user's password")?;
    let keyring = keyring();
    let mut workspace = Workspace::open_file(path, keyring.as_ref(), HashCost::Interactive)?;
    let session = workspace.sign_in(as_user, &password, clock.now())?;
    let now = clock.now();
    let people = workspace.users(now)?;
    let mut users = Vec::new();
    for name in &filters.users {
        let Some(user) = people
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(name))
        else {
            bail!("there is no user named {name:?}");
        };
        users.push(user.id);
    }
    let vault = match &filters.vault {
        Some(name) => Some(
            workspace
                .vaults(&session, now)?
                .into_iter()
                .find(|v| &v.name == name)
                .with_context(|| format!("{as_user} sees no vault named {name:?}"))?
                .id,
        ),
        None => None,
    };
    let query = AuditQuery {
        users,
        vault,
        actions,
        since,
        until,
        text: filters.text.clone().unwrap_or_default(),
        ..AuditQuery::default()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let progress = |done: usize, total: usize| {
        if done == total || done.is_multiple_of(50_000) {
            eprintln!("{done} of {total}");
        }
    };
    let written = workspace.export_audit(
        &session,
        &query,
        format,
        "standard output",
        &mut out,
        &progress,
        now,
    )?;
    drop(out);
    if written == 1 {
        eprintln!("exported 1 event");
    } else {
        eprintln!("exported {written} events");
    }
    Ok(ExitCode::SUCCESS)
}
