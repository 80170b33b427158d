//! The hazards of the VFIO_IOMMU_CACHE_INVALIDATE review and its history, and which oracle
//! findings stand for each: `make hunt` fuzzes the `v1` profile until a finding of the hazard it
//! hunts appears.

use crate::errno::Errno;
use crate::oracle::{self, Finding, FindingKind};

/// A review finding the harness must rediscover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hazard {
    /// The payload size comes from `version` and `argsz` is never re-checked: a grown versioned
    /// struct, or an `argsz` short of its version's size, is read past what the user passed.
    OverRead,
    /// No check that the container uses a nesting IOMMU.
    ModeCheck,
    /// Devices invalidated one by one, the first error returned: a failure half way leaves
    /// userspace unable to tell what is still stale.
    PartialFailure,
    /// Unknown flag bits accepted.
    UnknownFlags,
    /// Non-zero bytes past the known struct accepted (`-E2BIG` expected).
    TrailingBytes,
    /// An address range that overflows accepted (and, wrapped, invalidating nothing).
    RangeOverflow,
    /// An invalidation that reaches into a sibling domain.
    SiblingLeak,
}

impl Hazard {
    /// Every hazard.
    pub const ALL: [Hazard; 7] = [
        Hazard::OverRead,
        Hazard::ModeCheck,
        Hazard::PartialFailure,
        Hazard::UnknownFlags,
        Hazard::TrailingBytes,
        Hazard::RangeOverflow,
        Hazard::SiblingLeak,
    ];

    /// The name used by `make hunt`.
    pub fn name(self) -> &'static str {
        match self {
            Hazard::OverRead => "over-read",
            Hazard::ModeCheck => "mode-check",
            Hazard::PartialFailure => "partial-failure",
            Hazard::UnknownFlags => "unknown-flags",
            Hazard::TrailingBytes => "trailing-bytes",
            Hazard::RangeOverflow => "range-overflow",
            Hazard::SiblingLeak => "sibling-leak",
        }
    }

    /// Parses [`Hazard::name`].
    pub fn from_name(s: &str) -> Option<Hazard> {
        Hazard::ALL.into_iter().find(|h| h.name() == s)
    }

    /// The hazard an oracle finding shows, if it is one of the review's.
    pub fn of(f: &Finding) -> Option<Hazard> {
        match f.kind {
            FindingKind::ReadOutside if f.reason == oracle::NOT_NESTING => Some(Hazard::ModeCheck),
            FindingKind::ReadOutside => Some(Hazard::OverRead),
            FindingKind::OtherDomain => Some(Hazard::SiblingLeak),
            FindingKind::ChangedOnError => Some(Hazard::PartialFailure),
            FindingKind::WrongErrno if f.got == Err(Errno::Eio) && f.expected.is_ok() => {
                Some(Hazard::PartialFailure)
            }
            FindingKind::WrongErrno => match f.reason {
                oracle::NOT_NESTING => Some(Hazard::ModeCheck),
                oracle::UNKNOWN_FLAGS => Some(Hazard::UnknownFlags),
                oracle::TRAILING_BYTES => Some(Hazard::TrailingBytes),
                oracle::RANGE_OVERFLOW => Some(Hazard::RangeOverflow),
                oracle::ARGSZ_BELOW_VERSION => Some(Hazard::OverRead),
                _ => None,
            },
            _ => None,
        }
    }
}
