//! `uapi-guard bot` end to end on real git repositories the tests create: compatible changes,
//! breaks, a change to an included header, non-UAPI changes, bad refs, the seed's patch mail,
//! and hostile changes (escaping includes, a compile that runs long, `../` patch paths, markup in
//! names). Markdown goldens live in `tests/golden/bot-*.md` (bless with UAPI_GUARD_BLESS=1).

mod common;

use common::compare_golden;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "common/repo.rs"]
mod repo;

use repo::Repo;

/// Every file of the work tree and .git with its contents, to prove nothing changed.
fn fingerprint(r: &Repo) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    fn walk(d: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(d).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    walk(r.path(), &mut out);
    out
}

fn bot(repo: &Repo, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
        .arg("bot")
        .arg("--repo")
        .arg(repo.path())
        .args(["--arch", "x86_64,i386"])
        .args(extra)
        .output()
        .expect("uapi-guard runs")
}

/// The JSON report a bot run printed.
fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", err(o)))
}

/// The findings of `rule` on `item` in a JSON report.
fn found<'a>(v: &'a serde_json::Value, rule: &str, item: &str) -> Vec<&'a serde_json::Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["item"] == item)
        .collect()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const FOO: &str = "#ifndef _UAPI_LINUX_FOO_H\n#define _UAPI_LINUX_FOO_H\n\
#include <linux/types.h>\n#include <linux/ioctl.h>\n\n\
struct foo_args {\n\t__u32 argsz;\n\t__u32 flags;\n\t__u64 addr;\n};\n\
#define FOO_SET _IO('f', 1)\n\n\
#ifdef __KERNEL__\nvoid foo_kernel_only(void __user *p);\n#endif\n\
#endif /* _UAPI_LINUX_FOO_H */\n";

const BAR: &str = "#ifndef _UAPI_LINUX_BAR_H\n#define _UAPI_LINUX_BAR_H\n\
#include <linux/foo.h>\n\nstruct bar {\n\t__u32 x;\n\t__u32 pad;\n\tstruct foo_args inner;\n};\n\
#endif\n";

/// A small kernel-like tree: foo.h, bar.h including it, a driver file.
fn base_repo() -> (Repo, String) {
    let r = Repo::new();
    r.write("include/uapi/linux/foo.h", FOO);
    r.write("include/uapi/linux/bar.h", BAR);
    r.write("drivers/foo/foo.c", "int foo;\n");
    let base = r.commit("base");
    (r, base)
}

#[test]
fn a_compatible_change_exits_4() {
    let (r, base) = base_repo();
    r.write(
        "include/uapi/linux/foo.h",
        &FOO.replace(
            "#define FOO_SET _IO('f', 1)\n",
            "#define FOO_SET _IO('f', 1)\n#define FOO_FLAG_NEW (1 << 3)\nstruct foo_new { __u32 argsz; __u32 x; };\n",
        ),
    );
    r.commit("foo: add a flag and a struct");
    let o = bot(&r, &["--base", &base, "--head", "HEAD", "--format", "json"]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let v = json(&o);
    assert_eq!(v["summary"]["break"], 0, "{v}");
    assert!(
        !found(&v, "constant-added", "FOO_FLAG_NEW").is_empty(),
        "{v}"
    );
    assert!(
        !found(&v, "record-added", "struct foo_new").is_empty(),
        "{v}"
    );
}

#[test]
fn tail_growth_is_compatible_but_breaks_the_struct_embedding_it() {
    let (r, base) = base_repo();
    r.write(
        "include/uapi/linux/foo.h",
        &FOO.replace("\t__u64 addr;\n", "\t__u64 addr;\n\t__u64 extra;\n"),
    );
    r.commit("foo: grow at the tail");
    let before = fingerprint(&r);
    let o = bot(&r, &["--base", &base, "--head", "HEAD", "--format", "json"]);
    assert_eq!(o.status.code(), Some(12), "{}", err(&o));
    let v = json(&o);
    // foo_args may grow (argsz first, _IO ioctl) ...
    let tail = found(&v, "record-tail-extension", "struct foo_args");
    assert!(tail.iter().any(|f| f["severity"] == "compatible"), "{v}");
    // ... but bar embeds it and has no argsz: its growth is a break.
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["item"] == "struct bar" && f["severity"] == "break"),
        "{v}"
    );
    assert_eq!(before, fingerprint(&r), "the repository was modified");
}

#[test]
fn a_break_in_an_included_header_is_followed_into_the_headers_that_include_it() {
    let (r, base) = base_repo();
    r.write(
        "include/uapi/linux/foo.h",
        &FOO.replace("\t__u64 addr;\n", "\t__u32 inserted;\n\t__u64 addr;\n"),
    );
    r.commit("foo: insert a field");
    let o = bot(&r, &["--base", &base, "--head", "HEAD"]);
    assert_eq!(o.status.code(), Some(12), "{}", err(&o));
    let md = out(&o);
    assert!(
        md.contains("changed linux/foo\\.h; including them: linux/bar\\.h"),
        "{md}"
    );
    assert!(md.contains("**field-inserted** struct foo\\_args"), "{md}");
    // One finding on the embedded record names every record that breaks with it.
    assert!(
        md.contains("**embedded-record-changed** struct foo\\_args")
            && md.contains("struct bar (as inner)"),
        "{md}"
    );
    assert!(
        md.contains("<details><summary>snapshot diff</summary>"),
        "{md}"
    );
    compare_golden("bot-break.md", &md.replace(&base[..12], "BASE"));
}

#[test]
fn a_change_outside_the_uapi_is_nothing_to_review() {
    let (r, base) = base_repo();
    r.write("drivers/foo/foo.c", "int foo = 1;\n");
    r.write(
        "include/linux/foo_internal.h",
        "struct internal { int x; };\n",
    );
    r.commit("driver only");
    let o = bot(&r, &["--base", &base, "--head", "HEAD"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("nothing to review"), "{}", out(&o));
}

#[test]
fn refs_that_do_not_exist_are_a_clear_error() {
    let (r, base) = base_repo();
    let o = bot(&r, &["--base", &base, "--head", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("ref `no-such-branch` does not name a commit"),
        "{}",
        err(&o)
    );
    // A ref that looks like an option stays a ref.
    let o = bot(
        &r,
        &[
            "--base=--upload-pack=touch /tmp/uapi-guard-pwned",
            "--head",
            "HEAD",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("does not name a commit"), "{}", err(&o));
    assert!(!Path::new("/tmp/uapi-guard-pwned").exists());
    let o = bot(&r, &["--base", &base]);
    assert_eq!(o.status.code(), Some(2), "--head or --patch is required");
}

/// The seed's base: the fixture vfio.h without the patch's block, and the v5.5 iommu.h.
fn seed_base() -> (Repo, String) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../abi-snapshots/fixtures");
    let vfio = std::fs::read_to_string(fixtures.join("vfio-seed-v1/linux/vfio.h")).unwrap();
    let start = vfio.find("/* The seed patch, as posted. */").unwrap();
    let end = vfio.find("#endif /* _UAPIVFIO_H */").unwrap();
    let base_vfio = format!("{}{}", &vfio[..start], &vfio[end..]);
    let iommu = std::fs::read_to_string(fixtures.join("iommu-5.5/linux/iommu.h")).unwrap();
    let r = Repo::new();
    r.write("include/uapi/linux/vfio.h", &base_vfio);
    r.write("include/uapi/linux/iommu.h", &iommu);
    let base = r.commit("base");
    (r, base)
}

fn seed_mbox() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bot/seed-v1-7-8.mbox")
}

#[test]
fn the_seed_patch_mail_is_reviewed_as_the_maintainer_did() {
    let (r, base) = seed_base();
    let before = fingerprint(&r);
    let mbox = seed_mbox();
    let o = bot(
        &r,
        &[
            "--base",
            &base,
            "--patch",
            mbox.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let v = json(&o);
    let has = |rule: &str, item: &str| !found(&v, rule, item).is_empty();
    assert!(has("ioctl-added", "VFIO_IOMMU_CACHE_INVALIDATE"), "{v}");
    assert!(
        has("record-added", "struct vfio_iommu_type1_cache_invalidate"),
        "{v}"
    );
    assert!(
        has(
            "embedded-variable-size",
            "struct vfio_iommu_type1_cache_invalidate"
        ),
        "{v}"
    );
    assert!(
        has("io-ioctl-with-struct", "VFIO_IOMMU_CACHE_INVALIDATE"),
        "{v}"
    );
    assert_eq!(before, fingerprint(&r), "the repository was modified");
    // SARIF points at the tree path and the line of the struct in the patched header.
    let o = bot(
        &r,
        &[
            "--base",
            &base,
            "--patch",
            mbox.to_str().unwrap(),
            "--format",
            "sarif",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let hit = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "embedded-variable-size")
        .expect("embedded-variable-size result");
    let loc = &hit["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "include/uapi/linux/vfio.h");
    assert!(loc["region"]["startLine"].as_u64().unwrap() > 50, "{loc}");
    // The Markdown comment of the same review.
    let o = bot(&r, &["--base", &base, "--patch", mbox.to_str().unwrap()]);
    compare_golden("bot-seed.md", &out(&o).replace(&base[..12], "BASE"));
}

#[test]
fn a_patch_that_does_not_apply_names_the_patch_and_the_hunk() {
    let (r, base) = base_repo();
    let mbox = r.path().join("../bad.mbox");
    std::fs::write(
        &mbox,
        "From 0 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] foo: change\n\n---\n\
         diff --git a/include/uapi/linux/foo.h b/include/uapi/linux/foo.h\n\
         --- a/include/uapi/linux/foo.h\n+++ b/include/uapi/linux/foo.h\n\
         @@ -6,3 +6,4 @@ struct foo_args {\n \t__u32 nothing;\n \t__u32 like;\n+\t__u32 x;\n \t__u64 this;\n",
    )
    .unwrap();
    let o = bot(&r, &["--base", &base, "--patch", mbox.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains("patch 1 ([PATCH] foo: change) does not apply")
            && e.contains("include/uapi/linux/foo.h: hunk `@@ -6,3 +6,4 @@"),
        "{e}"
    );
}

#[test]
fn hostile_patch_paths_are_refused_and_nothing_outside_changes() {
    let (r, base) = base_repo();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.h");
    std::fs::write(&victim, "untouched\n").unwrap();
    let before = fingerprint(&r);
    for (name, path) in [
        (
            "dotdot",
            "include/uapi/../../../../../../../../../../tmp/evil.h".to_string(),
        ),
        ("absolute", victim.display().to_string()),
    ] {
        let mbox = outside.path().join(format!("{name}.mbox"));
        std::fs::write(
            &mbox,
            format!(
                "Subject: [PATCH] evil\n\n---\ndiff --git a/{path} b/{path}\nnew file mode 100644\n\
                 --- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+owned\n"
            ),
        )
        .unwrap();
        let o = bot(&r, &["--base", &base, "--patch", mbox.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", err(&o));
        assert!(
            err(&o).contains(&*mbox.display().to_string()),
            "{name}: {}",
            err(&o)
        );
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched\n");
    assert!(!Path::new("/tmp/evil.h").exists());
    assert_eq!(before, fingerprint(&r));
}

#[test]
fn an_include_that_escapes_the_tree_gets_the_header_refused() {
    let (r, base) = base_repo();
    r.write(
        "include/uapi/linux/foo.h",
        &FOO.replace(
            "#include <linux/ioctl.h>\n",
            "#include <linux/ioctl.h>\n#include \"../../../../../../etc/hostname\"\n",
        ),
    );
    r.write(
        "include/uapi/linux/baz.h",
        "#include <linux/types.h>\n#include <nowhere/secret.h>\nstruct baz { __u32 a; };\n",
    );
    r.commit("escape");
    let o = bot(&r, &["--base", &base, "--head", "HEAD", "--format", "json"]);
    assert_eq!(o.status.code(), Some(12), "{}", err(&o));
    let v = json(&o);
    let refused = |item: &str, why: &str| {
        found(&v, "header-refused", item)
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains(why))
    };
    assert!(refused("linux/foo.h", "climbs out with `..`"), "{v}");
    assert!(
        refused(
            "linux/baz.h",
            "resolves neither inside the tree nor in a system include directory"
        ),
        "{v}"
    );
}

#[test]
fn a_header_that_makes_the_compiler_run_long_is_refused_in_bounded_time() {
    let (r, base) = base_repo();
    // Each macro doubles the expansion of the previous one: 2^40 tokens.
    let mut slow = String::from("#include <linux/types.h>\n#define S0 1\n");
    for i in 1..=40 {
        slow.push_str(&format!("#define S{i} (S{p}+S{p})\n", p = i - 1));
    }
    slow.push_str("enum { SLOW = S40 };\nstruct slow { __u32 a; };\n");
    r.write("include/uapi/linux/slow.h", &slow);
    r.write(
        "include/uapi/linux/foo.h",
        &FOO.replace("\t__u64 addr;\n", "\t__u64 addr;\n\t__u64 extra;\n"),
    );
    r.commit("slow header");
    let start = std::time::Instant::now();
    let o = bot(
        &r,
        &[
            "--base",
            &base,
            "--head",
            "HEAD",
            "--format",
            "json",
            "--compile-timeout",
            "10",
        ],
    );
    let elapsed = start.elapsed();
    let v = json(&o);
    assert!(
        !found(&v, "header-refused", "linux/slow.h").is_empty(),
        "{v}"
    );
    // The other headers of the change are still reviewed.
    assert!(
        !found(&v, "record-tail-extension", "struct foo_args").is_empty(),
        "{v}"
    );
    assert!(elapsed.as_secs() < 120, "took {elapsed:?}");
}

#[test]
fn markup_in_names_is_escaped_in_the_comment() {
    let (r, base) = base_repo();
    let name = "include/uapi/linux/x<img src=x onerror=alert(1)>@torvalds[a](https:evil.example).h";
    r.write(
        name,
        "#include <linux/types.h>\nstruct evil_ { __u32 a; };\n",
    );
    r.commit("evil names");
    let o = bot(&r, &["--base", &base, "--head", "HEAD"]);
    let md = out(&o);
    assert!(md.contains("linux/x&lt;img"), "{md}");
    for raw in ["<img", "@torvalds", "[a](https"] {
        assert!(!md.contains(raw), "raw `{raw}` in:\n{md}");
    }
}

#[test]
fn a_large_review_stays_readable() {
    let r = Repo::new();
    let mut old = String::from("#include <linux/types.h>\n");
    let mut new = old.clone();
    for i in 0..80 {
        old.push_str(&format!(
            "struct big{i} {{ __u32 a; __u32 b; }};\n#define BIG{i}_X {i}\n"
        ));
        new.push_str(&format!("struct big{i} {{ __u64 a; __u32 b; }};\n"));
    }
    r.write("include/uapi/linux/big.h", &old);
    let base = r.commit("base");
    r.write("include/uapi/linux/big.h", &new);
    r.commit("break everything");
    let o = bot(&r, &["--base", &base, "--head", "HEAD"]);
    assert_eq!(o.status.code(), Some(12), "{}", err(&o));
    let md = out(&o);
    assert!(md.lines().count() < 1500, "{} lines", md.lines().count());
    assert!(md.contains("more"), "truncation with counts:\n{md}");
    compare_golden("bot-large.md", &md.replace(&base[..12], "BASE"));
}

/// A place to watch for writes outside the bot's private tree (issue 15). The bot runs with
/// `TMPDIR=<outer>/l1/l2/tmp`, so its private tree is `<tmp>/<bot folder>/head-src` and a path
/// climbing k levels from its `include/uapi/` lands in the bot's folder (k = 3), `tmp` (4),
/// `l2` (5), `l1` (6) or `<outer>` (7), where `victim.h` waits. After a run, `tmp` must be empty
/// (the bot removed its folder) and nothing under `<outer>` may differ.
struct Canary {
    outer: tempfile::TempDir,
    tmp: PathBuf,
}

impl Canary {
    fn new() -> Canary {
        let outer = tempfile::tempdir().unwrap();
        let tmp = outer.path().join("l1/l2/tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::create_dir_all(outer.path().join("mails")).unwrap();
        std::fs::write(outer.path().join("victim.h"), "untouched\n").unwrap();
        Canary { outer, tmp }
    }

    fn outer(&self) -> &Path {
        self.outer.path()
    }

    /// Every entry under `<outer>`: its kind and, for files, contents (links not followed).
    fn state(&self) -> Vec<(PathBuf, String)> {
        fn walk(d: &Path, out: &mut Vec<(PathBuf, String)>) {
            let mut entries: Vec<_> = std::fs::read_dir(d).unwrap().flatten().collect();
            entries.sort_by_key(|e| e.path());
            for e in entries {
                let p = e.path();
                let meta = std::fs::symlink_metadata(&p).unwrap();
                if meta.is_dir() {
                    out.push((p.clone(), "dir".into()));
                    walk(&p, out);
                } else if meta.is_file() {
                    let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                    out.push((p, text));
                } else {
                    out.push((p, format!("{:?}", meta.file_type())));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.outer(), &mut out);
        out
    }

    fn mail(&self, name: &str, text: &str) -> PathBuf {
        let p = self.outer().join("mails").join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs the bot on `mbox` and checks it refused the mail (exit 1, the mail and every
    /// `expect` named in its error) with nothing changed outside its private tree.
    fn refused(&self, r: &Repo, base: &str, mbox: &Path, expect: &[&str]) -> String {
        let repo_before = fingerprint(r);
        let before = self.state();
        let o = Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
            .arg("bot")
            .arg("--repo")
            .arg(r.path())
            .args(["--arch", "x86_64,i386", "--base", base, "--patch"])
            .arg(mbox)
            .env("TMPDIR", &self.tmp)
            .output()
            .expect("uapi-guard runs");
        let e = err(&o);
        let name = mbox.file_name().unwrap().to_string_lossy();
        assert_eq!(o.status.code(), Some(1), "{name}: {e}{}", out(&o));
        assert!(e.contains(&*mbox.display().to_string()), "{name}: {e}");
        for x in expect {
            assert!(e.contains(x), "{name}: `{x}` not in: {e}");
        }
        assert_eq!(
            self.state(),
            before,
            "{name}: something changed outside the tree"
        );
        let left: Vec<_> = std::fs::read_dir(&self.tmp).unwrap().flatten().collect();
        assert!(left.is_empty(), "{name}: left in TMPDIR: {left:?}");
        assert_eq!(
            fingerprint(r),
            repo_before,
            "{name}: the repository changed"
        );
        e
    }
}

/// `include/uapi/` followed by `k` `../`.
fn climb(k: usize) -> String {
    format!("include/uapi/{}", "../".repeat(k))
}

/// A hunk that applies to [`FOO`], so a mail holding it is a patch to the old parser too.
const FOO_HUNK: &str = "diff --git a/include/uapi/linux/foo.h b/include/uapi/linux/foo.h\n\
    --- a/include/uapi/linux/foo.h\n+++ b/include/uapi/linux/foo.h\n\
    @@ -1,3 +1,4 @@\n #ifndef _UAPI_LINUX_FOO_H\n #define _UAPI_LINUX_FOO_H\n+/* touched */\n\
    \x20#include <linux/types.h>\n";

fn mail(subject: &str, body: &str) -> String {
    format!("From 0 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] {subject}\n\n---\n{body}")
}

#[test]
fn quoted_diff_git_names_that_climb_out_are_refused() {
    let (r, base) = base_repo();
    let c = Canary::new();
    // Empty new files: the names are only on the quoted `diff --git` line.
    let mut body = String::new();
    for k in 3..=7 {
        let p = format!("{}X{k}.h", climb(k));
        body.push_str(&format!(
            "diff --git \"a/{p}\" \"b/{p}\"\nnew file mode 100644\nindex 0000000..e69de29\n"
        ));
    }
    let mbox = c.mail("quoted.mbox", &mail("quoted", &body));
    c.refused(
        &r,
        &base,
        &mbox,
        &["patch 1", "include/uapi/../../../X3.h", "climbs out"],
    );
}

#[test]
fn dash_names_with_any_prefix_that_climb_out_are_refused() {
    let (r, base) = base_repo();
    let c = Canary::new();
    // After a real change to foo.h: traditional ---/+++ names whose first component is not
    // a/ or b/ (git strips it all the same), appending to <outer>/victim.h and creating files.
    let mut body = FOO_HUNK.to_string();
    body.push_str(&format!(
        "--- x/{v}victim.h\n+++ y/{v}victim.h\n@@ -1 +1,2 @@\n untouched\n+owned\n",
        v = climb(7)
    ));
    for k in 4..=7 {
        body.push_str(&format!(
            "--- x/{p}new{k}.h\n+++ y/{p}new{k}.h\n@@ -0,0 +1 @@\n+owned\n",
            p = climb(k)
        ));
    }
    let mbox = c.mail("prefix.mbox", &mail("prefix", &body));
    let victim = format!("`{}victim.h` climbs out", climb(7));
    c.refused(&r, &base, &mbox, &["patch 1", &victim]);
    assert_eq!(
        std::fs::read_to_string(c.outer().join("victim.h")).unwrap(),
        "untouched\n"
    );
}

#[test]
fn a_rename_or_copy_that_leaves_the_tree_is_refused() {
    let (r, base) = base_repo();
    let c = Canary::new();
    // `rename old`/`rename new` is git's older spelling of rename from/to.
    let target = format!("{}moved.h", climb(5));
    let rename = c.mail(
        "rename.mbox",
        &mail(
            "rename",
            &format!(
                "diff --git \"a/include/uapi/linux/foo.h\" \"b/{target}\"\nsimilarity index 100%\n\
                 rename old include/uapi/linux/foo.h\nrename new {target}\n"
            ),
        ),
    );
    c.refused(
        &r,
        &base,
        &rename,
        &["patch 1", &format!("`{target}` climbs out")],
    );
    // A copy's source is read by git wherever it is: a quoted absolute one, here the victim.
    let source = c.outer().join("victim.h").display().to_string();
    let copy = c.mail(
        "copy.mbox",
        &mail(
            "copy",
            &format!(
                "{FOO_HUNK}diff --git a/include/uapi/linux/foo.h b/include/uapi/linux/leak.h\n\
                 similarity index 100%\ncopy from \"{source}\"\ncopy to include/uapi/linux/leak.h\n"
            ),
        ),
    );
    c.refused(
        &r,
        &base,
        &copy,
        &["patch 1", &format!("`{source}` is absolute")],
    );
}

#[test]
fn a_new_file_with_an_absolute_path_is_refused() {
    let (r, base) = base_repo();
    let c = Canary::new();
    let abs = c.outer().join("abs.h").display().to_string();
    let mbox = c.mail(
        "absolute.mbox",
        &mail(
            "absolute",
            &format!(
                "{FOO_HUNK}diff --git \"a/{abs}\" \"b/{abs}\"\nnew file mode 100644\nindex 0000000..e69de29\n"
            ),
        ),
    );
    c.refused(
        &r,
        &base,
        &mbox,
        &["patch 1", &format!("`{abs}` is absolute")],
    );
}

#[test]
fn a_control_character_in_a_quoted_name_is_refused_and_shown_escaped() {
    let (r, base) = base_repo();
    let c = Canary::new();
    let name = "include/uapi/linux/x\\n.h\\033[2J";
    let mbox = c.mail(
        "newline.mbox",
        &mail(
            "newline",
            &format!(
                "diff --git \"a/{name}\" \"b/{name}\"\nnew file mode 100644\n--- /dev/null\n\
                 +++ \"b/{name}\"\n@@ -0,0 +1 @@\n+struct x {{ int a; }};\n"
            ),
        ),
    );
    let e = c.refused(
        &r,
        &base,
        &mbox,
        &[
            "patch 1",
            "`include/uapi/linux/x\\n.h\\x1b[2J` contains a control character",
        ],
    );
    assert!(!e.contains('\x1b'), "{e}");
}

#[test]
fn a_symlink_into_the_uapi_tree_is_refused_before_a_later_patch_writes_through_it() {
    let (r, base) = base_repo();
    let c = Canary::new();
    let outer = c.outer().display().to_string();
    let mbox = c.mail(
        "symlink.mbox",
        &format!(
            "{}{}",
            mail(
                "1/2 link",
                &format!(
                    "diff --git a/include/uapi/linux/l b/include/uapi/linux/l\nnew file mode 120000\n\
                     index 0000000..1111111\n--- /dev/null\n+++ b/include/uapi/linux/l\n\
                     @@ -0,0 +1 @@\n+{outer}\n\\ No newline at end of file\n"
                )
            ),
            mail(
                "2/2 write through it",
                "diff --git a/include/uapi/linux/l/victim.h b/include/uapi/linux/l/victim.h\n\
                 --- a/include/uapi/linux/l/victim.h\n+++ b/include/uapi/linux/l/victim.h\n\
                 @@ -1 +1,2 @@\n untouched\n+owned\n\
                 diff --git a/include/uapi/linux/l/new.h b/include/uapi/linux/l/new.h\n\
                 new file mode 100644\n--- /dev/null\n+++ b/include/uapi/linux/l/new.h\n\
                 @@ -0,0 +1 @@\n+owned\n"
            )
        ),
    );
    c.refused(
        &r,
        &base,
        &mbox,
        &[
            "patch 1 ([PATCH] 1/2 link) refused before anything was applied",
            "mode 120000 (a symbolic link)",
            "include/uapi/linux/l",
        ],
    );
}

#[test]
fn a_legit_mail_with_a_rename_and_driver_changes_is_reviewed_from_gits_paths() {
    let (r, base) = base_repo();
    let c = Canary::new();
    let mbox = c.mail(
        "legit.mbox",
        &mail(
            "foo: touch, rename bar",
            &format!(
                "{FOO_HUNK}diff --git a/include/uapi/linux/bar.h b/include/uapi/linux/bar2.h\n\
                 similarity index 100%\nrename from include/uapi/linux/bar.h\nrename to include/uapi/linux/bar2.h\n\
                 diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c\n--- a/drivers/foo/foo.c\n\
                 +++ b/drivers/foo/foo.c\n@@ -1 +1 @@\n-int foo;\n+int foo = 2;\n"
            ),
        ),
    );
    let before = c.state();
    let o = Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
        .arg("bot")
        .arg("--repo")
        .arg(r.path())
        .args([
            "--arch",
            "x86_64,i386",
            "--base",
            &base,
            "--format",
            "json",
            "--patch",
        ])
        .arg(&mbox)
        .env("TMPDIR", &c.tmp)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let v = json(&o);
    // The rename's target was reviewed: struct bar now comes from bar2.h, and the rename is
    // an api change (old sources name bar.h), not a break.
    assert!(
        found(&v, "item-moved", "linux/bar.h")
            .iter()
            .any(|f| f["new"] == "linux/bar2.h"
                && f["message"].as_str().unwrap().contains("struct bar")),
        "{v}"
    );
    assert_eq!(
        found(&v, "header-removed", "linux/bar.h")[0]["severity"],
        "api",
        "{v}"
    );
    assert_eq!(c.state(), before);
    assert!(std::fs::read_dir(&c.tmp).unwrap().next().is_none());
}
