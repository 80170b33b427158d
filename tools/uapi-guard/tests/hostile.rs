//! Hostile input, end to end: a canary file outside the reviewed tree pulled in through every
//! route the preprocessor and the assembler offer (the sandbox alone must stop each, and the bot
//! must fail closed), outputs that are FIFOs, symlinks or the run's own inputs, inputs that are
//! devices or FIFOs, a snapshot folder shared by two runs, unknown or missing architectures, and
//! a review whose compiles all run long.

#[path = "common/repo.rs"]
mod repo;

use repo::Repo;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TOKEN: &str = "CANARY_5e1f_token";

fn exe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A canary file outside every tree. Read by the preprocessor or by the assembler, it makes the
/// compiler's first error quote its text, which is how a host file's contents would reach a
/// review.
fn canary(dir: &Path) -> PathBuf {
    let p = dir.join("secret.h");
    std::fs::write(&p, format!("#error {TOKEN}\n.error \"{TOKEN}\"\n")).unwrap();
    p
}

/// Every route by which a header could pull in `target`, as (name, header text).
fn routes(target: &Path) -> Vec<(&'static str, String)> {
    let t = target.display();
    let climb = format!(
        "{}{}",
        "../".repeat(12),
        t.to_string().trim_start_matches('/')
    );
    let body = "#include <linux/types.h>\nstruct ok_ROUTE { __u32 a; };\n";
    [
        ("absolute", format!("#include \"{t}\"\n")),
        ("climbing", format!("#include \"{climb}\"\n")),
        ("splice", format!("#inc\\\nlude \"{t}\"\n")),
        ("digraph", format!("%:include \"{t}\"\n")),
        ("comment", format!("/* x */ #include \"{t}\"\n")),
        ("cr", format!("int cr_a;\r#include \"{t}\"\rint cr_b;\r")),
        (
            "asm_include",
            format!("__asm__(\".include \\\"{t}\\\"\");\n"),
        ),
        ("asm_incbin", format!("__asm__(\".incbin \\\"{t}\\\"\");\n")),
    ]
    .into_iter()
    .map(|(name, route)| (name, format!("{}{route}", body.replace("ROUTE", name))))
    .collect()
}

#[test]
fn the_sandbox_alone_keeps_a_host_file_out_of_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let secret = canary(dir.path());
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("linux")).unwrap();
    std::fs::copy("/usr/include/linux/types.h", root.join("linux/types.h")).unwrap();
    let mut headers = Vec::new();
    for (name, header) in routes(&secret) {
        std::fs::write(root.join(format!("linux/{name}.h")), header).unwrap();
        headers.push(format!("linux/{name}.h"));
    }
    let run = |sandbox: &str, out: &Path| {
        let mut c = exe();
        c.args([
            "snapshot",
            "--set",
            "t",
            "--kernel-version",
            "1.0",
            "--arch",
            "x86_64",
        ])
        .arg("--headers")
        .arg(&root)
        .args(["--sandbox", sandbox])
        .arg("--out")
        .arg(out);
        for h in &headers {
            c.args(["--header", h]);
        }
        c.output().unwrap()
    };
    // `snapshot --header` has no include scanner: only the sandbox stands in the way.
    let out = dir.path().join("confined");
    let o = run("require", &out);
    assert!(o.status.success(), "{}", text(&o));
    let snapshot = std::fs::read_to_string(out.join("x86_64.layout")).unwrap();
    assert!(!text(&o).contains(TOKEN), "{}", text(&o));
    assert!(!snapshot.contains(TOKEN), "{snapshot}");
    // Each header that reached for the canary failed to compile (skipped), or compiled
    // without it; the clean part of every header is still there when it compiled.
    assert!(snapshot.contains("skipped linux/absolute.h"), "{snapshot}");
    // Unconfined, the same headers do leak it: the test can fail.
    let open = dir.path().join("open");
    let o = run("off", &open);
    assert!(o.status.success(), "{}", text(&o));
    let leaked = std::fs::read_to_string(open.join("x86_64.layout")).unwrap();
    assert!(leaked.contains(TOKEN), "{leaked}");
}

const FOO: &str = "#ifndef _UAPI_LINUX_FOO_H\n#define _UAPI_LINUX_FOO_H\n\
#include <linux/types.h>\n\nstruct foo_args {\n\t__u32 argsz;\n\t__u32 flags;\n};\n#endif\n";

fn bot(repo: &Repo, tmp: &Path, extra: &[&str]) -> Output {
    exe()
        .arg("bot")
        .arg("--repo")
        .arg(repo.path())
        .args(["--arch", "x86_64,i386"])
        .args(extra)
        .env("TMPDIR", tmp)
        .output()
        .unwrap()
}

/// What is left in a folder the bot used as its TMPDIR.
fn leftovers(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[test]
fn the_bot_fails_closed_on_every_route_and_never_shows_the_canary() {
    let dir = tempfile::tempdir().unwrap();
    let secret = canary(dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new();
    r.write("include/uapi/linux/foo.h", FOO);
    let base = r.commit("base");
    let names: Vec<&str> = routes(&secret).iter().map(|(n, _)| *n).collect();
    for (name, header) in routes(&secret) {
        r.write(&format!("include/uapi/linux/{name}.h"), &header);
    }
    r.commit("hostile");
    for format in ["json", "markdown", "text", "sarif"] {
        let o = bot(
            &r,
            tmp.path(),
            &["--base", &base, "--head", "HEAD", "--format", format],
        );
        let all = text(&o);
        assert!(!all.contains(TOKEN), "{format}: {all}");
        assert_eq!(o.status.code(), Some(12), "{format}: {all}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            for name in &names {
                let item = format!("linux/{name}.h");
                let refused = v["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["rule"] == "header-refused" && f["item"] == item.as_str());
                assert!(refused, "{item} not refused: {v}");
            }
        }
    }
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );
}

#[test]
fn one_budget_bounds_a_review_of_many_slow_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new();
    r.write("include/uapi/linux/foo.h", FOO);
    let base = r.commit("base");
    // Each macro doubles the expansion of the previous one: 2^40 tokens.
    let mut slow = String::from("#include <linux/types.h>\n#define S0 1\n");
    for i in 1..=40 {
        slow.push_str(&format!("#define S{i} (S{p}+S{p})\n", p = i - 1));
    }
    slow.push_str("enum { SLOW = S40 };\n");
    for i in 0..6 {
        r.write(&format!("include/uapi/linux/slow{i}.h"), &slow);
    }
    r.commit("slow headers");
    let start = Instant::now();
    let o = bot(
        &r,
        tmp.path(),
        &[
            "--base",
            &base,
            "--head",
            "HEAD",
            "--format",
            "json",
            "--compile-timeout",
            "16",
        ],
    );
    let elapsed = start.elapsed();
    // Six slow headers once cost about seven full timeouts; now the whole review stays within
    // its budget (plus start-up and clean-up).
    assert!(elapsed < Duration::from_secs(16 + 10), "took {elapsed:?}");
    assert_eq!(o.status.code(), Some(12), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for i in 0..6 {
        let item = format!("linux/slow{i}.h");
        assert!(
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "header-refused" && f["item"] == item.as_str()),
            "{item}: {v}"
        );
    }
    // Killed children leave no scratch folders behind.
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );
}

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../abi-snapshots/vfio/6.12")
}

fn check_to(output: &Path, extra: &[&str]) -> Output {
    let dir = snapshot_dir();
    exe()
        .arg("check")
        .arg(&dir)
        .arg(&dir)
        .args(["--arch", "x86_64", "--format", "json", "--output"])
        .arg(output)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn output_refuses_fifos_and_directories_and_follows_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let o = check_to(&fifo, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("a FIFO"), "{}", text(&o));
    let still: std::fs::Metadata = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&still.file_type()));

    let o = check_to(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    let target = dir.path().join("report.json");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = check_to(&link, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.contains("\"findings\""), "{written}");
    // An existing file keeps its mode.
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // Nothing but what the test made is left in the folder.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["fifo", "link.json", "report.json"]);
}

#[test]
fn a_new_output_gets_the_umask_mode_and_an_input_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.json");
    let snap = snapshot_dir();
    let o = Command::new("sh")
        .arg("-c")
        .arg("umask 027; exec \"$0\" check \"$1\" \"$1\" --arch x86_64 --format json --output \"$2\"")
        .arg(env!("CARGO_BIN_EXE_uapi-guard"))
        .arg(&snap)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "mode {mode:o}");

    let waivers = dir.path().join("waivers.toml");
    let w = "[[waiver]]\nrule = \"record-removed\"\nitem = \"struct x\"\nreason = \"r\"\nlink = \"https://example.invalid\"\n";
    std::fs::write(&waivers, w).unwrap();
    let o = check_to(&waivers, &["--waivers", waivers.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("an input of this run"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&waivers).unwrap(), w);
    // Inside a snapshot folder that is being read.
    let inside = snap.join("x86_64.layout");
    let before = std::fs::read(&inside).unwrap();
    let o = check_to(&inside, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(std::fs::read(&inside).unwrap(), before);
}

#[test]
fn inputs_that_are_devices_or_fifos_are_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let snap = snapshot_dir();
    for waivers in [Path::new("/dev/zero"), fifo.as_path()] {
        let start = Instant::now();
        let o = exe()
            .arg("check")
            .arg(&snap)
            .arg(&snap)
            .args(["--arch", "x86_64", "--waivers"])
            .arg(waivers)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains("not a regular file"), "{}", text(&o));
        assert!(start.elapsed() < Duration::from_secs(30));
    }
    // A snapshot folder whose layout file is a FIFO.
    let side = dir.path().join("side");
    std::fs::create_dir_all(&side).unwrap();
    assert!(Command::new("mkfifo")
        .arg(side.join("x86_64.layout"))
        .status()
        .unwrap()
        .success());
    let o = exe().arg("check").arg(&side).arg(&snap).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("a FIFO"), "{}", text(&o));
}

#[test]
fn architectures_unknown_or_missing_are_named() {
    let snap = snapshot_dir();
    let o = exe()
        .arg("check")
        .arg(&snap)
        .arg(&snap)
        .args(["--arch", "x86_64,vax"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("vax"), "{}", text(&o));
    // A side holding only x86_64, checked for i386: an error naming the side.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(snap.join("x86_64.layout"), dir.path().join("x86_64.layout")).unwrap();
    let o = exe()
        .arg("check")
        .arg(dir.path())
        .arg(&snap)
        .args(["--arch", "x86_64,i386"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no layout for i386"), "{}", text(&o));
    // With `all`, the missing ones are named, and the rest compared.
    let o = exe()
        .arg("check")
        .arg(dir.path())
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("not compared: i386"), "{}", text(&o));
}

#[test]
fn snapshot_out_replaces_the_whole_folder_and_refuses_a_foreign_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let run = |arch: &str| {
        exe()
            .args(["snapshot", "--set", "vfio", "--arch", arch, "--out"])
            .arg(&out)
            .output()
            .unwrap()
    };
    let o = run("x86_64,riscv64");
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(out.join("README.md"), "provenance\n").unwrap();
    let o = run("x86_64");
    assert!(o.status.success(), "{}", text(&o));
    // The other run's riscv64 file is gone; the provenance note stays.
    assert!(!out.join("riscv64.layout").exists());
    assert!(out.join("x86_64.layout").is_file());
    assert_eq!(
        std::fs::read_to_string(out.join("README.md")).unwrap(),
        "provenance\n"
    );
    // A folder holding anything else is not replaced (nor emptied).
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = run("x86_64");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["snap"], "no temporary folder left beside it");
}

/// The findings of a JSON bot report with `rule`, as (item, field).
fn rules_found(o: &Output, rule: &str) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["item"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A bot review (JSON) of a repository whose base commit holds `base` and whose head commit
/// then writes `head` (tree path, text).
fn review(base: &[(&str, &str)], head: &[(&str, &str)]) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new();
    for (path, text) in base {
        r.write(path, text);
    }
    let first = r.commit("base");
    for (path, text) in head {
        r.write(path, text);
    }
    r.commit("head");
    bot(
        &r,
        tmp.path(),
        &["--base", &first, "--head", "HEAD", "--format", "json"],
    )
}

/// Fails unless the report has a `rule` finding whose item `item` accepts.
fn assert_found(o: &Output, rule: &str, item: impl Fn(&str) -> bool) {
    assert!(
        rules_found(o, rule).iter().any(|i| item(i)),
        "no {rule}: {}",
        text(o)
    );
}

#[test]
fn a_change_to_an_architectures_asm_header_is_reviewed() {
    let o = review(
        &[
            (
                "include/uapi/linux/foo.h",
                "#include <linux/types.h>\n#include <asm/foo.h>\nstruct foo_args { struct asm_foo a; __u32 flags; };\n",
            ),
            (
                "arch/x86/include/uapi/asm/foo.h",
                "#include <linux/types.h>\nstruct asm_foo { __u32 x; __u32 y; };\n",
            ),
        ],
        &[(
            "arch/x86/include/uapi/asm/foo.h",
            "#include <linux/types.h>\nstruct asm_foo { __u64 y; };\n",
        )],
    );
    assert_eq!(o.status.code(), Some(12), "{}", text(&o));
    assert_found(&o, "field-removed", |i| i == "struct asm_foo");
    assert_found(&o, "record-size-changed", |i| i == "struct foo_args");
}

#[test]
fn a_header_including_a_file_that_is_not_a_header_is_refused() {
    let o = review(
        &[
            (
                "include/uapi/linux/foo.h",
                "#include <linux/types.h>\n#include <linux/foo_body.inc>\n",
            ),
            (
                "include/uapi/linux/foo_body.inc",
                "struct foo_args { __u32 argsz; __u32 flags; };\n",
            ),
        ],
        &[
            (
                "include/uapi/linux/foo.h",
                "#include <linux/types.h>\n#include <linux/foo_body.inc>\n/* touched */\n",
            ),
            (
                "include/uapi/linux/foo_body.inc",
                "struct foo_args { __u64 argsz; };\n",
            ),
        ],
    );
    assert_eq!(o.status.code(), Some(12), "{}", text(&o));
    assert_found(&o, "header-refused", |i| i == "linux/foo.h");
}

#[test]
fn a_symlink_in_a_tree_opens_only_the_header_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    std::fs::create_dir_all(root.join("linux")).unwrap();
    std::fs::copy("/usr/include/linux/types.h", root.join("linux/types.h")).unwrap();
    std::fs::write(dir.path().join("secret.txt"), format!("{TOKEN}\n")).unwrap();
    std::os::unix::fs::symlink("../../secret.txt", root.join("linux/leak.h")).unwrap();
    let out = dir.path().join("out");
    let o = exe()
        .args([
            "snapshot",
            "--set",
            "t",
            "--kernel-version",
            "1",
            "--arch",
            "x86_64",
        ])
        .arg("--headers")
        .arg(&root)
        .args(["--sandbox", "require", "--header", "linux/leak.h", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let snapshot = std::fs::read_to_string(out.join("x86_64.layout")).unwrap();
    assert!(
        !text(&o).contains(TOKEN) && !snapshot.contains(TOKEN),
        "{snapshot}"
    );
}

#[test]
fn a_blob_larger_than_a_header_may_be_is_refused_unread() {
    let big = format!("/* {} */\n", "x".repeat(9 << 20));
    let o = review(
        &[("include/uapi/linux/foo.h", FOO)],
        &[("include/uapi/linux/big.h", &big)],
    );
    assert_eq!(o.status.code(), Some(12), "{}", text(&o));
    assert_found(&o, "header-refused", |i| i.contains("big.h"));
}

#[test]
fn a_layout_chosen_by_compiler_is_flagged_for_review() {
    let gcc_only = FOO.replace(
        "\t__u32 argsz;\n",
        "#if __GNUC__ >= 5 || defined(__cplusplus)\n\t__u64 argsz;\n#else\n\t__u32 argsz;\n#endif\n",
    );
    let o = review(
        &[("include/uapi/linux/foo.h", FOO)],
        &[("include/uapi/linux/foo.h", &gcc_only)],
    );
    // clang sees the old layout, so nothing breaks for it; the review must still not pass
    // silently.
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert_found(&o, "compiler-dependent", |i| i == "linux/foo.h");
}
