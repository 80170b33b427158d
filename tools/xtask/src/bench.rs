//! `cargo xtask bench` (extraction speed) and `cargo xtask bench-abidiff` (uapi-guard's check
//! against the kernel's gcc/abidw/abidiff method), both on the release build of uapi-guard.

use crate::util::{self, median, time_once};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;
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

/// The kernel's method for one header: compile with -g keeping unused types (plus one symbol,
/// without which abidw refuses an object), then abidw with every type. Leaves `<out>.xml` on
/// success.
fn dump_header(root: &Path, header: &str, out: &Path) -> Result<()> {
    let object = out.with_extension("o");
    let mut gcc = Command::new("gcc")
        .args([
            "-x",
            "c",
            "-",
            "-c",
            "-g",
            "-fno-eliminate-unused-debug-types",
            "-I",
        ])
        .arg(root)
        .arg("-I")
        .arg(root.join("x86_64-linux-gnu"))
        .arg("-o")
        .arg(&object)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = gcc.stdin.take() {
        write!(stdin, "#include <{header}>\nint uapi_guard_anchor;\n")?;
    }
    if !gcc.wait()?.success() {
        return Ok(());
    }
    let xml = out.with_extension("xml");
    let dumped = Command::new("abidw")
        .args([
            "--load-all-types",
            "--no-corpus-path",
            "--no-comp-dir-path",
            "--type-id-style",
            "hash",
        ])
        .arg("--out-file")
        .arg(&xml)
        .arg(&object)
        .stderr(Stdio::null())
        .status()?
        .success();
    if !dumped {
        let _ = std::fs::remove_file(&xml);
    }
    Ok(())
}

/// Dumps every header of the all set (x86_64) of `root` into `<work>/<side>/`.
fn dump_side(guard: &Path, work: &Path, side: &str, root: &Path) -> Result<()> {
    let dir = work.join(side);
    std::fs::create_dir_all(&dir)?;
    let list = util::output(
        Command::new(guard)
            .arg("headers")
            .arg(root)
            .args(["--set", "all", "--arch", "x86_64"]),
    )?;
    let headers: Vec<&str> = list.lines().collect();
    // Every core, as the kernel's method runs (rayon's pool has one thread per core).
    headers.par_iter().for_each(|h| {
        // `<dir>/linux_vfio.h` + .o / .xml, as the script named them.
        let out = dir.join(format!("{}.x", h.replace('/', "_")));
        if let Err(e) = dump_header(root, h, &out) {
            eprintln!("bench-abidiff: {h}: {e:#}");
        }
    });
    Ok(())
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
/// each header with -g, abidw, abidiff) on the same pair of include trees and the same headers:
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
    if !on_path("abidw") {
        eprintln!("bench-abidiff: abidw missing (tools/scripts/setup.sh --bench)");
        return Ok(ExitCode::FAILURE);
    }
    let work = tempfile::Builder::new()
        .prefix("bench-abidiff.")
        .tempdir_in("/tmp")?
        .keep();

    // uapi-guard: both sides read from headers, all rules, one command.
    let (ours, ours_rc) = guard_check(&guard, &old, &new, "x86_64", &work, "uapi-guard")?;
    let (ours_all, all_rc) = guard_check(&guard, &old, &new, "all", &work, "uapi-guard-all")?;

    // The kernel's method, header by header, on every core, then abidiff of each pair present on
    // both sides, non-reachable types included.
    let start = Instant::now();
    dump_side(&guard, &work, "old", &old)?;
    dump_side(&guard, &work, "new", &new)?;
    let xmls: Vec<String> = util::files_in(&work.join("old"))?
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".xml"))
        .collect();
    let codes: Mutex<Vec<(String, i32)>> = Mutex::new(Vec::new());
    let removed: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    xmls.par_iter().for_each(|x| {
        let (o, n) = (work.join("old").join(x), work.join("new").join(x));
        if !n.is_file() {
            removed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(x.clone());
            return;
        }
        let diff = work.join("old").join(format!("{x}.diff"));
        let result = std::fs::File::create(&diff).and_then(|f| {
            Command::new("abidiff")
                .arg("--non-reachable-types")
                .arg(&o)
                .arg(&n)
                .stdout(f.try_clone()?)
                .stderr(f)
                .status()
        });
        match result {
            Ok(status) => codes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((x.clone(), status.code().unwrap_or(-1))),
            Err(e) => failures
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("{x}: {e}")),
        }
    });
    let theirs = format!("{:.1}", start.elapsed().as_secs_f64());
    let (mut codes, mut removed) = (codes.into_inner()?, removed.into_inner()?);
    let failures = failures.into_inner()?;
    if !failures.is_empty() {
        bail!("abidiff did not run: {}", failures.join("; "));
    }
    codes.sort();
    removed.sort();
    let codes_text: String = codes.iter().map(|(x, c)| format!("{x} {c}\n")).collect();
    std::fs::write(work.join("abidiff.codes"), codes_text)?;
    if !removed.is_empty() {
        let text: String = removed.iter().map(|x| format!("{x} removed\n")).collect();
        std::fs::write(work.join("abidiff.removed"), text)?;
    }

    let changed = codes.iter().filter(|(_, c)| *c != 0).count();
    let incompatible = codes.iter().filter(|(_, c)| *c >= 8).count();
    let mut lines = 0;
    for f in util::files_in(&work.join("old"))? {
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
        "{:<34} {:>8} s  {} headers dumped; abidiff: {changed} headers changed, {incompatible} incompatible, {lines} report lines",
        "gcc -g + abidw + abidiff",
        theirs,
        xmls.len()
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
        "details: {} (uapi-guard.json, abidiff.codes, old/*.diff)",
        work.display()
    );
    Ok(ExitCode::SUCCESS)
}
