//! The body of the `abi_check` fuzz target (and its stable replay): the ABI checker's parsers
//! and its central promise, on arbitrary input.
//!
//! Input: 4 selector bytes, then snapshot text, a NUL, and waiver-file text. The oracle:
//! - the waiver parser never panics, and what it accepts renders back to the same waivers;
//! - a snapshot that parses compares empty against itself (`check(a, a)` has no finding); the
//!   snapshot text is sealed with a correct `end` line first (`snapshot::seal`), so mutated text
//!   still reaches the parser and the checker instead of stopping at the checksum;
//! - the same snapshot with one thing changed (chosen by the selector: a record's size or
//!   alignment, a field's offset, size or type, a constant's value, a record or constant
//!   removed) always produces at least one finding.

use crate::check::check;
use crate::model::Layout;
use crate::{snapshot, waiver};

/// Runs the oracle on one input; `Err` describes the violation.
pub fn fuzz_check(data: &[u8]) -> Result<(), String> {
    if data.len() < 4 {
        return Ok(());
    }
    let (selector, rest) = data.split_at(4);
    let (snap, waivers) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    waiver_round_trip(&String::from_utf8_lossy(waivers))?;
    let Ok(layout) = snapshot::parse(&snapshot::seal(&String::from_utf8_lossy(snap))) else {
        return Ok(());
    };
    let same = check(
        std::slice::from_ref(&layout),
        std::slice::from_ref(&layout),
        None,
    )
    .map_err(|e| format!("check(a, a) failed: {e}"))?;
    if !same.findings.is_empty() {
        return Err(format!("check(a, a) is not empty: {:?}", same.findings));
    }
    let Some((what, perturbed)) = perturb(&layout, selector) else {
        return Ok(());
    };
    let report = check(
        std::slice::from_ref(&layout),
        std::slice::from_ref(&perturbed),
        None,
    )
    .map_err(|e| format!("check(a, perturbed) failed: {e}"))?;
    if report.findings.is_empty() {
        return Err(format!("{what}: no finding"));
    }
    Ok(())
}

fn waiver_round_trip(text: &str) -> Result<(), String> {
    let known = |id: &str| crate::findings::kind(id).is_some();
    let Ok(list) = waiver::parse(text, known) else {
        return Ok(());
    };
    let rendered = waiver::render(&list);
    match waiver::parse(&rendered, known) {
        Ok(again) if again == list => Ok(()),
        Ok(again) => Err(format!(
            "waivers do not round-trip: {list:?} -> {rendered} -> {again:?}"
        )),
        Err(e) => Err(format!("rendered waivers do not parse ({e}):\n{rendered}")),
    }
}

/// One change to `layout` chosen by `sel`, described; `None` when there is nothing to change.
fn perturb(layout: &Layout, sel: &[u8]) -> Option<(String, Layout)> {
    let mut l = layout.clone();
    let pick = |n: usize| ((usize::from(sel[1]) << 8) | usize::from(sel[2])) % n.max(1);
    let kind = sel[0] % 8;
    let delta = u64::from(sel[3] % 16) + 1;
    if kind < 6 {
        let names: Vec<String> = l.records.keys().cloned().collect();
        if names.is_empty() {
            return None;
        }
        let name = names[pick(names.len())].clone();
        let r = l.records.get_mut(&name)?;
        match kind {
            0 => {
                r.size_bytes += delta;
                Some((format!("{name}: size +{delta}"), l))
            }
            1 => {
                r.align_bytes *= 2;
                Some((format!("{name}: alignment doubled"), l))
            }
            2..=4 if !r.fields.is_empty() => {
                let i = pick(r.fields.len());
                let f = &mut r.fields[i];
                let what = match kind {
                    2 => {
                        f.offset_bytes += delta;
                        "offset"
                    }
                    3 => {
                        f.size_bytes += delta;
                        "size"
                    }
                    _ => {
                        f.c_type.push_str(" volatile_fuzz");
                        "type"
                    }
                };
                Some((format!("{name}.{}: {what} changed", f.name), l))
            }
            _ => {
                l.records.remove(&name);
                Some((format!("{name}: removed"), l))
            }
        }
    } else {
        let names: Vec<String> = l.constants.keys().cloned().collect();
        if names.is_empty() {
            return None;
        }
        let name = names[pick(names.len())].clone();
        if kind == 6 {
            let c = l.constants.get_mut(&name)?;
            c.value += i128::from(delta);
            Some((format!("{name}: value +{delta}"), l))
        } else {
            l.constants.remove(&name);
            Some((format!("{name}: removed"), l))
        }
    }
}
