//! The audit log cannot be silently truncated, wiped or rewritten (R-AUD-2,
//! R-BEY-12 "audit witness"): the real binary on real workspace files, the
//! log attacked with the `sqlite3` tool and no hashing at all, and this
//! computer's witness kept in a state directory inside the test's temporary
//! folder (never the real home).

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

/// Runs the binary with its data and state directories inside `home`.
fn latchkey(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("LATCHKEY_NO_KEYRING", "1")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("HOME", home)
        .env_remove("RUST_BACKTRACE")
        .current_dir(home)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn on(home: &Path, workspace: &Path, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--workspace", workspace.to_str().unwrap()]);
    latchkey(home, &all)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_ok(output: &Output, what: &str) {
    assert!(output.status.success(), "{what} failed: {}", text(output));
}

/// Creates the demo workspace at `dir/name`.
fn demo(home: &Path, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    assert_ok(&on(home, &path, &["init", "--demo"]), "init --demo");
    path
}

/// Runs SQL with the `sqlite3` tool, as an attacker would; returns its output.
fn sqlite3(path: &Path, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .stdin(Stdio::null())
        .output()
        .expect("the sqlite3 tool is needed (apt-get install sqlite3)");
    assert!(out.status.success(), "{sql}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `audit verify` must pass; returns the number of events it reports.
fn verify_intact(home: &Path, path: &Path) -> i64 {
    let out = on(home, path, &["audit", "verify"]);
    let printed = text(&out);
    assert!(out.status.success(), "verify failed: {printed}");
    printed
        .lines()
        .find_map(|l| l.strip_prefix("audit chain intact: "))
        .unwrap_or_else(|| panic!("not intact: {printed}"))
        .trim_end_matches(" events")
        .parse()
        .unwrap()
}

/// `audit verify` (with `extra` arguments) must fail, saying the chain is
/// broken, without a panic or a raw database error; returns what it printed.
fn verify_broken(home: &Path, path: &Path, extra: &[&str], what: &str) -> String {
    let mut args = vec!["audit", "verify"];
    args.extend(extra);
    let out = on(home, path, &args);
    let printed = text(&out);
    assert!(!out.status.success(), "{what}: verify passed: {printed}");
    assert!(printed.contains("audit chain broken"), "{what}: {printed}");
    assert!(
        !printed.contains("panicked") && !printed.contains("database error"),
        "{what}: {printed}"
    );
    printed
}

/// (seq, hash) of an event, read with the sqlite3 tool.
fn hash_of(path: &Path, seq: i64) -> String {
    sqlite3(
        path,
        &format!("SELECT hash FROM audit_events WHERE seq = {seq};"),
    )
}

fn workspace_id(path: &Path) -> String {
    sqlite3(path, "SELECT value FROM meta WHERE key = 'workspace_id';")
}

/// The witness file of a workspace in the test's state directory.
fn witness_file(home: &Path, path: &Path) -> PathBuf {
    home.join("state/latchkey")
        .join(format!("{}.witness", workspace_id(path)))
}

/// Removes the newest `n` events and moves the stored head back to the last
/// one kept: no hashing needed, only the sqlite3 tool.
fn truncate_and_move_head(path: &Path, n: i64) {
    sqlite3(
        path,
        &format!(
            "DROP TRIGGER audit_events_no_delete; \
             DELETE FROM audit_events WHERE seq > (SELECT MAX(seq) FROM audit_events) - {n}; \
             UPDATE meta SET value = (SELECT MAX(seq) FROM audit_events) WHERE key = 'audit_head_seq'; \
             UPDATE meta SET value = (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) \
             WHERE key = 'audit_head_hash';"
        ),
    );
}

/// R-BEY-12: cutting the newest events off and moving the stored head back
/// makes a consistent shorter chain; the witness this computer kept names
/// what it saw and what is there now, and it does not move back.
#[test]
fn truncating_the_last_events_and_moving_the_head_is_caught_by_the_witness() {
    let home = TempDir::new().unwrap();
    let home = home.path();
    let path = demo(home, home, "demo.latchkey");
    let events = verify_intact(home, &path);
    let seen = hash_of(&path, events);
    let witness = witness_file(home, &path);
    assert!(witness.is_file(), "verify remembers the head");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&witness).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the witness is private");
    }

    truncate_and_move_head(&path, 3);
    let kept = hash_of(&path, events - 3);
    let printed = verify_broken(home, &path, &[], "truncated");
    assert!(
        printed.contains(&format!(
            "this computer saw {events} events (head {seen}), now it has {} events (head {kept})",
            events - 3
        )),
        "{printed}"
    );
    assert!(
        printed.contains(&witness.display().to_string()),
        "says where it was remembered: {printed}"
    );
    // The witness only moves forward: it still holds the longer chain.
    let again = verify_broken(home, &path, &[], "truncated, verified again");
    assert!(again.contains(&format!("saw {events} events")), "{again}");
    assert!(std::fs::read_to_string(&witness).unwrap().contains(&seen));
}

/// R-AUD-2: a log whose every event and stored head were deleted, beside live
/// users and requests, is not "intact: 0 events", even on a computer that
/// never saw it; with the witness, it also says what was seen.
#[test]
fn wiping_every_event_and_the_head_fails_even_without_a_witness() {
    let home = TempDir::new().unwrap();
    let home = home.path();
    let path = demo(home, home, "demo.latchkey");
    let copy = home.join("copy.latchkey");
    std::fs::copy(&path, &copy).unwrap();
    let events = verify_intact(home, &path);
    for workspace in [&path, &copy] {
        sqlite3(
            workspace,
            "DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events; \
             DELETE FROM meta WHERE key IN ('audit_head_seq', 'audit_head_hash');",
        );
    }

    let elsewhere = TempDir::new().unwrap();
    let printed = verify_broken(elsewhere.path(), &copy, &[], "wiped, no witness");
    assert!(
        printed.contains("the audit log has no events although the workspace holds data"),
        "{printed}"
    );

    let printed = verify_broken(home, &path, &[], "wiped, witness");
    assert!(
        printed.contains(&format!("this computer saw {events} events"))
            && printed.contains("now it has no events"),
        "{printed}"
    );
}

/// R-BEY-12: a chain replaced by another valid one at least as long (another
/// workspace's file copied over, with this workspace's id put in its
/// metadata) has a different event where the witness remembers one.
#[test]
fn a_chain_replaced_by_another_valid_one_is_caught_by_the_witness() {
    let home = TempDir::new().unwrap();
    let home = home.path();
    let path = demo(home, home, "mine.latchkey");
    let events = verify_intact(home, &path);
    let seen = hash_of(&path, events);
    let id = workspace_id(&path);

    let other_dir = home.join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let other = demo(home, &other_dir, "other.latchkey");
    let other_events = verify_intact(home, &other);
    assert!(other_events >= events);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::copy(&other, &path).unwrap();
    sqlite3(
        &path,
        &format!("UPDATE meta SET value = '{id}' WHERE key = 'workspace_id';"),
    );
    assert_eq!(workspace_id(&path), id);
    let found = hash_of(&path, events);
    assert_ne!(found, seen);

    let printed = verify_broken(home, &path, &[], "replaced");
    assert!(
        printed.contains(&format!(
            "the audit log was rewritten: this computer saw {events} events (head {seen}), now event {events} has hash {found}"
        )),
        "{printed}"
    );
}

/// R-BEY-12: `audit head` prints COUNT:HASH; `verify --expect` accepts it and
/// any earlier head of the same chain, and refuses a longer or different one,
/// even on a computer whose witness never saw the workspace.
#[test]
fn audit_head_and_verify_expect_round_trip_and_a_mismatch_fails() {
    let home = TempDir::new().unwrap();
    let home = home.path();
    let path = demo(home, home, "demo.latchkey");
    let out = on(home, &path, &["audit", "head"]);
    assert_ok(&out, "audit head");
    let head = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let (count, hash) = head.split_once(':').unwrap();
    let count: i64 = count.parse().unwrap();
    assert_eq!(hash, hash_of(&path, count), "{head}");

    let out = on(home, &path, &["audit", "verify", "--expect", &head]);
    assert_ok(&out, "verify --expect the head");
    let earlier = format!("10:{}", hash_of(&path, 10));
    let out = on(home, &path, &["audit", "verify", "--expect", &earlier]);
    assert_ok(&out, "verify --expect an earlier head of the same chain");

    let elsewhere = TempDir::new().unwrap();
    let longer = format!("{}:{hash}", count + 1);
    let printed = verify_broken(elsewhere.path(), &path, &["--expect", &longer], "longer");
    assert!(
        printed.contains(&format!(
            "expected {} events (head {hash}), now it has {count} events",
            count + 1
        )),
        "{printed}"
    );
    let other_hash = format!("{count}:{}", "ab".repeat(32));
    let printed = verify_broken(elsewhere.path(), &path, &["--expect", &other_hash], "other");
    assert!(
        printed.contains(&format!("now event {count} has hash {hash}")),
        "{printed}"
    );

    truncate_and_move_head(&path, 1);
    let printed = verify_broken(elsewhere.path(), &path, &["--expect", &head], "truncated");
    assert!(printed.contains("the audit log was cut back"), "{printed}");

    let out = on(home, &path, &["audit", "verify", "--expect", "twelve"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("is not an audit head"),
        "{}",
        text(&out)
    );
}

/// R-AUD-2: a value of the wrong type in any audit column (triggers dropped)
/// is reported as that event, never as a raw database error.
#[test]
fn a_type_tampered_audit_row_is_reported_as_that_event() {
    let home = TempDir::new().unwrap();
    let home = home.path();
    let original = demo(home, home, "original.latchkey");
    let events = verify_intact(home, &original);
    let seq = events / 2;
    let changes = [
        "at_ms = 'x'",
        "at_ms = 1.5",
        "actor_id = 'x'",
        "request_id = X'00'",
        "entry_id = 2.5",
        "action = X'00'",
        "details = X'7b7d'",
        "prev_hash = X'00'",
        "hash = X'00'",
    ];
    for (i, set) in changes.iter().enumerate() {
        let copy = home.join(format!("t{i}.latchkey"));
        std::fs::copy(&original, &copy).unwrap();
        sqlite3(
            &copy,
            &format!(
                "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET {set} WHERE seq = {seq};"
            ),
        );
        // A computer that never saw this copy: the chain alone must say it.
        let elsewhere = TempDir::new().unwrap();
        let printed = verify_broken(elsewhere.path(), &copy, &[], set);
        assert!(
            printed.contains(&format!("audit event {seq} was altered")),
            "{set}: {printed}"
        );
    }
    let copy = home.join("head.latchkey");
    std::fs::copy(&original, &copy).unwrap();
    sqlite3(
        &copy,
        "UPDATE meta SET value = X'00' WHERE key = 'audit_head_hash';",
    );
    let printed = verify_broken(home, &copy, &[], "head as a blob");
    assert!(
        printed.contains("the recorded head of the audit log was altered"),
        "{printed}"
    );
}

/// R-BEY-12: the witness is found by the workspace's id, which lives in the
/// file; changing it as well as cutting the log back must not make the log
/// look like one never seen. The id is bound to the creation event, and the
/// witness remembers which workspace it saw at this path.
#[test]
fn changing_the_workspace_id_does_not_escape_the_witness() {
    let home = TempDir::new().unwrap();
    let home = home.path();
    let path = demo(home, home, "demo.latchkey");
    let events = verify_intact(home, &path);
    assert!(events > 60, "{events}");
    let id = workspace_id(&path);
    truncate_and_move_head(&path, events - 60);
    sqlite3(
        &path,
        "UPDATE meta SET value = 'deadbeef' WHERE key = 'workspace_id';",
    );
    assert_eq!(workspace_id(&path), "deadbeef");

    let printed = verify_broken(home, &path, &[], "cut back, id changed");
    assert!(
        printed.contains("deadbeef") && printed.contains(&id),
        "names both ids: {printed}"
    );
    // Also on a computer that never saw it: the creation event names the id.
    let elsewhere = TempDir::new().unwrap();
    let printed = verify_broken(elsewhere.path(), &path, &[], "id changed, no witness");
    assert!(
        printed.contains("deadbeef") && printed.contains(&id),
        "{printed}"
    );
}

/// Removes a workspace file and what lives beside it.
fn remove_workspace(path: &Path) {
    for suffix in ["", "-wal", "-shm", ".key"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// R-BEY-12: another valid workspace put where this computer saw one (its
/// own id and chain, consistent) is reported, naming both ids and the record
/// to remove if the replacement was deliberate; removing it is enough.
#[test]
fn another_workspace_put_at_a_known_path_is_reported() {
    let home = TempDir::new().unwrap();
    let home = home.path();
    let path = demo(home, home, "mine.latchkey");
    verify_intact(home, &path);
    let id = workspace_id(&path);

    let elsewhere = TempDir::new().unwrap();
    let other = demo(elsewhere.path(), elsewhere.path(), "other.latchkey");
    let other_id = workspace_id(&other);
    remove_workspace(&path);
    std::fs::copy(&other, &path).unwrap();

    let printed = verify_broken(home, &path, &[], "replaced by another workspace");
    assert!(
        printed.contains(&format!(
            "was {id} when this computer last saw it and now claims to be {other_id}"
        )),
        "{printed}"
    );
    let record = printed.trim_end().rsplit_once("remove ").map_or_else(
        || panic!("names the record to remove: {printed}"),
        |(_, file)| PathBuf::from(file),
    );
    assert!(record.starts_with(home.join("state/latchkey")), "{printed}");
    std::fs::remove_file(&record).unwrap();
    verify_intact(home, &path);
}

/// R-BEY-12: a new workspace created by Latchkey where another one was (the
/// old files removed first) is not mistaken for a replacement.
#[test]
fn creating_a_new_workspace_where_one_was_does_not_alarm() {
    let home = TempDir::new().unwrap();
    let home = home.path();
    let path = demo(home, home, "demo.latchkey");
    verify_intact(home, &path);
    let old_id = workspace_id(&path);
    remove_workspace(&path);

    demo(home, home, "demo.latchkey");
    assert_ne!(workspace_id(&path), old_id);
    verify_intact(home, &path);
}
