//! `union-member-added`: a new alternative overlays existing members without moving them (a
//! member added to a union, or to an anonymous union flattened into its struct).

use super::{Out, Rule};
use crate::diff::{Pair, Placement};
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "union-member-added",
    summary: "a new union alternative overlays existing members",
    severity: Severity::Compatible,
    hint:
        "nothing to fix: make sure the kernel selects the new alternative only by a new tag or flag",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (f, placement) in &d.added {
            if *placement == Placement::Overlap {
                out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: Some(&f.name), old: None, new: Some(format!("{} at offset {}", f.c_type, f.offset_bytes)), message: format!(
                        "new alternative {} ({}, {} bytes) overlays existing members at offset {}; old binaries never select it",
                        f.name, f.c_type, f.size_bytes, f.offset_bytes
                    ) });
            }
        }
    }
}
