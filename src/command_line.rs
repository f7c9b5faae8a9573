//! The command line's arguments: one clap definition, which the program
//! parses and from which `examples/man.rs` writes the manual page
//! (`latchkey.1`) for the packages.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// The environment variable that keeps the workspace key out of the OS
/// keyring (tests, CI, machines without a Secret Service).
pub const NO_KEYRING_ENV: &str = "LATCHKEY_NO_KEYRING";

const LONG_ABOUT: &str = "\
Latchkey is a desktop vault for connections and credentials (SSH, RDP, VPN, \
websites, databases) in which access is just-in-time: a person who lacks a \
permission on an entry asks for it for a while, an approver decides, and \
access ends by itself at the end of the granted time. Every step is written \
to a tamper-evident audit log.

Without a command, Latchkey opens its window on the workspace.";

/// The files Latchkey keeps (path, what it is), for `--help` and the
/// manual page's FILES section.
pub const FILES: [(&str, &str); 3] = [
    (
        "$XDG_DATA_HOME/latchkey/workspace.latchkey",
        "The default workspace (~/.local/share/latchkey/workspace.latchkey).",
    ),
    (
        "$XDG_CONFIG_HOME/latchkey/preferences.json",
        "The person's preferences, such as the theme (in ~/.config/latchkey/).",
    ),
    (
        "$XDG_STATE_HOME/latchkey/",
        "The audit witness (the last verified audit head of each workspace) and the \
         window's size and position, window.ron (~/.local/state/latchkey/).",
    ),
];

/// The environment variables Latchkey reads (name, effect), for `--help`
/// and the manual page's ENVIRONMENT section.
pub const ENVIRONMENT: [(&str, &str); 1] = [(
    NO_KEYRING_ENV,
    "When set, the workspace key is kept in an owner-only key file beside the workspace \
     instead of the OS keyring (Secret Service).",
)];

/// `--help`'s closing part: the files and the environment.
fn files_and_environment() -> String {
    use std::fmt::Write;
    let mut help = String::from("Files:\n");
    for (title, items) in [("", &FILES[..]), ("\nEnvironment:\n", &ENVIRONMENT[..])] {
        help.push_str(title);
        for (name, what) in items {
            // Writing to a String cannot fail.
            let _ = writeln!(help, "  {name}\n      {what}");
        }
    }
    help
}

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "A desktop vault for connections and credentials with just-in-time, time-bound access",
    long_about = LONG_ABOUT,
    after_long_help = files_and_environment()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The workspace file (default: workspace.latchkey in the user's data
    /// directory), or a PostgreSQL workspace's address
    /// (postgresql://host/database; never with a password in it).
    #[arg(long, global = true)]
    pub workspace: Option<PathBuf>,
    /// Pre-fill the sign-in with this user name (the cursor goes to the password).
    #[arg(long)]
    pub user: Option<String>,
    /// Create the demo workspace if the workspace does not exist yet.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a workspace: the demo one, or a large generated one for
    /// benchmarks. A PostgreSQL workspace is created in the empty database
    /// of its address, as the demo or empty with its first administrator:
    /// reads the owner role's password, then (empty) the administrator's,
    /// from standard input, one a line.
    Init {
        /// Sample vaults, entries, users (alice, bob, carol, admin; password "demo") and requests.
        #[arg(long, conflicts_with = "scale")]
        demo: bool,
        /// N entries over nested folders and N requests in mixed states.
        #[arg(long, value_name = "N")]
        scale: Option<usize>,
        /// PostgreSQL only: the server's superuser role that lays out the
        /// workspace (used once, never kept).
        #[arg(long, value_name = "ROLE", default_value = "postgres")]
        owner: String,
        /// PostgreSQL only: the first administrator's user name.
        #[arg(long, value_name = "NAME", default_value = "admin")]
        admin: String,
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
pub enum AuditCommand {
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
