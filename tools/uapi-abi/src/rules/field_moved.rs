//! `field-moved`: a member's offset changed (when no inserted member explains it, the move is
//! reported here; otherwise `field-inserted` lists the moved members).

use super::{Out, Rule};
use crate::diff::{Pair, Placement};
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "field-moved",
    summary: "a member's offset changed",
    severity: Severity::Break,
    hint: "add new members at the tail, behind a size carrier, so existing offsets stay put",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        if d.added.iter().any(|(_, pl)| *pl == Placement::Inserted) {
            continue;
        }
        for (o, n) in &d.moved {
            out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: Some(&n.name), old: Some(o.offset_bytes.to_string()), new: Some(n.offset_bytes.to_string()), message: format!(
                    "offset of {} changed from {} to {}: old binaries read and write it at the old offset",
                    n.name, o.offset_bytes, n.offset_bytes
                ) });
        }
    }
}
