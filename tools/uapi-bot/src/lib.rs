//! `uapi-guard bot`: reviews a change to a kernel tree (two refs, or a patch mail applied to a
//! base ref) and returns the check's report for the UAPI headers it touches.
//!
//! Hostile changes are expected: nothing from the change is run; git runs tamed (see
//! `git.rs`); headers are only parsed and compiled to objects, in a child process bounded in
//! time and memory; every include must resolve inside the tree or the system's include
//! directories; patch paths are checked before `git apply` sees them; the user's work tree is
//! never touched.

#![deny(missing_docs)]

pub mod bounded;
pub mod cleanup;
mod error;
pub mod git;
pub mod sandbox;
pub mod tree;

pub use error::{Context, Error, Result};

use crate::error::bail;
use bounded::{Budget, Limits, Outcome};
use git::Git;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use uapi_abi::check::{Report, Waivers};
use uapi_abi::findings::{Finding, Severity};
use uapi_model::model::{Arch, Layout};

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
    /// Confinement of the compile children (passed on as their `--sandbox`).
    pub sandbox: crate::sandbox::Mode,
    /// Whether the children also run the compiled probe (`--verify`).
    pub verify: bool,
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
    let _work_guard = crate::cleanup::Guard::new(work.path());
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
            let patches = tree::read_mbox(mbox)?;
            std::fs::create_dir_all(&base_src)?;
            tree::copy_tree(&base_src, &head_src)?;
            // The paths git itself says it changed, not the parser's reading of the mail.
            let paths = tree::apply_patches(&head_src, mbox, &patches)?;
            let name = mbox
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (paths, format!("patched ({name})"))
        }
        _ => bail!("give either --head or --patch"),
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
            if !tree::exists(root, h, &req.arches) {
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
        .filter(|h| !refused_names.contains(*h))
        .cloned()
        .collect();

    let budget = Budget::start(req.limits);
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
        let child = Child {
            root,
            label,
            arches: &req.arches,
            memory_mib: req.limits.memory_mib,
            sandbox: req.sandbox,
            verify: req.verify,
            work: work.path(),
            budget,
        };
        let (layouts, over_limit) = child.extract(&list, &format!("snap-{i}"))?;
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
    for h in &changed {
        let conditions = |root: &Path| {
            compiler_conditions(&tree::read_installed(root, h, &req.arches).unwrap_or_default())
        };
        let (before, after) = (conditions(&roots[0]), conditions(&roots[1]));
        let new: Vec<&String> = after.iter().filter(|c| !before.contains(c)).collect();
        if let Some(first) = new.first() {
            report.findings.push(Finding {
                rule: "compiler-dependent",
                severity: Severity::Warning,
                arches: req.arches.clone(),
                item: h.clone(),
                field: None,
                header: h.clone(),
                old: None,
                new: Some(first.to_string()),
                message: format!(
                    "needs review: {h} now chooses between layouts by compiler or language (`{}`); only clang compiling C was checked, so what gcc or C++ users get was not",
                    uapi_abi::report::visible(first)
                ),
            });
        }
    }
    report.findings = uapi_abi::findings::merge(std::mem::take(&mut report.findings));
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

/// The bounded `uapi-guard snapshot` children of one side of a review.
struct Child<'a> {
    root: &'a Path,
    label: &'a str,
    arches: &'a [Arch],
    memory_mib: u64,
    sandbox: crate::sandbox::Mode,
    verify: bool,
    work: &'a Path,
    budget: Budget,
}

impl Child<'_> {
    /// Extracts `headers` in one bounded child; when it runs over its time or memory, the headers
    /// are split in halves and each half retried, so the ones at fault are named and the others
    /// are still compared. Every try draws on the review's one budget: once it is spent, the
    /// headers not yet compiled are refused.
    fn extract(&self, headers: &[String], tag: &str) -> Result<(Vec<Layout>, Vec<Refusal>)> {
        let empty = || {
            self.arches
                .iter()
                .map(|&a| empty_layout(self.label, a))
                .collect()
        };
        if headers.is_empty() {
            return Ok((empty(), Vec::new()));
        }
        let Some(timeout) = self.budget.next_try() else {
            let why = format!(
                "the review's compile budget of {} s (--compile-timeout) was spent before it could be compiled; refused",
                self.budget.total().as_secs()
            );
            return Ok((
                empty(),
                headers.iter().map(|h| (h.clone(), why.clone())).collect(),
            ));
        };
        match self.run(headers, tag, timeout)? {
            Ok(layouts) => Ok((layouts, Vec::new())),
            Err(why) if headers.len() == 1 => Ok((empty(), vec![(headers[0].clone(), why)])),
            Err(_) => {
                let (a, b) = headers.split_at(headers.len() / 2);
                let (mut merged, mut over) = self.extract(a, &format!("{tag}a"))?;
                let (second, over_b) = self.extract(b, &format!("{tag}b"))?;
                for (m, l) in merged.iter_mut().zip(second) {
                    merge(m, l);
                }
                over.extend(over_b);
                Ok((merged, over))
            }
        }
    }

    /// One bounded child; `Ok(Err(reason))` when it ran over its limits or failed. Its scratch
    /// files live in a folder of the review's own, so a killed child leaves nothing behind.
    fn run(
        &self,
        headers: &[String],
        tag: &str,
        timeout: std::time::Duration,
    ) -> Result<std::result::Result<Vec<Layout>, String>> {
        let exe = std::env::current_exe().context("locating uapi-guard")?;
        let out = self.work.join(tag);
        let tmp = self.work.join(format!("{tag}-tmp"));
        std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut args: Vec<OsString> = vec![
            "snapshot".into(),
            "--headers".into(),
            self.root.into(),
            "--set".into(),
            LABEL.into(),
            "--kernel-version".into(),
            self.label.into(),
            "--arch".into(),
            self.arches
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(",")
                .into(),
            "--sandbox".into(),
            self.sandbox.name().into(),
            "--out".into(),
            out.clone().into(),
        ];
        if self.verify {
            args.push("--verify".into());
        }
        for h in headers {
            args.push("--header".into());
            args.push(h.into());
        }
        let outcome = bounded::run(&exe, &args, &tmp, timeout, self.memory_mib)?;
        let _ = std::fs::remove_dir_all(&tmp);
        match outcome {
            Outcome::TimedOut => Ok(Err(format!(
                "compiling it took longer than {} s; refused",
                timeout.as_secs_f64().round()
            ))),
            Outcome::Exited(o) if !o.status.success() => {
                Ok(Err(child_failure(&o, self.memory_mib)))
            }
            Outcome::Exited(_) => Ok(Ok(uapi_model::snapshot::read_snapshot_dir(&out)?)),
        }
    }
}

/// Why a child failed: the signal that killed it, or its own error line.
fn child_failure(o: &std::process::Output, memory_mib: u64) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    let err = String::from_utf8_lossy(&o.stderr);
    let own = err
        .lines()
        .find_map(|l| l.strip_prefix("uapi-guard: error: "))
        .map(|l| l.trim().to_string());
    match (o.status.signal(), own) {
        (Some(sig), _) => format!(
            "the compile crashed (signal {sig}{}) within {memory_mib} MiB; refused",
            match sig {
                6 => ", SIGABRT",
                9 => ", SIGKILL",
                11 => ", SIGSEGV",
                _ => "",
            }
        ),
        (None, Some(line)) => format!("extraction failed within {memory_mib} MiB: {line}"),
        (None, None) => format!(
            "extraction failed within {memory_mib} MiB (exit status {})",
            o.status.code().unwrap_or(-1)
        ),
    }
}

fn empty_layout(label: &str, arch: Arch) -> Layout {
    Layout {
        header_set: LABEL.into(),
        version: label.into(),
        arch,
        provenance: uapi_frontend::layout::provenance(),
        headers: Vec::new(),
        skipped: Vec::new(),
        diagnostics: Vec::new(),
        records: BTreeMap::new(),
        constants: BTreeMap::new(),
    }
}

fn merge(into: &mut Layout, from: Layout) {
    into.headers.extend(from.headers);
    into.headers.sort();
    into.headers.dedup();
    into.skipped.extend(from.skipped);
    into.diagnostics.extend(from.diagnostics);
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

/// The preprocessor conditions of a header that test which compiler or language reads it
/// (`__GNUC__`, `__clang__`, `__cplusplus`, ...): the bot checks one (clang, C), so a layout chosen
/// by such a test is seen for that one only.
fn compiler_conditions(text: &str) -> Vec<String> {
    const TESTS: [&str; 7] = [
        "__GNUC__",
        "__GNUC_MINOR__",
        "__clang__",
        "__cplusplus",
        "__STDC_VERSION__",
        "__STRICT_ANSI__",
        "_MSC_VER",
    ];
    uapi_model::uapi_tree::logical_lines(text)
        .into_iter()
        .filter_map(|(_, l)| {
            let t = l.trim_start();
            let d = t
                .strip_prefix('#')
                .or_else(|| t.strip_prefix("%:"))?
                .trim_start();
            let is_test = ["if", "ifdef", "ifndef", "elif"]
                .iter()
                .any(|k| d.starts_with(k));
            (is_test && TESTS.iter().any(|m| d.contains(m))).then(|| d.trim().to_string())
        })
        .collect()
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
            // Fails closed: a reviewed header the head side cannot compile is a break unless
            // the base could not compile it either (then nothing got worse).
            let failed_before = old.skipped.iter().any(|o| o.header == s.header);
            if !failed_before {
                report.findings.push(Finding {
                    rule: "header-does-not-compile",
                    severity: Severity::Break,
                    arches: vec![new.arch],
                    item: s.header.clone(),
                    field: None,
                    header: s.header.clone(),
                    old: None,
                    new: Some(s.reason.clone()),
                    message: if old.headers.contains(&s.header) {
                        format!("{} no longer compiles on its own: {}", s.header, s.reason)
                    } else {
                        format!("{} does not compile on its own: {}", s.header, s.reason)
                    },
                });
            }
        }
    }
    report.findings = uapi_abi::findings::merge(std::mem::take(&mut report.findings));
}

#[cfg(test)]
mod tests {
    use super::child_failure;
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::{ExitStatus, Output};

    fn output(status: ExitStatus, stderr: &str) -> Output {
        Output {
            status,
            stdout: Vec::new(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_crashed_child_is_named_by_its_signal_not_its_last_words() {
        // Killed by SIGSEGV after printing a header's text: the text is not the reason.
        let o = output(ExitStatus::from_raw(11), "linux/x.h:3: some header text\n");
        let why = child_failure(&o, 4096);
        assert!(why.contains("signal 11, SIGSEGV"), "{why}");
        assert!(!why.contains("header text"), "{why}");
        // An error of its own is quoted; clang's diagnostics before it are not.
        let o = output(
            ExitStatus::from_raw(1 << 8),
            "x.h:1: error: secret\nuapi-guard: error: no asm/ headers for s390x\n",
        );
        let why = child_failure(&o, 4096);
        assert!(why.ends_with("no asm/ headers for s390x"), "{why}");
        assert!(!why.contains("secret"), "{why}");
    }
}
