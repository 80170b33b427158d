//! The Markdown review comment (the bot posts it): a one-line verdict, a table of findings by
//! severity and architecture, each break, api change and warning with its field path, old and new
//! values, a fix hint and the snapshot diff in a collapsed section, then the compatible changes and
//! notes collapsed. Long reports are truncated with counts. Every text that comes from a header is
//! escaped so it cannot inject markup, links, HTML or mentions.

use super::{arch_label, title};
use crate::check::Report;
use crate::findings::{Finding, Severity};
use crate::model::Arch;
use std::fmt::Write as _;

/// Limits that keep a large report readable.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    /// Findings shown in detail per severity (break, api, warning) before truncating.
    pub max_detailed: usize,
    /// Findings listed per severity (compatible, note) before truncating.
    pub max_listed: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            max_detailed: 25,
            max_listed: 50,
        }
    }
}

/// Escapes text for Markdown: punctuation that starts emphasis, code, links, images, tables or
/// headings is backslash-escaped, as are `.` and `:` so nothing is auto-linked (`www.x.org`,
/// `https://`); `<`, `>`, `&` and `@` become entities (no HTML, no mentions); line breaks become
/// spaces. Parentheses need nothing once `[` and `]` are escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("&#64;"),
            '\n' | '\r' => out.push(' '),
            // Shown as an escaped `\u{XXXX}`: a bidi control or zero-width character would
            // reorder or hide the comment's text.
            c if super::is_invisible(c) => out.push_str(&format!("\\\\u{{{:04X}}}", c as u32)),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '+' | '.' | '!' | '|' | '~' | ':' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A fenced code block whose fence is longer than any backtick run inside, so content cannot
/// close it.
fn fenced(lang: &str, body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest.max(2) + 1);
    let body: Vec<String> = body.trim_end().lines().map(super::visible).collect();
    format!("{fence}{lang}\n{}\n{fence}\n", body.join("\n"))
}

/// The usual fix for a rule's finding.
fn heading(s: Severity) -> &'static str {
    match s {
        Severity::Break => "Breaks",
        Severity::Api => "Source-level (API) changes",
        Severity::Warning => "Warnings",
        Severity::Compatible => "Compatible changes",
        Severity::Note => "Notes",
    }
}

fn arches_md(report: &Report, f: &Finding) -> String {
    escape(&arch_label(report, f))
}

/// Renders the review comment.
pub fn render_markdown(report: &Report, opts: MarkdownOptions) -> String {
    let mut s = String::new();
    let mark = match report.worst() {
        Some(Severity::Break) => "❌",
        Some(Severity::Api) | Some(Severity::Warning) => "⚠️",
        _ => "✅",
    };
    let _ = writeln!(
        s,
        "### {mark} uapi-guard {}: {}\n",
        escape(&title(report)),
        escape(&super::verdict(report))
    );
    let _ = writeln!(
        s,
        "Architectures: {}\n",
        escape(&super::names(&report.arches))
    );
    if report.findings.is_empty() && report.waived.is_empty() {
        s.push_str("Nothing in this change affects the userspace ABI.\n");
        return s;
    }
    table(&mut s, report);
    for sev in Severity::ALL {
        let group: Vec<&Finding> = report.of_severity(sev).collect();
        if group.is_empty() {
            continue;
        }
        let detailed = matches!(sev, Severity::Break | Severity::Api | Severity::Warning);
        let _ = writeln!(s, "\n#### {} ({})\n", heading(sev), group.len());
        if detailed {
            for f in group.iter().take(opts.max_detailed) {
                detail(&mut s, report, f);
            }
            more(&mut s, group.len(), opts.max_detailed);
        } else {
            let _ = writeln!(
                s,
                "<details><summary>{} {}</summary>\n",
                group.len(),
                heading(sev).to_lowercase()
            );
            for f in group.iter().take(opts.max_listed) {
                let _ = writeln!(
                    s,
                    "- {} **{}** ({}): {}",
                    escape(&f.path()),
                    escape(f.rule),
                    arches_md(report, f),
                    escape(&f.message)
                );
            }
            more(&mut s, group.len(), opts.max_listed);
            s.push_str("\n</details>\n");
        }
    }
    if !report.waived.is_empty() {
        let _ = writeln!(
            s,
            "\n<details><summary>{} waived</summary>\n",
            report.waived.len()
        );
        for w in report.waived.iter().take(opts.max_listed) {
            let waiver = &report.waivers[w.waiver];
            let _ = writeln!(
                s,
                "- {} **{}** ({}): {} ({})",
                escape(&w.finding.path()),
                escape(w.finding.rule),
                escape(&super::names(&w.finding.arches)),
                escape(&waiver.reason),
                escape(&waiver.link)
            );
        }
        more(&mut s, report.waived.len(), opts.max_listed);
        s.push_str("\n</details>\n");
    }
    s
}

fn more(s: &mut String, total: usize, shown: usize) {
    if total > shown {
        let _ = writeln!(
            s,
            "\n… and {} more (the JSON and SARIF reports have them all)",
            total - shown
        );
    }
}

fn table(s: &mut String, report: &Report) {
    let arches: &[Arch] = &report.arches;
    let _ = write!(s, "| severity |");
    for a in arches {
        let _ = write!(s, " {} |", escape(a.name()));
    }
    let _ = writeln!(s, " findings |");
    let _ = writeln!(s, "|---|{}---:|", "---:|".repeat(arches.len()));
    for sev in Severity::ALL {
        let total = report.count(sev);
        if total == 0 {
            continue;
        }
        let _ = write!(s, "| {} |", sev.name());
        for a in arches {
            let n = report
                .of_severity(sev)
                .filter(|f| f.arches.contains(a))
                .count();
            let _ = write!(s, " {n} |");
        }
        let _ = writeln!(s, " {total} |");
    }
}

fn detail(s: &mut String, report: &Report, f: &Finding) {
    let _ = writeln!(
        s,
        "- **{}** {} ({}, {})  ",
        escape(f.rule),
        escape(&f.path()),
        escape(&f.header),
        arches_md(report, f)
    );
    let _ = writeln!(s, "  {}  ", escape(&f.message));
    if f.old.is_some() || f.new.is_some() {
        let _ = writeln!(
            s,
            "  old: {} → new: {}  ",
            escape(f.old.as_deref().unwrap_or("none")),
            escape(f.new.as_deref().unwrap_or("none"))
        );
    }
    let _ = writeln!(s, "  *Fix:* {}", escape(crate::findings::hint(f.rule)));
    if let Some(d) = report.diff_for(f) {
        let _ = writeln!(
            s,
            "  <details><summary>snapshot diff</summary>\n\n{}\n  </details>",
            fenced("diff", d)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_zero_width_characters_are_shown_not_obeyed() {
        // "Trojan Source": a right-to-left override and a zero-width space in a name.
        let name = "struct a\u{202E}b\u{200B}c\u{1b}[31m";
        let e = escape(name);
        assert!(!e.chars().any(crate::report::is_invisible), "{e:?}");
        assert!(
            e.contains("u{202E}") && e.contains("u{200B}") && e.contains("u{001B}"),
            "{e}"
        );
        let block = fenced("diff", &format!("-{name}\n+x"));
        assert!(
            !block
                .chars()
                .any(|c| c != '\n' && crate::report::is_invisible(c)),
            "{block:?}"
        );
        assert!(block.contains("\\u{202E}"), "{block}");
    }

    #[test]
    fn escape_neutralises_markup_links_html_and_mentions() {
        let e = escape("[x](http://a) <img src=x> @torvalds **b** `c` | d\n# h");
        assert!(!e.contains("<img"));
        assert!(!e.contains('@'));
        assert!(e.contains("\\[x\\](http\\://a)"), "{e}");
        assert!(escape("see www.example.org").contains("www\\.example\\.org"));
        assert!(e.contains("\\*\\*b\\*\\*"));
        assert!(!e.contains('\n'));
    }

    #[test]
    fn fence_outlasts_backticks_inside() {
        let f = fenced("diff", "a ```` b");
        assert!(f.starts_with("`````diff\n"));
    }
}
