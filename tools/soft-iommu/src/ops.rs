//! Operations on the modelled machine, buildable from bytes with `arbitrary`, and the runner that
//! applies a sequence under the oracle and reports the first violation with a readable trace.

use crate::errno::Errno;
use crate::fail_nth::FailNth;
use crate::handlers::{ioctl, Call, Profile};
use crate::oracle;
use crate::uapi::{cache_info as ci, hwpt_invalidate as h, put, vfio_cache_invalidate as cmd};
use crate::usermem::PAGE_SIZE;
use crate::world::{World, DATA_PAGE};
use arbitrary::Arbitrary;
use std::fmt;

/// How `argsz` (or `size`) relates to the struct the user means to pass.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum ArgSize {
    /// Exactly the struct.
    Exact,
    /// Short by this many bytes.
    Short(u8),
    /// Longer by this many bytes (filled with `tail_byte`).
    Long(u8),
    /// A raw value.
    Raw(u32),
}

impl ArgSize {
    fn resolve(self, exact: u64) -> u64 {
        match self {
            ArgSize::Exact => exact,
            // Small deltas mean what they say; large ones stand for the exact size, so that a
            // fuzzer's random bytes give valid sizes most of the time.
            ArgSize::Short(n) if n < 16 => exact.saturating_sub(u64::from(n)),
            ArgSize::Long(n) if n < 64 => exact + u64::from(n),
            ArgSize::Short(_) | ArgSize::Long(_) => exact,
            ArgSize::Raw(v) => u64::from(v),
        }
    }
}

/// A structured `VFIO_IOMMU_CACHE_INVALIDATE` argument.
#[derive(Debug, Clone, Arbitrary)]
pub struct VfioArg {
    /// Container 0 and 1 are nesting, 2 is not; others do not exist.
    pub container: u8,
    /// `argsz` relative to `8 + sizeof(info of version)`.
    pub argsz: ArgSize,
    /// Outer `flags`.
    pub flags: u32,
    /// `cache_info.version` (0..=3 interesting).
    pub version: u8,
    /// `cache` bit mask.
    pub cache: u8,
    /// `granularity`.
    pub granularity: u8,
    /// `padding[2]`.
    pub padding: u16,
    /// Union `flags`.
    pub info_flags: u8,
    /// PASID (small values hit cached PASIDs).
    pub pasid: u8,
    /// Use a PASID above 20 bits.
    pub pasid_huge: bool,
    /// `addr` in pages.
    pub addr_page: u16,
    /// `granule_size` as a shift.
    pub granule_shift: u8,
    /// `nb_granules`.
    pub nb_granules: NbGranules,
    /// Version 2's `ext`.
    pub ext: u8,
    /// Value of bytes past the struct when `argsz` is long.
    pub tail_byte: u8,
    /// Place the argument at the end of its page, so any over-read faults.
    pub at_page_end: bool,
}

/// `nb_granules`, biased towards small counts and overflow.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum NbGranules {
    /// A small count.
    Small(u8),
    /// Near `u64::MAX`, to make `addr + granule_size * nb_granules` overflow.
    Huge(u8),
}

/// One `struct iommu_hwpt_vtd_s1_invalidate`.
#[derive(Debug, Clone, Arbitrary)]
pub struct HwptEntry {
    /// `addr` in pages.
    pub addr_page: u16,
    /// Unaligned `addr`.
    pub unaligned: bool,
    /// `npages` (0 invalid; `u64::MAX` with addr 0 means everything).
    pub npages: NbGranules,
    /// `flags`.
    pub flags: u8,
    /// `__reserved`.
    pub reserved: u8,
}

/// A structured `IOMMU_HWPT_INVALIDATE` argument.
#[derive(Debug, Clone, Arbitrary)]
pub struct HwptArg {
    /// `size` relative to 32.
    pub size: ArgSize,
    /// `hwpt_id` (1, 2 nested; 3 paging; others unknown).
    pub hwpt_id: u8,
    /// A null `data_uptr` when below 16.
    pub null_uptr: u8,
    /// Offset of the array in the data pages (large values reach the unmapped page).
    pub uptr_offset: u16,
    /// `data_type`.
    pub data_type: u8,
    /// `entry_len` relative to 24.
    pub entry_len: ArgSize,
    /// The entries written; `entry_num` is their count unless `entry_num_raw` is set.
    pub entries: Vec<HwptEntry>,
    /// A raw `entry_num` instead.
    pub entry_num_raw: Option<u32>,
    /// `__reserved`.
    pub reserved: u8,
    /// Value of bytes past the struct when `size` is long.
    pub tail_byte: u8,
    /// Place the argument at the end of its page.
    pub at_page_end: bool,
}

/// One step of a sequence.
#[derive(Debug, Clone, Arbitrary)]
pub enum Op {
    /// The guest writes a page-table entry.
    GuestMap {
        /// Domain selector.
        dom: u8,
        /// PASID.
        pasid: u8,
        /// Page number.
        page: u8,
        /// Physical page.
        phys: u16,
    },
    /// The guest clears a page-table entry.
    GuestUnmap {
        /// Domain selector.
        dom: u8,
        /// PASID.
        pasid: u8,
        /// Page number.
        page: u8,
    },
    /// The guest points a PASID at a new page table.
    GuestSwitchRoot {
        /// Domain selector.
        dom: u8,
        /// PASID.
        pasid: u8,
    },
    /// A device translates an address, filling the caches.
    Translate {
        /// Device selector.
        dev: u8,
        /// PASID.
        pasid: u8,
        /// Page number.
        page: u8,
    },
    /// A device starts or stops failing its invalidations.
    SetFailing {
        /// Device selector.
        dev: u8,
        /// Failing.
        failing: bool,
    },
    /// `VFIO_IOMMU_CACHE_INVALIDATE`, structured.
    Vfio {
        /// The argument.
        arg: VfioArg,
        /// Fail the n-th fault point.
        fail_nth: Option<u8>,
    },
    /// `IOMMU_HWPT_INVALIDATE`, structured.
    Hwpt {
        /// The argument.
        arg: HwptArg,
        /// Fail the n-th fault point.
        fail_nth: Option<u8>,
    },
    /// `VFIO_IOMMU_CACHE_INVALIDATE` with raw argument bytes.
    RawVfio {
        /// Container.
        container: u8,
        /// The bytes at the argument address.
        bytes: Vec<u8>,
        /// Place them at the end of the page.
        at_page_end: bool,
    },
    /// `IOMMU_HWPT_INVALIDATE` with raw argument bytes and raw data pages.
    RawHwpt {
        /// The bytes at the argument address.
        bytes: Vec<u8>,
        /// The bytes at the start of the data pages.
        data: Vec<u8>,
        /// Place the argument at the end of the page.
        at_page_end: bool,
    },
}

const DOMAINS: [u32; 3] = [1, 2, 3];
const DEVICES: [u32; 5] = [10, 11, 12, 20, 30];

fn pick<T: Copy>(list: &[T], sel: u8) -> T {
    list[usize::from(sel) % list.len()]
}

fn nb(n: NbGranules) -> u64 {
    match n {
        NbGranules::Small(v) => u64::from(v),
        NbGranules::Huge(v) => u64::MAX - u64::from(v),
    }
}

/// `0` most of the time (a byte below 200), else the byte itself: fuzzed fields that must be zero
/// in a valid request stay valid often enough for the oracle to see effects.
fn mostly_zero(v: u8) -> u64 {
    if v < 200 {
        0
    } else {
        u64::from(v)
    }
}

/// Encodes a structured VFIO argument. Fields are biased towards valid values.
pub fn vfio_bytes(a: &VfioArg) -> Vec<u8> {
    let version = match a.version % 8 {
        0..=4 => 1,
        5 => 2,
        6 => 0,
        _ => 3,
    };
    let info_size = ci::size_of_version(version).unwrap_or(ci::SIZE_V1);
    let argsz = a.argsz.resolve(cmd::CACHE_INFO + info_size).min(PAGE_SIZE);
    let mut b = vec![0u8; (cmd::CACHE_INFO + info_size) as usize];
    put(&mut b, cmd::ARGSZ, 4, argsz);
    put(
        &mut b,
        cmd::FLAGS,
        4,
        if a.flags < 0xf000_0000 {
            0
        } else {
            u64::from(a.flags)
        },
    );
    let i = cmd::CACHE_INFO;
    put(&mut b, i + ci::VERSION, 4, u64::from(version));
    let cache = if a.cache < 224 {
        a.cache % 7 + 1
    } else {
        a.cache
    };
    put(&mut b, i + ci::CACHE, 1, u64::from(cache));
    let granularity = if a.granularity < 250 {
        a.granularity % 3
    } else {
        a.granularity
    };
    put(&mut b, i + ci::GRANULARITY, 1, u64::from(granularity));
    put(
        &mut b,
        i + ci::PADDING,
        2,
        if a.padding < 60000 {
            0
        } else {
            u64::from(a.padding)
        },
    );
    let info_flags = match a.info_flags {
        0..=99 => ci::FLAG_PASID,
        100..=199 => ci::FLAG_PASID | ci::FLAG_LEAF,
        v => u32::from(v),
    };
    put(
        &mut b,
        i + ci::UNION + ci::U_FLAGS,
        4,
        u64::from(info_flags),
    );
    let pasid = if a.pasid_huge {
        1 << 20 | u64::from(a.pasid)
    } else {
        u64::from(a.pasid % 4)
    };
    put(&mut b, i + ci::UNION + ci::U_PASID, 8, pasid);
    let granule = match a.granule_shift {
        0..=199 => PAGE_SIZE,
        200..=249 => 1u64 << (12 + u32::from(a.granule_shift % 24)),
        _ => 0x3000,
    };
    put(
        &mut b,
        i + ci::UNION + ci::U_ADDR,
        8,
        u64::from(a.addr_page % 64) << 12,
    );
    put(&mut b, i + ci::UNION + ci::U_GRANULE_SIZE, 8, granule);
    put(
        &mut b,
        i + ci::UNION + ci::U_NB_GRANULES,
        8,
        nb(a.nb_granules),
    );
    if version == 2 {
        put(&mut b, i + ci::EXT_V2, 8, mostly_zero(a.ext));
    }
    b.resize(argsz as usize, mostly_zero(a.tail_byte) as u8);
    b
}

/// Encodes a structured iommufd argument and its entry array.
pub fn hwpt_bytes(a: &HwptArg) -> (Vec<u8>, Vec<u8>) {
    let size = a.size.resolve(h::STRUCT_SIZE).min(PAGE_SIZE);
    let entry_len = a.entry_len.resolve(h::ENTRY_SIZE).min(256);
    let mut entries = Vec::new();
    for e in a.entries.iter().take(64) {
        let mut b = vec![0u8; entry_len as usize];
        let addr = (u64::from(e.addr_page % 64) << 12) | u64::from(e.unaligned);
        put(&mut b, h::E_ADDR, 8, addr);
        put(&mut b, h::E_NPAGES, 8, nb(e.npages));
        let flags = if e.flags < 200 {
            u64::from(e.flags % 2)
        } else {
            u64::from(e.flags)
        };
        put(&mut b, h::E_FLAGS, 4, flags);
        put(&mut b, h::E_RESERVED, 4, mostly_zero(e.reserved));
        b.truncate(entry_len as usize);
        entries.extend(b);
    }
    // Mostly near the start of the data pages; sometimes near their end (the next page is unmapped).
    let offset = if a.uptr_offset < 0xc000 {
        u64::from(a.uptr_offset % 256) * 8
    } else {
        u64::from(a.uptr_offset) % (2 * PAGE_SIZE)
    };
    let mut data = vec![0u8; offset as usize];
    data.extend(entries);
    let mut b = vec![0u8; h::STRUCT_SIZE as usize];
    put(&mut b, h::SIZE, 4, size);
    let hwpt_id = if a.hwpt_id < 200 {
        1 + a.hwpt_id % 2
    } else {
        a.hwpt_id % 5
    };
    put(&mut b, h::HWPT_ID, 4, u64::from(hwpt_id));
    put(
        &mut b,
        h::DATA_UPTR,
        8,
        if a.null_uptr < 16 {
            0
        } else {
            DATA_PAGE + offset
        },
    );
    put(&mut b, h::DATA_TYPE, 4, mostly_zero(a.data_type));
    put(&mut b, h::ENTRY_LEN, 4, entry_len);
    let num = a.entry_num_raw.unwrap_or(a.entries.len().min(64) as u32);
    put(&mut b, h::ENTRY_NUM, 4, u64::from(num));
    put(&mut b, h::RESERVED, 4, mostly_zero(a.reserved));
    b.resize(size as usize, mostly_zero(a.tail_byte) as u8);
    (b, data)
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Operations applied.
    pub ops: usize,
    /// ioctls that returned 0.
    pub ioctl_ok: usize,
    /// ioctls that returned an error.
    pub ioctl_err: usize,
}

/// The first oracle violation of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The profile run.
    pub profile: Profile,
    /// Index of the failing operation.
    pub step: usize,
    /// What the oracle found.
    pub message: String,
    /// One line per operation up to and including the failing one.
    pub trace: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "oracle violation in profile {} at step {}: {}",
            self.profile.name(),
            self.step,
            self.message
        )?;
        for line in &self.trace {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// Applies `ops` to a fresh [`World`] in `profile`, checking the oracle after every ioctl.
pub fn run_sequence(profile: Profile, ops: &[Op]) -> Result<RunStats, Violation> {
    let mut world = World::new();
    let mut stats = RunStats::default();
    let mut trace = Vec::new();
    for (step, op) in ops.iter().enumerate() {
        let outcome = apply(&mut world, profile, op);
        stats.ops += 1;
        let line = match &outcome {
            Outcome::Plain(s) => format!("#{step} {op:?} -> {s}"),
            Outcome::Ioctl { result, .. } => format!(
                "#{step} {op:?} -> {}",
                match result {
                    Ok(()) => "0".to_string(),
                    Err(e) => e.to_string(),
                }
            ),
        };
        trace.push(line);
        if let Outcome::Ioctl { verdict, result } = outcome {
            match result {
                Ok(()) => stats.ioctl_ok += 1,
                Err(_) => stats.ioctl_err += 1,
            }
            if let Err(message) = verdict {
                return Err(Violation {
                    profile,
                    step,
                    message,
                    trace,
                });
            }
        }
    }
    Ok(stats)
}

enum Outcome {
    Plain(String),
    Ioctl {
        result: Result<(), Errno>,
        verdict: Result<(), String>,
    },
}

fn call_checked(world: &mut World, profile: Profile, call: Call, fail_nth: Option<u8>) -> Outcome {
    let before = world.clone();
    world.mem.clear_log();
    let mut faults = FailNth::new(fail_nth.map(u32::from));
    let result = ioctl(world, profile, call, &mut faults);
    let verdict = oracle::check(
        &before,
        world,
        profile,
        call,
        result,
        faults.fired().is_some(),
    );
    Outcome::Ioctl { result, verdict }
}

fn vfio_call(container: u8, arg: u64) -> Call {
    // Mostly the nesting containers 0 and 1; sometimes the non-nesting 2 or the missing 3.
    let container = if container < 200 {
        container % 2
    } else {
        container % 4
    };
    Call::VfioCacheInvalidate {
        container: u32::from(container),
        arg,
    }
}

fn apply(world: &mut World, profile: Profile, op: &Op) -> Outcome {
    match op {
        Op::GuestMap {
            dom,
            pasid,
            page,
            phys,
        } => {
            world.iommu.guest_map(
                pick(&DOMAINS, *dom),
                u32::from(pasid % 4),
                u64::from(page % 64),
                u64::from(*phys),
            );
            Outcome::Plain("mapped".into())
        }
        Op::GuestUnmap { dom, pasid, page } => {
            world.iommu.guest_unmap(
                pick(&DOMAINS, *dom),
                u32::from(pasid % 4),
                u64::from(page % 64),
            );
            Outcome::Plain("unmapped".into())
        }
        Op::GuestSwitchRoot { dom, pasid } => {
            world
                .iommu
                .guest_switch_root(pick(&DOMAINS, *dom), u32::from(pasid % 4));
            Outcome::Plain("switched".into())
        }
        Op::Translate { dev, pasid, page } => {
            let r = world.iommu.translate(
                pick(&DEVICES, *dev),
                u32::from(pasid % 4),
                u64::from(page % 64) * PAGE_SIZE,
            );
            Outcome::Plain(format!("{r:x?}"))
        }
        Op::SetFailing { dev, failing } => {
            world.iommu.set_failing(pick(&DEVICES, *dev), *failing);
            Outcome::Plain("ok".into())
        }
        Op::Vfio { arg, fail_nth } => {
            let addr = world.place_arg(&vfio_bytes(arg), arg.at_page_end);
            call_checked(world, profile, vfio_call(arg.container, addr), *fail_nth)
        }
        Op::Hwpt { arg, fail_nth } => {
            let (bytes, data) = hwpt_bytes(arg);
            world.place_data(&data);
            let addr = world.place_arg(&bytes, arg.at_page_end);
            call_checked(
                world,
                profile,
                Call::HwptInvalidate { arg: addr },
                *fail_nth,
            )
        }
        Op::RawVfio {
            container,
            bytes,
            at_page_end,
        } => {
            let addr = world.place_arg(bytes, *at_page_end);
            call_checked(world, profile, vfio_call(*container, addr), None)
        }
        Op::RawHwpt {
            bytes,
            data,
            at_page_end,
        } => {
            world.place_data(data);
            let addr = world.place_arg(bytes, *at_page_end);
            call_checked(world, profile, Call::HwptInvalidate { arg: addr }, None)
        }
    }
}
