//! The fuzz targets' bodies without libFuzzer: inputs per second of each harness function over
//! its committed corpus (`corpora/<target>/`), the ceiling a fuzz run can reach on this machine.

use soft_iommu::harness::{self, Oracle, FIXED_PROFILES};
use std::path::Path;
use std::time::{Duration, Instant};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpora")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

fn measure(target: &str, run: impl Fn(&[u8])) {
    let inputs = corpus(target);
    let mut runs = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        for input in &inputs {
            run(std::hint::black_box(input));
        }
        runs += inputs.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{target:<16} {:>7} {:>14.0}",
        inputs.len(),
        runs as f64 / secs
    );
}

fn main() {
    println!("{:<16} {:>7} {:>14}", "target", "inputs", "inputs/s");
    measure("ioctl_bytes", |d| {
        let _ = harness::ioctl_bytes(d, &FIXED_PROFILES, Oracle::On);
    });
    measure("copy_struct", |d| {
        let _ = harness::copy_struct(d, Oracle::On);
    });
    measure("invalidate_ops", |d| {
        let _ = harness::invalidate_ops(d, &FIXED_PROFILES, Oracle::On);
    });
}
