//! Per-architecture ground truth: a generated C file stores `sizeof`, `_Alignof`, `offsetof`, every
//! constant's value and an image of every bitfield in named constants; clang compiles it for the
//! target (`--target`, `-c`, never linked or run) and goblin reads the values back from the object
//! file. This module is the only one that runs clang or reads object files.

use crate::error::Error;
use crate::extract::{first_line, RawConstant, RawRecord};
use crate::model::{Arch, Endian};
use crate::sysroot::Sysroot;
use goblin::elf::Elf;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::Command;

/// One number the probe asks the compiler for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    /// `sizeof(record)`.
    Size(String),
    /// `_Alignof(record)`.
    Align(String),
    /// `offsetof(record, path)`.
    Offset(String, String),
    /// `sizeof` the member.
    FieldSize(String, String),
    /// `__alignof__` the member.
    FieldAlign(String, String),
    /// `sizeof` a type spelling (for bitfields' declared types).
    TypeSize(String),
    /// `_Alignof` a type spelling.
    TypeAlign(String),
    /// The constant, as 64 unsigned bits.
    Value(String),
    /// 1 if the constant is negative.
    Negative(String),
}

/// The numbers the compiled probe produced.
#[derive(Debug, Default)]
pub struct ProbeValues {
    values: HashMap<Query, u64>,
    /// (record, bitfield path) -> the record's bytes with only that bitfield set to all ones.
    images: HashMap<(String, String), Vec<u8>>,
}

impl ProbeValues {
    /// The value of a query that was part of the probe.
    pub fn get(&self, q: &Query) -> Option<u64> {
        self.values.get(q).copied()
    }

    /// The bit range (offset, width) of a bitfield, in allocation order for `endian`.
    pub fn bit_range(&self, record: &str, path: &str, endian: Endian) -> Option<(u64, u64)> {
        let image = self.images.get(&(record.to_string(), path.to_string()))?;
        let mut first = None;
        let mut count = 0u64;
        for (byte_index, byte) in image.iter().enumerate() {
            for bit in 0..8u64 {
                let set = match endian {
                    Endian::Little => byte & (1 << bit) != 0,
                    Endian::Big => byte & (0x80 >> bit) != 0,
                };
                if set {
                    let index = byte_index as u64 * 8 + bit;
                    first.get_or_insert(index);
                    count += 1;
                }
            }
        }
        first.map(|f| (f, count))
    }
}

/// Every query needed to lay out these records and constants.
pub fn queries(records: &[RawRecord], constants: &[RawConstant]) -> Vec<Query> {
    let mut out = Vec::new();
    for r in records {
        out.push(Query::Size(r.name.clone()));
        out.push(Query::Align(r.name.clone()));
        for f in &r.fields {
            if f.is_bitfield {
                out.push(Query::TypeSize(f.c_type.clone()));
                out.push(Query::TypeAlign(f.c_type.clone()));
                continue;
            }
            out.push(Query::Offset(r.name.clone(), f.path.clone()));
            if !f.c_type.ends_with("[]") {
                out.push(Query::FieldSize(r.name.clone(), f.path.clone()));
            }
            out.push(Query::FieldAlign(
                r.name.clone(),
                align_path(&f.path, &f.c_type),
            ));
        }
    }
    for c in constants {
        out.push(Query::Value(c.name.clone()));
        out.push(Query::Negative(c.name.clone()));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|q| seen.insert(q.clone()));
    out
}

/// The member expression whose alignment is the field's: a flexible array's element.
pub fn align_path(path: &str, c_type: &str) -> String {
    if c_type.ends_with("[]") {
        format!("{path}[0]")
    } else {
        path.to_string()
    }
}

fn c_expr(q: &Query) -> String {
    let member = |rec: &str, path: &str| format!("((({rec} *)0)->{path})");
    match q {
        Query::Size(r) => format!("sizeof({r})"),
        Query::Align(r) => format!("_Alignof({r})"),
        Query::Offset(r, p) => format!("__builtin_offsetof({r}, {p})"),
        Query::FieldSize(r, p) => format!("sizeof{}", member(r, p)),
        Query::FieldAlign(r, p) => format!("__alignof__{}", member(r, p)),
        Query::TypeSize(t) => format!("sizeof({})", strip_array(t)),
        Query::TypeAlign(t) => format!("_Alignof({})", strip_array(t)),
        Query::Value(c) => format!("(unsigned long long)({c})"),
        Query::Negative(c) => format!("(({c}) < 0)"),
    }
}

fn strip_array(t: &str) -> &str {
    t.strip_suffix("[]").unwrap_or(t)
}

fn label(q: &Query) -> String {
    match q {
        Query::Size(r) | Query::Align(r) => r.clone(),
        Query::Offset(r, p) | Query::FieldSize(r, p) | Query::FieldAlign(r, p) => {
            format!("{r}.{p}")
        }
        Query::TypeSize(t) | Query::TypeAlign(t) => t.clone(),
        Query::Value(c) | Query::Negative(c) => c.clone(),
    }
}

/// The generated C source, and for each line the item it concerns.
pub fn probe_source(
    headers: &[String],
    queries: &[Query],
    bitfields: &[(String, String)],
) -> (String, HashMap<usize, String>) {
    let mut src =
        String::from("/* generated by uapi-guard: layout probe, compiled, never run */\n");
    for h in headers {
        let _ = writeln!(src, "#include <{h}>");
    }
    let mut lines = HashMap::new();
    let mut line = src.lines().count();
    src.push_str("__attribute__((used)) const unsigned long long uapi_probe_values[] = {\n");
    line += 1;
    for q in queries {
        line += 1;
        lines.insert(line, label(q));
        let _ = writeln!(src, "  {},", c_expr(q));
    }
    src.push_str("  0\n};\n");
    line += 2;
    for (i, (rec, path)) in bitfields.iter().enumerate() {
        line += 1;
        lines.insert(line, format!("{rec}.{path}"));
        let _ = writeln!(
            src,
            "__attribute__((used)) const union {{ {rec} s; unsigned char b[sizeof({rec})]; }} uapi_probe_bf_{i} = {{ .s = {{ .{path} = -1 }} }};"
        );
    }
    (src, lines)
}

/// Compiles the probe for `arch` and reads every value back.
pub fn run(
    sysroot: &Sysroot,
    arch: Arch,
    headers: &[String],
    records: &[RawRecord],
    constants: &[RawConstant],
) -> Result<ProbeValues, Error> {
    let queries = queries(records, constants);
    let bitfields: Vec<(String, String)> = records
        .iter()
        .flat_map(|r| {
            r.fields
                .iter()
                .filter(|f| f.is_bitfield)
                .map(|f| (r.name.clone(), f.path.clone()))
        })
        .collect();
    let (src, lines) = probe_source(headers, &queries, &bitfields);
    let dir = tempfile::Builder::new()
        .prefix("uapi-guard-probe")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let c_path = dir.path().join("probe.c");
    let o_path = dir.path().join("probe.o");
    let o_arg = o_path.to_string_lossy().into_owned();
    let (ok, stderr) = compile(sysroot, arch, &c_path, &src, &["-O0", "-c", "-o", &o_arg])?;
    if !ok {
        let message = first_line(&stderr);
        let item = error_line(&message)
            .and_then(|l| lines.get(&l).cloned())
            .unwrap_or_else(|| "probe".into());
        return Err(Error::Probe {
            arch,
            item,
            message,
        });
    }
    let object = std::fs::read(&o_path).map_err(|e| Error::io(&o_path, e))?;
    let perr = |message: String| Error::Probe {
        arch,
        item: "probe object".into(),
        message,
    };
    let symbols = read_symbols(&object).map_err(perr)?;
    let values_bytes = symbols
        .get("uapi_probe_values")
        .ok_or_else(|| perr("symbol uapi_probe_values missing".into()))?;
    if values_bytes.len() != (queries.len() + 1) * 8 {
        return Err(perr(format!(
            "uapi_probe_values has {} bytes, expected {}",
            values_bytes.len(),
            (queries.len() + 1) * 8
        )));
    }
    let mut values = HashMap::new();
    for (q, chunk) in queries.iter().zip(values_bytes.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        let v = match arch.endian() {
            Endian::Little => u64::from_le_bytes(b),
            Endian::Big => u64::from_be_bytes(b),
        };
        values.insert(q.clone(), v);
    }
    let mut images = HashMap::new();
    for (i, key) in bitfields.into_iter().enumerate() {
        let name = format!("uapi_probe_bf_{i}");
        let bytes = symbols
            .get(&name)
            .ok_or_else(|| perr(format!("symbol {name} missing")))?;
        images.insert(key, bytes.clone());
    }
    Ok(ProbeValues { values, images })
}

/// Writes `src` to `c_path` and runs clang on it for `arch` with `extra` arguments. Returns whether
/// it succeeded and its messages, which name `probe.c` without the temporary directory so that
/// snapshots are reproducible.
fn compile(
    sysroot: &Sysroot,
    arch: Arch,
    c_path: &std::path::Path,
    src: &str,
    extra: &[&str],
) -> Result<(bool, String), Error> {
    std::fs::write(c_path, src).map_err(|e| Error::io(c_path, e))?;
    let output = Command::new(clang())
        .args(sysroot.clang_args(arch))
        .args(["-std=gnu11", "-w"])
        .args(extra)
        .arg(c_path)
        .output()
        .map_err(|e| Error::Probe {
            arch,
            item: "probe".into(),
            message: format!("cannot run `{}`: {e}", clang()),
        })?;
    let dir = c_path
        .parent()
        .map(|d| format!("{}/", d.display()))
        .unwrap_or_default();
    let stderr = String::from_utf8_lossy(&output.stderr).replace(&dir, "");
    Ok((output.status.success(), stderr))
}

/// The clang binary: `$CLANG` or `clang`.
pub fn clang() -> String {
    std::env::var("CLANG").unwrap_or_else(|_| "clang".into())
}

fn error_line(message: &str) -> Option<usize> {
    // "/tmp/.../probe.c:12:5: error: ..."
    let after = message.split("probe.c:").nth(1)?;
    after.split(':').next()?.parse().ok()
}

/// Bytes of every `uapi_probe_*` data symbol in a relocatable ELF object.
fn read_symbols(object: &[u8]) -> Result<HashMap<String, Vec<u8>>, String> {
    let elf = Elf::parse(object).map_err(|e| format!("not an ELF object: {e}"))?;
    let mut out = HashMap::new();
    for sym in elf.syms.iter() {
        let Some(name) = elf.strtab.get_at(sym.st_name) else {
            continue;
        };
        if !name.starts_with("uapi_probe_") {
            continue;
        }
        let section = elf
            .section_headers
            .get(sym.st_shndx)
            .ok_or_else(|| format!("{name}: bad section index {}", sym.st_shndx))?;
        let len = usize::try_from(sym.st_size).map_err(|_| format!("{name}: size too large"))?;
        if section.sh_type == goblin::elf::section_header::SHT_NOBITS {
            out.insert(name.to_string(), vec![0; len]);
            continue;
        }
        let start = section
            .sh_offset
            .checked_add(sym.st_value)
            .and_then(|s| usize::try_from(s).ok())
            .ok_or_else(|| format!("{name}: offset overflows"))?;
        let bytes = start
            .checked_add(len)
            .and_then(|end| object.get(start..end))
            .ok_or_else(|| format!("{name}: lies outside the object file"))?;
        out.insert(name.to_string(), bytes.to_vec());
    }
    Ok(out)
}

/// Keeps, of `constants`, those bindgen evaluated and those of the others (`value == None`) that
/// are integer constant expressions on `arch`: a probe declares each candidate in a static
/// assertion on `__builtin_classify_type` (1 to 4: integer, char, enumeral, boolean) and as a
/// constant initializer; every line clang refuses drops its macro, and the check repeats until
/// clang accepts the file (at most a few rounds, as one refusal can hide another).
pub fn keep_integer_macros(
    sysroot: &Sysroot,
    arch: Arch,
    headers: &[String],
    constants: Vec<RawConstant>,
) -> Result<Vec<RawConstant>, Error> {
    let (mut candidates, mut kept): (Vec<RawConstant>, Vec<RawConstant>) =
        constants.into_iter().partition(|c| c.value.is_none());
    let dir = tempfile::Builder::new()
        .prefix("uapi-guard-macros")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let c_path = dir.path().join("probe.c");
    for _round in 0..4 {
        if candidates.is_empty() {
            break;
        }
        let mut src = String::new();
        for h in headers {
            let _ = writeln!(src, "#include <{h}>");
        }
        let first = src.lines().count() + 1;
        for (i, c) in candidates.iter().enumerate() {
            let n = &c.name;
            let _ = writeln!(
                src,
                "_Static_assert(__builtin_classify_type({n}) >= 1 && __builtin_classify_type({n}) <= 4, \"\"); const unsigned long long uapi_try_{i} = (unsigned long long)({n});"
            );
        }
        let (ok, stderr) = compile(
            sysroot,
            arch,
            &c_path,
            &src,
            &["-fsyntax-only", "-ferror-limit=0"],
        )?;
        if ok {
            break;
        }
        let bad: std::collections::HashSet<usize> = stderr
            .lines()
            .filter(|l| l.contains("error"))
            .filter_map(error_line)
            .filter(|&l| l >= first && l < first + candidates.len())
            .map(|l| l - first)
            .collect();
        if bad.is_empty() {
            // The headers themselves fail together: the caller splits the group.
            return Err(Error::Probe {
                arch,
                item: "probe".into(),
                message: first_line(&stderr),
            });
        }
        candidates = candidates
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !bad.contains(i))
            .map(|(_, c)| c)
            .collect();
    }
    kept.extend(candidates);
    Ok(kept)
}
