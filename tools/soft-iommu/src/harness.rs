//! The bodies of the fuzz targets, shared by `cargo fuzz` (fuzz/fuzz_targets/*.rs, one line each)
//! and by the stable corpus replay in `cargo test`. Each takes the raw bytes libFuzzer hands a
//! target and returns the first oracle violation as text; any input, of any length, is valid.
//! Each also takes an [`Oracle`] switch: [`Oracle::Off`] runs the same operations without the
//! oracle's checks, [`Oracle::Hunt`] reports only one hazard's findings (the fuzz targets read it
//! once from `UAPI_GUARD_ORACLE` and `UAPI_GUARD_HUNT`; every test passes [`Oracle::On`]).

use crate::copy_struct;
use crate::errno::Errno;
use crate::fail_nth::FailNth;
use crate::handlers::Profile;
pub use crate::ops::Oracle;
use crate::ops::{run_raw_with, run_sequence_on, run_sequence_with, Op, RawIoctl, Violation};
use crate::usermem::{UserMemory, UserRange, PAGE_SIZE};
use crate::world::World;
use arbitrary::{Arbitrary, Unstructured};
use std::cell::RefCell;
use std::sync::OnceLock;

/// The profiles a normal fuzz run checks: those that must hold.
pub const FIXED_PROFILES: [Profile; 2] = [Profile::VfioFixed, Profile::Iommufd];

/// Longest operation sequence decoded from one input.
pub const MAX_OPS: usize = 64;

/// Caches filled before the raw ioctl, so an invalidation has something to remove (and to leak).
pub fn warm_up() -> Vec<Op> {
    let mut ops = Vec::new();
    for dom in 0..2u8 {
        for page in 0..3u8 {
            ops.push(Op::GuestMap {
                dom,
                pasid: page % 2,
                page,
                phys: u16::from(page) + 1,
            });
            for dev in [0u8, 1, 3] {
                ops.push(Op::Translate {
                    dev,
                    pasid: page % 2,
                    page,
                });
            }
        }
    }
    ops
}

/// The world after [`warm_up`], built once per process: the warm-up has no ioctl, so it is the
/// same in every profile and has nothing for the oracle to check.
fn warmed_world() -> &'static World {
    static WARMED: OnceLock<World> = OnceLock::new();
    WARMED.get_or_init(|| {
        let mut world = World::new();
        // Guest page-table writes and translations cannot fail or violate anything.
        let _ = run_sequence_on(&mut world, Profile::VfioFixed, &warm_up());
        world
    })
}

/// Runs `f` on this thread's scratch world, first made a copy of `start`. Copying into the same
/// world every time costs no allocation, which matters at hundreds of thousands of inputs a
/// second; nothing of one input survives into the next.
fn on_copy_of<T>(start: &World, f: impl FnOnce(&mut World) -> T) -> T {
    thread_local! {
        static SCRATCH: RefCell<World> = RefCell::new(World::new());
    }
    SCRATCH.with_borrow_mut(|world| {
        world.clone_from(start);
        f(world)
    })
}

/// `ioctl_bytes`: `[selector][arg_len: u16 le][arg bytes][data bytes]`. The selector picks the
/// profile (low two bits), the VFIO container (next two) and whether the argument ends at its
/// page end (bit 4). The argument goes through the profile's parser and handler on warmed caches
/// (a clone of [`warmed_world`]), under the oracle; a violation's trace starts after the warm-up.
pub fn ioctl_bytes(data: &[u8], profiles: &[Profile], oracle: Oracle) -> Result<(), Violation> {
    let Some((&selector, rest)) = data.split_first() else {
        return Ok(());
    };
    if profiles.is_empty() {
        return Ok(());
    }
    let profile = profiles[usize::from(selector & 3) % profiles.len()];
    let (len, rest) = match rest {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (rest.len(), &[][..]),
    };
    let (arg, pages) = rest.split_at(len.min(rest.len()));
    let at_page_end = selector & 0x10 != 0;
    let raw = match profile {
        Profile::Iommufd => RawIoctl::Hwpt {
            bytes: arg,
            data: pages,
            at_page_end,
        },
        _ => RawIoctl::Vfio {
            container: (selector >> 2) & 3,
            bytes: arg,
            at_page_end,
        },
    };
    on_copy_of(warmed_world(), |world| {
        run_raw_with(world, profile, raw, oracle)
    })
}

/// `copy_struct`: `[ksize: u16][usize: u16][offset: u16][flags][fail_nth][bytes...]`.
/// `copy_struct_from_user` must return what the reference returns (under an injected fault,
/// `-EFAULT` is also right), and never read outside `[src, src + max(usize, ksize))` limited to
/// what the rules allow: the bytes it copies and, when `usize > ksize`, the tail it checks.
pub fn copy_struct(data: &[u8], oracle: Oracle) -> Result<(), String> {
    let word =
        |i: usize| u16::from_le_bytes([*data.get(i).unwrap_or(&0), *data.get(i + 1).unwrap_or(&0)]);
    let flags = data.get(6).copied().unwrap_or(0);
    let input = CopyStructInput {
        ksize: u64::from(word(0) % 512),
        usize_: u64::from(word(2) % 1024),
        offset: u64::from(word(4)) % PAGE_SIZE,
        flags,
        fail_nth: data.get(7).copied().filter(|&n| n != 0 && flags & 2 != 0),
        bytes: data.get(8..).unwrap_or(&[]),
    };
    thread_local! {
        static START: UserMemory = {
            let mut mem = UserMemory::new();
            mem.map(COPY_STRUCT_BASE, 2 * PAGE_SIZE);
            mem
        };
        static SCRATCH: RefCell<UserMemory> = RefCell::new(UserMemory::new());
    }
    START.with(|start| {
        SCRATCH.with_borrow_mut(|mem| {
            mem.clone_from(start);
            copy_struct_in(mem, &input, oracle)
        })
    })
}

/// One decoded [`copy_struct`] input.
struct CopyStructInput<'a> {
    /// The kernel's struct size.
    ksize: u64,
    /// The size userspace passes.
    usize_: u64,
    /// Where in the first page the user struct starts.
    offset: u64,
    /// Bit 0: unmap the second page; bit 1: inject a fault at `fail_nth`.
    flags: u8,
    fail_nth: Option<u8>,
    /// The user struct's bytes.
    bytes: &'a [u8],
}

/// Where [`copy_struct`] places the user struct: two zeroed pages, the second one unmapped on
/// request.
const COPY_STRUCT_BASE: u64 = 0x40000;

/// [`copy_struct`] on `mem`, holding the two zeroed pages at [`COPY_STRUCT_BASE`]. With the
/// oracle off, only `copy_struct_from_user` runs: no reference, no check of the reads.
fn copy_struct_in(
    mem: &mut UserMemory,
    input: &CopyStructInput<'_>,
    oracle: Oracle,
) -> Result<(), String> {
    let &CopyStructInput {
        ksize,
        usize_,
        offset,
        flags,
        fail_nth,
        bytes,
    } = input;
    let base = COPY_STRUCT_BASE;
    let _ = mem.poke(
        base + offset,
        &bytes[..bytes.len().min((2 * PAGE_SIZE - offset) as usize)],
    );
    if flags & 1 != 0 {
        mem.unmap_page(base + PAGE_SIZE);
    }
    let src = base + offset;
    if oracle == Oracle::Off {
        let mut faults = FailNth::new(fail_nth.map(u32::from));
        let _ = copy_struct::copy_struct_from_user(mem, &mut faults, ksize, src, usize_);
        return Ok(());
    }
    let expected = copy_struct::reference(mem, ksize, src, usize_);
    let mut faults = FailNth::new(fail_nth.map(u32::from));
    let got = copy_struct::copy_struct_from_user(mem, &mut faults, ksize, src, usize_);
    let injected = faults.fired().is_some();
    if got != expected && !(injected && got == Err(Errno::Efault)) {
        return Err(format!(
            "copy_struct_from_user(ksize {ksize}, usize {usize_}) at {src:#x} returned {:?}, reference {:?}",
            got.as_ref().map(|v| v.len()),
            expected.as_ref().map(|v| v.len())
        ));
    }
    let allowed = UserRange::new(src, usize_);
    if let Some(r) = mem
        .reads()
        .iter()
        .find(|r| r.start < r.end && !allowed.contains(r))
    {
        return Err(format!(
            "read {:#x}..{:#x} outside the user struct {:#x}..{:#x}",
            r.start, r.end, allowed.start, allowed.end
        ));
    }
    Ok(())
}

/// `invalidate_ops`: a profile and a sequence of operations decoded with `arbitrary`, run under
/// the oracle after every step, from a [`World::booted`].
pub fn invalidate_ops(data: &[u8], profiles: &[Profile], oracle: Oracle) -> Result<(), Violation> {
    if profiles.is_empty() {
        return Ok(());
    }
    let mut u = Unstructured::new(data);
    let Ok(index) = u.choose_index(profiles.len()) else {
        return Ok(());
    };
    let mut ops = Vec::new();
    while ops.len() < MAX_OPS && !u.is_empty() {
        match Op::arbitrary(&mut u) {
            Ok(op) => ops.push(op),
            Err(_) => break,
        }
    }
    static FRESH: OnceLock<World> = OnceLock::new();
    let fresh = FRESH.get_or_init(World::booted);
    on_copy_of(fresh, |world| {
        run_sequence_with(world, profiles[index], &ops, oracle)
    })
    .map(|_| ())
}
