//! Starting the system's program for a connection (R-DSK-5).

use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Starts a program with arguments, without waiting for it.
pub trait Launcher: Send + Sync {
    /// Starts `argv[0]` with the rest as arguments; `Err` says why it could not.
    fn launch(&self, argv: &[String]) -> Result<(), String>;
}

/// Starts real programs, detached from Latchkey's terminal.
#[derive(Debug, Default)]
pub struct SystemLauncher;

impl Launcher for SystemLauncher {
    fn launch(&self, argv: &[String]) -> Result<(), String> {
        let (program, args) = argv.split_first().ok_or("nothing to launch")?;
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| format!("cannot start {program}: {e}"))
    }
}

/// Records what would be launched (tests).
#[derive(Debug, Default)]
pub struct RecordingLauncher {
    /// Every launch, in order.
    pub launched: Mutex<Vec<Vec<String>>>,
}

impl Launcher for RecordingLauncher {
    fn launch(&self, argv: &[String]) -> Result<(), String> {
        self.launched
            .lock()
            .map_err(|_| "launcher lock poisoned".to_owned())?
            .push(argv.to_vec());
        Ok(())
    }
}
