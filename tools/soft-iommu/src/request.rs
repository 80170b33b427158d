//! A validated invalidation request: which caches, which domain and devices, which PASID and
//! which pages. Handlers act on it; the oracle computes from it what must be gone.

use crate::iommu::{
    page_mask, pasid_slots, Caches, DeviceSet, DomainId, PageRange, Pasid, SoftIommu,
};

/// Which caches, at which granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalidation {
    /// The domain.
    pub domain: DomainId,
    /// Its devices (for device-IOTLB invalidation).
    pub devices: DeviceSet,
    /// Invalidate the IOTLB.
    pub iotlb: bool,
    /// Invalidate the device IOTLBs.
    pub dev_iotlb: bool,
    /// Invalidate the PASID cache.
    pub pasid_cache: bool,
    /// `None`: every PASID.
    pub pasid: Option<Pasid>,
    /// `None`: every page.
    pub range: Option<PageRange>,
}

impl Invalidation {
    /// The entries of `caches` this request must remove (`iommu` names the domain's slot).
    pub fn covered(&self, iommu: &SoftIommu, caches: &Caches) -> Caches {
        let mut out = Caches::default();
        let Some(d) = iommu.domain_slot(self.domain) else {
            return out;
        };
        let pages = page_mask(self.range);
        for p in pasid_slots(self.pasid) {
            if self.iotlb {
                out.iotlb[d][p] = caches.iotlb[d][p];
                out.iotlb[d][p].present &= pages;
            }
            if self.dev_iotlb {
                for s in self.devices.slots() {
                    out.dev_iotlb[s][p] = caches.dev_iotlb[s][p];
                    out.dev_iotlb[s][p].present &= pages;
                }
            }
            if self.pasid_cache {
                out.pasid[d][p] = caches.pasid[d][p];
            }
        }
        out
    }

    /// True if `caches` still hold an entry this request must remove: [`Invalidation::covered`]
    /// is not empty, without building it.
    pub fn covers_any(&self, iommu: &SoftIommu, caches: &Caches) -> bool {
        self.covers_any_of_pages(iommu, caches, page_mask(self.range))
    }

    /// [`Invalidation::covers_any`] with the pages given as a mask instead of `self.range`.
    fn covers_any_of_pages(&self, iommu: &SoftIommu, caches: &Caches, pages: u64) -> bool {
        let Some(d) = iommu.domain_slot(self.domain) else {
            return false;
        };
        pasid_slots(self.pasid).any(|p| {
            (self.iotlb && caches.iotlb[d][p].present & pages != 0)
                || (self.dev_iotlb
                    && self
                        .devices
                        .slots()
                        .any(|s| caches.dev_iotlb[s][p].present & pages != 0))
                || (self.pasid_cache && caches.pasid[d][p].is_some())
        })
    }
}

/// True if `caches` still hold an entry that one of `requests` must remove: the same answer as
/// `requests.iter().any(|r| r.covers_any(iommu, caches))`. Neighbours that differ only in their
/// range (every entry of an iommufd array) are merged into one page mask first, so a run of them
/// costs one look at the caches instead of one per request; the oracle asks this after every call.
pub fn any_covers(requests: &[Invalidation], iommu: &SoftIommu, caches: &Caches) -> bool {
    let same_but_range = |a: &Invalidation, b: &Invalidation| {
        Invalidation { range: None, ..*a } == Invalidation { range: None, ..*b }
    };
    requests.chunk_by(same_but_range).any(|run| {
        let pages = run.iter().fold(0, |mask, r| mask | page_mask(r.range));
        run[0].covers_any_of_pages(iommu, caches, pages)
    })
}

/// Pages `[addr, addr + len)` as an inclusive page range; `None` if empty or past 2^64.
pub fn page_range(addr: u64, len: u128) -> Option<PageRange> {
    let end = u128::from(addr).checked_add(len)?;
    if len == 0 || end > 1u128 << 64 {
        return None;
    }
    Some(PageRange {
        first: addr / crate::usermem::PAGE_SIZE,
        last: ((end - 1) / u128::from(crate::usermem::PAGE_SIZE)) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iommu::{PAGES, PASIDS};
    use crate::test_rng::Lcg;
    use crate::usermem::PAGE_SIZE;
    use crate::world::World;

    const DOMAINS: [DomainId; 4] = [1, 2, 3, 9];

    /// Fills and flushes `world`'s caches a little, at random.
    fn random_step(rng: &mut Lcg, world: &mut World) {
        let dom = DOMAINS[rng.next(4) as usize];
        let pasid = rng.next(PASIDS as u64) as Pasid;
        let page = rng.next(PAGES);
        world
            .iommu
            .guest_map(dom, pasid, page, rng.next(100) as u16);
        let dev = [10, 11, 12, 20, 30][rng.next(5) as usize];
        world.iommu.translate(dev, pasid, page * PAGE_SIZE);
        if rng.next(4) == 0 {
            world.iommu.flush_iotlb(dom, None, None);
        }
    }

    fn random_range(rng: &mut Lcg) -> Option<PageRange> {
        (rng.next(3) != 0).then(|| {
            let first = rng.next(PAGES + 4);
            PageRange {
                first,
                last: first + rng.next(8),
            }
        })
    }

    fn random_request(rng: &mut Lcg, world: &World) -> Invalidation {
        let domain = DOMAINS[rng.next(4) as usize];
        Invalidation {
            domain,
            devices: world
                .iommu
                .domain(domain)
                .map(|d| d.devices)
                .unwrap_or_default(),
            iotlb: rng.next(2) == 0,
            dev_iotlb: rng.next(2) == 0,
            pasid_cache: rng.next(2) == 0,
            pasid: (rng.next(3) != 0).then(|| rng.next(PASIDS as u64 + 2) as Pasid),
            range: random_range(rng),
        }
    }

    /// The oracle's fast test must say exactly what building the covered set says.
    #[test]
    fn covers_any_agrees_with_covered() {
        let mut rng = Lcg(3);
        let mut world = World::new();
        let mut checked_true = 0;
        for _ in 0..4000 {
            random_step(&mut rng, &mut world);
            let req = random_request(&mut rng, &world);
            let caches = &world.iommu.caches;
            let any = req.covers_any(&world.iommu, caches);
            assert_eq!(
                any,
                !req.covered(&world.iommu, caches).is_empty(),
                "{req:?}"
            );
            checked_true += usize::from(any);
        }
        assert!(
            checked_true > 100,
            "only {checked_true} requests covered anything"
        );
    }

    /// Merging neighbours that differ only in range must not change the answer: lists of
    /// requests where most share a shape (as an iommufd array does) and some do not.
    #[test]
    fn any_covers_agrees_with_each_request() {
        let mut rng = Lcg(11);
        let mut world = World::new();
        let (mut covered, mut clear) = (0, 0);
        for _ in 0..4000 {
            random_step(&mut rng, &mut world);
            let mut reqs = Vec::new();
            for _ in 0..rng.next(7) {
                let next = match reqs.last() {
                    Some(&last) if rng.next(4) != 0 => Invalidation {
                        range: random_range(&mut rng),
                        ..last
                    },
                    _ => random_request(&mut rng, &world),
                };
                reqs.push(next);
            }
            let (iommu, caches) = (&world.iommu, &world.iommu.caches);
            let each = reqs.iter().any(|r| r.covers_any(iommu, caches));
            assert_eq!(any_covers(&reqs, iommu, caches), each, "{reqs:?}");
            if each {
                covered += 1;
            } else if reqs.len() > 1 {
                clear += 1;
            }
        }
        assert!(
            covered > 100 && clear > 100,
            "{covered} covered, {clear} clear"
        );
    }

    /// Empty ranges and ranges past 2^64 have no pages; one ending exactly at 2^64 has.
    #[test]
    fn page_range_refuses_empty_and_past_the_top_and_reaches_the_last_page() {
        assert_eq!(page_range(2 * PAGE_SIZE, 0), None);
        let top = u64::MAX - (PAGE_SIZE - 1);
        assert_eq!(page_range(top, 2 * u128::from(PAGE_SIZE)), None);
        let last = u64::MAX / PAGE_SIZE;
        let to_the_top = PageRange { first: last, last };
        assert_eq!(page_range(top, PAGE_SIZE.into()), Some(to_the_top));
    }
}
