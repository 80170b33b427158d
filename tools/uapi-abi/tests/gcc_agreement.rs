//! The layouts of the machine's real vfio.h and iommu.h equal what gcc computes, on x86_64 and on
//! i386 (`gcc -m32`), from both front ends (bindgen with the probe, and libclang alone). gcc
//! compiles and runs a program that prints every size, alignment and offset the export claims;
//! nothing is copied into the test.

mod common;

use std::fmt::Write as _;
use std::process::Command;
use uapi_abi::export::layout_json;
use uapi_model::model::Arch;

fn gcc_agrees(arch: Arch, gcc_flag: Option<&str>) {
    let headers = ["linux/vfio.h", "linux/iommu.h"];
    let root = std::path::Path::new("/usr/include");
    gcc_agrees_with(
        common::layout_of(root, &headers, arch),
        &headers,
        arch,
        gcc_flag,
    );
    gcc_agrees_with(
        common::layout_direct(root, &headers, arch),
        &headers,
        arch,
        gcc_flag,
    );
}

fn gcc_agrees_with(
    layout: uapi_model::model::Layout,
    headers: &[&str],
    arch: Arch,
    gcc_flag: Option<&str>,
) {
    let mut program = String::from("#include <stdio.h>\n#include <stddef.h>\n");
    for h in headers {
        let _ = writeln!(program, "#include <{h}>");
    }
    program.push_str("int main(void) {\n");
    let mut expected = Vec::new();
    let mut checked_fields = 0;
    for &h in headers {
        let json = layout_json(&layout, h);
        let records = json["records"].as_object().expect("records");
        for (name, rec) in records {
            let _ = writeln!(
                program,
                "  printf(\"%zu %zu\\n\", sizeof({name}), _Alignof({name}));"
            );
            expected.push(format!("{} {}", rec["size"], rec["align"]));
            for f in rec["fields"].as_array().expect("fields") {
                if f.get("bit_offset").is_some() {
                    continue;
                }
                let path = f["name"].as_str().expect("name");
                let _ = writeln!(program, "  printf(\"%zu\\n\", offsetof({name}, {path}));");
                expected.push(f["offset"].to_string());
                checked_fields += 1;
            }
        }
    }
    program.push_str("  return 0;\n}\n");
    assert!(expected.len() > 40, "too few records to be a real check");
    assert!(checked_fields > 100, "too few fields to be a real check");

    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("check.c");
    let exe = dir.path().join("check");
    std::fs::write(&src, program).expect("write");
    let mut gcc = Command::new("gcc");
    if let Some(flag) = gcc_flag {
        gcc.arg(flag);
    }
    let status = gcc
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc failed to compile the check program");
    let out = Command::new(&exe).output().expect("check program runs");
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(got, expected, "gcc disagrees with the {arch} export");
}

#[test]
fn x86_64_layout_equals_gcc() {
    gcc_agrees(Arch::X86_64, None);
}

#[test]
fn i386_layout_equals_gcc_m32() {
    gcc_agrees(Arch::I386, Some("-m32"));
}
