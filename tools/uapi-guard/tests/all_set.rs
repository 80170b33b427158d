//! The `all` header set over the machine's /usr/include/linux: every header is either snapshotted
//! or listed as skipped with clang's first error, and the split agrees with clang itself.

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
    let on_disk = Command::new("find")
        .args(["/usr/include/linux", "-name", "*.h"])
        .output()
        .unwrap();
    let on_disk = String::from_utf8_lossy(&on_disk.stdout).lines().count();
    assert_eq!(analysed.len() + skipped.len(), on_disk);
    assert!(
        analysed.len() > on_disk * 9 / 10,
        "only {} of {on_disk} analysed",
        analysed.len()
    );

    let compiles = |h: &str| {
        Command::new("clang")
            .args(["-fsyntax-only", "-x", "c", "-"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(format!("#include <{h}>\n").as_bytes())?;
                c.wait()
            })
            .unwrap()
            .success()
    };
    for (header, reason) in &skipped {
        if !reason.starts_with("probe:") {
            assert!(
                !compiles(header),
                "{header} was skipped ({reason}) but compiles alone"
            );
        }
    }
    for header in analysed.iter().step_by(50) {
        assert!(
            compiles(header),
            "{header} was analysed but does not compile alone"
        );
    }
}
