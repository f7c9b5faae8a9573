//! Versioned migrations, applied on open and tracked in `PRAGMA user_version`.
//!
//! Invariant: a shipped migration is never edited; changes go in a new one
//! appended to [`MIGRATIONS`].

/// `PRAGMA application_id` of a Latchkey workspace ("LKEY").
pub const APPLICATION_ID: i64 = 0x4C4B_4559;

/// Each entry brings the schema from version `index` to `index + 1`.
pub const MIGRATIONS: &[&str] = &[
    V1,
    V_CREATION_COMPLETE,
    V_SIGN_IN_THROTTLE,
    V_NOTIFICATION_FACTS,
    V_NOTIFICATION_DESKTOP,
    V_ENTRY_EDITING,
    V_ENTRY_REVISION,
    V_PASSWORD_RESET,
    V_VAULT_ADMIN,
    V_REQUEST_TARGETS,
    V_PERMANENT_ACCESS,
    V_AUDIT_BROWSING,
    V_VAULT_JOINING,
];

/// The newest schema this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

const V1: &str = r"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name        TEXT NOT NULL,
    email               TEXT NOT NULL DEFAULT '',
    is_admin            INTEGER NOT NULL DEFAULT 0,
    is_active           INTEGER NOT NULL DEFAULT 1,
    password_hash       TEXT NOT NULL,
    failed_sign_ins     INTEGER NOT NULL DEFAULT 0,
    blocked_until_ms    INTEGER
);
CREATE INDEX users_admins ON users(id) WHERE is_admin = 1;

CREATE TABLE vaults (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    required_approvals   INTEGER NOT NULL DEFAULT 1 CHECK (required_approvals >= 1),
    break_glass_allowed  INTEGER NOT NULL DEFAULT 0,
    emergency_limit_mins INTEGER NOT NULL DEFAULT 60
);

CREATE TABLE vault_members (
    vault_id INTEGER NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (vault_id, user_id)
) WITHOUT ROWID;
CREATE INDEX vault_members_by_user ON vault_members(user_id);

CREATE TABLE vault_approvers (
    vault_id INTEGER NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (vault_id, user_id)
) WITHOUT ROWID;
CREATE INDEX vault_approvers_by_user ON vault_approvers(user_id);

CREATE TABLE permission_sets (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    permission_bits INTEGER NOT NULL,
    is_builtin      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE entries (
    id        INTEGER PRIMARY KEY,
    vault_id  INTEGER NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES entries(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    host      TEXT NOT NULL DEFAULT '',
    port      INTEGER,
    username  TEXT NOT NULL DEFAULT '',
    url       TEXT NOT NULL DEFAULT '',
    notes     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX entries_by_vault ON entries(vault_id, parent_id);
CREATE INDEX entries_by_parent ON entries(parent_id);

CREATE TABLE entry_secrets (
    entry_id   INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL
);

CREATE TABLE entry_dependencies (
    entry_id      INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    depends_on_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    role          TEXT NOT NULL,
    PRIMARY KEY (entry_id, depends_on_id)
) WITHOUT ROWID;

CREATE TABLE standing_permissions (
    id                INTEGER PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vault_id          INTEGER NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    folder_id         INTEGER REFERENCES entries(id) ON DELETE CASCADE,
    permission_set_id INTEGER NOT NULL REFERENCES permission_sets(id)
);
CREATE INDEX standing_by_user ON standing_permissions(user_id, vault_id);

CREATE TABLE requests (
    id                        INTEGER PRIMARY KEY,
    kind                      TEXT NOT NULL,
    requester_id              INTEGER NOT NULL REFERENCES users(id),
    entry_id                  INTEGER NOT NULL REFERENCES entries(id),
    vault_id                  INTEGER NOT NULL REFERENCES vaults(id),
    approver_id               INTEGER REFERENCES users(id),
    extends_request_id        INTEGER REFERENCES requests(id),
    requested_set_id          INTEGER NOT NULL REFERENCES permission_sets(id),
    requested_duration_mins   INTEGER,
    requested_start_ms        INTEGER,
    requested_end_ms          INTEGER,
    authorized_set_id         INTEGER REFERENCES permission_sets(id),
    authorized_duration_mins  INTEGER,
    authorized_start_ms       INTEGER,
    authorized_end_ms         INTEGER,
    message                   TEXT NOT NULL DEFAULT '',
    start_on_first_use        INTEGER NOT NULL DEFAULT 0,
    created_at_ms             INTEGER NOT NULL,
    pending_until_ms          INTEGER NOT NULL,
    status                    TEXT NOT NULL,
    decided_by                INTEGER REFERENCES users(id),
    decided_at_ms             INTEGER,
    decision_message          TEXT NOT NULL DEFAULT '',
    grant_start_ms            INTEGER,
    grant_end_ms              INTEGER,
    claim_by_ms               INTEGER,
    ended_by                  INTEGER REFERENCES users(id),
    ended_at_ms               INTEGER,
    closing_note              TEXT NOT NULL DEFAULT '',
    needs_review              INTEGER NOT NULL DEFAULT 0,
    reviewed_by               INTEGER REFERENCES users(id),
    reviewed_at_ms            INTEGER,
    expiring_soon_notified    INTEGER NOT NULL DEFAULT 0,
    expiry_recorded           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX requests_by_requester ON requests(requester_id, created_at_ms);
CREATE INDEX requests_by_requester_entry ON requests(requester_id, entry_id, created_at_ms);
CREATE INDEX requests_by_requester_vault ON requests(requester_id, vault_id) WHERE status = 'approved';
CREATE INDEX requests_pending ON requests(created_at_ms) WHERE status = 'pending';
CREATE INDEX requests_pending_until ON requests(pending_until_ms) WHERE status = 'pending';
CREATE INDEX requests_pending_same ON requests(requester_id, entry_id, requested_set_id) WHERE status = 'pending';
CREATE INDEX requests_live_end ON requests(grant_end_ms) WHERE status = 'approved' AND expiry_recorded = 0;
CREATE INDEX requests_unclaimed ON requests(claim_by_ms) WHERE status = 'approved' AND grant_end_ms IS NULL;
CREATE INDEX requests_review ON requests(id) WHERE needs_review = 1;
CREATE INDEX requests_extending ON requests(extends_request_id) WHERE extends_request_id IS NOT NULL;

CREATE TABLE request_entries (
    entry_id   INTEGER NOT NULL REFERENCES entries(id),
    request_id INTEGER NOT NULL REFERENCES requests(id),
    PRIMARY KEY (entry_id, request_id)
) WITHOUT ROWID;
CREATE INDEX request_entries_by_request ON request_entries(request_id);

CREATE TABLE approvals (
    request_id     INTEGER NOT NULL REFERENCES requests(id),
    approver_id    INTEGER NOT NULL REFERENCES users(id),
    approved_at_ms INTEGER NOT NULL,
    message        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (request_id, approver_id)
) WITHOUT ROWID;

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    kind          TEXT NOT NULL,
    request_id    INTEGER NOT NULL REFERENCES requests(id),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    read_at_ms    INTEGER,
    shown_at_ms   INTEGER,
    handled_note  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_by_user ON notifications(user_id, id);
CREATE INDEX notifications_by_request ON notifications(request_id);

-- Audit events carry no foreign keys: they outlive what they describe.
CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    actor_id   INTEGER,
    action     TEXT NOT NULL,
    request_id INTEGER,
    entry_id   INTEGER,
    details    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_by_request ON audit_events(request_id) WHERE request_id IS NOT NULL;

-- Append-only (R-AUD-2): the application never changes or removes an event.
-- Someone with the sqlite3 tool can drop these triggers; the hash chain is
-- what then shows the tampering.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
";

/// The "creation complete" mark (meta `creation_complete`, R-DATA-1): a new
/// workspace gets it as the last step of its creation, and one without it is
/// never opened. Workspaces made before the mark existed get it here if they
/// have users (one without users was never finished: nobody can sign in).
/// On a new, empty file this finds no users and marks nothing.
const V_CREATION_COMPLETE: &str = "
INSERT OR IGNORE INTO meta (key, value)
SELECT 'creation_complete', 'before the mark existed'
WHERE EXISTS (SELECT 1 FROM users);
";

/// Sign-in throttling (R-SEC-2) is kept per user-name bucket, the same way
/// for names that exist and names that do not, so the slow-down does not
/// reveal which accounts exist; a bucket is a 12-bit hash of the name, never
/// the name. The `users` columns `failed_sign_ins` and `blocked_until_ms` of
/// V1 are no longer used (they are cleared here, which also lifts any
/// lock-out a workspace carried over).
const V_SIGN_IN_THROTTLE: &str = r"
CREATE TABLE sign_in_throttle (
    name_bucket      INTEGER PRIMARY KEY,
    failed_attempts  INTEGER NOT NULL,
    wrong_guesses    INTEGER NOT NULL,
    last_checked_ms  INTEGER
);
UPDATE users SET failed_sign_ins = 0, blocked_until_ms = NULL;
";

/// Notifications are stored as facts (issue 11), worded by the window for its
/// reader in the reader's time zone: `facts` holds them as JSON, and
/// `handled` who handled the request and when (R-BEY-7). Rows written before
/// keep their words in `title`, `body` and `handled_note` (`facts` NULL) and
/// are shown as they are; new rows leave `title` and `body` empty.
const V_NOTIFICATION_FACTS: &str = r"
ALTER TABLE notifications ADD COLUMN facts TEXT;
ALTER TABLE notifications ADD COLUMN handled TEXT;
";

/// Desktop notifications (issue 13): `desktop_id` is the notification
/// server's id of the desktop notification that showed a row, so "handled
/// by" can replace it in place; `handled_shown_at_ms` is when a window
/// announced that someone else handled it (claimed once, like
/// `shown_at_ms`). The partial indexes keep "not yet shown, oldest first",
/// the unread count and "handled, not yet announced" cheap whatever a user's
/// history holds. A user's desktop switches per kind live in
/// `notification_preferences`; a missing row means on.
const V_NOTIFICATION_DESKTOP: &str = r"
ALTER TABLE notifications ADD COLUMN desktop_id INTEGER;
ALTER TABLE notifications ADD COLUMN handled_shown_at_ms INTEGER;
CREATE INDEX notifications_unshown ON notifications(user_id, id) WHERE shown_at_ms IS NULL;
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at_ms IS NULL;
CREATE INDEX notifications_handled_unannounced ON notifications(user_id, id)
    WHERE handled IS NOT NULL AND desktop_id IS NOT NULL AND handled_shown_at_ms IS NULL;

CREATE TABLE notification_preferences (
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind    TEXT NOT NULL,
    desktop INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
) WITHOUT ROWID;
";

/// Editing vaults (issue 14): a database item's database name and engine;
/// `deleted_at_ms` marks a deleted entry, which leaves every list but stays
/// as a row so that the requests and audit events naming it keep their
/// names (its secret, dependencies and standing permissions are removed).
/// The indexes find what depends on an entry and the standing permissions
/// on a folder when it is deleted.
const V_ENTRY_EDITING: &str = r"
ALTER TABLE entries ADD COLUMN database_name TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN engine TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN deleted_at_ms INTEGER;
CREATE INDEX entry_dependencies_by_target ON entry_dependencies(depends_on_id);
CREATE INDEX standing_by_folder ON standing_permissions(folder_id) WHERE folder_id IS NOT NULL;
CREATE INDEX requests_pending_by_entry ON requests(entry_id) WHERE status = 'pending';
";

/// A counter per vault that every change to its entries moves (kept by
/// triggers, whoever writes): a window that notices another program's commit
/// reads its tree again only when this moved, not at every approval.
const V_ENTRY_REVISION: &str = r"
CREATE TABLE entry_revisions (
    vault_id INTEGER PRIMARY KEY,
    revision INTEGER NOT NULL
);
CREATE TRIGGER entry_revision_on_insert AFTER INSERT ON entries BEGIN
    INSERT INTO entry_revisions (vault_id, revision) VALUES (NEW.vault_id, 1)
    ON CONFLICT (vault_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER entry_revision_on_update AFTER UPDATE ON entries BEGIN
    INSERT INTO entry_revisions (vault_id, revision) VALUES (NEW.vault_id, 1)
    ON CONFLICT (vault_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER entry_revision_on_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entry_revisions (vault_id, revision) VALUES (OLD.vault_id, 1)
    ON CONFLICT (vault_id) DO UPDATE SET revision = revision + 1;
END;
";

/// An administrator's password reset (issue 15): the user must choose a new
/// password at their next sign-in.
const V_PASSWORD_RESET: &str = r"
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
";

/// Administering vaults (issue 15): a vault's own maximum grant length
/// (`max_grant_mins`, NULL: the workspace's maximum, R-ADM-7); a deleted
/// permission set keeps its row, marked by `deleted_at_ms`, so that the
/// requests that name it keep their name (the requests' foreign keys need
/// the row anyway). The indexes find what uses a set when it is about to be
/// deleted, and a vault's standing permissions for its administration screen.
const V_VAULT_ADMIN: &str = r"
ALTER TABLE vaults ADD COLUMN max_grant_mins INTEGER;
ALTER TABLE permission_sets ADD COLUMN deleted_at_ms INTEGER;
CREATE INDEX standing_by_set ON standing_permissions(permission_set_id);
CREATE INDEX standing_by_vault ON standing_permissions(vault_id);
CREATE INDEX requests_open_by_set ON requests(requested_set_id) WHERE status IN ('pending', 'approved');
CREATE INDEX requests_open_by_authorized_set ON requests(authorized_set_id) WHERE status IN ('pending', 'approved');
";

/// Requests for folders and vaults (issue 18, R-REQ-11): `target` says what
/// a request names — `entry` (the entry `entry_id` and its dependencies, as
/// `request_entries` lists them), `folder` (the folder `entry_id` and
/// everything below it, decided from the tree at each check) or `vault`
/// (the whole vault `vault_id`; `entry_id` is NULL). SQLite cannot drop a
/// NOT NULL, so the table is rebuilt the documented way: the runner turns
/// foreign keys off around migrations and checks them before committing.
/// Its columns and indexes are those of V1, V_ENTRY_EDITING and V_VAULT_ADMIN.
const V_REQUEST_TARGETS: &str = r"
CREATE TABLE requests_new (
    id                        INTEGER PRIMARY KEY,
    kind                      TEXT NOT NULL,
    requester_id              INTEGER NOT NULL REFERENCES users(id),
    target                    TEXT NOT NULL DEFAULT 'entry'
                              CHECK ((target = 'vault') = (entry_id IS NULL)),
    entry_id                  INTEGER REFERENCES entries(id),
    vault_id                  INTEGER NOT NULL REFERENCES vaults(id),
    approver_id               INTEGER REFERENCES users(id),
    extends_request_id        INTEGER REFERENCES requests(id),
    requested_set_id          INTEGER NOT NULL REFERENCES permission_sets(id),
    requested_duration_mins   INTEGER,
    requested_start_ms        INTEGER,
    requested_end_ms          INTEGER,
    authorized_set_id         INTEGER REFERENCES permission_sets(id),
    authorized_duration_mins  INTEGER,
    authorized_start_ms       INTEGER,
    authorized_end_ms         INTEGER,
    message                   TEXT NOT NULL DEFAULT '',
    start_on_first_use        INTEGER NOT NULL DEFAULT 0,
    created_at_ms             INTEGER NOT NULL,
    pending_until_ms          INTEGER NOT NULL,
    status                    TEXT NOT NULL,
    decided_by                INTEGER REFERENCES users(id),
    decided_at_ms             INTEGER,
    decision_message          TEXT NOT NULL DEFAULT '',
    grant_start_ms            INTEGER,
    grant_end_ms              INTEGER,
    claim_by_ms               INTEGER,
    ended_by                  INTEGER REFERENCES users(id),
    ended_at_ms               INTEGER,
    closing_note              TEXT NOT NULL DEFAULT '',
    needs_review              INTEGER NOT NULL DEFAULT 0,
    reviewed_by               INTEGER REFERENCES users(id),
    reviewed_at_ms            INTEGER,
    expiring_soon_notified    INTEGER NOT NULL DEFAULT 0,
    expiry_recorded           INTEGER NOT NULL DEFAULT 0
);
INSERT INTO requests_new (id, kind, requester_id, target, entry_id, vault_id, approver_id,
    extends_request_id, requested_set_id, requested_duration_mins, requested_start_ms,
    requested_end_ms, authorized_set_id, authorized_duration_mins, authorized_start_ms,
    authorized_end_ms, message, start_on_first_use, created_at_ms, pending_until_ms, status,
    decided_by, decided_at_ms, decision_message, grant_start_ms, grant_end_ms, claim_by_ms,
    ended_by, ended_at_ms, closing_note, needs_review, reviewed_by, reviewed_at_ms,
    expiring_soon_notified, expiry_recorded)
SELECT id, kind, requester_id, 'entry', entry_id, vault_id, approver_id,
    extends_request_id, requested_set_id, requested_duration_mins, requested_start_ms,
    requested_end_ms, authorized_set_id, authorized_duration_mins, authorized_start_ms,
    authorized_end_ms, message, start_on_first_use, created_at_ms, pending_until_ms, status,
    decided_by, decided_at_ms, decision_message, grant_start_ms, grant_end_ms, claim_by_ms,
    ended_by, ended_at_ms, closing_note, needs_review, reviewed_by, reviewed_at_ms,
    expiring_soon_notified, expiry_recorded
FROM requests;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
CREATE INDEX requests_by_requester ON requests(requester_id, created_at_ms);
CREATE INDEX requests_by_requester_entry ON requests(requester_id, entry_id, created_at_ms);
CREATE INDEX requests_by_requester_vault ON requests(requester_id, vault_id) WHERE status = 'approved';
CREATE INDEX requests_pending ON requests(created_at_ms) WHERE status = 'pending';
CREATE INDEX requests_pending_until ON requests(pending_until_ms) WHERE status = 'pending';
CREATE INDEX requests_pending_same ON requests(requester_id, entry_id, requested_set_id) WHERE status = 'pending';
CREATE INDEX requests_live_end ON requests(grant_end_ms) WHERE status = 'approved' AND expiry_recorded = 0;
CREATE INDEX requests_unclaimed ON requests(claim_by_ms) WHERE status = 'approved' AND grant_end_ms IS NULL;
CREATE INDEX requests_review ON requests(id) WHERE needs_review = 1;
CREATE INDEX requests_extending ON requests(extends_request_id) WHERE extends_request_id IS NOT NULL;
CREATE INDEX requests_pending_by_entry ON requests(entry_id) WHERE status = 'pending';
CREATE INDEX requests_open_by_set ON requests(requested_set_id) WHERE status IN ('pending', 'approved');
CREATE INDEX requests_open_by_authorized_set ON requests(authorized_set_id) WHERE status IN ('pending', 'approved');
CREATE INDEX requests_scoped ON requests(requester_id, vault_id) WHERE status = 'approved' AND target <> 'entry';
";

/// Permanent access (issue 18, R-REQ-10): a standing permission made by
/// approving a permanent request remembers it (`origin_request_id`; its
/// requester is the row's user), who completed the approval and when. A
/// permanent window is stored as a request's terms with neither a duration
/// nor a time frame. The workspace setting `permanent_access_allowed` is
/// written into the stored settings, off, as the default it has.
const V_PERMANENT_ACCESS: &str = r"
ALTER TABLE standing_permissions ADD COLUMN origin_request_id INTEGER REFERENCES requests(id);
ALTER TABLE standing_permissions ADD COLUMN approved_by INTEGER REFERENCES users(id);
ALTER TABLE standing_permissions ADD COLUMN approved_at_ms INTEGER;
CREATE INDEX standing_by_origin ON standing_permissions(origin_request_id)
    WHERE origin_request_id IS NOT NULL;
UPDATE meta SET value = json_set(value, '$.permanent_access_allowed', json('false'))
WHERE key = 'settings' AND json_valid(value)
    AND json_type(value, '$.permanent_access_allowed') IS NULL;
";

/// Browsing the audit log (issue 16, R-AUD-3): each filter's index ends in
/// `seq`, so a page of the newest matching events is a walk down one index,
/// never a sort of the whole log; `at_ms` for date ranges. Only indexes: the
/// hashed columns and the append-only triggers are untouched.
const V_AUDIT_BROWSING: &str = r"
CREATE INDEX audit_by_actor ON audit_events(actor_id, seq);
CREATE INDEX audit_by_action ON audit_events(action, seq);
CREATE INDEX audit_by_entry ON audit_events(entry_id, seq);
CREATE INDEX audit_by_time ON audit_events(at_ms);
";

/// Asking to join a vault (issue 18, R-REQ-12). A vault gets a description
/// and whether non-members see it (`visible_to_non_members`, off). A request
/// to join is a `vault` request with `joins` set (the CHECK of
/// V_REQUEST_TARGETS ties `vault` to a NULL `entry_id`, so a new kind would
/// mean rebuilding the table again). A membership that a permanent request
/// to join gave remembers it (`origin_request_id`), so that revoking or
/// releasing that request ends it; a time-bound one is never stored as a
/// member: it is the approved request, in force only inside its window.
const V_VAULT_JOINING: &str = r"
ALTER TABLE vaults ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE vaults ADD COLUMN visible_to_non_members INTEGER NOT NULL DEFAULT 0
    CHECK (visible_to_non_members IN (0, 1));
ALTER TABLE requests ADD COLUMN joins INTEGER NOT NULL DEFAULT 0
    CHECK (joins IN (0, 1) AND (joins = 0 OR target = 'vault'));
ALTER TABLE vault_members ADD COLUMN origin_request_id INTEGER REFERENCES requests(id);
CREATE INDEX requests_joins ON requests(requester_id, vault_id) WHERE joins = 1;
CREATE INDEX requests_joins_by_vault ON requests(vault_id) WHERE joins = 1;
";
