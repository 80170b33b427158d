//! Evaluates many object-like macros of one header in a single libclang parse.
//!
//! bindgen's `clang_macro_fallback()` reparses a precompiled header once per macro its own
//! expression parser cannot read (every `_IOW(...)`, `sizeof`, cast), which costs about 10 ms a
//! macro: fine for the `vfio` set, most of the time of the `all` set. This module asks libclang
//! the same question for all of a header's macros at once: it parses
//!
//! ```c
//! #include "/path/to/header.h"
//! void __uapi_guard_eval(void) {
//!     __auto_type __uapi_guard_eval_FOO = (FOO);
//!     ...
//! }
//! ```
//!
//! and evaluates each variable's initialiser the way bindgen's fallback evaluates `(FOO)` inside
//! its `main`: an integer result is kept with bindgen's conversion to `i64` (unsigned 64-bit
//! values wrap to negative); anything else (a string, a type, an error) is not an integer
//! constant. Like bindgen's file allowlist, a macro belongs to the header only if its first
//! definition in the translation unit is there (`#ifndef AF_PPPOX` / `#define AF_PPPOX 24` in
//! `linux/if_pppox.h` yields to the C library's earlier definition). A test checks that both
//! ways give the same constants on real headers.
//!
//! This is the crate's only `unsafe` code: calls into libclang through `clang-sys`, the library
//! bindgen itself loads.

#![allow(unsafe_code, non_upper_case_globals)]

use clang_sys::*;
use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_uint, CStr, CString};

const FUNCTION: &str = "__uapi_guard_eval";
const PREFIX: &str = "__uapi_guard_eval_";

/// Values of `macros` (object-like macros visible after including `header`, an absolute path),
/// parsed with `clang_args`. Macros that are not integer constant expressions, and macros first
/// defined in another file, are absent.
pub fn evaluate_macros(
    header: &str,
    clang_args: &[String],
    macros: &[&str],
) -> Result<BTreeMap<String, i64>, String> {
    if macros.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut source = include_line(header)?;
    source.push_str(&format!("void {FUNCTION}(void) {{\n"));
    for m in macros {
        source.push_str(&format!("__auto_type {PREFIX}{m} = ({m});\n"));
    }
    source.push_str("}\n");
    // The unsaved file's name only has to be a C file that is not on disk.
    let file_name = format!("{header}.uapi-guard-eval.c");
    let mut args: Vec<String> = clang_args.to_vec();
    args.extend(["-x".into(), "c".into(), "-ferror-limit=0".into()]);
    let c_file = CString::new(file_name).map_err(|e| e.to_string())?;
    let c_source = CString::new(source).map_err(|e| e.to_string())?;
    let c_args: Vec<CString> = args
        .iter()
        .map(|a| CString::new(a.as_str()))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let argv: Vec<*const c_char> = c_args.iter().map(|a| a.as_ptr()).collect();
    load()?;
    let mut found = Found {
        header: header.to_string(),
        ..Found::default()
    };
    // SAFETY: every pointer passed below outlives the call it is passed to (the CStrings and
    // argv above, `unsaved` and `found` below); the translation unit and index are disposed of
    // exactly once, after the last use of any cursor from them.
    unsafe {
        let index = clang_createIndex(0, 0);
        let mut unsaved = CXUnsavedFile {
            Filename: c_file.as_ptr(),
            Contents: c_source.as_ptr(),
            Length: c_source.as_bytes().len() as _,
        };
        let tu = clang_parseTranslationUnit(
            index,
            c_file.as_ptr(),
            argv.as_ptr(),
            argv.len() as c_int,
            &mut unsaved,
            1 as c_uint,
            CXTranslationUnit_DetailedPreprocessingRecord,
        );
        if tu.is_null() {
            clang_disposeIndex(index);
            return Err(format!("libclang could not parse {header}"));
        }
        clang_visitChildren(
            clang_getTranslationUnitCursor(tu),
            visit,
            (&mut found as *mut Found).cast(),
        );
        clang_disposeTranslationUnit(tu);
        clang_disposeIndex(index);
    }
    let Found {
        mut values,
        defined_here,
        ..
    } = found;
    values.retain(|name, _| defined_here.get(name) == Some(&true));
    Ok(values)
}

#[derive(Default)]
struct Found {
    /// The header whose macros are wanted.
    header: String,
    /// Macro name -> whether its first definition is in `header`.
    defined_here: BTreeMap<String, bool>,
    /// Evaluated integer values.
    values: BTreeMap<String, i64>,
}

extern "C" fn visit(cursor: CXCursor, _parent: CXCursor, data: CXClientData) -> CXChildVisitResult {
    // SAFETY: `data` is the `Found` passed to `clang_visitChildren`, alive for the whole visit;
    // the cursor comes from libclang for a live translation unit.
    unsafe {
        let found = &mut *data.cast::<Found>();
        match clang_getCursorKind(cursor) {
            CXCursor_MacroDefinition => {
                let name = spelling(cursor);
                if !found.defined_here.contains_key(&name) {
                    let here = file_of(cursor) == found.header;
                    found.defined_here.insert(name, here);
                }
                CXChildVisit_Continue
            }
            CXCursor_FunctionDecl if spelling(cursor) == FUNCTION => CXChildVisit_Recurse,
            CXCursor_CompoundStmt | CXCursor_DeclStmt => CXChildVisit_Recurse,
            CXCursor_VarDecl => {
                let name = spelling(cursor);
                if let Some(macro_name) = name.strip_prefix(PREFIX) {
                    if let Some(value) = evaluate(cursor) {
                        found.values.insert(macro_name.to_string(), value);
                    }
                }
                CXChildVisit_Continue
            }
            _ => CXChildVisit_Continue,
        }
    }
}

/// `#include "HEADER"` and a newline, for the generated main file. A path holding `"`, a newline or
/// another control character cannot be written there (and could smuggle in another include), so it
/// is refused.
pub(super) fn include_line(header: &str) -> Result<String, String> {
    if header.chars().any(|c| c == '"' || c.is_control()) {
        return Err(format!(
            "{header}: a path holding a quote or a control character cannot be included"
        ));
    }
    Ok(format!("#include \"{header}\"\n"))
}

/// Loads libclang (once per process; bindgen loads the same library).
pub(super) fn load() -> Result<(), String> {
    if !clang_sys::is_loaded() {
        clang_sys::load()?;
    }
    Ok(())
}

/// The variable's initialiser as C gives it: unsigned values as unsigned, signed as signed.
pub(super) unsafe fn evaluate_wide(cursor: CXCursor) -> Option<i128> {
    let result = clang_Cursor_Evaluate(cursor);
    if result.is_null() {
        return None;
    }
    let value = if clang_EvalResult_getKind(result) != CXEval_Int {
        None
    } else if clang_EvalResult_isUnsignedInt(result) != 0 {
        Some(i128::from(clang_EvalResult_getAsUnsigned(result)))
    } else {
        Some(i128::from(clang_EvalResult_getAsLongLong(result)))
    };
    clang_EvalResult_dispose(result);
    value
}

/// The variable's initialiser as bindgen's `EvalResult::as_int` would give it (unsigned 64-bit
/// values wrap to negative).
unsafe fn evaluate(cursor: CXCursor) -> Option<i64> {
    evaluate_wide(cursor).map(|v| v as i64)
}

/// The name of the file the cursor is in.
unsafe fn file_of(cursor: CXCursor) -> String {
    let (file, _) = spelled_at(cursor);
    if file.is_null() {
        return String::new();
    }
    text(clang_getFileName(file))
}

/// Where the cursor is spelled: its file (null if none) and byte offset.
pub(super) unsafe fn spelled_at(cursor: CXCursor) -> (CXFile, u32) {
    let mut file: CXFile = std::ptr::null_mut();
    let (mut line, mut column, mut offset) = (0, 0, 0);
    clang_getSpellingLocation(
        clang_getCursorLocation(cursor),
        &mut file,
        &mut line,
        &mut column,
        &mut offset,
    );
    (file, offset)
}

pub(super) unsafe fn spelling(cursor: CXCursor) -> String {
    text(clang_getCursorSpelling(cursor))
}

/// Takes a libclang string: its text, and disposes of it.
pub(super) unsafe fn text(s: CXString) -> String {
    let p = clang_getCString(s);
    let text = if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    };
    clang_disposeString(s);
    text
}
