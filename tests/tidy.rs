//! Guards the layering of docs/code-style.md ("Layers"): `domain` is pure, only `store`
//! speaks SQL, only the system clock reads the computer's time, and `ui` sees
//! nothing of the application but its views (`app::view`, `app::present`).

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
    rust_files(dir)
        .iter()
        .flat_map(|file| offences_in(file, words))
        .collect()
}

/// Code lines (not comments) of one file mentioning any of `words`.
fn offences_in(file: &Path, words: &[&str]) -> Vec<String> {
    let text =
        fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| words.iter().any(|w| line.contains(w)))
        .map(|(n, line)| format!("{}:{}: {}", file.display(), n + 1, line.trim()))
        .collect()
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
    // The PostgreSQL client crates, by the ways they can be named (the
    // store's own module `store::postgres` may be named anywhere).
    let words = [
        "rusqlite",
        "use ::postgres",
        "postgres::Client",
        "postgres::Transaction",
        "tokio_postgres",
        "postgres_protocol",
    ];
    for layer in ["domain", "service", "platform", "app", "ui"] {
        let found = offences(&src(layer), &words);
        assert!(
            found.is_empty(),
            "{layer} must not use rusqlite or a PostgreSQL client:\n{}",
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

/// Lines of `files` naming `crate::app::…` other than the modules in `allowed`.
fn app_paths_beyond(files: &[PathBuf], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices("crate::app::") {
                let rest = &line[at + "crate::app::".len()..];
                if !allowed.iter().any(|module| rest.starts_with(module)) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

/// Issue 11: the UI draws views and edits forms, nothing else. It sees
/// `app::view`, `app::present` and the domain's types; never the application,
/// its state, its screens, or the service.
#[test]
fn ui_sees_only_views() {
    let words = [
        "MainState",
        "LatchkeyApp",
        "SignInState",
        "Screen::",
        "service::",
        "platform::",
        "crate::app::{",
    ];
    let mut found = offences(&src("ui"), &words);
    found.extend(app_paths_beyond(
        &rust_files(&src("ui")),
        &["view", "present"],
    ));
    assert!(
        found.is_empty(),
        "ui takes views, edits forms and pushes intents; it never reaches the \
         application or the service:\n{}",
        found.join("\n")
    );
}

/// What the app and the UI share is a leaf: the view models, forms, intents
/// and the words for people use only the domain (and each other).
#[test]
fn views_are_a_leaf() {
    let words = [
        "service::",
        "store::",
        "platform::",
        "crate::ui",
        "MainState",
        "LatchkeyApp",
        "super::super",
    ];
    let mut files = rust_files(&src("app/view"));
    files.push(src("app/present.rs"));
    let mut found: Vec<String> = files.iter().flat_map(|f| offences_in(f, &words)).collect();
    found.extend(app_paths_beyond(&files, &["view", "present"]));
    assert!(
        found.is_empty(),
        "app::view and app::present must not depend on the rest of the program:\n{}",
        found.join("\n")
    );
}

/// The UI rule is not vacuous: the lines it exists to refuse are refused.
#[test]
fn the_ui_rule_catches_what_it_forbids() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tidy-ui-rule");
    fs::create_dir_all(&dir).expect("a scratch folder");
    let file = dir.join("offending.rs");
    fs::write(
        &file,
        "use crate::app::MainState;\nuse crate::service::Workspace;\nuse crate::app::view::intent::Intent;\n",
    )
    .expect("a scratch file");
    let words = ["MainState", "service::"];
    assert_eq!(offences_in(&file, &words).len(), 2);
    let beyond = app_paths_beyond(std::slice::from_ref(&file), &["view", "present"]);
    assert_eq!(beyond.len(), 1, "{beyond:?}");
}
