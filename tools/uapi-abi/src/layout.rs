//! Builds the layout of a header set on one architecture: bindgen for the shape, the compiled
//! probe for the numbers, and a cross-check wherever both have one.

use crate::error::Error;
use crate::extract::{extract_header, Extracted, RawConstant, RawRecord};
use crate::model::{
    Arch, BitRange, Constant, ConstantKind, Field, Ioctl, Layout, Provenance, Record, SkippedHeader,
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
) -> Result<Extraction, Error> {
    let scratch = sysroot.scratch(&format!("macro-fallback-{arch}"))?;
    let mut extracted: Vec<Extracted> = Vec::new();
    let mut skipped = Vec::new();
    for header in headers {
        match extract_header(sysroot, header, arch, &scratch) {
            Ok(e) => extracted.push(e),
            Err(Error::Compile { message, .. }) if on_error == OnCompileError::Skip => skipped
                .push(SkippedHeader {
                    header: header.clone(),
                    reason: message,
                }),
            Err(e) => return Err(e),
        }
    }
    let mut records = BTreeMap::new();
    let mut constants = BTreeMap::new();
    let mut analysed = Vec::new();
    for group in probe_groups(sysroot, arch, &extracted, on_error, &mut skipped)? {
        for (e, values) in group {
            analysed.push(e.header.clone());
            for raw in &e.records {
                let record = assemble_record(raw, &e.header, &values, arch)?;
                records.entry(record.name.clone()).or_insert(record);
            }
            for raw in &e.constants {
                let c = assemble_constant(raw, &e.header, &values, arch)?;
                constants.entry(c.name.clone()).or_insert(c);
            }
        }
    }
    analysed.sort();
    skipped.sort_by(|a, b| a.header.cmp(&b.header));
    let bindings = extracted
        .into_iter()
        .filter(|e| analysed.contains(&e.header))
        .map(|e| (e.header, e.bindings))
        .collect();
    Ok(Extraction {
        layout: Layout {
            header_set: header_set.to_string(),
            version: version.to_string(),
            arch,
            provenance: provenance(),
            headers: analysed,
            skipped,
            records,
            constants,
        },
        bindings,
    })
}

type Probed<'a> = Vec<(&'a Extracted, std::rc::Rc<ProbeValues>)>;

/// Probes headers together, halving a group whenever it fails to compile (headers that compile
/// alone can still clash with each other), so a large set costs few compiler runs.
fn probe_groups<'a>(
    sysroot: &Sysroot,
    arch: Arch,
    extracted: &'a [Extracted],
    on_error: OnCompileError,
    skipped: &mut Vec<SkippedHeader>,
) -> Result<Vec<Probed<'a>>, Error> {
    let mut out = Vec::new();
    let mut work: Vec<&'a [Extracted]> = extracted.chunks(96).collect();
    while let Some(group) = work.pop() {
        let headers: Vec<String> = group.iter().map(|e| e.header.clone()).collect();
        let records: Vec<RawRecord> = group.iter().flat_map(|e| e.records.clone()).collect();
        let constants: Vec<RawConstant> = group.iter().flat_map(|e| e.constants.clone()).collect();
        match probe::run(sysroot, arch, &headers, &records, &constants) {
            Ok(values) => {
                let values = std::rc::Rc::new(values);
                out.push(group.iter().map(|e| (e, values.clone())).collect());
            }
            Err(e @ Error::Probe { .. }) if group.len() > 1 => {
                let _ = e;
                let (a, b) = group.split_at(group.len() / 2);
                work.push(b);
                work.push(a);
            }
            Err(Error::Probe { item, message, .. }) if on_error == OnCompileError::Skip => {
                skipped.push(SkippedHeader {
                    header: headers.join(" "),
                    reason: format!("probe: {item}: {message}"),
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
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
) -> Result<Record, Error> {
    let size_bytes = need(values, Query::Size(raw.name.clone()), arch)?;
    let align_bytes = need(values, Query::Align(raw.name.clone()), arch)?;
    check(arch, &raw.name, "size", raw.size_bytes, size_bytes)?;
    check(arch, &raw.name, "alignment", raw.align_bytes, align_bytes)?;
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
            check(arch, &item, "offset", f.offset_bytes, offset_bytes)?;
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
) -> Result<Constant, Error> {
    let bits = need(values, Query::Value(raw.name.clone()), arch)?;
    let negative = need(values, Query::Negative(raw.name.clone()), arch)? != 0;
    let value = if negative {
        i128::from(bits as i64)
    } else {
        i128::from(bits)
    };
    // bindgen evaluates `(1 << 31)` in 64 bits; C evaluates it as an `int`. Where the C value is a
    // 32-bit one, the low 32 bits must agree.
    let agrees = raw.value as u64 == bits
        || (i32::try_from(value).is_ok() && raw.value as u32 == bits as u32);
    if !agrees {
        return Err(Error::Mismatch {
            arch,
            item: raw.name.clone(),
            what: "value",
            bindgen: i128::from(raw.value),
            probe: value,
        });
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
