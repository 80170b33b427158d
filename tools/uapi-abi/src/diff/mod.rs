//! (old layout, new layout) of one architecture -> what changed, pure. The rules read these
//! changes; this module knows the kernel's naming conventions (reserved fields, counters, the
//! `argsz`/`size` first field) but passes no judgement.

use crate::model::{Constant, Field, Layout, Record};
use std::collections::{BTreeMap, BTreeSet};

/// Both sides of one architecture.
pub struct Pair<'a> {
    /// The old layout.
    pub old: &'a Layout,
    /// The new layout.
    pub new: &'a Layout,
    /// Per-record changes, for records present on both sides whose lines differ.
    pub records: BTreeMap<&'a str, RecordDiff<'a>>,
    /// Removed constant name -> the added constant that renames it (see [`is_rename`]).
    pub renamed_to: BTreeMap<&'a str, &'a Constant>,
    /// Added constant name -> the removed constant it renames.
    pub renamed_from: BTreeMap<&'a str, &'a Constant>,
}

impl<'a> Pair<'a> {
    /// Compares two layouts of the same architecture.
    pub fn new(old: &'a Layout, new: &'a Layout) -> Self {
        let records = old
            .records
            .iter()
            .filter_map(|(name, o)| {
                let n = new.records.get(name)?;
                (o != n).then(|| (name.as_str(), RecordDiff::new(o, n)))
            })
            .collect();
        let mut pair = Pair {
            old,
            new,
            records,
            renamed_to: BTreeMap::new(),
            renamed_from: BTreeMap::new(),
        };
        pair.find_renames();
        pair
    }

    /// Pairs each removed plain constant with the first added one (by name) of the same header
    /// and value that keeps its words, indexed so large header sets stay linear.
    fn find_renames(&mut self) {
        let mut added: BTreeMap<(&str, i128), Vec<&'a Constant>> = BTreeMap::new();
        for c in self.added_constants().filter(|c| c.ioctl.is_none()) {
            added
                .entry((c.header.as_str(), c.value))
                .or_default()
                .push(c);
        }
        let removed: Vec<&'a Constant> = self
            .removed_constants()
            .filter(|c| c.ioctl.is_none())
            .collect();
        for o in removed {
            let Some(candidates) = added.get(&(o.header.as_str(), o.value)) else {
                continue;
            };
            if let Some(n) = candidates.iter().find(|n| is_rename(&o.name, &n.name)) {
                self.renamed_to.insert(&o.name, n);
                self.renamed_from.entry(&n.name).or_insert(o);
            }
        }
    }

    /// Records of the old side missing from the new side (a struct that became a union of the
    /// same tag is not missing: see [`Pair::kind_changed`]).
    pub fn removed_records(&self) -> impl Iterator<Item = &'a Record> + '_ {
        self.old.records.values().filter(|r| {
            !self.new.records.contains_key(&r.name) && other_kind(self.new, &r.name).is_none()
        })
    }

    /// Records of the new side missing from the old side (see [`Pair::removed_records`]).
    pub fn added_records(&self) -> impl Iterator<Item = &'a Record> + '_ {
        self.new.records.values().filter(|r| {
            !self.old.records.contains_key(&r.name) && other_kind(self.old, &r.name).is_none()
        })
    }

    /// (old, new) records whose tag stayed but whose keyword changed (`struct x` -> `union x`).
    pub fn kind_changed(&self) -> impl Iterator<Item = (&'a Record, &'a Record)> + '_ {
        self.old.records.values().filter_map(|o| {
            if self.new.records.contains_key(&o.name) {
                return None;
            }
            other_kind(self.new, &o.name).map(|n| (o, n))
        })
    }

    /// Constants of the old side missing from the new side.
    pub fn removed_constants(&self) -> impl Iterator<Item = &'a Constant> + '_ {
        self.old
            .constants
            .values()
            .filter(|c| !self.new.constants.contains_key(&c.name))
    }

    /// Constants of the new side missing from the old side.
    pub fn added_constants(&self) -> impl Iterator<Item = &'a Constant> + '_ {
        self.new
            .constants
            .values()
            .filter(|c| !self.old.constants.contains_key(&c.name))
    }

    /// Constants on both sides whose value differs, as (old, new).
    pub fn changed_constants(&self) -> impl Iterator<Item = (&'a Constant, &'a Constant)> + '_ {
        self.old.constants.values().filter_map(|o| {
            let n = self.new.constants.get(&o.name)?;
            (o.value != n.value).then_some((o, n))
        })
    }

    /// The ioctls of the new side whose argument is `record` and whose number encodes its size
    /// (`_IOR`, `_IOW`, `_IOWR`).
    pub fn sized_ioctls_carrying(&self, record: &str) -> Vec<&'a Constant> {
        sized_ioctls_carrying(self.new, record)
    }
}

/// True when the words of `old` appear in order in `new`, with at most two words added
/// (`VFIO_TYPE1_NESTING_IOMMU` -> `__VFIO_RESERVED_TYPE1_NESTING_IOMMU`).
pub fn is_rename(old: &str, new: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split('_')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (o, n) = (words(old), words(new));
    if o.is_empty() || n.len() > o.len() + 2 {
        return false;
    }
    let mut it = n.iter();
    o.iter().all(|w| it.any(|x| x == w))
}

/// The record of `layout` with the same tag as `name` but the other keyword.
fn other_kind<'a>(layout: &'a Layout, name: &str) -> Option<&'a Record> {
    let swapped = if let Some(tag) = name.strip_prefix("struct ") {
        format!("union {tag}")
    } else if let Some(tag) = name.strip_prefix("union ") {
        format!("struct {tag}")
    } else {
        return None;
    };
    layout.records.get(&swapped)
}

/// The ioctls of `layout` whose argument is `record` and whose number encodes its size.
pub fn sized_ioctls_carrying<'a>(layout: &'a Layout, record: &str) -> Vec<&'a Constant> {
    layout
        .constants
        .values()
        .filter(|c| {
            c.ioctl.as_ref().is_some_and(|io| {
                io.macro_name != "_IO" && io.arg_type.as_deref().map(normalize_type) == Some(record)
            })
        })
        .collect()
}

/// Where a field that only the new side has was put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// At or past the old end of the record.
    Tail,
    /// In bytes no old member covered.
    Padding,
    /// Inside the old reserved field of this name.
    Reserved(String),
    /// Over old members that did not move: another alternative of a (flattened) union.
    Overlap,
    /// Among old members, which moved.
    Inserted,
}

/// What changed inside a record present on both sides.
pub struct RecordDiff<'a> {
    /// The old record.
    pub old: &'a Record,
    /// The new record.
    pub new: &'a Record,
    /// Old fields with no counterpart.
    pub removed: Vec<&'a Field>,
    /// (old, new) fields at the same place with the same type but another name.
    pub renamed: Vec<(&'a Field, &'a Field)>,
    /// Old reserved fields whose bytes new fields took over, with those fields.
    pub reserved_used: Vec<(&'a Field, Vec<&'a Field>)>,
    /// New fields with no counterpart, and where they went.
    pub added: Vec<(&'a Field, Placement)>,
    /// (old, new) of the same name at another offset.
    pub moved: Vec<(&'a Field, &'a Field)>,
    /// (old, new) of the same name with another size (the last member growing with the record
    /// is in `tail_resized` instead).
    pub resized: Vec<(&'a Field, &'a Field)>,
    /// (old, new): the last member, an embedded record or flexible array, grew with the record.
    pub tail_resized: Vec<(&'a Field, &'a Field)>,
    /// (old, new) at the same offset and size with another C type.
    pub retyped: Vec<(&'a Field, &'a Field)>,
    /// (old, new) bitfields whose bit position or width changed.
    pub rebitted: Vec<(&'a Field, &'a Field)>,
}

impl<'a> RecordDiff<'a> {
    fn new(old: &'a Record, new: &'a Record) -> Self {
        let mut d = RecordDiff {
            old,
            new,
            removed: Vec::new(),
            renamed: Vec::new(),
            reserved_used: Vec::new(),
            added: Vec::new(),
            moved: Vec::new(),
            resized: Vec::new(),
            tail_resized: Vec::new(),
            retyped: Vec::new(),
            rebitted: Vec::new(),
        };
        let old_names: BTreeSet<&str> = old.fields.iter().map(|f| f.name.as_str()).collect();
        let mut new_only: Vec<&Field> = new
            .fields
            .iter()
            .filter(|f| !old_names.contains(f.name.as_str()))
            .collect();
        let old_last_end = old.fields.iter().map(end).max().unwrap_or(0);
        // Old reserved fields that shrank, moved inside their own bytes, or vanished.
        let mut reserved_changed: Vec<&Field> = Vec::new();
        for o in &old.fields {
            match new.field(&o.name) {
                None => {
                    if let Some(i) = new_only.iter().position(|n| same_place_and_type(o, n)) {
                        let n = new_only.remove(i);
                        if is_reserved_name(&o.name) {
                            d.reserved_used.push((o, vec![n]));
                        } else {
                            d.renamed.push((o, n));
                        }
                    } else if is_reserved_name(&o.name) {
                        reserved_changed.push(o);
                    } else {
                        d.removed.push(o);
                    }
                }
                Some(n) if n == o => {}
                Some(n) => {
                    if is_reserved_name(&o.name)
                        && (n.offset_bytes != o.offset_bytes || n.size_bytes != o.size_bytes)
                        && n.offset_bytes >= o.offset_bytes
                        && end(n) <= end(o)
                    {
                        reserved_changed.push(o);
                        continue;
                    }
                    if n.offset_bytes != o.offset_bytes {
                        d.moved.push((o, n));
                    }
                    if n.size_bytes != o.size_bytes {
                        let grows_with_record = end(o) == old_last_end
                            && n.offset_bytes == o.offset_bytes
                            && (is_record_type(&o.c_type) || o.is_flexible_array());
                        if grows_with_record && new.size_bytes > old.size_bytes {
                            d.tail_resized.push((o, n));
                        } else {
                            d.resized.push((o, n));
                        }
                    } else if n.offset_bytes == o.offset_bytes
                        && normalize_type(&n.c_type) != normalize_type(&o.c_type)
                    {
                        d.retyped.push((o, n));
                    }
                    if n.bits != o.bits && n.offset_bytes == o.offset_bytes {
                        d.rebitted.push((o, n));
                    }
                }
            }
        }
        let any_moved = !d.moved.is_empty();
        for n in new_only {
            let placement = if n.offset_bytes >= old.size_bytes {
                Placement::Tail
            } else if let Some(r) = reserved_changed
                .iter()
                .find(|r| n.offset_bytes >= r.offset_bytes && end(n) <= end(r))
            {
                Placement::Reserved(r.name.clone())
            } else if in_padding(old, n) {
                Placement::Padding
            } else if !any_moved && overlaps_another(new, n) {
                Placement::Overlap
            } else {
                Placement::Inserted
            };
            d.added.push((n, placement));
        }
        for r in reserved_changed {
            let users: Vec<&Field> = d
                .added
                .iter()
                .filter(|(_, p)| *p == Placement::Reserved(r.name.clone()))
                .map(|(f, _)| *f)
                .collect();
            if users.is_empty() {
                // A reserved field that vanished or shrank with nothing in its place.
                if new.field(&r.name).is_none() {
                    d.removed.push(r);
                } else {
                    d.resized.push((r, new.field(&r.name).unwrap_or(r)));
                }
            } else {
                d.reserved_used.push((r, users));
            }
        }
        d
    }

    /// True when the record grew only at its tail: no old member moved, resized (except the last
    /// member growing with it) or changed bits, and nothing was inserted.
    pub fn grew_at_tail(&self) -> bool {
        self.new.size_bytes > self.old.size_bytes
            && self.moved.is_empty()
            && self.resized.is_empty()
            && self.rebitted.is_empty()
            && self.removed.is_empty()
            && !self.added.iter().any(|(_, p)| *p == Placement::Inserted)
    }
}

fn end(f: &Field) -> u64 {
    f.offset_bytes + f.size_bytes
}

fn same_place_and_type(o: &Field, n: &Field) -> bool {
    o.offset_bytes == n.offset_bytes
        && o.size_bytes == n.size_bytes
        && o.bits == n.bits
        && normalize_type(&o.c_type) == normalize_type(&n.c_type)
}

/// True when another member of `r` (not one containing `n`, such as the anonymous union it sits
/// in) shares a byte with `n`: `n` is a union alternative.
fn overlaps_another(r: &Record, n: &Field) -> bool {
    r.fields.iter().any(|o| {
        o.name != n.name
            && !n.name.starts_with(&format!("{}.", o.name))
            && !o.name.starts_with(&format!("{}.", n.name))
            && overlap(o, n)
    })
}

fn overlap(a: &Field, b: &Field) -> bool {
    a.offset_bytes < end(b).max(b.offset_bytes + 1)
        && b.offset_bytes < end(a).max(a.offset_bytes + 1)
}

/// The old members sharing a byte with `n`.
pub fn overlapped_by<'a>(old: &'a Record, n: &Field) -> Vec<&'a Field> {
    old.fields.iter().filter(|o| overlap(o, n)).collect()
}

/// True when no old member covers any byte of `n`.
fn in_padding(old: &Record, n: &Field) -> bool {
    let (start, stop) = (n.offset_bytes, end(n).max(n.offset_bytes + 1));
    old.fields
        .iter()
        .all(|o| end(o).max(o.offset_bytes + 1) <= start || o.offset_bytes >= stop)
}

/// True for `reserved`, `__reserved`, `resv`, `rsvd`, `pad`, `padding`, `unused`, `spare`, with
/// any leading underscores and trailing digits (`__reserved2`, `pad1`).
pub fn is_reserved_name(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    let base = last
        .trim_start_matches('_')
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '_')
        .to_ascii_lowercase();
    matches!(
        base.as_str(),
        "reserved" | "resv" | "rsvd" | "rsv" | "pad" | "padding" | "unused" | "spare"
    )
}

/// True for counters that move when entries are added: `*_MAX`, `*_NUM`, `*_LAST`, `*_COUNT`,
/// `*_NR`, `NR_*`, and names with `_NUM_` in them (`VFIO_PCI_NUM_REGIONS`).
pub fn is_counter_name(name: &str) -> bool {
    let n = name.trim_start_matches('_').to_ascii_uppercase();
    ["_MAX", "_NUM", "_LAST", "_COUNT", "_NR", "_CNT"]
        .iter()
        .any(|s| n.ends_with(s))
        || n.starts_with("NR_")
        || n.contains("_NUM_")
        || n.contains("_MAX_")
}

/// True when the record may grow at its tail by convention: its first member is a 32-bit
/// `argsz` or `size` that callers fill with the size they know.
pub fn is_extensible(r: &Record) -> bool {
    r.fields.first().is_some_and(|f| {
        f.offset_bytes == 0 && f.size_bytes == 4 && matches!(f.name.as_str(), "argsz" | "size")
    })
}

/// True when the record carries a version number that selects its layout: its first member is
/// `version` (as in `iommu_cache_invalidate_info`). A `version` further in, as in
/// `vfio_info_cap_header`, versions something else.
pub fn is_versioned(r: &Record) -> bool {
    r.fields
        .first()
        .is_some_and(|f| f.offset_bytes == 0 && f.name == "version")
}

/// True for a C type naming a struct or union (or an array of them).
pub fn is_record_type(c_type: &str) -> bool {
    c_type.starts_with("struct ") || c_type.starts_with("union ")
}

/// The record a field type names, with any array suffix removed: `struct a[4]` -> `struct a`.
pub fn record_of(c_type: &str) -> Option<&str> {
    is_record_type(c_type).then(|| c_type.split('[').next().unwrap_or(c_type).trim_end())
}

/// Spellings that are the same type for binaries and sources: the `__aligned_*` typedefs are the
/// plain types with an alignment attribute (an alignment change shows up in offsets and sizes).
pub fn normalize_type(c_type: &str) -> &str {
    match c_type {
        "__aligned_u64" => "__u64",
        "__aligned_s64" => "__s64",
        "__aligned_le64" => "__le64",
        "__aligned_be64" => "__be64",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_counter_names() {
        for r in [
            "reserved",
            "__reserved",
            "__reserved2",
            "pad1",
            "padding",
            "resv",
            "x.rsvd",
        ] {
            assert!(is_reserved_name(r), "{r}");
        }
        for r in ["flags", "padded_len", "reserve_count"] {
            assert!(!is_reserved_name(r), "{r}");
        }
        for c in [
            "IOMMU_FAULT_MAX",
            "VFIO_PCI_NUM_REGIONS",
            "__IFLA_MAX",
            "NR_OPEN",
            "FOO_LAST",
        ] {
            assert!(is_counter_name(c), "{c}");
        }
        for c in ["VFIO_DEVICE_GET_INFO", "MAXIMUM", "VFIO_TYPE"] {
            assert!(!is_counter_name(c), "{c}");
        }
    }

    #[test]
    fn record_of_strips_arrays() {
        assert_eq!(record_of("struct a[4]"), Some("struct a"));
        assert_eq!(record_of("union u"), Some("union u"));
        assert_eq!(record_of("__u32"), None);
    }
}
