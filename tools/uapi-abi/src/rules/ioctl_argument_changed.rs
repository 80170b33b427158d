//! `ioctl-argument-changed`: an ioctl keeps its number but names another argument type.

use super::{Out, Rule};
use crate::diff::{normalize_type, Pair};
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "ioctl-argument-changed",
    summary: "an ioctl names another argument type with the same number",
    severity: Severity::Api,
    hint: "keep the argument type the same layout, or define a new ioctl",
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for o in p.old.constants.values() {
        let Some(n) = p.new.constants.get(&o.name) else {
            continue;
        };
        let (Some(a), Some(b)) = (&o.ioctl, &n.ioctl) else {
            continue;
        };
        if o.value != n.value
            || a.arg_type.as_deref().map(normalize_type)
                == b.arg_type.as_deref().map(normalize_type)
        {
            continue;
        }
        let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "none".into());
        out.push(&RULE, Hit { item: &n.name, header: &n.header, field: None, old: Some(show(&a.arg_type)), new: Some(show(&b.arg_type)), message: format!(
                "ioctl {} now takes {} instead of {} with the same number: binaries are unaffected, sources must change",
                n.name,
                show(&b.arg_type),
                show(&a.arg_type)
            ) });
    }
}
