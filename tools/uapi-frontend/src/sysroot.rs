//! Where headers come from: an include root (`/usr/include`, or an unpacked `linux-libc-dev`) and,
//! for each architecture, an overlay directory holding only an `asm` symlink to that
//! architecture's `asm/` headers. The overlay is passed first with `-isystem`, so a host
//! `/usr/include/asm` symlink (from gcc-multilib) can never supply another architecture's values.

use crate::error::Error;
use crate::model::Arch;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An include root plus per-architecture `asm` overlays, and the headers forced in before each
/// compiled header (`-include`), if any.
#[derive(Debug, Clone)]
pub struct Sysroot {
    root: PathBuf,
    overlays: BTreeMap<Arch, PathBuf>,
    prelude: Vec<String>,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

/// What userspace puts before a UAPI header that does not compile alone: the C library's basic
/// types, sockets, time and signals (the kernel's own header test lists such headers as needing
/// libc; userspace programs include these first).
pub const LIBC_PRELUDE: [&str; 7] = [
    "stddef.h",
    "stdint.h",
    "sys/types.h",
    "sys/socket.h",
    "sys/time.h",
    "time.h",
    "signal.h",
];

impl Sysroot {
    /// Prepares overlays for `arches` over the include root `root`.
    ///
    /// The `asm/` headers of an architecture are looked for as `<root>/<triple>/asm` (the native
    /// multiarch layout), then as `<root>/../<triple>/include/asm` (Debian's cross packages:
    /// `/usr/<triple>/include/asm` beside `/usr/include`, or the same inside an unpacked package),
    /// and last in the machine's own `/usr/include/<triple>/asm` and `/usr/<triple>/include/asm`
    /// (for fixture trees that carry only `linux/` headers).
    pub fn new(root: &Path, arches: &[Arch]) -> Result<Self, Error> {
        if !root.is_dir() {
            return Err(Error::MissingDir {
                path: root.to_path_buf(),
            });
        }
        let root = root.canonicalize().map_err(|e| Error::io(root, e))?;
        let dir = tempfile::Builder::new()
            .prefix("uapi-guard-sysroot")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        let mut overlays = BTreeMap::new();
        for &arch in arches {
            let asm = asm_dir(&root, arch)?;
            let overlay = dir.path().join(arch.name());
            std::fs::create_dir_all(&overlay).map_err(|e| Error::io(&overlay, e))?;
            let link = overlay.join("asm");
            std::os::unix::fs::symlink(&asm, &link).map_err(|e| Error::io(&link, e))?;
            overlays.insert(arch, overlay);
        }
        Ok(Sysroot {
            root,
            overlays,
            prelude: Vec::new(),
            _dir: std::sync::Arc::new(dir),
        })
    }

    /// The same sysroot with `headers` forced in, in order, before every compiled header.
    pub fn with_prelude(&self, headers: &[&str]) -> Sysroot {
        Sysroot {
            prelude: headers.iter().map(|h| h.to_string()).collect(),
            ..self.clone()
        }
    }

    /// The overlay directory of `arch` (it holds only the `asm` link).
    pub fn overlay(&self, arch: Arch) -> Option<&Path> {
        self.overlays.get(&arch).map(PathBuf::as_path)
    }

    /// The headers forced in before each compiled header.
    pub fn prelude(&self) -> &[String] {
        &self.prelude
    }

    /// The `asm/` headers of `arch`, as include names (`asm/kvm.h`), sorted.
    pub fn asm_headers(&self, arch: Arch) -> Vec<String> {
        let Some(overlay) = self.overlays.get(&arch) else {
            return Vec::new();
        };
        let mut names: Vec<String> = std::fs::read_dir(overlay.join("asm"))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".h"))
                    .map(|n| format!("asm/{n}"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// The file an include name resolves to for `arch` (`asm/...` through the overlay).
    pub fn resolve(&self, arch: Arch, header: &str) -> PathBuf {
        match (header.strip_prefix("asm/"), self.overlays.get(&arch)) {
            (Some(_), Some(overlay)) => overlay.join(header),
            _ => self.root.join(header),
        }
    }

    /// The include root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Architectures prepared.
    pub fn arches(&self) -> impl Iterator<Item = Arch> + '_ {
        self.overlays.keys().copied()
    }

    /// A scratch directory private to this sysroot.
    pub fn scratch(&self, name: &str) -> Result<PathBuf, Error> {
        let p = self._dir.path().join(name);
        std::fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        Ok(p)
    }

    /// clang arguments selecting `arch` and these headers.
    pub fn clang_args(&self, arch: Arch) -> Vec<String> {
        let mut args = vec![format!("--target={}", arch.clang_target())];
        if let Some(overlay) = self.overlays.get(&arch) {
            args.push("-isystem".into());
            args.push(overlay.to_string_lossy().into_owned());
        }
        args.push("-isystem".into());
        args.push(self.root.to_string_lossy().into_owned());
        for h in &self.prelude {
            args.push("-include".into());
            args.push(h.clone());
        }
        args
    }
}

/// Every directory reading `root`'s headers for `arches` touches: the root, each architecture's
/// `asm/` directory, and where symbolic links in them lead (Debian 13 links
/// `usr/include/<triple>/asm/*.h` to `usr/lib/linux/uapi/<arch>/asm/`; a fixture tree may link a
/// header to a sibling tree): each linked `*.h` file itself, only when it stays inside the root's
/// own parent (the unpacked package's `usr/`, the fixtures folder). This is what a sandbox around
/// the compiler must let it read.
pub fn read_dirs(root: &Path, arches: &[Arch]) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    let Ok(canonical) = root.canonicalize() else {
        return dirs;
    };
    let Some(prefix) = canonical.parent().map(Path::to_path_buf) else {
        return dirs;
    };
    let mut scan = vec![(canonical.clone(), 0)];
    for &arch in arches {
        // Where the asm/ folder really is: a link to a host folder outside the package (or the
        // machine's own asm/, for trees without one) is not made readable through it.
        let Some(asm) = asm_dir(&canonical, arch)
            .ok()
            .and_then(|a| a.canonicalize().ok())
        else {
            continue;
        };
        let system = asm.starts_with("/usr/include") || asm.starts_with("/usr/lib");
        if !asm.starts_with(&canonical) && (asm.starts_with(&prefix) || system) {
            dirs.push(asm.clone());
            scan.push((asm, 0));
        }
    }
    // Symbolic links anywhere in those trees (a few thousand entries at most).
    while let Some((dir, depth)) = scan.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && depth < 8 {
                scan.push((entry.path(), depth + 1));
            } else if kind.is_symlink() {
                // Only the header a link names becomes readable, never its folder: a hostile
                // tree could otherwise link `x.h -> ../../secret` and read its neighbours.
                let target = entry.path().canonicalize().ok();
                let header = target.filter(|t| {
                    t.is_file() && t.extension().is_some_and(|x| x == "h") && t.starts_with(&prefix)
                });
                if let Some(file) = header {
                    if !dirs.contains(&file) {
                        dirs.push(file);
                    }
                }
            }
        }
    }
    dirs
}

/// The `asm/` directory `root`'s headers use for `arch` (the search [`Sysroot::new`] makes),
/// if there is one.
pub fn asm_dir_of(root: &Path, arch: Arch) -> Option<PathBuf> {
    asm_dir(root, arch).ok()
}

/// The `asm/` directory of `arch` that `root`'s own tree holds (`<root>/<triple>/asm` or
/// `<root>/../<triple>/include/asm`), never the machine's.
pub fn tree_asm_dir(root: &Path, arch: Arch) -> Option<PathBuf> {
    let triple = arch.debian_triple();
    let mut candidates = vec![root.join(triple).join("asm")];
    if let Some(parent) = root.parent() {
        candidates.push(parent.join(triple).join("include").join("asm"));
    }
    candidates.into_iter().find(|c| c.join("types.h").is_file())
}

fn asm_dir(root: &Path, arch: Arch) -> Result<PathBuf, Error> {
    let triple = arch.debian_triple();
    let mut candidates = vec![root.join(triple).join("asm")];
    if let Some(parent) = root.parent() {
        candidates.push(parent.join(triple).join("include").join("asm"));
    }
    // A fixture or partial tree with no asm/ of its own uses the machine's.
    for system in [
        format!("/usr/include/{triple}/asm"),
        format!("/usr/{triple}/include/asm"),
    ] {
        let system = std::path::PathBuf::from(system);
        if !candidates.contains(&system) {
            candidates.push(system);
        }
    }
    candidates
        .iter()
        .find(|c| c.join("types.h").is_file())
        .cloned()
        .ok_or_else(|| Error::MissingAsm {
            arch,
            searched: candidates
                .iter()
                .map(|c| c.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}
