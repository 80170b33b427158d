//! `record-size-changed`: a record shrank, grew anywhere but its tail, grew at its tail without an
//! size carrier (an `argsz`/`size`/`len` member in its first 8 bytes, or a knowledge-base
//! `size-carrier`), or grew while an `_IOR`/`_IOW`/`_IOWR` ioctl carries it.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "record-size-changed",
    summary: "a record's size changed in a way old binaries cannot survive",
    severity: Severity::Break,
    hint: "grow only at the tail, behind an argsz/size member or another size carrier; for _IOR/_IOW/_IOWR ioctls define a new ioctl number",
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
        } else if p.size_carrier(d.new).is_none() {
            if !super::union_member_grew::only_in_union_room(p, &d.new.name).is_empty()
                && p.sized_ioctls_carrying(&d.new.name).is_empty()
            {
                // Only used as a union alternative with room: `union-member-grew` asks for review.
                continue;
            }
            "it grew at its tail, but nothing carries its size (no argsz/size/len member in its first 8 bytes, no size argument the knowledge base knows), so the kernel cannot tell an old caller's shorter buffer".to_string()
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
            Hit {
                item: &d.new.name,
                header: &d.new.header,
                field: None,
                old: Some(old.to_string()),
                new: Some(new.to_string()),
                message: format!("size of {} changed from {old} to {new}: {why}", d.new.name),
            },
        );
    }
}
