//! `constant-sign-changed`: a constant kept its 32 (or 64) bits but is now read with the other
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
        // `EPOLLET` kept 32 bits (`(1 << 31)` then `(1U << 31)`); `SVM_EXIT_ERR` 64 (`-1` then
        // `-1ull`).
        let fits32 = |v: i128| (i128::from(i32::MIN)..=i128::from(u32::MAX)).contains(&v);
        let (bits, pattern) = if fits32(o.value) && fits32(n.value) {
            (32, format!("{:#x}", o.value as u32))
        } else {
            (64, format!("{:#x}", o.value as u64))
        };
        out.push(
            &RULE,
            Hit::constant(n, o.value.to_string(), n.value.to_string(), format!(
                    "{} changed from {} to {}, the same {bits} bits ({pattern}) read with the other signedness: binaries pass the same bits; needs review only for sources that widen it or compare it with signed values",
                    n.name, o.value, n.value
                )),
        );
    }
}
