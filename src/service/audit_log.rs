//! Reading the audit log (R-AUD-3, R-AUD-4): pages of events with what they
//! name resolved, the access history of an entry or a user, and exports.
//!
//! Who may read what is decided here, at each call: an administrator reads
//! every event; an approver reads the events about the vaults they approve
//! for (events of their entries and requests, and vault-level events whose
//! details name the vault) and their own events (their sign-ins, their
//! preferences); anyone else is refused.
//!
//! Pages are keyset-paginated on `seq` (never `OFFSET`), and an export walks
//! the query in pages, so neither holds more than a page of events.

use super::auth::Session;
use super::ops::Ops;
use super::{ServiceError, Workspace};
use crate::domain::audit::AuditAction;
use crate::domain::error::Field;
use crate::domain::request::Target;
use crate::domain::{DomainError, EntryId, RequestId, Timestamp, UserId, VaultId};
use crate::store::{AuditCursor, AuditFilter, AuditListed, AuditScope, EntryNode};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;

/// The most events a page holds.
pub const MAX_PAGE: usize = 1_000;
/// How far [`Workspace::audit_count`] counts before it says "at least".
pub const COUNT_CAP: usize = 1_000;
/// Events read per step of an export.
const EXPORT_PAGE: usize = 2_000;
/// How many events one page or count scans at most when free text is
/// searched (no index serves `LIKE '%…%'`): a page then covers the newest
/// events down to this span, and the next page continues below it, so a
/// search never holds the window for a whole walk of a long log.
pub const TEXT_SPAN: i64 = 10_000;
/// The most requests an access history tells, newest first.
pub const MAX_STORIES: usize = 200;

/// What to show of the log: every part that is set narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only events done by one of these users (empty: anyone's).
    pub users: Vec<UserId>,
    /// Only events about this entry.
    pub entry: Option<EntryId>,
    /// With `entry`: also the events about everything below it.
    pub with_descendants: bool,
    /// Only events about this vault.
    pub vault: Option<VaultId>,
    /// Only these actions (empty: every action).
    pub actions: Vec<AuditAction>,
    /// Only events at or after this instant.
    pub since: Option<Timestamp>,
    /// Only events before this instant.
    pub until: Option<Timestamp>,
    /// Only events whose details, action, user or entry name contain this.
    pub text: String,
}

impl AuditQuery {
    /// Checks the query before anything is read: a date range must not end
    /// before it starts (reported on the end field).
    pub fn validate(&self) -> Result<(), DomainError> {
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since > until
        {
            return Err(DomainError::invalid(
                Field::End,
                "the end of the date range is before its start",
            ));
        }
        Ok(())
    }

    /// The query as recorded in an export's audit event.
    pub fn to_json(&self) -> Value {
        json!({
            "users": self.users.iter().map(|u| u.0).collect::<Vec<_>>(),
            "entry_id": self.entry.map(|e| e.0),
            "with_descendants": self.with_descendants,
            "vault_id": self.vault.map(|v| v.0),
            "actions": self.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            "since_ms": self.since.map(Timestamp::millis),
            "until_ms": self.until.map(Timestamp::millis),
            "text": self.text,
        })
    }
}

/// One event with the names of what it is about, as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain.
    pub seq: i64,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it (`None`: the system).
    pub actor_id: Option<UserId>,
    /// The actor's user name, when the user still exists.
    pub actor_name: Option<String>,
    /// The stored action name.
    pub action: String,
    /// The request concerned.
    pub request_id: Option<RequestId>,
    /// The entry concerned.
    pub entry_id: Option<EntryId>,
    /// The entry's path from its vault's root (`folder / item`).
    pub entry_path: Option<String>,
    /// The vault concerned, when it can be told.
    pub vault_id: Option<VaultId>,
    /// That vault's name, when it still exists.
    pub vault_name: Option<String>,
    /// The details as stored (JSON text).
    pub details: String,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

impl AuditRecord {
    /// The action as a known value (`None` for a name this build does not know).
    pub fn kind(&self) -> Option<AuditAction> {
        AuditAction::parse(&self.action)
    }

    /// The details parsed (`Value::String` of the text when it is not JSON).
    pub fn details_json(&self) -> Value {
        serde_json::from_str(&self.details).unwrap_or_else(|_| Value::String(self.details.clone()))
    }
}

/// A page of events, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditPage {
    /// The events.
    pub events: Vec<AuditRecord>,
    /// Where the next page starts (`before_seq`), when there may be more.
    pub next_before: Option<i64>,
}

/// How many events a query finds, counted up to [`COUNT_CAP`] (free text:
/// in the newest [`TEXT_SPAN`] events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditTotal {
    /// Exactly this many.
    Exactly(usize),
    /// At least this many (counting stopped there).
    AtLeast(usize),
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values (RFC 4180), formula-safe.
    Csv,
    /// One JSON object per line with every stored field.
    JsonLines,
}

impl ExportFormat {
    /// The name used on the command line and in the audit event.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::JsonLines => "jsonl",
        }
    }

    /// Parses `csv` or `jsonl`.
    pub fn parse(text: &str) -> Option<ExportFormat> {
        match text {
            "csv" => Some(ExportFormat::Csv),
            "jsonl" | "json" => Some(ExportFormat::JsonLines),
            _ => None,
        }
    }
}

/// Whose access history to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistorySubject {
    /// Every request on this entry (and, for a folder, below it).
    Entry(EntryId),
    /// Every request of this user (and grants given to them).
    User(UserId),
}

/// One step of a request's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryStep {
    /// When.
    pub at: Timestamp,
    /// What happened (`None` for an action this build does not know).
    pub action: Option<AuditAction>,
    /// Who did it (`None`: the system, such as an expiry).
    pub actor_name: Option<String>,
    /// The entry used, for a use of the grant.
    pub entry_path: Option<String>,
    /// The event's details: terms approved (before and after for changed
    /// terms), messages, notes, reasons.
    pub details: Value,
    /// The event, to show it in the log.
    pub seq: i64,
}

/// A request (or grant) with its whole life, from the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessStory {
    /// The request.
    pub request_id: RequestId,
    /// Whose access it is.
    pub requester_name: Option<String>,
    /// The entry it is on.
    pub entry_path: Option<String>,
    /// Its vault.
    pub vault_name: Option<String>,
    /// Every step, oldest first: requested, approvals, decision, uses,
    /// extensions, end.
    pub steps: Vec<HistoryStep>,
}

/// The access history of an entry or a user (R-AUD-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessHistory {
    /// The stories, newest request first.
    pub stories: Vec<AccessStory>,
    /// Whether older requests were left out ([`MAX_STORIES`]).
    pub truncated: bool,
}

/// The actions that start a story.
const STARTS: [AuditAction; 4] = [
    AuditAction::Requested,
    AuditAction::ExtensionRequested,
    AuditAction::DirectGrant,
    AuditAction::BreakGlass,
];

/// The actions that use an entry (or try to).
pub const USES: [AuditAction; 6] = [
    AuditAction::PasswordRevealed,
    AuditAction::PasswordCopied,
    AuditAction::UsernameCopied,
    AuditAction::Connected,
    AuditAction::ConnectFailed,
    AuditAction::AccessDenied,
];

/// Writes entry paths from their rows, remembering each row it read.
struct Paths {
    nodes: HashMap<EntryId, Option<EntryNode>>,
}

impl Paths {
    fn lazy() -> Paths {
        Paths {
            nodes: HashMap::new(),
        }
    }

    fn preloaded(ops: &mut Ops<'_>) -> Result<Paths, ServiceError> {
        let nodes = ops
            .tx
            .entry_nodes()?
            .into_iter()
            .map(|n| (n.id, Some(n)))
            .collect();
        Ok(Paths { nodes })
    }

    fn node(&mut self, ops: &mut Ops<'_>, id: EntryId) -> Result<Option<EntryNode>, ServiceError> {
        if let Some(node) = self.nodes.get(&id) {
            return Ok(node.clone());
        }
        let node = ops.tx.entry_node(id)?;
        self.nodes.insert(id, node.clone());
        Ok(node)
    }

    /// `folder / item`; `None` when the entry's row is gone (its vault was
    /// deleted). Bounded depth keeps a damaged tree from looping.
    fn path(&mut self, ops: &mut Ops<'_>, id: EntryId) -> Result<Option<String>, ServiceError> {
        let mut names = Vec::new();
        let mut next = Some(id);
        while let Some(current) = next {
            if names.len() >= 64 {
                break;
            }
            match self.node(ops, current)? {
                Some(node) => {
                    names.push(node.name);
                    next = node.parent_id;
                }
                None if current == id => return Ok(None),
                None => break,
            }
        }
        names.reverse();
        Ok(Some(names.join(" / ")))
    }
}

fn record(
    ops: &mut Ops<'_>,
    paths: &mut Paths,
    listed: AuditListed,
) -> Result<AuditRecord, ServiceError> {
    let e = listed.event;
    let entry_path = match e.entry_id {
        Some(id) => paths.path(ops, id)?,
        None => None,
    };
    Ok(AuditRecord {
        seq: e.seq,
        at: e.at,
        actor_id: e.actor_id,
        actor_name: listed.actor_name,
        action: e.action,
        request_id: e.request_id,
        entry_id: e.entry_id,
        entry_path,
        vault_id: listed.vault_id,
        vault_name: listed.vault_name,
        details: e.details,
        prev_hash: e.prev_hash,
        hash: e.hash,
    })
}

/// What the signed-in user may read: `None` for everything (an
/// administrator), the vaults they approve for otherwise; refused when they
/// approve nowhere.
fn scope(ops: &mut Ops<'_>, session: &Session) -> Result<Option<AuditScope>, ServiceError> {
    let user = ops.current_user(session)?;
    if user.is_admin {
        return Ok(None);
    }
    let mut vaults = Vec::new();
    for vault in ops.tx.vaults()? {
        if ops.tx.approvers(vault.id)?.contains(&user.id) {
            vaults.push(vault.id);
        }
    }
    if vaults.is_empty() {
        return Err(DomainError::NotPermitted(
            "only administrators and approvers can read the audit log".into(),
        )
        .into());
    }
    Ok(Some(AuditScope {
        vaults,
        reader: user.id,
    }))
}

/// The store filter of `query`, within what the reader may see.
fn filter_of(
    ops: &mut Ops<'_>,
    query: &AuditQuery,
    scope: Option<AuditScope>,
) -> Result<AuditFilter, ServiceError> {
    let entries = match query.entry {
        Some(entry) if query.with_descendants => {
            let mut ids = vec![entry];
            ids.extend(ops.tx.subtree(entry)?.into_iter().map(|e| e.id));
            ids.sort_unstable();
            ids.dedup();
            Some(ids)
        }
        Some(entry) => Some(vec![entry]),
        None => None,
    };
    let text = query.text.trim();
    Ok(AuditFilter {
        actors: (!query.users.is_empty()).then(|| query.users.clone()),
        entries,
        vaults: query.vault.map(|v| vec![v]),
        actions: (!query.actions.is_empty()).then(|| {
            query
                .actions
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect()
        }),
        since: query.since,
        until: query.until,
        text: (!text.is_empty()).then(|| text.to_owned()),
        scope,
        ..AuditFilter::default()
    })
}

/// A CSV cell: quoted when it holds a comma, quote or line break (RFC 4180),
/// and neutralised with a leading `'` when a spreadsheet would read it as a
/// formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return).
pub fn csv_cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// The columns of a CSV export, in order.
pub const CSV_COLUMNS: [&str; 14] = [
    "seq",
    "at_ms",
    "at_utc",
    "actor_id",
    "actor",
    "action",
    "request_id",
    "entry_id",
    "entry",
    "vault_id",
    "vault",
    "details",
    "prev_hash",
    "hash",
];

/// An instant in RFC 3339, UTC, to the millisecond.
pub fn rfc3339(at: Timestamp) -> String {
    at.to_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn write_csv_row(out: &mut dyn Write, r: &AuditRecord) -> std::io::Result<()> {
    let cells = [
        r.seq.to_string(),
        r.at.millis().to_string(),
        rfc3339(r.at),
        opt(r.actor_id.map(|u| u.0)),
        r.actor_name.clone().unwrap_or_default(),
        r.action.clone(),
        opt(r.request_id.map(|x| x.0)),
        opt(r.entry_id.map(|x| x.0)),
        r.entry_path.clone().unwrap_or_default(),
        opt(r.vault_id.map(|v| v.0)),
        r.vault_name.clone().unwrap_or_default(),
        r.details.clone(),
        r.prev_hash.clone(),
        r.hash.clone(),
    ];
    let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    out.write_all(line.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

/// One JSON Lines object: every stored field (`details_text` is the exact
/// stored text the hash covers; `details` the same parsed), plus the names.
pub fn jsonl_object(r: &AuditRecord) -> Value {
    json!({
        "seq": r.seq,
        "at_ms": r.at.millis(),
        "at": rfc3339(r.at),
        "actor_id": r.actor_id.map(|u| u.0),
        "actor": r.actor_name,
        "action": r.action,
        "request_id": r.request_id.map(|x| x.0),
        "entry_id": r.entry_id.map(|x| x.0),
        "entry": r.entry_path,
        "vault_id": r.vault_id.map(|v| v.0),
        "vault": r.vault_name,
        "details": r.details_json(),
        "details_text": r.details,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    })
}

fn write_failed(error: &std::io::Error) -> ServiceError {
    ServiceError::Export(error.to_string())
}

impl Workspace {
    /// A page of the events `query` finds, newest first, before `before_seq`
    /// (`None`: from the newest), at most `limit` (capped at [`MAX_PAGE`]).
    pub fn audit_page(
        &mut self,
        session: &Session,
        query: &AuditQuery,
        before_seq: Option<i64>,
        limit: usize,
        now: Timestamp,
    ) -> Result<AuditPage, ServiceError> {
        query.validate()?;
        let limit = limit.clamp(1, MAX_PAGE);
        self.read(now, |ops| {
            let scope = scope(ops, session)?;
            let mut filter = filter_of(ops, query, scope)?;
            // Free text: only the next TEXT_SPAN positions are scanned.
            if filter.text.is_some() {
                let top = match before_seq {
                    Some(before) => before,
                    None => ops.tx.audit_head()?.map_or(1, |(seq, _)| seq + 1),
                };
                filter.from_seq = Some((top - TEXT_SPAN).max(1));
            }
            let listed =
                ops.tx
                    .audit_page(&filter, AuditCursor::NewestBefore(before_seq), limit)?;
            let full = listed.len() == limit;
            let span_left = filter.from_seq.filter(|from| *from > 1);
            let mut paths = Paths::lazy();
            let events = listed
                .into_iter()
                .map(|l| record(ops, &mut paths, l))
                .collect::<Result<Vec<_>, _>>()?;
            let next_before = if full {
                events.last().map(|e| e.seq)
            } else {
                // A text search that stopped at its span goes on below it.
                span_left
            };
            Ok(AuditPage {
                events,
                next_before,
            })
        })
    }

    /// How many events `query` finds, counted no further than [`COUNT_CAP`].
    pub fn audit_count(
        &mut self,
        session: &Session,
        query: &AuditQuery,
        now: Timestamp,
    ) -> Result<AuditTotal, ServiceError> {
        query.validate()?;
        self.read(now, |ops| {
            let scope = scope(ops, session)?;
            let mut filter = filter_of(ops, query, scope)?;
            // Free text is counted in the newest TEXT_SPAN events only.
            let mut partial = false;
            if filter.text.is_some() {
                let head = ops.tx.audit_head()?.map_or(0, |(seq, _)| seq);
                if head > TEXT_SPAN {
                    filter.from_seq = Some(head - TEXT_SPAN + 1);
                    partial = true;
                }
            }
            let n = ops.tx.audit_count(&filter, Some(COUNT_CAP + 1))?;
            Ok(if partial {
                AuditTotal::AtLeast(n.min(COUNT_CAP))
            } else if n > COUNT_CAP {
                AuditTotal::AtLeast(COUNT_CAP)
            } else {
                AuditTotal::Exactly(n)
            })
        })
    }

    /// Whether the signed-in user may read (part of) the audit log: an
    /// administrator, or an approver of some vault. The window mirrors it.
    pub fn may_read_audit(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        self.read(now, |ops| match scope(ops, session) {
            Ok(_) => Ok(true),
            Err(ServiceError::Domain(DomainError::NotPermitted(_))) => Ok(false),
            Err(e) => Err(e),
        })
    }

    /// Writes every event `query` finds, oldest first, to `out` as CSV or
    /// JSON Lines, calling `progress(done, total)` along the way; then
    /// records the export itself (`audit_exported`: format, filters, count,
    /// and `destination`, a file path or "standard output"). Reads in pages
    /// under one read transaction, so memory stays constant whatever the
    /// log's size. Returns how many events were written.
    #[allow(clippy::too_many_arguments)]
    pub fn export_audit(
        &mut self,
        session: &Session,
        query: &AuditQuery,
        format: ExportFormat,
        destination: &str,
        out: &mut dyn Write,
        progress: &dyn Fn(usize, usize),
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        query.validate()?;
        let written = self.read(now, |ops| {
            let scope = scope(ops, session)?;
            let filter = filter_of(ops, query, scope)?;
            let total = ops.tx.audit_count(&filter, None)?;
            progress(0, total);
            let mut paths = Paths::preloaded(ops)?;
            if format == ExportFormat::Csv {
                out.write_all(CSV_COLUMNS.join(",").as_bytes())
                    .and_then(|()| out.write_all(b"\r\n"))
                    .map_err(|e| write_failed(&e))?;
            }
            let mut after = 0;
            let mut done = 0;
            loop {
                let page =
                    ops.tx
                        .audit_page(&filter, AuditCursor::OldestAfter(after), EXPORT_PAGE)?;
                let Some(last) = page.last() else { break };
                after = last.event.seq;
                let count = page.len();
                for listed in page {
                    let r = record(ops, &mut paths, listed)?;
                    match format {
                        ExportFormat::Csv => write_csv_row(out, &r),
                        ExportFormat::JsonLines => {
                            serde_json::to_writer(&mut *out, &jsonl_object(&r))
                                .map_err(std::io::Error::from)
                                .and_then(|()| out.write_all(b"\n"))
                        }
                    }
                    .map_err(|e| write_failed(&e))?;
                }
                done += count;
                progress(done, total.max(done));
                if count < EXPORT_PAGE {
                    break;
                }
            }
            out.flush().map_err(|e| write_failed(&e))?;
            Ok(done)
        })?;
        self.write(now, |ops| {
            let user = ops.current_user(session)?;
            let details = json!({
                "format": format.as_str(),
                "filters": query.to_json(),
                "count": written,
                "destination": destination,
            });
            ops.audit(
                Some(user.id),
                AuditAction::AuditExported,
                None,
                None,
                &details,
            )
        })?;
        Ok(written)
    }

    /// The access history of an entry or a user (R-AUD-4): each request and
    /// grant with every step of its life, from the audit log, which keeps
    /// them after expiry. The steps of a request are its events by request
    /// id (requested, approvals with the terms authorized, denial,
    /// cancellation, lapse, first use, extension, revocation, release with
    /// its note, expiry, review); its uses are the requester's reveals,
    /// copies and connections on its entry inside its grant's window.
    /// Newest request first, at most [`MAX_STORIES`].
    pub fn access_history(
        &mut self,
        session: &Session,
        subject: HistorySubject,
        now: Timestamp,
    ) -> Result<AccessHistory, ServiceError> {
        self.read(now, |ops| {
            let scope = scope(ops, session)?;
            // The requests concerned, from the events that started them:
            // for an entry, those on it and below it; for a user, the ones
            // they asked for (or took in an emergency), and the grants an
            // administrator gave them directly.
            let names = |actions: &[AuditAction]| -> Vec<String> {
                actions.iter().map(|a| a.as_str().to_owned()).collect()
            };
            let filters = match subject {
                HistorySubject::Entry(entry) => {
                    let mut ids = vec![entry];
                    ids.extend(ops.tx.subtree(entry)?.into_iter().map(|e| e.id));
                    ids.sort_unstable();
                    ids.dedup();
                    vec![AuditFilter {
                        actions: Some(names(&STARTS)),
                        entries: Some(ids),
                        scope: scope.clone(),
                        ..AuditFilter::default()
                    }]
                }
                HistorySubject::User(user) => vec![
                    AuditFilter {
                        actions: Some(names(&[
                            AuditAction::Requested,
                            AuditAction::ExtensionRequested,
                            AuditAction::BreakGlass,
                        ])),
                        actors: Some(vec![user]),
                        scope: scope.clone(),
                        ..AuditFilter::default()
                    },
                    AuditFilter {
                        actions: Some(names(&[AuditAction::DirectGrant])),
                        scope: scope.clone(),
                        ..AuditFilter::default()
                    },
                ],
            };
            let mut requests: BTreeSet<RequestId> = BTreeSet::new();
            let mut truncated = false;
            for filter in &filters {
                let mut before = None;
                'pages: loop {
                    let page =
                        ops.tx
                            .audit_page(filter, AuditCursor::NewestBefore(before), MAX_PAGE)?;
                    let Some(last) = page.last() else { break };
                    before = Some(last.event.seq);
                    let count = page.len();
                    for listed in page {
                        let Some(id) = listed.event.request_id else {
                            continue;
                        };
                        let Some(request) = ops.tx.request(id)? else {
                            continue;
                        };
                        // An extension is told inside the story of what it extends.
                        let id = request.extends_request_id.unwrap_or(id);
                        if let HistorySubject::User(user) = subject
                            && request.requester_id != user
                        {
                            continue;
                        }
                        if requests.len() >= MAX_STORIES && !requests.contains(&id) {
                            truncated = true;
                            break 'pages;
                        }
                        requests.insert(id);
                    }
                    if count < MAX_PAGE {
                        break;
                    }
                }
            }
            if requests.len() > MAX_STORIES {
                truncated = true;
            }
            let requests: Vec<RequestId> = requests.into_iter().rev().take(MAX_STORIES).collect();
            let mut paths = Paths::lazy();
            let mut stories = Vec::new();
            for id in requests {
                stories.push(story(ops, &mut paths, id)?);
            }
            Ok(AccessHistory { stories, truncated })
        })
    }
}

fn step(
    ops: &mut Ops<'_>,
    paths: &mut Paths,
    listed: AuditListed,
) -> Result<HistoryStep, ServiceError> {
    let r = record(ops, paths, listed)?;
    Ok(HistoryStep {
        at: r.at,
        action: r.kind(),
        actor_name: r.actor_name.clone(),
        entry_path: r.entry_path.clone(),
        details: r.details_json(),
        seq: r.seq,
    })
}

/// One request's life: its own events, then the uses inside its window.
fn story(ops: &mut Ops<'_>, paths: &mut Paths, id: RequestId) -> Result<AccessStory, ServiceError> {
    let mut steps = Vec::new();
    let mut after = 0;
    // An extension is its own request; its steps belong to this story too.
    let mut ids = vec![id];
    ids.extend(ops.tx.extensions_of(id)?.into_iter().map(|r| r.id));
    loop {
        let page = ops.tx.audit_page(
            &AuditFilter {
                requests: Some(ids.clone()),
                ..AuditFilter::default()
            },
            AuditCursor::OldestAfter(after),
            MAX_PAGE,
        )?;
        let Some(last) = page.last() else { break };
        after = last.event.seq;
        let count = page.len();
        for listed in page {
            steps.push(step(ops, paths, listed)?);
        }
        if count < MAX_PAGE {
            break;
        }
    }
    let request = ops.tx.request(id)?;
    let (requester_name, entry_path, vault_name) = match &request {
        Some(request) => {
            let requester = ops.tx.user(request.requester_id)?.map(|u| u.username);
            // A vault request names no entry: its vault's name says it.
            let path = match request.entry_id() {
                Some(entry) => paths.path(ops, entry)?,
                None => None,
            };
            let vault = ops.tx.vault(request.vault_id)?.map(|v| v.name);
            (requester, path, vault)
        }
        None => (None, None, None),
    };
    // Uses: the requester's own uses of the entry (and what the grant
    // covers) while the grant was in force.
    if let Some(request) = &request
        && let Some(start) = request.grant_start_at
    {
        let end = [request.grant_end_at, request.ended_at]
            .into_iter()
            .flatten()
            .min();
        // What the grant reached: an entry and its dependencies, everything
        // below a folder, or the whole vault (R-REQ-11).
        let (entries, vaults) = match request.target {
            Target::Entry(entry) => {
                let mut entries = ops.tx.covered_entries(id)?;
                entries.push(entry);
                (Some(entries), None)
            }
            Target::Folder(folder) => {
                let below = ops.tx.subtree(folder)?;
                (Some(below.into_iter().map(|e| e.id).collect()), None)
            }
            Target::Vault(vault) | Target::Join(vault) => (None, Some(vec![vault])),
        };
        let entries = entries.map(|mut entries: Vec<EntryId>| {
            entries.sort_unstable();
            entries.dedup();
            entries
        });
        let filter = AuditFilter {
            actors: Some(vec![request.requester_id]),
            entries,
            vaults,
            actions: Some(USES.iter().map(|a| a.as_str().to_owned()).collect()),
            since: Some(start),
            until: end,
            ..AuditFilter::default()
        };
        let mut after = 0;
        loop {
            let page = ops
                .tx
                .audit_page(&filter, AuditCursor::OldestAfter(after), MAX_PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.event.seq;
            let count = page.len();
            for listed in page {
                steps.push(step(ops, paths, listed)?);
            }
            if count < MAX_PAGE {
                break;
            }
        }
        steps.sort_by_key(|s| (s.at, s.seq));
    }
    Ok(AccessStory {
        request_id: id,
        requester_name,
        entry_path,
        vault_name,
        steps,
    })
}
