//! Header sets: which headers under an include root are snapshotted together.

use crate::error::Error;
use crate::extract::MacroEval;
use crate::layout::{Frontend, OnCompileError};
use crate::model::Arch;
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
    /// Which front end reads the headers.
    pub frontend: Frontend,
    /// Whether each architecture's own `asm/` headers are part of the set.
    pub asm: bool,
    /// Whether headers are compiled as userspace compiles them: `linux/ioctl.h` first, so every
    /// `_IO*` macro is evaluated, and a header that does not compile alone is retried after the
    /// C library's basic headers ([`crate::sysroot::LIBC_PRELUDE`]).
    pub as_userspace: bool,
}

/// Resolves a header set name against an include root: the headers (relative to the root) and how
/// to extract them. `vfio` fails on any error and is read by bindgen, evaluating macros with its
/// fallback, so the committed bindings carry every ioctl number; `all` skips headers that do not
/// compile alone and is read by the direct libclang front end. A command may choose another front
/// end ([`SetPolicy::frontend`]).
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
                frontend: Frontend::Bindgen(MacroEval::BindgenFallback),
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
                    frontend: Frontend::Direct { verify: false },
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

/// What the header texts under `root` define, read from the text (bounded reads, no compile):
/// the names each architecture's own `asm/` headers define (`#define` macros, enumerators and
/// `struct`/`union` tags as `struct x`), and the macros the UAPI folders' headers `#define`. A
/// check of some architectures uses it to tell an item that moved into another architecture's
/// `asm/`, or that no longer evaluates on this one, from one that was removed.
pub fn defined_names_of_tree(root: &Path) -> crate::model::Elsewhere {
    let mut out = crate::model::Elsewhere::default();
    for arch in Arch::ALL {
        let Some(dir) = crate::sysroot::tree_asm_dir(root, arch) else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(text) =
                crate::input::read_text_bounded(&entry.path(), crate::input::HEADER_LIMIT)
            else {
                continue;
            };
            for (name, _) in defined_names(&text) {
                out.asm.entry(name).or_default().insert(arch);
            }
        }
    }
    let mut headers = Vec::new();
    for dir in UAPI_DIRS {
        if root.join(dir).is_dir() {
            let _ = collect(&root.join(dir), dir, &mut headers);
        }
    }
    for h in headers {
        let Ok(text) = crate::input::read_text_bounded(&root.join(&h), crate::input::HEADER_LIMIT)
        else {
            continue;
        };
        for (name, is_macro) in defined_names(&text) {
            if is_macro {
                out.defined.entry(name).or_insert_with(|| h.clone());
            }
        }
    }
    out
}

/// Macro names, `struct`/`union` tags and enumerators a header's text defines (with whether
/// each is a macro).
fn defined_names(text: &str) -> Vec<(String, bool)> {
    let ident = |s: &str| -> Option<String> {
        let end = s
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(s.len());
        let id = &s[..end];
        (!id.is_empty() && !id.starts_with(|c: char| c.is_ascii_digit())).then(|| id.to_string())
    };
    let mut out = Vec::new();
    let mut in_enum = false;
    for (_, line) in crate::uapi_tree::logical_lines(text) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix('#') {
            if let Some(def) = rest.trim_start().strip_prefix("define") {
                out.extend(ident(def.trim_start()).map(|n| (n, true)));
            }
            continue;
        }
        for kw in ["struct ", "union "] {
            if let Some(rest) = t.strip_prefix(kw) {
                if rest.contains('{') || !rest.contains(';') {
                    if let Some(id) = ident(rest.trim_start()) {
                        out.push((format!("{kw}{id}"), false));
                    }
                }
            }
        }
        if t.starts_with("enum") && t.contains('{') {
            in_enum = true;
            continue;
        }
        if in_enum {
            if t.starts_with('}') {
                in_enum = false;
            } else if let Some(id) = ident(t) {
                out.push((id, false));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trees_text_says_what_asm_and_uapi_headers_define() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("include");
        let asm = dir.path().join("s390x-linux-gnu/include/asm");
        std::fs::create_dir_all(root.join("linux")).unwrap();
        std::fs::create_dir_all(&asm).unwrap();
        std::fs::write(asm.join("types.h"), "").unwrap();
        std::fs::write(
            asm.join("kvm.h"),
            "#define KVM_S390_X 1\nstruct kvm_s390_mem_op {\n int a;\n};\nenum {\n KVM_E1 = 1,\n KVM_E2,\n};\n",
        )
        .unwrap();
        std::fs::write(
            root.join("linux/kvm.h"),
            "#define KVM_S390_MEM_OP _IOW(0xae, 0xb1, struct kvm_s390_mem_op)\n",
        )
        .unwrap();
        let e = defined_names_of_tree(&root);
        for name in ["KVM_S390_X", "struct kvm_s390_mem_op", "KVM_E1", "KVM_E2"] {
            assert!(
                e.asm.get(name).is_some_and(|a| a.contains(&Arch::S390x)),
                "{name}: {:?}",
                e.asm
            );
        }
        assert_eq!(
            e.defined.get("KVM_S390_MEM_OP").map(String::as_str),
            Some("linux/kvm.h")
        );
    }
}
