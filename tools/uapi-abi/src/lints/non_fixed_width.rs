//! `non-fixed-width`: a member whose type has no fixed width or layout across ABIs: `long`,
//! pointers, `bool`, `size_t`-like types, enum-typed members.

use super::{Lint, LintOut};
use crate::findings::{Hit, Severity};
use crate::model::Layout;

pub const LINT: Lint = Lint {
    id: "non-fixed-width",
    summary: "a member of a type whose width differs between ABIs",
    severity: Severity::Warning,
    hint: "use __u32/__u64 (__aligned_u64 for pointers)",
    check,
};

/// Why a C type is not fixed-width, if it is not.
fn reason(c_type: &str) -> Option<&'static str> {
    let t = c_type.split('[').next().unwrap_or(c_type).trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    if t.contains('*') || t.contains("(*)") {
        Some(
            "a pointer is 4 or 8 bytes depending on the ABI; pass __u64 (or __aligned_u64) instead",
        )
    } else if words.contains(&"long") && words.iter().filter(|w| **w == "long").count() == 1 {
        Some("long is 4 or 8 bytes depending on the ABI; use __u32 or __u64")
    } else if matches!(t, "bool" | "_Bool") {
        Some("bool has no fixed size or representation in the ABI; use __u8 or a flag bit")
    } else if t.starts_with("enum ") {
        Some("an enum's size is the compiler's choice; store the value in a __u32")
    } else if matches!(
        t,
        "size_t"
            | "ssize_t"
            | "off_t"
            | "time_t"
            | "__kernel_size_t"
            | "__kernel_ssize_t"
            | "__kernel_long_t"
            | "__kernel_ulong_t"
            | "__kernel_off_t"
            | "__kernel_time_t"
            | "__kernel_old_time_t"
            | "uintptr_t"
            | "intptr_t"
            | "ptrdiff_t"
    ) {
        Some("this typedef is 4 or 8 bytes depending on the ABI; use __u32 or __u64")
    } else {
        None
    }
}

fn check(layouts: &[&Layout], out: &mut LintOut) {
    for l in layouts {
        for r in l.records.values() {
            for f in &r.fields {
                if let Some(why) = reason(&f.c_type) {
                    out.push(
                        &LINT,
                        l.arch,
                        Hit {
                            item: &r.name,
                            header: &r.header,
                            field: Some(&f.name),
                            old: None,
                            new: Some(f.c_type.clone()),
                            message: format!("member {} has type {}: {why}", f.name, f.c_type),
                        },
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons() {
        for t in [
            "long",
            "unsigned long",
            "void *",
            "bool",
            "enum x",
            "size_t",
            "char *[4]",
        ] {
            assert!(super::reason(t).is_some(), "{t}");
        }
        for t in [
            "__u64",
            "long long",
            "unsigned long long",
            "int",
            "__u8[16]",
            "struct s",
        ] {
            assert!(super::reason(t).is_none(), "{t}");
        }
    }
}
