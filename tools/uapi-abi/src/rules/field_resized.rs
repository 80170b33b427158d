//! `field-resized`: a member's size changed (other than the last member growing with its record).

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "field-resized",
    summary: "a member's size changed",
    severity: Severity::Break,
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
            out.push(
                &RULE,
                &d.new.name,
                &d.new.header,
                Some(&n.name),
                Some(o.size_bytes.to_string()),
                Some(n.size_bytes.to_string()),
                format!(
                    "size of {} ({types}) changed from {} to {}: old binaries read and write the old width",
                    n.name, o.size_bytes, n.size_bytes
                ),
            );
        }
    }
}
