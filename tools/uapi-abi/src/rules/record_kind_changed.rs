//! `record-kind-changed`: a struct became a union or the reverse.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "record-kind-changed",
    summary: "a struct became a union or a union a struct",
    severity: Severity::Break,
    hint: "keep the old member as it was and add a new one at the tail",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.kind_changed() {
        out.push(&RULE, Hit { item: &n.name, header: &n.header, field: None, old: Some(o.name.clone()), new: Some(n.name.clone()), message: format!(
                "{} became {}: its members now overlap differently, and sources naming it no longer compile",
                o.name, n.name
            ) });
    }
}
