//! uapi-abi: the layouts of Linux UAPI headers, extracted with bindgen and checked against a
//! compiled probe for every target architecture (committed snapshots), or read in one libclang
//! parse per header (header trees being checked), and kept as reviewable snapshots.
//!
//! The library never prints and never exits; the `uapi-guard` binary is the only user interface.

#![deny(missing_docs)]

pub mod check;
pub mod diff;
pub mod equivalence;
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
pub mod model;
pub mod probe;
pub mod progress;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod sysroot;
pub mod uapi_tree;
pub mod waiver;

pub use error::Error;

use layout::Extraction;
use model::Arch;
use std::path::Path;

/// Extracts header set `set` under `root` for every architecture in `arches`, with the set's
/// own front end unless `frontend` names one.
///
/// Results come back in the order of `arches`.
pub fn extract_set(
    root: &Path,
    set: &str,
    version: &str,
    arches: &[Arch],
    frontend: Option<layout::Frontend>,
) -> Result<Vec<Extraction>, Error> {
    let (headers, mut policy) = headers::resolve(set, root)?;
    if let Some(f) = frontend {
        policy.frontend = f;
    }
    extract_headers(root, set, version, &headers, policy, arches)
}

/// Extracts an explicit list of headers under `root` (relative paths such as `linux/vfio.h`),
/// labelled as header set `label`, for every architecture in `arches`; architectures and
/// headers share one thread pool.
pub fn extract_headers(
    root: &Path,
    label: &str,
    version: &str,
    headers: &[String],
    policy: headers::SetPolicy,
    arches: &[Arch],
) -> Result<Vec<Extraction>, Error> {
    use rayon::prelude::*;
    let sysroot = sysroot::Sysroot::new(root, arches)?;
    arches
        .par_iter()
        .map(|&arch| {
            let mut list = headers.to_vec();
            if policy.asm {
                list.extend(sysroot.asm_headers(arch));
            }
            let extract = if policy.as_userspace {
                layout::extract_as_userspace
            } else {
                layout::read_layout
            };
            let extraction = extract(
                &sysroot,
                label,
                version,
                &list,
                arch,
                policy.on_error,
                policy.frontend,
            )?;
            for s in &extraction.layout.skipped {
                progress::report(progress::Event::Skipped {
                    root,
                    arch,
                    header: &s.header,
                    reason: &s.reason,
                });
            }
            Ok(extraction)
        })
        .collect()
}
