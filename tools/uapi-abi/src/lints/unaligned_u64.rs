//! `unaligned-u64`: a 64-bit integer member that is only 4-byte aligned on some ABI (i386) and
//! whose offset, or whose record's size, therefore differs from the 64-bit ABIs.

use super::{Lint, LintOut};
use crate::findings::{Hit, Severity};
use crate::model::Layout;

pub const LINT: Lint = Lint {
    id: "unaligned-u64",
    summary: "a 64-bit member without guaranteed 8-byte alignment",
    severity: Severity::Warning,
    hint: "use __aligned_u64 for 64-bit members and make padding explicit",
    check,
};

fn is_64bit_integer(c_type: &str) -> bool {
    let t = c_type.split('[').next().unwrap_or(c_type).trim();
    matches!(
        t,
        "__u64"
            | "__s64"
            | "__le64"
            | "__be64"
            | "long long"
            | "unsigned long long"
            | "long long int"
            | "long long unsigned int"
            | "uint64_t"
            | "int64_t"
    )
}

fn check(layouts: &[&Layout], out: &mut LintOut) {
    for l in layouts {
        for r in l.records.values() {
            for f in &r.fields {
                if !is_64bit_integer(&f.c_type) || f.align_bytes >= 8 {
                    continue;
                }
                let unaligned_here = f.offset_bytes % 8 != 0;
                if !unaligned_here && r.size_bytes % 8 == 0 {
                    continue;
                }
                let what = if unaligned_here {
                    format!("sits at offset {}, not a multiple of 8", f.offset_bytes)
                } else {
                    format!(
                        "leaves the record {} bytes long, not a multiple of 8",
                        r.size_bytes
                    )
                };
                out.push(&LINT, l.arch, Hit { item: &r.name, header: &r.header, field: Some(&f.name), old: None, new: Some(format!("offset {} align {}", f.offset_bytes, f.align_bytes)), message: format!(
                        "member {} ({}) is only {}-byte aligned here and {what}, so the layout differs from 64-bit ABIs; use __aligned_u64 or add explicit padding",
                        f.name, f.c_type, f.align_bytes
                    ) });
            }
        }
    }
}
