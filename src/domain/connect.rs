//! Turning a connection entry into the program to launch (R-DSK-5), from
//! templates an administrator can change.
//!
//! Invariant: no shell is involved. A template is split into arguments at
//! spaces first, then placeholders are filled in each argument, so a host
//! name can never inject another argument or command.
//!
//! Invariant: an entry's field never becomes an option of the program. A
//! field that starts with `-` or holds control characters is refused, a host
//! may hold only the characters of a host name or address, and an argument
//! that the template did not start with `-` never starts with one once
//! filled. The SSH template also ends ssh's options with `--`.

use super::entry::{Entry, EntryKind};
use super::error::{DomainError, Field};
use serde::{Deserialize, Serialize};

/// The command template of each connection kind. Placeholders: `{host}`,
/// `{port}`, `{username}`, `{url}`, `{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectTemplates {
    /// Opens a website in the default browser.
    pub website: String,
    /// Opens a terminal running ssh.
    pub ssh: String,
    /// Opens an RDP client.
    pub rdp: String,
    /// Brings a VPN connection up.
    pub vpn: String,
    /// Opens a database client in a terminal.
    pub database: String,
}

impl Default for ConnectTemplates {
    fn default() -> ConnectTemplates {
        ConnectTemplates {
            website: "xdg-open {url}".into(),
            ssh: "x-terminal-emulator -e ssh -p {port} -- {username}@{host}".into(),
            rdp: "xfreerdp /v:{host}:{port} /u:{username}".into(),
            vpn: "nmcli connection up id {name}".into(),
            database: "x-terminal-emulator -e psql -h {host} -p {port} -U {username}".into(),
        }
    }
}

fn default_port(kind: EntryKind) -> Option<u16> {
    match kind {
        EntryKind::Ssh => Some(22),
        EntryKind::Rdp => Some(3389),
        EntryKind::Database => Some(5432),
        _ => None,
    }
}

/// The program and arguments that open `entry`.
pub fn command_for(
    templates: &ConnectTemplates,
    entry: &Entry,
) -> Result<Vec<String>, DomainError> {
    let template = match entry.kind {
        EntryKind::Website => &templates.website,
        EntryKind::Ssh => &templates.ssh,
        EntryKind::Rdp => &templates.rdp,
        EntryKind::Vpn => &templates.vpn,
        EntryKind::Database => &templates.database,
        EntryKind::Folder | EntryKind::Credentials => {
            return Err(DomainError::WrongState(format!(
                "a {} entry has no connection to open",
                entry.kind.label()
            )));
        }
    };
    let needs = |placeholder: &str| template.contains(placeholder);
    if needs("{host}") && entry.host.trim().is_empty() {
        return Err(DomainError::invalid(
            Field::Entry,
            format!("“{}” has no host to connect to", entry.name),
        ));
    }
    if needs("{url}") && entry.url.trim().is_empty() {
        return Err(DomainError::invalid(
            Field::Entry,
            format!("“{}” has no address to open", entry.name),
        ));
    }
    let field = |placeholder: &str, label: &str, value: &str, rule: FieldRule| {
        if needs(placeholder) {
            checked_field(entry, label, value.trim(), rule)
        } else {
            Ok(String::new())
        }
    };
    let host = field("{host}", "host", &entry.host, FieldRule::Host)?;
    let username = field("{username}", "user name", &entry.username, FieldRule::Text)?;
    let url = field("{url}", "address", &entry.url, FieldRule::NoSpaces)?;
    let name = field("{name}", "name", &entry.name, FieldRule::Text)?;
    let port = entry
        .port
        .or_else(|| default_port(entry.kind))
        .map(|p| p.to_string())
        .unwrap_or_default();
    let mut argv = Vec::new();
    for arg in template.split_whitespace() {
        let filled = arg
            .replace("{host}", &host)
            .replace("{port}", &port)
            .replace("{username}", &username)
            .replace("{url}", &url)
            .replace("{name}", &name);
        // Belt and braces: whatever the fields hold, an argument the
        // template wrote as a value stays a value.
        if filled.starts_with('-') && !arg.starts_with('-') {
            return Err(DomainError::invalid(
                Field::Entry,
                format!(
                    "the connection of “{}” would pass “{filled}” as an option; connection refused",
                    entry.name
                ),
            ));
        }
        argv.push(filled);
    }
    if argv.is_empty() {
        return Err(DomainError::invalid(
            Field::Workspace,
            format!("no program is set for {} connections", entry.kind.label()),
        ));
    }
    Ok(argv)
}

/// What a field placed into a command may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldRule {
    /// A host name, an IPv4 address or a bracketed IPv6 address.
    Host,
    /// Anything printable without spaces (an address).
    NoSpaces,
    /// Anything printable (a user name, an entry name).
    Text,
}

/// `value` if it is safe to place into a command as `rule` says; otherwise
/// an error naming the entry and the field (never a secret: these are the
/// entry's visible fields).
fn checked_field(
    entry: &Entry,
    label: &str,
    value: &str,
    rule: FieldRule,
) -> Result<String, DomainError> {
    let refuse = |why: &str| {
        Err(DomainError::invalid(
            Field::Entry,
            format!(
                "the {label} of “{}” {why}; connection refused",
                entry.name.trim()
            ),
        ))
    };
    if value.starts_with('-') {
        return refuse("starts with “-” and would be read as an option");
    }
    if value.chars().any(char::is_control) {
        return refuse("contains control characters");
    }
    match rule {
        FieldRule::Host => {
            let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_:[]%".contains(c);
            if !value.chars().all(allowed) {
                return refuse("may hold only letters, digits, “.”, “-”, “_”, “:” and brackets");
            }
        }
        FieldRule::NoSpaces => {
            if value.chars().any(char::is_whitespace) {
                return refuse("contains spaces");
            }
        }
        FieldRule::Text => {}
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EntryId, VaultId};

    fn entry(kind: EntryKind, host: &str) -> Entry {
        Entry {
            id: EntryId(1),
            vault_id: VaultId(1),
            parent_id: None,
            kind,
            name: "web 01".into(),
            host: host.into(),
            port: None,
            username: "root".into(),
            url: "https://example.com".into(),
            notes: String::new(),
            database: String::new(),
            engine: String::new(),
        }
    }

    /// R-DSK-5: templates become argument lists, with default ports.
    #[test]
    fn templates_fill_placeholders_per_argument() {
        let t = ConnectTemplates::default();
        assert_eq!(
            command_for(&t, &entry(EntryKind::Ssh, "10.0.0.1")).unwrap(),
            [
                "x-terminal-emulator",
                "-e",
                "ssh",
                "-p",
                "22",
                "--",
                "root@10.0.0.1"
            ]
        );
        assert_eq!(
            command_for(&t, &entry(EntryKind::Website, "")).unwrap(),
            ["xdg-open", "https://example.com"]
        );
        assert_eq!(
            command_for(&t, &entry(EntryKind::Vpn, "")).unwrap(),
            ["nmcli", "connection", "up", "id", "web 01"]
        );
    }

    #[test]
    fn a_hostile_host_is_refused_and_missing_fields_are_refused() {
        let t = ConnectTemplates::default();
        assert!(command_for(&t, &entry(EntryKind::Rdp, "x; rm -rf ~")).is_err());
        assert!(command_for(&t, &entry(EntryKind::Ssh, " ")).is_err());
        assert!(command_for(&t, &entry(EntryKind::Credentials, "h")).is_err());
        let argv = command_for(&t, &entry(EntryKind::Rdp, "[fe80::1%eth0]")).unwrap();
        assert_eq!(argv[1], "/v:[fe80::1%eth0]:3389");
    }

    /// Edits one field of a test entry.
    type Change = fn(&mut Entry);

    /// Issue 10, item 6 (R-DSK-5): no field of an entry reaches ssh, xfreerdp,
    /// psql, nmcli or the browser as an option. Each case is refused with a
    /// message naming the field, and nothing is returned to launch.
    #[test]
    fn entry_fields_placed_into_connection_commands_cannot_become_options() {
        let t = ConnectTemplates::default();
        let with = |kind: EntryKind, change: Change| {
            let mut e = entry(kind, "10.0.0.1");
            change(&mut e);
            command_for(&t, &e)
        };
        let cases: [(&str, EntryKind, Change, &str); 9] = [
            (
                "ssh user name as -o option",
                EntryKind::Ssh,
                |e| e.username = "-oProxyCommand=touch /tmp/pwned".into(),
                "the user name of “web 01” starts with “-”",
            ),
            (
                "ssh host as option",
                EntryKind::Ssh,
                |e| e.host = "-oProxyCommand=touch".into(),
                "the host of “web 01” starts with “-”",
            ),
            (
                "host with a space",
                EntryKind::Ssh,
                |e| e.host = "10.0.0.1 -v".into(),
                "the host of “web 01” may hold only",
            ),
            (
                "host with @ moves the destination",
                EntryKind::Ssh,
                |e| e.host = "x@evil.example".into(),
                "the host of “web 01” may hold only",
            ),
            (
                "rdp user name with a newline",
                EntryKind::Rdp,
                |e| {
                    e.username = "root\n/p:x".into();
                },
                "the user name of “web 01” contains control characters",
            ),
            (
                "psql user name as option",
                EntryKind::Database,
                |e| e.username = "--command=DROP".into(),
                "the user name of “web 01” starts with “-”",
            ),
            (
                "browser address as option",
                EntryKind::Website,
                |e| e.url = "--no-sandbox".into(),
                "the address of “web 01” starts with “-”",
            ),
            (
                "browser address with spaces",
                EntryKind::Website,
                |e| e.url = "https://a.example b".into(),
                "the address of “web 01” contains spaces",
            ),
            (
                "vpn name as option",
                EntryKind::Vpn,
                |e| e.name = "-h".into(),
                "starts with “-”",
            ),
        ];
        for (case, kind, change, message) in cases {
            match with(kind, change) {
                Ok(argv) => panic!("{case}: launched {argv:?}"),
                Err(e) => assert!(
                    e.to_string().contains(message)
                        && e.to_string().ends_with("connection refused"),
                    "{case}: {e}"
                ),
            }
        }
        // A custom template whose placeholder starts an argument is caught too.
        let custom = ConnectTemplates {
            ssh: "ssh {username}".into(),
            ..ConnectTemplates::default()
        };
        let mut e = entry(EntryKind::Ssh, "10.0.0.1");
        e.username = "-F/tmp/evil".into();
        assert!(command_for(&custom, &e).is_err());
        // The default ssh template ends ssh's options before the destination.
        let argv = command_for(&t, &entry(EntryKind::Ssh, "10.0.0.1")).unwrap();
        assert_eq!(argv[argv.len() - 2..], ["--", "root@10.0.0.1"]);
    }
}
