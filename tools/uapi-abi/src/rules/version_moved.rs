//! `version-moved`: a version number (`*_VERSION`, `*_VERSION_MINOR`, `*_MINOR_VERSION`,
//! `*_SUBVERSION`, linux/version.h ...) moved, as versions do with releases. Old binaries keep
//! announcing or expecting the old version, which is how the interface tells them apart.

use super::{classify, Out, Rule, ValueChange};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "version-moved",
    summary: "a version number moved, as versions do with releases",
    severity: Severity::Note,
    hint: "nothing to fix if the kernel keeps accepting the old version",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.changed_constants() {
        let ValueChange::Version(known) = classify(p, o, n) else {
            continue;
        };
        let why = known.map_or(String::new(), |e| e.reason());
        out.push(
            &RULE,
            Hit::constant(n, o.value.to_string(), n.value.to_string(), format!(
                    "version {} moved from {} to {}{why}; versions are meant to move: old binaries keep the old number, which the kernel must keep accepting",
                    n.name, o.value, n.value
                )),
        );
    }
}
