//! `record-removed`: a struct or union userspace could name is gone.

use super::{bytes, Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "record-removed",
    summary: "a struct or union was removed",
    severity: Severity::Break,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for r in p.removed_records() {
        out.push(
            &RULE,
            &r.name,
            &r.header,
            None,
            Some(format!("size {}", r.size_bytes)),
            None,
            format!(
                "{} ({}) was removed; programs built with it no longer compile and the ioctls that took it are gone",
                r.name,
                bytes(r.size_bytes)
            ),
        );
    }
}
