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
    /// A finding on one architecture about a whole item (no member), without old and new values
    /// (see [`Finding::with_values`]).
    pub fn new(
        rule: &'static str,
        severity: Severity,
        arch: Arch,
        item: &str,
        header: &str,
        message: String,
    ) -> Self {
        Finding {
            rule,
            severity,
            arches: vec![arch],
            item: item.to_string(),
            field: None,
            header: header.to_string(),
            old: None,
            new: None,
            message,
        }
    }

    /// The same finding with its old and new values.
    pub fn with_values(self, old: Option<String>, new: Option<String>) -> Self {
        Finding { old, new, ..self }
    }

    /// `item.field` or `item`.
    pub fn path(&self) -> String {
        match &self.field {
            Some(f) => format!("{}.{}", self.item, f),
            None => self.item.clone(),
        }
    }
}

#[cfg(test)]
mod kind_tests {
    use super::*;

    #[test]
    fn one_table_of_every_kind_with_unique_ids_and_hints() {
        let all = kinds();
        let mut ids: Vec<&str> = all.iter().map(|k| k.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
        for k in all {
            assert!(!k.hint.is_empty() && !k.summary.is_empty(), "{k:?}");
        }
        for id in [
            "record-size-changed",
            "padding-hole",
            "waiver-expired",
            "header-refused",
            "header-removed",
            "header-skipped",
            "probe-disagreed",
            "item-moved",
        ] {
            assert!(kind(id).is_some(), "{id}");
        }
        assert_eq!(
            kind("header-removed").map(|k| k.severity),
            Some(Severity::Break)
        );
        assert!(kind("nonsense").is_none());
    }
}

/// What a rule or lint found, before the architecture and severity are attached: the typed
/// value rules and lints hand to their output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'a> {
    /// The record or constant.
    pub item: &'a str,
    /// The header that defines it.
    pub header: &'a str,
    /// The member path, if the finding is about one.
    pub field: Option<&'a str>,
    /// The old value, if one applies.
    pub old: Option<String>,
    /// The new value, if one applies.
    pub new: Option<String>,
    /// One sentence saying what changed and why it matters.
    pub message: String,
}

impl<'a> Hit<'a> {
    /// A hit on the constant `c` (its name and header), whose value went from `old` to `new`
    /// as the rule shows them.
    pub fn constant(
        c: &'a crate::model::Constant,
        old: String,
        new: String,
        message: String,
    ) -> Self {
        Hit {
            item: &c.name,
            header: &c.header,
            field: None,
            old: Some(old),
            new: Some(new),
            message,
        }
    }
}

impl Finding {
    /// The finding of kind `id` with `severity` that `hit` describes, on `arch`.
    pub fn from_hit(id: &'static str, severity: Severity, arch: Arch, hit: Hit<'_>) -> Self {
        Finding {
            rule: id,
            severity,
            arches: vec![arch],
            item: hit.item.to_string(),
            field: hit.field.map(str::to_string),
            header: hit.header.to_string(),
            old: hit.old,
            new: hit.new,
            message: hit.message,
        }
    }
}

/// Where a kind of finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A compatibility rule (`rules/`).
    Rule,
    /// A lint (`lints/`).
    Lint,
    /// The waiver checks.
    Waiver,
    /// The pre-merge bot.
    Bot,
    /// The check itself (headers and extraction).
    Check,
}

/// One row of the table of every finding kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Kind {
    /// The id in reports and waivers.
    pub id: &'static str,
    /// One line saying what it finds.
    pub summary: &'static str,
    /// The severity of everything it finds.
    pub severity: Severity,
    /// The usual fix.
    pub hint: &'static str,
    /// Where it comes from.
    pub origin: Origin,
}

/// The kinds no rule or lint file defines: the waiver checks, the bot's refusals and what the
/// check reports about headers and extraction.
pub const OTHER_KINDS: &[Kind] = &[
    Kind {
        id: "waiver-expired",
        summary: "a waiver has expired",
        severity: Severity::Break,
        hint: "renew the waiver with a new date and reason, or fix the finding",
        origin: Origin::Waiver,
    },
    Kind {
        id: "waiver-unused",
        summary: "a waiver matches no finding",
        severity: Severity::Note,
        hint: "remove the waiver",
        origin: Origin::Waiver,
    },
    Kind {
        id: "header-refused",
        summary: "a header the bot would not analyse (an include escapes the tree, or its compile ran over its limits)",
        severity: Severity::Break,
        hint: "include headers by their installed names (<linux/x.h>), with no computed, absolute or .. paths",
        origin: Origin::Bot,
    },
    Kind {
        id: "header-does-not-compile",
        summary: "a header that compiled alone before the change no longer does",
        severity: Severity::Break,
        hint: "make the header self-contained again: include what it uses",
        origin: Origin::Bot,
    },
    Kind {
        id: "compiler-dependent",
        summary: "a changed header now picks a layout by compiler or language (__GNUC__, __clang__, __cplusplus); only clang compiling C was checked",
        severity: Severity::Warning,
        hint: "give every compiler and language the same layout; UAPI headers are read by gcc, clang and C++ alike",
        origin: Origin::Bot,
    },
    Kind {
        id: "header-removed",
        summary: "a header was deleted; one finding names what went with it (api when all of it moved elsewhere)",
        severity: Severity::Break,
        hint: "keep the header (it may include its successor), or add a waiver with the reason if nothing uses it",
        origin: Origin::Check,
    },
    Kind {
        id: "header-skipped",
        summary: "a header of the set could not be compiled, so it was not checked",
        severity: Severity::Note,
        hint: "make the header compile alone or after the libc headers userspace includes first",
        origin: Origin::Check,
    },
    Kind {
        id: "probe-disagreed",
        summary: "bindgen and the compiled probe disagreed on a value; the probe's value is kept",
        severity: Severity::Note,
        hint: "nothing to fix in the header; report the disagreement to uapi-guard",
        origin: Origin::Check,
    },
    Kind {
        id: "header-needs-libc",
        summary: "a header compiles only after the C library's basic headers, as userspace includes them",
        severity: Severity::Note,
        hint: "include what the header uses (or document which libc header must come first)",
        origin: Origin::Check,
    },
    Kind {
        id: "item-arch-specific",
        summary: "an item left this architecture's view of a header and lives on only in other architectures' asm/",
        severity: Severity::Note,
        hint: "nothing to fix for this architecture; programs for the others still get it",
        origin: Origin::Check,
    },
    Kind {
        id: "item-moved",
        summary: "an item moved to another header that the same include still provides",
        severity: Severity::Note,
        hint: "nothing to fix: the include still provides it",
        origin: Origin::Check,
    },
];

/// Every finding kind: rules, lints, then [`OTHER_KINDS`]. `uapi-guard rules`, waiver
/// validation, SARIF's rule catalogue and Markdown's fix hints read this one list.
pub fn kinds() -> &'static [Kind] {
    static KINDS: std::sync::OnceLock<Vec<Kind>> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| {
        crate::rules::RULES
            .iter()
            .map(|r| Kind {
                id: r.id,
                summary: r.summary,
                severity: r.severity,
                hint: r.hint,
                origin: Origin::Rule,
            })
            .chain(crate::lints::LINTS.iter().map(|l| Kind {
                id: l.id,
                summary: l.summary,
                severity: l.severity,
                hint: l.hint,
                origin: Origin::Lint,
            }))
            .chain(OTHER_KINDS.iter().copied())
            .collect()
    })
}

/// The kind with this id, if there is one.
pub fn kind(id: &str) -> Option<&'static Kind> {
    kinds().iter().find(|k| k.id == id)
}

/// The usual fix for a finding of kind `id` (empty for an unknown id).
pub fn hint(id: &str) -> &'static str {
    kind(id).map_or("", |k| k.hint)
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
