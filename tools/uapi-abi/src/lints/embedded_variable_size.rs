//! `embedded-variable-size`: a record whose size can change (argsz/size first, or versioned by a
//! `version` member) is embedded in another record. Before other members, its growth moves them;
//! at the end, it ties the outer record's size and the ioctl to the inner one's versions (the
//! seed review's first point).

use super::{Lint, LintOut};
use crate::diff::{is_extensible, is_versioned, record_of};
use crate::findings::{Hit, Severity};
use crate::model::Layout;

pub const LINT: Lint = Lint {
    id: "embedded-variable-size",
    summary: "a record whose size can change is embedded in another record",
    severity: Severity::Warning,
    hint: "replace the embedded struct with a flags member and a data[] whose type a flag selects",
    check,
};

fn check(layouts: &[&Layout], out: &mut LintOut) {
    for l in layouts {
        for outer in l.records.values() {
            let last_offset = outer.fields.iter().map(|f| f.offset_bytes).max();
            for f in &outer.fields {
                let Some(inner) = record_of(&f.c_type).and_then(|n| l.records.get(n)) else {
                    continue;
                };
                let why = if is_extensible(inner) {
                    format!("starts with {}", inner.fields[0].name)
                } else if is_versioned(inner) {
                    "carries a version that selects its size".to_string()
                } else {
                    continue;
                };
                let followed: Vec<&str> = outer
                    .fields
                    .iter()
                    .filter(|g| {
                        g.offset_bytes >= f.offset_bytes + f.size_bytes
                            && !g.name.starts_with(&format!("{}.", f.name))
                    })
                    .map(|g| g.name.as_str())
                    .collect();
                let consequence = if !followed.is_empty() && Some(f.offset_bytes) != last_offset {
                    format!(
                        "growing it moves {}, a break",
                        crate::rules::list(&followed, 4)
                    )
                } else {
                    format!(
                        "it is the last member, so {}'s size follows {}'s versions and the ioctl cannot evolve apart from it; a flags field and a data[] whose type a flag selects keep them apart",
                        outer.name, inner.name
                    )
                };
                out.push(
                    &LINT,
                    l.arch,
                    Hit {
                        item: &outer.name,
                        header: &outer.header,
                        field: Some(&f.name),
                        old: None,
                        new: Some(inner.name.clone()),
                        message: format!(
                            "member {} embeds {}, whose size can change (it {why}): {consequence}",
                            f.name, inner.name
                        ),
                    },
                );
            }
        }
    }
}
