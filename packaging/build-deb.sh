#!/usr/bin/env bash
# Builds the Debian package of Latchkey into target/debian/: the program and
# the manual page's writer in release (examples/man.rs, from the command
# line's clap definition), the manual page, then cargo-deb with
# [package.metadata.deb] of Cargo.toml on what was built (cargo-deb's own
# build would change the release profile and rebuild every crate). Needs
# cargo-deb (`cargo install --locked cargo-deb`); prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --locked --bin latchkey --example man >&2
target/release/examples/man target/packaging >&2
cargo deb --no-build --locked --output target/debian >&2
ls -t target/debian/*.deb | head -n 1
