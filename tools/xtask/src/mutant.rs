//! `cargo xtask fuzz mutant MUTANT [SECONDS]`: does fuzzing kill a cargo-mutants mutant?
//!
//! The mutant's diff (`cargo mutants --list --json --diff`) is applied to a scratch copy of the
//! tracked sources under fuzz/target-mutant/src (never to the working tree); the copy is kept
//! between runs and only files whose content differs are rewritten, so with the persistent target
//! dir fuzz/target-mutant/target-<sanitizer> only soft-iommu recompiles from one mutant to the
//! next. Each affected target is fuzzed from the real tree's committed corpus for up to SECONDS.
//! Exit 0: killed (the minimised input is copied into corpora/regressions/<target>/); 1: survived;
//! 2: bad usage, an unknown mutant, one that does not build, or a failure of the machinery.

use crate::fuzz::{keep_regression, targets, Fuzzer};
use crate::util;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// The fuzz targets that exercise a file of soft-iommu.
fn affected_targets(file: &str) -> Vec<&'static str> {
    if file.ends_with("src/copy_struct.rs") {
        vec!["copy_struct"]
    } else if file.ends_with("src/usermem.rs") {
        vec!["copy_struct", "ioctl_bytes"]
    } else {
        vec!["ioctl_bytes", "invalidate_ops"]
    }
}

/// A mutant from `cargo mutants --list --json --diff`.
struct Mutant {
    file: String,
    package: String,
    diff: String,
}

fn find_mutant(top: &Path, name: &str) -> Result<Option<Mutant>> {
    let json = util::output(
        Command::new("cargo")
            .args(["mutants", "--list", "--json", "--diff"])
            .current_dir(top),
    )?;
    let all: serde_json::Value =
        serde_json::from_str(&json).context("parsing cargo mutants --list --json")?;
    let found = all
        .as_array()
        .context("cargo mutants --list --json: not an array")?
        .iter()
        .find(|m| m["name"].as_str() == Some(name.trim()));
    Ok(found.map(|m| Mutant {
        file: m["file"].as_str().unwrap_or_default().to_string(),
        package: m["package"].as_str().unwrap_or_default().to_string(),
        diff: m["diff"].as_str().unwrap_or_default().to_string(),
    }))
}

/// Makes `scratch` hold the working tree's tracked (and new, not ignored) files, except the
/// corpora, which are read from the real tree. Only files whose content differs are written.
fn sync_scratch(top: &Path, scratch: &Path) -> Result<()> {
    let list = util::output(
        Command::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .current_dir(top),
    )?;
    for name in list
        .split('\0')
        .filter(|n| !n.is_empty() && !n.starts_with("corpora/"))
    {
        let from = top.join(name);
        let to = scratch.join(name);
        let meta = match std::fs::symlink_metadata(&from) {
            Ok(m) => m,
            Err(_) => continue, // deleted in the working tree
        };
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&from)?;
            if std::fs::read_link(&to).ok().as_ref() != Some(&target) {
                let _ = std::fs::remove_file(&to);
                std::os::unix::fs::symlink(&target, &to)?;
            }
            continue;
        }
        let content = std::fs::read(&from)?;
        if std::fs::read(&to).ok().as_ref() != Some(&content) {
            std::fs::write(&to, &content)?;
            std::fs::set_permissions(&to, meta.permissions())?;
        }
    }
    Ok(())
}

/// Applies a cargo-mutants diff to `file` in `scratch` (the diff's headers name no file; `patch`
/// is given it).
fn apply(scratch: &Path, file: &str, diff: &str) -> Result<()> {
    let mut patch = Command::new("patch")
        .args(["-s", "--no-backup-if-mismatch", "-p0", file])
        .current_dir(scratch)
        .stdin(Stdio::piped())
        .spawn()
        .context("running patch")?;
    if let Some(mut stdin) = patch.stdin.take() {
        stdin.write_all(diff.as_bytes())?;
    }
    if !patch.wait()?.success() {
        bail!("the mutant's diff does not apply to {file}");
    }
    Ok(())
}

/// Prints an input as hex, 16 bytes a line.
fn print_hex(bytes: &[u8]) {
    for (i, line) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        println!("  {:08x}  {}", i * 16, hex.join(" "));
    }
}

pub fn main(top: &Path, name: &str, seconds: u64, target: Option<&str>) -> Result<ExitCode> {
    match run(top, name, seconds, target) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("mutant: {e:#}");
            Ok(ExitCode::from(2))
        }
    }
}

fn run(top: &Path, name: &str, seconds: u64, target: Option<&str>) -> Result<ExitCode> {
    let known = targets(top)?;
    let Some(mutant) = find_mutant(top, name)? else {
        eprintln!("mutant: no mutant named {name:?} (see `cargo mutants --list`)");
        return Ok(ExitCode::from(2));
    };
    let chosen: Vec<String> = match target {
        Some(t) if known.iter().any(|k| k.name == t) => vec![t.to_string()],
        Some(t) => {
            eprintln!("mutant: no fuzz target {t:?} (see `cargo xtask list targets`)");
            return Ok(ExitCode::from(2));
        }
        None if mutant.package == "soft-iommu" => affected_targets(&mutant.file)
            .into_iter()
            .map(String::from)
            .collect(),
        None => {
            eprintln!(
                "mutant: {} is not in soft-iommu; name the fuzz target with --target",
                mutant.file
            );
            return Ok(ExitCode::from(2));
        }
    };

    let base = top.join("fuzz/target-mutant");
    let scratch = base.join("src");
    eprintln!("mutant: {name}");
    eprintln!("mutant: applying it in {}", scratch.display());
    sync_scratch(top, &scratch)?;
    apply(&scratch, &mutant.file, &mutant.diff)?;

    let real = Fuzzer::detect(top);
    let target_dir = base.join(format!("target-{}", real.sanitizer));
    let fuzzer = real.elsewhere(scratch.join("fuzz"), &target_dir, base.join("artifacts"));
    let names: Vec<&str> = chosen.iter().map(String::as_str).collect();
    if fuzzer.build(&names).is_err() {
        eprintln!("mutant: the mutated tree does not build (an unviable mutant)");
        return Ok(ExitCode::from(2));
    }
    for t in &names {
        for old in fuzzer.crash_artifacts(t)? {
            std::fs::remove_file(old)?;
        }
        eprintln!("mutant: fuzzing {t} for up to {seconds} s from its committed corpus");
        let work = tempfile::tempdir()?;
        let corpora: Vec<PathBuf> = vec![
            top.join("corpora").join(t),
            top.join("corpora/regressions").join(t),
        ];
        let start = Instant::now();
        let run = fuzzer.run_target(t, seconds, work.path(), &corpora, &[], &[])?;
        let elapsed = start.elapsed().as_secs_f64();
        let Some(artifact) = fuzzer.crash_artifacts(t)?.into_iter().next() else {
            if run.rc != 0 {
                let tail: Vec<&str> = run.log.lines().rev().take(10).collect();
                bail!(
                    "{t} failed without a crash artifact (exit {}):\n{}",
                    run.rc,
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            eprintln!("mutant: {t}: survived {seconds} s");
            continue;
        };
        // The panic's location and its message (the line after), or libFuzzer's error.
        let lines: Vec<&str> = run.log.lines().collect();
        let reason = match lines.iter().position(|l| l.contains("panicked at")) {
            Some(i) => lines[i..(i + 2).min(lines.len())].join(" "),
            None => lines
                .iter()
                .find(|l| l.contains("ERROR"))
                .map_or_else(String::new, |l| l.to_string()),
        };
        println!("killed by {t} after {elapsed:.1} s: {}", reason.trim());
        let minimised = fuzzer.tmin(t, &artifact)?;
        let input = minimised.unwrap_or(artifact);
        let kept = keep_regression(top, t, &input)?;
        let bytes = std::fs::read(&kept)?;
        println!(
            "minimised input ({} bytes): {}",
            bytes.len(),
            kept.strip_prefix(top).unwrap_or(&kept).display()
        );
        print_hex(&bytes);
        return Ok(ExitCode::SUCCESS);
    }
    println!("survived: {name}");
    Ok(ExitCode::FAILURE)
}
