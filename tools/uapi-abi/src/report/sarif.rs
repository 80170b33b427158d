//! SARIF 2.1.0, so code-scanning UIs show each finding at the header line that defines the item.

use super::Sources;
use crate::check::Report;
use crate::findings::Severity;
use serde_json::{json, Value};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Break => "error",
        Severity::Api | Severity::Warning => "warning",
        Severity::Compatible | Severity::Note => "note",
    }
}

/// Every rule id with its summary and severity: rules, lints and the waiver checks.
/// The rule catalogue: every finding kind, from the one table.
fn catalogue() -> Vec<(&'static str, &'static str, Severity)> {
    crate::findings::kinds()
        .iter()
        .map(|k| (k.id, k.summary, k.severity))
        .collect()
}

/// Renders a report as a SARIF 2.1.0 log.
pub fn render_sarif(report: &Report, sources: &Sources) -> String {
    let cat = catalogue();
    let rules: Vec<Value> = cat
        .iter()
        .map(|(id, summary, sev)| {
            json!({
                "id": id,
                "name": id,
                "shortDescription": { "text": summary },
                "defaultConfiguration": { "level": level(*sev) },
                "properties": { "severity": sev.name() },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = cat.iter().position(|(id, _, _)| *id == f.rule);
            let mut r = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": { "text": format!("{}: {}", f.path(), f.message) },
                "properties": {
                    "severity": f.severity.name(),
                    "architectures": f.arches.iter().map(|a| a.name()).collect::<Vec<_>>(),
                    "item": f.item,
                    "field": f.field,
                    "old": f.old,
                    "new": f.new,
                },
            });
            if let Some(i) = index {
                r["ruleIndex"] = json!(i);
            }
            if let Some((uri, line)) = sources.locate(f) {
                let mut physical = json!({ "artifactLocation": { "uri": uri } });
                if let Some(line) = line {
                    physical["region"] = json!({ "startLine": line });
                }
                r["locations"] = json!([{ "physicalLocation": physical }]);
            }
            r
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "uapi-guard",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
