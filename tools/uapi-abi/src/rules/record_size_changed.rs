//! `record-size-changed`: a record shrank, grew anywhere but its tail, grew at its tail without an
//! `argsz`/`size` first member, or grew while an `_IOR`/`_IOW`/`_IOWR` ioctl carries it.

use super::{Out, Rule};
use crate::diff::{is_extensible, Pair};
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "record-size-changed",
    summary: "a record's size changed in a way old binaries cannot survive",
    severity: Severity::Break,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        let (old, new) = (d.old.size_bytes, d.new.size_bytes);
        if old == new {
            continue;
        }
        let why = if new < old {
            "it shrank: old binaries pass more bytes than the kernel reads and read back fields that are gone".to_string()
        } else if !d.grew_at_tail() {
            "it grew, but not only at its tail: members old binaries use moved or changed"
                .to_string()
        } else if !is_extensible(d.new) {
            "it grew at its tail, but has no argsz/size first member, so the kernel cannot tell an old caller's shorter buffer".to_string()
        } else {
            let ioctls = p.sized_ioctls_carrying(&d.new.name);
            let Some(first) = ioctls.first() else {
                continue;
            };
            let macro_name = first
                .ioctl
                .as_ref()
                .map_or("_IOW", |io| io.macro_name.as_str());
            format!(
                "it grew at its tail, but {} is defined with {macro_name}, whose number encodes the size, so old binaries' number is no longer recognised",
                first.name
            )
        };
        out.push(
            &RULE,
            &d.new.name,
            &d.new.header,
            None,
            Some(old.to_string()),
            Some(new.to_string()),
            format!("size of {} changed from {old} to {new}: {why}", d.new.name),
        );
    }
}
