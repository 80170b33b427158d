//! `field-removed`: a member is gone and nothing took its place.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "field-removed",
    summary: "a member of a record was removed",
    severity: Severity::Break,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for f in &d.removed {
            out.push(
                &RULE,
                &d.new.name,
                &d.new.header,
                Some(&f.name),
                Some(format!("{} at offset {}", f.c_type, f.offset_bytes)),
                None,
                format!(
                    "member {} ({} at offset {}) was removed: old binaries still read and write those bytes",
                    f.name, f.c_type, f.offset_bytes
                ),
            );
        }
    }
}
