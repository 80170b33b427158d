//! `record-removed`: a struct or union userspace could name is gone.

use super::{bytes, Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "record-removed",
    summary: "a struct or union was removed",
    severity: Severity::Break,
    hint: "keep it (documented as deprecated), or add a waiver with the reason if nothing uses it",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for r in p.removed_records() {
        out.push(&RULE, Hit { item: &r.name, header: &r.header, field: None, old: Some(format!("size {}", r.size_bytes)), new: None, message: format!(
                "{} ({}) was removed; programs built with it no longer compile and the ioctls that took it are gone",
                r.name,
                bytes(r.size_bytes)
            ) });
    }
}
