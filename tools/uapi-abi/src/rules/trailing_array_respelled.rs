//! `trailing-array-respelled`: an old trailing `[0]`/`[1]` array is no longer listed while the
//! record keeps its size, usually because it became a `__DECLARE_FLEX_ARRAY` member of a union
//! (`usb_string_descriptor.wData`: `__le16 wData[1]` -> `union { __le16 legacy_padding;
//! __DECLARE_FLEX_ARRAY(__le16, wData); }`), whose flexible array the layout cannot list. The
//! same bytes are there; only the spelling changed. The tool cannot see the new array, so it asks
//! for review instead of reporting a removal.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "trailing-array-respelled",
    summary: "a trailing [0]/[1] array is spelled another way over the same bytes (needs review)",
    severity: Severity::Note,
    hint: "nothing to fix if it became a __DECLARE_FLEX_ARRAY of the same name; otherwise keep the old name",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for (o, over) in &d.respelled {
            let over_text = over.map_or(String::new(), |n| {
                format!(", and {} ({}) now covers its bytes", n.name, n.c_type)
            });
            out.push(
                &RULE,
                Hit {
                    item: &d.new.name,
                    header: &d.new.header,
                    field: Some(&o.name),
                    old: Some(format!("{} at offset {}", o.c_type, o.offset_bytes)),
                    new: over.map(|n| format!("{} {}", n.c_type, n.name)),
                    message: format!(
                        "trailing array {} ({} at offset {}) is no longer listed while {} keeps its size of {} bytes{over_text}: the usual cause is __DECLARE_FLEX_ARRAY inside a union, which keeps the name and the bytes; needs review: the layout cannot show that flexible array",
                        o.name, o.c_type, o.offset_bytes, d.new.name, d.new.size_bytes
                    ),
                },
            );
        }
    }
}
