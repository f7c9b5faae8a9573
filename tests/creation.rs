//! Creating a workspace is all or nothing (R-DATA-1, R-DSK-1, R-SEC-1), and
//! the files it makes are private from their first byte.
//!
//! The real binary runs on real files: it is killed at random moments, runs
//! out of disk space, races another creator, and meets a world-readable key
//! file, a read-only folder, a folder given as the workspace and a truncated
//! file. The OS keyring is turned off, so the key goes to the key file.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use latchkey::domain::Timestamp;
use latchkey::platform::clipboard::MemoryClipboard;
use latchkey::platform::keyring::NoKeyring;
use latchkey::platform::witness::MemoryWitness;
use latchkey::service::{HashCost, Workspace};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");
/// Set it to repeat a run of the kill test with the same moments.
const SEED_ENV: &str = "LATCHKEY_CREATION_SEED";
const NOW: Timestamp = Timestamp(1_800_000_000_000);

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("LATCHKEY_NO_KEYRING", "1")
        // Nothing may fall back to the real user's data directory.
        .env("XDG_DATA_HOME", dir)
        // The audit witness lives apart, so that the folder holds only what a
        // creation made.
        .env("XDG_STATE_HOME", state_home())
        .env("HOME", dir)
        .env_remove("RUST_BACKTRACE")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn with_workspace<'a>(workspace: &'a Path, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--workspace", workspace.to_str().unwrap()]);
    all
}

/// Runs `latchkey ARGS --workspace WORKSPACE` in `dir`.
/// Where the commands keep their audit witnesses: cargo's scratch folder for
/// integration tests, outside every workspace folder (each workspace has its
/// own id, so runs do not disturb each other).
fn state_home() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("creation-state")
}

fn on(dir: &Path, workspace: &Path, args: &[&str]) -> Output {
    command(dir, &with_workspace(workspace, args))
        .output()
        .unwrap()
}

fn spawn_on(dir: &Path, workspace: &Path, args: &[&str]) -> Child {
    command(dir, &with_workspace(workspace, args))
        .spawn()
        .unwrap()
}

/// Everything a run printed, both streams.
fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_ok(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}): {}",
        output.status,
        text(output)
    );
}

/// A failure reported as one line on stderr, without a panic; returns it.
fn one_line_error(output: &Output, what: &str) -> String {
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "{what} succeeded: {}",
        text(output)
    );
    assert!(!err.contains("panicked"), "{what} panicked: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: stderr is not one line: {err:?}");
    lines[0].to_owned()
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The names in a folder with their permission bits.
fn files_in(dir: &Path) -> Vec<(String, u32)> {
    let mut files: Vec<(String, u32)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let mode = entry.metadata().ok()?.permissions().mode() & 0o777;
            Some((entry.file_name().to_string_lossy().into_owned(), mode))
        })
        .collect();
    files.sort();
    files
}

fn names_in(dir: &Path) -> BTreeSet<String> {
    files_in(dir).into_iter().map(|(name, _)| name).collect()
}

/// `None` if nothing at `path` opens as a valid workspace; otherwise what
/// accepted it. `status` needs the key, `audit verify` does not: both must
/// refuse a workspace that was not completely created.
fn accepted_as_valid(dir: &Path, path: &Path) -> Option<String> {
    if !path.exists() {
        return None;
    }
    for args in [&["status"][..], &["audit", "verify"][..]] {
        let out = on(dir, path, args);
        if out.status.success() {
            return Some(format!("`{}` said: {}", args.join(" "), text(&out)));
        }
    }
    None
}

/// A small deterministic generator (xorshift64), seeded per run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn seed() -> u64 {
    if let Some(seed) = std::env::var(SEED_ENV).ok().and_then(|s| s.parse().ok()) {
        return seed;
    }
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    u64::from_le_bytes(bytes) | 1
}

/// Watches a folder from another thread and remembers every file it ever saw
/// whose mode lets anyone but the owner in.
struct ModeWatcher {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<BTreeSet<String>>>,
    handle: Option<thread::JoinHandle<usize>>,
}

impl ModeWatcher {
    fn start(dir: &Path) -> ModeWatcher {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(BTreeSet::new()));
        let (dir, thread_stop, thread_seen) = (dir.to_path_buf(), stop.clone(), seen.clone());
        let handle = thread::spawn(move || {
            let mut looks = 0;
            while !thread_stop.load(Ordering::Relaxed) {
                looks += 1;
                let Ok(read) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for entry in read.filter_map(Result::ok) {
                    // The file may be gone again by now; only what is seen counts.
                    if let Ok(meta) = std::fs::symlink_metadata(entry.path())
                        && meta.is_file()
                        && meta.permissions().mode() & 0o077 != 0
                    {
                        thread_seen.lock().unwrap().insert(format!(
                            "{} with mode {:o}",
                            entry.file_name().to_string_lossy(),
                            meta.permissions().mode() & 0o777
                        ));
                    }
                }
            }
            looks
        });
        ModeWatcher {
            stop,
            seen,
            handle: Some(handle),
        }
    }

    /// Stops watching; returns what was seen open to others, and how many looks were taken.
    fn finish(mut self) -> (BTreeSet<String>, usize) {
        self.stop.store(true, Ordering::Relaxed);
        let looks = self.handle.take().unwrap().join().unwrap();
        (self.seen.lock().unwrap().clone(), looks)
    }
}

/// How long into `init --scale 20000` the kills land: a whole run takes
/// tens of seconds in a debug build, so the kills cover its first seconds
/// (schema, users, entries); the demo's kills cover its whole run, the final
/// sync and move included, which both share.
const SCALE_KILL_WINDOW: Duration = Duration::from_secs(5);

/// Issue 10, item 1: `init --demo` and `init --scale 20000` killed at random
/// moments leave nothing that opens as a valid workspace, and the next `init`
/// at the same path succeeds, saying so when it cleaned up after the killed one.
#[test]
fn killed_creations_leave_nothing_that_opens_and_init_runs_again() {
    let seed = seed();
    println!("seed {seed} (repeat with {SEED_ENV}={seed})");
    let mut rng = XorShift(seed);
    let started = Instant::now();

    // One whole demo run: how long it takes, and it is valid when done.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("w.latchkey");
    let timer = Instant::now();
    assert_ok(&on(dir.path(), &path, &["init", "--demo"]), "init --demo");
    let demo_run = timer.elapsed();
    assert!(accepted_as_valid(dir.path(), &path).is_some());
    println!("init --demo: a whole run takes {demo_run:?}");

    let (mut kills, mut finished_first, mut cleaned_up) = (0, 0, 0);
    for (kind, args, window, times) in [
        (
            "init --demo",
            &["init", "--demo"][..],
            demo_run * 11 / 10,
            12,
        ),
        (
            "init --scale 20000",
            &["init", "--scale", "20000"][..],
            SCALE_KILL_WINDOW,
            8,
        ),
    ] {
        for attempt in 0..times {
            let dir = TempDir::new().unwrap();
            let path = dir.path().join("w.latchkey");
            let at = Duration::from_millis(rng.below(window.as_millis() as u64));
            let watcher = ModeWatcher::start(dir.path());
            let mut child = spawn_on(dir.path(), &path, args);
            thread::sleep(at);
            child.kill().unwrap();
            let finished = child.wait().unwrap().success();
            let (open_to_others, _) = watcher.finish();
            kills += 1;
            let what = format!("{kind} killed after {at:?} (attempt {attempt})");
            assert!(
                open_to_others.is_empty(),
                "{what}: files readable by others: {open_to_others:?}"
            );
            let left = names_in(dir.path());
            if finished || path.exists() {
                // It finished before the kill, or was killed after its final
                // link: either way a workspace at its name must be whole.
                finished_first += 1;
                assert!(
                    accepted_as_valid(dir.path(), &path).is_some(),
                    "{what}: the workspace at its name is not whole; the folder held {left:?}"
                );
                assert_eq!(
                    names_in(dir.path()),
                    BTreeSet::from(["w.latchkey".to_owned(), "w.latchkey.key".to_owned()]),
                    "{what}: once opened, no hidden name of the workspace or its key is left"
                );
                continue;
            }
            if let Some(accepted) = accepted_as_valid(dir.path(), &path) {
                panic!("{what}: the leftover {left:?} opens as valid: {accepted}");
            }
            let retry = on(dir.path(), &path, &["init", "--scale", "20"]);
            assert_ok(
                &retry,
                &format!("{what}: the next init (folder held {left:?})"),
            );
            let said = text(&retry);
            if !left.is_empty() {
                assert!(
                    said.contains("unfinished"),
                    "{what}: the next init cleaned up {left:?} without saying so: {said}"
                );
                cleaned_up += 1;
            }
            assert!(
                accepted_as_valid(dir.path(), &path).is_some(),
                "{what}: the new workspace is valid"
            );
            assert_eq!(
                names_in(dir.path()),
                BTreeSet::from(["w.latchkey".to_owned(), "w.latchkey.key".to_owned()]),
                "{what}: nothing else is left once the next init is done"
            );
        }
    }
    println!(
        "{kills} kills ({finished_first} left a whole workspace), {cleaned_up} clean-ups reported, in {:?}",
        started.elapsed()
    );
}

/// A tmpfs of a given size mounted on a folder, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> Result<SmallDisk, String> {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700")])
            .arg("tmpfs")
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if out.status.success() {
            Ok(SmallDisk {
                dir: dir.to_path_buf(),
            })
        } else {
            Err(format!("mount -t tmpfs failed: {}", text(&out).trim()))
        }
    }

    fn resize(&self, size: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.dir)
            .output()
            .unwrap();
        assert_ok(&out, "remount the tmpfs bigger");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

/// After a creation that failed for want of space: one line, nothing valid
/// left, and no file at all in the folder.
fn assert_failed_cleanly(dir: &Path, path: &Path, out: &Output, what: &str) {
    let line = one_line_error(out, what);
    println!("{what}: {line}");
    if let Some(accepted) = accepted_as_valid(dir, path) {
        panic!("{what}: the leftover opens as valid: {accepted}");
    }
    assert!(
        names_in(dir).is_empty(),
        "{what}: a failed creation left {:?}",
        names_in(dir)
    );
}

/// Issue 10, item 1: on a full disk `init` fails in one line, leaves nothing,
/// and works once there is room. On a small tmpfs where the machine lets us
/// mount one; otherwise (said on stdout) with the file size limited, so that
/// every write beyond it fails.
#[test]
fn a_full_disk_leaves_nothing_and_init_works_once_there_is_room() {
    let top = TempDir::new().unwrap();
    let dir = top.path().join("disk");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("w.latchkey");
    match SmallDisk::mount(&dir, "16k") {
        Ok(disk) => {
            for (size, args) in [
                ("16k", &["init", "--demo"][..]),
                ("64k", &["init", "--demo"][..]),
                ("192k", &["init", "--demo"][..]),
                ("1m", &["init", "--scale", "2000"][..]),
            ] {
                disk.resize(size);
                let out = on(&dir, &path, args);
                assert_failed_cleanly(&dir, &path, &out, &format!("{args:?} on a {size} disk"));
            }
            disk.resize("64m");
            let out = on(&dir, &path, &["init", "--demo"]);
            assert_ok(&out, "init --demo once there is room");
            assert!(accepted_as_valid(&dir, &path).is_some());
        }
        Err(reason) => {
            println!("no tmpfs ({reason}); limiting the file size instead");
            for blocks in ["8", "64", "300"] {
                // dash counts 512-byte blocks; SIGXFSZ is ignored so a write
                // beyond the limit fails with EFBIG instead of killing.
                let out = Command::new("sh")
                    .arg("-c")
                    .arg(format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$@\""))
                    .arg("sh")
                    .arg(BIN)
                    .args(with_workspace(&path, &["init", "--demo"]))
                    .env("LATCHKEY_NO_KEYRING", "1")
                    .env("HOME", top.path())
                    .stdin(Stdio::null())
                    .output()
                    .unwrap();
                assert_failed_cleanly(&dir, &path, &out, &format!("{blocks} blocks"));
            }
            assert_ok(
                &on(&dir, &path, &["init", "--demo"]),
                "init --demo without a limit",
            );
            assert!(accepted_as_valid(&dir, &path).is_some());
        }
    }
}

/// Issue 10, item 1: creators racing on one path make exactly one
/// workspace, intact and openable with its key; the others say why they
/// failed and take nothing of the winner's with them. The creators wait
/// spinning for a start signal, so that they really start together (no
/// watcher thread here: it would take the processor they race for).
#[test]
fn racing_creators_make_exactly_one_workspace() {
    const CREATORS: usize = 5;
    for round in 0..10 {
        let dir = TempDir::new().unwrap();
        let signal = TempDir::new().unwrap();
        let go = signal.path().join("go");
        let path = dir.path().join("w.latchkey");
        let children: Vec<Child> = (0..CREATORS)
            .map(|_| {
                let command = command(dir.path(), &[]);
                let mut spin = Command::new("sh");
                spin.arg("-c")
                    .arg("while [ ! -e \"$0\" ]; do :; done; exec \"$@\"")
                    .arg(&go)
                    .arg(BIN)
                    .args(with_workspace(&path, &["init", "--scale", "300"]));
                for (key, value) in command.get_envs() {
                    match value {
                        Some(value) => spin.env(key, value),
                        None => spin.env_remove(key),
                    };
                }
                spin.current_dir(dir.path())
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        thread::sleep(Duration::from_millis(200));
        std::fs::write(&go, b"").unwrap();
        let outputs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let all: Vec<String> = outputs.iter().map(text).collect();
        let winners = outputs.iter().filter(|o| o.status.success()).count();
        assert_eq!(winners, 1, "round {round}: {all:?}");
        for loser in outputs.iter().filter(|o| !o.status.success()) {
            let line = one_line_error(loser, "a losing creator");
            assert!(
                line.contains("already exists") || line.contains("being created"),
                "round {round}: {line}"
            );
        }
        let status = on(dir.path(), &path, &["status"]);
        assert!(
            status.status.success() && text(&status).contains("Users: 221"),
            "round {round}: the winner's workspace after {all:?}: {}",
            text(&status)
        );
        assert_ok(
            &on(dir.path(), &path, &["audit", "verify"]),
            &format!("round {round}: verify the winner"),
        );
        assert_eq!(
            names_in(dir.path()),
            BTreeSet::from(["w.latchkey".to_owned(), "w.latchkey.key".to_owned()]),
            "round {round}: {all:?}"
        );
    }
}

/// Issue 10, item 1: no file of a workspace being created is ever readable by
/// anyone but its owner, not even for an instant.
#[test]
fn a_new_workspace_is_private_from_its_first_byte() {
    let mut looks = 0;
    for run in 0..30 {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("w.latchkey");
        let watcher = ModeWatcher::start(dir.path());
        let out = on(dir.path(), &path, &["init", "--scale", "5"]);
        let (open_to_others, n) = watcher.finish();
        looks += n;
        assert_ok(&out, "init --scale 5");
        assert!(
            open_to_others.is_empty(),
            "run {run}: seen readable by others: {open_to_others:?}"
        );
        for (name, mode) in files_in(dir.path()) {
            assert_eq!(mode, 0o600, "{name}");
        }
    }
    println!("{looks} looks at the folders");

    // Where strace is installed, the same is checked exactly: every file
    // created in the folder is asked for with an owner-only mode.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("w.latchkey");
    let log = dir.path().join("strace.log");
    let traced = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=open,openat,creat", "-o"])
        .arg(&log)
        .arg(BIN)
        .args(with_workspace(&path, &["init", "--scale", "5"]))
        .env("LATCHKEY_NO_KEYRING", "1")
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .output();
    match traced {
        Ok(out) if out.status.success() => {
            let log = std::fs::read_to_string(&log).unwrap();
            let folder = dir.path().to_str().unwrap();
            let created: Vec<&str> = log
                .lines()
                .filter(|l| l.contains("O_CREAT") && l.contains(folder))
                .collect();
            assert!(!created.is_empty(), "nothing created? {log}");
            for line in created {
                let mode = line
                    .rsplit_once(", 0")
                    .and_then(|(_, rest)| rest.split(')').next())
                    .and_then(|m| u32::from_str_radix(m, 8).ok())
                    .unwrap_or_else(|| panic!("no mode in {line}"));
                assert_eq!(mode & 0o077, 0, "created open to others: {line}");
            }
        }
        other => println!("strace cannot run here ({other:?}); the watcher above is the check"),
    }
}

/// Issue 10, item 6: a key file that others may read is refused, with the
/// reason and the fix; nothing calls it private.
#[test]
fn a_key_file_others_can_read_is_refused() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("w.latchkey");
    assert_ok(&on(dir.path(), &path, &["init", "--scale", "5"]), "init");
    let key = sibling(&path, ".key");
    for mode in [0o644, 0o640, 0o604] {
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = on(dir.path(), &path, &["status"]);
        assert!(
            !text(&out).contains("private file"),
            "mode {mode:o}: {}",
            text(&out)
        );
        let line = one_line_error(&out, &format!("status with a key file of mode {mode:o}"));
        assert!(
            line.contains("other users") && line.contains("chmod 600"),
            "{line}"
        );
    }
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = on(dir.path(), &path, &["status"]);
    assert_ok(&out, "status with a private key file");
    assert!(text(&out).contains("private file"), "{}", text(&out));
}

/// Makes a folder read-only for everyone, root included, until dropped: a
/// read-only bind mount of it onto itself, or else the immutable attribute.
struct ReadOnlyFolder {
    dir: PathBuf,
    how: &'static str,
}

impl ReadOnlyFolder {
    fn make(dir: &Path) -> Result<ReadOnlyFolder, String> {
        let run = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .arg(dir)
                .output()
                .map_err(|e| format!("{program}: {e}"))
                .and_then(|out| {
                    if out.status.success() {
                        Ok(())
                    } else {
                        Err(format!("{program} {args:?}: {}", text(&out).trim()))
                    }
                })
        };
        let source = dir.to_str().unwrap_or_default();
        let bind = run("mount", &["--bind", source]).and_then(|()| {
            // The dir is its own mount point now; remount it read-only.
            run("mount", &["-o", "remount,bind,ro"]).inspect_err(|_| {
                let _ = run("umount", &[]);
            })
        });
        let folder = match bind {
            Ok(()) => ReadOnlyFolder {
                dir: dir.to_path_buf(),
                how: "bind",
            },
            Err(bind_failed) => match run("chattr", &["+i"]) {
                Ok(()) => ReadOnlyFolder {
                    dir: dir.to_path_buf(),
                    how: "chattr",
                },
                Err(chattr_failed) => return Err(format!("{bind_failed}; {chattr_failed}")),
            },
        };
        // Root ignores permission bits but not these: check that it holds.
        if std::fs::write(dir.join("probe"), b"x").is_ok() {
            let _ = std::fs::remove_file(dir.join("probe"));
            return Err("the folder is still writable".into());
        }
        Ok(folder)
    }
}

impl Drop for ReadOnlyFolder {
    fn drop(&mut self) {
        let (program, args): (&str, &[&str]) = match self.how {
            "bind" => ("umount", &[]),
            _ => ("chattr", &["-i"]),
        };
        let _ = Command::new(program).args(args).arg(&self.dir).status();
    }
}

/// Issue 10, item 6: in a read-only folder `status` and `audit verify` still
/// work and leave no SQLite companion files; signing in says in words why it
/// cannot work there.
#[test]
fn a_read_only_folder_is_inspected_and_sign_in_says_why_not() {
    let top = TempDir::new().unwrap();
    let dir = top.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("w.latchkey");
    assert_ok(&on(top.path(), &path, &["init", "--scale", "5"]), "init");
    let before = names_in(&dir);
    let folder = match ReadOnlyFolder::make(&dir) {
        Ok(folder) => folder,
        Err(reason) => {
            println!("skipped: cannot make a folder read-only here ({reason})");
            return;
        }
    };
    println!("read-only by {}", folder.how);

    let status = on(top.path(), &path, &["status"]);
    assert_ok(&status, "status in a read-only folder");
    assert!(text(&status).contains("Users: 221"), "{}", text(&status));
    assert!(text(&status).contains("read-only"), "{}", text(&status));
    let verify = on(top.path(), &path, &["audit", "verify"]);
    assert_ok(&verify, "audit verify in a read-only folder");
    assert!(text(&verify).contains("intact"), "{}", text(&verify));

    let keyring = NoKeyring::new("no keyring in tests");
    let mut workspace = Workspace::open_file(&path, &keyring, HashCost::Minimal).unwrap();
    let err = workspace.sign_in("admin", "demo", NOW).err().unwrap();
    let message = err.to_string();
    assert!(
        message.contains("read-only") && message.contains("sign"),
        "{message}"
    );
    drop(workspace);
    drop(folder);
    assert_eq!(
        names_in(&dir),
        before,
        "nothing was left beside the workspace"
    );
}

/// Issue 10, item 6: a folder given as the workspace is called a folder, and a
/// truncated workspace file is damaged, not "not a Latchkey workspace".
#[test]
fn a_folder_or_a_truncated_file_is_named_for_what_it_is() {
    let dir = TempDir::new().unwrap();
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    for args in [
        &["status"][..],
        &["audit", "verify"][..],
        &["init", "--demo"][..],
    ] {
        let line = one_line_error(&on(dir.path(), &folder, args), "a folder");
        assert!(line.contains("is a folder"), "{args:?}: {line}");
        assert!(!line.contains("no workspace at"), "{args:?}: {line}");
    }

    let original = dir.path().join("w.latchkey");
    assert_ok(
        &on(dir.path(), &original, &["init", "--scale", "300"]),
        "init",
    );
    let bytes = std::fs::read(&original).unwrap();
    let key = std::fs::read(sibling(&original, ".key")).unwrap();
    for len in [20, 100, 1000, 4096, bytes.len() / 2, bytes.len() - 4096] {
        let path = dir.path().join(format!("cut-{len}.latchkey"));
        std::fs::write(&path, &bytes[..len]).unwrap();
        std::fs::write(sibling(&path, ".key"), &key).unwrap();
        std::fs::set_permissions(
            sibling(&path, ".key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        for args in [&["status"][..], &["audit", "verify"][..]] {
            let out = on(dir.path(), &path, args);
            let said = text(&out);
            assert!(!out.status.success(), "{args:?} on {len} bytes: {said}");
            assert!(said.contains("damaged"), "{args:?} on {len} bytes: {said}");
            assert!(
                !said.contains("not a Latchkey workspace"),
                "{args:?} on {len} bytes: {said}"
            );
        }
    }
}

/// Issue 10, item 1: the window's first start names what an interrupted
/// creation left, and creating the workspace there removes it.
#[test]
fn first_start_names_and_removes_an_unfinished_creation() {
    use latchkey::app::view::intent::StartIntent;
    use latchkey::app::{AppEnv, AppOptions, LatchkeyApp, Screen, WorkspaceSource};
    use latchkey::domain::clock::FixedClock;
    use latchkey::platform::keyring::MemoryKeyring;
    use latchkey::platform::launcher::RecordingLauncher;

    let dir = TempDir::new().unwrap();
    let path = dir.path().join("w.latchkey");
    // What a creation killed mid-way leaves: its temporary files, unlocked.
    for name in [
        ".w.latchkey.creating-0a1b2c",
        ".w.latchkey.creating-0a1b2c-journal",
    ] {
        std::fs::write(dir.path().join(name), b"").unwrap();
    }
    let env = AppEnv {
        clock: Arc::new(FixedClock::new(NOW)),
        keyring: Arc::new(MemoryKeyring::default()),
        launcher: Arc::new(RecordingLauncher::default()),
        clipboard: Arc::new(MemoryClipboard::default()),
        hash_cost: HashCost::Minimal,
        witness: Arc::new(MemoryWitness::default()),
        notifier: Arc::new(latchkey::platform::notifier::MemoryNotifier::available(
            latchkey::platform::notifier::Capabilities::ALL,
        )),
    };
    let mut app = LatchkeyApp::new(
        env,
        AppOptions {
            source: WorkspaceSource::File(path.clone()),
            user: None,
            demo: false,
        },
    );
    assert!(matches!(app.screen, Screen::FirstStart));
    let notice = app.first_start.notice.clone().unwrap();
    assert!(notice.contains("did not finish"), "{notice}");

    app.apply(&StartIntent::CreateDemoWorkspace.into());
    assert!(
        matches!(app.screen, Screen::SignIn(_)),
        "{:?}",
        app.first_start.errors
    );
    assert_eq!(app.first_start.notice, None);
    let left: Vec<String> = names_in(dir.path())
        .into_iter()
        .filter(|name| name.contains(".creating-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(path.exists());
}

/// Issue 10, item 1: a key file whose workspace was moved away is the only
/// copy of that workspace's key. A new `init` at the old path refuses and
/// says why; it never removes the key (which would make the moved workspace
/// unreadable for ever).
#[test]
fn a_key_left_by_a_moved_workspace_is_never_removed_by_the_next_init() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("w.latchkey");
    assert_ok(&on(dir.path(), &path, &["init", "--scale", "20"]), "init");
    let moved = dir.path().join("moved.latchkey");
    std::fs::rename(&path, &moved).unwrap();
    let key = std::fs::read(dir.path().join("w.latchkey.key")).unwrap();

    let again = on(dir.path(), &path, &["init", "--scale", "20"]);
    assert!(!again.status.success(), "{}", text(&again));
    let line = one_line_error(&again, "init beside a foreign key file");
    assert!(line.contains("key file already exists"), "{line}");
    assert_eq!(
        std::fs::read(dir.path().join("w.latchkey.key")).unwrap(),
        key,
        "the key is kept"
    );
    // Put beside its workspace again, the key still opens it.
    std::fs::rename(
        dir.path().join("w.latchkey.key"),
        dir.path().join("moved.latchkey.key"),
    )
    .unwrap();
    assert_ok(
        &on(dir.path(), &moved, &["status"]),
        "the moved workspace opens",
    );
}
