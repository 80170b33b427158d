//! The JSON report, documented in `docs/report-json.md`. Its shape is stable: fields are only ever
//! added, and `schema` changes if one is removed or changes meaning.

use crate::check::Report;
use crate::findings::{Finding, Severity};
use serde_json::{json, Value};

/// The JSON report schema version.
pub const JSON_SCHEMA: u32 = 1;

fn finding(report: &Report, f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "severity": f.severity.name(),
        "architectures": f.arches.iter().map(|a| a.name()).collect::<Vec<_>>(),
        "item": f.item,
        "field": f.field,
        "header": f.header,
        "old": f.old,
        "new": f.new,
        "message": f.message,
        "diff": report.diff_for(f),
    })
}

/// Renders a report as pretty-printed JSON with a trailing newline.
pub fn render_json(report: &Report) -> String {
    let mut summary = serde_json::Map::new();
    for s in Severity::ALL {
        summary.insert(s.name().into(), json!(report.count(s)));
    }
    summary.insert("waived".into(), json!(report.waived.len()));
    let v = json!({
        "schema": JSON_SCHEMA,
        "tool": { "name": "uapi-guard", "version": env!("CARGO_PKG_VERSION") },
        "command": report.command,
        "header_set": report.header_set,
        "old_version": report.old_version,
        "new_version": report.new_version,
        "architectures": report.arches.iter().map(|a| a.name()).collect::<Vec<_>>(),
        "exit_code": report.exit_code(),
        "summary": summary,
        "findings": report.findings.iter().map(|f| finding(report, f)).collect::<Vec<_>>(),
        "waived": report.waived.iter().map(|w| {
            let waiver = &report.waivers[w.waiver];
            let mut v = finding(report, &w.finding);
            v["waiver"] = json!({
                "reason": waiver.reason,
                "link": waiver.link,
                "expires": waiver.expires.map(|d| d.to_string()),
            });
            v
        }).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
