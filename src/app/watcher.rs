//! Notices other processes' commits (R-DATA-2) without running SQL on the UI
//! thread's frames: a background thread asks `PRAGMA data_version` on its own
//! read-only connection a few times a second, and wakes the window only when
//! the number changes.

use crate::store::ChangeProbe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the probe looks; well under R-DATA-2's one second.
const PROBE_EVERY: Duration = Duration::from_millis(250);

/// Runs until dropped.
pub struct ChangeWatcher {
    changed: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ChangeWatcher {
    /// Starts watching; `ctx` is woken on every change.
    pub fn start(mut probe: Box<dyn ChangeProbe>, ctx: egui::Context) -> ChangeWatcher {
        let changed = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (changed_flag, stop_flag) = (Arc::clone(&changed), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("latchkey-change-watcher".into())
            .spawn(move || {
                let mut last = probe.data_version().ok();
                while !stop_flag.load(Ordering::Relaxed) {
                    std::thread::sleep(PROBE_EVERY);
                    // A busy or failing probe just tries again next time.
                    let Ok(version) = probe.data_version() else {
                        continue;
                    };
                    if last != Some(version) {
                        last = Some(version);
                        changed_flag.store(true, Ordering::Release);
                        ctx.request_repaint();
                    }
                }
            })
            .ok();
        ChangeWatcher {
            changed,
            stop,
            thread,
        }
    }

    /// Whether anyone committed since the last call.
    pub fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::Acquire)
    }
}

impl Drop for ChangeWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
