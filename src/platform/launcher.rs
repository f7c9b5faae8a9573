//! Starting the system's program for a connection (R-DSK-5).

use std::io::ErrorKind;
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
            .map_err(|e| why_not_started(program, &e))
    }
}

/// Why `program` could not be started, worded for the person who clicked
/// Connect (issue 12): a missing program is named as not installed, not as
/// an operating-system error number.
fn why_not_started(program: &str, error: &std::io::Error) -> String {
    match error.kind() {
        ErrorKind::NotFound => {
            format!("cannot start {program}: it is not installed (or not on the PATH)")
        }
        ErrorKind::PermissionDenied => {
            format!("cannot start {program}: this account may not run it")
        }
        _ => format!("cannot start {program}: {error}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12, item 6: a program that is not installed is said to be so.
    #[test]
    fn a_missing_program_is_named_as_not_installed() {
        let argv = vec![
            "latchkey-no-such-program-4711".to_owned(),
            "/v:x".to_owned(),
        ];
        let why = SystemLauncher.launch(&argv).unwrap_err();
        assert_eq!(
            why,
            "cannot start latchkey-no-such-program-4711: it is not installed (or not on the PATH)"
        );
        assert_eq!(SystemLauncher.launch(&[]).unwrap_err(), "nothing to launch");
    }
}
