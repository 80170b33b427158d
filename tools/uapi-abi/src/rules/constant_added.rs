//! `constant-added`: a new constant or enumerator (not an ioctl).

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "constant-added",
    summary: "a constant or enumerator was added",
    severity: Severity::Compatible,
    hint: "nothing to fix",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for c in p.added_constants().filter(|c| c.ioctl.is_none()) {
        if super::constant_renamed::renamed_from(p, c).is_some() {
            continue;
        }
        out.push(
            &RULE,
            Hit {
                item: &c.name,
                header: &c.header,
                field: None,
                old: None,
                new: Some(c.value.to_string()),
                message: format!("{} was added (value {})", c.name, c.value),
            },
        );
    }
}
