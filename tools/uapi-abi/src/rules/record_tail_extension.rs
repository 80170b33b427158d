//! `record-tail-extension`: an `argsz`/`size`-first record grew at its tail, the kernel's
//! documented way to extend a struct.

use super::{list, Out, Rule};
use crate::diff::{is_extensible, Pair, Placement};
use crate::findings::Severity;

pub const RULE: Rule = Rule {
    id: "record-tail-extension",
    summary: "an argsz/size-first record grew at its tail",
    severity: Severity::Compatible,
    check,
};

fn check(p: &Pair<'_>, out: &mut Out) {
    for d in p.records.values() {
        if !d.grew_at_tail()
            || !is_extensible(d.new)
            || !p.sized_ioctls_carrying(&d.new.name).is_empty()
        {
            continue;
        }
        let mut grown: Vec<String> = d
            .added
            .iter()
            .filter(|(_, pl)| *pl == Placement::Tail)
            .map(|(f, _)| f.name.clone())
            .collect();
        grown.extend(
            d.tail_resized
                .iter()
                .map(|(_, n)| format!("{} (grew)", n.name)),
        );
        let first = &d.new.fields[0].name;
        out.push(
            &RULE,
            &d.new.name,
            &d.new.header,
            None,
            Some(d.old.size_bytes.to_string()),
            Some(d.new.size_bytes.to_string()),
            format!(
                "{} grew at its tail from {} to {} bytes ({}); old binaries pass the old {first} and the kernel must treat the missing tail as zero",
                d.new.name,
                d.old.size_bytes,
                d.new.size_bytes,
                if grown.is_empty() { "tail padding".to_string() } else { list(&grown, 6) }
            ),
        );
    }
}
