//! Wiring only: arguments, data directory, the system clock, the keyring,
//! opening the store, and running the command.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        // Standard output was closed (`latchkey status | head -n 1`): nothing
        // more can be said, and 141 is what a shell shows for SIGPIPE.
        Err(error) if is_broken_pipe(&error) => ExitCode::from(141),
        Err(error) => {
            // One line, never a panic or a backtrace (issue #2, item 8).
            eprintln!("latchkey: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
