//! Throughput of the model under the oracle: a typical fuzz-sized sequence (guest mappings,
//! translations that fill every cache, an invalidation of each kind) run again and again.
//! `cargo bench -p soft-iommu` prints operations and sequences per second for each profile.

use soft_iommu::ops::{HwptArg, HwptEntry, Op, VfioArg};
use soft_iommu::{run_sequence, Profile};
use std::time::{Duration, Instant};

fn typical(profile: Profile) -> Vec<Op> {
    let mut ops = Vec::new();
    for page in 0..3u8 {
        ops.push(Op::GuestMap {
            dom: 0,
            pasid: 1,
            page,
            phys: u16::from(page) + 7,
        });
        ops.push(Op::Translate {
            dev: 0,
            pasid: 1,
            page,
        });
        ops.push(Op::Translate {
            dev: 1,
            pasid: 1,
            page,
        });
    }
    ops.push(Op::GuestMap {
        dom: 0,
        pasid: 1,
        page: 1,
        phys: 99,
    });
    let invalidate = match profile {
        Profile::Iommufd => Op::Hwpt {
            arg: HwptArg::typical(vec![HwptEntry::pages(1, 1)]),
            fail_nth: None,
        },
        _ => Op::Vfio {
            arg: VfioArg {
                cache: 6,
                ..VfioArg::typical()
            },
            fail_nth: None,
        },
    };
    ops.push(invalidate);
    ops.push(Op::Translate {
        dev: 0,
        pasid: 1,
        page: 1,
    });
    ops
}

fn main() {
    println!(
        "{:<12} {:>14} {:>16}",
        "profile", "sequences/s", "operations/s"
    );
    for profile in [Profile::V1, Profile::VfioFixed, Profile::Iommufd] {
        let ops = typical(profile);
        let mut runs = 0u64;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            for _ in 0..1000 {
                let _ = std::hint::black_box(run_sequence(profile, std::hint::black_box(&ops)));
            }
            runs += 1000;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{:<12} {:>14.0} {:>16.0}",
            profile.name(),
            runs as f64 / secs,
            (runs * ops.len() as u64) as f64 / secs
        );
    }
}
