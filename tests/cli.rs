//! The command line as a user runs it: the real binary on real files in a
//! temporary directory, the OS keyring turned off. The audit log is attacked
//! the way someone with the `sqlite3` tool would, and every failure must be
//! one line on stderr and a non-zero exit, never a panic.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

/// What every demo secret contains (see `service::demo`).
const SECRET_MARK: &[u8] = b"demo-secret-";

fn latchkey(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("LATCHKEY_NO_KEYRING", "1")
        // Nothing may fall back to the real user's data directory.
        .env("XDG_DATA_HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("HOME", dir)
        .env_remove("RUST_BACKTRACE")
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn on(dir: &Path, workspace: &Path, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--workspace", workspace.to_str().unwrap()]);
    latchkey(dir, &all)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_ok(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}\nstdout: {}\nstderr: {}",
        output.status,
        stdout(output),
        stderr(output)
    );
    assert!(!stderr(output).contains("panicked"), "{what}");
}

/// A failure reported the promised way: non-zero exit, exactly one line on
/// stderr starting with "latchkey: ", no panic. Returns that line.
fn assert_one_line_error(output: &Output, what: &str) -> String {
    let err = stderr(output);
    assert!(
        !output.status.success(),
        "{what} succeeded\nstdout: {}\nstderr: {err}",
        stdout(output)
    );
    assert!(
        !err.contains("panicked") && !stdout(output).contains("panicked"),
        "{what} panicked: {err}"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: stderr is not one line: {err:?}");
    assert!(
        lines[0].starts_with("latchkey: "),
        "{what}: unexpected stderr {err:?}"
    );
    lines[0].to_owned()
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The workspace file and what SQLite and the key fallback keep beside it.
fn workspace_files(path: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal", ".key"]
        .iter()
        .map(|suffix| sibling(path, suffix))
        .filter(|p| p.exists())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Creates the demo workspace at `dir/name`.
fn demo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = on(dir, &path, &["init", "--demo"]);
    assert_ok(&out, "init --demo");
    path
}

/// A fresh copy of a workspace (and its key file) under a new name.
fn copy_workspace(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    for suffix in ["", "-wal", ".key"] {
        let source = sibling(from, suffix);
        if source.exists() {
            std::fs::copy(&source, sibling(&to, suffix)).unwrap();
        }
    }
    to
}

/// Runs SQL on a workspace with the `sqlite3` tool, as an attacker would.
fn sqlite3(path: &Path, sql: &str) -> Output {
    Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .stdin(Stdio::null())
        .output()
        .expect("the sqlite3 tool is needed (apt-get install sqlite3)")
}

fn sqlite3_ok(path: &Path, sql: &str) {
    let out = sqlite3(path, sql);
    assert!(out.status.success(), "{sql}: {}", stderr(&out));
}

/// "audit chain intact: N events" → N.
fn intact_events(output: &Output) -> i64 {
    let text = stdout(output);
    let rest = text
        .lines()
        .find_map(|l| l.strip_prefix("audit chain intact: "))
        .unwrap_or_else(|| panic!("not intact: {text}"));
    rest.trim_end_matches(" events").parse().unwrap()
}

/// Verifies and expects a broken chain; returns what was printed.
fn verify_broken(dir: &Path, path: &Path, what: &str) -> String {
    let out = on(dir, path, &["audit", "verify"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!out.status.success(), "{what}: verify passed: {text}");
    assert!(!text.contains("panicked"), "{what}: {text}");
    assert!(text.contains("audit chain broken"), "{what}: {text}");
    text
}

/// R-SEC-1, R-AUD-2, R-DSK-1: the demo workspace keeps no secret in plain text,
/// verifies, and reports its status.
#[test]
fn demo_workspace_has_no_plain_secret_and_verifies() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nested/folder/demo.latchkey");
    let out = on(dir.path(), &path, &["init", "--demo"]);
    assert_ok(&out, "init --demo");
    assert!(stdout(&out).contains("Created the demo workspace"));
    assert!(
        sibling(&path, ".key").exists(),
        "without a keyring the key goes to a file: {}",
        stdout(&out)
    );

    let check_files = |when: &str| {
        let files = workspace_files(&path);
        assert!(files.contains(&path) && files.contains(&sibling(&path, ".key")));
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            assert!(
                !contains(&bytes, SECRET_MARK),
                "{when}: {} holds a secret in plain text",
                file.display()
            );
        }
        // The search is meaningful: names that are not secret are stored as text.
        let db = std::fs::read(&path).unwrap();
        let wal = std::fs::read(sibling(&path, "-wal")).unwrap_or_default();
        assert!(
            contains(&db, b"prod-dc-01") || contains(&wal, b"prod-dc-01"),
            "{when}: the entry names should be readable"
        );
    };
    check_files("after init");

    let out = on(dir.path(), &path, &["audit", "verify"]);
    assert_ok(&out, "audit verify");
    assert!(
        stdout(&out).contains("audit chain intact"),
        "{}",
        stdout(&out)
    );
    assert!(intact_events(&out) > 50);

    let out = on(dir.path(), &path, &["status"]);
    assert_ok(&out, "status");
    let text = stdout(&out);
    assert!(text.contains("Workspace: Demo workspace"), "{text}");
    assert!(text.contains("Users: 4"), "{text}");
    assert!(text.contains("pending"), "{text}");
    assert!(text.contains("key in the private file"), "{text}");
    check_files("after status");

    #[cfg(unix)]
    for file in workspace_files(&path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is readable by others", file.display());
    }
}

/// R-AUD-2: altering any column of any audit row, with the triggers dropped,
/// makes verify fail and name that event.
#[test]
fn tampering_with_any_audit_row_is_named_by_verify() {
    let dir = TempDir::new().unwrap();
    let original = demo(dir.path(), "original.latchkey");
    let events = intact_events(&on(dir.path(), &original, &["audit", "verify"]));
    let flip_first_hex = |column: &str| {
        format!(
            "{column} = CASE WHEN substr({column}, 1, 1) = '0' THEN '1' ELSE '0' END || substr({column}, 2)"
        )
    };
    let changes = [
        (
            "details",
            "details = replace(details, '\"', ' \"')".to_owned(),
        ),
        (
            "actor_id",
            "actor_id = COALESCE(actor_id, 0) + 1".to_owned(),
        ),
        ("at_ms", "at_ms = at_ms - 1".to_owned()),
        ("hash", flip_first_hex("hash")),
        ("prev_hash", flip_first_hex("prev_hash")),
        ("action", "action = 'x' || action".to_owned()),
        (
            "entry_id",
            "entry_id = COALESCE(entry_id, 0) + 1".to_owned(),
        ),
        (
            "request_id",
            "request_id = COALESCE(request_id, 0) + 1".to_owned(),
        ),
    ];
    let mut case = 0;
    for seq in [1, 2, events / 2, events - 1, events] {
        for (column, set) in &changes {
            case += 1;
            let copy = copy_workspace(&original, dir.path(), &format!("t{case}.latchkey"));
            sqlite3_ok(
                &copy,
                &format!(
                    "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET {set} WHERE seq = {seq};"
                ),
            );
            let what = format!("{column} of event {seq}");
            let text = verify_broken(dir.path(), &copy, &what);
            assert!(
                text.contains(&format!("audit event {seq} was altered")),
                "{what}: {text}"
            );
        }
    }
}

/// R-AUD-2: removed events are named, wherever they were.
#[test]
fn deleting_audit_rows_names_the_missing_events() {
    let dir = TempDir::new().unwrap();
    let original = demo(dir.path(), "original.latchkey");
    let events = intact_events(&on(dir.path(), &original, &["audit", "verify"]));
    let middle = events / 2;
    let cases = [
        (
            "the first",
            "seq = 1".to_owned(),
            "audit event 1 is missing".to_owned(),
        ),
        (
            "a middle one",
            format!("seq = {middle}"),
            format!("audit event {middle} is missing"),
        ),
        (
            "two in the middle",
            format!("seq IN ({middle}, {})", middle + 1),
            format!("audit event {middle} is missing"),
        ),
        (
            "a middle one, renumbering the rest to close the gap",
            format!("seq = {middle}; UPDATE audit_events SET seq = seq - 1 WHERE seq > {middle}"),
            format!("audit event {middle} was altered"),
        ),
        (
            "the last",
            format!("seq = {events}"),
            format!("audit event {events} (the last one) is missing"),
        ),
        (
            "the last two",
            format!("seq >= {}", events - 1),
            format!("audit events {} to {events} are missing", events - 1),
        ),
    ];
    for (i, (what, condition, want)) in cases.iter().enumerate() {
        let copy = copy_workspace(&original, dir.path(), &format!("d{i}.latchkey"));
        sqlite3_ok(
            &copy,
            &format!(
                "DROP TRIGGER audit_events_no_delete; DROP TRIGGER audit_events_no_update; \
                 DELETE FROM audit_events WHERE {condition};"
            ),
        );
        let text = verify_broken(dir.path(), &copy, what);
        assert!(text.contains(want.as_str()), "deleting {what}: {text}");
    }
}

/// R-AUD-2: without dropping the triggers, the sqlite3 tool cannot change or remove an event.
#[test]
fn audit_triggers_refuse_changes_from_the_sqlite3_tool() {
    let dir = TempDir::new().unwrap();
    let path = demo(dir.path(), "demo.latchkey");
    for sql in [
        "UPDATE audit_events SET details = '{}' WHERE seq = 3;",
        "UPDATE audit_events SET at_ms = 0;",
        "DELETE FROM audit_events WHERE seq = 2;",
        "DELETE FROM audit_events;",
    ] {
        let out = sqlite3(&path, sql);
        assert!(!out.status.success(), "{sql} was allowed");
        assert!(
            stderr(&out).contains("append-only"),
            "{sql}: {}",
            stderr(&out)
        );
    }
    let out = on(dir.path(), &path, &["audit", "verify"]);
    assert_ok(&out, "audit verify after refused changes");
    assert!(stdout(&out).contains("audit chain intact"));
}

#[test]
fn a_missing_path_or_a_directory_is_one_line_error() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("nothing-here.latchkey");
    for args in [&["audit", "verify"][..], &["status"][..]] {
        let line = assert_one_line_error(&on(dir.path(), &missing, args), "missing path");
        assert!(line.contains("no workspace"), "{line}");
        assert!(!missing.exists(), "{args:?} created the missing file");
    }
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    for args in [&["audit", "verify"][..], &["status"][..]] {
        assert_one_line_error(&on(dir.path(), &folder, args), "directory");
    }
}

#[test]
fn a_corrupt_or_foreign_file_is_one_line_error_and_left_alone() {
    let dir = TempDir::new().unwrap();
    let noise = dir.path().join("noise.latchkey");
    let bytes: Vec<u8> = (0..64_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&noise, &bytes).unwrap();
    let empty = dir.path().join("empty.latchkey");
    std::fs::write(&empty, b"").unwrap();
    let foreign = dir.path().join("foreign.db");
    sqlite3_ok(
        &foreign,
        "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');",
    );
    for path in [&noise, &empty, &foreign] {
        let before = std::fs::read(path).unwrap();
        for args in [&["audit", "verify"][..], &["status"][..]] {
            let what = format!("{args:?} on {}", path.display());
            let line = assert_one_line_error(&on(dir.path(), path, args), &what);
            assert!(
                line.contains("not a Latchkey workspace") || line.contains("damaged"),
                "{what}: {line}"
            );
        }
        assert_eq!(
            std::fs::read(path).unwrap(),
            before,
            "{} was changed",
            path.display()
        );
    }
}

#[test]
fn a_damaged_workspace_is_one_line_error() {
    let dir = TempDir::new().unwrap();
    let original = demo(dir.path(), "original.latchkey");
    let len = std::fs::metadata(&original).unwrap().len();

    // Cut off half the file.
    let truncated = copy_workspace(&original, dir.path(), "truncated.latchkey");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&truncated)
        .unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);
    assert_one_line_error(
        &on(dir.path(), &truncated, &["audit", "verify"]),
        "truncated",
    );

    // Overwrite the schema page behind the header.
    let scribbled = copy_workspace(&original, dir.path(), "scribbled.latchkey");
    let mut bytes = std::fs::read(&scribbled).unwrap();
    for (i, b) in bytes[100..4_000].iter_mut().enumerate() {
        *b = (i * 131 % 256) as u8;
    }
    std::fs::write(&scribbled, &bytes).unwrap();
    for args in [&["audit", "verify"][..], &["status"][..]] {
        assert_one_line_error(&on(dir.path(), &scribbled, args), "scribbled");
    }
}

/// R-DATA-1: a workspace from a newer version is refused with a clear message
/// and not changed.
#[test]
fn a_newer_schema_is_refused_with_a_clear_message() {
    let dir = TempDir::new().unwrap();
    let path = demo(dir.path(), "demo.latchkey");
    sqlite3_ok(&path, "PRAGMA user_version = 99;");
    let before = std::fs::read(&path).unwrap();
    for args in [&["audit", "verify"][..], &["status"][..]] {
        let line = assert_one_line_error(&on(dir.path(), &path, args), "newer schema");
        assert!(line.contains("newer version"), "{line}");
        assert!(line.contains("99"), "{line}");
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file was changed"
    );
}

#[test]
fn init_refuses_an_existing_file_and_a_missing_choice() {
    let dir = TempDir::new().unwrap();
    let path = demo(dir.path(), "demo.latchkey");
    let before = std::fs::read(&path).unwrap();
    let key_before = std::fs::read(sibling(&path, ".key")).unwrap();
    let line = assert_one_line_error(&on(dir.path(), &path, &["init", "--demo"]), "init twice");
    assert!(line.contains("already exists"), "{line}");
    let line = assert_one_line_error(
        &on(dir.path(), &path, &["init", "--scale", "10"]),
        "init --scale over a file",
    );
    assert!(line.contains("already exists"), "{line}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read(sibling(&path, ".key")).unwrap(), key_before);

    let fresh = dir.path().join("fresh.latchkey");
    let line = assert_one_line_error(&on(dir.path(), &fresh, &["init"]), "init without a choice");
    assert!(
        line.contains("--demo") && line.contains("--scale"),
        "{line}"
    );
    assert!(!fresh.exists(), "init without a choice created a file");
}

/// R-DATA-2: another program holding the workspace locked makes the command
/// wait its busy timeout and then fail with one line, not hang or panic.
#[test]
fn a_locked_workspace_is_one_line_error() {
    let dir = TempDir::new().unwrap();
    let path = demo(dir.path(), "demo.latchkey");
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
        .unwrap();
    // The lock is real: a write from the sqlite3 tool is refused at once.
    let out = sqlite3(&path, "PRAGMA busy_timeout = 0; DELETE FROM meta WHERE 0;");
    assert!(!out.status.success(), "the lock is not held");

    let line = assert_one_line_error(&on(dir.path(), &path, &["audit", "verify"]), "locked");
    assert!(line.contains("locked"), "{line}");

    holder.execute_batch("COMMIT;").unwrap();
    drop(holder);
    let out = on(dir.path(), &path, &["audit", "verify"]);
    assert_ok(&out, "audit verify once the lock is gone");
}

/// R-SEC-1: without its key a workspace says where it looked, in one line;
/// the audit log still verifies, since that needs no key.
#[test]
fn a_missing_or_damaged_key_file_is_one_line_error() {
    let dir = TempDir::new().unwrap();
    let path = demo(dir.path(), "demo.latchkey");
    let key = sibling(&path, ".key");
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let line = assert_one_line_error(&on(dir.path(), &path, &["status"]), "no key file");
    assert!(line.contains("key"), "{line}");
    assert_ok(
        &on(dir.path(), &path, &["audit", "verify"]),
        "verify without a key",
    );
    std::fs::write(&key, b"not hex").unwrap();
    // A new file gets the umask's mode; a key file must be private (see below).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let line = assert_one_line_error(&on(dir.path(), &path, &["status"]), "damaged key file");
    assert!(line.contains("damaged"), "{line}");
    std::fs::write(&key, saved).unwrap();
    assert_ok(
        &on(dir.path(), &path, &["status"]),
        "status with the key back",
    );
}

#[test]
fn init_scale_creates_a_workspace_that_verifies() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("scale.latchkey");
    let out = on(dir.path(), &path, &["init", "--scale", "300"]);
    assert_ok(&out, "init --scale 300");
    let text = stdout(&out);
    assert!(text.contains("with 300 entries"), "{text}");

    let out = on(dir.path(), &path, &["audit", "verify"]);
    assert_ok(&out, "audit verify on the scale workspace");
    assert!(intact_events(&out) > 300);

    let out = on(dir.path(), &path, &["status"]);
    assert_ok(&out, "status on the scale workspace");
    assert!(stdout(&out).contains("Requests: "), "{}", stdout(&out));
}

/// `latchkey init --demo | head -n 0`: standard output is closed before the
/// command writes. It ends quietly with SIGPIPE's status, never a panic, and
/// what it did (the workspace) is whole.
#[test]
fn a_closed_standard_output_ends_quietly_not_in_a_panic() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("piped.latchkey");
    let mut child = Command::new(BIN)
        .args(["init", "--demo", "--workspace", path.to_str().unwrap()])
        .env("LATCHKEY_NO_KEYRING", "1")
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("HOME", dir.path())
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Creating the demo workspace takes far longer than closing this end.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(141), "{err}");
    let verify = on(dir.path(), &path, &["audit", "verify"]);
    assert_ok(
        &verify,
        "audit verify of the workspace created with a closed output",
    );
}
