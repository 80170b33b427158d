//! The human report: a title, the verdict, then findings grouped by severity and item, with the
//! snapshot diff of each item that breaks, and the waived findings last. Colour only when asked
//! (the CLI asks when stdout is a terminal).

use super::{arch_label, title, verdict, visible};
use crate::check::Report;
use crate::findings::Severity;
use std::fmt::Write as _;

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Break => "1;31",
        Severity::Api => "1;35",
        Severity::Warning => "1;33",
        Severity::Compatible => "32",
        Severity::Note => "36",
    }
}

/// Renders a report as text.
pub fn render_text(report: &Report, color: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "uapi-guard {} on {}",
        title(report),
        super::names(&report.arches)
    );
    let worst = report.worst().unwrap_or(Severity::Note);
    let _ = writeln!(
        s,
        "verdict: {}",
        paint(
            color && report.worst().is_some(),
            severity_color(worst),
            &verdict(report)
        )
    );
    for sev in Severity::ALL {
        let group: Vec<_> = report.of_severity(sev).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "\n{}",
            paint(
                color,
                severity_color(sev),
                &format!("{} ({})", sev.name(), group.len())
            )
        );
        let detailed = matches!(sev, Severity::Break | Severity::Api | Severity::Warning);
        let mut i = 0;
        while i < group.len() {
            let item = &group[i].item;
            let end = group[i..]
                .iter()
                .position(|f| &f.item != item)
                .map_or(group.len(), |n| i + n);
            let _ = writeln!(s, "  {}  ({})", visible(item), visible(&group[i].header));
            let mut diff = None;
            for f in &group[i..end] {
                let field = f
                    .field
                    .as_deref()
                    .map(|p| format!(" .{}", visible(p)))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "    {}{field} [{}]: {}",
                    f.rule,
                    arch_label(report, f),
                    visible(&f.message)
                );
                if detailed && diff.is_none() {
                    diff = report.diff_for(f);
                }
            }
            if let Some(d) = diff {
                for line in d.lines() {
                    let line = &visible(line);
                    let painted = match line.chars().next() {
                        Some('-') if !line.starts_with("---") => paint(color, "31", line),
                        Some('+') if !line.starts_with("+++") => paint(color, "32", line),
                        _ => line.to_string(),
                    };
                    let _ = writeln!(s, "      {painted}");
                }
            }
            i = end;
        }
    }
    if !report.waived.is_empty() {
        let _ = writeln!(s, "\nwaived ({})", report.waived.len());
        for w in &report.waived {
            let f = &w.finding;
            let waiver = &report.waivers[w.waiver];
            let _ = writeln!(
                s,
                "  {} {} [{}]: {} ({})",
                f.rule,
                visible(&f.path()),
                super::names(&f.arches),
                visible(&waiver.reason),
                visible(&waiver.link)
            );
        }
    }
    s
}
