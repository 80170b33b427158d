//! Writes the seed corpora of the soft-iommu fuzz targets from meaningful inputs: every modelled
//! ioctl and struct version, the review's hazards, every size relation of copy_struct_from_user,
//! and operation sequences that reach a successful invalidation. Usage:
//! `cargo run -p soft-iommu --example make_seeds -- <corpora dir>` (see corpora/README.md).

use arbitrary::Unstructured;
use soft_iommu::harness::{self, FIXED_PROFILES};
use soft_iommu::ops::{hwpt_bytes, vfio_bytes, ArgSize, HwptArg, HwptEntry, NbGranules, VfioArg};
use soft_iommu::uapi::cache_info as ci;
use std::path::Path;

fn vfio() -> VfioArg {
    VfioArg::typical()
}

fn entry(addr_page: u16, npages: u64) -> HwptEntry {
    match u8::try_from(npages) {
        Ok(n) => HwptEntry::pages(addr_page, n),
        Err(_) => HwptEntry {
            npages: NbGranules::Huge((u64::MAX - npages) as u8),
            ..HwptEntry::pages(addr_page, 1)
        },
    }
}

fn hwpt(entries: Vec<HwptEntry>) -> HwptArg {
    HwptArg::typical(entries)
}

/// `[selector][len][arg][data]` for the ioctl_bytes target.
fn ioctl_input(selector: u8, arg: &[u8], data: &[u8]) -> Vec<u8> {
    let mut v = vec![selector];
    v.extend((arg.len() as u16).to_le_bytes());
    v.extend(arg);
    v.extend(data);
    v
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("create corpus dir");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn main() {
    let root = std::env::args().nth(1).unwrap_or_else(|| "corpora".into());
    let root = Path::new(&root);

    // ioctl_bytes: selector bit 0 picks the profile (vfio-fixed or iommufd in a normal run;
    // v1 in a hunt), bits 2-3 the container, bit 4 places the argument at the page end.
    let dir = root.join("ioctl_bytes");
    let vfio_cases: Vec<(&str, VfioArg)> = vec![
        ("vfio-pasid-all-caches", vfio()),
        (
            "vfio-domain-iotlb",
            VfioArg {
                granularity: ci::GRANU_DOMAIN,
                cache: ci::TYPE_IOTLB | ci::TYPE_PASID,
                ..vfio()
            },
        ),
        (
            "vfio-addr-range",
            VfioArg {
                granularity: ci::GRANU_ADDR,
                cache: ci::TYPE_IOTLB | ci::TYPE_DEV_IOTLB,
                info_flags: 5,
                addr_page: 1,
                nb_granules: NbGranules::Small(2),
                ..vfio()
            },
        ),
        (
            "vfio-version2-exact",
            VfioArg {
                version: 2,
                ..vfio()
            },
        ),
        (
            "hazard-grown-version-short-argsz",
            VfioArg {
                version: 2,
                argsz: ArgSize::Short(8),
                ..vfio()
            },
        ),
        (
            "hazard-argsz-below-version-size",
            VfioArg {
                argsz: ArgSize::Raw(12),
                ..vfio()
            },
        ),
        (
            "hazard-unknown-info-flags",
            VfioArg {
                info_flags: 0x21,
                ..vfio()
            },
        ),
        (
            "hazard-trailing-nonzero",
            VfioArg {
                argsz: ArgSize::Long(8),
                tail_byte: 0xff,
                ..vfio()
            },
        ),
        (
            "hazard-addr-overflow",
            VfioArg {
                granularity: ci::GRANU_ADDR,
                cache: ci::TYPE_IOTLB,
                addr_page: 1,
                nb_granules: NbGranules::Huge(0),
                ..vfio()
            },
        ),
        (
            "hazard-sibling-leak-pasid-iotlb",
            VfioArg {
                cache: ci::TYPE_IOTLB,
                ..vfio()
            },
        ),
        (
            "vfio-bad-padding",
            VfioArg {
                padding: 1,
                ..vfio()
            },
        ),
        (
            "vfio-domain-with-dev-iotlb",
            VfioArg {
                granularity: ci::GRANU_DOMAIN,
                cache: ci::TYPE_DEV_IOTLB,
                ..vfio()
            },
        ),
    ];
    for (name, arg) in &vfio_cases {
        write(&dir, name, &ioctl_input(0x00, &vfio_bytes(arg), &[]));
    }
    write(
        &dir,
        "hazard-non-nesting-container",
        &ioctl_input(0x08, &vfio_bytes(&vfio()), &[]),
    );
    write(
        &dir,
        "vfio-at-page-end",
        &ioctl_input(0x10, &vfio_bytes(&vfio()), &[]),
    );
    let hwpt_cases: Vec<(&str, HwptArg)> = vec![
        ("iommufd-two-entries", hwpt(vec![entry(0, 1), entry(1, 2)])),
        (
            "iommufd-flush-all",
            hwpt(vec![HwptEntry {
                npages: NbGranules::Huge(0),
                ..entry(0, 1)
            }]),
        ),
        (
            "iommufd-zero-entry-probe",
            HwptArg {
                entry_num_raw: Some(0),
                ..hwpt(vec![])
            },
        ),
        (
            "iommufd-bad-second-entry",
            hwpt(vec![
                entry(0, 1),
                HwptEntry {
                    reserved: 1,
                    ..entry(1, 1)
                },
            ]),
        ),
        (
            "iommufd-reserved",
            HwptArg {
                reserved: 1,
                ..hwpt(vec![entry(0, 1)])
            },
        ),
        (
            "iommufd-paging-hwpt",
            HwptArg {
                hwpt_id: 3,
                ..hwpt(vec![entry(0, 1)])
            },
        ),
        (
            "iommufd-unknown-hwpt",
            HwptArg {
                hwpt_id: 4,
                ..hwpt(vec![entry(0, 1)])
            },
        ),
        (
            "iommufd-trailing-nonzero",
            HwptArg {
                size: ArgSize::Long(8),
                tail_byte: 1,
                ..hwpt(vec![entry(0, 1)])
            },
        ),
        (
            "iommufd-entry-len-short",
            HwptArg {
                entry_len: ArgSize::Short(4),
                ..hwpt(vec![entry(0, 1)])
            },
        ),
        (
            "iommufd-entry-num-overflow",
            HwptArg {
                entry_num_raw: Some(u32::MAX),
                uptr_offset: 8192 - 48,
                ..hwpt(vec![entry(0, 1), entry(1, 1)])
            },
        ),
        (
            "iommufd-null-uptr",
            HwptArg {
                null_uptr: true,
                ..hwpt(vec![entry(0, 1)])
            },
        ),
        ("iommufd-range-overflow", hwpt(vec![entry(1, u64::MAX - 3)])),
    ];
    for (name, arg) in &hwpt_cases {
        let (bytes, data) = hwpt_bytes(arg);
        write(&dir, name, &ioctl_input(0x01, &bytes, &data));
    }

    // copy_struct: every size relation and fault position.
    let dir = root.join("copy_struct");
    let cs = |ksize: u16, usize_: u16, offset: u16, flags: u8, fail: u8, tail: &[u8]| {
        let mut v = Vec::new();
        v.extend(ksize.to_le_bytes());
        v.extend(usize_.to_le_bytes());
        v.extend(offset.to_le_bytes());
        v.extend([flags, fail]);
        v.extend(tail);
        v
    };
    let body: Vec<u8> = (1..=64).collect();
    let mut zero_tail = body[..32].to_vec();
    zero_tail.extend([0; 32]);
    write(&dir, "equal", &cs(32, 32, 0, 0, 0, &body));
    write(&dir, "user-smaller", &cs(48, 16, 0, 0, 0, &body));
    write(
        &dir,
        "user-larger-zero-tail",
        &cs(32, 64, 0, 0, 0, &zero_tail),
    );
    write(
        &dir,
        "user-larger-nonzero-tail",
        &cs(32, 64, 0, 0, 0, &body),
    );
    write(
        &dir,
        "crosses-unmapped-page",
        &cs(32, 32, 4080, 1, 0, &body),
    );
    write(
        &dir,
        "tail-in-unmapped-page",
        &cs(8, 64, 4064, 1, 0, &zero_tail),
    );
    write(&dir, "fail-first-copy", &cs(32, 64, 0, 2, 1, &zero_tail));
    write(&dir, "fail-second-copy", &cs(32, 64, 0, 2, 2, &zero_tail));
    write(&dir, "zero-sizes", &cs(0, 0, 0, 0, 0, &[]));

    // invalidate_ops: operation sequences, found by search, that reach every kind of result.
    let dir = root.join("invalidate_ops");
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut kept = 0;
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..20000 {
        let bytes: Vec<u8> = (0..(32 + (i % 16) * 16))
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let mut u = Unstructured::new(&bytes);
        let Ok(p) = u.choose_index(FIXED_PROFILES.len()) else {
            continue;
        };
        let mut ops = Vec::new();
        while !u.is_empty() && ops.len() < harness::MAX_OPS {
            match <soft_iommu::Op as arbitrary::Arbitrary>::arbitrary(&mut u) {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        let Ok(stats) = soft_iommu::run_sequence(FIXED_PROFILES[p], &ops) else {
            continue;
        };
        // Keep one sequence per (profile, successes, failures) shape with at least one success.
        let key = (p, stats.ioctl_ok.min(3), stats.ioctl_err.min(3));
        if stats.ioctl_ok > 0 && seen.insert(key) {
            write(&dir, &format!("search-{kept:02}"), &bytes);
            kept += 1;
        }
    }
    println!("wrote seeds under {}", root.display());
}
