//! The software IOMMU: domains (VFIO containers or iommufd HWPTs) with a type, devices attached to
//! them, guest-owned first-stage page tables per PASID that change without the host knowing, and
//! the caches translation fills: IOTLB, device IOTLB and PASID cache. Translation goes through the
//! caches, so a stale entry gives a wrong answer.
//!
//! The model is small and flat so that a fuzzer can run it hundreds of thousands of times a
//! second: at most [`MAX_DOMAINS`] domains and [`MAX_DEVICES`] devices, and a guest I/O address
//! space of [`PAGES`] pages under each of the PASIDs below [`PASIDS`]. Every cache is a bit mask of
//! pages per (domain or device, PASID) with the physical page beside it, so an invalidation is a
//! few mask operations whatever its range. Requests may name any PASID and any address; what lies
//! outside the modelled space is simply never mapped, so never cached.

use crate::errno::Errno;
use crate::fail_nth::{FailNth, FaultPoint};
use crate::usermem::PAGE_SIZE;
use zerocopy::{Immutable, IntoBytes};

/// A domain id.
pub type DomainId = u32;
/// A device id.
pub type DeviceId = u32;
/// A process address space id.
pub type Pasid = u32;
/// A guest physical page number.
pub type PhysPage = u16;
/// A guest page-table root (an index into the guest's page tables).
pub type Root = u32;

/// Most domains the model holds.
pub const MAX_DOMAINS: usize = 4;
/// Most devices the model holds.
pub const MAX_DEVICES: usize = 6;
/// PASIDs `0..PASIDS` have page tables (and so cache entries).
pub const PASIDS: usize = 4;
/// Pages `0..PAGES` of each PASID's I/O address space can be mapped (one bit each in a `u64`).
pub const PAGES: u64 = 64;

/// A domain and what is attached to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Domain {
    /// Its id.
    pub id: DomainId,
    /// True for a nesting (first stage owned by the guest) domain.
    pub nesting: bool,
    /// Attached devices.
    pub devices: DeviceSet,
}

/// A set of devices, by slot (the order in which the IOMMU first saw them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceSet(u8);

impl DeviceSet {
    /// True if the device in `slot` is in the set.
    pub fn contains(self, slot: usize) -> bool {
        slot < MAX_DEVICES && self.0 & (1 << slot) != 0
    }

    /// The slots in the set, in ascending order.
    pub fn slots(self) -> impl Iterator<Item = usize> {
        (0..MAX_DEVICES).filter(move |&s| self.contains(s))
    }

    fn insert(&mut self, slot: usize) {
        self.0 |= 1 << slot;
    }

    fn remove(&mut self, slot: usize) {
        self.0 &= !(1 << slot);
    }
}

/// Pages `0..PAGES` of one address space: which are present, and the physical page of each.
/// A page table, or one cache's entries for one (domain or device, PASID).
///
/// `repr(C)` with no padding, so a block of page sets can be viewed as bytes
/// ([`Caches::identical`]).
#[derive(Debug, Clone, Copy, IntoBytes, Immutable)]
#[repr(C)]
pub struct PageSet {
    /// Bit `p` set: page `p` is present.
    pub present: u64,
    /// The physical page of each present page (meaningless where absent).
    pub phys: [PhysPage; PAGES as usize],
}

impl PageSet {
    /// No page present.
    pub const EMPTY: PageSet = PageSet {
        present: 0,
        phys: [0; PAGES as usize],
    };

    /// The physical page of `page`, if present.
    pub fn get(&self, page: u64) -> Option<PhysPage> {
        (page < PAGES && self.present & (1 << page) != 0).then(|| self.phys[page as usize])
    }

    fn set(&mut self, page: u64, phys: PhysPage) {
        self.present |= 1 << page;
        self.phys[page as usize] = phys;
    }

    /// The present pages, in ascending order.
    pub fn pages(&self) -> impl Iterator<Item = u64> + '_ {
        bits(self.present)
    }
}

impl PartialEq for PageSet {
    /// The same pages present, with the same physical pages.
    fn eq(&self, other: &Self) -> bool {
        self.present == other.present
            && (self.present == 0
                || self.phys == other.phys
                || self.pages().all(|p| self.get(p) == other.get(p)))
    }
}

impl Eq for PageSet {}

/// The set bits of `mask`, in ascending order.
pub fn bits(mask: u64) -> impl Iterator<Item = u64> {
    let mut m = mask;
    std::iter::from_fn(move || {
        (m != 0).then(|| {
            let b = u64::from(m.trailing_zeros());
            m &= m - 1;
            b
        })
    })
}

/// The pages of `range` (all if `None`) inside `0..PAGES`, as a mask.
pub fn page_mask(range: Option<PageRange>) -> u64 {
    let Some(r) = range else {
        return u64::MAX;
    };
    if r.first >= PAGES || r.last < r.first {
        return 0;
    }
    let upto = if r.last >= PAGES - 1 {
        u64::MAX
    } else {
        (1 << (r.last + 1)) - 1
    };
    upto & !((1 << r.first) - 1)
}

/// The PASID slots `pasid` names (every one if `None`; none if outside the modelled PASIDs).
pub fn pasid_slots(pasid: Option<Pasid>) -> std::ops::Range<usize> {
    match pasid {
        None => 0..PASIDS,
        Some(p) if (p as usize) < PASIDS => p as usize..p as usize + 1,
        Some(_) => 0..0,
    }
}

/// The caches, compared whole by the oracle. Indexed by domain or device slot, then PASID.
///
/// Aligned to a cache line because the oracle and the harness copy them whole (5.5 KB, a
/// `rep movsb` in glibc's `memcpy`) several times per call: on x86 such a copy runs about thirty
/// times slower when the destination sits 1 to 63 bytes past the source modulo 4096 (measured
/// here: 1.9 us instead of 65 ns). Cache-line alignment of every copy rules those offsets out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(align(64))]
pub struct Caches {
    /// IOTLB: page translations per domain and PASID.
    pub iotlb: [[PageSet; PASIDS]; MAX_DOMAINS],
    /// Device IOTLB (ATS): per device and PASID.
    pub dev_iotlb: [[PageSet; PASIDS]; MAX_DEVICES],
    /// PASID cache: the guest page-table root in use per domain and PASID.
    pub pasid: [[Option<Root>; PASIDS]; MAX_DOMAINS],
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            iotlb: [[PageSet::EMPTY; PASIDS]; MAX_DOMAINS],
            dev_iotlb: [[PageSet::EMPTY; PASIDS]; MAX_DEVICES],
            pasid: [[None; PASIDS]; MAX_DOMAINS],
        }
    }
}

impl Caches {
    /// True if both hold the same bytes, which implies equal ([`PartialEq`] ignores the physical
    /// page of an absent page, so equal caches need not be identical). Two `memcmp`s and a short
    /// loop: the oracle asks this after every call, and on the common path (a refused call) the
    /// answer is yes and no cache has to be scanned.
    pub fn identical(&self, other: &Caches) -> bool {
        self.iotlb.as_bytes() == other.iotlb.as_bytes()
            && self.dev_iotlb.as_bytes() == other.dev_iotlb.as_bytes()
            && self.pasid == other.pasid
    }

    /// Total number of entries.
    pub fn len(&self) -> usize {
        let pages = |sets: &[[PageSet; PASIDS]]| -> usize {
            sets.iter()
                .flatten()
                .map(|s| s.present.count_ones() as usize)
                .sum()
        };
        pages(&self.iotlb)
            + pages(&self.dev_iotlb)
            + self.pasid.iter().flatten().filter(|r| r.is_some()).count()
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Device {
    id: DeviceId,
    domain: Option<usize>,
    failing: bool,
}

/// The software IOMMU.
#[derive(Debug, Default)]
pub struct SoftIommu {
    domains: Vec<Domain>,
    devices: Vec<Device>,
    /// The guest's PASID table: current page-table root per (domain slot, PASID).
    roots: [[Option<Root>; PASIDS]; MAX_DOMAINS],
    /// Guest page tables, indexed by root.
    tables: Vec<PageSet>,
    /// The caches.
    pub caches: Caches,
}

impl Clone for SoftIommu {
    fn clone(&self) -> Self {
        let mut out = SoftIommu::default();
        out.clone_from(self);
        out
    }

    /// Copies `source` into `self`, reusing `self`'s allocations.
    fn clone_from(&mut self, source: &Self) {
        self.domains.clone_from(&source.domains);
        self.devices.clone_from(&source.devices);
        self.roots = source.roots;
        self.tables.clone_from(&source.tables);
        self.caches = source.caches;
    }
}

impl SoftIommu {
    /// An IOMMU with no domains.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a domain (or changes its type if it exists).
    ///
    /// # Panics
    /// If the model already holds [`MAX_DOMAINS`] domains: a set-up error, not an input.
    pub fn add_domain(&mut self, id: DomainId, nesting: bool) {
        if let Some(slot) = self.domain_slot(id) {
            self.domains[slot].nesting = nesting;
            return;
        }
        assert!(
            self.domains.len() < MAX_DOMAINS,
            "the model holds at most {MAX_DOMAINS} domains"
        );
        self.domains.push(Domain {
            id,
            nesting,
            devices: DeviceSet::default(),
        });
    }

    /// Attaches a device to a domain (detaching it from any other; an unknown domain leaves it
    /// detached).
    ///
    /// # Panics
    /// If the device is new and the model already holds [`MAX_DEVICES`] devices.
    pub fn attach(&mut self, dev: DeviceId, dom: DomainId) {
        let slot = match self.device_slot(dev) {
            Some(s) => s,
            None => {
                assert!(
                    self.devices.len() < MAX_DEVICES,
                    "the model holds at most {MAX_DEVICES} devices"
                );
                self.devices.push(Device {
                    id: dev,
                    domain: None,
                    failing: false,
                });
                self.devices.len() - 1
            }
        };
        if let Some(old) = self.devices[slot].domain {
            self.domains[old].devices.remove(slot);
        }
        let new = self.domain_slot(dom);
        self.devices[slot].domain = new;
        if let Some(d) = new {
            self.domains[d].devices.insert(slot);
        }
    }

    /// The slot of a domain.
    pub fn domain_slot(&self, id: DomainId) -> Option<usize> {
        self.domains.iter().position(|d| d.id == id)
    }

    /// The slot of a device.
    pub fn device_slot(&self, id: DeviceId) -> Option<usize> {
        self.devices.iter().position(|d| d.id == id)
    }

    /// The domain, if it exists.
    pub fn domain(&self, id: DomainId) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id == id)
    }

    /// The domain in `slot`.
    pub fn domain_at(&self, slot: usize) -> Option<&Domain> {
        self.domains.get(slot)
    }

    /// The id of the device in `slot`.
    pub fn device_id(&self, slot: usize) -> Option<DeviceId> {
        self.devices.get(slot).map(|d| d.id)
    }

    /// Makes a device fail (or stop failing) its invalidation commands, like an ATS timeout.
    pub fn set_failing(&mut self, dev: DeviceId, failing: bool) {
        if let Some(slot) = self.device_slot(dev) {
            self.devices[slot].failing = failing;
        }
    }

    /// True if any device of `set` fails its invalidation commands.
    pub fn any_failing(&self, set: DeviceSet) -> bool {
        set.slots().any(|s| self.devices[s].failing)
    }

    /// The (domain slot, PASID slot) of a guest address space inside the model.
    fn space(&self, dom: DomainId, pasid: Pasid) -> Option<(usize, usize)> {
        let d = self.domain_slot(dom)?;
        ((pasid as usize) < PASIDS).then_some((d, pasid as usize))
    }

    fn new_table(&mut self) -> Root {
        self.tables.push(PageSet::EMPTY);
        (self.tables.len() - 1) as Root
    }

    /// The current page table of an address space, created empty on first use.
    fn table_mut(&mut self, d: usize, p: usize) -> &mut PageSet {
        let root = match self.roots[d][p] {
            Some(r) => r,
            None => {
                let r = self.new_table();
                self.roots[d][p] = Some(r);
                r
            }
        };
        &mut self.tables[root as usize]
    }

    /// The guest writes a page-table entry (the host is not told). Returns false, changing
    /// nothing, outside the modelled address space.
    pub fn guest_map(&mut self, dom: DomainId, pasid: Pasid, page: u64, phys: PhysPage) -> bool {
        let Some((d, p)) = self.space(dom, pasid).filter(|_| page < PAGES) else {
            return false;
        };
        self.table_mut(d, p).set(page, phys);
        true
    }

    /// The guest clears a page-table entry (giving the PASID a page table if it had none).
    pub fn guest_unmap(&mut self, dom: DomainId, pasid: Pasid, page: u64) {
        if let Some((d, p)) = self.space(dom, pasid).filter(|_| page < PAGES) {
            self.table_mut(d, p).present &= !(1 << page);
        }
    }

    /// The guest points the PASID at a fresh, empty page table.
    pub fn guest_switch_root(&mut self, dom: DomainId, pasid: Pasid) {
        if let Some((d, p)) = self.space(dom, pasid) {
            let r = self.new_table();
            self.roots[d][p] = Some(r);
        }
    }

    /// What the guest's current tables say, bypassing every cache: the truth.
    pub fn walk(&self, dom: DomainId, pasid: Pasid, page: u64) -> Option<PhysPage> {
        let (d, p) = self.space(dom, pasid)?;
        self.tables[self.roots[d][p]? as usize].get(page)
    }

    /// A DMA translation by a device: device IOTLB, then IOTLB, then a walk through the PASID
    /// cache's root, filling each cache on the way. Returns the physical address.
    pub fn translate(&mut self, dev: DeviceId, pasid: Pasid, iova: u64) -> Option<u64> {
        let slot = self.device_slot(dev)?;
        let d = self.devices[slot].domain?;
        let page = iova / PAGE_SIZE;
        let offset = iova % PAGE_SIZE;
        let p = pasid as usize;
        if p >= PASIDS || page >= PAGES {
            return None;
        }
        let c = &mut self.caches;
        let phys = if let Some(v) = c.dev_iotlb[slot][p].get(page) {
            v
        } else if let Some(v) = c.iotlb[d][p].get(page) {
            c.dev_iotlb[slot][p].set(page, v);
            v
        } else {
            let root = match c.pasid[d][p] {
                Some(r) => r,
                None => {
                    let r = self.roots[d][p]?;
                    c.pasid[d][p] = Some(r);
                    r
                }
            };
            let v = self.tables[root as usize].get(page)?;
            c.iotlb[d][p].set(page, v);
            c.dev_iotlb[slot][p].set(page, v);
            v
        };
        Some(u64::from(phys) * PAGE_SIZE + offset)
    }

    /// Drops IOTLB entries of `dom` for `pasid` (all PASIDs if `None`) in `range` (all if `None`).
    pub fn flush_iotlb(&mut self, dom: DomainId, pasid: Option<Pasid>, range: Option<PageRange>) {
        if let Some(d) = self.domain_slot(dom) {
            let keep = !page_mask(range);
            for set in &mut self.caches.iotlb[d][pasid_slots(pasid)] {
                set.present &= keep;
            }
        }
    }

    /// Drops IOTLB entries of `pasid` in every domain: the PASID-tagged flush the v1 profile uses.
    pub fn flush_iotlb_all_domains(&mut self, pasid: Pasid) {
        for sets in &mut self.caches.iotlb {
            for set in &mut sets[pasid_slots(Some(pasid))] {
                set.present = 0;
            }
        }
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
        match self.device_slot(dev) {
            Some(slot) => self.flush_dev_iotlb_slot(faults, slot, pasid, range),
            // An unknown device caches nothing; the command can still fail.
            None if faults.hit(FaultPoint::Device) => Err(Errno::Eio),
            None => Ok(()),
        }
    }

    /// [`SoftIommu::flush_dev_iotlb`] for the device in `slot` (a slot of a [`DeviceSet`]).
    pub fn flush_dev_iotlb_slot(
        &mut self,
        faults: &mut FailNth,
        slot: usize,
        pasid: Option<Pasid>,
        range: Option<PageRange>,
    ) -> Result<(), Errno> {
        if self.devices.get(slot).is_some_and(|d| d.failing) || faults.hit(FaultPoint::Device) {
            return Err(Errno::Eio);
        }
        self.reset_dev_iotlb_slot(slot, pasid, range);
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
        if let Some(slot) = self.device_slot(dev) {
            self.reset_dev_iotlb_slot(slot, pasid, range);
        }
    }

    /// [`SoftIommu::reset_dev_iotlb`] for the device in `slot`.
    pub fn reset_dev_iotlb_slot(
        &mut self,
        slot: usize,
        pasid: Option<Pasid>,
        range: Option<PageRange>,
    ) {
        if let Some(sets) = self.caches.dev_iotlb.get_mut(slot) {
            let keep = !page_mask(range);
            for set in &mut sets[pasid_slots(pasid)] {
                set.present &= keep;
            }
        }
    }

    /// Drops PASID-cache entries of `dom` for `pasid` (all if `None`).
    pub fn flush_pasid_cache(&mut self, dom: DomainId, pasid: Option<Pasid>) {
        if let Some(d) = self.domain_slot(dom) {
            for root in &mut self.caches.pasid[d][pasid_slots(pasid)] {
                *root = None;
            }
        }
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
        assert!(m.guest_map(1, 3, 0x30, 0x900));
        assert_eq!(
            m.translate(10, 3, 0x30 * PAGE_SIZE + 8),
            Some(0x900 * PAGE_SIZE + 8)
        );
        m.guest_map(1, 3, 0x30, 0x901);
        assert_eq!(
            m.translate(10, 3, 0x30 * PAGE_SIZE),
            Some(0x900 * PAGE_SIZE)
        );
        m.flush_iotlb(1, Some(3), None);
        // The device IOTLB still holds the old entry.
        assert_eq!(
            m.translate(10, 3, 0x30 * PAGE_SIZE),
            Some(0x900 * PAGE_SIZE)
        );
        m.flush_dev_iotlb(&mut FailNth::default(), 10, Some(3), None)
            .unwrap();
        assert_eq!(
            m.translate(10, 3, 0x30 * PAGE_SIZE),
            Some(0x901 * PAGE_SIZE)
        );
    }

    #[test]
    fn stale_pasid_cache_walks_the_old_root() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.attach(10, 1);
        m.guest_map(1, 2, 1, 7);
        assert!(m.translate(10, 2, PAGE_SIZE).is_some());
        m.guest_switch_root(1, 2);
        m.guest_map(1, 2, 2, 8);
        m.flush_iotlb(1, None, None);
        m.reset_dev_iotlb(10, None, None);
        // The PASID cache still points at the old table, which has no page 2.
        assert_eq!(m.translate(10, 2, 2 * PAGE_SIZE), None);
        m.flush_pasid_cache(1, Some(2));
        assert_eq!(m.translate(10, 2, 2 * PAGE_SIZE), Some(8 * PAGE_SIZE));
    }

    #[test]
    fn outside_the_modelled_space_nothing_is_mapped_or_cached() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.attach(10, 1);
        assert!(!m.guest_map(1, PASIDS as Pasid, 0, 1));
        assert!(!m.guest_map(1, 0, PAGES, 1));
        assert!(!m.guest_map(9, 0, 0, 1));
        assert_eq!(m.translate(10, 0, PAGES * PAGE_SIZE), None);
        assert!(m.caches.is_empty());
    }

    #[test]
    fn range_masks_cover_exactly_the_range() {
        let r = |first, last| Some(PageRange { first, last });
        assert_eq!(page_mask(None), u64::MAX);
        assert_eq!(page_mask(r(0, 0)), 1);
        assert_eq!(page_mask(r(3, 5)), 0b111000);
        assert_eq!(page_mask(r(63, u64::MAX)), 1 << 63);
        assert_eq!(page_mask(r(2, 200)), u64::MAX << 2);
        assert_eq!(page_mask(r(64, 70)), 0);
        for (first, last) in [(0u64, 63u64), (5, 9), (60, 64), (1, 1)] {
            let m = page_mask(r(first, last));
            for p in 0..PAGES {
                assert_eq!(
                    m & (1 << p) != 0,
                    p >= first && p <= last,
                    "{first}..={last} {p}"
                );
            }
        }
    }

    /// Identical bytes mean equal caches; one changed byte anywhere (a page, a physical page, a
    /// PASID root) means not identical; equal caches may differ in the physical page of an
    /// absent page, and then are equal but not identical.
    #[test]
    fn identical_caches_are_byte_for_byte_equal() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.attach(10, 1);
        m.guest_map(1, 0, 4, 40);
        m.translate(10, 0, 4 * PAGE_SIZE);
        let before = m.caches;
        assert!(m.caches.identical(&before));
        let changes: [fn(&mut Caches); 4] = [
            |c| c.iotlb[3][3].present |= 1 << 63,
            |c| c.dev_iotlb[5][2].phys[63] = 1,
            |c| c.dev_iotlb[0][0].phys[4] = 41,
            |c| c.pasid[2][1] = Some(0),
        ];
        for change in changes {
            let mut c = before;
            change(&mut c);
            assert!(!c.identical(&before));
        }
        let mut c = before;
        c.iotlb[0][0].phys[9] = 7;
        assert!(c == before && !c.identical(&before));
    }

    /// Equal page sets: the same pages present, each with the same physical page; the physical
    /// page of an absent page does not count.
    #[test]
    fn page_sets_are_equal_in_presence_and_present_physical_pages() {
        let mut a = PageSet::EMPTY;
        a.set(4, 40);
        let mut b = a;
        b.phys[9] = 7;
        assert_eq!(a, b);
        b.set(5, 50);
        assert_ne!(a, b, "one more page present");
        let mut c = a;
        c.phys[4] = 41;
        assert_ne!(a, c, "a present page maps elsewhere");
    }

    #[test]
    fn walk_past_the_modelled_pages_finds_nothing() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.guest_map(1, 0, PAGES - 1, 1);
        assert_eq!(m.walk(1, 0, PAGES - 1), Some(1));
        assert_eq!(m.walk(1, 0, PAGES), None);
    }

    /// Attaching a device elsewhere takes it out of its old domain's set.
    #[test]
    fn reattaching_a_device_moves_it_between_domains() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.add_domain(2, true);
        m.attach(10, 1);
        m.attach(11, 1);
        m.attach(11, 2);
        let slots = |dom| m.domain(dom).unwrap().devices.slots().collect::<Vec<_>>();
        assert_eq!(slots(1), [0]);
        assert_eq!(slots(2), [1]);
    }

    #[test]
    fn flushing_a_device_or_domain_leaves_the_others() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.add_domain(2, true);
        m.attach(10, 1);
        m.attach(20, 2);
        for dom in [1, 2] {
            m.guest_map(dom, 0, 4, 40);
        }
        m.translate(10, 0, 4 * PAGE_SIZE);
        m.translate(20, 0, 4 * PAGE_SIZE);
        let before = m.caches;
        m.flush_iotlb(1, None, None);
        m.reset_dev_iotlb(10, Some(0), None);
        m.flush_pasid_cache(1, None);
        assert_eq!(m.caches.iotlb[1], before.iotlb[1]);
        assert_eq!(m.caches.dev_iotlb[1], before.dev_iotlb[1]);
        assert_eq!(m.caches.pasid[1], before.pasid[1]);
        assert_eq!(m.caches.len(), 3);
    }

    /// A page range is inclusive at both ends, so it can name the last page of the space.
    #[test]
    fn page_range_contains_exactly_its_pages_both_ends_included() {
        let r = PageRange { first: 2, last: 4 };
        let inside: Vec<u64> = (0..8).filter(|&p| r.contains(p)).collect();
        assert_eq!(inside, [2, 3, 4]);
        let top = PageRange {
            first: u64::MAX,
            last: u64::MAX,
        };
        assert!(top.contains(u64::MAX) && !top.contains(u64::MAX - 1));
    }

    #[test]
    fn guest_unmap_clears_exactly_that_page_and_ignores_pages_past_the_model() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        for page in [3, 5, PAGES - 1] {
            assert!(m.guest_map(1, 1, page, 0x900 + page as u16));
        }
        m.guest_unmap(1, 1, 3);
        m.guest_unmap(1, 1, PAGES);
        let mapped: Vec<u64> = (0..PAGES).filter(|&p| m.walk(1, 1, p).is_some()).collect();
        assert_eq!(mapped, [5, PAGES - 1]);
        m.guest_unmap(1, 1, PAGES - 1);
        assert_eq!(m.walk(1, 1, PAGES - 1), None);
    }

    #[test]
    fn translate_outside_the_modelled_pasids_or_pages_finds_nothing() {
        let mut m = SoftIommu::new();
        m.add_domain(1, true);
        m.attach(10, 1);
        assert!(m.guest_map(1, 1, 0, 0x900));
        assert_eq!(m.translate(10, PASIDS as Pasid, 0), None);
        assert_eq!(m.translate(10, 1, PAGES * PAGE_SIZE), None);
        assert!(m.caches.is_empty());
        assert_eq!(m.translate(10, 1, 8), Some(0x900 * PAGE_SIZE + 8));
    }

    /// An unknown device caches nothing, but its invalidation command can still fail.
    #[test]
    fn dev_iotlb_flush_of_an_unknown_device_fails_only_under_injection() {
        let mut m = SoftIommu::new();
        assert_eq!(
            m.flush_dev_iotlb(&mut FailNth::new(None), 99, None, None),
            Ok(())
        );
        let mut faults = FailNth::new(Some(1));
        assert_eq!(
            m.flush_dev_iotlb(&mut faults, 99, None, None),
            Err(Errno::Eio)
        );
        assert_eq!(faults.fired(), Some(FaultPoint::Device));
    }
}
