//! The modelled machine: user memory, the software IOMMU, VFIO containers and iommufd HWPTs, and
//! the fixed topology every test and fuzz run starts from.

use crate::iommu::{DomainId, SoftIommu, PAGES, PASIDS};
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

    /// [`World::new`] with its guests running: in every domain, every PASID maps every page
    /// (domain `d`, PASID `p`, page `q` to physical page `0x1000 * d + 0x100 * p + q`), and
    /// nothing is cached yet. The `invalidate_ops` fuzz target starts from it, so that one
    /// device translation fills the caches of any domain, and a guest operation makes what is
    /// cached stale: from an empty world a fuzzer first had to map the very page a device would
    /// translate, and the bugs that need cached entries in two domains (an invalidation reaching
    /// into a sibling) took it most of its time.
    pub fn booted() -> Self {
        let mut world = World::new();
        for dom in [1, 2, 3] {
            for pasid in 0..PASIDS as u32 {
                for page in 0..PAGES {
                    let phys = 0x1000 * dom as u16 + 0x100 * pasid as u16 + page as u16;
                    world.iommu.guest_map(dom, pasid, page, phys);
                }
            }
        }
        world
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::Profile;
    use crate::hazard::Hazard;
    use crate::ops::{run_sequence_on, Op, VfioArg};

    #[test]
    fn a_booted_world_maps_every_page_of_every_domain_and_caches_nothing() {
        let w = World::booted();
        for dom in [1, 2, 3] {
            for pasid in 0..PASIDS as u32 {
                for page in [0, 7, PAGES - 1] {
                    let phys = 0x1000 * dom as u16 + 0x100 * pasid as u16 + page as u16;
                    assert_eq!(w.iommu.walk(dom, pasid, page), Some(phys));
                }
            }
        }
        assert!(w.iommu.caches.identical(&World::new().iommu.caches));
        assert_eq!(w.containers, World::new().containers);
        assert_eq!(w.hwpts, World::new().hwpts);
    }

    /// From a booted world, one translation by the sibling's device and one PASID-granular
    /// invalidation of domain 1 show v1's flush across every domain: two steps, where an empty
    /// world needs a map of the translated page first.
    #[test]
    fn from_a_booted_world_two_steps_reach_the_sibling_leak_of_v1() {
        let ops = [
            Op::Translate {
                dev: 3,
                pasid: 1,
                page: 5,
            },
            Op::Vfio {
                arg: VfioArg::typical(),
                fail_nth: None,
            },
        ];
        let v = run_sequence_on(&mut World::booted(), Profile::V1, &ops).unwrap_err();
        assert_eq!(Hazard::of(&v.finding), Some(Hazard::SiblingLeak), "{v}");
        assert!(run_sequence_on(&mut World::booted(), Profile::VfioFixed, &ops).is_ok());
        assert!(run_sequence_on(&mut World::new(), Profile::V1, &ops).is_ok());
    }
}
