//! `record-added`: a new struct or union.

use super::{bytes, Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "record-added",
    summary: "a struct or union was added",
    severity: Severity::Compatible,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for r in p.added_records() {
        out.push(
            &RULE,
            &r.name,
            &r.header,
            None,
            None,
            Some(format!("size {}", r.size_bytes)),
            format!("{} was added ({})", r.name, bytes(r.size_bytes)),
        );
    }
}
