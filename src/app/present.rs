//! Words and numbers for people: how the window writes time frames. Pure
//! functions of values, so the drawing code may call them.

use crate::domain::Span;
use crate::domain::request::AccessWindow;

/// A time frame: "1 h from approval", or "start – end (length)" in local time.
pub fn window_text(window: AccessWindow) -> String {
    match window {
        AccessWindow::Duration { mins } => format!("{} from approval", Span::human_mins(mins)),
        AccessWindow::Custom { start_at, end_at } => {
            format!(
                "{} – {} ({})",
                start_at.local_minute(),
                end_at.local_minute(),
                end_at.since(start_at).human()
            )
        }
    }
}
