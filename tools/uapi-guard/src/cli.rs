//! Subcommands and exit codes.
//!
//! Exit codes follow libabigail's abidiff bitmask, which kernel and distribution scripts already
//! understand: 0 nothing to report, 1 error (could not check), 2 usage error, 4 changes that do
//! not break old binaries, 12 (8|4) a change that breaks them.

use crate::progress::Progress;
use crate::verbosity::{self, Level};
use crate::{output, sides};
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use uapi_abi::check::{Report, Waivers};
use uapi_abi::findings::Severity;
use uapi_abi::report::{Format, MarkdownOptions};
use uapi_abi::waiver::Date;
use uapi_bot::{cleanup, sandbox};
use uapi_model::model::Arch;

/// `println!` to standard output that returns an error instead of panicking, and ends quietly
/// when the reader has gone (`uapi-guard ... | head`).
macro_rules! outln {
    () => {
        print_stdout("\n")?
    };
    ($($arg:tt)*) => {
        print_stdout(&format!("{}\n", format_args!($($arg)*)))?
    };
}

/// `print!` to standard output, like [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {
        print_stdout(&format!($($arg)*))?
    };
}

/// Exit code: the tool could not do its job (bad input, missing compiler, I/O).
const EXIT_ERROR: u8 = 1;

#[derive(Parser)]
#[command(
    name = "uapi-guard",
    version,
    about = "Keeps Linux's userspace ABI from breaking",
    long_about = "Keeps Linux's userspace ABI from breaking.\n\n\
Extracts the layouts of UAPI headers, writes reviewable snapshots, and says which changes between \
two versions break old userspace, on which architecture and why. Committed snapshots come from \
bindgen (libclang) with every number checked against a probe compiled with clang for each target \
architecture and read back with goblin; header trees being checked are read in one libclang parse \
per header and architecture, which gives the same layouts (--verify adds the probe).\n\n\
With no subcommand, runs the main job: `check` with its defaults (the machine's /usr/include \
VFIO/IOMMU headers against the newest committed snapshot not newer than them, on every supported \
architecture), then a summary of what the newest committed snapshot would change for this \
machine's userspace (installed -> newest). The exit status is the first part's.\n\n\
Quiet by default: stderr carries errors and the notes a user needs; -v adds the details (headers \
skipped and their first error), -q leaves only errors. On a terminal, long work shows a progress \
bar and a closing line.\n\n\
Exit codes (libabigail's abidiff bitmask): 0 nothing to report, 1 error (could not check), \
2 usage error, 4 changes that keep old binaries working, 12 (8|4) a change that breaks them.",
    after_help = "Architectures: x86_64 i386 aarch64 arm riscv64 ppc64le s390x (or `all`).\n\
Header sets: vfio (linux/vfio.h, linux/iommu.h, linux/iommufd.h where present), \
all (the whole installed UAPI: linux/, asm-generic/, drm/, misc/, mtd/, rdma/, scsi/, sound/, \
video/, xen/ and the architecture's asm/; headers that do not compile are reported as skipped).\n\n\
Example: uapi-guard check abi-snapshots/vfio/6.1 abi-snapshots/vfio/6.12 --format markdown"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Say more on stderr: each header skipped and its first error.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    verbose: bool,
    /// Print nothing on stderr but errors (no notes, no progress bar).
    #[arg(short, long, global = true)]
    quiet: bool,
    /// The main job's "installed" side (tests point it at a committed snapshot).
    #[arg(long, hide = true, default_value = "/usr/include")]
    installed: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Snapshot a header set for some architectures: <OUT>/<arch>.layout plus x86_64 bindings.
    Snapshot(SnapshotArgs),
    /// Review a change to a kernel tree (two refs, or a patch mail on a base ref): a Markdown
    /// review comment and the check's exit status.
    Bot(BotArgs),
    /// Print one header's layout for one architecture as JSON.
    Layout(LayoutArgs),
    /// Compare two versions (snapshot directories or include roots) and report what breaks.
    Check(CheckArgs),
    /// Report layout hazards in one version (padding holes, 32/64-bit differences, ...).
    Lint(LintArgs),
    /// Check each consecutive pair of the committed snapshots of a header set, a row per pair.
    History(HistoryArgs),
    /// List every rule and lint with its severity and summary.
    #[command(after_help = "Example: uapi-guard rules")]
    Rules,
    /// List the headers a header set covers in an include root, one per line (asm/ ones for the
    /// architecture), as `snapshot` and `check` read them.
    Headers(HeadersArgs),
}

#[derive(clap::Args)]
#[command(after_help = "Example: uapi-guard headers --set all --arch aarch64 | wc -l")]
struct HeadersArgs {
    /// Include root.
    #[arg(default_value = "/usr/include")]
    root: PathBuf,
    /// Header set: vfio or all.
    #[arg(long, default_value = "all")]
    set: String,
    /// Architecture whose asm/ headers are listed (for sets that include them).
    #[arg(long, default_value = "x86_64", value_parser = parse_arch_name)]
    arch: String,
}

#[derive(clap::Args, Clone)]
struct ReportArgs {
    /// Output format: text, json, markdown or sarif (default: text; markdown, the review
    /// comment, for `bot`).
    #[arg(long, value_parser = ["text", "json", "markdown", "sarif"])]
    format: Option<String>,
    /// TOML file of accepted findings (see docs/rules.md, Waivers).
    #[arg(long)]
    waivers: Option<PathBuf>,
    /// The date waivers are judged on (YYYY-MM-DD); defaults to today (UTC).
    #[arg(long, value_parser = parse_date)]
    today: Option<String>,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Colour in text output: auto (only on a terminal), always or never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    /// Only findings at least this severe make the exit status non-zero:
    /// break, api, warning, compatible or note (default: any finding).
    #[arg(long = "fail-on", value_parser = ["break", "api", "warning", "compatible", "note"])]
    fail_on: Option<String>,
}

#[derive(clap::Args)]
#[command(
    after_help = "Example: uapi-guard check abi-snapshots/vfio/6.1 abi-snapshots/vfio/6.12 --format markdown"
)]
struct CheckArgs {
    /// The old side: a snapshot directory (holding <arch>.layout files) or an include root
    /// (holding linux/). Default: the newest snapshot under abi-snapshots/<set>/ whose version is
    /// not newer than the new side's.
    old: Option<PathBuf>,
    /// The new side, like OLD. Default: /usr/include.
    new: Option<PathBuf>,
    /// Header set for include roots: vfio or all.
    #[arg(long, default_value = "vfio")]
    set: String,
    /// Comma-separated architectures, or `all`. Every architecture named must be on both sides;
    /// with `all`, those only one side has are named on stderr and skipped.
    #[arg(long, default_value = "all", value_delimiter = ',', value_parser = parse_arch_name)]
    arch: Vec<String>,
    #[command(flatten)]
    verify: VerifyArgs,
    #[command(flatten)]
    sandbox: SandboxArgs,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(clap::Args)]
#[command(after_help = "Example: uapi-guard lint abi-snapshots/vfio/6.12 --arch i386")]
struct LintArgs {
    /// A snapshot directory or an include root. Default: /usr/include.
    side: Option<PathBuf>,
    /// Header set for an include root: vfio or all.
    #[arg(long, default_value = "vfio")]
    set: String,
    /// Comma-separated architectures, or `all`.
    #[arg(long, default_value = "all", value_delimiter = ',', value_parser = parse_arch_name)]
    arch: Vec<String>,
    #[command(flatten)]
    verify: VerifyArgs,
    #[command(flatten)]
    sandbox: SandboxArgs,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(clap::Args)]
#[command(after_help = "Example: uapi-guard history abi-snapshots/vfio")]
struct HistoryArgs {
    /// A header set's snapshot directory, e.g. abi-snapshots/vfio; its subdirectories named by
    /// kernel version (5.10, 6.1, ...) are checked in version order; others (fixtures) are skipped.
    dir: PathBuf,
    /// TOML file of accepted findings.
    #[arg(long)]
    waivers: Option<PathBuf>,
    /// The date waivers are judged on (YYYY-MM-DD); defaults to today (UTC).
    #[arg(long, value_parser = parse_date)]
    today: Option<String>,
}

#[derive(clap::Args)]
#[command(
    after_help = "The bot never runs code from the change. Headers are parsed and compiled only \
to objects, in a child process confined by Landlock to the reviewed tree, the system include \
directories and the compiler (no other file, no TCP; --sandbox off to opt out on trusted input), \
bounded by one time budget for the whole review (--compile-timeout) and by --compile-memory. \
git runs without hooks, external diff, text conversion or system/global configuration; the \
user's work tree is never checked out over; a patch mail is refused if git would touch a path \
outside include/uapi/ and arch/*/include/uapi/; a header whose includes escape the tree is \
refused with a finding. Headers are prepared like `make headers_install` (`__user` and friends \
removed, `__KERNEL__` sections dropped); asm/ headers come from the tree's \
arch/<arch>/include/uapi/asm over the cross packages'.\n\n\
Example: uapi-guard bot --repo ~/linux --base v6.12 --head my-branch --output comment.md"
)]
struct BotArgs {
    /// The kernel tree (a git repository laid out like the kernel: include/uapi/, arch/*/include/uapi/).
    #[arg(long)]
    repo: PathBuf,
    /// The base ref.
    #[arg(long)]
    base: String,
    /// The head ref: review base..head.
    #[arg(long, conflicts_with = "patch", required_unless_present = "patch")]
    head: Option<String>,
    /// A patch mail (mbox, one or several patches) applied to the base in a private temporary
    /// tree; only its hunks under include/uapi/ and arch/*/include/uapi/ are applied.
    #[arg(long)]
    patch: Option<PathBuf>,
    /// Comma-separated architectures, or `all`.
    #[arg(long, default_value = "all", value_delimiter = ',', value_parser = parse_arch_name)]
    arch: Vec<String>,
    #[command(flatten)]
    verify: VerifyArgs,
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// Seconds all the review's compiles may take together, retries included. One try takes at
    /// most a quarter of it; a try that runs over is split until the slow headers are refused.
    #[arg(long = "compile-timeout", default_value_t = 300)]
    compile_timeout: u64,
    /// Address-space limit of each compile, in MiB.
    #[arg(long = "compile-memory", default_value_t = 4096)]
    compile_memory: u64,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(clap::Args)]
#[command(after_help = "Example: uapi-guard snapshot --set vfio --arch all --out /tmp/snap")]
struct SnapshotArgs {
    /// Include root holding linux/ and asm-generic/ (asm/ comes from <root>/<triple>/asm or
    /// <root>/../<triple>/include/asm).
    #[arg(long, default_value = "/usr/include")]
    headers: PathBuf,
    /// Header set: vfio or all.
    #[arg(long, default_value = "vfio")]
    set: String,
    /// Comma-separated architectures, or `all`.
    #[arg(long, default_value = "all", value_delimiter = ',', value_parser = parse_arch_name)]
    arch: Vec<String>,
    #[command(flatten)]
    verify: VerifyArgs,
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// Kernel version label; defaults to major.minor from <headers>/linux/version.h.
    #[arg(long = "kernel-version")]
    kernel_version: Option<String>,
    /// Output directory; without it only the summary is printed.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Extract these headers (relative to --headers; repeatable) instead of a header set. `--set`
    /// then only labels the snapshot, and a header that does not compile alone is listed as
    /// skipped with clang's first error.
    #[arg(long = "header")]
    header: Vec<String>,
}

#[derive(clap::Args)]
#[command(after_help = "Example: uapi-guard layout --header linux/vfio.h --arch i386")]
struct LayoutArgs {
    /// Include root.
    #[arg(long, default_value = "/usr/include")]
    headers: PathBuf,
    /// Header relative to the include root, e.g. linux/vfio.h.
    #[arg(long)]
    header: String,
    /// Architecture.
    #[arg(long, default_value = "x86_64", value_parser = parse_arch_name)]
    arch: String,
    #[command(flatten)]
    verify: VerifyArgs,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

#[derive(clap::Args, Clone, Copy)]
struct VerifyArgs {
    /// Also compile a probe of every number with clang for each architecture and read it back
    /// from the object file; where it and libclang's own layout disagree, the probe's value is
    /// kept and a diagnostic says so. Slower; header trees are otherwise read in one libclang
    /// parse per header and architecture.
    #[arg(long)]
    verify: bool,
}

impl VerifyArgs {
    /// The direct front end, verified by the probe when asked.
    fn frontend(self) -> uapi_frontend::layout::Frontend {
        uapi_frontend::layout::Frontend::Direct {
            verify: self.verify,
        }
    }
}

#[derive(clap::Args, Clone)]
struct SandboxArgs {
    /// Landlock confinement of header parsing and compiles: `require` (refuse to run without
    /// it), `auto` (confine when the kernel can, else say so) or `off` (trusted input only).
    /// Default: require for `bot`, auto otherwise.
    #[arg(long, value_parser = ["require", "auto", "off"])]
    sandbox: Option<String>,
}

impl SandboxArgs {
    fn mode(&self, default: sandbox::Mode) -> sandbox::Mode {
        self.sandbox
            .as_deref()
            .and_then(sandbox::Mode::from_name)
            .unwrap_or(default)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    verbosity::set(if cli.quiet {
        Level::Quiet
    } else if cli.verbose {
        Level::Verbose
    } else {
        Level::Normal
    });
    let result = match cli.command {
        None => main_job(CheckArgs {
            old: None,
            new: Some(cli.installed),
            set: "vfio".into(),
            arch: vec!["all".into()],
            verify: VerifyArgs { verify: false },
            sandbox: SandboxArgs { sandbox: None },
            report: ReportArgs {
                format: None,
                waivers: None,
                today: None,
                output: None,
                color: "auto".into(),
                fail_on: None,
            },
        }),
        Some(Command::Snapshot(a)) => snapshot(a),
        Some(Command::Bot(a)) => bot(a),
        Some(Command::Layout(a)) => layout(a),
        Some(Command::Check(a)) => check(a),
        Some(Command::Lint(a)) => lint(a),
        Some(Command::History(a)) => history(a),
        Some(Command::Rules) => rules(),
        Some(Command::Headers(a)) => list_headers(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("uapi-guard: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Checks an `--arch` value at parse time, so an unknown architecture is a usage error (exit 2).
fn parse_arch_name(s: &str) -> Result<String, String> {
    if s == "all" || s.parse::<Arch>().is_ok() {
        Ok(s.to_string())
    } else {
        Err(format!(
            "unknown architecture `{s}` (known: {}, or all)",
            Arch::ALL
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(" ")
        ))
    }
}

/// A private scratch folder for everything confined work writes (clang's objects, bindgen's
/// macro fallback, the include overlays): `TMPDIR` points into it for the rest of the run.
fn scratch() -> Result<(tempfile::TempDir, cleanup::Guard)> {
    let dir = tempfile::Builder::new()
        .prefix("uapi-guard-")
        .tempdir()
        .context("creating a scratch folder")?;
    let guard = cleanup::Guard::new(dir.path());
    std::env::set_var("TMPDIR", dir.path());
    cleanup::install();
    Ok((dir, guard))
}

/// Runs `work` in a thread confined to `policy` (Landlock restricts the calling thread and what
/// it starts: the extraction threads and every clang process). The calling thread stays free to
/// write the run's outputs and remove the scratch folder afterwards.
fn confined<T: Send>(
    policy: sandbox::Policy,
    mode: sandbox::Mode,
    reads_headers: bool,
    work: impl FnOnce() -> Result<T> + Send,
) -> Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let outcome = sandbox::confine(&policy, mode)?;
                if let (sandbox::Outcome::Unconfined(why), sandbox::Mode::Auto, true) =
                    (&outcome, mode, reads_headers)
                {
                    verbosity::note(&format!("headers are compiled unconfined: {why}"));
                }
                work()
            })
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the extraction thread panicked")))
    })
}

fn parse_arches(names: &[String]) -> Result<Vec<Arch>> {
    if names.iter().any(|n| n == "all") {
        return Ok(Arch::ALL.to_vec());
    }
    // In the one order layouts are kept in (snapshot folders read back sorted), once each: the
    // bot pairs its sides' layouts by position.
    let mut arches = names
        .iter()
        .map(|n| n.parse::<Arch>().map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    arches.sort();
    arches.dedup();
    Ok(arches)
}

fn snapshot(args: SnapshotArgs) -> Result<ExitCode> {
    let arches = parse_arches(&args.arch)?;
    let start = Instant::now();
    let (scratch, _scratch_guard) = scratch()?;
    let policy = sandbox::Policy::system()
        .read_headers(&args.headers, &arches)
        .write(scratch.path());
    let mode = args.sandbox.mode(sandbox::Mode::Auto);
    let progress = Progress::start();
    let (version, extractions) = confined(policy, mode, true, || {
        // linux/version.h is a header of the tree: read inside the sandbox too.
        let version = match &args.kernel_version {
            Some(v) => v.clone(),
            None => uapi_model::uapi_tree::kernel_version(&args.headers)?,
        };
        let extractions = extract_for_snapshot(&args, &version, &arches)?;
        Ok((version, extractions))
    })?;
    cleanup::install();
    if let Some(p) = progress {
        p.finish(&format!(
            "extracted set {} of {}",
            args.set,
            args.headers.display()
        ));
    }
    let elapsed = start.elapsed();
    print_summary(&args, &version, &extractions, elapsed)?;
    if let Some(out) = &args.out {
        write_out(out, &extractions)?;
        outln!("wrote {}", out.display());
    }
    drop(scratch);
    Ok(ExitCode::SUCCESS)
}

fn extract_for_snapshot(
    args: &SnapshotArgs,
    version: &str,
    arches: &[Arch],
) -> Result<Vec<uapi_frontend::layout::Extraction>> {
    Ok(if args.header.is_empty() {
        // A named set keeps its own front end (bindgen and the probe for the committed vfio
        // snapshots and their bindings) unless --verify asks for the direct one, verified.
        let frontend = args.verify.verify.then(|| args.verify.frontend());
        uapi_frontend::extract_set(&args.headers, &args.set, version, arches, frontend)?
    } else {
        for h in &args.header {
            uapi_model::uapi_tree::check_relative_path(h)
                .map_err(|e| anyhow::anyhow!("--header: {e}"))?;
        }
        let policy = uapi_frontend::headers::SetPolicy {
            on_error: uapi_frontend::layout::OnCompileError::Skip,
            frontend: args.verify.frontend(),
            asm: false,
            as_userspace: true,
        };
        uapi_frontend::extract_headers(
            &args.headers,
            &args.set,
            version,
            &args.header,
            policy,
            arches,
        )?
    })
}

fn print_summary(
    args: &SnapshotArgs,
    version: &str,
    extractions: &[uapi_frontend::layout::Extraction],
    elapsed: std::time::Duration,
) -> Result<()> {
    outln!(
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
    outln!(
        "{:<8} {:>7} {:>8} {:>6} {:>9} {:>6} {:>7}",
        "arch",
        "headers",
        "records",
        "fields",
        "constants",
        "ioctls",
        "skipped"
    );
    for e in extractions {
        let l = &e.layout;
        outln!(
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
    outln!("in {:.2} s", elapsed.as_secs_f64());
    Ok(())
}

fn write_out(out: &Path, extractions: &[uapi_frontend::layout::Extraction]) -> Result<()> {
    let layouts: Vec<_> = extractions.iter().map(|e| e.layout.clone()).collect();
    let bindings: Vec<(String, String)> = extractions
        .iter()
        .filter(|e| e.layout.arch == Arch::X86_64)
        .flat_map(|e| e.bindings.iter().map(|(h, r)| (h.clone(), r.clone())))
        .collect();
    output::replace_dir(out, |dir| {
        uapi_model::snapshot::write_snapshot_dir(dir, &layouts, &bindings)
            .with_context(|| format!("writing snapshot to {}", out.display()))
    })
}

fn layout(args: LayoutArgs) -> Result<ExitCode> {
    let arch: Arch = args.arch.parse()?;
    let (scratch, _scratch_guard) = scratch()?;
    let policy = sandbox::Policy::system()
        .read_headers(&args.headers, &[arch])
        .write(scratch.path());
    let extraction = confined(policy, args.sandbox.mode(sandbox::Mode::Auto), true, || {
        let sysroot = uapi_frontend::sysroot::Sysroot::new(&args.headers, &[arch])?;
        let headers = vec![args.header.clone()];
        Ok(uapi_frontend::layout::read_layout(
            &sysroot,
            "custom",
            "unknown",
            &headers,
            arch,
            uapi_frontend::layout::OnCompileError::Fail,
            args.verify.frontend(),
        )?)
    })?;
    let json = uapi_abi::export::layout_json(&extraction.layout, &args.header);
    outln!("{}", serde_json::to_string_pretty(&json)?);
    Ok(ExitCode::SUCCESS)
}

/// Checks a `--today` value at parse time, so a bad date is a usage error (exit 2).
fn parse_date(s: &str) -> Result<String, String> {
    Date::parse(s)
        .map(|_| s.to_string())
        .ok_or_else(|| format!("`{s}` is not a date of the form YYYY-MM-DD"))
}

fn today(given: Option<&str>) -> Result<Date> {
    match given {
        Some(d) => Date::parse(d).with_context(|| format!("--today `{d}` is not YYYY-MM-DD")),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            Ok(Date::from_unix_days((secs / 86_400) as i64))
        }
    }
}

fn load_waivers(path: Option<&Path>, today_arg: Option<&str>) -> Result<Option<Waivers>> {
    let Some(path) = path else { return Ok(None) };
    let text = uapi_model::input::read_text_bounded(path, uapi_model::input::WAIVER_LIMIT)?;
    let known = |id: &str| uapi_abi::findings::kind(id).is_some();
    let list =
        uapi_abi::waiver::parse(&text, known).map_err(|message| uapi_abi::Error::Waiver {
            path: path.display().to_string(),
            message,
        })?;
    Ok(Some(Waivers {
        list,
        source: path.display().to_string(),
        today: today(today_arg)?,
    }))
}

fn parse_fail_on(s: Option<&str>) -> Result<Option<Severity>> {
    s.map(|name| {
        Severity::from_name(name).with_context(|| {
            format!("--fail-on `{name}`: expected break, api, warning, compatible or note")
        })
    })
    .transpose()
}

/// The chosen output format (`default` when none was given).
fn format_of(args: &ReportArgs, default: Format) -> Result<Format> {
    match &args.format {
        None => Ok(default),
        Some(name) => Format::from_name(name)
            .with_context(|| format!("--format `{name}`: expected text, json, markdown or sarif")),
    }
}

/// Renders the report in `format`.
fn render(
    report: &Report,
    args: &ReportArgs,
    format: Format,
    sources: &uapi_abi::report::Sources,
) -> Result<String> {
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        "auto" => args.output.is_none() && std::io::stdout().is_terminal(),
        other => bail!("--color `{other}`: expected auto, always or never"),
    };
    Ok(match format {
        Format::Text => uapi_abi::report::render_text(report, color),
        Format::Json => uapi_abi::report::render_json(report),
        Format::Markdown => uapi_abi::report::render_markdown(report, MarkdownOptions::default()),
        Format::Sarif => uapi_abi::report::render_sarif(report, sources),
    })
}

/// Writes rendered report text (atomically with --output) and returns the exit status: the
/// abidiff bitmask, counting only findings at least as severe as --fail-on.
fn finish(report: &Report, args: &ReportArgs, text: &str, inputs: &[PathBuf]) -> Result<ExitCode> {
    let fail_on = parse_fail_on(args.fail_on.as_deref())?;
    match &args.output {
        Some(path) => {
            let mut inputs = inputs.to_vec();
            inputs.extend(args.waivers.clone());
            output::write_file(path, text.as_bytes(), &inputs)?
        }
        None => out!("{text}"),
    }
    let code = match fail_on {
        Some(t) => report.exit_code_at(t),
        None => report.exit_code(),
    };
    Ok(ExitCode::from(code as u8))
}

/// Renders in the chosen format (text by default) and finishes.
fn emit(
    report: &Report,
    args: &ReportArgs,
    sources: &uapi_abi::report::Sources,
    inputs: &[PathBuf],
) -> Result<ExitCode> {
    let text = render(report, args, format_of(args, Format::Text)?, sources)?;
    finish(report, args, &text, inputs)
}

/// Both sides of a check, loaded, and the report.
struct Compared {
    old_path: PathBuf,
    new_path: PathBuf,
    new: sides::Side,
    report: Report,
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let compared = compare(&args)?;
    if args.old.is_none() {
        verbosity::note(&format!(
            "checking {} against {}",
            compared.new_path.display(),
            compared.old_path.display()
        ));
    }
    emit(
        &compared.report,
        &args.report,
        &sides::sources(&compared.new),
        &[compared.old_path, compared.new_path],
    )
}

/// Loads both sides (showing progress on a terminal) and checks them.
fn compare(args: &CheckArgs) -> Result<Compared> {
    let arches = parse_arches(&args.arch)?;
    let waivers = load_waivers(args.report.waivers.as_deref(), args.report.today.as_deref())?;
    let new_path = args.new.clone().unwrap_or_else(|| "/usr/include".into());
    let (scratch, _scratch_guard) = scratch()?;
    // The all set also reads what every architecture's asm/ defines (see `elsewhere` below).
    let readable: &[Arch] = if args.set == "all" {
        &Arch::ALL
    } else {
        &arches
    };
    let mut policy = sandbox::Policy::system()
        .read_headers(&new_path, readable)
        .read(&sides::snapshots_root())
        .write(scratch.path());
    if let Some(old) = &args.old {
        policy = policy.read_headers(old, &arches);
    }
    let reads_headers = !sides::is_snapshot_dir(&new_path)
        || args
            .old
            .as_deref()
            .is_some_and(|o| !sides::is_snapshot_dir(o));
    let mode = args.sandbox.mode(sandbox::Mode::Auto);
    let progress = Progress::start();
    let (old_path, old, new, elsewhere) = confined(policy, mode, reads_headers, || {
        let load = |path: &Path| sides::load(path, &args.set, &arches, args.verify.frontend());
        // What the other architectures' asm/ define, so an item that moved there is told
        // apart from one that was removed even when they are not compared.
        let elsewhere = || match args.set == "all" && !sides::is_snapshot_dir(&new_path) {
            true => uapi_frontend::headers::defined_names_of_tree(&new_path),
            false => Default::default(),
        };
        // Both sides and the text scan share the thread pool when both paths are known.
        let (old_path, old, new, elsewhere) = match &args.old {
            Some(old_path) => {
                let ((old, new), elsewhere) = rayon::join(
                    || rayon::join(|| load(old_path), || load(&new_path)),
                    elsewhere,
                );
                let new = new?;
                (old_path.clone(), old?, new, elsewhere)
            }
            None => {
                let new = load(&new_path)?;
                let old_path = default_old(&args.set, &new)?;
                (old_path.clone(), load(&old_path)?, new, elsewhere())
            }
        };
        Ok((old_path, old, new, elsewhere))
    })?;
    cleanup::install();
    drop(scratch);
    if let Some(p) = progress {
        p.finish(&format!(
            "checked {} against {} ({} set)",
            new_path.display(),
            old_path.display(),
            args.set
        ));
    }
    compared_arches(&args.arch, &arches, &[(&old_path, &old), (&new_path, &new)])?;
    let report =
        uapi_abi::check::check_knowing(&old.layouts, &new.layouts, waivers.as_ref(), &elsewhere)?;
    Ok(Compared {
        old_path,
        new_path,
        new,
        report,
    })
}

/// The main job: the installed headers against the committed snapshot they descend from (the
/// exit status), then what the newest committed snapshot would change for this machine.
fn main_job(args: CheckArgs) -> Result<ExitCode> {
    let compared = compare(&args)?;
    outln!(
        "# {} against the committed snapshot it descends from, {}\n",
        compared.new_path.display(),
        snapshot_label(&compared.old_path)
    );
    let code = emit(
        &compared.report,
        &args.report,
        &sides::sources(&compared.new),
        &[compared.old_path.clone(), compared.new_path.clone()],
    )?;
    outln!();
    out!("{}", newest_preview(&args.set, &compared)?);
    Ok(code)
}

/// How many findings the preview lists.
const PREVIEW_ITEMS: usize = 5;

/// What the newest committed snapshot of `set` would change for the new side of `compared`: a
/// verdict by severity and the most severe findings; or that the new side is the newest.
fn newest_preview(set: &str, compared: &Compared) -> Result<String> {
    let dir = sides::snapshots_root().join(set);
    let versions = sides::committed_versions(&dir)?;
    let Some((newest, newest_path)) = versions.last() else {
        bail!("no committed snapshots under {}", dir.display());
    };
    let installed = &compared.report.new_version;
    let mut s = String::new();
    let is_newest = match (
        uapi_model::snapshot::version_key(installed),
        uapi_model::snapshot::version_key(newest),
    ) {
        (Some(i), Some(n)) => i >= n,
        _ => false,
    };
    if is_newest {
        s.push_str(&format!(
            "# Newer committed versions\n\nLinux {installed} is the newest committed version (abi-snapshots/{set}/{newest}): \
             nothing newer to preview.\n"
        ));
        return Ok(s);
    }
    let mut target = uapi_model::snapshot::read_snapshot_dir(newest_path)?;
    let arches: Vec<Arch> = compared.report.arches.clone();
    target.retain(|l| arches.contains(&l.arch));
    let mine: Vec<_> = compared
        .new
        .layouts
        .iter()
        .filter(|l| target.iter().any(|t| t.arch == l.arch))
        .cloned()
        .collect();
    let report = uapi_abi::check::check(&mine, &target, None)?;
    let arch_names: Vec<&str> = report.arches.iter().map(|a| a.name()).collect();
    s.push_str(&format!(
        "# What Linux {newest} would change for this machine's userspace\n\n\
         {} (Linux {installed}) -> abi-snapshots/{set}/{newest}, on {}\n\
         verdict: {}\n",
        compared.new_path.display(),
        arch_names.join(", "),
        uapi_abi::report::verdict(&report)
    ));
    // The findings that need a person (breaks, api changes, warnings), the most severe first;
    // the others counted by rule.
    let serious: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity <= Severity::Warning)
        .collect();
    for f in serious.iter().take(PREVIEW_ITEMS) {
        let on = if f.arches.len() == Arch::ALL.len() {
            "all architectures".to_string()
        } else {
            f.arches
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        s.push_str(&format!(
            "  {:<10} {:<26} {}  [{on}]\n",
            f.severity.name(),
            f.rule,
            f.path()
        ));
    }
    if serious.len() > PREVIEW_ITEMS {
        s.push_str(&format!(
            "  ... and {} more\n",
            serious.len() - PREVIEW_ITEMS
        ));
    }
    for severity in [Severity::Compatible, Severity::Note] {
        let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for f in report.of_severity(severity) {
            *by_rule.entry(f.rule).or_default() += 1;
        }
        if by_rule.is_empty() {
            continue;
        }
        let mut counted: Vec<(&str, usize)> = by_rule.into_iter().collect();
        counted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = counted
            .iter()
            .map(|(rule, n)| format!("{n} {rule}"))
            .collect();
        s.push_str(&format!("  {:<10} {}\n", severity.name(), shown.join(", ")));
    }
    s.push_str(&format!(
        "the full report: uapi-guard check {} abi-snapshots/{set}/{newest}\n",
        compared.new_path.display()
    ));
    Ok(s)
}

/// `abi-snapshots/<set>/<version>` for a committed snapshot (wherever the binary found the
/// folder), else the path as given.
fn snapshot_label(path: &Path) -> String {
    let root = sides::snapshots_root();
    match path.strip_prefix(&root) {
        Ok(rest) => format!("abi-snapshots/{}", rest.display()),
        Err(_) => path.display().to_string(),
    }
}

/// Every architecture named on the command line must be on both sides (an error otherwise);
/// with `all`, the ones a side lacks are named on stderr, so none is dropped without a word.
fn compared_arches(
    given: &[String],
    arches: &[Arch],
    sides: &[(&PathBuf, &sides::Side)],
) -> Result<()> {
    let explicit = !given.iter().any(|g| g == "all");
    for (path, side) in sides {
        let missing: Vec<&str> = arches
            .iter()
            .filter(|a| !side.layouts.iter().any(|l| l.arch == **a))
            .map(|a| a.name())
            .collect();
        if missing.is_empty() {
            continue;
        }
        if explicit {
            bail!(
                "{}: has no layout for {} (asked for with --arch)",
                path.display(),
                missing.join(", ")
            );
        }
        verbosity::note(&format!(
            "not compared: {} ({} has no layout for them)",
            missing.join(", "),
            path.display()
        ));
    }
    Ok(())
}

/// The newest committed snapshot of `set` whose version is not newer than the new side's (the
/// oldest one if all are newer).
fn default_old(set: &str, new: &sides::Side) -> Result<PathBuf> {
    let dir = sides::snapshots_root().join(set);
    let versions = sides::committed_versions(&dir)?;
    let new_key = new
        .layouts
        .first()
        .and_then(|l| uapi_model::snapshot::version_key(&l.version));
    let pick = versions
        .iter()
        .rev()
        .find(
            |(v, _)| match (&new_key, uapi_model::snapshot::version_key(v)) {
                (Some(n), Some(k)) => k <= *n,
                _ => false,
            },
        )
        .or_else(|| versions.first());
    match pick {
        Some((_, p)) => Ok(p.clone()),
        None => bail!("no committed snapshots under {}", dir.display()),
    }
}

fn lint(args: LintArgs) -> Result<ExitCode> {
    let arches = parse_arches(&args.arch)?;
    let waivers = load_waivers(args.report.waivers.as_deref(), args.report.today.as_deref())?;
    let path = args.side.clone().unwrap_or_else(|| "/usr/include".into());
    let (scratch, _scratch_guard) = scratch()?;
    let policy = sandbox::Policy::system()
        .read_headers(&path, &arches)
        .write(scratch.path());
    let mode = args.sandbox.mode(sandbox::Mode::Auto);
    let reads_headers = !sides::is_snapshot_dir(&path);
    let progress = Progress::start();
    let side = confined(policy, mode, reads_headers, || {
        sides::load(&path, &args.set, &arches, args.verify.frontend())
    })?;
    cleanup::install();
    drop(scratch);
    if let Some(p) = progress {
        p.finish(&format!("linted {} ({} set)", path.display(), args.set));
    }
    compared_arches(&args.arch, &arches, &[(&path, &side)])?;
    let report = uapi_abi::check::lint(&side.layouts, waivers.as_ref())?;
    emit(&report, &args.report, &sides::sources(&side), &[path])
}

fn history(args: HistoryArgs) -> Result<ExitCode> {
    let waivers = load_waivers(args.waivers.as_deref(), args.today.as_deref())?;
    let versions = sides::committed_versions(&args.dir)?;
    if versions.len() < 2 {
        bail!(
            "{}: needs at least two snapshot directories named by kernel version",
            args.dir.display()
        );
    }
    outln!(
        "{:<16} {:>5} {:>5} {:>5} {:>7} {:>10} {:>5}  breaks",
        "pair",
        "arches",
        "break",
        "api",
        "warning",
        "compatible",
        "note"
    );
    let mut code = 0;
    // Each snapshot is read once, though it is the new side of one pair and the old of the next.
    let layouts = versions
        .iter()
        .map(|(_, dir)| uapi_model::snapshot::read_snapshot_dir(dir))
        .collect::<Result<Vec<_>, _>>()?;
    for (w, sides) in versions.windows(2).zip(layouts.windows(2)) {
        let report = uapi_abi::check::check(&sides[0], &sides[1], waivers.as_ref())?;
        let broken: Vec<String> = {
            let mut items: Vec<String> = report
                .of_severity(Severity::Break)
                .map(|f| f.item.clone())
                .collect();
            items.dedup();
            items
        };
        let shown = if broken.len() > 3 {
            format!("{} and {} more", broken[..3].join(", "), broken.len() - 3)
        } else {
            broken.join(", ")
        };
        outln!(
            "{:<16} {:>5} {:>5} {:>5} {:>7} {:>10} {:>5}  {}",
            format!("{} -> {}", w[0].0, w[1].0),
            report.arches.len(),
            report.count(Severity::Break),
            report.count(Severity::Api),
            report.count(Severity::Warning),
            report.count(Severity::Compatible),
            report.count(Severity::Note),
            if shown.is_empty() {
                "-".to_string()
            } else {
                shown
            }
        );
        code |= report.exit_code();
    }
    Ok(ExitCode::from(code as u8))
}

fn bot(args: BotArgs) -> Result<ExitCode> {
    let arches = parse_arches(&args.arch)?;
    let waivers = load_waivers(args.report.waivers.as_deref(), args.report.today.as_deref())?;
    let sandbox = args.sandbox.mode(sandbox::Mode::Require);
    if sandbox == sandbox::Mode::Require {
        if let Err(why) = sandbox::available() {
            bail!(
                "{why}: the bot compiles untrusted headers only inside a Landlock sandbox; \
                 pass --sandbox off to review without it (trusted changes only)"
            );
        }
    }
    cleanup::install();
    let inputs: Vec<PathBuf> = std::iter::once(args.repo.clone())
        .chain(args.patch.clone())
        .collect();
    let request = uapi_bot::Request {
        repo: args.repo,
        base: args.base,
        head: args.head,
        patch: args.patch,
        arches,
        limits: uapi_bot::bounded::Limits {
            seconds: args.compile_timeout,
            memory_mib: args.compile_memory,
        },
        waivers,
        sandbox,
        verify: args.verify.verify,
    };
    let review = uapi_bot::review(&request)?;
    let format = format_of(&args.report, Format::Markdown)?;
    let text = if format == Format::Markdown {
        let mut text = review_context(&review);
        if !review.changed.is_empty() {
            text.push_str(&uapi_abi::report::render_markdown(
                &review.report,
                MarkdownOptions::default(),
            ));
        }
        text
    } else {
        render(&review.report, &args.report, format, &review.sources)?
    };
    finish(&review.report, &args.report, &text, &inputs)
}

/// The bot comment's opening: what was compared and which headers were reviewed or refused.
fn review_context(review: &uapi_bot::Review) -> String {
    use uapi_abi::report::escape;
    let mut s = String::from("<!-- uapi-guard bot -->\n");
    if review.changed.is_empty() {
        s.push_str(&format!(
            "### uapi-guard: nothing to review\n\nThe change ({} → {}) touches no UAPI header \
             (include/uapi/, arch/\\*/include/uapi/).\n",
            escape(&review.base_label),
            escape(&review.head_label)
        ));
        return s;
    }
    let list = |v: &[String]| v.iter().map(|h| escape(h)).collect::<Vec<_>>().join(", ");
    s.push_str(&format!(
        "Reviewed {} → {}: changed {}",
        escape(&review.base_label),
        escape(&review.head_label),
        list(&review.changed)
    ));
    let dependents: Vec<String> = review
        .reviewed
        .iter()
        .filter(|h| !review.changed.contains(h))
        .cloned()
        .collect();
    if !dependents.is_empty() {
        s.push_str(&format!("; including them: {}", list(&dependents)));
    }
    s.push_str("\n\n");
    s
}

fn list_headers(args: HeadersArgs) -> Result<ExitCode> {
    let arch: Arch = args.arch.parse()?;
    let (mut headers, policy) = uapi_frontend::headers::resolve(&args.set, &args.root)?;
    if policy.asm {
        let sysroot = uapi_frontend::sysroot::Sysroot::new(&args.root, &[arch])?;
        headers.extend(sysroot.asm_headers(arch));
    }
    let mut out = String::new();
    for h in headers {
        out.push_str(&h);
        out.push('\n');
    }
    print_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints to stdout; a closed pipe (`| head`) ends the output quietly instead of a panic.
fn print_stdout(text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("writing to standard output"))
        }
        _ => Ok(()),
    }
}

fn rules() -> Result<ExitCode> {
    outln!("{:<28} {:<11} {:<7} summary", "id", "severity", "from");
    for k in uapi_abi::findings::kinds() {
        let from = match k.origin {
            uapi_abi::findings::Origin::Rule => "rule",
            uapi_abi::findings::Origin::Lint => "lint",
            uapi_abi::findings::Origin::Waiver => "waiver",
            uapi_abi::findings::Origin::Bot => "bot",
            uapi_abi::findings::Origin::Check => "check",
        };
        outln!(
            "{:<28} {:<11} {:<7} {}",
            k.id,
            k.severity.name(),
            from,
            k.summary
        );
    }
    Ok(ExitCode::SUCCESS)
}
