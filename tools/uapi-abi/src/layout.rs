//! Builds the layout of a header set on one architecture: bindgen for the shape, the compiled
//! probe for the numbers, and a cross-check wherever both have one.

use crate::error::Error;
use crate::extract::{extract_header, Extracted, MacroEval, RawConstant, RawRecord};
use crate::model::{
    Arch, BitRange, Constant, ConstantKind, Diagnostic, Field, Ioctl, Layout, Provenance, Record,
    SkippedHeader,
};
use crate::probe::{self, align_path, ProbeValues, Query};
use crate::sysroot::Sysroot;
use std::collections::BTreeMap;

/// How to treat a header of the set that does not compile alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnCompileError {
    /// Fail the whole layout (for small, named header sets).
    Fail,
    /// Record it as skipped with clang's first error (for the `all` set).
    Skip,
}

/// The layout and the generated Rust of each header.
#[derive(Debug)]
pub struct Extraction {
    /// The layout.
    pub layout: Layout,
    /// header -> bindgen's generated Rust.
    pub bindings: BTreeMap<String, String>,
}

/// The tools in use.
pub fn provenance() -> Provenance {
    Provenance {
        bindgen: "0.73.2".into(),
        libclang: bindgen::clang_version().full,
    }
}

/// Extracts and probes `headers` (relative to the sysroot's root) for `arch`.
pub fn extract_layout(
    sysroot: &Sysroot,
    header_set: &str,
    version: &str,
    headers: &[String],
    arch: Arch,
    on_error: OnCompileError,
    macros: MacroEval,
) -> Result<Extraction, Error> {
    let mut extracted: Vec<Extracted> = Vec::new();
    let mut skipped = Vec::new();
    for (header, result) in headers
        .iter()
        .zip(extract_all(sysroot, headers, arch, macros)?)
    {
        match result {
            Ok(e) => extracted.push(e),
            Err(Error::Compile { message, .. }) if on_error == OnCompileError::Skip => skipped
                .push(SkippedHeader {
                    header: header.clone(),
                    reason: message,
                }),
            // One header whose bindings cannot be read never stops the others.
            Err(e) if on_error == OnCompileError::Skip => skipped.push(SkippedHeader {
                header: header.clone(),
                reason: e.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    // Headers are probed in groups to save compiler runs. A group that fails to compile is
    // halved (headers that compile alone can clash); a group whose numbers disagree with bindgen
    // is split into single headers (one header's macro can change another's expression), so only
    // a single header's disagreement is an error. Groups are probed on every core.
    let mut done = probe_all(sysroot, arch, &extracted, on_error)?;
    // Merge in header order, so the result does not depend on which thread finished first.
    done.sort_by_key(|d| d.first);
    let mut records = BTreeMap::new();
    let mut constants = BTreeMap::new();
    let mut analysed = Vec::new();
    let mut diagnostics = Vec::new();
    for d in done {
        match d.outcome {
            Probed::Done {
                records: r,
                constants: c,
                headers,
                diagnostics: noticed,
            } => {
                diagnostics.extend(noticed);
                for record in r {
                    records.entry(record.name.clone()).or_insert(record);
                }
                for constant in c {
                    constants.entry(constant.name.clone()).or_insert(constant);
                }
                analysed.extend(headers);
            }
            Probed::Skipped(s) => skipped.push(s),
        }
    }
    analysed.sort();
    // Reasons name files relative to the include root, so they read the same for every tree.
    let root_prefix = format!("{}/", sysroot.root().display());
    for s in &mut skipped {
        s.reason = s.reason.replace(&root_prefix, "");
    }
    skipped.sort_by(|a, b| a.header.cmp(&b.header));
    diagnostics
        .sort_by(|a: &Diagnostic, b: &Diagnostic| (&a.header, &a.item).cmp(&(&b.header, &b.item)));
    let bindings = extracted
        .iter()
        .filter(|e| analysed.contains(&e.header))
        .map(|e| (e.header.clone(), e.bindings.clone()))
        .collect();
    Ok(Extraction {
        layout: Layout {
            header_set: header_set.to_string(),
            version: version.to_string(),
            arch,
            provenance: provenance(),
            headers: analysed,
            skipped,
            diagnostics,
            records,
            constants,
        },
        bindings,
    })
}

/// [`extract_layout`] with headers compiled as userspace compiles them: `linux/ioctl.h` first
/// (some headers use `_IOR` and friends without including it, relying on their users), and a
/// header that still does not compile alone is retried after the C library's basic headers
/// ([`crate::sysroot::LIBC_PRELUDE`]); one that compiles only so carries a diagnostic saying so.
/// What still fails keeps the reason it failed alone.
pub fn extract_as_userspace(
    sysroot: &Sysroot,
    header_set: &str,
    version: &str,
    headers: &[String],
    arch: Arch,
    on_error: OnCompileError,
    macros: MacroEval,
) -> Result<Extraction, Error> {
    let alone = sysroot.with_prelude(&["linux/ioctl.h"]);
    let mut first = extract_layout(&alone, header_set, version, headers, arch, on_error, macros)?;
    let retry: Vec<String> = first
        .layout
        .skipped
        .iter()
        .map(|s| s.header.clone())
        .filter(|h| headers.contains(h))
        .collect();
    if retry.is_empty() {
        return Ok(first);
    }
    let mut prelude: Vec<&str> = crate::sysroot::LIBC_PRELUDE.to_vec();
    prelude.push("linux/ioctl.h");
    let with_libc = sysroot.with_prelude(&prelude);
    let second = extract_layout(
        &with_libc, header_set, version, &retry, arch, on_error, macros,
    )?;
    let l = &mut first.layout;
    for h in &second.layout.headers {
        l.skipped.retain(|s| &s.header != h);
        l.diagnostics.push(Diagnostic {
            header: h.clone(),
            item: h.clone(),
            message: format!(
                "does not compile alone; compiled after the C library's {}, as userspace includes them",
                crate::sysroot::LIBC_PRELUDE.join(", ")
            ),
        });
    }
    for again in &second.layout.skipped {
        if let Some(s) = l.skipped.iter_mut().find(|s| s.header == again.header) {
            if again.reason != s.reason {
                s.reason = format!(
                    "{}; after the C library's headers: {}",
                    s.reason, again.reason
                );
            }
        }
    }
    for (name, r) in second.layout.records {
        l.records.entry(name).or_insert(r);
    }
    for (name, c) in second.layout.constants {
        l.constants.entry(name).or_insert(c);
    }
    l.headers.extend(second.layout.headers);
    l.headers.sort();
    l.diagnostics.extend(second.layout.diagnostics);
    l.diagnostics
        .sort_by(|a, b| (&a.header, &a.item).cmp(&(&b.header, &b.item)));
    first.bindings.extend(second.bindings);
    Ok(first)
}

/// Runs bindgen on every header, on as many threads as there are cores; results in header order.
fn extract_all(
    sysroot: &Sysroot,
    headers: &[String],
    arch: Arch,
    macros: MacroEval,
) -> Result<Vec<Result<Extracted, Error>>, Error> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, headers.len().max(1));
    // bindgen's macro fallback writes fixed file names into its build directory, so each worker
    // has its own.
    let scratch: Vec<_> = (0..workers)
        .map(|w| sysroot.scratch(&format!("macro-fallback-{arch}-{w}")))
        .collect::<Result<_, _>>()?;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for dir in &scratch {
            let (next, results) = (&next, &results);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(header) = headers.get(i) else { break };
                let r = extract_header(sysroot, header, arch, dir, macros);
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((i, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// What became of one group of headers.
enum Probed {
    Done {
        records: Vec<Record>,
        constants: Vec<Constant>,
        headers: Vec<String>,
        diagnostics: Vec<Diagnostic>,
    },
    Skipped(SkippedHeader),
}

struct GroupDone {
    /// Index of the group's first header, for a deterministic merge.
    first: usize,
    outcome: Probed,
}

enum Step<'a> {
    Finished(Probed),
    Split(Vec<&'a [Extracted]>),
}

fn probe_all(
    sysroot: &Sysroot,
    arch: Arch,
    extracted: &[Extracted],
    on_error: OnCompileError,
) -> Result<Vec<GroupDone>, Error> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let work: Mutex<Vec<&[Extracted]>> = Mutex::new(extracted.chunks(32).rev().collect());
    let in_flight = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if failure.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                    break;
                }
                let group = {
                    let mut w = work.lock().unwrap_or_else(|p| p.into_inner());
                    let g = w.pop();
                    if g.is_some() {
                        in_flight.fetch_add(1, Ordering::SeqCst);
                    }
                    g
                };
                let Some(group) = group else {
                    if in_flight.load(Ordering::SeqCst) == 0 {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    continue;
                };
                let first = extracted.len()
                    - extracted
                        .iter()
                        .skip_while(|e| !std::ptr::eq(*e, &group[0]))
                        .count();
                match probe_group(sysroot, arch, group, on_error) {
                    Ok(Step::Finished(outcome)) => done
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(GroupDone { first, outcome }),
                    Ok(Step::Split(parts)) => {
                        work.lock().unwrap_or_else(|p| p.into_inner()).extend(parts)
                    }
                    Err(e) => {
                        failure
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(e);
                    }
                }
                in_flight.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(done.into_inner().unwrap_or_else(|p| p.into_inner()))
}

fn halves(group: &[Extracted]) -> Step<'_> {
    let (a, b) = group.split_at(group.len() / 2);
    Step::Split(vec![b, a])
}

fn probe_group<'a>(
    sysroot: &Sysroot,
    arch: Arch,
    group: &'a [Extracted],
    on_error: OnCompileError,
) -> Result<Step<'a>, Error> {
    match probe_group_strict(sysroot, arch, group, on_error) {
        // Whatever stops a single header of a skipping set skips that header alone.
        Err(e) if on_error == OnCompileError::Skip && group.len() == 1 => {
            Ok(Step::Finished(Probed::Skipped(SkippedHeader {
                header: group[0].header.clone(),
                reason: e.to_string(),
            })))
        }
        Err(_) if on_error == OnCompileError::Skip => Ok(halves(group)),
        other => other,
    }
}

fn probe_group_strict<'a>(
    sysroot: &Sysroot,
    arch: Arch,
    group: &'a [Extracted],
    on_error: OnCompileError,
) -> Result<Step<'a>, Error> {
    let headers: Vec<String> = group.iter().map(|e| e.header.clone()).collect();
    let raw_records: Vec<RawRecord> = group.iter().flat_map(|e| e.records.clone()).collect();
    let mut raw_constants: Vec<RawConstant> =
        group.iter().flat_map(|e| e.constants.clone()).collect();
    if raw_constants.iter().any(|c| c.value.is_none()) {
        match probe::keep_integer_macros(sysroot, arch, &headers, raw_constants) {
            Ok(kept) => raw_constants = kept,
            Err(Error::Probe { .. }) if group.len() > 1 => return Ok(halves(group)),
            Err(e) => return Err(e),
        }
    }
    let values = match probe::run(sysroot, arch, &headers, &raw_records, &raw_constants) {
        Ok(values) => values,
        Err(Error::Probe { .. }) if group.len() > 1 => return Ok(halves(group)),
        Err(Error::Probe { item, message, .. }) if on_error == OnCompileError::Skip => {
            return Ok(Step::Finished(Probed::Skipped(SkippedHeader {
                header: headers.join(" "),
                reason: format!("probe: {item}: {message}"),
            })));
        }
        Err(e) => return Err(e),
    };
    // In a group, a disagreement may come from one header's macro changing another's
    // expression, so the group is split; for a single header the probe, the compiler's own
    // answer, is kept and the disagreement becomes a diagnostic.
    let mut noticed = if group.len() > 1 {
        None
    } else {
        Some(Vec::new())
    };
    match assemble_group(group, &raw_constants, &values, arch, &mut noticed) {
        Ok((records, constants)) => Ok(Step::Finished(Probed::Done {
            records,
            constants,
            headers,
            diagnostics: noticed.unwrap_or_default(),
        })),
        Err(Error::Mismatch { .. }) if group.len() > 1 => {
            Ok(Step::Split(group.chunks(1).rev().collect()))
        }
        Err(e) => Err(e),
    }
}

/// Where disagreements between bindgen and the probe go: `None` makes each an error (a group
/// of headers, to be split), `Some` collects them as diagnostics (a single header).
type Noticed = Option<Vec<Diagnostic>>;

type Assembled = (Vec<Record>, Vec<Constant>);

/// `kept`: the group's constants that survived the probe (all of them unless some were
/// unevaluated macros that turned out not to be integer constants).
fn assemble_group(
    group: &[Extracted],
    kept: &[RawConstant],
    values: &ProbeValues,
    arch: Arch,
    noticed: &mut Noticed,
) -> Result<Assembled, Error> {
    let mut records = Vec::new();
    let mut constants = Vec::new();
    for e in group {
        for raw in &e.records {
            records.push(assemble_record(raw, &e.header, values, arch, noticed)?);
        }
        for raw in e
            .constants
            .iter()
            .filter(|c| kept.iter().any(|k| k.name == c.name))
        {
            constants.push(assemble_constant(raw, &e.header, values, arch, noticed)?);
        }
    }
    Ok((records, constants))
}

/// Reports a disagreement: an error, or a diagnostic keeping the probe's value.
fn disagree(noticed: &mut Noticed, header: &str, e: Error) -> Result<(), Error> {
    match (noticed, &e) {
        (
            Some(list),
            Error::Mismatch {
                item,
                what,
                bindgen,
                probe,
                ..
            },
        ) => {
            list.push(Diagnostic {
                header: header.to_string(),
                item: item.clone(),
                message: format!(
                    "{what}: bindgen says {bindgen}, the compiled probe {probe}; the probe's value is kept"
                ),
            });
            Ok(())
        }
        _ => Err(e),
    }
}

fn need(values: &ProbeValues, q: Query, arch: Arch) -> Result<u64, Error> {
    values.get(&q).ok_or_else(|| Error::Probe {
        arch,
        item: format!("{q:?}"),
        message: "value missing from the probe".into(),
    })
}

fn check(
    arch: Arch,
    item: &str,
    what: &'static str,
    bindgen: Option<u64>,
    probe: u64,
) -> Result<(), Error> {
    match bindgen {
        Some(b) if b != probe => Err(Error::Mismatch {
            arch,
            item: item.to_string(),
            what,
            bindgen: i128::from(b),
            probe: i128::from(probe),
        }),
        _ => Ok(()),
    }
}

fn assemble_record(
    raw: &RawRecord,
    header: &str,
    values: &ProbeValues,
    arch: Arch,
    noticed: &mut Noticed,
) -> Result<Record, Error> {
    let size_bytes = need(values, Query::Size(raw.name.clone()), arch)?;
    let align_bytes = need(values, Query::Align(raw.name.clone()), arch)?;
    if let Err(e) = check(arch, &raw.name, "size", raw.size_bytes, size_bytes) {
        disagree(noticed, header, e)?;
    }
    if let Err(e) = check(arch, &raw.name, "alignment", raw.align_bytes, align_bytes) {
        disagree(noticed, header, e)?;
    }
    let mut fields = Vec::with_capacity(raw.fields.len());
    for f in &raw.fields {
        let item = format!("{}.{}", raw.name, f.path);
        let field = if f.is_bitfield {
            let (offset_bits, size_bits) = values
                .bit_range(&raw.name, &f.path, arch.endian())
                .ok_or_else(|| Error::Probe {
                    arch,
                    item: item.clone(),
                    message: "bitfield image has no bit set".into(),
                })?;
            Field {
                name: f.path.clone(),
                offset_bytes: offset_bits / 8,
                size_bytes: need(values, Query::TypeSize(f.c_type.clone()), arch)?,
                align_bytes: need(values, Query::TypeAlign(f.c_type.clone()), arch)?,
                bits: Some(BitRange {
                    offset_bits,
                    size_bits,
                }),
                c_type: f.c_type.clone(),
            }
        } else {
            let offset_bytes = need(
                values,
                Query::Offset(raw.name.clone(), f.path.clone()),
                arch,
            )?;
            if let Err(e) = check(arch, &item, "offset", f.offset_bytes, offset_bytes) {
                disagree(noticed, header, e)?;
            }
            let size_bytes = if f.c_type.ends_with("[]") {
                0
            } else {
                need(
                    values,
                    Query::FieldSize(raw.name.clone(), f.path.clone()),
                    arch,
                )?
            };
            Field {
                name: f.path.clone(),
                offset_bytes,
                size_bytes,
                align_bytes: need(
                    values,
                    Query::FieldAlign(raw.name.clone(), align_path(&f.path, &f.c_type)),
                    arch,
                )?,
                bits: None,
                c_type: f.c_type.clone(),
            }
        };
        fields.push(field);
    }
    Ok(Record {
        name: raw.name.clone(),
        kind: raw.kind,
        header: header.to_string(),
        size_bytes,
        align_bytes,
        fields,
    })
}

fn assemble_constant(
    raw: &RawConstant,
    header: &str,
    values: &ProbeValues,
    arch: Arch,
    noticed: &mut Noticed,
) -> Result<Constant, Error> {
    let bits = need(values, Query::Value(raw.name.clone()), arch)?;
    let negative = need(values, Query::Negative(raw.name.clone()), arch)? != 0;
    let value = if negative {
        i128::from(bits as i64)
    } else {
        i128::from(bits)
    };
    // bindgen evaluates `(1 << 31)` and `(-1U)` in 64 bits; C evaluates them as 32-bit `int` or
    // `unsigned int`. Where the C value is a 32-bit one, the low 32 bits must agree.
    let agrees = |b: i64| {
        b as u64 == bits
            || ((i128::from(i32::MIN)..=i128::from(u32::MAX)).contains(&value)
                && b as u32 == bits as u32)
    };
    if let Some(b) = raw.value.filter(|&b| !agrees(b)) {
        let e = Error::Mismatch {
            arch,
            item: raw.name.clone(),
            what: "value",
            bindgen: i128::from(b),
            probe: value,
        };
        disagree(noticed, header, e)?;
    }
    let ioctl = match &raw.ioctl {
        None => None,
        Some((macro_name, arg_type)) => {
            let (dir, ioc_type, nr, size_bytes) =
                arch.ioctl_encoding()
                    .decode(value)
                    .ok_or_else(|| Error::Probe {
                        arch,
                        item: raw.name.clone(),
                        message: format!(
                            "{macro_name} value {value:#x} is not a valid ioctl number"
                        ),
                    })?;
            Some(Ioctl {
                dir,
                ioc_type,
                nr,
                size_bytes,
                macro_name: macro_name.clone(),
                arg_type: arg_type.clone(),
            })
        }
    };
    Ok(Constant {
        name: raw.name.clone(),
        header: header.to_string(),
        value,
        kind: match &raw.enum_name {
            None => ConstantKind::Macro,
            Some(e) => ConstantKind::Enumerator {
                enum_name: e.clone(),
            },
        },
        ioctl,
    })
}
