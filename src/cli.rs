//! The command line: create workspaces, verify the audit chain, show status.

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, FromArgMatches};
use latchkey::app::{APP_ID, AppEnv, AppOptions, LatchkeyApp, WorkspaceSource, script};
use latchkey::command_line::{AuditCommand, Cli, Command, NO_KEYRING_ENV};
use latchkey::domain::Timestamp;
use latchkey::domain::audit::{AuditAction, ChainBreak, ChainHead, HeadSource};
use latchkey::domain::clock::Clock;
use latchkey::domain::user::NewUser;
use latchkey::platform::clipboard::SystemClipboard;
use latchkey::platform::clock::SystemClock;
use latchkey::platform::import::{ImportFormat, read_csv, read_kdbx};
use latchkey::platform::keyring::{Keyring, NoKeyring, system_keyring};
use latchkey::platform::launcher::SystemLauncher;
use latchkey::platform::notifier::DesktopNotifier;
use latchkey::platform::places;
use latchkey::platform::preferences::PreferencesFile;
use latchkey::platform::screen_lock::ScreenLock;
use latchkey::platform::theme::DesktopTheme;
use latchkey::platform::witness::system_witness;
use latchkey::service::{
    AuditQuery, AuditVerdict, Contents, ExportFormat, HashCost, ServerOwner, WitnessOutcome,
    Workspace, check_audit_file, demo, remember_created_file,
};
use latchkey::store::postgres::PgTarget;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use zeroize::Zeroizing;

/// `println!` that returns the error instead of panicking when standard
/// output is closed (`latchkey status | head -n 1`); `main` then ends
/// quietly, as a program killed by SIGPIPE would.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*).map_err(anyhow::Error::from)?
    }};
}

/// What `--version` prints: the package's version, and the git revision of a
/// development build (`build.rs`).
const VERSION: &str = env!("LATCHKEY_VERSION");

/// Runs the command line; `Err` is printed as one line by `main`.
pub fn run() -> Result<ExitCode> {
    let matches = Cli::command().version(VERSION).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let clock = SystemClock;
    let workspace = match cli.workspace {
        Some(path) => path,
        None => default_workspace_path()?,
    };
    if let Some(address) = server_address(&workspace) {
        return match cli.command {
            None => run_window_on(
                WorkspaceSource::Server(Box::new(PgTarget::parse(address)?)),
                cli.user,
            ),
            Some(Command::Init {
                demo,
                scale,
                owner,
                admin,
            }) => init_postgres(address, demo, scale, &owner, &admin, &clock),
            Some(_) => bail!(
                "this command works on workspace files; a PostgreSQL workspace is used through the window"
            ),
        };
    }
    match cli.command {
        None => run_window(workspace, cli.user, cli.demo),
        Some(Command::Init { demo, scale, .. }) => init(&workspace, demo, scale, &clock),
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
    Ok(places::data_dir()
        .map_err(anyhow::Error::msg)?
        .join("workspace.latchkey"))
}

/// The window's icon: the 256-pixel rendering of `assets/org.latchkey.Latchkey.svg`.
const WINDOW_ICON: &[u8] =
    include_bytes!("../assets/icons/hicolor/256x256/apps/org.latchkey.Latchkey.png");

/// `$XDG_STATE_HOME/latchkey/window.ron`, its folder created private first
/// (the audit witness lives there too); `None` (nothing remembered) where
/// there is no state directory.
fn window_state_file() -> Option<PathBuf> {
    let dir = places::state_dir()
        .and_then(|dir| places::create_private_dir(&dir).map(|()| dir))
        .inspect_err(|reason| {
            eprintln!("latchkey: warning: the window's size is not remembered: {reason}");
        })
        .ok()?;
    Some(dir.join("window.ron"))
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

/// The address of a PostgreSQL workspace, when `workspace` is one rather
/// than a file.
fn server_address(workspace: &Path) -> Option<&str> {
    let text = workspace.to_str()?;
    (text.starts_with("postgresql://") || text.starts_with("postgres://")).then_some(text)
}

/// `init --workspace postgresql://…`: lays out an empty workspace in the
/// server's empty database with the owner role, and its first
/// administrator; passwords come from standard input, one a line.
fn init_postgres(
    address: &str,
    demo: bool,
    scale: Option<usize>,
    owner: &str,
    admin: &str,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    if scale.is_some() {
        bail!(
            "--scale makes workspace files; a PostgreSQL workspace is created empty or as the demo"
        );
    }
    let target = PgTarget::parse(address)?;
    let mut input = std::io::stdin().lock();
    let owner_password = read_secret_line(&mut input, "the owner role's password")?;
    if demo {
        let owner = ServerOwner {
            user: owner,
            password: owner_password.as_str(),
        };
        Workspace::create_postgres_demo(&target, &owner, clock.now())?;
        say!("Created the demo workspace in {}", target.describe());
        say!(
            "Users: admin, alice, bob, carol; every password is \"{}\"",
            demo::DEMO_PASSWORD
        );
        return Ok(ExitCode::SUCCESS);
    }
    let admin_password = read_secret_line(&mut input, "the administrator's password")?;
    let first_admin = NewUser {
        username: admin.to_owned(),
        display_name: admin.to_owned(),
        email: String::new(),
        is_admin: true,
    };
    let owner = ServerOwner {
        user: owner,
        password: owner_password.as_str(),
    };
    Workspace::create_postgres(
        &target,
        &owner,
        "Team workspace",
        &first_admin,
        admin_password.as_str(),
        clock.now(),
    )?;
    say!("Created the PostgreSQL workspace {}", target.describe());
    say!(
        "Its first administrator is \"{admin}\"; open it with: latchkey --workspace '{}' --user {admin}",
        target.describe()
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens the desktop window on `workspace` (R-DSK-1, R-DSK-2).
fn run_window(workspace: PathBuf, user: Option<String>, demo: bool) -> Result<ExitCode> {
    let app_options = AppOptions {
        source: WorkspaceSource::File(workspace),
        user,
        demo,
    };
    run_window_with(app_options)
}

/// Opens the desktop window on a PostgreSQL workspace.
fn run_window_on(source: WorkspaceSource, user: Option<String>) -> Result<ExitCode> {
    run_window_with(AppOptions {
        source,
        user,
        demo: false,
    })
}

fn run_window_with(app_options: AppOptions) -> Result<ExitCode> {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Latchkey")
        // The desktop matches the window to its launcher and icon by this id.
        .with_app_id(APP_ID)
        .with_inner_size([1180.0, 740.0])
        .with_min_inner_size([720.0, 480.0]);
    match eframe::icon_data::from_png_bytes(WINDOW_ICON) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(e) => eprintln!("latchkey: warning: the window's icon cannot be read: {e}"),
    }
    let options = eframe::NativeOptions {
        viewport,
        // The window's size and position are remembered in the state
        // directory (egui's own memory is not: it could hold typed text).
        persistence_path: window_state_file(),
        ..eframe::NativeOptions::default()
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
        say!("{note}");
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
        say!(
            "Created {} with {} entries and {} requests ({} refused by the rules and skipped) in {:.1} s",
            path.display(),
            report.entries,
            report.requests,
            report.skipped,
            started.elapsed().as_secs_f64()
        );
    } else {
        say!("Created the demo workspace {}", path.display());
        say!(
            "Users: admin, alice, bob, carol; every password is \"{}\"",
            demo::DEMO_PASSWORD
        );
    }
    say!("Secrets are encrypted; {}", workspace.key_status());
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
            if let (Some(location), true) = (&check.witness_location, remembered_here) {
                say!("audit chain broken: {broken} (remembered in {location})");
            } else {
                say!("audit chain broken: {broken}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    if let AuditCommand::Head = action {
        let Some(head) = &check.head else {
            bail!("the audit log of {} has no events", path.display());
        };
        say!("{head}");
    } else {
        say!("audit chain intact: {events} events");
        if let Some(head) = &check.head {
            say!("head: {head}");
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
    say!(
        "Workspace: {} ({})",
        workspace.name(now)?,
        workspace.location()
    );
    if let Some(reason) = workspace.read_only() {
        say!("Opened read-only: {reason}");
    }
    say!("Users: {}", workspace.users(now)?.len());
    say!("{}", workspace.key_status());
    if let Some(problem) = &workspace.key_status().keyring_problem {
        say!("OS keyring not used: {problem}");
    }
    let counts = workspace.request_counts(now)?;
    let requests: Vec<String> = counts
        .by_status
        .iter()
        .map(|(status, n)| format!("{status} {n}"))
        .collect();
    say!(
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
    say!("Importing {planned} from {}", plan.file_name);
    let mut progress = |done: usize, total: usize| eprintln!("{done} of {total}");
    let summary = workspace.import(&session, vault.id, None, &plan, &mut progress, clock.now())?;
    say!("Imported into {}: {summary}", vault.name);
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
