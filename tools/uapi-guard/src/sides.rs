//! The two sides of a check: a snapshot directory (read) or an include root (snapshotted on the
//! fly), and the header texts SARIF points at.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use uapi_abi::report::Sources;
use uapi_model::model::{Arch, Layout};

/// A loaded side.
pub struct Side {
    /// One layout per architecture.
    pub layouts: Vec<Layout>,
    /// The include root, when the side was snapshotted from headers.
    pub headers_root: Option<PathBuf>,
}

/// Whether `path` is a snapshot directory (holds `*.layout` files).
pub fn is_snapshot_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|entries| {
        entries
            .filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "layout"))
    })
}

/// Loads `path`: a directory of `*.layout` files, or an include root holding `linux/`.
/// An include root is read with `frontend`.
pub fn load(
    path: &Path,
    set: &str,
    arches: &[Arch],
    frontend: uapi_frontend::layout::Frontend,
) -> Result<Side> {
    if !path.is_dir() {
        bail!("{}: not a directory", path.display());
    }
    std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))?;
    if is_snapshot_dir(path) {
        let layouts = uapi_model::snapshot::read_snapshot_dir(path)?;
        let layouts = layouts
            .into_iter()
            .filter(|l| arches.contains(&l.arch))
            .collect();
        return Ok(Side {
            layouts,
            headers_root: None,
        });
    }
    if !path.join("linux").is_dir() {
        bail!(
            "{}: neither a snapshot directory (no *.layout files) nor an include root (no linux/)",
            path.display()
        );
    }
    let version =
        uapi_model::uapi_tree::kernel_version(path).unwrap_or_else(|_| path.display().to_string());
    let extractions = uapi_frontend::extract_set(path, set, &version, arches, Some(frontend))?;
    Ok(Side {
        layouts: extractions.into_iter().map(|e| e.layout).collect(),
        headers_root: Some(path.to_path_buf()),
    })
}

/// Where SARIF results point: the new side's header files when it was read from headers.
pub fn sources(side: &Side) -> Sources {
    let mut sources = Sources::new();
    let Some(root) = &side.headers_root else {
        return sources;
    };
    let headers = side
        .layouts
        .first()
        .map(|l| l.headers.clone())
        .unwrap_or_default();
    for h in headers {
        let path = root.join(&h);
        let text =
            uapi_model::input::read_text_bounded(&path, uapi_model::input::HEADER_LIMIT).ok();
        sources.add(&h, &path.display().to_string(), text);
    }
    sources
}

/// The committed snapshots of a header set, by version, oldest first (fixtures excluded).
pub fn committed_versions(set_dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let entries =
        std::fs::read_dir(set_dir).with_context(|| format!("reading {}", set_dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", set_dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(key) = uapi_model::snapshot::version_key(&name) {
            if entry.path().is_dir() {
                found.push((key, name, entry.path()));
            }
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, n, p)| (n, p)).collect())
}

/// The `abi-snapshots` directory: `./abi-snapshots` if present, else the one in the source tree
/// this binary was built from.
pub fn snapshots_root() -> PathBuf {
    let here = PathBuf::from("abi-snapshots");
    if here.is_dir() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../abi-snapshots")
}
