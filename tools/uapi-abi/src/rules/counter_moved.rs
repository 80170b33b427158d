//! `counter-moved`: a counter (`*_MAX`, `*_NUM`, `*_LAST`, ...) moved, as counters do when entries
//! are added. Reported apart from real breaks: only code that sizes arrays by it is affected.

use super::{classify, ValueChange};
use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "counter-moved",
    summary: "a counter or end marker (*_MAX, *_NUM, NUM_*, MAX_*, *_END, *_NBITS, ...) moved",
    severity: Severity::Note,
    hint: "nothing to fix if no record or binary sizes an array by it",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.changed_constants() {
        let ValueChange::Counter(known) = classify(p, o, n) else {
            continue;
        };
        let why = known.map_or(String::new(), |e| e.reason());
        out.push(&RULE, Hit::constant(n, o.value.to_string(), n.value.to_string(), format!(
                "counter {} moved from {} to {}{why}; expected when entries are added, but arrays sized by it differ between old and new binaries",
                n.name, o.value, n.value
            )));
    }
}
