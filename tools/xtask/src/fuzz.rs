//! `cargo xtask fuzz <verb>`: cargo-fuzz driven over the targets of fuzz/Cargo.toml.
//!
//! With a nightly toolchain the targets are built with AddressSanitizer; without one (or with
//! FUZZ_SANITIZER=none) they are built on stable with `-s none` into fuzz/target-none, and the
//! task says so. FUZZ_EXTRA adds libFuzzer flags to every run.

use crate::util::{self, count_files, files_in, median};
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use soft_iommu::hazard::Hazard;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// The target that does nothing (fuzz/fuzz_targets/empty.rs): the engine's ceiling for `speed`.
/// Every other verb leaves it out.
pub const EMPTY_TARGET: &str = "empty";

/// The target a hunt fuzzes in the `v1` profile.
const HUNT_TARGET: &str = "invalidate_ops";

#[derive(Subcommand)]
pub enum Verb {
    /// Build every target.
    Build,
    /// Fuzz one target from its corpus (corpora/<target> and corpora/regressions/<target>); prints
    /// the last 20 lines of libFuzzer's log and exits with its status.
    Run {
        target: String,
        #[arg(default_value_t = 60)]
        seconds: u64,
    },
    /// Every target briefly from its corpus (CI): deterministic (-seed=1, at most FUZZ_SMOKE_RUNS
    /// runs, default 20000); prints a table; exit 1 on a crash.
    Smoke {
        #[arg(default_value_t = 10)]
        seconds: u64,
    },
    /// Every target SECONDS each: merge new coverage into corpora/ and re-minimise it as cmin
    /// does, minimise crashes into corpora/regressions/, print a table; exit 1 on a crash.
    Nightly {
        #[arg(default_value_t = 300)]
        seconds: u64,
    },
    /// Minimise every corpora/<target>: keep the named seeds, and of the merged inputs (SHA-1
    /// names) only those that reach coverage the seeds and the others do not.
    Cmin,
    /// Source coverage of the committed corpora (every target, or one): a summary table, and HTML
    /// under fuzz/coverage/report/<target>/ (needs nightly; installs its llvm-tools component).
    Coverage { target: Option<String> },
    /// Throughput: every target for SECONDS (default 20) from a copy of its corpus, beside the
    /// engine's ceiling (the empty target) and the same target with its oracle off
    /// (UAPI_GUARD_ORACLE=off; `-` where a target has no separable oracle). corpora/ is untouched.
    Speed {
        #[arg(default_value_t = 20)]
        seconds: u64,
    },
    /// Fuzz the v1 profile from an empty corpus once per hazard of the seed review and run (seed =
    /// run number; findings of other hazards are passed over); report the time to the first
    /// violation of that hazard (median, worst), then run the fixed profiles FIXED_SECONDS each
    /// (default SECONDS) and expect no violation.
    Hunt {
        #[arg(default_value_t = 60)]
        seconds: u64,
        #[arg(default_value_t = 3)]
        runs: u32,
        fixed_seconds: Option<u64>,
    },
    /// Fuzz a cargo-mutants mutant (a name as `cargo mutants --list` prints it) in a scratch copy
    /// of the tracked sources: exit 0 when the fuzzer kills it (the minimised input is copied into
    /// corpora/regressions/<target>/), 1 when it survives SECONDS (default 60) per target, 2 for
    /// bad usage, an unknown mutant or one that does not build.
    Mutant {
        mutant: String,
        #[arg(default_value_t = 60)]
        seconds: u64,
        /// Fuzz this target instead of those the mutated file affects.
        #[arg(long)]
        target: Option<String>,
    },
}

/// A fuzz target of fuzz/Cargo.toml, and what its source reads.
pub struct Target {
    pub name: String,
    /// It checks the profiles UAPI_GUARD_PROFILES names (calls `profiles()` of profiles.rs).
    pub reads_profiles: bool,
    /// It can run without its oracle (calls `oracle()` of profiles.rs: UAPI_GUARD_ORACLE).
    pub oracle_switch: bool,
}

/// The targets of fuzz/Cargo.toml's `[[bin]]` entries, in their order, without [`EMPTY_TARGET`].
pub fn targets(top: &Path) -> Result<Vec<Target>> {
    let manifest_path = top.join("fuzz/Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let manifest: toml::Table = text.parse().context("parsing fuzz/Cargo.toml")?;
    let Some(bins) = manifest.get("bin").and_then(|b| b.as_array()) else {
        bail!("fuzz/Cargo.toml has no [[bin]] entries");
    };
    let mut targets = Vec::new();
    for bin in bins {
        let (Some(name), Some(path)) = (
            bin.get("name").and_then(|v| v.as_str()),
            bin.get("path").and_then(|v| v.as_str()),
        ) else {
            bail!("fuzz/Cargo.toml: a [[bin]] without name or path");
        };
        if name == EMPTY_TARGET {
            continue;
        }
        let source = std::fs::read_to_string(top.join("fuzz").join(path))
            .with_context(|| format!("reading fuzz/{path}"))?;
        targets.push(Target {
            name: name.to_string(),
            reads_profiles: source.contains("profiles()"),
            oracle_switch: source.contains("oracle()"),
        });
    }
    Ok(targets)
}

/// How cargo-fuzz is invoked: toolchain, build flags, where.
pub struct Fuzzer {
    /// `+nightly`, or nothing for the default toolchain.
    toolchain: Option<&'static str>,
    /// The flags of every build and run (`-O`, and `-s none --target-dir ...` on stable).
    flags: Vec<OsString>,
    /// The fuzz crate's directory (the commands run there).
    pub fuzz_dir: PathBuf,
    /// Where crash artifacts go: `<artifacts>/<target>/`.
    pub artifacts: PathBuf,
    pub sanitizer: &'static str,
}

/// One libFuzzer run: its combined output and exit status.
pub struct Run {
    pub log: String,
    pub rc: i32,
}

impl Run {
    /// A `stat::NAME:` value of `-print_final_stats`, or an empty string.
    pub fn stat(&self, name: &str) -> String {
        let key = format!("stat::{name}:");
        self.log
            .lines()
            .find(|l| l.contains(&key))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or_default()
            .to_string()
    }

    /// Executions per second, as printed by libFuzzer.
    pub fn exec_per_sec(&self) -> String {
        self.stat("average_exec_per_sec")
    }

    /// The coverage (`cov:`) of libFuzzer's last status line, or an empty string.
    pub fn cov(&self) -> String {
        let last = self.log.lines().rev().find(|l| {
            l.strip_prefix('#')
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        });
        last.and_then(|l| l.split_once("cov: "))
            .map(|(_, rest)| rest.chars().take_while(|c| c.is_ascii_digit()).collect())
            .unwrap_or_default()
    }
}

pub fn nightly_installed() -> bool {
    Command::new("rustup")
        .args(["toolchain", "list"])
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with("nightly"))
        })
        .unwrap_or(false)
}

/// ASAN_OPTIONS for a run: `more`, then the user's (a later option wins). The targets' own
/// defaults (fuzz_targets/sanitizer.rs) come before both.
fn asan_options(more: &str) -> String {
    join_options(&[more, &std::env::var("ASAN_OPTIONS").unwrap_or_default()])
}

/// Sanitizer option lists joined with `:`, empty ones left out.
fn join_options(lists: &[&str]) -> String {
    let lists: Vec<&str> = lists.iter().copied().filter(|o| !o.is_empty()).collect();
    lists.join(":")
}

/// The extra libFuzzer flags of FUZZ_EXTRA.
fn fuzz_extra() -> Vec<String> {
    std::env::var("FUZZ_EXTRA")
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect()
}

impl Fuzzer {
    /// Nightly with AddressSanitizer when a nightly toolchain is installed and FUZZ_SANITIZER is
    /// not `none`; otherwise stable with `-s none` into `<fuzz_dir>/target-none`.
    pub fn detect(top: &Path) -> Fuzzer {
        let fuzz_dir = top.join("fuzz");
        let wants_asan = std::env::var("FUZZ_SANITIZER").map_or(true, |s| s != "none");
        if wants_asan && nightly_installed() {
            Fuzzer {
                toolchain: Some("+nightly"),
                flags: vec!["-O".into()],
                artifacts: fuzz_dir.join("artifacts"),
                fuzz_dir,
                sanitizer: "address",
            }
        } else {
            eprintln!(
                "fuzz: no nightly toolchain (or FUZZ_SANITIZER=none): building on stable without sanitizers (-s none)"
            );
            Fuzzer {
                toolchain: None,
                flags: vec![
                    "-O".into(),
                    "-s".into(),
                    "none".into(),
                    "--target-dir".into(),
                    fuzz_dir.join("target-none").into(),
                ],
                artifacts: fuzz_dir.join("artifacts"),
                fuzz_dir,
                sanitizer: "none",
            }
        }
    }

    /// The same fuzzer on another copy of the fuzz crate, building into `target_dir`.
    pub fn elsewhere(&self, fuzz_dir: PathBuf, target_dir: &Path, artifacts: PathBuf) -> Fuzzer {
        let mut flags: Vec<OsString> = vec!["-O".into()];
        if self.sanitizer == "none" {
            flags.extend(["-s".into(), "none".into()]);
        }
        flags.extend(["--target-dir".into(), target_dir.into()]);
        Fuzzer {
            toolchain: self.toolchain,
            flags,
            fuzz_dir,
            artifacts,
            sanitizer: self.sanitizer,
        }
    }

    /// `cargo [+nightly] fuzz VERB FLAGS...`, run in the fuzz crate.
    pub fn command(&self, verb: &str) -> Command {
        let mut cmd = Command::new("cargo");
        cmd.args(self.toolchain)
            .arg("fuzz")
            .arg(verb)
            .args(&self.flags)
            .current_dir(&self.fuzz_dir)
            // `cargo xtask` runs us with the outer cargo's toolchain settings; the inner cargo picks
            // its own.
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("CARGO");
        cmd
    }

    /// Builds every target (or the ones named), cargo's output on stderr.
    pub fn build(&self, only: &[&str]) -> Result<()> {
        let mut cmd = self.command("build");
        cmd.args(only).stdout(std::io::stderr());
        util::run(&mut cmd)
    }

    /// Fuzzes `target` for `seconds` with `work` as the corpus it writes and `corpora` as more
    /// inputs; `extra` are more libFuzzer flags, `env` more variables.
    pub fn run_target(
        &self,
        target: &str,
        seconds: u64,
        work: &Path,
        corpora: &[PathBuf],
        extra: &[String],
        env: &[(&str, &str)],
    ) -> Result<Run> {
        let artifacts = self.artifacts.join(target);
        std::fs::create_dir_all(&artifacts)?;
        let log_file = tempfile::tempfile()?;
        let mut cmd = self.command("run");
        cmd.arg(target)
            .arg(work)
            .args(corpora)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg("-rss_limit_mb=4096")
            .args(extra)
            .envs(env.iter().copied())
            .stdout(log_file.try_clone()?)
            .stderr(log_file.try_clone()?);
        let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
        let mut log_file = log_file;
        use std::io::{Read, Seek};
        log_file.rewind()?;
        let mut bytes = Vec::new();
        log_file.read_to_end(&mut bytes)?;
        Ok(Run {
            log: String::from_utf8_lossy(&bytes).into_owned(),
            rc: status.code().unwrap_or(1),
        })
    }

    /// libFuzzer's merge of `inputs` into `into`, its output discarded.
    fn merge(&self, target: &str, into: &Path, inputs: &Path, extra: &[&str]) -> Result<()> {
        self.command("run")
            .arg(target)
            .arg(into)
            .arg(inputs)
            .arg("--")
            .arg("-merge=1")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        Ok(())
    }

    /// `cargo fuzz tmin` of one artifact (2000 runs), output discarded; returns the newest
    /// `minimized-from-*` of the target's artifacts, if any.
    pub fn tmin(&self, target: &str, artifact: &Path) -> Result<Option<PathBuf>> {
        self.command("tmin")
            .arg(target)
            .arg(artifact)
            .args(["-r", "2000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
        for f in files_in(&self.fuzz_dir.join("artifacts").join(target))? {
            let named = f
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("minimized-from-"));
            if !named {
                continue;
            }
            let modified = f.metadata()?.modified()?;
            if newest.as_ref().is_none_or(|(t, _)| modified > *t) {
                newest = Some((modified, f));
            }
        }
        Ok(newest.map(|(_, f)| f))
    }

    /// The crash, timeout and out-of-memory artifacts of `target`, in the scripts' order.
    pub fn crash_artifacts(&self, target: &str) -> Result<Vec<PathBuf>> {
        let files = files_in(&self.artifacts.join(target))?;
        let mut found = Vec::new();
        for prefix in ["crash-", "timeout-", "oom-"] {
            found.extend(
                files
                    .iter()
                    .filter(|f| {
                        f.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
                    })
                    .cloned(),
            );
        }
        Ok(found)
    }
}

/// Copies a crashing input into `corpora/regressions/<target>/<first 16 hex of its SHA-1>` and
/// returns that path.
pub fn keep_regression(top: &Path, target: &str, input: &Path) -> Result<PathBuf> {
    let dir = top.join("corpora/regressions").join(target);
    std::fs::create_dir_all(&dir)?;
    let sha = util::sha1_hex(input)?;
    let dest = dir.join(&sha[..16.min(sha.len())]);
    std::fs::copy(input, &dest)?;
    Ok(dest)
}

pub fn main(verb: Verb) -> Result<ExitCode> {
    let top = util::top()?;
    if let Verb::Mutant {
        mutant,
        seconds,
        target,
    } = verb
    {
        return crate::mutant::main(&top, &mutant, seconds, target.as_deref());
    }
    if let Verb::Coverage { target } = verb {
        return coverage(&top, target);
    }
    let fuzzer = Fuzzer::detect(&top);
    let targets = targets(&top)?;
    match verb {
        Verb::Build => fuzzer.build(&[])?,
        Verb::Run { target, seconds } => {
            fuzzer.build(&[])?;
            let work = tempfile::tempdir()?;
            let run = fuzzer.run_target(
                &target,
                seconds,
                work.path(),
                &corpora_of(&top, &target),
                &fuzz_extra(),
                &[],
            )?;
            let lines: Vec<&str> = run.log.lines().collect();
            for line in &lines[lines.len().saturating_sub(20)..] {
                println!("{line}");
            }
            return Ok(ExitCode::from(u8::try_from(run.rc).unwrap_or(1)));
        }
        Verb::Smoke { seconds } => {
            return smoke_or_nightly(&top, &fuzzer, &targets, seconds, false)
        }
        Verb::Nightly { seconds } => {
            return smoke_or_nightly(&top, &fuzzer, &targets, seconds, true)
        }
        Verb::Cmin => {
            fuzzer.build(&[])?;
            for t in &targets {
                minimise(&top, &fuzzer, &t.name)?;
            }
        }
        Verb::Speed { seconds } => speed(&top, &fuzzer, &targets, seconds)?,
        Verb::Hunt {
            seconds,
            runs,
            fixed_seconds,
        } => {
            return hunt(
                &fuzzer,
                &targets,
                seconds,
                runs,
                fixed_seconds.unwrap_or(seconds),
            )
        }
        Verb::Coverage { .. } | Verb::Mutant { .. } => unreachable!("handled above"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A target's committed inputs: corpora/<target> and corpora/regressions/<target>.
fn corpora_of(top: &Path, target: &str) -> Vec<PathBuf> {
    vec![
        top.join("corpora").join(target),
        top.join("corpora/regressions").join(target),
    ]
}

fn smoke_or_nightly(
    top: &Path,
    fuzzer: &Fuzzer,
    targets: &[Target],
    seconds: u64,
    nightly: bool,
) -> Result<ExitCode> {
    // CI's smoke run is deterministic: a fixed seed and a fixed number of runs within the time.
    let extra = if nightly {
        fuzz_extra()
    } else {
        let runs = std::env::var("FUZZ_SMOKE_RUNS").unwrap_or_else(|_| "20000".into());
        vec!["-seed=1".to_string(), format!("-runs={runs}")]
    };
    fuzzer.build(&[])?;
    let mut crashes_total = 0;
    println!(
        "{:<16} {:>10} {:>8} {:>8} {:>8}  (sanitizer: {})",
        "target", "exec/s", "cov", "new", "crashes", fuzzer.sanitizer
    );
    for t in targets {
        let t = t.name.as_str();
        let corpora = corpora_of(top, t);
        for dir in &corpora {
            std::fs::create_dir_all(dir)?;
        }
        for old in fuzzer.crash_artifacts(t)? {
            std::fs::remove_file(old)?;
        }
        let work = tempfile::tempdir()?;
        let run = fuzzer.run_target(t, seconds, work.path(), &corpora, &extra, &[])?;
        let new = count_files(work.path());
        let mut crashes = 0;
        for artifact in fuzzer.crash_artifacts(t)? {
            crashes += 1;
            let first = run
                .log
                .lines()
                .find(|l| l.contains("panicked") || l.contains("ERROR"))
                .unwrap_or_default();
            eprintln!("fuzz: {t}: {first}");
            if nightly {
                let minimised = fuzzer.tmin(t, &artifact)?;
                keep_regression(top, t, minimised.as_deref().unwrap_or(&artifact))?;
                eprintln!(
                    "fuzz: minimised into corpora/regressions/{t}/; add a named unit test for it"
                );
            }
        }
        if nightly && crashes == 0 {
            // libFuzzer's merge keeps every file already in corpora/<target> (the named seeds) and
            // adds only the new inputs that reach coverage those do not.
            fuzzer.merge(t, &corpora[0], work.path(), &[])?;
            minimise(top, fuzzer, t)?;
        }
        crashes_total += crashes;
        println!(
            "{:<16} {:>10} {:>8} {:>8} {:>8}",
            t,
            run.exec_per_sec(),
            run.cov(),
            new,
            crashes
        );
    }
    Ok(if crashes_total == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Whether a corpus file is named by its SHA-1 (an input a merge added) rather than a seed name.
fn sha1_named(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .is_some_and(|n| n.len() == 40 && n.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Minimises corpora/TARGET without losing a named seed: the named files start a fresh corpus and
/// libFuzzer's merge adds, smallest first, only the SHA-1-named inputs that reach new edges (hit
/// counts are not counted as coverage here, which keeps the committed corpora small; a
/// long-running fuzzing farm keeps its own full corpus).
fn minimise(top: &Path, fuzzer: &Fuzzer, target: &str) -> Result<()> {
    let dir = top.join("corpora").join(target);
    let fresh = tempfile::tempdir()?;
    let hashed = tempfile::tempdir()?;
    let files = files_in(&dir)?;
    for f in &files {
        let into = if sha1_named(f) { &hashed } else { &fresh };
        std::fs::copy(f, into.path().join(f.file_name().unwrap_or_default()))?;
    }
    let before = count_files(&dir);
    fuzzer.merge(target, fresh.path(), hashed.path(), &["-use_counters=0"])?;
    for f in files.iter().filter(|f| sha1_named(f)) {
        std::fs::remove_file(f)?;
    }
    for f in files_in(fresh.path())? {
        std::fs::copy(&f, dir.join(f.file_name().unwrap_or_default()))?;
    }
    let after = count_files(&dir);
    let size = util::output(Command::new("du").arg("-sh").arg(&dir))?;
    let size = size.split_whitespace().next().unwrap_or_default();
    eprintln!("fuzz: corpora/{target}: {before} -> {after} files ({size})");
    Ok(())
}

fn coverage(top: &Path, only: Option<String>) -> Result<ExitCode> {
    if !nightly_installed() {
        eprintln!("fuzz: coverage needs a nightly toolchain (rustup toolchain install nightly)");
        return Ok(ExitCode::FAILURE);
    }
    let sysroot = util::output(Command::new("rustc").args(["+nightly", "--print", "sysroot"]))?;
    let find_llvm_cov = || -> Result<Option<PathBuf>> {
        for dir in files_or_dirs(&Path::new(sysroot.trim()).join("lib/rustlib"))? {
            let candidate = dir.join("bin/llvm-cov");
            if candidate.is_file() {
                return Ok(Some(candidate));
            }
        }
        Ok(None)
    };
    let llvm_cov = match find_llvm_cov()? {
        Some(p) => p,
        None => {
            let mut add = Command::new("rustup");
            add.args([
                "component",
                "add",
                "--toolchain",
                "nightly",
                "llvm-tools-preview",
            ])
            .stdout(std::io::stderr());
            util::run(&mut add)?;
            find_llvm_cov()?.context("llvm-cov not found after installing llvm-tools-preview")?
        }
    };
    let version = util::output(Command::new("rustc").args(["+nightly", "-vV"]))?;
    let host = version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .context("rustc -vV printed no host")?
        .to_string();
    let report = top.join("fuzz/coverage/report");
    std::fs::create_dir_all(&report)?;
    // Our code only: the soft-iommu model and the ABI checker, not dependencies or std.
    let ignore = "-ignore-filename-regex=/\\.cargo/|/rustc/|/fuzz_targets/";
    let names: Vec<String> = match only {
        Some(t) => vec![t],
        None => targets(top)?.into_iter().map(|t| t.name).collect(),
    };
    println!(
        "{:<16} {:>10} {:>10} {:>10}",
        "target", "regions", "functions", "lines"
    );
    for t in &names {
        Command::new("cargo")
            .args(["+nightly", "fuzz", "coverage", t])
            .args(corpora_of(top, t))
            .current_dir(top.join("fuzz"))
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("CARGO")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        let bin = top.join(format!("fuzz/target/{host}/coverage/{host}/release/{t}"));
        let prof = top.join(format!("fuzz/coverage/{t}/coverage.profdata"));
        let profile_arg = format!("-instr-profile={}", prof.display());
        let text = util::output(
            Command::new(&llvm_cov)
                .arg("report")
                .arg(&bin)
                .arg(&profile_arg)
                .arg(ignore),
        )?;
        std::fs::write(report.join(format!("{t}.txt")), &text)?;
        Command::new(&llvm_cov)
            .arg("show")
            .arg(&bin)
            .arg(&profile_arg)
            .arg(ignore)
            .arg("-format=html")
            .arg(format!("-output-dir={}", report.join(t).display()))
            .stdout(Stdio::null())
            .status()?;
        // TOTAL line: regions, missed, cover, functions, missed, executed, lines, missed, cover, ...
        if let Some(total) = text.lines().find(|l| l.starts_with("TOTAL")) {
            let f: Vec<&str> = total.split_whitespace().collect();
            let field = |i: usize| f.get(i).copied().unwrap_or_default();
            println!(
                "{:<16} {:>10} {:>10} {:>10}",
                t,
                field(3),
                field(6),
                field(9)
            );
        }
    }
    println!(
        "per-file tables: {}/<target>.txt; HTML: {}/<target>/index.html",
        report.display(),
        report.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The directories directly in `dir`.
fn files_or_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Fuzzes `target` for `seconds` from a copy of its seed corpus; libFuzzer's exec/s.
fn exec_per_sec(
    top: &Path,
    fuzzer: &Fuzzer,
    target: &str,
    seconds: u64,
    env: &[(&str, &str)],
) -> Result<String> {
    let work = tempfile::tempdir()?;
    for f in files_in(&top.join("corpora").join(target))? {
        std::fs::copy(&f, work.path().join(f.file_name().unwrap_or_default()))?;
    }
    let run = fuzzer.run_target(target, seconds, work.path(), &[], &fuzz_extra(), env)?;
    Ok(run.exec_per_sec())
}

/// `a / b` with two decimals, or `-` when either is not a positive number.
fn ratio(a: &str, b: &str) -> String {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(a), Ok(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "-".to_string(),
    }
}

fn speed(top: &Path, fuzzer: &Fuzzer, targets: &[Target], seconds: u64) -> Result<()> {
    fuzzer.build(&[])?;
    let empty = exec_per_sec(top, fuzzer, EMPTY_TARGET, seconds, &[])?;
    println!(
        "{:<16} {:>10} {:>10} {:>10} {:>10} {:>10}  (sanitizer: {}, {} s each)",
        "target", "exec/s", "empty", "no-oracle", "/empty", "/no-oracle", fuzzer.sanitizer, seconds
    );
    for t in targets {
        let with_oracle = exec_per_sec(top, fuzzer, &t.name, seconds, &[])?;
        let without = if t.oracle_switch {
            exec_per_sec(
                top,
                fuzzer,
                &t.name,
                seconds,
                &[("UAPI_GUARD_ORACLE", "off")],
            )?
        } else {
            "-".to_string()
        };
        println!(
            "{:<16} {:>10} {:>10} {:>10} {:>10} {:>10}",
            t.name,
            with_oracle,
            empty,
            without,
            ratio(&with_oracle, &empty),
            ratio(&with_oracle, &without)
        );
    }
    println!(
        "exec/s: the target; empty: a target that does nothing (the engine's ceiling); no-oracle: \
         the target with UAPI_GUARD_ORACLE=off (`-`: no separable oracle); the ratios are exec/s over each"
    );
    Ok(())
}

/// The median and the worst of a hazard's times to discovery, a run that did not find it (`None`)
/// counting as slower than any that did.
fn median_and_worst(times: &[Option<f64>]) -> (Option<f64>, Option<f64>) {
    let key: Vec<f64> = times.iter().map(|t| t.unwrap_or(f64::INFINITY)).collect();
    let as_time = |k: f64| k.is_finite().then_some(k);
    let worst = key.iter().copied().reduce(f64::max);
    (median(&key).and_then(as_time), worst.and_then(as_time))
}

fn hunt(
    fuzzer: &Fuzzer,
    targets: &[Target],
    seconds: u64,
    runs: u32,
    fixed_seconds: u64,
) -> Result<ExitCode> {
    fuzzer.build(&[])?;
    println!(
        "{:<16} {:>8} {:>8}  runs (s; '>N' = not found within N s)",
        "hazard", "median", "worst"
    );
    let shown = |t: Option<f64>| match t {
        Some(t) => format!("{t:.1}"),
        None => format!(">{seconds}"),
    };
    // The time counts until the fuzzer has exited with the violation. Its report is read for the
    // oracle's message alone, so no stack is symbolised, by ASan or by Rust's panic (half a second
    // of a 24 MB binary's debug information otherwise).
    let quiet = asan_options("symbolize=0");
    for hazard in Hazard::ALL {
        // Seconds to the first violation of this hazard, None if not found in time.
        let mut times: Vec<Option<f64>> = Vec::new();
        for r in 1..=runs {
            let work = tempfile::tempdir()?;
            let start = Instant::now();
            let run = fuzzer.run_target(
                HUNT_TARGET,
                seconds,
                work.path(),
                &[],
                &[format!("-seed={r}")],
                &[
                    ("UAPI_GUARD_PROFILES", "v1"),
                    ("UAPI_GUARD_HUNT", hazard.name()),
                    ("ASAN_OPTIONS", &quiet),
                    ("RUST_BACKTRACE", "0"),
                ],
            )?;
            let elapsed = start.elapsed().as_secs_f64();
            let found = run.rc != 0 && run.log.contains("oracle violation");
            times.push(found.then_some(elapsed));
        }
        let (middle, worst) = median_and_worst(&times);
        let all: Vec<String> = times.iter().map(|t| shown(*t)).collect();
        println!(
            "{:<16} {:>8} {:>8}  {}",
            hazard.name(),
            shown(middle),
            shown(worst),
            all.join(" ")
        );
    }
    for old in fuzzer.crash_artifacts(HUNT_TARGET)? {
        if old
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("crash-"))
        {
            std::fs::remove_file(old)?;
        }
    }
    // The targets that check the fixed profiles, the hunted one first.
    let mut fixed: Vec<&str> = targets
        .iter()
        .filter(|t| t.reads_profiles)
        .map(|t| t.name.as_str())
        .collect();
    fixed.sort_by_key(|t| *t != HUNT_TARGET);
    println!(
        "fixed profiles, {}, {fixed_seconds} s each:",
        fixed.join(" and ")
    );
    for t in fixed {
        let work = tempfile::tempdir()?;
        let run = fuzzer.run_target(t, fixed_seconds, work.path(), &[], &fuzz_extra(), &[])?;
        if run.rc == 0 {
            println!(
                "  {t}: no violation ({} runs, {} exec/s)",
                run.stat("number_of_executed_units"),
                run.exec_per_sec()
            );
        } else {
            println!("  {t}: VIOLATION");
            for line in run
                .log
                .lines()
                .filter(|l| l.contains("oracle violation"))
                .take(3)
            {
                println!("{line}");
            }
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_lower_middle_and_misses_count_as_slowest() {
        assert_eq!(
            median_and_worst(&[Some(3.0), Some(1.0), Some(2.0)]),
            (Some(2.0), Some(3.0))
        );
        assert_eq!(
            median_and_worst(&[Some(4.0), None, Some(1.0), Some(2.0)]),
            (Some(2.0), None)
        );
        assert_eq!(median_and_worst(&[None, None, Some(1.0)]), (None, None));
        assert_eq!(median_and_worst(&[]), (None, None));
    }

    #[test]
    fn sanitizer_options_keep_their_order_so_the_users_come_last_and_win() {
        assert_eq!(
            join_options(&["symbolize=0", "symbolize=1:detect_leaks=0"]),
            "symbolize=0:symbolize=1:detect_leaks=0"
        );
        assert_eq!(join_options(&["symbolize=0", ""]), "symbolize=0");
        assert_eq!(join_options(&["", ""]), "");
    }

    #[test]
    fn libfuzzer_stats_and_coverage_are_read_from_the_log() {
        let run = Run {
            log: "#2\tINITED cov: 12 ft: 3\n#4096\tpulse  cov: 40 ft: 9\nstat::number_of_executed_units: 9\nstat::average_exec_per_sec:     1234\n".into(),
            rc: 0,
        };
        assert_eq!(run.exec_per_sec(), "1234");
        assert_eq!(run.cov(), "40");
    }

    #[test]
    fn the_targets_come_from_fuzz_cargo_toml_without_the_empty_one() {
        let top = util::top().unwrap();
        let targets = targets(&top).unwrap();
        let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        assert!(names.contains(&"ioctl_bytes") && names.contains(&"mbox_parse"));
        assert!(!names.contains(&EMPTY_TARGET));
        let switchable: Vec<&str> = targets
            .iter()
            .filter(|t| t.oracle_switch)
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(switchable, ["ioctl_bytes", "copy_struct", "invalidate_ops"]);
    }
}
