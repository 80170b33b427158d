//! The direct front end: records, enumerators and macro values of one header read straight from
//! libclang's AST, in one parse per header and architecture.
//!
//! The translation unit is the header plus a function that names every object-like macro the
//! header defines (as [`super::libclang_eval`] does), so one parse gives the declarations,
//! libclang's own record layouts (`clang_Type_getSizeOf`, `clang_Type_getOffsetOf`, ...) and the
//! macro values. Its results follow the bindgen-and-probe path exactly: the same records (complete
//! definitions in the header, named by their tag or by the typedef that names an anonymous one),
//! members flattened the same way, the same C type spellings, and the numbers the compiled probe
//! would give (`__alignof__` of a member computed the way clang computes it). A test compares the
//! two paths on real header trees.
//!
//! Like `libclang_eval`, this is `unsafe` code: calls into libclang through `clang-sys`.

#![allow(unsafe_code, non_upper_case_globals)]

use super::libclang_eval::{self, spelled_at, spelling, text};
use crate::model::{Arch, BitRange, Field, Record, RecordKind};
use clang_sys::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::{c_char, c_int, c_uint, CString};

/// A constant as the direct front end reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectConstant {
    /// Macro or enumerator name.
    pub name: String,
    /// Its C value.
    pub value: i128,
    /// `None` for a macro, the enum's C name for an enumerator.
    pub enum_name: Option<String>,
    /// For `_IO*` macros: the macro used and the argument type text.
    pub ioctl: Option<(String, Option<String>)>,
}

/// What one parse of one header gave.
#[derive(Debug, Clone, Default)]
pub struct Direct {
    /// Records defined in the header, with every number.
    pub records: Vec<Record>,
    /// Integer macros and enumerators defined in the header.
    pub constants: Vec<DirectConstant>,
}

/// Why a header could not be read.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The header does not compile: clang's first error, formatted `file:line:col: error: ...`.
    Compile(String),
    /// libclang itself failed (could not be loaded, or gave no translation unit).
    Libclang(String),
}

const FUNCTION: &str = "__uapi_guard_eval";
const PREFIX: &str = "__uapi_guard_eval_";

/// Reads `header` (an absolute path whose text is `header_text`) with `clang_args` for `arch`.
pub fn read_header(
    header: &str,
    header_text: &str,
    clang_args: &[String],
    arch: Arch,
) -> Result<Direct, Failure> {
    let candidates = macro_candidates(header_text);
    let mut source = libclang_eval::include_line(header).map_err(Failure::Compile)?;
    source.push_str(&format!("void {FUNCTION}(void) {{\n"));
    for m in &candidates {
        source.push_str(&format!("__auto_type {PREFIX}{m} = ({m});\n"));
    }
    source.push_str("}\n");
    // One translation unit per thread and argument list, parsed again for each header: a
    // reparse keeps the compiler invocation and the file manager, so clang's driver (option
    // parsing, the search for a GCC installation) runs once per thread rather than once per
    // header. The main file's name is therefore fixed per argument list.
    let args = unit_args(clang_args);
    let bad = |e: std::ffi::NulError| Failure::Libclang(e.to_string());
    let c_source = CString::new(source).map_err(bad)?;
    let c_header = CString::new(header).map_err(bad)?;
    libclang_eval::load().map_err(Failure::Libclang)?;
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let parser = match parsers.iter().position(|p| p.args == args) {
            Some(i) => &mut parsers[i],
            None => {
                parsers.push(Parser::new(args));
                parsers.last_mut().expect("just pushed")
            }
        };
        // SAFETY: see `Parser`; the translation unit lives until the parser is dropped.
        unsafe {
            let tu = parser.parse(&c_source, header)?;
            read_unit(tu, &parser.c_file, &c_header, header, candidates, arch)
        }
    })
}

/// Drops every thread's translation unit for `clang_args`, once the headers read with them are
/// done: each unit holds the AST of the last header it read, and every sysroot (a temporary
/// overlay in its arguments) would otherwise leave one per thread and architecture behind.
pub fn release(clang_args: &[String]) {
    let args = unit_args(clang_args);
    let forget = || PARSERS.with(|p| p.borrow_mut().retain(|p| p.args != args));
    rayon::broadcast(|_| forget());
    forget();
}

fn unit_args(clang_args: &[String]) -> Vec<String> {
    let mut args = clang_args.to_vec();
    args.extend(["-x".into(), "c".into(), "-ferror-limit=0".into()]);
    args
}

thread_local! {
    static PARSERS: std::cell::RefCell<Vec<Parser>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A libclang index and translation unit for one argument list, reparsed for each header.
struct Parser {
    args: Vec<String>,
    c_file: CString,
    index: CXIndex,
    tu: CXTranslationUnit,
}

impl Parser {
    fn new(args: Vec<String>) -> Parser {
        let c_file = CString::new("/uapi-guard-direct.c").expect("no NUL");
        // SAFETY: creating an index has no preconditions; it is disposed of in `drop`.
        let index = unsafe { clang_createIndex(0, 0) };
        Parser {
            args,
            c_file,
            index,
            tu: std::ptr::null_mut(),
        }
    }

    /// Parses `source` as the main file (the first time) or reparses it (every later time).
    unsafe fn parse(
        &mut self,
        source: &CString,
        header: &str,
    ) -> Result<CXTranslationUnit, Failure> {
        let mut unsaved = CXUnsavedFile {
            Filename: self.c_file.as_ptr(),
            Contents: source.as_ptr(),
            Length: source.as_bytes().len() as _,
        };
        if !self.tu.is_null() {
            let code = clang_reparseTranslationUnit(self.tu, 1, &mut unsaved, CXReparse_None);
            if code == 0 {
                return Ok(self.tu);
            }
            // A failed reparse leaves the unit unusable: dispose of it and parse afresh.
            clang_disposeTranslationUnit(self.tu);
            self.tu = std::ptr::null_mut();
        }
        let bad = |e: std::ffi::NulError| Failure::Libclang(e.to_string());
        let c_args: Vec<CString> = self
            .args
            .iter()
            .map(|a| CString::new(a.as_str()))
            .collect::<Result<_, _>>()
            .map_err(bad)?;
        let argv: Vec<*const c_char> = c_args.iter().map(|a| a.as_ptr()).collect();
        let mut tu: CXTranslationUnit = std::ptr::null_mut();
        let code = clang_parseTranslationUnit2(
            self.index,
            self.c_file.as_ptr(),
            argv.as_ptr(),
            argv.len() as c_int,
            &mut unsaved,
            1 as c_uint,
            CXTranslationUnit_DetailedPreprocessingRecord,
            &mut tu,
        );
        if tu.is_null() || code != CXError_Success {
            return Err(Failure::Libclang(format!(
                "libclang could not parse {header} (error {code})"
            )));
        }
        self.tu = tu;
        Ok(tu)
    }
}

impl Drop for Parser {
    fn drop(&mut self) {
        // SAFETY: the unit and the index were made by libclang and are disposed of once.
        unsafe {
            if !self.tu.is_null() {
                clang_disposeTranslationUnit(self.tu);
            }
            clang_disposeIndex(self.index);
        }
    }
}

/// Reads the parsed unit `tu` whose main file is `c_file`.
unsafe fn read_unit(
    tu: CXTranslationUnit,
    c_file: &CString,
    c_header: &CString,
    header: &str,
    candidates: Vec<String>,
    arch: Arch,
) -> Result<Direct, Failure> {
    let main_file = clang_getFile(tu, c_file.as_ptr());
    if let Some(message) = first_error(tu, main_file) {
        return Err(Failure::Compile(message));
    }
    let mut walk = Walk {
        tu,
        arch,
        header_file: clang_getFile(tu, c_header.as_ptr()),
        main_file,
        candidates: candidates.into_iter().collect(),
        typedef_names: HashMap::new(),
        macros: BTreeMap::new(),
        values: BTreeMap::new(),
        records: Vec::new(),
        enumerators: Vec::new(),
        reserved: None,
    };
    walk.run();
    match walk.reserved.take() {
        Some(name) => Err(Failure::Compile(format!(
            "{header}: the headers define `{name}`, which uapi-guard's macro evaluation relies \
             on; refused rather than read wrong values"
        ))),
        None => Ok(walk.finish()),
    }
}

/// Object-like macros the header text defines with a body that can stand in an expression
/// (balanced brackets, no `;`, `{` or `}`); the names go into the evaluation function.
fn macro_candidates(header_text: &str) -> Vec<String> {
    let mut names = BTreeSet::new();
    for (_, line) in crate::uapi_tree::logical_lines(header_text) {
        let Some(rest) = line
            .trim_start()
            .strip_prefix('#')
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix("define"))
        else {
            continue;
        };
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        let rest = rest.trim_start();
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let body = &rest[name.len()..];
        // Function-like macros are never constants; an empty body is not one either.
        if body.starts_with('(') || body.trim().is_empty() || !balanced(body) {
            continue;
        }
        names.insert(name);
    }
    names.into_iter().collect()
}

/// True if `(`, `[` nest properly and no `{`, `}` or `;` appears outside literals.
fn balanced(body: &str) -> bool {
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in body.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' => stack.push(c),
            ')' if stack.pop() != Some('(') => return false,
            ']' if stack.pop() != Some('[') => return false,
            '{' | '}' | ';' => return false,
            _ => {}
        }
    }
    stack.is_empty() && quote.is_none()
}

/// The first error the header itself causes, formatted like clang; errors in the evaluation
/// function (a macro that is not an expression) are not the header's.
unsafe fn first_error(tu: CXTranslationUnit, main_file: CXFile) -> Option<String> {
    for i in 0..clang_getNumDiagnostics(tu) {
        let d = clang_getDiagnostic(tu, i);
        let severity = clang_getDiagnosticSeverity(d);
        let mut found = None;
        if severity >= CXDiagnostic_Error {
            let (file, line, column) = expansion(clang_getDiagnosticLocation(d));
            let in_eval = !main_file.is_null()
                && !file.is_null()
                && clang_File_isEqual(file, main_file) != 0
                && line >= 2;
            if !in_eval {
                let message = text(clang_getDiagnosticSpelling(d));
                let kind = if severity == CXDiagnostic_Fatal {
                    "fatal error"
                } else {
                    "error"
                };
                found = Some(if file.is_null() {
                    format!("{kind}: {message}")
                } else {
                    let name = text(clang_getFileName(file));
                    format!("{name}:{line}:{column}: {kind}: {message}")
                });
            }
        }
        clang_disposeDiagnostic(d);
        if found.is_some() {
            return found;
        }
    }
    None
}

unsafe fn expansion(location: CXSourceLocation) -> (CXFile, u32, u32) {
    let mut file: CXFile = std::ptr::null_mut();
    let (mut line, mut column, mut offset) = (0, 0, 0);
    clang_getExpansionLocation(location, &mut file, &mut line, &mut column, &mut offset);
    (file, line, column)
}

/// Where a declaration is: its file and offset, a key for "this declaration".
type DeclKey = (usize, u32);

unsafe fn decl_key(cursor: CXCursor) -> DeclKey {
    let (file, offset) = spelled_at(cursor);
    (file as usize, offset)
}

/// A member's `aligned` attribute.
enum Attr {
    None,
    Value(u64),
    Unknown,
}

struct MacroSeen {
    defined_here: bool,
    tokens: Vec<String>,
}

struct Walk {
    tu: CXTranslationUnit,
    arch: Arch,
    header_file: CXFile,
    main_file: CXFile,
    candidates: BTreeSet<String>,
    /// Anonymous record or enum -> the first typedef that names it.
    typedef_names: HashMap<DeclKey, String>,
    /// First definition of every macro.
    macros: BTreeMap<String, MacroSeen>,
    /// Evaluated macro values.
    values: BTreeMap<String, i128>,
    records: Vec<Record>,
    /// (name, value, enum name), in declaration order.
    enumerators: Vec<(String, i128, String)>,
    /// A macro or function of the headers that takes a name the evaluation relies on
    /// (`__auto_type`, `__uapi_guard_eval...`).
    reserved: Option<String>,
}

/// Collects a cursor's children.
unsafe fn children(cursor: CXCursor) -> Vec<CXCursor> {
    extern "C" fn push(c: CXCursor, _p: CXCursor, data: CXClientData) -> CXChildVisitResult {
        // SAFETY: `data` is the Vec passed below, alive for the whole visit.
        unsafe { (*data.cast::<Vec<CXCursor>>()).push(c) };
        CXChildVisit_Continue
    }
    let mut out: Vec<CXCursor> = Vec::new();
    clang_visitChildren(cursor, push, (&mut out as *mut Vec<CXCursor>).cast());
    out
}

impl Walk {
    unsafe fn run(&mut self) {
        let top = children(clang_getTranslationUnitCursor(self.tu));
        // Typedef names and macro values first: a record may be used before the typedef naming
        // it, and a member's `aligned(MACRO)` needs the macro's value.
        for &c in &top {
            let kind = clang_getCursorKind(c);
            if kind == CXCursor_FunctionDecl && spelling(c) == FUNCTION {
                self.evaluations(c);
            }
            if kind == CXCursor_TypedefDecl {
                let under = clang_getTypedefDeclUnderlyingType(c);
                let decl = clang_getTypeDeclaration(named(under));
                if is_tag(decl) && tag_of(decl).is_none() {
                    self.typedef_names
                        .entry(decl_key(decl))
                        .or_insert_with(|| spelling(c));
                }
            }
        }
        for &c in &top {
            match clang_getCursorKind(c) {
                CXCursor_MacroDefinition => {
                    let name = spelling(c);
                    if name == "__auto_type" || name.starts_with(FUNCTION) {
                        self.reserved.get_or_insert(name.clone());
                    }
                    // Only the header's own candidates can become constants (see `finish`); the
                    // thousands of other macros the includes define are not looked at further.
                    if self.candidates.contains(&name) && !self.macros.contains_key(&name) {
                        let here = self.in_header(c);
                        let tokens = if here && clang_Cursor_isMacroFunctionLike(c) == 0 {
                            self.tokens(c)
                        } else {
                            Vec::new()
                        };
                        self.macros.insert(
                            name,
                            MacroSeen {
                                defined_here: here,
                                tokens,
                            },
                        );
                    }
                }
                CXCursor_StructDecl | CXCursor_UnionDecl | CXCursor_EnumDecl => self.tag(c),
                // The evaluation function is the main file's; one the headers declare would
                // take its place.
                CXCursor_FunctionDecl | CXCursor_VarDecl
                    if spelling(c).starts_with(FUNCTION) && self.in_header_files(c) =>
                {
                    self.reserved.get_or_insert(spelling(c));
                }
                _ => {}
            }
        }
    }

    /// True if `cursor` is in any file but the unsaved main file.
    unsafe fn in_header_files(&self, cursor: CXCursor) -> bool {
        let (file, _, _) = expansion(clang_getCursorLocation(cursor));
        !file.is_null()
            && (self.main_file.is_null() || clang_File_isEqual(file, self.main_file) == 0)
    }

    unsafe fn in_header(&self, cursor: CXCursor) -> bool {
        let (file, _, _) = expansion(clang_getCursorLocation(cursor));
        !file.is_null()
            && !self.header_file.is_null()
            && clang_File_isEqual(file, self.header_file) != 0
    }

    unsafe fn tokens(&self, cursor: CXCursor) -> Vec<String> {
        let mut tokens: *mut CXToken = std::ptr::null_mut();
        let mut count: c_uint = 0;
        clang_tokenize(
            self.tu,
            clang_getCursorExtent(cursor),
            &mut tokens,
            &mut count,
        );
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count as usize {
            out.push(text(clang_getTokenSpelling(self.tu, *tokens.add(i))));
        }
        if !tokens.is_null() {
            clang_disposeTokens(self.tu, tokens, count);
        }
        out
    }

    /// The evaluation function's variables: each candidate macro's value.
    unsafe fn evaluations(&mut self, function: CXCursor) {
        let mut stack = vec![function];
        while let Some(c) = stack.pop() {
            for child in children(c) {
                match clang_getCursorKind(child) {
                    CXCursor_CompoundStmt | CXCursor_DeclStmt => stack.push(child),
                    CXCursor_VarDecl => {
                        let name = spelling(child);
                        if let Some(m) = name.strip_prefix(PREFIX) {
                            if let Some(v) = libclang_eval::evaluate_wide(child) {
                                self.values.insert(m.to_string(), v);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// A struct, union or enum declaration (and the tags declared inside it).
    unsafe fn tag(&mut self, cursor: CXCursor) {
        let kind = clang_getCursorKind(cursor);
        if clang_isCursorDefinition(cursor) == 0 {
            return;
        }
        // Tags declared inside a record are file-scope tags in C.
        for child in children(cursor) {
            if matches!(
                clang_getCursorKind(child),
                CXCursor_StructDecl | CXCursor_UnionDecl | CXCursor_EnumDecl
            ) {
                self.tag(child);
            }
        }
        if !self.in_header(cursor) {
            return;
        }
        if kind == CXCursor_EnumDecl {
            self.enumeration(cursor);
            return;
        }
        let Some(name) = self.record_name(cursor) else {
            return;
        };
        let ty = clang_getCursorType(cursor);
        let (size, align) = (clang_Type_getSizeOf(ty), clang_Type_getAlignOf(ty));
        if size < 0 || align <= 0 {
            return;
        }
        let mut fields = Vec::new();
        self.fields(cursor, ty, 0, "", &mut fields);
        self.records.push(Record {
            name,
            kind: if kind == CXCursor_UnionDecl {
                RecordKind::Union
            } else {
                RecordKind::Struct
            },
            header: String::new(),
            size_bytes: size as u64,
            align_bytes: align as u64,
            fields,
        });
    }

    /// How userspace names a record: `struct tag`, or the typedef naming an anonymous one;
    /// `None` for an anonymous record no typedef names (a member's type).
    unsafe fn record_name(&self, decl: CXCursor) -> Option<String> {
        let keyword = match clang_getCursorKind(decl) {
            CXCursor_UnionDecl => "union",
            CXCursor_EnumDecl => "enum",
            _ => "struct",
        };
        match tag_of(decl) {
            Some(tag) => Some(format!("{keyword} {tag}")),
            None => self.typedef_names.get(&decl_key(decl)).cloned(),
        }
    }

    unsafe fn enumeration(&mut self, cursor: CXCursor) {
        let enum_name = match (tag_of(cursor), self.typedef_names.get(&decl_key(cursor))) {
            (Some(tag), _) => format!("enum {tag}"),
            (None, Some(t)) => format!("enum {t}"),
            (None, None) => "enum <anonymous>".to_string(),
        };
        let unsigned = is_unsigned(clang_getCanonicalType(clang_getEnumDeclIntegerType(cursor)));
        for c in children(cursor) {
            if clang_getCursorKind(c) != CXCursor_EnumConstantDecl {
                continue;
            }
            let value = if unsigned {
                i128::from(clang_getEnumConstantDeclUnsignedValue(c))
            } else {
                i128::from(clang_getEnumConstantDeclValue(c))
            };
            self.enumerators
                .push((spelling(c), value, enum_name.clone()));
        }
    }

    /// Appends the members of `record` (whose offsets `clang_Type_getOffsetOf` finds in
    /// `container`, placed at `base` bytes in the outermost record) to `out`, named with
    /// `prefix`, flattening anonymous members the way the bindgen path does.
    unsafe fn fields(
        &self,
        record: CXCursor,
        container: CXType,
        base: u64,
        prefix: &str,
        out: &mut Vec<Field>,
    ) {
        let record_type = clang_getCursorType(record);
        let record_align = clang_Type_getAlignOf(record_type).max(1) as u64;
        let record_packed = has_attr(record, CXCursor_PackedAttr);
        let is_struct = clang_getCursorKind(record) == CXCursor_StructDecl;
        for child in children(record) {
            match clang_getCursorKind(child) {
                CXCursor_StructDecl | CXCursor_UnionDecl
                    if clang_Cursor_isAnonymousRecordDecl(child) != 0 =>
                {
                    self.fields(child, container, base, prefix, out);
                }
                CXCursor_FieldDecl => {
                    let name = spelling(child);
                    if name.is_empty() {
                        continue;
                    }
                    let c_name = CString::new(name.as_str()).unwrap_or_default();
                    let bit_offset = clang_Type_getOffsetOf(container, c_name.as_ptr());
                    if bit_offset < 0 {
                        continue;
                    }
                    let ty = clang_getCursorType(child);
                    // bindgen reads a zero-length array member of a struct as a flexible
                    // array (`T[]`), as the kernel uses it.
                    let c_type = if is_struct
                        && type_kind(ty) == CXType_ConstantArray
                        && clang_getArraySize(ty) == 0
                    {
                        format!("{}[]", self.spell(clang_getArrayElementType(ty)))
                    } else {
                        self.spell(ty)
                    };
                    let path = format!("{prefix}{name}");
                    if clang_Cursor_isBitField(child) != 0 {
                        let offset_bits = base * 8 + bit_offset as u64;
                        out.push(Field {
                            name: path,
                            offset_bytes: offset_bits / 8,
                            size_bytes: clang_Type_getSizeOf(ty).max(0) as u64,
                            align_bytes: clang_Type_getAlignOf(ty).max(0) as u64,
                            bits: Some(BitRange {
                                offset_bits,
                                size_bits: clang_getFieldDeclBitWidth(child).max(0) as u64,
                            }),
                            c_type,
                        });
                        continue;
                    }
                    let offset = base + bit_offset as u64 / 8;
                    let flexible = c_type.ends_with("[]");
                    let align = if flexible {
                        self.preferred_align(element(ty))
                    } else {
                        let packed = record_packed || has_attr(child, CXCursor_PackedAttr);
                        // What the record's alignment and the member's offset in it allow.
                        let in_parent = clang_Cursor_getOffsetOfField(child).max(0) as u64;
                        let mut bound = record_align;
                        if in_parent > 0 {
                            bound = bound.min((in_parent & in_parent.wrapping_neg()) / 8).max(1);
                        }
                        let attr = match self.aligned_attr(child) {
                            Attr::None => 0,
                            Attr::Value(n) => n,
                            // An expression this front end cannot evaluate: the member is as
                            // aligned as its place allows (exact unless another member asks
                            // for more).
                            Attr::Unknown => bound,
                        };
                        if packed {
                            attr.max(1)
                        } else {
                            attr.max(self.preferred_align(ty)).min(bound)
                        }
                    };
                    out.push(Field {
                        name: path.clone(),
                        offset_bytes: offset,
                        size_bytes: if flexible {
                            0
                        } else {
                            clang_Type_getSizeOf(ty).max(0) as u64
                        },
                        align_bytes: align,
                        bits: None,
                        c_type,
                    });
                    // A named member of anonymous record type: its members follow, as
                    // `member.inner`.
                    let direct = named(ty);
                    if type_kind(direct) == CXType_Record {
                        let decl = clang_getTypeDeclaration(direct);
                        if tag_of(decl).is_none()
                            && !self.typedef_names.contains_key(&decl_key(decl))
                        {
                            self.fields(decl, direct, offset, &format!("{path}."), out);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// What a member's own `aligned` attribute asks for: `aligned(N)` with N a literal or a
    /// macro of the header, or plain `aligned` (the target's biggest alignment).
    unsafe fn aligned_attr(&self, cursor: CXCursor) -> Attr {
        let mut found = Attr::None;
        for c in children(cursor) {
            if clang_getCursorKind(c) != CXCursor_AlignedAttr {
                continue;
            }
            let words = self.tokens(c);
            let inner: Vec<&String> = match words.iter().position(|w| w == "(") {
                Some(open) => words[open + 1..]
                    .iter()
                    .take_while(|w| w.as_str() != ")")
                    .collect(),
                None => Vec::new(),
            };
            let value = match inner.as_slice() {
                [] if !words.iter().any(|w| w == "(") => Some(self.arch.biggest_alignment()),
                [one] => parse_int(one).or_else(|| {
                    self.values
                        .get(one.as_str())
                        .and_then(|v| u64::try_from(*v).ok())
                }),
                _ => None,
            };
            found = match (found, value) {
                (Attr::Value(a), Some(b)) => Attr::Value(a.max(b)),
                (Attr::None, Some(b)) => Attr::Value(b),
                _ => Attr::Unknown,
            };
        }
        found
    }

    /// `__alignof__` of a type: its ABI alignment, raised on i386 to 8 for `double` and 64-bit
    /// integers (their preferred alignment there), unless a typedef on the way fixes it.
    unsafe fn preferred_align(&self, ty: CXType) -> u64 {
        let abi = clang_Type_getAlignOf(ty).max(1) as u64;
        if self.arch != Arch::I386 {
            return abi;
        }
        let mut t = ty;
        loop {
            match type_kind(t) {
                CXType_Elaborated => t = clang_Type_getNamedType(t),
                CXType_ConstantArray | CXType_IncompleteArray => t = clang_getArrayElementType(t),
                CXType_Typedef => {
                    let decl = clang_getTypeDeclaration(t);
                    if has_attr(decl, CXCursor_AlignedAttr) {
                        return abi;
                    }
                    t = clang_getTypedefDeclUnderlyingType(decl);
                }
                CXType_Enum => {
                    t = clang_getEnumDeclIntegerType(clang_getTypeDeclaration(t));
                }
                CXType_LongLong | CXType_ULongLong | CXType_Double => return abi.max(8),
                _ => return abi,
            }
        }
    }

    /// The C spelling of a member's type, as the bindgen path spells it.
    unsafe fn spell(&self, ty: CXType) -> String {
        match type_kind(ty) {
            CXType_Elaborated => self.spell(clang_Type_getNamedType(ty)),
            CXType_Attributed => self.spell(clang_Type_getModifiedType(ty)),
            CXType_Typedef => text(clang_getTypedefName(ty)),
            CXType_Record | CXType_Enum => {
                let decl = clang_getTypeDeclaration(ty);
                match self.record_name(decl) {
                    Some(name) => name,
                    None => {
                        let keyword = match clang_getCursorKind(decl) {
                            CXCursor_UnionDecl => "union",
                            CXCursor_EnumDecl => "enum",
                            _ => "struct",
                        };
                        format!("{keyword} <anonymous>")
                    }
                }
            }
            CXType_Pointer => {
                let pointee = clang_getPointeeType(ty);
                let canonical = type_kind(clang_getCanonicalType(pointee));
                if canonical == CXType_FunctionProto || canonical == CXType_FunctionNoProto {
                    return "function pointer".into();
                }
                let inner = self.spell(pointee);
                if clang_isConstQualifiedType(pointee) != 0 {
                    format!("const {inner} *")
                } else {
                    format!("{inner} *")
                }
            }
            // `T[]` follows the element's spelling, as bindgen's `__IncompleteArrayField<T>`
            // reads: `__u8[6][]` for `__u8 x[][6]`.
            CXType_IncompleteArray => format!("{}[]", self.spell(clang_getArrayElementType(ty))),
            CXType_ConstantArray => {
                let mut dims = String::new();
                let mut t = ty;
                while type_kind(t) == CXType_ConstantArray {
                    dims.push_str(&format!("[{}]", clang_getArraySize(t)));
                    t = clang_getArrayElementType(t);
                }
                format!("{}{dims}", self.spell(t))
            }
            CXType_FunctionProto | CXType_FunctionNoProto => "function pointer".into(),
            kind => builtin(kind)
                .map(str::to_string)
                .unwrap_or_else(|| text(clang_getTypeSpelling(ty))),
        }
    }

    fn finish(self) -> Direct {
        let Walk {
            macros,
            values,
            records,
            enumerators,
            candidates,
            ..
        } = self;
        let mut constants = Vec::new();
        let is_macro = |name: &str| {
            macros
                .get(name)
                .is_some_and(|m| m.defined_here && candidates.contains(name))
        };
        for (name, value, enum_name) in enumerators {
            // A macro of the same name (`#define X X`) is what userspace writes; it is kept as
            // the macro below, or dropped if it is not an integer constant.
            if is_macro(&name) {
                continue;
            }
            constants.push(DirectConstant {
                name,
                value,
                enum_name: Some(enum_name),
                ioctl: None,
            });
        }
        for (name, m) in &macros {
            if !is_macro(name) || m.tokens.len() < 2 {
                continue;
            }
            let Some(&value) = values.get(name) else {
                continue;
            };
            constants.push(DirectConstant {
                name: name.clone(),
                value,
                enum_name: None,
                ioctl: super::rust_items::ioctl_macro(&m.tokens),
            });
        }
        Direct { records, constants }
    }
}

fn type_kind(ty: CXType) -> CXTypeKind {
    ty.kind
}

/// The tag of a struct, union or enum declaration; `None` when it has none (an anonymous one,
/// or one named only by a typedef).
unsafe fn tag_of(decl: CXCursor) -> Option<String> {
    let name = spelling(decl);
    let is_identifier =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_identifier.then_some(name)
}

/// A record, union or enum declaration cursor.
unsafe fn is_tag(c: CXCursor) -> bool {
    matches!(
        clang_getCursorKind(c),
        CXCursor_StructDecl | CXCursor_UnionDecl | CXCursor_EnumDecl
    )
}

/// The type an elaborated type (`struct x`) names.
unsafe fn named(ty: CXType) -> CXType {
    if type_kind(ty) == CXType_Elaborated {
        clang_Type_getNamedType(ty)
    } else {
        ty
    }
}

/// The innermost element type of an array type.
unsafe fn element(ty: CXType) -> CXType {
    let mut t = ty;
    while matches!(type_kind(t), CXType_ConstantArray | CXType_IncompleteArray) {
        t = clang_getArrayElementType(t);
    }
    t
}

unsafe fn has_attr(cursor: CXCursor, kind: CXCursorKind) -> bool {
    children(cursor)
        .iter()
        .any(|c| clang_getCursorKind(*c) == kind)
}

fn parse_int(word: &str) -> Option<u64> {
    let w = word.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(hex) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else {
        w.parse().ok()
    }
}

fn is_unsigned(ty: CXType) -> bool {
    matches!(
        ty.kind,
        CXType_Bool
            | CXType_Char_U
            | CXType_UChar
            | CXType_UShort
            | CXType_UInt
            | CXType_ULong
            | CXType_ULongLong
            | CXType_UInt128
    )
}

/// The spelling of a builtin type, as the bindgen path gives it.
fn builtin(kind: CXTypeKind) -> Option<&'static str> {
    Some(match kind {
        CXType_Void => "void",
        CXType_Bool => "_Bool",
        CXType_Char_S | CXType_Char_U => "char",
        CXType_SChar => "signed char",
        CXType_UChar => "unsigned char",
        CXType_Short => "short",
        CXType_UShort => "unsigned short",
        CXType_Int => "int",
        CXType_UInt => "unsigned int",
        CXType_Long => "long",
        CXType_ULong => "unsigned long",
        CXType_LongLong => "long long",
        CXType_ULongLong => "unsigned long long",
        CXType_Int128 => "__int128",
        CXType_UInt128 => "unsigned __int128",
        CXType_Float => "float",
        CXType_Double => "double",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_object_like_expression_macros() {
        let text = "#define A 1\n#define F(x) x\n# define B (A + \\\n 2)\n#define EMPTY\n\
                    #define OPEN {\n#define C \"str;\"\n#define D ((x)\n#define E [1]\n";
        assert_eq!(macro_candidates(text), ["A", "B", "C", "E"]);
    }
}
