//! The desktop clipboard (R-REQ-8), behind a trait so tests never need a
//! display. egui can only write the clipboard; clearing only what Latchkey
//! put there needs to read it back, hence this small interface.

use std::sync::Mutex;
use zeroize::Zeroizing;

/// Reads and writes the clipboard's text.
pub trait Clipboard: Send + Sync {
    /// The text on the clipboard now, `Ok(None)` if it holds no text.
    fn text(&self) -> Result<Option<Zeroizing<String>>, String>;
    /// Puts `text` on the clipboard.
    fn set_text(&self, text: &str) -> Result<(), String>;
    /// Empties the clipboard.
    fn clear(&self) -> Result<(), String>;
}

/// The system clipboard (X11, or Wayland where the compositor offers data
/// control), reached on first use so that starting needs no display.
///
/// Invariant: one connection is kept for the life of the application: on X11
/// the clipboard's text is served by the process that set it.
#[derive(Default)]
pub struct SystemClipboard {
    connection: Mutex<Option<arboard::Clipboard>>,
}

impl SystemClipboard {
    fn with<R>(
        &self,
        f: impl FnOnce(&mut arboard::Clipboard) -> Result<R, arboard::Error>,
    ) -> Result<R, String> {
        let mut connection = self
            .connection
            .lock()
            .map_err(|_| "clipboard lock poisoned".to_owned())?;
        if connection.is_none() {
            *connection = Some(
                arboard::Clipboard::new()
                    .map_err(|e| format!("the clipboard cannot be reached: {e}"))?,
            );
        }
        let clipboard = connection
            .as_mut()
            .ok_or_else(|| "the clipboard cannot be reached".to_owned())?;
        f(clipboard).map_err(|e| format!("the clipboard failed: {e}"))
    }
}

impl Clipboard for SystemClipboard {
    fn text(&self) -> Result<Option<Zeroizing<String>>, String> {
        self.with(|c| match c.get_text() {
            Ok(text) => Ok(Some(Zeroizing::new(text))),
            Err(arboard::Error::ContentNotAvailable) => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn set_text(&self, text: &str) -> Result<(), String> {
        self.with(|c| c.set_text(text))
    }

    fn clear(&self) -> Result<(), String> {
        self.with(arboard::Clipboard::clear)
    }
}

/// An in-process clipboard for tests; `Debug` shows only whether it holds text.
#[derive(Default)]
pub struct MemoryClipboard {
    text: Mutex<Option<Zeroizing<String>>>,
}

impl std::fmt::Debug for MemoryClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let holds_text = self.text.lock().is_ok_and(|t| t.is_some());
        f.debug_struct("MemoryClipboard")
            .field("holds_text", &holds_text)
            .finish()
    }
}

impl Clipboard for MemoryClipboard {
    fn text(&self) -> Result<Option<Zeroizing<String>>, String> {
        let text = self
            .text
            .lock()
            .map_err(|_| "clipboard lock poisoned".to_owned())?;
        Ok(text.clone())
    }

    fn set_text(&self, text: &str) -> Result<(), String> {
        *self
            .text
            .lock()
            .map_err(|_| "clipboard lock poisoned".to_owned())? =
            Some(Zeroizing::new(text.to_owned()));
        Ok(())
    }

    fn clear(&self) -> Result<(), String> {
        *self
            .text
            .lock()
            .map_err(|_| "clipboard lock poisoned".to_owned())? = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_clipboard_keeps_the_last_text_until_cleared() {
        let clipboard = MemoryClipboard::default();
        assert!(clipboard.text().unwrap().is_none());
        clipboard.set_text("one").unwrap();
        clipboard.set_text("two").unwrap();
        assert_eq!(
            clipboard.text().unwrap().as_deref().map(String::as_str),
            Some("two")
        );
        assert!(!format!("{clipboard:?}").contains("two"));
        clipboard.clear().unwrap();
        assert!(clipboard.text().unwrap().is_none());
    }
}
