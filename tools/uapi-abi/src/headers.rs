//! Header sets: which headers under an include root are snapshotted together.

use crate::error::Error;
use crate::extract::MacroEval;
use crate::layout::OnCompileError;
use std::path::Path;

/// The headers of the `vfio` set, each taken where present.
pub const VFIO_SET: [&str; 3] = ["linux/vfio.h", "linux/iommu.h", "linux/iommufd.h"];

/// The folders of an installed UAPI tree besides each architecture's `asm/`: what the kernel's
/// `include/uapi/` holds (see `make headers_install`, which installs exactly these).
/// A C library's own headers under the same root (`sys/`, `bits/`, `netinet/`) are not UAPI.
pub const UAPI_DIRS: [&str; 13] = [
    "linux",
    "asm-generic",
    "drm",
    "misc",
    "mtd",
    "rdma",
    "scsi",
    "sound",
    "video",
    "xen",
    "cxl",
    "fwctl",
    "regulator",
];

/// How a header set is extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetPolicy {
    /// What a header that does not compile alone does.
    pub on_error: OnCompileError,
    /// How macros bindgen's parser cannot evaluate get their values.
    pub macros: MacroEval,
    /// Whether each architecture's own `asm/` headers are part of the set.
    pub asm: bool,
    /// Whether headers are compiled as userspace compiles them: `linux/ioctl.h` first, so every
    /// `_IO*` macro is evaluated, and a header that does not compile alone is retried after the
    /// C library's basic headers ([`crate::sysroot::LIBC_PRELUDE`]).
    pub as_userspace: bool,
}

/// Resolves a header set name against an include root: the headers (relative to the root) and how
/// to extract them. `vfio` fails on any error and evaluates macros with bindgen's fallback, so the
/// committed bindings carry every ioctl number; `all` skips headers that do not compile alone and
/// evaluates macros in one libclang parse per header (`MacroEval::Batched`, same values, a quarter
/// of the time).
pub fn resolve(set: &str, root: &Path) -> Result<(Vec<String>, SetPolicy), Error> {
    if !root.is_dir() {
        return Err(Error::MissingDir {
            path: root.to_path_buf(),
        });
    }
    match set {
        "vfio" => Ok((
            VFIO_SET
                .iter()
                .filter(|h| root.join(h).is_file())
                .map(|h| h.to_string())
                .collect(),
            SetPolicy {
                on_error: OnCompileError::Fail,
                macros: MacroEval::BindgenFallback,
                asm: false,
                as_userspace: false,
            },
        )),
        "all" => {
            let mut found = Vec::new();
            for dir in UAPI_DIRS {
                if root.join(dir).is_dir() {
                    collect(&root.join(dir), dir, &mut found)?;
                }
            }
            found.sort();
            Ok((
                found,
                SetPolicy {
                    on_error: OnCompileError::Skip,
                    macros: MacroEval::Batched,
                    asm: true,
                    as_userspace: true,
                },
            ))
        }
        other => Err(Error::UnknownHeaderSet(other.to_string())),
    }
}

fn collect(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            collect(&path, &format!("{rel}/{name}"), out)?;
        } else if name.ends_with(".h") {
            out.push(format!("{rel}/{name}"));
        }
    }
    Ok(())
}

/// The kernel version (`major.minor`) of the headers under `root`, from `linux/version.h`.
pub fn kernel_version(root: &Path) -> Result<String, Error> {
    let path = root.join("linux/version.h");
    let text = crate::input::read_text_bounded(&path, crate::input::HEADER_LIMIT)?;
    let code = text
        .lines()
        .filter_map(|l| l.strip_prefix("#define LINUX_VERSION_CODE "))
        .find_map(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| Error::Snapshot {
            path: path.clone(),
            line: 0,
            message: "no numeric LINUX_VERSION_CODE".into(),
        })?;
    Ok(format!("{}.{}", code >> 16, (code >> 8) & 0xff))
}
