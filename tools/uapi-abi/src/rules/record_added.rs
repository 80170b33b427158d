//! `record-added`: a new struct or union.

use super::{bytes, Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "record-added",
    summary: "a struct or union was added",
    severity: Severity::Compatible,
    hint: "nothing to fix",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for r in p.added_records() {
        out.push(
            &RULE,
            Hit {
                item: &r.name,
                header: &r.header,
                field: None,
                old: None,
                new: Some(format!("size {}", r.size_bytes)),
                message: format!("{} was added ({})", r.name, bytes(r.size_bytes)),
            },
        );
    }
}
