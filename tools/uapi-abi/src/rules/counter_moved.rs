//! `counter-moved`: a counter (`*_MAX`, `*_NUM`, `*_LAST`, ...) moved, as counters do when entries
//! are added. Reported apart from real breaks: only code that sizes arrays by it is affected.

use super::{Out, Rule};
use crate::diff::{is_counter_name, Pair};
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "counter-moved",
    summary: "a *_MAX/*_NUM/*_LAST counter moved",
    severity: Severity::Note,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.changed_constants() {
        if o.ioctl.is_some() || n.ioctl.is_some() || !is_counter_name(&n.name) {
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
                "counter {} moved from {} to {}; expected when entries are added, but arrays sized by it differ between old and new binaries",
                n.name, o.value, n.value
            ),
        );
    }
}
