//! `union-member-grew`: an alternative of a union grew inside the union, which kept its size
//! (`v4l2_format.fmt.meta` 8 -> 20 bytes inside the 200-byte `fmt`), and a record that grew at its
//! tail but is only used as such an alternative. Old binaries still pass the whole union; they may
//! leave anything in the bytes the alternative took, so it needs review: the kernel must read them
//! only for a new format, type or flag.

use super::{bytes, Out, Rule};
use crate::diff::{record_of, Pair};
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "union-member-grew",
    summary: "a union alternative grew inside a union that kept its size (needs review)",
    severity: Severity::Note,
    hint: "read the new bytes only for a new type, format or flag, since old binaries may leave anything there",
    check,
};

/// The union alternatives, as `struct x.path`, through which the new layout embeds `record`, when
/// every embedding of it is an alternative that grew inside a union keeping its size. Empty when
/// any embedding is something else (or there is none).
pub fn only_in_union_room(p: &Pair<'_>, record: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for outer in p.new.records.values() {
        for f in &outer.fields {
            if record_of(&f.c_type) != Some(record) {
                continue;
            }
            let grown = p
                .records
                .get(outer.name.as_str())
                .is_some_and(|d| d.union_grown.iter().any(|(_, n)| n.name == f.name));
            if !grown {
                return Vec::new();
            }
            paths.push(format!("{}.{}", outer.name, f.name));
        }
    }
    paths
}

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (o, n) in &d.union_grown {
            let parent = n
                .name
                .rsplit_once('.')
                .map_or(d.new.name.as_str(), |(x, _)| x);
            let room = d
                .new
                .field(parent)
                .map_or(d.new.size_bytes, |f| f.size_bytes);
            out.push(
                &RULE,
                Hit {
                    item: &d.new.name,
                    header: &d.new.header,
                    field: Some(&n.name),
                    old: Some(o.size_bytes.to_string()),
                    new: Some(n.size_bytes.to_string()),
                    message: format!(
                        "union alternative {} ({}) grew from {} to {} inside {parent}, which keeps its {}: old binaries still pass the whole union, but may leave anything in the new bytes; needs review: the kernel must read them only for a new type or flag",
                        n.name,
                        n.c_type,
                        bytes(o.size_bytes),
                        bytes(n.size_bytes),
                        bytes(room)
                    ),
                },
            );
        }
    }
    for d in p.records.values() {
        if !d.grew_at_tail() || p.size_carrier(d.new).is_some() {
            continue;
        }
        let paths = only_in_union_room(p, &d.new.name);
        if paths.is_empty() || !p.sized_ioctls_carrying(&d.new.name).is_empty() {
            continue;
        }
        out.push(
            &RULE,
            Hit {
                item: &d.new.name,
                header: &d.new.header,
                field: None,
                old: Some(d.old.size_bytes.to_string()),
                new: Some(d.new.size_bytes.to_string()),
                message: format!(
                    "{} grew at its tail from {} to {}, but it is only used as a union alternative with room to spare ({}); needs review: code that uses it on its own would see the new size",
                    d.new.name,
                    bytes(d.old.size_bytes),
                    bytes(d.new.size_bytes),
                    super::list(&paths, 4)
                ),
            },
        );
    }
}
