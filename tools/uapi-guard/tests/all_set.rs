//! The `all` header set over the machine's /usr/include: every UAPI header (linux/, drm/, sound/,
//! ... and the architecture's asm/) is either snapshotted or listed as skipped with clang's first
//! error, and the split agrees with clang itself, compiling as userspace does (the C library's
//! basic headers first when a header does not compile alone).

use std::process::Command;

#[test]
fn all_set_covers_every_header_and_skips_only_what_does_not_compile_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("all");
    let o = Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
        .args([
            "snapshot",
            "--set",
            "all",
            "--arch",
            "x86_64",
            "--kernel-version",
            "t",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(out.join("x86_64.layout")).unwrap();
    let analysed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("header "))
        .collect();
    let skipped: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("skipped "))
        .filter_map(|l| l.split_once(" error="))
        .collect();
    let mut dirs: Vec<String> = uapi_frontend::headers::UAPI_DIRS
        .iter()
        .map(|d| format!("/usr/include/{d}"))
        .filter(|d| std::path::Path::new(d).is_dir())
        .collect();
    dirs.push("/usr/include/x86_64-linux-gnu/asm/".into());
    let on_disk = Command::new("find")
        .args(&dirs)
        .args(["-name", "*.h"])
        .output()
        .unwrap();
    let on_disk = String::from_utf8_lossy(&on_disk.stdout).lines().count();
    assert_eq!(analysed.len() + skipped.len(), on_disk);
    assert!(
        analysed.len() > on_disk * 9 / 10,
        "only {} of {on_disk} analysed",
        analysed.len()
    );

    let libc: String = uapi_frontend::sysroot::LIBC_PRELUDE
        .iter()
        .map(|h| format!("#include <{h}>\n"))
        .collect();
    let compiles = |h: &str, prelude: &str| {
        Command::new("clang")
            .args(["-fsyntax-only", "-x", "c", "-"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(
                    format!("#include <linux/ioctl.h>\n{prelude}#include <{h}>\n").as_bytes(),
                )?;
                c.wait()
            })
            .unwrap()
            .success()
    };
    for (header, reason) in &skipped {
        // A probe failure (here or after the C library's headers) is the tool's limit, reported
        // with its reason; everything else must really not compile.
        if !reason.contains("probe:") {
            assert!(
                !compiles(header, "") && !compiles(header, &libc),
                "{header} was skipped ({reason}) but compiles alone or after the C library"
            );
        }
    }
    for header in analysed.iter().step_by(40) {
        assert!(
            compiles(header, "") || compiles(header, &libc),
            "{header} was analysed but compiles neither alone nor after the C library"
        );
    }
}
