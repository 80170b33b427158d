//! `constant-changed`: a constant or enumerator (not a counter, not an ioctl) has a new value, or
//! its name was reused for another value. Old binaries keep the old value compiled in.

use super::{classify, ValueChange};
use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "constant-changed",
    summary: "a constant's value changed",
    severity: Severity::Break,
    hint: "keep the old value; add a new name for the new value",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.changed_constants() {
        if classify(p, o, n) != ValueChange::Plain {
            continue;
        }
        out.push(
            &RULE,
            Hit::constant(
                n,
                o.value.to_string(),
                n.value.to_string(),
                format!(
                    "{} changed from {} to {}: old binaries pass the old value compiled in",
                    n.name, o.value, n.value
                ),
            ),
        );
    }
}
