//! `union-member-added`: a new alternative overlays existing members without moving them (a
//! member added to a union, or to an anonymous union flattened into its struct).

use super::{Out, Rule};
use crate::diff::{Pair, Placement};
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "union-member-added",
    summary: "a new union alternative overlays existing members",
    severity: Severity::Compatible,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (f, placement) in &d.added {
            if *placement == Placement::Overlap {
                out.push(
                    &RULE,
                    &d.new.name,
                    &d.new.header,
                    Some(&f.name),
                    None,
                    Some(format!("{} at offset {}", f.c_type, f.offset_bytes)),
                    format!(
                        "new alternative {} ({}, {} bytes) overlays existing members at offset {}; old binaries never select it",
                        f.name, f.c_type, f.size_bytes, f.offset_bytes
                    ),
                );
            }
        }
    }
}
