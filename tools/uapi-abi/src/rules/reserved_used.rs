//! `reserved-used`: new members took over a reserved field. The kernel's convention: compatible
//! when the kernel rejected non-zero reserved bytes before, so old binaries passed zero.

use super::{list, Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "reserved-used",
    summary: "new members took over a reserved field",
    severity: Severity::Compatible,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (r, users) in &d.reserved_used {
            let names: Vec<&str> = users.iter().map(|f| f.name.as_str()).collect();
            out.push(
                &RULE,
                &d.new.name,
                &d.new.header,
                Some(&r.name),
                Some(format!("{} {}", r.c_type, r.name)),
                Some(list(&names, 6)),
                format!(
                    "reserved member {} (offset {}) now holds {}: compatible only if the kernel rejected non-zero values there before",
                    r.name,
                    r.offset_bytes,
                    list(&names, 6)
                ),
            );
        }
    }
}
