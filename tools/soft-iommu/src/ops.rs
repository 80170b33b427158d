//! Operations on the modelled machine, buildable from bytes with `arbitrary`, and the runner that
//! applies a sequence under the oracle and reports the first violation with a readable trace.

use crate::errno::Errno;
use crate::fail_nth::FailNth;
use crate::handlers::{ioctl, Call, Profile};
use crate::hazard::Hazard;
use crate::iommu::{PAGES, PASIDS};
use crate::oracle;
use crate::uapi::{cache_info as ci, hwpt_invalidate as h, put, vfio_cache_invalidate as cmd};
use crate::usermem::PAGE_SIZE;
use crate::world::{World, DATA_PAGE};
use arbitrary::{Arbitrary, Unstructured};
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

/// A structured `VFIO_IOMMU_CACHE_INVALIDATE` argument, encoded literally by [`vfio_bytes`].
/// Its `Arbitrary` decoding is biased towards valid values (see [`VfioArg::arbitrary`]).
#[derive(Debug, Clone)]
pub struct VfioArg {
    /// Container 0 and 1 are nesting, 2 is not; others do not exist.
    pub container: u8,
    /// `argsz` relative to `8 + sizeof(info of version)`.
    pub argsz: ArgSize,
    /// Outer `flags`.
    pub flags: u32,
    /// `cache_info.version`.
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
    /// `granule_size` as 4 KiB shifted left by this (52 or more: 0x3000, not a power of two).
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

impl VfioArg {
    /// A valid version-1 request on container 0: PASID 1 at PASID granularity, in every cache,
    /// `argsz` exact. Tests, seeds and benchmarks start from it and change one field.
    pub fn typical() -> Self {
        VfioArg {
            container: 0,
            argsz: ArgSize::Exact,
            flags: 0,
            version: 1,
            cache: ci::TYPE_ALL,
            granularity: ci::GRANU_PASID,
            padding: 0,
            info_flags: ci::FLAG_PASID as u8,
            pasid: 1,
            pasid_huge: false,
            addr_page: 0,
            granule_shift: 0,
            nb_granules: NbGranules::Small(1),
            ext: 0,
            tail_byte: 0,
            at_page_end: false,
        }
    }
}

impl HwptEntry {
    /// A valid entry invalidating `npages` pages from page `addr_page`.
    pub fn pages(addr_page: u16, npages: u8) -> Self {
        HwptEntry {
            addr_page,
            unaligned: false,
            npages: NbGranules::Small(npages),
            flags: 0,
            reserved: 0,
        }
    }
}

impl HwptArg {
    /// A valid request on nested HWPT 1 with these entries, the array at the start of the data
    /// pages.
    pub fn typical(entries: Vec<HwptEntry>) -> Self {
        HwptArg {
            size: ArgSize::Exact,
            hwpt_id: 1,
            null_uptr: false,
            uptr_offset: 0,
            data_type: 0,
            entry_len: ArgSize::Exact,
            entries,
            entry_num_raw: None,
            reserved: 0,
            tail_byte: 0,
            at_page_end: false,
        }
    }
}

/// A count, small or near `u64::MAX` (to make sizes overflow).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum NbGranules {
    /// A small count.
    Small(u8),
    /// Near `u64::MAX`, to make `addr + granule_size * nb_granules` overflow.
    Huge(u8),
}

/// One `struct iommu_hwpt_vtd_s1_invalidate`, encoded literally.
#[derive(Debug, Clone)]
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

/// A structured `IOMMU_HWPT_INVALIDATE` argument, encoded literally by [`hwpt_bytes`].
#[derive(Debug, Clone)]
pub struct HwptArg {
    /// `size` relative to 32.
    pub size: ArgSize,
    /// `hwpt_id` (1, 2 nested; 3 paging; others unknown).
    pub hwpt_id: u8,
    /// A null `data_uptr`.
    pub null_uptr: bool,
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
        /// Container, modulo 4.
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

/// Encodes a structured VFIO argument. Fields are biased towards valid values.
pub fn vfio_bytes(a: &VfioArg) -> Vec<u8> {
    let version = u32::from(a.version);
    let info_size = ci::size_of_version(version).unwrap_or(ci::SIZE_V1);
    let argsz = a.argsz.resolve(cmd::CACHE_INFO + info_size).min(PAGE_SIZE);
    let mut b = vec![0u8; (cmd::CACHE_INFO + info_size) as usize];
    put(&mut b, cmd::ARGSZ, 4, argsz);
    put(&mut b, cmd::FLAGS, 4, u64::from(a.flags));
    let i = cmd::CACHE_INFO;
    let u = i + ci::UNION;
    put(&mut b, i + ci::VERSION, 4, u64::from(version));
    put(&mut b, i + ci::CACHE, 1, u64::from(a.cache));
    put(&mut b, i + ci::GRANULARITY, 1, u64::from(a.granularity));
    put(&mut b, i + ci::PADDING, 2, u64::from(a.padding));
    put(&mut b, u + ci::U_FLAGS, 4, u64::from(a.info_flags));
    let pasid = if a.pasid_huge {
        1 << 20 | u64::from(a.pasid)
    } else {
        u64::from(a.pasid)
    };
    put(&mut b, u + ci::U_PASID, 8, pasid);
    // A shift of 52 or more stands for 0x3000, which is not a power of two.
    let granule = if a.granule_shift < 52 {
        PAGE_SIZE << a.granule_shift
    } else {
        0x3000
    };
    put(&mut b, u + ci::U_ADDR, 8, u64::from(a.addr_page) << 12);
    put(&mut b, u + ci::U_GRANULE_SIZE, 8, granule);
    put(&mut b, u + ci::U_NB_GRANULES, 8, nb(a.nb_granules));
    if version == 2 {
        put(&mut b, i + ci::EXT_V2, 8, u64::from(a.ext));
    }
    b.resize(argsz as usize, a.tail_byte);
    b
}

/// Encodes a structured iommufd argument and its entry array.
pub fn hwpt_bytes(a: &HwptArg) -> (Vec<u8>, Vec<u8>) {
    let size = a.size.resolve(h::STRUCT_SIZE).min(PAGE_SIZE);
    let entry_len = a.entry_len.resolve(h::ENTRY_SIZE).min(256);
    let mut entries = Vec::new();
    for e in a.entries.iter().take(64) {
        let mut b = vec![0u8; entry_len as usize];
        let addr = (u64::from(e.addr_page) << 12) | u64::from(e.unaligned);
        put(&mut b, h::E_ADDR, 8, addr);
        put(&mut b, h::E_NPAGES, 8, nb(e.npages));
        put(&mut b, h::E_FLAGS, 4, u64::from(e.flags));
        put(&mut b, h::E_RESERVED, 4, u64::from(e.reserved));
        b.truncate(entry_len as usize);
        entries.extend(b);
    }
    let offset = u64::from(a.uptr_offset) % (2 * PAGE_SIZE);
    let mut data = vec![0u8; offset as usize];
    data.extend(entries);
    let mut b = vec![0u8; h::STRUCT_SIZE as usize];
    put(&mut b, h::SIZE, 4, size);
    put(&mut b, h::HWPT_ID, 4, u64::from(a.hwpt_id));
    let uptr = if a.null_uptr { 0 } else { DATA_PAGE + offset };
    put(&mut b, h::DATA_UPTR, 8, uptr);
    put(&mut b, h::DATA_TYPE, 4, u64::from(a.data_type));
    put(&mut b, h::ENTRY_LEN, 4, entry_len);
    let num = a.entry_num_raw.unwrap_or(a.entries.len().min(64) as u32);
    put(&mut b, h::ENTRY_NUM, 4, u64::from(num));
    put(&mut b, h::RESERVED, 4, u64::from(a.reserved));
    b.resize(size as usize, a.tail_byte);
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
    /// The broken invariant, structured.
    pub finding: oracle::Finding,
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
    run_sequence_on(&mut World::new(), profile, ops)
}

/// Whether a run checks the oracle after every ioctl, and which findings end it. [`Oracle::Off`]
/// applies the same operations to the model alone, for measuring how much of a fuzz target's time
/// the oracle takes (`cargo xtask fuzz speed`); such a run never reports a violation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Oracle {
    /// Every ioctl is checked and the first finding is the violation (every test and every normal
    /// fuzz run).
    #[default]
    On,
    /// Every ioctl is checked, but only a finding of this hazard is a violation: a finding of
    /// another is passed over and the run goes on from the state the call left. How `cargo xtask
    /// fuzz hunt` times each hazard in `v1`, which has all of them: a sequence that trips an
    /// earlier, other hazard still reaches the one hunted.
    Hunt(Hazard),
    /// No check: the model alone.
    Off,
}

impl Oracle {
    /// The switch from the values of the `UAPI_GUARD_ORACLE` and `UAPI_GUARD_HUNT` environment
    /// variables: `off` turns the oracle off; otherwise a hazard's name ([`Hazard::name`]) hunts
    /// that hazard; anything else, or no value, leaves the oracle on.
    pub fn from_setting(oracle: Option<&str>, hunt: Option<&str>) -> Oracle {
        match (oracle, hunt.and_then(Hazard::from_name)) {
            (Some("off"), _) => Oracle::Off,
            (_, Some(hazard)) => Oracle::Hunt(hazard),
            _ => Oracle::On,
        }
    }

    /// Whether `finding` ends the run.
    pub fn stops_at(self, finding: &oracle::Finding) -> bool {
        match self {
            Oracle::Hunt(hazard) => Hazard::of(finding) == Some(hazard),
            Oracle::On | Oracle::Off => true,
        }
    }
}

/// Applies `ops` to `world` in `profile`, checking the oracle after every ioctl.
pub fn run_sequence_on(
    world: &mut World,
    profile: Profile,
    ops: &[Op],
) -> Result<RunStats, Violation> {
    run_sequence_with(world, profile, ops, Oracle::On)
}

/// [`run_sequence_on`], with the oracle on or off.
pub fn run_sequence_with(
    world: &mut World,
    profile: Profile,
    ops: &[Op],
    oracle: Oracle,
) -> Result<RunStats, Violation> {
    let mut stats = RunStats::default();
    let mut results = Vec::with_capacity(ops.len());
    for (step, op) in ops.iter().enumerate() {
        let (result, verdict) = apply(world, profile, op, oracle);
        stats.ops += 1;
        results.push(result);
        match result {
            StepResult::Ioctl(Ok(())) => stats.ioctl_ok += 1,
            StepResult::Ioctl(Err(_)) => stats.ioctl_err += 1,
            _ => {}
        }
        match verdict {
            Err(finding) if oracle.stops_at(&finding) => {
                return Err(violation(profile, step, finding, ops, &results));
            }
            _ => {}
        }
    }
    Ok(stats)
}

/// A raw ioctl argument, borrowed from the fuzzer's input: [`Op::RawVfio`] or [`Op::RawHwpt`]
/// without copying the bytes.
#[derive(Debug, Clone, Copy)]
pub enum RawIoctl<'a> {
    /// `VFIO_IOMMU_CACHE_INVALIDATE` on a container (modulo 4) with these argument bytes.
    Vfio {
        /// Container, modulo 4.
        container: u8,
        /// The bytes at the argument address.
        bytes: &'a [u8],
        /// Place them at the end of the page.
        at_page_end: bool,
    },
    /// `IOMMU_HWPT_INVALIDATE` with these argument bytes and data pages.
    Hwpt {
        /// The bytes at the argument address.
        bytes: &'a [u8],
        /// The bytes at the start of the data pages.
        data: &'a [u8],
        /// Place the argument at the end of the page.
        at_page_end: bool,
    },
}

impl RawIoctl<'_> {
    /// The same call as an owned operation.
    pub fn to_op(self) -> Op {
        match self {
            RawIoctl::Vfio {
                container,
                bytes,
                at_page_end,
            } => Op::RawVfio {
                container,
                bytes: bytes.to_vec(),
                at_page_end,
            },
            RawIoctl::Hwpt {
                bytes,
                data,
                at_page_end,
            } => Op::RawHwpt {
                bytes: bytes.to_vec(),
                data: data.to_vec(),
                at_page_end,
            },
        }
    }
}

/// Runs one raw ioctl on `world` in `profile`, under the oracle when `oracle` is on:
/// [`run_sequence_with`] with the one operation `raw.to_op()`, without copying its bytes.
pub fn run_raw_with(
    world: &mut World,
    profile: Profile,
    raw: RawIoctl<'_>,
    oracle: Oracle,
) -> Result<(), Violation> {
    let (result, verdict) = apply_raw(world, profile, raw, oracle);
    match verdict {
        Err(finding) if oracle.stops_at(&finding) => {
            Err(violation(profile, 0, finding, &[raw.to_op()], &[result]))
        }
        _ => Ok(()),
    }
}

fn violation(
    profile: Profile,
    step: usize,
    finding: oracle::Finding,
    ops: &[Op],
    results: &[StepResult],
) -> Violation {
    let trace = ops
        .iter()
        .zip(results)
        .enumerate()
        .map(|(i, (op, r))| format!("#{i} {op:?} -> {r}"))
        .collect();
    Violation {
        profile,
        step,
        message: finding.message.clone(),
        finding,
        trace,
    }
}

/// What one step returned, kept for the trace.
#[derive(Debug, Clone, Copy)]
enum StepResult {
    Done,
    Translated(Option<u64>),
    Ioctl(Result<(), Errno>),
}

impl fmt::Display for StepResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepResult::Done => f.write_str("done"),
            StepResult::Translated(Some(a)) => write!(f, "{a:#x}"),
            StepResult::Translated(None) => f.write_str("no translation"),
            StepResult::Ioctl(Ok(())) => f.write_str("0"),
            StepResult::Ioctl(Err(e)) => write!(f, "{e}"),
        }
    }
}

type Verdict = Result<(), oracle::Finding>;

fn call_checked(
    world: &mut World,
    profile: Profile,
    call: Call,
    fail_nth: Option<u8>,
    oracle: Oracle,
) -> (StepResult, Verdict) {
    if oracle == Oracle::Off {
        world.mem.clear_log();
        let mut faults = FailNth::new(fail_nth.map(u32::from));
        let result = ioctl(world, profile, call, &mut faults);
        return (StepResult::Ioctl(result), Ok(()));
    }
    let expected = oracle::expected(world, profile, call);
    let caches = world.iommu.caches;
    world.mem.clear_log();
    let mut faults = FailNth::new(fail_nth.map(u32::from));
    let result = ioctl(world, profile, call, &mut faults);
    let verdict =
        oracle::check_expected(&expected, &caches, world, result, faults.fired().is_some());
    (StepResult::Ioctl(result), verdict)
}

fn vfio_call(container: u8, arg: u64) -> Call {
    Call::VfioCacheInvalidate {
        container: u32::from(container),
        arg,
    }
}

fn apply(world: &mut World, profile: Profile, op: &Op, oracle: Oracle) -> (StepResult, Verdict) {
    let done = (StepResult::Done, Ok(()));
    match op {
        Op::GuestMap {
            dom,
            pasid,
            page,
            phys,
        } => {
            world.iommu.guest_map(
                pick(&DOMAINS, *dom),
                u32::from(*pasid) % PASIDS as u32,
                u64::from(*page) % PAGES,
                *phys,
            );
            done
        }
        Op::GuestUnmap { dom, pasid, page } => {
            world.iommu.guest_unmap(
                pick(&DOMAINS, *dom),
                u32::from(*pasid) % PASIDS as u32,
                u64::from(*page) % PAGES,
            );
            done
        }
        Op::GuestSwitchRoot { dom, pasid } => {
            world
                .iommu
                .guest_switch_root(pick(&DOMAINS, *dom), u32::from(*pasid) % PASIDS as u32);
            done
        }
        Op::Translate { dev, pasid, page } => {
            let r = world.iommu.translate(
                pick(&DEVICES, *dev),
                u32::from(*pasid) % PASIDS as u32,
                (u64::from(*page) % PAGES) * PAGE_SIZE,
            );
            (StepResult::Translated(r), Ok(()))
        }
        Op::SetFailing { dev, failing } => {
            world.iommu.set_failing(pick(&DEVICES, *dev), *failing);
            done
        }
        Op::Vfio { arg, fail_nth } => {
            let addr = world.place_arg(&vfio_bytes(arg), arg.at_page_end);
            call_checked(
                world,
                profile,
                vfio_call(arg.container, addr),
                *fail_nth,
                oracle,
            )
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
                oracle,
            )
        }
        Op::RawVfio {
            container,
            bytes,
            at_page_end,
        } => apply_raw(
            world,
            profile,
            RawIoctl::Vfio {
                container: *container,
                bytes,
                at_page_end: *at_page_end,
            },
            oracle,
        ),
        Op::RawHwpt {
            bytes,
            data,
            at_page_end,
        } => apply_raw(
            world,
            profile,
            RawIoctl::Hwpt {
                bytes,
                data,
                at_page_end: *at_page_end,
            },
            oracle,
        ),
    }
}

fn apply_raw(
    world: &mut World,
    profile: Profile,
    raw: RawIoctl<'_>,
    oracle: Oracle,
) -> (StepResult, Verdict) {
    match raw {
        RawIoctl::Vfio {
            container,
            bytes,
            at_page_end,
        } => {
            let addr = world.place_arg(bytes, at_page_end);
            call_checked(world, profile, vfio_call(container % 4, addr), None, oracle)
        }
        RawIoctl::Hwpt {
            bytes,
            data,
            at_page_end,
        } => {
            world.place_data(data);
            let addr = world.place_arg(bytes, at_page_end);
            call_checked(
                world,
                profile,
                Call::HwptInvalidate { arg: addr },
                None,
                oracle,
            )
        }
    }
}

/// A fuzzer's random bytes rarely form a valid request, and an oracle that only ever sees refusals
/// checks little. These decoders keep each field valid most of the time and let the rest of the
/// byte range reach the invalid values.
fn biased(
    u: &mut Unstructured<'_>,
    valid: &[u8],
    range: std::ops::RangeInclusive<u8>,
) -> arbitrary::Result<u8> {
    let b: u8 = u.arbitrary()?;
    if b < 200 && !valid.is_empty() {
        Ok(valid[usize::from(b) % valid.len()])
    } else {
        Ok(range
            .start()
            .saturating_add(b % range.end().saturating_sub(*range.start()).saturating_add(1)))
    }
}

fn mostly_zero(u: &mut Unstructured<'_>) -> arbitrary::Result<u8> {
    biased(u, &[0], 0..=255)
}

impl<'a> Arbitrary<'a> for VfioArg {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(VfioArg {
            container: biased(u, &[0, 1], 0..=3)?,
            argsz: u.arbitrary()?,
            flags: u32::from(mostly_zero(u)?),
            version: biased(u, &[1, 1, 1, 2], 0..=3)?,
            cache: biased(u, &[1, 3, 4, 5, 7], 0..=255)?,
            granularity: biased(u, &[0, 1, 2], 0..=255)?,
            padding: u16::from(mostly_zero(u)?),
            info_flags: biased(u, &[1, 5], 0..=255)?,
            pasid: biased(u, &[0, 1, 2, 3], 0..=255)?,
            pasid_huge: biased(u, &[0], 0..=1)? == 1,
            addr_page: u16::from(biased(u, &[0, 1, 2, 3, 8], 0..=255)?),
            granule_shift: biased(u, &[0, 0, 1, 2], 0..=60)?,
            nb_granules: u.arbitrary()?,
            ext: mostly_zero(u)?,
            tail_byte: mostly_zero(u)?,
            at_page_end: u.arbitrary()?,
        })
    }
}

impl<'a> Arbitrary<'a> for HwptEntry {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(HwptEntry {
            addr_page: u16::from(biased(u, &[0, 1, 2, 3, 8], 0..=255)?),
            unaligned: biased(u, &[0], 0..=1)? == 1,
            npages: u.arbitrary()?,
            flags: biased(u, &[0, 1], 0..=255)?,
            reserved: mostly_zero(u)?,
        })
    }
}

impl<'a> Arbitrary<'a> for HwptArg {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(HwptArg {
            size: u.arbitrary()?,
            hwpt_id: biased(u, &[1, 2], 0..=4)?,
            null_uptr: biased(u, &[0], 0..=1)? == 1,
            uptr_offset: if biased(u, &[0], 0..=1)? == 0 {
                0
            } else {
                u.arbitrary()?
            },
            data_type: mostly_zero(u)?,
            entry_len: u.arbitrary()?,
            entries: u.arbitrary()?,
            entry_num_raw: if biased(u, &[0], 0..=1)? == 0 {
                None
            } else {
                Some(u.arbitrary()?)
            },
            reserved: mostly_zero(u)?,
            tail_byte: mostly_zero(u)?,
            at_page_end: u.arbitrary()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short deltas below 16 and long ones below 64 shift the size; larger ones mean exact.
    #[test]
    fn arg_size_deltas_apply_below_their_limits_and_mean_exact_above() {
        assert_eq!(ArgSize::Exact.resolve(56), 56);
        assert_eq!(ArgSize::Short(15).resolve(56), 41);
        assert_eq!(ArgSize::Short(15).resolve(4), 0);
        assert_eq!(ArgSize::Short(16).resolve(56), 56);
        assert_eq!(ArgSize::Long(63).resolve(56), 119);
        assert_eq!(ArgSize::Long(64).resolve(56), 56);
        assert_eq!(ArgSize::Raw(7).resolve(56), 7);
    }

    /// Domain 1 (selector 0), in the standard world.
    const DOM: u32 = DOMAINS[0];

    fn map(pasid: u8, page: u8, phys: u16) -> Op {
        Op::GuestMap {
            dom: 0,
            pasid,
            page,
            phys,
        }
    }

    /// Runs `ops` on a fresh world under vfio-fixed and returns the world and the stats.
    fn world_after(ops: &[Op]) -> (World, RunStats) {
        let mut world = World::new();
        let stats = run_sequence_on(&mut world, Profile::VfioFixed, ops).unwrap();
        (world, stats)
    }

    /// PASID 2 and page 6 of domain 1 mapped, and their neighbours 1 and 1.
    fn mapped() -> Vec<Op> {
        vec![map(2, 6, 26), map(2, 1, 21), map(1, 6, 16), map(1, 1, 11)]
    }

    /// Every byte value names a modelled space: a guest operation on PASID `p` and page `q`
    /// acts on PASID `p % PASIDS` and page `q % PAGES`. PASID `2 + PASIDS` and page `6 + PAGES`
    /// are chosen so that `/` (1 and 1) and `+` (outside the model, a no-op) differ from `%`.
    #[test]
    fn guest_ops_act_on_pasid_and_page_modulo_the_model() {
        let (p, q) = (2 + PASIDS as u8, 6 + PAGES as u8);
        let (w, _) = world_after(&[map(p, q, 26)]);
        assert_eq!(w.iommu.walk(DOM, 2, 6), Some(26));

        let mut ops = mapped();
        ops.push(Op::GuestUnmap {
            dom: 0,
            pasid: p,
            page: q,
        });
        let (w, _) = world_after(&ops);
        assert_eq!(w.iommu.walk(DOM, 2, 6), None, "unmapped at pasid 2 page 6");
        assert_eq!(w.iommu.walk(DOM, 2, 1), Some(21));
        assert_eq!(w.iommu.walk(DOM, 1, 6), Some(16));
        assert_eq!(w.iommu.walk(DOM, 1, 1), Some(11));

        let mut ops = mapped();
        ops.push(Op::GuestSwitchRoot { dom: 0, pasid: p });
        let (w, _) = world_after(&ops);
        assert_eq!(w.iommu.walk(DOM, 2, 6), None, "pasid 2 has a fresh table");
        assert_eq!(w.iommu.walk(DOM, 2, 1), None);
        assert_eq!(w.iommu.walk(DOM, 1, 6), Some(16));
        assert_eq!(w.iommu.walk(DOM, 1, 1), Some(11));
    }

    /// A translation of page `q` asks for the IOVA of page `q % PAGES`, offset 0, and returns
    /// the physical page's address.
    #[test]
    fn translate_asks_for_the_start_of_the_page() {
        let mut world = World::new();
        run_sequence_on(&mut world, Profile::VfioFixed, &[map(1, 3, 7)]).unwrap();
        for page in [3, 3 + PAGES as u8] {
            let op = Op::Translate {
                dev: 0,
                pasid: 1,
                page,
            };
            let (r, verdict) = apply(&mut world, Profile::VfioFixed, &op, Oracle::On);
            assert!(verdict.is_ok());
            assert!(
                matches!(r, StepResult::Translated(Some(a)) if a == 7 * PAGE_SIZE),
                "page {page}: {r}"
            );
        }
    }

    /// A raw VFIO call's container byte is taken modulo 4: 4 is container 0 (domain 1, whose
    /// cache is flushed, domain 2's kept), 6 is container 2 (not nesting: EINVAL).
    #[test]
    fn raw_vfio_container_is_taken_modulo_4() {
        let warm = |ops: &mut Vec<Op>| {
            for (dom, dev) in [(0, 0), (1, 3)] {
                ops.push(Op::GuestMap {
                    dom,
                    pasid: 1,
                    page: 0,
                    phys: 9,
                });
                ops.push(Op::Translate {
                    dev,
                    pasid: 1,
                    page: 0,
                });
            }
        };
        let raw = |container| Op::RawVfio {
            container,
            bytes: vfio_bytes(&VfioArg::typical()),
            at_page_end: false,
        };
        let mut ops = Vec::new();
        warm(&mut ops);
        ops.push(raw(4));
        let (w, stats) = world_after(&ops);
        assert_eq!((stats.ioctl_ok, stats.ioctl_err), (1, 0));
        let cached = |dom| w.iommu.caches.iotlb[w.iommu.domain_slot(dom).unwrap()][1].get(0);
        assert_eq!(cached(DOMAINS[0]), None, "container 0's domain flushed");
        assert_eq!(cached(DOMAINS[1]), Some(9), "container 1's domain kept");

        let (_, stats) = world_after(&[raw(6)]);
        assert_eq!((stats.ioctl_ok, stats.ioctl_err), (0, 1));
    }

    /// `RunStats` counts every operation, and the ioctls by outcome.
    #[test]
    fn run_stats_count_operations_and_ioctl_outcomes() {
        let refused = VfioArg {
            container: 2,
            ..VfioArg::typical()
        };
        let ops = [
            map(1, 0, 5),
            Op::Translate {
                dev: 0,
                pasid: 1,
                page: 0,
            },
            Op::Vfio {
                arg: VfioArg::typical(),
                fail_nth: None,
            },
            Op::Vfio {
                arg: refused.clone(),
                fail_nth: None,
            },
            Op::Vfio {
                arg: refused,
                fail_nth: None,
            },
            Op::SetFailing {
                dev: 0,
                failing: false,
            },
        ];
        let stats = run_sequence(Profile::VfioFixed, &ops).unwrap();
        let want = RunStats {
            ops: 6,
            ioctl_ok: 1,
            ioctl_err: 2,
        };
        assert_eq!(stats, want);
    }

    /// The trace of a violation shows what each step returned: `done` for a guest operation,
    /// the physical address or `no translation`, the ioctl's 0 or errno.
    #[test]
    fn violation_trace_shows_each_step_result() {
        assert_eq!(StepResult::Done.to_string(), "done");
        assert_eq!(StepResult::Translated(Some(0x7000)).to_string(), "0x7000");
        assert_eq!(StepResult::Translated(None).to_string(), "no translation");
        assert_eq!(StepResult::Ioctl(Ok(())).to_string(), "0");
        let einval = StepResult::Ioctl(Err(Errno::Einval)).to_string();
        assert_eq!(einval, Errno::Einval.to_string());

        // v1 accepts an argsz that stops inside the struct (over-reading it): the oracle wants
        // EINVAL, v1 returns 0.
        let short = VfioArg {
            argsz: ArgSize::Raw(12),
            at_page_end: true,
            ..VfioArg::typical()
        };
        let ops = [
            map(1, 0, 7),
            Op::Translate {
                dev: 0,
                pasid: 1,
                page: 0,
            },
            Op::Translate {
                dev: 0,
                pasid: 1,
                page: 1,
            },
            Op::Vfio {
                arg: short,
                fail_nth: None,
            },
        ];
        let v = run_sequence(Profile::V1, &ops).expect_err("v1 over-reads");
        assert_eq!(v.step, 3);
        assert_eq!(v.trace.len(), 4);
        assert!(v.trace[0].starts_with("#0 GuestMap"), "{v}");
        assert!(v.trace[0].ends_with(" -> done"), "{v}");
        assert!(v.trace[1].ends_with(" -> 0x7000"), "{v}");
        assert!(v.trace[2].ends_with(" -> no translation"), "{v}");
        assert!(v.trace[3].starts_with("#3 Vfio"), "{v}");
        assert!(
            v.to_string().contains(&format!("  {}\n", v.trace[3])),
            "{v}"
        );
    }

    fn decode<'a, T: Arbitrary<'a>>(bytes: &'a [u8]) -> T {
        T::arbitrary(&mut Unstructured::new(bytes)).unwrap()
    }

    /// A byte below 200 picks `valid[b % len]`; 200 and above reach the range as
    /// `start + b % (end - start + 1)` (the span saturating at 255).
    #[test]
    fn biased_bytes_below_200_pick_a_valid_value_and_the_rest_reach_the_range() {
        let one = |b: u8, valid: &[u8], range| biased(&mut Unstructured::new(&[b]), valid, range);
        assert_eq!(one(199, &[7, 8], 0..=3).unwrap(), 8);
        assert_eq!(one(200, &[7, 8], 0..=3).unwrap(), 0);
        assert_eq!(one(203, &[7, 8], 10..=13).unwrap(), 13);
        assert_eq!(one(201, &[7, 8], 0..=60).unwrap(), 201 - 183);
        let zero = |b: u8| mostly_zero(&mut Unstructured::new(&[b])).unwrap();
        assert_eq!((zero(0), zero(199), zero(200), zero(254)), (0, 0, 200, 254));
    }

    /// Fuzz bytes below 200 keep every yes/no field of the structured arguments at its valid
    /// value (no huge PASID, aligned, a data pointer at offset 0, `entry_num` the entry count);
    /// bytes of 200 and above reach the other values.
    #[test]
    fn argument_decoders_keep_flags_valid_below_200() {
        for b in [0u8, 1, 100, 199] {
            let bytes = [b; 256];
            let v: VfioArg = decode(&bytes);
            assert!(!v.pasid_huge, "byte {b}");
            let e: HwptEntry = decode(&bytes);
            assert!(!e.unaligned, "byte {b}");
            let h: HwptArg = decode(&bytes);
            assert!(!h.null_uptr, "byte {b}");
            assert_eq!(h.uptr_offset, 0, "byte {b}");
            assert_eq!(h.entry_num_raw, None, "byte {b}");
        }
        let high = [201u8; 256];
        let v: VfioArg = decode(&high);
        // 201 % 4 = 1, 201 % 2 = 1, 201 % 61 = 18; the 0..=255 fields keep 201.
        assert_eq!((v.container, v.version, v.granule_shift), (1, 1, 18));
        assert_eq!((v.flags, v.padding, v.pasid, v.ext), (201, 201, 201, 201));
        assert!(v.pasid_huge);
        let e: HwptEntry = decode(&high);
        assert!(e.unaligned);
        assert_eq!((e.addr_page, e.flags, e.reserved), (201, 201, 201));
        // The selectors at 200 pick the valid branch (200 % 2 = 0), at 201 the other one.
        let h: HwptArg = decode(&[200u8; 256]);
        assert_eq!((h.hwpt_id, h.uptr_offset, h.entry_num_raw), (0, 0, None));
        assert!(!h.null_uptr);
    }
}
