//! The command line: the JSON export's shape on the real vfio.h, snapshot output, exit codes.

use std::process::{Command, Output};

fn guard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
        .args(args)
        .output()
        .expect("uapi-guard runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn layout_json_has_the_documented_shape() {
    let o = guard(&[
        "layout",
        "--headers",
        "/usr/include",
        "--header",
        "linux/vfio.h",
        "--arch",
        "x86_64",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["arch"], "x86_64");
    assert_eq!(v["header"], "linux/vfio.h");
    let cap = &v["records"]["struct vfio_info_cap_header"];
    assert_eq!(cap["kind"], "struct");
    assert_eq!(
        (cap["size"].as_u64(), cap["align"].as_u64()),
        (Some(8), Some(4))
    );
    assert_eq!(
        cap["fields"][0],
        serde_json::json!({"name": "id", "offset": 0, "size": 2, "align": 2, "type": "__u16"})
    );
    assert_eq!(v["constants"]["VFIO_API_VERSION"], 0);
    assert_eq!(v["constants"]["VFIO_IOMMU_MAP_DMA"], 15217);
}

#[test]
fn snapshot_writes_every_architecture_and_bindings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let o = guard(&[
        "snapshot",
        "--headers",
        "/usr/include",
        "--set",
        "vfio",
        "--arch",
        "x86_64,ppc64le",
        "--kernel-version",
        "test",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(
        summary.contains("x86_64") && summary.contains("ppc64le"),
        "{summary}"
    );
    assert!(out.join("x86_64.layout").is_file() && out.join("ppc64le.layout").is_file());
    assert!(out.join("bindings/linux__vfio.rs").is_file());
    assert!(!out.join("i386.layout").exists());
}

#[test]
fn errors_exit_1_and_usage_errors_exit_2() {
    // An unknown architecture is a usage error, caught with the other arguments.
    let o = guard(&["layout", "--header", "linux/vfio.h", "--arch", "vax"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown architecture `vax`"),
        "{}",
        stderr(&o)
    );

    let o = guard(&[
        "snapshot",
        "--headers",
        "/nonexistent/include",
        "--kernel-version",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("/nonexistent/include: not a directory"),
        "{}",
        stderr(&o)
    );

    let o = guard(&["snapshot", "--set", "nosuchset", "--kernel-version", "x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown header set `nosuchset`"),
        "{}",
        stderr(&o)
    );

    let o = guard(&["layout", "--header", "linux/nosuch.h"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("linux/nosuch.h: no such header"),
        "{}",
        stderr(&o)
    );

    let o = guard(&["snapshot", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn help_explains_defaults_and_exit_codes() {
    let o = guard(&["--help"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Exit codes") && text.contains("ppc64le") && text.contains("snapshot"),
        "{text}"
    );
}

#[test]
fn a_reader_that_goes_away_is_not_a_panic() {
    use std::io::Read as _;
    // Reports larger than a pipe's buffer, so the tool is still writing when the reader leaves.
    for format in ["json", "sarif"] {
        let args = [
            "check",
            "abi-snapshots/vfio/5.10",
            "abi-snapshots/vfio/7.2",
            "--format",
            format,
        ];
        let mut child = Command::new(env!("CARGO_BIN_EXE_uapi-guard"))
            .args(args)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe, as `| head -c 1` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(12), "{args:?}: the check's own status");
    }
}
