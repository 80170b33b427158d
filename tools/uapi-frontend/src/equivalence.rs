//! Compares the layouts two front ends give for the same headers: the check that the direct
//! libclang front end reads what bindgen and the compiled probe read.

use crate::model::Layout;
use std::collections::BTreeSet;

/// One difference between two layouts of the same headers on one architecture.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// What kind: `header`, `skipped`, `record`, `field`, `constant`.
    pub what: &'static str,
    /// The header, record, field or constant.
    pub item: String,
    /// What the first layout says.
    pub first: String,
    /// What the second layout says.
    pub second: String,
}

/// Every difference between `a` and `b` in analysed and skipped headers, records and their
/// members, and constants (skip reasons are not compared: compilers word errors differently).
pub fn differences(a: &Layout, b: &Layout) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut push = |what, item: String, first: String, second: String| {
        out.push(Difference {
            what,
            item,
            first,
            second,
        })
    };
    let set = |l: &Layout| l.headers.iter().cloned().collect::<BTreeSet<_>>();
    let (ha, hb) = (set(a), set(b));
    for h in ha.symmetric_difference(&hb) {
        push(
            "header",
            h.clone(),
            ha.contains(h).to_string(),
            hb.contains(h).to_string(),
        );
    }
    let skipped = |l: &Layout| {
        l.skipped
            .iter()
            .map(|s| s.header.clone())
            .collect::<BTreeSet<_>>()
    };
    let (sa, sb) = (skipped(a), skipped(b));
    for h in sa.symmetric_difference(&sb) {
        push(
            "skipped",
            h.clone(),
            sa.contains(h).to_string(),
            sb.contains(h).to_string(),
        );
    }
    let names: BTreeSet<&String> = a.records.keys().chain(b.records.keys()).collect();
    for name in names {
        match (a.records.get(name), b.records.get(name)) {
            (Some(ra), Some(rb)) => {
                let head = |r: &crate::model::Record| {
                    format!(
                        "{} in {} size {} align {}",
                        r.kind.keyword(),
                        r.header,
                        r.size_bytes,
                        r.align_bytes
                    )
                };
                if head(ra) != head(rb) {
                    push("record", name.clone(), head(ra), head(rb));
                }
                // Members are matched by name, so one missing member is one difference.
                let show = |f: Option<&crate::model::Field>| {
                    f.map_or("absent".to_string(), |f| {
                        format!(
                            "offset {} size {} align {} bits {:?} type {}",
                            f.offset_bytes, f.size_bytes, f.align_bytes, f.bits, f.c_type
                        )
                    })
                };
                let mut seen = BTreeSet::new();
                for f in ra.fields.iter().chain(&rb.fields) {
                    if !seen.insert(f.name.as_str()) {
                        continue;
                    }
                    let (x, y) = (show(ra.field(&f.name)), show(rb.field(&f.name)));
                    if x != y {
                        push("field", format!("{name}.{}", f.name), x, y);
                    }
                }
                let order = |r: &crate::model::Record| {
                    r.fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>()
                };
                let sorted = |mut v: Vec<String>| {
                    v.sort();
                    v
                };
                if order(ra) != order(rb) && sorted(order(ra)) == sorted(order(rb)) {
                    push(
                        "field-order",
                        name.clone(),
                        order(ra).join(" "),
                        order(rb).join(" "),
                    );
                }
            }
            (ra, rb) => push(
                "record",
                name.clone(),
                ra.map_or("absent".into(), |r| format!("in {}", r.header)),
                rb.map_or("absent".into(), |r| format!("in {}", r.header)),
            ),
        }
    }
    let names: BTreeSet<&String> = a.constants.keys().chain(b.constants.keys()).collect();
    for name in names {
        let show = |c: Option<&crate::model::Constant>| {
            c.map_or("absent".into(), |c| {
                format!("{} = {} {:?} {:?}", c.header, c.value, c.kind, c.ioctl)
            })
        };
        let (ca, cb) = (show(a.constants.get(name)), show(b.constants.get(name)));
        if ca != cb {
            push("constant", name.clone(), ca, cb);
        }
    }
    out
}

/// Why the bindgen path (`a`) and the direct path (`b`) may differ where the direct path is
/// right, each checked against the header text by hand on the Debian trees (see
/// `docs/front-ends.md`):
pub const CLASSES: [(&str, &str); 7] = [
    (
        "old-skipped",
        "a header the bindgen path skipped because a name it reported (a typedef-named or nested \
         record) did not compile in the probe; everything in it is new",
    ),
    (
        "old-missed",
        "a record or member the bindgen path did not report: tags declared inside records, members \
         of an anonymous struct inside an anonymous union with named siblings, packed bitfields",
    ),
    (
        "nested-tag",
        "bindgen names a tag declared inside a record after its parent (`outer_inner`, \
         `__bindgen_ty_N`) or treats it as anonymous; C's tag is `inner`, and its members belong to \
         that record, not flattened into the parent",
    ),
    (
        "libc-typedef",
        "bindgen turns uint32_t, size_t and the like into Rust primitives, so the bindgen path \
         spelled them `unsigned int`, `usize`; the header says `uint32_t`, `size_t`",
    ),
    (
        "typedef-as-tag",
        "a member whose type is a typedef of an anonymous struct or enum: the bindgen path spelled \
         it `struct T` or `enum T`, which C does not have; the header says `T`",
    ),
    (
        "const-pointer",
        "a pointer to const that the bindgen path spelled without its `const`",
    ),
    (
        "declared-elsewhere",
        "an enumerator the bindgen path gave to the first header using its enum; the direct path \
         gives it to the header declaring it",
    ),
];

/// The class (from [`CLASSES`]) explaining `d`, a difference between `a` (bindgen path) and `b`
/// (direct path), or `None` when nothing explains it. Numbers never differ in an explained
/// difference.
pub fn explain(d: &Difference, a: &Layout, b: &Layout) -> Option<&'static str> {
    let skipped_by_a = |header: &str| {
        a.skipped.iter().any(|s| s.header == header) && b.headers.iter().any(|h| h == header)
    };
    let header_of_item = |layout: &Layout, record: &str| {
        layout
            .records
            .get(record)
            .map(|r| r.header.clone())
            .unwrap_or_default()
    };
    match d.what {
        "header" | "skipped" => skipped_by_a(&d.item).then_some("old-skipped"),
        "record" if d.first == "absent" => {
            let header = header_of_item(b, &d.item);
            Some(if skipped_by_a(&header) {
                "old-skipped"
            } else {
                "old-missed"
            })
        }
        "field" => {
            let (record, path) = split_field(&d.item, a, b)?;
            if skipped_by_a(&header_of_item(b, record)) {
                return Some("old-skipped");
            }
            if d.first == "absent" {
                return Some("old-missed");
            }
            if d.second == "absent" {
                // A member under a member whose type the bindgen path misnamed as anonymous.
                let parts: Vec<&str> = path.split('.').collect();
                let under_nested = (1..parts.len()).any(|k| {
                    let parent = parts[..k].join(".");
                    let (fa, fb) = (a.records[record].field(&parent), b.records[record].field(&parent));
                    matches!((fa, fb), (Some(x), Some(y)) if type_class(&x.c_type, &y.c_type) == Some("nested-tag"))
                });
                return under_nested.then_some("nested-tag");
            }
            let (fa, fb) = (
                a.records.get(record)?.field(path)?,
                b.records.get(record)?.field(path)?,
            );
            let same_numbers = (fa.offset_bytes, fa.size_bytes, fa.align_bytes, fa.bits)
                == (fb.offset_bytes, fb.size_bytes, fb.align_bytes, fb.bits);
            if !same_numbers {
                return None;
            }
            type_class(&fa.c_type, &fb.c_type)
        }
        "constant" => {
            let cb = b.constants.get(&d.item)?;
            let Some(ca) = a.constants.get(&d.item) else {
                return skipped_by_a(&cb.header).then_some("old-skipped");
            };
            if ca.value != cb.value || ca.ioctl != cb.ioctl {
                return None;
            }
            if ca.header != cb.header {
                return Some("declared-elsewhere");
            }
            match (&ca.kind, &cb.kind) {
                (
                    crate::model::ConstantKind::Enumerator { enum_name: x },
                    crate::model::ConstantKind::Enumerator { enum_name: y },
                ) => type_class(x, y),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `record.path` of a field difference, split where the record name ends.
fn split_field<'a>(item: &'a str, a: &Layout, b: &Layout) -> Option<(&'a str, &'a str)> {
    item.match_indices('.').find_map(|(i, _)| {
        let record = &item[..i];
        (a.records.contains_key(record) || b.records.contains_key(record))
            .then(|| (record, &item[i + 1..]))
    })
}

/// The class of a type spelling difference (old spelling `x`, new `y`).
fn type_class(x: &str, y: &str) -> Option<&'static str> {
    let base = |t: &str| t.split(['[', '*']).next().unwrap_or("").trim().to_string();
    let suffix = |t: &str| t[base(t).len()..].to_string();
    let (bx, by) = (base(x), base(y));
    if y == format!("const {x}") {
        return Some("const-pointer");
    }
    if suffix(x).replace(' ', "") != suffix(y).replace(' ', "").replace("const", "") {
        return None;
    }
    let primitive = [
        "unsigned char",
        "signed char",
        "char",
        "short",
        "unsigned short",
        "int",
        "unsigned int",
        "long",
        "unsigned long",
        "long long",
        "unsigned long long",
        "usize",
        "isize",
    ];
    if primitive.contains(&bx.as_str()) && by.ends_with("_t") && !by.contains(' ') {
        return Some("libc-typedef");
    }
    for keyword in ["struct ", "enum ", "union "] {
        if bx.strip_prefix(keyword) == Some(by.as_str()) {
            return Some("typedef-as-tag");
        }
        if let (Some(old), Some(new)) = (bx.strip_prefix(keyword), by.strip_prefix(keyword)) {
            if old == "<anonymous>"
                || old.ends_with(&format!("_{new}"))
                || old.contains("__bindgen_ty_")
            {
                return Some("nested-tag");
            }
        }
    }
    None
}
