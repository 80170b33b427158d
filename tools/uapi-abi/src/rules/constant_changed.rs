//! `constant-changed`: a constant or enumerator (not a counter, not an ioctl) has a new value, or
//! its name was reused for another value. Old binaries keep the old value compiled in.

use super::{Out, Rule};
use crate::diff::{is_counter_name, Pair};
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "constant-changed",
    summary: "a constant's value changed",
    severity: Severity::Break,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.changed_constants() {
        if o.ioctl.is_some() || n.ioctl.is_some() || is_counter_name(&n.name) {
            continue;
        }
        out.push(
            &RULE,
            &n.name,
            &n.header,
            None,
            Some(o.value.to_string()),
            Some(n.value.to_string()),
            format!(
                "{} changed from {} to {}: old binaries pass the old value compiled in",
                n.name, o.value, n.value
            ),
        );
    }
}
