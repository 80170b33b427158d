//! Kernel trees on disk: a commit's UAPI files written into a private directory, a patch mail
//! applied there, and the include root built from it the way `headers_install` would, with
//! every include of a reviewed header checked to stay inside the tree or the system's own
//! include directories.

use super::git::{tamed, Git};
use crate::error::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use uapi_abi::mbox::Patch;
use uapi_model::model::Arch;
use uapi_model::uapi_tree::{self, IncludeTarget, Location};

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
        // Read no blob larger than a header may be: a huge one would fill memory and disk.
        if e.size.is_none_or(|s| s > uapi_model::input::HEADER_LIMIT) {
            refused.push((
                e.path,
                format!(
                    "larger than the {} MiB a header may be; not read",
                    uapi_model::input::HEADER_LIMIT >> 20
                ),
            ));
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

/// The options of every `git apply` of a patch mail, and of the runs that ask git what it would
/// touch, so the check covers exactly what is applied: the UAPI directories only, `-p1` (git's
/// default), and never `--unsafe-paths`.
const APPLY_INCLUDES: [&str; 2] = [
    "--include=include/uapi/*",
    "--include=arch/*/include/uapi/*",
];

/// Reads a patch mail (a regular file of at most 64 MiB: a FIFO, a device or a directory is an
/// error naming the file, not a hang) and parses it.
pub fn read_mbox(mbox: &Path) -> Result<Vec<Patch>> {
    let bytes = uapi_model::input::read_bounded(mbox, uapi_model::input::MBOX_LIMIT)?;
    uapi_abi::mbox::parse(&String::from_utf8_lossy(&bytes))
        .map_err(|e| crate::Error::Failed(format!("{}: {e}", mbox.display())))
}

/// Applies the UAPI hunks of each patch, in order, inside `tree` (a plain directory, not a
/// repository), with `git apply`; other files of the patch are ignored. Returns the tree paths
/// the patches change, as git names them (old and new paths of renames and copies).
///
/// Before anything is applied, git is asked what each patch would touch (`--numstat`, forwards
/// and reversed for the sources of renames and copies, and `--summary` for modes), and the
/// whole mail is refused if any path is not a plain relative path free of control characters,
/// if an applied one (source or target) lies outside `include/uapi/` and
/// `arch/<arch>/include/uapi/`, if a file would become anything but a regular file, or if git
/// and the mail parser disagree on the files. git runs in `tree` with no repository around it,
/// where it refuses on its own to write outside (it does read a copy's source anywhere, hence
/// the check). An error names the mail, the patch and the path, or the hunk that does not apply.
pub fn apply_patches(tree: &Path, mbox: &Path, patches: &[Patch]) -> Result<Vec<String>> {
    let work = tree.parent().unwrap_or(tree);
    let mut planned = Vec::new();
    for p in patches {
        let file = work.join(format!("patch-{}.mbox", p.index));
        std::fs::write(&file, &p.text).with_context(|| format!("writing {}", file.display()))?;
        let paths = plan_patch(tree, &file, p).map_err(|e| {
            crate::Error::Failed(format!(
                "{}: patch {} ({}) refused before anything was applied: {e}",
                mbox.display(),
                p.index,
                subject_of(p)
            ))
        })?;
        planned.push((p, file, paths));
    }
    let mut changed: Vec<String> = Vec::new();
    for (p, file, paths) in planned {
        if paths.is_empty() {
            // Nothing under the UAPI directories.
            continue;
        }
        let out = git_apply(tree, true)
            .args(["-v"])
            .arg(&file)
            .output()
            .context("running git apply")?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            bail!(
                "{}: patch {} ({}) does not apply: {}",
                mbox.display(),
                p.index,
                subject_of(p),
                uapi_abi::mbox::escape(failing_hunk(p, &err).as_bytes())
            );
        }
        // git never makes a link here once the modes were checked; if it ever does, stop.
        if let Some((path, kind)) = first_non_regular(tree, "")? {
            bail!(
                "{}: patch {} ({}) left `{}` in the tree as {kind}, not a regular file",
                mbox.display(),
                p.index,
                subject_of(p),
                uapi_abi::mbox::escape(path.as_bytes())
            );
        }
        for path in paths {
            if !changed.contains(&path) {
                changed.push(path);
            }
        }
    }
    Ok(changed)
}

fn subject_of(p: &Patch) -> &str {
    if p.subject.is_empty() {
        "no subject"
    } else {
        &p.subject
    }
}

/// `git apply` in `tree`, tamed, with no repository around it (it then works like patch(1) on
/// the files and refuses paths outside its working directory), filtered to the UAPI
/// directories when `filtered`.
fn git_apply(tree: &Path, filtered: bool) -> std::process::Command {
    let mut c = tamed(tree);
    c.env("GIT_CEILING_DIRECTORIES", tree.parent().unwrap_or(tree))
        .arg("apply")
        .arg("--whitespace=nowarn");
    if filtered {
        c.args(APPLY_INCLUDES);
    }
    c
}

/// One run of `git apply` that only reports (`--numstat`, `--summary`): its standard output.
fn git_report(tree: &Path, file: &Path, filtered: bool, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = git_apply(tree, filtered)
        .args(args)
        .arg(file)
        .output()
        .map_err(|e| format!("running git apply: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!(
            "git apply cannot read it: {}",
            uapi_abi::mbox::escape(first.trim().as_bytes())
        ));
    }
    Ok(out.stdout)
}

/// The paths of `git apply --numstat -z`: one per file of the patch, in git's order (reversed
/// with `-R`), raw bytes. git apply prints one name per file, the new one (the old one with
/// `-R`, which swaps them), so a rename's or a copy's source comes from the reversed run.
fn numstat_paths(out: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut paths = Vec::new();
    for rec in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        // "<added>\t<deleted>\t<path>"
        let mut fields = rec.splitn(3, |&b| b == b'\t');
        let (Some(_), Some(_), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(format!(
                "unexpected `git apply --numstat` output `{}`",
                uapi_abi::mbox::escape(rec)
            ));
        };
        if path.is_empty() {
            return Err("`git apply --numstat` printed an empty path".into());
        }
        paths.push(path.to_vec());
    }
    Ok(paths)
}

/// A path git will touch: UTF-8, free of control characters, relative, without `..`.
fn safe_path(path: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(path)
        .map_err(|_| format!("`{}` is not UTF-8", uapi_abi::mbox::escape(path)))?;
    uapi_abi::mbox::check_path(text)?;
    Ok(text.to_string())
}

/// Under `include/uapi/` or `arch/<arch>/include/uapi/`.
fn in_uapi(path: &str) -> bool {
    let rest = path.strip_prefix("include/uapi/").or_else(|| {
        path.strip_prefix("arch/")
            .and_then(|r| r.split_once('/'))
            .and_then(|(_, r)| r.strip_prefix("include/uapi/"))
    });
    rest.is_some_and(|r| !r.is_empty())
}

/// What git will do with one patch, checked (see [`apply_patches`]); the paths it changes.
fn plan_patch(tree: &Path, file: &Path, p: &Patch) -> Result<Vec<String>, String> {
    let news = numstat_paths(&git_report(tree, file, false, &["--numstat", "-z"])?)?;
    let mut olds = numstat_paths(&git_report(tree, file, false, &["-R", "--numstat", "-z"])?)?;
    // -R lists the files in reverse order.
    olds.reverse();
    let applied = numstat_paths(&git_report(tree, file, true, &["--numstat", "-z"])?)?;
    if olds.len() != news.len() {
        return Err(format!(
            "git apply lists {} files forwards and {} reversed",
            news.len(),
            olds.len()
        ));
    }
    // The --include filter goes by the name --numstat prints, so a file is applied exactly
    // when its name is among the filtered run's.
    let is_applied: Vec<bool> = news.iter().map(|n| applied.contains(n)).collect();
    if is_applied.iter().filter(|&&a| a).count() != applied.len() {
        return Err("git apply's filtered and unfiltered file lists do not match".into());
    }
    let mut changed = Vec::new();
    for ((old, new), applied) in olds.iter().zip(&news).zip(is_applied) {
        let old = safe_path(old)?;
        let new = safe_path(new)?;
        if applied {
            for path in [&old, &new] {
                if !in_uapi(path) {
                    return Err(format!(
                        "`{}` is outside include/uapi/ and arch/*/include/uapi/ (git would {} it)",
                        uapi_abi::mbox::escape(path.as_bytes()),
                        if path == &old && old != new {
                            "read or remove"
                        } else {
                            "write"
                        }
                    ));
                }
            }
            for path in [old, new] {
                if !changed.contains(&path) {
                    changed.push(path);
                }
            }
        } else if in_uapi(&old) {
            // Renamed or copied out of the UAPI directories: git's filter would skip it and the
            // review would not see the header go.
            return Err(format!(
                "it renames or copies `{}` out of the UAPI directories to `{}`, which the bot cannot review",
                uapi_abi::mbox::escape(old.as_bytes()),
                uapi_abi::mbox::escape(new.as_bytes())
            ));
        }
    }
    // Modes, from git's summary of what is applied (one line a file: no name holds a newline).
    let summary = git_report(tree, file, true, &["--summary"])?;
    for line in String::from_utf8_lossy(&summary).lines() {
        let l = line.trim_start();
        let modes: Vec<&str> = if let Some(r) = l
            .strip_prefix("create mode ")
            .or_else(|| l.strip_prefix("delete mode "))
        {
            r.split(' ').take(1).collect()
        } else if let Some(r) = l.strip_prefix("mode change ") {
            r.split(' ').step_by(2).take(2).collect()
        } else {
            continue;
        };
        if let Some(bad) = modes.iter().find(|m| **m != "100644" && **m != "100755") {
            let what = match *bad {
                "120000" => "a symbolic link",
                "160000" => "a submodule",
                _ => "not a regular file",
            };
            return Err(format!(
                "mode {bad} ({what}) in `{}`: only regular files may be patched",
                uapi_abi::mbox::escape(l.as_bytes())
            ));
        }
    }
    // The review chooses its headers from the parser's files: git must not change one the
    // parser did not see.
    let seen: BTreeSet<&str> = p
        .files
        .iter()
        .flat_map(|f| [f.old_path.as_deref(), f.new_path.as_deref()])
        .flatten()
        .collect();
    if let Some(unseen) = changed.iter().find(|c| !seen.contains(c.as_str())) {
        return Err(format!(
            "git would change `{}`, which the mail parser does not see in this patch; refusing a mail the two read differently",
            uapi_abi::mbox::escape(unseen.as_bytes())
        ));
    }
    Ok(changed)
}

/// The first entry under `dir` (relative name `rel`) that is neither a directory nor a
/// regular file, with its kind; symbolic links are not followed.
fn first_non_regular(dir: &Path, rel: &str) -> Result<Option<(String, &'static str)>> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let meta = std::fs::symlink_metadata(e.path())?;
        if meta.is_dir() {
            if let Some(found) = first_non_regular(&e.path(), &path)? {
                return Ok(Some(found));
            }
        } else if !meta.is_file() {
            return Ok(Some((path, uapi_model::input::kind_name(&meta))));
        }
    }
    Ok(None)
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

/// Every header of an include root by include name: the generic ones, and each architecture's
/// `asm/` headers (from `<root>/<triple>/asm/`) as `asm/<name>`.
pub fn headers_of(root: &Path, arches: &[Arch]) -> Result<Vec<String>> {
    let skip: BTreeSet<String> = arches
        .iter()
        .map(|a| a.debian_triple().to_string())
        .collect();
    let mut found = Vec::new();
    walk(root, "", &skip, &mut found)?;
    for a in arches {
        let mut asm = Vec::new();
        walk(
            &root.join(a.debian_triple()),
            "",
            &BTreeSet::new(),
            &mut asm,
        )?;
        found.extend(asm.into_iter().filter(|h| h.starts_with("asm/")));
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// The installed texts of the include name `h` (an `asm/` name has one per architecture), read
/// bounded and joined.
pub fn read_installed(root: &Path, h: &str, arches: &[Arch]) -> Option<String> {
    let texts: Vec<String> = std::iter::once(root.join(h))
        .chain(arches.iter().map(|a| root.join(a.debian_triple()).join(h)))
        .filter(|p| p.is_file())
        .filter_map(|p| {
            uapi_model::input::read_text_bounded(&p, uapi_model::input::HEADER_LIMIT).ok()
        })
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}

/// Whether the include name `h` is a file of the root, for any of `arches` (`asm/` names live
/// under `<root>/<triple>/`).
pub fn exists(root: &Path, h: &str, arches: &[Arch]) -> bool {
    root.join(h).is_file()
        || arches
            .iter()
            .any(|a| root.join(a.debian_triple()).join(h).is_file())
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
        let file = if h.starts_with("asm/") {
            match Arch::ALL
                .iter()
                .map(|a| root.join(a.debian_triple()).join(h))
                .find(|p| p.is_file())
            {
                Some(p) => p,
                None => continue,
            }
        } else {
            root.join(h)
        };
        let Ok(text) = uapi_model::input::read_text_bounded(&file, uapi_model::input::HEADER_LIMIT)
        else {
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
                IncludeTarget::Computed(_) | IncludeTarget::Assembler(_) => {}
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
                            "{name}:{}: computed include `{}` is not allowed",
                            inc.line,
                            uapi_abi::report::visible(x)
                        ))
                    }
                    IncludeTarget::Assembler(x) => {
                        return Err(format!(
                            "{name}:{}: inline assembly that reads a file (`.include`/`.incbin`) is not allowed: `{}`",
                            inc.line,
                            uapi_abi::report::visible(x)
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
                        if !local.ends_with(".h") {
                            return Err(format!(
                                "{name}:{}: includes `{}`, a file of the tree that is not a header (only `*.h` files are reviewed)",
                                inc.line,
                                uapi_abi::report::visible(&local)
                            ));
                        }
                        stack.push(local);
                        continue;
                    }
                }
                let in_tree = root.join(&path).is_file()
                    || arches
                        .iter()
                        .any(|a| root.join(a.debian_triple()).join(&path).is_file());
                if in_tree && !path.ends_with(".h") {
                    // Only headers are reviewed: a change to an included `.inc` would not be.
                    return Err(format!(
                        "{name}:{}: includes `{}`, a file of the tree that is not a header (only `*.h` files are reviewed)",
                        inc.line,
                        uapi_abi::report::visible(&path)
                    ));
                }
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

#[cfg(test)]
mod apply_tests {
    //! The git side of `apply_patches`, without the mail parser in front of it: what git
    //! itself refuses, and what only the numstat check catches.
    use super::*;

    /// `<dir>/tree` holding include/uapi/linux/foo.h, and `<dir>/secret.txt` next to it.
    fn setup() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("include/uapi/linux")).unwrap();
        std::fs::write(tree.join("include/uapi/linux/foo.h"), "int a;\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret\n").unwrap();
        (dir, tree)
    }

    fn patch_file(dir: &Path, text: &str) -> PathBuf {
        let f = dir.join("p.mbox");
        std::fs::write(&f, text).unwrap();
        f
    }

    /// A patch the parser saw nothing in: only git's account of the paths is checked.
    fn unparsed(text: &str) -> Patch {
        Patch {
            index: 1,
            subject: String::new(),
            text: text.into(),
            files: Vec::new(),
        }
    }

    #[test]
    fn git_alone_refuses_to_write_outside_but_reads_a_copy_source_anywhere() {
        let (dir, tree) = setup();
        let create = "diff --git a/include/uapi/../../../escaped.h b/include/uapi/../../../escaped.h\n\
            new file mode 100644\n--- /dev/null\n+++ b/include/uapi/../../../escaped.h\n@@ -0,0 +1 @@\n+x\n";
        let out = git_apply(&tree, true)
            .arg(patch_file(dir.path(), create))
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("invalid path"));
        assert!(!dir.path().join("escaped.h").exists());
        // A copy's source is read wherever it is, even without --unsafe-paths ...
        let copy = "diff --git a/include/uapi/linux/foo.h b/include/uapi/linux/c.h\n\
            similarity index 100%\ncopy from include/uapi/../../../secret.txt\ncopy to include/uapi/linux/c.h\n";
        let file = patch_file(dir.path(), copy);
        let out = git_apply(&tree, true).arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let copied = tree.join("include/uapi/linux/c.h");
        assert_eq!(std::fs::read_to_string(&copied).unwrap(), "secret\n");
        std::fs::remove_file(copied).unwrap();
        // ... which is why the plan asks git for the sources too.
        let e = plan_patch(&tree, &file, &unparsed(copy)).unwrap_err();
        assert!(
            e.contains("`include/uapi/../../../secret.txt` climbs out with `..`"),
            "{e}"
        );
    }

    #[test]
    fn the_plan_refuses_what_git_would_touch_outside_the_uapi_directories() {
        let (dir, tree) = setup();
        for (text, why) in [
            (
                "--- x/include/uapi/../../X\n+++ y/include/uapi/../../X\n@@ -0,0 +1 @@\n+owned\n",
                "`include/uapi/../../X` climbs out with `..`",
            ),
            (
                "diff --git \"a/include/uapi/\\056\\056/X\" \"b/include/uapi/\\056\\056/X\"\nnew file mode 100644\n",
                "`include/uapi/../X` climbs out",
            ),
            (
                "diff --git a/include/uapi/linux/foo.h b/include/uapi/linux/x.h\nsimilarity index 100%\n\
                 copy from \"/etc/hostname\"\ncopy to include/uapi/linux/x.h\n",
                "`/etc/hostname` is absolute",
            ),
            (
                "diff --git a/drivers/x.c b/include/uapi/linux/x.h\nsimilarity index 100%\n\
                 rename from drivers/x.c\nrename to include/uapi/linux/x.h\n",
                "`drivers/x.c` is outside include/uapi/",
            ),
            (
                "diff --git a/include/uapi/linux/foo.h b/drivers/foo.h\nsimilarity index 100%\n\
                 rename from include/uapi/linux/foo.h\nrename to drivers/foo.h\n",
                "renames or copies `include/uapi/linux/foo.h` out of the UAPI directories",
            ),
            (
                "diff --git \"a/include/uapi/linux/x\\033[2J.h\" \"b/include/uapi/linux/x\\033[2J.h\"\n\
                 new file mode 100644\n",
                "`include/uapi/linux/x\\x1b[2J.h` contains a control character",
            ),
            (
                "diff --git a/include/uapi/linux/l b/include/uapi/linux/l\nnew file mode 120000\n\
                 --- /dev/null\n+++ b/include/uapi/linux/l\n@@ -0,0 +1 @@\n+/etc\n\\ No newline at end of file\n",
                "mode 120000 (a symbolic link)",
            ),
            (
                "diff --git a/include/uapi/linux/foo.h b/include/uapi/linux/foo.h\nold mode 100644\nnew mode 160000\n",
                "mode 160000 (a submodule)",
            ),
        ] {
            let file = patch_file(dir.path(), text);
            let e = plan_patch(&tree, &file, &unparsed(text)).unwrap_err();
            assert!(e.contains(why), "{text}\n{e}");
        }
    }

    #[test]
    fn the_plan_names_every_path_git_changes_and_skips_the_rest() {
        let (dir, tree) = setup();
        let text = "diff --git a/include/uapi/linux/foo.h b/arch/x86/include/uapi/asm/bar.h\n\
            similarity index 90%\nrename from include/uapi/linux/foo.h\nrename to arch/x86/include/uapi/asm/bar.h\n\
            --- a/include/uapi/linux/foo.h\n+++ b/arch/x86/include/uapi/asm/bar.h\n@@ -1 +1,2 @@\n int a;\n+int b;\n\
            diff --git a/drivers/x.c b/drivers/x.c\n--- a/drivers/x.c\n+++ b/drivers/x.c\n@@ -1 +1 @@\n-a\n+b\n";
        let file = patch_file(dir.path(), text);
        let parsed = uapi_abi::mbox::parse(text).unwrap().remove(0);
        assert_eq!(
            plan_patch(&tree, &file, &parsed).unwrap(),
            [
                "include/uapi/linux/foo.h",
                "arch/x86/include/uapi/asm/bar.h"
            ]
        );
        // A file git changes and the parser did not see is refused.
        let e = plan_patch(&tree, &file, &unparsed(text)).unwrap_err();
        assert!(e.contains("which the mail parser does not see"), "{e}");
    }

    #[test]
    fn a_mail_must_be_a_regular_file_of_bounded_size() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.mbox");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let big = dir.path().join("big.mbox");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(uapi_model::input::MBOX_LIMIT + 1)
            .unwrap();
        for (path, why) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
            (big.as_path(), "larger than the limit of 64 MiB"),
        ] {
            let e = format!("{:#}", read_mbox(path).unwrap_err());
            assert!(
                e.contains(&*path.display().to_string()) && e.contains(why),
                "{e}"
            );
        }
    }
}
