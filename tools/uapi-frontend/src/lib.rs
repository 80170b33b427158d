//! uapi-frontend: reads Linux UAPI header trees into the layout model, for every target
//! architecture. Header trees being checked are read in one libclang parse per header and
//! architecture (the direct front end); committed snapshots are made with bindgen and checked
//! against a compiled probe whose values are read back from the object file.
//!
//! This is the only crate that links libclang (bindgen, clang-sys), reads object files (goblin)
//! or holds `unsafe` code. It never prints and never exits.

#![deny(missing_docs)]

pub mod equivalence;
pub mod extract;
pub mod headers;
pub mod layout;
pub mod probe;
pub mod progress;
pub mod sysroot;

pub use uapi_model::Error;
use uapi_model::{error, input, model, uapi_tree};

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
