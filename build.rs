//! Puts the version `latchkey --version` prints in `LATCHKEY_VERSION`: the
//! package's version, followed by the git revision when built from a git
//! checkout (a development build), e.g. `0.1.0 (git 1a2b3c4d5e6f)`.

use std::path::Path;
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let text = match revision() {
        Some(revision) => format!("{version} (git {revision})"),
        None => version,
    };
    println!("cargo:rustc-env=LATCHKEY_VERSION={text}");
    println!("cargo:rerun-if-changed=build.rs");
}

/// The checked-out commit, and the files whose change means another one, or
/// `None` outside a git checkout or without git.
fn revision() -> Option<String> {
    let git = |args: &[&str]| {
        let output = Command::new("git").args(args).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let revision = git(&["rev-parse", "--short=12", "HEAD"])?;
    // Rebuild when HEAD moves: HEAD itself (another branch), the branch's
    // ref (a commit) and packed refs. Worktrees keep HEAD apart from refs.
    // Only files that exist are named: cargo takes a missing one as changed
    // and would rebuild every time.
    let mut watched = Vec::new();
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        watched.push(Path::new(&dir).join("HEAD"));
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        watched.push(Path::new(&common).join("packed-refs"));
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watched.push(Path::new(&common).join(branch));
        }
    }
    for file in watched.iter().filter(|file| file.exists()) {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    Some(revision)
}
