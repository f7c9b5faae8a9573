//! Words and numbers for people: local times, durations, countdowns, phase
//! words, time frames and the wording of notifications. Everything a person
//! reads about time is formatted here, in the reader's time zone, from UTC
//! instants and spans; the layers below keep values, never words. Pure
//! functions of values, so the drawing code may call them.

use crate::domain::entry::EntryKind;
use crate::domain::notification::{
    HandledNote, HandledOutcome, Handling, Notification, NotificationContent, NotificationFacts,
    NotificationKind, NotifiedWindow,
};
use crate::domain::request::{AccessWindow, Phase, Request, Target, TargetContents};
use crate::domain::{Span, Timestamp};
use chrono::{Local, TimeZone};
use std::fmt::Display;

/// "2026-11-23 10:42" in the computer's local time zone.
pub fn local_minute(at: Timestamp) -> String {
    minute_in(at, &Local)
}

/// "2026-11-23 10:42" in the time zone `tz`.
pub fn minute_in<Tz: TimeZone>(at: Timestamp, tz: &Tz) -> String
where
    Tz::Offset: Display,
{
    at.to_utc()
        .with_timezone(tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// "2026-11-23 10:42:05" in the computer's local time zone.
pub fn local_second(at: Timestamp) -> String {
    at.to_utc()
        .with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A length for people: "2 h 10 min", "45 s", "1 day 2 h"; never negative.
///
/// The wording is [`Span::human`]'s: the domain's error messages state limits
/// with it too, and a length reads the same in every time zone.
pub fn duration(span: Span) -> String {
    span.human()
}

/// A length given in whole minutes: "15 min", "1 h", "1 day", "1 week"
/// ([`Span::human_mins`], as for [`duration`]).
pub fn duration_mins(mins: u32) -> String {
    Span::human_mins(mins)
}

/// A countdown that visibly moves every second: "1 h 05 min 09 s",
/// "4 min 09 s", "9 s"; days as "2 days 3 h". Never negative.
pub fn countdown(span: Span) -> String {
    let total_secs = span.millis().max(0) / 1_000;
    let (days, hours) = (total_secs / 86_400, (total_secs % 86_400) / 3_600);
    let (mins, secs) = ((total_secs % 3_600) / 60, total_secs % 60);
    if days > 0 {
        return duration(Span::secs(total_secs));
    }
    if hours > 0 {
        format!("{hours} h {mins:02} min {secs:02} s")
    } else if mins > 0 {
        format!("{mins} min {secs:02} s")
    } else {
        format!("{secs} s")
    }
}

/// The word for a phase, shown in lists and banners ([`Phase::label`]: the
/// audit record of a revocation names the phase before it with the same word).
pub const fn phase_word(phase: Phase) -> &'static str {
    phase.label()
}

/// A time frame: "1 h from approval", or "start – end (length)" in local time.
pub fn window_text(window: AccessWindow) -> String {
    window_text_in(window, &Local)
}

fn window_text_in<Tz: TimeZone>(window: AccessWindow, tz: &Tz) -> String
where
    Tz::Offset: Display,
{
    match window {
        AccessWindow::Duration { mins } => format!("{} from approval", duration_mins(mins)),
        AccessWindow::Custom { start_at, end_at } => placed_in(start_at, end_at, tz),
        AccessWindow::Permanent => "Permanent, from approval until revoked".to_owned(),
    }
}

/// A length, or "Permanent" for access without an end (R-REQ-10).
pub fn length(length: Option<Span>) -> String {
    length.map_or_else(|| "Permanent".to_owned(), duration)
}

/// "start – end (length)" in `tz`.
fn placed_in<Tz: TimeZone>(start_at: Timestamp, end_at: Timestamp, tz: &Tz) -> String
where
    Tz::Offset: Display,
{
    format!(
        "{} – {} ({})",
        minute_in(start_at, tz),
        minute_in(end_at, tz),
        duration(end_at.since(start_at))
    )
}

/// A window as asked for: "1 h", or "start – end" in local time.
pub fn terms_text(window: AccessWindow) -> String {
    terms_in(window, &Local)
}

/// A window as asked for: "1 h", or "start – end" in `tz`.
fn terms_in<Tz: TimeZone>(window: AccessWindow, tz: &Tz) -> String
where
    Tz::Offset: Display,
{
    match window {
        AccessWindow::Duration { mins } => duration_mins(mins),
        AccessWindow::Custom { start_at, end_at } => {
            format!("{} – {}", minute_in(start_at, tz), minute_in(end_at, tz))
        }
        AccessWindow::Permanent => "Permanent".to_owned(),
    }
}

/// How a granted window reads in a notification, in `tz`.
fn notified_window_in<Tz: TimeZone>(window: NotifiedWindow, tz: &Tz) -> String
where
    Tz::Offset: Display,
{
    match window {
        NotifiedWindow::Placed { start_at, end_at } => placed_in(start_at, end_at, tz),
        NotifiedWindow::OnFirstUse {
            length,
            claim_by_at,
        } => format!(
            "{} from first use, if used by {}",
            duration(length),
            minute_in(claim_by_at, tz)
        ),
        NotifiedWindow::Terms(window) => terms_in(window, tz),
    }
}

/// (title, body) of a notification, times in the reader's local time zone.
pub fn notification_text(notification: &Notification) -> (String, String) {
    notification_text_in(notification, &Local)
}

/// (title, body) of a notification, times in the time zone `tz`. A
/// notification stored as words is shown as it was written.
pub fn notification_text_in<Tz: TimeZone>(notification: &Notification, tz: &Tz) -> (String, String)
where
    Tz::Offset: Display,
{
    match &notification.content {
        NotificationContent::Facts(facts) => facts_text_in(facts, tz),
        NotificationContent::Legacy { title, body } => (title.clone(), body.clone()),
    }
}

/// `body` followed by “message”, when there is one.
fn with_quote(body: String, message: &str) -> String {
    if message.is_empty() {
        body
    } else {
        format!("{body} “{message}”")
    }
}

/// (title, body) for a notification's facts, times in `tz`.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per notification kind, their wordings side by side"
)]
pub fn facts_text_in<Tz: TimeZone>(facts: &NotificationFacts, tz: &Tz) -> (String, String)
where
    Tz::Offset: Display,
{
    let names = facts.names();
    let entry = &names.entry;
    let set = &names.permission_set;
    match facts {
        NotificationFacts::RequestSubmitted {
            window, message, ..
        } => (
            format!("Access request: {entry}"),
            with_quote(
                format!(
                    "{} asks for {set} on {entry} for {}.",
                    names.requester,
                    terms_in(*window, tz)
                ),
                message,
            ),
        ),
        NotificationFacts::BreakGlassUsed { length, reason, .. } => (
            format!("Emergency access: {entry}"),
            format!(
                "{} took emergency {set} access on {entry} for {}. Reason: “{reason}”. Review it.",
                names.requester,
                duration(*length)
            ),
        ),
        NotificationFacts::Approved {
            approver,
            modified,
            window,
            message,
            ..
        } => {
            let how = if *modified {
                "approved with changes"
            } else {
                "approved"
            };
            (
                format!("Access approved: {entry}"),
                with_quote(
                    format!(
                        "{approver} {how} your request for {set} on {entry}: {}.",
                        notified_window_in(*window, tz)
                    ),
                    message,
                ),
            )
        }
        NotificationFacts::DirectGrant {
            admin,
            window,
            message,
            ..
        } => (
            format!("Access granted: {entry}"),
            with_quote(
                format!(
                    "{admin} granted you {set} on {entry}: {}.",
                    notified_window_in(*window, tz)
                ),
                message,
            ),
        ),
        NotificationFacts::Denied {
            approver, reason, ..
        } => {
            let reason = if reason.is_empty() {
                "No reason was given.".to_owned()
            } else {
                format!("Reason: “{reason}”")
            };
            (
                format!("Access denied: {entry}"),
                format!("{approver} denied your request for {entry}. {reason}"),
            )
        }
        NotificationFacts::ExpiringSoon { end_at, left, .. } => (
            format!("Access ends soon: {entry}"),
            format!(
                "Your access to {entry} ends at {} (in {}). Request an extension if you need more time.",
                minute_in(*end_at, tz),
                duration(*left)
            ),
        ),
        NotificationFacts::Expired { end_at, .. } => (
            format!("Access ended: {entry}"),
            format!(
                "Your access to {entry} ended at {}.",
                minute_in(*end_at, tz)
            ),
        ),
        NotificationFacts::Revoked { by, reason, .. } => (
            format!("Access revoked: {entry}"),
            with_quote(format!("{by} revoked your access to {entry}."), reason),
        ),
        NotificationFacts::Lapsed { was_pending, .. } => {
            let body = if *was_pending {
                format!("Your request for {entry} was not decided in time and lapsed.")
            } else {
                format!("Your approved access to {entry} was not used in time and lapsed.")
            };
            (format!("Request lapsed: {entry}"), body)
        }
    }
}

/// An entry kind in a sentence: "New SSH connection in …".
pub const fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Folder => "folder",
        EntryKind::Rdp => "RDP connection",
        EntryKind::Ssh => "SSH connection",
        EntryKind::Website => "website",
        EntryKind::Vpn => "VPN",
        EntryKind::Credentials => "credentials",
        EntryKind::Database => "database",
    }
}

/// What a desktop switch is called in the notification list (R-NOT-2).
pub const fn kind_label(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::RequestSubmitted => "A request waits for my decision",
        NotificationKind::BreakGlassUsed => "Someone took emergency access",
        NotificationKind::Approved => "My request was approved",
        NotificationKind::Denied => "My request was denied",
        NotificationKind::ExpiringSoon => "My access ends soon",
        NotificationKind::Expired => "My access ended",
        NotificationKind::Revoked => "My access was revoked",
        NotificationKind::Lapsed => "My request lapsed",
        NotificationKind::DirectGrant => "I was granted access directly",
    }
}

/// The label of a desktop notification's one button (R-BEY-6, R-BEY-1).
pub const fn desktop_action_label(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::RequestSubmitted => "Review",
        NotificationKind::ExpiringSoon => "Request extension",
        NotificationKind::BreakGlassUsed
        | NotificationKind::Approved
        | NotificationKind::Denied
        | NotificationKind::Expired
        | NotificationKind::Revoked
        | NotificationKind::Lapsed
        | NotificationKind::DirectGrant => "Open",
    }
}

/// Where to go in the window, for a notification server that shows no buttons.
const fn where_to_go(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::RequestSubmitted => {
            "To review it, open Latchkey: 📥 Requests, or the 🔔 list."
        }
        NotificationKind::ExpiringSoon => {
            "To ask for more time, open Latchkey: the entry's banner has Request extension."
        }
        NotificationKind::BreakGlassUsed
        | NotificationKind::Approved
        | NotificationKind::Denied
        | NotificationKind::Expired
        | NotificationKind::Revoked
        | NotificationKind::Lapsed
        | NotificationKind::DirectGrant => "Open Latchkey's 🔔 list for details.",
    }
}

/// (summary, body) of a desktop notification. Without buttons on the
/// server (`actions` false), the body says where to go instead.
pub fn desktop_text(notification: &Notification, actions: bool) -> (String, String) {
    let (title, body) = notification_text(notification);
    if actions {
        (title, body)
    } else {
        (title, format!("{body}\n{}", where_to_go(notification.kind)))
    }
}

/// (summary, body) that replaces a request's desktop notification once
/// another approver handled it (R-BEY-7).
pub fn handled_desktop_text(notification: &Notification) -> (String, String) {
    let (title, body) = notification_text(notification);
    let handled = handled_text(notification);
    (format!("Handled: {title}"), format!("{handled}. {body}"))
}

/// (summary, body) of one notification standing for several (R-NOT-2): "7
/// things happened while Latchkey was closed", the first few titles, and
/// where to read them all.
pub fn backlog_summary_text(
    notifications: &[&Notification],
    while_closed: bool,
    actions: bool,
) -> (String, String) {
    let count = notifications.len();
    let summary = if while_closed {
        format!("{count} things happened while Latchkey was closed")
    } else {
        format!("{count} new notifications in Latchkey")
    };
    let mut lines: Vec<String> = notifications
        .iter()
        .rev()
        .take(3)
        .map(|n| format!("• {}", notification_text(n).0))
        .collect();
    if count > 3 {
        lines.push(format!("… and {} more.", count - 3));
    }
    lines.push(if actions {
        "Open the list to read them all.".to_owned()
    } else {
        "Open Latchkey's 🔔 list to read them all.".to_owned()
    });
    (summary, lines.join("\n"))
}

/// The status bar's one notice that the desktop shows no notifications (R-NOT-3).
pub fn desktop_unavailable_text(reason: &str) -> String {
    format!("Desktop notifications are unavailable: {reason}. The 🔔 list still shows every one.")
}

/// "Approved by Bob Approver at 2026-11-23 10:42" in the reader's local time
/// (R-BEY-7); empty when nobody else has handled the request.
pub fn handled_text(notification: &Notification) -> String {
    handled_text_in(notification, &Local)
}

/// The handled note of a notification with times in `tz`; a note stored as
/// words is shown as it was written.
pub fn handled_text_in<Tz: TimeZone>(notification: &Notification, tz: &Tz) -> String
where
    Tz::Offset: Display,
{
    match &notification.handled {
        None => String::new(),
        Some(HandledNote::Legacy(text)) => text.clone(),
        Some(HandledNote::Recorded(Handling { outcome, by, at })) => {
            let done = match outcome {
                HandledOutcome::Approved => "Approved",
                HandledOutcome::Denied => "Denied",
                HandledOutcome::Cancelled => "Cancelled",
            };
            format!("{done} by {by} at {}", minute_in(*at, tz))
        }
    }
}

/// One of the user's requests on an entry: "when asked · set · phase".
pub fn request_line(request: &Request, set_name: &str, now: Timestamp) -> String {
    format!(
        "{} · {set_name} · {}",
        local_minute(request.created_at),
        phase_word(request.phase(now))
    )
}

/// A request in the dashboard's lists: "entry · set · time frame".
pub fn request_summary(request: &Request, entry_name: &str, set_name: &str) -> String {
    format!(
        "{entry_name} · {set_name} · {}",
        terms_text(request.effective_terms().window)
    )
}

/// Where one of "My temporary access" stands at `now`: "✔ active, 1 h 05 min
/// 09 s remaining", "scheduled, starts in 4 min 09 s", …
pub fn my_access_status(request: &Request, now: Timestamp) -> String {
    let until = |at: Option<Timestamp>| countdown(at.map_or(Span::ZERO, |at| at.since(now)));
    match request.phase(now) {
        Phase::Active => format!("✔ active, {} remaining", until(request.grant_end_at)),
        Phase::Scheduled => format!("scheduled, starts in {}", until(request.grant_start_at)),
        Phase::AwaitingFirstUse => "approved, starts on first use".to_owned(),
        phase => phase_word(phase).to_lowercase(),
    }
}

/// What the response window calls the row naming a request's target.
pub fn target_row_word(target: Target) -> &'static str {
    match target {
        Target::Entry(_) => "Entry",
        Target::Folder(_) => "Folder",
        Target::Vault(_) => "Vault",
        Target::Join(_) => "Asks to join",
    }
}

/// What the response window calls a folder or vault target's contents row.
pub fn target_kind_word(target: Target) -> &'static str {
    match target {
        Target::Entry(_) => "Entry holds",
        Target::Folder(_) => "Folder holds",
        Target::Vault(_) | Target::Join(_) => "Vault holds",
    }
}

/// "3 RDP, 1 Credentials" for what a folder or vault holds; "nothing yet" when empty.
pub fn contents_counts(contents: &TargetContents) -> String {
    if contents.counts.is_empty() {
        return "nothing yet".to_owned();
    }
    contents
        .counts
        .iter()
        .map(|(kind, n)| format!("{n} {}", kind.label()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a folder or vault request covers, said under its name in the request dialog.
pub fn target_scope_note(target: Target) -> Option<&'static str> {
    match target {
        Target::Entry(_) => None,
        Target::Folder(_) => {
            Some("Covers everything in this folder, including entries added later")
        }
        Target::Vault(_) => Some("Covers the whole vault, including entries added later"),
        Target::Join(_) => Some(
            "Makes you a member of this vault: you see its entries, with this permission set over all of them",
        ),
    }
}

/// An audit action's stored name in words: `password_revealed` →
/// "Password revealed".
pub fn audit_action_words(action: &str) -> String {
    let spaced = action.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::{NotificationKind, NotificationNames};
    use crate::domain::{NotificationId, RequestId, UserId};
    use chrono::FixedOffset;

    #[test]
    fn human_spans_read_naturally() {
        let cases = [
            (Span::ZERO, "0 s"),
            (Span(-5_000), "0 s"),
            (Span::secs(45), "45 s"),
            (Span::mins(15), "15 min"),
            (Span::secs(61), "1 min 1 s"),
            (Span::mins(130), "2 h 10 min"),
            (Span::hours(26), "1 day 2 h"),
            (Span::hours(48), "2 days"),
        ];
        for (span, want) in cases {
            assert_eq!(duration(span), want, "{span:?}");
        }
        assert_eq!(duration_mins(7 * 1_440), "1 week");
        assert_eq!(countdown(Span::secs(3_909)), "1 h 05 min 09 s");
        assert_eq!(countdown(Span::secs(249)), "4 min 09 s");
        assert_eq!(countdown(Span(-1)), "0 s");
        assert_eq!(duration_mins(60), "1 h");
    }

    /// Issue 10, item 6: showing absurd spans and instants does not panic.
    #[test]
    fn absurd_values_are_shown_without_panicking() {
        for a in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
            let _ = (local_minute(Timestamp(a)), local_second(Timestamp(a)));
            let _ = duration(Span(a));
            let _ = countdown(Span(a));
        }
        let _ = duration_mins(u32::MAX);
        for (start, end) in [(i64::MIN, i64::MAX), (i64::MAX, i64::MIN), (0, i64::MAX)] {
            let frame = AccessWindow::Custom {
                start_at: Timestamp(start),
                end_at: Timestamp(end),
            };
            let _ = (window_text(frame), terms_text(frame));
        }
    }

    /// 2026-11-23 13:02:00 UTC.
    const AT: Timestamp = Timestamp(1_795_438_920_000);

    fn names() -> NotificationNames {
        NotificationNames {
            entry: "db-prod-01".into(),
            requester: "Alice Requester".into(),
            permission_set: "Read only".into(),
        }
    }

    fn stored(facts: NotificationFacts, handled: Option<HandledNote>) -> Notification {
        Notification {
            id: NotificationId(1),
            user_id: UserId(1),
            kind: facts.kind(),
            request_id: RequestId(1),
            content: NotificationContent::Facts(facts),
            created_at: AT,
            read_at: None,
            shown_at: None,
            handled,
            desktop_id: None,
            handled_shown_at: None,
        }
    }

    /// Issue 11, item 6: a notification keeps the instant, and each reader
    /// sees it in their own time zone, whoever wrote it where.
    #[test]
    fn times_in_a_notification_are_the_readers_local_time() {
        let n = stored(
            NotificationFacts::Expired {
                names: names(),
                end_at: AT,
            },
            Some(HandledNote::Recorded(Handling {
                outcome: HandledOutcome::Approved,
                by: "Bob Approver".into(),
                at: AT,
            })),
        );
        let utc = FixedOffset::east_opt(0).unwrap();
        let berlin = FixedOffset::east_opt(3_600).unwrap();
        let new_york = FixedOffset::west_opt(5 * 3_600).unwrap();
        assert_eq!(
            notification_text_in(&n, &utc),
            (
                "Access ended: db-prod-01".to_owned(),
                "Your access to db-prod-01 ended at 2026-11-23 13:02.".to_owned()
            )
        );
        assert_eq!(
            notification_text_in(&n, &berlin).1,
            "Your access to db-prod-01 ended at 2026-11-23 14:02."
        );
        assert_eq!(
            notification_text_in(&n, &new_york).1,
            "Your access to db-prod-01 ended at 2026-11-23 08:02."
        );
        assert_eq!(
            handled_text_in(&n, &berlin),
            "Approved by Bob Approver at 2026-11-23 14:02"
        );
        assert_eq!(
            handled_text_in(&n, &new_york),
            "Approved by Bob Approver at 2026-11-23 08:02"
        );
    }

    /// The reader's time zone is the reading process's: a child process
    /// started with `TZ` shows the same stored instant in that zone. `TZ` is
    /// set only in the child, never in this test harness.
    #[test]
    fn local_times_follow_the_time_zone_of_the_reading_process() {
        const NAME: &str =
            "app::present::tests::local_times_follow_the_time_zone_of_the_reading_process";
        if let Ok(want) = std::env::var("LATCHKEY_TEST_EXPECT_MINUTE") {
            assert_eq!(local_minute(AT), want);
            return;
        }
        let exe = std::env::current_exe().unwrap();
        for (tz, want) in [
            ("UTC0", "2026-11-23 13:02"),
            ("EST5", "2026-11-23 08:02"),
            ("CET-1", "2026-11-23 14:02"),
        ] {
            let out = std::process::Command::new(&exe)
                .args(["--exact", NAME, "--test-threads=1"])
                .env("TZ", tz)
                .env("LATCHKEY_TEST_EXPECT_MINUTE", want)
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && said.contains("1 passed"),
                "TZ={tz}: {said}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn each_kind_is_worded_from_its_facts() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let end = AT + Span::hours(1);
        let cases = [
            (
                NotificationFacts::RequestSubmitted {
                    names: names(),
                    window: AccessWindow::Duration { mins: 60 },
                    message: "Deploy".into(),
                },
                "Access request: db-prod-01",
                "Alice Requester asks for Read only on db-prod-01 for 1 h. “Deploy”",
            ),
            (
                NotificationFacts::BreakGlassUsed {
                    names: names(),
                    length: Span::mins(30),
                    reason: "Outage".into(),
                },
                "Emergency access: db-prod-01",
                "Alice Requester took emergency Read only access on db-prod-01 for 30 min. Reason: “Outage”. Review it.",
            ),
            (
                NotificationFacts::Approved {
                    names: names(),
                    approver: "Bob Approver".into(),
                    modified: true,
                    window: NotifiedWindow::Placed {
                        start_at: AT,
                        end_at: end,
                    },
                    message: String::new(),
                },
                "Access approved: db-prod-01",
                "Bob Approver approved with changes your request for Read only on db-prod-01: 2026-11-23 13:02 – 2026-11-23 14:02 (1 h).",
            ),
            (
                NotificationFacts::DirectGrant {
                    names: names(),
                    admin: "Ada Admin".into(),
                    window: NotifiedWindow::OnFirstUse {
                        length: Span::hours(1),
                        claim_by_at: end,
                    },
                    message: "For the audit".into(),
                },
                "Access granted: db-prod-01",
                "Ada Admin granted you Read only on db-prod-01: 1 h from first use, if used by 2026-11-23 14:02. “For the audit”",
            ),
            (
                NotificationFacts::Denied {
                    names: names(),
                    approver: "Bob Approver".into(),
                    reason: String::new(),
                },
                "Access denied: db-prod-01",
                "Bob Approver denied your request for db-prod-01. No reason was given.",
            ),
            (
                NotificationFacts::ExpiringSoon {
                    names: names(),
                    end_at: end,
                    left: Span::mins(10),
                },
                "Access ends soon: db-prod-01",
                "Your access to db-prod-01 ends at 2026-11-23 14:02 (in 10 min). Request an extension if you need more time.",
            ),
            (
                NotificationFacts::Revoked {
                    names: names(),
                    by: "Bob Approver".into(),
                    reason: "Incident over".into(),
                },
                "Access revoked: db-prod-01",
                "Bob Approver revoked your access to db-prod-01. “Incident over”",
            ),
            (
                NotificationFacts::Lapsed {
                    names: names(),
                    was_pending: true,
                },
                "Request lapsed: db-prod-01",
                "Your request for db-prod-01 was not decided in time and lapsed.",
            ),
        ];
        for (facts, title, body) in cases {
            assert_eq!(
                facts_text_in(&facts, &utc),
                (title.to_owned(), body.to_owned()),
                "{:?}",
                facts.kind()
            );
        }
    }

    /// A notification stored as words before notifications were facts is
    /// shown as it was written, and so is its handled note.
    #[test]
    fn legacy_words_are_shown_as_they_were_written() {
        let n = Notification {
            content: NotificationContent::Legacy {
                title: "Access ended: web-01".into(),
                body: "Your access to web-01 ended at 2026-11-23 14:02.".into(),
            },
            kind: NotificationKind::Expired,
            handled: Some(HandledNote::Legacy(
                "Denied by Bob at 2026-11-23 14:02".into(),
            )),
            ..stored(
                NotificationFacts::Lapsed {
                    names: names(),
                    was_pending: false,
                },
                None,
            )
        };
        assert_eq!(
            notification_text(&n),
            (
                "Access ended: web-01".to_owned(),
                "Your access to web-01 ended at 2026-11-23 14:02.".to_owned()
            )
        );
        assert_eq!(handled_text(&n), "Denied by Bob at 2026-11-23 14:02");
        assert_eq!(
            handled_text(&stored(
                NotificationFacts::Lapsed {
                    names: names(),
                    was_pending: true
                },
                None
            )),
            ""
        );
    }
}
