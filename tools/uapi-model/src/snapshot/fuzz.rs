//! The body of the `snapshot_trailer` fuzz target (and its stable replay): a layout built from the
//! input bytes, its names full of characters that need escaping, renders to text that parses back
//! to exactly that layout and has exactly one line per item; and that text cut at any byte, or
//! with any one byte changed, is refused or reads as the same layout.
//!
//! Input: 4 bytes (little-endian) choosing the cut, 4 the changed byte, 1 the XOR mask, then the
//! layout, decoded a byte at a time (zeros once the input runs out), so every input is valid.

use super::text::hidden;
use super::{parse, render, seal};
use crate::model::{
    Arch, BitRange, Constant, ConstantKind, Field, Ioctl, IoctlDir, IoctlEncoding, Layout,
    Provenance, Record, RecordKind, SkippedHeader,
};
use std::collections::BTreeMap;

/// Pieces of names that once broke, or could break, the format: line breaks, separators, escapes
/// written raw, forged keys and lines, and invisible or bidi characters.
const PIECES: [&str; 40] = [
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\0",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\\",
    "\\x41",
    "\\u{202e}",
    " ",
    "  ",
    "=",
    ".",
    ":",
    "#",
    "-",
    " size=4294967295",
    " type=",
    "\nconst INJECTED value=1 header=h\n",
    "\nend records=0 fields=0 constants=0 headers=0 skipped=0 fnv1a64=0000000000000000\n",
    "\u{202e}",
    "\u{2066}",
    "\u{200b}",
    "\u{feff}",
    "\u{2028}",
    "\u{ad}",
    "\u{e0041}",
    "\u{fffd}",
    "é",
    "struct ",
    "enum ",
    "<anonymous>",
    "a",
    "vfio",
    "x.y",
    "0x3b",
    "linux/vfio.h",
    "__u32[]",
];

struct Input<'a> {
    data: &'a [u8],
}

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// A number in `0..=max`.
    fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(n) => self.u64() % n,
            None => self.u64(),
        }
    }

    fn string(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..self.byte() % 6 {
            let b = self.byte();
            match PIECES.get(usize::from(b)) {
                Some(p) => s.push_str(p),
                // Any other character: ASCII from one byte, or any code point from three.
                None if b & 1 == 0 => s.push(char::from(self.byte() & 0x7f)),
                None => {
                    let c = u32::from(self.u16()) | (u32::from(self.byte() % 0x11) << 16);
                    s.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                }
            }
        }
        s
    }

    /// A non-empty string (records, fields and constants need a name).
    fn name(&mut self) -> String {
        let s = self.string();
        if s.is_empty() {
            "n".into()
        } else {
            s
        }
    }
}

fn record(inp: &mut Input<'_>) -> Record {
    let align_bytes = 1u64 << (inp.byte() % 17);
    let size_bytes = align_bytes * u64::from(inp.u16());
    let mut r = Record {
        name: inp.name(),
        kind: if inp.byte() & 1 == 0 {
            RecordKind::Struct
        } else {
            RecordKind::Union
        },
        header: inp.string(),
        size_bytes,
        align_bytes,
        fields: Vec::new(),
    };
    for _ in 0..inp.byte() % 4 {
        let name = inp.name();
        let align_bytes = 1u64 << (inp.byte() % 17);
        let storage = 1u64 << (inp.byte() % 4);
        let record_bits = size_bytes * 8;
        let field = if inp.byte() & 1 == 1 && record_bits > 0 {
            let width = 1 + inp.up_to((storage * 8).min(record_bits) - 1);
            let offset_bits = inp.up_to(record_bits - width);
            Field {
                name,
                offset_bytes: offset_bits / 8,
                size_bytes: storage,
                align_bytes,
                bits: Some(BitRange {
                    offset_bits,
                    size_bits: width,
                }),
                c_type: inp.string(),
            }
        } else {
            let offset_bytes = inp.up_to(size_bytes);
            Field {
                name,
                offset_bytes,
                size_bytes: inp.up_to(size_bytes - offset_bytes),
                align_bytes,
                bits: None,
                c_type: inp.string(),
            }
        };
        if r.field(&field.name).is_none() {
            r.fields.push(field);
        }
    }
    r
}

fn constant(inp: &mut Input<'_>, arch: Arch) -> Constant {
    let name = inp.name();
    let header = inp.string();
    let value = match inp.byte() % 6 {
        0 => i128::from(i64::MIN),
        1 => i128::from(u64::MAX),
        2 => -1,
        3 => 0,
        4 => i128::from(inp.u64() as i64),
        _ => i128::from(inp.u64()),
    };
    let kind = match inp.byte() % 3 {
        0 => ConstantKind::Macro,
        1 => ConstantKind::Enumerator {
            enum_name: format!("enum {}", inp.string()),
        },
        _ => ConstantKind::Enumerator {
            enum_name: inp.string(),
        },
    };
    let ioctl = (inp.byte() & 1 == 1).then(|| {
        let size_bits = match arch.ioctl_encoding() {
            IoctlEncoding::Generic => 14,
            IoctlEncoding::Powerpc => 13,
        };
        Ioctl {
            dir: [
                IoctlDir::None,
                IoctlDir::Read,
                IoctlDir::Write,
                IoctlDir::ReadWrite,
            ][usize::from(inp.byte() % 4)],
            ioc_type: inp.byte(),
            nr: inp.byte(),
            size_bytes: inp.up_to((1 << size_bits) - 1) as u32,
            macro_name: inp.string(),
            arg_type: (inp.byte() & 1 == 1).then(|| inp.string()),
        }
    });
    Constant {
        name,
        header,
        value,
        kind,
        ioctl,
    }
}

fn layout(inp: &mut Input<'_>) -> Layout {
    let arch = Arch::ALL[usize::from(inp.byte()) % Arch::ALL.len()];
    let mut l = Layout {
        header_set: inp.string(),
        version: inp.string(),
        arch,
        provenance: Provenance {
            bindgen: inp.string(),
            libclang: inp.string(),
        },
        headers: Vec::new(),
        skipped: Vec::new(),
        diagnostics: Vec::new(),
        records: BTreeMap::new(),
        constants: BTreeMap::new(),
    };
    for _ in 0..inp.byte() % 3 {
        l.headers.push(inp.string());
    }
    for _ in 0..inp.byte() % 3 {
        l.skipped.push(SkippedHeader {
            header: inp.string(),
            reason: inp.string(),
        });
    }
    for _ in 0..inp.byte() % 4 {
        let r = record(inp);
        l.records.insert(r.name.clone(), r);
    }
    for _ in 0..inp.byte() % 4 {
        let c = constant(inp, arch);
        l.constants.insert(c.name.clone(), c);
    }
    l
}

/// The layout `data` describes (after its 9 selector bytes).
#[cfg(test)]
pub(super) fn layout_of(data: &[u8]) -> Layout {
    layout(&mut Input {
        data: data.get(9..).unwrap_or_default(),
    })
}

/// Runs the oracle on one input; `Err` describes the violation.
pub fn fuzz_trailer(data: &[u8]) -> Result<(), String> {
    let mut inp = Input { data };
    let cut = inp.u32() as usize;
    let flip = inp.u32() as usize;
    let mask = inp.byte().max(1);
    let layout = layout(&mut inp);
    let text = render(&layout);
    if let Some(c) = text.chars().find(|&c| c != '\n' && hidden(c)) {
        return Err(format!("rendered text holds a raw {c:?}:\n{text}"));
    }
    // One line per item, plus the comment, the 6 header lines and `end`: nothing injected.
    let items = layout.headers.len()
        + layout.skipped.len()
        + layout
            .records
            .values()
            .map(|r| 1 + r.fields.len())
            .sum::<usize>()
        + layout.constants.len();
    if text.lines().count() != items + 8 {
        return Err(format!(
            "{items} items but {} lines:\n{text}",
            text.lines().count()
        ));
    }
    match parse(&text) {
        Ok(again) if again == layout => {}
        Ok(again) => {
            return Err(format!(
                "the rendered layout parses differently:\n{layout:?}\n{again:?}\n{text}"
            ))
        }
        Err((line, m)) => {
            return Err(format!(
                "the rendered layout does not parse (line {line}: {m}):\n{text}"
            ))
        }
    }
    let bytes = text.as_bytes();
    let cut = cut % bytes.len();
    same_or_refused(&bytes[..cut], &layout, || format!("cut at byte {cut}"))?;
    let mut changed = bytes.to_vec();
    let at = flip % changed.len();
    changed[at] ^= mask;
    same_or_refused(&changed, &layout, || format!("byte {at} XOR {mask:#04x}"))
}

fn same_or_refused(bytes: &[u8], layout: &Layout, what: impl Fn() -> String) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    match parse(&text) {
        Ok(l) if &l != layout => Err(format!(
            "{}: parses to another layout:\n{l:?}\n{text}",
            what()
        )),
        _ => Ok(()),
    }
}

/// The body of the `snapshot_parse` fuzz target (and its stable replay): parsing any bytes never
/// panics, and whatever parses renders back to text that parses to the same layout. The input is
/// parsed as it is (which exercises the `end` line checks) and sealed with a correct `end` line
/// (which no mutation would keep, and without which the line parser would be out of reach).
pub fn fuzz_parse_round_trip(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    round_trip(&text)?;
    round_trip(&seal(&text))
}

fn round_trip(text: &str) -> Result<(), String> {
    let Ok(layout) = parse(text) else {
        return Ok(());
    };
    let rendered = render(&layout);
    match parse(&rendered) {
        Ok(again) if again == layout => Ok(()),
        Ok(_) => Err(format!(
            "re-parsing the rendered snapshot gives a different layout:\n{rendered}"
        )),
        Err((line, m)) => Err(format!(
            "rendered snapshot does not parse (line {line}: {m}):\n{rendered}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cut_and_changed_byte_of_hostile_layouts_is_refused() {
        let mut escapes = 0;
        for seed in 0u32..2 {
            // Bytes below 48 pick the hostile pieces.
            let rest: Vec<u8> = (0..300u32)
                .map(|i| ((i * 37 + seed * 11) % 48) as u8)
                .collect();
            let text = render(&layout_of(&[&[0; 9][..], &rest].concat()));
            escapes += text.matches("\\x0a").count() + text.matches("\\u{202e}").count();
            for at in 0..text.len() as u32 {
                let mut input = at.to_le_bytes().to_vec();
                input.extend(at.to_le_bytes());
                input.push(1 + (at % 255) as u8);
                input.extend(&rest);
                fuzz_trailer(&input).unwrap();
            }
        }
        assert!(escapes > 5, "the inputs hold too few hostile names");
    }
}
