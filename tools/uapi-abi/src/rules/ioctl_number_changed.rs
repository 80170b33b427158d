//! `ioctl-number-changed`: an ioctl's number changed, e.g. because the struct an `_IOW` carries
//! grew and the size is encoded in the number. Old binaries call a number the kernel no longer
//! knows.

use super::{Out, Rule};
use crate::diff::Pair;
use crate::findings::{Hit, Severity};
use crate::model::Constant;

pub const RULE: Rule = Rule {
    id: "ioctl-number-changed",
    summary: "an ioctl's number changed",
    severity: Severity::Break,
    hint:
        "keep the old number working; give the new layout a new ioctl number, or use _IO with argsz",
    check,
};

fn why(o: &Constant, n: &Constant) -> String {
    let (Some(a), Some(b)) = (&o.ioctl, &n.ioctl) else {
        return "it is no longer built with _IO/_IOR/_IOW/_IOWR the same way".into();
    };
    let mut parts = Vec::new();
    if a.size_bytes != b.size_bytes {
        parts.push(format!(
            "the encoded argument size changed from {} to {}{}",
            a.size_bytes,
            b.size_bytes,
            b.arg_type
                .as_deref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default()
        ));
    }
    if a.dir != b.dir {
        parts.push(format!(
            "the direction changed from {} to {}",
            a.macro_name, b.macro_name
        ));
    }
    if a.ioc_type != b.ioc_type || a.nr != b.nr {
        parts.push(format!(
            "type/nr changed from {:#04x}/{} to {:#04x}/{}",
            a.ioc_type, a.nr, b.ioc_type, b.nr
        ));
    }
    parts.join(" and ")
}

fn check(p: &Pair<'_>, out: &mut Out) {
    for (o, n) in p.changed_constants() {
        if o.ioctl.is_none() && n.ioctl.is_none() {
            continue;
        }
        // A DRM ioctl whose argument only grew: the DRM core still finds it by nr and
        // zero-fills what old callers do not pass; the record rules judge the growth itself.
        if let (Some(a), Some(b)) = (&o.ioctl, &n.ioctl) {
            let same_call = a.ioc_type == b.ioc_type && a.nr == b.nr && a.dir == b.dir;
            if same_call && crate::diff::size_tolerant(n) && b.size_bytes >= a.size_bytes {
                continue;
            }
        }
        out.push(&RULE, Hit { item: &n.name, header: &n.header, field: None, old: Some(format!("{:#x}", o.value)), new: Some(format!("{:#x}", n.value)), message: format!(
                "ioctl {} changed number from {:#x} to {:#x}: {}; old binaries call a number the kernel no longer recognises",
                n.name,
                o.value,
                n.value,
                why(o, n)
            ) });
    }
}
