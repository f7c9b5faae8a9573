//! The "Temporary access requests" table (R-APP-2): every request the user
//! may see, as display rows computed once, sorted and filtered only when the
//! sort, the status filter or the text filter changes — never per frame — so
//! 100,000 rows stay fluid.

use crate::domain::request::{AccessWindow, Phase, Request};
use crate::domain::{RequestId, Span, Timestamp};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// Where the request stands.
    Status,
    /// The requester.
    RequestedBy,
    /// The entry.
    Entry,
    /// When it was asked.
    RequestedOn,
    /// The requested start (custom frames).
    RequestedStart,
    /// The requested end (custom frames).
    RequestedEnd,
    /// The requested length.
    RequestedDuration,
    /// The authorized length.
    AuthorizedDuration,
    /// The chosen approver.
    Approver,
}

impl Column {
    /// Every column, in display order.
    pub const ALL: [Column; 9] = [
        Column::Status,
        Column::RequestedBy,
        Column::Entry,
        Column::RequestedOn,
        Column::RequestedStart,
        Column::RequestedEnd,
        Column::RequestedDuration,
        Column::AuthorizedDuration,
        Column::Approver,
    ];

    /// The header text.
    pub const fn title(self) -> &'static str {
        match self {
            Column::Status => "Status",
            Column::RequestedBy => "Requested by",
            Column::Entry => "Entry",
            Column::RequestedOn => "Requested on",
            Column::RequestedStart => "Requested start",
            Column::RequestedEnd => "Requested end",
            Column::RequestedDuration => "Requested duration",
            Column::AuthorizedDuration => "Authorized duration",
            Column::Approver => "Approver",
        }
    }
}

/// One request as the table shows it.
#[derive(Debug, Clone)]
pub struct RequestRow {
    /// The request.
    pub id: RequestId,
    /// Its phase when loaded.
    pub phase: Phase,
    /// Requester's name.
    pub requested_by: String,
    /// Entry's name.
    pub entry: String,
    /// When asked.
    pub requested_on: Timestamp,
    /// Requested start of a custom frame.
    pub requested_start: Option<Timestamp>,
    /// Requested end of a custom frame.
    pub requested_end: Option<Timestamp>,
    /// Requested length; `None` for permanent access.
    pub requested_duration: Option<Span>,
    /// Authorized length, once approved (`Some(None)`: permanent).
    pub authorized_duration: Option<Option<Span>>,
    /// The chosen approver's name.
    pub approver: String,
    /// The request message.
    pub message: String,
    /// The approver's reply.
    pub reply: String,
    /// Lowercase text the filter bar matches: requester, entry, messages.
    search: String,
    /// Lowercase sort keys, made once so a re-sort does not allocate per comparison.
    sort_keys: [String; 3],
}

/// The table's rows, order and selection.
#[derive(Debug, Default)]
pub struct RequestsTable {
    rows: Vec<RequestRow>,
    order: Vec<u32>,
    sort: Option<(Column, bool)>,
    /// Show only this phase.
    pub status_filter: Option<Phase>,
    /// Free text matched against requester, entry and messages.
    pub text_filter: String,
    /// The one message sent with a bulk decision.
    pub bulk_message: String,
    /// The reason being typed for denying the ticked rows, while the D key's
    /// one-line prompt is open (R-APP-6, issue 12).
    pub deny_reason: Option<String>,
    /// The row the keyboard is on.
    pub selected: Option<RequestId>,
    /// Rows ticked for a bulk decision (R-APP-6).
    pub checked: BTreeSet<RequestId>,
}

impl RequestsTable {
    /// Builds the rows at `now`; `name_of`/`entry_of` give display names.
    pub fn new(
        requests: &[Request],
        now: Timestamp,
        name_of: &dyn Fn(crate::domain::UserId) -> String,
        entry_of: &dyn Fn(crate::domain::request::Target) -> String,
    ) -> RequestsTable {
        let rows = requests
            .iter()
            .map(|r| {
                let (start, end) = match r.requested.window {
                    AccessWindow::Custom { start_at, end_at } => (Some(start_at), Some(end_at)),
                    AccessWindow::Duration { .. } | AccessWindow::Permanent => (None, None),
                };
                let requested_by = name_of(r.requester_id);
                let entry = entry_of(r.target);
                let search = format!(
                    "{requested_by}\n{entry}\n{}\n{}",
                    r.message, r.decision_message
                )
                .to_lowercase();
                let approver = r.approver_id.map(name_of).unwrap_or_default();
                let sort_keys = [
                    requested_by.to_lowercase(),
                    entry.to_lowercase(),
                    approver.to_lowercase(),
                ];
                RequestRow {
                    id: r.id,
                    phase: r.phase(now),
                    approver,
                    sort_keys,
                    requested_on: r.created_at,
                    requested_start: start,
                    requested_end: end,
                    requested_duration: r.requested.window.length(),
                    authorized_duration: r.authorized.map(|a| a.window.length()),
                    message: r.message.clone(),
                    reply: r.decision_message.clone(),
                    requested_by,
                    entry,
                    search,
                }
            })
            .collect();
        let mut table = RequestsTable {
            rows,
            sort: Some((Column::RequestedOn, false)),
            ..RequestsTable::default()
        };
        table.recompute();
        table
    }

    /// Keeps the user's sort, filters and selection when the rows are reloaded.
    pub fn carry_over_from(&mut self, old: &RequestsTable) {
        self.sort = old.sort;
        self.status_filter = old.status_filter;
        self.text_filter.clone_from(&old.text_filter);
        self.selected = old.selected;
        // What the person is typing survives a reload.
        self.bulk_message.clone_from(&old.bulk_message);
        self.deny_reason.clone_from(&old.deny_reason);
        self.checked = old
            .checked
            .iter()
            .copied()
            .filter(|id| self.row(*id).is_some_and(|r| r.phase == Phase::Pending))
            .collect();
        self.recompute();
    }

    /// The visible rows, in order.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no row is visible.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The `n`th visible row.
    pub fn visible(&self, n: usize) -> Option<&RequestRow> {
        self.order.get(n).map(|&i| &self.rows[i as usize])
    }

    /// A row by request id.
    pub fn row(&self, id: RequestId) -> Option<&RequestRow> {
        self.rows.iter().find(|r| r.id == id)
    }

    /// How many rows exist before filtering.
    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// The current sort: column and ascending.
    pub fn sort(&self) -> Option<(Column, bool)> {
        self.sort
    }

    /// Sorts by `column`; the same column again reverses the direction.
    pub fn sort_by(&mut self, column: Column) {
        self.sort = Some(match self.sort {
            Some((current, ascending)) if current == column => (column, !ascending),
            _ => (column, true),
        });
        self.recompute();
    }

    /// Applies the filters after the UI changed them.
    pub fn filters_changed(&mut self) {
        self.recompute();
    }

    /// Moves the keyboard selection by `delta` visible rows (R-APP-6).
    pub fn move_selection(&mut self, delta: i64) {
        if self.order.is_empty() {
            return;
        }
        let current = self.selected.and_then(|id| {
            self.order
                .iter()
                .position(|&i| self.rows[i as usize].id == id)
        });
        let next = match current {
            Some(at) => (at as i64 + delta).clamp(0, self.order.len() as i64 - 1) as usize,
            None => 0,
        };
        self.selected = Some(self.rows[self.order[next] as usize].id);
    }

    /// The position of the selected row among the visible ones.
    pub fn selected_position(&self) -> Option<usize> {
        let id = self.selected?;
        self.order
            .iter()
            .position(|&i| self.rows[i as usize].id == id)
    }

    fn recompute(&mut self) {
        let needle = self.text_filter.trim().to_lowercase();
        self.order = (0..self.rows.len() as u32)
            .filter(|&i| {
                let row = &self.rows[i as usize];
                self.status_filter.is_none_or(|p| row.phase == p)
                    && (needle.is_empty() || row.search.contains(&needle))
            })
            .collect();
        if let Some((column, ascending)) = self.sort {
            let rows = &self.rows;
            // Ties are broken by id, so the order is total and an unstable sort is exact.
            self.order.sort_unstable_by(|&a, &b| {
                let ordering = compare(&rows[a as usize], &rows[b as usize], column);
                // Ties keep a stable, newest-first order.
                let ordering = if ascending {
                    ordering
                } else {
                    ordering.reverse()
                };
                ordering.then_with(|| rows[b as usize].id.cmp(&rows[a as usize].id))
            });
        }
    }
}

fn compare(a: &RequestRow, b: &RequestRow, column: Column) -> Ordering {
    match column {
        Column::Status => a.phase.label().cmp(b.phase.label()),
        Column::RequestedBy => a.sort_keys[0].cmp(&b.sort_keys[0]),
        Column::Entry => a.sort_keys[1].cmp(&b.sort_keys[1]),
        Column::RequestedOn => a.requested_on.cmp(&b.requested_on),
        Column::RequestedStart => a.requested_start.cmp(&b.requested_start),
        Column::RequestedEnd => a.requested_end.cmp(&b.requested_end),
        // Permanent access is the longest.
        Column::RequestedDuration => {
            longest(a.requested_duration).cmp(&longest(b.requested_duration))
        }
        Column::AuthorizedDuration => a
            .authorized_duration
            .map(longest)
            .cmp(&b.authorized_duration.map(longest)),
        Column::Approver => a.sort_keys[2].cmp(&b.sort_keys[2]),
    }
}

/// A length for sorting, permanent access (`None`) after every other.
fn longest(length: Option<Span>) -> Span {
    length.unwrap_or(Span(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::request::{RequestStatus, Target, Terms};
    use crate::domain::{EntryId, PermissionSetId, UserId, VaultId};

    const T0: Timestamp = Timestamp(1_800_000_000_000);

    fn request(
        id: i64,
        requester: i64,
        entry: i64,
        mins: u32,
        status: RequestStatus,
        message: &str,
    ) -> Request {
        let requested = Terms {
            permission_set_id: PermissionSetId(1),
            window: AccessWindow::Duration { mins },
        };
        Request {
            id: RequestId(id),
            approver_id: Some(UserId(10 + id % 2)),
            authorized: (status == RequestStatus::Approved).then_some(Terms {
                window: AccessWindow::Duration { mins: mins / 2 },
                ..requested
            }),
            message: message.into(),
            status,
            grant_start_at: Some(T0),
            grant_end_at: Some(T0 + Span::hours(10)),
            ..Request::pending(
                UserId(requester),
                Target::Entry(EntryId(entry)),
                VaultId(1),
                requested,
                T0 + Span::mins(id),
                T0 + Span::hours(48),
            )
        }
    }

    fn table() -> RequestsTable {
        let requests = vec![
            request(1, 1, 3, 60, RequestStatus::Pending, "patch the server"),
            request(2, 2, 1, 15, RequestStatus::Approved, "rotate keys"),
            request(3, 3, 2, 240, RequestStatus::Denied, "look around"),
        ];
        let names = |id: UserId| {
            [
                "", "Carol", "Alice", "Bob", "", "", "", "", "", "", "Xavier", "Yann",
            ][id.0 as usize]
                .to_owned()
        };
        let entries = |target: Target| match target {
            Target::Entry(id) => ["", "alpha", "beta", "gamma"][id.0 as usize].to_owned(),
            Target::Folder(_) | Target::Vault(_) | Target::Join(_) => String::new(),
        };
        RequestsTable::new(&requests, T0 + Span::mins(30), &names, &entries)
    }

    fn ids(table: &RequestsTable) -> Vec<i64> {
        (0..table.len())
            .filter_map(|i| table.visible(i))
            .map(|r| r.id.0)
            .collect()
    }

    /// R-APP-2: every column sorts both ways.
    #[test]
    fn every_column_sorts_both_ways() {
        // (column, ascending, descending); ties stay newest first either way.
        let cases = [
            (Column::Status, vec![2, 3, 1], vec![1, 3, 2]),
            (Column::RequestedBy, vec![2, 3, 1], vec![1, 3, 2]),
            (Column::Entry, vec![2, 3, 1], vec![1, 3, 2]),
            (Column::RequestedOn, vec![1, 2, 3], vec![3, 2, 1]),
            (Column::RequestedDuration, vec![2, 1, 3], vec![3, 1, 2]),
            (Column::AuthorizedDuration, vec![3, 1, 2], vec![2, 3, 1]),
            (Column::Approver, vec![2, 3, 1], vec![3, 1, 2]),
        ];
        for (column, ascending, descending) in cases {
            let mut t = table();
            t.sort_by(column);
            assert_eq!(ids(&t), ascending, "{column:?} ascending");
            t.sort_by(column);
            assert_eq!(ids(&t), descending, "{column:?} descending");
        }
        // Duration requests have no requested start or end: ties keep newest first.
        for column in [Column::RequestedStart, Column::RequestedEnd] {
            let mut t = table();
            t.sort_by(column);
            assert_eq!(ids(&t), vec![3, 2, 1], "{column:?}");
        }
    }

    /// R-APP-2: the status drop-down and the filter bar (requester, entry, messages).
    #[test]
    fn status_and_text_filters_combine() {
        let mut t = table();
        assert_eq!(ids(&t), vec![3, 2, 1], "newest first by default");
        t.status_filter = Some(Phase::Pending);
        t.filters_changed();
        assert_eq!(ids(&t), vec![1]);
        t.status_filter = None;
        t.text_filter = "ALICE".into();
        t.filters_changed();
        assert_eq!(ids(&t), vec![2], "requester");
        t.text_filter = "gamma".into();
        t.filters_changed();
        assert_eq!(ids(&t), vec![1], "entry");
        t.text_filter = "keys".into();
        t.filters_changed();
        assert_eq!(ids(&t), vec![2], "message");
        assert_eq!(t.total(), 3);
    }

    /// R-APP-6: arrows move within the visible rows; a reload keeps the view.
    #[test]
    fn selection_moves_and_survives_a_reload() {
        let mut t = table();
        t.move_selection(1);
        assert_eq!(
            t.selected,
            Some(RequestId(3)),
            "first move selects the first row"
        );
        t.move_selection(1);
        t.move_selection(5);
        assert_eq!(t.selected, Some(RequestId(1)), "stops at the last row");
        t.move_selection(-1);
        assert_eq!(t.selected, Some(RequestId(2)));
        t.sort_by(Column::Entry);
        t.checked.insert(RequestId(1));
        t.checked.insert(RequestId(2));
        let mut reloaded = table();
        reloaded.carry_over_from(&t);
        assert_eq!(reloaded.sort(), Some((Column::Entry, true)));
        assert_eq!(reloaded.selected, Some(RequestId(2)));
        assert_eq!(
            reloaded.checked.iter().map(|id| id.0).collect::<Vec<_>>(),
            vec![1],
            "only pending rows stay ticked"
        );
    }
}
