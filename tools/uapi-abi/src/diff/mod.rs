//! (old layout, new layout) of one architecture -> what changed, pure. The rules read these
//! changes; this module knows the kernel's naming conventions (reserved fields, counters, the
//! `argsz`/`size` first field) but passes no judgement.

use crate::model::{Constant, Field, Layout, Record, RecordKind};
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
    /// The new side's ioctls by their argument type (normalized, see [`normalize_type`]), so
    /// questions about the ioctls carrying a record do not scan every constant.
    new_ioctls_by_arg: BTreeMap<&'a str, Vec<&'a Constant>>,
}

impl<'a> Pair<'a> {
    /// Compares two layouts of the same architecture.
    pub fn new(old: &'a Layout, new: &'a Layout) -> Self {
        let records = old
            .records
            .iter()
            .filter_map(|(name, o)| {
                let n = new.records.get(name)?;
                (o != n).then(|| {
                    let mut d = RecordDiff::new(o, n);
                    d.removed.retain(|f| !respelled_in_named_type(f, n, new));
                    (name.as_str(), d)
                })
            })
            .collect();
        let mut new_ioctls_by_arg: BTreeMap<&str, Vec<&Constant>> = BTreeMap::new();
        for c in new.constants.values() {
            if let Some(arg) = c.ioctl.as_ref().and_then(|io| io.arg_type.as_deref()) {
                new_ioctls_by_arg
                    .entry(normalize_type(arg))
                    .or_default()
                    .push(c);
            }
        }
        let mut pair = Pair {
            old,
            new,
            records,
            renamed_to: BTreeMap::new(),
            renamed_from: BTreeMap::new(),
            new_ioctls_by_arg,
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
        self.new_ioctls_carrying(record)
            .filter(|c| {
                !size_tolerant(c) && c.ioctl.as_ref().is_some_and(|io| io.macro_name != "_IO")
            })
            .collect()
    }

    /// The new side's ioctls whose argument is `record`, in name order.
    fn new_ioctls_carrying(&self, record: &str) -> impl Iterator<Item = &'a Constant> + '_ {
        self.new_ioctls_by_arg
            .get(record)
            .into_iter()
            .flatten()
            .copied()
    }

    /// How `r`'s length travels ([`size_carrier`]), or, failing that, whether a DRM ioctl
    /// carries it (the DRM core copies what the caller's number encodes and zero-fills the rest).
    pub fn size_carrier(&self, r: &Record) -> Option<SizeCarrier> {
        size_carrier(r).or_else(|| {
            self.new_ioctls_carrying(&r.name)
                .any(size_tolerant)
                .then_some(SizeCarrier::DrmIoctl)
        })
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

/// True when the old member `f` (`data.note`, a member of an anonymous struct or union) lives on
/// in `n` as the same member of a named type: `n` has the member `data` whose record type holds
/// `note` at the same place with the same type and size (`union { ... } data` became
/// `union snd_seq_event_data data` in 6.x's `struct snd_seq_event`). Old sources still write
/// `ev.data.note` and the bytes did not move.
fn respelled_in_named_type(f: &Field, n: &Record, layout: &Layout) -> bool {
    let Some((outer, inner)) = f.name.split_once('.') else {
        return false;
    };
    let Some(holder) = n.fields.iter().find(|g| g.name == outer) else {
        return false;
    };
    let Some(inner_record) = record_of(&holder.c_type).and_then(|t| layout.records.get(t)) else {
        return false;
    };
    inner_record.fields.iter().any(|m| {
        m.name == inner
            && holder.offset_bytes + m.offset_bytes == f.offset_bytes
            && m.size_bytes == f.size_bytes
            && normalize_type(&m.c_type) == normalize_type(&f.c_type)
            && m.bits == f.bits
    })
}

/// The ioctl type of the DRM core (`DRM_IOCTL_BASE`, `'d'`), shared by every DRM driver.
pub const DRM_IOCTL_TYPE: u8 = b'd';

/// True for ioctls whose handler does not need the encoded size to match its own, so an argument
/// struct that grows at its tail keeps old binaries working although the number changes:
/// - DRM (`'d'`, in `drm/` headers or built with `DRM_IO*`): `drm_ioctl()` looks the handler up by the number's nr alone, copies the size
///   the caller's number encodes and zero-fills up to the kernel's size
///   (<https://github.com/torvalds/linux/blob/v6.12/drivers/gpu/drm/drm_ioctl.c>, `drm_ioctl`);
/// - habanalabs (`'H'` in `misc/habanalabs.h`): `_hl_ioctl()` does the same with `_IOC_NR` and
///   `_IOC_SIZE` (<https://github.com/torvalds/linux/blob/v6.1/drivers/misc/habanalabs/common/habanalabs_ioctl.c>).
pub fn size_tolerant(c: &Constant) -> bool {
    c.ioctl.as_ref().is_some_and(|io| {
        // Core and driver ioctls alike go through drm_ioctl(); other users of 'd' do not, hence
        // the header or DRM's own macros.
        (io.ioc_type == DRM_IOCTL_TYPE
            && (c.header.starts_with("drm/") || io.macro_name.starts_with("DRM_IO")))
            || (io.ioc_type == b'H' && c.header.ends_with("habanalabs.h"))
    })
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
    /// Over bytes an old member gave up (see [`Split`]).
    Split(String),
    /// Over the bytes of an old trailing array that is now spelled another way.
    Respelled(String),
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
    /// Old members whose bytes new members took over (the old member shrank in place or
    /// vanished, and new members tile exactly the bytes it gave up), with those members.
    pub split: Vec<Split<'a>>,
    /// Old trailing `[0]`/`[1]` arrays that the new side no longer lists, the record keeping its
    /// size (the kernel's `__DECLARE_FLEX_ARRAY` spelling), with a new member over the same bytes.
    pub respelled: Vec<(&'a Field, Option<&'a Field>)>,
    /// (old, new) union alternatives that grew while the union around them kept its size.
    pub union_grown: Vec<(&'a Field, &'a Field)>,
}

/// An old member whose bytes new members took over.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    /// The old member.
    pub old: &'a Field,
    /// What is left of it on the new side, if it kept its name.
    pub kept: Option<&'a Field>,
    /// The new members over the bytes it gave up.
    pub takers: Vec<&'a Field>,
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
            split: Vec::new(),
            respelled: Vec::new(),
            union_grown: Vec::new(),
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
                    } else if is_trailing_array(old, o) && new.size_bytes == old.size_bytes {
                        let over = new_only.iter().position(|n| {
                            n.offset_bytes == o.offset_bytes && n.size_bytes == o.size_bytes
                        });
                        let over = over.map(|i| new_only.remove(i));
                        d.respelled.push((o, over));
                    } else if o.bits.is_none() && o.size_bytes > 0 {
                        let takers = tiling(&new_only, o.offset_bytes, end(o));
                        if takers.len() >= 2 {
                            new_only.retain(|f| !takers.iter().any(|t| t.name == f.name));
                            d.split.push(Split {
                                old: o,
                                kept: None,
                                takers,
                            });
                        } else {
                            d.removed.push(o);
                        }
                    } else {
                        d.removed.push(o);
                    }
                }
                Some(n) if n == o => {}
                Some(n) => {
                    if is_reserved_name(&o.name)
                        && (n.offset_bytes != o.offset_bytes
                            || n.size_bytes != o.size_bytes
                            || bits_shrank_within(o, n))
                        && n.offset_bytes >= o.offset_bytes
                        && end(n) <= end(o)
                    {
                        reserved_changed.push(o);
                        continue;
                    }
                    if n.offset_bytes == o.offset_bytes
                        && n.size_bytes < o.size_bytes
                        && n.bits.is_none()
                        && o.bits.is_none()
                        && same_element_array(o, n)
                    {
                        let takers = tiling(&new_only, end(n), end(o));
                        if !takers.is_empty() {
                            new_only.retain(|f| !takers.iter().any(|t| t.name == f.name));
                            d.split.push(Split {
                                old: o,
                                kept: Some(n),
                                takers,
                            });
                            continue;
                        }
                    }
                    if n.offset_bytes != o.offset_bytes {
                        d.moved.push((o, n));
                    }
                    if n.size_bytes != o.size_bytes {
                        let whole_union_alternative = old.kind == RecordKind::Union
                            && !o.name.contains('.')
                            && o.offset_bytes == 0
                            && n.offset_bytes == 0;
                        let grows_with_record = (end(o) == old_last_end || whole_union_alternative)
                            && n.offset_bytes == o.offset_bytes
                            && (is_record_type(&o.c_type)
                                || o.is_flexible_array()
                                || whole_union_alternative
                                // The last member, an array, gained elements
                                // (`busy_engines_mask_ext[2]` -> `[4]`).
                                || same_element_array(o, n));
                        if grows_with_record && new.size_bytes > old.size_bytes {
                            d.tail_resized.push((o, n));
                        } else if n.size_bytes > o.size_bytes
                            && n.offset_bytes == o.offset_bytes
                            && (whole_union_alternative || grows_inside_union(old, new, o, n))
                        {
                            d.union_grown.push((o, n));
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
        for sp in &d.split {
            for t in &sp.takers {
                d.added.push((t, Placement::Split(sp.old.name.clone())));
            }
        }
        for (o, over) in &d.respelled {
            if let Some(n) = over {
                d.added.push((n, Placement::Respelled(o.name.clone())));
            }
        }
        for r in reserved_changed {
            let vanished = new.field(&r.name).is_none();
            let users: Vec<&Field> = d
                .added
                .iter()
                .filter(|(f, p)| {
                    *p == Placement::Reserved(r.name.clone())
                        || (vanished && *p == Placement::Overlap && overlap(f, r))
                })
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

fn bit_range(f: &Field) -> (u64, u64) {
    match f.bits {
        Some(b) => (b.offset_bits, b.offset_bits + b.size_bits),
        None => (f.offset_bytes * 8, end(f) * 8),
    }
}

/// True when `n` (a bitfield) holds fewer bits than `o`, all inside `o`'s bits: a reserved
/// bitfield or member that gave bits up to new bitfields.
fn bits_shrank_within(o: &Field, n: &Field) -> bool {
    let ((os, oe), (ns, ne)) = (bit_range(o), bit_range(n));
    n.bits.is_some() && ns >= os && ne <= oe && ne - ns < oe - os
}

/// The new members that tile exactly the bytes `[start, stop)`: top-level pieces side by side
/// with no gap, plus members nested in them. Empty when they do not.
fn tiling<'a>(new_only: &[&'a Field], start: u64, stop: u64) -> Vec<&'a Field> {
    if start >= stop {
        return Vec::new();
    }
    let inside: Vec<&'a Field> = new_only
        .iter()
        .copied()
        .filter(|f| f.offset_bytes >= start && end(f) <= stop)
        .collect();
    if inside.iter().any(|f| f.bits.is_some()) {
        return Vec::new();
    }
    let mut pos = start;
    let mut pieces: Vec<&str> = Vec::new();
    while pos < stop {
        let Some(next) = inside
            .iter()
            .filter(|f| f.offset_bytes == pos && f.size_bytes > 0)
            .max_by_key(|f| f.size_bytes)
        else {
            return Vec::new();
        };
        pieces.push(&next.name);
        pos = end(next);
    }
    inside
        .into_iter()
        .filter(|f| {
            pieces
                .iter()
                .any(|p| f.name == *p || f.name.starts_with(&format!("{p}.")))
        })
        .collect()
}

/// True when `o` and `n` are arrays of the same element type (`__u64[2]` -> `__u64[1]`): the
/// elements that stay keep their meaning. A scalar that shrinks is a resize.
fn same_element_array(o: &Field, n: &Field) -> bool {
    match (o.c_type.split_once('['), n.c_type.split_once('[')) {
        (Some((a, _)), Some((b, _))) => a.trim_end() == b.trim_end(),
        _ => false,
    }
}

/// True for a `[0]` or `[1]` array with nothing after it in `r`: a trailing array of the old
/// spelling.
fn is_trailing_array(r: &Record, o: &Field) -> bool {
    (o.c_type.ends_with("[0]") || o.c_type.ends_with("[1]"))
        && o.bits.is_none()
        && r.fields.iter().all(|f| {
            f.name == o.name
                || f.bits.is_some()
                || (end(f) <= end(o) && (f.offset_bytes < end(o) || f.size_bytes == 0))
        })
}

/// True when `o` -> `n` is an alternative of a union member (its parent path) that grew inside
/// the union, the union keeping its size.
fn grows_inside_union(old: &Record, new: &Record, o: &Field, n: &Field) -> bool {
    let Some((parent, _)) = o.name.rsplit_once('.') else {
        return false;
    };
    let (Some(po), Some(pn)) = (old.field(parent), new.field(parent)) else {
        return false;
    };
    pn.c_type.starts_with("union ")
        && po.size_bytes == pn.size_bytes
        && po.offset_bytes == pn.offset_bytes
        && n.offset_bytes == pn.offset_bytes
        && end(n) <= end(pn)
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

/// True for reserved space however it is named: `reserved`, `__reserved`, `resv`, `rsvd`, `rsv`,
/// `res`, `pad`, `padding`, `__pad`, `unused`, `spare`, `__align`, with any leading underscores
/// and trailing digits or underscores (`__reserved_2`, `pad1`, `res1`), names ending in
/// `_reserved`, `_pad`, `_padding`, `_unused` or starting with `reserved_`, and the USB spelling
/// `bReserved`/`wReserved`.
pub fn is_reserved_name(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    let base = last
        .trim_start_matches('_')
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '_')
        .to_ascii_lowercase();
    if matches!(
        base.as_str(),
        "reserved"
            | "resv"
            | "rsvd"
            | "rsv"
            | "res"
            | "pad"
            | "padding"
            | "unused"
            | "spare"
            | "align"
    ) {
        return true;
    }
    let suffixed = ["_reserved", "_pad", "_padding", "_unused", "_rsvd", "_resv"]
        .iter()
        .any(|s| base.ends_with(s));
    let prefixed = ["reserved_", "rsvd_", "pad_to_"]
        .iter()
        .any(|p| base.starts_with(p));
    // Hungarian-style USB descriptors: bReserved, wReserved, dwReserved.
    let hungarian = last
        .strip_suffix(|c: char| c.is_ascii_digit())
        .unwrap_or(last)
        .strip_suffix("Reserved")
        .is_some_and(|p| matches!(p, "b" | "w" | "dw" | "bm"));
    suffixed || prefixed || hungarian
}

/// True for counters that move when entries are added: `*_MAX`, `*_NUM`, `*_LAST`, `*_COUNT`,
/// `*_NR`, `*_CNT`, `*_END`, `*_NBITS`, `NR_*`, `NUM_*`, `MAX_*`, `__*MAX` (`__LINUX_MIB_XFRMMAX`),
/// and names with `_NUM_`, `_MAX_` or `_NR_` in them (`VFIO_PCI_NUM_REGIONS`, `RTM_NR_MSGTYPES`).
pub fn is_counter_name(name: &str) -> bool {
    let private = name.starts_with("__");
    let n = name.trim_start_matches('_').to_ascii_uppercase();
    [
        "_MAX", "_NUM", "_LAST", "_COUNT", "_NR", "_CNT", "_END", "_NBITS",
    ]
    .iter()
    .any(|s| n.ends_with(s))
        || (private && n.ends_with("MAX"))
        || ["NR_", "NUM_", "MAX_"].iter().any(|p| n.starts_with(p))
        || ["_NUM_", "_MAX_", "_NR_"].iter().any(|m| n.contains(m))
}

/// True for version numbers that move with releases: `*_VERSION`, `*_SUBVERSION`,
/// `*_VERSION_MINOR`, `*_VERSION_MAJOR`, `*_VERSION_PATCH`, `*_MINOR_VERSION`, `*_MAJOR_VERSION`,
/// `*_VERSION_CODE`, `*_API_VERSION*`, `*_VERSION_MIN`/`_MAX` (the range a tool accepts),
/// `*_ABI_MAJOR`/`_MINOR`/`_PATCH`. Not `*_VERSION_1`-style names, which select a layout.
pub fn is_version_name(name: &str) -> bool {
    let n = name.trim_start_matches('_').to_ascii_uppercase();
    [
        "_VERSION",
        "_SUBVERSION",
        "_VERSION_MINOR",
        "_VERSION_MAJOR",
        "_VERSION_PATCH",
        "_VERSION_PATCHLEVEL",
        "_VERSION_SUBLEVEL",
        "_MINOR_VERSION",
        "_MAJOR_VERSION",
        "_VERSION_CODE",
        "_VERSION_NUM",
        "_VERSION_MIN",
        "_VERSION_MAX",
        "_ABI_MAJOR",
        "_ABI_MINOR",
        "_ABI_PATCH",
    ]
    .iter()
    .any(|s| n.ends_with(s))
}

/// True for names of masks of every known flag: `*_MASK`, `*__MASK`, `*_SUPPORTED`, `*_ALL`,
/// `*_VALID`, `*_VALID_FLAGS`, `*_FLAGS_ALL`, `*_ALL_FLAGS`, `*_KNOWN_FLAGS`, `*_ALLFLAGS`,
/// `*_ALL_BITS`, `*_ALL_LOCKS`, `*_SUPP` and `*_FLAGS` (only growth that keeps every old bit is
/// spared, so a mask that loses one still breaks).
pub fn is_flags_mask_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "_MASK",
        "_SUPPORTED",
        "_ALL",
        "_VALID",
        "_VALID_FLAGS",
        "_VALID_MASK",
        "_FLAGS_ALL",
        "_ALL_FLAGS",
        "_KNOWN_FLAGS",
        "_ALLFLAGS",
        "_ALL_BITS",
        "_ALL_LOCKS",
        "_SUPP",
        "_FLAGS",
    ]
    .iter()
    .any(|s| n.ends_with(s))
}

/// How a record's length travels, when old callers' shorter copies can be told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeCarrier {
    /// A 32-bit `argsz`, `size`, `len` or `length` member within the first 8 bytes (the name).
    Member(&'static str),
    /// Out of band, as the knowledge base records.
    Known(&'static crate::kb::Entry),
    /// In the number of the DRM ioctl that carries it ([`size_tolerant`]).
    DrmIoctl,
}

impl SizeCarrier {
    /// A phrase for messages.
    pub fn describe(&self) -> String {
        match self {
            SizeCarrier::Member(m) => format!("its {m} member"),
            SizeCarrier::Known(e) => e.carrier_phrase(),
            SizeCarrier::DrmIoctl => "the DRM ioctl that carries it (drm_ioctl() copies the size the caller's number encodes and zero-fills the rest)".into(),
        }
    }
}

/// How `r`'s length travels, if it does: a 32-bit `argsz`/`size`/`len`/`length` member within its
/// first 8 bytes (`perf_event_attr.size` is the second member), or a knowledge-base entry.
pub fn size_carrier(r: &Record) -> Option<SizeCarrier> {
    const NAMES: [&str; 4] = ["argsz", "size", "len", "length"];
    let member = r.fields.iter().find_map(|f| {
        let name = NAMES.iter().find(|n| **n == f.name)?;
        (f.offset_bytes < 8 && f.size_bytes == 4 && f.bits.is_none()).then_some(*name)
    });
    member
        .map(SizeCarrier::Member)
        .or_else(|| crate::kb::size_carrier(&r.name, &r.header).map(SizeCarrier::Known))
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

    fn fld(name: &str, offset_bytes: u64, size_bytes: u64, c_type: &str) -> Field {
        Field {
            name: name.into(),
            offset_bytes,
            size_bytes,
            align_bytes: size_bytes.clamp(1, 8),
            bits: None,
            c_type: c_type.into(),
        }
    }

    fn rec(name: &str, header: &str, size_bytes: u64, fields: Vec<Field>) -> Record {
        Record {
            name: name.into(),
            kind: if name.starts_with("union") {
                RecordKind::Union
            } else {
                RecordKind::Struct
            },
            header: header.into(),
            size_bytes,
            align_bytes: 4,
            fields,
        }
    }

    fn lay(records: Vec<Record>, constants: Vec<Constant>) -> Layout {
        Layout {
            header_set: "t".into(),
            version: "1".into(),
            arch: crate::model::Arch::X86_64,
            provenance: Default::default(),
            headers: Vec::new(),
            skipped: Vec::new(),
            diagnostics: Vec::new(),
            records: records.into_iter().map(|r| (r.name.clone(), r)).collect(),
            constants: constants.into_iter().map(|c| (c.name.clone(), c)).collect(),
        }
    }

    #[test]
    fn an_anonymous_member_type_given_a_name_removes_nothing() {
        // union { __u32 note; __u32 ext; } data;  ->  union ev_data data;
        let old = lay(
            vec![rec(
                "struct ev",
                "sound/x.h",
                12,
                vec![
                    fld("type", 0, 4, "__u32"),
                    fld("data.note", 4, 4, "__u32"),
                    fld("data.ext", 4, 8, "__u64"),
                ],
            )],
            vec![],
        );
        let named = rec(
            "union ev_data",
            "sound/x.h",
            8,
            vec![fld("note", 0, 4, "__u32"), fld("ext", 0, 8, "__u64")],
        );
        let new = lay(
            vec![
                rec(
                    "struct ev",
                    "sound/x.h",
                    12,
                    vec![
                        fld("type", 0, 4, "__u32"),
                        fld("data", 4, 8, "union ev_data"),
                    ],
                ),
                named.clone(),
            ],
            vec![],
        );
        let p = Pair::new(&old, &new);
        assert!(
            p.records["struct ev"].removed.is_empty(),
            "{:?}",
            p.records["struct ev"].removed
        );
        // A member the named type does not keep is still removed.
        let mut fewer = named;
        fewer.fields.truncate(1);
        let new2 = lay(vec![new.records["struct ev"].clone(), fewer], vec![]);
        let p = Pair::new(&old, &new2);
        let removed: Vec<&str> = p.records["struct ev"]
            .removed
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(removed, ["data.ext"]);
    }

    #[test]
    fn a_drm_ioctl_argument_carries_its_size() {
        let io = |size_bytes: u32| Constant {
            name: "DRM_IOCTL_X".into(),
            header: "drm/x_drm.h".into(),
            value: 0,
            kind: crate::model::ConstantKind::Macro,
            ioctl: Some(crate::model::Ioctl {
                dir: crate::model::IoctlDir::ReadWrite,
                ioc_type: DRM_IOCTL_TYPE,
                nr: 0x40,
                size_bytes,
                macro_name: "DRM_IOWR".into(),
                arg_type: Some("struct drm_x".into()),
            }),
        };
        let r = rec(
            "struct drm_x",
            "drm/x_drm.h",
            8,
            vec![fld("a", 0, 8, "__u64")],
        );
        let l = lay(vec![r.clone()], vec![io(8)]);
        let p = Pair::new(&l, &l);
        assert_eq!(p.size_carrier(&r), Some(SizeCarrier::DrmIoctl));
        assert!(p.sized_ioctls_carrying("struct drm_x").is_empty());
        // The same ioctl of another type is sized, and carries nothing.
        let mut other = io(8);
        other.ioctl.as_mut().unwrap().ioc_type = b'x';
        let l = lay(vec![r.clone()], vec![other]);
        let p = Pair::new(&l, &l);
        assert_eq!(p.size_carrier(&r), None);
        assert_eq!(p.sized_ioctls_carrying("struct drm_x").len(), 1);
    }

    #[test]
    fn record_of_strips_arrays() {
        assert_eq!(record_of("struct a[4]"), Some("struct a"));
        assert_eq!(record_of("union u"), Some("union u"));
        assert_eq!(record_of("__u32"), None);
    }
}
