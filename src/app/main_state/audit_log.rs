//! The Audit log window (issue 16, R-AUD-3, R-AUD-4): pages of events read
//! when it opens, when a filter is applied, when the list is scrolled near
//! its end and when another program committed — never per frame. The
//! service decides who may read what at each call; a refusal closes nothing
//! and is shown in the window. Verifying the chain and exporting run on a
//! second connection off the window's thread (`Job`), where the workspace
//! has one; in memory they run at once.

use super::MainState;
use crate::app::job::Job;
use crate::app::present;
use crate::app::view::audit_log::{
    AuditFilters, AuditLogRow, AuditLogView, ExportChoice, ExportForm, HistoryView, StoryView,
    VerifyView,
};
use crate::app::view::intent::AuditIntent;
use crate::domain::audit::{ChainBreak, ChainHead};
use crate::domain::{Field, Timestamp, UserId};
use crate::platform::witness::Witness;
use crate::service::{
    AccessHistory, AuditCheck, AuditQuery, AuditRecord, AuditTotal, AuditVerdict, ExportFormat,
    HistorySubject, ServiceError, WitnessOutcome,
};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// Events read per page.
pub const AUDIT_PAGE: usize = 200;

/// The window's work off its thread.
#[derive(Default)]
pub(super) struct AuditJobs {
    verify: Option<Job<Result<AuditCheck, String>>>,
    browse: Option<Job<Option<PathBuf>>>,
    export: Option<Job<Result<(usize, String), String>>>,
}

/// A value of the details in one short line.
fn value_text(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        // `{"duration_mins": 120}` reads "duration_mins 120"; an instant
        // (`start_ms`) reads as a local time.
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{} {}", instant_key(k), field_text(k, v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Details store instants as UTC milliseconds under names ending in `_ms`
/// (`at_ms`, `start_ms`, `end_ms`): shown as the reader's local time,
/// without the suffix.
fn field_text(key: &str, value: &Value) -> String {
    match value.as_i64() {
        // A number out of any real instant's range (a tampered row) stays a number.
        Some(ms)
            if key.ends_with("_ms")
                && (Timestamp::EARLIEST.0..=Timestamp::LATEST.0).contains(&ms) =>
        {
            present::local_second(Timestamp(ms))
        }
        _ => value_text(value),
    }
}

/// `start_ms` → `start`: the name of an instant once shown as a time.
fn instant_key(key: &str) -> &str {
    key.strip_suffix("_ms").unwrap_or(key)
}

/// The details as (what, before, after) lines and one summary line.
fn details_lines(details: &Value) -> (Vec<(String, String, String)>, String) {
    let mut changes = Vec::new();
    let mut summary = Vec::new();
    let Value::Object(map) = details else {
        let text = value_text(details);
        return (vec![("details".into(), String::new(), text.clone())], text);
    };
    let pairs = [("before", "after"), ("requested", "authorized")];
    for (old, new) in pairs {
        if let (Some(before), Some(after)) = (map.get(old), map.get(new)) {
            match (before, after) {
                (Value::Object(b), Value::Object(a)) => {
                    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
                    keys.sort();
                    keys.dedup();
                    for key in keys {
                        let (bv, av) = (
                            b.get(key).map(|v| field_text(key, v)).unwrap_or_default(),
                            a.get(key).map(|v| field_text(key, v)).unwrap_or_default(),
                        );
                        let name = instant_key(key);
                        if bv != av {
                            summary.push(format!("{name}: {bv} to {av}"));
                        }
                        changes.push((name.to_owned(), bv, av));
                    }
                }
                (b, a) => {
                    summary.push(format!("{old} {} to {}", value_text(b), value_text(a)));
                    changes.push((format!("{old} / {new}"), value_text(b), value_text(a)));
                }
            }
        }
    }
    for (key, value) in map {
        if pairs.iter().any(|(o, n)| key == o || key == n) {
            continue;
        }
        let text = field_text(key, value);
        let name = instant_key(key);
        if !matches!(value, Value::Null) && !text.is_empty() && text != "{}" {
            summary.push(format!("{name}: {text}"));
        }
        changes.push((name.to_owned(), String::new(), text));
    }
    let mut line = summary.join(", ");
    if line.chars().count() > 160 {
        line = line.chars().take(159).collect::<String>() + "…";
    }
    (changes, line)
}

fn about(record: &AuditRecord) -> String {
    match (&record.vault_name, &record.entry_path) {
        (Some(vault), Some(path)) => format!("{vault} / {path}"),
        (None, Some(path)) => path.clone(),
        (Some(vault), None) => match record.request_id {
            Some(id) => format!("{vault}, request {}", id.0),
            None => vault.clone(),
        },
        (None, None) => record
            .request_id
            .map(|id| format!("request {}", id.0))
            .unwrap_or_default(),
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The verification in words, with the event to show.
fn verify_view(check: &AuditCheck) -> (VerifyView, Option<String>) {
    let view = match &check.verdict {
        AuditVerdict::Intact { events } => VerifyView::Intact {
            events: *events,
            head: check
                .head
                .as_ref()
                .map(|h| h.hash.clone())
                .unwrap_or_default(),
        },
        AuditVerdict::Broken(broken) => {
            let seq = match broken {
                ChainBreak::Altered { seq } | ChainBreak::Missing { seq } => Some(*seq),
                ChainBreak::TailMissing { last_seq, .. } => Some(*last_seq).filter(|s| *s > 0),
                ChainBreak::Rewritten { remembered, .. } => Some(remembered.events),
                ChainBreak::Shorter { found, .. } => found.as_ref().map(|f: &ChainHead| f.events),
                _ => None,
            };
            VerifyView::Broken {
                message: broken.to_string(),
                seq,
            }
        }
    };
    let witness = match &check.witness {
        WitnessOutcome::Recorded => Some("this computer's witness now remembers this head".into()),
        WitnessOutcome::Unchanged => Some("the chain extends what this computer saw before".into()),
        WitnessOutcome::Kept => Some(
            "this computer's witness was kept as it was: the chain does not verify, or does not extend what it saw"
                .into(),
        ),
        WitnessOutcome::Unavailable(reason) => {
            Some(format!("this computer's witness was not used: {reason}"))
        }
    };
    (view, witness)
}

impl MainState {
    pub(super) fn apply_audit_log(&mut self, intent: AuditIntent, now: Timestamp) {
        match intent {
            AuditIntent::Open => self.open_audit_log(now),
            AuditIntent::Close => {
                self.audit_log = None;
                self.audit_jobs = AuditJobs::default();
            }
            AuditIntent::ApplyFilters => self.reload_audit_log(None, now),
            AuditIntent::ClearEntry => {
                if let Some(log) = &mut self.audit_log {
                    log.filters.entry = None;
                }
                self.reload_audit_log(None, now);
            }
            AuditIntent::ClearFilters => {
                if let Some(log) = &mut self.audit_log {
                    log.filters = AuditFilters::new(now);
                }
                self.reload_audit_log(None, now);
            }
            AuditIntent::LoadMore => self.load_more_audit(now),
            AuditIntent::Select(seq) => {
                if let Some(log) = &mut self.audit_log {
                    log.selected = Some(seq);
                }
            }
            AuditIntent::ShowEvent(seq) => {
                if let Some(log) = &mut self.audit_log {
                    log.filters = AuditFilters::new(now);
                }
                self.reload_audit_log(Some(seq + 1), now);
                if let Some(log) = &mut self.audit_log {
                    log.selected = Some(seq);
                    log.scroll_to = log.rows.iter().position(|r| r.seq == seq);
                }
            }
            // Needs the witness: `verify_audit_log`, from `app/mod.rs`.
            AuditIntent::Verify => {}
            AuditIntent::OpenExport => {
                if let Some(log) = &mut self.audit_log
                    && log.export.is_none()
                {
                    log.export = Some(ExportForm {
                        format: ExportChoice::Csv,
                        path: String::new(),
                        browsing: false,
                        progress: None,
                        result: None,
                        error: None,
                    });
                }
            }
            AuditIntent::CloseExport => {
                if let Some(log) = &mut self.audit_log {
                    log.export = None;
                }
                self.audit_jobs.browse = None;
            }
            AuditIntent::BrowseExport => self.browse_export(),
            AuditIntent::RunExport => self.run_export(now),
            AuditIntent::HistoryOfEntry(id) => {
                let name = self
                    .workspace
                    .entry_names(&[id], now)
                    .ok()
                    .and_then(|names| names.get(&id).cloned())
                    .unwrap_or_default();
                self.show_history(
                    HistorySubject::Entry(id),
                    format!("Access history of {name}"),
                    now,
                );
                // The log shows the entry's events (and what is below it).
                if let Some(log) = &mut self.audit_log {
                    log.filters.entry = Some((id, name));
                }
                self.reload_audit_log(None, now);
            }
            AuditIntent::HistoryOfUser(id) => {
                let name = self.view.names.users.get(&id).cloned().unwrap_or_default();
                self.show_history(
                    HistorySubject::User(id),
                    format!("Access history of {name}"),
                    now,
                );
            }
            AuditIntent::CloseHistory => {
                if let Some(log) = &mut self.audit_log {
                    log.history = None;
                }
            }
        }
    }

    fn open_audit_log(&mut self, now: Timestamp) {
        if self.audit_log.is_some() {
            return;
        }
        let mut log = AuditLogView::new(now);
        let mut users: Vec<(UserId, String)> = self
            .view
            .names
            .users
            .iter()
            .map(|(id, name)| (*id, name.clone()))
            .collect();
        users.sort_by_key(|a| a.1.to_lowercase());
        log.users = users;
        log.vaults = self
            .view
            .vaults
            .iter()
            .map(|v| (v.id, v.name.clone()))
            .collect();
        self.audit_log = Some(log);
        self.reload_audit_log(None, now);
    }

    /// The query the filters ask for, or why it cannot be asked.
    fn audit_query(filters: &AuditFilters) -> Result<AuditQuery, String> {
        let day = |moment: &crate::app::view::forms::LocalMoment, field| {
            let mut moment = moment.clone();
            moment.time = "00:00".into();
            moment.to_timestamp(field).map_err(|e| e.to_string())
        };
        let since = if filters.from_on {
            Some(day(&filters.from, Field::Start)?)
        } else {
            None
        };
        let until = if filters.to_on {
            // The last day is included: up to the next midnight.
            let mut next = filters.to.clone();
            next.date = next.date.tomorrow().unwrap_or(next.date);
            Some(day(&next, Field::End)?)
        } else {
            None
        };
        Ok(AuditQuery {
            users: filters.user.into_iter().collect(),
            entry: filters.entry.as_ref().map(|(id, _)| *id),
            with_descendants: true,
            vault: filters.vault,
            actions: filters.action.into_iter().collect(),
            since,
            until,
            text: filters.text.trim().to_owned(),
        })
    }

    fn record_row(&self, record: AuditRecord) -> AuditLogRow {
        let user = match record.actor_id {
            Some(id) => self
                .view
                .names
                .users
                .get(&id)
                .cloned()
                .or_else(|| record.actor_name.clone())
                .unwrap_or_else(|| format!("user {}", id.0)),
            None => "system".to_owned(),
        };
        let (changes, summary) = details_lines(&record.details_json());
        AuditLogRow {
            seq: record.seq,
            at: record.at,
            user,
            action: present::audit_action_words(&record.action),
            about: about(&record),
            summary,
            changes,
            hash: record.hash,
            prev_hash: record.prev_hash,
        }
    }

    /// Reads the first page again (from just before `before`, or the
    /// newest), with the count.
    fn reload_audit_log(&mut self, before: Option<i64>, now: Timestamp) {
        let Some(log) = &mut self.audit_log else {
            return;
        };
        log.error = None;
        let query = match Self::audit_query(&log.filters) {
            Ok(query) => query,
            Err(message) => {
                log.error = Some(message);
                return;
            }
        };
        let page = self
            .workspace
            .audit_page(&self.session, &query, before, AUDIT_PAGE, now);
        let total = self.workspace.audit_count(&self.session, &query, now);
        match page.and_then(|page| total.map(|total| (page, total))) {
            Ok((page, total)) => {
                let rows: Vec<AuditLogRow> = page
                    .events
                    .into_iter()
                    .map(|r| self.record_row(r))
                    .collect();
                let Some(log) = &mut self.audit_log else {
                    return;
                };
                log.total = match total {
                    AuditTotal::Exactly(1) => "1 event".to_owned(),
                    AuditTotal::Exactly(n) => format!("{} events", thousands(n)),
                    AuditTotal::AtLeast(n) => format!("{}+ events", thousands(n)),
                };
                if log
                    .selected
                    .is_some_and(|s| !rows.iter().any(|r| r.seq == s))
                {
                    log.selected = None;
                }
                log.rows = rows;
                log.more = page.next_before;
                log.scroll_to = None;
            }
            Err(e) => {
                if let Some(log) = &mut self.audit_log {
                    log.error = Some(e.to_string());
                    log.rows.clear();
                    log.more = None;
                    log.total.clear();
                }
            }
        }
    }

    fn load_more_audit(&mut self, now: Timestamp) {
        let Some(log) = &mut self.audit_log else {
            return;
        };
        let Some(before) = log.more.take() else {
            return;
        };
        let Ok(query) = Self::audit_query(&log.filters) else {
            return;
        };
        match self
            .workspace
            .audit_page(&self.session, &query, Some(before), AUDIT_PAGE, now)
        {
            Ok(page) => {
                let rows: Vec<AuditLogRow> = page
                    .events
                    .into_iter()
                    .map(|r| self.record_row(r))
                    .collect();
                if let Some(log) = &mut self.audit_log {
                    log.rows.extend(rows);
                    log.more = page.next_before;
                }
            }
            Err(e) => {
                if let Some(log) = &mut self.audit_log {
                    log.error = Some(e.to_string());
                }
            }
        }
    }

    /// After another program's commit: the first page again, keeping the
    /// filters and the selection.
    pub(super) fn refresh_audit_log(&mut self, now: Timestamp) {
        if self.audit_log.is_some() {
            self.reload_audit_log(None, now);
        }
    }

    /// "Verify chain": the whole chain against this computer's witness, on
    /// a second connection off the window's thread (at once in memory).
    pub fn verify_audit_log(&mut self, witness: &Arc<dyn Witness>) {
        let Some(log) = &mut self.audit_log else {
            return;
        };
        if self.audit_jobs.verify.is_some() {
            return;
        }
        match self.workspace.second_handle() {
            Some(Ok(mut second)) => {
                let witness = Arc::clone(witness);
                let started = Job::start("audit-verify", self.wake.clone(), move |_| {
                    second
                        .check_audit(witness.as_ref())
                        .map_err(|e| e.to_string())
                });
                match started {
                    Ok(job) => {
                        log.verify = VerifyView::Running;
                        self.audit_jobs.verify = Some(job);
                    }
                    Err(e) => log.verify = VerifyView::Failed(e.to_string()),
                }
            }
            Some(Err(e)) => log.verify = VerifyView::Failed(e.to_string()),
            None => {
                let check = self.workspace.check_audit(witness.as_ref());
                self.absorb_verify(check.map_err(|e| e.to_string()));
            }
        }
    }

    fn absorb_verify(&mut self, check: Result<AuditCheck, String>) {
        let Some(log) = &mut self.audit_log else {
            return;
        };
        match check {
            Ok(check) => {
                let (view, witness) = verify_view(&check);
                log.verify = view;
                log.witness = witness;
            }
            Err(reason) => log.verify = VerifyView::Failed(reason),
        }
    }

    fn browse_export(&mut self) {
        let Some(form) = self.audit_log.as_mut().and_then(|l| l.export.as_mut()) else {
            return;
        };
        let (name, extension) = match form.format {
            ExportChoice::Csv => ("audit.csv", "csv"),
            ExportChoice::JsonLines => ("audit.jsonl", "jsonl"),
        };
        let started = Job::start("file-dialog", self.wake.clone(), move |_| {
            rfd::FileDialog::new()
                .set_title("Export the audit log")
                .set_file_name(name)
                .add_filter(extension, &[extension])
                .save_file()
        });
        match started {
            Ok(job) => {
                form.browsing = true;
                self.audit_jobs.browse = Some(job);
            }
            Err(e) => form.error = Some(format!("no file dialog could be opened: {e}")),
        }
    }

    fn run_export(&mut self, now: Timestamp) {
        let Some(log) = &mut self.audit_log else {
            return;
        };
        let query = match Self::audit_query(&log.filters) {
            Ok(query) => query,
            Err(message) => {
                log.error = Some(message);
                return;
            }
        };
        let Some(form) = &mut log.export else {
            return;
        };
        form.result = None;
        form.error = None;
        let path = PathBuf::from(form.path.trim());
        if form.path.trim().is_empty() {
            form.error = Some("choose where to save the export".into());
            return;
        }
        let format = match form.format {
            ExportChoice::Csv => ExportFormat::Csv,
            ExportChoice::JsonLines => ExportFormat::JsonLines,
        };
        let session = self.session.clone();
        let run = move |workspace: &mut crate::service::Workspace,
                        progress: &dyn Fn(usize, usize)| {
            let file = std::fs::File::create(&path)
                .map_err(|e| format!("{} cannot be written: {e}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let destination = path.display().to_string();
            let written = workspace
                .export_audit(
                    &session,
                    &query,
                    format,
                    &destination,
                    &mut out,
                    progress,
                    now,
                )
                .map_err(|e: ServiceError| {
                    drop(std::fs::remove_file(&path));
                    e.to_string()
                })?;
            Ok((written, destination))
        };
        match self.workspace.second_handle() {
            Some(Ok(mut second)) => {
                let started = Job::start("audit-export", self.wake.clone(), move |p| {
                    run(&mut second, &|done, total| p.report(done, total))
                });
                match started {
                    Ok(job) => {
                        form.progress = Some((0, 0));
                        self.audit_jobs.export = Some(job);
                    }
                    Err(e) => form.error = Some(e.to_string()),
                }
            }
            Some(Err(e)) => form.error = Some(e.to_string()),
            None => {
                let result = run(&mut self.workspace, &|_, _| {});
                self.absorb_export(result);
                self.refresh_audit_log(now);
            }
        }
    }

    fn absorb_export(&mut self, result: Result<(usize, String), String>) {
        let Some(form) = self.audit_log.as_mut().and_then(|l| l.export.as_mut()) else {
            return;
        };
        form.progress = None;
        match result {
            Ok((1, path)) => form.result = Some(format!("Exported 1 event to {path}")),
            Ok((n, path)) => {
                form.result = Some(format!("Exported {} events to {path}", thousands(n)));
            }
            Err(reason) => form.error = Some(reason),
        }
    }

    /// Picks up what the window's jobs finished; whether anything did.
    pub(super) fn poll_audit_jobs(&mut self, now: Timestamp) -> bool {
        let mut any = false;
        if let Some(job) = &self.audit_jobs.verify
            && let Some(check) = job.try_finish()
        {
            self.audit_jobs.verify = None;
            self.absorb_verify(check);
            any = true;
        }
        if let Some(job) = &self.audit_jobs.browse
            && let Some(path) = job.try_finish()
        {
            self.audit_jobs.browse = None;
            if let Some(form) = self.audit_log.as_mut().and_then(|l| l.export.as_mut()) {
                form.browsing = false;
                if let Some(path) = path {
                    form.path = path.display().to_string();
                    form.error = None;
                }
            }
            any = true;
        }
        if let Some(job) = &self.audit_jobs.export {
            let progress = job.progress();
            if let Some(result) = job.try_finish() {
                self.audit_jobs.export = None;
                self.absorb_export(result);
                // The export is an event of its own.
                self.refresh_audit_log(now);
                any = true;
            } else if let Some(form) = self.audit_log.as_mut().and_then(|l| l.export.as_mut()) {
                form.progress = Some(progress);
            }
        }
        any
    }

    fn show_history(&mut self, subject: HistorySubject, title: String, now: Timestamp) {
        self.open_audit_log(now);
        let result = self.workspace.access_history(&self.session, subject, now);
        let Some(log) = &mut self.audit_log else {
            return;
        };
        match result {
            Ok(history) => log.history = Some(history_view(&history, title)),
            Err(e) => log.error = Some(e.to_string()),
        }
    }
}

fn history_view(history: &AccessHistory, title: String) -> HistoryView {
    let stories = history
        .stories
        .iter()
        .map(|story| {
            let who = story.requester_name.clone().unwrap_or_default();
            let what = match (&story.vault_name, &story.entry_path) {
                (Some(v), Some(p)) => format!("{v} / {p}"),
                (_, Some(p)) => p.clone(),
                _ => String::new(),
            };
            let steps = story
                .steps
                .iter()
                .map(|step| {
                    let action = step.action.map_or("unknown", |a| a.as_str());
                    let mut words = vec![present::audit_action_words(action)];
                    if let Some(by) = &step.actor_name {
                        words.push(format!("by {by}"));
                    }
                    if let Some(path) = &step.entry_path
                        && Some(path) != story.entry_path.as_ref()
                    {
                        words.push(format!("on {path}"));
                    }
                    let (_, summary) = details_lines(&step.details);
                    if !summary.is_empty() {
                        words.push(format!("— {summary}"));
                    }
                    let words = words.join(" ");
                    (step.at, words, step.seq)
                })
                .collect();
            StoryView {
                title: format!("Request {} · {who} · {what}", story.request_id.0),
                steps,
            }
        })
        .collect();
    HistoryView {
        title,
        stories,
        truncated: history.truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instants_in_the_details_read_as_local_times() {
        let start = 1_795_980_608_394;
        let details = json!({
            "at_ms": start,
            "grant": {"start_ms": start, "end_ms": start + 7_200_000},
            "before": {"end_ms": start},
            "after": {"end_ms": start + 60_000},
            "count_ms": i64::MAX,
        });
        let (lines, summary) = details_lines(&details);
        let local = |ms| present::local_second(Timestamp(ms));
        assert!(lines.contains(&("end".to_owned(), local(start), local(start + 60_000))));
        assert!(lines.contains(&("at".to_owned(), String::new(), local(start))));
        let grant = format!("end {}, start {}", local(start + 7_200_000), local(start));
        assert!(lines.contains(&("grant".to_owned(), String::new(), grant)));
        // Not an instant any clock could show: kept as the number it is.
        assert!(lines.contains(&("count".to_owned(), String::new(), i64::MAX.to_string())));
        assert!(!summary.contains("_ms"), "{summary}");
    }
}
