//! Frame time of the window with a large workspace: CPU time per frame
//! (median, p99) with the vault tree idle, scrolled and filtered, plus the
//! tree model's own operations on every entry of the workspace at once.
//!
//! Run: `cargo bench --bench frames` (N = 100,000 entries by default; set
//! `LATCHKEY_BENCH_N` to change it). The scale workspace is the one
//! `benches/workspace.rs` caches under `target/bench/` (generated here if
//! missing) and is copied for each run. The window is driven headless by
//! `egui_kittest` at 1280×800 with a fixed clock, so no countdown repaint or
//! clock tick lands in a measured frame.
//!
//! Columns: `frame` is the wall time of one `Harness::step` (the egui pass,
//! the app's `logic` and `ui`, and the test harness's AccessKit bookkeeping);
//! `app` is the part spent in the app's `logic` and `ui` (drawing the
//! widgets and applying the frame's intents); `tessellate` is turning the
//! frame's shapes into triangles, which a real window does next. The
//! benchmark is single-threaded and does no I/O in measured frames, so wall
//! time is CPU time.

use egui::accesskit::Role;
use egui::{Event, Key, Modifiers, MouseWheelSource, MouseWheelUnit, TouchPhase, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use latchkey::app::view::intent::{RequestsIntent, SearchIntent, VaultIntent};
use latchkey::app::view::requests_table::{Column, RequestsTable};
use latchkey::app::view::tree::TreeModel;
use latchkey::app::{AppEnv, AppOptions, LatchkeyApp, MainState, Screen, WorkspaceSource};
use latchkey::domain::Timestamp;
use latchkey::domain::access::VaultAccess;
use latchkey::domain::clock::{Clock, FixedClock};
use latchkey::domain::entry::{Entry, EntryKind};
use latchkey::domain::request::Phase;
use latchkey::platform::clipboard::MemoryClipboard;
use latchkey::platform::clock::SystemClock;
use latchkey::platform::keyfile::key_file_for;
use latchkey::platform::keyring::NoKeyring;
use latchkey::platform::launcher::RecordingLauncher;
use latchkey::platform::witness::MemoryWitness;
use latchkey::service::{HashCost, KeyOptions, Workspace};
use latchkey::store::sqlite::SqliteStore;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Frames per scenario.
const FRAMES: usize = 300;
/// How far the tree scrolls each frame: 13 rows of 23 pt (20 pt and the item
/// spacing), about a third of the visible list.
const SCROLL_POINTS: f32 = 300.0;
/// Typed into the filter one character a frame, then deleted the same way.
const TYPED_FILTER: &str = "rdp-0001";
/// Typed into search everywhere the same way: the first letter matches
/// nearly every entry of every vault.
const TYPED_SEARCH: &str = "ssh-0123";

mod common;

use common::{Result, fmt, quantile, remove_workspace};

fn main() {
    if let Err(error) = run() {
        eprintln!("benchmark failed: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let now = SystemClock.now();
    let (n, work) = common::working_copy("frames", now)?;

    println!("workspace: {n} entries in 5 vaults; window 1280×800\n");
    model_benchmarks(&work, now)?;
    println!();
    window_benchmarks(&work, now)?;
    remove_workspace(&work);
    Ok(())
}

// ---------------------------------------------------------------------------
// The tree model alone, on every entry of the workspace.

#[expect(
    clippy::too_many_lines,
    reason = "the benchmark's steps in the order they run"
)]
fn model_benchmarks(work: &Path, now: Timestamp) -> Result<()> {
    let keyring = NoKeyring::new("benchmark");
    let keys = KeyOptions {
        keyring: &keyring,
        key_file: Some(key_file_for(work)),
    };
    let mut ws = Workspace::open(Box::new(SqliteStore::open(work)?), &keys, HashCost::Minimal)?;
    let user = ws.sign_in("user001", "demo", now)?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut access = VaultAccess::default();
    for vault in ws.vaults(&user, now)? {
        entries.extend(ws.entries(&user, vault.id, now)?);
        // One access for all five vaults: their standing permissions and grants together.
        let part = ws.vault_access(&user, vault.id, now)?;
        access.allow_reveal_password = part.allow_reveal_password;
        access.standing.extend(part.standing);
        access.grants.extend(part.grants);
    }
    drop(ws);
    let folders = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Folder)
        .count();
    println!(
        "tree model of all vaults together: {} entries ({folders} folders), {} grants of user001",
        entries.len(),
        access.grants.values().map(Vec::len).sum::<usize>()
    );
    println!(
        "{:<52} {:>6} {:>8} {:>10} {:>10}",
        "operation", "runs", "rows", "median", "p99"
    );

    let mut model = TreeModel::new(entries.clone());
    let mut samples = Vec::new();
    for _ in 0..20 {
        let copy = entries.clone();
        let started = Instant::now();
        let built = TreeModel::new(copy);
        samples.push(started.elapsed());
        drop(built);
    }
    print_op(
        "TreeModel::new (top folders open)",
        &samples,
        model.rows().len(),
    );

    let filter = |model: &mut TreeModel, name: &str, text: &str| {
        let mut samples = Vec::new();
        for _ in 0..50 {
            model.set_filter("zz-no-match");
            let started = Instant::now();
            model.set_filter(text);
            samples.push(started.elapsed());
        }
        print_op(name, &samples, model.rows().len());
    };
    filter(&mut model, "set_filter(\"-\"): every entry matches", "-");
    filter(
        &mut model,
        "set_filter(\"rdp-0001\"): a few match",
        "rdp-0001",
    );
    filter(
        &mut model,
        "set_filter(\"zz-no-match\" → \"zz-no-matc\")",
        "zz-no-matc",
    );
    filter(&mut model, "set_filter(\"\"): top folders open", "");

    let closed: Vec<_> = model
        .rows()
        .iter()
        .filter(|r| r.has_children && !r.is_expanded)
        .map(|r| model.row_entry(r).id)
        .collect();
    let mut samples = Vec::new();
    for id in &closed {
        let started = Instant::now();
        model.toggle(*id);
        samples.push(started.elapsed());
    }
    print_op(
        "toggle a folder open, one by one until all are",
        &samples,
        model.rows().len(),
    );
    filter(&mut model, "set_filter(\"\"): all folders open", "");

    let mut samples = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        model.refresh_locks(&access, now);
        samples.push(started.elapsed());
    }
    let locked = model
        .rows()
        .iter()
        .filter(|r| model.row_is_locked(r))
        .count();
    print_op(
        &format!("refresh_locks as user001 ({locked} locked)"),
        &samples,
        model.rows().len(),
    );
    Ok(())
}

fn print_op(name: &str, samples: &[Duration], rows: usize) {
    let mut sorted = samples.to_vec();
    sorted.sort();
    println!(
        "{name:<52} {:>6} {rows:>8} {:>10} {:>10}",
        sorted.len(),
        fmt(quantile(&sorted, 0.5)),
        fmt(quantile(&sorted, 0.99))
    );
}

// ---------------------------------------------------------------------------
// The whole window.

/// The app, with the time spent in its `logic` and `ui` noted per frame.
struct Timed {
    app: LatchkeyApp,
    this_frame: Duration,
    frames: Vec<Duration>,
}

impl eframe::App for Timed {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        let started = Instant::now();
        self.app.logic(ctx, frame);
        self.this_frame = started.elapsed();
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let started = Instant::now();
        self.app.ui(ui, frame);
        let total = self.this_frame + started.elapsed();
        self.frames.push(total);
    }
}

impl Timed {
    fn main(&self) -> Option<&MainState> {
        match &self.app.screen {
            Screen::Main(main) => Some(main),
            _ => None,
        }
    }
}

/// Per-frame samples of one scenario.
#[derive(Default)]
struct Samples {
    frame: Vec<Duration>,
    app: Vec<Duration>,
    tessellate: Vec<Duration>,
    rows: Vec<usize>,
}

fn window_benchmarks(work: &Path, now: Timestamp) -> Result<()> {
    println!(
        "{:<52} {:>6} {:>13} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "window scenario",
        "frames",
        "rows",
        "frame med",
        "frame p99",
        "app med",
        "app p99",
        "tess med"
    );
    for user in ["user001", "admin"] {
        let mut h = signed_in(work, user, now)?;
        let vault = h
            .state()
            .main()
            .and_then(|m| m.view.vaults.iter().find(|v| Some(v.id) == m.view.vault))
            .map(|v| v.name.clone())
            .unwrap_or_default();
        let label = |what: &str| format!("{user}, {vault}: {what}");

        let s = measure(&mut h, FRAMES, |_| {});
        print_scenario(&label("idle, top folders open"), &s);

        expand_all(&mut h);
        let s = measure(&mut h, FRAMES, |_| {});
        print_scenario(&label("idle, all folders open"), &s);

        // Scrolling: the pointer over the tree, a trackpad gesture moving it
        // by SCROLL_POINTS each frame (trackpad deltas are applied at once,
        // not smoothed over later frames).
        let before = first_item_label(&h);
        let tree_at = egui::pos2(150.0, 400.0);
        h.input_mut()
            .events
            .extend([Event::PointerMoved(tree_at), wheel(TouchPhase::Start, 0.0)]);
        h.step();
        let s = measure(&mut h, FRAMES, |input| {
            input.events.push(wheel(TouchPhase::Move, -SCROLL_POINTS));
        });
        let after = first_item_label(&h);
        print_scenario(&label("scroll 300 pt (13 rows) a frame"), &s);
        let (from, to) = (
            row_named(&h, before.as_deref()),
            row_named(&h, after.as_deref()),
        );
        println!(
            "  first item row drawn: {} before, {} after",
            from.map_or("?".into(), |r| r.to_string()),
            to.map_or("?".into(), |r| r.to_string())
        );
        h.input_mut().events.push(wheel(TouchPhase::End, 0.0));
        h.step();

        if user == "user001" {
            filter_scenarios(&mut h, &label);
        } else {
            requests_window_scenarios(&mut h, &label);
            search_scenarios(&mut h, &|what: &str| format!("{user}: {what}"));
        }
    }
    Ok(())
}

/// The "Temporary access requests" window (issue #4): an administrator sees
/// every request. Loading it, frames with it open (idle and scrolled), and
/// re-sorting and re-filtering every row, which happen on a click, not per frame.
fn requests_window_scenarios(h: &mut Harness<'_, Timed>, label: &dyn Fn(&str) -> String) {
    let started = Instant::now();
    h.state_mut().app.apply(&RequestsIntent::Open.into());
    let loaded = started.elapsed();
    h.run_steps(2);
    let total = requests_table(h).map_or(0, RequestsTable::total);
    println!(
        "{:<52} {:>6} {:>13} {:>10}",
        label("open the requests window (load)"),
        1,
        total,
        fmt(loaded)
    );

    let s = measure(h, FRAMES, |_| {});
    print_scenario(&label("requests window open, idle"), &s);
    let table_at = egui::pos2(500.0, 350.0);
    h.input_mut()
        .events
        .extend([Event::PointerMoved(table_at), wheel(TouchPhase::Start, 0.0)]);
    h.step();
    let s = measure(h, FRAMES, |input| {
        input.events.push(wheel(TouchPhase::Move, -SCROLL_POINTS));
    });
    print_scenario(&label("requests window, scroll 300 pt a frame"), &s);
    h.input_mut().events.push(wheel(TouchPhase::End, 0.0));
    h.step();

    println!(
        "{:<52} {:>6} {:>8} {:>10} {:>10}",
        "requests table (all rows)", "runs", "rows", "median", "p99"
    );
    for column in Column::ALL {
        let mut samples = Vec::new();
        for _ in 0..10 {
            let Some(table) = requests_table_mut(h) else {
                return;
            };
            let started = Instant::now();
            table.sort_by(column);
            samples.push(started.elapsed());
        }
        let rows = requests_table(h).map_or(0, RequestsTable::len);
        print_op(&format!("re-sort by {}", column.title()), &samples, rows);
    }
    for (what, text, status) in [
        ("re-filter: text \"ticket ops-12\"", "ticket ops-12", None),
        ("re-filter: status Pending", "", Some(Phase::Pending)),
        ("re-filter: cleared", "", None),
    ] {
        let mut samples = Vec::new();
        for _ in 0..10 {
            let Some(table) = requests_table_mut(h) else {
                return;
            };
            text.clone_into(&mut table.text_filter);
            table.status_filter = status;
            let started = Instant::now();
            table.filters_changed();
            samples.push(started.elapsed());
        }
        let rows = requests_table(h).map_or(0, RequestsTable::len);
        print_op(what, &samples, rows);
    }
}

fn requests_table<'a>(h: &'a Harness<'_, Timed>) -> Option<&'a RequestsTable> {
    h.state().main()?.view.requests_table.as_ref()
}

fn requests_table_mut<'a>(h: &'a mut Harness<'_, Timed>) -> Option<&'a mut RequestsTable> {
    match &mut h.state_mut().app.screen {
        Screen::Main(main) => main.view.requests_table.as_mut(),
        _ => None,
    }
}

fn filter_scenarios(h: &mut Harness<'_, Timed>, label: &dyn Fn(&str) -> String) {
    h.get_by_label("Filter").click();
    h.run_steps(2);

    // Type "rdp-0001" a character a frame, then delete it the same way.
    let mut edits: Vec<Event> = TYPED_FILTER
        .chars()
        .map(|c| Event::Text(c.to_string()))
        .collect();
    edits.extend(TYPED_FILTER.chars().map(|_| backspace()));
    // Whole cycles, so the filter ends empty.
    let frames = FRAMES.div_ceil(edits.len()) * edits.len();
    let mut k = 0;
    let s = measure(h, frames, |input| {
        input.events.push(edits[k % edits.len()].clone());
        if matches!(input.events.last(), Some(Event::Key { .. })) {
            input.events.push(release(Key::Backspace));
        }
        k += 1;
    });
    print_scenario(&label("filter: type/delete \"rdp-0001\""), &s);
    check_filter(h, "");

    // Every item name contains "-", so this filter keeps every row: the
    // worst case for the rebuild, all rows before and after.
    let mut typed = false;
    let s = measure(h, FRAMES, |input| {
        if typed {
            input.events.push(backspace());
            input.events.push(release(Key::Backspace));
        } else {
            input.events.push(Event::Text("-".into()));
        }
        typed = !typed;
    });
    print_scenario(&label("filter: \"\" ↔ \"-\" (all rows match)"), &s);
    check_filter(h, "");
}

/// Search everywhere (issue 14) as the administrator, a member of every
/// vault: opening it reads every vault into its index (once, on the click);
/// then each frame carries one keystroke, and the results are drawn in the
/// frame that carries it, so the frame time is "last key → results on
/// screen".
fn search_scenarios(h: &mut Harness<'_, Timed>, label: &dyn Fn(&str) -> String) {
    let search = |h: &Harness<'_, Timed>| h.state().main().and_then(|m| m.view.search.clone());
    let started = Instant::now();
    h.state_mut().app.apply(&SearchIntent::Open.into());
    let opened = started.elapsed();
    // The index is read on its own thread; the window keeps drawing frames.
    let mut frames = 0;
    while search(h).is_some_and(|s| s.reading_vaults.is_some()) {
        std::thread::sleep(Duration::from_millis(1));
        h.step();
        frames += 1;
    }
    let indexed = started.elapsed();
    let entries = search(h).map_or(0, |s| s.len());
    println!(
        "{:<52} {:>6} {:>13} {:>10}",
        label("search: open (the click's frame)"),
        1,
        "",
        fmt(opened)
    );
    println!(
        "{:<52} {:>6} {:>13} {:>10}",
        label("search: index of every vault read, off-thread"),
        frames,
        entries,
        fmt(indexed)
    );

    let mut edits: Vec<Event> = TYPED_SEARCH
        .chars()
        .map(|c| Event::Text(c.to_string()))
        .collect();
    edits.extend(TYPED_SEARCH.chars().map(|_| backspace()));
    let frames = FRAMES.div_ceil(edits.len()) * edits.len();
    let mut k = 0;
    let s = measure(h, frames, |input| {
        input.events.push(edits[k % edits.len()].clone());
        if matches!(input.events.last(), Some(Event::Key { .. })) {
            input.events.push(release(Key::Backspace));
        }
        k += 1;
    });
    print_scenario(
        &label("search: type/delete \"ssh-0123\", a key a frame"),
        &s,
    );

    // The worst case: one letter that nearly every entry has, and back.
    let mut typed = false;
    let s = measure(h, FRAMES, |input| {
        if typed {
            input.events.push(backspace());
            input.events.push(release(Key::Backspace));
        } else {
            input.events.push(Event::Text("s".into()));
        }
        typed = !typed;
    });
    h.step();
    let query = h
        .state()
        .main()
        .and_then(|m| m.view.search.as_ref())
        .map(|search| search.query.clone());
    print_scenario(&label("search: \"\" ↔ \"s\" (nearly all match)"), &s);
    if query.as_deref() != Some("") {
        println!("  warning: the search query is {query:?}, expected \"\"");
    }
    h.state_mut().app.apply(&SearchIntent::Close.into());
    h.run_steps(2);
}

fn check_filter(h: &Harness<'_, Timed>, expected: &str) {
    let filter = h.state().main().map(|m| m.view.tree.filter().to_owned());
    if filter.as_deref() != Some(expected) {
        println!("  warning: the filter is {filter:?}, expected {expected:?}");
    }
}

fn wheel(phase: TouchPhase, dy: f32) -> Event {
    Event::MouseWheel {
        unit: MouseWheelUnit::Point,
        delta: Vec2::new(0.0, dy),
        phase,
        source: MouseWheelSource::Trackpad,
        modifiers: Modifiers::NONE,
    }
}

fn backspace() -> Event {
    Event::Key {
        key: Key::Backspace,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::NONE,
    }
}

fn release(key: Key) -> Event {
    Event::Key {
        key,
        physical_key: None,
        pressed: false,
        repeat: false,
        modifiers: Modifiers::NONE,
    }
}

/// A window signed in as `user` (password "demo"), showing its first vault.
fn signed_in(work: &Path, user: &str, now: Timestamp) -> Result<Harness<'static, Timed>> {
    let env = AppEnv {
        clock: Arc::new(FixedClock::new(now)),
        // No keyring: the app falls back to the key file beside the workspace.
        keyring: Arc::new(NoKeyring::new("benchmark")),
        launcher: Arc::new(RecordingLauncher::default()),
        clipboard: Arc::new(MemoryClipboard::default()),
        hash_cost: HashCost::Minimal,
        witness: Arc::new(MemoryWitness::default()),
        notifier: Arc::new(latchkey::platform::notifier::MemoryNotifier::available(
            latchkey::platform::notifier::Capabilities::ALL,
        )),
    };
    let options = AppOptions {
        source: WorkspaceSource::File(work.to_path_buf()),
        user: Some(user.to_owned()),
        demo: false,
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|_cc| Timed {
            app: LatchkeyApp::new(env, options),
            this_frame: Duration::ZERO,
            frames: Vec::new(),
        });
    h.run_steps(2);
    if let Screen::Unavailable(reason) = &h.state().app.screen {
        return Err(format!("the workspace cannot be opened: {reason}").into());
    }
    h.get_by_label("Password").type_text("demo");
    h.step();
    h.state_mut().frames.clear();
    let started = Instant::now();
    h.get_by_label("Sign in").click();
    h.step();
    let elapsed = started.elapsed();
    let Some(main) = h.state().main() else {
        return Err(format!("{user} is not signed in: {:?}", h.state().app.sign_in.error).into());
    };
    let rows = main.view.tree.rows().len();
    let entries = main.view.tree.len();
    let slowest = h.state().frames.iter().max().copied().unwrap_or_default();
    println!(
        "{:<52} {:>6} {rows:>13} {:>10} {:>10} {:>10} {:>10}",
        format!("{user}: sign in, load first vault ({entries} entries)"),
        h.state().frames.len(),
        fmt(elapsed),
        "",
        fmt(slowest),
        "",
    );
    // Settle: the first frames after signing in start the watcher and tick.
    h.run_steps(3);
    Ok(h)
}

/// Opens every folder of the shown vault, through the same intent a click sends.
fn expand_all(h: &mut Harness<'_, Timed>) {
    loop {
        let closed: Vec<_> = h
            .state()
            .main()
            .map(|m| {
                m.view
                    .tree
                    .rows()
                    .iter()
                    .filter(|r| r.has_children && !r.is_expanded)
                    .map(|r| m.view.tree.row_entry(r).id)
                    .collect()
            })
            .unwrap_or_default();
        if closed.is_empty() {
            break;
        }
        for id in closed {
            h.state_mut()
                .app
                .apply(&VaultIntent::ToggleFolder(id).into());
        }
    }
    h.run_steps(2);
}

/// The accessible label of the first item row drawn ("rdp-000123", with
/// " (locked)" when locked).
fn first_item_label(h: &Harness<'_, Timed>) -> Option<String> {
    h.query_all_by_role(Role::Button)
        .filter_map(|node| node.accesskit_node().label())
        .find(|label| {
            let name = label.trim_end_matches(" (locked)");
            name.rsplit_once('-').is_some_and(|(kind, number)| {
                !kind.contains(' ')
                    && number.len() == 6
                    && number.bytes().all(|b| b.is_ascii_digit())
            })
        })
}

/// The index among the visible rows of the entry named by an accessible label.
fn row_named(h: &Harness<'_, Timed>, label: Option<&str>) -> Option<usize> {
    let name = label?.trim_end_matches(" (locked)");
    let tree = &h.state().main()?.view.tree;
    tree.rows()
        .iter()
        .position(|r| tree.row_entry(r).name == name)
}

/// Runs `frames` frames, calling `input` before each to queue its events,
/// and times each.
fn measure(
    h: &mut Harness<'_, Timed>,
    frames: usize,
    mut input: impl FnMut(&mut egui::RawInput),
) -> Samples {
    let mut s = Samples::default();
    for _ in 0..frames {
        input(h.input_mut());
        h.state_mut().frames.clear();
        let started = Instant::now();
        h.step();
        s.frame.push(started.elapsed());
        s.app.push(h.state().frames.iter().sum::<Duration>());
        let shapes = h.output().shapes.clone();
        let pixels_per_point = h.ctx.pixels_per_point();
        let started = Instant::now();
        let primitives = h.ctx.tessellate(shapes, pixels_per_point);
        s.tessellate.push(started.elapsed());
        drop(primitives);
        s.rows
            .push(h.state().main().map_or(0, |m| m.view.tree.rows().len()));
    }
    s
}

fn print_scenario(name: &str, s: &Samples) {
    let sorted = |v: &[Duration]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    let (frame, app, tess) = (sorted(&s.frame), sorted(&s.app), sorted(&s.tessellate));
    let lo = s.rows.iter().min().copied().unwrap_or_default();
    let hi = s.rows.iter().max().copied().unwrap_or_default();
    let rows = if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}–{hi}")
    };
    println!(
        "{name:<52} {:>6} {rows:>13} {:>10} {:>10} {:>10} {:>10} {:>10}",
        s.frame.len(),
        fmt(quantile(&frame, 0.5)),
        fmt(quantile(&frame, 0.99)),
        fmt(quantile(&app, 0.5)),
        fmt(quantile(&app, 0.99)),
        fmt(quantile(&tess, 0.5)),
    );
}

// ---------------------------------------------------------------------------
