//! `constant-renamed`: a constant disappeared and one whose name keeps the old name's words appeared
//! in the same header with the same value (`VFIO_TYPE1_NESTING_IOMMU` ->
//! `__VFIO_RESERVED_TYPE1_NESTING_IOMMU`). Binaries keep the value; sources using the old name
//! stop compiling.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::Severity;
use crate::model::Constant;

pub const RULE: Rule = Rule {
    id: "constant-renamed",
    summary: "a constant was renamed, keeping its value",
    severity: Severity::Api,
    check,
};

/// The added constant that renames the removed constant `old`, if any.
pub fn renamed_to<'a>(p: &Pair<'a>, old: &Constant) -> Option<&'a Constant> {
    p.added_constants().find(|n| {
        n.value == old.value
            && n.header == old.header
            && n.ioctl.is_none()
            && keeps_words(&old.name, &n.name)
    })
}

/// True when the words of `old` appear in order in `new`, with at most two words added.
fn keeps_words(old: &str, new: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split('_')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (o, n) = (words(old), words(new));
    if o.is_empty() || n.len() > o.len() + 2 {
        return false;
    }
    let mut it = n.iter();
    o.iter().all(|w| it.any(|x| x == w))
}

/// The removed constant that the added constant `new` renames, if any.
pub fn renamed_from<'a>(p: &Pair<'a>, new: &Constant) -> Option<&'a Constant> {
    p.removed_constants()
        .filter(|o| o.ioctl.is_none())
        .find(|o| renamed_to(p, o).is_some_and(|n| n.name == new.name))
}

fn check(p: &Pair<'_>, out: &mut Out) {
    for o in p.removed_constants().filter(|c| c.ioctl.is_none()) {
        let Some(n) = renamed_to(p, o) else { continue };
        out.push(
            &RULE,
            &o.name,
            &n.header,
            None,
            Some(o.name.clone()),
            Some(n.name.clone()),
            format!(
                "{} was renamed to {} with the same value {}: binaries are unaffected, sources using the old name no longer compile",
                o.name, n.name, n.value
            ),
        );
    }
}
