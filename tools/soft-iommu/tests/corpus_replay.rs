//! Replays every committed corpus file through the same harness functions the fuzz targets call,
//! on the stable toolchain: `corpora/<target>/*` and `corpora/regressions/<target>/*`. A failure
//! names the file.

use soft_iommu::harness::{self, Oracle, FIXED_PROFILES};
use soft_iommu::hazard::Hazard;
use soft_iommu::Profile;
use std::path::{Path, PathBuf};

fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpora")
}

fn files(target: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        corpora().join(target),
        corpora().join("regressions").join(target),
    ] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            out.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    out.sort();
    out
}

fn replay(target: &str, min_files: usize, body: impl Fn(&[u8]) -> Result<(), String>) {
    let files = files(target);
    assert!(
        files.len() >= min_files,
        "{target}: only {} corpus files",
        files.len()
    );
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            body(&bytes).err().map(|v| format!("{}:\n{v}", f.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} corpus files fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn ioctl_bytes_corpus() {
    replay("ioctl_bytes", 20, |d| {
        harness::ioctl_bytes(d, &FIXED_PROFILES, Oracle::On).map_err(|v| v.to_string())
    });
}

#[test]
fn copy_struct_corpus() {
    replay("copy_struct", 8, |d| harness::copy_struct(d, Oracle::On));
}

#[test]
fn invalidate_ops_corpus() {
    replay("invalidate_ops", 10, |d| {
        harness::invalidate_ops(d, &FIXED_PROFILES, Oracle::On).map_err(|v| v.to_string())
    });
}

#[test]
fn hazard_seeds_break_v1() {
    // The seeds named after a review hazard are real hazards: v1 fails each of them.
    let hazards: Vec<PathBuf> = files("ioctl_bytes")
        .into_iter()
        .filter(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("hazard-"))
        })
        .collect();
    assert!(hazards.len() >= 7);
    for f in hazards {
        let bytes = std::fs::read(&f).unwrap();
        let run = |oracle| harness::ioctl_bytes(&bytes, &[Profile::V1], oracle);
        let v = run(Oracle::On)
            .err()
            .unwrap_or_else(|| panic!("{} does not break v1", f.display()));
        // A hunt reports the seed's hazard and passes over it when it hunts any other.
        let hazard = Hazard::of(&v.finding)
            .unwrap_or_else(|| panic!("{}: not a review hazard: {v}", f.display()));
        assert!(run(Oracle::Hunt(hazard)).is_err(), "{}", f.display());
        for other in Hazard::ALL.into_iter().filter(|&h| h != hazard) {
            assert!(
                run(Oracle::Hunt(other)).is_ok(),
                "{} hunting {}",
                f.display(),
                other.name()
            );
        }
    }
}

#[test]
fn with_the_oracle_off_nothing_is_reported() {
    // `cargo xtask fuzz speed` runs the targets with UAPI_GUARD_ORACLE=off: the same operations on
    // the model alone, so even v1's hazards and a wrong copy_struct pass unreported.
    for f in files("ioctl_bytes") {
        let bytes = std::fs::read(&f).unwrap();
        assert!(harness::ioctl_bytes(&bytes, &[Profile::V1], Oracle::Off).is_ok());
    }
    for f in files("invalidate_ops") {
        let bytes = std::fs::read(&f).unwrap();
        assert!(harness::invalidate_ops(&bytes, &[Profile::V1], Oracle::Off).is_ok());
    }
    for f in files("copy_struct") {
        let bytes = std::fs::read(&f).unwrap();
        assert!(harness::copy_struct(&bytes, Oracle::Off).is_ok());
    }
    assert_eq!(Oracle::from_setting(Some("off"), None), Oracle::Off);
    assert_eq!(Oracle::from_setting(Some("on"), None), Oracle::On);
    assert_eq!(Oracle::from_setting(None, None), Oracle::On);
    // UAPI_GUARD_HUNT names a hazard; off still wins, and an unknown name hunts nothing.
    assert_eq!(
        Oracle::from_setting(None, Some("partial-failure")),
        Oracle::Hunt(Hazard::PartialFailure)
    );
    assert_eq!(
        Oracle::from_setting(Some("off"), Some("partial-failure")),
        Oracle::Off
    );
    assert_eq!(Oracle::from_setting(None, Some("no-such")), Oracle::On);
}

#[test]
fn truncated_empty_and_oversized_inputs_are_decoded_not_crashed() {
    let mut big = vec![0u8; 1 << 20];
    for (i, b) in big.iter_mut().enumerate() {
        *b = (i * 7 + i / 251) as u8;
    }
    for f in files("ioctl_bytes")
        .iter()
        .chain(&files("invalidate_ops"))
        .take(10)
    {
        let bytes = std::fs::read(f).unwrap();
        for cut in [0, 1, 2, 3, bytes.len() / 2] {
            let head = &bytes[..cut.min(bytes.len())];
            assert!(
                harness::ioctl_bytes(head, &FIXED_PROFILES, Oracle::On).is_ok(),
                "{} cut at {cut}",
                f.display()
            );
            assert!(
                harness::invalidate_ops(head, &FIXED_PROFILES, Oracle::On).is_ok(),
                "{} cut at {cut}",
                f.display()
            );
            assert!(
                harness::copy_struct(head, Oracle::On).is_ok(),
                "{} cut at {cut}",
                f.display()
            );
        }
    }
    assert!(harness::ioctl_bytes(&big, &FIXED_PROFILES, Oracle::On).is_ok());
    assert!(harness::invalidate_ops(&big, &FIXED_PROFILES, Oracle::On).is_ok());
    assert!(harness::copy_struct(&big, Oracle::On).is_ok());
}
