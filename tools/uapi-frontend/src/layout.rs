//! Builds the layout of a header set on one architecture, with one of two front ends: bindgen
//! for the shape and the compiled probe for the numbers (what committed snapshots use, with their
//! Rust bindings), or one libclang parse per header for both (what checking header trees uses),
//! optionally verified by the probe. Where two sources give a number, they are cross-checked and
//! the probe, the compiler's own answer, is kept.

use crate::error::Error;
use crate::extract::direct::{self, Direct, DirectConstant};
use crate::extract::{extract_header, Extracted, MacroEval, RawConstant, RawField, RawRecord};
use crate::model::{
    Arch, BitRange, Constant, ConstantKind, Diagnostic, Field, Ioctl, Layout, Provenance, Record,
    SkippedHeader,
};
use crate::probe::{self, align_path, ProbeValues, Query};
use crate::sysroot::Sysroot;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Which front end reads the headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frontend {
    /// bindgen reads the shape and writes the Rust bindings committed with a snapshot; the
    /// compiled probe gives every number.
    Bindgen(MacroEval),
    /// One libclang parse per header reads shape and numbers (several times faster). With
    /// `verify`, the compiled probe also gives every number, and wins where the two disagree
    /// (a diagnostic says so).
    Direct {
        /// Also run the compiled probe.
        verify: bool,
    },
}

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

/// Extracts and probes `headers` (relative to the sysroot's root) for `arch` with bindgen.
pub fn extract_layout(
    sysroot: &Sysroot,
    header_set: &str,
    version: &str,
    headers: &[String],
    arch: Arch,
    on_error: OnCompileError,
    macros: MacroEval,
) -> Result<Extraction, Error> {
    read_layout(
        sysroot,
        header_set,
        version,
        headers,
        arch,
        on_error,
        Frontend::Bindgen(macros),
    )
}

/// Reads `headers` (relative to the sysroot's root) for `arch` with `frontend`.
pub fn read_layout(
    sysroot: &Sysroot,
    header_set: &str,
    version: &str,
    headers: &[String],
    arch: Arch,
    on_error: OnCompileError,
    frontend: Frontend,
) -> Result<Extraction, Error> {
    crate::progress::report(crate::progress::Event::Planned {
        units: headers.len(),
    });
    let mut extracted: Vec<Extracted> = Vec::new();
    let mut skipped = Vec::new();
    let mut keep = |header: &String, result: Result<Extracted, Error>| match result {
        Ok(e) => {
            extracted.push(e);
            Ok(())
        }
        Err(Error::Compile { message, .. }) if on_error == OnCompileError::Skip => {
            skipped.push(SkippedHeader {
                header: header.clone(),
                reason: message,
            });
            Ok(())
        }
        // One header that cannot be read never stops the others.
        Err(e) if on_error == OnCompileError::Skip => {
            skipped.push(SkippedHeader {
                header: header.clone(),
                reason: e.to_string(),
            });
            Ok(())
        }
        Err(e) => Err(e),
    };
    let mut done = match frontend {
        Frontend::Bindgen(macros) => {
            for (header, result) in headers
                .iter()
                .zip(extract_all(sysroot, headers, arch, macros)?)
            {
                keep(header, result)?;
            }
            probe_all(sysroot, arch, &extracted, on_error)?
        }
        Frontend::Direct { verify } => {
            let read = read_all(sysroot, headers, arch);
            let mut directs = Vec::new();
            for (header, result) in headers.iter().zip(read) {
                let result = result.map(|d| {
                    // The probe's view of the results is only needed to verify them.
                    let e = if verify {
                        as_extracted(header, &d)
                    } else {
                        as_extracted(header, &Direct::default())
                    };
                    directs.push(d);
                    e
                });
                keep(header, result)?;
            }
            if verify {
                verified(
                    probe_all(sysroot, arch, &extracted, on_error)?,
                    &extracted,
                    &directs,
                )
            } else {
                let mut done = Vec::new();
                for (first, (e, d)) in extracted.iter().zip(directs).enumerate() {
                    let constants: Result<Vec<Constant>, Error> = d
                        .constants
                        .iter()
                        .map(|c| direct_constant(c, &e.header, arch))
                        .collect();
                    let outcome = match constants {
                        Ok(constants) => Probed::Done {
                            constants,
                            records: d
                                .records
                                .into_iter()
                                .map(|r| Record {
                                    header: e.header.clone(),
                                    ..r
                                })
                                .collect(),
                            headers: vec![e.header.clone()],
                            diagnostics: Vec::new(),
                        },
                        Err(err) if on_error == OnCompileError::Skip => {
                            Probed::Skipped(SkippedHeader {
                                header: e.header.clone(),
                                reason: err.to_string(),
                            })
                        }
                        Err(err) => return Err(err),
                    };
                    done.push(GroupDone { first, outcome });
                }
                done
            }
        }
    };
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
    // Reasons name files relative to the include root (and `asm/...`), so they read the same
    // for every tree, never the run's temporary overlay folder.
    let root_prefix = format!("{}/", sysroot.root().display());
    let overlay_prefix = sysroot.overlay(arch).map(|o| format!("{}/", o.display()));
    for s in &mut skipped {
        s.reason = s.reason.replace(&root_prefix, "");
        if let Some(o) = &overlay_prefix {
            s.reason = s.reason.replace(o, "");
        }
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
    frontend: Frontend,
) -> Result<Extraction, Error> {
    let alone = sysroot.with_prelude(&["linux/ioctl.h"]);
    let mut first = read_layout(
        &alone, header_set, version, headers, arch, on_error, frontend,
    )?;
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
    let second = read_layout(
        &with_libc, header_set, version, &retry, arch, on_error, frontend,
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

/// Runs bindgen on every header, on the thread pool; results in header order.
fn extract_all(
    sysroot: &Sysroot,
    headers: &[String],
    arch: Arch,
    macros: MacroEval,
) -> Result<Vec<Result<Extracted, Error>>, Error> {
    // bindgen's macro fallback writes fixed file names into its build directory, so each
    // thread of the pool has its own.
    let scratch: Vec<_> = (0..rayon::current_num_threads().max(1))
        .map(|w| sysroot.scratch(&format!("macro-fallback-{arch}-{w}")))
        .collect::<Result<_, _>>()?;
    let extracted = headers
        .par_iter()
        .map(|header| {
            let dir = &scratch[rayon::current_thread_index().unwrap_or(0) % scratch.len()];
            let r = extract_header(sysroot, header, arch, dir, macros);
            crate::progress::report(crate::progress::Event::Done { arch, header });
            r
        })
        .collect();
    // `extract_header`'s quiet first parse keeps a translation unit per thread.
    direct::release(&sysroot.clang_args(arch));
    Ok(extracted)
}

/// Reads every header with the direct front end, on the thread pool; results in header order.
fn read_all(sysroot: &Sysroot, headers: &[String], arch: Arch) -> Vec<Result<Direct, Error>> {
    let args = sysroot.clang_args(arch);
    let read = headers
        .par_iter()
        .map(|header| {
            let r = read_one(sysroot, header, arch, &args);
            crate::progress::report(crate::progress::Event::Done { arch, header });
            r
        })
        .collect();
    direct::release(&args);
    read
}

fn read_one(sysroot: &Sysroot, header: &str, arch: Arch, args: &[String]) -> Result<Direct, Error> {
    let path = sysroot.resolve(arch, header);
    if !path.is_file() {
        return Err(Error::MissingHeader { path });
    }
    let text = crate::input::read_text_bounded(&path, crate::input::HEADER_LIMIT)?;
    direct::read_header(&path.to_string_lossy(), &text, args, arch).map_err(|f| {
        let message = match f {
            direct::Failure::Compile(m) | direct::Failure::Libclang(m) => m,
        };
        Error::Compile {
            header: header.to_string(),
            arch,
            message,
        }
    })
}

/// The direct front end's results in the form the probe checks.
fn as_extracted(header: &str, d: &Direct) -> Extracted {
    Extracted {
        header: header.to_string(),
        records: d
            .records
            .iter()
            .map(|r| RawRecord {
                name: r.name.clone(),
                kind: r.kind,
                size_bytes: Some(r.size_bytes),
                align_bytes: Some(r.align_bytes),
                fields: r
                    .fields
                    .iter()
                    .map(|f| RawField {
                        path: f.name.clone(),
                        c_type: f.c_type.clone(),
                        offset_bytes: f.bits.is_none().then_some(f.offset_bytes),
                        is_bitfield: f.bits.is_some(),
                    })
                    .collect(),
            })
            .collect(),
        constants: d
            .constants
            .iter()
            .map(|c| RawConstant {
                name: c.name.clone(),
                value: Some(c.value as i64),
                enum_name: c.enum_name.clone(),
                ioctl: c.ioctl.clone(),
            })
            .collect(),
        bindings: String::new(),
        front: "libclang",
    }
}

fn direct_constant(c: &DirectConstant, header: &str, arch: Arch) -> Result<Constant, Error> {
    constant(
        &c.name,
        header,
        c.value,
        c.enum_name.as_deref(),
        c.ioctl.as_ref(),
        arch,
    )
}

/// The probe's results, with a diagnostic wherever a member's size, alignment or bits from
/// libclang differ from the probe's (sizes, alignments and offsets of records and members, and
/// constant values, are already compared while the probe's results are assembled).
fn verified(
    mut done: Vec<GroupDone>,
    extracted: &[Extracted],
    directs: &[Direct],
) -> Vec<GroupDone> {
    // Two headers may define records of the same name (asm-generic/stat.h and asm/stat.h).
    let by_name: BTreeMap<(&str, &str), &Record> = extracted
        .iter()
        .zip(directs)
        .flat_map(|(e, d)| {
            d.records
                .iter()
                .map(move |r| ((e.header.as_str(), r.name.as_str()), r))
        })
        .collect();
    for d in &mut done {
        let Probed::Done {
            records,
            diagnostics,
            ..
        } = &mut d.outcome
        else {
            continue;
        };
        for probed in records.iter() {
            let header = probed.header.as_str();
            let Some(direct) = by_name.get(&(header, probed.name.as_str())) else {
                continue;
            };
            for (p, l) in probed.fields.iter().zip(&direct.fields) {
                let mut differ = |what: &str, libclang: String, probe: String| {
                    diagnostics.push(Diagnostic {
                        header: header.to_string(),
                        item: format!("{}.{}", probed.name, p.name),
                        message: format!(
                            "{what}: libclang says {libclang}, the compiled probe {probe}; the probe's value is kept"
                        ),
                    })
                };
                if p.size_bytes != l.size_bytes {
                    differ("size", l.size_bytes.to_string(), p.size_bytes.to_string());
                }
                if p.align_bytes != l.align_bytes {
                    differ(
                        "alignment",
                        l.align_bytes.to_string(),
                        p.align_bytes.to_string(),
                    );
                }
                if p.bits != l.bits {
                    differ("bits", format!("{:?}", l.bits), format!("{:?}", p.bits));
                }
            }
        }
    }
    done
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
    let groups: Vec<&[Extracted]> = extracted.chunks(32).collect();
    let parts: Vec<Vec<GroupDone>> = groups
        .into_par_iter()
        .map(|g| probe_split(sysroot, arch, extracted, g, on_error))
        .collect::<Result<_, _>>()?;
    Ok(parts.into_iter().flatten().collect())
}

/// Probes one group, splitting it as [`probe_group`] says, on the thread pool.
fn probe_split(
    sysroot: &Sysroot,
    arch: Arch,
    extracted: &[Extracted],
    group: &[Extracted],
    on_error: OnCompileError,
) -> Result<Vec<GroupDone>, Error> {
    // The group's place in the header list, for a deterministic merge.
    let first = (group.as_ptr() as usize - extracted.as_ptr() as usize)
        / std::mem::size_of::<Extracted>().max(1);
    match probe_group(sysroot, arch, group, on_error)? {
        Step::Finished(outcome) => Ok(vec![GroupDone { first, outcome }]),
        Step::Split(parts) => {
            let done: Vec<Vec<GroupDone>> = parts
                .into_par_iter()
                .map(|p| probe_split(sysroot, arch, extracted, p, on_error))
                .collect::<Result<_, _>>()?;
            Ok(done.into_iter().flatten().collect())
        }
    }
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
            records.push(assemble_record(
                e.front, raw, &e.header, values, arch, noticed,
            )?);
        }
        for raw in e
            .constants
            .iter()
            .filter(|c| kept.iter().any(|k| k.name == c.name))
        {
            constants.push(assemble_constant(
                e.front, raw, &e.header, values, arch, noticed,
            )?);
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
                front,
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
                    "{what}: {front} says {bindgen}, the compiled probe {probe}; the probe's value is kept"
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
    front: &'static str,
    arch: Arch,
    item: &str,
    what: &'static str,
    bindgen: Option<u64>,
    probe: u64,
) -> Result<(), Error> {
    match bindgen {
        Some(b) if b != probe => Err(Error::Mismatch {
            front,
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
    front: &'static str,
    raw: &RawRecord,
    header: &str,
    values: &ProbeValues,
    arch: Arch,
    noticed: &mut Noticed,
) -> Result<Record, Error> {
    let size_bytes = need(values, Query::Size(raw.name.clone()), arch)?;
    let align_bytes = need(values, Query::Align(raw.name.clone()), arch)?;
    if let Err(e) = check(front, arch, &raw.name, "size", raw.size_bytes, size_bytes) {
        disagree(noticed, header, e)?;
    }
    if let Err(e) = check(
        front,
        arch,
        &raw.name,
        "alignment",
        raw.align_bytes,
        align_bytes,
    ) {
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
            if let Err(e) = check(front, arch, &item, "offset", f.offset_bytes, offset_bytes) {
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
    front: &'static str,
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
            front,
            arch,
            item: raw.name.clone(),
            what: "value",
            bindgen: i128::from(b),
            probe: value,
        };
        disagree(noticed, header, e)?;
    }
    constant(
        &raw.name,
        header,
        value,
        raw.enum_name.as_deref(),
        raw.ioctl.as_ref(),
        arch,
    )
}

/// A constant of `header` with its C `value`, its ioctl number decoded.
fn constant(
    name: &str,
    header: &str,
    value: i128,
    enum_name: Option<&str>,
    ioctl: Option<&(String, Option<String>)>,
    arch: Arch,
) -> Result<Constant, Error> {
    let ioctl = match ioctl {
        None => None,
        Some((macro_name, arg_type)) => {
            let (dir, ioc_type, nr, size_bytes) =
                arch.ioctl_encoding()
                    .decode(value)
                    .ok_or_else(|| Error::Probe {
                        arch,
                        item: name.to_string(),
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
        name: name.to_string(),
        header: header.to_string(),
        value,
        kind: match enum_name {
            None => ConstantKind::Macro,
            Some(e) => ConstantKind::Enumerator {
                enum_name: e.to_string(),
            },
        },
        ioctl,
    })
}
