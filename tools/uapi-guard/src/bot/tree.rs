//! Kernel trees on disk: a commit's UAPI files written into a private directory, a patch mail
//! applied there, and the include root built from it the way `headers_install` would, with
//! every include of a reviewed header checked to stay inside the tree or the system's own
//! include directories.

use super::git::{tamed, Git};
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use uapi_abi::mbox::Patch;
use uapi_abi::model::Arch;
use uapi_abi::uapi_tree::{self, IncludeTarget, Location};

/// Writes the UAPI files of `commit` under `dest`, in the kernel's layout. Only regular files
/// are written: a symlink or submodule in a UAPI directory is returned as refused.
pub fn checkout_uapi(git: &Git, commit: &str, dest: &Path) -> Result<Vec<(String, String)>> {
    let entries = git.uapi_entries(commit)?;
    let mut refused = Vec::new();
    let mut files = Vec::new();
    for e in entries {
        if e.mode != "100644" && e.mode != "100755" {
            if e.path.ends_with(".h") {
                refused.push((e.path, format!("mode {} is not a regular file", e.mode)));
            }
            continue;
        }
        if uapi_tree::check_relative_path(&e.path).is_err() {
            continue;
        }
        files.push(e);
    }
    let oids: Vec<&str> = files.iter().map(|e| e.oid.as_str()).collect();
    let blobs = git.blobs(&oids)?;
    for (e, blob) in files.iter().zip(blobs) {
        let path = dest.join(&e.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, blob).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(refused)
}

/// Copies a directory tree of regular files.
pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    copy_tree_with(from, to, &|bytes| bytes)
}

/// Copies the regular files under `from` to `to`, passing each file's bytes through `f`;
/// a missing `from` copies nothing.
fn copy_tree_with(from: &Path, to: &Path, f: &dyn Fn(Vec<u8>) -> Vec<u8>) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree_with(&entry.path(), &target, f)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(entry.path())
                .with_context(|| format!("reading {}", entry.path().display()))?;
            std::fs::write(&target, f(bytes))
                .with_context(|| format!("writing {}", target.display()))?;
        }
    }
    Ok(())
}

/// Applies the UAPI hunks of each patch, in order, inside `tree` (a plain directory, not a
/// repository), with `git apply`. Other files of the patch are ignored. An error names the patch
/// and the hunk that does not apply.
pub fn apply_patches(tree: &Path, mbox: &Path, patches: &[Patch]) -> Result<()> {
    let work = tree.parent().unwrap_or(tree);
    for p in patches {
        let file = work.join(format!("patch-{}.mbox", p.index));
        std::fs::write(&file, &p.text)?;
        let out = tamed(tree)
            // No repository around the tree: git apply then works like patch(1) on the files.
            .env("GIT_CEILING_DIRECTORIES", work)
            .args([
                "apply",
                "--include=include/uapi/*",
                "--include=arch/*/include/uapi/*",
                "--unsafe-paths",
                "--whitespace=nowarn",
                "-v",
            ])
            .arg(&file)
            .output()
            .context("running git apply")?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            bail!(
                "{}: patch {} ({}) does not apply: {}",
                mbox.display(),
                p.index,
                if p.subject.is_empty() {
                    "no subject"
                } else {
                    &p.subject
                },
                failing_hunk(p, &err)
            );
        }
    }
    Ok(())
}

/// Names the hunk git apply complained about (`error: patch failed: FILE:LINE`).
fn failing_hunk(p: &Patch, stderr: &str) -> String {
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("error: patch failed: ") else {
            continue;
        };
        let Some((file, line_no)) = rest.rsplit_once(':') else {
            continue;
        };
        let line_no: u64 = line_no.trim().parse().unwrap_or(0);
        if let Some(h) = p
            .files
            .iter()
            .filter(|f| f.path() == file)
            .flat_map(|f| f.hunks.iter())
            .find(|h| h.old_start == line_no)
        {
            return format!("{file}: hunk `{}`", h.header);
        }
        return format!("{file}: hunk at line {line_no}");
    }
    stderr
        .trim()
        .lines()
        .next()
        .unwrap_or("git apply failed")
        .to_string()
}

/// The system's asm/ directory for an architecture (from the cross packages).
fn system_asm(arch: Arch) -> Result<PathBuf> {
    let triple = arch.debian_triple();
    for c in [
        format!("/usr/{triple}/include/asm"),
        format!("/usr/include/{triple}/asm"),
    ] {
        let p = PathBuf::from(c);
        if p.join("types.h").is_file() {
            return Ok(p);
        }
    }
    bail!(
        "no asm/ headers for {} (install linux-libc-dev-*-cross; tools/scripts/setup.sh)",
        arch.name()
    )
}

/// Builds an include root from a kernel-layout tree: `<root>/<name>` for every
/// `include/uapi/<name>`, and `<root>/<triple>/asm/` holding the cross package's asm headers
/// overlaid with the tree's `arch/<karch>/include/uapi/asm/`, all passed through
/// `headers_install`'s rules.
pub fn install_root(src: &Path, root: &Path, arches: &[Arch]) -> Result<()> {
    install_dir(&src.join("include/uapi"), root)?;
    for &arch in arches {
        let asm = root.join(arch.debian_triple()).join("asm");
        std::fs::create_dir_all(&asm)?;
        for entry in std::fs::read_dir(system_asm(arch)?)? {
            let entry = entry?;
            if entry.path().is_file() {
                std::fs::copy(entry.path(), asm.join(entry.file_name()))?;
            }
        }
        let tree_asm = src
            .join("arch")
            .join(uapi_tree::karch(arch))
            .join("include/uapi/asm");
        if tree_asm.is_dir() {
            install_dir(&tree_asm, &asm)?;
        }
    }
    Ok(())
}

/// Copies a directory through `headers_install`'s rules.
fn install_dir(from: &Path, to: &Path) -> Result<()> {
    copy_tree_with(from, to, &|bytes| {
        uapi_tree::install(&String::from_utf8_lossy(&bytes)).into_bytes()
    })
}

/// Every header of an include root outside the per-architecture directories, by include name.
pub fn headers_of(root: &Path, arches: &[Arch]) -> Result<Vec<String>> {
    let skip: BTreeSet<String> = arches
        .iter()
        .map(|a| a.debian_triple().to_string())
        .collect();
    let mut found = Vec::new();
    walk(root, "", &skip, &mut found)?;
    found.sort();
    Ok(found)
}

fn walk(dir: &Path, rel: &str, skip: &BTreeSet<String>, out: &mut Vec<String>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let kind = entry.file_type()?;
        if kind.is_dir() && !(rel.is_empty() && skip.contains(&name)) {
            walk(&entry.path(), &path, skip, out)?;
        } else if kind.is_file() && name.ends_with(".h") {
            out.push(path);
        }
    }
    Ok(())
}

/// The include names a header pulls in from the tree (resolved names only).
pub fn include_graph(root: &Path, headers: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut graph = BTreeMap::new();
    for h in headers {
        let Ok(text) = std::fs::read_to_string(root.join(h)) else {
            continue;
        };
        let dir = Path::new(h).parent().unwrap_or(Path::new(""));
        let mut deps = Vec::new();
        for inc in uapi_tree::includes(&text) {
            match inc.target {
                IncludeTarget::Angle(p) => deps.push(p),
                IncludeTarget::Quoted(p) => {
                    let local = dir.join(&p).to_string_lossy().into_owned();
                    deps.push(if root.join(&local).is_file() {
                        local
                    } else {
                        p
                    });
                }
                IncludeTarget::Computed(_) => {}
            }
        }
        graph.insert(h.clone(), deps);
    }
    graph
}

/// The include roots of the machine's compilers and libc: what a header may include besides
/// the tree itself.
pub fn trusted_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("/usr/include")];
    for arch in Arch::ALL {
        let t = arch.debian_triple();
        dirs.push(PathBuf::from(format!("/usr/include/{t}")));
        dirs.push(PathBuf::from(format!("/usr/{t}/include")));
    }
    // clang's and gcc's own headers (stddef.h, stdint.h, ...).
    for base in ["/usr/lib/clang", "/usr/lib/gcc/x86_64-linux-gnu"] {
        if let Ok(rd) = std::fs::read_dir(base) {
            for e in rd.flatten() {
                dirs.push(e.path().join("include"));
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir("/usr/lib") {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with("llvm-") {
                if let Ok(versions) = std::fs::read_dir(e.path().join("lib/clang")) {
                    for v in versions.flatten() {
                        dirs.push(v.path().join("include"));
                    }
                }
            }
        }
    }
    dirs.retain(|d| d.is_dir());
    dirs
}

/// Checks every include in the closure of `header` inside `root`: each must be a plain
/// relative path that resolves inside the tree (including the per-architecture asm/ copies) or
/// in a trusted system directory. Returns the first violation, naming file and line.
pub fn check_includes(
    root: &Path,
    header: &str,
    arches: &[Arch],
    trusted: &[PathBuf],
) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![header.to_string()];
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let files: Vec<PathBuf> = std::iter::once(root.join(&name))
            .chain(
                arches
                    .iter()
                    .map(|a| root.join(a.debian_triple()).join(&name)),
            )
            .filter(|p| p.is_file())
            .collect();
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            for inc in uapi_tree::includes(&text) {
                let (path, quoted) = match &inc.target {
                    IncludeTarget::Computed(x) => {
                        return Err(format!(
                            "{name}:{}: computed include `{x}` is not allowed",
                            inc.line
                        ))
                    }
                    IncludeTarget::Angle(p) => (p.clone(), false),
                    IncludeTarget::Quoted(p) => (p.clone(), true),
                };
                uapi_tree::check_relative_path(&path)
                    .map_err(|e| format!("{name}:{}: include {e}", inc.line))?;
                if quoted {
                    let dir = Path::new(&name).parent().unwrap_or(Path::new(""));
                    let local = dir.join(&path).to_string_lossy().into_owned();
                    if root.join(&local).is_file() {
                        stack.push(local);
                        continue;
                    }
                }
                let in_tree = root.join(&path).is_file()
                    || arches
                        .iter()
                        .any(|a| root.join(a.debian_triple()).join(&path).is_file());
                if in_tree {
                    stack.push(path);
                } else if !trusted.iter().any(|d| d.join(&path).is_file()) {
                    return Err(format!(
                        "{name}:{}: `{path}` resolves neither inside the tree nor in a system include directory",
                        inc.line
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The include names of the UAPI headers among `paths` (tree paths), for the architectures
/// reviewed.
pub fn changed_headers(paths: &[String], arches: &[Arch]) -> Vec<String> {
    let karches: BTreeSet<&str> = arches.iter().map(|a| uapi_tree::karch(*a)).collect();
    let mut names: Vec<String> = paths
        .iter()
        .filter_map(|p| uapi_tree::locate(p))
        .filter(|l| match l {
            Location::Generic(_) => true,
            Location::Arch { karch, .. } => karches.contains(karch.as_str()),
        })
        .map(|l| l.name().to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}
