//! soft-iommu: a software model of the kernel side of the IOMMU cache-invalidation ioctls from the
//! VFIO_IOMMU_CACHE_INVALIDATE review and its iommufd successor, with an oracle.
//!
//! Pure and deterministic: no I/O, no panics on any input (every address and size computation is
//! checked). The model has no global state; only [`harness`] keeps a per-thread scratch world that
//! it resets from a fixed starting world before every input, so reuse never changes a result. A
//! fuzzer drives it through [`ops::run_sequence`] or the [`harness`] entry points.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod copy_struct;
pub mod errno;
pub mod fail_nth;
pub mod handlers;
pub mod harness;
pub mod hazard;
pub mod iommu;
pub mod ops;
pub mod oracle;
pub mod request;
#[cfg(test)]
mod test_rng;
pub mod uapi;
pub mod usermem;
pub mod world;

pub use errno::Errno;
pub use handlers::{ioctl, Call, Profile};
pub use ops::{run_sequence, Op, Violation};
