//! uapi-abi: the layouts of Linux UAPI headers, extracted with bindgen, checked against a compiled
//! probe for every target architecture, and kept as reviewable snapshots.
//!
//! The library never prints and never exits; the `uapi-guard` binary is the only user interface.

#![deny(missing_docs)]

pub mod check;
pub mod diff;
pub mod error;
pub mod export;
pub mod extract;
pub mod findings;
pub mod fuzz_check;
pub mod headers;
pub mod input;
pub mod kb;
pub mod layout;
pub mod lints;
pub mod mbox;
pub mod progress;
pub mod model;
pub mod probe;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod sysroot;
pub mod uapi_tree;
pub mod waiver;

pub use error::Error;

use layout::{extract_layout, Extraction};
use model::Arch;
use std::path::Path;
use std::sync::Mutex;

/// Extracts header set `set` under `root` for every architecture in `arches`, two at a time.
///
/// Results come back in the order of `arches`.
pub fn extract_set(
    root: &Path,
    set: &str,
    version: &str,
    arches: &[Arch],
) -> Result<Vec<Extraction>, Error> {
    let (headers, policy) = headers::resolve(set, root)?;
    extract_headers(root, set, version, &headers, policy, arches)
}

/// Extracts an explicit list of headers under `root` (relative paths such as `linux/vfio.h`),
/// labelled as header set `label`, for every architecture in `arches`, two at a time.
pub fn extract_headers(
    root: &Path,
    label: &str,
    version: &str,
    headers: &[String],
    policy: headers::SetPolicy,
    arches: &[Arch],
) -> Result<Vec<Extraction>, Error> {
    let sysroot = sysroot::Sysroot::new(root, arches)?;
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<Result<Extraction, Error>>>> =
        Mutex::new(arches.iter().map(|_| None).collect());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(arches.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(&arch) = arches.get(i) else { break };
                let mut list = headers.to_vec();
                if policy.asm {
                    list.extend(sysroot.asm_headers(arch));
                }
                let extract = if policy.as_userspace {
                    layout::extract_as_userspace
                } else {
                    extract_layout
                };
                let r = extract(
                    &sysroot,
                    label,
                    version,
                    &list,
                    arch,
                    policy.on_error,
                    policy.macros,
                );
                results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.expect("every architecture was processed"))
        .collect()
}
