//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use uapi_frontend::layout::OnCompileError;
use uapi_frontend::sysroot::Sysroot;
use uapi_model::model::{Arch, Layout};

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
        uapi_frontend::extract::MacroEval::BindgenFallback,
    )
}

/// Layout of `headers` under `root` for `arch`, read by the direct libclang front end.
pub fn layout_direct(root: &std::path::Path, headers: &[&str], arch: Arch) -> Layout {
    read(
        root,
        headers,
        arch,
        uapi_frontend::layout::Frontend::Direct { verify: false },
    )
}

/// Layout of `headers` under `root` for `arch`, evaluating macros the way `macros` says.
pub fn layout_with(
    root: &std::path::Path,
    headers: &[&str],
    arch: Arch,
    macros: uapi_frontend::extract::MacroEval,
) -> Layout {
    read(
        root,
        headers,
        arch,
        uapi_frontend::layout::Frontend::Bindgen(macros),
    )
}

/// Layout of `headers` under `root` for `arch`, read by `frontend`; any error fails the test.
fn read(
    root: &std::path::Path,
    headers: &[&str],
    arch: Arch,
    frontend: uapi_frontend::layout::Frontend,
) -> Layout {
    let sysroot = Sysroot::new(root, &[arch]).expect("sysroot");
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    uapi_frontend::layout::read_layout(
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
