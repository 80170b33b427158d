//! The committed knowledge base (`tools/uapi-abi/kb/*.toml`): what headers cannot say about the
//! UAPI, one fact an entry, each with a link to the kernel source or documentation that proves it.
//! Data, not code: embedded with `include_str!`, so the library does no file I/O.
//!
//! - `size-carrier`: a record whose length travels out of band (optlen, a syscall's size
//!   argument, a netlink attribute's length, the verifier's per-access check), so it may grow at
//!   its tail;
//! - `moving-value`: a constant meant to move between releases (versions, counters) that the
//!   generic name patterns miss;
//! - `known-flags-mask`: a mask of every flag the kernel knows, which grows as flags are added.

use crate::waiver::glob;
use serde::Deserialize;
use std::fmt;
use std::sync::OnceLock;

/// The committed files, by name.
pub const FILES: [(&str, &str); 3] = [
    (
        "size-carriers.toml",
        include_str!("../kb/size-carriers.toml"),
    ),
    (
        "moving-values.toml",
        include_str!("../kb/moving-values.toml"),
    ),
    ("flags-masks.toml", include_str!("../kb/flags-masks.toml")),
];

/// What kind of fact an entry states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A record whose length travels out of band.
    SizeCarrier,
    /// A constant meant to move.
    MovingValue,
    /// A mask of all known flags.
    KnownFlagsMask,
}

impl EntryKind {
    /// The table name in the TOML files.
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::SizeCarrier => "size-carrier",
            EntryKind::MovingValue => "moving-value",
            EntryKind::KnownFlagsMask => "known-flags-mask",
        }
    }
}

/// Whether a moving value is a version or a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Moving {
    /// A version number of an interface or of the kernel.
    Version,
    /// A count or end marker of a list that grows.
    Counter,
}

/// One fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What kind of fact.
    pub kind: EntryKind,
    /// The record or constant, or a glob over names (`*`, `?`).
    pub item: String,
    /// For constants: the header it must come from, if the entry is about one header.
    pub header: Option<String>,
    /// For moving values: version or counter.
    pub moving: Option<Moving>,
    /// Why the fact holds (for size carriers: how the length travels).
    pub why: String,
    /// The kernel source or documentation that proves it.
    pub link: String,
}

impl Entry {
    /// ` (why; link)`, to end a finding's sentence with the fact and its proof.
    pub fn reason(&self) -> String {
        format!(" ({}; {})", self.why, self.link)
    }

    /// True when the entry names `item` (and, if it names a header, `header` is it).
    pub fn matches(&self, item: &str, header: &str) -> bool {
        glob(&self.item, item) && self.header.as_deref().is_none_or(|h| glob(h, header))
    }

    /// `the knowledge base: <why> (<link>)`, for messages.
    pub fn carrier_phrase(&self) -> String {
        format!("the knowledge base: {} ({})", self.why, self.link)
    }
}

/// The knowledge base.
#[derive(Debug, Clone, Default)]
pub struct Kb {
    /// Every entry, in file order.
    pub entries: Vec<Entry>,
}

/// A malformed knowledge-base file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbError {
    /// The file.
    pub file: String,
    /// The entry's item, when the problem is one entry.
    pub item: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for KbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.item {
            Some(i) => write!(f, "knowledge base {}: {i}: {}", self.file, self.message),
            None => write!(f, "knowledge base {}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for KbError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    item: String,
    header: Option<String>,
    kind: Option<Moving>,
    why: Option<String>,
    carrier: Option<String>,
    link: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(rename = "size-carrier", default)]
    size_carrier: Vec<RawEntry>,
    #[serde(rename = "moving-value", default)]
    moving_value: Vec<RawEntry>,
    #[serde(rename = "known-flags-mask", default)]
    known_flags_mask: Vec<RawEntry>,
}

impl Kb {
    /// Parses knowledge-base files, (name, text) each.
    pub fn parse(files: &[(&str, &str)]) -> Result<Kb, KbError> {
        let mut entries = Vec::new();
        for (file, text) in files {
            let raw: RawFile = toml::from_str(text).map_err(|e| KbError {
                file: file.to_string(),
                item: None,
                message: e.to_string().trim_end().to_string(),
            })?;
            for (kind, list) in [
                (EntryKind::SizeCarrier, raw.size_carrier),
                (EntryKind::MovingValue, raw.moving_value),
                (EntryKind::KnownFlagsMask, raw.known_flags_mask),
            ] {
                for r in list {
                    let err = |message: &str| KbError {
                        file: file.to_string(),
                        item: Some(r.item.clone()),
                        message: message.to_string(),
                    };
                    if !r.link.starts_with("https://") {
                        return Err(err("`link` must be an https address"));
                    }
                    let why = match kind {
                        EntryKind::SizeCarrier => r.carrier.clone(),
                        _ => r.why.clone(),
                    }
                    .filter(|w| !w.trim().is_empty())
                    .ok_or_else(|| {
                        err(match kind {
                            EntryKind::SizeCarrier => "a size-carrier needs `carrier`",
                            _ => "an entry needs `why`",
                        })
                    })?;
                    if kind == EntryKind::MovingValue && r.kind.is_none() {
                        return Err(err("a moving-value needs `kind` (version or counter)"));
                    }
                    entries.push(Entry {
                        kind,
                        item: r.item,
                        header: r.header,
                        moving: r.kind,
                        why,
                        link: r.link,
                    });
                }
            }
        }
        Ok(Kb { entries })
    }

    /// The first entry of `kind` naming `item` (from `header`).
    pub fn find(&self, kind: EntryKind, item: &str, header: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.kind == kind && e.matches(item, header))
    }
}

/// The committed knowledge base. Its files are part of the build and a test parses them, so a
/// malformed file cannot ship; should it happen anyway, the knowledge base is empty (the rules
/// then fall back to the headers' own conventions) rather than a panic.
pub fn kb() -> &'static Kb {
    static KB: OnceLock<Kb> = OnceLock::new();
    KB.get_or_init(|| Kb::parse(&FILES).unwrap_or_default())
}

/// How the length of `record` (of `header`) travels, if the knowledge base knows.
pub fn size_carrier(record: &str, header: &str) -> Option<&'static Entry> {
    kb().find(EntryKind::SizeCarrier, record, header)
}

/// Why the constant `name` of `header` is meant to move, if the knowledge base knows.
pub fn moving_value(name: &str, header: &str) -> Option<&'static Entry> {
    kb().find(EntryKind::MovingValue, name, header)
}

/// Why `name` is a mask of all known flags, if the knowledge base knows.
pub fn known_flags_mask(name: &str, header: &str) -> Option<&'static Entry> {
    kb().find(EntryKind::KnownFlagsMask, name, header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_files_parse_and_every_entry_has_a_link() {
        let kb = Kb::parse(&FILES).expect("committed knowledge base parses");
        assert!(kb.entries.len() >= 30, "{}", kb.entries.len());
        for e in &kb.entries {
            assert!(e.link.starts_with("https://"), "{e:?}");
            assert!(!e.why.is_empty(), "{e:?}");
        }
        assert_eq!(kb.entries.len(), super::kb().entries.len());
    }

    #[test]
    fn malformed_files_are_typed_errors() {
        let e = Kb::parse(&[("x.toml", "[[size-carrier]]\nitem = \"struct a\"\n")]).unwrap_err();
        assert_eq!(e.file, "x.toml");
        let e = Kb::parse(&[(
            "x.toml",
            "[[size-carrier]]\nitem = \"struct a\"\ncarrier = \"c\"\nlink = \"http://x\"\n",
        )])
        .unwrap_err();
        assert_eq!(e.item.as_deref(), Some("struct a"));
        let e = Kb::parse(&[(
            "x.toml",
            "[[moving-value]]\nitem = \"A\"\nwhy = \"w\"\nlink = \"https://x\"\n",
        )])
        .unwrap_err();
        assert!(e.message.contains("kind"), "{e}");
    }

    #[test]
    fn lookups_use_globs_and_headers() {
        assert!(size_carrier("struct virtio_blk_config", "linux/x.h").is_some());
        assert!(size_carrier("struct virtio_blk_req", "linux/x.h").is_none());
        assert!(moving_value("LINUX_VERSION_CODE", "linux/version.h").is_some());
        assert!(moving_value("LINUX_VERSION_CODE", "linux/other.h").is_none());
        assert!(known_flags_mask("UFFD_API_RANGE_IOCTLS_BASIC", "linux/userfaultfd.h").is_some());
    }
}
