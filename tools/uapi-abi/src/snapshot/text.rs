//! Rendering and parsing of the snapshot text. Pure: no file access.

use crate::model::{
    Arch, BitRange, Constant, ConstantKind, Field, Ioctl, IoctlDir, Layout, Provenance, Record,
    RecordKind, SkippedHeader,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The snapshot schema this build reads and writes.
pub const SCHEMA: u32 = 1;

/// Renders a layout as snapshot text.
pub fn render(layout: &Layout) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# uapi-guard layout snapshot; one line per item; do not edit by hand"
    );
    let _ = writeln!(s, "schema {SCHEMA}");
    let _ = writeln!(s, "header-set {}", layout.header_set);
    let _ = writeln!(s, "version {}", layout.version);
    let _ = writeln!(s, "arch {}", layout.arch);
    let _ = writeln!(s, "bindgen {}", layout.provenance.bindgen);
    let _ = writeln!(s, "libclang {}", layout.provenance.libclang);
    for h in &layout.headers {
        let _ = writeln!(s, "header {h}");
    }
    for sk in &layout.skipped {
        let _ = writeln!(s, "skipped {} error={}", sk.header, one_line(&sk.reason));
    }
    for r in layout.records.values() {
        for line in record_lines(r) {
            s.push_str(&line);
            s.push('\n');
        }
    }
    for c in layout.constants.values() {
        s.push_str(&constant_line(c));
        s.push('\n');
    }
    s
}

/// The snapshot lines of one record: its `record` line, then one `field` line per member.
pub fn record_lines(r: &Record) -> Vec<String> {
    let mut lines = vec![format!(
        "record {} kind={} size={} align={} header={}",
        r.name,
        r.kind.keyword(),
        r.size_bytes,
        r.align_bytes,
        r.header
    )];
    for f in &r.fields {
        let mut l = format!(
            "field {}.{} offset={} size={} align={}",
            r.name, f.name, f.offset_bytes, f.size_bytes, f.align_bytes
        );
        if let Some(b) = f.bits {
            let _ = write!(l, " bits={}+{}", b.offset_bits, b.size_bits);
        }
        let _ = write!(l, " type={}", f.c_type);
        lines.push(l);
    }
    lines
}

/// The snapshot line of one constant.
pub fn constant_line(c: &Constant) -> String {
    let mut s = format!("const {} value={} header={}", c.name, c.value, c.header);
    if let ConstantKind::Enumerator { enum_name } = &c.kind {
        let tag = enum_name.strip_prefix("enum ").unwrap_or(enum_name);
        let _ = write!(s, " enum={tag}");
    }
    if let Some(io) = &c.ioctl {
        let _ = write!(
            s,
            " ioctl={}:{:#04x}:{}:{} macro={}",
            io.dir.name(),
            io.ioc_type,
            io.nr,
            io.size_bytes,
            io.macro_name
        );
        if let Some(arg) = &io.arg_type {
            let _ = write!(s, " arg={arg}");
        }
    }
    s
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A parse error: 1-based line number and message.
pub type ParseError = (usize, String);

/// `name k=v k=v ... tail=rest of line`, where the name is everything before the first `k=`.
struct Line<'a> {
    name: String,
    kv: BTreeMap<&'a str, &'a str>,
    /// The first key given more than once (rendering writes each once; a second value would
    /// silently replace the first).
    repeated: Option<&'a str>,
}

fn split_line<'a>(rest: &'a str, tail_keys: &[&str]) -> Line<'a> {
    let mut name_parts = Vec::new();
    let mut kv = BTreeMap::new();
    let mut repeated = None;
    let mut insert = |kv: &mut BTreeMap<&'a str, &'a str>, k: &'a str, v: &'a str| {
        if kv.insert(k, v).is_some() && !k.is_empty() {
            repeated.get_or_insert(k);
        }
    };
    let mut remaining = rest;
    while !remaining.is_empty() {
        let (tok, after) = match remaining.find(' ') {
            Some(i) => (&remaining[..i], &remaining[i + 1..]),
            None => (remaining, ""),
        };
        match tok.split_once('=') {
            Some((k, v)) if tail_keys.contains(&k) => {
                let start = k.len() + 1;
                let value = &remaining[start..];
                let _ = v;
                insert(&mut kv, k, value);
                break;
            }
            Some((k, v)) => insert(&mut kv, k, v),
            None if kv.is_empty() => name_parts.push(tok),
            None => insert(&mut kv, "", tok),
        }
        remaining = after;
    }
    Line {
        name: name_parts.join(" "),
        kv,
        repeated,
    }
}

impl<'a> Line<'a> {
    fn get(&self, key: &str) -> Result<&'a str, String> {
        self.kv
            .get(key)
            .copied()
            .ok_or_else(|| format!("missing `{key}=`"))
    }

    fn num<T: std::str::FromStr>(&self, key: &str) -> Result<T, String> {
        let v = self.get(key)?;
        v.parse()
            .map_err(|_| format!("`{key}={v}` is not a valid number"))
    }

    /// An alignment in bytes: a power of two, so at least 1.
    fn align(&self, key: &str) -> Result<u64, String> {
        let v: u64 = self.num(key)?;
        if !v.is_power_of_two() {
            return Err(format!("`{key}={v}` is not a power of two"));
        }
        Ok(v)
    }

    fn no_stray(&self) -> Result<(), String> {
        if let Some(tok) = self.kv.get("") {
            return Err(format!("unexpected `{tok}`"));
        }
        match self.repeated {
            Some(key) => Err(format!("`{key}=` given twice")),
            None => Ok(()),
        }
    }
}

/// Parses snapshot text back into a layout.
pub fn parse(text: &str) -> Result<Layout, ParseError> {
    let mut header: BTreeMap<&str, String> = BTreeMap::new();
    let mut headers = Vec::new();
    let mut skipped = Vec::new();
    let mut records: BTreeMap<String, Record> = BTreeMap::new();
    let mut constants = BTreeMap::new();
    let mut last_record: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let lineno = index + 1;
        let err = |m: String| (lineno, m);
        // Rendering puts every value on one line; a control character (a lone carriage return,
        // say) could not survive a round trip, so it is refused rather than silently changed.
        if let Some(c) = line.chars().find(|c| c.is_control() && *c != '\t') {
            return Err(err(format!("control character {:?} in line", c)));
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "schema" => {
                let v: u32 = rest
                    .parse()
                    .map_err(|_| err(format!("schema `{rest}` is not a number")))?;
                if v != SCHEMA {
                    return Err(err(format!(
                        "snapshot schema {v} is not supported by this uapi-guard (it reads schema {SCHEMA}); {}",
                        if v > SCHEMA { "upgrade uapi-guard" } else { "regenerate the snapshot" }
                    )));
                }
                header.insert("schema", rest.to_string());
            }
            "header-set" | "version" | "arch" | "bindgen" | "libclang" => {
                if header.insert(word, rest.to_string()).is_some() {
                    return Err(err(format!("`{word}` given twice")));
                }
            }
            "header" => headers.push(rest.to_string()),
            "skipped" => {
                let l = split_line(rest, &["error"]);
                skipped.push(SkippedHeader {
                    header: l.name.clone(),
                    reason: l.get("error").map_err(err)?.to_string(),
                });
            }
            "record" => {
                let l = split_line(rest, &[]);
                l.no_stray().map_err(err)?;
                let kind = match l.get("kind").map_err(err)? {
                    "struct" => RecordKind::Struct,
                    "union" => RecordKind::Union,
                    k => return Err(err(format!("unknown record kind `{k}`"))),
                };
                if l.name.is_empty() || l.name.contains('.') {
                    return Err(err(format!("bad record name `{}`", l.name)));
                }
                let record = Record {
                    name: l.name.clone(),
                    kind,
                    header: l.get("header").map_err(err)?.to_string(),
                    size_bytes: l.num("size").map_err(err)?,
                    align_bytes: l.align("align").map_err(err)?,
                    fields: Vec::new(),
                };
                if records.insert(l.name.clone(), record).is_some() {
                    return Err(err(format!("record `{}` given twice", l.name)));
                }
                last_record = Some(l.name);
            }
            "field" => {
                let l = split_line(rest, &["type"]);
                let (rec, path) = l
                    .name
                    .split_once('.')
                    .ok_or_else(|| err(format!("field `{}` has no record", l.name)))?;
                if last_record.as_deref() != Some(rec) {
                    return Err(err(format!(
                        "field `{}` does not follow its record `{rec}`",
                        l.name
                    )));
                }
                let bits = match l.kv.get("bits") {
                    None => None,
                    Some(b) => {
                        let (o, w) = b
                            .split_once('+')
                            .and_then(|(o, w)| Some((o.parse().ok()?, w.parse().ok()?)))
                            .ok_or_else(|| err(format!("bad `bits={b}`")))?;
                        Some(BitRange {
                            offset_bits: o,
                            size_bits: w,
                        })
                    }
                };
                let field = Field {
                    name: path.to_string(),
                    offset_bytes: l.num("offset").map_err(err)?,
                    size_bytes: l.num("size").map_err(err)?,
                    align_bytes: l.align("align").map_err(err)?,
                    bits,
                    c_type: l.get("type").map_err(err)?.to_string(),
                };
                l.no_stray().map_err(err)?;
                if let Some(r) = records.get_mut(rec) {
                    // C forbids two members of one name, and the diff looks fields up by name: a
                    // second copy would hide a change to either.
                    if r.fields.iter().any(|f| f.name == field.name) {
                        return Err(err(format!("field `{}` given twice", l.name)));
                    }
                    r.fields.push(field);
                }
            }
            "const" => {
                let l = split_line(rest, &["arg"]);
                l.no_stray().map_err(err)?;
                let kind = match l.kv.get("enum") {
                    None => ConstantKind::Macro,
                    Some(tag) if tag.starts_with('<') => ConstantKind::Enumerator {
                        enum_name: format!("enum {tag}"),
                    },
                    Some(tag) => ConstantKind::Enumerator {
                        enum_name: format!("enum {tag}"),
                    },
                };
                let ioctl = match l.kv.get("ioctl") {
                    None => None,
                    Some(spec) => Some(parse_ioctl(spec, &l).map_err(err)?),
                };
                let c = Constant {
                    name: l.name.clone(),
                    header: l.get("header").map_err(err)?.to_string(),
                    value: l.num("value").map_err(err)?,
                    kind,
                    ioctl,
                };
                if constants.insert(l.name.clone(), c).is_some() {
                    return Err(err(format!("constant `{}` given twice", l.name)));
                }
            }
            _ => return Err(err(format!("unknown line kind `{word}`"))),
        }
    }
    let mut take = |key: &'static str| {
        header
            .remove(key)
            .ok_or_else(|| (0, format!("missing `{key}` line")))
    };
    take("schema")?;
    let arch: Arch = take("arch")?
        .parse()
        .map_err(|e: crate::model::ArchError| (0, e.to_string()))?;
    Ok(Layout {
        header_set: take("header-set")?,
        version: take("version")?,
        arch,
        provenance: Provenance {
            bindgen: take("bindgen")?,
            libclang: take("libclang")?,
        },
        headers,
        skipped,
        records,
        constants,
    })
}

fn parse_ioctl(spec: &str, l: &Line<'_>) -> Result<Ioctl, String> {
    let bad = || format!("bad `ioctl={spec}` (expected dir:type:nr:size)");
    let parts: Vec<&str> = spec.split(':').collect();
    let [dir, ty, nr, size] = parts.as_slice() else {
        return Err(bad());
    };
    let ioc_type = u8::from_str_radix(ty.trim_start_matches("0x"), 16).map_err(|_| bad())?;
    Ok(Ioctl {
        dir: IoctlDir::from_name(dir).ok_or_else(bad)?,
        ioc_type,
        nr: nr.parse().map_err(|_| bad())?,
        size_bytes: size.parse().map_err(|_| bad())?,
        macro_name: l.get("macro")?.to_string(),
        arg_type: l.kv.get("arg").map(|s| s.to_string()),
    })
}
