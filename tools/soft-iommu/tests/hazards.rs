//! One deterministic test per hazard from the review and its history: the `v1` profile breaks
//! the oracle and the fixed profiles hold. Hazards that exist only in the iommufd design are shown
//! by the iommufd profile holding and by the oracle rejecting a handler that gets them wrong.

use soft_iommu::fail_nth::FailNth;
use soft_iommu::handlers::{ioctl, Call, Profile};
use soft_iommu::hazard::Hazard;
use soft_iommu::ops::{
    hwpt_bytes, run_sequence, run_sequence_with, ArgSize, HwptArg, HwptEntry, NbGranules, Op,
    Oracle, VfioArg,
};
use soft_iommu::oracle;
use soft_iommu::uapi::{cache_info as ci, hwpt_invalidate as h, put, u32_at};
use soft_iommu::world::World;
use soft_iommu::Errno;

/// Fill every cache: guest mappings for PASID 1 in domains 1 and 2, translated by every device.
fn warm() -> Vec<Op> {
    let mut ops = Vec::new();
    for (dom, devs) in [(0u8, [0u8, 1, 2].as_slice()), (1, &[3])] {
        for page in 0..4 {
            ops.push(Op::GuestMap {
                dom,
                pasid: 1,
                page,
                phys: 100 + u16::from(page),
            });
            for &dev in devs {
                ops.push(Op::Translate {
                    dev,
                    pasid: 1,
                    page,
                });
            }
        }
    }
    ops
}

fn vfio() -> VfioArg {
    VfioArg {
        at_page_end: true,
        ..VfioArg::typical()
    }
}

fn entry(addr_page: u16, npages: u8) -> HwptEntry {
    HwptEntry::pages(addr_page, npages)
}

fn hwpt(entries: Vec<HwptEntry>) -> HwptArg {
    HwptArg {
        at_page_end: true,
        ..HwptArg::typical(entries)
    }
}

fn with(mut ops: Vec<Op>, op: Op) -> Vec<Op> {
    ops.push(op);
    ops
}

fn vfio_op(arg: VfioArg) -> Op {
    Op::Vfio {
        arg,
        fail_nth: None,
    }
}

/// The v1 profile fails the oracle with a message containing `needle`, classified as `hazard`;
/// vfio-fixed holds.
fn v1_breaks_fixed_holds(ops: &[Op], needle: &str, hazard: Hazard) {
    let v = run_sequence(Profile::V1, ops).expect_err("v1 must break the oracle");
    assert!(v.message.contains(needle), "unexpected violation: {v}");
    assert_eq!(Hazard::of(&v.finding), Some(hazard), "{v}");
    assert!(v.to_string().contains("step"), "the report names the step");
    if let Err(v) = run_sequence(Profile::VfioFixed, ops) {
        panic!("vfio-fixed must hold: {v}");
    }
}

#[test]
fn versioned_struct_that_grew_is_over_read_by_v1() {
    // Version 2 (56 bytes) in a buffer whose argsz covers only version 1's 48.
    let arg = VfioArg {
        version: 2,
        argsz: ArgSize::Short(8),
        ..vfio()
    };
    v1_breaks_fixed_holds(
        &with(warm(), vfio_op(arg)),
        "outside what the user passed",
        Hazard::OverRead,
    );
    // Old userspace (version 1, its own argsz) keeps working on the fixed kernel.
    let ops = with(warm(), vfio_op(vfio()));
    assert_eq!(run_sequence(Profile::VfioFixed, &ops).unwrap().ioctl_ok, 1);
}

#[test]
fn argsz_smaller_than_its_version_needs() {
    let arg = VfioArg {
        argsz: ArgSize::Raw(12),
        ..vfio()
    };
    v1_breaks_fixed_holds(
        &with(warm(), vfio_op(arg)),
        "outside what the user passed",
        Hazard::OverRead,
    );
}

#[test]
fn device_failing_half_way() {
    let mut ops = warm();
    ops.push(Op::SetFailing {
        dev: 1,
        failing: true,
    });
    ops.push(vfio_op(vfio()));
    v1_breaks_fixed_holds(&ops, "kernel returns 0", Hazard::PartialFailure);
    // iommufd: the failing entry stops processing and the count says so.
    let mut ops = warm();
    ops.push(Op::SetFailing {
        dev: 1,
        failing: true,
    });
    ops.push(Op::Hwpt {
        arg: hwpt(vec![entry(0, 2), entry(2, 2)]),
        fail_nth: None,
    });
    run_sequence(Profile::Iommufd, &ops).unwrap();
}

#[test]
fn a_hunt_passes_over_other_hazards_and_stops_at_its_own() {
    // Step 0 trips unknown-flags in v1; steps 1 and 2 then make a device fail half way.
    let unknown_flags = VfioArg {
        info_flags: (ci::FLAG_PASID | 1 << 5) as u8,
        ..vfio()
    };
    let ops = [
        vfio_op(unknown_flags),
        Op::SetFailing {
            dev: 1,
            failing: true,
        },
        vfio_op(vfio()),
    ];
    let run = |oracle| run_sequence_with(&mut World::booted(), Profile::V1, &ops, oracle);
    let first = run(Oracle::On).expect_err("v1 accepts unknown flags");
    assert_eq!(
        (first.step, Hazard::of(&first.finding)),
        (0, Some(Hazard::UnknownFlags))
    );
    let hunted = run(Oracle::Hunt(Hazard::PartialFailure)).expect_err("the failing device");
    assert_eq!(
        (hunted.step, Hazard::of(&hunted.finding)),
        (2, Some(Hazard::PartialFailure)),
        "{hunted}"
    );
    assert_eq!(
        hunted.trace.len(),
        3,
        "the trace keeps the step passed over"
    );
    // A hunt for a hazard the sequence does not show runs it to the end and reports nothing.
    let stats = run(Oracle::Hunt(Hazard::SiblingLeak)).expect("no sibling leak here");
    assert_eq!(stats.ops, 3);
}

#[test]
fn non_nesting_container() {
    let arg = VfioArg {
        container: 2,
        granularity: ci::GRANU_DOMAIN,
        cache: ci::TYPE_IOTLB,
        ..vfio()
    };
    // The kernel must refuse before reading anything: nothing may be read at all.
    v1_breaks_fixed_holds(
        &with(warm(), vfio_op(arg)),
        "outside what the user passed ()",
        Hazard::ModeCheck,
    );
    // iommufd: a paging (not nested) HWPT is refused.
    let ops = with(
        warm(),
        Op::Hwpt {
            arg: HwptArg {
                hwpt_id: 3,
                ..hwpt(vec![entry(0, 1)])
            },
            fail_nth: None,
        },
    );
    run_sequence(Profile::Iommufd, &ops).unwrap();
}

#[test]
fn unknown_flags() {
    let arg = VfioArg {
        info_flags: (ci::FLAG_PASID | 1 << 5) as u8,
        ..vfio()
    };
    v1_breaks_fixed_holds(
        &with(warm(), vfio_op(arg)),
        "kernel returns -EINVAL",
        Hazard::UnknownFlags,
    );
    let bad = HwptEntry {
        flags: 2,
        ..entry(0, 1)
    };
    let ops = with(
        warm(),
        Op::Hwpt {
            arg: hwpt(vec![bad]),
            fail_nth: None,
        },
    );
    run_sequence(Profile::Iommufd, &ops).unwrap();
}

#[test]
fn trailing_non_zero_bytes_are_e2big() {
    let arg = VfioArg {
        argsz: ArgSize::Long(8),
        tail_byte: 0xff,
        ..vfio()
    };
    v1_breaks_fixed_holds(
        &with(warm(), vfio_op(arg)),
        "kernel returns -E2BIG",
        Hazard::TrailingBytes,
    );
    // A longer struct of zeros is fine.
    let ok = VfioArg {
        argsz: ArgSize::Long(8),
        tail_byte: 0,
        ..vfio()
    };
    assert_eq!(
        run_sequence(Profile::VfioFixed, &with(warm(), vfio_op(ok)))
            .unwrap()
            .ioctl_ok,
        1
    );
    let arg = HwptArg {
        size: ArgSize::Long(8),
        tail_byte: 1,
        ..hwpt(vec![entry(0, 1)])
    };
    run_sequence(
        Profile::Iommufd,
        &with(
            warm(),
            Op::Hwpt {
                arg,
                fail_nth: None,
            },
        ),
    )
    .unwrap();
}

#[test]
fn address_range_overflow() {
    let arg = VfioArg {
        granularity: ci::GRANU_ADDR,
        cache: ci::TYPE_IOTLB,
        info_flags: ci::FLAG_PASID as u8,
        addr_page: 1,
        nb_granules: NbGranules::Huge(0),
        ..vfio()
    };
    v1_breaks_fixed_holds(
        &with(warm(), vfio_op(arg)),
        "kernel returns -EINVAL",
        Hazard::RangeOverflow,
    );
    let e = HwptEntry {
        npages: NbGranules::Huge(3),
        ..entry(1, 0)
    };
    run_sequence(
        Profile::Iommufd,
        &with(
            warm(),
            Op::Hwpt {
                arg: hwpt(vec![e]),
                fail_nth: None,
            },
        ),
    )
    .unwrap();
}

#[test]
fn entry_len_times_index_overflow_stops_with_efault_and_a_count() {
    // entry_num far beyond the mapped array: entries are read until the unmapped page.
    let mut world = World::new();
    let arg = HwptArg {
        entry_num_raw: Some(u32::MAX),
        uptr_offset: 8192 - 48,
        ..hwpt(vec![entry(0, 1), entry(1, 1)])
    };
    let (bytes, data) = hwpt_bytes(&arg);
    world.place_data(&data);
    let addr = world.place_arg(&bytes, true);
    let before = world.clone();
    let r = ioctl(
        &mut world,
        Profile::Iommufd,
        Call::HwptInvalidate { arg: addr },
        &mut FailNth::default(),
    );
    assert_eq!(r, Err(Errno::Efault));
    assert_eq!(
        u32_at(&world.mem.peek(addr + h::ENTRY_NUM, 4).unwrap(), 0),
        2
    );
    oracle::check(
        &before,
        &world,
        Profile::Iommufd,
        Call::HwptInvalidate { arg: addr },
        r,
        false,
    )
    .unwrap();
}

/// Runs one iommufd call on a warmed world and returns (before, after, call, result).
fn iommufd_call(arg: &HwptArg) -> (World, World, Call, Result<(), Errno>) {
    let mut world = World::new();
    for page in 0..4 {
        world.iommu.guest_map(1, 1, page, 100 + page as u16);
        for dev in [10, 11, 12] {
            world.iommu.translate(dev, 1, page * 4096);
        }
    }
    let (bytes, data) = hwpt_bytes(arg);
    world.place_data(&data);
    let addr = world.place_arg(&bytes, true);
    let before = world.clone();
    world.mem.clear_log();
    let call = Call::HwptInvalidate { arg: addr };
    let r = ioctl(&mut world, Profile::Iommufd, call, &mut FailNth::default());
    (before, world, call, r)
}

#[test]
fn entry_num_is_written_back_after_a_failure() {
    let bad = HwptEntry {
        reserved: 1,
        ..entry(2, 1)
    };
    let (before, after, call, r) = iommufd_call(&hwpt(vec![entry(0, 1), bad, entry(3, 1)]));
    assert_eq!(r, Err(Errno::Eopnotsupp));
    oracle::check(&before, &after, Profile::Iommufd, call, r, false).unwrap();
    // A handler that forgot to write entry_num back is caught.
    let mut forgot = after.clone();
    let Call::HwptInvalidate { arg } = call else {
        unreachable!()
    };
    let mut cmd = forgot.mem.peek(arg, h::STRUCT_SIZE).unwrap();
    put(&mut cmd, h::ENTRY_NUM, 4, 3);
    forgot.mem.poke(arg, &cmd).unwrap();
    let v = oracle::check(&before, &forgot, Profile::Iommufd, call, r, false).unwrap_err();
    assert!(v.message.contains("entry_num"), "{v:?}");
}

/// `after` with page `page` of domain 1 (slot 0), PASID 1 cached again in the IOTLB as it was
/// in `before`: what a handler that skipped that page would leave.
fn with_page_still_cached(before: &World, after: &World, page: u64) -> World {
    let mut forged = after.clone();
    let (b, f) = (
        &before.iommu.caches.iotlb[0][1],
        &mut forged.iommu.caches.iotlb[0][1],
    );
    assert!(
        b.get(page).is_some() && f.get(page).is_none(),
        "page {page}"
    );
    f.present |= 1 << page;
    f.phys = b.phys;
    forged
}

#[test]
fn a_handler_that_skips_an_entry_is_caught() {
    let (before, after, call, r) = iommufd_call(&hwpt(vec![entry(0, 1), entry(2, 1)]));
    assert_eq!(r, Ok(()));
    oracle::check(&before, &after, Profile::Iommufd, call, r, false).unwrap();
    for page in [0, 2] {
        let forged = with_page_still_cached(&before, &after, page);
        let v = oracle::check(&before, &forged, Profile::Iommufd, call, r, false).unwrap_err();
        assert_eq!(
            v.kind,
            oracle::FindingKind::LeftCovered,
            "page {page}: {v:?}"
        );
        assert!(v.message.contains(&format!("IOTLB(1, 1, {page})")), "{v:?}");
    }
}

#[test]
fn a_reported_entry_left_undone_is_caught() {
    let bad = HwptEntry {
        reserved: 1,
        ..entry(2, 1)
    };
    let (before, after, call, r) = iommufd_call(&hwpt(vec![entry(0, 1), bad, entry(3, 1)]));
    assert_eq!(r, Err(Errno::Eopnotsupp));
    // entry_num says 1: page 0 must be gone; page 3 was never reached and stays.
    assert!(after.iommu.caches.iotlb[0][1].get(3).is_some());
    let forged = with_page_still_cached(&before, &after, 0);
    let v = oracle::check(&before, &forged, Profile::Iommufd, call, r, false).unwrap_err();
    assert_eq!(v.kind, oracle::FindingKind::LeftCovered, "{v:?}");
    assert!(v.message.contains("reported 1 entries handled"), "{v:?}");
}

#[test]
fn a_handler_that_adds_or_changes_an_entry_is_caught() {
    let (before, after, call, r) = iommufd_call(&hwpt(vec![entry(0, 1)]));
    assert_eq!(r, Ok(()));
    type Forgery = (fn(&mut World), &'static str);
    let forgeries: [Forgery; 3] = [
        (
            |w| w.iommu.caches.iotlb[0][2].present |= 1 << 9,
            "IOTLB (1, 2, 9)",
        ),
        (
            |w| w.iommu.caches.dev_iotlb[1][1].phys[2] = 7,
            "device IOTLB (11, 1, 2)",
        ),
        (
            |w| w.iommu.caches.pasid[0][3] = Some(0),
            "PASID cache (1, 3)",
        ),
    ];
    for (forge, what) in forgeries {
        let mut forged = after.clone();
        forge(&mut forged);
        let v = oracle::check(&before, &forged, Profile::Iommufd, call, r, false).unwrap_err();
        assert_eq!(v.kind, oracle::FindingKind::AddedEntry, "{v:?}");
        assert!(v.message.contains(what), "{what}: {v:?}");
    }
}

/// A refused call (no such HWPT) must change nothing.
#[test]
fn a_refused_call_that_changed_the_caches_is_caught() {
    let arg = HwptArg {
        hwpt_id: 9,
        ..hwpt(vec![entry(0, 1)])
    };
    let (before, after, call, r) = iommufd_call(&arg);
    assert_eq!(r, Err(Errno::Enoent));
    oracle::check(&before, &after, Profile::Iommufd, call, r, false).unwrap();
    let mut forged = after.clone();
    forged.iommu.caches.iotlb[0][1].present &= !1;
    let v = oracle::check(&before, &forged, Profile::Iommufd, call, r, false).unwrap_err();
    assert_eq!(v.kind, oracle::FindingKind::ChangedOnError, "{v:?}");
}

/// Under fault injection a call that still succeeds must have done all it covers.
#[test]
fn covered_entries_left_after_an_injected_fault_are_caught() {
    let (before, after, call, r) = iommufd_call(&hwpt(vec![entry(0, 1)]));
    assert_eq!(r, Ok(()));
    let forged = with_page_still_cached(&before, &after, 0);
    let v = oracle::check(&before, &forged, Profile::Iommufd, call, r, true).unwrap_err();
    assert_eq!(v.kind, oracle::FindingKind::LeftCovered, "{v:?}");
}

#[test]
fn a_wrong_count_after_success_is_caught() {
    let (before, after, call, r) = iommufd_call(&hwpt(vec![entry(0, 1), entry(2, 1)]));
    assert_eq!(r, Ok(()));
    let Call::HwptInvalidate { arg } = call else {
        unreachable!()
    };
    let mut forged = after.clone();
    let mut cmd = forged.mem.peek(arg, h::STRUCT_SIZE).unwrap();
    put(&mut cmd, h::ENTRY_NUM, 4, 1);
    forged.mem.poke(arg, &cmd).unwrap();
    let v = oracle::check(&before, &forged, Profile::Iommufd, call, r, false).unwrap_err();
    assert_eq!(v.kind, oracle::FindingKind::WrongCount, "{v:?}");
}

#[test]
fn zero_entry_probe_reads_no_entry() {
    let arg = HwptArg {
        entry_num_raw: Some(0),
        uptr_offset: 8190,
        ..hwpt(vec![entry(0, 1)])
    };
    let (before, after, call, r) = iommufd_call(&arg);
    assert_eq!(r, Ok(()));
    assert!(
        after.mem.reads().iter().all(|rd| rd.start < 0x20000),
        "probe read the entry array"
    );
    oracle::check(&before, &after, Profile::Iommufd, call, r, false).unwrap();
    assert_eq!(
        before.iommu.caches, after.iommu.caches,
        "a probe invalidates nothing"
    );
    // A handler that touches the array on a probe is caught.
    let mut touched = after.clone();
    let _ = touched
        .mem
        .copy_from_user(&mut FailNth::default(), 0x20000 + 8190, 24);
    let v = oracle::check(&before, &touched, Profile::Iommufd, call, r, false).unwrap_err();
    assert!(v.message.contains("outside what the user passed"), "{v:?}");
}

#[test]
fn invalidation_leaks_into_a_sibling_domain() {
    // PASID 1 is cached in domains 1 and 2; invalidating it in container 0 must not touch domain 2.
    let arg = VfioArg {
        cache: ci::TYPE_IOTLB,
        ..vfio()
    };
    v1_breaks_fixed_holds(
        &with(warm(), vfio_op(arg)),
        "another domain",
        Hazard::SiblingLeak,
    );
}

#[test]
fn every_profile_refuses_the_other_ioctl() {
    let mut world = World::new();
    let call = Call::HwptInvalidate { arg: 0x10000 };
    assert_eq!(
        ioctl(&mut world, Profile::V1, call, &mut FailNth::default()),
        Err(Errno::Enotty)
    );
}

#[test]
fn fail_nth_at_every_step_keeps_state_consistent() {
    for profile in [Profile::VfioFixed, Profile::Iommufd] {
        for n in 1..=12u8 {
            let mut ops = warm();
            ops.push(Op::SetFailing {
                dev: 2,
                failing: n % 3 == 0,
            });
            ops.push(match profile {
                Profile::Iommufd => Op::Hwpt {
                    arg: hwpt(vec![entry(0, 1), entry(1, 2), entry(3, 1)]),
                    fail_nth: Some(n),
                },
                _ => Op::Vfio {
                    arg: vfio(),
                    fail_nth: Some(n),
                },
            });
            // Translations after the fault must not be served from entries the call reported gone.
            ops.extend(warm());
            if let Err(v) = run_sequence(profile, &ops) {
                panic!("fail-nth {n}: {v}");
            }
        }
    }
}
