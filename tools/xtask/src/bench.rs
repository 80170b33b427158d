//! `cargo xtask bench` (extraction speed) and `cargo xtask bench-abidiff` (uapi-guard's check
//! against the kernel's own method, scripts/check-uapi.sh's gcc and abidiff per header), both on the release build of uapi-guard.

use crate::util::{self, median, time_once};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

fn guard(top: &Path) -> PathBuf {
    top.join("target/release/uapi-guard")
}

/// Median wall time of `runs` runs of `uapi-guard ARGS`, with two decimals.
fn median_time(guard: &Path, args: &[String], runs: usize) -> Result<String> {
    let mut times = Vec::new();
    for _ in 0..runs {
        times.push(time_once(Command::new(guard).args(args))?);
    }
    Ok(median(&times).map_or_else(String::new, |t| format!("{t:.2}")))
}

/// Extraction speed with the release build (wall time, median of N runs), the way `check` and the
/// bot read header trees (the direct libclang front end):
///   - the vfio set of /usr/include for all seven architectures (target: under 0.5 s)
///   - the all set of /usr/include (every UAPI folder and asm/) for x86_64 (target: under 2 s)
///
/// and, for comparison, the bindgen-and-probe path that writes committed snapshots (vfio set).
pub fn bench(runs: usize, all_runs: usize) -> Result<ExitCode> {
    let top = util::top()?;
    let guard = guard(&top);
    let strings = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let mut vfio_args = vec!["snapshot".to_string()];
    for h in
        util::output(Command::new(&guard).args(["headers", "--set", "vfio"]))?.split_whitespace()
    {
        vfio_args.extend(["--header".to_string(), h.to_string()]);
    }
    vfio_args.extend(strings(&["--arch", "all", "--kernel-version", "bench"]));
    let vfio = median_time(&guard, &vfio_args, runs)?;
    let all_args = strings(&[
        "snapshot",
        "--set",
        "all",
        "--arch",
        "x86_64",
        "--kernel-version",
        "bench",
    ]);
    let all = median_time(&guard, &all_args, all_runs)?;
    let headers =
        util::output(Command::new(&guard).args(["headers", "--set", "all", "--arch", "x86_64"]))?
            .lines()
            .count();
    let probe_args = strings(&[
        "snapshot",
        "--set",
        "vfio",
        "--arch",
        "all",
        "--kernel-version",
        "bench",
    ]);
    let probe = median_time(&guard, &probe_args, all_runs)?;
    println!(
        "{:<52} {:>8} s  (median of {runs}; target < 0.5 s)",
        "vfio set, 7 architectures", vfio
    );
    println!(
        "{:<52} {:>8} s  (median of {all_runs}; target < 2 s)",
        format!("all set ({headers} headers), x86_64"),
        all
    );
    println!(
        "{:<52} {:>8} s  (median of {all_runs})",
        "vfio set, 7 architectures, bindgen and the probe", probe
    );
    Ok(ExitCode::SUCCESS)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// What the kernel's method made of one header.
enum Verdict {
    /// Missing on the new side (the script's "was removed" error).
    Removed,
    /// A side did not compile (the script's "Could not compile" error).
    NoCompile,
    /// abidiff's exit status.
    Diffed(i32),
}

/// scripts/check-uapi.sh's `do_compile`: the header forced into a one-function C90 file built
/// into a shared object with -O0 -g, keeping unused types. Debian's trees keep asm/ under the
/// multiarch folder, hence the second -I (headers_install puts it in the include root itself).
fn kernel_compile(root: &Path, header: &Path, out: &Path) -> Result<bool> {
    let mut gcc = Command::new("gcc")
        .args(["-shared", "-nostdlib", "-fPIC", "-o"])
        .arg(out)
        .args([
            "-x",
            "c",
            "-O0",
            "-std=c90",
            "-fno-eliminate-unused-debug-types",
            "-g",
        ])
        .arg(format!("-I{}", root.display()))
        .arg(format!("-I{}", root.join("x86_64-linux-gnu").display()))
        .arg("-include")
        .arg(header)
        .arg("-")
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = gcc.stdin.take() {
        stdin.write_all(b"int f(void) { return 0; }\n")?;
    }
    Ok(gcc.wait()?.success())
}

/// Where `header` (an include name) is in a Debian tree: asm/ under the multiarch folder.
fn installed(root: &Path, header: &str) -> PathBuf {
    match header.starts_with("asm/") {
        true => root.join("x86_64-linux-gnu").join(header),
        false => root.join(header),
    }
}

/// scripts/check-uapi.sh's `compare_abi` for one header: compile the new side, then the old,
/// then `abidiff --non-reachable-types old new` (its report goes to `<work>/log/<name>.diff`).
/// The script's suppression file is left out: it filters what abidiff reports, not what it reads.
fn kernel_method(old: &Path, new: &Path, header: &str, work: &Path) -> Result<Verdict> {
    let (old_header, new_header) = (installed(old, header), installed(new, header));
    if !new_header.is_file() {
        return Ok(Verdict::Removed);
    }
    let name = header.replace('/', "_");
    let log = work.join("log");
    let (old_bin, new_bin) = (
        log.join(format!("{name}.old.bin")),
        log.join(format!("{name}.new.bin")),
    );
    if !kernel_compile(new, &new_header, &new_bin)? || !kernel_compile(old, &old_header, &old_bin)?
    {
        return Ok(Verdict::NoCompile);
    }
    let report = std::fs::File::create(log.join(format!("{name}.diff")))?;
    let status = Command::new("abidiff")
        .arg("--non-reachable-types")
        .arg(&old_bin)
        .arg(&new_bin)
        .stdout(report.try_clone()?)
        .stderr(report)
        .status()?;
    Ok(Verdict::Diffed(status.code().unwrap_or(-1)))
}

/// One line about a uapi-guard JSON report.
fn summary(report: &Path) -> Result<String> {
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(report)?)?;
    let s = &r["summary"];
    let n = |k: &str| s[k].as_u64().context("summary count");
    let heads: BTreeSet<&str> = r["findings"]
        .as_array()
        .context("findings")?
        .iter()
        .filter(|f| f["severity"] == "break")
        .filter_map(|f| f["header"].as_str())
        .collect();
    Ok(format!(
        "{} break findings in {} headers, {} api, {} warning, {} compatible, {} note",
        n("break")?,
        heads.len(),
        n("api")?,
        n("warning")?,
        n("compatible")?,
        n("note")?
    ))
}

/// Runs uapi-guard's check of `old` against `new`; seconds (one decimal) and exit status.
fn guard_check(
    guard: &Path,
    old: &Path,
    new: &Path,
    arch: &str,
    work: &Path,
    name: &str,
) -> Result<(String, i32)> {
    let start = Instant::now();
    let status = Command::new(guard)
        .arg("check")
        .arg(old)
        .arg(new)
        .args([
            "--set", "all", "--arch", arch, "--format", "json", "--output",
        ])
        .arg(work.join(format!("{name}.json")))
        .stderr(std::fs::File::create(work.join(format!("{name}.err")))?)
        .status()?;
    Ok((
        format!("{:.1}", start.elapsed().as_secs_f64()),
        status.code().unwrap_or(-1),
    ))
}

/// Compares uapi-guard's full check with the kernel's own method (scripts/check-uapi.sh: compile
/// each header into a shared object with -g, abidiff the two) on the same pair of include trees and the same headers:
/// every header of the `all` set. The kernel's method checks x86_64 only; uapi-guard runs twice,
/// for x86_64 and for all seven architectures.
pub fn abidiff(old: Option<PathBuf>, new: Option<PathBuf>) -> Result<ExitCode> {
    let top = util::top()?;
    let guard = guard(&top);
    let cache = top.join(".cache/kernel-headers");
    let old = old.unwrap_or_else(|| cache.join("bookworm/usr/include"));
    let new = new.unwrap_or_else(|| cache.join("trixie/usr/include"));
    for d in [&old, &new] {
        if !d.join("linux").is_dir() {
            eprintln!(
                "bench-abidiff: {}/linux missing (run tools/scripts/fetch-kernel-headers.sh)",
                d.display()
            );
            return Ok(ExitCode::FAILURE);
        }
    }
    let old = old.canonicalize()?;
    let new = new.canonicalize()?;
    if !on_path("abidiff") {
        eprintln!("bench-abidiff: abidiff missing (tools/scripts/setup.sh --bench)");
        return Ok(ExitCode::FAILURE);
    }
    let work = tempfile::Builder::new()
        .prefix("bench-abidiff.")
        .tempdir_in("/tmp")?
        .keep();

    // uapi-guard: both sides read from headers, all rules, one command.
    let (ours, ours_rc) = guard_check(&guard, &old, &new, "x86_64", &work, "uapi-guard")?;
    let (ours_all, all_rc) = guard_check(&guard, &old, &new, "all", &work, "uapi-guard-all")?;

    // The kernel's method (scripts/check-uapi.sh): every header of the old side, one job per
    // header on every core, each compiling both sides and running abidiff.
    let start = Instant::now();
    let list = util::output(
        Command::new(&guard)
            .arg("headers")
            .arg(&old)
            .args(["--set", "all", "--arch", "x86_64"]),
    )?;
    let headers: Vec<&str> = list.lines().collect();
    std::fs::create_dir_all(work.join("log"))?;
    let verdicts: Vec<(String, Result<Verdict>)> = headers
        .par_iter()
        .map(|h| (h.to_string(), kernel_method(&old, &new, h, &work)))
        .collect();
    let theirs = format!("{:.1}", start.elapsed().as_secs_f64());
    let mut codes = Vec::new();
    let (mut removed, mut no_compile, mut failures) = (Vec::new(), 0, Vec::new());
    for (h, v) in verdicts {
        match v {
            Ok(Verdict::Diffed(c)) => codes.push((h, c)),
            Ok(Verdict::Removed) => removed.push(h),
            Ok(Verdict::NoCompile) => no_compile += 1,
            Err(e) => failures.push(format!("{h}: {e:#}")),
        }
    }
    if !failures.is_empty() {
        bail!("the kernel's method did not run: {}", failures.join("; "));
    }
    let codes_text: String = codes.iter().map(|(h, c)| format!("{h} {c}\n")).collect();
    std::fs::write(work.join("abidiff.codes"), codes_text)?;
    if !removed.is_empty() {
        let text: String = removed.iter().map(|h| format!("{h} removed\n")).collect();
        std::fs::write(work.join("abidiff.removed"), text)?;
    }

    let changed = codes.iter().filter(|(_, c)| *c != 0).count();
    let incompatible = codes.iter().filter(|(_, c)| *c & 8 != 0).count();
    let mut lines = 0;
    for f in util::files_in(&work.join("log"))? {
        if f.extension().is_some_and(|e| e == "diff") {
            lines += std::fs::read_to_string(&f).map_or(0, |t| t.lines().count());
        }
    }
    let report = |name: &str, rc: i32| {
        summary(&work.join(format!("{name}.json")))
            .unwrap_or_else(|_| format!("no report (exit {rc}, see {}/{name}.err)", work.display()))
    };
    println!(
        "{:<34} {:>8} s  exit {ours_rc}: {}",
        "uapi-guard check (all, x86_64)",
        ours,
        report("uapi-guard", ours_rc)
    );
    println!(
        "{:<34} {:>8} s  exit {all_rc}: {}",
        "uapi-guard check (all, 7 arches)",
        ours_all,
        report("uapi-guard-all", all_rc)
    );
    println!(
        "{:<34} {:>8} s  {} headers: {} compared, {} removed, {no_compile} did not compile; abidiff: {changed} changed, {incompatible} incompatible, {lines} report lines",
        "check-uapi.sh method (gcc, abidiff)",
        theirs,
        headers.len(),
        codes.len(),
        removed.len()
    );
    let ratio = |a: &str, b: &str| {
        let (a, b): (f64, f64) = (a.parse().unwrap_or(0.0), b.parse().unwrap_or(0.0));
        format!("{:.2}", a / b)
    };
    println!(
        "ratio (abidiff method, x86_64 / uapi-guard, x86_64): {}x (target >= 10)",
        ratio(&theirs, &ours)
    );
    println!(
        "ratio (abidiff method, x86_64 / uapi-guard, 7 architectures): {}x (target > 1)",
        ratio(&theirs, &ours_all)
    );
    println!(
        "details: {} (uapi-guard.json, abidiff.codes, log/*.diff)",
        work.display()
    );
    Ok(ExitCode::SUCCESS)
}
