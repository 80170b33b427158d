//! `field-renamed`: a member has a new name at the same offset, size and type. Binaries keep
//! working; sources that use the old name stop compiling.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "field-renamed",
    summary: "a member was renamed at the same offset, size and type",
    severity: Severity::Api,
    hint: "keep the old name in a union with the new one",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (o, n) in &d.renamed {
            out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: Some(&o.name), old: Some(o.name.clone()), new: Some(n.name.clone()), message: format!(
                    "member {} was renamed to {} at the same offset and type: binaries are unaffected, sources using the old name no longer compile",
                    o.name, n.name
                ) });
        }
    }
}
