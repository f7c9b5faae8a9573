//! Writes Latchkey's manual pages from the command line's clap definition
//! (`src/command_line.rs`) into the folder given as the only argument:
//! `latchkey.1`, with FILES and ENVIRONMENT sections, and one page per
//! command (`latchkey-init.1`, `latchkey-audit-verify.1`, …).
//! `packaging/build-deb.sh` runs it before building the package:
//!
//! ```text
//! cargo build --release --example man && target/release/examples/man target/packaging
//! ```

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};
use latchkey::command_line::{Cli, ENVIRONMENT, FILES};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: man OUTPUT_FOLDER");
        return ExitCode::FAILURE;
    };
    match write_pages(&dir) {
        Ok(()) => {
            println!("wrote the manual pages in {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "man: cannot write the manual pages in {}: {e}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn write_pages(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let command = Cli::command()
        .version(env!("LATCHKEY_VERSION"))
        .disable_help_subcommand(true);
    // Every command's page, and a first latchkey.1 that the next one replaces.
    clap_mangen::generate_to(command.clone(), dir)?;
    let man = Man::new(command);
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    described_section("FILES", &FILES).to_writer(&mut page)?;
    described_section("ENVIRONMENT", &ENVIRONMENT).to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    let mut file = std::fs::File::create(dir.join("latchkey.1"))?;
    file.write_all(&page)?;
    file.sync_all()
}

/// A section of tagged paragraphs: each name in bold, what it is below it.
fn described_section(title: &str, items: &[(&str, &str)]) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", [title]);
    for (name, what) in items {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*what)]);
    }
    roff
}
