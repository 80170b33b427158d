//! `flags-mask-grew`: a mask of every known flag (`*_MASK`, `*_SUPPORTED`, `*_ALL`, `*_VALID*`,
//! `*_FLAGS_ALL`, or a knowledge-base `known-flags-mask`) kept every old bit and gained new ones,
//! as it does when flags are added. A mask that loses a bit stays a `constant-changed` break.

use super::{classify, Out, Rule, ValueChange};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "flags-mask-grew",
    summary: "a mask of all known flags gained flags and kept every old one",
    severity: Severity::Note,
    hint: "nothing to fix if the mask lists known flags; if it masks a field that widened, old binaries decode it with the old width",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.changed_constants() {
        let ValueChange::FlagsGrew(known) = classify(p, o, n) else {
            continue;
        };
        let why = known.map_or(String::new(), |e| e.reason());
        out.push(
            &RULE,
            Hit::constant(n, format!("{:#x}", o.value), format!("{:#x}", n.value), format!(
                    "mask {} grew from {:#x} to {:#x}, keeping every old bit{why}: expected when flags are added; old binaries know fewer flags (needs review only if it masks a field that widened)",
                    n.name, o.value, n.value
                )),
        );
    }
}
