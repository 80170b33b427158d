//! Writing what the tool produces without surprising anyone: `--output` goes through a temporary
//! file in the target's own directory and is renamed into place (a reader sees the old report or
//! the new one, never half of one); a symlink is followed, not replaced; device nodes, FIFOs,
//! directories and the run's own inputs are refused; a new file gets the mode the umask gives,
//! an existing one keeps its mode. `snapshot --out` builds the whole folder aside and swaps it in
//! under a lock, so two runs never mix their files. Temporary files and folders are removed on
//! error and when the run is interrupted (see `cleanup`).

use anyhow::{bail, Context, Result};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use uapi_bot::cleanup;

/// The file `path` really names: a symlink (or a chain of them) is followed to its target, which
/// may not exist yet.
fn resolve_target(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link =
                    std::fs::read_link(&p).with_context(|| format!("reading {}", p.display()))?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    bail!("{}: too many levels of symbolic links", path.display())
}

/// The directory a file lives in (`.` for a bare name).
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses an output that is one of the run's inputs or lies inside an input directory.
fn check_not_input(target: &Path, inputs: &[PathBuf]) -> Result<()> {
    let target_meta = std::fs::metadata(target).ok();
    let canonical_dir = std::fs::canonicalize(dir_of(target)).ok();
    for input in inputs {
        let Ok(meta) = std::fs::metadata(input) else {
            continue;
        };
        if meta.is_dir() {
            if let (Some(dir), Ok(input)) = (&canonical_dir, std::fs::canonicalize(input)) {
                if dir.starts_with(&input) {
                    bail!(
                        "--output {}: lies inside {}, an input of this run; write it elsewhere",
                        target.display(),
                        input.display()
                    );
                }
            }
        } else if let Some(t) = &target_meta {
            if t.dev() == meta.dev() && t.ino() == meta.ino() {
                bail!(
                    "--output {}: is {}, an input of this run; write it elsewhere",
                    target.display(),
                    input.display()
                );
            }
        }
    }
    Ok(())
}

/// The process umask, read from `/proc/self/status` (no unsafe code); 022 if it cannot be read.
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Writes `bytes` to `path` as described in the module documentation. `inputs` are the files
/// and directories the run read.
pub fn write_file(path: &Path, bytes: &[u8], inputs: &[PathBuf]) -> Result<()> {
    let target = resolve_target(path)?;
    let mode = match std::fs::metadata(&target) {
        Ok(m) if m.file_type().is_file() => m.permissions().mode() & 0o7777,
        Ok(m) => bail!(
            "--output {}: is {}; only a regular file is replaced",
            path.display(),
            uapi_model::input::kind_name(&m)
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0o666 & !umask(),
        Err(e) => return Err(e).with_context(|| format!("--output {}", path.display())),
    };
    check_not_input(&target, inputs)?;
    let dir = dir_of(&target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    let guard = cleanup::Guard::new(tmp.path());
    tmp.write_all(bytes)
        .and_then(|_| {
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
        })
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", target.display()))?;
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("renaming the report into {}", target.display()))?;
    drop(guard);
    Ok(())
}

/// What a snapshot folder may already hold for `snapshot --out` to replace it.
fn is_snapshot_entry(entry: &std::fs::DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy().into_owned();
    let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
    (!is_dir && name.ends_with(".layout")) || (is_dir && name == "bindings") || name == "README.md"
}

/// Replaces the snapshot folder `out` with one written by `fill` into a fresh folder beside it,
/// holding a lock on the parent directory so concurrent runs take turns. A `README.md`
/// (provenance, written by hand or by the regeneration script) is carried over. A folder holding
/// anything else is refused rather than deleted.
pub fn replace_dir(out: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("--out {}: names no folder", out.display()))?;
    let parent = dir_of(out);
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let lock =
        std::fs::File::open(&parent).with_context(|| format!("opening {}", parent.display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", parent.display()))?;
    match std::fs::symlink_metadata(out) {
        Ok(m) if !m.is_dir() => bail!(
            "--out {}: is {}, not a folder",
            out.display(),
            uapi_model::input::kind_name(&m)
        ),
        Ok(_) => {
            for entry in
                std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?
            {
                let entry = entry?;
                if !is_snapshot_entry(&entry) {
                    bail!(
                        "--out {}: holds {:?}, which is not part of a snapshot; refusing to replace the folder",
                        out.display(),
                        entry.file_name()
                    );
                }
            }
        }
        Err(_) => {}
    }
    let aside = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(&parent)
        .with_context(|| format!("creating a folder in {}", parent.display()))?;
    let guard = cleanup::Guard::new(aside.path());
    fill(aside.path())?;
    let readme = out.join("README.md");
    if readme.is_file() {
        std::fs::copy(&readme, aside.path().join("README.md"))
            .with_context(|| format!("copying {}", readme.display()))?;
    }
    if out.exists() {
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(out, &old).with_context(|| format!("moving {} aside", out.display()))?;
        if let Err(e) = std::fs::rename(aside.path(), out) {
            // Put the old snapshot back; the new one goes with `aside`.
            let _ = std::fs::rename(&old, out);
            return Err(e).with_context(|| format!("moving the new snapshot to {}", out.display()));
        }
        // Only now is the old copy disposable: a signal before this point must not remove it.
        let _ = aside.keep();
        drop(guard);
        std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
    } else {
        std::fs::rename(aside.path(), out)
            .with_context(|| format!("moving the new snapshot to {}", out.display()))?;
        let _ = aside.keep();
        drop(guard);
    }
    Ok(())
}
