//! `embedded-record-changed`: records embed (directly or through others) a record whose member
//! broke, so they broke too even if their own size did not change. One change is reported once:
//! the embedded record's own findings, plus one finding of this rule on the embedded record
//! listing every embedding record with its path (`struct outer` as `cache_info`), not one break
//! per embedding struct and member. Compatible changes (reserved or padding used, a tail extension behind a
//! size carrier) are never propagated.

use super::{list, Out, Rule};
use crate::diff::{record_of, Pair};
use crate::findings::{Hit, Severity};

pub const RULE: Rule = Rule {
    id: "embedded-record-changed",
    summary: "records embed a record whose member broke (one finding per broken record, listing every embedding record)",
    severity: Severity::Break,
    hint: "fix the embedded record; every record embedding it breaks with it",
    check,
};

/// Runs after every other rule, from the member-level breaks they found.
fn check(_: &Pair<'_>, _: &mut Out) {}

/// Every record embedding `inner` (directly or through others), as `struct outer` with the
/// member path to `inner` (`session.opal_key`).
fn embedders(p: &Pair<'_>, inner: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut work: Vec<(String, String)> = vec![(inner.to_string(), String::new())];
    // Embedding is acyclic in C, but snapshot files are untrusted: bound the depth and the size.
    for _ in 0..16 {
        let mut next = Vec::new();
        for (name, prefix) in &work {
            for outer in p.new.records.values() {
                for f in &outer.fields {
                    if record_of(&f.c_type) != Some(name.as_str()) {
                        continue;
                    }
                    let path = if prefix.is_empty() {
                        f.name.clone()
                    } else {
                        format!("{}.{prefix}", f.name)
                    };
                    if found.len() < 4096 {
                        found.push((outer.name.clone(), path.clone()));
                        next.push((outer.name.clone(), path));
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        work = next;
    }
    found.sort();
    found.dedup();
    found
}

/// Lists, once per embedded record that broke, every record that breaks with it.
pub fn propagate(p: &Pair<'_>, out: &mut Out) {
    let mut broken: std::collections::BTreeMap<(String, String), Vec<String>> =
        std::collections::BTreeMap::new();
    for f in out
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Break && f.field.is_some())
    {
        let members = broken
            .entry((f.item.clone(), f.header.clone()))
            .or_default();
        let field = f.field.clone().unwrap_or_default();
        if !members.contains(&field) {
            members.push(field);
        }
    }
    for ((inner, header), members) in &broken {
        let outers = embedders(p, inner);
        if outers.is_empty() {
            continue;
        }
        let shown: Vec<String> = outers
            .iter()
            .map(|(o, path)| format!("{o} (as {path})"))
            .collect();
        let n = outers.len();
        out.push(
            &RULE,
            Hit {
                item: inner,
                header,
                field: None,
                old: None,
                new: Some(format!(
                    "{n} embedding record{}",
                    if n == 1 { "" } else { "s" }
                )),
                message: format!(
                    "{inner} broke (members {}) and {} with it: {}",
                    list(members, 6),
                    if n == 1 {
                        "1 record that embeds it breaks".to_string()
                    } else {
                        format!("{n} records that embed it break")
                    },
                    list(&shown, 8)
                ),
            },
        );
    }
}
