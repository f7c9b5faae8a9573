//! Turning a connection entry into the program to launch (R-DSK-5), from
//! templates an administrator can change.
//!
//! Invariant: no shell is involved. A template is split into arguments at
//! spaces first, then placeholders are filled in each argument, so a host
//! name can never inject another argument or command.

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
            ssh: "x-terminal-emulator -e ssh -p {port} {username}@{host}".into(),
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
    let port = entry
        .port
        .or_else(|| default_port(entry.kind))
        .map(|p| p.to_string())
        .unwrap_or_default();
    let argv: Vec<String> = template
        .split_whitespace()
        .map(|arg| {
            arg.replace("{host}", entry.host.trim())
                .replace("{port}", &port)
                .replace("{username}", entry.username.trim())
                .replace("{url}", entry.url.trim())
                .replace("{name}", entry.name.trim())
        })
        .collect();
    if argv.is_empty() {
        return Err(DomainError::invalid(
            Field::Workspace,
            format!("no program is set for {} connections", entry.kind.label()),
        ));
    }
    Ok(argv)
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
    fn a_hostile_host_stays_one_argument_and_missing_fields_are_refused() {
        let t = ConnectTemplates::default();
        let argv = command_for(&t, &entry(EntryKind::Rdp, "x; rm -rf ~")).unwrap();
        assert_eq!(argv[1], "/v:x; rm -rf ~:3389");
        assert!(command_for(&t, &entry(EntryKind::Ssh, " ")).is_err());
        assert!(command_for(&t, &entry(EntryKind::Credentials, "h")).is_err());
    }
}
