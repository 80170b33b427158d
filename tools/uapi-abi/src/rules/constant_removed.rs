//! `constant-removed`: a `#define` or enumerator (other than an ioctl number) is gone.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "constant-removed",
    summary: "a constant or enumerator was removed",
    severity: Severity::Break,
    hint: "keep it (documented as deprecated), or add a waiver with the reason if nothing uses it",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for c in p.removed_constants().filter(|c| c.ioctl.is_none()) {
        if super::constant_renamed::renamed_to(p, c).is_some() {
            continue;
        }
        out.push(&RULE, Hit { item: &c.name, header: &c.header, field: None, old: Some(c.value.to_string()), new: None, message: format!(
                "{} (value {}) was removed: sources using it no longer compile, and the value may now be refused or reused",
                c.name, c.value
            ) });
    }
}
