//! `constant-removed`: a `#define` or enumerator (other than an ioctl number) is gone.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "constant-removed",
    summary: "a constant or enumerator was removed",
    severity: Severity::Break,
    hint: "keep it (documented as deprecated), or add a waiver with the reason if nothing uses it",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for c in p.removed_constants().filter(|c| c.ioctl.is_none()) {
        if super::constant_renamed::renamed_to(p, c).is_some() || is_not_interface(&c.name, c.value)
        {
            continue;
        }
        out.push(&RULE, Hit { item: &c.name, header: &c.header, field: None, old: Some(c.value.to_string()), new: None, message: format!(
                "{} (value {}) was removed: sources using it no longer compile, and the value may now be refused or reused",
                c.name, c.value
            ) });
    }
}

/// Names that coordinate headers rather than describe an interface: `__UAPI_DEF_*` guards,
/// which linux/libc-compat.h and the C library set to agree on who defines a type
/// (<https://github.com/torvalds/linux/blob/v6.12/include/uapi/linux/libc-compat.h>), and include
/// guards (`_ASM_X86_UNISTD_64_H`, defined as 1). Removing one breaks no program.
fn is_not_interface(name: &str, value: i128) -> bool {
    name.starts_with("__UAPI_DEF_") || (name.ends_with("_H") && name.starts_with('_') && value == 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn guards_are_not_interfaces() {
        assert!(super::is_not_interface("__UAPI_DEF_SOCKADDR_IPX", 0));
        assert!(super::is_not_interface("_ASM_X86_UNISTD_64_H", 1));
        assert!(!super::is_not_interface("_ASM_X86_UNISTD_64_H", 2));
        assert!(!super::is_not_interface("VFIO_TYPE1_IOMMU", 1));
    }
}
