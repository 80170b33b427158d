//! A kernel source tree's UAPI headers as userspace sees them, pure text work: where a tree path
//! installs (`include/uapi/linux/vfio.h` -> `linux/vfio.h`), what `make headers_install` does to
//! a header that matters for compiling it, and which files a header includes.

use crate::model::Arch;

/// Where a file of the kernel tree lands under an include root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `include/uapi/<name>`: the same for every architecture.
    Generic(String),
    /// `arch/<karch>/include/uapi/<name>` (`asm/...`): only for that kernel architecture.
    Arch {
        /// The kernel's architecture directory (`x86`, `arm64`, ...).
        karch: String,
        /// The include name (`asm/kvm.h`).
        name: String,
    },
}

impl Location {
    /// The include name (`linux/vfio.h`, `asm/kvm.h`).
    pub fn name(&self) -> &str {
        match self {
            Location::Generic(n) => n,
            Location::Arch { name, .. } => name,
        }
    }
}

/// Maps a path of the kernel tree to where `headers_install` puts it; `None` for anything that
/// is not a UAPI header.
pub fn locate(path: &str) -> Option<Location> {
    if !path.ends_with(".h") || check_relative_path(path).is_err() {
        return None;
    }
    if let Some(rest) = path.strip_prefix("include/uapi/") {
        return Some(Location::Generic(rest.to_string()));
    }
    let rest = path.strip_prefix("arch/")?;
    let (karch, rest) = rest.split_once('/')?;
    let name = rest.strip_prefix("include/uapi/")?;
    Some(Location::Arch {
        karch: karch.to_string(),
        name: name.to_string(),
    })
}

/// The kernel's architecture directory for an ABI.
pub fn karch(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 | Arch::I386 => "x86",
        Arch::Aarch64 => "arm64",
        Arch::Arm => "arm",
        Arch::Riscv64 => "riscv",
        Arch::Ppc64le => "powerpc",
        Arch::S390x => "s390",
    }
}

/// A relative path that stays where it is put: no absolute path, no `..`, no empty or `.`
/// component, no backslash or NUL.
pub fn check_relative_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty path".into());
    }
    if path.starts_with('/') {
        return Err(format!("`{path}` is absolute"));
    }
    if path.contains('\\') || path.contains('\0') {
        return Err(format!("`{path}` contains a backslash or NUL"));
    }
    for c in path.split('/') {
        match c {
            ".." => return Err(format!("`{path}` climbs out with `..`")),
            "" | "." => return Err(format!("`{path}` has an empty or `.` component")),
            _ => {}
        }
    }
    Ok(())
}

/// What `headers_install` does to a header, as far as compiling it is concerned: the sparse
/// annotations `__user`, `__force`, `__iomem` and `__attribute_const__` are removed, `__packed`
/// becomes `__attribute__((packed))`, includes of `linux/compiler.h` and
/// `linux/compiler_types.h` are dropped, `_UAPI` is taken off include guards, and sections for
/// `__KERNEL__` are removed (`#ifdef __KERNEL__`, `#if defined(__KERNEL__)` and their `#else`
/// branches, as `unifdef -U__KERNEL__` does for these forms).
pub fn install(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // One entry per open conditional: Some(true) keep, Some(false) drop (a __KERNEL__ test),
    // None an unrelated conditional that is kept with its directives.
    let mut stack: Vec<Option<bool>> = Vec::new();
    let keeping = |stack: &[Option<bool>]| stack.iter().all(|s| *s != Some(false));
    for line in text.split_inclusive('\n') {
        let directive = directive(line);
        match directive
            .as_ref()
            .map(|(d, rest)| (d.as_str(), rest.as_str()))
        {
            Some(("ifdef", "__KERNEL__")) => {
                stack.push(Some(false));
                continue;
            }
            Some(("ifndef", "__KERNEL__")) => {
                stack.push(Some(true));
                continue;
            }
            Some(("if", rest)) if kernel_test(rest).is_some() => {
                stack.push(kernel_test(rest).map(|defined| !defined));
                continue;
            }
            Some(("if" | "ifdef" | "ifndef", _)) => stack.push(None),
            Some(("else", _)) => {
                if let Some(Some(keep)) = stack.last_mut() {
                    *keep = !*keep;
                    continue;
                }
            }
            Some(("endif", _)) => {
                if let Some(Some(_)) = stack.pop() {
                    continue;
                }
            }
            _ => {}
        }
        if !keeping(&stack) {
            continue;
        }
        if let Some((d, rest)) = &directive {
            if d == "include"
                && (rest == "<linux/compiler.h>" || rest == "<linux/compiler_types.h>")
            {
                continue;
            }
            if (d == "ifndef" || d == "define" || d == "endif") && line.contains("_UAPI") {
                out.push_str(&line.replacen("_UAPI", "", 1));
                continue;
            }
        }
        out.push_str(&strip_annotations(line));
    }
    out
}

/// `Some(true)` for `defined(__KERNEL__)`, `defined __KERNEL__` or `__KERNEL__`; `Some(false)`
/// for their negation; `None` for anything else.
fn kernel_test(cond: &str) -> Option<bool> {
    let c: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
    match c.as_str() {
        "defined(__KERNEL__)" | "defined__KERNEL__" | "__KERNEL__" => Some(true),
        "!defined(__KERNEL__)" | "!defined__KERNEL__" | "!__KERNEL__" => Some(false),
        _ => None,
    }
}

/// A preprocessor line as (directive, rest without comments), e.g. ("ifdef", "__KERNEL__").
fn directive(line: &str) -> Option<(String, String)> {
    let t = line.trim_start();
    let t = t.strip_prefix('#')?.trim_start();
    let end = t
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(t.len());
    let (name, rest) = t.split_at(end);
    let rest = rest.split("/*").next().unwrap_or("");
    let rest = rest.split("//").next().unwrap_or("");
    Some((name.to_string(), rest.trim().to_string()))
}

fn strip_annotations(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut word = String::new();
    // After a dropped annotation, the blank that followed it goes too (`void __user *p`).
    let mut dropped = false;
    let flush = |word: &mut String, out: &mut String| -> bool {
        let dropped = match word.as_str() {
            "__user" | "__force" | "__iomem" | "__attribute_const__" => true,
            "__packed" => {
                out.push_str("__attribute__((packed))");
                false
            }
            _ => {
                out.push_str(word);
                false
            }
        };
        word.clear();
        dropped
    };
    for c in line.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            dropped = false;
        } else {
            if !word.is_empty() {
                dropped = flush(&mut word, &mut out);
            }
            if dropped && (c == ' ' || c == '\t') {
                dropped = false;
                continue;
            }
            dropped = false;
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// One `#include` (or `#include_next`, `#import`, `#embed`) of a header, or an assembler
/// directive that reads a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// 1-based physical line where the directive starts.
    pub line: usize,
    /// What it names.
    pub target: IncludeTarget,
}

/// The operand of an include directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncludeTarget {
    /// `<path>`.
    Angle(String),
    /// `"path"`.
    Quoted(String),
    /// A macro or anything else the preprocessor would have to expand first.
    Computed(String),
    /// A string literal holding an assembler `.include` or `.incbin` (inline assembly reads
    /// files too).
    Assembler(String),
}

/// The header's text as the preprocessor sees its lines, after C's first translation phases:
/// every line ending (`\r\n`, `\n` or a lone `\r`) ends a line, trigraphs `??=` and `??/`
/// become `#` and `\\`, a backslash before a line ending (blanks may sit between, as clang
/// allows) splices the lines, and each comment becomes one space (a block comment may join
/// lines). Each logical line comes with the 1-based physical line it starts on. String and
/// character literals are kept whole, so a `/*` inside one starts no comment.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let text = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace("??=", "#")
        .replace("??/", "\\");
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut start_line = 1;
    let mut line = 1;
    let mut i = 0;
    // The quote character of an open string or character literal.
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            if let Some(next) = after_splice(&chars, i) {
                line += 1;
                i = next;
                continue;
            }
            current.push(c);
            if quote.is_some() && i + 1 < chars.len() && chars[i + 1] != '\n' {
                current.push(chars[i + 1]);
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if c == '\n' {
            lines.push((start_line, std::mem::take(&mut current)));
            line += 1;
            start_line = line;
            quote = None;
            i += 1;
            continue;
        }
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            current.push(c);
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('"' | '\'', _) => {
                quote = Some(c);
                current.push(c);
                i += 1;
            }
            ('/', Some('*')) => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
                current.push(' ');
            }
            ('/', Some('/')) => {
                // To the end of the line, splices included.
                while i < chars.len() && chars[i] != '\n' {
                    if let Some(next) = after_splice(&chars, i) {
                        line += 1;
                        i = next;
                        continue;
                    }
                    i += 1;
                }
                current.push(' ');
            }
            _ => {
                current.push(c);
                i += 1;
            }
        }
    }
    if !current.is_empty() {
        lines.push((start_line, current));
    }
    lines
}

/// Where the text resumes after a splice starting at `i` (a backslash, optional blanks, a line
/// ending), or `None` when `i` does not start one.
fn after_splice(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i) != Some(&'\\') {
        return None;
    }
    let mut j = i + 1;
    while matches!(chars.get(j), Some(' ' | '\t')) {
        j += 1;
    }
    (chars.get(j) == Some(&'\n')).then_some(j + 1)
}

/// The include directives of a header, in order, as the preprocessor would find them (see
/// [`logical_lines`]; `%:` is the digraph of `#`), and every string literal that holds an
/// assembler `.include` or `.incbin`.
pub fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    for (line, code) in logical_lines(text) {
        let t = code.trim_start();
        let directive = t
            .strip_prefix('#')
            .or_else(|| t.strip_prefix("%:"))
            .map(str::trim_start);
        if let Some(d) = directive {
            let end = d
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(d.len());
            let (name, operand) = d.split_at(end);
            if matches!(name, "include" | "include_next" | "import" | "embed") {
                found.push(Include {
                    line,
                    target: target_of(operand),
                });
                continue;
            }
        }
        // `__has_include(...)` opens the file to answer: checked like an include.
        let mut rest = code.as_str();
        while let Some(at) = rest.find("__has_include") {
            let after = &rest[at + "__has_include".len()..];
            let after = after.strip_prefix("_next").unwrap_or(after).trim_start();
            if let Some(inner) = after.strip_prefix('(') {
                let end = inner.find(')').unwrap_or(inner.len());
                found.push(Include {
                    line,
                    target: target_of(&inner[..end]),
                });
            }
            rest = after;
        }
        let lower = code.to_ascii_lowercase();
        if lower.contains(".incbin") || lower.contains(".include") {
            found.push(Include {
                line,
                target: IncludeTarget::Assembler(code.trim().to_string()),
            });
        }
    }
    found
}

/// What an include operand names: `<path>`, `"path"`, or anything else (computed).
fn target_of(operand: &str) -> IncludeTarget {
    let operand = operand.trim();
    if let Some(p) = operand.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        IncludeTarget::Angle(p.to_string())
    } else if let Some(p) = operand.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        IncludeTarget::Quoted(p.to_string())
    } else {
        IncludeTarget::Computed(operand.to_string())
    }
}

/// The kernel version (`major.minor`) of the headers under `root`, from `linux/version.h`.
pub fn kernel_version(root: &std::path::Path) -> Result<String, crate::Error> {
    let path = root.join("linux/version.h");
    let text = crate::input::read_text_bounded(&path, crate::input::HEADER_LIMIT)?;
    let code = text
        .lines()
        .filter_map(|l| l.strip_prefix("#define LINUX_VERSION_CODE "))
        .find_map(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| crate::Error::Snapshot {
            path: path.clone(),
            line: 0,
            message: "no numeric LINUX_VERSION_CODE".into(),
        })?;
    Ok(format!("{}.{}", code >> 16, (code >> 8) & 0xff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_uapi_paths() {
        assert_eq!(
            locate("include/uapi/linux/vfio.h"),
            Some(Location::Generic("linux/vfio.h".into()))
        );
        assert_eq!(
            locate("arch/x86/include/uapi/asm/kvm.h"),
            Some(Location::Arch {
                karch: "x86".into(),
                name: "asm/kvm.h".into()
            })
        );
        assert_eq!(locate("include/linux/vfio.h"), None);
        assert_eq!(locate("drivers/vfio/vfio.c"), None);
        assert_eq!(locate("include/uapi/../../etc/x.h"), None);
    }

    #[test]
    fn install_drops_kernel_sections_and_annotations() {
        let text =
            "#ifndef _UAPI_LINUX_X_H\n#define _UAPI_LINUX_X_H\n#include <linux/compiler.h>\n\
            #ifdef __KERNEL__\nint kernel_only;\n#else\nint user_only;\n#endif\n\
            #if defined(__KERNEL__)\nint k2;\n#endif\n#ifdef OTHER\nint other;\n#endif\n\
            struct s { void __user *p; } __packed;\n#endif /* _UAPI_LINUX_X_H */\n";
        let out = install(text);
        assert!(
            out.contains("#ifndef _LINUX_X_H\n#define _LINUX_X_H\n"),
            "{out}"
        );
        assert!(!out.contains("compiler.h"));
        assert!(!out.contains("kernel_only") && !out.contains("k2"), "{out}");
        assert!(out.contains("int user_only;"));
        assert!(out.contains("#ifdef OTHER\nint other;\n#endif\n"), "{out}");
        assert!(
            out.contains("struct s { void *p; } __attribute__((packed));"),
            "{out}"
        );
        assert!(out.ends_with("#endif /* _LINUX_X_H */\n"), "{out}");
    }

    #[test]
    fn finds_includes_outside_comments() {
        let text = "#include <linux/types.h>\n/* #include <no.h>\n #include \"no2.h\" */\n\
            # include \"local.h\"\n#include_next <x.h>\n#include FOO_H\n";
        let got = includes(text);
        assert_eq!(
            got.iter().map(|i| i.target.clone()).collect::<Vec<_>>(),
            vec![
                IncludeTarget::Angle("linux/types.h".into()),
                IncludeTarget::Quoted("local.h".into()),
                IncludeTarget::Angle("x.h".into()),
                IncludeTarget::Computed("FOO_H".into()),
            ]
        );
        assert_eq!(got[1].line, 4);
    }

    #[test]
    fn includes_are_found_however_the_preprocessor_would_see_them() {
        let canary = |t: &IncludeTarget| match t {
            IncludeTarget::Angle(p) | IncludeTarget::Quoted(p) => p == "/tmp/canary",
            IncludeTarget::Computed(p) | IncludeTarget::Assembler(p) => p.contains("canary"),
        };
        for (route, text) in [
            (
                "backslash-newline inside the directive",
                "#inc\\\nlude \"/tmp/canary\"\n",
            ),
            (
                "backslash, blanks, newline",
                "# \\  \ninclude \"/tmp/canary\"\n",
            ),
            ("digraph", "%:include \"/tmp/canary\"\n"),
            ("digraph with blanks", "  %:  include </tmp/canary>\n"),
            (
                "a comment before the hash",
                "/* x */ #include \"/tmp/canary\"\n",
            ),
            (
                "a comment joining lines",
                "#include /* a\nb */ \"/tmp/canary\"\n",
            ),
            (
                "a comment inside the directive name",
                "#/**/include \"/tmp/canary\"\n",
            ),
            (
                "bare CR line endings",
                "int a;\r#include \"/tmp/canary\"\rint b;\r",
            ),
            (
                "CRLF line endings",
                "int a;\r\n#include \"/tmp/canary\"\r\n",
            ),
            ("trigraph", "??=include \"/tmp/canary\"\n"),
            ("#embed", "#embed \"/tmp/canary\"\n"),
            (
                "asm .include",
                "__asm__(\".include \\\"/tmp/canary\\\"\");\n",
            ),
            ("asm .incbin", "asm(\".INCBIN \\\"/tmp/canary\\\"\");\n"),
            (
                "a line comment ending in a splice",
                "// x \\\n#include \"/tmp/other\"\n#include \"/tmp/canary\"\n",
            ),
            (
                "__has_include",
                "#if __has_include(\"/tmp/canary\")\n#endif\n",
            ),
            (
                "__has_include_next",
                "#if __has_include_next(</tmp/canary>)\n#endif\n",
            ),
        ] {
            let got = includes(text);
            assert!(got.iter().any(|i| canary(&i.target)), "{route}: {got:?}");
        }
        // A `/*` inside a string starts no comment that could hide a directive.
        let got = includes("char *s = \"/*\";\n#include \"/tmp/canary\"\n/* */\n");
        assert!(got.iter().any(|i| canary(&i.target)), "{got:?}");
        // The line reported is the physical line the directive starts on.
        let got = includes("a\r\nb\\\nc\n#include <x.h>\n");
        assert_eq!(got[0].line, 4);
    }

    #[test]
    fn relative_paths_cannot_escape() {
        assert!(check_relative_path("linux/x.h").is_ok());
        for bad in [
            "/etc/passwd",
            "../x.h",
            "linux/../../x",
            "a//b",
            "./x",
            "a\\b",
        ] {
            assert!(check_relative_path(bad).is_err(), "{bad}");
        }
    }
}
