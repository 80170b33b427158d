//! The compatibility rules: one file per kind of change, each with an id, a summary, a severity
//! and a pure check over one architecture's (old, new) pair. The registry below lists them all;
//! a test fails when a rule file is not registered.

use crate::diff::Pair;
use crate::findings::{Finding, Severity};

mod bitfield_changed;
mod constant_added;
mod constant_changed;
mod constant_removed;
mod constant_renamed;
mod counter_moved;
mod embedded_record_changed;
mod field_inserted;
mod field_moved;
mod field_removed;
mod field_renamed;
mod field_resized;
mod field_type_changed;
mod ioctl_added;
mod ioctl_argument_changed;
mod ioctl_number_changed;
mod ioctl_removed;
mod padding_used;
mod record_added;
mod record_align_changed;
mod record_kind_changed;
mod record_removed;
mod record_size_changed;
mod record_tail_extension;
mod reserved_used;
mod union_member_added;

/// A compatibility rule.
pub struct Rule {
    /// Stable id, used in reports and waivers.
    pub id: &'static str,
    /// One line saying what the rule finds.
    pub summary: &'static str,
    /// The severity of everything it finds.
    pub severity: Severity,
    /// The check: reads the pair, appends findings.
    pub check: fn(&Pair<'_>, &mut Out),
}

/// Every rule, in the order they run.
pub const RULES: &[&Rule] = &[
    &record_removed::RULE,
    &record_kind_changed::RULE,
    &record_size_changed::RULE,
    &record_tail_extension::RULE,
    &record_align_changed::RULE,
    &field_removed::RULE,
    &field_renamed::RULE,
    &field_inserted::RULE,
    &field_moved::RULE,
    &field_resized::RULE,
    &field_type_changed::RULE,
    &bitfield_changed::RULE,
    &padding_used::RULE,
    &reserved_used::RULE,
    &union_member_added::RULE,
    &embedded_record_changed::RULE,
    &record_added::RULE,
    &constant_removed::RULE,
    &constant_renamed::RULE,
    &constant_changed::RULE,
    &counter_moved::RULE,
    &constant_added::RULE,
    &ioctl_removed::RULE,
    &ioctl_number_changed::RULE,
    &ioctl_argument_changed::RULE,
    &ioctl_added::RULE,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// Runs every rule on one architecture's pair.
pub fn run(pair: &Pair<'_>) -> Vec<Finding> {
    let mut out = Out {
        arch: pair.new.arch,
        findings: Vec::new(),
    };
    for rule in RULES {
        (rule.check)(pair, &mut out);
    }
    // Rules that follow embedding read what the others found on this architecture.
    embedded_record_changed::propagate(pair, &mut out);
    out.findings
}

/// Where a rule writes its findings.
pub struct Out {
    arch: crate::model::Arch,
    findings: Vec<Finding>,
}

impl Out {
    /// Records one finding of `rule`.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        rule: &Rule,
        item: &str,
        header: &str,
        field: Option<&str>,
        old: Option<String>,
        new: Option<String>,
        message: String,
    ) {
        self.findings.push(Finding::new(
            rule.id,
            rule.severity,
            self.arch,
            item,
            field,
            header,
            old,
            new,
            message,
        ));
    }
}

/// `N byte(s)`.
pub(crate) fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

/// A comma-separated list of names, at most `max` of them, then `and N more`.
pub(crate) fn list<S: AsRef<str>>(names: &[S], max: usize) -> String {
    let shown: Vec<&str> = names.iter().take(max).map(|s| s.as_ref()).collect();
    let mut s = shown.join(", ");
    if names.len() > max {
        s.push_str(&format!(" and {} more", names.len() - max));
    }
    s
}
