//! Writes the `abi_check` seed corpus: the two small fixture snapshots (x86_64 and i386), each
//! with every perturbation kind, and with a valid, an expiring and a malformed waiver file.
//! Usage: cargo run -p uapi-abi --example make_abi_seeds -- corpora/abi_check

use std::path::Path;

const WAIVERS: [(&str, &str); 3] = [
    (
        "waiver",
        "[[waiver]]\nrule = \"record-removed\"\nitem = \"struct iommu_*\"\nreason = \"gone\"\nlink = \"https://lore.kernel.org/x\"\n",
    ),
    (
        "expiring",
        "[[waiver]]\nrule = \"field-inserted\"\nitem = \"struct x\"\nfield = \"a.*\"\narches = [\"i386\", \"arm\"]\nreason = \"r\"\nlink = \"l\"\nexpires = \"2027-02-28\"\n",
    ),
    ("malformed", "[[waiver]\nrule = "),
];

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "corpora/abi_check".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out).expect("create corpus dir");
    let snaps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../abi-snapshots/vfio");
    let mut n = 0;
    for version in ["5.5-fixture", "5.6-seed-v1-fixture"] {
        for arch in ["x86_64", "i386"] {
            let text = std::fs::read(snaps.join(version).join(format!("{arch}.layout")))
                .expect("fixture snapshot");
            for kind in 0u8..8 {
                let (wname, wtext) = WAIVERS[usize::from(kind) % WAIVERS.len()];
                let mut seed = vec![kind, 0, kind * 3, kind];
                seed.extend_from_slice(&text);
                seed.push(0);
                seed.extend_from_slice(wtext.as_bytes());
                let name = format!("seed-{version}-{arch}-kind{kind}-{wname}");
                std::fs::write(out.join(name), seed).expect("write seed");
                n += 1;
            }
        }
    }
    println!("wrote {n} seeds to {}", out.display());
}
