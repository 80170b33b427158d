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
        let Some(d) = iommu.domain_slot(self.domain) else {
            return false;
        };
        let pages = page_mask(self.range);
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
