//! The user-visible structs each profile reads, as byte layouts (x86_64, which is what the
//! committed bindings describe; `tests/layouts.rs` asserts these offsets equal the bindgen-generated
//! structs in `abi-snapshots/`), plus little-endian encoders for building user buffers.

/// `struct vfio_iommu_type1_cache_invalidate` of the seed's v1 patch
/// (`abi-snapshots/vfio/5.6-seed-v1-fixture`): `argsz`, `flags`, then the embedded
/// `struct iommu_cache_invalidate_info`.
pub mod vfio_cache_invalidate {
    /// Offset of `argsz`.
    pub const ARGSZ: u64 = 0;
    /// Offset of `flags`.
    pub const FLAGS: u64 = 4;
    /// Offset of `cache_info`.
    pub const CACHE_INFO: u64 = 8;
    /// `offsetofend(flags)`: the v1 patch's minsz.
    pub const MINSZ_V1: u64 = 8;
    /// `offsetofend(cache_info.version)`: the minsz the review asked for.
    pub const MINSZ_FIXED: u64 = 12;
}

/// `struct iommu_cache_invalidate_info` as of v5.5 (`abi-snapshots/vfio/5.5-fixture`), version 1.
///
/// Version 2 is this model's own stand-in for "a field gets added, the version is bumped" from the
/// review: version 1's layout with `__u64 ext` appended (56 bytes), `ext` required to be zero.
pub mod cache_info {
    /// Offset of `version`.
    pub const VERSION: u64 = 0;
    /// Offset of `cache` (bit mask).
    pub const CACHE: u64 = 4;
    /// Offset of `granularity`.
    pub const GRANULARITY: u64 = 5;
    /// Offset of `padding[2]`.
    pub const PADDING: u64 = 6;
    /// Offset of the union (`pasid_info` / `granu_addr_info`).
    pub const UNION: u64 = 8;
    /// `sizeof` version 1.
    pub const SIZE_V1: u64 = 48;
    /// `sizeof` version 2 (this model's growth).
    pub const SIZE_V2: u64 = 56;
    /// Offset of version 2's `ext`.
    pub const EXT_V2: u64 = 48;
    /// `sizeof(struct iommu_inv_pasid_info)`.
    pub const PASID_INFO_SIZE: u64 = 16;
    /// `sizeof(struct iommu_inv_addr_info)`.
    pub const ADDR_INFO_SIZE: u64 = 40;
    /// Offsets inside the union (both infos start with flags, archid, pasid).
    pub const U_FLAGS: u64 = 0;
    /// `archid`.
    pub const U_ARCHID: u64 = 4;
    /// `pasid`.
    pub const U_PASID: u64 = 8;
    /// `addr_info.addr`.
    pub const U_ADDR: u64 = 16;
    /// `addr_info.granule_size`.
    pub const U_GRANULE_SIZE: u64 = 24;
    /// `addr_info.nb_granules`.
    pub const U_NB_GRANULES: u64 = 32;

    /// `IOMMU_CACHE_INV_TYPE_IOTLB`.
    pub const TYPE_IOTLB: u8 = 1 << 0;
    /// `IOMMU_CACHE_INV_TYPE_DEV_IOTLB`.
    pub const TYPE_DEV_IOTLB: u8 = 1 << 1;
    /// `IOMMU_CACHE_INV_TYPE_PASID`.
    pub const TYPE_PASID: u8 = 1 << 2;
    /// Every known cache type bit.
    pub const TYPE_ALL: u8 = 0b111;
    /// `IOMMU_INV_GRANU_DOMAIN`.
    pub const GRANU_DOMAIN: u8 = 0;
    /// `IOMMU_INV_GRANU_PASID`.
    pub const GRANU_PASID: u8 = 1;
    /// `IOMMU_INV_GRANU_ADDR`.
    pub const GRANU_ADDR: u8 = 2;
    /// `IOMMU_INV_{PASID,ADDR}_FLAGS_PASID`.
    pub const FLAG_PASID: u32 = 1 << 0;
    /// `IOMMU_INV_{PASID,ADDR}_FLAGS_ARCHID`.
    pub const FLAG_ARCHID: u32 = 1 << 1;
    /// `IOMMU_INV_ADDR_FLAGS_LEAF`.
    pub const FLAG_LEAF: u32 = 1 << 2;

    /// The size a version stands for, if the kernel knows it.
    pub fn size_of_version(version: u32) -> Option<u64> {
        match version {
            1 => Some(SIZE_V1),
            2 => Some(SIZE_V2),
            _ => None,
        }
    }
}

/// `struct iommu_hwpt_invalidate` and `struct iommu_hwpt_vtd_s1_invalidate` (iommufd, Linux 6.8+;
/// `abi-snapshots/vfio/6.12`).
pub mod hwpt_invalidate {
    /// Offset of `size`.
    pub const SIZE: u64 = 0;
    /// Offset of `hwpt_id`.
    pub const HWPT_ID: u64 = 4;
    /// Offset of `data_uptr`.
    pub const DATA_UPTR: u64 = 8;
    /// Offset of `data_type`.
    pub const DATA_TYPE: u64 = 16;
    /// Offset of `entry_len`.
    pub const ENTRY_LEN: u64 = 20;
    /// Offset of `entry_num`.
    pub const ENTRY_NUM: u64 = 24;
    /// Offset of `__reserved`.
    pub const RESERVED: u64 = 28;
    /// `sizeof`, which is also the ioctl's minimum size (`offsetofend(__reserved)`).
    pub const STRUCT_SIZE: u64 = 32;
    /// `IOMMU_HWPT_INVALIDATE_DATA_VTD_S1`.
    pub const DATA_VTD_S1: u32 = 0;

    /// Offset of the entry's `addr`.
    pub const E_ADDR: u64 = 0;
    /// Offset of the entry's `npages`.
    pub const E_NPAGES: u64 = 8;
    /// Offset of the entry's `flags`.
    pub const E_FLAGS: u64 = 16;
    /// Offset of the entry's `__reserved`.
    pub const E_RESERVED: u64 = 20;
    /// `sizeof(struct iommu_hwpt_vtd_s1_invalidate)`, also the driver's minimum `entry_len`.
    pub const ENTRY_SIZE: u64 = 24;
    /// `IOMMU_VTD_INV_FLAGS_LEAF`.
    pub const E_FLAG_LEAF: u32 = 1;
}

/// Reads a little-endian integer of `N` bytes at `off`; missing bytes read as zero.
pub fn le<const N: usize>(bytes: &[u8], off: u64) -> u64 {
    let mut v = 0u64;
    for i in 0..N {
        let b = usize::try_from(off)
            .ok()
            .and_then(|o| o.checked_add(i))
            .and_then(|o| bytes.get(o))
            .copied()
            .unwrap_or(0);
        v |= u64::from(b) << (8 * i);
    }
    v
}

/// Reads a `u32` at `off`.
pub fn u32_at(bytes: &[u8], off: u64) -> u32 {
    le::<4>(bytes, off) as u32
}

/// Reads a `u64` at `off`.
pub fn u64_at(bytes: &[u8], off: u64) -> u64 {
    le::<8>(bytes, off)
}

/// Writes a little-endian value of `n` bytes at `off`, growing `buf` as needed.
pub fn put(buf: &mut Vec<u8>, off: u64, n: usize, value: u64) {
    let Ok(off) = usize::try_from(off) else {
        return;
    };
    let end = off.saturating_add(n);
    if buf.len() < end {
        buf.resize(end, 0);
    }
    for i in 0..n {
        buf[off + i] = (value >> (8 * i)) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::cache_info as ci;

    /// The kernel's values (`include/uapi/linux/iommu.h`, v5.6): the model's tests build their
    /// arguments from these constants, so only literals catch a wrong one.
    #[test]
    fn cache_info_bits_have_the_kernel_values() {
        let types = (ci::TYPE_IOTLB, ci::TYPE_DEV_IOTLB, ci::TYPE_PASID);
        assert_eq!(types, (1, 2, 4));
        assert_eq!((ci::FLAG_PASID, ci::FLAG_ARCHID, ci::FLAG_LEAF), (1, 2, 4));
    }
}
