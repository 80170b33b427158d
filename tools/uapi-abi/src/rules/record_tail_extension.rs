//! `record-tail-extension`: a record whose size travels with it grew at its tail, the kernel's
//! documented way to extend a struct: an `argsz`/`size`/`len`/`length` member in its first 8 bytes
//! (`perf_event_attr.size` is the second member), or a knowledge-base `size-carrier` (getsockopt's
//! optlen, a syscall's size argument, a netlink attribute's length, the BPF verifier).

use super::{list, Out, Rule};
use crate::diff::{Pair, Placement};
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "record-tail-extension",
    summary: "a record whose size travels with it (argsz/size/len member, or out of band) grew at its tail",
    severity: Severity::Compatible,
    hint: "make sure the kernel treats a shorter caller's missing tail as zero",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        if !d.grew_at_tail() || !p.sized_ioctls_carrying(&d.new.name).is_empty() {
            continue;
        }
        let Some(carrier) = p.size_carrier(d.new) else {
            continue;
        };
        let mut grown: Vec<String> = d
            .added
            .iter()
            .filter(|(_, pl)| *pl == Placement::Tail)
            .map(|(f, _)| f.name.clone())
            .collect();
        grown.extend(
            d.tail_resized
                .iter()
                .map(|(_, n)| format!("{} (grew)", n.name)),
        );
        out.push(&RULE, Hit { item: &d.new.name, header: &d.new.header, field: None, old: Some(d.old.size_bytes.to_string()), new: Some(d.new.size_bytes.to_string()), message: format!(
                "{} grew at its tail from {} to {} bytes ({}); its size travels with it ({}), so old binaries pass the old size and the kernel must treat the missing tail as zero",
                d.new.name,
                d.old.size_bytes,
                d.new.size_bytes,
                if grown.is_empty() { "tail padding".to_string() } else { list(&grown, 6) },
                carrier.describe()
            ) });
    }
}
