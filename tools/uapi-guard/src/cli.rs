//! Subcommands and exit codes.
//!
//! Exit codes follow libabigail's abidiff bitmask, which kernel and distribution scripts already
//! understand: 0 nothing to report, 1 error (could not check), 2 usage error.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use uapi_abi::model::Arch;

/// Exit code: the tool could not do its job (bad input, missing compiler, I/O).
const EXIT_ERROR: u8 = 1;

#[derive(Parser)]
#[command(
    name = "uapi-guard",
    version,
    about = "Keeps Linux's userspace ABI from breaking",
    long_about = "Keeps Linux's userspace ABI from breaking.\n\n\
Extracts the layouts of UAPI headers with bindgen (libclang), checks every number against a probe \
compiled with clang for each target architecture and read back with goblin, and writes reviewable \
snapshots.\n\n\
With no subcommand, snapshots the machine's /usr/include VFIO/IOMMU headers for every supported \
architecture and prints a summary (nothing is written).\n\n\
Exit codes: 0 success, 1 error (could not check), 2 usage error.",
    after_help = "Architectures: x86_64 i386 aarch64 arm riscv64 ppc64le s390x (or `all`).\n\
Header sets: vfio (linux/vfio.h, linux/iommu.h, linux/iommufd.h where present), \
all (every header under linux/ that compiles alone)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Snapshot a header set for some architectures: <OUT>/<arch>.layout plus x86_64 bindings.
    Snapshot(SnapshotArgs),
    /// Print one header's layout for one architecture as JSON.
    Layout(LayoutArgs),
}

#[derive(clap::Args)]
struct SnapshotArgs {
    /// Include root holding linux/ and asm-generic/ (asm/ comes from <root>/<triple>/asm or
    /// <root>/../<triple>/include/asm).
    #[arg(long, default_value = "/usr/include")]
    headers: PathBuf,
    /// Header set: vfio or all.
    #[arg(long, default_value = "vfio")]
    set: String,
    /// Comma-separated architectures, or `all`.
    #[arg(long, default_value = "all", value_delimiter = ',')]
    arch: Vec<String>,
    /// Kernel version label; defaults to major.minor from <headers>/linux/version.h.
    #[arg(long = "kernel-version")]
    kernel_version: Option<String>,
    /// Output directory; without it only the summary is printed.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct LayoutArgs {
    /// Include root.
    #[arg(long, default_value = "/usr/include")]
    headers: PathBuf,
    /// Header relative to the include root, e.g. linux/vfio.h.
    #[arg(long)]
    header: String,
    /// Architecture.
    #[arg(long, default_value = "x86_64")]
    arch: String,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => snapshot(SnapshotArgs {
            headers: "/usr/include".into(),
            set: "vfio".into(),
            arch: vec!["all".into()],
            kernel_version: None,
            out: None,
        }),
        Some(Command::Snapshot(a)) => snapshot(a),
        Some(Command::Layout(a)) => layout(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("uapi-guard: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn parse_arches(names: &[String]) -> Result<Vec<Arch>> {
    if names.iter().any(|n| n == "all") {
        return Ok(Arch::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| n.parse::<Arch>().map_err(anyhow::Error::from))
        .collect()
}

fn snapshot(args: SnapshotArgs) -> Result<ExitCode> {
    let arches = parse_arches(&args.arch)?;
    let version = match args.kernel_version {
        Some(v) => v,
        None => uapi_abi::headers::kernel_version(&args.headers)?,
    };
    let start = Instant::now();
    let extractions = uapi_abi::extract_set(&args.headers, &args.set, &version, &arches)?;
    let elapsed = start.elapsed();
    println!(
        "{} set `{}` of Linux {} under {}:",
        if args.out.is_some() {
            "snapshotted"
        } else {
            "extracted"
        },
        args.set,
        version,
        args.headers.display()
    );
    println!(
        "{:<8} {:>7} {:>8} {:>6} {:>9} {:>6} {:>7}",
        "arch", "headers", "records", "fields", "constants", "ioctls", "skipped"
    );
    for e in &extractions {
        let l = &e.layout;
        println!(
            "{:<8} {:>7} {:>8} {:>6} {:>9} {:>6} {:>7}",
            l.arch.name(),
            l.headers.len(),
            l.records.len(),
            l.records.values().map(|r| r.fields.len()).sum::<usize>(),
            l.constants.len(),
            l.constants.values().filter(|c| c.ioctl.is_some()).count(),
            l.skipped.len()
        );
    }
    println!("in {:.2} s", elapsed.as_secs_f64());
    if let Some(out) = &args.out {
        write_out(out, &extractions)?;
        println!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_out(out: &Path, extractions: &[uapi_abi::layout::Extraction]) -> Result<()> {
    let layouts: Vec<_> = extractions.iter().map(|e| e.layout.clone()).collect();
    let bindings: Vec<(String, String)> = extractions
        .iter()
        .filter(|e| e.layout.arch == Arch::X86_64)
        .flat_map(|e| e.bindings.iter().map(|(h, r)| (h.clone(), r.clone())))
        .collect();
    uapi_abi::snapshot::write_snapshot_dir(out, &layouts, &bindings)
        .with_context(|| format!("writing snapshot to {}", out.display()))
}

fn layout(args: LayoutArgs) -> Result<ExitCode> {
    let arch: Arch = args.arch.parse()?;
    let sysroot = uapi_abi::sysroot::Sysroot::new(&args.headers, &[arch])?;
    let headers = vec![args.header.clone()];
    let extraction = uapi_abi::layout::extract_layout(
        &sysroot,
        "custom",
        "unknown",
        &headers,
        arch,
        uapi_abi::layout::OnCompileError::Fail,
        uapi_abi::extract::MacroEval::BindgenFallback,
    )?;
    let json = uapi_abi::export::layout_json(&extraction.layout, &args.header);
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(ExitCode::SUCCESS)
}
