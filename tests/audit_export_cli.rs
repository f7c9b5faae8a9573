//! `latchkey audit export` as a script runs it: the real binary on the demo
//! workspace in a temporary directory, the OS keyring turned off, the
//! password on standard input (R-AUD-3).

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

fn latchkey(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("LATCHKEY_NO_KEYRING", "1")
        .env("XDG_DATA_HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("HOME", dir)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn demo(dir: &Path) -> String {
    let path = dir.join("demo.latchkey");
    let path = path.to_str().unwrap().to_owned();
    let out = latchkey(dir, &["init", "--demo", "--workspace", &path], "");
    assert!(out.status.success(), "{out:?}");
    path
}

/// `latchkey audit export --workspace WS --as USER --format FORMAT EXTRA…`
/// with `password` on standard input.
fn export(
    dir: &Path,
    ws: &str,
    user: &str,
    format: &str,
    extra: &[&str],
    password: &str,
) -> Output {
    let mut args = vec![
        "audit",
        "export",
        "--workspace",
        ws,
        "--as",
        user,
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    latchkey(dir, &args, &format!("{password}\n"))
}

#[test]
fn exports_filtered_csv_and_jsonl_to_standard_output() {
    let dir = TempDir::new().unwrap();
    let ws = demo(dir.path());
    let out = export(dir.path(), &ws, "admin", "csv", &[], "demo");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() > 20, "{}", rows.len());
    assert_eq!(&rows[0][0], "1");
    assert_eq!(&rows[0][5], "workspace_created");

    // Filtered by user and action, as JSON Lines.
    let out = export(
        dir.path(),
        &ws,
        "admin",
        "jsonl",
        &["--user", "bob", "--action", "approved"],
        "demo",
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() >= 1);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["actor"], "bob");
        assert_eq!(v["action"], "approved");
    }
    // A date range that finds nothing.
    let out = export(
        dir.path(),
        &ws,
        "admin",
        "jsonl",
        &["--since", "1990-01-01", "--until", "1990-01-02"],
        "demo",
    );
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_requester_or_a_wrong_password_is_refused_in_one_line() {
    let dir = TempDir::new().unwrap();
    let ws = demo(dir.path());
    for (user, password) in [("alice", "demo"), ("admin", "wrong")] {
        let out = export(dir.path(), &ws, user, "csv", &[], password);
        assert!(!out.status.success());
        assert!(out.stdout.is_empty(), "nothing is written");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("latchkey: "), "{err}");
    }
    let out = export(dir.path(), &ws, "admin", "xml", &[], "demo");
    assert!(!out.status.success());
}
