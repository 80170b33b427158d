//! The software IOMMU: domains (VFIO containers or iommufd HWPTs) with a type, devices attached to
//! them, guest-owned first-stage page tables per PASID that change without the host knowing, and
//! the caches translation fills: IOTLB, device IOTLB and PASID cache. Translation goes through the
//! caches, so a stale entry gives a wrong answer.

use crate::errno::Errno;
use crate::fail_nth::{FailNth, FaultPoint};
use crate::usermem::PAGE_SIZE;
use std::collections::{BTreeMap, BTreeSet};

/// A domain id.
pub type DomainId = u32;
/// A device id.
pub type DeviceId = u32;
/// A process address space id.
pub type Pasid = u32;

/// An IOTLB key: (domain, PASID, page number).
pub type IotlbKey = (DomainId, Pasid, u64);
/// A device-IOTLB key: (device, PASID, page number).
pub type DevIotlbKey = (DeviceId, Pasid, u64);
/// A PASID-cache key: (domain, PASID).
pub type PasidKey = (DomainId, Pasid);

/// A domain and what is attached to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// True for a nesting (first stage owned by the guest) domain.
    pub nesting: bool,
    /// Attached devices, in attach order.
    pub devices: Vec<DeviceId>,
}

/// The caches, compared whole by the oracle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caches {
    /// IOTLB: page translations per domain and PASID (value: physical page).
    pub iotlb: BTreeMap<IotlbKey, u64>,
    /// Device IOTLB (ATS): per device.
    pub dev_iotlb: BTreeMap<DevIotlbKey, u64>,
    /// PASID cache: the guest page-table root in use per domain and PASID.
    pub pasid: BTreeMap<PasidKey, u64>,
}

impl Caches {
    /// Total number of entries.
    pub fn len(&self) -> usize {
        self.iotlb.len() + self.dev_iotlb.len() + self.pasid.len()
    }

    /// True when every cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A page range `[first, last]` of page numbers (inclusive, so it can reach the top of the space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRange {
    /// First page number.
    pub first: u64,
    /// Last page number.
    pub last: u64,
}

impl PageRange {
    /// True if `page` is in the range.
    pub fn contains(&self, page: u64) -> bool {
        page >= self.first && page <= self.last
    }
}

/// The software IOMMU.
#[derive(Debug, Clone, Default)]
pub struct SoftIommu {
    domains: BTreeMap<DomainId, Domain>,
    device_domain: BTreeMap<DeviceId, DomainId>,
    /// The guest's PASID table: current page-table root per (domain, PASID).
    roots: BTreeMap<PasidKey, u64>,
    /// Guest page tables: (root, page) -> physical page.
    tables: BTreeMap<(u64, u64), u64>,
    next_root: u64,
    failing: BTreeSet<DeviceId>,
    /// The caches.
    pub caches: Caches,
}

impl SoftIommu {
    /// An IOMMU with no domains.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a domain.
    pub fn add_domain(&mut self, id: DomainId, nesting: bool) {
        self.domains.insert(
            id,
            Domain {
                nesting,
                devices: Vec::new(),
            },
        );
    }

    /// Attaches a device to a domain (detaching it from any other).
    pub fn attach(&mut self, dev: DeviceId, dom: DomainId) {
        if let Some(old) = self.device_domain.insert(dev, dom) {
            if let Some(d) = self.domains.get_mut(&old) {
                d.devices.retain(|&x| x != dev);
            }
        }
        if let Some(d) = self.domains.get_mut(&dom) {
            d.devices.push(dev);
        }
    }

    /// The domain, if it exists.
    pub fn domain(&self, id: DomainId) -> Option<&Domain> {
        self.domains.get(&id)
    }

    /// Every domain id.
    pub fn domain_ids(&self) -> Vec<DomainId> {
        self.domains.keys().copied().collect()
    }

    /// The domain a device is attached to.
    pub fn domain_of(&self, dev: DeviceId) -> Option<DomainId> {
        self.device_domain.get(&dev).copied()
    }

    /// Every attached device.
    pub fn devices(&self) -> Vec<DeviceId> {
        self.device_domain.keys().copied().collect()
    }

    /// Makes a device fail (or stop failing) its invalidation commands, like an ATS timeout.
    pub fn set_failing(&mut self, dev: DeviceId, failing: bool) {
        if failing {
            self.failing.insert(dev);
        } else {
            self.failing.remove(&dev);
        }
    }

    /// True if the device fails its invalidation commands.
    pub fn is_failing(&self, dev: DeviceId) -> bool {
        self.failing.contains(&dev)
    }

    fn root(&mut self, key: PasidKey) -> u64 {
        if let Some(&r) = self.roots.get(&key) {
            return r;
        }
        self.next_root += 1;
        self.roots.insert(key, self.next_root);
        self.next_root
    }

    /// The guest writes a page-table entry (the host is not told).
    pub fn guest_map(&mut self, dom: DomainId, pasid: Pasid, page: u64, phys: u64) {
        let root = self.root((dom, pasid));
        self.tables.insert((root, page), phys);
    }

    /// The guest clears a page-table entry.
    pub fn guest_unmap(&mut self, dom: DomainId, pasid: Pasid, page: u64) {
        let root = self.root((dom, pasid));
        self.tables.remove(&(root, page));
    }

    /// The guest points the PASID at a fresh, empty page table.
    pub fn guest_switch_root(&mut self, dom: DomainId, pasid: Pasid) {
        self.next_root += 1;
        self.roots.insert((dom, pasid), self.next_root);
    }

    /// What the guest's current tables say, bypassing every cache: the truth.
    pub fn walk(&self, dom: DomainId, pasid: Pasid, page: u64) -> Option<u64> {
        let root = self.roots.get(&(dom, pasid))?;
        self.tables.get(&(*root, page)).copied()
    }

    /// A DMA translation by a device: device IOTLB, then IOTLB, then a walk through the PASID
    /// cache's root, filling each cache on the way. Returns the physical address.
    pub fn translate(&mut self, dev: DeviceId, pasid: Pasid, iova: u64) -> Option<u64> {
        let dom = self.domain_of(dev)?;
        let page = iova / PAGE_SIZE;
        let offset = iova % PAGE_SIZE;
        let phys_page = if let Some(&p) = self.caches.dev_iotlb.get(&(dev, pasid, page)) {
            p
        } else if let Some(&p) = self.caches.iotlb.get(&(dom, pasid, page)) {
            self.caches.dev_iotlb.insert((dev, pasid, page), p);
            p
        } else {
            let root = match self.caches.pasid.get(&(dom, pasid)) {
                Some(&r) => r,
                None => {
                    let r = *self.roots.get(&(dom, pasid))?;
                    self.caches.pasid.insert((dom, pasid), r);
                    r
                }
            };
            let p = *self.tables.get(&(root, page))?;
            self.caches.iotlb.insert((dom, pasid, page), p);
            self.caches.dev_iotlb.insert((dev, pasid, page), p);
            p
        };
        phys_page.checked_mul(PAGE_SIZE)?.checked_add(offset)
    }

    /// Drops IOTLB entries of `dom` for `pasid` (all PASIDs if `None`) in `range` (all if `None`).
    pub fn flush_iotlb(&mut self, dom: DomainId, pasid: Option<Pasid>, range: Option<PageRange>) {
        self.caches.iotlb.retain(|&(d, p, page), _| {
            !(d == dom && pasid.is_none_or(|x| x == p) && range.is_none_or(|r| r.contains(page)))
        });
    }

    /// Drops IOTLB entries of `pasid` in every domain: the PASID-tagged flush the v1 profile uses.
    pub fn flush_iotlb_all_domains(&mut self, pasid: Pasid) {
        self.caches.iotlb.retain(|&(_, p, _), _| p != pasid);
    }

    /// Sends a device-IOTLB invalidation to a device; a failing device (or an injected fault)
    /// leaves its cache untouched and reports `-EIO`.
    pub fn flush_dev_iotlb(
        &mut self,
        faults: &mut FailNth,
        dev: DeviceId,
        pasid: Option<Pasid>,
        range: Option<PageRange>,
    ) -> Result<(), Errno> {
        if self.failing.contains(&dev) || faults.hit(FaultPoint::Device) {
            return Err(Errno::Eio);
        }
        self.reset_dev_iotlb(dev, pasid, range);
        Ok(())
    }

    /// Drops device-IOTLB entries without a device command: what the host does when it resets
    /// the device's ATS cache (function-level reset); cannot fail.
    pub fn reset_dev_iotlb(
        &mut self,
        dev: DeviceId,
        pasid: Option<Pasid>,
        range: Option<PageRange>,
    ) {
        self.caches.dev_iotlb.retain(|&(d, p, page), _| {
            !(d == dev && pasid.is_none_or(|x| x == p) && range.is_none_or(|r| r.contains(page)))
        });
    }

    /// Drops PASID-cache entries of `dom` for `pasid` (all if `None`).
    pub fn flush_pasid_cache(&mut self, dom: DomainId, pasid: Option<Pasid>) {
        self.caches
            .pasid
            .retain(|&(d, p), _| !(d == dom && pasid.is_none_or(|x| x == p)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_iotlb_gives_old_translation_until_flushed() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.attach(10, 1);
        m.guest_map(1, 5, 0x40, 0x900);
        assert_eq!(
            m.translate(10, 5, 0x40 * PAGE_SIZE + 8),
            Some(0x900 * PAGE_SIZE + 8)
        );
        m.guest_map(1, 5, 0x40, 0x901);
        assert_eq!(
            m.translate(10, 5, 0x40 * PAGE_SIZE),
            Some(0x900 * PAGE_SIZE)
        );
        m.flush_iotlb(1, Some(5), None);
        // The device IOTLB still holds the old entry.
        assert_eq!(
            m.translate(10, 5, 0x40 * PAGE_SIZE),
            Some(0x900 * PAGE_SIZE)
        );
        m.flush_dev_iotlb(&mut FailNth::default(), 10, Some(5), None)
            .unwrap();
        assert_eq!(
            m.translate(10, 5, 0x40 * PAGE_SIZE),
            Some(0x901 * PAGE_SIZE)
        );
    }

    #[test]
    fn stale_pasid_cache_walks_the_old_root() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.attach(10, 1);
        m.guest_map(1, 5, 1, 7);
        assert!(m.translate(10, 5, PAGE_SIZE).is_some());
        m.guest_switch_root(1, 5);
        m.guest_map(1, 5, 2, 8);
        m.flush_iotlb(1, None, None);
        m.reset_dev_iotlb(10, None, None);
        // The PASID cache still points at the old table, which has no page 2.
        assert_eq!(m.translate(10, 5, 2 * PAGE_SIZE), None);
        m.flush_pasid_cache(1, Some(5));
        assert_eq!(m.translate(10, 5, 2 * PAGE_SIZE), Some(8 * PAGE_SIZE));
    }
}
