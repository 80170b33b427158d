//! The checker: two versions of a header set (one layout per architecture each) in, a report out.
//! Runs every rule per architecture both sides have, merges per-architecture findings, lints the
//! records and constants the change touched, applies waivers and keeps the snapshot diff of every
//! changed item for the reports. Pure: no file access.

use crate::diff::Pair;
use crate::error::Error;
use crate::findings::{merge, Finding, Severity};
use crate::model::{Arch, Layout};
use crate::snapshot::{constant_line, record_lines};
use crate::waiver::{apply, Date, Waived, Waiver};
use crate::{lints, rules};
use std::collections::{BTreeMap, BTreeSet};

/// Waivers and the date they are judged on.
#[derive(Debug, Clone)]
pub struct Waivers {
    /// The waivers, in file order.
    pub list: Vec<Waiver>,
    /// The file they came from, as reports name it.
    pub source: String,
    /// Today's date.
    pub today: Date,
}

/// What a check or lint found.
#[derive(Debug, Clone)]
pub struct Report {
    /// `check` or `lint`.
    pub command: &'static str,
    /// The header set.
    pub header_set: String,
    /// The old version label (`None` for a lint).
    pub old_version: Option<String>,
    /// The new (or linted) version label.
    pub new_version: String,
    /// The architectures compared.
    pub arches: Vec<Arch>,
    /// Findings not waived, most severe first.
    pub findings: Vec<Finding>,
    /// Findings a waiver accepted.
    pub waived: Vec<Waived>,
    /// The waivers in force.
    pub waivers: Vec<Waiver>,
    /// Unified diffs of the snapshot lines of each changed item, by (item, architecture).
    pub diffs: BTreeMap<(String, Arch), String>,
}

impl Report {
    /// Findings of one severity.
    pub fn count(&self, s: Severity) -> usize {
        self.of_severity(s).count()
    }

    /// The findings of one severity, in report order.
    pub fn of_severity(&self, s: Severity) -> impl Iterator<Item = &Finding> + '_ {
        self.findings.iter().filter(move |f| f.severity == s)
    }

    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).min()
    }

    /// libabigail's abidiff bitmask: 0 nothing, 4 changes none of which break, 12 (8|4) a break.
    pub fn exit_code(&self) -> i32 {
        match self.worst() {
            None => 0,
            Some(Severity::Break) => 12,
            Some(_) => 4,
        }
    }

    /// The exit code when only findings at least as severe as `threshold` fail: 12 for a break,
    /// 4 for any other finding at or above it, 0 otherwise.
    pub fn exit_code_at(&self, threshold: Severity) -> i32 {
        match self.worst() {
            Some(Severity::Break) => 12,
            Some(s) if s <= threshold => 4,
            _ => 0,
        }
    }

    /// The snapshot diff for a finding's item on its first architecture.
    pub fn diff_for(&self, f: &Finding) -> Option<&str> {
        let arch = *f.arches.first()?;
        self.diffs.get(&(f.item.clone(), arch)).map(String::as_str)
    }
}

fn by_arch(layouts: &[Layout], side: &str) -> Result<BTreeMap<Arch, Layout>, Error> {
    let mut map = BTreeMap::new();
    for l in layouts {
        if map.insert(l.arch, l.clone()).is_some() {
            return Err(Error::Check(format!(
                "the {side} side has two layouts for {}",
                l.arch
            )));
        }
    }
    Ok(map)
}

fn header_set(layouts: &BTreeMap<Arch, Layout>, side: &str) -> Result<String, Error> {
    let mut sets: BTreeSet<&str> = layouts.values().map(|l| l.header_set.as_str()).collect();
    let first = sets
        .pop_first()
        .ok_or_else(|| Error::Check(format!("the {side} side has no layouts")))?;
    if let Some(other) = sets.pop_first() {
        return Err(Error::Check(format!(
            "the {side} side mixes header sets `{first}` and `{other}`"
        )));
    }
    Ok(first.to_string())
}

fn version(layouts: &BTreeMap<Arch, Layout>) -> String {
    layouts
        .values()
        .next()
        .map(|l| l.version.clone())
        .unwrap_or_default()
}

/// Compares two versions of a header set on every architecture both have.
pub fn check(old: &[Layout], new: &[Layout], waivers: Option<&Waivers>) -> Result<Report, Error> {
    let old = by_arch(old, "old")?;
    let new = by_arch(new, "new")?;
    let (old_set, new_set) = (header_set(&old, "old")?, header_set(&new, "new")?);
    if old_set != new_set {
        return Err(Error::Check(format!(
            "cannot compare header set `{old_set}` with header set `{new_set}`"
        )));
    }
    let arches: Vec<Arch> = old
        .keys()
        .filter(|a| new.contains_key(a))
        .copied()
        .collect();
    if arches.is_empty() {
        return Err(Error::Check(format!(
            "no architecture in common (old: {}; new: {})",
            names(old.keys()),
            names(new.keys())
        )));
    }
    let mut found = Vec::new();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut diffs = BTreeMap::new();
    for &arch in &arches {
        let (o, n) = (&old[&arch], &new[&arch]);
        let pair = Pair::new(o, n);
        touched.extend(pair.records.keys().map(|s| s.to_string()));
        touched.extend(pair.added_records().map(|r| r.name.clone()));
        touched.extend(pair.added_constants().map(|c| c.name.clone()));
        touched.extend(pair.changed_constants().map(|(_, c)| c.name.clone()));
        let per_arch = rules::run(&pair);
        for f in &per_arch {
            if let Some(d) = item_diff(o, n, &f.item) {
                diffs.insert((f.item.clone(), arch), d);
            }
        }
        found.extend(per_arch);
    }
    let new_layouts: Vec<Layout> = arches.iter().map(|a| new[a].clone()).collect();
    found.extend(
        lints::run(&new_layouts)
            .into_iter()
            .filter(|f| touched.contains(&f.item)),
    );
    Ok(finish(
        "check",
        old_set,
        Some(version(&old)),
        version(&new),
        arches,
        found,
        diffs,
        waivers,
    ))
}

/// Lints one version of a header set on every architecture given.
pub fn lint(layouts: &[Layout], waivers: Option<&Waivers>) -> Result<Report, Error> {
    let map = by_arch(layouts, "linted")?;
    let set = header_set(&map, "linted")?;
    let arches: Vec<Arch> = map.keys().copied().collect();
    let list: Vec<Layout> = map.values().cloned().collect();
    let found = lints::run(&list);
    Ok(finish(
        "lint",
        set,
        None,
        version(&map),
        arches,
        found,
        BTreeMap::new(),
        waivers,
    ))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    command: &'static str,
    header_set: String,
    old_version: Option<String>,
    new_version: String,
    arches: Vec<Arch>,
    found: Vec<Finding>,
    diffs: BTreeMap<(String, Arch), String>,
    waivers: Option<&Waivers>,
) -> Report {
    let merged = merge(found);
    let (findings, waived, list) = match waivers {
        Some(w) => {
            let (kept, waived) = apply(merged, &w.list, w.today, &w.source);
            (merge(kept), waived, w.list.clone())
        }
        None => (merged, Vec::new(), Vec::new()),
    };
    Report {
        command,
        header_set,
        old_version,
        new_version,
        arches,
        findings,
        waived,
        waivers: list,
        diffs,
    }
}

fn names<'a>(arches: impl Iterator<Item = &'a Arch>) -> String {
    let v: Vec<&str> = arches.map(|a| a.name()).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The snapshot lines of an item (a record or a constant) on one side.
fn item_lines(l: &Layout, item: &str) -> Vec<String> {
    if let Some(r) = l.records.get(item) {
        return record_lines(r);
    }
    if let Some(c) = l.constants.get(item) {
        return vec![constant_line(c)];
    }
    Vec::new()
}

/// A unified diff of an item's snapshot lines, or `None` if they are equal.
fn item_diff(old: &Layout, new: &Layout, item: &str) -> Option<String> {
    let (a, b) = (item_lines(old, item), item_lines(new, item));
    if a == b {
        return None;
    }
    let text_of = |lines: Vec<String>| {
        if lines.is_empty() {
            String::new()
        } else {
            lines.join("\n") + "\n"
        }
    };
    let (a, b) = (text_of(a), text_of(b));
    let diff = similar::TextDiff::from_lines(&a, &b);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{} {}", old.version, old.arch),
            &format!("{} {}", new.version, new.arch),
        )
        .to_string();
    Some(text)
}
