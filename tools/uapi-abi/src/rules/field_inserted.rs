//! `field-inserted`: a member was added among existing ones and moved them, e.g. `argsz` inserted
//! at offset 0 of a struct that had none.

use super::{list, Out, Rule};
use crate::diff::{overlapped_by, Pair, Placement};
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "field-inserted",
    summary: "a member was inserted before existing members, which moved",
    severity: Severity::Break,
    hint: "add new members at the tail, behind a size carrier, so existing offsets stay put",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        let moved: Vec<&str> = d.moved.iter().map(|(o, _)| o.name.as_str()).collect();
        for (f, placement) in &d.added {
            if *placement != Placement::Inserted {
                continue;
            }
            let message = if moved.is_empty() {
                let users: Vec<&str> = overlapped_by(d.old, f)
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect();
                format!(
                    "member {} ({}) was added at offset {}, in bytes old binaries use for {}",
                    f.name,
                    f.c_type,
                    f.offset_bytes,
                    list(&users, 8)
                )
            } else {
                format!(
                    "member {} ({}) was inserted at offset {}; {} existing member{} moved ({}): old binaries put them at the old offsets",
                    f.name,
                    f.c_type,
                    f.offset_bytes,
                    moved.len(),
                    if moved.len() == 1 { "" } else { "s" },
                    list(&moved, 8)
                )
            };
            out.push(
                &RULE,
                Hit {
                    item: &d.new.name,
                    header: &d.new.header,
                    field: Some(&f.name),
                    old: None,
                    new: Some(format!("{} at offset {}", f.c_type, f.offset_bytes)),
                    message,
                },
            );
        }
    }
}
