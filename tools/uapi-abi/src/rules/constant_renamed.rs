//! `constant-renamed`: a constant disappeared and one whose name keeps the old name's words appeared
//! in the same header with the same value (`VFIO_TYPE1_NESTING_IOMMU` ->
//! `__VFIO_RESERVED_TYPE1_NESTING_IOMMU`). Binaries keep the value; sources using the old name
//! stop compiling.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};
use crate::model::Constant;

pub const RULE: Rule = Rule {
    id: "constant-renamed",
    summary: "a constant was renamed, keeping its value",
    severity: Severity::Api,
    hint: "keep the old name as an alias of the new one",
    check,
};

/// The added constant that renames the removed constant `old`, if any.
pub fn renamed_to<'a>(p: &Pair<'a>, old: &Constant) -> Option<&'a Constant> {
    p.renamed_to.get(old.name.as_str()).copied()
}

/// The removed constant that the added constant `new` renames, if any.
pub fn renamed_from<'a>(p: &Pair<'a>, new: &Constant) -> Option<&'a Constant> {
    p.renamed_from.get(new.name.as_str()).copied()
}

fn check(p: &Pair<'_>, out: &mut Out) {
    for o in p.removed_constants().filter(|c| c.ioctl.is_none()) {
        let Some(n) = renamed_to(p, o) else { continue };
        out.push(&RULE, Hit { item: &o.name, header: &n.header, field: None, old: Some(o.name.clone()), new: Some(n.name.clone()), message: format!(
                "{} was renamed to {} with the same value {}: binaries are unaffected, sources using the old name no longer compile",
                o.name, n.name, n.value
            ) });
    }
}
