//! The bindgen-generated Rust of every committed snapshot, as modules
//! `<set>::v<version>::<header>` (e.g. `vfio::v6_12::linux_iommufd`). The bindings are generated
//! for x86_64; on any other host this crate is empty.

#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    clippy::all,
    unnecessary_transmutes,
    missing_docs
)]

#[cfg(target_arch = "x86_64")]
include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
