//! The oracle: a reference model of what each ioctl must do, written from the kernel's rules in
//! the plainest form (memory is read with `peek`, arithmetic in u128), and the invariants checked
//! after every call:
//!
//! - the errno is the one the kernel returns for that input (the reference decides; under fault
//!   injection the injected error is accepted too);
//! - no user byte is read outside what the user said it passed;
//! - invalidation never adds or changes a cache entry, and never touches another domain's entries
//!   or another domain's devices';
//! - after success, nothing the request covered is still cached (over-invalidating is allowed,
//!   under-invalidating never);
//! - an error changes nothing, except where the kernel processes an array: then exactly the
//!   reported prefix took effect, and the count written back says how many.

use crate::copy_struct;
use crate::errno::Errno;
use crate::handlers::{Call, Profile};
use crate::iommu::{bits, Caches, DeviceSet, DomainId, PageSet, SoftIommu, PASIDS};
use crate::request::{any_covers, page_range, Invalidation};
use crate::uapi::{
    cache_info as ci, hwpt_invalidate as h, u32_at, u64_at, vfio_cache_invalidate as cmd,
};
use crate::usermem::{UserRange, PAGE_SIZE};
use crate::world::World;

/// What the reference says a call must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The result.
    pub result: Result<(), Errno>,
    /// The user ranges the kernel may read.
    pub allowed_reads: Vec<UserRange>,
    /// The domain the call may touch (`None`: nothing may change).
    pub target: Option<DomainId>,
    /// Requests whose covered entries must be gone afterwards (on success: all; on an array
    /// error: the processed prefix).
    pub done: Vec<Invalidation>,
    /// For iommufd: where `entry_num` is written back and the count it must hold.
    pub writeback: Option<(u64, u32)>,
    /// True when an array entry failed, so caches may have changed (over-invalidation) even though
    /// the call failed.
    pub partial_allowed: bool,
    /// Why the kernel refuses the call (empty on success).
    pub reason: &'static str,
}

impl Expected {
    fn fail(e: Errno, reads: Vec<UserRange>, reason: &'static str) -> Self {
        Expected {
            result: Err(e),
            allowed_reads: reads,
            target: None,
            done: Vec::new(),
            writeback: None,
            partial_allowed: false,
            reason,
        }
    }
}

/// The reference outcome of `call` on the state `world` (taken before the call).
pub fn expected(world: &World, profile: Profile, call: Call) -> Expected {
    match (profile, call) {
        (Profile::V1 | Profile::VfioFixed, Call::VfioCacheInvalidate { container, arg }) => {
            expected_vfio(world, container, arg)
        }
        (Profile::Iommufd, Call::HwptInvalidate { arg }) => expected_hwpt(world, arg),
        _ => Expected::fail(
            Errno::Enotty,
            Vec::new(),
            "ioctl not handled by this profile",
        ),
    }
}

fn expected_vfio(world: &World, container: u32, arg: u64) -> Expected {
    let Some((dom, domain)) = world
        .containers
        .get(container)
        .and_then(|d| Some((d, world.iommu.domain(d)?)))
    else {
        return Expected::fail(Errno::Einval, Vec::new(), NO_CONTAINER);
    };
    // The ioctl only makes sense on a nesting container; nothing is read otherwise.
    if !domain.nesting {
        return Expected::fail(Errno::Einval, Vec::new(), NOT_NESTING);
    }
    let minsz = UserRange::new(arg, cmd::MINSZ_FIXED);
    let Ok(hdr) = world.mem.peek(arg, cmd::MINSZ_FIXED) else {
        return Expected::fail(Errno::Efault, vec![minsz], "the header faults");
    };
    let argsz = u64::from(u32_at(&hdr, cmd::ARGSZ));
    let reads = vec![minsz, UserRange::new(arg, argsz)];
    let einval = |reason| Expected::fail(Errno::Einval, reads.clone(), reason);
    if argsz < cmd::MINSZ_FIXED {
        return einval("argsz below minsz (offsetofend version)");
    }
    if u32_at(&hdr, cmd::FLAGS) != 0 {
        return einval(UNKNOWN_FLAGS);
    }
    let version = u32_at(&hdr, cmd::CACHE_INFO + ci::VERSION);
    let size = match version {
        1 => ci::SIZE_V1,
        2 => ci::SIZE_V2,
        _ => return einval("unknown version"),
    };
    if argsz < cmd::CACHE_INFO + size {
        return einval(ARGSZ_BELOW_VERSION);
    }
    let info = match copy_struct::reference(
        &world.mem,
        size,
        arg + cmd::CACHE_INFO,
        argsz - cmd::CACHE_INFO,
    ) {
        Ok(i) => i,
        Err(e) => return Expected::fail(e, reads, copy_reason(e)),
    };
    let request = match reference_request(&info, version, dom, domain.devices) {
        Ok(r) => r,
        Err(reason) => return einval(reason),
    };
    Expected {
        result: Ok(()),
        allowed_reads: reads,
        target: Some(dom),
        done: vec![request],
        writeback: None,
        partial_allowed: false,
        reason: "",
    }
}

/// Refusal reasons the hazard classifier keys on.
pub const NO_CONTAINER: &str = "no such container";
/// The container does not use a nesting IOMMU.
pub const NOT_NESTING: &str = "container is not nesting";
/// Unknown bits in a flags field.
pub const UNKNOWN_FLAGS: &str = "unknown flag bits";
/// `argsz` does not reach the end of the struct its version names.
pub const ARGSZ_BELOW_VERSION: &str = "argsz below the size of its version";
/// Bytes past what the kernel knows are not zero.
pub const TRAILING_BYTES: &str = "non-zero bytes past the known struct";
/// An address range that does not fit 64 bits.
pub const RANGE_OVERFLOW: &str = "address range overflows";

fn copy_reason(e: Errno) -> &'static str {
    match e {
        Errno::E2big => TRAILING_BYTES,
        _ => "the struct faults",
    }
}

/// The request an `iommu_cache_invalidate_info` stands for, or why the kernel must refuse it.
fn reference_request(
    info: &[u8],
    version: u32,
    dom: DomainId,
    devices: DeviceSet,
) -> Result<Invalidation, &'static str> {
    let byte = |off: u64| info.get(off as usize).copied().unwrap_or(0);
    let (cache, granu) = (byte(ci::CACHE), byte(ci::GRANULARITY));
    let flags = u32_at(info, ci::UNION + ci::U_FLAGS);
    let pasid = u64_at(info, ci::UNION + ci::U_PASID);
    let refused = [
        (
            byte(ci::PADDING) != 0 || byte(ci::PADDING + 1) != 0,
            "non-zero padding",
        ),
        (
            version == 2 && u64_at(info, ci::EXT_V2) != 0,
            "non-zero reserved extension",
        ),
        (
            cache == 0 || cache > ci::TYPE_ALL,
            "no or unknown cache type",
        ),
        (granu > 2, "unknown granularity"),
        (
            granu == ci::GRANU_DOMAIN && cache & ci::TYPE_DEV_IOTLB != 0,
            "domain granularity with device IOTLB",
        ),
        (
            granu == ci::GRANU_ADDR && cache & ci::TYPE_PASID != 0,
            "address granularity with PASID cache",
        ),
        (
            granu == ci::GRANU_PASID && flags > (ci::FLAG_PASID | ci::FLAG_ARCHID),
            UNKNOWN_FLAGS,
        ),
        (
            granu == ci::GRANU_ADDR && flags > (ci::FLAG_PASID | ci::FLAG_ARCHID | ci::FLAG_LEAF),
            UNKNOWN_FLAGS,
        ),
        (
            granu != ci::GRANU_DOMAIN && (flags & ci::FLAG_PASID == 0 || pasid >= 1 << 20),
            "missing or invalid PASID",
        ),
    ];
    if let Some((_, reason)) = refused.iter().find(|(r, _)| *r) {
        return Err(reason);
    }
    let range = if granu == ci::GRANU_ADDR {
        let addr = u64_at(info, ci::UNION + ci::U_ADDR);
        let granule = u128::from(u64_at(info, ci::UNION + ci::U_GRANULE_SIZE));
        let len = granule * u128::from(u64_at(info, ci::UNION + ci::U_NB_GRANULES));
        let valid_granule = granule.is_power_of_two() && granule >= u128::from(PAGE_SIZE);
        if !valid_granule || u128::from(addr) % granule != 0 || len == 0 {
            return Err("invalid granule, alignment or count");
        }
        if u128::from(addr) + len > u128::from(u64::MAX) {
            return Err(RANGE_OVERFLOW);
        }
        Some(page_range(addr, len).ok_or(RANGE_OVERFLOW)?)
    } else {
        None
    };
    Ok(Invalidation {
        domain: dom,
        devices,
        iotlb: cache & ci::TYPE_IOTLB != 0,
        dev_iotlb: cache & ci::TYPE_DEV_IOTLB != 0,
        pasid_cache: cache & ci::TYPE_PASID != 0,
        pasid: (granu != ci::GRANU_DOMAIN).then_some(pasid as u32),
        range,
    })
}

fn expected_hwpt(world: &World, arg: u64) -> Expected {
    let Ok(size_bytes) = world.mem.peek(arg, 4) else {
        return Expected::fail(
            Errno::Efault,
            vec![UserRange::new(arg, 4)],
            "the size faults",
        );
    };
    let size = u64::from(u32_at(&size_bytes, 0));
    let mut reads = vec![UserRange::new(arg, 4), UserRange::new(arg, size)];
    if size < h::STRUCT_SIZE {
        return Expected::fail(Errno::Einval, reads, "size below the minimum");
    }
    let cmd = match copy_struct::reference(&world.mem, h::STRUCT_SIZE, arg, size) {
        Ok(c) => c,
        Err(e) => return Expected::fail(e, reads, copy_reason(e)),
    };
    let uptr = u64_at(&cmd, h::DATA_UPTR);
    let len = u64::from(u32_at(&cmd, h::ENTRY_LEN));
    let num = u32_at(&cmd, h::ENTRY_NUM);
    reads.push(UserRange {
        start: u128::from(uptr),
        end: u128::from(uptr) + u128::from(len) * u128::from(num),
    });
    let mut out = Expected {
        result: Ok(()),
        allowed_reads: reads,
        target: None,
        done: Vec::new(),
        writeback: Some((arg + h::ENTRY_NUM, 0)),
        partial_allowed: false,
        reason: "",
    };
    let early = |out: &mut Expected, e, reason| {
        out.result = Err(e);
        out.reason = reason;
        out.clone()
    };
    if u32_at(&cmd, h::RESERVED) != 0 {
        return early(&mut out, Errno::Eopnotsupp, "non-zero __reserved");
    }
    if num != 0 && (uptr == 0 || len == 0) {
        return early(&mut out, Errno::Einval, "entries without a buffer");
    }
    let Some(dom) = world.hwpts.get(u32_at(&cmd, h::HWPT_ID)) else {
        return early(&mut out, Errno::Enoent, "no such object");
    };
    let Some(domain) = world.iommu.domain(dom).filter(|d| d.nesting) else {
        return early(&mut out, Errno::Einval, NOT_NESTING);
    };
    if u32_at(&cmd, h::DATA_TYPE) != h::DATA_VTD_S1 {
        return early(&mut out, Errno::Einval, "unknown data_type");
    }
    if num == 0 {
        return out;
    }
    if len != h::ENTRY_SIZE {
        return early(&mut out, Errno::Einval, "entry_len is not the entry size");
    }
    out.target = Some(dom);
    let mut entry = [0u8; h::ENTRY_SIZE as usize];
    for index in 0..num {
        let at = u128::from(uptr) + u128::from(index) * u128::from(len);
        let read = u64::try_from(at)
            .ok()
            .and_then(|a| world.mem.read_into(a, &mut entry).ok());
        let outcome = match read {
            None => Err((Errno::Efault, "an entry faults")),
            Some(()) => reference_entry(&entry, dom, domain.devices),
        };
        let request = match outcome {
            Ok(r) => r,
            Err((e, reason)) => {
                out.result = Err(e);
                out.reason = reason;
                out.partial_allowed = true;
                return out;
            }
        };
        if world.iommu.any_failing(domain.devices) {
            out.result = Err(Errno::Eio);
            out.reason = "a device failed the invalidation";
            out.partial_allowed = true;
            return out;
        }
        out.done.push(request);
        out.writeback = Some((arg + h::ENTRY_NUM, index + 1));
    }
    out
}

fn reference_entry(
    e: &[u8],
    dom: DomainId,
    devices: DeviceSet,
) -> Result<Invalidation, (Errno, &'static str)> {
    let addr = u64_at(e, h::E_ADDR);
    let npages = u64_at(e, h::E_NPAGES);
    if u32_at(e, h::E_FLAGS) > h::E_FLAG_LEAF {
        return Err((Errno::Eopnotsupp, UNKNOWN_FLAGS));
    }
    if u32_at(e, h::E_RESERVED) != 0 {
        return Err((Errno::Eopnotsupp, "non-zero entry __reserved"));
    }
    if !addr.is_multiple_of(PAGE_SIZE) || npages == 0 {
        return Err((Errno::Einval, "unaligned address or no pages"));
    }
    let range = if addr == 0 && npages == u64::MAX {
        None
    } else {
        let len = u128::from(npages) * u128::from(PAGE_SIZE);
        if u128::from(addr) + len > u128::from(u64::MAX) {
            return Err((Errno::Einval, RANGE_OVERFLOW));
        }
        Some(page_range(addr, len).ok_or((Errno::Einval, RANGE_OVERFLOW))?)
    };
    Ok(Invalidation {
        domain: dom,
        devices,
        iotlb: true,
        dev_iotlb: true,
        pasid_cache: false,
        pasid: None,
        range,
    })
}

/// What kind of invariant a call broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingKind {
    /// The errno differs from the reference's.
    WrongErrno,
    /// A user byte outside what the user passed was read.
    ReadOutside,
    /// A cache entry was added or changed by an invalidation.
    AddedEntry,
    /// An entry of another domain or another domain's device was invalidated.
    OtherDomain,
    /// An entry the request covered is still cached after success (or after the reported prefix).
    LeftCovered,
    /// `entry_num` was not written back, or not with the count handled.
    WrongCount,
    /// The call failed without a count, yet changed the caches.
    ChangedOnError,
}

/// A broken invariant, with what the reference expected and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which invariant.
    pub kind: FindingKind,
    /// A readable description.
    pub message: String,
    /// The reference result.
    pub expected: Result<(), Errno>,
    /// The handler's result.
    pub got: Result<(), Errno>,
    /// Why the reference refuses the call (empty when it succeeds).
    pub reason: &'static str,
}

/// Checks one call against the reference. `before` is the world before the call, `after` after
/// it; `injected` is true when fault injection fired during the call. Returns a description of the
/// first violation.
pub fn check(
    before: &World,
    after: &World,
    profile: Profile,
    call: Call,
    result: Result<(), Errno>,
    injected: bool,
) -> Result<(), Finding> {
    let exp = expected(before, profile, call);
    check_expected(&exp, &before.iommu.caches, after, result, injected)
}

/// [`check`] with the reference outcome computed beforehand and only the caches kept from before
/// the call (the call changes nothing else that the checks read, but user memory it writes back).
pub fn check_expected(
    exp: &Expected,
    before_caches: &Caches,
    after: &World,
    result: Result<(), Errno>,
    injected: bool,
) -> Result<(), Finding> {
    check_inner(exp, before_caches, after, result, injected).map_err(|(kind, message)| Finding {
        kind,
        message,
        expected: exp.result,
        got: result,
        reason: exp.reason,
    })
}

fn check_inner(
    exp: &Expected,
    before_caches: &Caches,
    after: &World,
    result: Result<(), Errno>,
    injected: bool,
) -> Result<(), (FindingKind, String)> {
    for r in after.mem.reads() {
        if r.start < r.end && !exp.allowed_reads.iter().any(|a| a.contains(r)) {
            return Err((
                FindingKind::ReadOutside,
                format!(
                    "read user bytes {:#x}..{:#x}, outside what the user passed ({})",
                    r.start,
                    r.end,
                    exp.allowed_reads
                        .iter()
                        .map(|a| format!("{:#x}..{:#x}", a.start, a.end))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if !injected && result != exp.result {
        let why = if exp.reason.is_empty() {
            String::new()
        } else {
            format!(": {}", exp.reason)
        };
        return Err((
            FindingKind::WrongErrno,
            format!(
                "returned {} but the kernel returns {}{why}",
                show(result),
                show(exp.result)
            ),
        ));
    }
    let (b, a) = (before_caches, &after.iommu.caches);
    let iommu = &after.iommu;
    // Byte-identical caches: nothing was added, changed or lost, so the scans below have nothing
    // to find (they still run whenever a single byte differs).
    let unchanged = a.identical(b);
    let added = if unchanged {
        None
    } else {
        first_added(iommu, b, a)
    };
    if let Some(what) = added {
        return Err((
            FindingKind::AddedEntry,
            format!("invalidation added or changed a cache entry: {what}"),
        ));
    }
    let outside = |dom: Option<DomainId>| -> Result<(), (FindingKind, String)> {
        if unchanged {
            return Ok(());
        }
        match first_lost_outside(iommu, dom, b, a) {
            Some(what) => Err((FindingKind::OtherDomain, what)),
            None => Ok(()),
        }
    };
    match result {
        Ok(()) => {
            outside(exp.target)?;
            if (!injected || exp.result.is_ok()) && any_covers(&exp.done, iommu, a) {
                let req = exp.done.iter().find(|r| r.covers_any(iommu, a));
                return Err((
                    FindingKind::LeftCovered,
                    format!(
                        "succeeded but left covered entries cached: {}",
                        req.map_or_else(String::new, |r| show_caches(iommu, &r.covered(iommu, a)))
                    ),
                ));
            }
        }
        Err(_) if exp.partial_allowed || (injected && exp.writeback.is_some()) => {
            outside(exp.target)?;
            let Some((addr, want)) = exp.writeback else {
                return Ok(());
            };
            // With no count written back (an injected fault stopped the call before or at the
            // write), userspace learns nothing, and only the scope checks above apply.
            let written = after
                .mem
                .writes()
                .iter()
                .any(|w| w.contains(&UserRange::new(addr, 4)));
            let Ok(bytes) = after.mem.peek(addr, 4) else {
                return Ok(());
            };
            if !written {
                return Ok(());
            }
            let got = u32_at(&bytes, 0);
            if !injected && got != want {
                return Err((
                    FindingKind::WrongCount,
                    format!("wrote back entry_num {got}, but {want} entries were handled"),
                ));
            }
            let handled = &exp.done[..exp.done.len().min(got as usize)];
            if any_covers(handled, iommu, a) {
                let req = handled.iter().find(|r| r.covers_any(iommu, a));
                return Err((
                    FindingKind::LeftCovered,
                    format!(
                        "reported {got} entries handled but one of them left {}",
                        req.map_or_else(String::new, |r| show_caches(iommu, &r.covered(iommu, a)))
                    ),
                ));
            }
        }
        Err(_) => {
            if !unchanged && a != b {
                return Err((
                    FindingKind::ChangedOnError,
                    "failed, yet changed the caches: userspace cannot tell what is still stale"
                        .into(),
                ));
            }
        }
    }
    if let (Some((addr, want)), false) = (exp.writeback, injected) {
        let written = after
            .mem
            .writes()
            .iter()
            .any(|w| w.contains(&UserRange::new(addr, 4)));
        let got = after.mem.peek(addr, 4).map(|b| u32_at(&b, 0)).ok();
        if !written || got != Some(want) {
            return Err((
                FindingKind::WrongCount,
                format!("entry_num not written back as {want} (found {got:?})"),
            ));
        }
    }
    Ok(())
}

/// The id of the domain in `slot`, for messages.
fn domain_id(iommu: &SoftIommu, slot: usize) -> DomainId {
    iommu.domain_at(slot).map_or(slot as DomainId, |d| d.id)
}

/// The id of the device in `slot`, for messages.
fn device_id(iommu: &SoftIommu, slot: usize) -> u32 {
    iommu.device_id(slot).unwrap_or(slot as u32)
}

/// The first page present in `a` that `b` lacks or maps elsewhere.
fn first_new_page(a: &PageSet, b: &PageSet) -> Option<u64> {
    let mut new = a.present & !b.present;
    let both = a.present & b.present;
    if both != 0 && a.phys != b.phys {
        for page in bits(both) {
            if a.get(page) != b.get(page) {
                new |= 1 << page;
            }
        }
    }
    bits(new).next()
}

/// The first cache entry of `a` (after a call) that `b` (before it) did not hold as it is now.
fn first_added(iommu: &SoftIommu, b: &Caches, a: &Caches) -> Option<String> {
    for (d, (sa, sb)) in a.iotlb.iter().zip(&b.iotlb).enumerate() {
        for p in 0..PASIDS {
            if let Some(page) = first_new_page(&sa[p], &sb[p]) {
                return Some(format!("IOTLB {:?}", (domain_id(iommu, d), p, page)));
            }
        }
    }
    for (s, (sa, sb)) in a.dev_iotlb.iter().zip(&b.dev_iotlb).enumerate() {
        for p in 0..PASIDS {
            if let Some(page) = first_new_page(&sa[p], &sb[p]) {
                return Some(format!("device IOTLB {:?}", (device_id(iommu, s), p, page)));
            }
        }
    }
    for (d, (ra, rb)) in a.pasid.iter().zip(&b.pasid).enumerate() {
        for p in 0..PASIDS {
            if ra[p].is_some() && ra[p] != rb[p] {
                return Some(format!("PASID cache {:?}", (domain_id(iommu, d), p)));
            }
        }
    }
    None
}

/// The first entry `b` held and `a` lost outside the domain `dom` (and outside its devices).
fn first_lost_outside(
    iommu: &SoftIommu,
    dom: Option<DomainId>,
    b: &Caches,
    a: &Caches,
) -> Option<String> {
    let target = dom.and_then(|d| iommu.domain_slot(d));
    let devices = target
        .and_then(|d| iommu.domain_at(d))
        .map(|d| d.devices)
        .unwrap_or_default();
    let lost = |a: &PageSet, b: &PageSet| bits(b.present & !a.present).next();
    for (d, (sa, sb)) in a.iotlb.iter().zip(&b.iotlb).enumerate() {
        if Some(d) == target {
            continue;
        }
        for p in 0..PASIDS {
            if let Some(page) = lost(&sa[p], &sb[p]) {
                let k = (domain_id(iommu, d), p, page);
                return Some(format!("invalidated IOTLB entry {k:?} of another domain"));
            }
        }
    }
    for (s, (sa, sb)) in a.dev_iotlb.iter().zip(&b.dev_iotlb).enumerate() {
        if devices.contains(s) {
            continue;
        }
        for p in 0..PASIDS {
            if let Some(page) = lost(&sa[p], &sb[p]) {
                let k = (device_id(iommu, s), p, page);
                return Some(format!(
                    "invalidated device-IOTLB entry {k:?} of another domain's device"
                ));
            }
        }
    }
    for (d, (ra, rb)) in a.pasid.iter().zip(&b.pasid).enumerate() {
        if Some(d) == target {
            continue;
        }
        for p in 0..PASIDS {
            if rb[p].is_some() && ra[p].is_none() {
                let k = (domain_id(iommu, d), p);
                return Some(format!(
                    "invalidated PASID-cache entry {k:?} of another domain"
                ));
            }
        }
    }
    None
}

fn show(r: Result<(), Errno>) -> String {
    match r {
        Ok(()) => "0".into(),
        Err(e) => e.to_string(),
    }
}

fn show_caches(iommu: &SoftIommu, c: &Caches) -> String {
    let mut parts = Vec::new();
    let pages = |sets: &[[PageSet; PASIDS]], id: &dyn Fn(usize) -> u32| {
        let mut keys = Vec::new();
        for (slot, sets) in sets.iter().enumerate() {
            for (p, set) in sets.iter().enumerate() {
                keys.extend(set.pages().map(|page| (id(slot), p, page)));
            }
        }
        keys
    };
    let iotlb = pages(&c.iotlb, &|d| domain_id(iommu, d));
    let dev = pages(&c.dev_iotlb, &|s| device_id(iommu, s));
    parts.extend(iotlb.iter().take(3).map(|k| format!("IOTLB{k:?}")));
    parts.extend(dev.iter().take(3).map(|k| format!("devIOTLB{k:?}")));
    let pasid = c.pasid.iter().enumerate().flat_map(|(d, roots)| {
        roots
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_some())
            .map(move |(p, _)| (d, p))
    });
    parts.extend(
        pasid
            .take(3)
            .map(|(d, p)| format!("PASID{:?}", (domain_id(iommu, d), p))),
    );
    format!("{} entries ({})", c.len(), parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::put;
    use crate::world::DATA_PAGE;

    /// The reference outcome for a vfio-fixed call on container 0 (a nesting domain): a
    /// version 1, domain-granular IOTLB flush with `argsz`, changed by `edit`.
    fn vfio_expected(argsz: u32, edit: impl Fn(&mut Vec<u8>)) -> Expected {
        let mut world = World::new();
        let mut arg = vec![0; (cmd::CACHE_INFO + ci::SIZE_V1) as usize];
        put(&mut arg, cmd::ARGSZ, 4, u64::from(argsz));
        put(&mut arg, cmd::CACHE_INFO + ci::VERSION, 4, 1);
        put(
            &mut arg,
            cmd::CACHE_INFO + ci::CACHE,
            1,
            u64::from(ci::TYPE_IOTLB),
        );
        edit(&mut arg);
        let arg = world.place_arg(&arg, false);
        let call = Call::VfioCacheInvalidate { container: 0, arg };
        expected(&world, Profile::VfioFixed, call)
    }

    fn refusal(exp: &Expected) -> (Result<(), Errno>, &'static str) {
        (exp.result, exp.reason)
    }

    const FULL: u32 = (cmd::CACHE_INFO + ci::SIZE_V1) as u32;

    #[test]
    fn argsz_is_refused_below_minsz_and_below_its_version() {
        let below_minsz = "argsz below minsz (offsetofend version)";
        let short = (Err(Errno::Einval), ARGSZ_BELOW_VERSION);
        assert_eq!(
            refusal(&vfio_expected(4, |_| {})),
            (Err(Errno::Einval), below_minsz)
        );
        assert_eq!(refusal(&vfio_expected(12, |_| {})), short);
        assert_eq!(refusal(&vfio_expected(FULL - 1, |_| {})), short);
        assert_eq!(refusal(&vfio_expected(FULL, |_| {})), (Ok(()), ""));
    }

    #[test]
    fn each_padding_byte_is_checked() {
        for at in [ci::PADDING, ci::PADDING + 1] {
            let exp = vfio_expected(FULL, |a| put(a, cmd::CACHE_INFO + at, 1, 1));
            assert_eq!(refusal(&exp), (Err(Errno::Einval), "non-zero padding"));
        }
    }

    /// `vfio_expected` for a full-size version 1 argument of `granu` with `flags`, PASID 1, and
    /// (for address granularity) `addr`, `granule` and `nb` granules.
    fn vfio_request(granu: u8, flags: u32, addr: u64, granule: u64, nb: u64) -> Expected {
        vfio_expected(FULL, |a| {
            let union = cmd::CACHE_INFO + ci::UNION;
            put(a, cmd::CACHE_INFO + ci::GRANULARITY, 1, u64::from(granu));
            put(a, union + ci::U_FLAGS, 4, u64::from(flags));
            put(a, union + ci::U_PASID, 8, 1);
            put(a, union + ci::U_ADDR, 8, addr);
            put(a, union + ci::U_GRANULE_SIZE, 8, granule);
            put(a, union + ci::U_NB_GRANULES, 8, nb);
        })
    }

    #[test]
    fn every_known_flag_is_accepted_and_others_refused() {
        let (pasid, archid, leaf) = (ci::FLAG_PASID, ci::FLAG_ARCHID, ci::FLAG_LEAF);
        let exp = vfio_request(ci::GRANU_PASID, pasid | archid, 0, 0, 0);
        assert_eq!(refusal(&exp), (Ok(()), ""));
        let exp = vfio_request(ci::GRANU_ADDR, pasid | archid | leaf, 0, PAGE_SIZE, 1);
        assert_eq!(refusal(&exp), (Ok(()), ""));
        for granu in [ci::GRANU_PASID, ci::GRANU_ADDR] {
            let exp = vfio_request(granu, pasid | 1 << 3, 0, PAGE_SIZE, 1);
            assert_eq!(refusal(&exp), (Err(Errno::Einval), UNKNOWN_FLAGS));
        }
    }

    #[test]
    fn address_ranges_need_a_valid_granule_alignment_and_count() {
        let invalid = (Err(Errno::Einval), "invalid granule, alignment or count");
        for (addr, granule, nb) in [
            (0, 3 * PAGE_SIZE, 1),
            (0, PAGE_SIZE / 2, 1),
            (PAGE_SIZE, 2 * PAGE_SIZE, 1),
            (0, PAGE_SIZE, 0),
        ] {
            let exp = vfio_request(ci::GRANU_ADDR, ci::FLAG_PASID, addr, granule, nb);
            assert_eq!(refusal(&exp), invalid, "{addr:#x} {granule:#x} {nb}");
        }
    }

    /// A range whose end is 2^64 does not fit: the kernel's `addr + size` wraps.
    #[test]
    fn a_range_ending_at_2_pow_64_overflows() {
        let top = 0u64.wrapping_sub(PAGE_SIZE);
        let exp = vfio_request(ci::GRANU_ADDR, ci::FLAG_PASID, top, PAGE_SIZE, 1);
        assert_eq!(refusal(&exp), (Err(Errno::Einval), RANGE_OVERFLOW));
        let exp = hwpt_expected(&[(top, 1)]);
        assert_eq!(refusal(&exp), (Err(Errno::Einval), RANGE_OVERFLOW));
    }

    /// The reference outcome for an iommufd call on HWPT 1 with entries `(addr, npages)` at the
    /// start of the data pages.
    fn hwpt_expected(entries: &[(u64, u64)]) -> Expected {
        let mut world = World::new();
        let mut data = Vec::new();
        for (i, &(addr, npages)) in entries.iter().enumerate() {
            let at = i as u64 * h::ENTRY_SIZE;
            put(&mut data, at + h::E_ADDR, 8, addr);
            put(&mut data, at + h::E_NPAGES, 8, npages);
        }
        world.place_data(&data);
        let mut cmd = Vec::new();
        put(&mut cmd, 0, 4, h::STRUCT_SIZE);
        put(&mut cmd, h::HWPT_ID, 4, 1);
        put(&mut cmd, h::DATA_UPTR, 8, DATA_PAGE);
        put(&mut cmd, h::DATA_TYPE, 4, u64::from(h::DATA_VTD_S1));
        put(&mut cmd, h::ENTRY_LEN, 4, h::ENTRY_SIZE);
        put(&mut cmd, h::ENTRY_NUM, 4, entries.len() as u64);
        let arg = world.place_arg(&cmd, false);
        expected(&world, Profile::Iommufd, Call::HwptInvalidate { arg })
    }

    #[test]
    fn hwpt_reads_are_allowed_to_the_end_of_the_array_only() {
        let exp = hwpt_expected(&[(0, 1), (PAGE_SIZE, 1)]);
        assert_eq!(refusal(&exp), (Ok(()), ""));
        let array = UserRange::new(DATA_PAGE, 2 * h::ENTRY_SIZE);
        assert_eq!(exp.allowed_reads.last(), Some(&array));
    }

    #[test]
    fn hwpt_entry_needs_an_aligned_address_and_pages() {
        for entry in [(1, 1), (PAGE_SIZE + 8, 2), (0, 0)] {
            let exp = hwpt_expected(&[entry]);
            let refused = (Err(Errno::Einval), "unaligned address or no pages");
            assert_eq!(refusal(&exp), refused, "{entry:?}");
            assert_eq!(exp.writeback.map(|(_, n)| n), Some(0));
        }
    }
}
