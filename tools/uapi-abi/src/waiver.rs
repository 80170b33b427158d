//! Waivers: a TOML file of accepted findings. Each waiver names a rule (or lint) id, an item
//! pattern (`*` and `?` wildcards), optionally a field pattern and architectures, a reason, a link
//! and an optional expiry date. Parsing is pure; the caller reads the file and supplies today's
//! date.
//!
//! ```toml
//! [[waiver]]
//! rule = "record-removed"
//! item = "struct iommu_gpasid_bind_data*"
//! arches = ["x86_64", "i386"]          # optional: every architecture
//! field = "*"                          # optional: any field, or none
//! reason = "guest PASID interface removed on purpose, never had users"
//! link = "https://lore.kernel.org/..."
//! expires = "2027-06-30"               # optional
//! ```

use crate::findings::{Finding, Severity};
use crate::model::Arch;
use serde::Deserialize;
use std::fmt;

/// A calendar date, compared as (year, month, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1-12.
    pub month: u32,
    /// Day, 1-31.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.split('-');
        let year = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(1..=12).contains(&month) {
            return None;
        }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=days_in_month).contains(&day) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The civil date `days` days after 1970-01-01.
    pub fn from_unix_days(days: i64) -> Date {
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// Rule or lint id.
    pub rule: String,
    /// Item pattern.
    pub item: String,
    /// Field pattern; `None` matches findings with or without a field.
    pub field: Option<String>,
    /// Architectures; `None` is every architecture.
    pub arches: Option<Vec<Arch>>,
    /// Why it is accepted.
    pub reason: String,
    /// Where it was discussed.
    pub link: String,
    /// After this date the waiver no longer applies and the check fails.
    pub expires: Option<Date>,
}

impl Waiver {
    /// `rule item[.field]`, how reports name a waiver.
    pub fn label(&self) -> String {
        match &self.field {
            Some(f) => format!("{} {}.{f}", self.rule, self.item),
            None => format!("{} {}", self.rule, self.item),
        }
    }

    fn matches(&self, f: &Finding) -> bool {
        self.rule == f.rule
            && glob(&self.item, &f.item)
            && match (&self.field, &f.field) {
                (None, _) => true,
                (Some(p), Some(v)) => glob(p, v),
                (Some(p), None) => p == "*",
            }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    waiver: Vec<Raw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    rule: String,
    item: String,
    field: Option<String>,
    arches: Option<Vec<String>>,
    reason: String,
    link: String,
    expires: Option<String>,
}

/// Parses a waiver file. `known_rule` says whether an id names a rule or lint. The error is a
/// message without the file name (the caller adds it).
pub fn parse(text: &str, known_rule: impl Fn(&str) -> bool) -> Result<Vec<Waiver>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    file.waiver
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let at = |m: String| format!("waiver {} (rule {}): {m}", i + 1, raw.rule);
            if !known_rule(&raw.rule) {
                return Err(at("unknown rule id (see `uapi-guard rules`)".into()));
            }
            if raw.reason.trim().is_empty() || raw.link.trim().is_empty() {
                return Err(at("reason and link must not be empty".into()));
            }
            let arches = raw
                .arches
                .as_ref()
                .map(|list| {
                    list.iter()
                        .map(|a| a.parse::<Arch>().map_err(|e| at(e.to_string())))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?;
            let expires = raw
                .expires
                .as_deref()
                .map(|d| {
                    Date::parse(d).ok_or_else(|| at(format!("expires `{d}` is not YYYY-MM-DD")))
                })
                .transpose()?;
            Ok(Waiver {
                rule: raw.rule.clone(),
                item: raw.item.clone(),
                field: raw.field.clone(),
                arches,
                reason: raw.reason.clone(),
                link: raw.link.clone(),
                expires,
            })
        })
        .collect()
}

/// Renders waivers as a TOML waiver file that [`parse`] reads back to the same list.
pub fn render(waivers: &[Waiver]) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    for w in waivers {
        out.push_str("[[waiver]]\n");
        out.push_str(&format!("rule = {}\nitem = {}\n", q(&w.rule), q(&w.item)));
        if let Some(f) = &w.field {
            out.push_str(&format!("field = {}\n", q(f)));
        }
        if let Some(arches) = &w.arches {
            let list: Vec<String> = arches.iter().map(|a| q(a.name())).collect();
            out.push_str(&format!("arches = [{}]\n", list.join(", ")));
        }
        out.push_str(&format!(
            "reason = {}\nlink = {}\n",
            q(&w.reason),
            q(&w.link)
        ));
        if let Some(d) = w.expires {
            out.push_str(&format!("expires = {}\n", q(&d.to_string())));
        }
        out.push('\n');
    }
    out
}

/// A finding a waiver accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waived {
    /// The finding (only the architectures the waiver covers).
    pub finding: Finding,
    /// Index of the waiver in the list given to [`apply`].
    pub waiver: usize,
}

/// Splits findings into those still reported and those waived, and adds a `waiver-expired`
/// finding (a break: the check fails) for every expired waiver and a `waiver-unused` note for
/// every waiver that matched nothing. `source` names the waiver file in those findings.
pub fn apply(
    findings: Vec<Finding>,
    waivers: &[Waiver],
    today: Date,
    source: &str,
) -> (Vec<Finding>, Vec<Waived>) {
    let mut kept = Vec::new();
    let mut waived = Vec::new();
    let mut used = vec![false; waivers.len()];
    let live = |w: &Waiver| w.expires.is_none_or(|d| d >= today);
    for mut f in findings {
        for (i, w) in waivers.iter().enumerate() {
            if !live(w) || !w.matches(&f) {
                continue;
            }
            let (covered, rest): (Vec<Arch>, Vec<Arch>) = f
                .arches
                .iter()
                .partition(|a| w.arches.as_ref().is_none_or(|list| list.contains(a)));
            if covered.is_empty() {
                continue;
            }
            used[i] = true;
            let mut part = f.clone();
            part.arches = covered;
            waived.push(Waived {
                finding: part,
                waiver: i,
            });
            f.arches = rest;
            if f.arches.is_empty() {
                break;
            }
        }
        if !f.arches.is_empty() {
            kept.push(f);
        }
    }
    for (i, w) in waivers.iter().enumerate() {
        let all = w.arches.clone().unwrap_or_else(|| Arch::ALL.to_vec());
        if !live(w) {
            let expired = w.expires.map(|d| d.to_string()).unwrap_or_default();
            kept.push(Finding {
                rule: "waiver-expired",
                severity: Severity::Break,
                arches: all,
                item: w.label(),
                field: None,
                header: source.to_string(),
                old: None,
                new: Some(expired.clone()),
                message: format!(
                    "waiver {} in {source} expired on {expired} ({}); renew it with a new date or fix the finding",
                    i + 1,
                    w.reason
                ),
            });
        } else if !used[i] {
            kept.push(Finding {
                rule: "waiver-unused",
                severity: Severity::Note,
                arches: all,
                item: w.label(),
                field: None,
                header: source.to_string(),
                old: None,
                new: None,
                message: format!("waiver {} in {source} matches no finding; remove it", i + 1),
            });
        }
    }
    (kept, waived)
}

/// Matches `text` against `pattern`, where `*` is any run of characters and `?` any one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("struct iommu_*", "struct iommu_gpasid_bind_data"));
        assert!(glob("*", ""));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(!glob("struct vfio_*", "struct iommu_x"));
        assert!(glob("*_MAX", "IOMMU_FAULT_MAX"));
    }

    #[test]
    fn dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_416).to_string(), "2025-11-24");
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("2026-1-1x").is_none());
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-04-31").is_none());
        assert!(Date::parse("2026-02-03").unwrap() < Date::parse("2026-11-01").unwrap());
    }
}
