//! `field-type-changed`: a member keeps its offset and size but its C type changed (signedness,
//! another struct of the same size). Binaries keep their bytes; sources may not compile or may
//! mean something else.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "field-type-changed",
    summary: "a member's type changed at the same offset and size",
    severity: Severity::Api,
    hint: "keep the old type, or check that every user still compiles and means the same",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (o, n) in &d.retyped {
            out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: Some(&n.name), old: Some(o.c_type.clone()), new: Some(n.c_type.clone()), message: format!(
                    "type of {} changed from {} to {} at the same offset and size: binaries are unaffected, sources may not compile or may change meaning",
                    n.name, o.c_type, n.c_type
                ) });
        }
    }
}
