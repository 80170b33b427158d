//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use uapi_abi::layout::{extract_layout, OnCompileError};
use uapi_abi::model::{Arch, Layout};
use uapi_abi::sysroot::Sysroot;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layout")
}

/// Layout of `headers` under `root` for `arch`.
pub fn layout_of(root: &std::path::Path, headers: &[&str], arch: Arch) -> Layout {
    layout_with(
        root,
        headers,
        arch,
        uapi_abi::extract::MacroEval::BindgenFallback,
    )
}

/// Layout of `headers` under `root` for `arch`, read by the direct libclang front end.
pub fn layout_direct(root: &std::path::Path, headers: &[&str], arch: Arch) -> Layout {
    let sysroot = Sysroot::new(root, &[arch]).expect("sysroot");
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    uapi_abi::layout::read_layout(
        &sysroot,
        "test",
        "test",
        &headers,
        arch,
        OnCompileError::Fail,
        uapi_abi::layout::Frontend::Direct { verify: false },
    )
    .expect("extraction")
    .layout
}

/// Layout of `headers` under `root` for `arch`, evaluating macros the way `macros` says.
pub fn layout_with(
    root: &std::path::Path,
    headers: &[&str],
    arch: Arch,
    macros: uapi_abi::extract::MacroEval,
) -> Layout {
    let sysroot = Sysroot::new(root, &[arch]).expect("sysroot");
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    extract_layout(
        &sysroot,
        "test",
        "test",
        &headers,
        arch,
        OnCompileError::Fail,
        macros,
    )
    .expect("extraction")
    .layout
}
