//! Patch mails as sent to a mailing list: an mbox of one or several messages, each carrying a
//! `git diff`-style patch. Pure parsing: which files each patch touches, where its hunks start,
//! and whether any path could write outside the tree it is applied to.

use crate::uapi_tree::check_relative_path;

/// One message of the mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    /// 1-based position in the mbox.
    pub index: usize,
    /// The `Subject:` header, unfolded (empty if none).
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
    subject
}

/// `a/x` -> `x`; `/dev/null` -> `None`; quoted git paths are unquoted (octal escapes kept as
/// bytes). Every other path is checked with [`check_relative_path`].
fn diff_path(raw: &str, prefix: &str) -> Result<Option<String>, String> {
    let raw = raw.split('\t').next().unwrap_or(raw).trim_end();
    if raw == "/dev/null" {
        return Ok(None);
    }
    let unquoted = if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        unquote(inner)
    } else {
        raw.to_string()
    };
    let path = unquoted
        .strip_prefix(prefix)
        .ok_or_else(|| format!("path `{unquoted}` does not start with `{prefix}`"))?;
    check_relative_path(path)?;
    Ok(Some(path.to_string()))
}

fn unquote(s: &str) -> String {
    let mut bytes = Vec::new();
    let mut it = s.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&n @ b'0'..=b'7') = it.peek() {
                        v = v * 8 + u32::from(n - b'0');
                        it.next();
                    }
                }
                bytes.push(v as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn parse_diff(message: &str) -> Result<Vec<FilePatch>, String> {
    let mut files: Vec<FilePatch> = Vec::new();
    let mut pending_old: Option<Option<String>> = None;
    for line in message.lines() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            // Paths come again in ---/+++ or rename lines; a mode-only change has neither, so
            // take the b/ path here, checked like the others.
            let b = rest.rsplit_once(" b/").map(|(_, b)| format!("b/{b}"));
            let new_path = match b {
                Some(b) => diff_path(&b, "b/")?,
                None => None,
            };
            files.push(FilePatch {
                old_path: new_path.clone(),
                new_path,
                hunks: Vec::new(),
            });
            pending_old = None;
        } else if let Some(rest) = line.strip_prefix("--- ") {
            if rest.starts_with("a/") || rest.starts_with("\"a/") || rest == "/dev/null" {
                pending_old = Some(diff_path(rest, "a/")?);
            }
        } else if let Some(rest) = line.strip_prefix("+++ ") {
            let Some(old) = pending_old.take() else {
                continue;
            };
            let new = diff_path(rest, "b/")?;
            match files.last_mut() {
                Some(f) if f.hunks.is_empty() => {
                    f.old_path = old;
                    f.new_path = new;
                }
                _ => files.push(FilePatch {
                    old_path: old,
                    new_path: new,
                    hunks: Vec::new(),
                }),
            }
        } else if let Some(rest) = line
            .strip_prefix("rename from ")
            .or_else(|| line.strip_prefix("copy from "))
        {
            check_relative_path(rest)?;
            if let Some(f) = files.last_mut() {
                f.old_path = Some(rest.to_string());
            }
        } else if let Some(rest) = line
            .strip_prefix("rename to ")
            .or_else(|| line.strip_prefix("copy to "))
        {
            check_relative_path(rest)?;
            if let Some(f) = files.last_mut() {
                f.new_path = Some(rest.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("@@ -") {
            let Some(f) = files.last_mut() else { continue };
            let old = rest.split(' ').next().unwrap_or("");
            let (start, len) = match old.split_once(',') {
                Some((s, l)) => (s.parse().unwrap_or(0), l.parse().unwrap_or(0)),
                None => (old.parse().unwrap_or(0), 1),
            };
            f.hunks.push(Hunk {
                header: line.to_string(),
                old_start: start,
                old_len: len,
            });
        }
    }
    Ok(files)
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
            "--- a/include/x.h\n+++ b/include/../../../etc/passwd\n",
            "--- a/x\n+++ b//etc/passwd\n",
            "diff --git a/a b/a\nrename from a\nrename to ../../b\n",
            "--- \"a/x\"\n+++ \"b/\\056\\056/x\"\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_diff_is_an_error() {
        assert!(parse("Subject: hello\n\nno patch here\n").is_err());
    }
}
