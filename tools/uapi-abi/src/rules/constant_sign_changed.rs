//! `constant-sign-changed`: a constant kept its 32 bits but is now read with the other
//! signedness (`EPOLLET` spelled `(1 << 31)`, -2147483648, then `(1U << 31)`, 2147483648).
//! Binaries pass the same bits; sources that widen it to 64 bits may see another number.

use super::{classify, Out, Rule, ValueChange};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "constant-sign-changed",
    summary: "a constant kept its 32 bits but changed signedness",
    severity: Severity::Note,
    hint: "nothing to fix for binaries; check sources that widen it to 64 bits or compare it with signed values",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.changed_constants() {
        if classify(p, o, n) != ValueChange::SameBits {
            continue;
        }
        out.push(
            &RULE,
            Hit {
                item: &n.name,
                header: &n.header,
                field: None,
                old: Some(o.value.to_string()),
                new: Some(n.value.to_string()),
                message: format!(
                    "{} changed from {} to {}, the same 32 bits ({:#x}) read with the other signedness: binaries pass the same bits; needs review only for sources that widen it to 64 bits",
                    n.name, o.value, n.value, o.value as u32
                ),
            },
        );
    }
}
