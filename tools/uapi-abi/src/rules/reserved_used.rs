//! `reserved-used`: new members took over a reserved field. The kernel's convention: compatible
//! when the kernel rejected non-zero reserved bytes before, so old binaries passed zero.

use super::{classify, list, Out, Rule, ValueChange};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "reserved-used",
    summary: "new members took over reserved bytes or bits (a reserved field, bitfield or reserved-bits mask)",
    severity: Severity::Compatible,
    hint: "make sure the kernel rejected non-zero reserved values before the change",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (r, users) in &d.reserved_used {
            let names: Vec<&str> = users.iter().map(|f| f.name.as_str()).collect();
            out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: Some(&r.name), old: Some(format!("{} {}", r.c_type, r.name)), new: Some(list(&names, 6)), message: format!(
                    "reserved member {} (offset {}) now holds {}: compatible only if the kernel rejected non-zero values there before",
                    r.name,
                    r.offset_bytes,
                    list(&names, 6)
                ) });
        }
    }
    for (o, n) in p.changed_constants() {
        if classify(p, o, n) != ValueChange::ReservedGaveUp {
            continue;
        }
        out.push(
            &RULE,
            Hit {
                item: &n.name,
                header: &n.header,
                field: None,
                old: Some(format!("{:#x}", o.value)),
                new: Some(format!("{:#x}", n.value)),
                message: format!(
                    "reserved-bits mask {} gave up bits {:#x} (from {:#x} to {:#x}) to new flags: compatible only if the kernel rejected or ignored those bits before",
                    n.name,
                    o.value & !n.value,
                    o.value,
                    n.value
                ),
            },
        );
    }
}
