//! `VFIO_IOMMU_CACHE_INVALIDATE` as the seed's v1 patch implements it, with the bugs the review
//! found: minsz ends at `flags`; the size comes from `version` and `argsz` is never checked
//! against it; no check of the IOMMU type; devices are invalidated one by one and the first error
//! is returned with no way to tell which devices were done. Its IOMMU layer (as of v5.6) knows only
//! version 1, checks the granularity table, ignores unknown flag bits and padding, computes the
//! address range with wrapping arithmetic, and flushes PASID-granular IOTLB entries by PASID
//! across every domain.

use crate::errno::Errno;
use crate::fail_nth::{FailNth, FaultPoint};
use crate::iommu::{DomainId, PageRange};
use crate::uapi::{cache_info as ci, u32_at, u64_at, vfio_cache_invalidate as cmd};
use crate::usermem::PAGE_SIZE;
use crate::world::World;

pub fn cache_invalidate(
    world: &mut World,
    container: u32,
    arg: u64,
    faults: &mut FailNth,
) -> Result<(), Errno> {
    let dom = world.containers.get(container).ok_or(Errno::Einval)?;
    let hdr = world.mem.copy_from_user(faults, arg, cmd::MINSZ_V1)?;
    let argsz = u32_at(&hdr, cmd::ARGSZ);
    let flags = u32_at(&hdr, cmd::FLAGS);
    if u64::from(argsz) < cmd::MINSZ_V1 || flags != 0 {
        return Err(Errno::Einval);
    }
    let info_addr = arg.checked_add(cmd::MINSZ_V1).ok_or(Errno::Efault)?;
    let version = u32_at(&world.mem.copy_from_user(faults, info_addr, 4)?, 0);
    let info_size = ci::size_of_version(version).unwrap_or(0);
    if faults.hit(FaultPoint::Alloc) {
        return Err(Errno::Enomem);
    }
    let info = world.mem.copy_from_user(faults, info_addr, info_size)?;
    let devices = world
        .iommu
        .domain(dom)
        .map(|d| d.devices)
        .unwrap_or_default();
    for slot in devices.slots() {
        iommu_cache_invalidate(world, dom, slot, &info, faults)?;
    }
    Ok(())
}

fn iommu_cache_invalidate(
    world: &mut World,
    dom: DomainId,
    dev_slot: usize,
    info: &[u8],
    faults: &mut FailNth,
) -> Result<(), Errno> {
    if u32_at(info, ci::VERSION) != 1 {
        return Err(Errno::Einval);
    }
    let cache = info.get(ci::CACHE as usize).copied().unwrap_or(0);
    let granu = info.get(ci::GRANULARITY as usize).copied().unwrap_or(0);
    if granu > ci::GRANU_ADDR {
        return Err(Errno::Einval);
    }
    if (granu == ci::GRANU_DOMAIN && cache & ci::TYPE_DEV_IOTLB != 0)
        || (granu == ci::GRANU_ADDR && cache & ci::TYPE_PASID != 0)
    {
        return Err(Errno::Einval);
    }
    let pasid = u64_at(info, ci::UNION + ci::U_PASID) as u32;
    let range = (granu == ci::GRANU_ADDR).then(|| {
        let addr = u64_at(info, ci::UNION + ci::U_ADDR);
        let size = u64_at(info, ci::UNION + ci::U_GRANULE_SIZE)
            .wrapping_mul(u64_at(info, ci::UNION + ci::U_NB_GRANULES));
        let end = addr.wrapping_add(size);
        // A range that wraps becomes empty: nothing is invalidated.
        (end > addr).then(|| PageRange {
            first: addr / PAGE_SIZE,
            last: (end - 1) / PAGE_SIZE,
        })
    });
    let iommu = &mut world.iommu;
    if cache & ci::TYPE_IOTLB != 0 {
        match (granu, range) {
            (ci::GRANU_DOMAIN, _) => iommu.flush_iotlb(dom, None, None),
            (ci::GRANU_PASID, _) => iommu.flush_iotlb_all_domains(pasid),
            (_, Some(Some(r))) => iommu.flush_iotlb(dom, Some(pasid), Some(r)),
            _ => {}
        }
    }
    if cache & ci::TYPE_DEV_IOTLB != 0 {
        match range {
            None => iommu.flush_dev_iotlb_slot(faults, dev_slot, Some(pasid), None)?,
            Some(Some(r)) => iommu.flush_dev_iotlb_slot(faults, dev_slot, Some(pasid), Some(r))?,
            Some(None) => {}
        }
    }
    if cache & ci::TYPE_PASID != 0 {
        let p = (granu == ci::GRANU_PASID).then_some(pasid);
        iommu.flush_pasid_cache(dom, p);
    }
    Ok(())
}
