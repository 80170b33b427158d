//! Renderers for check and lint reports: human text (the default), JSON, Markdown (the bot's
//! review comment) and SARIF 2.1.0. Pure: they take a report and return text. The CLI and the bot
//! use the same renderers.

mod json;
mod markdown;
mod sarif;
mod source;
mod text;

pub use json::render_json;
pub use markdown::{escape, render_markdown, MarkdownOptions};
pub use sarif::render_sarif;
pub use source::{definition_line, Sources};
pub use text::render_text;

use crate::check::Report;
use crate::findings::Finding;
use crate::model::Arch;

/// Whether a character would be invisible or would change how the text around it is shown:
/// control characters (terminal escapes among them), Unicode bidi controls and zero-width
/// characters (the "Trojan Source" tricks).
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}' | '\u{00AD}')
}

/// `s` with every character [`is_invisible`] finds shown as `\u{XXXX}`, so names from headers
/// cannot hide text, reorder it or drive a terminal. Tabs and newlines are shown too: report
/// lines are built by the renderers, never taken whole from a header.
pub fn visible(s: &str) -> String {
    if !s.chars().any(is_invisible) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{{{:04X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod visible_tests {
    #[test]
    fn text_reports_show_escapes_instead_of_obeying_them() {
        assert_eq!(super::visible("plain name"), "plain name");
        assert_eq!(super::visible("a\u{1b}[2Jb"), "a\\u{001B}[2Jb");
        assert_eq!(super::visible("x\u{2066}y"), "x\\u{2066}y");
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human text, grouped by severity and item.
    Text,
    /// Stable JSON (see `docs/report-json.md`).
    Json,
    /// A Markdown review comment.
    Markdown,
    /// SARIF 2.1.0 for code-scanning UIs.
    Sarif,
}

impl Format {
    /// Parses `text`, `json`, `markdown` or `sarif`.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "markdown" | "md" => Some(Format::Markdown),
            "sarif" => Some(Format::Sarif),
            _ => None,
        }
    }
}

/// `all architectures` when a finding holds everywhere the report compared, else the list.
pub fn arch_label(report: &Report, f: &Finding) -> String {
    if f.arches == report.arches && report.arches.len() > 1 {
        "all architectures".into()
    } else {
        names(&f.arches)
    }
}

/// Comma-separated architecture names.
pub fn names(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The one-line verdict: the worst severity and the counts.
pub fn verdict(report: &Report) -> String {
    use crate::findings::Severity;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{} {}", report.count(*s), s.name()))
        .collect();
    let head = match report.worst() {
        None => "no findings".to_string(),
        Some(Severity::Break) => "BREAKS old userspace".to_string(),
        Some(Severity::Api) => "binary compatible; breaks old sources".to_string(),
        Some(Severity::Warning) => "compatible, with warnings".to_string(),
        Some(_) => "compatible".to_string(),
    };
    let mut s = format!("{head} ({})", counts.join(", "));
    if !report.waived.is_empty() {
        s.push_str(&format!("; {} waived", report.waived.len()));
    }
    s
}

/// `check: vfio 6.1 -> 6.12` or `lint: vfio 6.12`.
pub fn title(report: &Report) -> String {
    match &report.old_version {
        Some(old) => format!(
            "{}: {} {} -> {}",
            report.command, report.header_set, old, report.new_version
        ),
        None => format!(
            "{}: {} {}",
            report.command, report.header_set, report.new_version
        ),
    }
}
