//! `record-kind-changed`: a struct became a union or the reverse.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "record-kind-changed",
    summary: "a struct became a union or a union a struct",
    severity: Severity::Break,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.kind_changed() {
        out.push(
            &RULE,
            &n.name,
            &n.header,
            None,
            Some(o.name.clone()),
            Some(n.name.clone()),
            format!(
                "{} became {}: its members now overlap differently, and sources naming it no longer compile",
                o.name, n.name
            ),
        );
    }
}
