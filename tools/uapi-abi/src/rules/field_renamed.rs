//! `field-renamed`: a member has a new name at the same offset, size and type. Binaries keep
//! working; sources that use the old name stop compiling.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "field-renamed",
    summary: "a member was renamed at the same offset, size and type",
    severity: Severity::Api,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (o, n) in &d.renamed {
            out.push(
                &RULE,
                &d.new.name,
                &d.new.header,
                Some(&o.name),
                Some(o.name.clone()),
                Some(n.name.clone()),
                format!(
                    "member {} was renamed to {} at the same offset and type: binaries are unaffected, sources using the old name no longer compile",
                    o.name, n.name
                ),
            );
        }
    }
}
