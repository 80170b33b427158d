//! `VFIO_IOMMU_CACHE_INVALIDATE` as the review asked for it: refused unless the container uses a
//! nesting IOMMU; minsz ends at `cache_info.version`; the version maps to a size and `argsz` must
//! cover it; the payload is copied with `copy_struct_from_user` (so a larger argsz must be zero past
//! what the kernel knows); unknown versions, flags, cache types, granularities, non-zero padding and
//! address ranges that overflow are refused before anything is touched; and a device that fails
//! its invalidation has its device IOTLB reset instead, so success always means nothing covered is
//! still cached.

use crate::copy_struct::copy_struct_from_user;
use crate::errno::Errno;
use crate::fail_nth::{FailNth, FaultPoint};
use crate::iommu::{DomainId, SoftIommu};
use crate::request::{page_range, Invalidation};
use crate::uapi::{cache_info as ci, u32_at, u64_at, vfio_cache_invalidate as cmd};
use crate::usermem::PAGE_SIZE;
use crate::world::World;

/// PASIDs are 20 bits.
pub const PASID_MAX: u64 = (1 << 20) - 1;

pub fn cache_invalidate(
    world: &mut World,
    container: u32,
    arg: u64,
    faults: &mut FailNth,
) -> Result<(), Errno> {
    let dom = world.containers.get(container).ok_or(Errno::Einval)?;
    if !world.iommu.domain(dom).is_some_and(|d| d.nesting) {
        return Err(Errno::Einval);
    }
    let hdr = world.mem.copy_from_user(faults, arg, cmd::MINSZ_FIXED)?;
    let argsz = u64::from(u32_at(&hdr, cmd::ARGSZ));
    if argsz < cmd::MINSZ_FIXED || u32_at(&hdr, cmd::FLAGS) != 0 {
        return Err(Errno::Einval);
    }
    let version = u32_at(&hdr, cmd::CACHE_INFO + ci::VERSION);
    let size = ci::size_of_version(version).ok_or(Errno::Einval)?;
    if argsz < cmd::CACHE_INFO + size {
        return Err(Errno::Einval);
    }
    if faults.hit(FaultPoint::Alloc) {
        return Err(Errno::Enomem);
    }
    let info_addr = arg.checked_add(cmd::CACHE_INFO).ok_or(Errno::Efault)?;
    let info = copy_struct_from_user(
        &mut world.mem,
        faults,
        size,
        info_addr,
        argsz - cmd::CACHE_INFO,
    )?;
    let request = parse_info(&world.iommu, dom, &info, version)?;
    apply(&mut world.iommu, &request, faults);
    Ok(())
}

/// Validates a copied `iommu_cache_invalidate_info` of `version` into a request on `dom`.
pub fn parse_info(
    iommu: &SoftIommu,
    dom: DomainId,
    info: &[u8],
    version: u32,
) -> Result<Invalidation, Errno> {
    let cache = info.get(ci::CACHE as usize).copied().unwrap_or(0);
    let granu = info.get(ci::GRANULARITY as usize).copied().unwrap_or(0);
    let padding = u64_at(info, ci::PADDING) & 0xffff;
    if padding != 0 || (version == 2 && u64_at(info, ci::EXT_V2) != 0) {
        return Err(Errno::Einval);
    }
    if cache == 0 || cache & !ci::TYPE_ALL != 0 || granu > ci::GRANU_ADDR {
        return Err(Errno::Einval);
    }
    if (granu == ci::GRANU_DOMAIN && cache & ci::TYPE_DEV_IOTLB != 0)
        || (granu == ci::GRANU_ADDR && cache & ci::TYPE_PASID != 0)
    {
        return Err(Errno::Einval);
    }
    let flags = u32_at(info, ci::UNION + ci::U_FLAGS);
    let pasid64 = u64_at(info, ci::UNION + ci::U_PASID);
    let (pasid, range) = match granu {
        ci::GRANU_DOMAIN => (None, None),
        ci::GRANU_PASID => {
            if flags & !(ci::FLAG_PASID | ci::FLAG_ARCHID) != 0
                || flags & ci::FLAG_PASID == 0
                || pasid64 > PASID_MAX
            {
                return Err(Errno::Einval);
            }
            (Some(pasid64 as u32), None)
        }
        _ => {
            let known = ci::FLAG_PASID | ci::FLAG_ARCHID | ci::FLAG_LEAF;
            if flags & !known != 0 || flags & ci::FLAG_PASID == 0 || pasid64 > PASID_MAX {
                return Err(Errno::Einval);
            }
            let addr = u64_at(info, ci::UNION + ci::U_ADDR);
            let granule = u64_at(info, ci::UNION + ci::U_GRANULE_SIZE);
            let nb = u64_at(info, ci::UNION + ci::U_NB_GRANULES);
            if !granule.is_power_of_two()
                || granule < PAGE_SIZE
                || !addr.is_multiple_of(granule)
                || nb == 0
            {
                return Err(Errno::Einval);
            }
            let len = granule.checked_mul(nb).ok_or(Errno::Einval)?;
            addr.checked_add(len).ok_or(Errno::Einval)?;
            (
                Some(pasid64 as u32),
                Some(page_range(addr, u128::from(len)).ok_or(Errno::Einval)?),
            )
        }
    };
    Ok(Invalidation {
        domain: dom,
        devices: iommu.domain(dom).map(|d| d.devices).unwrap_or_default(),
        iotlb: cache & ci::TYPE_IOTLB != 0,
        dev_iotlb: cache & ci::TYPE_DEV_IOTLB != 0,
        pasid_cache: cache & ci::TYPE_PASID != 0,
        pasid,
        range,
    })
}

/// Carries out a validated request; never fails: a device that does not complete its device-IOTLB
/// invalidation has its whole device IOTLB reset.
pub fn apply(iommu: &mut SoftIommu, r: &Invalidation, faults: &mut FailNth) {
    if r.iotlb {
        iommu.flush_iotlb(r.domain, r.pasid, r.range);
    }
    if r.dev_iotlb {
        for slot in r.devices.slots() {
            if iommu
                .flush_dev_iotlb_slot(faults, slot, r.pasid, r.range)
                .is_err()
            {
                iommu.reset_dev_iotlb_slot(slot, None, None);
            }
        }
    }
    if r.pasid_cache {
        iommu.flush_pasid_cache(r.domain, r.pasid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iommu::PageRange;
    use crate::uapi::put;

    /// A version-1 `cache_info` with this cache mask, granularity, union flags and PASID.
    fn info(cache: u8, granu: u8, flags: u32, pasid: u64) -> Vec<u8> {
        let mut v = vec![0; ci::SIZE_V1 as usize];
        put(&mut v, ci::VERSION, 4, 1);
        put(&mut v, ci::CACHE, 1, cache.into());
        put(&mut v, ci::GRANULARITY, 1, granu.into());
        put(&mut v, ci::UNION + ci::U_FLAGS, 4, flags.into());
        put(&mut v, ci::UNION + ci::U_PASID, 8, pasid);
        v
    }

    /// An address-granular IOTLB `cache_info`.
    fn addr_info(flags: u32, pasid: u64, addr: u64, granule: u64, nb: u64) -> Vec<u8> {
        let mut v = info(ci::TYPE_IOTLB, ci::GRANU_ADDR, flags, pasid);
        put(&mut v, ci::UNION + ci::U_ADDR, 8, addr);
        put(&mut v, ci::UNION + ci::U_GRANULE_SIZE, 8, granule);
        put(&mut v, ci::UNION + ci::U_NB_GRANULES, 8, nb);
        v
    }

    fn parse(info: &[u8]) -> Result<Invalidation, Errno> {
        parse_info(&World::new().iommu, 1, info, 1)
    }

    #[test]
    fn pasid_granular_info_accepts_the_largest_pasid_and_refuses_one_more() {
        let max = info(ci::TYPE_IOTLB, ci::GRANU_PASID, ci::FLAG_PASID, PASID_MAX);
        assert_eq!(parse(&max).map(|r| r.pasid), Ok(Some(PASID_MAX as u32)));
        let over = info(
            ci::TYPE_IOTLB,
            ci::GRANU_PASID,
            ci::FLAG_PASID,
            PASID_MAX + 1,
        );
        assert_eq!(parse(&over).err(), Some(Errno::Einval));
    }

    #[test]
    fn addr_granular_info_with_the_largest_pasid_gives_its_pages() {
        let flags = ci::FLAG_PASID | ci::FLAG_ARCHID | ci::FLAG_LEAF;
        let r = parse(&addr_info(flags, PASID_MAX, 2 * PAGE_SIZE, PAGE_SIZE, 2)).unwrap();
        assert_eq!(r.pasid, Some(PASID_MAX as u32));
        assert_eq!(r.range, Some(PageRange { first: 2, last: 3 }));
        let over = addr_info(ci::FLAG_PASID, PASID_MAX + 1, 2 * PAGE_SIZE, PAGE_SIZE, 2);
        assert_eq!(parse(&over).err(), Some(Errno::Einval));
    }

    #[test]
    fn addr_granular_info_refuses_unknown_flags_no_pasid_flag_and_an_unaligned_address() {
        let unknown = ci::FLAG_PASID | 1 << 3;
        for bad in [
            addr_info(unknown, 1, 2 * PAGE_SIZE, PAGE_SIZE, 1),
            addr_info(ci::FLAG_ARCHID, 1, 2 * PAGE_SIZE, PAGE_SIZE, 1),
            addr_info(ci::FLAG_PASID, 1, 2 * PAGE_SIZE + 8, PAGE_SIZE, 1),
        ] {
            assert_eq!(parse(&bad).err(), Some(Errno::Einval));
        }
    }

    #[test]
    fn each_cache_type_bit_selects_exactly_its_cache() {
        let pasid = |cache| info(cache, ci::GRANU_PASID, ci::FLAG_PASID, 1);
        let which = |r: Invalidation| (r.iotlb, r.dev_iotlb, r.pasid_cache);
        assert_eq!(
            parse(&pasid(ci::TYPE_IOTLB)).map(which),
            Ok((true, false, false))
        );
        assert_eq!(
            parse(&pasid(ci::TYPE_DEV_IOTLB)).map(which),
            Ok((false, true, false))
        );
        assert_eq!(
            parse(&pasid(ci::TYPE_PASID)).map(which),
            Ok((false, false, true))
        );
    }
}
