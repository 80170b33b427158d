//! The layout model: plain data describing what a set of UAPI headers promises to userspace on one
//! architecture. No I/O and no knowledge of bindgen, clang or snapshot files lives here.
//!
//! Units are in the names: `*_bytes` for byte quantities, `*_bits` for bitfield positions.

mod arch;
mod ioctl;

pub use arch::{Arch, ArchError, Endian};
pub use ioctl::{Ioctl, IoctlDir, IoctlEncoding};

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Whether a record is a `struct` or a `union`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A C `struct`.
    Struct,
    /// A C `union`.
    Union,
}

impl RecordKind {
    /// The C keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            RecordKind::Struct => "struct",
            RecordKind::Union => "union",
        }
    }
}

/// A struct or union as laid out on one architecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The name userspace writes, e.g. `struct vfio_info_cap_header` or a typedef name.
    pub name: String,
    /// Struct or union.
    pub kind: RecordKind,
    /// The header that defines it, relative to the include root, e.g. `linux/vfio.h`.
    pub header: String,
    /// `sizeof`, in bytes.
    pub size_bytes: u64,
    /// `_Alignof`, in bytes.
    pub align_bytes: u64,
    /// Every member in declaration order; members of anonymous aggregates are flattened in.
    pub fields: Vec<Field>,
}

impl Record {
    /// The field with this path, if any.
    pub fn field(&self, path: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == path)
    }
}

/// Position of a bitfield inside its record, in bits from the start of the record, counted in the
/// order the ABI allocates bits (from the least significant bit on little-endian targets, from the
/// most significant on big-endian ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitRange {
    /// First bit.
    pub offset_bits: u64,
    /// Width.
    pub size_bits: u64,
}

/// One member of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The C name; members reached through a named member of anonymous type are `outer.inner`.
    pub name: String,
    /// `offsetof`, in bytes (for a bitfield, the byte holding its first bit).
    pub offset_bytes: u64,
    /// `sizeof` the member, in bytes (0 for a flexible array; the declared type's size for a
    /// bitfield).
    pub size_bytes: u64,
    /// Alignment of the member, in bytes.
    pub align_bytes: u64,
    /// Present for bitfields.
    pub bits: Option<BitRange>,
    /// The C type as declared, e.g. `__u32`, `__u8[4]`, `struct vfio_iova_range[]`.
    pub c_type: String,
}

impl Field {
    /// True for a flexible array member (`T name[]`).
    pub fn is_flexible_array(&self) -> bool {
        self.c_type.ends_with("[]")
    }
}

/// Where a constant comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConstantKind {
    /// An integer `#define`.
    Macro,
    /// An enumerator of the named enum (`enum foo`, or `<anonymous>`).
    Enumerator {
        /// The enum's C name.
        enum_name: String,
    },
}

/// An integer constant visible to userspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constant {
    /// The macro or enumerator name.
    pub name: String,
    /// The header that defines it.
    pub header: String,
    /// Its value on this architecture (wide enough for every `__s64` and `__u64`).
    pub value: i128,
    /// Macro or enumerator.
    pub kind: ConstantKind,
    /// Set when the macro is built with `_IO`, `_IOR`, `_IOW` or `_IOWR`.
    pub ioctl: Option<Ioctl>,
}

/// A header that was part of the set but could not be analysed alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedHeader {
    /// The header, relative to the include root.
    pub header: String,
    /// The compiler's first error.
    pub reason: String,
}

/// Something the extraction noticed and decided, reported instead of stopping the run: today,
/// bindgen and the compiled probe disagreeing on a number (the probe's is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The header the item comes from.
    pub header: String,
    /// The record, field or constant concerned.
    pub item: String,
    /// What happened and what was kept.
    pub message: String,
}

/// The tools that produced a layout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provenance {
    /// bindgen crate version.
    pub bindgen: String,
    /// libclang version string.
    pub libclang: String,
}

/// Everything a header set promises on one architecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The header set name, e.g. `vfio`.
    pub header_set: String,
    /// The kernel version label, e.g. `6.1`.
    pub version: String,
    /// The target architecture.
    pub arch: Arch,
    /// The tools used.
    pub provenance: Provenance,
    /// The headers analysed.
    pub headers: Vec<String>,
    /// Headers of the set that did not compile alone.
    pub skipped: Vec<SkippedHeader>,
    /// What the extraction noticed and decided (sorted by header, then item).
    pub diagnostics: Vec<Diagnostic>,
    /// Records by name.
    pub records: BTreeMap<String, Record>,
    /// Constants by name.
    pub constants: BTreeMap<String, Constant>,
}

/// What the new side's header texts define, beyond what was extracted for the architectures
/// compared (the front end's `headers::defined_names_of_tree` reads them).
#[derive(Debug, Clone, Default)]
pub struct Elsewhere {
    /// Names each architecture's own `asm/` headers define.
    pub asm: BTreeMap<String, BTreeSet<Arch>>,
    /// Macro names the UAPI headers (not `asm/`) still `#define`, with the header.
    pub defined: BTreeMap<String, String>,
}
