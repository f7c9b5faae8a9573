//! Work too long for a frame (reading a KeePass database, importing 100,000
//! entries, waiting on a file dialog) runs on a thread of its own; the window
//! keeps drawing, shows the progress the work reports, and picks the result up
//! on the frame after it is ready. The thread wakes the window each time it
//! reports.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};

/// What a running job has reported: `done` of `total`.
#[derive(Default)]
struct Counts {
    done: AtomicUsize,
    total: AtomicUsize,
}

/// Handed to the work, to report how far it got.
pub struct Progress {
    counts: Arc<Counts>,
    wake: Option<egui::Context>,
}

impl Progress {
    /// `done` of `total` are done; the window redraws its progress bar.
    pub fn report(&self, done: usize, total: usize) {
        self.counts.total.store(total, Ordering::Relaxed);
        self.counts.done.store(done, Ordering::Relaxed);
        if let Some(ctx) = &self.wake {
            ctx.request_repaint();
        }
    }
}

/// A piece of work running on its own thread, ending with a `T`.
pub struct Job<T> {
    counts: Arc<Counts>,
    result: Receiver<T>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a thread named `name`; `wake`, when there is a
    /// window, is asked to redraw on each report and at the end. Fails only
    /// when the system cannot start a thread.
    pub fn start(
        name: &str,
        wake: Option<egui::Context>,
        work: impl FnOnce(&Progress) -> T + Send + 'static,
    ) -> std::io::Result<Job<T>> {
        let counts = Arc::new(Counts::default());
        let (sender, result) = mpsc::channel();
        let progress = Progress {
            counts: Arc::clone(&counts),
            wake,
        };
        std::thread::Builder::new()
            .name(format!("latchkey-{name}"))
            .spawn(move || {
                let value = work(&progress);
                // The window may be gone (signed out): then nobody waits.
                let _ = sender.send(value);
                if let Some(ctx) = &progress.wake {
                    ctx.request_repaint();
                }
            })?;
        Ok(Job { counts, result })
    }

    /// `(done, total)` as last reported.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.counts.done.load(Ordering::Relaxed),
            self.counts.total.load(Ordering::Relaxed),
        )
    }

    /// The result, once the work has finished; `None` while it runs.
    pub fn try_finish(&self) -> Option<T> {
        // Empty (still running) or disconnected (the thread died): no result.
        self.result.try_recv().ok()
    }

    /// Waits for the result.
    #[cfg(test)]
    pub fn wait(self) -> Option<T> {
        self.result.recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_and_the_last_progress_reach_the_window() {
        let job = Job::start("test", None, |progress| {
            progress.report(3, 10);
            42
        })
        .expect("a thread");
        let value = job.result.recv().ok();
        assert_eq!(value, Some(42));
        assert_eq!(job.progress(), (3, 10));
        assert_eq!(job.try_finish(), None, "a result is handed over once");
    }

    #[test]
    fn a_running_job_has_no_result_yet() {
        let (release, gate) = mpsc::channel::<()>();
        let job = Job::start("test", None, move |_| gate.recv().is_ok()).expect("a thread");
        assert_eq!(job.try_finish(), None);
        release.send(()).ok();
        assert_eq!(job.wait(), Some(true));
    }
}
