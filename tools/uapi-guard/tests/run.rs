//! The run a person sees: the main job's two parts (goldens, from committed snapshots, as a pipe
//! receives them), a quiet stderr, progress on a terminal only, and an example in every `--help`.
//!
//! The terminal tests run the binary under a pseudo-terminal with util-linux's `script`. The
//! main job's goldens name the newest committed snapshot: bless them again
//! (`UAPI_GUARD_BLESS=1`) when a newer one is committed.

mod common;

use common::compare_golden;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs uapi-guard from the repository root, stdout and stderr piped.
fn guard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
        .current_dir(repo())
        .args(args)
        .output()
        .expect("uapi-guard runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs uapi-guard with `args` under a pseudo-terminal, stdout to /dev/null; returns what the
/// terminal showed (stderr only).
fn on_terminal(args: &str) -> String {
    let command = format!("{} {args} >/dev/null", env!("CARGO_BIN_EXE_uapi-guard"));
    let o = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(repo())
        .output()
        .expect("util-linux's script runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A small include root of the vfio set: two headers that compile, and an iommufd.h that does
/// not when `broken`.
fn tree(broken: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let linux = dir.path().join("linux");
    std::fs::create_dir(&linux).unwrap();
    std::fs::write(
        linux.join("vfio.h"),
        "#include <linux/types.h>\nstruct vfio_x { __u32 argsz; __u32 flags; __u64 addr; };\n\
         #define VFIO_X_FLAG 1\n",
    )
    .unwrap();
    std::fs::write(
        linux.join("iommu.h"),
        "struct iommu_y { int a; char b; };\n#define IOMMU_Y 2\n",
    )
    .unwrap();
    if broken {
        std::fs::write(
            linux.join("iommufd.h"),
            "struct iommufd_z { no_such_type z; };\n",
        )
        .unwrap();
    }
    dir
}

/// A snapshot of the tree's headers, one by one (so one that does not compile is skipped).
fn snapshot_of(dir: &Path) -> String {
    let t = dir.display();
    format!(
        "snapshot --headers {t} --header linux/vfio.h --header linux/iommufd.h \
         --arch x86_64,i386 --kernel-version 1.0"
    )
}

fn check_of(dir: &Path) -> String {
    let t = dir.display();
    format!("check {t} {t} --arch x86_64,i386")
}

#[test]
fn the_main_job_checks_then_previews_the_newest_committed_snapshot() {
    let o = guard(&["--installed", "abi-snapshots/vfio/6.1"]);
    // The exit status is the first part's (6.1 against itself), not the preview's break.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    compare_golden("main-6.1.txt", &stdout(&o));
}

#[test]
fn the_main_job_on_the_newest_version_says_so() {
    let o = guard(&["--installed", "abi-snapshots/vfio/7.2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    compare_golden("main-7.2.txt", &stdout(&o));
}

#[test]
fn piped_stderr_gets_no_progress_and_no_escape_codes() {
    let t = tree(false);
    let args = check_of(t.path());
    let o = guard(&args.split_whitespace().collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        !err.contains('\x1b') && !err.contains('\r') && !err.contains("(header, architecture)"),
        "{err:?}"
    );
}

#[test]
fn a_terminal_gets_a_closing_line_and_quiet_gets_nothing() {
    let t = tree(false);
    let args = check_of(t.path());
    let shown = on_terminal(&args);
    assert!(
        shown.contains("uapi-guard: checked ") && shown.contains(" s"),
        "{shown:?}"
    );
    let shown = on_terminal(&format!("{args} -q"));
    assert_eq!(shown.trim(), "", "-q prints nothing but errors");
}

#[test]
fn a_terminal_shows_the_progress_bar() {
    let t = tree(false);
    let shown = on_terminal(&check_of(t.path()));
    // The bar redraws in place (escape codes), and the closing line counts what was read.
    assert!(shown.contains('\x1b'), "{shown:?}");
    assert!(shown.contains("(header, architecture) pairs"), "{shown:?}");
}

#[test]
fn verbose_names_each_skipped_header_and_its_first_error() {
    let t = tree(true);
    let args = format!("{} -v", snapshot_of(t.path()));
    let o = guard(&args.split_whitespace().collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("linux/iommufd.h skipped on x86_64") && err.contains("no_such_type"),
        "{err}"
    );
}

#[test]
fn a_header_that_does_not_compile_leaves_stderr_empty_without_verbose() {
    let t = tree(true);
    // Both front ends: libclang alone (--header), and bindgen with the probe (a named set).
    let direct = snapshot_of(t.path());
    let bindgen = format!(
        "snapshot --headers {} --set vfio --arch x86_64,i386 --kernel-version 1.0",
        t.path().display()
    );
    let o = guard(&direct.split_whitespace().collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    // A named set fails on the header; its one error line is the tool's, not clang's output.
    let o = guard(&bindgen.split_whitespace().collect::<Vec<_>>());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("uapi-guard: error: ") && err.contains("no_such_type"),
        "{err}"
    );
}

#[test]
fn every_subcommand_help_shows_an_example() {
    for sub in [
        "check", "lint", "history", "rules", "bot", "snapshot", "layout", "headers",
    ] {
        let o = guard(&[sub, "--help"]);
        let text = stdout(&o);
        assert!(
            text.contains(&format!("Example: uapi-guard {sub}")),
            "{sub}: {text}"
        );
    }
}
