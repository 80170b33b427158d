//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use uapi_abi::layout::OnCompileError;
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
    read(
        root,
        headers,
        arch,
        uapi_abi::layout::Frontend::Direct { verify: false },
    )
}

/// Layout of `headers` under `root` for `arch`, evaluating macros the way `macros` says.
pub fn layout_with(
    root: &std::path::Path,
    headers: &[&str],
    arch: Arch,
    macros: uapi_abi::extract::MacroEval,
) -> Layout {
    read(
        root,
        headers,
        arch,
        uapi_abi::layout::Frontend::Bindgen(macros),
    )
}

/// Layout of `headers` under `root` for `arch`, read by `frontend`; any error fails the test.
fn read(
    root: &std::path::Path,
    headers: &[&str],
    arch: Arch,
    frontend: uapi_abi::layout::Frontend,
) -> Layout {
    let sysroot = Sysroot::new(root, &[arch]).expect("sysroot");
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    uapi_abi::layout::read_layout(
        &sysroot,
        "test",
        "test",
        &headers,
        arch,
        OnCompileError::Fail,
        frontend,
    )
    .expect("extraction")
    .layout
}
