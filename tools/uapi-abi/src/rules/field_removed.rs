//! `field-removed`: a member is gone and nothing took its place.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "field-removed",
    summary: "a member of a record was removed",
    severity: Severity::Break,
    hint: "keep it (documented as deprecated), or add a waiver with the reason if nothing uses it",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for f in &d.removed {
            out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: Some(&f.name), old: Some(format!("{} at offset {}", f.c_type, f.offset_bytes)), new: None, message: format!(
                    "member {} ({} at offset {}) was removed: old binaries still read and write those bytes",
                    f.name, f.c_type, f.offset_bytes
                ) });
        }
    }
}
