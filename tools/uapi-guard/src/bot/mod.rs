//! `uapi-guard bot`: reviews a change to a kernel tree (two refs, or a patch mail applied to a
//! base ref) and returns the check's report for the UAPI headers it touches.
//!
//! Hostile changes are expected: nothing from the change is run; git runs tamed (see
//! `git.rs`); headers are only parsed and compiled to objects, in a child process bounded in
//! time and memory; every include must resolve inside the tree or the system's include
//! directories; patch paths are checked before `git apply` sees them; the user's work tree is
//! never touched.

pub mod bounded;
pub mod git;
pub mod tree;

use anyhow::{Context, Result};
use bounded::{Limits, Outcome};
use git::Git;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use uapi_abi::check::{Report, Waivers};
use uapi_abi::findings::{Finding, Severity};
use uapi_abi::model::{Arch, Layout};

/// The header-set label of the bot's snapshots.
const LABEL: &str = "bot";

/// What to review.
pub struct Request {
    /// The kernel tree.
    pub repo: PathBuf,
    /// The base ref.
    pub base: String,
    /// The head ref (branch mode).
    pub head: Option<String>,
    /// A patch mail applied to the base (patch mode).
    pub patch: Option<PathBuf>,
    /// Architectures.
    pub arches: Vec<Arch>,
    /// Bounds of each compile.
    pub limits: Limits,
    /// Accepted findings.
    pub waivers: Option<Waivers>,
}

/// The outcome of a review.
pub struct Review {
    /// The findings.
    pub report: Report,
    /// Base and head labels.
    pub base_label: String,
    /// Head label.
    pub head_label: String,
    /// UAPI headers the change touches.
    pub changed: Vec<String>,
    /// Headers analysed: the changed ones and those including them.
    pub reviewed: Vec<String>,
    /// Headers refused, with the reason.
    pub refused: Vec<(String, String)>,
    /// The head side's header texts under their tree paths, for SARIF locations.
    pub sources: uapi_abi::report::Sources,
}

/// Reviews a change.
pub fn review(req: &Request) -> Result<Review> {
    let git = Git::open(&req.repo)?;
    let base = git.resolve(&req.base)?;
    let work = tempfile::Builder::new()
        .prefix("uapi-guard-bot")
        .tempdir()
        .context("creating a temporary directory")?;
    let base_src = work.path().join("base-src");
    let head_src = work.path().join("head-src");
    let mut refused: Vec<(String, String)> = Vec::new();
    for (path, why) in tree::checkout_uapi(&git, &base, &base_src)? {
        refused.push((path, format!("base: {why}")));
    }
    let base_label = format!("base {}", &base[..12.min(base.len())]);
    let (changed_paths, head_label) = match (&req.head, &req.patch) {
        (Some(head), None) => {
            let head = git.resolve(head)?;
            for (path, why) in tree::checkout_uapi(&git, &head, &head_src)? {
                refused.push((path, format!("head: {why}")));
            }
            (
                git.changed_uapi_paths(&base, &head)?,
                format!("head {}", &head[..12.min(head.len())]),
            )
        }
        (None, Some(mbox)) => {
            let text =
                std::fs::read(mbox).with_context(|| format!("reading {}", mbox.display()))?;
            let patches = uapi_abi::mbox::parse(&String::from_utf8_lossy(&text))
                .map_err(|e| anyhow::anyhow!("{}: {e}", mbox.display()))?;
            std::fs::create_dir_all(&base_src)?;
            tree::copy_tree(&base_src, &head_src)?;
            tree::apply_patches(&head_src, mbox, &patches)?;
            let paths = patches
                .iter()
                .flat_map(|p| p.files.iter())
                .flat_map(|f| [f.old_path.clone(), f.new_path.clone()])
                .flatten()
                .collect();
            let name = mbox
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (paths, format!("patched ({name})"))
        }
        _ => anyhow::bail!("give either --head or --patch"),
    };
    let changed = tree::changed_headers(&changed_paths, &req.arches);
    let mut result = Review {
        report: empty_report(&base_label, &head_label, &req.arches),
        base_label,
        head_label,
        changed: changed.clone(),
        reviewed: Vec::new(),
        refused,
        sources: uapi_abi::report::Sources::new(),
    };
    if changed.is_empty() {
        return Ok(result);
    }

    let roots = [work.path().join("base-root"), work.path().join("head-root")];
    tree::install_root(&base_src, &roots[0], &req.arches)?;
    tree::install_root(&head_src, &roots[1], &req.arches)?;
    let present: Vec<BTreeSet<String>> = roots
        .iter()
        .map(|r| tree::headers_of(r, &req.arches).map(|v| v.into_iter().collect()))
        .collect::<Result<_>>()?;
    // Who includes whom, read once from both sides.
    let includes = include_edges(&roots, &present);
    let included_by = reversed(&includes);
    // The changed headers and every header including them, directly or not.
    let reviewed = reachable(&changed, &included_by);
    // What the reviewed headers include is analysed too, unchanged, so lints see the records
    // they embed (`struct iommu_cache_invalidate_info` for a change to vfio.h).
    let context = reachable(&reviewed, &includes);

    // Refuse headers whose includes escape, on either side.
    let trusted = tree::trusted_dirs();
    let mut refused_names = BTreeSet::new();
    for (side, root) in ["base", "head"].iter().zip(&roots) {
        for h in &context {
            if !root.join(h).is_file() {
                continue;
            }
            if let Err(why) = tree::check_includes(root, h, &req.arches, &trusted) {
                if refused_names.insert(h.clone()) {
                    result.refused.push((h.clone(), format!("{side}: {why}")));
                }
            }
        }
    }
    let analysed: Vec<String> = context
        .iter()
        // asm/ headers are reached through the headers that include them.
        .filter(|h| !refused_names.contains(*h) && !h.starts_with("asm/"))
        .cloned()
        .collect();

    let mut sides = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        let label = if i == 0 {
            &result.base_label
        } else {
            &result.head_label
        };
        let list: Vec<String> = analysed
            .iter()
            .filter(|h| present[i].contains(*h))
            .cloned()
            .collect();
        let (layouts, over_limit) =
            extract_bounded(root, label, &list, &req.arches, req.limits, work.path(), i)?;
        for (h, why) in over_limit {
            if refused_names.insert(h.clone()) {
                result.refused.push((h, why));
            }
        }
        sides.push(layouts);
    }
    // A header refused on one side is compared on neither.
    for side in &mut sides {
        for l in side.iter_mut() {
            drop_headers(l, &refused_names);
        }
    }
    let mut report = uapi_abi::check::check(&sides[0], &sides[1], req.waivers.as_ref())?;
    report.command = "bot";
    add_bot_findings(&mut report, &sides, &result.refused, &req.arches);
    result.report = report;
    for h in &reviewed {
        let tree_path = format!("include/uapi/{h}");
        if let Ok(text) = std::fs::read_to_string(head_src.join(&tree_path)) {
            result.sources.add(h, &tree_path, Some(text));
        }
    }
    result.reviewed = reviewed;
    Ok(result)
}

/// Header -> the tree headers it includes, on either side.
type Edges = BTreeMap<String, BTreeSet<String>>;

fn include_edges(roots: &[PathBuf], present: &[BTreeSet<String>]) -> Edges {
    let mut edges = Edges::new();
    for (root, names) in roots.iter().zip(present) {
        let list: Vec<String> = names.iter().cloned().collect();
        for (h, deps) in tree::include_graph(root, &list) {
            edges
                .entry(h)
                .or_default()
                .extend(deps.into_iter().filter(|d| names.contains(d)));
        }
    }
    edges
}

fn reversed(edges: &Edges) -> Edges {
    let mut out = Edges::new();
    for (from, tos) in edges {
        for to in tos {
            out.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    out
}

/// `start` and everything reachable from it along `edges`, sorted.
fn reachable(start: &[String], edges: &Edges) -> Vec<String> {
    let mut out: BTreeSet<String> = start.iter().cloned().collect();
    let mut stack: Vec<String> = start.to_vec();
    while let Some(h) = stack.pop() {
        for next in edges.get(&h).into_iter().flatten() {
            if out.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    out.into_iter().collect()
}

/// (header, why it was refused).
type Refusal = (String, String);

/// Extracts `headers` of one side in a bounded child; when the child runs over its limits, each
/// header is retried alone so the one at fault is named and the others are still compared.
fn extract_bounded(
    root: &Path,
    label: &str,
    headers: &[String],
    arches: &[Arch],
    limits: Limits,
    work: &Path,
    side: usize,
) -> Result<(Vec<Layout>, Vec<Refusal>)> {
    if headers.is_empty() {
        return Ok((
            arches.iter().map(|&a| empty_layout(label, a)).collect(),
            Vec::new(),
        ));
    }
    let out = work.join(format!("snap-{side}"));
    match snapshot_child(root, label, headers, arches, limits, &out)? {
        Ok(layouts) => return Ok((layouts, Vec::new())),
        Err(why) if headers.len() == 1 => {
            return Ok((
                arches.iter().map(|&a| empty_layout(label, a)).collect(),
                vec![(headers[0].clone(), why)],
            ))
        }
        Err(_) => {}
    }
    let mut merged: Vec<Layout> = arches.iter().map(|&a| empty_layout(label, a)).collect();
    let mut over = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let out = work.join(format!("snap-{side}-{i}"));
        match snapshot_child(root, label, std::slice::from_ref(h), arches, limits, &out)? {
            Ok(layouts) => {
                for (m, l) in merged.iter_mut().zip(layouts) {
                    merge(m, l);
                }
            }
            Err(why) => over.push((h.clone(), why)),
        }
    }
    Ok((merged, over))
}

/// One bounded `uapi-guard snapshot` child; `Ok(Err(reason))` when it ran over its limits or
/// failed.
fn snapshot_child(
    root: &Path,
    label: &str,
    headers: &[String],
    arches: &[Arch],
    limits: Limits,
    out: &Path,
) -> Result<std::result::Result<Vec<Layout>, String>> {
    let exe = std::env::current_exe().context("locating uapi-guard")?;
    let mut args: Vec<OsString> = vec![
        "snapshot".into(),
        "--headers".into(),
        root.into(),
        "--set".into(),
        LABEL.into(),
        "--kernel-version".into(),
        label.into(),
        "--arch".into(),
        arches
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(",")
            .into(),
        "--out".into(),
        out.into(),
    ];
    for h in headers {
        args.push("--header".into());
        args.push(h.into());
    }
    match bounded::run(&exe, &args, limits)? {
        Outcome::TimedOut => Ok(Err(format!(
            "compiling it took longer than {} s; refused",
            limits.seconds
        ))),
        Outcome::Exited(o) if !o.status.success() => {
            let err = String::from_utf8_lossy(&o.stderr);
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            Ok(Err(format!(
                "extraction failed within {} MiB: {}",
                limits.memory_mib,
                last.trim()
            )))
        }
        Outcome::Exited(_) => Ok(Ok(uapi_abi::snapshot::read_snapshot_dir(out)?)),
    }
}

fn empty_layout(label: &str, arch: Arch) -> Layout {
    Layout {
        header_set: LABEL.into(),
        version: label.into(),
        arch,
        provenance: uapi_abi::layout::provenance(),
        headers: Vec::new(),
        skipped: Vec::new(),
        records: BTreeMap::new(),
        constants: BTreeMap::new(),
    }
}

fn merge(into: &mut Layout, from: Layout) {
    into.headers.extend(from.headers);
    into.headers.sort();
    into.headers.dedup();
    into.skipped.extend(from.skipped);
    into.records.extend(from.records);
    into.constants.extend(from.constants);
}

fn drop_headers(l: &mut Layout, names: &BTreeSet<String>) {
    l.headers.retain(|h| !names.contains(h));
    l.records.retain(|_, r| !names.contains(&r.header));
    l.constants.retain(|_, c| !names.contains(&c.header));
}

fn empty_report(base: &str, head: &str, arches: &[Arch]) -> Report {
    Report {
        command: "bot",
        header_set: LABEL.into(),
        old_version: Some(base.into()),
        new_version: head.into(),
        arches: arches.to_vec(),
        findings: Vec::new(),
        waived: Vec::new(),
        waivers: Vec::new(),
        diffs: BTreeMap::new(),
    }
}

/// Refused headers, and headers that compile on the base but not on the head, as breaks.
fn add_bot_findings(
    report: &mut Report,
    sides: &[Vec<Layout>],
    refused: &[(String, String)],
    arches: &[Arch],
) {
    for (h, why) in refused {
        report.findings.push(Finding {
            rule: "header-refused",
            severity: Severity::Break,
            arches: arches.to_vec(),
            item: h.clone(),
            field: None,
            header: h.clone(),
            old: None,
            new: None,
            message: format!("{h} was not analysed: {why}"),
        });
    }
    for (old, new) in sides[0].iter().zip(&sides[1]) {
        for s in &new.skipped {
            let compiled_before = old.headers.contains(&s.header);
            if compiled_before {
                report.findings.push(Finding {
                    rule: "header-does-not-compile",
                    severity: Severity::Break,
                    arches: vec![new.arch],
                    item: s.header.clone(),
                    field: None,
                    header: s.header.clone(),
                    old: None,
                    new: Some(s.reason.clone()),
                    message: format!("{} no longer compiles on its own: {}", s.header, s.reason),
                });
            }
        }
    }
    report.findings = uapi_abi::findings::merge(std::mem::take(&mut report.findings));
}
