//! A validated invalidation request: which caches, which domain and devices, which PASID and
//! which pages. Handlers act on it; the oracle computes from it what must be gone.

use crate::iommu::{Caches, DeviceId, DomainId, PageRange, Pasid};

/// Which caches, at which granularity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalidation {
    /// The domain.
    pub domain: DomainId,
    /// Its devices (for device-IOTLB invalidation).
    pub devices: Vec<DeviceId>,
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
    fn page_in(&self, page: u64) -> bool {
        self.range.is_none_or(|r| r.contains(page))
    }

    fn pasid_in(&self, p: Pasid) -> bool {
        self.pasid.is_none_or(|x| x == p)
    }

    /// The entries of `caches` this request must remove.
    pub fn covered(&self, caches: &Caches) -> Caches {
        let mut out = Caches::default();
        if self.iotlb {
            for (&(d, p, page), &v) in &caches.iotlb {
                if d == self.domain && self.pasid_in(p) && self.page_in(page) {
                    out.iotlb.insert((d, p, page), v);
                }
            }
        }
        if self.dev_iotlb {
            for (&(dev, p, page), &v) in &caches.dev_iotlb {
                if self.devices.contains(&dev) && self.pasid_in(p) && self.page_in(page) {
                    out.dev_iotlb.insert((dev, p, page), v);
                }
            }
        }
        if self.pasid_cache {
            for (&(d, p), &v) in &caches.pasid {
                if d == self.domain && self.pasid_in(p) {
                    out.pasid.insert((d, p), v);
                }
            }
        }
        out
    }
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
