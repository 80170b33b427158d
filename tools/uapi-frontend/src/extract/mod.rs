//! The bindgen front end: the only code that knows bindgen and libclang.
//!
//! bindgen's internals are private, so this module drives its public `Builder`, collects what its
//! `ParseCallbacks` report (integer macros, macro tokens, where each record is declared) and parses
//! the Rust it generates with `syn`: records, fields and their types from the item definitions,
//! sizes, alignments and offsets from the layout assertions. Numbers bindgen does not assert
//! (members of anonymous aggregates, bitfields) are left for the probe.

pub mod direct;
mod libclang_eval;
mod rust_items;

use crate::error::Error;
use crate::model::{Arch, RecordKind};
use crate::sysroot::Sysroot;
use bindgen::callbacks::{DiscoveredItem, DiscoveredItemId, ParseCallbacks, SourceLocation, Token};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

pub use rust_items::parse_bindings;

/// A record as bindgen sees it, before the probe supplies per-target numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// C spelling used as the key, e.g. `struct vfio_info_cap_header`.
    pub name: String,
    /// Struct or union.
    pub kind: RecordKind,
    /// bindgen's `size_of` assertion, in bytes.
    pub size_bytes: Option<u64>,
    /// bindgen's `align_of` assertion, in bytes.
    pub align_bytes: Option<u64>,
    /// Members in declaration order, anonymous aggregates flattened.
    pub fields: Vec<RawField>,
}

/// A member as bindgen sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawField {
    /// C path from the record, e.g. `flags` or `named.inner`.
    pub path: String,
    /// C type spelling.
    pub c_type: String,
    /// bindgen's `offset_of` assertion, in bytes, where it emits one.
    pub offset_bytes: Option<u64>,
    /// True for a bitfield member.
    pub is_bitfield: bool,
}

/// An integer constant as bindgen sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawConstant {
    /// Macro or enumerator name.
    pub name: String,
    /// libclang's value (64 bits; unsigned 64-bit values wrap to negative), from bindgen or
    /// [`MacroEval::Batched`]; `None` for a macro shadowing an enumerator that bindgen did not
    /// evaluate, left for the compiled probe to evaluate (or to drop, if it is not an integer
    /// constant).
    pub value: Option<i64>,
    /// `None` for a macro, the enum's C name for an enumerator.
    pub enum_name: Option<String>,
    /// For `_IO*` macros: the macro used and the argument type text.
    pub ioctl: Option<(String, Option<String>)>,
}

/// What bindgen produced for one header on one target.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The header, relative to the include root.
    pub header: String,
    /// Records declared in this header.
    pub records: Vec<RawRecord>,
    /// Integer constants declared in this header.
    pub constants: Vec<RawConstant>,
    /// The generated Rust, without doc comments (empty from the direct front end).
    pub bindings: String,
    /// Which front end read it, for messages: `bindgen` or `libclang`.
    pub front: &'static str,
}

/// What the callbacks collect while bindgen parses.
#[derive(Debug, Default)]
pub struct Collected {
    /// Integer macros and their values.
    pub int_macros: BTreeMap<String, i64>,
    /// Tokens of every object-like macro.
    pub macro_tokens: BTreeMap<String, Vec<String>>,
    /// Rust name -> (C tag if it has one, declaring file).
    /// Rust name -> (C tag, declaring file).
    pub records: BTreeMap<String, (Option<String>, Option<String>)>,
    /// Typedef names: a record with one of these names is spelled by the typedef.
    pub typedefs: std::collections::BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
struct Callbacks(Arc<Mutex<Collected>>);

impl Callbacks {
    fn with<R>(&self, f: impl FnOnce(&mut Collected) -> R) -> R {
        // A poisoned lock means another callback panicked inside bindgen; the data is still usable.
        let mut guard = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

impl ParseCallbacks for Callbacks {
    fn int_macro(&self, name: &str, value: i64) -> Option<bindgen::callbacks::IntKind> {
        self.with(|c| c.int_macros.insert(name.to_string(), value));
        None
    }

    fn modify_macro(&self, name: &str, tokens: &mut Vec<Token>) {
        let text = tokens
            .iter()
            .map(|t| String::from_utf8_lossy(&t.raw).into_owned())
            .collect();
        self.with(|c| c.macro_tokens.insert(name.to_string(), text));
    }

    fn new_item_found(
        &self,
        _id: DiscoveredItemId,
        item: DiscoveredItem,
        location: Option<&SourceLocation>,
    ) {
        let file = location.and_then(|l| l.file_name.clone());
        let (original, final_name) = match item {
            DiscoveredItem::Struct {
                original_name,
                final_name,
            }
            | DiscoveredItem::Union {
                original_name,
                final_name,
            } => (original_name, final_name),
            DiscoveredItem::Alias { alias_name, .. } => {
                self.with(|c| c.typedefs.insert(alias_name));
                return;
            }
            _ => return,
        };
        self.with(|c| c.records.insert(final_name, (original, file)));
    }
}

/// How macros that bindgen's own expression parser cannot evaluate (`_IOW(...)`, `sizeof`, casts)
/// get their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacroEval {
    /// bindgen's `clang_macro_fallback()`: it reparses a precompiled header once per such macro
    /// (about 10 ms a macro), and its values appear as constants in the generated Rust.
    BindgenFallback,
    /// One more libclang parse of the header evaluates all of them at once (same values, a
    /// fraction of the time; the generated Rust then lacks those constants). For large sets.
    Batched,
}

/// Runs bindgen on `header` (relative to the sysroot's include root) for `arch`.
///
/// `scratch` is a private directory for clang's macro-fallback precompiled header.
pub fn extract_header(
    sysroot: &Sysroot,
    header: &str,
    arch: Arch,
    scratch: &Path,
    macros: MacroEval,
) -> Result<Extracted, Error> {
    let path = sysroot.resolve(arch, header);
    if !path.is_file() {
        return Err(Error::MissingHeader { path });
    }
    let path_text = path.to_string_lossy().into_owned();
    // bindgen's libclang index prints every diagnostic on stderr; a header that does not compile
    // is found first by a quiet parse, and bindgen never sees it.
    if let Err(direct::Failure::Compile(message)) =
        direct::read_header(&path_text, "", &sysroot.clang_args(arch), arch)
    {
        return Err(Error::Compile {
            header: header.to_string(),
            arch,
            message: format!("clang diagnosed error: {message}"),
        });
    }
    let callbacks = Callbacks::default();
    let mut builder = bindgen::Builder::default()
        .header(path_text.clone())
        .clang_args(sysroot.clang_args(arch))
        // Warnings (a header's own `#warning`) change nothing bindgen generates; bindgen would
        // print them.
        .clang_arg("-w")
        // The sysroot passes every include directory; letting bindgen discover them would spawn
        // a clang process per header (most of the cost of a small header).
        .detect_include_paths(false)
        .allowlist_file(regex_escape(&path_text))
        .layout_tests(true)
        .generate_comments(false)
        .prepend_enum_name(false)
        .formatter(bindgen::Formatter::Prettyplease)
        .parse_callbacks(Box::new(callbacks.clone()));
    if macros == MacroEval::BindgenFallback {
        builder = builder
            .clang_macro_fallback()
            .clang_macro_fallback_build_dir(scratch);
    }
    // bindgen panics on some inputs libclang accepts; that is this header's error, not the run's.
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.generate()))
        .map_err(|panic| Error::Compile {
        header: header.to_string(),
        arch,
        message: format!("bindgen gave up on it: {}", panic_message(&panic)),
    })?;
    let bindings = generated.map_err(|e| Error::Compile {
        header: header.to_string(),
        arch,
        message: first_line(&e.to_string()),
    })?;
    let text = bindings.to_string();
    let collected = callbacks.with(std::mem::take);
    let header_text = crate::input::read_text_bounded(&path, crate::input::HEADER_LIMIT)?;
    let (records, mut constants) = parse_bindings(&text, &collected, &path_text, &header_text)
        .map_err(|message| Error::Bindings {
            header: header.to_string(),
            arch,
            message,
        })?;
    if macros == MacroEval::Batched {
        let mut pending = rust_items::unevaluated_macros(&collected, &constants, &header_text);
        let names: Vec<&str> = pending.iter().map(|c| c.name.as_str()).collect();
        let values = libclang_eval::evaluate_macros(&path_text, &sysroot.clang_args(arch), &names)
            .map_err(|message| Error::Compile {
                header: header.to_string(),
                arch,
                message,
            })?;
        pending.retain_mut(|c| {
            c.value = values.get(&c.name).copied();
            c.value.is_some()
        });
        constants.extend(pending);
    }
    Ok(Extracted {
        header: header.to_string(),
        records,
        constants,
        bindings: text,
        front: "bindgen",
    })
}

/// The first line of a compiler message, trimmed.
pub(crate) fn first_line(message: &str) -> String {
    message
        .lines()
        .find(|l| l.contains("error"))
        .or_else(|| message.lines().next())
        .unwrap_or("")
        .trim()
        .to_string()
}

fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The text of a caught panic.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    first_line(&text)
}
