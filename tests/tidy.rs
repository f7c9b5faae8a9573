//! Guards the layering of docs/code-style.md ("Layers"): `domain` is pure, only `store`
//! speaks SQL, and only the system clock reads the computer's time.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(read) = fs::read_dir(dir) else {
        return files;
    };
    for entry in read.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn src(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(sub)
}

/// Code lines (not comments) of `dir` mentioning any of `words`, as "file:line: text".
fn offences(dir: &Path, words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(dir) {
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            let is_comment = line.trim_start().starts_with("//");
            if !is_comment && words.iter().any(|w| line.contains(w)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn domain_is_pure() {
    let words = [
        "egui",
        "rusqlite",
        "std::fs",
        "std::net",
        "std::process",
        "keyring",
    ];
    let found = offences(&src("domain"), &words);
    assert!(
        found.is_empty(),
        "domain must not do I/O or know the UI:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_the_store_speaks_sql() {
    for layer in ["domain", "service", "platform", "app", "ui"] {
        let found = offences(&src(layer), &["rusqlite"]);
        assert!(
            found.is_empty(),
            "{layer} must not use rusqlite:\n{}",
            found.join("\n")
        );
    }
}

/// R-TIME-1: one injected clock; only the system clock reads the time.
#[test]
fn only_the_system_clock_reads_the_time() {
    let words = ["Utc::now", "Local::now", "SystemTime::now"];
    let mut found = offences(&src(""), &words);
    found.retain(|line| !line.contains("src/platform/clock.rs"));
    assert!(
        found.is_empty(),
        "read the time through the Clock:\n{}",
        found.join("\n")
    );
}

/// Issue 11, item 6: what the service writes is not worded in the writer's
/// time zone; times are stored as instants and put in local time by
/// `app/present.rs` for whoever reads them.
#[test]
fn service_and_store_never_write_local_time() {
    let words = ["local_minute", "local_second", "to_local", "Local"];
    for layer in ["service", "store"] {
        let found = offences(&src(layer), &words);
        assert!(
            found.is_empty(),
            "{layer} keeps instants; app::present words them in local time:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn ui_never_touches_storage_or_the_clock() {
    let words = ["rusqlite", "store::", "SystemClock", "Instant::now"];
    let found = offences(&src("ui"), &words);
    assert!(
        found.is_empty(),
        "ui gets view models and emits intents:\n{}",
        found.join("\n")
    );
}
