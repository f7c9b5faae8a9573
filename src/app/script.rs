//! Scripted control of a real window, for the desktop integration test
//! (`tests/desktop/notifications.sh`): only in a build with the `test-hooks`
//! feature, and only when `LATCHKEY_TEST_HOOKS` names a directory.
//!
//! The script writes one command per line into the FIFO `DIR/commands`; a
//! thread reads them and wakes the window, which carries them out through
//! the same intents its buttons push, so the service checks every one as
//! usual. After every frame the window writes what it shows to `DIR/state`
//! (replaced atomically, and only when it changed) for the script to wait on.
//!
//! Commands:
//! - `sign-in USER PASSWORD`
//! - `request ENTRY NAME | PRESET-MINUTES | APPROVER-USERNAME | MESSAGE`
//! - `approve` (the open response window, with the terms it shows)
//! - `open ENTRY NAME` (selects the entry, as a click in the tree would)
//! - `bell` (opens or closes the notification list)
//! - `edit`, `move`, `delete` (the selected entry's form or dialog),
//!   `generator` (opens the open form's password generator)
//! - `search TEXT` (opens the search with TEXT typed)
//! - `import PATH` (opens Import… on the shown vault with PATH typed), then
//!   `browse` (its Browse… button), `read` (Read file), `import-start` (Import)
//!
//! The state includes `frames=N`, how many times the window ran its logic,
//! so a script can count repaints (tests/desktop/idle-cpu.sh).

use super::view::forms::{Dialog, SecretText};
use super::view::import::{ImportForm, ImportStage};
use super::view::intent::{
    AccessIntent, ApprovalIntent, EditIntent, ImportIntent, Intent, NotificationsIntent,
    SearchIntent, StartIntent, VaultIntent, Verdict,
};
use super::view::notifications::DesktopState;
use super::{LatchkeyApp, Screen};
use crate::domain::EntryId;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};

/// The environment variable naming the hooks' directory.
pub const HOOKS_ENV: &str = "LATCHKEY_TEST_HOOKS";

/// Whether this build carries the hooks at all.
pub const COMPILED_IN: bool = cfg!(feature = "test-hooks");

/// The commands read so far, and where the state goes.
pub struct Script {
    dir: PathBuf,
    commands: Receiver<String>,
    last_state: String,
    frames: u64,
}

impl Script {
    /// Reads commands from `dir/commands` (a FIFO the script made) on a
    /// thread that calls `wake` after each line.
    pub fn start(dir: &Path, wake: impl Fn() + Send + 'static) -> std::io::Result<Script> {
        let fifo = dir.join("commands");
        let (sender, commands) = channel();
        std::thread::Builder::new()
            .name("test-hooks".into())
            .spawn(move || {
                // Each writer's lines, then wait for the next writer.
                while let Ok(file) = std::fs::File::open(&fifo) {
                    for line in std::io::BufReader::new(file).lines() {
                        let Ok(line) = line else { break };
                        if sender.send(line).is_err() {
                            return;
                        }
                        wake();
                    }
                }
            })?;
        Ok(Script {
            dir: dir.to_owned(),
            commands,
            last_state: String::new(),
            frames: 0,
        })
    }

    fn take_commands(&self) -> Vec<String> {
        self.commands.try_iter().collect()
    }

    fn write_state(&mut self, state: String) {
        if state == self.last_state {
            return;
        }
        let partial = self.dir.join("state.partial");
        let written = std::fs::write(&partial, &state)
            .and_then(|()| std::fs::rename(&partial, self.dir.join("state")));
        if let Err(e) = written {
            eprintln!("latchkey: test hooks: cannot write the state: {e}");
        }
        self.last_state = state;
    }
}

impl LatchkeyApp {
    /// Carries out the commands that arrived, then records what is shown.
    pub(super) fn script_logic(&mut self) {
        let Some(script) = &mut self.script else {
            return;
        };
        script.frames += 1;
        for command in script.take_commands() {
            if let Err(problem) = self.run_command(&command) {
                // Only the command's first word: `sign-in` carries a password.
                let verb = command.split_whitespace().next().unwrap_or_default();
                eprintln!("latchkey: test hooks: `{verb}`: {problem}");
            }
        }
        let mut state = self.describe_for_script();
        if let Some(script) = &mut self.script {
            state = format!("{state}frames={}\n", script.frames);
            script.write_state(state);
        }
    }

    fn run_command(&mut self, command: &str) -> Result<(), String> {
        if let Some(entry) = command.strip_prefix("open ") {
            let id = self.find_entry(entry.trim())?;
            self.apply(&VaultIntent::SelectEntry(id).into());
            return Ok(());
        }
        if let Some(text) = command.strip_prefix("search ") {
            self.apply(&SearchIntent::Open.into());
            self.apply(&SearchIntent::SetQuery(text.to_owned()).into());
            return Ok(());
        }
        if let Some(path) = command.strip_prefix("import ") {
            self.apply(&ImportIntent::Open { into: None }.into());
            let Screen::Main(main) = &mut self.screen else {
                return Err("not signed in".into());
            };
            let Dialog::Import(form) = &mut main.dialog else {
                return Err("the import dialog did not open".into());
            };
            path.trim().clone_into(&mut form.path);
            return Ok(());
        }
        if let Some(fields) = command.strip_prefix("request ") {
            let fields: Vec<&str> = fields.split('|').map(str::trim).collect();
            let [entry, minutes, approver, message] = fields.as_slice() else {
                return Err("request takes ENTRY | MINUTES | APPROVER | MESSAGE".into());
            };
            let minutes: u32 = minutes.parse().map_err(|_| "minutes must be a number")?;
            return self.script_request(entry, minutes, approver, message);
        }
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            ["sign-in", user, password] => {
                self.sign_in.username = (*user).to_owned();
                self.sign_in.password = SecretText::from(*password);
                self.apply(&StartIntent::SignIn.into());
                Ok(())
            }
            ["approve"] => {
                let Screen::Main(main) = &self.screen else {
                    return Err("not signed in".into());
                };
                if !matches!(main.dialog, Dialog::Respond(_)) {
                    return Err("no response window is open".into());
                }
                self.apply(&ApprovalIntent::Decide(Verdict::Approve).into());
                Ok(())
            }
            [verb @ ("edit" | "move" | "delete")] => {
                let Screen::Main(main) = &self.screen else {
                    return Err("not signed in".into());
                };
                let id = main.view.selected().ok_or("no entry is selected")?;
                let intent = match *verb {
                    "edit" => EditIntent::EditEntry(id),
                    "move" => EditIntent::AskMove(id),
                    _ => EditIntent::AskDelete(id),
                };
                self.apply(&intent.into());
                Ok(())
            }
            ["generator"] => {
                let Screen::Main(main) = &mut self.screen else {
                    return Err("not signed in".into());
                };
                let Dialog::EditEntry(form) = &mut main.dialog else {
                    return Err("no entry form is open".into());
                };
                form.generator_open = true;
                self.apply(&EditIntent::GeneratePassword.into());
                Ok(())
            }
            [verb @ ("browse" | "read" | "import-start")] => {
                let intent = match *verb {
                    "browse" => ImportIntent::Browse,
                    "read" => ImportIntent::Read,
                    _ => ImportIntent::Start,
                };
                self.apply(&intent.into());
                Ok(())
            }
            ["bell"] => {
                let Screen::Main(main) = &self.screen else {
                    return Err("not signed in".into());
                };
                let intent = if main.view.notifications.is_open() {
                    NotificationsIntent::Close
                } else {
                    NotificationsIntent::Open
                };
                self.apply(&intent.into());
                Ok(())
            }
            _ => Err("unknown command".into()),
        }
    }

    /// Opens the request dialog on the entry called `entry`, fills it in
    /// and sends it, as a person would.
    fn script_request(
        &mut self,
        entry: &str,
        minutes: u32,
        approver: &str,
        message: &str,
    ) -> Result<(), String> {
        let id = self.find_entry(entry)?;
        self.apply(&AccessIntent::OpenRequestDialog(id).into());
        let Screen::Main(main) = &mut self.screen else {
            return Err("not signed in".into());
        };
        let Dialog::Request(form) = &mut main.dialog else {
            return Err("the request dialog did not open".into());
        };
        form.terms.is_custom = false;
        form.terms.preset_index = form
            .terms
            .presets
            .iter()
            .position(|&m| m == minutes)
            .ok_or("no such preset duration in this workspace")?;
        form.approver_index = form.approvers.iter().position(|u| u.username == approver);
        form.message = message.to_owned();
        self.apply(&Intent::Access(AccessIntent::SendRequest));
        Ok(())
    }

    /// Shows the vault holding the entry called `name`; its id.
    fn find_entry(&mut self, name: &str) -> Result<EntryId, String> {
        let vaults: Vec<_> = match &self.screen {
            Screen::Main(main) => main.view.vaults.iter().map(|v| v.id).collect(),
            _ => return Err("not signed in".into()),
        };
        for vault in vaults {
            self.apply(&VaultIntent::SelectVault(vault).into());
            if let Screen::Main(main) = &self.screen
                && let Some(entry) = main.view.tree.find_by_name(name)
            {
                return Ok(entry.id);
            }
        }
        Err("no such entry".into())
    }

    /// What the window shows, one `key=value` per line.
    fn describe_for_script(&self) -> String {
        let mut lines = vec![];
        match &self.screen {
            Screen::FirstStart => lines.push("screen=first-start".to_owned()),
            Screen::Unavailable(reason) => lines.push(format!("screen=unavailable {reason}")),
            Screen::SignIn(_) => {
                lines.push("screen=sign-in".to_owned());
                if let Some(error) = &self.sign_in.error {
                    lines.push(format!("error={error}"));
                }
                if let Some(notice) = &self.sign_in.notice {
                    lines.push(format!("notice={notice}"));
                }
            }
            Screen::Main(main) => {
                lines.push("screen=main".to_owned());
                lines.push(format!("user={}", main.view.user.username));
                lines.push(format!(
                    "dialog={}",
                    match &main.dialog {
                        Dialog::None => "none".to_owned(),
                        Dialog::Respond(form) => format!("respond {}", form.info.request.id.0),
                        Dialog::Request(form) => format!(
                            "request {} extends {}",
                            form.target.entry_id().map_or(0, |e| e.0),
                            form.extends.map_or(0, |id| id.0)
                        ),
                        Dialog::Sent { .. } => "sent".to_owned(),
                        Dialog::Details(request) => format!("details {}", request.id.0),
                        Dialog::Import(form) => describe_import(form),
                        _ => "other".to_owned(),
                    }
                ));
                let selected = main.view.selected().map_or(0, |id| id.0);
                lines.push(format!("entry={selected}"));
                lines.push(format!("unread={}", main.view.notifications.unread));
                lines.push(format!("shown={}", main.desktop_notifications_shown()));
                lines.push(format!(
                    "desktop={}",
                    match &main.view.notifications.desktop {
                        DesktopState::Checking => "checking".to_owned(),
                        DesktopState::Available { .. } => "available".to_owned(),
                        DesktopState::Unavailable(reason) => format!("unavailable {reason}"),
                    }
                ));
                if let Some(error) = main.view.status.error() {
                    lines.push(format!("error={error}"));
                }
                if let Some(notice) = main.view.status.notice() {
                    lines.push(format!("notice={notice}"));
                }
            }
        }
        lines.push(String::new());
        lines.join("\n")
    }
}

/// The import dialog for the state file: "import STAGE[; no file chosen][; error]".
fn describe_import(form: &ImportForm) -> String {
    let stage = match &form.stage {
        ImportStage::Choosing => "choosing".to_owned(),
        ImportStage::Browsing => "browsing".to_owned(),
        ImportStage::Reading => "reading".to_owned(),
        ImportStage::Ready(summary) => format!("ready {}", summary.total()),
        ImportStage::Importing { done, total } => format!("importing {done}/{total}"),
        ImportStage::Done(summary) => format!("done {}", summary.total()),
    };
    let mut said = vec![format!("import {stage}")];
    if form.no_file_chosen {
        said.push("no file chosen".to_owned());
    }
    said.extend(form.errors.0.iter().map(|e| e.message.clone()));
    said.extend(form.error.clone());
    said.join("; ")
}
