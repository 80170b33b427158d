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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::put;
    use crate::world::ARG_PAGE;

    /// Domain 1 (container 0): PASIDs 0 to 2 map pages 0 to 7, all translated by device 10, so its
    /// IOTLB holds 8 pages per PASID.
    fn warm() -> World {
        let mut w = World::new();
        for pasid in 0..3 {
            for page in 0..8 {
                assert!(w.iommu.guest_map(1, pasid, page, 100 + page as u16));
                assert!(w.iommu.translate(10, pasid, page * PAGE_SIZE).is_some());
            }
        }
        w
    }

    /// The IOTLB pages of domain 1 for `pasid`.
    fn iotlb(w: &World, pasid: usize) -> Vec<u64> {
        let d = w.iommu.domain_slot(1).unwrap();
        w.iommu.caches.iotlb[d][pasid].pages().collect()
    }

    /// A version-1 `cache_info`.
    fn info(cache: u8, granu: u8, pasid: u32) -> Vec<u8> {
        let mut v = vec![0; ci::SIZE_V1 as usize];
        put(&mut v, ci::VERSION, 4, 1);
        put(&mut v, ci::CACHE, 1, cache.into());
        put(&mut v, ci::GRANULARITY, 1, granu.into());
        put(&mut v, ci::UNION + ci::U_PASID, 8, pasid.into());
        v
    }

    /// An address-granular IOTLB `cache_info` for PASID 1.
    fn addr_info(addr: u64, granule_size: u64, nb_granules: u64) -> Vec<u8> {
        let mut v = info(ci::TYPE_IOTLB, ci::GRANU_ADDR, 1);
        put(&mut v, ci::UNION + ci::U_ADDR, 8, addr);
        put(&mut v, ci::UNION + ci::U_GRANULE_SIZE, 8, granule_size);
        put(&mut v, ci::UNION + ci::U_NB_GRANULES, 8, nb_granules);
        v
    }

    /// `VFIO_IOMMU_CACHE_INVALIDATE` on container 0 with this header and `cache_info`.
    fn call(w: &mut World, argsz: u32, flags: u32, info: &[u8]) -> Result<(), Errno> {
        let mut arg = Vec::new();
        put(&mut arg, cmd::ARGSZ, 4, argsz.into());
        put(&mut arg, cmd::FLAGS, 4, flags.into());
        arg.extend_from_slice(info);
        let at = w.place_arg(&arg, false);
        assert_eq!(at, ARG_PAGE);
        cache_invalidate(w, 0, at, &mut FailNth::new(None))
    }

    const FULL: u32 = (cmd::MINSZ_V1 + ci::SIZE_V1) as u32;

    #[test]
    fn v1_accepts_argsz_equal_to_its_minsz_and_refuses_one_less() {
        let domain = info(ci::TYPE_IOTLB, ci::GRANU_DOMAIN, 0);
        assert_eq!(call(&mut warm(), cmd::MINSZ_V1 as u32, 0, &domain), Ok(()));
        let short = cmd::MINSZ_V1 as u32 - 1;
        assert_eq!(call(&mut warm(), short, 0, &domain), Err(Errno::Einval));
    }

    #[test]
    fn v1_refuses_nonzero_flags() {
        let domain = info(ci::TYPE_IOTLB, ci::GRANU_DOMAIN, 0);
        let mut w = warm();
        assert_eq!(call(&mut w, FULL, 1, &domain), Err(Errno::Einval));
        assert_eq!(iotlb(&w, 0).len(), 8);
    }

    #[test]
    fn v1_domain_granular_iotlb_flush_empties_every_pasid_of_the_domain() {
        let mut w = warm();
        let before = w.iommu.caches;
        let domain = info(ci::TYPE_IOTLB, ci::GRANU_DOMAIN, 0);
        assert_eq!(call(&mut w, FULL, 0, &domain), Ok(()));
        for pasid in 0..3 {
            assert_eq!(iotlb(&w, pasid), [0u64; 0], "pasid {pasid}");
        }
        // An IOTLB-only request leaves the device IOTLBs and the PASID cache alone.
        assert_eq!(w.iommu.caches.dev_iotlb, before.dev_iotlb);
        assert_eq!(w.iommu.caches.pasid, before.pasid);
    }

    #[test]
    fn v1_refuses_domain_granular_dev_iotlb_and_addr_granular_pasid_cache() {
        for (cache, granu) in [
            (ci::TYPE_DEV_IOTLB, ci::GRANU_DOMAIN),
            (ci::TYPE_PASID, ci::GRANU_ADDR),
        ] {
            let mut w = warm();
            let before = w.iommu.caches;
            let bad = info(cache, granu, 1);
            assert_eq!(
                call(&mut w, FULL, 0, &bad),
                Err(Errno::Einval),
                "{cache} {granu}"
            );
            assert!(w.iommu.caches.identical(&before));
        }
    }

    #[test]
    fn v1_pasid_granular_iotlb_flush_takes_the_pasid_from_the_union() {
        let mut w = warm();
        let pasid2 = info(ci::TYPE_IOTLB, ci::GRANU_PASID, 2);
        assert_eq!(call(&mut w, FULL, 0, &pasid2), Ok(()));
        assert_eq!(iotlb(&w, 2), [0u64; 0]);
        assert_eq!(iotlb(&w, 0).len(), 8);
        assert_eq!(iotlb(&w, 1).len(), 8);
    }

    #[test]
    fn v1_addr_granular_iotlb_flush_drops_exactly_the_pages_of_the_range() {
        let mut w = warm();
        // Pages 2 and 3: two 4 KiB granules from 0x2000.
        let range = addr_info(2 * PAGE_SIZE, PAGE_SIZE, 2);
        assert_eq!(call(&mut w, FULL, 0, &range), Ok(()));
        assert_eq!(iotlb(&w, 1), [0, 1, 4, 5, 6, 7]);
        assert_eq!(iotlb(&w, 0).len(), 8);
        assert_eq!(iotlb(&w, 2).len(), 8);
    }

    #[test]
    fn v1_addr_granular_flush_of_zero_granules_drops_nothing() {
        let mut w = warm();
        let before = w.iommu.caches;
        // Unaligned, so a range [addr, addr - 1] taken as non-empty would name page 2.
        let empty = addr_info(2 * PAGE_SIZE + 8, PAGE_SIZE, 0);
        assert_eq!(call(&mut w, FULL, 0, &empty), Ok(()));
        assert!(w.iommu.caches.identical(&before));
    }

    #[test]
    fn v1_pasid_granular_dev_iotlb_flush_drops_that_pasid_of_the_devices_only() {
        let mut w = warm();
        let before = w.iommu.caches;
        let slot = w.iommu.device_slot(10).unwrap();
        let dev = info(ci::TYPE_DEV_IOTLB, ci::GRANU_PASID, 2);
        assert_eq!(call(&mut w, FULL, 0, &dev), Ok(()));
        let c = &w.iommu.caches;
        assert!(c.dev_iotlb[slot][2].pages().next().is_none());
        assert_eq!(c.dev_iotlb[slot][..2], before.dev_iotlb[slot][..2]);
        assert_eq!(c.iotlb, before.iotlb);
        assert_eq!(c.pasid, before.pasid);
    }

    #[test]
    fn v1_pasid_granular_pasid_cache_flush_drops_that_pasid_only() {
        let mut w = warm();
        let before = w.iommu.caches;
        let d = w.iommu.domain_slot(1).unwrap();
        let pasid = info(ci::TYPE_PASID, ci::GRANU_PASID, 2);
        assert_eq!(call(&mut w, FULL, 0, &pasid), Ok(()));
        let c = &w.iommu.caches;
        assert_eq!(c.pasid[d][2], None);
        assert!(c.pasid[d][0].is_some() && c.pasid[d][1].is_some());
        assert_eq!(c.iotlb, before.iotlb);
        assert_eq!(c.dev_iotlb, before.dev_iotlb);
    }
}
