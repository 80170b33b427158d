//! `ioctl-removed`: an ioctl number is gone.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "ioctl-removed",
    summary: "an ioctl was removed",
    severity: Severity::Break,
    hint: "keep it (documented as deprecated), or add a waiver with the reason if nothing uses it",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for c in p.removed_constants().filter(|c| c.ioctl.is_some()) {
        out.push(
            &RULE,
            Hit {
                item: &c.name,
                header: &c.header,
                field: None,
                old: Some(format!("{:#x}", c.value)),
                new: None,
                message: format!(
                    "ioctl {} ({:#x}) was removed: old binaries calling it now get an error",
                    c.name, c.value
                ),
            },
        );
    }
}
