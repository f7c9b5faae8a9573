//! The window's keyboard shortcuts (issue 14), KeePassXC's where it has one:
//! Ctrl+N new entry, Ctrl+E edit, Delete delete, Ctrl+B copy user name,
//! Ctrl+C copy password (when no text is selected), Ctrl+U connect or open,
//! Ctrl+L lock (sign out). They act on the selected entry, never while a
//! dialog is open or a text field has the keyboard, and only where the
//! matching button would be enabled; the service checks each again.

use crate::app::view::intent::{CopyWhat, EditIntent, Intent, StartIntent, VaultIntent};
use crate::app::view::screen::MainView;
use crate::domain::entry::EntryKind;
use egui::{Event, Key, Modifiers};

/// Reads this frame's shortcuts into intents.
pub fn shortcuts(ctx: &egui::Context, view: &MainView, intents: &mut Vec<Intent>) {
    if ctx.text_edit_focused() {
        return;
    }
    let selected = view.detail.as_ref().map(|d| &d.entry);
    let rights = view.rights;
    ctx.input_mut(|input| {
        if input.consume_key(Modifiers::COMMAND, Key::L) {
            intents.push(StartIntent::SignOut.into());
            return;
        }
        if input.consume_key(Modifiers::COMMAND, Key::N) {
            // Into the selected folder, else beside the selected entry, else the top.
            let parent = match selected {
                Some(entry) if entry.kind == EntryKind::Folder && rights.add_in_selected => {
                    Some(Some(entry.id))
                }
                Some(entry) if entry.kind != EntryKind::Folder => rights
                    .add_at_top
                    .then_some(entry.parent_id)
                    .filter(Option::is_none),
                _ => rights.add_at_top.then_some(None),
            };
            if let Some(parent) = parent {
                intents.push(
                    EditIntent::NewEntry {
                        kind: EntryKind::Credentials,
                        parent,
                    }
                    .into(),
                );
            }
        }
        let Some(entry) = selected else { return };
        if input.consume_key(Modifiers::COMMAND, Key::E) && rights.edit_selected {
            intents.push(EditIntent::EditEntry(entry.id).into());
        }
        if input.consume_key(Modifiers::NONE, Key::Delete) && rights.delete_selected {
            intents.push(EditIntent::AskDelete(entry.id).into());
        }
        if entry.kind == EntryKind::Folder {
            return;
        }
        if input.consume_key(Modifiers::COMMAND, Key::B) {
            intents.push(VaultIntent::Copy(entry.id, CopyWhat::Username).into());
        }
        if input.consume_key(Modifiers::COMMAND, Key::U) && entry.kind.is_connection() {
            intents.push(VaultIntent::Connect(entry.id).into());
        }
        // egui turns Ctrl+C into a Copy event; with no text field focused
        // there is no text selection it could be meant for.
        let copy = input.events.iter().position(|e| matches!(e, Event::Copy));
        if let Some(index) = copy {
            input.events.remove(index);
            intents.push(VaultIntent::Copy(entry.id, CopyWhat::Password).into());
        }
    });
}
