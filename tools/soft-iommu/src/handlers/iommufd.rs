//! iommufd's `IOMMU_HWPT_INVALIDATE` with the VT-d stage-1 entry format: `size < 32` is `-EINVAL`,
//! then `copy_struct_from_user`; `__reserved` is `-EOPNOTSUPP`; entries without a buffer are
//! `-EINVAL`; an unknown object is `-ENOENT` and one that is not a nested HWPT `-EINVAL`; entries
//! are handled in order and processing stops at the first bad one; `entry_num` is written back on
//! every path after the command was copied, with the number handled; `entry_num == 0` only probes
//! `data_type` and reads no entry.

use crate::copy_struct::copy_struct_from_user;
use crate::errno::Errno;
use crate::fail_nth::FailNth;
use crate::iommu::DomainId;
use crate::request::{page_range, Invalidation};
use crate::uapi::{hwpt_invalidate as h, put, u32_at, u64_at};
use crate::usermem::PAGE_SIZE;
use crate::world::World;

pub fn hwpt_invalidate(world: &mut World, arg: u64, faults: &mut FailNth) -> Result<(), Errno> {
    let size = u64::from(u32_at(&world.mem.copy_from_user(faults, arg, 4)?, 0));
    if size < h::STRUCT_SIZE {
        return Err(Errno::Einval);
    }
    let mut cmd = copy_struct_from_user(&mut world.mem, faults, h::STRUCT_SIZE, arg, size)?;
    let (rc, done) = invalidate(world, &cmd, faults);
    put(&mut cmd, h::ENTRY_NUM, 4, u64::from(done));
    world.mem.copy_to_user(faults, arg, &cmd)?;
    rc
}

fn invalidate(world: &mut World, cmd: &[u8], faults: &mut FailNth) -> (Result<(), Errno>, u32) {
    if u32_at(cmd, h::RESERVED) != 0 {
        return (Err(Errno::Eopnotsupp), 0);
    }
    let data_uptr = u64_at(cmd, h::DATA_UPTR);
    let entry_len = u64::from(u32_at(cmd, h::ENTRY_LEN));
    let entry_num = u32_at(cmd, h::ENTRY_NUM);
    if entry_num != 0 && (data_uptr == 0 || entry_len == 0) {
        return (Err(Errno::Einval), 0);
    }
    let dom = match nested_domain(world, u32_at(cmd, h::HWPT_ID)) {
        Ok(d) => d,
        Err(e) => return (Err(e), 0),
    };
    if u32_at(cmd, h::DATA_TYPE) != h::DATA_VTD_S1 {
        return (Err(Errno::Einval), 0);
    }
    if entry_num == 0 {
        return (Ok(()), 0);
    }
    if !(h::ENTRY_SIZE..=h::ENTRY_SIZE).contains(&entry_len) {
        return (Err(Errno::Einval), 0);
    }
    let mut entry = [0u8; h::ENTRY_SIZE as usize];
    for index in 0..entry_num {
        let addr = u64::from(index)
            .checked_mul(entry_len)
            .and_then(|off| data_uptr.checked_add(off));
        if let Err(e) = addr
            .ok_or(Errno::Efault)
            .and_then(|a| world.mem.copy_from_user_into(faults, a, &mut entry))
        {
            return (Err(e), index);
        }
        let request = match parse_entry(world, dom, &entry) {
            Ok(r) => r,
            Err(e) => return (Err(e), index),
        };
        world.iommu.flush_iotlb(dom, None, request.range);
        for slot in request.devices.slots() {
            if let Err(e) = world
                .iommu
                .flush_dev_iotlb_slot(faults, slot, None, request.range)
            {
                return (Err(e), index);
            }
        }
    }
    (Ok(()), entry_num)
}

fn nested_domain(world: &World, hwpt_id: u32) -> Result<DomainId, Errno> {
    let dom = world.hwpts.get(hwpt_id).ok_or(Errno::Enoent)?;
    if world.iommu.domain(dom).is_some_and(|d| d.nesting) {
        Ok(dom)
    } else {
        Err(Errno::Einval)
    }
}

/// Validates one `struct iommu_hwpt_vtd_s1_invalidate`.
pub fn parse_entry(world: &World, dom: DomainId, e: &[u8]) -> Result<Invalidation, Errno> {
    let addr = u64_at(e, h::E_ADDR);
    let npages = u64_at(e, h::E_NPAGES);
    if u32_at(e, h::E_FLAGS) & !h::E_FLAG_LEAF != 0 || u32_at(e, h::E_RESERVED) != 0 {
        return Err(Errno::Eopnotsupp);
    }
    if !addr.is_multiple_of(PAGE_SIZE) || npages == 0 {
        return Err(Errno::Einval);
    }
    let range = if npages == u64::MAX && addr == 0 {
        None
    } else {
        let len = npages.checked_mul(PAGE_SIZE).ok_or(Errno::Einval)?;
        addr.checked_add(len).ok_or(Errno::Einval)?;
        Some(page_range(addr, u128::from(len)).ok_or(Errno::Einval)?)
    };
    Ok(Invalidation {
        domain: dom,
        devices: world
            .iommu
            .domain(dom)
            .map(|d| d.devices)
            .unwrap_or_default(),
        iotlb: true,
        dev_iotlb: true,
        pasid_cache: false,
        pasid: None,
        range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iommu::PageRange;

    fn entry(addr: u64, npages: u64) -> Vec<u8> {
        let mut e = vec![0; h::ENTRY_SIZE as usize];
        put(&mut e, h::E_ADDR, 8, addr);
        put(&mut e, h::E_NPAGES, 8, npages);
        e
    }

    #[test]
    fn entry_needs_a_page_aligned_address_and_at_least_one_page() {
        let w = World::new();
        let range = |e: &[u8]| parse_entry(&w, 1, e).map(|r| r.range);
        assert_eq!(range(&entry(PAGE_SIZE + 8, 1)), Err(Errno::Einval));
        assert_eq!(range(&entry(PAGE_SIZE, 0)), Err(Errno::Einval));
        let pages_1_2 = PageRange { first: 1, last: 2 };
        assert_eq!(range(&entry(PAGE_SIZE, 2)), Ok(Some(pages_1_2)));
    }
}
