//! Lints on one version: layout hazards that break nothing yet but invite a break or a leak. One
//! file per lint, each with an id, a summary, a severity and a pure check over the layouts of
//! every architecture of one version (some lints compare architectures). A test fails when a lint
//! file is not registered.

use crate::findings::{Finding, Hit, Severity};
use crate::model::{Arch, Layout};

mod abi_differs_32_64;
mod embedded_variable_size;
mod io_ioctl_with_struct;
mod non_fixed_width;
mod padding_hole;
mod sized_ioctl_extensible_arg;
mod unaligned_u64;

/// A lint.
pub struct Lint {
    /// Stable id, used in reports and waivers.
    pub id: &'static str,
    /// One line saying what it finds.
    pub summary: &'static str,
    /// The severity of everything it finds.
    pub severity: Severity,
    /// The usual fix, shown in reviews.
    pub hint: &'static str,
    /// The check: reads one version's layouts (one per architecture), appends findings.
    pub check: fn(&[&Layout], &mut LintOut),
}

/// Every lint, in the order they run.
pub const LINTS: &[&Lint] = &[
    &padding_hole::LINT,
    &abi_differs_32_64::LINT,
    &non_fixed_width::LINT,
    &unaligned_u64::LINT,
    &embedded_variable_size::LINT,
    &sized_ioctl_extensible_arg::LINT,
    &io_ioctl_with_struct::LINT,
];

/// The lint with this id.
pub fn find(id: &str) -> Option<&'static Lint> {
    LINTS.iter().copied().find(|l| l.id == id)
}

/// Runs every lint over one version's layouts; findings are per architecture, not yet merged.
pub fn run(layouts: &[&Layout]) -> Vec<Finding> {
    let mut out = LintOut {
        findings: Vec::new(),
    };
    for lint in LINTS {
        (lint.check)(layouts, &mut out);
    }
    out.findings
}

/// Where a lint writes its findings.
pub struct LintOut {
    findings: Vec<Finding>,
}

impl LintOut {
    /// Records one finding of `lint` on `arch`.
    pub fn push(&mut self, lint: &Lint, arch: Arch, hit: Hit<'_>) {
        self.findings
            .push(Finding::from_hit(lint.id, lint.severity, arch, hit));
    }
}
