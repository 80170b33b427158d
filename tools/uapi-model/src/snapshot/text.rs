//! Rendering and parsing of the snapshot text. Pure: no file access.
//!
//! Snapshot files come from pull requests, so the text is built to be read back exactly or not at
//! all:
//! - Every free-text value is escaped ([`must_escape`]): no name, type, path, version or compiler
//!   message can start a line, forge a `key=`, or hide from a reviewer behind a bidi control.
//! - The last line, `end ...`, counts the items and holds an FNV-1a 64 checksum of every byte
//!   before it, so a truncated file (which would otherwise read as a smaller snapshot, and turn a
//!   break into "compatible") or one edited by hand is refused. The checksum is not a signature:
//!   anyone can recompute it; CI's `make check-snapshots` regenerates the committed snapshots from
//!   the real headers and compares them byte for byte.
//! - Every number is range-checked, so nothing downstream can overflow on it: sizes below 2^32,
//!   alignments powers of two up to 2^16, members inside their record, ioctl fields inside their
//!   bit widths, constant values inside `__s64` and `__u64`.

use crate::model::{
    Arch, BitRange, Constant, ConstantKind, Diagnostic, Field, Ioctl, IoctlDir, IoctlEncoding,
    Layout, Provenance, Record, RecordKind, SkippedHeader,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The snapshot schema this build reads and writes.
pub const SCHEMA: u32 = 2;

/// Record sizes (and a bitfield's storage size) are below 4 GiB; with offsets bounded by the
/// record size, `offset + size` and bit positions (`size * 8`) cannot overflow a `u64`.
const MAX_SIZE_BYTES: u64 = 1 << 32;
/// The largest alignment a snapshot holds (`__attribute__((aligned))` allows more, no UAPI uses
/// it, and the rules multiply alignments).
const MAX_ALIGN_BYTES: u64 = 1 << 16;
/// The widest ioctl size field (14 bits in the generic encoding; each architecture's own width is
/// checked once the `arch` line is known).
const IOCTL_SIZE_LIMIT: u32 = 1 << 14;
/// Constant values are what a `__s64` or a `__u64` holds.
const MIN_VALUE: i128 = i64::MIN as i128;
const MAX_VALUE: i128 = u64::MAX as i128;

/// The counts of the `end` line, in order, with the line kind each counts.
const COUNTS: [(&str, &str); 6] = [
    ("records", "record"),
    ("fields", "field"),
    ("constants", "const"),
    ("headers", "header"),
    ("skipped", "skipped"),
    ("diagnostics", "diagnostic"),
];

/// The counts written only when they are not zero, so that snapshots without them keep the
/// bytes they had before the line kind existed (and each count still has one spelling).
fn optional_count(key: &str) -> bool {
    key == "diagnostics"
}

/// Where a value sits on its line, which decides what must be escaped in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pos {
    /// Runs to the end of the line: `header-set`, `version`, `bindgen`, `libclang`, `header`,
    /// `type=`, `error=`, `arg=`, `message=`.
    Text,
    /// The name before the first `key=` (constants, fields, skipped headers, diagnostics): `=` too, so a name
    /// cannot end early and forge a key. Spaces stay (`struct foo`): they cannot end a name.
    Name,
    /// A record's name: `=` and `.` too, since `.` separates it from the member in field lines.
    RecordName,
    /// The value of a `key=value` other than the last: spaces too, since a space ends it.
    Value,
}

/// True for the characters written as `\xNN` (ASCII) or `\u{XXXX}` in position `pos`: backslash,
/// every control character (C0 including tab and newline, DEL, C1), and characters that are
/// invisible or reorder the text around them when displayed (bidi controls, zero-width
/// characters, the BOM, soft hyphen, line and paragraph separators, tag characters).
fn must_escape(c: char, pos: Pos) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(
            u32::from(c),
            0xad | 0x61c
                | 0x180e
                | 0x200b..=0x200f
                | 0x2028..=0x202e
                | 0x2060..=0x2064
                | 0x2066..=0x2069
                | 0xfeff
                | 0xe0000..=0xe007f
        )
        || match pos {
            Pos::Text => false,
            Pos::Name => c == '=',
            Pos::RecordName => c == '=' || c == '.',
            Pos::Value => c == ' ',
        }
}

/// True for the characters no line may hold raw, wherever they are (comments included).
pub(super) fn hidden(c: char) -> bool {
    c != '\\' && must_escape(c, Pos::Text)
}

fn push_escape(out: &mut String, c: char) {
    let _ = if c.is_ascii() {
        write!(out, "\\x{:02x}", u32::from(c))
    } else {
        write!(out, "\\u{{{:04x}}}", u32::from(c))
    };
}

fn esc(s: &str, pos: Pos) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if must_escape(c, pos) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

fn is_lower_hex(h: &str) -> bool {
    h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The character of the escape at the start of `t` (which starts with a backslash) and the
/// escape's length; `None` unless it is written exactly as [`push_escape`] writes it.
fn read_escape(t: &str) -> Option<(char, usize)> {
    match t.as_bytes().get(1)? {
        b'x' => {
            let h = t.get(2..4).filter(|h| is_lower_hex(h))?;
            let c = char::from(u8::from_str_radix(h, 16).ok()?);
            c.is_ascii().then_some((c, 4))
        }
        b'u' => {
            let r = t.get(2..)?.strip_prefix('{')?;
            let close = r.find('}')?;
            let h = &r[..close];
            if !(4..=6).contains(&h.len()) || !is_lower_hex(h) {
                return None;
            }
            let c = char::from_u32(u32::from_str_radix(h, 16).ok()?)?;
            (!c.is_ascii() && format!("{:04x}", u32::from(c)) == h).then_some((c, close + 4))
        }
        _ => None,
    }
}

/// Inverts [`esc`]. Only the one spelling [`esc`] writes is accepted: a malformed escape, an
/// escape of a character written as itself here, or a raw character that must be escaped is an
/// error, so every value has exactly one spelling.
fn unescape(s: &str, pos: Pos) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let (plain, tail) = match rest.find('\\') {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        if let Some(c) = plain.chars().find(|&c| must_escape(c, pos)) {
            let mut e = String::new();
            push_escape(&mut e, c);
            return Err(format!("{c:?} must be written `{e}` here"));
        }
        out.push_str(plain);
        let Some(tail) = tail else {
            return Ok(out);
        };
        let Some((c, len)) = read_escape(tail) else {
            let shown: String = tail.chars().take(9).collect();
            return Err(format!(
                "malformed escape at `{shown}` (expected `\\xNN` or `\\u{{XXXX}}`, lowercase hex)"
            ));
        };
        if !must_escape(c, pos) {
            return Err(format!(
                "`{}` escapes {c:?}, which is written as itself here",
                &tail[..len]
            ));
        }
        out.push(c);
        rest = &tail[len..];
    }
}

/// FNV-1a, 64 bits. Each step is a bijection of the state, so changing any one byte always
/// changes the result.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Appends the `end` line for the text already in `s`.
fn push_end(s: &mut String, counts: [usize; 6]) {
    let sum = fnv1a64(s.as_bytes());
    s.push_str("end");
    for ((key, _), n) in COUNTS.iter().zip(counts) {
        if n == 0 && optional_count(key) {
            continue;
        }
        let _ = write!(s, " {key}={n}");
    }
    let _ = writeln!(s, " fnv1a64={sum:016x}");
}

/// Renders a layout as snapshot text.
pub fn render(layout: &Layout) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# uapi-guard layout snapshot; one line per item; do not edit by hand"
    );
    let _ = writeln!(s, "schema {SCHEMA}");
    let _ = writeln!(s, "header-set {}", esc(&layout.header_set, Pos::Text));
    let _ = writeln!(s, "version {}", esc(&layout.version, Pos::Text));
    let _ = writeln!(s, "arch {}", layout.arch);
    let _ = writeln!(s, "bindgen {}", esc(&layout.provenance.bindgen, Pos::Text));
    let _ = writeln!(
        s,
        "libclang {}",
        esc(&layout.provenance.libclang, Pos::Text)
    );
    for h in &layout.headers {
        let _ = writeln!(s, "header {}", esc(h, Pos::Text));
    }
    for sk in &layout.skipped {
        let _ = writeln!(
            s,
            "skipped {} error={}",
            esc(&sk.header, Pos::Name),
            esc(&sk.reason, Pos::Text)
        );
    }
    for d in &layout.diagnostics {
        let _ = writeln!(s, "{}", diagnostic_line(d));
    }
    let mut fields = 0;
    for r in layout.records.values() {
        fields += r.fields.len();
        for line in record_lines(r) {
            s.push_str(&line);
            s.push('\n');
        }
    }
    for c in layout.constants.values() {
        s.push_str(&constant_line(c));
        s.push('\n');
    }
    push_end(
        &mut s,
        [
            layout.records.len(),
            fields,
            layout.constants.len(),
            layout.headers.len(),
            layout.skipped.len(),
            layout.diagnostics.len(),
        ],
    );
    s
}

/// The snapshot line of one diagnostic: `diagnostic <item> header=<h> message=<rest of line>`.
fn diagnostic_line(d: &Diagnostic) -> String {
    format!(
        "diagnostic {} header={} message={}",
        esc(&d.item, Pos::Name),
        esc(&d.header, Pos::Value),
        esc(&d.message, Pos::Text)
    )
}

/// The snapshot lines of one record: its `record` line, then one `field` line per member.
pub fn record_lines(r: &Record) -> Vec<String> {
    let name = esc(&r.name, Pos::RecordName);
    let mut lines = vec![format!(
        "record {name} kind={} size={} align={} header={}",
        r.kind.keyword(),
        r.size_bytes,
        r.align_bytes,
        esc(&r.header, Pos::Value)
    )];
    for f in &r.fields {
        let mut l = format!(
            "field {name}.{} offset={} size={} align={}",
            esc(&f.name, Pos::Name),
            f.offset_bytes,
            f.size_bytes,
            f.align_bytes
        );
        if let Some(b) = f.bits {
            let _ = write!(l, " bits={}+{}", b.offset_bits, b.size_bits);
        }
        let _ = write!(l, " type={}", esc(&f.c_type, Pos::Text));
        lines.push(l);
    }
    lines
}

/// The snapshot line of one constant.
pub fn constant_line(c: &Constant) -> String {
    let mut s = format!(
        "const {} value={} header={}",
        esc(&c.name, Pos::Name),
        c.value,
        esc(&c.header, Pos::Value)
    );
    if let ConstantKind::Enumerator { enum_name } = &c.kind {
        // Every extracted enum name is `enum <tag>`; `enum-name=` keeps any other exactly.
        let _ = match enum_name.strip_prefix("enum ") {
            Some(tag) => write!(s, " enum={}", esc(tag, Pos::Value)),
            None => write!(s, " enum-name={}", esc(enum_name, Pos::Value)),
        };
    }
    if let Some(io) = &c.ioctl {
        let _ = write!(
            s,
            " ioctl={}:{:#04x}:{}:{} macro={}",
            io.dir.name(),
            io.ioc_type,
            io.nr,
            io.size_bytes,
            esc(&io.macro_name, Pos::Value)
        );
        if let Some(arg) = &io.arg_type {
            let _ = write!(s, " arg={}", esc(arg, Pos::Text));
        }
    }
    s
}

/// The first word of a line (its kind).
fn word(line: &str) -> &str {
    line.split_once(' ').map_or(line, |(w, _)| w)
}

/// Ends hand-written snapshot text with a correct `end` line (replacing its last line if that is
/// an `end` line already), counting lines by kind. For tests that build snapshots by hand, and
/// for the fuzz bodies, which would otherwise never get past the checksum to the line parser.
/// [`render`] ends its output with the same line.
pub fn seal(text: &str) -> String {
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    let last = trimmed.rfind('\n').map_or(0, |i| i + 1);
    let body = if word(&trimmed[last..]) == "end" {
        &text[..last]
    } else {
        text
    };
    let mut s = body.to_string();
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    let mut counts = [0; 6];
    for line in s.split('\n') {
        if let Some(i) = COUNTS.iter().position(|(_, kind)| *kind == word(line)) {
            counts[i] += 1;
        }
    }
    push_end(&mut s, counts);
    s
}

/// A parse error: 1-based line number (0 when no line is to blame) and message.
pub type ParseError = (usize, String);

/// `name k=v k=v ... tail=rest of line`, where the name is everything before the first token
/// holding `=` (names escape `=`, values escape spaces, so this split is exact).
struct Line<'a> {
    /// The raw (still escaped) name.
    name: &'a str,
    /// The first `k=v` starts the line: there is no name, not even an empty one.
    nameless: bool,
    kv: BTreeMap<&'a str, &'a str>,
    /// The first token after the name that is not `k=v` (empty for a doubled or trailing space).
    stray: Option<&'a str>,
    /// The first key given more than once (rendering writes each once; a second value would
    /// silently replace the first).
    repeated: Option<&'a str>,
}

fn split_line<'a>(rest: &'a str, tail_keys: &[&str]) -> Line<'a> {
    let mut line = Line {
        name: rest,
        nameless: false,
        kv: BTreeMap::new(),
        stray: None,
        repeated: None,
    };
    let mut named = false;
    let mut pos = 0;
    while pos <= rest.len() {
        let end = rest[pos..].find(' ').map_or(rest.len(), |i| pos + i);
        let tok = &rest[pos..end];
        match tok.split_once('=') {
            Some((k, v)) => {
                if !named {
                    named = true;
                    line.nameless = pos == 0;
                    line.name = &rest[..pos.saturating_sub(1)];
                }
                let v = if tail_keys.contains(&k) {
                    &rest[pos + k.len() + 1..]
                } else {
                    v
                };
                if line.kv.insert(k, v).is_some() {
                    line.repeated.get_or_insert(k);
                }
                if tail_keys.contains(&k) {
                    break;
                }
            }
            None if named => {
                line.stray.get_or_insert(tok);
            }
            None => {}
        }
        pos = end + 1;
    }
    line
}

/// A decimal number as rendering writes it: digits only, no sign, no leading zero.
fn canon_u64(v: &str) -> Option<u64> {
    canon_digits(v).then(|| v.parse().ok()).flatten()
}

/// A signed decimal number as rendering writes it (`-5`, never `+5`, `-0` or `05`).
fn canon_i128(v: &str) -> Option<i128> {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let ok = canon_digits(digits) && v != "-0";
    ok.then(|| v.parse().ok()).flatten()
}

fn canon_digits(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && (v == "0" || !v.starts_with('0'))
}

impl<'a> Line<'a> {
    /// Refuses what rendering never writes: a missing name, stray tokens, repeated or unknown
    /// keys.
    fn check(&self, allowed: &[&str]) -> Result<(), String> {
        if self.nameless {
            return Err("no name before the first `key=`".into());
        }
        if let Some(tok) = self.stray {
            return Err(if tok.is_empty() {
                "unexpected space (two in a row, or one at the end of the line)".into()
            } else {
                format!("unexpected `{tok}`")
            });
        }
        if let Some(key) = self.repeated {
            return Err(format!("`{key}=` given twice"));
        }
        match self.kv.iter().find(|(k, _)| !allowed.contains(k)) {
            Some((&"", v)) => Err(format!("unexpected `={v}`")),
            Some((k, _)) => Err(format!("unknown key `{k}=`")),
            None => Ok(()),
        }
    }

    fn get(&self, key: &str) -> Result<&'a str, String> {
        self.kv
            .get(key)
            .copied()
            .ok_or_else(|| format!("missing `{key}=`"))
    }

    fn text(&self, key: &str, pos: Pos) -> Result<String, String> {
        unescape(self.get(key)?, pos).map_err(|m| format!("`{key}=`: {m}"))
    }

    fn num(&self, key: &str) -> Result<u64, String> {
        let v = self.get(key)?;
        canon_u64(v).ok_or_else(|| format!("`{key}={v}` is not a valid number"))
    }

    /// An alignment in bytes: a power of two (so at least 1), at most [`MAX_ALIGN_BYTES`].
    fn align(&self, key: &str) -> Result<u64, String> {
        let v = self.num(key)?;
        if !v.is_power_of_two() {
            return Err(format!("`{key}={v}` is not a power of two"));
        }
        if v > MAX_ALIGN_BYTES {
            return Err(format!(
                "`{key}={v}` is larger than the largest alignment a snapshot holds ({MAX_ALIGN_BYTES})"
            ));
        }
        Ok(v)
    }
}

/// Refuses the characters that rendering always escapes, wherever they appear raw.
fn raw_chars(line: &str) -> Result<(), String> {
    match line.chars().find(|&c| hidden(c)) {
        None => Ok(()),
        Some('\r') if line.ends_with('\r') => Err(
            "control character '\\r' in line (CRLF line endings: the file was converted after rendering)"
                .into(),
        ),
        Some(c) if c.is_control() => Err(format!("control character {c:?} in line")),
        Some(c) => Err(format!(
            "invisible or bidi character {c:?} in line (rendering writes it escaped)"
        )),
    }
}

fn blank_or_comment(line: &str) -> bool {
    line.starts_with('#') || line.trim().is_empty()
}

const REGENERATE: &str =
    "regenerate it with `uapi-guard snapshot` (`make snapshot` for the committed ones)";

/// Parses snapshot text back into a layout.
///
/// The `schema` line is read first (an old snapshot gets "regenerate", not "truncated"), then
/// the `end` line must close the file, then every line between is parsed, and last the `end`
/// line's counts and checksum are compared, so an error names the first malformed line when there
/// is one, and "truncated or edited" otherwise.
pub fn parse(text: &str) -> Result<Layout, ParseError> {
    // Lines are split on `\n` alone (`str::lines` would also drop a `\r` before each `\n`,
    // which must not vanish unseen), and never collected: a file of empty lines costs nothing.
    let count_lines = |s: &str| s.bytes().filter(|&b| b == b'\n').count();
    let mut schema = None;
    let mut offset = 0;
    for (index, line) in text.split('\n').enumerate() {
        raw_chars(line).map_err(|m| (index + 1, m))?;
        offset += line.len() + 1;
        if !blank_or_comment(line) {
            schema = Some((index + 1, line, offset));
            break;
        }
    }
    let Some((schema_lineno, schema_line, body_start)) = schema else {
        return Err((
            1,
            "no `schema` line: not a snapshot, or one truncated before its `schema` line".into(),
        ));
    };
    let schema_err = |m: String| (schema_lineno, m);
    let Some(v) = schema_line.strip_prefix("schema ") else {
        return Err(schema_err(format!(
            "the first line that is not a comment must be `schema {SCHEMA}`"
        )));
    };
    let v: u32 = canon_u64(v)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| schema_err(format!("schema `{v}` is not a number")))?;
    if v != SCHEMA {
        return Err(schema_err(format!(
            "snapshot schema {v} is not supported by this uapi-guard (it reads schema {SCHEMA}); {}",
            if v > SCHEMA {
                "upgrade uapi-guard".to_string()
            } else {
                REGENERATE.replace(" it ", " the snapshot ")
            }
        )));
    }

    // The `end` line: the last one, followed by a newline and nothing else.
    let Some(all) = text.strip_suffix('\n') else {
        return Err((
            count_lines(text) + 1,
            format!("the last line has no newline: the snapshot is truncated; {REGENERATE}"),
        ));
    };
    let end_start = all.rfind('\n').map_or(0, |i| i + 1);
    let end_line = &all[end_start..];
    let end_lineno = count_lines(&text[..end_start]) + 1;
    // Lines `schema_lineno + 1 .. end_lineno`, each with its newline.
    let body = text.get(body_start..end_start).unwrap_or("");
    let after_end = |lineno: usize| {
        (
            lineno + 1,
            format!(
                "this line follows the `end` line (line {lineno}): the snapshot was edited, or two were joined; {REGENERATE}"
            ),
        )
    };
    if end_lineno <= schema_lineno || word(end_line) != "end" {
        if let Some(k) = body.split_terminator('\n').position(|l| word(l) == "end") {
            return Err(after_end(schema_lineno + 1 + k));
        }
        return Err((
            end_lineno,
            format!(
                "the snapshot ends without its `end` line: it is truncated (or was edited); {REGENERATE}"
            ),
        ));
    }

    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    let mut arch: Option<Arch> = None;
    let mut headers = Vec::new();
    let mut skipped = Vec::new();
    let mut diagnostics = Vec::new();
    let mut records: BTreeMap<String, Record> = BTreeMap::new();
    let mut field_count = 0;
    let mut constants = BTreeMap::new();
    let mut ioctls: Vec<(usize, Ioctl)> = Vec::new();
    let mut last_record: Option<String> = None;
    let mut field_names = BTreeSet::new();
    for (k, line) in body.split_terminator('\n').enumerate() {
        let lineno = schema_lineno + 1 + k;
        let err = |m: String| (lineno, m);
        raw_chars(line).map_err(err)?;
        if blank_or_comment(line) {
            continue;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "schema" => return Err(err("`schema` given twice".into())),
            "end" => return Err(after_end(lineno)),
            "header-set" | "version" | "bindgen" | "libclang" => {
                let v = unescape(rest, Pos::Text).map_err(err)?;
                if values.insert(word, v).is_some() {
                    return Err(err(format!("`{word}` given twice")));
                }
            }
            "arch" => {
                let a: Arch = rest
                    .parse()
                    .map_err(|e: crate::model::ArchError| err(e.to_string()))?;
                if arch.replace(a).is_some() {
                    return Err(err("`arch` given twice".into()));
                }
            }
            "header" => headers.push(unescape(rest, Pos::Text).map_err(err)?),
            "skipped" => {
                let l = split_line(rest, &["error"]);
                l.check(&["error"]).map_err(err)?;
                skipped.push(SkippedHeader {
                    header: unescape(l.name, Pos::Name).map_err(err)?,
                    reason: l.text("error", Pos::Text).map_err(err)?,
                });
            }
            "diagnostic" => {
                let l = split_line(rest, &["message"]);
                l.check(&["header", "message"]).map_err(err)?;
                diagnostics.push(Diagnostic {
                    item: unescape(l.name, Pos::Name).map_err(err)?,
                    header: l.text("header", Pos::Value).map_err(err)?,
                    message: l.text("message", Pos::Text).map_err(err)?,
                });
            }
            "record" => {
                let record = parse_record(rest).map_err(err)?;
                let name = record.name.clone();
                if records.insert(name.clone(), record).is_some() {
                    return Err(err(format!(
                        "record `{}` given twice",
                        esc(&name, Pos::Text)
                    )));
                }
                last_record = Some(name);
                field_names.clear();
            }
            "field" => {
                let l = split_line(rest, &["type"]);
                l.check(&["offset", "size", "align", "bits", "type"])
                    .map_err(err)?;
                let (rec, path) = l
                    .name
                    .split_once('.')
                    .ok_or_else(|| err(format!("field `{}` has no record", l.name)))?;
                let rec = unescape(rec, Pos::RecordName).map_err(err)?;
                let record = match records.get_mut(&rec) {
                    Some(r) if last_record.as_deref() == Some(rec.as_str()) => r,
                    _ => {
                        return Err(err(format!(
                            "field `{}` does not follow its record `{}`",
                            l.name,
                            esc(&rec, Pos::Text)
                        )))
                    }
                };
                let field = parse_field(&l, path, record).map_err(err)?;
                // C forbids two members of one name, and the diff looks fields up by name: a
                // second copy would hide a change to either. (A set, not a scan of the fields:
                // a record of a million members must not take a million squared steps.)
                if !field_names.insert(field.name.clone()) {
                    return Err(err(format!("field `{}` given twice", l.name)));
                }
                record.fields.push(field);
                field_count += 1;
            }
            "const" => {
                let c = parse_constant(rest).map_err(err)?;
                if let Some(io) = &c.ioctl {
                    ioctls.push((lineno, io.clone()));
                }
                if constants.contains_key(&c.name) {
                    return Err(err(format!(
                        "constant `{}` given twice",
                        esc(&c.name, Pos::Text)
                    )));
                }
                constants.insert(c.name.clone(), c);
            }
            _ => return Err(err(format!("unknown line kind `{word}`"))),
        }
    }

    check_end(
        text,
        end_start,
        end_lineno,
        [
            records.len(),
            field_count,
            constants.len(),
            headers.len(),
            skipped.len(),
            diagnostics.len(),
        ],
    )?;

    let arch = arch.ok_or_else(|| (0, "missing `arch` line".to_string()))?;
    let mut take = |key: &'static str| {
        values
            .remove(key)
            .ok_or_else(|| (0, format!("missing `{key}` line")))
    };
    let header_set = take("header-set")?;
    let version = take("version")?;
    let provenance = Provenance {
        bindgen: take("bindgen")?,
        libclang: take("libclang")?,
    };
    for (lineno, io) in ioctls {
        let encoding = arch.ioctl_encoding();
        if encoding
            .encode(io.dir, io.ioc_type, io.nr, io.size_bytes)
            .is_none()
        {
            let width = match encoding {
                IoctlEncoding::Generic => 14,
                IoctlEncoding::Powerpc => 13,
            };
            return Err((
                lineno,
                format!(
                    "ioctl size {} does not fit {arch}'s {width}-bit ioctl size field",
                    io.size_bytes
                ),
            ));
        }
    }
    Ok(Layout {
        header_set,
        version,
        arch,
        provenance,
        headers,
        skipped,
        diagnostics,
        records,
        constants,
    })
}

/// Checks the `end` line (line `lineno`, starting at byte `start` of `text`, which ends with its
/// newline) against the text before it and the counts of what was parsed.
fn check_end(
    text: &str,
    start: usize,
    lineno: usize,
    counts: [usize; 6],
) -> Result<(), ParseError> {
    let err = |m: String| (lineno, m);
    let line = &text[start..text.len() - 1];
    raw_chars(line).map_err(err)?;
    let malformed = || {
        err(format!(
            "malformed `end` line (expected `end records=N fields=N constants=N headers=N skipped=N [diagnostics=N] fnv1a64=<16 hex digits>`, `diagnostics=` only when not 0): the snapshot is truncated or was edited; {REGENERATE}"
        ))
    };
    let mut tokens = line.split(' ').peekable();
    if tokens.next() != Some("end") {
        return Err(malformed());
    }
    for ((key, kind), actual) in COUNTS.iter().zip(counts) {
        let given = |t: &str| t.strip_prefix(key).is_some_and(|t| t.starts_with('='));
        let n = if optional_count(key) && !tokens.peek().is_some_and(|t| given(t)) {
            0
        } else {
            let n = tokens
                .next()
                .and_then(|t| t.strip_prefix(key)?.strip_prefix('='))
                .and_then(canon_u64)
                .ok_or_else(malformed)?;
            // An optional count is written only when it is not 0: one spelling.
            if n == 0 && optional_count(key) {
                return Err(malformed());
            }
            n
        };
        if usize::try_from(n).ok() != Some(actual) {
            return Err(err(format!(
                "`{key}={n}` but the snapshot has {actual} `{kind}` line{}: it is truncated or was edited; {REGENERATE}",
                if actual == 1 { "" } else { "s" }
            )));
        }
    }
    let sum = tokens
        .next()
        .and_then(|t| t.strip_prefix("fnv1a64="))
        .filter(|h| h.len() == 16 && is_lower_hex(h))
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(malformed)?;
    if tokens.next().is_some() {
        return Err(malformed());
    }
    if fnv1a64(&text.as_bytes()[..start]) != sum {
        return Err(err(format!(
            "the checksum `fnv1a64={sum:016x}` does not match the lines before it: the snapshot was edited or corrupted; {REGENERATE} instead of editing it"
        )));
    }
    Ok(())
}

fn parse_record(rest: &str) -> Result<Record, String> {
    let l = split_line(rest, &[]);
    l.check(&["kind", "size", "align", "header"])?;
    let name = unescape(l.name, Pos::RecordName)?;
    if name.is_empty() {
        return Err("empty record name".into());
    }
    let kind = match l.get("kind")? {
        "struct" => RecordKind::Struct,
        "union" => RecordKind::Union,
        k => return Err(format!("unknown record kind `{k}`")),
    };
    let size_bytes = l.num("size")?;
    if size_bytes >= MAX_SIZE_BYTES {
        return Err(format!(
            "`size={size_bytes}` is too large (a snapshot holds records below 4 GiB)"
        ));
    }
    let align_bytes = l.align("align")?;
    if size_bytes % align_bytes != 0 {
        return Err(format!(
            "`size={size_bytes}` is not a multiple of `align={align_bytes}` (sizeof always is)"
        ));
    }
    Ok(Record {
        name,
        kind,
        header: l.text("header", Pos::Value)?,
        size_bytes,
        align_bytes,
        fields: Vec::new(),
    })
}

/// A `field` line's member of `record`: the raw path `path` and the line's values, with every
/// number checked against the record.
fn parse_field(l: &Line<'_>, path: &str, record: &Record) -> Result<Field, String> {
    let name = unescape(path, Pos::Name)?;
    if name.is_empty() {
        return Err(format!("field `{}` has an empty name", l.name));
    }
    let offset_bytes = l.num("offset")?;
    let size_bytes = l.num("size")?;
    let align_bytes = l.align("align")?;
    let bits = match l.kv.get("bits") {
        None => None,
        Some(b) => {
            let (o, w) = b
                .split_once('+')
                .and_then(|(o, w)| Some((canon_u64(o)?, canon_u64(w)?)))
                .ok_or_else(|| format!("bad `bits={b}` (expected offset+width)"))?;
            Some(BitRange {
                offset_bits: o,
                size_bits: w,
            })
        }
    };
    let record_size = record.size_bytes;
    match bits {
        // A flexible array member is `size=0` at or before the end.
        None if offset_bytes > record_size || size_bytes > record_size - offset_bytes => {
            return Err(format!(
                "`offset={offset_bytes} size={size_bytes}` reaches past the end of the record (size={record_size})"
            ));
        }
        None => {}
        // A bitfield's `size=` is its type's, which may reach past a packed record's end; its
        // bits may not.
        Some(b) => {
            if size_bytes >= MAX_SIZE_BYTES {
                return Err(format!("`size={size_bytes}` is too large"));
            }
            if b.size_bits == 0 || b.size_bits > size_bytes * 8 {
                return Err(format!(
                    "`bits={}+{}`: a bitfield's width is 1 to the {}-bit width of its type",
                    b.offset_bits,
                    b.size_bits,
                    size_bytes * 8
                ));
            }
            let record_bits = record_size * 8;
            if b.offset_bits > record_bits || b.size_bits > record_bits - b.offset_bits {
                return Err(format!(
                    "`bits={}+{}` reaches past the end of the record ({record_bits} bits)",
                    b.offset_bits, b.size_bits
                ));
            }
            if offset_bytes != b.offset_bits / 8 {
                return Err(format!(
                    "`offset={offset_bytes}` is not the byte holding bit {} (byte {})",
                    b.offset_bits,
                    b.offset_bits / 8
                ));
            }
        }
    }
    Ok(Field {
        name,
        offset_bytes,
        size_bytes,
        align_bytes,
        bits,
        c_type: l.text("type", Pos::Text)?,
    })
}

/// A `const` line (an ioctl's size is checked against the architecture once the `arch` line is
/// known).
fn parse_constant(rest: &str) -> Result<Constant, String> {
    let l = split_line(rest, &["arg"]);
    l.check(&[
        "value",
        "header",
        "enum",
        "enum-name",
        "ioctl",
        "macro",
        "arg",
    ])?;
    let name = unescape(l.name, Pos::Name)?;
    if name.is_empty() {
        return Err("empty constant name".into());
    }
    let v = l.get("value")?;
    let value = canon_i128(v).ok_or_else(|| format!("`value={v}` is not a valid number"))?;
    if !(MIN_VALUE..=MAX_VALUE).contains(&value) {
        return Err(format!(
            "`value={v}` is outside what __s64 and __u64 hold ({MIN_VALUE} to {MAX_VALUE})"
        ));
    }
    let kind = match (l.kv.get("enum"), l.kv.get("enum-name")) {
        (None, None) => ConstantKind::Macro,
        (Some(_), None) => ConstantKind::Enumerator {
            enum_name: format!("enum {}", l.text("enum", Pos::Value)?),
        },
        (None, Some(full)) => {
            let enum_name = l.text("enum-name", Pos::Value)?;
            if enum_name.starts_with("enum ") {
                return Err(format!(
                    "`enum-name={full}` starts with `enum `: it is written `enum=<tag>`"
                ));
            }
            ConstantKind::Enumerator { enum_name }
        }
        (Some(_), Some(_)) => return Err("both `enum=` and `enum-name=`".into()),
    };
    let ioctl = match l.kv.get("ioctl") {
        None if l.kv.contains_key("macro") || l.kv.contains_key("arg") => {
            return Err("`macro=` and `arg=` describe an ioctl, and there is no `ioctl=`".into())
        }
        None => None,
        Some(spec) => Some(parse_ioctl(spec, &l)?),
    };
    Ok(Constant {
        name,
        header: l.text("header", Pos::Value)?,
        value,
        kind,
        ioctl,
    })
}

fn parse_ioctl(spec: &str, l: &Line<'_>) -> Result<Ioctl, String> {
    let bad = || format!("bad `ioctl={spec}` (expected dir:0xTT:nr:size, e.g. write:0x3b:1:8)");
    let parts: Vec<&str> = spec.split(':').collect();
    let [dir, ty, nr, size] = parts.as_slice() else {
        return Err(bad());
    };
    let dir = IoctlDir::from_name(dir).ok_or_else(bad)?;
    let ioc_type = ty
        .strip_prefix("0x")
        .filter(|h| h.len() == 2 && is_lower_hex(h))
        .and_then(|h| u8::from_str_radix(h, 16).ok())
        .ok_or_else(bad)?;
    let nr = canon_u64(nr).ok_or_else(bad)?;
    let nr = u8::try_from(nr)
        .map_err(|_| format!("`ioctl={spec}`: the number {nr} does not fit 8 bits"))?;
    let size = canon_u64(size).ok_or_else(bad)?;
    let size_bytes = u32::try_from(size)
        .ok()
        .filter(|&s| s < IOCTL_SIZE_LIMIT)
        .ok_or_else(|| format!("`ioctl={spec}`: the size {size} does not fit 14 bits"))?;
    Ok(Ioctl {
        dir,
        ioc_type,
        nr,
        size_bytes,
        macro_name: l.text("macro", Pos::Value)?,
        arg_type: match l.kv.get("arg") {
            None => None,
            Some(_) => Some(l.text("arg", Pos::Text)?),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        let mut l = Layout {
            header_set: "vfio".into(),
            version: "6.1".into(),
            arch: Arch::X86_64,
            provenance: Provenance {
                bindgen: "0.73.2".into(),
                libclang: "Debian clang version 14.0.6".into(),
            },
            headers: vec!["linux/vfio.h".into()],
            skipped: vec![SkippedHeader {
                header: "linux/foo.h".into(),
                reason: "error: unknown type name".into(),
            }],
            diagnostics: Vec::new(),
            records: BTreeMap::new(),
            constants: BTreeMap::new(),
        };
        let field = |name: &str, offset_bytes, size_bytes, c_type: &str| Field {
            name: name.into(),
            offset_bytes,
            size_bytes,
            align_bytes: size_bytes.max(1),
            bits: None,
            c_type: c_type.into(),
        };
        let r = Record {
            name: "struct a".into(),
            kind: RecordKind::Struct,
            header: "linux/vfio.h".into(),
            size_bytes: 8,
            align_bytes: 4,
            fields: vec![
                field("x", 0, 4, "__u32"),
                Field {
                    bits: Some(BitRange {
                        offset_bits: 35,
                        size_bits: 5,
                    }),
                    ..field("flags", 4, 4, "__u32")
                },
                Field {
                    align_bytes: 1,
                    ..field("data", 8, 0, "__u8[]")
                },
            ],
        };
        l.records.insert(r.name.clone(), r);
        let c = Constant {
            name: "VFIO_GET_API_VERSION".into(),
            header: "linux/vfio.h".into(),
            value: 15204,
            kind: ConstantKind::Macro,
            ioctl: Some(Ioctl {
                dir: IoctlDir::None,
                ioc_type: b';',
                nr: 100,
                size_bytes: 0,
                macro_name: "_IO".into(),
                arg_type: None,
            }),
        };
        l.constants.insert(c.name.clone(), c);
        let e = Constant {
            name: "E".into(),
            header: "linux/vfio.h".into(),
            value: -1,
            kind: ConstantKind::Enumerator {
                enum_name: "enum <anonymous>".into(),
            },
            ioctl: None,
        };
        l.constants.insert(e.name.clone(), e);
        l
    }

    /// The error message for `text` after `edit`, which must be an error.
    fn refused(text: &str, edit: impl Fn(&str) -> String) -> ParseError {
        let edited = edit(text);
        assert_ne!(edited, text, "the edit changed nothing");
        parse(&seal(&edited)).expect_err(&edited)
    }

    fn good() -> String {
        render(&layout())
    }

    #[test]
    fn render_parses_back_exactly() {
        let l = layout();
        let text = render(&l);
        assert_eq!(parse(&text).unwrap(), l);
        let end = text.lines().last().unwrap();
        assert!(
            end.starts_with("end records=1 fields=3 constants=2 headers=1 skipped=1 fnv1a64="),
            "{end}"
        );
    }

    #[test]
    fn the_module_doc_example_parses() {
        let doc = include_str!("mod.rs");
        let start = doc.find("//! ```text\n").unwrap() + "//! ```text\n".len();
        let end = start + doc[start..].find("//! ```\n").unwrap();
        let example: String = doc[start..end]
            .lines()
            .map(|l| l.strip_prefix("//! ").unwrap_or("").to_string() + "\n")
            .collect();
        assert_eq!(example, seal(&example), "update the example's end line");
        parse(&example).unwrap();
    }

    #[test]
    fn hostile_names_inject_nothing_and_round_trip() {
        let mut l = layout();
        let evil = "x\nconst INJECTED value=1 header=h\r\n\tend records=0";
        l.version = format!("6.1{evil}");
        l.header_set = format!("vfio\n{evil}");
        l.provenance.libclang = "clang\\x0a".into();
        l.headers.push(format!("linux/{evil}.h"));
        l.skipped.push(SkippedHeader {
            header: "a size=1 error=x".into(),
            reason: format!("first\nsecond{evil}"),
        });
        let mut r = l.records["struct a"].clone();
        r.name = format!("struct b.c size=99 {evil}");
        r.header = "linux/a b.h enum=forged".into();
        r.fields[0].name = "x offset=4 type=forged".into();
        r.fields[0].c_type = format!("__u32 {evil}");
        l.records.insert(r.name.clone(), r);
        let mut c = l.constants["VFIO_GET_API_VERSION"].clone();
        c.name = format!("C value=2 {evil}");
        c.header = "h enum=x".into();
        let io = c.ioctl.as_mut().unwrap();
        io.macro_name = "_IO arg=forged".into();
        io.arg_type = Some(evil.into());
        c.kind = ConstantKind::Enumerator {
            enum_name: "enum a b=c".into(),
        };
        l.constants.insert(c.name.clone(), c);
        let text = render(&l);
        // One line per item: 8 fixed lines, 2 headers, 2 skipped, 2 records of 3 fields, 3
        // constants.
        assert_eq!(text.lines().count(), 8 + 2 + 2 + 8 + 3, "{text}");
        assert!(!text.lines().any(|line| line.starts_with("const INJECTED")));
        assert_eq!(text.matches("\nend ").count(), 1);
        assert!(text.contains("version 6.1x\\x0aconst INJECTED value=1 header=h\\x0d\\x0a\\x09end"));
        assert!(text.contains("record struct b\\x2ec size\\x3d99 x"));
        assert!(text.contains("libclang clang\\x5cx0a\n"));
        assert_eq!(parse(&text).unwrap(), l);
    }

    #[test]
    fn bidi_and_zero_width_characters_round_trip_escaped() {
        let mut l = layout();
        let mut r = l.records["struct a"].clone();
        r.name = "struct a\u{202e}b".into();
        r.fields[0].c_type = "__u32 /* \u{2066}\u{200b}\u{feff}\u{85}\u{7f} */".into();
        l.records.insert(r.name.clone(), r);
        let text = render(&l);
        assert!(text.contains("record struct a\\u{202e}b kind="), "{text}");
        assert!(
            text.contains("type=__u32 /* \\u{2066}\\u{200b}\\u{feff}\\u{0085}\\x7f */\n"),
            "{text}"
        );
        assert!(!text.chars().any(|c| c != '\n' && hidden(c)));
        assert_eq!(parse(&text).unwrap(), l);
        // Written raw, they are refused wherever they are.
        for raw in ["\u{202e}", "\u{200b}", "\u{feff}", "\u{85}", "\u{7f}", "\t"] {
            let e = refused(&text, |t| {
                t.replace("type=__u32 /*", &format!("type=__u32{raw} /*"))
            });
            assert!(e.1.contains("character"), "{e:?}");
            let e = refused(&text, |t| {
                t.replacen("# uapi-guard", &format!("# {raw}"), 1)
            });
            assert_eq!(e.0, 1, "{e:?}");
        }
    }

    #[test]
    fn every_string_round_trips() {
        let mut chars: Vec<char> = (0..0x2100).filter_map(char::from_u32).collect();
        chars.extend([
            '\u{202a}',
            '\u{202e}',
            '\u{2066}',
            '\u{2069}',
            '\u{feff}',
            '\u{e0041}',
        ]);
        chars.extend(['\u{fffd}', '\u{10ffff}', '\u{1f600}']);
        for c in chars {
            let s = format!("{c}a {c}={c}.{c}\\{c}");
            let mut l = layout();
            l.version = s.clone();
            l.headers.push(s.clone());
            l.skipped[0].header = s.clone();
            l.skipped[0].reason = s.clone();
            let mut r = l.records["struct a"].clone();
            r.name = s.clone();
            r.header = s.clone();
            r.fields[0].name = s.clone();
            r.fields[0].c_type = s.clone();
            l.records.insert(s.clone(), r);
            let mut k = l.constants["VFIO_GET_API_VERSION"].clone();
            k.name = s.clone();
            k.header = s.clone();
            let io = k.ioctl.as_mut().unwrap();
            io.macro_name = s.clone();
            io.arg_type = Some(s.clone());
            k.kind = ConstantKind::Enumerator {
                enum_name: s.clone(),
            };
            l.constants.insert(s.clone(), k);
            let text = render(&l);
            assert_eq!(parse(&text).as_ref(), Ok(&l), "{c:?}:\n{text}");
        }
    }

    #[test]
    fn malformed_or_needless_escapes_are_refused() {
        let text = good();
        for bad in [
            "\\",
            "\\q",
            "\\x4",
            "\\xZZ",
            "\\x4A",
            "\\x41",
            "\\xc3",
            "\\u{41}",
            "\\u{0041}",
            "\\u202e",
            "\\u{202E}",
            "\\u{0202e}",
            "\\u{d800}",
            "\\u{110000}",
            "\\u{e9}",
            "\\u{00e9}",
        ] {
            let e = refused(&text, |t| {
                t.replace("type=__u32\n", &format!("type=__u32{bad}\n"))
            });
            assert!(e.1.contains("escape"), "{bad}: {e:?}");
        }
        // Raw characters that must be escaped where they are.
        let e = refused(&text, |t| {
            t.replace("record struct a ", "record struct a.b ")
        });
        assert!(e.1.contains("'.' must be written `\\x2e`"), "{e:?}");
    }

    #[test]
    fn losing_the_last_lines_or_any_bytes_is_an_error() {
        let text = good();
        let lines: Vec<&str> = text.lines().collect();
        for keep in 1..lines.len() {
            let cut = lines[..keep].join("\n") + "\n";
            let e = parse(&cut).unwrap_err();
            assert!(e.1.contains("truncated"), "{keep}: {e:?}");
        }
        for cut in 0..text.len() {
            assert!(parse(&text[..cut]).is_err(), "cut at {cut} parses");
        }
        let e = parse(text.strip_suffix('\n').unwrap()).unwrap_err();
        assert!(
            e.1.contains("no newline") && e.1.contains("truncated"),
            "{e:?}"
        );
    }

    #[test]
    fn a_changed_digit_or_any_changed_byte_is_an_error() {
        let text = good();
        let e = parse(&text.replacen("value=15204", "value=15205", 1)).unwrap_err();
        assert!(e.1.contains("checksum") && e.1.contains("edited"), "{e:?}");
        assert_eq!(e.0, text.lines().count());
        let e = parse(&text.replacen("size=8 ", "size=12 ", 1)).unwrap_err();
        assert!(e.1.contains("checksum"), "{e:?}");
        for at in 0..text.len() {
            for mask in [0x01u8, 0x20, 0x80] {
                let mut b = text.clone().into_bytes();
                b[at] ^= mask;
                if let Ok(l) = parse(&String::from_utf8_lossy(&b)) {
                    panic!("byte {at} ^ {mask:#x} parses: {l:?}");
                }
            }
        }
    }

    #[test]
    fn end_line_counts_and_position_are_checked() {
        let text = good();
        for (from, to) in [
            ("records=1", "records=2"),
            ("fields=3", "fields=2"),
            ("skipped=1", "skipped=0"),
        ] {
            let e = parse(&text.replacen(from, to, 1)).unwrap_err();
            assert!(
                e.1.contains("truncated or was edited") && e.1.contains(to),
                "{e:?}"
            );
        }
        for bad in ["records=01", "records=+1", "fnv1a64=ABC"] {
            let key = bad.split('=').next().unwrap();
            let i = text.rfind(&format!(" {key}=")).unwrap() + 1;
            let j = i + text[i..].find([' ', '\n']).unwrap();
            let e = parse(&format!("{}{bad}{}", &text[..i], &text[j..])).unwrap_err();
            assert!(e.1.contains("malformed `end` line"), "{bad}: {e:?}");
        }
        // A line after the end line, or two snapshots joined: the line after `end` is named.
        let n = text.lines().count();
        let e = parse(&format!("{text}const X value=1 header=h\n")).unwrap_err();
        assert_eq!(e.0, n + 1, "{e:?}");
        assert!(e.1.contains("follows the `end` line"), "{e:?}");
        let e = parse(&format!("{text}{text}")).unwrap_err();
        assert_eq!(e.0, n + 1, "{e:?}");
        let e = parse(&seal(&format!("{text}{text}"))).unwrap_err();
        assert_eq!(e.0, n + 1, "{e:?}");
        assert!(parse(&format!("{text}\n")).is_err());
        // CRLF line endings are named as such.
        let e = parse(&text.replace('\n', "\r\n")).unwrap_err();
        assert!(e.1.contains("CRLF"), "{e:?}");
    }

    #[test]
    fn seal_replaces_an_end_line_and_counts_line_kinds() {
        let text = good();
        assert_eq!(seal(&text), text);
        let body = &text[..text.rfind("end ").unwrap()];
        assert_eq!(seal(body), text);
        assert_eq!(seal(body.strip_suffix('\n').unwrap()), text);
    }

    #[test]
    fn schema_1_is_told_to_regenerate() {
        let old = "# uapi-guard layout snapshot\nschema 1\nheader-set vfio\n";
        let e = parse(old).unwrap_err();
        assert_eq!(e.0, 2);
        assert!(
            e.1.contains("schema 1")
                && e.1
                    .contains("regenerate the snapshot with `uapi-guard snapshot`"),
            "{e:?}"
        );
        let e = parse("schema 3\n").unwrap_err();
        assert!(e.1.contains("upgrade uapi-guard"), "{e:?}");
        let e = parse("header-set vfio\nschema 2\n").unwrap_err();
        assert!(e.1.contains("must be `schema 2`"), "{e:?}");
    }

    #[test]
    fn record_sizes_and_alignments_are_bounded() {
        let text = good();
        let record = |size: &str, align: &str| {
            let s = text.replace(
                "size=8 align=4 header",
                &format!("size={size} align={align} header"),
            );
            parse(&seal(
                &s.replace(
                    "offset=4 size=4 align=4 bits=35+5",
                    "offset=0 size=4 align=4 bits=0+5",
                )
                .replace("offset=8 size=0", "offset=0 size=0"),
            ))
        };
        assert!(record("4294967292", "4").is_ok());
        assert!(record("4294967296", "4")
            .unwrap_err()
            .1
            .contains("too large"));
        assert!(record("18446744073709551615", "1")
            .unwrap_err()
            .1
            .contains("too large"));
        assert!(record("18446744073709551616", "1")
            .unwrap_err()
            .1
            .contains("not a valid number"));
        assert!(record("65536", "65536").is_ok());
        assert!(record("131072", "131072")
            .unwrap_err()
            .1
            .contains("larger than"));
        assert!(record("9223372036854775808", "9223372036854775808").is_err());
        assert!(record("6", "4").unwrap_err().1.contains("not a multiple"));
        assert!(record("08", "4")
            .unwrap_err()
            .1
            .contains("not a valid number"));
        assert!(record("+8", "4")
            .unwrap_err()
            .1
            .contains("not a valid number"));
    }

    #[test]
    fn members_stay_inside_their_record() {
        let text = good();
        let field = |from: &str, to: &str| refused(&text, |t| t.replace(from, to)).1;
        // offset + size past the end, including sums that would overflow.
        let x = "field struct a.x offset=0 size=4";
        assert!(field(x, "field struct a.x offset=6 size=4").contains("past the end"));
        assert!(field(x, "field struct a.x offset=9 size=0").contains("past the end"));
        assert!(
            field(x, "field struct a.x offset=18446744073709551615 size=2")
                .contains("past the end")
        );
        assert!(
            field(x, "field struct a.x offset=2 size=18446744073709551615")
                .contains("past the end")
        );
        // A flexible array member at the very end is fine (the layout has one).
        assert!(text.contains("field struct a.data offset=8 size=0"));
        // Bitfields: inside the record's bits, width 1..=the type's, offset the first bit's byte.
        let b = "offset=4 size=4 align=4 bits=35+5";
        assert!(field(b, "offset=7 size=4 align=4 bits=60+5").contains("past the end"));
        assert!(
            field(b, "offset=0 size=4 align=4 bits=18446744073709551615+2")
                .contains("past the end")
        );
        assert!(field(b, "offset=4 size=4 align=4 bits=35+0").contains("width"));
        assert!(field(b, "offset=4 size=4 align=4 bits=35+33").contains("width"));
        assert!(field(b, "offset=3 size=4 align=4 bits=35+5").contains("the byte holding bit 35"));
        assert!(field(b, "offset=4 size=4294967296 align=4 bits=35+5").contains("too large"));
        assert!(field(b, "offset=4 size=4 align=4 bits=35+05").contains("bad `bits="));
        // A packed record's bitfield may have a type larger than the record.
        let packed = text
            .replace("size=8 align=4 header", "size=5 align=1 header")
            .replace(
                "field struct a.x offset=0 size=4 align=4",
                "field struct a.x offset=0 size=4 align=1",
            )
            .replace("offset=8 size=0 align=1", "offset=5 size=0 align=1");
        parse(&seal(&packed)).unwrap();
        assert!(field("align=4 bits", "align=131072 bits").contains("larger than"));
    }

    #[test]
    fn ioctl_fields_and_values_stay_in_their_widths() {
        let text = good();
        let io = |spec: &str| refused(&text, |t| t.replace("ioctl=none:0x3b:100:0", spec)).1;
        assert!(io("ioctl=none:0x3b:256:0").contains("does not fit 8 bits"));
        assert!(io("ioctl=none:0x3b:100:16384").contains("does not fit 14 bits"));
        assert!(io("ioctl=none:0x3b:100:4294967296").contains("does not fit 14 bits"));
        assert!(io("ioctl=none:0x13b:100:0").contains("bad `ioctl="));
        assert!(io("ioctl=none:0x0x3b:100:0").contains("bad `ioctl="));
        assert!(io("ioctl=none:3b:100:0").contains("bad `ioctl="));
        assert!(io("ioctl=none:0x3B:100:0").contains("bad `ioctl="));
        assert!(io("ioctl=none:0x3b:0100:0").contains("bad `ioctl="));
        // 16383 fits the generic 14-bit size field, not powerpc's 13 bits.
        let big = text.replace("ioctl=none:0x3b:100:0", "ioctl=none:0x3b:100:16383");
        parse(&seal(&big)).unwrap();
        let e = parse(&seal(&big.replace("arch x86_64", "arch ppc64le"))).unwrap_err();
        assert!(e.1.contains("13-bit"), "{e:?}");
        // Values: what __s64 and __u64 hold.
        let value = |v: &str| parse(&seal(&text.replace("value=15204", &format!("value={v}"))));
        assert!(value("18446744073709551615").is_ok());
        assert!(value("-9223372036854775808").is_ok());
        assert!(value("18446744073709551616")
            .unwrap_err()
            .1
            .contains("outside"));
        assert!(value("-9223372036854775809")
            .unwrap_err()
            .1
            .contains("outside"));
        for bad in ["-0", "+1", "015204", "1e3", ""] {
            assert!(
                value(bad).unwrap_err().1.contains("not a valid number"),
                "{bad}"
            );
        }
    }

    #[test]
    fn lines_refuse_what_rendering_never_writes() {
        let text = good();
        let e = |from: &str, to: &str| refused(&text, |t| t.replacen(from, to, 1)).1;
        assert!(
            e("kind=struct size=8", "kind=struct bogus=1 size=8").contains("unknown key `bogus=`")
        );
        assert!(e("kind=struct size=8", "kind=struct  size=8").contains("unexpected space"));
        assert!(e("record struct a ", "record ").contains("no name"));
        assert!(
            e("header=linux/vfio.h\nfield", "header=linux/vfio.h \nfield")
                .contains("unexpected space")
        );
        assert!(
            e("skipped linux/foo.h error", "skipped linux/foo.h k=v error")
                .contains("unknown key `k=`")
        );
        assert!(e(
            "value=-1 header=linux/vfio.h enum=<anonymous>",
            "value=-1 header=linux/vfio.h macro=_IO"
        )
        .contains("no `ioctl=`"));
        assert!(e("enum=<anonymous>", "enum=<anonymous> enum-name=x").contains("both"));
        assert!(e("enum=<anonymous>", "enum-name=enum\\x20x").contains("starts with `enum `"));
        assert!(e("field struct a.x ", "field struct a. ").contains("empty name"));
        assert!(e("const E ", "const  ").contains("empty constant name"));
        assert!(e("arch x86_64\n", "arch x86_64\narch i386\n").contains("`arch` given twice"));
        assert!(e("schema 2\n", "schema 2\nschema 2\n").contains("`schema` given twice"));
    }

    fn with_diagnostics() -> Layout {
        let mut l = layout();
        l.diagnostics = vec![
            Diagnostic {
                header: "linux/bcache.h".into(),
                item: "MAX_KEY_OFFSET".into(),
                message: "value is -1 according to bindgen but 9223372036854775807 according to the compiled probe; the probe's is kept".into(),
            },
            Diagnostic {
                header: "linux/a b.h".into(),
                item: "x header=forged\nend records=0".into(),
                message: "first\nsecond message=forged \u{202e}".into(),
            },
        ];
        l
    }

    #[test]
    fn diagnostics_round_trip_escaped_and_are_counted() {
        let l = with_diagnostics();
        let text = render(&l);
        assert_eq!(parse(&text).unwrap(), l);
        assert!(text.contains(
            "\ndiagnostic MAX_KEY_OFFSET header=linux/bcache.h message=value is -1 according to bindgen"
        ));
        assert!(text.contains(
            "\ndiagnostic x header\\x3dforged\\x0aend records\\x3d0 header=linux/a\\x20b.h message=first\\x0asecond message=forged \\u{202e}\n"
        ), "{text}");
        // One line each, after the `skipped` lines.
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("diagnostic "))
                .count(),
            2
        );
        let end = text.lines().last().unwrap();
        assert!(
            end.starts_with(
                "end records=1 fields=3 constants=2 headers=1 skipped=1 diagnostics=2 fnv1a64="
            ),
            "{end}"
        );
        assert_eq!(seal(&text), text);
        // A lost diagnostic line is a wrong count, not a smaller snapshot.
        let cut = text.replacen(
            "diagnostic MAX_KEY_OFFSET",
            "# diagnostic MAX_KEY_OFFSET",
            1,
        );
        let e = parse(&cut).unwrap_err();
        assert!(
            e.1.contains("`diagnostics=2` but the snapshot has 1 `diagnostic` line"),
            "{e:?}"
        );
    }

    #[test]
    fn the_diagnostics_count_is_written_only_when_not_zero() {
        // Snapshots without diagnostics keep the bytes they had before the line kind existed.
        let text = good();
        assert!(!text.contains("diagnostic"), "{text}");
        // `diagnostics=0` is a second spelling of no count: refused.
        let zero = text.replacen(" fnv1a64=", " diagnostics=0 fnv1a64=", 1);
        assert!(parse(&zero).unwrap_err().1.contains("malformed `end` line"));
        // Diagnostic lines with no count, or a count with no lines, are refused.
        let with = render(&with_diagnostics());
        let dropped = with.replacen(" diagnostics=2", "", 1);
        let e = parse(&dropped).unwrap_err();
        assert!(e.1.contains("has 2 `diagnostic` lines"), "{e:?}");
        let e = parse(&text.replacen(" fnv1a64=", " diagnostics=1 fnv1a64=", 1)).unwrap_err();
        assert!(
            e.1.contains("`diagnostics=1` but the snapshot has 0"),
            "{e:?}"
        );
        // Out of order with `skipped=`, or doubled: malformed.
        let swapped = with.replacen("skipped=1 diagnostics=2", "diagnostics=2 skipped=1", 1);
        assert!(parse(&swapped)
            .unwrap_err()
            .1
            .contains("malformed `end` line"));
        let twice = with.replacen("diagnostics=2", "diagnostics=2 diagnostics=2", 1);
        assert!(parse(&twice)
            .unwrap_err()
            .1
            .contains("malformed `end` line"));
    }

    #[test]
    fn diagnostic_lines_refuse_what_rendering_never_writes() {
        let text = render(&with_diagnostics());
        let e = |from: &str, to: &str| refused(&text, |t| t.replacen(from, to, 1)).1;
        assert!(e(
            "diagnostic MAX_KEY_OFFSET header=linux/bcache.h ",
            "diagnostic MAX_KEY_OFFSET "
        )
        .contains("missing `header=`"));
        assert!(e(
            "header=linux/bcache.h message=",
            "header=linux/bcache.h text=x message="
        )
        .contains("unknown key `text=`"));
        assert!(e("diagnostic MAX_KEY_OFFSET ", "diagnostic ").contains("no name"));
        assert!(
            e("header=linux/bcache.h ", "header=linux/bcache.h k=v ").contains("unknown key `k=`")
        );
        assert!(e("according to bindgen", "according\\x20to bindgen").contains("written as itself"));
    }
}
