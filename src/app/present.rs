//! Words and numbers for people: how the window writes time frames. Pure
//! functions of values, so the drawing code may call them.

use crate::domain::request::{AccessWindow, Phase, Request};
use crate::domain::{Span, Timestamp};

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

/// A time frame in short: "1 h", or "start – end" in local time.
pub fn window_short(window: AccessWindow) -> String {
    match window {
        AccessWindow::Duration { mins } => Span::human_mins(mins),
        AccessWindow::Custom { start_at, end_at } => {
            format!("{} – {}", start_at.local_minute(), end_at.local_minute())
        }
    }
}

/// One of the user's requests on an entry: "when asked · set · phase".
pub fn request_line(request: &Request, set_name: &str, now: Timestamp) -> String {
    format!(
        "{} · {set_name} · {}",
        request.created_at.local_minute(),
        request.phase(now).label()
    )
}

/// A request in the dashboard's lists: "entry · set · time frame".
pub fn request_summary(request: &Request, entry_name: &str, set_name: &str) -> String {
    format!(
        "{entry_name} · {set_name} · {}",
        window_short(request.effective_terms().window)
    )
}

/// Where one of "My temporary access" stands at `now`: "✔ active, 12:34
/// remaining", "scheduled, starts in 5:00", …
pub fn my_access_status(request: &Request, now: Timestamp) -> String {
    match request.phase(now) {
        Phase::Active => format!(
            "✔ active, {} remaining",
            request
                .grant_end_at
                .map_or(Span::ZERO, |e| e.since(now))
                .countdown()
        ),
        Phase::Scheduled => format!(
            "scheduled, starts in {}",
            request
                .grant_start_at
                .map_or(Span::ZERO, |s| s.since(now))
                .countdown()
        ),
        Phase::AwaitingFirstUse => "approved, starts on first use".to_owned(),
        phase => phase.label().to_lowercase(),
    }
}
