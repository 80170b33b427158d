//! `ioctl-added`: a new ioctl number.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "ioctl-added",
    summary: "an ioctl was added",
    severity: Severity::Compatible,
    hint: "nothing to fix",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for c in p.added_constants() {
        let Some(io) = &c.ioctl else { continue };
        out.push(
            &RULE,
            Hit {
                item: &c.name,
                header: &c.header,
                field: None,
                old: None,
                new: Some(format!("{:#x}", c.value)),
                message: format!(
                    "ioctl {} was added ({:#x}, {}{})",
                    c.name,
                    c.value,
                    io.macro_name,
                    io.arg_type
                        .as_deref()
                        .map(|t| format!(" carrying {t}"))
                        .unwrap_or_default()
                ),
            },
        );
    }
}
