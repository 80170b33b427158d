//! Findings: what the rules and lints say about a change or a layout, with the architectures on
//! which each holds. Pure data and the merging of per-architecture results.

use crate::model::Arch;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// How bad a finding is, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Old binaries misbehave.
    Break,
    /// Old sources stop compiling, binaries keep working.
    Api,
    /// A hazard in the layout (from a lint): nothing breaks yet, but the design invites it.
    Warning,
    /// A documented, safe extension.
    Compatible,
    /// Worth knowing; nothing breaks.
    Note,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Break,
        Severity::Api,
        Severity::Warning,
        Severity::Compatible,
        Severity::Note,
    ];

    /// The name used in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Break => "break",
            Severity::Api => "api",
            Severity::Warning => "warning",
            Severity::Compatible => "compatible",
            Severity::Note => "note",
        }
    }

    /// Parses [`Severity::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        Severity::ALL.into_iter().find(|v| v.name() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing a rule or lint found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule or lint id, e.g. `record-size-changed`.
    pub rule: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// The architectures on which it holds, in canonical order.
    pub arches: Vec<Arch>,
    /// The record or constant, e.g. `struct vfio_device_info` or `VFIO_DEVICE_GET_INFO`.
    pub item: String,
    /// The field path inside the record, e.g. `cache_info.version`, if the finding is about one.
    pub field: Option<String>,
    /// The header that defines the item (the new side's, or the old side's for a removal).
    pub header: String,
    /// The old value (a size, an offset, a type, a constant), if one applies.
    pub old: Option<String>,
    /// The new value, if one applies.
    pub new: Option<String>,
    /// One sentence saying what changed and why it matters.
    pub message: String,
}

impl Finding {
    /// A finding on one architecture.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rule: &'static str,
        severity: Severity,
        arch: Arch,
        item: &str,
        field: Option<&str>,
        header: &str,
        old: Option<String>,
        new: Option<String>,
        message: String,
    ) -> Self {
        Finding {
            rule,
            severity,
            arches: vec![arch],
            item: item.to_string(),
            field: field.map(str::to_string),
            header: header.to_string(),
            old,
            new,
            message,
        }
    }

    /// `item.field` or `item`.
    pub fn path(&self) -> String {
        match &self.field {
            Some(f) => format!("{}.{}", self.item, f),
            None => self.item.clone(),
        }
    }
}

/// Merges findings that say the same thing on different architectures into one finding listing
/// them all, and sorts the result by severity, item, field and rule.
pub fn merge(findings: Vec<Finding>) -> Vec<Finding> {
    type Key = (
        Severity,
        String,
        Option<String>,
        &'static str,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let mut merged: BTreeMap<Key, Finding> = BTreeMap::new();
    for f in findings {
        let key = (
            f.severity,
            f.item.clone(),
            f.field.clone(),
            f.rule,
            f.old.clone(),
            f.new.clone(),
            f.message.clone(),
            f.header.clone(),
        );
        match merged.get_mut(&key) {
            Some(existing) => {
                for a in f.arches {
                    if !existing.arches.contains(&a) {
                        existing.arches.push(a);
                    }
                }
                existing.arches.sort();
            }
            None => {
                merged.insert(key, f);
            }
        }
    }
    merged.into_values().collect()
}
