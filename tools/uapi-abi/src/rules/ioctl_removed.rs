//! `ioctl-removed`: an ioctl number is gone.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "ioctl-removed",
    summary: "an ioctl was removed",
    severity: Severity::Break,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for c in p.removed_constants().filter(|c| c.ioctl.is_some()) {
        out.push(
            &RULE,
            &c.name,
            &c.header,
            None,
            Some(format!("{:#x}", c.value)),
            None,
            format!(
                "ioctl {} ({:#x}) was removed: old binaries calling it now get an error",
                c.name, c.value
            ),
        );
    }
}
