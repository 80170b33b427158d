//! The committed bindings carry the layouts DESIGN.md records for the kernel's history; the
//! bindings' own layout assertions run when this crate compiles.
#![cfg(target_arch = "x86_64")]

use abi_bindings::vfio;
use std::mem::{offset_of, size_of};

#[test]
fn v5_5_cache_invalidate_info_is_48_bytes_with_version_first() {
    use vfio::v5_5_fixture::linux_iommu::iommu_cache_invalidate_info as Info;
    assert_eq!(size_of::<Info>(), 48);
    assert_eq!(offset_of!(Info, version), 0);
}

#[test]
fn v5_10_prepends_argsz_and_grows_to_56() {
    use vfio::v5_10::linux_iommu::{iommu_cache_invalidate_info as Info, iommu_page_response};
    assert_eq!(size_of::<Info>(), 56);
    assert_eq!(offset_of!(Info, argsz), 0);
    assert_eq!(offset_of!(Info, version), 4);
    assert_eq!(offset_of!(Info, granu), 16);
    assert_eq!(size_of::<iommu_page_response>(), 24);
}

#[test]
fn v6_12_hwpt_invalidate_is_32_bytes() {
    use vfio::v6_12::linux_iommufd::iommu_hwpt_invalidate as Inv;
    assert_eq!(size_of::<Inv>(), 32);
    assert_eq!(offset_of!(Inv, data_uptr), 8);
    assert_eq!(offset_of!(Inv, entry_num), 24);
    assert_eq!(offset_of!(Inv, __reserved), 28);
}

#[test]
fn seed_patch_embeds_the_versioned_struct_after_flags() {
    use vfio::v5_6_seed_v1_fixture::linux_vfio::vfio_iommu_type1_cache_invalidate as Cmd;
    assert_eq!(offset_of!(Cmd, cache_info), 8);
    assert_eq!(size_of::<Cmd>(), 56);
}
