//! The structured fuzz arguments are encoded into the bytes of the kernel's structs: each field
//! lands at the offset the bindgen-generated struct in `abi-snapshots/` gives it, with the value
//! the field's documentation promises. Offsets come from the bindings, not from `uapi.rs`, so a
//! wrong encoder offset cannot hide behind a wrong constant.
#![cfg(target_arch = "x86_64")]

use abi_bindings::vfio::{v5_5_fixture, v5_6_seed_v1_fixture, v6_12};
use soft_iommu::ops::{hwpt_bytes, vfio_bytes, HwptArg, HwptEntry, NbGranules, VfioArg};
use soft_iommu::world::{DATA_LEN, DATA_PAGE};
use std::mem::{offset_of, size_of};

use v5_5_fixture::linux_iommu::{iommu_cache_invalidate_info as I, iommu_inv_addr_info as A};
use v5_6_seed_v1_fixture::linux_vfio::vfio_iommu_type1_cache_invalidate as C;
use v6_12::linux_iommufd::{iommu_hwpt_invalidate as H, iommu_hwpt_vtd_s1_invalidate as E};

/// Offset of `cache_info` in the ioctl argument.
const INFO: usize = offset_of!(C, cache_info);
/// Offset of the union (`pasid_info` / `granu_addr_info`) in the ioctl argument.
const UNION: usize = INFO + offset_of!(I, __bindgen_anon_1);

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(b[off..off + 2].try_into().unwrap())
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

/// Every field of a version-1 argument at its offset in `struct vfio_iommu_type1_cache_invalidate`
/// (v1 patch) and its embedded `struct iommu_cache_invalidate_info` (v5.5), with distinct values
/// so that a field written to another field's place shows.
#[test]
fn vfio_v1_argument_has_every_field_at_its_kernel_offset() {
    let arg = VfioArg {
        flags: 0x11,
        cache: 0x05,
        granularity: 0x02,
        padding: 0xbeef,
        info_flags: 0x07,
        pasid: 3,
        pasid_huge: true,
        addr_page: 5,
        granule_shift: 1,
        ..VfioArg::typical()
    };
    let b = vfio_bytes(&arg);
    assert_eq!(b.len(), size_of::<C>(), "argsz exact: the whole struct");
    assert_eq!(u32_at(&b, offset_of!(C, argsz)) as usize, size_of::<C>());
    assert_eq!(u32_at(&b, offset_of!(C, flags)), 0x11);
    assert_eq!(u32_at(&b, INFO + offset_of!(I, version)), 1);
    assert_eq!(b[INFO + offset_of!(I, cache)], 0x05);
    assert_eq!(b[INFO + offset_of!(I, granularity)], 0x02);
    assert_eq!(u16_at(&b, INFO + offset_of!(I, padding)), 0xbeef);
    assert_eq!(u32_at(&b, UNION + offset_of!(A, flags)), 0x07);
    assert_eq!(u32_at(&b, UNION + offset_of!(A, archid)), 0);
    // `pasid_huge`: a PASID above the 20 bits a PASID has, keeping the small value below.
    assert_eq!(u64_at(&b, UNION + offset_of!(A, pasid)), (1 << 20) | 3);
    // `addr` in 4 KiB pages; `granule_size` 4 KiB shifted left by `granule_shift`.
    assert_eq!(u64_at(&b, UNION + offset_of!(A, addr)), 5 * 4096);
    assert_eq!(u64_at(&b, UNION + offset_of!(A, granule_size)), 2 * 4096);
    assert_eq!(u64_at(&b, UNION + offset_of!(A, nb_granules)), 1);

    let small = vfio_bytes(&VfioArg {
        pasid_huge: false,
        ..arg
    });
    assert_eq!(u64_at(&small, UNION + offset_of!(A, pasid)), 3);
}

/// `granule_shift` below 52 shifts 4 KiB (51 reaches bit 63); 52 and above stand for 0x3000,
/// which is not a power of two.
#[test]
fn vfio_granule_shift_52_and_above_encode_0x3000() {
    let granule = |granule_shift| {
        let b = vfio_bytes(&VfioArg {
            granule_shift,
            ..VfioArg::typical()
        });
        u64_at(&b, UNION + offset_of!(A, granule_size))
    };
    assert_eq!(granule(0), 4096);
    assert_eq!(granule(51), 1 << 63);
    assert_eq!(granule(52), 0x3000);
    assert_eq!(granule(60), 0x3000);
}

/// Version 2 is version 1's `cache_info` with a `__u64 ext` appended: `ext` sits right after the
/// v5.5 struct's end, and `argsz` covers it.
#[test]
fn vfio_v2_argument_appends_ext_after_the_v1_struct() {
    let b = vfio_bytes(&VfioArg {
        version: 2,
        ext: 0x5a,
        ..VfioArg::typical()
    });
    let ext = INFO + size_of::<I>();
    assert_eq!(b.len(), ext + 8);
    assert_eq!(u32_at(&b, offset_of!(C, argsz)) as usize, ext + 8);
    assert_eq!(u32_at(&b, INFO + offset_of!(I, version)), 2);
    assert_eq!(u64_at(&b, ext), 0x5a);
}

/// Every field of an iommufd argument at its offset in `struct iommu_hwpt_invalidate` (6.12), and
/// each entry at its offset in `struct iommu_hwpt_vtd_s1_invalidate`: the array starts
/// `uptr_offset` (modulo the mapped data length) into the data pages, and `data_uptr` points there.
#[test]
fn hwpt_argument_and_entries_have_every_field_at_its_kernel_offset() {
    let offset = 24;
    let arg = HwptArg {
        hwpt_id: 2,
        uptr_offset: (DATA_LEN + offset) as u16,
        data_type: 0x33,
        reserved: 0x44,
        entry_num_raw: None,
        ..HwptArg::typical(vec![
            HwptEntry {
                addr_page: 5,
                unaligned: true,
                npages: NbGranules::Small(3),
                flags: 0x01,
                reserved: 0x22,
            },
            HwptEntry::pages(9, 2),
        ])
    };
    let (b, data) = hwpt_bytes(&arg);
    assert_eq!(b.len(), size_of::<H>(), "size exact: the whole struct");
    assert_eq!(u32_at(&b, offset_of!(H, size)) as usize, size_of::<H>());
    assert_eq!(u32_at(&b, offset_of!(H, hwpt_id)), 2);
    assert_eq!(u64_at(&b, offset_of!(H, data_uptr)), DATA_PAGE + offset);
    assert_eq!(u32_at(&b, offset_of!(H, data_type)), 0x33);
    assert_eq!(
        u32_at(&b, offset_of!(H, entry_len)) as usize,
        size_of::<E>()
    );
    assert_eq!(u32_at(&b, offset_of!(H, entry_num)), 2);
    assert_eq!(u32_at(&b, offset_of!(H, __reserved)), 0x44);

    let (at, len) = (offset as usize, size_of::<E>());
    assert_eq!(data.len(), at + 2 * len);
    assert!(data[..at].iter().all(|&x| x == 0));
    let e = &data[at..at + len];
    assert_eq!(
        u64_at(e, offset_of!(E, addr)),
        (5 << 12) | 1,
        "addr in pages, plus 1 if unaligned"
    );
    assert_eq!(u64_at(e, offset_of!(E, npages)), 3);
    assert_eq!(u32_at(e, offset_of!(E, flags)), 0x01);
    assert_eq!(u32_at(e, offset_of!(E, __reserved)), 0x22);
    let e = &data[at + len..];
    assert_eq!(u64_at(e, offset_of!(E, addr)), 9 << 12);
    assert_eq!(u64_at(e, offset_of!(E, npages)), 2);

    let (b, _) = hwpt_bytes(&HwptArg {
        null_uptr: true,
        ..arg
    });
    assert_eq!(u64_at(&b, offset_of!(H, data_uptr)), 0);
}
