//! `field-resized`: a member's size changed (other than the last member growing with its record).

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "field-resized",
    summary: "a member's size changed",
    severity: Severity::Break,
    hint: "keep the old member as it was and add a new one at the tail",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (o, n) in &d.resized {
            let types = if o.c_type == n.c_type {
                o.c_type.clone()
            } else {
                format!("{} -> {}", o.c_type, n.c_type)
            };
            out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: Some(&n.name), old: Some(o.size_bytes.to_string()), new: Some(n.size_bytes.to_string()), message: format!(
                    "size of {} ({types}) changed from {} to {}: old binaries read and write the old width",
                    n.name, o.size_bytes, n.size_bytes
                ) });
        }
    }
}
