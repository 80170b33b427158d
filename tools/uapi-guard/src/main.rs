//! The `uapi-guard` command line: argument parsing and glue only. All work happens in the
//! libraries: `uapi-frontend` reads headers, `uapi-abi` checks, `uapi-bot` reviews changes.

mod cli;
mod output;
mod progress;
mod sides;
mod verbosity;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
