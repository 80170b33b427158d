//! The offsets each profile uses are those of the bindgen-generated structs committed in
//! `abi-snapshots/` for that version.
#![cfg(target_arch = "x86_64")]

use abi_bindings::vfio::{v5_5_fixture, v5_6_seed_v1_fixture, v6_12};
use soft_iommu::uapi::{cache_info as ci, hwpt_invalidate as h, vfio_cache_invalidate as cmd};
use std::mem::{offset_of, size_of};

#[test]
fn v1_profile_matches_the_seed_patch_struct() {
    use v5_6_seed_v1_fixture::linux_vfio::vfio_iommu_type1_cache_invalidate as C;
    assert_eq!(offset_of!(C, argsz) as u64, cmd::ARGSZ);
    assert_eq!(offset_of!(C, flags) as u64, cmd::FLAGS);
    assert_eq!(offset_of!(C, cache_info) as u64, cmd::CACHE_INFO);
    assert_eq!(size_of::<C>() as u64, cmd::CACHE_INFO + ci::SIZE_V1);
}

#[test]
fn cache_info_matches_v5_5() {
    use v5_5_fixture::linux_iommu::{
        iommu_cache_invalidate_info as I, iommu_inv_addr_info as A, iommu_inv_pasid_info as P,
    };
    assert_eq!(size_of::<I>() as u64, ci::SIZE_V1);
    assert_eq!(offset_of!(I, version) as u64, ci::VERSION);
    assert_eq!(offset_of!(I, cache) as u64, ci::CACHE);
    assert_eq!(offset_of!(I, granularity) as u64, ci::GRANULARITY);
    assert_eq!(offset_of!(I, padding) as u64, ci::PADDING);
    assert_eq!(size_of::<P>() as u64, ci::PASID_INFO_SIZE);
    assert_eq!(size_of::<A>() as u64, ci::ADDR_INFO_SIZE);
    assert_eq!(offset_of!(P, pasid) as u64, ci::U_PASID);
    assert_eq!(offset_of!(A, flags) as u64, ci::U_FLAGS);
    assert_eq!(offset_of!(A, archid) as u64, ci::U_ARCHID);
    assert_eq!(offset_of!(A, addr) as u64, ci::U_ADDR);
    assert_eq!(offset_of!(A, granule_size) as u64, ci::U_GRANULE_SIZE);
    assert_eq!(offset_of!(A, nb_granules) as u64, ci::U_NB_GRANULES);
}

#[test]
fn iommufd_profile_matches_6_12() {
    use v6_12::linux_iommufd::{iommu_hwpt_invalidate as C, iommu_hwpt_vtd_s1_invalidate as E};
    assert_eq!(size_of::<C>() as u64, h::STRUCT_SIZE);
    assert_eq!(offset_of!(C, size) as u64, h::SIZE);
    assert_eq!(offset_of!(C, hwpt_id) as u64, h::HWPT_ID);
    assert_eq!(offset_of!(C, data_uptr) as u64, h::DATA_UPTR);
    assert_eq!(offset_of!(C, data_type) as u64, h::DATA_TYPE);
    assert_eq!(offset_of!(C, entry_len) as u64, h::ENTRY_LEN);
    assert_eq!(offset_of!(C, entry_num) as u64, h::ENTRY_NUM);
    assert_eq!(offset_of!(C, __reserved) as u64, h::RESERVED);
    assert_eq!(size_of::<E>() as u64, h::ENTRY_SIZE);
    assert_eq!(offset_of!(E, addr) as u64, h::E_ADDR);
    assert_eq!(offset_of!(E, npages) as u64, h::E_NPAGES);
    assert_eq!(offset_of!(E, flags) as u64, h::E_FLAGS);
    assert_eq!(offset_of!(E, __reserved) as u64, h::E_RESERVED);
    assert_eq!(
        v6_12::linux_iommufd::IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
        h::DATA_VTD_S1
    );
    assert_eq!(
        v6_12::linux_iommufd::IOMMU_VTD_INV_FLAGS_LEAF,
        h::E_FLAG_LEAF
    );
}
