//! Reads bindgen's generated Rust back into raw records and constants.

use super::{Collected, RawConstant, RawField, RawRecord};
use crate::model::RecordKind;
use std::collections::{BTreeMap, BTreeSet};
use syn::{Expr, Fields, Item, Lit, Type};

/// Rust keywords and primitive type names that bindgen escapes by appending `_` to a C identifier.
const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield", "bool", "char",
    "str", "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64",
    "u128", "usize",
];

/// Undoes bindgen's keyword escaping (`type_` -> `type`, and `__` -> `_`, which is not a Rust
/// identifier on its own).
fn c_ident(rust: &str) -> String {
    if rust == "__" {
        return "_".to_string();
    }
    match rust.strip_suffix('_') {
        Some(base) if RUST_KEYWORDS.contains(&base) => base.to_string(),
        _ => rust.to_string(),
    }
}

#[derive(Default)]
struct Assertions {
    size: BTreeMap<String, u64>,
    align: BTreeMap<String, u64>,
    /// (record rust name, field rust name) -> offset.
    offset: BTreeMap<(String, String), u64>,
}

struct Bitfield {
    unit: String,
    bit_offset: u64,
    name: String,
    ret: Type,
}

struct Ctx {
    defs: BTreeMap<String, (RecordKind, Vec<(String, Type)>)>,
    bitfields: BTreeMap<String, Vec<Bitfield>>,
    enums: BTreeSet<String>,
    asserts: Assertions,
    /// Records of this header that userspace names by a typedef only.
    typedef_spelled: BTreeSet<String>,
}

/// Parses the generated Rust; keeps records and constants declared in `header_path`.
pub fn parse_bindings(
    text: &str,
    collected: &Collected,
    header_path: &str,
    header_text: &str,
) -> Result<(Vec<RawRecord>, Vec<RawConstant>), String> {
    let file = syn::parse_file(text).map_err(|e| format!("generated Rust does not parse: {e}"))?;
    let mut ctx = Ctx {
        defs: BTreeMap::new(),
        bitfields: BTreeMap::new(),
        enums: BTreeSet::new(),
        asserts: Assertions::default(),
        typedef_spelled: BTreeSet::new(),
    };
    let mut order = Vec::new();
    let mut consts = Vec::new();
    for item in &file.items {
        match item {
            Item::Struct(s) => {
                let fields = named_fields(&s.fields);
                // A union bindgen cannot emit as a Rust union (one holding a flexible array, say)
                // comes out as a struct of `__BindgenUnionField`s plus `bindgen_union_field`.
                let kind = if fields.iter().any(|(n, _)| n == "bindgen_union_field") {
                    RecordKind::Union
                } else {
                    RecordKind::Struct
                };
                order.push(s.ident.to_string());
                ctx.defs.insert(s.ident.to_string(), (kind, fields));
            }
            Item::Union(u) => {
                let fields = u
                    .fields
                    .named
                    .iter()
                    .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
                    .collect();
                order.push(u.ident.to_string());
                ctx.defs
                    .insert(u.ident.to_string(), (RecordKind::Union, fields));
            }
            Item::Const(c) if c.ident == "_" => read_assertions(&c.expr, &mut ctx.asserts),
            Item::Const(c) => consts.push(c),
            Item::Impl(imp) => read_bitfield_accessors(imp, &mut ctx.bitfields),
            _ => {}
        }
    }
    for c in &consts {
        if let Some(name) = single_ident(&c.ty) {
            if !is_rust_primitive(&name) {
                ctx.enums.insert(name);
            }
        }
    }

    // How userspace names each record: `struct tag`, or a typedef alone. bindgen reports
    // `typedef struct { ... } name;` and `struct name { ... }` alike (and sometimes gives no tag
    // for the latter), so for this header's records the header text decides.
    for rust_name in &order {
        let (Some((kind, _)), Some((tag, file))) =
            (ctx.defs.get(rust_name), collected.records.get(rust_name))
        else {
            continue;
        };
        let tag = tag.as_deref().unwrap_or(rust_name);
        let keyword_spelled = if file.as_deref() == Some(header_path) {
            declares_tag(header_text, kind.keyword(), tag)
        } else {
            collected
                .records
                .get(rust_name)
                .is_some_and(|(t, _)| t.is_some())
        };
        if collected.typedefs.contains(rust_name) || !keyword_spelled {
            ctx.typedef_spelled.insert(rust_name.clone());
        }
    }
    let mut records = Vec::new();
    for rust_name in &order {
        let Some((tag, file)) = collected.records.get(rust_name) else {
            continue;
        };
        if rust_name.contains("_bindgen_ty_") || file.as_deref() != Some(header_path) {
            continue;
        }
        if rust_name.starts_with("__Bindgen") {
            continue;
        }
        let Some((kind, _)) = ctx.defs.get(rust_name) else {
            continue;
        };
        // A record bindgen asserts no size for is incomplete here (declared, defined elsewhere).
        if !ctx.asserts.size.contains_key(rust_name) {
            continue;
        }
        let name = if ctx.typedef_spelled.contains(rust_name) {
            rust_name.clone()
        } else {
            format!("{} {}", kind.keyword(), tag.as_deref().unwrap_or(rust_name))
        };
        let mut fields = Vec::new();
        ctx.flatten(rust_name, "", Some(0), &mut fields);
        records.push(RawRecord {
            name,
            kind: *kind,
            size_bytes: ctx.asserts.size.get(rust_name).copied(),
            align_bytes: ctx.asserts.align.get(rust_name).copied(),
            fields,
        });
    }

    let mut constants = Vec::new();
    for c in consts {
        let name = c.ident.to_string();
        let Some(literal) = int_literal(&c.expr) else {
            continue;
        };
        let ty = single_ident(&c.ty).unwrap_or_default();
        // A macro that shadows an enumerator of the same name (`#define X (X - 1)`) is what
        // userspace sees when it writes the name.
        let is_macro = collected.macro_tokens.contains_key(&name);
        if is_macro && constants.iter().any(|k: &RawConstant| k.name == name) {
            constants.retain(|k: &RawConstant| k.name != name);
        }
        let enum_name = (!is_macro && ctx.enums.contains(&ty)).then(|| {
            if ty.starts_with("_bindgen_ty_") {
                "enum <anonymous>".to_string()
            } else {
                format!("enum {ty}")
            }
        });
        let value = match enum_name {
            // A macro shadowing an enumerator: the generated constant holds the enumerator's
            // value, so only a value bindgen evaluated for the macro itself counts.
            None if ctx.enums.contains(&ty) => collected.int_macros.get(&name).copied(),
            None => Some(collected.int_macros.get(&name).copied().unwrap_or(literal)),
            Some(_) => Some(literal),
        };
        let ioctl = enum_name
            .is_none()
            .then(|| {
                collected
                    .macro_tokens
                    .get(&name)
                    .and_then(|t| ioctl_macro(t))
            })
            .flatten();
        constants.push(RawConstant {
            name,
            value,
            enum_name,
            ioctl,
        });
    }
    Ok((records, constants))
}

impl Ctx {
    /// C spelling of a record's Rust name.
    fn record_spelling(&self, rust_name: &str) -> Option<String> {
        let (kind, _) = self.defs.get(rust_name)?;
        if rust_name.contains("__bindgen_ty_") {
            return Some(format!("{} <anonymous>", kind.keyword()));
        }
        Some(if self.typedef_spelled.contains(rust_name) {
            rust_name.to_string()
        } else {
            format!("{} {}", kind.keyword(), rust_name)
        })
    }

    /// Appends the members of `rust_name` to `out` with `prefix`, flattening anonymous members.
    /// `base` is the record's offset from the outermost record when bindgen asserts it.
    fn flatten(&self, rust_name: &str, prefix: &str, base: Option<u64>, out: &mut Vec<RawField>) {
        let Some((_, fields)) = self.defs.get(rust_name) else {
            return;
        };
        for (field, ty) in fields {
            if field.starts_with("_bindgen_") || field.starts_with("__bindgen_padding") {
                continue;
            }
            if field == "_address" || field == "bindgen_union_field" {
                continue;
            }
            let asserted = self
                .asserts
                .offset
                .get(&(rust_name.to_string(), field.clone()))
                .and_then(|off| base.map(|b| b + off));
            if field.starts_with("_bitfield_") {
                for bf in self.bitfields.get(rust_name).into_iter().flatten() {
                    if &bf.unit == field {
                        out.push(RawField {
                            path: format!("{prefix}{}", c_ident(&bf.name)),
                            c_type: self.c_type(&bf.ret),
                            offset_bytes: None,
                            is_bitfield: true,
                        });
                    }
                }
                continue;
            }
            let anon_type = single_ident(ty).filter(|t| t.contains("__bindgen_ty_"));
            if field.starts_with("__bindgen_anon_") {
                if let Some(inner) = anon_type {
                    self.flatten(&inner, prefix, None, out);
                }
                continue;
            }
            let path = format!("{prefix}{}", c_ident(field));
            out.push(RawField {
                path: path.clone(),
                c_type: self.c_type(ty),
                offset_bytes: asserted,
                is_bitfield: false,
            });
            if let Some(inner) = anon_type {
                self.flatten(&inner, &format!("{path}."), asserted, out);
            }
        }
    }

    fn c_type(&self, ty: &Type) -> String {
        match ty {
            Type::Array(arr) => {
                let mut dims = Vec::new();
                let mut elem: &Type = ty;
                while let Type::Array(a) = elem {
                    dims.push(int_literal(&a.len).map_or("?".to_string(), |n| n.to_string()));
                    elem = &a.elem;
                }
                let _ = arr;
                let dims: String = dims.iter().map(|d| format!("[{d}]")).collect();
                format!("{}{dims}", self.c_type(elem))
            }
            Type::Ptr(p) => {
                let inner = self.c_type(&p.elem);
                if p.const_token.is_some() {
                    format!("const {inner} *")
                } else {
                    format!("{inner} *")
                }
            }
            Type::Path(tp) => {
                let Some(last) = tp.path.segments.last() else {
                    return "?".into();
                };
                let ident = last.ident.to_string();
                if ident == "Option" {
                    return "function pointer".into();
                }
                if ident == "__IncompleteArrayField" || ident == "__BindgenUnionField" {
                    let suffix = if ident == "__IncompleteArrayField" {
                        "[]"
                    } else {
                        ""
                    };
                    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                        if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                            return format!("{}{suffix}", self.c_type(inner));
                        }
                    }
                }
                if let Some(c) = primitive_spelling(&ident) {
                    return c.to_string();
                }
                if self.enums.contains(&ident) {
                    return format!("enum {ident}");
                }
                self.record_spelling(&ident).unwrap_or(ident)
            }
            _ => "?".into(),
        }
    }
}

fn named_fields(fields: &Fields) -> Vec<(String, Type)> {
    match fields {
        Fields::Named(n) => n
            .named
            .iter()
            .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
            .collect(),
        _ => Vec::new(),
    }
}

fn single_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn is_rust_primitive(name: &str) -> bool {
    matches!(
        name,
        "u8" | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "usize"
            | "isize"
            | "bool"
            | "f32"
            | "f64"
    ) || primitive_spelling(name).is_some()
}

fn primitive_spelling(ident: &str) -> Option<&'static str> {
    Some(match ident {
        "c_char" => "char",
        "c_schar" => "signed char",
        "c_uchar" => "unsigned char",
        "c_short" => "short",
        "c_ushort" => "unsigned short",
        "c_int" => "int",
        "c_uint" => "unsigned int",
        "c_long" => "long",
        "c_ulong" => "unsigned long",
        "c_longlong" => "long long",
        "c_ulonglong" => "unsigned long long",
        "c_void" => "void",
        "c_float" | "f32" => "float",
        "c_double" | "f64" => "double",
        "bool" => "_Bool",
        "u8" => "unsigned char",
        "i8" => "signed char",
        "u16" => "unsigned short",
        "i16" => "short",
        "u32" => "unsigned int",
        "i32" => "int",
        "u64" => "unsigned long long",
        "i64" => "long long",
        "u128" => "unsigned __int128",
        "i128" => "__int128",
        _ => return None,
    })
}

/// An integer literal, possibly negated.
fn int_literal(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) => i
                .base10_parse::<i64>()
                .ok()
                .or_else(|| i.base10_parse::<u64>().ok().map(|v| v as i64)),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            int_literal(&u.expr).map(|v| v.wrapping_neg())
        }
        Expr::Paren(p) => int_literal(&p.expr),
        Expr::Cast(c) => int_literal(&c.expr),
        _ => None,
    }
}

/// Reads `["Size of X"][size_of::<X>() - 8usize];` statements.
fn read_assertions(expr: &Expr, out: &mut Assertions) {
    let Expr::Block(block) = expr else { return };
    for stmt in &block.block.stmts {
        let syn::Stmt::Expr(Expr::Index(index), _) = stmt else {
            continue;
        };
        let Expr::Array(arr) = &*index.expr else {
            continue;
        };
        let Some(Expr::Lit(label)) = arr.elems.first() else {
            continue;
        };
        let Lit::Str(label) = &label.lit else {
            continue;
        };
        let Expr::Binary(bin) = &*index.index else {
            continue;
        };
        let Some(value) = int_literal(&bin.right).and_then(|v| u64::try_from(v).ok()) else {
            continue;
        };
        let label = label.value();
        if let Some(name) = label.strip_prefix("Size of ") {
            out.size.insert(name.to_string(), value);
        } else if let Some(name) = label.strip_prefix("Alignment of ") {
            out.align.insert(name.to_string(), value);
        } else if let Some(rest) = label.strip_prefix("Offset of field: ") {
            if let Some((rec, field)) = rest.split_once("::") {
                out.offset
                    .insert((rec.to_string(), field.to_string()), value);
            }
        }
    }
}

/// Finds bitfield getters: `fn a(&self) -> T { ... self._bitfield_1.get_const::<3usize, 5u8>() ... }`.
fn read_bitfield_accessors(imp: &syn::ItemImpl, out: &mut BTreeMap<String, Vec<Bitfield>>) {
    let Some(owner) = single_ident(&imp.self_ty) else {
        return;
    };
    for item in &imp.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        let name = f.sig.ident.to_string();
        if name.starts_with("set_") || name.ends_with("_raw") || name.starts_with("new_bitfield_") {
            continue;
        }
        let syn::ReturnType::Type(_, ret) = &f.sig.output else {
            continue;
        };
        let body = quote_tokens(&f.block);
        let Some(unit) = body
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .find(|w| w.starts_with("_bitfield_"))
        else {
            continue;
        };
        let Some(bit_offset) = body
            .split("get_const :: <")
            .nth(1)
            .and_then(|rest| rest.trim().split("usize").next())
            .and_then(|n| n.trim().parse::<u64>().ok())
        else {
            continue;
        };
        out.entry(owner.clone()).or_default().push(Bitfield {
            unit: unit.to_string(),
            bit_offset,
            name,
            ret: (**ret).clone(),
        });
    }
    if let Some(list) = out.get_mut(&owner) {
        list.sort_by(|a, b| a.unit.cmp(&b.unit).then(a.bit_offset.cmp(&b.bit_offset)));
    }
}

fn quote_tokens(block: &syn::Block) -> String {
    use quote::ToTokens;
    block.to_token_stream().to_string()
}

/// `NAME _IOW ( T , N , struct foo )` -> (`_IOW`, Some(`struct foo`)); DRM's wrappers, which
/// fill in the type (`NAME DRM_IOWR ( N , struct foo )`, include/uapi/drm/drm.h), the same way.
pub(super) fn ioctl_macro(tokens: &[String]) -> Option<(String, Option<String>)> {
    let mac = tokens.get(1)?;
    let type_arg = match mac.as_str() {
        "_IO" | "_IOR" | "_IOW" | "_IOWR" => 2,
        "DRM_IO" | "DRM_IOR" | "DRM_IOW" | "DRM_IOWR" => 1,
        _ => return None,
    };
    let mut depth = 0usize;
    let mut args: Vec<Vec<&str>> = vec![Vec::new()];
    for tok in tokens.get(3..)? {
        match tok.as_str() {
            "(" => depth += 1,
            ")" if depth == 0 => break,
            ")" => depth -= 1,
            "," if depth == 0 => {
                args.push(Vec::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = args.last_mut() {
            last.push(tok);
        }
    }
    let arg_type = args.get(type_arg).map(|t| t.join(" "));
    Some((mac.clone(), arg_type))
}

/// True if the header text names `keyword tag` (so `typedef struct { ... } tag;` is told apart
/// from `struct tag { ... }`, which bindgen reports alike).
fn declares_tag(header_text: &str, keyword: &str, tag: &str) -> bool {
    let mut words = header_text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    let mut previous = "";
    for w in words.by_ref() {
        if previous == keyword && w == tag {
            return true;
        }
        previous = w;
    }
    false
}

/// Object-like macros defined in this header that bindgen saw but could not evaluate: candidates
/// for the probe, which keeps those that are integer constant expressions.
pub fn unevaluated_macros(
    collected: &Collected,
    known: &[RawConstant],
    header_text: &str,
) -> Vec<RawConstant> {
    let defined: BTreeSet<&str> = header_text
        .lines()
        .filter_map(|l| {
            let rest = l
                .trim_start()
                .strip_prefix('#')?
                .trim_start()
                .strip_prefix("define")?;
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .find(|w| !w.is_empty())
        })
        .collect();
    collected
        .macro_tokens
        .iter()
        .filter(|(name, tokens)| {
            tokens.len() > 1
                && defined.contains(name.as_str())
                && !known.iter().any(|k| &k.name == *name)
        })
        .map(|(name, tokens)| RawConstant {
            name: name.clone(),
            value: None,
            enum_name: None,
            ioctl: ioctl_macro(tokens),
        })
        .collect()
}
