//! `bitfield-changed`: a bitfield's bit position or width changed.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};
use crate::model::Field;

pub const RULE: Rule = Rule {
    id: "bitfield-changed",
    summary: "a bitfield's position or width changed",
    severity: Severity::Break,
    hint: "keep the old member as it was and add a new one at the tail",
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
                Hit {
                    item: &d.new.name,
                    header: &d.new.header,
                    field: Some(&n.name),
                    old: Some(bits(o)),
                    new: Some(bits(n)),
                    message: format!(
                        "bitfield {} changed from {} to {}: old binaries test and set other bits",
                        n.name,
                        bits(o),
                        bits(n)
                    ),
                },
            );
        }
    }
}
