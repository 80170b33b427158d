//! The compatibility rules: one file per kind of change, each with an id, a summary, a severity
//! and a pure check over one architecture's (old, new) pair. The registry below lists them all;
//! a test fails when a rule file is not registered.

use crate::diff::Pair;
use crate::findings::{Finding, Hit, Severity};
use crate::model::Constant;

mod bitfield_changed;
mod constant_added;
mod constant_changed;
mod constant_removed;
mod constant_renamed;
mod constant_sign_changed;
mod counter_moved;
mod embedded_record_changed;
mod field_inserted;
mod field_moved;
mod field_removed;
mod field_renamed;
mod field_resized;
mod field_split;
mod field_type_changed;
mod flags_mask_grew;
mod ioctl_added;
mod ioctl_argument_changed;
mod ioctl_number_changed;
mod ioctl_removed;
mod padding_used;
mod record_added;
mod record_align_changed;
mod record_kind_changed;
mod record_removed;
mod record_size_changed;
mod record_tail_extension;
mod reserved_used;
mod trailing_array_respelled;
mod union_member_added;
mod union_member_grew;
mod version_moved;

/// A compatibility rule.
pub struct Rule {
    /// Stable id, used in reports and waivers.
    pub id: &'static str,
    /// One line saying what the rule finds.
    pub summary: &'static str,
    /// The severity of everything it finds.
    pub severity: Severity,
    /// The usual fix, shown in reviews.
    pub hint: &'static str,
    /// The check: reads the pair, appends findings.
    pub check: fn(&Pair<'_>, &mut Out),
}

/// Every rule, in the order they run.
pub const RULES: &[&Rule] = &[
    &record_removed::RULE,
    &record_kind_changed::RULE,
    &record_size_changed::RULE,
    &record_tail_extension::RULE,
    &record_align_changed::RULE,
    &field_removed::RULE,
    &field_renamed::RULE,
    &field_inserted::RULE,
    &field_moved::RULE,
    &field_resized::RULE,
    &field_type_changed::RULE,
    &field_split::RULE,
    &trailing_array_respelled::RULE,
    &bitfield_changed::RULE,
    &padding_used::RULE,
    &reserved_used::RULE,
    &union_member_added::RULE,
    &union_member_grew::RULE,
    &embedded_record_changed::RULE,
    &record_added::RULE,
    &constant_removed::RULE,
    &constant_renamed::RULE,
    &constant_changed::RULE,
    &constant_sign_changed::RULE,
    &version_moved::RULE,
    &counter_moved::RULE,
    &flags_mask_grew::RULE,
    &constant_added::RULE,
    &ioctl_removed::RULE,
    &ioctl_number_changed::RULE,
    &ioctl_argument_changed::RULE,
    &ioctl_added::RULE,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// Runs every rule on one architecture's pair.
/// The rules are independent of each other and run on the thread pool; their findings are put
/// together in the order of [`RULES`].
pub fn run(pair: &Pair<'_>) -> Vec<Finding> {
    use rayon::prelude::*;
    let arch = pair.new.arch;
    let one = |rule: &&Rule| {
        let mut out = Out {
            arch,
            findings: Vec::new(),
        };
        (rule.check)(pair, &mut out);
        out.findings
    };
    let per_rule: Vec<Vec<Finding>> = RULES.par_iter().map(one).collect();
    let mut out = Out {
        arch,
        findings: per_rule.into_iter().flatten().collect(),
    };
    // Rules that follow embedding read what the others found on this architecture.
    embedded_record_changed::propagate(pair, &mut out);
    out.findings
}

/// Where a rule writes its findings.
pub struct Out {
    arch: crate::model::Arch,
    findings: Vec<Finding>,
}

impl Out {
    /// Records one finding of `rule`.
    pub fn push(&mut self, rule: &Rule, hit: Hit<'_>) {
        self.findings
            .push(Finding::from_hit(rule.id, rule.severity, self.arch, hit));
    }
}

/// `N byte(s)`.
pub(crate) fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

/// A comma-separated list of names, at most `max` of them, then `and N more`.
pub(crate) fn list<S: AsRef<str>>(names: &[S], max: usize) -> String {
    let shown: Vec<&str> = names.iter().take(max).map(|s| s.as_ref()).collect();
    let mut s = shown.join(", ");
    if names.len() > max {
        s.push_str(&format!(" and {} more", names.len() - max));
    }
    s
}

/// Why a constant that kept its name has another value: exactly one rule reports each class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueChange {
    /// An ioctl number (`ioctl-number-changed`).
    Ioctl,
    /// The same 32 bits read with another signedness, `(1 << 31)` -> `(1U << 31)`
    /// (`constant-sign-changed`).
    SameBits,
    /// A version meant to move (`version-moved`), with the knowledge-base reason if any.
    Version(Option<&'static crate::kb::Entry>),
    /// A counter meant to move (`counter-moved`), with the knowledge-base reason if any.
    Counter(Option<&'static crate::kb::Entry>),
    /// A mask of every known flag that kept all its bits and gained some (`flags-mask-grew`).
    FlagsGrew(Option<&'static crate::kb::Entry>),
    /// A mask of reserved bits that gave bits up (`reserved-used`).
    ReservedGaveUp,
    /// Any other change (`constant-changed`).
    Plain,
}

/// Classifies the change of `o` -> `n` (same name, other value).
pub(crate) fn classify(p: &Pair<'_>, o: &Constant, n: &Constant) -> ValueChange {
    use crate::diff::{is_counter_name, is_flags_mask_name, is_reserved_name, is_version_name};
    use crate::kb::Moving;
    if o.ioctl.is_some() || n.ioctl.is_some() {
        return ValueChange::Ioctl;
    }
    let fits32 = |v: i128| (i128::from(i32::MIN)..=i128::from(u32::MAX)).contains(&v);
    let fits64 = |v: i128| (i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&v);
    // The same 32 bits (`EPOLLET` `(1 << 31)` then `(1U << 31)`) or the same 64 bits
    // (`SVM_EXIT_ERR` `-1` then `-1ull`): binaries hold the same bits either way.
    if (fits32(o.value) && fits32(n.value) && (o.value as u32) == (n.value as u32))
        || (fits64(o.value) && fits64(n.value) && (o.value as u64) == (n.value as u64))
    {
        return ValueChange::SameBits;
    }
    if let Some(e) = crate::kb::moving_value(&n.name, &n.header) {
        return match e.moving {
            Some(Moving::Counter) => ValueChange::Counter(Some(e)),
            _ => ValueChange::Version(Some(e)),
        };
    }
    if is_version_name(&n.name) {
        return ValueChange::Version(None);
    }
    if is_counter_name(&n.name) || is_sentinel_moved(p, o, n) {
        return ValueChange::Counter(None);
    }
    let superset = o.value >= 0 && n.value > o.value && (o.value & n.value) == o.value;
    let known = crate::kb::known_flags_mask(&n.name, &n.header);
    if superset && (known.is_some() || is_flags_mask_name(&n.name)) {
        return ValueChange::FlagsGrew(known);
    }
    let subset = n.value >= 0 && o.value > n.value && (o.value & n.value) == n.value;
    let reserved_mask = is_reserved_name(&n.name.to_ascii_lowercase())
        || n.name.to_ascii_uppercase().contains("_RESERVED");
    if subset && reserved_mask {
        return ValueChange::ReservedGaveUp;
    }
    ValueChange::Plain
}

/// True when `o` -> `n` is a private (`__`-prefixed) enumerator, the end marker of its enum, that
/// moved up because enumerators added to the same enum took every value it passed
/// (`__NFT_META_IIFTYPE` 35 -> 36 with `NFT_META_BRI_BROUTE` = 35 added before it).
fn is_sentinel_moved(p: &Pair<'_>, o: &Constant, n: &Constant) -> bool {
    use crate::model::ConstantKind;
    let ConstantKind::Enumerator { enum_name } = &n.kind else {
        return false;
    };
    if !n.name.starts_with("__") || n.value <= o.value || n.value - o.value > 4096 {
        return false;
    }
    // The enum's members are picked out before asking which of them are new: looking every new
    // constant up on the old side, for each moved end marker, cost a tenth of a check.
    let added: std::collections::BTreeSet<i128> = p
        .new
        .constants
        .values()
        .filter(|c| {
            c.header == n.header
                && matches!(&c.kind, ConstantKind::Enumerator { enum_name: e } if e == enum_name)
                && !p.old.constants.contains_key(&c.name)
        })
        .map(|c| c.value)
        .collect();
    (o.value..n.value).all(|v| added.contains(&v))
}

#[cfg(test)]
mod kb_tests {
    //! Every knowledge-base entry changes a verdict: each is checked on a synthetic pair built
    //! from its own name (a glob's `*` made concrete), with and without the fact.
    use super::*;
    use crate::kb::{kb, EntryKind};
    use crate::model::{Arch, ConstantKind, Field, Layout, Record, RecordKind};

    fn layout(records: Vec<Record>, constants: Vec<Constant>) -> Layout {
        Layout {
            header_set: "kb".into(),
            version: "x".into(),
            arch: Arch::X86_64,
            provenance: Default::default(),
            headers: vec!["linux/kb.h".into()],
            skipped: Vec::new(),
            diagnostics: Vec::new(),
            records: records.into_iter().map(|r| (r.name.clone(), r)).collect(),
            constants: constants.into_iter().map(|c| (c.name.clone(), c)).collect(),
        }
    }

    fn u64_field(name: &str, offset: u64) -> Field {
        Field {
            name: name.into(),
            offset_bytes: offset,
            size_bytes: 8,
            align_bytes: 8,
            bits: None,
            c_type: "__u64".into(),
        }
    }

    fn record_in(name: &str, fields: usize, header: &str) -> Record {
        let kind = if name.starts_with("union ") {
            RecordKind::Union
        } else {
            RecordKind::Struct
        };
        Record {
            name: name.into(),
            kind,
            header: header.into(),
            size_bytes: 8 * fields as u64,
            align_bytes: 8,
            fields: (0..fields)
                .map(|i| u64_field(&format!("m{i}"), 8 * i as u64))
                .collect(),
        }
    }

    fn constant(name: &str, header: &str, value: i128) -> Constant {
        Constant {
            name: name.into(),
            header: header.into(),
            value,
            kind: ConstantKind::Macro,
            ioctl: None,
        }
    }

    fn ids(old: &Layout, new: &Layout) -> Vec<&'static str> {
        run(&Pair::new(old, new))
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    fn concrete(glob: &str) -> String {
        glob.replace('*', "x").replace('?', "y")
    }

    #[test]
    fn every_size_carrier_turns_a_tail_growth_into_an_extension() {
        for e in kb()
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::SizeCarrier)
        {
            let name = concrete(&e.item);
            let header = e.header.as_deref().map_or("linux/kb.h".into(), concrete);
            let got = ids(
                &layout(vec![record_in(&name, 2, &header)], vec![]),
                &layout(vec![record_in(&name, 3, &header)], vec![]),
            );
            assert!(got.contains(&"record-tail-extension"), "{name}: {got:?}");
            assert!(!got.contains(&"record-size-changed"), "{name}: {got:?}");
            // Without the fact (another name, or the same name in another header), the same
            // growth is a break.
            let (other, other_header) = match e.header {
                Some(_) => (name.clone(), "linux/not_in_kb.h".to_string()),
                None => (format!("{name}_not_in_kb"), header),
            };
            let got = ids(
                &layout(vec![record_in(&other, 2, &other_header)], vec![]),
                &layout(vec![record_in(&other, 3, &other_header)], vec![]),
            );
            assert!(got.contains(&"record-size-changed"), "{other}: {got:?}");
        }
    }

    #[test]
    fn every_moving_value_and_flags_mask_is_a_note_not_a_break() {
        for e in kb()
            .entries
            .iter()
            .filter(|e| e.kind != EntryKind::SizeCarrier)
        {
            let name = concrete(&e.item).replace('x', "KB_PLAIN");
            let name = if e.item == "*" {
                "KB_PLAIN".to_string()
            } else {
                name
            };
            let header = e.header.clone().unwrap_or_else(|| "linux/kb.h".into());
            let (a, b) = (3, 7); // a superset, as flags masks grow
            let got = ids(
                &layout(vec![], vec![constant(&name, &header, a)]),
                &layout(vec![], vec![constant(&name, &header, b)]),
            );
            let want = match (e.kind, e.moving) {
                (EntryKind::KnownFlagsMask, _) => "flags-mask-grew",
                (_, Some(crate::kb::Moving::Counter)) => "counter-moved",
                _ => "version-moved",
            };
            assert_eq!(got, vec![want], "{name} ({header})");
            let got = ids(
                &layout(vec![], vec![constant(&name, "linux/elsewhere.h", a)]),
                &layout(vec![], vec![constant(&name, "linux/elsewhere.h", b)]),
            );
            if e.header.is_some() {
                assert_eq!(got, vec!["constant-changed"], "{name} outside {header}");
            }
        }
        // A known-flags mask that loses a bit stays a break.
        let got = ids(
            &layout(
                vec![],
                vec![constant("UFFD_API_FEATURES", "linux/userfaultfd.h", 7)],
            ),
            &layout(
                vec![],
                vec![constant("UFFD_API_FEATURES", "linux/userfaultfd.h", 5)],
            ),
        );
        assert_eq!(got, vec!["constant-changed"]);
    }
}
