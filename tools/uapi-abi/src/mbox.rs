//! Patch mails as sent to a mailing list: an mbox of one or several messages, each carrying a
//! `git diff`-style patch. Pure parsing: which files each patch touches, where its hunks start.
//!
//! File names are read the way `git apply -p1` reads them (C-quoted names unquoted, one leading
//! component stripped whatever it is, `rename from`/`copy from` lines taken whole, hunk bodies
//! skipped by their line counts so a `--- ` line inside a hunk is not a file header), and a name
//! that is absolute, climbs out with `..` or holds a control character is an error. This is for
//! subjects, hunks and early, readable errors: the bot's boundary is git's own account of the
//! paths a patch touches (`git apply --numstat`), not this parser.

use crate::uapi_tree::check_relative_path;

/// One message of the mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    /// 1-based position in the mbox.
    pub index: usize,
    /// The `Subject:` header, unfolded, control characters escaped (empty if none).
    pub subject: String,
    /// The whole message.
    pub text: String,
    /// The files its diff touches.
    pub files: Vec<FilePatch>,
}

/// The part of a patch for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePatch {
    /// Path before (`None` for a new file).
    pub old_path: Option<String>,
    /// Path after (`None` for a deleted file).
    pub new_path: Option<String>,
    /// The hunks, in order.
    pub hunks: Vec<Hunk>,
}

impl FilePatch {
    /// The path this file patch is known by: the new one, else the old one.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or("")
    }
}

/// One hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// The `@@ -a,b +c,d @@` line.
    pub header: String,
    /// First line of the hunk in the old file.
    pub old_start: u64,
    /// Number of old lines it covers.
    pub old_len: u64,
}

/// Splits an mbox into messages (a line starting with `From ` begins one; text without such a
/// line is one message) and parses each one's diff.
pub fn parse(text: &str) -> Result<Vec<Patch>, String> {
    let mut messages: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("From ") || messages.is_empty() {
            messages.push(String::new());
        }
        if let Some(m) = messages.last_mut() {
            m.push_str(line);
        }
    }
    let mut patches = Vec::new();
    for (i, m) in messages.into_iter().enumerate() {
        let files = parse_diff(&m).map_err(|e| format!("patch {}: {e}", i + 1))?;
        if files.is_empty() {
            // A cover letter or reply without a diff.
            continue;
        }
        patches.push(Patch {
            index: i + 1,
            subject: subject(&m),
            text: m,
            files,
        });
    }
    if patches.is_empty() {
        return Err("no patch found (no `diff --git` or `---`/`+++` file headers)".into());
    }
    Ok(patches)
}

/// Bytes for a message: printable ASCII and other printable characters as they are, control
/// characters and invalid UTF-8 as escapes (`\n`, `\x1b`, `\u{202e}`), so a hostile name cannot
/// rewrite the terminal or the log it is printed to.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\\' => out.push_str("\\\\"),
                ' '..='~' => out.push(c),
                c if c.is_control() || is_format_char(c) => {
                    if (c as u32) < 0x80 {
                        out.push_str(&format!("\\x{:02x}", c as u32));
                    } else {
                        out.push_str(&format!("\\u{{{:x}}}", c as u32));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Invisible characters that reorder or hide text (bidirectional controls, zero-width ones).
fn is_format_char(c: char) -> bool {
    matches!(c as u32, 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2069 | 0xfeff)
}

/// A path a patch may name: no control character (reported escaped), then
/// [`check_relative_path`]'s rules (not absolute, no `..`, no empty or `.` component).
pub fn check_path(path: &str) -> Result<(), String> {
    if path.chars().any(|c| c.is_control()) {
        return Err(format!(
            "`{}` contains a control character",
            escape(path.as_bytes())
        ));
    }
    check_relative_path(path).map_err(|e| escape(e.as_bytes()))
}

fn subject(message: &str) -> String {
    let mut lines = message.lines();
    let mut subject = String::new();
    while let Some(l) = lines.next() {
        if l.is_empty() {
            break;
        }
        if let Some(s) = l.strip_prefix("Subject:") {
            subject = s.trim().to_string();
            // Folded continuation lines.
            for next in lines.by_ref() {
                if next.starts_with(' ') || next.starts_with('\t') {
                    subject.push(' ');
                    subject.push_str(next.trim());
                } else {
                    break;
                }
            }
            break;
        }
    }
    if subject.chars().any(|c| c.is_control() || is_format_char(c)) {
        subject = escape(subject.as_bytes());
    }
    subject
}

/// Unquotes a C-style quoted name as git writes it (`"a/x\"y\303\251"`): `s` starts at the
/// opening quote. Returns the bytes and the rest after the closing quote; `None` when the
/// quoting is malformed (git refuses such a name too).
fn unquote_c(s: &str) -> Option<(Vec<u8>, &str)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'"' => return Some((out, &s[i + 1..])),
            b'\\' => {
                let e = *b.get(i + 1)?;
                i += 2;
                let v = match e {
                    b'0'..=b'3' => {
                        let d1 = *b.get(i)?;
                        let d2 = *b.get(i + 1)?;
                        if !(b'0'..=b'7').contains(&d1) || !(b'0'..=b'7').contains(&d2) {
                            return None;
                        }
                        i += 2;
                        ((e - b'0') << 6) | ((d1 - b'0') << 3) | (d2 - b'0')
                    }
                    e => simple_escape(e)?,
                };
                out.push(v);
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

/// The byte of a one-letter C escape (`\\n`, `\\"`).
fn simple_escape(e: u8) -> Option<u8> {
    Some(match e {
        b'a' => 7,
        b'b' => 8,
        b'f' => 12,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 11,
        b'\\' => b'\\',
        b'"' => b'"',
        _ => return None,
    })
}

/// Drops one leading component (`-p1`) of a `diff --git` name, as git's `skip_tree_prefix`:
/// `x/include/a.h` -> `include/a.h`, whatever `x` is; a name without a slash, or starting with
/// one, has no component to drop.
fn strip_one(name: &[u8]) -> Option<&[u8]> {
    let slash = name.iter().position(|&c| c == b'/')?;
    if slash == 0 {
        return None;
    }
    Some(&name[slash + 1..])
}

/// Drops one leading component of a `---`/`+++` name, as git's `find_name`: everything up to
/// the first slash, which may be the first byte (`/etc/x` -> `etc/x`, `b//etc/x` -> `/etc/x`).
fn strip_through_slash(name: &[u8]) -> Option<&[u8]> {
    let slash = name.iter().position(|&c| c == b'/')?;
    Some(&name[slash + 1..])
}

/// A name as text, checked with [`check_path`].
fn checked(name: Vec<u8>) -> Result<String, String> {
    let name =
        String::from_utf8(name).map_err(|e| format!("`{}` is not UTF-8", escape(e.as_bytes())))?;
    check_path(&name)?;
    Ok(name)
}

/// The single name of a `diff --git A B` line when both sides name the same file after `-p1`
/// (git's rule: the name must show up twice), quoted or not; `None` otherwise.
fn git_header_name(rest: &str) -> Result<Option<Vec<u8>>, String> {
    if rest.starts_with('"') {
        let (first, after) = unquote_c(rest).ok_or_else(|| bad_quoting(rest))?;
        let Some(first) = strip_one(&first) else {
            return Ok(None);
        };
        let after = after.trim_start_matches([' ', '\t']);
        let second = if after.starts_with('"') {
            unquote_c(after).ok_or_else(|| bad_quoting(after))?.0
        } else {
            after.as_bytes().to_vec()
        };
        return Ok((strip_one(&second) == Some(first)).then(|| first.to_vec()));
    }
    let Some(name) = strip_one(rest.as_bytes()) else {
        return Ok(None);
    };
    if let Some(q) = name.iter().position(|&c| c == b'"') {
        // An unquoted first name, a quoted second one.
        let quoted = &rest[rest.len() - name.len() + q..];
        let (second, _) = unquote_c(quoted).ok_or_else(|| bad_quoting(quoted))?;
        let Some(second) = strip_one(&second) else {
            return Ok(None);
        };
        let sep = name.get(second.len());
        let same =
            second.len() < q && name.starts_with(second) && matches!(sep, Some(b' ') | Some(b'\t'));
        return Ok(same.then(|| second.to_vec()));
    }
    // Both unquoted: a space or tab splits them where the two halves match, the second's
    // first component running from the separator to the next slash.
    for (len, &c) in name.iter().enumerate() {
        if c != b' ' && c != b'\t' {
            continue;
        }
        if let Some(second) = strip_through_slash(&name[len..]) {
            if second == &name[..len] {
                return Ok(Some(second.to_vec()));
            }
        }
    }
    Ok(None)
}

fn bad_quoting(s: &str) -> String {
    format!("malformed quoted name `{}`", escape(s.as_bytes()))
}

/// A `---`/`+++` name with `-p1`: `/dev/null` is `Some(None)`; a name ends at a tab (a
/// timestamp follows); `None` when there is no component to strip.
fn dash_name(raw: &str) -> Result<Option<Option<Vec<u8>>>, String> {
    let raw = raw.split('\t').next().unwrap_or(raw);
    if raw == "/dev/null" {
        return Ok(Some(None));
    }
    let full = if raw.starts_with('"') {
        unquote_c(raw).ok_or_else(|| bad_quoting(raw))?.0
    } else {
        raw.as_bytes().to_vec()
    };
    Ok(strip_through_slash(&full).map(|n| Some(n.to_vec())))
}

/// A `rename from`/`copy to` name: the whole rest of the line, unquoted.
fn whole_name(raw: &str) -> Result<Vec<u8>, String> {
    if raw.starts_with('"') {
        Ok(unquote_c(raw).ok_or_else(|| bad_quoting(raw))?.0)
    } else {
        Ok(raw.as_bytes().to_vec())
    }
}

/// A name from the mail: `None` is /dev/null.
type Name = Option<Vec<u8>>;

/// The header lines git reads after `diff --git` before the hunks.
const GIT_HEADER_LINES: [&str; 9] = [
    "old mode ",
    "new mode ",
    "index ",
    "similarity index ",
    "dissimilarity index ",
    "GIT binary patch",
    "Binary files ",
    "literal ",
    "delta ",
];

/// The longest line names are read from: paths are at most 4096 bytes (PATH_MAX), four times
/// that when every byte is an octal escape.
const MAX_NAME_LINE: usize = 16 << 10;
/// The most blanks (spaces, tabs) in a `diff --git` line. git splits an unquoted line by trying
/// every blank and scanning from it to the next slash, quadratic in the line (a 200 KB line
/// of spaces takes it 9 s), and a mail must not be able to stall the bot that way.
const MAX_HEADER_BLANKS: usize = 64;

/// Refuses a file-header line too long (or, for `diff --git`, with too many blanks) for a name.
fn check_header_line(line: &str, number: usize) -> Result<(), String> {
    let blanks = line.bytes().filter(|&b| b == b' ' || b == b'\t').count();
    if line.len() > MAX_NAME_LINE || (line.starts_with("diff --git ") && blanks > MAX_HEADER_BLANKS)
    {
        return Err(format!(
            "line {number}: a file header of {} bytes with {blanks} blanks is not a path git could use",
            line.len()
        ));
    }
    Ok(())
}

/// Lines that name files, in a git header or a traditional patch.
const NAME_LINES: [&str; 9] = [
    "diff --git ",
    "--- ",
    "+++ ",
    "rename from ",
    "rename to ",
    "rename old ",
    "rename new ",
    "copy from ",
    "copy to ",
];

fn parse_diff(message: &str) -> Result<Vec<FilePatch>, String> {
    // Lines without their `\n` and a trailing `\r` (git ends a name at a carriage return).
    let lines: Vec<&str> = message
        .split_inclusive('\n')
        .map(|l| l.strip_suffix('\n').unwrap_or(l))
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut files: Vec<FilePatch> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("diff --git ") {
            check_header_line(line, i + 1)?;
        }
        let (old, new) = if let Some(rest) = line.strip_prefix("diff --git ") {
            i += 1;
            git_file(rest, &lines, &mut i)?
        } else if line.starts_with("--- ")
            && lines.get(i + 1).is_some_and(|l| l.starts_with("+++ "))
            && lines.get(i + 2).is_some_and(|l| l.starts_with("@@ "))
        {
            check_header_line(line, i + 1)?;
            check_header_line(lines[i + 1], i + 2)?;
            let first = dash_name(&line[4..])?;
            let second = dash_name(&lines[i + 1][4..])?;
            i += 2;
            traditional_names(first, second)
        } else {
            i += 1;
            continue;
        };
        if old.is_none() && new.is_none() {
            return Err(format!(
                "the file header ending at line {i} names no file (after removing one leading component)"
            ));
        }
        let mut file = FilePatch {
            old_path: old.map(checked).transpose()?,
            new_path: new.map(checked).transpose()?,
            hunks: Vec::new(),
        };
        while let Some(h) = lines.get(i).and_then(|l| l.strip_prefix("@@ -")) {
            let (hunk, new_len) = hunk_header(lines[i], h);
            let (mut old_left, mut new_left) = (hunk.old_len, new_len);
            file.hunks.push(hunk);
            i += 1;
            // The body, by its counts, as git reads it.
            while old_left > 0 || new_left > 0 {
                let Some(l) = lines.get(i) else { break };
                match l.as_bytes().first() {
                    None | Some(b' ') => {
                        old_left = old_left.saturating_sub(1);
                        new_left = new_left.saturating_sub(1);
                    }
                    Some(b'-') => old_left = old_left.saturating_sub(1),
                    Some(b'+') => new_left = new_left.saturating_sub(1),
                    Some(b'\\') => {}
                    // A corrupt hunk: git refuses the patch and says why.
                    Some(_) => break,
                }
                i += 1;
            }
            while lines.get(i).is_some_and(|l| l.starts_with('\\')) {
                i += 1;
            }
        }
        files.push(file);
    }
    Ok(files)
}

/// The header of one file of a git diff (`rest` is what follows `diff --git `; `i` is at the
/// line after it and is left at the first line that is not a header line).
fn git_file(rest: &str, lines: &[&str], i: &mut usize) -> Result<(Name, Name), String> {
    let def = git_header_name(rest)?;
    let (mut old, mut new): (Option<Name>, Option<Name>) = (None, None);
    let (mut is_new, mut is_delete) = (false, false);
    while let Some(&l) = lines.get(*i) {
        if l.starts_with("diff --git ") || l.starts_with("@@ ") {
            break;
        }
        if NAME_LINES.iter().any(|p| l.starts_with(p)) {
            check_header_line(l, *i + 1)?;
        }
        if let Some(r) = l.strip_prefix("--- ") {
            if let Some(n) = dash_name(r)? {
                old = Some(n);
            }
        } else if let Some(r) = l.strip_prefix("+++ ") {
            if let Some(n) = dash_name(r)? {
                new = Some(n);
            }
        } else if l.starts_with("new file mode ") {
            is_new = true;
        } else if l.starts_with("deleted file mode ") {
            is_delete = true;
        } else if let Some(r) = ["rename from ", "rename old ", "copy from "]
            .iter()
            .find_map(|p| l.strip_prefix(p))
        {
            old = Some(Some(whole_name(r)?));
        } else if let Some(r) = ["rename to ", "rename new ", "copy to "]
            .iter()
            .find_map(|p| l.strip_prefix(p))
        {
            new = Some(Some(whole_name(r)?));
        } else if !GIT_HEADER_LINES.iter().any(|p| l.starts_with(p)) {
            break;
        }
        *i += 1;
    }
    // Explicit names win; the `diff --git` name stands for both when there are none.
    let old = if is_new {
        None
    } else {
        old.unwrap_or_else(|| def.clone())
    };
    let new = if is_delete { None } else { new.unwrap_or(def) };
    Ok((old, new))
}

/// The names of a traditional `---`/`+++` patch as git takes them: /dev/null on one side makes
/// a creation or a deletion; otherwise git uses one name for both sides, the first when it is a
/// shorter prefix of the second (`x.h` against `x.h.orig`), else the second.
fn traditional_names(first: Option<Name>, second: Option<Name>) -> (Name, Name) {
    match (first, second) {
        (Some(None), s) => (None, s.flatten()),
        (f, Some(None)) => (f.flatten(), None),
        (Some(Some(f)), Some(Some(s))) => {
            let name = if f.len() < s.len() && s.starts_with(&f) {
                f
            } else {
                s
            };
            (Some(name.clone()), Some(name))
        }
        (f, s) => {
            let name = s.flatten().or(f.flatten());
            (name.clone(), name)
        }
    }
}

/// `@@ -a,b +c,d @@ ...` (`rest` follows `@@ -`): the hunk and its new line count; lengths
/// default to 1, unreadable numbers to 0.
fn hunk_header(line: &str, rest: &str) -> (Hunk, u64) {
    let range = |s: &str| -> (u64, u64) {
        match s.split_once(',') {
            Some((a, l)) => (a.parse().unwrap_or(0), l.parse().unwrap_or(0)),
            None => (s.parse().unwrap_or(0), 1),
        }
    };
    let mut parts = rest.split(' ');
    let (old_start, old_len) = range(parts.next().unwrap_or(""));
    let new = parts.next().and_then(|p| p.strip_prefix('+')).unwrap_or("");
    let (_, new_len) = range(new);
    (
        Hunk {
            header: line.to_string(),
            old_start,
            old_len,
        },
        new_len,
    )
}

/// The body of the `mbox_parse` fuzz target (and its stable replay). The oracle, on arbitrary
/// bytes read as text like the bot reads a mail:
/// - [`parse`] never panics and is deterministic;
/// - every path it returns passes [`check_path`] and [`check_relative_path`], and occurs in the
///   input, as written or after unquoting;
/// - every patch has a file, a file has a path, indexes grow, a patch's text is part of the
///   input and holds its hunk headers;
/// - subjects hold no control character.
pub fn fuzz_parse(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let first = parse(&text);
    if first != parse(&text) {
        return Err("parse is not deterministic".into());
    }
    let Ok(patches) = first else {
        return Ok(());
    };
    let unquoted = unescape_all(text.as_bytes());
    let mut last = 0;
    for p in &patches {
        if p.index <= last {
            return Err(format!("patch index {} after {last}", p.index));
        }
        last = p.index;
        if p.files.is_empty() {
            return Err(format!("patch {} has no file", p.index));
        }
        if p.subject.chars().any(char::is_control) {
            return Err(format!(
                "patch {}: control character in the subject",
                p.index
            ));
        }
        if !text.contains(p.text.as_str()) {
            return Err(format!("patch {}: text is not part of the input", p.index));
        }
        for f in &p.files {
            if f.path().is_empty() {
                return Err(format!("patch {}: a file without a path", p.index));
            }
            for path in [&f.old_path, &f.new_path].into_iter().flatten() {
                check_path(path).map_err(|e| format!("patch {}: returned {e}", p.index))?;
                check_relative_path(path).map_err(|e| format!("patch {}: {e}", p.index))?;
                let b = path.as_bytes();
                if !contains(text.as_bytes(), b) && !contains(&unquoted, b) {
                    return Err(format!(
                        "patch {}: `{}` is not in the input",
                        p.index,
                        escape(b)
                    ));
                }
            }
            for h in &f.hunks {
                if !p.text.contains(h.header.as_str()) {
                    return Err(format!("patch {}: hunk header not in its text", p.index));
                }
            }
        }
    }
    Ok(())
}

/// The input with every C escape git's quoting uses replaced by its byte (malformed ones kept).
fn unescape_all(b: &[u8]) -> Vec<u8> {
    let octal = |c: Option<&u8>| c.copied().filter(|c| (b'0'..=b'7').contains(c));
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if let (Some(d0 @ b'0'..=b'3'), Some(d1), Some(d2)) = (
                b.get(i + 1).copied(),
                octal(b.get(i + 2)),
                octal(b.get(i + 3)),
            ) {
                out.push(((d0 - b'0') << 6) | ((d1 - b'0') << 3) | (d2 - b'0'));
                i += 4;
                continue;
            }
            if let Some(v) = b.get(i + 1).and_then(|&e| simple_escape(e)) {
                out.push(v);
                i += 2;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 1/2] one\n\n---\n\
        diff --git a/include/uapi/linux/x.h b/include/uapi/linux/x.h\n--- a/include/uapi/linux/x.h\n\
        +++ b/include/uapi/linux/x.h\n@@ -10,6 +10,7 @@ struct x {\n+\tint y;\n\
        From 2 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 2/2]\n two\n\n\
        diff --git a/drivers/a.c b/drivers/a.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/a.c\n@@ -0,0 +1 @@\n+x\n";

    #[test]
    fn splits_messages_and_finds_files_and_hunks() {
        let p = parse(TWO).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].subject, "[PATCH 1/2] one");
        assert_eq!(p[1].subject, "[PATCH 2/2] two");
        assert_eq!(p[0].files[0].path(), "include/uapi/linux/x.h");
        assert_eq!(p[0].files[0].hunks[0].old_start, 10);
        assert_eq!(p[0].files[0].hunks[0].old_len, 6);
        assert_eq!(p[1].files[0].old_path, None);
        assert_eq!(p[1].files[0].new_path.as_deref(), Some("drivers/a.c"));
    }

    #[test]
    fn refuses_paths_that_leave_the_tree() {
        for bad in [
            "diff --git a/../x b/../x\n--- a/../x\n+++ b/../x\n",
            "--- a/include/x.h\n+++ b/include/../../../etc/passwd\n@@ -1 +1 @@\n",
            "--- a/x\n+++ b//etc/passwd\n@@ -1 +1 @@\n",
            "diff --git a/a b/a\nrename from a\nrename to ../../b\n",
            "--- \"a/x\"\n+++ \"b/\\056\\056/x\"\n@@ -1 +1 @@\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    /// The forms git accepts that the first parser let through (issue 15).
    #[test]
    fn reads_names_the_way_git_apply_p1_does() {
        for (bad, why) in [
            // Quoted `diff --git` names with no ---/+++ lines (an empty new file).
            (
                "diff --git \"a/include/uapi/../../../X\" \"b/include/uapi/../../../X\"\nnew file mode 100644\n",
                "climbs out",
            ),
            // Any first component is stripped, not only a/ and b/.
            (
                "--- x/include/uapi/../../X\n+++ y/include/uapi/../../X\n@@ -0,0 +1 @@\n+owned\n",
                "climbs out",
            ),
            // Octal escapes in a quoted rename target.
            (
                "diff --git \"a/include/uapi/a.h\" \"b/include/uapi/\\056\\056/b.h\"\n\
                 rename from include/uapi/a.h\nrename to \"include/uapi/\\056\\056/\\056\\056/b.h\"\n",
                "climbs out",
            ),
            // The old spelling of rename lines, and a copy source.
            (
                "diff --git a/x b/y\nrename old ../x\nrename new include/uapi/y.h\n",
                "climbs out",
            ),
            (
                "diff --git a/x b/y\ncopy from \"/etc/passwd\"\ncopy to include/uapi/y.h\n",
                "absolute",
            ),
            // A newline in a quoted name.
            (
                "diff --git \"a/include/uapi/x\\n.h\" \"b/include/uapi/x\\n.h\"\nnew file mode 100644\n",
                "`include/uapi/x\\n.h` contains a control character",
            ),
            // Malformed quoting is refused, as git refuses it.
            (
                "diff --git \"a/include/uapi/x\\q.h\" \"b/include/uapi/x\\q.h\"\nnew file mode 100644\n",
                "malformed quoted name",
            ),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn quoted_and_prefixed_names_are_unquoted_and_stripped() {
        let p = parse(
            "diff --git \"a/include/uapi/linux/caf\\303\\251.h\" \"b/include/uapi/linux/caf\\303\\251.h\"\n\
             new file mode 100644\nindex 0000000..e69de29\n\n\
             --- x/include/uapi/linux/t.h\n+++ y/include/uapi/linux/t.h\n@@ -1 +1,2 @@\n a\n+b\n\
             diff --git a/include/uapi/linux/o.h b/include/uapi/linux/n.h\nsimilarity index 90%\n\
             rename from include/uapi/linux/o.h\nrename to \"include/uapi/linux/n.h\"\n\
             diff --git a/include/uapi/linux/a b.h b/include/uapi/linux/a b.h\ndeleted file mode 100644\n",
        )
        .unwrap();
        let names: Vec<(Option<&str>, Option<&str>)> = p[0]
            .files
            .iter()
            .map(|f| (f.old_path.as_deref(), f.new_path.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                (None, Some("include/uapi/linux/café.h")),
                (
                    Some("include/uapi/linux/t.h"),
                    Some("include/uapi/linux/t.h")
                ),
                (
                    Some("include/uapi/linux/o.h"),
                    Some("include/uapi/linux/n.h")
                ),
                (Some("include/uapi/linux/a b.h"), None),
            ]
        );
    }

    #[test]
    fn a_file_header_inside_a_hunk_is_hunk_text() {
        // `--- x` and `+++ y` here are a removed `-- x` and an added `++ y` line.
        let p = parse(
            "diff --git a/include/uapi/a.h b/include/uapi/a.h\n--- a/include/uapi/a.h\n\
             +++ b/include/uapi/a.h\n@@ -1,2 +1,2 @@\n--- /../../etc/x\n+++ /../../etc/x\n\
             @@ -5 +5 @@\n-a\n+b\n",
        )
        .unwrap();
        assert_eq!(p[0].files.len(), 1);
        assert_eq!(p[0].files[0].hunks.len(), 2);
    }

    #[test]
    fn traditional_patches_use_one_name_as_git_does() {
        let p = parse(
            "--- a/include/uapi/x.h.orig\t2020-01-01\n+++ b/include/uapi/x.h\n@@ -1 +1 @@\n-a\n+b\n",
        )
        .unwrap();
        assert_eq!(p[0].files[0].old_path.as_deref(), Some("include/uapi/x.h"));
        assert_eq!(p[0].files[0].new_path.as_deref(), Some("include/uapi/x.h"));
    }

    #[test]
    fn control_characters_are_escaped_in_subjects_and_messages() {
        let p = parse(
            "Subject: \x1b[2Jclear \u{202e}txt\n\ndiff --git a/x/a b/x/a\nnew file mode 100644\n",
        )
        .unwrap();
        assert_eq!(p[0].subject, "\\x1b[2Jclear \\u{202e}txt");
        assert_eq!(escape(b"a\nb\xff\x7f"), "a\\nb\\xff\\x7f");
    }

    #[test]
    fn header_lines_too_long_or_blank_for_a_name_are_refused_quickly() {
        let spaces = format!(
            "diff --git a/{}\nnew file mode 100644\n",
            " ".repeat(200_000)
        );
        let start = std::time::Instant::now();
        let e = parse(&spaces).unwrap_err();
        assert!(e.contains("200013 bytes with 200002 blanks"), "{e}");
        assert!(start.elapsed().as_secs() < 2);
        let long = format!(
            "--- a/{}\n+++ b/x\n@@ -1 +1 @@\n",
            "x".repeat(MAX_NAME_LINE)
        );
        assert!(parse(&long).unwrap_err().contains("line 1"));
        // A name with a few spaces is fine.
        assert!(parse("diff --git a/x y b/x y\nnew file mode 100644\n").is_ok());
    }

    #[test]
    fn no_diff_is_an_error() {
        assert!(parse("Subject: hello\n\nno patch here\n").is_err());
    }

    #[test]
    fn the_fuzz_body_accepts_good_input_and_unescapes_like_git() {
        fuzz_parse(TWO.as_bytes()).unwrap();
        assert!(unescape_all(b"\"a/caf\\303\\251\\n\\q\"") == "\"a/café\n\\q\"".as_bytes());
        assert!(contains(b"abc", b"bc") && !contains(b"abc", b"cb"));
    }
}
