//! The modelled machine: user memory, the software IOMMU, VFIO containers and iommufd HWPTs, and
//! the fixed topology every test and fuzz run starts from.

use crate::iommu::{DomainId, SoftIommu};
use crate::usermem::{UserMemory, PAGE_SIZE};

/// Where ioctl argument structs are placed: one mapped page, the next one unmapped.
pub const ARG_PAGE: u64 = 0x10000;
/// Where iommufd entry arrays are placed: two mapped pages, the next one unmapped.
pub const DATA_PAGE: u64 = 0x20000;
/// Mapped bytes at [`DATA_PAGE`].
pub const DATA_LEN: u64 = 2 * PAGE_SIZE;

/// Object ids (VFIO containers, iommufd HWPTs) and the domain each stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Objects(Vec<(u32, DomainId)>);

impl Objects {
    /// The domain of object `id`.
    pub fn get(&self, id: u32) -> Option<DomainId> {
        self.0.iter().find(|(i, _)| *i == id).map(|&(_, d)| d)
    }
}

impl<const N: usize> From<[(u32, DomainId); N]> for Objects {
    fn from(pairs: [(u32, DomainId); N]) -> Self {
        Objects(pairs.to_vec())
    }
}

/// The modelled kernel and its user.
#[derive(Debug)]
pub struct World {
    /// User memory.
    pub mem: UserMemory,
    /// The IOMMU.
    pub iommu: SoftIommu,
    /// VFIO container id -> its domain.
    pub containers: Objects,
    /// iommufd HWPT id -> its domain (nested if the domain is nesting).
    pub hwpts: Objects,
}

impl Clone for World {
    fn clone(&self) -> Self {
        World {
            mem: self.mem.clone(),
            iommu: self.iommu.clone(),
            containers: self.containers.clone(),
            hwpts: self.hwpts.clone(),
        }
    }

    /// Copies `source` into `self`, reusing `self`'s allocations: how a fuzz harness resets its
    /// world between inputs.
    fn clone_from(&mut self, source: &Self) {
        self.mem.clone_from(&source.mem);
        self.iommu.clone_from(&source.iommu);
        self.containers.clone_from(&source.containers);
        self.hwpts.clone_from(&source.hwpts);
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// The standard topology:
    /// - domain 1, nesting, devices 10, 11, 12: container 0, HWPT 1;
    /// - domain 2, nesting, device 20 (a sibling): container 1, HWPT 2;
    /// - domain 3, not nesting, device 30: container 2, HWPT 3 (a paging HWPT).
    pub fn new() -> Self {
        let mut iommu = SoftIommu::new();
        for (dom, nesting, devs) in [
            (1, true, &[10, 11, 12][..]),
            (2, true, &[20]),
            (3, false, &[30]),
        ] {
            iommu.add_domain(dom, nesting);
            for &d in devs {
                iommu.attach(d, dom);
            }
        }
        let mut mem = UserMemory::new();
        mem.map(ARG_PAGE, PAGE_SIZE);
        mem.map(DATA_PAGE, DATA_LEN);
        World {
            mem,
            iommu,
            containers: Objects::from([(0, 1), (1, 2), (2, 3)]),
            hwpts: Objects::from([(1, 1), (2, 2), (3, 3)]),
        }
    }

    /// Places `bytes` in the argument page, ending at the page end if `at_page_end` (so reading
    /// one byte more faults), else at its start. Returns the address.
    pub fn place_arg(&mut self, bytes: &[u8], at_page_end: bool) -> u64 {
        let len = (bytes.len() as u64).min(PAGE_SIZE);
        let _ = self.mem.fill(ARG_PAGE, PAGE_SIZE, 0);
        let addr = if at_page_end {
            ARG_PAGE + PAGE_SIZE - len
        } else {
            ARG_PAGE
        };
        let _ = self.mem.poke(addr, &bytes[..len as usize]);
        addr
    }

    /// Fills the data pages with `bytes` from their start (truncated to fit).
    pub fn place_data(&mut self, bytes: &[u8]) {
        let _ = self.mem.fill(DATA_PAGE, DATA_LEN, 0);
        let len = bytes.len().min(DATA_LEN as usize);
        let _ = self.mem.poke(DATA_PAGE, &bytes[..len]);
    }
}
