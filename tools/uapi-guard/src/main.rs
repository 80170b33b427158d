//! The `uapi-guard` command line: argument parsing and glue only. All work happens in `uapi-abi`.

mod bot;
mod cleanup;
mod cli;
mod output;
mod progress;
mod sandbox;
mod sides;
mod verbosity;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
