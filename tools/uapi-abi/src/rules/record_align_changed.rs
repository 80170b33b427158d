//! `record-align-changed`: a record's alignment changed (typically `__u64` -> `__aligned_u64` on
//! i386). That moves the record only where it is embedded at an offset the new alignment rounds
//! up, and there the embedding record's own offsets change and are reported as breaks; so this
//! is a note.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "record-align-changed",
    summary: "a record's alignment changed",
    severity: Severity::Note,
    hint: "use __aligned_u64 for 64-bit members and make padding explicit",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        if d.old.align_bytes != d.new.align_bytes {
            out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: None, old: Some(d.old.align_bytes.to_string()), new: Some(d.new.align_bytes.to_string()), message: format!(
                    "alignment of {} changed from {} to {}: records and arrays embedding it may place it differently (any record in this set that moved is reported on its own)",
                    d.new.name, d.old.align_bytes, d.new.align_bytes
                ) });
        }
    }
}
