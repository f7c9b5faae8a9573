//! Wiring only: arguments, data directory, the system clock, the keyring,
//! opening the store, and running the command.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(error) => {
            // One line, never a panic or a backtrace (issue #2, item 8).
            eprintln!("latchkey: {error:#}");
            ExitCode::FAILURE
        }
    }
}
