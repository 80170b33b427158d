//! `field-split`: an old member gave up bytes to new members that tile exactly what it gave up:
//! it shrank in place (`__u64 data[2]` -> `data[1]` + `dev_path_len` + `pad` + `reserved`) or was
//! replaced by several members over the same bytes (`__u64 x` -> `__u32 x_lo; __u32 x_hi`). The
//! offsets and the record size stay, so binaries keep their bytes; whether old binaries' values
//! there mean the same is what the tool cannot know, so the finding asks for review.

use super::{list, Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "field-split",
    summary: "a member's bytes were split among new members at the same offsets (needs review)",
    severity: Severity::Api,
    hint: "keep the old name in a union with the new members, and make sure the kernel ignored the bytes given up",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        for s in &d.split {
            let takers: Vec<String> = s
                .takers
                .iter()
                .filter(|t| {
                    !t.name.contains('.')
                        || !s
                            .takers
                            .iter()
                            .any(|u| t.name.starts_with(&format!("{}.", u.name)))
                })
                .map(|t| format!("{} ({})", t.name, t.c_type))
                .collect();
            let (new, what) = match s.kept {
                Some(k) => (
                    format!("{} {} + {}", k.c_type, k.name, list(&takers, 6)),
                    format!(
                        "member {} shrank from {} to {} bytes in place and new members {} took the bytes it gave up",
                        s.old.name,
                        s.old.size_bytes,
                        k.size_bytes,
                        list(&takers, 6)
                    ),
                ),
                None => (
                    list(&takers, 6),
                    format!(
                        "member {} was replaced by {} over exactly its bytes; sources using {} no longer compile",
                        s.old.name,
                        list(&takers, 6),
                        s.old.name
                    ),
                ),
            };
            out.push(
                &RULE,
                Hit {
                    item: &d.new.name,
                    header: &d.new.header,
                    field: Some(&s.old.name),
                    old: Some(format!("{} {}", s.old.c_type, s.old.name)),
                    new: Some(new),
                    message: format!(
                        "{what}: offsets and size are unchanged; needs review: compatible only if the kernel never read those bytes from old binaries (or they mean the same)"
                    ),
                },
            );
        }
    }
}
