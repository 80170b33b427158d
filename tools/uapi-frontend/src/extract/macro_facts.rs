//! What the texts of a translation unit's files say about macros: which names each file
//! `#define`s or `#undef`s, and where the header defines each. The direct front end uses it to
//! read a header without libclang's detailed preprocessing record (which costs about a fifth of
//! a parse): when the header's own definition of a macro is the only one any file of the unit
//! spells, no file undefines it and it is not predefined, then "the macro is defined where the
//! evaluation runs" means "the header's definition is the active one", and its tokens are that
//! definition's. Anything less plain is read again with the record.

use crate::uapi_tree::logical_lines;
use std::collections::{BTreeMap, BTreeSet};

/// The macro directives of one file's text.
#[derive(Debug, Default)]
pub struct FileMacros {
    /// Every `#define`d name, with the lines of each definition: (first line, the first line
    /// after it).
    pub defined: BTreeMap<String, Vec<(u32, u32)>>,
    /// Every `#undef`ed name.
    pub undefined: BTreeSet<String>,
    /// The text names `push_macro` or `pop_macro` (which can bring back a definition).
    pub pushes: bool,
}

impl FileMacros {
    /// Scans `text`.
    pub fn of(text: &str) -> FileMacros {
        let mut out = FileMacros {
            pushes: text.contains("push_macro") || text.contains("pop_macro"),
            ..FileMacros::default()
        };
        let lines = logical_lines(text);
        for (i, (line, body)) in lines.iter().enumerate() {
            let t = body.trim_start();
            let Some(rest) = t.strip_prefix('#').or_else(|| t.strip_prefix("%:")) else {
                continue;
            };
            let rest = rest.trim_start();
            let (directive, rest) = match rest.strip_prefix("define") {
                Some(r) => ("define", r),
                None => match rest.strip_prefix("undef") {
                    Some(r) => ("undef", r),
                    None => continue,
                },
            };
            if !rest.starts_with([' ', '\t']) {
                continue;
            }
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() {
                continue;
            }
            if directive == "undef" {
                out.undefined.insert(name);
            } else {
                let next = lines.get(i + 1).map_or(u32::MAX, |(l, _)| *l as u32);
                out.defined
                    .entry(name)
                    .or_default()
                    .push((*line as u32, next));
            }
        }
        out
    }
}

/// Whether the macros of a header can be read from the texts (see the module comment):
/// `header` is the header's own text facts, `others` those of every other file of the unit,
/// `predefined` the compiler's own macros, `reserved` a test for names the evaluation relies
/// on. Returns, for each candidate, the lines of its one definition in the header.
pub fn plain_definitions(
    candidates: &[String],
    header: &FileMacros,
    others: &[&FileMacros],
    predefined: &BTreeSet<String>,
    reserved: impl Fn(&str) -> bool,
) -> Option<BTreeMap<String, (u32, u32)>> {
    let all = || std::iter::once(header).chain(others.iter().copied());
    if all().any(|f| f.pushes || f.defined.keys().any(|n| reserved(n))) {
        return None;
    }
    let mut lines = BTreeMap::new();
    for m in candidates {
        let here = header.defined.get(m).map_or(&[][..], Vec::as_slice);
        let [one] = here else {
            return None;
        };
        if predefined.contains(m)
            || all().any(|f| f.undefined.contains(m))
            || others.iter().any(|f| f.defined.contains_key(m))
        {
            return None;
        }
        lines.insert(m.clone(), *one);
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_undefs_and_their_lines() {
        let f = FileMacros::of("#define A 1\n# define B \\\n  2\n#undef C\n%:define D 4\nint x;\n");
        assert_eq!(f.defined["A"], [(1, 2)]);
        assert_eq!(f.defined["B"], [(2, 4)]);
        assert_eq!(f.defined["D"], [(5, 6)]);
        assert!(f.undefined.contains("C"));
        assert!(!f.pushes);
    }

    #[test]
    fn anything_less_plain_is_left_to_the_preprocessing_record() {
        let header = FileMacros::of("#define A 1\n#define B 2\n#ifdef X\n#define B 3\n#endif\n");
        let other = FileMacros::of("#define C 1\n#undef D\n");
        let none = BTreeSet::new();
        let ok = |c: &[&str], pre: &BTreeSet<String>| {
            let c: Vec<String> = c.iter().map(|s| s.to_string()).collect();
            plain_definitions(&c, &header, &[&other], pre, |n| n == "__auto_type").is_some()
        };
        assert!(ok(&["A"], &none));
        assert!(!ok(&["B"], &none), "two definitions in the header");
        assert!(!ok(&["A"], &["A".to_string()].into()), "predefined");
        let redefined = FileMacros::of("#define A 1\n");
        let c = vec!["A".to_string()];
        assert!(plain_definitions(&c, &header, &[&redefined], &none, |_| false).is_none());
        let undone = FileMacros::of("#undef A\n");
        assert!(plain_definitions(&c, &header, &[&undone], &none, |_| false).is_none());
        let keyword = FileMacros::of("#define __auto_type char\n");
        assert!(
            plain_definitions(&c, &header, &[&keyword], &none, |n| n == "__auto_type").is_none()
        );
        let pushed = FileMacros::of("#pragma push_macro(\"A\")\n");
        assert!(plain_definitions(&c, &header, &[&pushed], &none, |_| false).is_none());
    }
}
