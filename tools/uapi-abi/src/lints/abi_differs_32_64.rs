//! `abi-differs-32-64`: a record's layout differs between a 32-bit ABI and its 64-bit sibling
//! (i386/x86_64, arm/aarch64), so 32-bit programs on a 64-bit kernel need compat handling.

use super::{Lint, LintOut};
use crate::diff::record_of;
use crate::findings::{Hit, Severity};
use crate::model::{Arch, Layout};

pub const LINT: Lint = Lint {
    id: "abi-differs-32-64",
    summary: "a record's layout differs between the 32-bit and 64-bit ABI",
    severity: Severity::Warning,
    hint: "use __aligned_u64 for 64-bit members and make padding explicit",
    check,
};

const SIBLINGS: [(Arch, Arch); 2] = [(Arch::I386, Arch::X86_64), (Arch::Arm, Arch::Aarch64)];

fn check(layouts: &[&Layout], out: &mut LintOut) {
    let get = |a: Arch| layouts.iter().find(|l| l.arch == a);
    for (narrow, wide) in SIBLINGS {
        let (Some(n), Some(w)) = (get(narrow), get(wide)) else {
            continue;
        };
        for r32 in n.records.values() {
            let Some(r64) = w.records.get(&r32.name) else {
                continue;
            };
            let moved: Vec<&str> = r32
                .fields
                .iter()
                .filter(|f| {
                    r64.field(&f.name)
                        .is_some_and(|g| g.offset_bytes != f.offset_bytes)
                })
                .map(|f| f.name.as_str())
                .collect();
            if r32.size_bytes == r64.size_bytes && moved.is_empty() {
                continue;
            }
            // Report where the difference starts, not again in every record embedding it.
            let inherited = r32.fields.iter().any(|f| {
                record_of(&f.c_type).is_some_and(|inner| {
                    match (n.records.get(inner), w.records.get(inner)) {
                        (Some(a), Some(b)) => a.size_bytes != b.size_bytes,
                        _ => false,
                    }
                })
            }) && moved.is_empty();
            if inherited {
                continue;
            }
            let mut what = Vec::new();
            if r32.size_bytes != r64.size_bytes {
                what.push(format!(
                    "size {} on {narrow} vs {} on {wide}",
                    r32.size_bytes, r64.size_bytes
                ));
            }
            if !moved.is_empty() {
                what.push(format!(
                    "offsets of {} differ",
                    crate::rules::list(&moved, 6)
                ));
            }
            out.push(&LINT, narrow, Hit { item: &r32.name, header: &r32.header, field: moved.first().copied(), old: None, new: Some(format!("{} vs {}", r32.size_bytes, r64.size_bytes)), message: format!(
                    "layout differs between {narrow} and {wide} ({}): 32-bit programs on a 64-bit kernel need compat handling",
                    what.join("; ")
                ) });
        }
    }
}
