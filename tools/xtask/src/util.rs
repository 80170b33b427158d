//! Small helpers shared by the tasks.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The repository's top directory (this crate is tools/xtask).
pub fn top() -> Result<PathBuf> {
    // `cargo run` (the `cargo xtask` alias) names this package's folder at run time; the
    // compile-time value is where the binary was built, which is another checkout when several
    // share one target dir.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let here = manifest_dir.join("../..");
    here.canonicalize()
        .with_context(|| format!("resolving {}", here.display()))
}

/// The median of `values` as the scripts computed it: of an even count, the lower middle one.
/// `None` for no values.
pub fn median<T: PartialOrd + Copy>(values: &[T]) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

/// Runs `cmd`, failing unless it exits 0.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// Runs `cmd` and returns its standard output, failing unless it exits 0.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Wall time of one run of `cmd` in seconds, its output discarded (whatever its exit status).
pub fn time_once(cmd: &mut Command) -> Result<f64> {
    let start = Instant::now();
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("running {cmd:?}"))?;
    Ok(start.elapsed().as_secs_f64())
}

/// The regular files directly in `dir` (none if it does not exist), sorted by name.
pub fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The number of regular files under `dir`, at any depth (`find DIR -type f | wc -l`).
pub fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => count_files(&p),
                Ok(t) if t.is_file() => 1,
                _ => 0,
            }
        })
        .sum()
}

/// The hex SHA-1 of a file (`sha1sum`).
pub fn sha1_hex(path: &Path) -> Result<String> {
    let out = output(Command::new("sha1sum").arg(path))?;
    Ok(out
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string())
}
