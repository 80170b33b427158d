//! `bitfield-changed`: a bitfield's bit position or width changed.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;
use crate::model::Field;

pub const RULE: Rule = Rule {
    id: "bitfield-changed",
    summary: "a bitfield's position or width changed",
    severity: Severity::Break,
    check,
};

fn bits(f: &Field) -> String {
    match f.bits {
        Some(b) => format!("bits {}+{}", b.offset_bits, b.size_bits),
        None => "not a bitfield".into(),
    }
}

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (o, n) in &d.rebitted {
            out.push(
                &RULE,
                &d.new.name,
                &d.new.header,
                Some(&n.name),
                Some(bits(o)),
                Some(bits(n)),
                format!(
                    "bitfield {} changed from {} to {}: old binaries test and set other bits",
                    n.name,
                    bits(o),
                    bits(n)
                ),
            );
        }
    }
}
