//! The snapshot text format: one line per item or field, in a stable order, so a pull request that
//! changes a layout shows exactly the lines that changed. Reading a snapshot back reproduces the
//! model exactly. Snapshot files may come from untrusted pull requests: reading never panics,
//! every error names the file and line, and a file that was truncated or edited by hand is
//! refused rather than read as a smaller snapshot.
//!
//! ```text
//! # uapi-guard layout snapshot; one line per item; do not edit by hand
//! schema 2
//! header-set vfio
//! version 6.1
//! arch x86_64
//! bindgen 0.73.2
//! libclang Debian clang version 14.0.6
//! header linux/vfio.h
//! skipped linux/foo.h error=...
//! diagnostic MAX_KEY_OFFSET header=linux/bcache.h message=bindgen says -1, the probe 9223372036854775807; the probe's value is kept
//! record struct vfio_info_cap_header kind=struct size=8 align=4 header=linux/vfio.h
//! field struct vfio_info_cap_header.id offset=0 size=2 align=2 type=__u16
//! field struct vfio_info_cap_header.flags offset=2 size=2 align=2 bits=16+5 type=__u16
//! const VFIO_API_VERSION value=0 header=linux/vfio.h
//! const VFIO_GET_API_VERSION value=15204 header=linux/vfio.h ioctl=none:0x3b:100:0 macro=_IO
//! const VFIO_PCI_BAR0_REGION_INDEX value=0 header=linux/vfio.h enum=<anonymous>
//! end records=1 fields=2 constants=3 headers=1 skipped=1 diagnostics=1 fnv1a64=034b1f601622a7a5
//! ```
//!
//! - A line is `kind name key=value ...`; the name runs to the first token holding `=`.
//!   `type=`, `error=`, `arg=` and `message=` run to the end of the line; so do the values of `header-set`,
//!   `version`, `bindgen`, `libclang` and `header`.
//! - Escapes: every value is written with a backslash, every control character (tab, newline, DEL
//!   and C1 included), and every invisible or bidi character (U+200B..U+200F, U+202A..U+202E,
//!   U+2060..U+2064, U+2066..U+2069, U+FEFF, U+2028, U+2029, U+061C, U+180E, soft hyphen, tag
//!   characters) escaped as `\xNN` (ASCII) or `\u{XXXX}` (lowercase hex, at least four digits).
//!   Names also escape `=`, record names also `.` (it separates record and member on `field`
//!   lines), and `key=value` values also escape the space. Nothing else is escaped, and each
//!   value has one spelling: a raw character that needs an escape, an unneeded escape or a
//!   malformed one is an error. Raw control or invisible characters are refused on any line.
//! - `enum=` holds the tag of an enumerator's `enum <tag>`; a name without that prefix (never
//!   extracted) is kept whole in `enum-name=`.
//! - `diagnostic` lines hold what the extraction noticed and decided instead of stopping (the
//!   item, its header, and what happened and what was kept), in the layout's order.
//! - The last line, `end`, counts the `record`, `field`, `const`, `header`, `skipped` and
//!   `diagnostic` lines and holds the FNV-1a 64 checksum (16 lowercase hex digits) of every byte
//!   before it. `diagnostics=` is written only when there are some (a snapshot without
//!   diagnostics keeps the bytes it had before they existed), and `diagnostics=0` is refused. A
//!   missing or malformed `end` line, a wrong count or checksum, a missing final newline or any
//!   line after `end` is an error saying the snapshot is truncated or was edited.
//! - Numbers are decimal with no sign or leading zero (values may be negative) and are checked:
//!   record sizes below 2^32 and multiples of the alignment; alignments powers of two up to
//!   2^16; a member's `offset + size` inside its record (a flexible array member is `size=0`); a
//!   bitfield's bits inside the record, its width 1 to its type's width, its `offset=` the byte of
//!   its first bit; ioctl type and number one byte each, size inside the architecture's size
//!   field (14 bits, 13 on ppc64le); constant values inside `__s64` and `__u64`.

#[cfg(feature = "fuzzing")]
mod fuzz;
mod io;
mod text;

#[cfg(feature = "fuzzing")]
pub use fuzz::{fuzz_parse_round_trip, fuzz_trailer};
pub use io::{read_snapshot, read_snapshot_dir, write_atomic, write_snapshot_dir};
pub use text::{constant_line, parse, record_lines, render, seal, SCHEMA};

/// The sort key of a snapshot directory named by a kernel version (`5.10`, `6.12`, `7.2.1`);
/// `None` for other names (fixtures such as `5.5-fixture`).
pub fn version_key(label: &str) -> Option<Vec<u64>> {
    label.split('.').map(|p| p.parse().ok()).collect()
}
