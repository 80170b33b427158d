//! `cargo xtask oss-fuzz-test`: runs `tools/oss-fuzz/build.sh` as OSS-Fuzz would, without Docker
//! (a temporary `$SRC` holding this checkout, a temporary `$OUT`), then every binary it built over
//! its seed corpus zip.

use crate::{fuzz, util};
use anyhow::{Context, Result};
use std::process::{Command, ExitCode};

pub fn main() -> Result<ExitCode> {
    let top = util::top()?;
    let tmp = tempfile::tempdir()?;
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    std::fs::create_dir_all(&src)?;
    std::fs::create_dir_all(&out)?;
    std::os::unix::fs::symlink(&top, src.join("uapi-guard")).context("linking $SRC")?;
    let cargo_fuzz = if fuzz::nightly_installed() {
        "cargo +nightly fuzz"
    } else {
        "cargo fuzz"
    };
    util::run(
        Command::new("bash")
            .arg(top.join("tools/oss-fuzz/build.sh"))
            .env("SRC", &src)
            .env("OUT", &out)
            .env("CARGO_FUZZ", cargo_fuzz),
    )?;
    let mut failed = false;
    for zip in util::files_in(&out)? {
        let name = zip.file_name().unwrap_or_default().to_string_lossy();
        let Some(target) = name.strip_suffix("_seed_corpus.zip") else {
            continue;
        };
        let binary = out.join(target);
        if !binary.is_file() {
            println!("missing binary for {target}");
            failed = true;
            continue;
        }
        let corpus = tmp.path().join(format!("corpus-{target}"));
        std::fs::create_dir_all(&corpus)?;
        util::run(
            Command::new("unzip")
                .arg("-q")
                .arg(&zip)
                .arg("-d")
                .arg(&corpus),
        )?;
        let inputs = util::count_files(&corpus);
        let ran = Command::new(&binary)
            .arg("-runs=0")
            .arg(&corpus)
            .output()
            .with_context(|| format!("running {}", binary.display()))?;
        if ran.status.success() {
            println!("oss-fuzz build: {target} ran its {inputs} seed inputs");
        } else {
            println!("oss-fuzz build: {target} FAILED on its seed corpus");
            let log = String::from_utf8_lossy(&ran.stderr);
            let lines: Vec<&str> = log.lines().collect();
            for line in &lines[lines.len().saturating_sub(20)..] {
                println!("{line}");
            }
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
