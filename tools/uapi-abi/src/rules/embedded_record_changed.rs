//! `embedded-record-changed`: a record embeds (directly or through others) a record whose member
//! broke, so it broke too even if its own size did not change. Reported with the full path, e.g.
//! `struct outer` field `cache_info.version`.

use super::{Out, Rule};
use crate::diff::{record_of, Pair};
use crate::findings::{Finding, Severity};

pub const RULE: Rule = Rule {
    id: "embedded-record-changed",
    summary: "a record embeds a record whose member broke",
    severity: Severity::Break,
    check,
};

/// Runs after every other rule, from the member-level breaks they found.
fn check(_: &Pair<'_>, _: &mut Out) {}

/// Follows every member-level break up through the records that embed the broken record.
pub fn propagate(p: &Pair<'_>, out: &mut Out) {
    let mut work: Vec<Finding> = out
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Break && f.field.is_some())
        .cloned()
        .collect();
    // Embedding is acyclic in C, but snapshot files are untrusted: bound the depth.
    for _ in 0..16 {
        let mut next = Vec::new();
        for inner in &work {
            let inner_path = inner.field.as_deref().unwrap_or_default();
            for outer in p.new.records.values() {
                for f in &outer.fields {
                    if record_of(&f.c_type) != Some(inner.item.as_str()) {
                        continue;
                    }
                    let path = format!("{}.{inner_path}", f.name);
                    let message = format!(
                        "embeds {} as {}, whose member {inner_path} broke: {}",
                        inner.item, f.name, inner.message
                    );
                    out.push(
                        &RULE,
                        &outer.name,
                        &outer.header,
                        Some(&path),
                        inner.old.clone(),
                        inner.new.clone(),
                        message,
                    );
                    if let Some(last) = out.findings.last() {
                        next.push(last.clone());
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        work = next;
    }
}
