//! The ioctl handlers, in three profiles selectable at run time.

mod iommufd;
mod v1;
mod vfio_fixed;

use crate::errno::Errno;
use crate::fail_nth::FailNth;
use crate::world::World;

/// Which kernel is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, arbitrary::Arbitrary)]
pub enum Profile {
    /// `VFIO_IOMMU_CACHE_INVALIDATE` exactly as the seed's v1 patch does it, bugs included.
    V1,
    /// The same ioctl as the review asked for.
    VfioFixed,
    /// iommufd's `IOMMU_HWPT_INVALIDATE`.
    Iommufd,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [Profile::V1, Profile::VfioFixed, Profile::Iommufd];

    /// The name used on command lines and in traces.
    pub fn name(self) -> &'static str {
        match self {
            Profile::V1 => "v1",
            Profile::VfioFixed => "vfio-fixed",
            Profile::Iommufd => "iommufd",
        }
    }

    /// Parses [`Profile::name`].
    pub fn from_name(s: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// An ioctl call: which command, on which object, with the argument at which user address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `ioctl(container_fd, VFIO_IOMMU_CACHE_INVALIDATE, arg)`.
    VfioCacheInvalidate {
        /// The container.
        container: u32,
        /// User address of the argument.
        arg: u64,
    },
    /// `ioctl(iommufd, IOMMU_HWPT_INVALIDATE, arg)`.
    HwptInvalidate {
        /// User address of the argument.
        arg: u64,
    },
}

/// Runs one ioctl in `profile`. A profile handles only its own ioctl (`-ENOTTY` otherwise).
pub fn ioctl(
    world: &mut World,
    profile: Profile,
    call: Call,
    faults: &mut FailNth,
) -> Result<(), Errno> {
    match (profile, call) {
        (Profile::V1, Call::VfioCacheInvalidate { container, arg }) => {
            v1::cache_invalidate(world, container, arg, faults)
        }
        (Profile::VfioFixed, Call::VfioCacheInvalidate { container, arg }) => {
            vfio_fixed::cache_invalidate(world, container, arg, faults)
        }
        (Profile::Iommufd, Call::HwptInvalidate { arg }) => {
            iommufd::hwpt_invalidate(world, arg, faults)
        }
        _ => Err(Errno::Enotty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `UAPI_GUARD_PROFILES` and the traces use these exact names.
    #[test]
    fn profile_names_are_fixed_and_parse_back() {
        let names: Vec<_> = Profile::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["v1", "vfio-fixed", "iommufd"]);
        for p in Profile::ALL {
            assert_eq!(Profile::from_name(p.name()), Some(p));
        }
        assert_eq!(Profile::from_name("v2"), None);
    }
}
