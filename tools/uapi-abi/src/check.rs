//! The checker: two versions of a header set (one layout per architecture each) in, a report out.
//! Runs every rule per architecture both sides have, then reads the result as a maintainer would:
//! a deleted header is one finding naming what went with it; an item that moved to another header
//! is a move, not a removal (and a removal says where else the item still exists); a header that
//! did not compile on one side turns nothing into "added" or "removed", and every skipped header
//! and every number the extraction had to decide on is reported. Merges per-architecture findings,
//! lints the records and constants the change touched (only hazards the old side did not already
//! have), applies waivers and keeps the snapshot diff of every changed item for the reports. Pure:
//! no file access.

use crate::diff::Pair;
use crate::error::Error;
use crate::findings::{merge, Finding, Severity};
use crate::model::{Arch, Layout, SkippedHeader};
use crate::snapshot::{constant_line, record_lines};
use crate::waiver::{apply, Date, Waived, Waiver};
use crate::{lints, rules};
use rayon::prelude::*;
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

fn by_arch<'a>(layouts: &'a [Layout], side: &str) -> Result<BTreeMap<Arch, &'a Layout>, Error> {
    let mut map = BTreeMap::new();
    for l in layouts {
        if map.insert(l.arch, l).is_some() {
            return Err(Error::Check(format!(
                "the {side} side has two layouts for {}",
                l.arch
            )));
        }
    }
    Ok(map)
}

fn header_set(layouts: &BTreeMap<Arch, &Layout>, side: &str) -> Result<String, Error> {
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

fn version(layouts: &BTreeMap<Arch, &Layout>) -> String {
    layouts
        .values()
        .next()
        .map(|l| l.version.clone())
        .unwrap_or_default()
}

pub use crate::model::Elsewhere;

/// Compares two versions of a header set on every architecture both have.
pub fn check(old: &[Layout], new: &[Layout], waivers: Option<&Waivers>) -> Result<Report, Error> {
    check_knowing(old, new, waivers, &Elsewhere::default())
}

/// [`check`], knowing which names other architectures' `asm/` headers define on the new side:
/// an item that left this architecture but lives on in another's `asm/` (the 6.x split of
/// `linux/kvm.h`) is an `item-arch-specific` note, not a removal.
pub fn check_knowing(
    old: &[Layout],
    new: &[Layout],
    waivers: Option<&Waivers>,
    elsewhere: &Elsewhere,
) -> Result<Report, Error> {
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
    let compared: Vec<&Layout> = arches.iter().map(|a| new[a]).collect();
    let old_layouts: Vec<&Layout> = arches.iter().map(|a| old[a]).collect();
    // Architectures are checked on the thread pool, beside the lints of both sides; the results
    // are put together in architecture order, so the report does not depend on the scheduling.
    let (per_arch, (lints_old, lints_new)) = rayon::join(
        || {
            arches
                .par_iter()
                .map(|arch| check_arch(old[arch], new[arch], &compared, elsewhere))
                .collect::<Vec<_>>()
        },
        || rayon::join(|| lints::run(&old_layouts), || lints::run(&compared)),
    );
    let mut found = Vec::new();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut diffs = BTreeMap::new();
    for one in per_arch {
        touched.extend(one.touched);
        diffs.extend(one.diffs);
        found.extend(one.findings);
    }
    found.extend(new_hazards(lints_old, lints_new, &touched));
    let report = Report {
        command: "check",
        header_set: old_set,
        old_version: Some(version(&old)),
        new_version: version(&new),
        arches,
        findings: Vec::new(),
        waived: Vec::new(),
        waivers: Vec::new(),
        diffs,
    };
    Ok(finish(report, found, waivers))
}

/// What one architecture's comparison found.
struct ArchChecked {
    findings: Vec<Finding>,
    /// The items the change touched (see [`new_hazards`]).
    touched: BTreeSet<String>,
    diffs: BTreeMap<(String, Arch), String>,
}

/// Runs every rule on one architecture's pair and reads the result (see [`regroup`]).
fn check_arch(o: &Layout, n: &Layout, compared: &[&Layout], elsewhere: &Elsewhere) -> ArchChecked {
    let pair = Pair::new(o, n);
    // Items of a header the old side could not compile were not compared: they are not new,
    // and neither are their hazards.
    let old_skipped = skipped_map(&o.skipped);
    let compared_header = |h: &str| !old_skipped.contains_key(h);
    let mut touched: BTreeSet<String> = pair.records.keys().map(|s| s.to_string()).collect();
    touched.extend(
        pair.added_records()
            .filter(|r| compared_header(&r.header))
            .map(|r| r.name.clone()),
    );
    touched.extend(
        pair.added_constants()
            .filter(|c| compared_header(&c.header))
            .map(|c| c.name.clone()),
    );
    touched.extend(pair.changed_constants().map(|(_, c)| c.name.clone()));
    let findings = regroup(o, n, rules::run(&pair), compared, elsewhere);
    let mut diffs = BTreeMap::new();
    for f in &findings {
        let key = (f.item.clone(), n.arch);
        if diffs.contains_key(&key) {
            continue;
        }
        if let Some(d) = item_diff(o, n, &f.item) {
            diffs.insert(key, d);
        }
    }
    ArchChecked {
        findings,
        touched,
        diffs,
    }
}

/// Lints one version of a header set on every architecture given.
pub fn lint(layouts: &[Layout], waivers: Option<&Waivers>) -> Result<Report, Error> {
    let map = by_arch(layouts, "linted")?;
    let set = header_set(&map, "linted")?;
    let arches: Vec<Arch> = map.keys().copied().collect();
    let list: Vec<&Layout> = map.values().copied().collect();
    let mut found = lints::run(&list);
    for l in &list {
        for sk in &l.skipped {
            found.push(skipped_note(l.arch, sk, SkippedSide::Both));
        }
        found.extend(probe_notes(l));
    }
    let report = Report {
        command: "lint",
        header_set: set,
        old_version: None,
        new_version: version(&map),
        arches,
        findings: Vec::new(),
        waived: Vec::new(),
        waivers: Vec::new(),
        diffs: BTreeMap::new(),
    };
    Ok(finish(report, found, waivers))
}

/// `report` (its findings, waived findings and waivers still empty) with `found` merged and
/// `waivers` applied.
fn finish(mut report: Report, found: Vec<Finding>, waivers: Option<&Waivers>) -> Report {
    let merged = merge(found);
    let (findings, waived, list) = match waivers {
        Some(w) => {
            let (kept, waived) = apply(merged, &w.list, w.today, &w.source);
            (merge(kept), waived, w.list.clone())
        }
        None => (merged, Vec::new(), Vec::new()),
    };
    report.findings = findings;
    report.waived = waived;
    report.waivers = list;
    report
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

/// The rules whose findings say an item is gone from the new side.
const REMOVALS: [&str; 3] = ["record-removed", "constant-removed", "ioctl-removed"];
/// The rules whose findings say an item is new.
const ADDITIONS: [&str; 3] = ["record-added", "constant-added", "ioctl-added"];
/// The findings the checker makes about a comparison as a whole rather than one rule's view of
/// an item (ids as the table of finding kinds spells them).
const HEADER_REMOVED: &str = "header-removed";
const HEADER_SKIPPED: &str = "header-skipped";
const ITEM_MOVED: &str = "item-moved";
const ITEM_ARCH_SPECIFIC: &str = "item-arch-specific";
const PROBE_DISAGREED: &str = "probe-disagreed";
const NEEDS_LIBC: &str = "header-needs-libc";
/// How many names a grouped finding lists per kind before it says "and N more".
const LISTED: usize = 8;

fn skipped_map(list: &[SkippedHeader]) -> BTreeMap<&str, &str> {
    list.iter()
        .map(|s| (s.header.as_str(), s.reason.as_str()))
        .collect()
}

/// What went with a deleted header on one architecture.
#[derive(Default)]
struct Gone {
    records: Vec<String>,
    constants: Vec<String>,
    ioctls: Vec<String>,
    /// How many items of the header another one now defines, and which.
    moved: Vec<(usize, String)>,
}

/// Reads one architecture's rule findings as a maintainer would (see the module doc): removals of
/// a deleted header's items become one `header-removed`; additions and removals of items whose
/// header did not compile on the other side are dropped and said in a `header-skipped` note;
/// moves, skipped headers and the new side's diagnostics become notes; a removal of an item the
/// new side still defines on another architecture says so.
fn regroup(
    old: &Layout,
    new: &Layout,
    found: Vec<Finding>,
    others: &[&Layout],
    asm_elsewhere: &Elsewhere,
) -> Vec<Finding> {
    let arch = new.arch;
    let (old_skipped, new_skipped) = (skipped_map(&old.skipped), skipped_map(&new.skipped));
    let present = |l: &Layout, h: &str| {
        l.headers.iter().any(|x| x == h) || l.skipped.iter().any(|s| s.header == h)
    };
    let deleted: BTreeSet<&str> = old
        .headers
        .iter()
        .map(String::as_str)
        .chain(old_skipped.keys().copied())
        .filter(|h| !present(new, h))
        .collect();
    let mut gone: BTreeMap<&str, Gone> = deleted.iter().map(|&h| (h, Gone::default())).collect();
    let mut out = Vec::new();
    for mut f in found {
        let removal = REMOVALS.contains(&f.rule);
        if removal && new_skipped.contains_key(f.header.as_str())
            || ADDITIONS.contains(&f.rule) && old_skipped.contains_key(f.header.as_str())
        {
            continue;
        }
        if removal {
            if let Some(g) = gone.get_mut(f.header.as_str()) {
                match f.rule {
                    "record-removed" => g.records.push(f.item),
                    "ioctl-removed" => g.ioctls.push(f.item),
                    _ => g.constants.push(f.item),
                }
                continue;
            }
            let in_asm: Vec<&str> = asm_elsewhere
                .asm
                .get(f.item.as_str())
                .into_iter()
                .flatten()
                .filter(|a| **a != arch)
                .map(|a| a.name())
                .collect();
            let places = defined_elsewhere(others, arch, &f.item).or_else(|| {
                (!in_asm.is_empty()).then(|| format!("{} (in their asm/)", in_asm.join(", ")))
            });
            // A macro the header still defines that no longer evaluates here: its argument type
            // now lives only in other architectures' asm/ (the 6.x split of linux/kvm.h).
            let still = (f.rule != "record-removed")
                .then(|| asm_elsewhere.defined.get(f.item.as_str()))
                .flatten()
                .filter(|h| **h == f.header);
            if let (None, Some(h)) = (&places, still) {
                f.message = format!(
                    "{} is still defined in {h} but no longer evaluates on this architecture: what it uses is now defined only in other architectures' asm/",
                    f.item
                );
                f.rule = ITEM_ARCH_SPECIFIC;
                f.severity = Severity::Note;
            }
            if let Some(places) = places {
                // Programs for this architecture never had a use for it; programs for the
                // others still get it from the same include.
                f.message = format!(
                    "{} from this architecture's view of {}; it is now defined only on other architectures: {places}",
                    f.item, f.header
                );
                f.rule = ITEM_ARCH_SPECIFIC;
                f.severity = Severity::Note;
            }
        }
        out.push(f);
    }
    // Moves: the layouts key records and constants by name, so a move is the same name under
    // another header.
    let moves = old
        .records
        .iter()
        .filter_map(|(name, o)| Some((name, &o.header, &new.records.get(name)?.header)))
        .chain(
            old.constants
                .iter()
                .filter_map(|(name, o)| Some((name, &o.header, &new.constants.get(name)?.header))),
        )
        .filter(|(_, from, to)| from != to);
    let mut by_pair: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for (name, from, to) in moves {
        by_pair.entry((from, to)).or_default().push(name.clone());
    }
    // One finding per pair of headers: a header split in two moves hundreds of items at once.
    for ((from, to), names) in by_pair {
        if let Some(g) = gone.get_mut(from) {
            g.moved.push((names.len(), to.to_string()));
        }
        let why = if deleted.contains(from) {
            format!("{from} was deleted, so sources must include {to} instead")
        } else {
            format!("sources that include {from} still get them only if {from} includes {to}")
        };
        let what = counted("item", &names).unwrap_or_default();
        out.push(
            Finding::new(
                ITEM_MOVED,
                Severity::Note,
                arch,
                from,
                to,
                format!("{what} moved from {from} to {to}; {why}"),
            )
            .with_values(Some(from.to_string()), Some(to.to_string())),
        );
    }
    for (header, g) in gone {
        out.push(header_removed(
            arch,
            header,
            &g,
            old_skipped.get(header).copied(),
        ));
    }
    for (&h, &reason) in &new_skipped {
        let side = if old_skipped.contains_key(h) {
            SkippedSide::Both
        } else if present(old, h) {
            SkippedSide::NewOnly
        } else {
            SkippedSide::Added
        };
        out.push(skipped_note(
            arch,
            &SkippedHeader {
                header: h.to_string(),
                reason: reason.to_string(),
            },
            side,
        ));
    }
    for (&h, &reason) in &old_skipped {
        if new.headers.iter().any(|x| x == h) {
            out.push(skipped_note(
                arch,
                &SkippedHeader {
                    header: h.to_string(),
                    reason: reason.to_string(),
                },
                SkippedSide::OldOnly,
            ));
        }
    }
    out.extend(probe_notes(new));
    out
}

/// The architectures (other than `arch`) whose new side defines `item`, with the header: `None`
/// when there is none.
fn defined_elsewhere(others: &[&Layout], arch: Arch, item: &str) -> Option<String> {
    let mut by_header: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in others.iter().filter(|l| l.arch != arch) {
        let header = l
            .records
            .get(item)
            .map(|r| r.header.as_str())
            .or_else(|| l.constants.get(item).map(|c| c.header.as_str()));
        if let Some(h) = header {
            by_header.entry(h).or_default().push(l.arch.name());
        }
    }
    if by_header.is_empty() {
        return None;
    }
    let places: Vec<String> = by_header
        .into_iter()
        .map(|(h, arches)| format!("{} (in {h})", arches.join(", ")))
        .collect();
    Some(places.join("; "))
}

/// `3 records (struct a, struct b, struct c)`, listing at most [`LISTED`] names.
fn counted(what: &str, names: &[String]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let mut shown: Vec<&str> = names.iter().take(LISTED).map(String::as_str).collect();
    let more = names.len() - shown.len();
    let rest = format!("and {more} more");
    if more > 0 {
        shown.push(&rest);
    }
    let plural = if names.len() == 1 { "" } else { "s" };
    Some(format!(
        "{} {what}{plural} ({})",
        names.len(),
        shown.join(", ")
    ))
}

fn header_removed(arch: Arch, header: &str, g: &Gone, old_reason: Option<&str>) -> Finding {
    let removed: Vec<String> = [
        counted("record", &g.records),
        counted("constant", &g.constants),
        counted("ioctl", &g.ioctls),
    ]
    .into_iter()
    .flatten()
    .collect();
    let total = g.records.len() + g.constants.len() + g.ioctls.len();
    let mut message = format!("{header} was deleted: sources that include it no longer compile");
    if !removed.is_empty() {
        message.push_str(&format!("; removed with it: {}", removed.join(", ")));
    }
    for (n, to) in &g.moved {
        message.push_str(&format!(
            "; {n} item{} moved to {to}",
            if *n == 1 { "" } else { "s" }
        ));
    }
    if let Some(reason) = old_reason {
        message.push_str(&format!(
            "; it did not compile alone on the old side ({reason}), so what it held is not known"
        ));
    }
    // Binaries keep working when everything the header held lives on elsewhere: then only old
    // sources break (api); anything removed with it, or unknown contents, is a break.
    let severity = if total == 0 && old_reason.is_none() {
        Severity::Api
    } else {
        Severity::Break
    };
    Finding::new(HEADER_REMOVED, severity, arch, header, header, message).with_values(
        Some(format!("{total} item{}", if total == 1 { "" } else { "s" })),
        None,
    )
}

/// On which side of a comparison a header did not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SkippedSide {
    /// On both sides (or on the one side a lint reads).
    Both,
    /// On the new side only; it compiled on the old one.
    NewOnly,
    /// On the new side, which added it.
    Added,
    /// On the old side only; it compiles on the new one.
    OldOnly,
}

fn skipped_note(arch: Arch, sk: &SkippedHeader, side: SkippedSide) -> Finding {
    let h = &sk.header;
    let reason = &sk.reason;
    let message = match side {
        SkippedSide::Both | SkippedSide::Added => {
            format!("{h} was not checked: it does not compile alone ({reason})")
        }
        SkippedSide::NewOnly => format!(
            "{h} not compared: it does not compile on the new side ({reason}); what it held on the old side is not reported as removed"
        ),
        SkippedSide::OldOnly => format!(
            "{h} not compared: it does not compile on the old side ({reason}); what it holds on the new side is not reported as added"
        ),
    };
    Finding::new(HEADER_SKIPPED, Severity::Note, arch, h, h, message)
}

/// One note per diagnostic of a layout: where the extraction kept the probe's number over
/// bindgen's, or compiled a header only after the C library's headers (a diagnostic about the
/// header itself, whose item is the header).
fn probe_notes(l: &Layout) -> impl Iterator<Item = Finding> + '_ {
    l.diagnostics.iter().map(|d| {
        Finding::new(
            if d.item == d.header {
                NEEDS_LIBC
            } else {
                PROBE_DISAGREED
            },
            Severity::Note,
            l.arch,
            &d.item,
            &d.header,
            d.message.clone(),
        )
    })
}

/// Of the lint findings `new` of the new side, those on touched items that the old side's `old`
/// do not have: the same lint on the same item, field and architecture before the change is not
/// new.
fn new_hazards(old: Vec<Finding>, new: Vec<Finding>, touched: &BTreeSet<String>) -> Vec<Finding> {
    let key = |f: &Finding, a: Arch| (f.rule, f.item.clone(), f.field.clone(), a);
    let before: BTreeSet<_> = old
        .iter()
        .filter(|f| touched.contains(&f.item))
        .flat_map(|f| f.arches.iter().map(move |&a| key(f, a)))
        .collect();
    new.into_iter()
        .filter(|f| touched.contains(&f.item))
        .filter_map(|mut f| {
            let kept = f
                .arches
                .iter()
                .copied()
                .filter(|&a| !before.contains(&key(&f, a)))
                .collect();
            f.arches = kept;
            (!f.arches.is_empty()).then_some(f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Constant, ConstantKind, Diagnostic, Field, Ioctl, IoctlDir, Provenance, Record, RecordKind,
    };

    fn layout(arch: Arch, version: &str, headers: &[&str]) -> Layout {
        Layout {
            header_set: "all".into(),
            version: version.into(),
            arch,
            provenance: Provenance::default(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            skipped: Vec::new(),
            diagnostics: Vec::new(),
            records: BTreeMap::new(),
            constants: BTreeMap::new(),
        }
    }

    fn field(name: &str, offset_bytes: u64, size_bytes: u64) -> Field {
        Field {
            name: name.into(),
            offset_bytes,
            size_bytes,
            align_bytes: size_bytes,
            bits: None,
            c_type: format!("__u{}", size_bytes * 8),
        }
    }

    fn record(l: &mut Layout, name: &str, header: &str, fields: Vec<Field>) {
        let size_bytes = fields.iter().map(|f| f.offset_bytes + f.size_bytes).max();
        let align_bytes = fields.iter().map(|f| f.align_bytes).max().unwrap_or(1);
        let size_bytes = size_bytes.unwrap_or(0).div_ceil(align_bytes) * align_bytes;
        l.records.insert(
            name.into(),
            Record {
                name: name.into(),
                kind: RecordKind::Struct,
                header: header.into(),
                size_bytes,
                align_bytes,
                fields,
            },
        );
    }

    fn constant(l: &mut Layout, name: &str, header: &str, value: i128) {
        l.constants.insert(
            name.into(),
            Constant {
                name: name.into(),
                header: header.into(),
                value,
                kind: ConstantKind::Macro,
                ioctl: None,
            },
        );
    }

    fn ioctl(l: &mut Layout, name: &str, header: &str, nr: u8) {
        l.constants.insert(
            name.into(),
            Constant {
                name: name.into(),
                header: header.into(),
                value: 0xaf00 + i128::from(nr),
                kind: ConstantKind::Macro,
                ioctl: Some(Ioctl {
                    dir: IoctlDir::None,
                    ioc_type: 0xaf,
                    nr,
                    size_bytes: 0,
                    macro_name: "_IO".into(),
                    arg_type: None,
                }),
            },
        );
    }

    fn skip(l: &mut Layout, header: &str, reason: &str) {
        l.headers.retain(|h| h != header);
        l.skipped.push(SkippedHeader {
            header: header.into(),
            reason: reason.into(),
        });
    }

    fn rules_of(r: &Report) -> Vec<(&str, &str)> {
        r.findings
            .iter()
            .map(|f| (f.rule, f.item.as_str()))
            .collect()
    }

    fn only<'a>(r: &'a Report, rule: &str) -> &'a Finding {
        let v: Vec<&Finding> = r.findings.iter().filter(|f| f.rule == rule).collect();
        assert_eq!(v.len(), 1, "{rule}: {:#?}", r.findings);
        v[0]
    }

    #[test]
    fn an_item_that_lives_on_only_in_other_architectures_is_a_note_not_a_removal() {
        let mut old = layout(Arch::X86_64, "1", &["linux/kvm.h"]);
        let new = layout(Arch::X86_64, "2", &["linux/kvm.h"]);
        constant(&mut old, "KVM_S390_INT_VIRTIO", "linux/kvm.h", 1);
        ioctl(&mut old, "KVM_S390_MEM_OP", "linux/kvm.h", 0xb1);
        constant(&mut old, "KVM_TRC_SHIFT", "linux/kvm.h", 16);
        let mut elsewhere = Elsewhere::default();
        elsewhere
            .asm
            .entry("KVM_S390_INT_VIRTIO".into())
            .or_default()
            .insert(Arch::S390x);
        // Still #defined by linux/kvm.h, but its argument struct moved to s390's asm/kvm.h.
        elsewhere
            .defined
            .insert("KVM_S390_MEM_OP".into(), "linux/kvm.h".into());
        let r = check_knowing(
            std::slice::from_ref(&old),
            std::slice::from_ref(&new),
            None,
            &elsewhere,
        )
        .unwrap();
        let f = r
            .findings
            .iter()
            .find(|f| f.item == "KVM_S390_INT_VIRTIO")
            .unwrap();
        assert_eq!((f.rule, f.severity), ("item-arch-specific", Severity::Note));
        assert!(f.message.contains("s390x (in their asm/)"), "{}", f.message);
        let f = r
            .findings
            .iter()
            .find(|f| f.item == "KVM_S390_MEM_OP")
            .unwrap();
        assert_eq!((f.rule, f.severity), ("item-arch-specific", Severity::Note));
        // A real removal stays one.
        let f = r
            .findings
            .iter()
            .find(|f| f.item == "KVM_TRC_SHIFT")
            .unwrap();
        assert_eq!((f.rule, f.severity), ("constant-removed", Severity::Break));
        // Without the knowledge, all three are removals.
        let r = check(&[old], &[new], None).unwrap();
        assert_eq!(r.count(Severity::Break), 3, "{:#?}", r.findings);
    }

    #[test]
    fn a_deleted_header_is_one_finding_naming_what_went_with_it() {
        let mut old = layout(Arch::X86_64, "1", &["linux/gone.h", "linux/kept.h"]);
        let new_ = layout(Arch::X86_64, "2", &["linux/kept.h"]);
        let mut new = new_;
        record(
            &mut old,
            "struct gone",
            "linux/gone.h",
            vec![field("a", 0, 4)],
        );
        for i in 0..10 {
            constant(&mut old, &format!("GONE_{i}"), "linux/gone.h", i);
        }
        ioctl(&mut old, "GONE_IOCTL", "linux/gone.h", 1);
        // One item of the deleted header moved: a move, not a removal.
        constant(&mut old, "MOVED", "linux/gone.h", 7);
        constant(&mut new, "MOVED", "linux/kept.h", 7);
        // A removal from a header that stays is still its own finding.
        constant(&mut old, "KEPT_REMOVED", "linux/kept.h", 1);
        let r = check(&[old], &[new], None).unwrap();
        let mut rules = rules_of(&r);
        rules.sort();
        assert_eq!(
            rules,
            [
                ("constant-removed", "KEPT_REMOVED"),
                ("header-removed", "linux/gone.h"),
                ("item-moved", "linux/gone.h"),
            ],
            "{:#?}",
            r.findings
        );
        let f = only(&r, "header-removed");
        assert_eq!(f.severity, Severity::Break);
        assert_eq!(f.header, "linux/gone.h");
        assert_eq!(f.old.as_deref(), Some("12 items"));
        assert!(
            f.message.contains("1 record (struct gone)")
                && f.message.contains(
                    "10 constants (GONE_0, GONE_1, GONE_2, GONE_3, GONE_4, GONE_5, GONE_6, GONE_7, and 2 more)"
                )
                && f.message.contains("1 ioctl (GONE_IOCTL)")
                && f.message.contains("1 item moved to linux/kept.h"),
            "{}",
            f.message
        );
        let m = only(&r, "item-moved");
        assert_eq!(m.severity, Severity::Note);
        assert_eq!(
            (m.old.as_deref(), m.new.as_deref()),
            (Some("linux/gone.h"), Some("linux/kept.h"))
        );
        assert!(
            m.message.contains("linux/gone.h was deleted"),
            "{}",
            m.message
        );
    }

    #[test]
    fn a_move_to_another_architectures_asm_is_a_move_there_and_said_elsewhere() {
        let arches = [Arch::X86_64, Arch::I386, Arch::Aarch64];
        let mut old = Vec::new();
        let mut new = Vec::new();
        for a in arches {
            let mut o = layout(a, "1", &["linux/kvm.h", "asm/kvm.h"]);
            let mut n = layout(a, "2", &["linux/kvm.h", "asm/kvm.h"]);
            record(
                &mut o,
                "struct kvm_pit_config",
                "linux/kvm.h",
                vec![field("flags", 0, 4)],
            );
            constant(&mut o, "KVM_PIT_SPEAKER_DUMMY", "linux/kvm.h", 1);
            if a != Arch::Aarch64 {
                record(
                    &mut n,
                    "struct kvm_pit_config",
                    "asm/kvm.h",
                    vec![field("flags", 0, 4)],
                );
                constant(&mut n, "KVM_PIT_SPEAKER_DUMMY", "asm/kvm.h", 1);
            }
            old.push(o);
            new.push(n);
        }
        let r = check(&old, &new, None).unwrap();
        let f = only(&r, "item-moved");
        assert_eq!(f.arches, [Arch::X86_64, Arch::I386]);
        assert_eq!(
            (f.item.as_str(), f.header.as_str()),
            ("linux/kvm.h", "asm/kvm.h")
        );
        assert_eq!(
            f.message,
            "2 items (struct kvm_pit_config, KVM_PIT_SPEAKER_DUMMY) moved from linux/kvm.h to asm/kvm.h; sources that include linux/kvm.h still get them only if linux/kvm.h includes asm/kvm.h"
        );
        // On aarch64 they are gone, but live on in the others' asm/: notes, not removals.
        let notes: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.rule == "item-arch-specific")
            .collect();
        assert_eq!(notes.len(), 2, "{:#?}", r.findings);
        for f in notes {
            assert_eq!(
                (f.arches.as_slice(), f.severity),
                (&[Arch::Aarch64][..], Severity::Note)
            );
            assert!(
                f.message.ends_with(
                    "; it is now defined only on other architectures: x86_64, i386 (in asm/kvm.h)"
                ),
                "{}",
                f.message
            );
        }
        assert_eq!(r.count(Severity::Break), 0, "{:#?}", r.findings);
        assert!(!r.findings.iter().any(|f| f.rule.ends_with("-added")));
    }

    #[test]
    fn a_header_skipped_on_one_side_adds_and_removes_nothing_and_says_so() {
        let mut old = layout(Arch::X86_64, "1", &["linux/a.h", "linux/b.h", "linux/c.h"]);
        let mut new = layout(Arch::X86_64, "2", &["linux/a.h", "linux/b.h", "linux/c.h"]);
        // a.h: did not compile before, compiles now.
        skip(
            &mut old,
            "linux/a.h",
            "linux/a.h:3:1: error: unknown type name 'size_t'",
        );
        record(&mut new, "struct a", "linux/a.h", vec![field("x", 0, 4)]);
        constant(&mut new, "A_FLAG", "linux/a.h", 1);
        ioctl(&mut new, "A_IOCTL", "linux/a.h", 2);
        // b.h: compiled before, not now.
        record(&mut old, "struct b", "linux/b.h", vec![field("x", 0, 4)]);
        constant(&mut old, "B_FLAG", "linux/b.h", 1);
        skip(
            &mut new,
            "linux/b.h",
            "linux/b.h:9:2: error: unknown type name 'uint32_t'",
        );
        // c.h: compiles on neither side.
        skip(&mut old, "linux/c.h", "c: old error");
        skip(
            &mut new,
            "linux/c.h",
            "linux/c.h:1:1: error: 'sockaddr' undeclared",
        );
        let r = check(&[old], &[new.clone()], None).unwrap();
        let mut rules = rules_of(&r);
        rules.sort();
        assert_eq!(
            rules,
            [
                ("header-skipped", "linux/a.h"),
                ("header-skipped", "linux/b.h"),
                ("header-skipped", "linux/c.h"),
            ],
            "{:#?}",
            r.findings
        );
        let msg = |h: &str| {
            r.findings
                .iter()
                .find(|f| f.item == h)
                .map(|f| f.message.clone())
                .unwrap()
        };
        assert_eq!(
            msg("linux/a.h"),
            "linux/a.h not compared: it does not compile on the old side (linux/a.h:3:1: error: unknown type name 'size_t'); what it holds on the new side is not reported as added"
        );
        assert!(msg("linux/b.h").contains("not compared: it does not compile on the new side (linux/b.h:9:2: error: unknown type name 'uint32_t')"));
        assert_eq!(
            msg("linux/c.h"),
            "linux/c.h was not checked: it does not compile alone (linux/c.h:1:1: error: 'sockaddr' undeclared)"
        );
        assert!(r.findings.iter().all(|f| f.severity == Severity::Note));
        // A lint of one version lists what it could not read, too.
        let l = lint(&[new], None).unwrap();
        assert_eq!(
            rules_of(&l)
                .iter()
                .filter(|(rule, _)| *rule == "header-skipped")
                .count(),
            2
        );
    }

    #[test]
    fn skipped_headers_merge_across_architectures() {
        let mk = |a: Arch, v: &str| {
            let mut l = layout(a, v, &["linux/sctp.h"]);
            skip(
                &mut l,
                "linux/sctp.h",
                "error: unknown type name 'uint32_t'",
            );
            l
        };
        let old = [mk(Arch::X86_64, "1"), mk(Arch::I386, "1")];
        let new = [mk(Arch::X86_64, "2"), mk(Arch::I386, "2")];
        let r = check(&old, &new, None).unwrap();
        let f = only(&r, "header-skipped");
        assert_eq!(f.arches, [Arch::X86_64, Arch::I386]);
    }

    #[test]
    fn diagnostics_of_the_new_side_are_notes() {
        let old = layout(Arch::X86_64, "1", &["linux/bcache.h"]);
        let mut new = layout(Arch::X86_64, "2", &["linux/bcache.h"]);
        new.diagnostics.push(Diagnostic {
            header: "linux/bcache.h".into(),
            item: "MAX_KEY_OFFSET".into(),
            message: "bindgen says -1, the probe 9223372036854775807; the probe's value is kept"
                .into(),
        });
        let r = check(&[old], &[new], None).unwrap();
        let f = only(&r, "probe-disagreed");
        assert_eq!(
            (f.severity, f.item.as_str(), f.header.as_str()),
            (Severity::Note, "MAX_KEY_OFFSET", "linux/bcache.h")
        );
        assert!(f.message.contains("the probe's value is kept"));
        assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    }

    #[test]
    fn a_check_lints_only_the_hazards_the_change_introduced() {
        let mut old = layout(Arch::X86_64, "1", &["linux/p.h"]);
        let mut new = layout(Arch::X86_64, "2", &["linux/p.h"]);
        // A 3-byte hole after `a` on both sides; the change adds `c` at the tail, which brings a
        // new 4-byte hole after `c`... no: `c` is a __u32 at 8 followed by a __u64 at 16.
        let hole = vec![field("a", 0, 1), field("b", 4, 4)];
        record(&mut old, "struct p", "linux/p.h", hole.clone());
        let mut grown = hole;
        grown.push(field("c", 8, 4));
        grown.push(field("d", 16, 8));
        record(&mut new, "struct p", "linux/p.h", grown);
        let r = check(&[old], &[new], None).unwrap();
        let holes: Vec<Option<&str>> = r
            .findings
            .iter()
            .filter(|f| f.rule == "padding-hole")
            .map(|f| f.field.as_deref())
            .collect();
        assert_eq!(holes, [Some("c")], "{:#?}", r.findings);
    }
}
