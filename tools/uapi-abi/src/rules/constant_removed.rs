//! `constant-removed`: a `#define` or enumerator (other than an ioctl number) is gone.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "constant-removed",
    summary: "a constant or enumerator was removed",
    severity: Severity::Break,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for c in p.removed_constants().filter(|c| c.ioctl.is_none()) {
        if super::constant_renamed::renamed_to(p, c).is_some() {
            continue;
        }
        out.push(
            &RULE,
            &c.name,
            &c.header,
            None,
            Some(c.value.to_string()),
            None,
            format!(
                "{} (value {}) was removed: sources using it no longer compile, and the value may now be refused or reused",
                c.name, c.value
            ),
        );
    }
}
