//! `cargo xtask <verb>`: the project's tasks in Rust (the alias is in `.cargo/config.toml`).
//!
//! The lists the tasks iterate over come from the code: fuzz targets from `fuzz/Cargo.toml`,
//! hazards from `soft_iommu::hazard::Hazard::ALL`, architectures from `uapi_model::model::Arch::ALL`;
//! the Debian suites are defined here ([`SUITES`]) and read by `tools/scripts/fetch-kernel-headers.sh`
//! through `cargo xtask list suites`.

mod bench;
mod fuzz;
mod mutant;
mod oss_fuzz;
mod snapshot;
mod util;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

/// The Debian suites whose `linux-libc-dev` the committed snapshots come from, oldest first.
pub const SUITES: [&str; 4] = ["bullseye", "bookworm", "trixie", "sid"];

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "The project's tasks: fuzzing, snapshots, benchmarks"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Fuzzing verbs (cargo-fuzz; nightly with AddressSanitizer when installed, else stable with
    /// `-s none`; FUZZ_SANITIZER=none forces the latter). Corpora live in corpora/<target> and
    /// corpora/regressions/<target>.
    Fuzz {
        #[command(subcommand)]
        verb: fuzz::Verb,
    },
    /// Regenerate every committed snapshot under abi-snapshots/vfio/ (Debian's trees of each
    /// suite, fetched into .cache/ when missing, and the fixtures) with the release uapi-guard
    /// (UAPI_GUARD overrides its path, UAPI_GUARD_CACHE the cache).
    Snapshot {
        /// Write into a temporary tree and fail (exit 1) if anything differs from what is committed.
        #[arg(long)]
        check: bool,
    },
    /// Extraction speed of the release build: median wall time of the vfio set (7 architectures,
    /// direct front end), the all set (x86_64), and the vfio set through bindgen and the probe.
    Bench {
        /// Runs of the vfio set.
        #[arg(default_value_t = 5)]
        runs: usize,
        /// Runs of the all set and of the bindgen-and-probe path.
        #[arg(default_value_t = 3)]
        all_runs: usize,
    },
    /// uapi-guard's full check against the kernel's own method, as scripts/check-uapi.sh runs it
    /// (each side built with gcc -g into a shared object, then abidiff, per header on every core)
    /// on the same pair of include trees; prints both times and their ratios.
    BenchAbidiff {
        /// The old include root (default: Debian bookworm's, from .cache/kernel-headers).
        old: Option<std::path::PathBuf>,
        /// The new include root (default: Debian trixie's).
        new: Option<std::path::PathBuf>,
    },
    /// Run tools/oss-fuzz/build.sh as OSS-Fuzz would, without Docker (temporary $SRC and $OUT),
    /// then every binary it built over its seed corpus zip.
    OssFuzzTest,
    /// Print one of the lists the tasks use, one item a line (for the bash installation scripts).
    List { what: List },
}

#[derive(Clone, Copy, ValueEnum)]
enum List {
    /// The Debian suites.
    Suites,
    /// Debian's names of every modelled architecture.
    DebianArches,
    /// Debian's names of the architectures other than the host's (amd64): the
    /// linux-libc-dev-<arch>-cross packages.
    CrossArches,
    /// The fuzz targets (fuzz/Cargo.toml), without the engine-ceiling target.
    Targets,
    /// The review hazards a hunt looks for.
    Hazards,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Fuzz { verb } => fuzz::main(verb),
        Task::Snapshot { check } => snapshot::main(check),
        Task::Bench { runs, all_runs } => bench::bench(runs, all_runs),
        Task::BenchAbidiff { old, new } => bench::abidiff(old, new),
        Task::OssFuzzTest => oss_fuzz::main(),
        Task::List { what } => list(what),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn list(what: List) -> anyhow::Result<ExitCode> {
    use uapi_model::model::Arch;
    let items: Vec<String> = match what {
        List::Suites => SUITES.iter().map(|s| s.to_string()).collect(),
        List::DebianArches => Arch::ALL.iter().map(|a| a.debian_arch().into()).collect(),
        List::CrossArches => Arch::ALL
            .iter()
            .filter(|a| **a != Arch::X86_64)
            .map(|a| a.debian_arch().into())
            .collect(),
        List::Targets => fuzz::targets(&util::top()?)?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        List::Hazards => soft_iommu::hazard::Hazard::ALL
            .iter()
            .map(|h| h.name().into())
            .collect(),
    };
    for item in items {
        println!("{item}");
    }
    Ok(ExitCode::SUCCESS)
}
