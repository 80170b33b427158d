//! Where an item is defined in a header's text, for SARIF locations. Pure: the caller supplies the
//! header texts.

use crate::findings::Finding;
use std::collections::BTreeMap;

/// Header texts and the URIs reports give them, by header path (`linux/vfio.h`).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: BTreeMap<String, (String, Option<String>)>,
}

impl Sources {
    /// No texts: locations name only the header.
    pub fn new() -> Self {
        Sources::default()
    }

    /// Adds a header's URI (as the code-scanning UI should show it) and, if known, its text.
    pub fn add(&mut self, header: &str, uri: &str, text: Option<String>) {
        self.files
            .insert(header.to_string(), (uri.to_string(), text));
    }

    /// The URI and, where the text is known and the definition found, the 1-based line.
    pub fn locate(&self, f: &Finding) -> Option<(String, Option<usize>)> {
        if f.header.is_empty() {
            return None;
        }
        match self.files.get(&f.header) {
            Some((uri, text)) => Some((
                uri.clone(),
                text.as_deref()
                    .and_then(|t| definition_line(t, &f.item, f.field.as_deref())),
            )),
            None => Some((f.header.clone(), None)),
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// True when `word` occurs in `line` as a whole identifier.
fn has_word(line: &str, word: &str) -> bool {
    let mut start = 0;
    while let Some(i) = line[start..].find(word) {
        let at = start + i;
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return true;
        }
        start = at + word.len();
    }
    false
}

/// The 1-based line defining `item` (a `struct`/`union` tag, a typedef name, a macro or an
/// enumerator) and, with `field`, the line of that member inside it.
pub fn definition_line(text: &str, item: &str, field: Option<&str>) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = if let Some(tag) = item
        .strip_prefix("struct ")
        .map(|t| ("struct", t))
        .or_else(|| item.strip_prefix("union ").map(|t| ("union", t)))
    {
        lines.iter().enumerate().position(|(i, l)| {
            let l = l.trim();
            let rest = l.strip_prefix(tag.0).map(str::trim_start);
            rest.and_then(|r| r.strip_prefix(tag.1)).is_some_and(|r| {
                let r = r.trim_start();
                r.starts_with('{')
                    || (r.is_empty() && lines.get(i + 1).is_some_and(|n| n.trim().starts_with('{')))
            })
        })?
    } else if let Some(i) = lines.iter().position(|l| {
        let t = l.trim_start();
        t.strip_prefix('#')
            .map(str::trim_start)
            .and_then(|t| t.strip_prefix("define"))
            .is_some_and(|r| {
                r.starts_with([' ', '\t'])
                    && r.trim_start().split(|c: char| !is_ident(c)).next() == Some(item)
            })
    }) {
        i
    } else {
        // An enumerator or a typedef name.
        lines.iter().position(|l| {
            let t = l.trim();
            (t.starts_with(item) && !t[item.len()..].starts_with(is_ident))
                || (t.starts_with('}') && has_word(t, item))
        })?
    };
    let Some(field) = field else {
        return Some(start + 1);
    };
    let last = field.rsplit('.').next().unwrap_or(field);
    let mut depth = 0i32;
    for (i, l) in lines.iter().enumerate().skip(start) {
        let code = l.split("/*").next().unwrap_or(l);
        if i > start && depth > 0 && has_word(code, last) {
            return Some(i + 1);
        }
        depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
        if i > start && depth <= 0 && code.contains('}') {
            break;
        }
    }
    Some(start + 1)
}

#[cfg(test)]
mod tests {
    use super::definition_line;

    const H: &str = "/* x */\n#define FOO_SIZE 4\nstruct foo {\n\t__u32 argsz;\n\t__u32 flags; /* argsz */\n\tunion {\n\t\t__u32 a;\n\t};\n};\nenum e {\n\tE_ONE = 1,\n\tE_TWO,\n};\ntypedef struct {\n\tint x;\n} foo_t;\n";

    #[test]
    fn finds_definitions_and_members() {
        assert_eq!(definition_line(H, "FOO_SIZE", None), Some(2));
        assert_eq!(definition_line(H, "struct foo", None), Some(3));
        assert_eq!(definition_line(H, "struct foo", Some("flags")), Some(5));
        assert_eq!(definition_line(H, "struct foo", Some("a")), Some(7));
        assert_eq!(definition_line(H, "E_TWO", None), Some(12));
        assert_eq!(definition_line(H, "foo_t", None), Some(16));
        assert_eq!(definition_line(H, "struct bar", None), None);
    }
}
