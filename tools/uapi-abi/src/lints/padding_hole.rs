//! `padding-hole`: implicit padding inside or at the end of a struct. The kernel can leak memory
//! through it when copying out, userspace leaves garbage in it when copying in, and its size
//! differs between ABIs.

use super::{Lint, LintOut};
use crate::findings::{Hit, Severity};
use crate::model::{Field, Layout, RecordKind};

pub const LINT: Lint = Lint {
    id: "padding-hole",
    summary: "implicit padding in a struct",
    severity: Severity::Warning,
    hint: "make the padding an explicit reserved member and reject non-zero values",
    check,
};

/// The bytes a member covers, as a half-open range.
fn covered(f: &Field) -> (u64, u64) {
    match f.bits {
        Some(b) => (b.offset_bits / 8, (b.offset_bits + b.size_bits).div_ceil(8)),
        None => (f.offset_bytes, f.offset_bytes + f.size_bytes),
    }
}

fn check(layouts: &[&Layout], out: &mut LintOut) {
    for l in layouts {
        for r in l.records.values() {
            if r.kind != RecordKind::Struct || r.fields.is_empty() {
                continue;
            }
            let mut spans: Vec<(u64, u64, &str)> = r
                .fields
                .iter()
                .map(|f| {
                    let (a, b) = covered(f);
                    (a, b, f.name.as_str())
                })
                .collect();
            spans.sort();
            let mut reached = 0u64;
            let mut last = None;
            let mut holes = Vec::new();
            for (start, stop, name) in spans {
                if start > reached {
                    holes.push((reached, start - reached, last));
                }
                if stop >= reached {
                    reached = stop;
                    last = Some(name);
                }
            }
            if r.size_bytes > reached {
                holes.push((reached, r.size_bytes - reached, last));
            }
            for (offset, len, after) in holes {
                let place = match after {
                    Some(a) if offset + len == r.size_bytes => format!("at the end, after {a}"),
                    Some(a) => format!("after {a}"),
                    None => "at the start".into(),
                };
                out.push(&LINT, l.arch, Hit { item: &r.name, header: &r.header, field: after, old: None, new: Some(format!("{len} at offset {offset}")), message: format!(
                        "{len} byte{} of implicit padding at offset {offset} ({place}): the kernel can leak memory through it and old callers leave garbage in it; make it an explicit reserved member checked for zero",
                        if len == 1 { "" } else { "s" }
                    ) });
            }
        }
    }
}
