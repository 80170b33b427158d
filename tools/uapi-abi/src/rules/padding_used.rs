//! `padding-used`: a new member took over implicit padding. Compatible only if the kernel already
//! required those bytes to be zero (it cannot have, for padding it never looked at), so it is
//! noted for review.

use super::{Out, Rule};
use crate::diff::{is_reserved_name, Pair, Placement};
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "padding-used",
    summary: "a new member took over implicit padding",
    severity: Severity::Compatible,
    hint: "read the new member only under a new flag, since old binaries leave garbage there",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (f, placement) in &d.added {
            if *placement == Placement::Padding {
                let consequence = if is_reserved_name(&f.name) {
                    "padding made explicit: old binaries may leave garbage there, so the kernel must not insist on zero from callers with the old size"
                } else {
                    "old binaries may leave garbage there, so the kernel must only read it under a new flag"
                };
                out.push(
                    &RULE,
                    Hit {
                        item: &d.new.name,
                        header: &d.new.header,
                        field: Some(&f.name),
                        old: None,
                        new: Some(format!("{} at offset {}", f.c_type, f.offset_bytes)),
                        message: format!(
                            "new member {} ({}) uses implicit padding at offset {}: {consequence}",
                            f.name, f.c_type, f.offset_bytes
                        ),
                    },
                );
            }
        }
    }
}
